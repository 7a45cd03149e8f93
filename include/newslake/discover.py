"""Discover the article URLs a source listed for one day, from its feeds, sitemaps and archives.

A source is described by RSS/Atom feed URLs, XML sitemap URLs (plain, gzipped, Google
News, or sitemap indexes pointing at more sitemaps) and optionally date-templated archive
pages (:class:`ArchiveSpec`, "all articles of day D", which still list a day the feed
has forgotten: the way to backfill). :func:`discover_urls` fetches them all through the
shared :class:`~newslake.http.HttpClient`, parses them, canonicalises every article URL,
collapses duplicates and splits the rest by the date they were listed with:

* ``in_window``: listed on ``day`` in the source's timezone (an archive page for ``day``
  dates everything it links to), or listed without a date (those are fetched anyway and
  placed on a day after extraction);
* ``out_of_window``: listed with another date;
* ``duplicates``: a canonical URL already seen.

Listing dates are only a first cut: a sitemap ``<lastmod>`` is a modification time,
so the extracted publication date has the last word downstream.

Optionally, sitemaps announced in each host's robots.txt are crawled too, and feeds and
sitemaps are fetched conditionally (``If-None-Match``/``If-Modified-Since``) against a
:class:`ListingCache`, so an unchanged listing costs a 304 instead of its body.

Listings are untrusted input: XML is parsed without entity expansion or network access,
gzip bodies are decompressed under a size cap, and archive pages only yield links to
their own host.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import logging
import re
import string
import time
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, tzinfo
from typing import Protocol
from urllib.parse import urljoin, urlsplit
from xml.sax import SAXException
from zoneinfo import ZoneInfo

import cssselect
import feedparser
import lxml.html
from dateutil.parser import isoparse
from lxml import etree
from lxml.cssselect import CSSSelector

from newslake.http import FetchResult, HttpClient
from newslake.urls import canonicalize_url, url_host

__all__ = [
    "ARCHIVE_CONTENT_TYPES",
    "FEED_CONTENT_TYPES",
    "MAX_SITEMAP_BYTES",
    "ROBOTS_CONTENT_TYPES",
    "SITEMAP_CONTENT_TYPES",
    "ArchiveSpec",
    "CachedListing",
    "DiscoveredUrl",
    "Discovery",
    "ListingCache",
    "ListingOutcome",
    "ListingParseError",
    "MemoryListingCache",
    "discover_urls",
    "parse_archive_page",
    "parse_feed",
    "parse_robots_sitemaps",
    "parse_sitemap",
]

logger = logging.getLogger(__name__)

# text/html is deliberately absent: a feed URL answering HTML is a moved or broken feed.
FEED_CONTENT_TYPES = (
    "application/rss+xml",
    "application/atom+xml",
    "application/rdf+xml",
    "application/xml",
    "text/xml",
)
SITEMAP_CONTENT_TYPES = (
    "application/xml",
    "text/xml",
    "application/x-gzip",
    "application/gzip",
    "application/octet-stream",
)
ARCHIVE_CONTENT_TYPES = ("text/html", "application/xhtml+xml")
ROBOTS_CONTENT_TYPES = ("text/plain",)
# sitemaps.org: a sitemap may be at most 50 MiB uncompressed.
MAX_SITEMAP_BYTES = 50 * 1024 * 1024
# Placeholders an ArchiveSpec.url_template may use, all derived from the day.
ARCHIVE_PLACEHOLDERS = frozenset({"yyyy", "mm", "dd", "date"})

_GZIP_MAGIC = b"\x1f\x8b"
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class ListingParseError(ValueError):
    """A fetched feed or sitemap could not be read; ``reason`` is the outcome's error."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason  # "parse_error" | "too_large"


@dataclass(frozen=True)
class DiscoveredUrl:
    """One article URL as a feed, sitemap or archive page listed it."""

    url: str  # canonical (urls.canonicalize_url)
    listed_url: str  # as it appeared in the listing (made absolute)
    listed_at: datetime | None  # tz-aware date from the feed item / sitemap entry
    via: str  # "feed" | "sitemap" | "archive"
    listing_url: str  # the feed/sitemap/archive page it came from
    title: str | None
    # The local day an archive page files it under: a day, not a time, so listed_at stays None.
    listed_day: date | None = None


@dataclass
class ListingOutcome:
    """What happened to one listing we fetched (failures included)."""

    url: str
    kind: str  # "feed" | "sitemap" | "archive" | "robots"
    # A FetchResult error, "parse_error" or "too_large"; None if read. A robots.txt that
    # does not exist (4xx) is not an error: it just announces no sitemaps.
    error: str | None
    # Article URLs listed (new to the archive for an archive page), child sitemaps for a
    # sitemap index, sitemaps announced for a robots.txt.
    items: int
    status: int | None  # None for a robots.txt answered by the client's own robots cache
    attempts: int
    elapsed_ms: int
    fetched_at: datetime
    # The server answered 304 to a conditional request: the cached body was read instead.
    not_modified: bool = False


