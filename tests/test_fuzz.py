"""Fuzzing the untrusted-input parsers and the sources loader with hypothesis (issue #9).

Every target gets generated inputs from structured grammars (HTML, RSS/Atom/RDF, sitemaps,
robots.txt, YAML sources files, URLs) and mutated real files (the sample site's pages, feeds,
sitemaps and robots.txt rendered in-process; the readability-pages corpus when
``../shared/corpus`` is present), and each test proves, for every input:

* no exception other than the target's documented one escapes:
  ``extract_article`` never raises (and no exception raised by newslake's own code is hidden
  behind its catch-all as ``parse_error``, except NotHtml and RecursionError/MemoryError, which it
  raises or documents on purpose);
  ``parse_feed``/``parse_sitemap``/``parse_archive_page`` raise only ``ListingParseError``;
  ``parse_robots_sitemaps`` and the robots policy (``RobotsPolicy``) never raise;
  ``load_sources`` raises only ``SourcesConfigError`` naming the file (and the field when it
  blames a field of an entry); ``canonicalize_url``/``url_host`` raise only ``ValueError``;
* what comes out keeps each function's promises (canonical http(s) URLs, tz-aware dates, an
  archive page never yields a link to a foreign host as httpx would connect to it, a crawl
  delay within the cap, a loaded source the pipeline can use: DAG id, pool, day bounds,
  ``ArchiveSpec``), and XML parsers never read a file through an external entity;
* time and memory per input stay bounded: wall time per call <= ``TIME_BOUNDS`` (extractor 2 s
  plus 150 us per parsed element, listings 1 s, robots.txt 3 s, sources file 1 s, URL 0.1 s;
  re-measured twice before failing, because the machine's 2 cores are shared) and growth of the
  process's peak RSS during one call <= ``RSS_BOUNDS_MB`` (extractor 200 MB, others 100 MB; peak
  RSS covers libxml2's native allocations, which tracemalloc does not see). Inputs are capped at 1 MB.

Budget: ``FUZZ_EXAMPLES`` (default 30) times each target's weight in ``WEIGHTS``
examples; ``FUZZ_EXAMPLES_<TARGET>`` overrides one target (not ``NEWSLAKE_*``: conftest.py clears
those so that a developer's settings never leak into tests). ``make test`` runs the
defaults; ``tests/fuzz_all.py`` (``make fuzz``) runs >= 100,000 inputs and prints a table from
``STATS``. Failing examples are kept in ``<repo>/.hypothesis/`` and replayed first next time.
"""

from __future__ import annotations

import atexit
import codecs
import datetime as dt
import gzip
import json
import logging
import os
import re
import resource
import shutil
import tempfile
import time
import zlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from hypothesis.database import DirectoryBasedExampleDatabase

from newslake.config import Source, SourcesConfigError, load_sources
from newslake.discover import (
    ArchiveSpec,
    ListingParseError,
    parse_archive_page,
    parse_feed,
    parse_robots_sitemaps,
    parse_sitemap,
)
from newslake.extract import REASONS, ArticleExtraction, extract_article
from newslake.extraction.html_input import EmptyDocument, NotHtml, parse_html
from newslake.robots import MAX_CRAWL_DELAY, ROBOTS_MAX_BYTES, RobotsPolicy, user_agent_token
from newslake.sample_site import site as sample_site
from newslake.sample_site.content import ARTICLES, OUTLETS
from newslake.sample_site.urls import archive_path, feed_path, sitemap_path
from newslake.urls import canonicalize_url, url_host

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpus" / "readability-pages"
NEWSLAKE_CODE = str(REPO / "include" / "newslake")
# feedparser's notice about its own updated->published mapping, raised for every such generated
# entry: thousands of identical lines, no finding.
pytestmark = pytest.mark.filterwarnings("ignore:To avoid breaking existing software:DeprecationWarning")

# ---------------------------------------------------------------------------------------------
# Budget and bounds
# ---------------------------------------------------------------------------------------------

TARGETS = (
    "extract_grammar",
    "extract_seeds",
    "extract_corpus",
    "feed",
    "sitemap",
    "archive",
    "robots_sitemaps",
    "robots_policy",
    "sources",
    "urls",
)
# The test function of each target (tests/fuzz_all.py runs them by name).
TARGET_TESTS = {
    "extract_grammar": "test_extractor_on_generated_html",
    "extract_seeds": "test_extractor_on_mutated_sample_pages",
    "extract_corpus": "test_extractor_on_mutated_corpus_pages",
    "feed": "test_feed_parser",
    "sitemap": "test_sitemap_parser",
    "archive": "test_archive_page_parser",
    "robots_sitemaps": "test_robots_sitemap_announcements",
    "robots_policy": "test_robots_policy",
    "sources": "test_sources_loader",
    "urls": "test_url_canonicalisation",
}
# Examples per target = FUZZ_EXAMPLES x weight: cheap parsers get more inputs.
WEIGHTS = {
    "extract_grammar": 2,
    "extract_seeds": 1,
    "extract_corpus": 1,
    "feed": 4,
    "sitemap": 6,
    "archive": 4,
    "robots_sitemaps": 6,
    "robots_policy": 6,
    "sources": 4,
    "urls": 10,
}
# Seconds per call. The extractor's 2 s is for a page of <= 1 MB (readability scores every node); robots.txt
# gets 3 s because protego compiles one regex per rule: 500 KiB of distinct rules (the cap) parse in ~1.5 s here.
TIME_BOUNDS = {
    "extract_grammar": 2.0,
    "extract_seeds": 2.0,
    "extract_corpus": 2.0,
    "feed": 1.0,
    "sitemap": 1.0,
    "archive": 1.0,
    "robots_sitemaps": 3.0,
    "robots_policy": 3.0,
    "sources": 1.0,
    "urls": 0.1,
}
# Extraction is linear in the number of elements, at up to ~100 us per element on this machine
# (1 MB of "<div>x</div>": 100k elements, 10 s). Real pages have few (at most 3.3k in the corpus), so
# a page may take TIME_BOUNDS plus this much per element: a superlinear path still fails.
EXTRACT_SECONDS_PER_ELEMENT = 150e-6
# Growth of the process's peak RSS during one call, in MB.
RSS_BOUNDS_MB = {target: (200 if target.startswith("extract") else 100) for target in TARGETS}
MAX_INPUT_BYTES = 1_000_000
DEFAULT_EXAMPLES = 30


def examples(target: str) -> int:
    """How many examples hypothesis generates for ``target``."""
    override = os.environ.get(f"FUZZ_EXAMPLES_{target.upper()}")
    if override:
        return int(override)
    return max(1, int(os.environ.get("FUZZ_EXAMPLES", DEFAULT_EXAMPLES)) * WEIGHTS[target])


def fuzz_settings(target: str) -> settings:
    return settings(
        max_examples=examples(target),
        # Our own per-input timing replaces hypothesis' deadline: it re-measures before failing.
        deadline=None,
        database=DirectoryBasedExampleDatabase(REPO / ".hypothesis" / "examples"),
        # Big generated pages (huge attributes, deep nesting) are the point, and a 2 s extraction
        # is within bounds: these checks would only stop the search.
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
        print_blob=True,
    )


@dataclass
class TargetStats:
    """What one target's runs measured, for tests/fuzz_all.py's table."""

    inputs: int = 0
    max_seconds: float = 0.0
    max_rss_growth_mb: float = 0.0
    max_input_bytes: int = 0
    # Exceptions extract_article swallowed into parse_error, by type (third-party code on junk).
    swallowed: Counter = field(default_factory=Counter)


