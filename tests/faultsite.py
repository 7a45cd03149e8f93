"""A news site on 127.0.0.1 where every URL but a few is a fault: the source side of the fault matrix (issue #9).

``FAULTS`` maps each article-level fault class to how it is served (``serve``, or ``address`` for the
faults that live at another address: a name under ``.invalid``, https on a plain-HTTP port, a private or
link-local address, a port that refuses connections, a host whose robots.txt fails) and to the outcome
the pipeline must record for it in fetch_log (``outcome``/``reason``/``http_status``/``attempts``) and the
requests the site must see for it (``hits``). ``LISTING_FAULTS`` does the same for feeds and sitemaps.

The expected values follow from the HTTP settings the matrix runs with (``FAULT_HTTP``: at most
``MAX_ATTEMPTS`` tries per URL, ``MAX_REDIRECTS`` hops, ``MAX_PAGE_BYTES`` per body), never from an
earlier run. :class:`FaultSite` serves all of it; ``article_feed()`` lists one URL per article fault
among ``GOOD_ARTICLES``, ``listing_source_urls()`` the feeds and sitemaps of the listing faults.
"""

from __future__ import annotations

import datetime as dt
import functools
import random
import socket
import struct
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from xml.sax.saxutils import escape

from localserver import Exchange, LocalServer, Request
from newslake.discover import MAX_SITEMAP_BYTES

DAY = dt.date(2026, 11, 24)
PUB_DATE = "Tue, 24 Nov 2026 10:00:00 +0100"  # in the feed: DAY in the sources' timezone
PUBLISHED = "2026-11-24T10:00:00+01:00"  # on the pages
TIMEZONE = "Africa/Casablanca"

# The HTTP settings the matrix runs with (HttpSettings fields): short, so that the slow faults cost
# about a second each, and with a backoff_max that lets a Retry-After of RETRY_AFTER seconds be honoured.
MAX_ATTEMPTS = 2
MAX_REDIRECTS = 3
CHAIN_LENGTH = 2 * MAX_REDIRECTS + 2  # redirects of the redirect_chain_past_cap fault
RETRY_AFTER = 1
READ_TIMEOUT = 1.0
TOTAL_TIMEOUT = 2.5
FAULT_HTTP = dict(
    connect_timeout=2.0, read_timeout=READ_TIMEOUT, total_timeout=TOTAL_TIMEOUT, max_attempts=MAX_ATTEMPTS,
    max_redirects=MAX_REDIRECTS, backoff_base=0.01, backoff_max=float(RETRY_AFTER),
)
MAX_PAGE_BYTES = 256 * 1024  # Settings.max_page_bytes: the decompressed body cap
GOOD_ARTICLES = ("/articles/good-1.html", "/articles/good-2.html", "/articles/good-3.html")
TIMES_LISTED = 20  # how often the feed lists the "listed_many_times" URL, in different spellings
PRIVATE_ADDRESS = "10.254.0.1"  # a private address listed by the feed
METADATA_URL = "http://169.254.169.254/latest/meta-data/iam/security-credentials/"  # link-local, cloud metadata
DNS_FAILURE_HOST = "newslake-fault-matrix.invalid"  # RFC 6761: never resolves

SITE = "site"  # the fault is served at /fault/<name>/ on the site itself
CONTROL_CHARACTERS = "\x00\x0b\x1a\x7f\x85"
PAGE_BOMB_BYTES = 32 * 1024 * 1024  # an article's gzip bomb: 128 x MAX_PAGE_BYTES once decompressed
SITEMAP_BOMB_BYTES = 64 * 1024 * 1024  # a sitemap's: past the 50 MiB sitemap cap (discover.MAX_SITEMAP_BYTES)
BOMB_SIZES = (PAGE_BOMB_BYTES, SITEMAP_BOMB_BYTES)
assert SITEMAP_BOMB_BYTES > MAX_SITEMAP_BYTES