@dataclass
class Discovery:
    """Every listed URL, in exactly one of the three lists, plus how each listing went."""

    in_window: list[DiscoveredUrl]
    out_of_window: list[DiscoveredUrl]
    duplicates: list[DiscoveredUrl]
    listings: list[ListingOutcome]
    # Sitemaps found in indexes but not fetched because of max_sitemap_depth / max_sitemaps.
    skipped_sitemaps: list[str] = field(default_factory=list)
    # Archive "next" pages not fetched because of ArchiveSpec.max_pages.
    skipped_archive_pages: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ArchiveSpec:
    """A date archive of a source: one HTML page (plus "next" pages) per local day.

    ``url_template`` takes ``{yyyy}``, ``{mm}``, ``{dd}`` (zero-padded) and ``{date}``
    (ISO, ``2026-11-24``), e.g. ``https://news.example/archives/{yyyy}/{mm}/{dd}/``.
    ``link_selector`` is a CSS selector for the article links (elements with an
    ``href``); ``next_selector``, if set, for the link to the next page of the same
    day, followed up to ``max_pages`` pages in all.
    """

    url_template: str
    link_selector: str = "a[href]"
    next_selector: str | None = None
    max_pages: int = 5

    def __post_init__(self) -> None:
        # Fail when the sources are loaded, not in the middle of a backfill.
        fields = {name for _, name, _, _ in string.Formatter().parse(self.url_template) if name is not None}
        if not fields or not fields <= ARCHIVE_PLACEHOLDERS:
            raise ValueError(
                f"ArchiveSpec.url_template {self.url_template!r} must use only and at least one of "
                f"{{yyyy}}, {{mm}}, {{dd}}, {{date}}; it uses {sorted(fields)}"
            )
        for name in ("link_selector", "next_selector"):
            selector = getattr(self, name)
            if selector is not None:
                try:
                    _css(selector)
                except cssselect.SelectorError as exc:
                    raise ValueError(f"ArchiveSpec.{name} {selector!r} is not a CSS selector: {exc}") from None
        if self.max_pages < 1:
            raise ValueError(f"ArchiveSpec.max_pages must be >= 1, got {self.max_pages!r}")

    def url_for(self, day: date) -> str:
        """The archive page of ``day`` (a local day of the source)."""
        return self.url_template.format(yyyy=f"{day:%Y}", mm=f"{day:%m}", dd=f"{day:%d}", date=day.isoformat())


@dataclass(frozen=True)
class CachedListing:
    """A feed or sitemap body as last served, with the validators to revalidate it."""

    etag: str | None
    last_modified: str | None
    body: bytes


class ListingCache(Protocol):
    """Where conditional fetches keep listing bodies between runs, keyed by requested URL."""

    def get(self, url: str) -> CachedListing | None: ...

    def put(self, url: str, listing: CachedListing) -> None: ...


class MemoryListingCache:
    """A :class:`ListingCache` in a dict: for tests and single-process runs."""

    def __init__(self) -> None:
        self._listings: dict[str, CachedListing] = {}

    def get(self, url: str) -> CachedListing | None:
        return self._listings.get(url)

    def put(self, url: str, listing: CachedListing) -> None:
        self._listings[url] = listing

    def __len__(self) -> int:
        return len(self._listings)


# A document type declaration, with its internal subset (where entities are declared).
_DOCTYPE = re.compile(rb"<!DOCTYPE(?:[^\[>]|\[.*?\])*>", re.DOTALL | re.IGNORECASE)


def parse_feed(body: bytes, listing_url: str, *, timezone: str | None = None) -> list[DiscoveredUrl]:
    """Article URLs of an RSS 0.9x/1.0 (RDF)/2.0 or Atom feed, in feed order.

    The item date is its published date, else its updated date. A date-only value
    ("2026-11-24", common in ``dc:date``) means that day in ``timezone`` (the source's;
    UTC if None). Items without a usable http(s) link are skipped.
    Raises :class:`ListingParseError` if the body is not a feed at all.
    """
    zone = _zone(timezone)
    # feedparser has no switch for entity expansion and falls back to a lenient parser when
    # expat refuses an entity bomb; dropping the DTD first means nothing is ever expanded.
    body = _DOCTYPE.sub(b"", body, count=1)
    # content-location makes feedparser resolve relative links against the feed URL.
    try:
        parsed = feedparser.parse(body, response_headers={"content-location": listing_url})
    except Exception as exc:  # its lenient fallback parser raises on junk, e.g. ValueError for "&#x110000;"
        raise ListingParseError("parse_error", f"feedparser failed: {type(exc).__name__}: {exc}") from None
    # feedparser's lenient fallback names a version for anything starting like a feed; a document
    # that is not even well-formed and yields no item is a broken feed, not an empty one.
    malformed = isinstance(parsed.get("bozo_exception"), SAXException)
    if not parsed.entries and (not parsed.get("version") or malformed):
        detail = parsed.get("bozo_exception") or "no RSS/Atom feed found"
        raise ListingParseError("parse_error", str(detail))
    found = []
    for entry in parsed.entries:
        item = _discovered(
            entry.get("link"), listing_url, "feed", _feed_entry_date(entry, zone), entry.get("title")
        )
        if item is not None:
            found.append(item)
    return found


