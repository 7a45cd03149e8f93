"""Tests for newslake.discover: feeds and sitemaps served by a real local HTTP server.

The day under test is 2026-11-24 in Europe/Berlin (UTC+1 in November), so a UTC date
and the local date disagree for the hour after local midnight; several fixtures sit
in that hour on purpose.
"""

from __future__ import annotations

import asyncio
import dataclasses
import gzip
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from localserver import LocalServer, Route, fast_http_settings
from newslake.discover import (
    Discovery,
    ListingParseError,
    discover_urls,
    parse_feed,
    parse_sitemap,
)
from newslake.http import HttpClient

DAY = date(2026, 11, 24)
ZONE = "Europe/Berlin"
SETTINGS = fast_http_settings()
SITE = "https://news.example"


# --- a server of static listings ---------------------------------------------------


@pytest.fixture
def serve(start_local_server):
    """Factory: serve a route table (path -> (status, content type, body); "{base}" in a body
    becomes the server's address); servers are shut down after the test."""

    def start(routes: dict[str, tuple[int, str, bytes]]) -> LocalServer:
        return start_local_server({path: Route(*route) for path, route in routes.items()})

    return start


def discover(server: LocalServer, feeds: list[str], sitemaps: list[str], **kwargs) -> Discovery:
    async def run() -> Discovery:
        async with HttpClient(SETTINGS) as client:
            return await discover_urls(
                feed_urls=[server.url(path) for path in feeds],
                sitemap_urls=[server.url(path) for path in sitemaps],
                day=DAY,
                timezone=ZONE,
                client=client,
                **kwargs,
            )

    return asyncio.run(run())


# --- listings ----------------------------------------------------------------------

RSS = f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>News</title><link>{SITE}/</link>
  <item><title>Midday story</title><link>{SITE}/midday?utm_source=rss</link>
        <pubDate>Tue, 24 Nov 2026 12:00:00 +0100</pubDate></item>
  <item><title>Just after local midnight</title><link>{SITE}/after-midnight</link>
        <pubDate>Mon, 23 Nov 2026 23:10:00 GMT</pubDate></item>
  <item><title>Just after the next local midnight</title><link>{SITE}/next-day</link>
        <pubDate>Tue, 24 Nov 2026 23:10:00 GMT</pubDate></item>
  <item><title>Undated</title><link>{SITE}/undated</link></item>
  <item><title>Old</title><link>{SITE}/old</link><pubDate>Fri, 20 Nov 2026 08:00:00 GMT</pubDate></item>
  <item><title>Not a web page</title><link>mailto:desk@news.example</link></item>
</channel></rss>""".encode()

ATOM = f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>News</title><id>{SITE}/</id>
  <updated>2026-11-24T18:00:00Z</updated>
  <entry><title>Atom published</title><id>tag:1</id>
    <link rel="alternate" href="{SITE}/atom-story"/><link rel="edit" href="{SITE}/edit/1"/>
    <published>2026-11-24T09:30:00+01:00</published><updated>2026-11-25T10:00:00+01:00</updated></entry>
  <entry><title>Atom updated only</title><id>tag:2</id><link href="{SITE}/atom-updated"/>
    <updated>2026-11-23T10:00:00Z</updated></entry>
  <entry><title>Same as the RSS one</title><id>tag:3</id>
    <link href="{SITE.upper()}:443/midday?fbclid=abc&amp;utm_medium=social#top"/>
    <published>2026-11-24T12:00:00+01:00</published></entry>
</feed>""".encode()

RDF = f"""<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
         xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel rdf:about="{SITE}/rdf"><title>News</title><link>{SITE}/</link>
    <items><rdf:Seq><rdf:li rdf:resource="{SITE}/rdf-story"/></rdf:Seq></items></channel>
  <item rdf:about="{SITE}/rdf-story"><title>RDF story</title><link>{SITE}/rdf-story</link>
    <dc:date>2026-11-24</dc:date></item>
  <item rdf:about="{SITE}/rdf-timed"><title>RDF timed</title><link>{SITE}/rdf-timed</link>
    <dc:date>2026-11-22T10:00:00+01:00</dc:date></item>
</rdf:RDF>""".encode()

SITEMAP_INDEX = b"""<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <sitemap><loc>{base}/sitemap-news.xml</loc><lastmod>2026-11-24</lastmod></sitemap>
  <sitemap><loc>{base}/sitemap-articles.xml.gz</loc></sitemap>
  <sitemap><loc>{base}/sitemap-index.xml</loc></sitemap>
  <sitemap><loc>{base}/nested-index.xml</loc></sitemap>
</sitemapindex>"""