STATS: dict[str, TargetStats] = {target: TargetStats() for target in TARGETS}


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def measured(target: str, function: Callable[..., Any], *args: Any, size: int, allowed: tuple = (),
             extra_seconds: Callable[[], float] | None = None, **kwargs: Any) -> Any:
    """Call ``function`` within ``target``'s time and memory bounds; return its result or the
    ``allowed`` exception it raised (any other exception propagates unchanged). ``extra_seconds``,
    asked only when the call was slow, adds an input-dependent allowance to the time bound."""
    stats = STATS[target]
    peak_before = _peak_rss_mb()
    started = time.perf_counter()
    try:
        outcome = function(*args, **kwargs)
    except allowed as exc:
        outcome = exc
    finally:
        seconds = time.perf_counter() - started
        grown = _peak_rss_mb() - peak_before
        stats.inputs += 1
        stats.max_rss_growth_mb = max(stats.max_rss_growth_mb, grown)
        stats.max_input_bytes = max(stats.max_input_bytes, size)
    bound = TIME_BOUNDS[target]
    if seconds > bound and extra_seconds is not None:
        bound += extra_seconds()
    if seconds > bound:
        # Another process may have had the core: a slow input is slow every time.
        for _ in range(2):
            again = time.perf_counter()
            try:
                function(*args, **kwargs)
            except allowed:
                pass
            seconds = min(seconds, time.perf_counter() - again)
    stats.max_seconds = max(stats.max_seconds, seconds)
    assert seconds <= bound, f"{target}: {seconds:.2f} s (bound {bound:.2f} s) for one input of {size} bytes"
    assert grown <= RSS_BOUNDS_MB[target], f"{target}: peak RSS grew by {grown:.0f} MB on one input of {size} bytes"
    return outcome


def _size(data: str | bytes) -> int:
    return len(data.encode("utf-8", "surrogatepass")) if isinstance(data, str) else len(data)


def _cap(data: bytes) -> bytes:
    return data[:MAX_INPUT_BYTES]


# ---------------------------------------------------------------------------------------------
# Building blocks: text, dates, URLs, encodings, mutations
# ---------------------------------------------------------------------------------------------

ENTITIES = ["&amp;", "&lt;", "&gt;", "&quot;", "&nbsp;", "&eacute;", "&#0;", "&#x0;", "&#1;", "&#xD800;", "&#x110000;",
            "&#99999999999;", "&#x;", "&bogus;", "&amp", "&#65", "&#x41", "&", "&#;", "&#xFFFE;", "&lrm;", "&rlm;"]
CONTROL = ["\x00", "\x01", "\x08", "\x0b", "\x0c", "\x1a", "\x1b", "\x7f", "\x85", "\x9f", "\u2028", "\u2029", "\ufeff",
           "\ufffe", "\uffff", "\u200b", "\u202e", "\r", "\r\n", "\t"]
WORDS = ["le", "Rabat", "news", "article", "publié", "الرباط", "المغرب", "نشر في هسبريس يوم", "中文", "日本語", "Ελληνικά",
         "Publié dans Yabiladi le 11 - 06 - 2024", "Source : MAP", "Publicado en El País el 3 de mayo de 2024",
         "Read the original", "lire l'article depuis sa source", "By John Doe", "Par", "Cookies", "Newsletter",
         "Partager", "Share", "Subscribe", "Lire aussi", "Rabat, le 24 novembre 2026", "\u200f", "🙂", "x" * 300]
DATES = ["2026-11-24", "2026-11-24T10:00:00Z", "2026-11-24T10:00:00+01:00", "2026-11-24 10:00", "Tue, 24 Nov 2026 10:00:00 GMT",
         "Tue, 24 Nov 2026 10:00:00 +0100", "24 novembre 2026", "24/11/2026", "11/24/2026", "1732435200", "2026",
         "2026-11", "2026-02-30", "2026-13-45", "0000-00-00", "9999-12-31T23:59:59+14:00", "0001-01-01T00:00:00-12:00",
         "+99999-01-01", "2026-11-24T25:61:61Z", "2026-11-24T10:00:00+99:00", "1e309", "-1", "NaN", "",
         "٢٤ نوفمبر ٢٠٢٦", "2026-W48-2", "2026-328", "20261124T100000Z", "Mon, 99 Foo 2026 99:99:99 XYZ", "yesterday"]
ZONES = ["UTC", "Africa/Casablanca", "Europe/Paris", "America/Los_Angeles", "Pacific/Kiritimati", "Asia/Kathmandu"]
HOSTS = ["news.example", "NEWS.example", "www.news.example", "127.0.0.1", "[::1]", "xn--mgbh0fb.example", "例え.jp",
         "evil.example", "news.example.evil.example", "news.example:8080", "news.example:99999", "", " ", "a b", "%6e",
         "[", "[::1", "::1]", "[v1.x]"]


# Strategies are built once, at import: building one inside a draw costs more than most parsers.
_TEXT_PIECE = st.one_of(st.sampled_from(WORDS), st.sampled_from(ENTITIES), st.sampled_from(CONTROL), st.sampled_from(DATES),
                        st.text(max_size=20))
TEXT = st.lists(_TEXT_PIECE, max_size=6).map(" ".join)  # prose with entities, controls, RTL/CJK, trigger phrases
SHORT_TEXT = st.lists(_TEXT_PIECE, max_size=2).map(" ".join)
# URLs as pages and listings write them: absolute, relative, scheme-relative, broken, hostile.
URLS = st.one_of(
    st.builds(lambda scheme, host, path: scheme + host + path,
              st.sampled_from(["http://", "https://", "HTTPS://", "//", "", "javascript:", "mailto:", "ftp://", "data:text/html,",
                               "http:", "http:/", "http:\\\\", " http://", "\thttp://"]),
              st.sampled_from(HOSTS),
              st.lists(st.sampled_from(["/", "a", "..", ".", "%2e", "%zz", "?", "#", "&", "=", "utm_source=x", "@", "\\", ":",
                                        " ", "é", "\x00", "%00", "[", "]", "2026/11/24/story.html"]), max_size=5).map("".join)),
    st.text(max_size=30),
)


ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "cp1252", "latin-1", "shift_jis", "gb18030",
             "big5", "koi8-r", "cp1256", "iso-8859-6", "euc-kr", "ascii"]
BOMS = [b"", codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE]


_ENCODING_CHOICE = st.sampled_from(ENCODINGS)
_BOM_CHOICE = st.sampled_from(BOMS)


def encode(draw: st.DrawFn, document: str) -> bytes:
    """``document`` as bytes in some charset, possibly behind a (wrong) BOM."""
    encoding = draw(_ENCODING_CHOICE)
    data = document.encode(encoding, "replace") if encoding != "ascii" else document.encode("ascii", "ignore")
    return _cap(draw(_BOM_CHOICE) + data)


TOKENS = [b"<", b">", b"</", b"<div>", b"</div>", b"<!--", b"-->", b"<![CDATA[", b"]]>", b"<?xml version='1.0'?>", b"&#0;",
          b"&", b"\x00", b"\xff", b"\xfe\xff", b"\xef\xbb\xbf", b"\x1f\x8b", b'"', b"'", b"<script>", b"</script>",
          b"<!DOCTYPE x [<!ENTITY a 'aaaa'>]>", b"<div>" * 500, b"\r\n", b"\xc3", b"\xed\xa0\x80"]


_MUTATIONS = st.sampled_from(("flip", "truncate", "delete", "duplicate", "insert", "splice"))
_TOKEN_CHOICE = st.sampled_from(TOKENS)