def parse_sitemap(
    body: bytes,
    listing_url: str,
    *,
    timezone: str | None = None,
    max_bytes: int = MAX_SITEMAP_BYTES,
) -> tuple[list[DiscoveredUrl], list[str]]:
    """Read a sitemap: ``(article URLs of a <urlset>, child sitemap URLs of a <sitemapindex>)``.

    The entry date is the Google News ``<news:publication_date>`` if present (a real
    publication time), else ``<lastmod>``. Date-only or zone-less values are taken in
    ``timezone`` (the source's; UTC if None). Gzip bodies are recognised by their magic
    bytes and decompressed up to ``max_bytes``. Elements are matched by local name, so
    sitemaps with a missing or outdated namespace still read.
    Raises :class:`ListingParseError` ("parse_error" or "too_large").
    """
    zone = _zone(timezone)
    if body[:2] == _GZIP_MAGIC:
        body = _gunzip(body, max_bytes)
    elif len(body) > max_bytes:
        raise ListingParseError("too_large", f"sitemap of {len(body)} bytes")
    # No entity expansion (billion laughs, XXE), no network, libxml2's default size limits.
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        root = etree.fromstring(body, parser=parser)
    except etree.XMLSyntaxError as exc:
        raise ListingParseError("parse_error", str(exc)) from None
    if root is None:
        raise ListingParseError("parse_error", "empty document")

    root_name = _local_name(root)
    if root_name == "sitemapindex":
        child_sitemaps = []
        for sitemap in _children(root, "sitemap"):
            location = _child_text(sitemap, "loc")
            child = _joined(listing_url, location) if location else None
            if child is not None:
                child_sitemaps.append(child)
        return [], child_sitemaps
    if root_name != "urlset":
        raise ListingParseError("parse_error", f"root element <{root_name}> is not <urlset> or <sitemapindex>")

    found = []
    for entry in _children(root, "url"):
        news = next(_children(entry, "news"), None)
        listed_at = None
        title = None
        if news is not None:
            listed_at = _parse_w3c_datetime(_child_text(news, "publication_date"), zone)
            title = _child_text(news, "title")
        if listed_at is None:
            listed_at = _parse_w3c_datetime(_child_text(entry, "lastmod"), zone)
        item = _discovered(_child_text(entry, "loc"), listing_url, "sitemap", listed_at, title)
        if item is not None:
            found.append(item)
    return found, []


def parse_archive_page(
    body: bytes,
    page_url: str,
    *,
    day: date,
    link_selector: str = "a[href]",
    next_selector: str | None = None,
    charset: str | None = None,
    own_hosts: Iterable[str] | None = None,
) -> tuple[list[DiscoveredUrl], str | None]:
    """Read an archive page for ``day``: ``(its article links, the next page's URL or None)``.

    ``page_url`` is where the page was served from (after redirects): relative links and
    ``<base href>`` resolve against it. Links are kept if they are http(s), on one of
    ``own_hosts`` (default: the page's host) and not the page itself; the next-page link is
    not an article. ``charset`` is the HTTP one, if any; otherwise the page's own
    declaration is read. Raises :class:`ListingParseError` if the body is no HTML at all.
    """
    document = _parse_html(body, charset)
    base_url = page_url
    base = document.find(".//base[@href]")
    if base is not None:
        base_url = _joined(page_url, base.get("href").strip()) or page_url
    hosts = frozenset(own_hosts) if own_hosts is not None else _hosts_of([page_url])
    page_itself = _listing_key(page_url)

    next_links = _css(next_selector)(document) if next_selector else []
    next_url = None
    for link in next_links:
        candidate = _own_link(link.get("href"), base_url, hosts)
        if candidate is not None:
            next_url = candidate
            break

    found = []
    for link in _css(link_selector)(document):
        if link in next_links:
            continue
        absolute = _own_link(link.get("href"), base_url, hosts)
        if absolute is None:
            continue
        item = _discovered(absolute, page_url, "archive", None, " ".join(link.text_content().split()))
        if item is not None and item.url != page_itself:
            found.append(replace(item, listed_day=day))
    return found, next_url


