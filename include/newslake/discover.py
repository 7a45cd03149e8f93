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
import inspect
import logging
import re
import string
import time
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, tzinfo
from typing import Protocol
from urllib.parse import urljoin, urlsplit
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


def parse_feed(body: bytes, listing_url: str, *, timezone: str | None = None) -> list[DiscoveredUrl]:
    """Article URLs of an RSS 0.9x/1.0 (RDF)/2.0 or Atom feed, in feed order.

    The item date is its published date, else its updated date. A date-only value
    ("2026-11-24", common in ``dc:date``) means that day in ``timezone`` (the source's;
    UTC if None). Items without a usable http(s) link are skipped.
    Raises :class:`ListingParseError` if the body is not a feed at all.
    """
    zone = _zone(timezone)
    # content-location makes feedparser resolve relative links against the feed URL.
    parsed = feedparser.parse(body, response_headers={"content-location": listing_url})
    if not parsed.get("version") and not parsed.entries:
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
            if location:
                child_sitemaps.append(urljoin(listing_url, location))
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


async def discover_urls(
    *,
    feed_urls: Sequence[str],
    sitemap_urls: Sequence[str],
    day: date,
    timezone: str,
    client: HttpClient,
    max_sitemap_depth: int = 3,
    max_sitemaps: int = 50,
) -> Discovery:
    """Fetch and read all listings of a source and sort their URLs for ``day``.

    Sitemap indexes are followed breadth-first: the given sitemaps are depth 0 and
    children of a depth-``d`` index are depth ``d + 1``, fetched while
    ``d + 1 <= max_sitemap_depth``; at most ``max_sitemaps`` sitemap documents are
    fetched in all, and each sitemap URL at most once (index loops end there). Sitemaps
    left out by these caps are listed in ``Discovery.skipped_sitemaps``.

    Duplicates keep the first occurrence (feeds first, then sitemaps in traversal
    order), except that a dated occurrence replaces an undated first one.
    """
    zone = ZoneInfo(timezone)  # fails fast on a misconfigured source
    (feed_items, feed_outcomes), (sitemap_items, sitemap_outcomes, skipped) = await asyncio.gather(
        _read_feeds(feed_urls, timezone, client),
        _read_sitemaps(sitemap_urls, timezone, client, max_sitemap_depth, max_sitemaps),
    )
    in_window, out_of_window, duplicates = _sort_by_day(feed_items + sitemap_items, day, zone)
    return Discovery(
        in_window=in_window,
        out_of_window=out_of_window,
        duplicates=duplicates,
        listings=feed_outcomes + sitemap_outcomes,
        skipped_sitemaps=skipped,
    )


async def _read_feeds(
    feed_urls: Sequence[str], timezone: str, client: HttpClient
) -> tuple[list[DiscoveredUrl], list[ListingOutcome]]:
    urls = _unique_listing_urls(feed_urls)
    results = await asyncio.gather(*(client.fetch(url, accept=FEED_CONTENT_TYPES) for url in urls))
    items: list[DiscoveredUrl] = []
    outcomes = []
    for url, result in zip(urls, results, strict=True):
        found, _, outcome = _read_listing(
            url, "feed", result, lambda body, url=url: (parse_feed(body, url, timezone=timezone), [])
        )
        items.extend(found)
        outcomes.append(outcome)
    return items, outcomes


async def _read_sitemaps(
    sitemap_urls: Sequence[str],
    timezone: str,
    client: HttpClient,
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
        results = await asyncio.gather(*(client.fetch(url, accept=SITEMAP_CONTENT_TYPES) for url in to_fetch))
        children: list[str] = []
        for url, result in zip(to_fetch, results, strict=True):
            found, child_sitemaps, outcome = _read_listing(
                url, "sitemap", result, lambda body, url=url: parse_sitemap(body, url, timezone=timezone)
            )
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


def _read_listing(
    url: str,
    kind: str,
    result: FetchResult,
    parse: Callable[[bytes], tuple[list[DiscoveredUrl], list[str]]],
) -> tuple[list[DiscoveredUrl], list[str], ListingOutcome]:
    """Parse a fetched listing; failures become the outcome's error instead of raising."""
    found: list[DiscoveredUrl] = []
    child_sitemaps: list[str] = []
    error = result.error
    if error is None:
        try:
            found, child_sitemaps = parse(result.body)
        except ListingParseError as exc:
            error = exc.reason
            logger.warning("could not read %s %s: %s", kind, url, exc)
    else:
        logger.warning("could not fetch %s %s: %s", kind, url, error)
    outcome = ListingOutcome(
        url=url,
        kind=kind,
        error=error,
        items=len(found) + len(child_sitemaps),
        status=result.status,
        attempts=result.attempts,
        elapsed_ms=result.elapsed_ms,
        fetched_at=result.fetched_at,
    )
    return found, child_sitemaps, outcome


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
        elif first.listed_at is None and item.listed_at is not None:
            kept[item.url] = item  # a date lets us place it; keeps the first one's position
            duplicates.append(first)
        else:
            duplicates.append(item)
    in_window = []
    out_of_window = []
    for item in kept.values():
        if item.listed_at is None or item.listed_at.astimezone(zone).date() == day:
            in_window.append(item)
        else:
            out_of_window.append(item)
    return in_window, out_of_window, duplicates


def _discovered(
    listed_url: str | None, listing_url: str, via: str, listed_at: datetime | None, title: str | None
) -> DiscoveredUrl | None:
    """A DiscoveredUrl, or None (logged) when the listed link is not an http(s) URL."""
    if not listed_url or not listed_url.strip():
        return None
    absolute = urljoin(listing_url, listed_url.strip())
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
            return datetime(*parsed[:6], tzinfo=UTC)
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


def _local_name(element: etree._Element) -> str:
    return etree.QName(element).localname


def _children(element: etree._Element, name: str) -> Iterable[etree._Element]:
    # isinstance check: comments and processing instructions have non-string tags.
    return (child for child in element if isinstance(child.tag, str) and _local_name(child) == name)


def _child_text(element: etree._Element, name: str) -> str | None:
    child = next(_children(element, name), None)
    if child is None or child.text is None:
        return None
    return child.text.strip() or None