# Loops back to the top index and repeats a sibling: each must be fetched once only.
NESTED_INDEX = b"""<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <sitemap><loc>{base}/sitemap-index.xml?utm_source=loop</loc></sitemap>
  <sitemap><loc>{base}/sitemap-news.xml</loc></sitemap>
</sitemapindex>"""

NEWS_SITEMAP = f"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
  <url><loc>{SITE}/news-fresh</loc><lastmod>2026-11-20T10:00:00Z</lastmod>
    <news:news><news:publication><news:name>News</news:name><news:language>de</news:language></news:publication>
      <news:publication_date>2026-11-24T07:00:00+01:00</news:publication_date>
      <news:title>Fresh news</news:title></news:news></url>
  <url><loc>{SITE}/news-old-but-edited</loc><lastmod>2026-11-24T10:00:00+01:00</lastmod>
    <news:news><news:publication><news:name>News</news:name><news:language>de</news:language></news:publication>
      <news:publication_date>2026-11-21T07:00:00+01:00</news:publication_date>
      <news:title>Old news, edited today</news:title></news:news></url>
  <url><loc>{SITE}/undated?utm_campaign=x</loc><lastmod>2026-11-24T15:00:00+01:00</lastmod></url>
</urlset>""".encode()

ARTICLES_SITEMAP = f"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <url><loc>{SITE}/date-only</loc><lastmod>2026-11-24</lastmod></url>
  <url><loc>{SITE}/late-evening-before</loc><lastmod>2026-11-23T22:30:00Z</lastmod></url>
  <url><loc>{SITE}/half-past-midnight</loc><lastmod>2026-11-23T23:30:00Z</lastmod></url>
  <url><loc>{SITE}/no-lastmod</loc></url>
  <url><loc>{SITE}/old#comments</loc><lastmod>2026-11-20</lastmod></url>
</urlset>""".encode()


def site_routes() -> dict[str, tuple[int, str, bytes]]:
    return {
        "/rss.xml": (200, "application/rss+xml; charset=utf-8", RSS),
        "/atom.xml": (200, "application/atom+xml", ATOM),
        "/rdf.xml": (200, "application/rdf+xml", RDF),
        "/broken-feed.xml": (500, "text/plain", b"internal error"),
        "/html-feed": (200, "text/html", b"<html><body>We moved our feed</body></html>"),
        "/sitemap-index.xml": (200, "application/xml", SITEMAP_INDEX),
        "/nested-index.xml": (200, "text/xml", NESTED_INDEX),
        "/sitemap-news.xml": (200, "application/xml", NEWS_SITEMAP),
        "/sitemap-articles.xml.gz": (200, "application/x-gzip", gzip.compress(ARTICLES_SITEMAP)),
        "/not-xml.xml": (200, "application/xml", b"<urlset><url><loc>unclosed"),
    }


def urls_of(items) -> list[str]:
    return [item.url for item in items]