def parse_robots_sitemaps(body: bytes, robots_url: str) -> list[str]:
    """The http(s) sitemap URLs a robots.txt announces (``Sitemap:`` lines), in order, once each."""
    # Imported here so that sources without robots_sitemaps never need protego.
    from protego import Protego

    text = body.decode("utf-8-sig", "replace")  # RFC 9309: robots.txt is UTF-8
    return _sitemap_locations(Protego.parse(text).sitemaps, robots_url)


async def discover_urls(
    *,
    feed_urls: Sequence[str],
    sitemap_urls: Sequence[str],
    day: date,
    timezone: str,
    client: HttpClient,
    max_sitemap_depth: int = 3,
    max_sitemaps: int = 50,
    archives: Sequence[ArchiveSpec] = (),
    robots_sitemaps: bool = False,
    listing_cache: ListingCache | None = None,
) -> Discovery:
    """Fetch and read all listings of a source and sort their URLs for ``day``.

    Sitemap indexes are followed breadth-first: the given sitemaps are depth 0 and
    children of a depth-``d`` index are depth ``d + 1``, fetched while
    ``d + 1 <= max_sitemap_depth``; at most ``max_sitemaps`` sitemap documents are
    fetched in all, and each sitemap URL at most once (index loops end there). Sitemaps
    left out by these caps are listed in ``Discovery.skipped_sitemaps``.

    ``archives`` are fetched for ``day`` (see :class:`ArchiveSpec`); what they link to is
    dated ``day`` (``listed_day``). With ``robots_sitemaps``, the robots.txt of every
    host (scheme, host and port) of the feeds, sitemaps and archives is read and the
    sitemaps it announces are crawled as if configured (at depth 0, each once).
    With ``listing_cache``, feeds and sitemaps are fetched conditionally when the client
    can send request headers, and every readable feed or sitemap served with an ETag or
    Last-Modified is stored for next time.

    Duplicates keep the first occurrence (feeds first, then archives, then sitemaps in
    traversal order), except that a dated occurrence replaces an undated first one.
    Archives come before sitemaps because an archive files an article under its
    publication day while a sitemap ``<lastmod>`` often is a later edit.
    """
    zone = ZoneInfo(timezone)  # fails fast on a misconfigured source
    reader = _ListingReader(client, timezone, listing_cache)
    archive_urls = [spec.url_for(day) for spec in archives]

    async def sitemaps_and_robots() -> tuple[list[DiscoveredUrl], list[ListingOutcome], list[str]]:
        robots_outcomes: list[ListingOutcome] = []
        to_crawl = list(sitemap_urls)
        if robots_sitemaps:
            announced, robots_outcomes = await _read_robots(
                [*feed_urls, *sitemap_urls, *archive_urls], client
            )
            to_crawl += announced  # the crawl's visited set drops the ones already configured
        items, outcomes, skipped = await _read_sitemaps(to_crawl, reader, max_sitemap_depth, max_sitemaps)
        return items, robots_outcomes + outcomes, skipped

    (
        (feed_items, feed_outcomes),
        (archive_items, archive_outcomes, skipped_archive_pages),
        (sitemap_items, sitemap_outcomes, skipped_sitemaps),
    ) = await asyncio.gather(
        _read_feeds(feed_urls, reader),
        _read_archives(archives, day, client),
        sitemaps_and_robots(),
    )
    in_window, out_of_window, duplicates = _sort_by_day(feed_items + archive_items + sitemap_items, day, zone)
    return Discovery(
        in_window=in_window,
        out_of_window=out_of_window,
        duplicates=duplicates,
        listings=feed_outcomes + archive_outcomes + sitemap_outcomes,
        skipped_sitemaps=skipped_sitemaps,
        skipped_archive_pages=skipped_archive_pages,
    )