def mutated(seeds: list[bytes]) -> st.SearchStrategy[bytes]:
    """A seed after byte flips, truncations, deletions, duplications, token insertions and
    splices with another seed."""
    seed_choice = st.sampled_from(tuple(seeds))

    @st.composite
    def mutate(draw: st.DrawFn) -> bytes:
        data = bytearray(draw(seed_choice))
        for _ in range(draw(st.integers(0, 6))):
            operation = draw(_MUTATIONS)
            position = draw(st.integers(0, len(data)))
            if operation == "flip" and position < len(data):
                data[position] ^= 1 << draw(st.integers(0, 7))
            elif operation == "truncate":
                del data[position:]
            elif operation == "delete":
                del data[position:position + draw(st.integers(1, 4096))]
            elif operation == "duplicate":
                data[position:position] = data[position:position + draw(st.integers(1, 4096))]
            elif operation == "insert":
                data[position:position] = draw(_TOKEN_CHOICE)
            else:
                other = draw(seed_choice)
                data = data[:position] + other[draw(st.integers(0, len(other))):]
        return _cap(bytes(data))

    return mutate()


# ---------------------------------------------------------------------------------------------
# HTML grammar
# ---------------------------------------------------------------------------------------------

TAGS = ["html", "head", "body", "div", "p", "span", "a", "article", "main", "section", "header", "footer", "nav", "aside",
        "h1", "h2", "h3", "h6", "ul", "ol", "li", "table", "tr", "td", "blockquote", "pre", "code", "figure", "figcaption",
        "time", "img", "br", "hr", "script", "style", "noscript", "iframe", "svg", "math", "template", "title", "meta",
        "link", "base", "form", "input", "select", "textarea", "b", "i", "em", "strong", "font", "center", "address",
        "object", "embed", "frameset", "frame", "plaintext", "xmp", "DIV", "P"]
ATTRIBUTES = ["class", "id", "href", "src", "content", "property", "name", "itemprop", "itemtype", "itemscope", "datetime",
              "rel", "type", "lang", "dir", "charset", "http-equiv", "style", "hidden", "aria-hidden", "srcset", "pubdate",
              "data-src", "role", "onclick", "xmlns", "xml:lang", "CLASS"]
ATTRIBUTE_VALUES = ["article", "post-content", "entry-content", "comment", "sidebar", "share", "cookie", "newsletter",
                    "byline", "author", "headline", "og:title", "og:site_name", "article:published_time", "description",
                    "canonical", "application/ld+json", "datePublished", "rtl", "ar", "fr", "display:none", "utf-8",
                    "text/html; charset=shift_jis", "x-user-defined", "https://schema.org/NewsArticle"]
META_NAMES = ["og:title", "og:site_name", "og:url", "og:image", "og:description", "og:type", "og:locale",
              "article:published_time", "article:modified_time", "article:author", "article:section", "article:tag",
              "twitter:title", "author", "description", "keywords", "news_keywords", "date", "pubdate", "publish-date",
              "dc.date", "dc.creator", "dc.title", "dcterms.issued", "sailthru.date", "parsely-pub-date",
              "parsely-author", "citation_publication_date", "content-language", "last-modified"]
SCHEMA_KEYS = ["@context", "@type", "@graph", "@id", "headline", "name", "author", "datePublished", "dateModified",
               "publisher", "image", "url", "mainEntityOfPage", "isAccessibleForFree", "hasPart", "keywords",
               "articleSection", "inLanguage", "description", "logo", "cssSelector", "creator", "contentUrl"]
SCHEMA_TYPES = ["NewsArticle", "Article", "BlogPosting", "WebPage", "Person", "Organization", "ItemList", "CollectionPage",
                "LiveBlogPosting", "WebPageElement", "ImageObject", "newsarticle", ""]

attribute_value = st.one_of(
    st.sampled_from(ATTRIBUTE_VALUES), st.sampled_from(DATES), URLS, TEXT,
    # Huge values: readability and our readers scan attributes with regexes.
    st.builds(lambda token, n: token * n, st.sampled_from(["a", "x ", "&amp;", "é", "\"", "<"]), st.integers(0, 200_000)),
)


def render_attributes(attributes: list[tuple[str, str, str]]) -> str:
    rendered = []
    for name, value, quote in attributes:
        if quote == "none":
            rendered.append(f" {name}")
        elif quote == "bare":
            rendered.append(f" {name}={value.replace(' ', '')}")
        else:
            rendered.append(f" {name}={quote}{value}{quote}")
    return "".join(rendered)


attributes = st.lists(
    st.tuples(st.one_of(st.sampled_from(ATTRIBUTES), st.from_regex(r"[a-zA-Z_:][\w:.-]{0,12}", fullmatch=True)),
              attribute_value, st.sampled_from(['"', "'", "bare", "none"])),
    max_size=5,
).map(render_attributes)


def _json_values() -> st.SearchStrategy[Any]:
    scalar = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.sampled_from(DATES),
                       st.sampled_from(SCHEMA_TYPES), URLS, TEXT)
    return st.recursive(
        scalar,
        lambda children: st.one_of(st.lists(children, max_size=4),
                                   st.dictionaries(st.sampled_from(SCHEMA_KEYS), children, max_size=6)),
        max_leaves=12,
    )


JSON_LD_OBJECTS = st.dictionaries(st.sampled_from(SCHEMA_KEYS), _json_values(), max_size=8)


@st.composite
def json_ld(draw: st.DrawFn) -> str:
    """A JSON-LD <script>: schema.org-shaped objects of any type, sometimes broken JSON."""
    value = draw(JSON_LD_OBJECTS)
    if draw(st.booleans()):
        value["@type"] = draw(st.sampled_from(SCHEMA_TYPES))
    body = json.dumps(value, ensure_ascii=draw(st.booleans()))
    damage = draw(st.sampled_from(("none", "none", "truncate", "comment", "trailing", "script-close", "array")))
    if damage == "truncate":
        body = body[: draw(st.integers(0, len(body)))]
    elif damage == "comment":
        body = f"<!--\n{body}\n-->"
    elif damage == "trailing":
        body = body.rstrip("}") + ",}"
    elif damage == "script-close":
        body = body.replace(":", ":\"</script><p>", 1)
    elif damage == "array":
        body = f"[{body}, {body}]"
    return f'<script type="application/ld+json">{body}</script>'


head_element = st.one_of(
    st.builds(lambda name, value: f'<meta property="{name}" content="{value}">', st.sampled_from(META_NAMES),
              st.one_of(st.sampled_from(DATES), TEXT, URLS)),
    st.builds(lambda name, value: f'<meta name="{name}" content="{value}">', st.sampled_from(META_NAMES),
              st.one_of(st.sampled_from(DATES), TEXT)),
    st.builds(lambda charset: f'<meta charset="{charset}">', st.sampled_from(ENCODINGS + ["bogus", "x-user-defined", ""])),
    st.builds(lambda charset: f'<meta http-equiv="Content-Type" content="text/html; charset={charset}">',
              st.sampled_from(ENCODINGS + ["bogus"])),
    st.builds(lambda href: f'<link rel="canonical" href="{href}">', URLS),
    st.builds(lambda href: f'<base href="{href}">', URLS),
    st.builds(lambda title: f"<title>{title}</title>", TEXT),
    json_ld(),
)


def render_element(tag: str, attrs: str, children: list[str], close: str) -> str:
    inner = "".join(children)
    if close == "self":
        return f"<{tag}{attrs}/>"
    if close == "open":
        return f"<{tag}{attrs}>{inner}"
    if close == "mismatch":
        return f"<{tag}{attrs}>{inner}</{'span' if tag != 'span' else 'div'}>"
    return f"<{tag}{attrs}>{inner}</{tag}>"


leaf_nodes = st.one_of(
    TEXT,
    st.builds(lambda value: f"<time datetime=\"{value}\">{value}</time>", st.sampled_from(DATES)),
    st.builds(lambda body: f"<!--{body}-->", TEXT),
    st.sampled_from(["<!--", "<![CDATA[x]]>", "<?php echo 1 ?>", "<br>", "<hr/>", "<img src=x>", "</p>", "</body>", "<",
                     "<a href=\"/2026/11/24/x.html\">x</a>", "<p>", "<!DOCTYPE html>", "<html>", "</html>"]),
    head_element,
)
html_tree = st.recursive(
    leaf_nodes,
    lambda children: st.builds(
        render_element,
        st.one_of(st.sampled_from(TAGS), st.from_regex(r"[a-zA-Z][a-zA-Z0-9:-]{0,10}", fullmatch=True)),
        attributes,
        st.lists(children, max_size=4),
        st.sampled_from(["close", "close", "close", "open", "self", "mismatch"]),
    ),
    max_leaves=25,
)