def test_discovers_feeds_and_sitemaps_for_the_local_day(serve):
    server = serve(site_routes())
    result = discover(
        server,
        feeds=["/rss.xml", "/atom.xml", "/rdf.xml", "/broken-feed.xml", "/html-feed"],
        sitemaps=["/sitemap-index.xml", "/not-xml.xml"],
    )

    assert urls_of(result.in_window) == [
        f"{SITE}/midday",  # RSS; the Atom spelling with tracking parameters is a duplicate
        f"{SITE}/after-midnight",  # 23:10 UTC on the 23rd is 00:10 in Berlin on the 24th
        f"{SITE}/undated",  # undated in the feed, dated by the news sitemap: kept, dated
        f"{SITE}/atom-story",  # Atom <published> (its <updated> is the 25th)
        f"{SITE}/rdf-story",  # RDF date-only dc:date
        f"{SITE}/news-fresh",  # Google News date preferred over an old lastmod
        f"{SITE}/date-only",  # gzip sitemap, date-only lastmod
        f"{SITE}/half-past-midnight",
        f"{SITE}/no-lastmod",  # undated: placed after extraction
    ]
    assert urls_of(result.out_of_window) == [
        f"{SITE}/next-day",  # 23:10 UTC on the 24th is already the 25th in Berlin
        f"{SITE}/old",
        f"{SITE}/atom-updated",
        f"{SITE}/rdf-timed",
        f"{SITE}/news-old-but-edited",  # Google News date preferred over today's lastmod
        f"{SITE}/late-evening-before",  # 23:30 in Berlin on the 23rd
    ]
    assert sorted(urls_of(result.duplicates)) == [f"{SITE}/midday", f"{SITE}/old", f"{SITE}/undated"]

    undated = next(item for item in result.in_window if item.url == f"{SITE}/undated")
    assert undated.via == "sitemap"
    assert undated.listed_url == f"{SITE}/undated?utm_campaign=x"
    assert undated.listed_at == datetime(2026, 11, 24, 15, tzinfo=ZoneInfo("Europe/Berlin"))
    duplicate_undated = next(item for item in result.duplicates if item.url == f"{SITE}/undated")
    assert duplicate_undated.via == "feed" and duplicate_undated.listed_at is None

    midday = result.in_window[0]
    assert midday.listed_url == f"{SITE}/midday?utm_source=rss"
    assert midday.listing_url == server.url("/rss.xml")
    assert midday.title == "Midday story"
    assert midday.via == "feed"

    fresh = next(item for item in result.in_window if item.url == f"{SITE}/news-fresh")
    assert fresh.title == "Fresh news"
    assert fresh.listing_url == server.url("/sitemap-news.xml")

    # Every listed URL is in exactly one list (the mailto: link is no URL to fetch).
    listed = sum(o.items for o in result.listings if not o.url.endswith("index.xml"))
    assert len(result.in_window) + len(result.out_of_window) + len(result.duplicates) == listed == 18
    assert all(item.listed_at is None or item.listed_at.tzinfo is not None for item in result.in_window)

    outcomes = {outcome.url.rsplit("/", 1)[1]: outcome for outcome in result.listings}
    assert {name: (o.kind, o.error, o.items) for name, o in outcomes.items()} == {
        "rss.xml": ("feed", None, 5),
        "atom.xml": ("feed", None, 3),
        "rdf.xml": ("feed", None, 2),
        "broken-feed.xml": ("feed", "http_500", 0),
        "html-feed": ("feed", "not_allowed_content_type", 0),
        "sitemap-index.xml": ("sitemap", None, 4),
        "not-xml.xml": ("sitemap", "parse_error", 0),
        "sitemap-news.xml": ("sitemap", None, 3),
        "sitemap-articles.xml.gz": ("sitemap", None, 5),
        "nested-index.xml": ("sitemap", None, 2),
    }
    assert outcomes["broken-feed.xml"].status == 500
    assert outcomes["broken-feed.xml"].attempts == SETTINGS.max_attempts
    assert outcomes["rss.xml"].status == 200 and outcomes["rss.xml"].attempts == 1
    assert result.skipped_sitemaps == []

    # The loop through the nested index and the repeated sibling were not refetched.
    assert server.hits("/sitemap-index.xml") == 1
    assert server.hits("/sitemap-news.xml") == 1


def test_sitemap_caps_on_count_and_depth(serve):
    server = serve(site_routes())
    capped = discover(server, feeds=[], sitemaps=["/sitemap-index.xml"], max_sitemaps=2)
    assert [outcome.url for outcome in capped.listings] == [
        server.url("/sitemap-index.xml"),
        server.url("/sitemap-news.xml"),
    ]
    assert capped.skipped_sitemaps == [server.url("/sitemap-articles.xml.gz"), server.url("/nested-index.xml")]

    shallow = discover(server, feeds=[], sitemaps=["/sitemap-index.xml"], max_sitemap_depth=0)
    assert len(shallow.listings) == 1
    assert len(shallow.skipped_sitemaps) == 3  # the index's own entry is a loop, not a skip
    assert shallow.in_window == shallow.out_of_window == []


def test_a_failing_listing_does_not_stop_the_others(serve):
    routes = site_routes()
    server = serve(routes)
    result = discover(server, feeds=["/broken-feed.xml", "/missing.xml", "/rss.xml"], sitemaps=["/missing-sitemap.xml"])
    errors = [(outcome.url.rsplit("/", 1)[1], outcome.error) for outcome in result.listings]
    assert errors == [
        ("broken-feed.xml", "http_500"),
        ("missing.xml", "http_404"),
        ("rss.xml", None),
        ("missing-sitemap.xml", "http_404"),
    ]
    assert len(result.in_window) == 3


def test_unreachable_listing_is_reported(serve):
    async def run() -> Discovery:
        async with HttpClient(dataclasses.replace(SETTINGS, max_attempts=1)) as client:
            return await discover_urls(
                feed_urls=["http://newslake-test.invalid/feed", "not a url"],
                sitemap_urls=[],
                day=DAY,
                timezone=ZONE,
                client=client,
            )

    result = asyncio.run(run())
    assert [outcome.error for outcome in result.listings] == ["dns", "invalid_url"]