class _ListingReader:
    """Fetches and parses feeds and sitemaps, conditionally when a listing cache is given."""

    def __init__(self, client: HttpClient, timezone: str, cache: ListingCache | None) -> None:
        self.client = client
        self.timezone = timezone
        self.cache = cache
        # HttpClient.fetch may not take request headers yet: without them we can still
        # fill the cache, just not revalidate against it.
        self.conditional = cache is not None and _accepts_keyword(client.fetch, "headers")

    async def read_feed(self, url: str) -> tuple[list[DiscoveredUrl], list[str], ListingOutcome]:
        return await self._read(
            url, "feed", FEED_CONTENT_TYPES, lambda body: (parse_feed(body, url, timezone=self.timezone), [])
        )

    async def read_sitemap(self, url: str) -> tuple[list[DiscoveredUrl], list[str], ListingOutcome]:
        return await self._read(
            url, "sitemap", SITEMAP_CONTENT_TYPES, lambda body: parse_sitemap(body, url, timezone=self.timezone)
        )

    async def _read(
        self,
        url: str,
        kind: str,
        accept: Sequence[str],
        parse: Callable[[bytes], tuple[list[DiscoveredUrl], list[str]]],
    ) -> tuple[list[DiscoveredUrl], list[str], ListingOutcome]:
        cached = self.cache.get(url) if self.conditional and self.cache is not None else None
        validators = _conditional_headers(cached)
        if validators:
            result = await self.client.fetch(url, accept=accept, headers=validators)
        else:
            result = await self.client.fetch(url, accept=accept)
        # A 304 answers our validators (HttpClient reports it as error "http_304"): the
        # cached body is still the listing.
        if cached is not None and validators and result.status == 304:
            body, error, not_modified = cached.body, None, True
        else:
            body, error, not_modified = result.body, result.error, False
        found, child_sitemaps, outcome = _read_listing(url, kind, result, body, error, parse)
        outcome.not_modified = not_modified
        # Only bodies that read are kept: a 304 must never resurrect a broken listing.
        if self.cache is not None and outcome.error is None and not not_modified:
            etag = result.headers.get("etag")
            last_modified = result.headers.get("last-modified")
            # Without a validator there is nothing to revalidate: the body would be dead weight.
            if etag or last_modified:
                self.cache.put(url, CachedListing(etag=etag, last_modified=last_modified, body=result.body))
        return found, child_sitemaps, outcome


async def _read_feeds(
    feed_urls: Sequence[str], reader: _ListingReader
) -> tuple[list[DiscoveredUrl], list[ListingOutcome]]:
    results = await asyncio.gather(*(reader.read_feed(url) for url in _unique_listing_urls(feed_urls)))
    items: list[DiscoveredUrl] = []
    outcomes = []
    for found, _, outcome in results:
        items.extend(found)
        outcomes.append(outcome)
    return items, outcomes


async def _read_sitemaps(
    sitemap_urls: Sequence[str],
    reader: _ListingReader,
    max_depth: int,
    max_sitemaps: int,
) -> tuple[list[DiscoveredUrl], list[ListingOutcome], list[str]]:
    items: list[DiscoveredUrl] = []
    outcomes: list[ListingOutcome] = []
    skipped: list[str] = []
    visited: set[str] = set()
    level = list(sitemap_urls)
    depth = 0
    while level:
        to_fetch = []
        for url in level:
            key = _listing_key(url)
            if key in visited:
                continue
            visited.add(key)
            if len(outcomes) + len(to_fetch) >= max_sitemaps:
                skipped.append(url)
            else:
                to_fetch.append(url)
        results = await asyncio.gather(*(reader.read_sitemap(url) for url in to_fetch))
        children: list[str] = []
        for found, child_sitemaps, outcome in results:
            items.extend(found)
            children.extend(child_sitemaps)
            outcomes.append(outcome)
        depth += 1
        if depth > max_depth:
            skipped.extend(url for url in _unique_listing_urls(children) if _listing_key(url) not in visited)
            break
        level = children
    if skipped:
        logger.warning("skipped %d sitemaps over the depth/count caps, e.g. %s", len(skipped), skipped[0])
    return items, outcomes, skipped


async def _read_archives(
    archives: Sequence[ArchiveSpec], day: date, client: HttpClient
) -> tuple[list[DiscoveredUrl], list[ListingOutcome], list[str]]:
    results = await asyncio.gather(*(_read_archive(spec, day, client) for spec in archives))
    items: list[DiscoveredUrl] = []
    outcomes: list[ListingOutcome] = []
    skipped: list[str] = []
    for found, archive_outcomes, skipped_page in results:
        items.extend(found)
        outcomes.extend(archive_outcomes)
        if skipped_page is not None:
            skipped.append(skipped_page)
    return items, outcomes, skipped