_HEADS = st.lists(head_element, max_size=4)
_BODIES = st.lists(html_tree, max_size=3)
# Deep nesting; extraction time grows with the element count (see EXTRACT_SECONDS_PER_ELEMENT).
_DEPTHS = st.one_of(st.just(0), st.integers(1, 40), st.integers(200, 5_000))


@st.composite
def html_documents(draw: st.DrawFn) -> str:
    prologue = draw(st.sampled_from(("", "<!DOCTYPE html>", "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>",
                                     "<?xml version='1.0' encoding='UTF-16'?>", "\ufeff", "<!DOCTYPE html PUBLIC \"x\">",
                                     "<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>", "  \n\t")))
    head = "".join(draw(_HEADS))
    body = "".join(draw(_BODIES))
    depth = draw(_DEPTHS)
    nesting_tag = draw(st.sampled_from(("div", "p", "span", "b", "table", "li", "a")))
    body = f"<{nesting_tag}>" * depth + body + f"</{nesting_tag}>" * draw(st.integers(0, depth))
    lang = draw(st.sampled_from(("", ' lang="fr"', ' lang="ar" dir="rtl"', ' lang="zz-ZZ"', ' lang="' + "x" * 500 + '"')))
    if draw(st.booleans()):
        return f"{prologue}<html{lang}><head>{head}</head><body>{body}</body></html>"
    return prologue + head + body  # tag soup without a skeleton


@st.composite
def encoded_html(draw: st.DrawFn) -> str | bytes:
    """A generated page as str (a charset named by HTTP) or as bytes in some charset."""
    document = draw(html_documents())
    return document[:MAX_INPUT_BYTES] if draw(st.booleans()) else encode(draw, document)


def _sample_bodies(paths: list[str]) -> list[bytes]:
    base_url = "http://news.example"
    return [sample_site.render(path, base_url).body for path in paths]


SAMPLE_DAY = dt.date(2026, 11, 24)
SAMPLE_PAGES = _sample_bodies([article.path for article in ARTICLES])
SAMPLE_FEEDS = _sample_bodies([feed_path(outlet) for outlet in OUTLETS])
SAMPLE_SITEMAPS = _sample_bodies([sitemap_path(outlet) for outlet in OUTLETS])
SAMPLE_ARCHIVES = _sample_bodies([archive_path(outlet, article.local_date) for outlet in OUTLETS
                                  for article in ARTICLES[:3]])
SAMPLE_ROBOTS = _sample_bodies(["/robots.txt"])


def _corpus_pages() -> list[bytes]:
    if not CORPUS.is_dir():
        return []
    return [_cap(path.read_bytes()) for path in sorted(CORPUS.glob("*/source.html"))]


CORPUS_PAGES = _corpus_pages()
# The first extraction loads models and caches (seconds, tens of MB): not the cost of any input.
extract_article(SAMPLE_PAGES[0], "http://news.example/")
needs_corpus = pytest.mark.skipif(not CORPUS_PAGES, reason=f"{CORPUS} is absent (shared corpus not checked out)")


# ---------------------------------------------------------------------------------------------
# Extractor
# ---------------------------------------------------------------------------------------------


class _Swallowed(logging.Handler):
    """Collects the exceptions extract_article logs (at DEBUG) before returning parse_error."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.errors: list[BaseException] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info and record.exc_info[1] is not None:
            self.errors.append(record.exc_info[1])


# What newslake's extraction raises on purpose and extract_article turns into a reason: binary data
# (NotHtml -> parse_error), and what its docstring names for pathological pages.
DESIGNED_EXTRACTION_ERRORS = (NotHtml, EmptyDocument, RecursionError, MemoryError)


def _raised_in_newslake(error: BaseException) -> bool:
    """Whether the innermost frame of ``error`` is newslake's own Python code."""
    traceback = error.__traceback__
    last = None
    while traceback is not None:
        last = traceback
        traceback = traceback.tb_next
    return last is not None and last.tb_frame.f_code.co_filename.startswith(NEWSLAKE_CODE)


def _element_count(html: str | bytes) -> int:
    try:
        return sum(1 for _ in parse_html(html).iter())
    except Exception:  # what the extractor refuses has no elements to pay for
        return 0


def check_extraction(target: str, html: str | bytes, url: str | None, timezone: str = "UTC",
                     fetched_at: dt.datetime | None = None) -> ArticleExtraction:
    logger = logging.getLogger("newslake.extract")
    handler = _Swallowed()
    old_level, old_propagate = logger.level, logger.propagate
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False  # the DEBUG records are for us, not for pytest's log capture
    try:
        result = measured(target, extract_article, html, url, default_timezone=timezone, fetched_at=fetched_at,
                          size=_size(html), extra_seconds=lambda: EXTRACT_SECONDS_PER_ELEMENT * _element_count(html))
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)
        logger.propagate = old_propagate
    for error in handler.errors:
        STATS[target].swallowed[type(error).__name__] += 1
        # The catch-all is for pathological pages hitting third-party code; a bug of ours must not hide in it.
        if _raised_in_newslake(error) and not isinstance(error, DESIGNED_EXTRACTION_ERRORS):
            raise AssertionError(f"newslake code raised {type(error).__name__}: {error}; extract_article hid it") from error

    assert isinstance(result, ArticleExtraction)
    assert result.ok == (result.reason is None)
    assert result.reason is None or result.reason in REASONS
    if result.ok:
        assert result.text.strip()
    for moment in (result.published_at, result.modified_at):
        assert moment is None or moment.tzinfo is not None
    if result.published_at is not None:
        assert result.published_precision in ("datetime", "date")
    # "No date after fetched_at is taken as the publication or modification date."
    limit = fetched_at if fetched_at is None or fetched_at.tzinfo else fetched_at.replace(tzinfo=dt.UTC)
    for moment in (result.published_at, result.modified_at):
        assert limit is None or moment is None or moment <= limit, f"{moment} is after fetched_at {limit}"
    assert result.extractor
    assert isinstance(result.to_dict(), dict)
    return result


page_urls = st.one_of(st.none(), st.just("http://news.example/2026/11/24/story.html"), URLS)
fetch_times = st.one_of(st.none(), st.datetimes(min_value=dt.datetime(1990, 1, 1), max_value=dt.datetime(2100, 1, 1)),
                        st.datetimes(timezones=st.sampled_from([dt.UTC, dt.timezone(dt.timedelta(hours=14))])))


@fuzz_settings("extract_grammar")
@given(html=encoded_html(), url=page_urls,
       timezone=st.sampled_from(ZONES + ["", "Mars/Olympus", "America", "../../etc/passwd", "a" * 300, "UTC\x00"]),
       fetched_at=fetch_times)
def test_extractor_on_generated_html(html, url, timezone, fetched_at):
    check_extraction("extract_grammar", html, url, timezone, fetched_at)


@fuzz_settings("extract_seeds")
@given(page=mutated(SAMPLE_PAGES), url=page_urls)
@example(page=SAMPLE_PAGES[0], url="http://news.example/")
def test_extractor_on_mutated_sample_pages(page, url):
    check_extraction("extract_seeds", page, url, "Africa/Casablanca")


@needs_corpus
@pytest.mark.corpus
@fuzz_settings("extract_corpus")
@given(data=st.data(), url=page_urls)
def test_extractor_on_mutated_corpus_pages(data, url):
    # Drawn inside the test: CORPUS_PAGES is empty (and the test skipped) without the corpus.
    page = data.draw(mutated(CORPUS_PAGES), label="page")
    check_extraction("extract_corpus", page, url)