def article_html(title: str, topic: str, *, lang: str = "en", meta_charset: str | None = "utf-8", extra: str = "") -> str:
    """A plain news article of DAY: a headline, a publication time, five paragraphs about ``topic``."""
    if lang == "fr":
        paragraphs = [
            f"Paragraphe {i} : les élus de la région se sont réunis mardi à Fès pour débattre de {topic}, "
            f"du budget des transports et des écoles à bâtir l'année prochaine dans les provinces du nord."
            for i in range(1, 6)
        ]
    else:
        paragraphs = [
            f"Paragraph {i}: the regional council met on Tuesday to discuss {topic}, the budget for public "
            f"transport and the schools to be built next year in the northern provinces.{extra}"
            for i in range(1, 6)
        ]
    charset = f'<meta charset="{meta_charset}">' if meta_charset else ""
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f'<html lang="{lang}"><head>{charset}<title>{title} | Fault Daily</title>'
        f'<meta property="article:published_time" content="{PUBLISHED}"></head>'
        f"<body><nav><a href='/'>Home</a></nav><article><h1>{title}</h1>{body}</article></body></html>"
    )


def good_article(path: str) -> str:
    number = path.rsplit("-", 1)[1].split(".")[0]
    return article_html(f"Good story {number}", f"good story number {number} about the harbour")


def fault_article(name: str) -> bytes:
    """A valid article unique to the fault class (identical texts would be skipped as duplicates)."""
    return article_html(name.replace("_", " ").capitalize(), f"the {name.replace('_', ' ')} incident").encode()