async def _read_archive(
    spec: ArchiveSpec, day: date, client: HttpClient
) -> tuple[list[DiscoveredUrl], list[ListingOutcome], str | None]:
    """Walk one archive's pages for ``day``: (article links, page outcomes, first page left out).

    Pages are fetched one after another (each names the next). A link to an article the
    archive already listed (a teaser image, then the headline) counts once, titled by the
    first link that has a text; a "next" link back to a page already read ends the walk.
    """
    items: dict[str, DiscoveredUrl] = {}  # by canonical URL, in link order
    outcomes: list[ListingOutcome] = []
    visited_pages: set[str] = set()
    own_hosts: frozenset[str] | None = None
    page_url: str | None = spec.url_for(day)
    while page_url is not None and len(outcomes) < spec.max_pages:
        visited_pages.add(_listing_key(page_url))
        result = await client.fetch(page_url, accept=ARCHIVE_CONTENT_TYPES)
        if own_hosts is None:
            # The first page's host, and the one it redirects to (example.com -> www.example.com):
            # fixed from then on, so a later redirect cannot widen what counts as the archive's own.
            own_hosts = _hosts_of([page_url, result.final_url])
        listed: list[DiscoveredUrl] = []
        next_url = None
        error = result.error
        if error is None:
            try:
                listed, next_url = parse_archive_page(
                    result.body,
                    result.final_url,
                    day=day,
                    link_selector=spec.link_selector,
                    next_selector=spec.next_selector,
                    charset=result.charset,
                    own_hosts=own_hosts,
                )
            except ListingParseError as exc:
                error = exc.reason
                logger.warning("could not read archive %s: %s", page_url, exc)
        else:
            logger.warning("could not fetch archive %s: %s", page_url, error)
        new_items = 0
        for item in listed:
            known = items.get(item.url)
            if known is None and _listing_key(item.url) not in visited_pages:
                items[item.url] = item
                new_items += 1
            elif known is not None and known.title is None and item.title is not None:
                items[item.url] = replace(known, title=item.title)
        outcomes.append(_outcome(page_url, "archive", result, error, new_items))
        page_url = next_url
        if page_url is not None and _listing_key(page_url) in visited_pages:
            logger.info("archive %s: next page %s was already read, stopping", spec.url_template, page_url)
            page_url = None
    if page_url is not None:
        logger.warning("archive %s for %s: stopped at max_pages=%d before %s", spec.url_template, day, spec.max_pages, page_url)
    return list(items.values()), outcomes, page_url


async def _read_robots(
    listing_urls: Iterable[str], client: HttpClient
) -> tuple[list[str], list[ListingOutcome]]:
    """Sitemaps announced by the robots.txt of every origin among ``listing_urls``."""
    robots_urls = _unique_listing_urls(url for url in map(_robots_url, listing_urls) if url is not None)
    results = await asyncio.gather(*(_read_robots_txt(url, client) for url in robots_urls))
    sitemaps: list[str] = []
    outcomes = []
    for announced, outcome in results:
        sitemaps.extend(announced)
        outcomes.append(outcome)
    return sitemaps, outcomes


async def _read_robots_txt(robots_url: str, client: HttpClient) -> tuple[list[str], ListingOutcome]:
    robots_cache = getattr(client, "robots_sitemaps", None)
    if callable(robots_cache):
        # The client keeps robots.txt per host for its own politeness rules: ask it
        # rather than fetch the file a second time.
        fetched_at = datetime.now(UTC)
        started = time.monotonic()
        announced = robots_cache(robots_url)
        if inspect.isawaitable(announced):
            announced = await announced
        sitemaps = _sitemap_locations(announced or (), robots_url)
        elapsed_ms = round((time.monotonic() - started) * 1000)
        return sitemaps, ListingOutcome(robots_url, "robots", None, len(sitemaps), None, 0, elapsed_ms, fetched_at)

    result = await client.fetch(robots_url, accept=ROBOTS_CONTENT_TYPES)
    error = result.error
    sitemaps = []
    if error is None:
        sitemaps = parse_robots_sitemaps(result.body, robots_url)
    elif result.status is not None and 400 <= result.status < 500 and result.status != 429:
        # RFC 9309 2.3.1.3: a 4xx robots.txt is "unavailable", i.e. no rules and no sitemaps,
        # which is a normal state for a site. 429 asks us to come back later: a failure.
        error = None
    else:
        logger.warning("could not fetch robots %s: %s", robots_url, error)
    return sitemaps, _outcome(robots_url, "robots", result, error, len(sitemaps))


def _read_listing(
    url: str,
    kind: str,
    result: FetchResult,
    body: bytes,
    error: str | None,
    parse: Callable[[bytes], tuple[list[DiscoveredUrl], list[str]]],
) -> tuple[list[DiscoveredUrl], list[str], ListingOutcome]:
    """Parse a fetched listing's ``body`` unless ``error``; failures become the outcome's error."""
    found: list[DiscoveredUrl] = []
    child_sitemaps: list[str] = []
    if error is None:
        try:
            found, child_sitemaps = parse(body)
        except ListingParseError as exc:
            error = exc.reason
            logger.warning("could not read %s %s: %s", kind, url, exc)
    else:
        logger.warning("could not fetch %s %s: %s", kind, url, error)
    return found, child_sitemaps, _outcome(url, kind, result, error, len(found) + len(child_sitemaps))