# ---------------------------------------------------------------------------------------------
# Listings: feeds, sitemaps, archive pages, robots.txt
# ---------------------------------------------------------------------------------------------

LISTING_URL = "http://news.example/listing.xml"
# An external entity pointing here must never be read: its marker must never show up in a result.
_SECRET_DIR = Path(tempfile.mkdtemp(prefix="newslake-fuzz-"))
atexit.register(shutil.rmtree, _SECRET_DIR, True)
SECRET_FILE = _SECRET_DIR / "secret.txt"
SECRET_MARKER = "SECRETMARKER4242"
SECRET_FILE.write_text(SECRET_MARKER)

XML_PROLOGUES = (
    "", '<?xml version="1.0" encoding="UTF-8"?>', '<?xml version="1.0" encoding="ISO-8859-1"?>',
    '<?xml version="1.0" encoding="UTF-16"?>', '<?xml version="1.1"?>', '<?xml version="1.0" encoding="bogus"?>',
    f'<!DOCTYPE x [<!ENTITY xxe SYSTEM "file://{SECRET_FILE}">]>',
    f'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "{SECRET_FILE}">]>',
    '<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">'
    '<!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;"><!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">]>',
    '<!DOCTYPE x SYSTEM "http://127.0.0.1:9/dtd">', "\ufeff", "\n\n  ",
)
ENTITY_REFERENCES = ["&xxe;", "&e;", "&a;", "&undefined;", "&amp;", "&#0;", "&#x110000;"]


_XML_PIECE = st.one_of(SHORT_TEXT, st.sampled_from(ENTITY_REFERENCES), st.sampled_from(DATES), URLS,
                       st.sampled_from(["<![CDATA[x]]>", "<b>bold</b>", "]]>", "<", "&"]))
XML_TEXT = st.lists(_XML_PIECE, max_size=4).map("".join)
SHORT_XML_TEXT = st.lists(_XML_PIECE, max_size=2).map("".join)