# --- parsers on their own ----------------------------------------------------------


def test_feed_date_only_is_the_local_day_even_west_of_utc():
    # feedparser alone would read "2026-11-24" as midnight UTC: the 23rd in New York.
    [story, timed] = parse_feed(RDF, f"{SITE}/rdf", timezone="America/New_York")
    assert story.listed_at.astimezone(ZoneInfo("America/New_York")).date() == date(2026, 11, 24)
    assert timed.listed_at == datetime(2026, 11, 22, 9, tzinfo=ZoneInfo("UTC"))


def test_sitemap_date_only_and_zoneless_times_are_local():
    body = b"""<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
      <url><loc>https://a.example/1</loc><lastmod>2026-11-24</lastmod></url>
      <url><loc>https://a.example/2</loc><lastmod>2026-11-24T01:00:00</lastmod></url>
      <url><loc>https://a.example/3</loc><lastmod>2026-11</lastmod></url>
      <url><loc>https://a.example/4</loc><lastmod>yesterday</lastmod></url>
    </urlset>"""
    new_york = ZoneInfo("America/New_York")
    items, children = parse_sitemap(body, "https://a.example/sitemap.xml", timezone="America/New_York")
    assert children == []
    assert items[0].listed_at == datetime(2026, 11, 24, tzinfo=new_york)
    assert items[1].listed_at == datetime(2026, 11, 24, 1, tzinfo=new_york)
    assert items[2].listed_at is None  # a month is too vague to place on a day
    assert items[3].listed_at is None


def test_relative_links_are_resolved_against_the_listing():
    feed = b"""<rss version="2.0"><channel><title>t</title>
      <item><link>/relative/story</link></item></channel></rss>"""
    [item] = parse_feed(feed, f"{SITE}/feeds/main.xml")
    assert item.url == f"{SITE}/relative/story"
    sitemap = b"""<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
      <url><loc>story-2</loc></url></urlset>"""
    [entry], _ = parse_sitemap(sitemap, f"{SITE}/maps/sitemap.xml")
    assert entry.url == f"{SITE}/maps/story-2"


def test_sitemap_without_namespace_and_index_children():
    index = b"<sitemapindex><sitemap><loc> https://a.example/s1.xml </loc></sitemap><sitemap/></sitemapindex>"
    assert parse_sitemap(index, "https://a.example/index.xml") == ([], ["https://a.example/s1.xml"])


def test_sitemap_entities_are_not_expanded():
    # External entity (XXE) and internal entity expansion must not happen.
    body = b"""<?xml version="1.0"?>
    <!DOCTYPE urlset [<!ENTITY secret SYSTEM "file:///etc/hostname"><!ENTITY site "https://evil.example/">]>
    <urlset><url><loc>&secret;</loc></url><url><loc>&site;x</loc></url>
    <url><loc>https://a.example/ok?a=1&amp;b=2</loc></url></urlset>"""
    items, _ = parse_sitemap(body, "https://a.example/sitemap.xml")
    assert [item.url for item in items] == ["https://a.example/ok?a=1&b=2"]


def test_gzip_sitemap_past_the_cap_is_refused():
    padding = b"<!--" + b" " * 200_000 + b"-->"
    body = gzip.compress(ARTICLES_SITEMAP.replace(b"<urlset", padding + b"<urlset", 1))
    assert len(body) < 2_000
    with pytest.raises(ListingParseError) as raised:
        parse_sitemap(body, "https://a.example/s.xml.gz", max_bytes=100_000)
    assert raised.value.reason == "too_large"
    items, _ = parse_sitemap(body, "https://a.example/s.xml.gz", max_bytes=300_000)
    assert len(items) == 5


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"<html><body>hello</body></html>",
        b"\x1f\x8bnot really gzip",
        b"<urlset><url>",
        gzip.compress(b"<a/>")[:-8],
    ],
    ids=["empty", "html", "bad-gzip", "unclosed", "truncated-gzip"],
)
def test_unreadable_sitemaps_raise_parse_error(body):
    with pytest.raises(ListingParseError) as raised:
        parse_sitemap(body, "https://a.example/sitemap.xml")
    assert raised.value.reason == "parse_error"


@pytest.mark.parametrize("body", [b"", b"<html><body>We moved</body></html>", b"just text"])
def test_non_feeds_raise_parse_error(body):
    with pytest.raises(ListingParseError):
        parse_feed(body, "https://a.example/feed.xml")


def test_empty_feed_is_not_an_error():
    assert parse_feed(b'<rss version="2.0"><channel><title>t</title></channel></rss>', "https://a.example/f") == []