def _outcome(url: str, kind: str, result: FetchResult, error: str | None, items: int) -> ListingOutcome:
    return ListingOutcome(
        url=url,
        kind=kind,
        error=error,
        items=items,
        status=result.status,
        attempts=result.attempts,
        elapsed_ms=result.elapsed_ms,
        fetched_at=result.fetched_at,
    )


def _sort_by_day(
    found: Iterable[DiscoveredUrl], day: date, zone: tzinfo
) -> tuple[list[DiscoveredUrl], list[DiscoveredUrl], list[DiscoveredUrl]]:
    """Collapse duplicates, then split by listing day: (in_window, out_of_window, duplicates)."""
    kept: dict[str, DiscoveredUrl] = {}
    duplicates = []
    for item in found:
        first = kept.get(item.url)
        if first is None:
            kept[item.url] = item
        elif _listing_day(first, zone) is None and _listing_day(item, zone) is not None:
            kept[item.url] = item  # a date lets us place it; keeps the first one's position
            duplicates.append(first)
        else:
            duplicates.append(item)
    in_window = []
    out_of_window = []
    for item in kept.values():
        listing_day = _listing_day(item, zone)
        if listing_day is None or listing_day == day:
            in_window.append(item)
        else:
            out_of_window.append(item)
    return in_window, out_of_window, duplicates


def _listing_day(item: DiscoveredUrl, zone: tzinfo) -> date | None:
    """The local day a listing places the item on, None if undated."""
    if item.listed_day is not None:
        return item.listed_day
    if item.listed_at is not None:
        return item.listed_at.astimezone(zone).date()
    return None


def _discovered(
    listed_url: str | None, listing_url: str, via: str, listed_at: datetime | None, title: str | None
) -> DiscoveredUrl | None:
    """A DiscoveredUrl, or None (logged) when the listed link is not an http(s) URL."""
    if not listed_url or not listed_url.strip():
        return None
    absolute = _joined(listing_url, listed_url.strip())
    if absolute is None:
        logger.debug("skipping a link in %s: %r cannot be split", listing_url, listed_url)
        return None
    try:
        canonical = canonicalize_url(absolute)
    except ValueError as exc:
        logger.debug("skipping a link in %s: %s", listing_url, exc)
        return None
    title = title.strip() if title else None
    return DiscoveredUrl(canonical, absolute, listed_at, via, listing_url, title or None)


def _feed_entry_date(entry: feedparser.FeedParserDict, zone: tzinfo) -> datetime | None:
    for key in ("published", "updated"):
        raw = entry.get(key)
        if not raw:
            continue
        if _ISO_DATE.fullmatch(raw.strip()):
            # feedparser would make this midnight UTC, i.e. the day before in the Americas.
            return _local_midnight(raw.strip(), zone)
        parsed = entry.get(f"{key}_parsed")  # a struct_time already converted to UTC
        if parsed:
            try:
                return datetime(*parsed[:6], tzinfo=UTC)
            except (ValueError, OverflowError):  # feedparser makes "0000-00-00le" year -1
                logger.debug("unusable feed date %r", raw)
    return None


def _parse_w3c_datetime(text: str | None, zone: tzinfo) -> datetime | None:
    """A sitemap date ("2026-11-24", "2026-11-24T10:00:00+01:00", ...) or None if unusable."""
    if not text:
        return None
    text = text.strip()
    if _ISO_DATE.fullmatch(text):
        return _local_midnight(text, zone)
    if not _ISO_DATE.match(text):  # W3C also allows "2026" and "2026-11": too vague for a day
        return None
    try:
        parsed = isoparse(text)
    except (ValueError, OverflowError):
        logger.debug("unparseable sitemap date %r", text)
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=zone)


def _local_midnight(iso_date: str, zone: tzinfo) -> datetime | None:
    try:
        day = date.fromisoformat(iso_date)
    except ValueError:
        return None
    return datetime(day.year, day.month, day.day, tzinfo=zone)


def _gunzip(body: bytes, max_bytes: int) -> bytes:
    """Decompress a (possibly multi-member) gzip body, refusing to exceed ``max_bytes``."""
    output = bytearray()
    remaining = body
    while remaining:
        decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            # max_length stops inflation right past the cap: a gzip bomb never expands.
            output += decompressor.decompress(remaining, max_bytes + 1 - len(output))
        except zlib.error as exc:
            raise ListingParseError("parse_error", f"bad gzip data: {exc}") from None
        if len(output) > max_bytes:
            raise ListingParseError("too_large", f"sitemap decompresses past {max_bytes} bytes")
        if not decompressor.eof:
            raise ListingParseError("parse_error", "truncated gzip data")
        remaining = decompressor.unused_data
    return bytes(output)


def _zone(timezone: str | None) -> tzinfo:
    return ZoneInfo(timezone) if timezone else UTC