def element(names: list[str], content: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.builds(lambda name, attrs, body: f"<{name}{attrs}>{body}</{name}>", st.sampled_from(names),
                     st.sampled_from(["", ' href="/2026/11/24/a.html"', ' rel="alternate" href="http://news.example/a"',
                                      ' type="text/html"', ' xml:base="http://evil.example/"', ' xmlns="x"']), content)


FEED_ITEM_FIELDS = ["title", "link", "pubDate", "dc:date", "published", "updated", "guid", "description", "id",
                    "content:encoded", "summary", "author", "category", "enclosure", "issued", "modified", "created"]
FEED_ITEMS = st.lists(st.lists(element(FEED_ITEM_FIELDS, XML_TEXT), max_size=5).map("".join), max_size=5)


@st.composite
def feed_documents(draw: st.DrawFn) -> bytes:
    """RSS 0.91/2.0, RDF or Atom with random items, fields, dates, links and entities."""
    kind = draw(st.sampled_from(("rss", "atom", "rdf", "other")))
    item_tag = {"rss": "item", "atom": "entry", "rdf": "item", "other": draw(st.sampled_from(("item", "entry", "x")))}[kind]
    items = "".join(f"<{item_tag}>{body}</{item_tag}>" for body in draw(FEED_ITEMS))
    namespaces = draw(st.sampled_from(('', ' xmlns:dc="http://purl.org/dc/elements/1.1/"',
                                       ' xmlns:content="http://purl.org/rss/1.0/modules/content/"', ' xmlns:dc="x"')))
    if kind == "rss":
        body = f'<rss version="{draw(st.sampled_from(("2.0", "0.91", "", "9")))}"{namespaces}><channel><title>t</title>{items}</channel></rss>'
    elif kind == "atom":
        body = f'<feed xmlns="http://www.w3.org/2005/Atom"{namespaces}>{items}</feed>'
    elif kind == "rdf":
        body = (f'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"{namespaces}>'
                f"<channel/>{items}</rdf:RDF>")
    else:
        body = f"<{draw(st.sampled_from(('html', 'urlset', 'x', 'rss:rss')))}>{items}"
    document = draw(st.sampled_from(XML_PROLOGUES)) + body
    return encode(draw, document)


def assert_discovered(items, via: str) -> None:
    for item in items:
        assert item.via == via
        assert canonicalize_url(item.url) == item.url, "listed URLs come out canonical"
        assert item.url.split(":", 1)[0] in ("http", "https")
        assert item.listed_at is None or item.listed_at.tzinfo is not None
        assert SECRET_MARKER not in (item.title or "") and SECRET_MARKER not in item.url, "an external entity was read"


@fuzz_settings("feed")
@given(body=st.one_of(feed_documents(), mutated(SAMPLE_FEEDS)), timezone=st.sampled_from([None, *ZONES]))
# feedparser's lenient parser raised ValueError (chr() arg not in range) out of parse_feed.
@example(body=b'<feed xmlns="http://www.w3.org/2005/Atom"><entry><title>&#x110000;</title></entry></feed>', timezone=None)
@example(body=b"<rss version='2.0'><channel><item><link>http://[</link></item></channel></rss>", timezone=None)
# feedparser parsed this date to year -1, and datetime() raised ValueError out of parse_feed.
@example(body=b'<rss version="2.0"><channel><title>t</title><item><pubDate>0000-00-00le</pubDate></item></channel></rss>',
         timezone=None)
def test_feed_parser(body, timezone):
    outcome = measured("feed", parse_feed, body, LISTING_URL, timezone=timezone, size=len(body), allowed=(ListingParseError,))
    if isinstance(outcome, ListingParseError):
        assert outcome.reason == "parse_error"
        return
    assert_discovered(outcome, "feed")


_W3C_DATE = st.sampled_from(DATES)
SITEMAP_ENTRIES = st.lists(st.lists(st.one_of(
    st.builds(lambda u: f"<loc>{u}</loc>", st.one_of(URLS, SHORT_XML_TEXT)),
    st.builds(lambda d: f"<lastmod>{d}</lastmod>", _W3C_DATE),
    st.builds(lambda d, t: f"<news:news><news:publication_date>{d}</news:publication_date><news:title>{t}</news:title>"
              "</news:news>", _W3C_DATE, SHORT_XML_TEXT),
    st.sampled_from(["<!-- c -->", "<?pi x?>", "<changefreq>daily</changefreq>", "<loc/>"]),
), max_size=4).map("".join), max_size=6)


@st.composite
def sitemap_documents(draw: st.DrawFn) -> bytes:
    """<urlset>/<sitemapindex>/other roots, right/missing/old namespaces, Google News, W3C dates
    valid and not, as plain XML or gzip (valid, truncated, multi-member, with trailing junk)."""
    namespace = draw(st.sampled_from(('', ' xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"',
                                      ' xmlns="http://www.google.com/schemas/sitemap/0.84"', ' xmlns="x"',
                                      ' xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"')))
    root = draw(st.sampled_from(("urlset", "sitemapindex", "rss", "x:urlset", "html")))
    entry = draw(st.sampled_from(("url", "sitemap", "x")))
    entries = "".join(f"<{entry}>{parts}</{entry}>" for parts in draw(SITEMAP_ENTRIES))
    document = draw(st.sampled_from(XML_PROLOGUES)) + f"<{root}{namespace}>{entries}</{root}>"
    data = encode(draw, document)
    wrapping = draw(st.sampled_from(("plain", "plain", "gzip", "gzip-truncated", "gzip-twice", "gzip-junk", "raw-deflate")))
    if wrapping == "gzip":
        data = gzip.compress(data)
    elif wrapping == "gzip-truncated":
        compressed = gzip.compress(data)
        data = compressed[: draw(st.integers(0, len(compressed)))]
    elif wrapping == "gzip-twice":
        data = gzip.compress(data) + gzip.compress(data)
    elif wrapping == "gzip-junk":
        data = gzip.compress(data) + draw(st.binary(max_size=20))
    elif wrapping == "raw-deflate":
        data = b"\x1f\x8b" + zlib.compress(data)
    return data


@fuzz_settings("sitemap")
@given(body=st.one_of(sitemap_documents(), mutated(SAMPLE_SITEMAPS)), timezone=st.sampled_from([None, *ZONES]),
       max_bytes=st.one_of(st.just(None), st.integers(0, 4096)))
# urljoin raised ValueError ("Invalid IPv6 URL") out of parse_sitemap for an unclosed bracket.
@example(body=b"<sitemapindex><sitemap><loc>http://[</loc></sitemap></sitemapindex>", timezone=None, max_bytes=None)
@example(body=b"<urlset><url><loc>http://[</loc></url></urlset>", timezone=None, max_bytes=None)
# An external DTD let an undeclared prefix through: etree.QName raised ValueError ("Invalid tag name").
@example(body=b'<!DOCTYPE x SYSTEM "http://127.0.0.1:9/dtd"><urlset><url><loc>http://news.example/a</loc><news:news>'
         b"<news:publication_date>2026-11-24</news:publication_date><news:title>&xxe;</news:title></news:news></url></urlset>",
         timezone=None, max_bytes=None)
def test_sitemap_parser(body, timezone, max_bytes):
    kwargs = {} if max_bytes is None else {"max_bytes": max_bytes}
    outcome = measured("sitemap", parse_sitemap, body, LISTING_URL, timezone=timezone, size=len(body),
                       allowed=(ListingParseError,), **kwargs)
    if isinstance(outcome, ListingParseError):
        assert outcome.reason in ("parse_error", "too_large")
        return
    found, child_sitemaps = outcome
    assert not (found and child_sitemaps), "a sitemap is either a urlset or an index"
    assert_discovered(found, "sitemap")
    assert all(isinstance(url, str) and SECRET_MARKER not in url for url in child_sitemaps)


# Hostile hrefs for the archive's own-host rule: look-alike hosts, userinfo, backslashes, controls.
HOSTILE_HREFS = ["//evil.example/a", "http://news.example@evil.example/a", "http://evil.example\\@news.example/a",
                 "http:\\\\evil.example\\a", "http://news.example.evil.example/a", "http://evil.example#@news.example/",
                 "http://evil.example?@news.example/", "https://news.example:443/a", "http://NEWS.EXAMPLE/a",
                 "http://news.example%2eevil.example/", "http://news%2eexample/", "http://news.example\t.evil/",
                 "http://[::ffff:127.0.0.1]/", "\x00http://evil.example/", " //evil.example", "/\\evil.example/a",
                 "http:evil.example", "http://news.example./a", "http://xn--nws-5la.example/", "javascript:alert(1)"]


ARCHIVE_LINKS = st.lists(st.builds(
    lambda h, cls, label: f'<a href="{h}" class="{cls}">{label}</a>',
    st.one_of(st.sampled_from(HOSTILE_HREFS), URLS, st.just("/2026/11/24/story.html")),
    st.sampled_from(["item", "next", "", "next item"]), SHORT_TEXT,
), max_size=8)
MUTATED_ARCHIVES = mutated(SAMPLE_ARCHIVES)
_ARCHIVE_FILLER = st.one_of(st.just(""), html_tree)  # the rest of the page, sometimes nothing


@st.composite
def archive_pages(draw: st.DrawFn) -> tuple[bytes, str, str | None]:
    """An archive page with own, foreign and hostile links, a <base>, and next-page links."""
    links = "".join(draw(ARCHIVE_LINKS))
    base = draw(st.sampled_from(("", '<base href="http://evil.example/">', '<base href="/sub/">', '<base href="">',
                                 '<base href="javascript:x">', '<base href="http://[::1">')))
    document = f"<html><head>{base}</head><body><ul>{links}</ul>{draw(_ARCHIVE_FILLER)}</body></html>"
    selector = draw(st.sampled_from(("a[href]", "a.item", "ul a", "li a", "*", "a[href^='/']", "body", "a:not(.next)")))
    next_selector = draw(st.sampled_from((None, "a.next", "a[href]", "*", "a[rel=next]")))
    body = encode(draw, document) if draw(st.booleans()) else draw(MUTATED_ARCHIVES)
    return body, selector, next_selector


@fuzz_settings("archive")
@given(page=archive_pages(), page_url=st.sampled_from(["http://news.example/archives/2026/11/24/", "https://news.example/",
                                                        "http://127.0.0.1:8765/x/archives/2026/11/24/"]),
       charset=st.sampled_from([None, "utf-8", "utf-16", "shift_jis", "bogus", "x-user-defined", "", "utf-7"]))
# urljoin raised ValueError ("Invalid IPv6 URL") out of parse_archive_page, from <base href> or a link.
@example(page=(b'<html><head><base href="http://[::1"></head><body><ul></ul></body></html>', "a[href]", None),
         page_url="http://news.example/archives/2026/11/24/", charset=None)
@example(page=(b'<a href="http://[">x</a><a href="/a.html">y</a>', "a[href]", None), page_url="https://news.example/", charset=None)
def test_archive_page_parser(page, page_url, charset):
    body, selector, next_selector = page
    spec = ArchiveSpec("http://news.example/archives/{date}/", link_selector=selector, next_selector=next_selector)
    outcome = measured("archive", parse_archive_page, body, page_url, day=SAMPLE_DAY, link_selector=spec.link_selector,
                       next_selector=spec.next_selector, charset=charset, size=len(body), allowed=(ListingParseError,))
    if isinstance(outcome, ListingParseError):
        assert outcome.reason == "parse_error"
        return
    found, next_url = outcome
    own_host = url_host(page_url)
    assert_discovered(found, "archive")
    for url in [item.url for item in found] + [item.listed_url for item in found] + ([next_url] if next_url else []):
        assert url_host(url) == own_host, f"archive page of {own_host} yielded a link to {url!r}"
        # Also as httpx (the crawler's client) reads it: a parser differential must not lead elsewhere.
        try:
            fetched_host = httpx.URL(url).host
        except (httpx.InvalidURL, ValueError):
            continue  # a URL httpx refuses is never fetched (a raw control character, a bad IDNA label)
        if not fetched_host:
            continue  # nor one without a host for httpx ("http:\\\\host": WHATWG reads a host, httpx none)
        assert fetched_host == own_host, f"archive page of {own_host} yielded {url!r}, which httpx sends to {fetched_host!r}"
    assert all(item.listed_day == SAMPLE_DAY for item in found)
    assert canonicalize_url(page_url) not in {item.url for item in found}


ROBOTS_FIELDS = ["User-agent", "user-agent", "USER-AGENT", "Allow", "Disallow", "Crawl-delay", "crawl-delay", "Request-rate",
                 "Sitemap", "sitemap", "Host", "Clean-param", "Noindex", "Visit-time", "Foo", ""]
ROBOTS_VALUES = ["*", "newslake", "Googlebot", "/", "", "/private", "/*.pdf$", "/a*b*c*d*e*f*g*h*", "/%E2%82%AC", "/€",
                 "/?q=", "$", "*" * 200, "/" + "a*" * 500, "1", "0", "-1", "0.5", "1e309", "inf", "nan", "-inf", "10/1",
                 "1/0", "0/0", "abc", "99999999999999999999", "http://news.example/sitemap.xml", "/sitemap.xml",
                 "//evil.example/s.xml", "ftp://x/s.xml", "javascript:x", "http://[::1/s.xml", "0900-1700", "   "]


ROBOTS_LINES = st.lists(st.one_of(
    st.builds(lambda name, sep, value: f"{name}{sep}{value}", st.sampled_from(ROBOTS_FIELDS),
              st.sampled_from([":", ": ", " : ", "", "::", ":\t"]), st.one_of(st.sampled_from(ROBOTS_VALUES), SHORT_TEXT)),
    st.sampled_from(["# comment", "", "#", "User-agent: *\nDisallow: /", "\x00", "\ufeff"]),
), max_size=25)


@st.composite
def robots_files(draw: st.DrawFn) -> bytes:
    lines = draw(ROBOTS_LINES)
    newline = draw(st.sampled_from(("\n", "\r\n", "\r", "\n\n")))
    document = newline.join(lines)
    data = encode(draw, document)
    # Past ROBOTS_MAX_BYTES the body is cut at a line boundary; make sure that path runs.
    if draw(st.integers(0, 19)) == 0:
        data = (b"Disallow: /padding\n" * (ROBOTS_MAX_BYTES // 19 + 2))[: ROBOTS_MAX_BYTES + draw(st.integers(-5, 50))] + data
    return data


robots_bodies = st.one_of(robots_files(), mutated(SAMPLE_ROBOTS), st.binary(max_size=200))


@fuzz_settings("robots_sitemaps")
@given(body=robots_bodies, robots_url=st.sampled_from(["http://news.example/robots.txt", "https://news.example:8443/robots.txt"]))
@example(body=b"Sitemap: http://[::1/s.xml\n", robots_url="http://news.example/robots.txt")  # urljoin's ValueError escaped
def test_robots_sitemap_announcements(body, robots_url):
    announced = measured("robots_sitemaps", parse_robots_sitemaps, body, robots_url, size=len(body))
    assert isinstance(announced, list)
    keys = [canonicalize_url(url) for url in announced]  # every one an http(s) URL, or this raises
    assert len(keys) == len(set(keys)), "each sitemap once"


def _as_the_client_asks(urls: list[str]) -> list[str]:
    """URLs as HttpClient hands them to RobotsPolicy.allows: ``str(httpx.URL(...))`` of an http(s)
    URL httpx accepted (it never asks about one it cannot parse)."""
    asked = []
    for url in urls:
        try:
            parsed = httpx.URL(url)
            usable = parsed.scheme in ("http", "https") and bool(parsed.host)
        except (httpx.InvalidURL, ValueError):  # ValueError: idna's IDNAError from .host ("http://xn--zz/")
            continue
        if usable:
            asked.append(str(parsed))
    return asked


def _use_policy(status: int | None, error: str | None, body: bytes, urls: list[str], user_agent: str):
    policy = RobotsPolicy.from_fetch(status, error, body)
    token = user_agent_token(user_agent)
    verdicts = [policy.allows(url, token) for url in _as_the_client_asks(urls)]
    return policy, token, verdicts, policy.crawl_delay(token), policy.sitemaps


@fuzz_settings("robots_policy")
@given(body=robots_bodies, status=st.sampled_from([200, 204, 299, 301, 404, 410, 429, 500, 503, None]),
       error=st.sampled_from([None, None, "timeout", "too_many_redirects", "connect_error"]),
       urls=st.lists(st.one_of(URLS, st.just("http://news.example/private/x")), min_size=1, max_size=5),
       user_agent=st.one_of(st.sampled_from(["newslake/0.1 (+https://x)", "", "  ", "*", "Googlebot", "newslake"]), SHORT_TEXT))
# The worst robots.txt by size: distinct wildcard rules up to the 500 KiB cap (each compiled by protego).
@example(body=b"User-agent: *\n" + b"".join(b"Disallow: /p%d*x$\n" % n for n in range(30_000)), status=200, error=None,
         urls=["http://news.example/p1/x"], user_agent="newslake/0.1")
def test_robots_policy(body, status, error, urls, user_agent):
    policy, token, verdicts, delay, sitemaps = measured("robots_policy", _use_policy, status, error, body, urls, user_agent,
                                                        size=len(body))
    assert token == "*" or re.fullmatch(r"[A-Za-z_-]+", token)
    assert all(isinstance(verdict, bool) for verdict in verdicts)
    if not policy.reachable:
        assert not any(verdicts), "an unreachable robots.txt allows nothing"
    assert delay is None or 0 < delay <= MAX_CRAWL_DELAY
    assert all(isinstance(url, str) for url in sitemaps)


# ---------------------------------------------------------------------------------------------
# Sources YAML loader
# ---------------------------------------------------------------------------------------------

_SOURCES_DIR = Path(tempfile.mkdtemp(prefix="newslake-fuzz-sources-"))
atexit.register(shutil.rmtree, _SOURCES_DIR, True)

junk = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=10), st.dates(),
                 st.lists(st.integers(), max_size=3), st.dictionaries(st.text(max_size=5), st.integers(), max_size=3))
TEMPLATES = ["http://news.example/archives/{yyyy}/{mm}/{dd}/", "https://n.example/{date}", "http://n.example/{yyyy:d}/",
             "http://n.example/{date!r}/", "http://n.example/{}/", "http://n.example/{0}/", "http://n.example/{yyyy",
             "http://n.example/}}{yyyy}", "http://n.example/{yyyy:>{mm}}/", "http://n.example/{yyyy[0]}/", "ftp://x/{date}",
             "http://[/{date}", "http://n.example:99999/{date}", "http://n.example/{date:%Y}/", "http://n.example/{mm:x<40}"]
SELECTORS = ["a[href]", "ul.listing li.item h2 a", "a.next", "[[[", "a:has(b)", "a::text", "", " ", "a:nth-child(2n+1)",
             "a:contains('x')", "#", "a[href$=]", ":root", "a >", "a:first-line", "*|a", "a:lang(fr)", "a:not(", "a:scope"]


def maybe(valid: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """A field's value: usually valid, sometimes anything."""
    return st.one_of(valid, valid, junk)


source_fields = {
    "id": maybe(st.one_of(st.from_regex(r"[a-z0-9][a-z0-9-]{0,62}", fullmatch=True), st.sampled_from(["Bad Id", "-x", ""]))),
    "name": maybe(TEXT),
    "languages": maybe(st.lists(st.sampled_from(["fr", "ar", "en", "french", "", "FR", "zz"]), max_size=3)),
    "timezone": maybe(st.sampled_from(ZONES + ["Mars/Olympus", "America", "Europe", "../../etc/passwd", "/etc/passwd",
                                               "a" * 300, "UTC\x00", "", "posix/UTC", "Etc/GMT+99", "Europe/Paris/"])),
    "feeds": maybe(st.lists(URLS, max_size=3)),
    "sitemaps": maybe(st.lists(URLS, max_size=3)),
    "archives": maybe(st.lists(st.fixed_dictionaries({"url_template": maybe(st.sampled_from(TEMPLATES))}, optional={
        "link_selector": maybe(st.sampled_from(SELECTORS)), "next_selector": maybe(st.sampled_from(SELECTORS)),
        "max_pages": maybe(st.integers(-1, 60)), "extra": junk}), max_size=2)),
    "robots_sitemaps": maybe(st.booleans()),
    "aggregator": maybe(st.sampled_from([True, False, "yes", "no", 1, 0])),
    "requests_per_second": maybe(st.floats(min_value=-1, max_value=200)),
    "start_date": maybe(st.dates()),
    "owner": maybe(SHORT_TEXT),
    "pool": maybe(st.sampled_from(["news_pool", "a" * 201, "bad pool", None])),
    "volume": maybe(st.fixed_dictionaries({}, optional={
        "lookback_days": maybe(st.integers(-5, 400)), "min_history_days": maybe(st.integers(-5, 400)),
        "drop_factor": maybe(st.floats(-1, 2)), "spike_factor": maybe(st.floats(-1, 10)),
        "action": maybe(st.sampled_from(["warn", "fail", "explode"]))})),
    "quality": maybe(st.fixed_dictionaries({}, optional={
        "min_text_chars": maybe(st.integers(-5, 1000)), "max_text_chars": maybe(st.integers(-5, 1000)),
        "max_duplicate_share": maybe(st.floats(-1, 2)),
        "warn_only": maybe(st.lists(st.sampled_from(["row_count", "text.not_null", "nope", "", "a.b.c"]), max_size=3))})),
}
source_entries = st.one_of(
    st.fixed_dictionaries({"id": source_fields["id"], "name": source_fields["name"], "languages": source_fields["languages"],
                           "feeds": source_fields["feeds"]},
                          optional={**{k: v for k, v in source_fields.items() if k not in ("id", "name", "languages", "feeds")},
                                    "colour": junk}),
    junk,
)
sources_documents = st.one_of(
    st.fixed_dictionaries({"sources": st.lists(source_entries, max_size=4)}, optional={"defaults": junk}),
    st.fixed_dictionaries({"sources": junk}), junk,
)
# Raw-text edits yaml.safe_dump never writes: unquoted bad timestamps, anchors/aliases (cycles,
# "billion laughs"), tags, deep nesting, env references, tabs.
YAML_INSERTS = [
    "    start_date: 2026-13-45\n", "    start_date: 2026-02-30\n", "    start_date: 10000-01-01\n",
    "    name: !!python/object/apply:os.system ['true']\n", "    name: !!binary AAAA\n", "    name: !!set {a, b}\n",
    "    name: !!timestamp 2026-99-99\n", "    name: !!int abc\n", "    name: !!float x\n", "    name: &a [*a]\n",
    "    name: ${NEWSLAKE_FUZZ_UNSET}\n", "    name: ${NEWSLAKE_FUZZ_UNSET:-fallback}\n", "    name: '${HOME'\n",
    "    name: " + "[" * 2000 + "]" * 2000 + "\n", "    name: " + "[" * 300 + "]" * 300 + "\n", "\tname: tab\n",
    "    <<: {name: merged}\n", "    <<: 5\n", "    ? [a, b]\n    : c\n", "sources: &s [*s]\n",
    "    feeds: &l0 [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"    e{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 10)}]\n" for i in range(1, 9)) + "    id: *l8\n",
    "    id: &i x\n    name: *i\n", "--- \n", "...\n", "%YAML 1.1\n---\n", "\x00", "\ufeff", "\x85",
]
SOURCE_SEEDS = [(REPO / "include" / "sources" / "sample.yaml").read_bytes()]