@functools.cache
def gzip_bomb(decompressed_bytes: int) -> bytes:
    """gzip of that many zero bytes, built in 1 MiB steps (a 32 MiB bomb is ~32 KB on the wire)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    chunk = bytes(1024 * 1024)
    parts = [compressor.compress(chunk) for _ in range(decompressed_bytes // len(chunk))]
    return b"".join(parts) + compressor.flush()


# -- how faults are served --------------------------------------------------------------------------


def reset_connection(http: Exchange) -> None:
    """Abort the TCP connection (RST, not FIN): SO_LINGER with a zero timeout, then close."""
    http.close_connection = True
    http.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    http.connection.close()


def start_response(http: Exchange, content_type: str, length: int | None, headers: dict[str, str] | None = None) -> None:
    http.send_response(200)
    http.send_header("Content-Type", content_type)
    if length is not None:
        http.send_header("Content-Length", str(length))
    for name, value in (headers or {}).items():
        http.send_header(name, value)
    http.end_headers()


def article_reply(name: str) -> Callable[[Request, Exchange], None]:
    return lambda request, http: http.reply(200, fault_article(name), "text/html; charset=utf-8")


def status_reply(status: int, headers: dict[str, str] | None = None) -> Callable[[Request, Exchange], None]:
    return lambda request, http: http.reply(status, b"<html><body>error</body></html>", "text/html", headers)


def fails_first(status: int, name: str, headers: dict[str, str] | None = None) -> Callable[[Request, Exchange], None]:
    def serve(request: Request, http: Exchange) -> None:
        if request.hit == 1:
            http.reply(status, b"try again", "text/plain", headers)
        else:
            http.reply(200, fault_article(name), "text/html; charset=utf-8")

    return serve


def reset_mid_headers(request: Request, http: Exchange) -> None:
    http.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/ht")
    reset_connection(http)


def reset_mid_body(request: Request, http: Exchange) -> None:
    body = fault_article("reset_mid_body")
    start_response(http, "text/html; charset=utf-8", len(body))
    http.wfile.write(body[: len(body) // 3])
    reset_connection(http)


def truncated_body(request: Request, http: Exchange) -> None:
    """Declares the whole article's length, sends a third of it, then closes cleanly (FIN)."""
    body = fault_article("truncated_body")
    start_response(http, "text/html; charset=utf-8", len(body))
    http.wfile.write(body[: len(body) // 3])
    http.close_connection = True


def slow_headers(request: Request, http: Exchange) -> None:
    time.sleep(READ_TIMEOUT * 3)
    http.reply(200, fault_article("slow_headers"), "text/html; charset=utf-8")


def trickling_body(request: Request, http: Exchange) -> None:
    """One byte every READ_TIMEOUT/4 seconds: never silent for a read timeout, far past the total one."""
    body = fault_article("trickling_body")
    start_response(http, "text/html; charset=utf-8", len(body))
    try:
        for byte in body:
            http.wfile.write(bytes([byte]))
            time.sleep(READ_TIMEOUT / 4)
    except OSError:  # the client gave up, as it should
        http.close_connection = True


def oversized_body(request: Request, http: Exchange) -> None:
    http.reply(200, b"<p>" + b"x" * (4 * MAX_PAGE_BYTES) + b"</p>", "text/html")


def oversized_chunked_body(request: Request, http: Exchange) -> None:
    """No Content-Length to refuse early on: the cap must hold while streaming."""
    http.send_response(200)
    http.send_header("Content-Type", "text/html")
    http.send_header("Transfer-Encoding", "chunked")
    http.end_headers()
    chunk = b"<p>" + b"y" * 16384 + b"</p>"
    try:
        for _ in range(4 * MAX_PAGE_BYTES // len(chunk) + 1):
            http.wfile.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
        http.wfile.write(b"0\r\n\r\n")
    except OSError:
        http.close_connection = True


def gzip_bomb_page(request: Request, http: Exchange) -> None:
    http.reply(200, gzip_bomb(PAGE_BOMB_BYTES), "text/html", {"Content-Encoding": "gzip"})


def corrupt_gzip(request: Request, http: Exchange) -> None:
    http.reply(200, b"this was never gzip " * 20, "text/html", {"Content-Encoding": "gzip"})


def wrong_declared_charset(request: Request, http: Exchange) -> None:
    """The header says UTF-8, the bytes are windows-1252 (and the page's own <meta> says so)."""
    page = article_html("Réunion du conseil régional", "la charte communale", lang="fr", meta_charset="windows-1252")
    http.reply(200, page.encode("cp1252"), "text/html; charset=utf-8")


def missing_charset(request: Request, http: Exchange) -> None:
    """windows-1252 bytes with no charset anywhere: neither in the header nor in the page."""
    page = article_html("Séance du conseil municipal", "la régie des eaux", lang="fr", meta_charset=None)
    http.reply(200, page.encode("cp1252"), "text/html")


def binary_as_html(request: Request, http: Exchange) -> None:
    http.reply(200, random.Random(9).randbytes(8000), "text/html")


def image_png(request: Request, http: Exchange) -> None:
    http.reply(200, b"\x89PNG\r\n\x1a\n" + random.Random(10).randbytes(2000), "image/png")


def no_article_text(request: Request, http: Exchange) -> None:
    """A page of links only (a section front): nothing readability can call an article."""
    links = "".join(f"<li><a href='/section/{i}'>Section {i}</a></li>" for i in range(30))
    http.reply(200, f"<html><head><title>Sections</title></head><body><ul>{links}</ul></body></html>".encode(), "text/html; charset=utf-8")


def control_characters(request: Request, http: Exchange) -> None:
    """An article sprinkled with characters lxml refuses (readability used to raise on them)."""
    page = article_html("Stray control characters", "the control characters incident", extra=CONTROL_CHARACTERS)
    http.reply(200, page.encode(), "text/html; charset=utf-8")


def empty_body(request: Request, http: Exchange) -> None:
    http.reply(200, b"", "text/html; charset=utf-8")


def redirect_loop(request: Request, http: Exchange) -> None:
    folder, _, last = request.path.rpartition("/")
    http.reply(301, b"", headers={"Location": f"{folder}/{'a' if last == 'b' else 'b'}"})


def redirect_chain(request: Request, http: Exchange) -> None:
    """.../article.html -> .../hop-1 -> ... -> .../hop-8, an article: a chain that ends, but past the cap."""
    folder, _, last = request.path.rpartition("/")
    hop = 0 if last == "article.html" else int(last.removeprefix("hop-"))
    if hop == CHAIN_LENGTH:
        http.reply(200, fault_article("redirect_chain"), "text/html; charset=utf-8")
    else:
        http.reply(302, b"", headers={"Location": f"{folder}/hop-{hop + 1}"})


def mirror_of_good_article(request: Request, http: Exchange) -> None:
    """The same page as the first good article, under another URL (a print or AMP mirror)."""
    http.reply(200, good_article(GOOD_ARTICLES[0]).encode(), "text/html; charset=utf-8")


# -- the table ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Fault:
    """One article-level fault class and the fetch_log row it must produce.

    ``address``: SITE (served by ``serve`` at /fault/<name>/…) or where the feed points instead.
    ``hits``: requests the server at that address must receive for the fault's URLs (None: there
    is no server there to ask). ``text``: a phrase the landed article's text must contain.
    """

    name: str
    does: str
    outcome: str  # landed | skipped | failed
    reason: str | None
    http_status: int | None
    attempts: int
    hits: int | None
    serve: Callable[[Request, Exchange], None] | None = None
    address: str = SITE
    text: str | None = None
    times_listed: int = 1

    @property
    def expected(self) -> str:
        return self.outcome if self.reason is None else f"{self.outcome}:{self.reason}"


ALL_TRIES = MAX_ATTEMPTS
HOPS = 1 + MAX_REDIRECTS  # the first request and every hop followed, then the cap stops it

_FAULTS = [
    Fault("http_404", "404 Not Found", "failed", "http_404", 404, 1, 1, status_reply(404)),
    Fault("http_410", "410 Gone (a withdrawn article)", "failed", "http_410", 410, 1, 1, status_reply(410)),
    Fault("http_500_persisting", "500 on every try", "failed", "http_500", 500, ALL_TRIES, ALL_TRIES, status_reply(500)),
    Fault("http_500_then_200", "500 once, then the article", "landed", None, 200, 2, 2, fails_first(500, "http_500_then_200")),
    Fault("http_429_retry_after", f"429 with Retry-After: {RETRY_AFTER} once, then the article", "landed", None, 200, 2, 2,
          fails_first(429, "http_429_retry_after", {"Retry-After": str(RETRY_AFTER)})),
    Fault("http_503_retry_after", f"503 with Retry-After: {RETRY_AFTER} on every try", "failed", "http_503", 503, ALL_TRIES,
          ALL_TRIES, status_reply(503, {"Retry-After": str(RETRY_AFTER)})),
    Fault("unexpected_304", "304 Not Modified to an unconditional GET", "failed", "http_304", 304, 1, 1, status_reply(304)),
    Fault("reset_mid_headers", "TCP reset half-way through the status line and headers", "failed", "connect_error", None,
          ALL_TRIES, ALL_TRIES, reset_mid_headers),
    Fault("reset_mid_body", "TCP reset after a third of the body", "failed", "connect_error", 200, ALL_TRIES, ALL_TRIES,
          reset_mid_body),
    Fault("truncated_body", "Content-Length of the whole page, a third sent, then a clean close", "failed", "connect_error",
          200, ALL_TRIES, ALL_TRIES, truncated_body),
    Fault("slow_headers", f"no response for {READ_TIMEOUT * 3:g} s (read timeout {READ_TIMEOUT:g} s)", "failed", "timeout", None,
          ALL_TRIES, ALL_TRIES, slow_headers),
    Fault("trickling_body", f"one byte every {READ_TIMEOUT / 4:.2f} s (total timeout {TOTAL_TIMEOUT:g} s)", "failed", "timeout",
          200, ALL_TRIES, ALL_TRIES, trickling_body),
    Fault("oversized_body", f"a {4 * MAX_PAGE_BYTES} byte page with its Content-Length (cap {MAX_PAGE_BYTES})", "failed",
          "too_large", 200, 1, 1, oversized_body),
    Fault("oversized_chunked_body", "a page past the cap, chunked (no Content-Length)", "failed", "too_large", 200, 1, 1,
          oversized_chunked_body),
    Fault("gzip_bomb", "Content-Encoding: gzip, 32 KB on the wire, 32 MiB decompressed", "failed", "too_large", 200, 1, 1,
          gzip_bomb_page),
    Fault("corrupt_gzip", "Content-Encoding: gzip on a body that is not gzip", "failed", "decode_error", 200, 1, 1, corrupt_gzip),
    Fault("wrong_declared_charset", "header charset=utf-8 on windows-1252 bytes", "landed", None, 200, 1, 1,
          wrong_declared_charset, text="les élus de la région se sont réunis mardi à Fès"),
    Fault("missing_charset", "windows-1252 bytes, no charset in header or page", "landed", None, 200, 1, 1, missing_charset,
          text="les élus de la région se sont réunis mardi à Fès"),
    Fault("binary_as_html", "8000 random bytes served as text/html", "failed", "extract_parse_error", 200, 1, 1, binary_as_html),
    Fault("non_html_content_type", "a PNG image (image/png)", "skipped", "not_allowed_content_type", 200, 1, 1, image_png),
    Fault("no_article_text", "a page of links only (a section front)", "failed", "extract_no_text", 200, 1, 1, no_article_text),
    Fault("control_characters", "an article with NUL, VT, SUB, DEL and NEL characters in its text", "landed", None, 200, 1, 1,
          control_characters, text="the control characters incident"),
    Fault("empty_200", "200 with an empty body", "failed", "extract_empty", 200, 1, 1, empty_body),
    Fault("redirect_loop", "301 A -> B -> A ...", "failed", "too_many_redirects", 301, 1, HOPS, redirect_loop),
    Fault("redirect_chain_past_cap", f"a chain of {CHAIN_LENGTH} redirects (cap {MAX_REDIRECTS})", "failed",
          "too_many_redirects", 302, 1, HOPS, redirect_chain),
    Fault("redirect_without_location", "302 without a Location header", "failed", "bad_redirect", 302, 1, 1, status_reply(302)),
    Fault("redirect_to_link_local", f"302 to the cloud metadata address {METADATA_URL}", "failed", "blocked_address", None, 1, 1,
          lambda request, http: http.reply(302, b"", headers={"Location": METADATA_URL})),
    Fault("listed_private_address", f"the feed lists a URL on {PRIVATE_ADDRESS}", "failed", "blocked_address", None, 0, None,
          address="private"),
    Fault("robots_disallowed", "robots.txt disallows the article's path", "skipped", "robots_disallowed", None, 0, 0,
          article_reply("robots_disallowed"), address="robots_disallowed"),
    Fault("robots_5xx", "the article's host answers 503 for robots.txt", "failed", "robots_unreachable", None, 0, 0,
          address="robots_5xx"),
    Fault("dns_failure", f"a host under .invalid ({DNS_FAILURE_HOST})", "failed", "dns", None, 1, None, address="dns"),
    # The client asks for the origin's robots.txt first, and that fetch is what meets the failure; the
    # URL is recorded with the failure itself (nothing was sent for the URL: 0 attempts).
    Fault("tls_error", "https:// to the site's plain-HTTP port", "failed", "tls", None, 0, 0, address="tls"),
    Fault("connection_refused", "a port bound but not listening (connection refused)", "failed", "connect_error", None, 0,
          None, address="refused"),
    Fault("listed_many_times", f"the feed lists the article {TIMES_LISTED} times, spelt differently", "landed", None, 200, 1, 1,
          article_reply("listed_many_times"), times_listed=TIMES_LISTED),
    Fault("mirror_of_good_article", "the first good article's page under another URL", "skipped", "duplicate_content", 200, 1, 1,
          mirror_of_good_article),
]
FAULTS: dict[str, Fault] = {fault.name: fault for fault in _FAULTS}
assert len(FAULTS) == len(_FAULTS), "fault class names must be unique"


# -- listing faults ---------------------------------------------------------------------------------

LAUGHS = "".join(f'<!ENTITY lol{i} "{"&lol%d;" % (i - 1) * 10}">' for i in range(1, 10))


def rss(items: list[tuple[str, str]], base: str) -> str:
    """An RSS 2.0 feed of (title, path) items dated DAY."""
    entries = "".join(
        f"<item><title>{escape(title)}</title><link>{base}{path}</link><pubDate>{PUB_DATE}</pubDate></item>" for title, path in items
    )
    return f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Fault Daily</title>{entries}</channel></rss>'


def entity_bomb_feed(base: str) -> bytes:
    return (
        f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY lol0 "lol">{LAUGHS}]>'
        '<rss version="2.0"><channel><title>&lol9;</title>'
        f"<item><title>&lol9;</title><link>{base}/listing-articles/entity-bomb.html</link>"
        f"<pubDate>{PUB_DATE}</pubDate></item></channel></rss>"
    ).encode()


def truncated_feed(base: str) -> bytes:
    """Cut in the middle of its second item: the first one is still readable."""
    whole = rss([("Before the cut", "/listing-articles/truncated-feed.html"), ("After the cut", "/listing-articles/lost.html")], base)
    return whole[: whole.index("After the cut") + 5].encode()


def huge_feed(base: str) -> bytes:
    items = [(f"Filler {i}", f"/listing-articles/filler-{i}.html") for i in range(MAX_PAGE_BYTES // 100 + 100)]
    body = rss(items, base).encode()
    assert len(body) > MAX_PAGE_BYTES
    return body


def sitemap_loop(base: str) -> bytes:
    """A sitemap index that lists itself (and one real sitemap)."""
    return (
        '<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"<sitemap><loc>{base}/listing/sitemap-loop.xml</loc></sitemap>"
        f"<sitemap><loc>{base}/listing/sitemap-articles.xml</loc></sitemap></sitemapindex>"
    ).encode()


def sitemap_articles(base: str) -> bytes:
    return (
        '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"<url><loc>{base}/listing-articles/sitemap-child.html</loc><lastmod>{PUBLISHED}</lastmod></url></urlset>"
    ).encode()


@dataclass(frozen=True)
class ListingFault:
    """One listing-level fault class and the listing outcome it must produce (a fetch_log row of kind
    feed or sitemap, and the listing's entry in raw/.../discovered.json)."""

    name: str
    does: str
    kind: str  # feed | sitemap
    path: str
    content_type: str
    body: Callable[[str], bytes]
    outcome: str  # fetched | failed
    reason: str | None
    items: int  # URLs (or child sitemaps) the listing yields
    hits: int  # requests for its path: 1, however it loops

    @property
    def expected(self) -> str:
        return self.outcome if self.reason is None else f"{self.outcome}:{self.reason}"


RSS_TYPE = "application/rss+xml; charset=utf-8"
_LISTING_FAULTS = [
    ListingFault("malformed_feed", "a feed that is not XML at all", "feed", "/listing/malformed.xml", RSS_TYPE,
                 lambda base: b"\x00\x01<rss version='2.0'><chan\xff\xfe{{{ not xml", "failed", "parse_error", 0, 1),
    ListingFault("truncated_feed", "a feed cut in the middle of its second item", "feed", "/listing/truncated.xml", RSS_TYPE,
                 truncated_feed, "fetched", None, 1, 1),
    ListingFault("entity_bomb_feed", "a billion-laughs DTD (entities nested 10 deep, 10 wide)", "feed",
                 "/listing/entity-bomb.xml", RSS_TYPE, entity_bomb_feed, "fetched", None, 1, 1),
    ListingFault("huge_feed", f"a feed of more than {MAX_PAGE_BYTES} bytes", "feed", "/listing/huge.xml", RSS_TYPE, huge_feed,
                 "failed", "too_large", 0, 1),
    ListingFault("feed_served_as_html", "the feed URL answers an HTML page (a moved feed)", "feed", "/listing/moved.xml",
                 "text/html; charset=utf-8", lambda base: good_article("/x/good-0.html").encode(), "failed",
                 "not_allowed_content_type", 0, 1),
    ListingFault("sitemap_index_loop", "a sitemap index listing itself (and one urlset)", "sitemap",
                 "/listing/sitemap-loop.xml", "application/xml", sitemap_loop, "fetched", None, 2, 1),
    ListingFault("sitemap_gzip_bomb", "a gzipped sitemap of 64 MiB of zeros (the sitemap cap is 50 MiB)", "sitemap",
                 "/listing/sitemap-bomb.xml.gz", "application/x-gzip", lambda base: gzip_bomb(SITEMAP_BOMB_BYTES), "failed",
                 "too_large", 0, 1),
]
LISTING_FAULTS: dict[str, ListingFault] = {fault.name: fault for fault in _LISTING_FAULTS}
# The good listings of the listing-fault source, and the articles every listing that reads must land.
GOOD_FEED = "/listing/good.xml"
LISTING_ARTICLES = (
    "/listing-articles/good-feed.html",
    "/listing-articles/truncated-feed.html",
    "/listing-articles/entity-bomb.html",
    "/listing-articles/sitemap-child.html",
)


# -- the site ---------------------------------------------------------------------------------------


class FaultSite(LocalServer):
    """The fault site on 127.0.0.1, plus what some faults need beside it: a server whose robots.txt
    answers 503 (``robots_down``) and a bound, never-listening socket whose port refuses connections."""

    def __init__(self) -> None:
        super().__init__(self._serve)
        self.robots_down = LocalServer(self._serve_robots_down)
        self._refusing = socket.socket()
        self._refusing.bind(("127.0.0.1", 0))  # bound so no one else takes the port; never listening
        self.refused_port = self._refusing.getsockname()[1]
        # Built before the first request, or building them would itself be a slow-headers fault.
        for size in BOMB_SIZES:
            gzip_bomb(size)

    def close(self) -> None:
        super().close()
        self.robots_down.close()
        self._refusing.close()

    # -- addresses

    def fault_url(self, fault: Fault) -> str:
        path = f"/fault/{fault.name}/article.html"
        return {
            SITE: self.base_url + path,
            "robots_disallowed": self.base_url + "/private" + path,
            "robots_5xx": self.robots_down.base_url + path,
            "tls": self.base_url.replace("http://", "https://") + path,
            "refused": f"http://127.0.0.1:{self.refused_port}{path}",
            "private": f"http://{PRIVATE_ADDRESS}{path}",
            "dns": f"http://{DNS_FAILURE_HOST}{path}",
        }[fault.address]

    def fault_hits(self, fault: Fault) -> int:
        """Requests received for the fault's URLs (redirect hops included) at its address."""
        server = self.robots_down if fault.address == "robots_5xx" else self
        prefix = ("/private" if fault.address == "robots_disallowed" else "") + f"/fault/{fault.name}/"
        return sum(1 for request in server.requests if request.path.startswith(prefix))

    def article_feed(self) -> str:
        """The feed of the article-fault source: the good articles and one URL per fault class."""
        items = [(f"Good {path}", path) for path in GOOD_ARTICLES]
        entries = "".join(
            f"<item><title>{title}</title><link>{self.base_url}{path}</link><pubDate>{PUB_DATE}</pubDate></item>" for title, path in items
        )
        for fault in FAULTS.values():
            for spelling in self._spellings(self.fault_url(fault), fault.times_listed):
                entries += f"<item><title>{fault.name}</title><link>{escape(spelling)}</link><pubDate>{PUB_DATE}</pubDate></item>"
        return f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Fault Daily</title>{entries}</channel></rss>'

    @staticmethod
    def _spellings(url: str, count: int) -> list[str]:
        """``count`` spellings of one URL that all canonicalise to it (tracking parameters, fragments)."""
        return [url] + [f"{url}?utm_source=rss&utm_campaign=c{i}#comments-{i}" for i in range(1, count)]

    def listing_source_urls(self) -> tuple[list[str], list[str]]:
        """(feeds, sitemaps) of the listing-fault source: every listing fault and one good feed."""
        feeds = [self.url(f.path) for f in LISTING_FAULTS.values() if f.kind == "feed"] + [self.url(GOOD_FEED)]
        sitemaps = [self.url(f.path) for f in LISTING_FAULTS.values() if f.kind == "sitemap"]
        return feeds, sitemaps

    # -- serving

    def _serve(self, request: Request, http: Exchange) -> None:
        path = request.path
        listings = {f.path: f for f in LISTING_FAULTS.values()}
        if path == "/robots.txt":
            http.reply(200, b"User-agent: *\nDisallow: /private/\n", "text/plain")
        elif path == "/feed.xml":
            http.reply(200, self.article_feed().encode(), RSS_TYPE)
        elif path in GOOD_ARTICLES:
            http.reply(200, good_article(path).encode(), "text/html; charset=utf-8")
        elif path.startswith(("/fault/", "/private/fault/")):
            name = path.removeprefix("/private").split("/")[2]
            fault = FAULTS.get(name)
            if fault is None or fault.serve is None:
                http.reply(404, b"no such fault", "text/plain")
            else:
                fault.serve(request, http)
        elif path in listings:
            http.reply(200, listings[path].body(self.base_url), listings[path].content_type)
        elif path == GOOD_FEED:
            http.reply(200, rss([("Good feed article", LISTING_ARTICLES[0])], self.base_url).encode(), RSS_TYPE)
        elif path == "/listing/sitemap-articles.xml":
            http.reply(200, sitemap_articles(self.base_url), "application/xml")
        elif path in LISTING_ARTICLES:
            name = path.rsplit("/", 1)[1].removesuffix(".html")
            http.reply(200, article_html(f"Listing article {name}", f"the {name} listing").encode(), "text/html; charset=utf-8")
        else:
            http.reply(404, b"not found", "text/plain")

    @staticmethod
    def _serve_robots_down(request: Request, http: Exchange) -> None:
        if request.path == "/robots.txt":
            http.reply(503, b"robots.txt is down", "text/plain")
        else:  # never asked for: with robots.txt unreachable, nothing on this host may be crawled
            http.reply(200, fault_article("robots_5xx"), "text/html; charset=utf-8")