def _listing_key(url: str) -> str:
    """Identity of a listing URL for loop detection; invalid URLs compare verbatim."""
    try:
        return canonicalize_url(url)
    except ValueError:
        return url.strip()


def _unique_listing_urls(urls: Iterable[str]) -> list[str]:
    seen: set[str] = set()
    unique = []
    for url in urls:
        key = _listing_key(url)
        if key not in seen:
            seen.add(key)
            unique.append(url)
    return unique


def _accepts_keyword(function: Callable[..., object], name: str) -> bool:
    """Whether ``function`` declares a parameter ``name`` (a bare **kwargs does not count)."""
    try:
        return name in inspect.signature(function).parameters
    except (TypeError, ValueError):  # builtins without a signature
        return False


def _conditional_headers(cached: CachedListing | None) -> dict[str, str]:
    if cached is None:
        return {}
    headers = {}
    if cached.etag:
        headers["If-None-Match"] = cached.etag
    if cached.last_modified:
        headers["If-Modified-Since"] = cached.last_modified
    return headers


def _robots_url(url: str) -> str | None:
    """``scheme://host[:port]/robots.txt`` of a listing URL; None if it is no http(s) URL."""
    try:
        parts = urlsplit(canonicalize_url(url))  # lower-cased, default port dropped
    except ValueError:
        return None
    origin = parts.netloc.rpartition("@")[2]  # credentials are no part of the origin
    return f"{parts.scheme}://{origin}/robots.txt"


def _sitemap_locations(locations: Iterable[str], robots_url: str) -> list[str]:
    """Announced sitemap locations made absolute, http(s) only, each once, in order."""
    sitemaps = []
    for location in locations:
        absolute = _joined(robots_url, location.strip())
        try:
            canonicalize_url(absolute or "")  # only to reject what is not an http(s) URL
        except ValueError:
            logger.debug("ignoring sitemap %r announced in %s", location, robots_url)
            continue
        sitemaps.append(absolute)
    return _unique_listing_urls(sitemaps)


def _joined(base: str, link: str) -> str | None:
    """``link`` made absolute against ``base``; None if urljoin cannot split it ("http://[", an unclosed IPv6 bracket)."""
    try:
        return urljoin(base, link)
    except ValueError:
        return None


def _hosts_of(urls: Iterable[str]) -> frozenset[str]:
    hosts = set()
    for url in urls:
        try:
            hosts.add(url_host(url))
        except ValueError:
            pass
    return frozenset(hosts)


def _own_link(href: str | None, base_url: str, own_hosts: frozenset[str]) -> str | None:
    """``href`` made absolute if it is an http(s) URL on one of ``own_hosts``, else None."""
    if not href or not href.strip():
        return None
    absolute = _joined(base_url, href.strip())
    try:
        host = url_host(absolute or "")
    except ValueError:  # mailto:, javascript:, tel:, ...
        return None
    return absolute if host in own_hosts else None


@functools.lru_cache(maxsize=256)
def _css(selector: str) -> CSSSelector:
    """A compiled CSS selector (HTML rules: case-insensitive tag names); compiled once per run."""
    return CSSSelector(selector, translator="html")


def _parse_html(body: bytes, charset: str | None) -> lxml.html.HtmlElement:
    """Parse an HTML page, decoding it by the HTTP charset, else as UTF-8 if it is valid UTF-8,
    else by the page's own <meta charset>. Raises ListingParseError("parse_error")."""
    text = None
    if charset:
        try:
            text = body.decode(charset, "replace")
        except LookupError:
            logger.debug("unknown charset %r", charset)
    if text is None:
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            pass
    # Handing lxml UTF-8 bytes with the encoding named (rather than a str) keeps a stray
    # <?xml encoding=...?> or <meta charset> from overriding the decoding chosen above.
    data, encoding = (text.encode("utf-8", "replace"), "utf-8") if text is not None else (body, None)
    try:
        return lxml.html.document_fromstring(data, parser=lxml.html.HTMLParser(encoding=encoding))
    except (etree.ParserError, ValueError) as exc:  # "Document is empty", ...
        raise ListingParseError("parse_error", f"not an HTML page: {exc}") from None


def _local_name(element: etree._Element) -> str:
    # Not etree.QName: it raises ValueError for a tag that kept an undeclared prefix ("news:news"),
    # which libxml2 lets through when the document names an external DTD.
    return element.tag.rpartition("}")[2].rpartition(":")[2]


def _children(element: etree._Element, name: str) -> Iterable[etree._Element]:
    # isinstance check: comments and processing instructions have non-string tags.
    return (child for child in element if isinstance(child.tag, str) and _local_name(child) == name)


def _child_text(element: etree._Element, name: str) -> str | None:
    child = next(_children(element, name), None)
    if child is None or child.text is None:
        return None
    return child.text.strip() or None