_YAML_INSERT_LISTS = st.lists(st.sampled_from(YAML_INSERTS), max_size=3)


@st.composite
def sources_files(draw: st.DrawFn) -> bytes:
    document = draw(sources_documents)
    try:
        text_form = yaml.safe_dump(document, allow_unicode=draw(st.booleans()), default_flow_style=draw(st.booleans()))
    except yaml.YAMLError:
        text_form = repr(document)
    if draw(st.booleans()):
        lines = text_form.splitlines(keepends=True)
        for insert in draw(_YAML_INSERT_LISTS):
            lines.insert(draw(st.integers(0, len(lines))), insert)
        text_form = "".join(lines)
    data = text_form.encode("utf-8", "surrogatepass")
    if draw(st.integers(0, 9)) == 0:
        data = encode(draw, text_form)  # a sources file saved as UTF-16, cp1252...
    return data


@fuzz_settings("sources")
@given(content=st.one_of(sources_files(), mutated(SOURCE_SEEDS)), day=st.dates(dt.date(1900, 1, 1), dt.date(2200, 1, 1)))
@example(content=b"sources:\n  - id: caf\xe9\n", day=SAMPLE_DAY)  # not UTF-8: was a raw UnicodeDecodeError
@example(content=b"sources:\n  - id: a\n    name: x\n    languages: [fr]\n    feeds: ['http://a/']\n    start_date: 2026-13-45\n",
         day=SAMPLE_DAY)  # PyYAML's own ValueError for an impossible timestamp
@example(content=b"sources: " + b"[" * 2000 + b"]" * 2000, day=SAMPLE_DAY)  # RecursionError in PyYAML's composer
@example(content=b"sources: &a [*a]\n", day=SAMPLE_DAY)  # a cycle: RecursionError in the env expansion
@example(content=b"sources:\n  - id: a\n    name: x\n    languages: [fr]\n    feeds: ['http://a/']\n    timezone: America\n",
         day=SAMPLE_DAY)  # ZoneInfo raised IsADirectoryError
@example(content=b"sources:\n  - id: a\n    name: x\n    languages: [fr]\n    feeds: ['http://a/']\n    timezone: " + b"a" * 300,
         day=SAMPLE_DAY)  # ZoneInfo raised OSError (file name too long)
@example(content=b"sources:\n  - id: a\n    name: x\n    languages: [fr]\n    archives: [{url_template: 'http://a/{yyyy:d}'}]\n",
         day=SAMPLE_DAY)  # loaded, then ArchiveSpec.url_for raised in the discover task
@example(content=b"sources:\n  - id: a\n    name: x\n    languages: [fr]\n    archives: [{url_template: 'http://a/{date}', "
         b"link_selector: '[[['}]\n", day=SAMPLE_DAY)  # loaded, then ArchiveSpec raised in the discover task
@example(content=b"sources:\n  - id: a\n    name: x\n    languages: [fr]\n    archives: [{url_template: 'http://[/{date}'}]\n",
         day=SAMPLE_DAY)  # loaded, then Source.host raised ValueError while the DAG file built its pools
@example(content=b"sources:\n  - id: a\n    name: x\n    languages: [fr]\n    feeds: &l0 [x, x, x, x, x, x, x, x, x, x]\n"
         + "".join(f"    e{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 10)}]\n" for i in range(1, 9)).encode() + b"    id: *l8\n",
         day=SAMPLE_DAY)  # nested aliases ("billion laughs"): the env expansion copied 10^9 nodes
def test_sources_loader(content, day):
    path = _SOURCES_DIR / "sources.yaml"
    path.write_bytes(content)
    outcome = measured("sources", load_sources, path, size=len(content), allowed=(SourcesConfigError,))
    if isinstance(outcome, SourcesConfigError):
        message = str(outcome)
        assert message.startswith(f"sources file {path}: "), message
        if re.match(rf"sources file {re.escape(str(path))}: entry \d+", message):
            # ... or says the entry as a whole is no mapping of fields.
            assert re.search(r"field ['\"]|: expected a mapping of the source's fields|: the entry itself", message), \
                f"an entry's error names the field: {message}"
        return
    assert outcome, "a loaded file has at least one source"
    for source in outcome:
        assert isinstance(source, Source)
        # What the DAG factory and the pipeline do with every source.
        assert re.fullmatch(r"newslake_[a-z0-9_]+", source.dag_id)
        assert source.host_pool
        start, end = source.day_bounds_utc(day)
        assert start < end
        for archive in source.archives:
            ArchiveSpec(**archive.model_dump()).url_for(day)


# ---------------------------------------------------------------------------------------------
# URL canonicalisation
# ---------------------------------------------------------------------------------------------


def _canonical_pair(url: str) -> tuple[str, str, str]:
    canonical = canonicalize_url(url)
    return canonical, canonicalize_url(canonical), url_host(canonical)


@fuzz_settings("urls")
@given(url=st.one_of(URLS, st.text(max_size=60), st.builds(lambda h, p: f"http://{h}/{p}", st.text(max_size=12),
                                                                       st.text(max_size=12))))
def test_url_canonicalisation(url):
    outcome = measured("urls", _canonical_pair, url, size=_size(url), allowed=(ValueError,))
    if isinstance(outcome, ValueError):
        return
    canonical, again, host = outcome
    assert again == canonical, "canonical form is a fixed point"
    assert canonical.split(":", 1)[0] in ("http", "https") and "#" not in canonical
    assert host == url_host(url)
