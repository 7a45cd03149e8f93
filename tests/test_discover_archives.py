"""Tests for newslake.discover beyond feeds and sitemaps: date archives, robots.txt sitemaps
and conditional (ETag / Last-Modified) fetches of listings.

Everything is served over real HTTP on 127.0.0.1: the sample site (whose feeds have
forgotten 2026-11-22 while its archive still lists it) and a small server of static
routes for the cases the sample site does not have (pagination, loops, foreign links).
"""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import date

import pytest

from localserver import Route, fast_http_settings
from newslake.discover import (
    ArchiveSpec,
    CachedListing,
    Discovery,
    MemoryListingCache,
    discover_urls,
    parse_archive_page,
    parse_robots_sitemaps,
)
from newslake.http import FetchResult, HttpClient, HttpSettings
from newslake.sample_site import (
    OUTLETS,
    SAMPLE_DATES,
    articles_for,
    expected_url,
    feed_url,
    outlet,
    serve_sample_site,
    sitemap_url,
)

PAST_DAY = date(2026, 11, 22)  # on every outlet's archive and sitemap, in no feed any more
ZONE = "Africa/Casablanca"
SAMPLE_ARCHIVE_LINKS = "ul.listing a"  # the sample site's archive pages: one <a> per article


def loopback_settings(**overrides) -> HttpSettings:
    """Fast test settings that fail at once (one attempt)."""
    return fast_http_settings(**{"max_attempts": 1, **overrides})


def sample_archive(site_outlet_id: str, base_url: str) -> ArchiveSpec:
    template = f"{base_url}/{site_outlet_id}/archives/{{yyyy}}/{{mm}}/{{dd}}/"
    return ArchiveSpec(template, link_selector=SAMPLE_ARCHIVE_LINKS)


def urls_of(items) -> list[str]:
    return [item.url for item in items]


@pytest.fixture(scope="module")
def site():
    with serve_sample_site() as running:
        yield running


# --- a server of static routes (localserver.Route) that records requests and answers conditional ones


@pytest.fixture
def serve(start_local_server):
    """Factory: serve a route table (path with query -> Route); "{base}" in a body becomes the address."""
    return start_local_server


def html(main: str) -> bytes:
    """A page with a site menu around ``main``, as archive pages have."""
    return f"<!DOCTYPE html><html><body><nav><a href='/'>Home</a></nav><main>{main}</main></body></html>".encode()


def discover(day: date = PAST_DAY, timezone: str = ZONE, client_factory=None, **kwargs) -> Discovery:
    """Run discover_urls in a fresh event loop, with an HttpClient unless told otherwise."""
    kwargs.setdefault("feed_urls", [])
    kwargs.setdefault("sitemap_urls", [])

    async def run() -> Discovery:
        client = client_factory() if client_factory else HttpClient(loopback_settings())
        async with client:
            return await discover_urls(day=day, timezone=timezone, client=client, **kwargs)

    return asyncio.run(run())


# --- date archives on the sample site ----------------------------------------------------


@pytest.mark.parametrize("site_outlet", OUTLETS, ids=lambda o: o.id)
def test_the_archive_reaches_a_day_the_feed_has_forgotten(site, site_outlet):
    result = discover(
        timezone=site_outlet.timezone,
        feed_urls=[feed_url(site_outlet, site.base_url)],
        archives=[sample_archive(site_outlet.id, site.base_url)],
    )
    expected = [expected_url(article, site.base_url) for article in articles_for(site_outlet.id, PAST_DAY)]
    assert expected  # the sample site has the day...
    assert urls_of(result.in_window) == expected
    assert not set(expected) & set(urls_of(result.out_of_window))  # ...and the feed does not list it

    for item, article in zip(result.in_window, articles_for(site_outlet.id, PAST_DAY), strict=True):
        assert (item.via, item.listed_day, item.listed_at, item.title) == ("archive", PAST_DAY, None, article.title)
        assert item.listing_url == f"{site.base_url}/{site_outlet.id}/archives/2026/11/22/"
    [feed_outcome, archive_outcome] = result.listings
    assert (feed_outcome.kind, archive_outcome.kind) == ("feed", "archive")
    assert (archive_outcome.url, archive_outcome.error, archive_outcome.items, archive_outcome.status) == (
        f"{site.base_url}/{site_outlet.id}/archives/2026/11/22/", None, len(expected), 200)
    assert result.skipped_archive_pages == []


@pytest.mark.parametrize("day", SAMPLE_DATES, ids=str)
def test_archive_feed_and_sitemap_together_list_each_article_once(site, day):
    # sawt-al-maghrib: its sitemap dates in UTC, its feed in local time, and it publishes
    # just after local midnight: three spellings of one day that must agree.
    outlet_id = "sawt-al-maghrib"
    result = discover(
        day=day,
        feed_urls=[feed_url(outlet_id, site.base_url)],
        sitemap_urls=[sitemap_url(outlet_id, site.base_url)],
        archives=[sample_archive(outlet_id, site.base_url)],
    )
    expected = {expected_url(article, site.base_url) for article in articles_for(outlet_id, day)}
    assert len(result.in_window) == len(expected) == 2
    assert set(urls_of(result.in_window)) == expected
    # The feed's dated occurrence comes first and is kept; archive and sitemap repeat it.
    assert {item.via for item in result.in_window} == {"feed"}
    assert sorted((item.url, item.via) for item in result.duplicates if item.url in expected) == sorted(
        (url, via) for url in expected for via in ("archive", "sitemap")
    )
    assert not expected & set(urls_of(result.out_of_window))


def test_archive_dates_what_others_list_undated_and_outranks_a_sitemap_lastmod(serve):
    # A story of the 22nd edited on the 25th: the sitemap's lastmod says the 25th, the
    # archive of the 22nd still lists it. A backfill of the 22nd must not lose it.
    sitemap = b"""<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
      <url><loc>{base}/2026/11/22/edited.html</loc><lastmod>2026-11-25T09:00:00+01:00</lastmod></url>
      <url><loc>{base}/2026/11/25/other.html</loc><lastmod>2026-11-25T10:00:00+01:00</lastmod></url>
    </urlset>"""
    feed = b"""<rss version="2.0"><channel><title>t</title>
      <item><title>Undated</title><link>{base}/2026/11/22/undated.html</link></item></channel></rss>"""
    archive = html('<a href="/2026/11/22/undated.html">Undated</a><a href="/2026/11/22/edited.html">Edited</a>')
    server = serve({
        "/feed.xml": Route(200, "application/rss+xml", feed),
        "/sitemap.xml": Route(200, "application/xml", sitemap),
        "/archive/2026-11-22": Route(200, "text/html", archive),
    })
    result = discover(
        feed_urls=[server.url("/feed.xml")],
        sitemap_urls=[server.url("/sitemap.xml")],
        archives=[ArchiveSpec(server.url("/archive/{date}"), link_selector="main a")],
    )
    undated, edited = server.url("/2026/11/22/undated.html"), server.url("/2026/11/22/edited.html")
    assert [(item.url, item.via) for item in result.in_window] == [(undated, "archive"), (edited, "archive")]
    assert [(item.url, item.via) for item in result.duplicates] == [(undated, "feed"), (edited, "sitemap")]
    assert urls_of(result.out_of_window) == [server.url("/2026/11/25/other.html")]


# --- archive pages: pagination, loops, links ---------------------------------------------


def paginated_routes(pages: int, last_links_to: str | None = None) -> dict[str, Route]:
    """/archive/2026/11/22/?page=N for N in 1..pages, each listing story-N and linking the next."""
    routes = {}
    for number in range(1, pages + 1):
        next_path = f"/archive/2026/11/22/?page={number + 1}" if number < pages else last_links_to
        pager = f'<a class="next" rel="next" href="{next_path}">Next</a>' if next_path else ""
        main = f'<ul><li><a href="/story-{number}.html">Story {number}</a></li></ul>{pager}'
        routes[f"/archive/2026/11/22/?page={number}"] = Route(200, "text/html; charset=utf-8", html(main))
    return routes


def test_archive_pagination_is_followed_up_to_max_pages(serve):
    server = serve(paginated_routes(5))
    spec = ArchiveSpec(
        server.url("/archive/{yyyy}/{mm}/{dd}/?page=1"), link_selector="main a", next_selector="a[rel=next]", max_pages=3
    )
    result = discover(archives=[spec])
    assert urls_of(result.in_window) == [server.url(f"/story-{number}.html") for number in (1, 2, 3)]
    assert [outcome.url for outcome in result.listings] == [
        server.url(f"/archive/2026/11/22/?page={number}") for number in (1, 2, 3)
    ]
    assert [outcome.items for outcome in result.listings] == [1, 1, 1]  # the "Next" link is no article
    assert result.skipped_archive_pages == [server.url("/archive/2026/11/22/?page=4")]
    assert server.hits("/archive/2026/11/22/?page=4") == 0

    everything = discover(archives=[dataclasses.replace(spec, max_pages=10)])
    assert len(everything.in_window) == 5 and everything.skipped_archive_pages == []


def test_archive_pagination_loop_stops(serve):
    # The last page's "next" points back at the first, spelled differently.
    server = serve(paginated_routes(3, last_links_to="/archive/2026/11/22/?page=1&utm_source=pager#top"))
    spec = ArchiveSpec(
        server.url("/archive/{yyyy}/{mm}/{dd}/?page=1"), link_selector="main a", next_selector="a.next", max_pages=10
    )
    result = discover(archives=[spec])
    assert len(result.listings) == 3
    assert all(server.hits(path) == 1 for path in paginated_routes(3))
    assert len(result.in_window) == 3 and result.skipped_archive_pages == []


def test_archive_keeps_only_links_to_its_own_host(serve):
    main = """
      <a href="/2026/11/22/relative.html"><img src="/teaser.jpg" alt=""></a>
      <h2><a href="/2026/11/22/relative.html?utm_source=archive">Relative story</a></h2>
      <a href="{base}/2026/11/22/absolute.html">Absolute story</a>
      <a href="https://elsewhere.example/2026/11/22/syndicated.html">Another site</a>
      <a href="http://localhost:1/2026/11/22/other-host-name.html">Same machine, other host name</a>
      <a href="mailto:desk@news.example">Mail the desk</a>
      <a href="javascript:void(0)">Menu</a>
      <a href="tel:+212500000000">Call</a>
      <a href="#comments">Comments</a>
      <a href="">Itself</a>
      <a>No href</a>
    """
    server = serve({"/archives/2026/11/22/": Route(200, "text/html", html(main))})
    result = discover(archives=[ArchiveSpec(server.url("/archives/{yyyy}/{mm}/{dd}/"), link_selector="main a")])
    assert [(item.url, item.title) for item in result.in_window] == [
        # The teaser image comes first; the headline repeats it and gives it a title.
        (server.url("/2026/11/22/relative.html"), "Relative story"),
        (server.url("/2026/11/22/absolute.html"), "Absolute story"),
    ]
    assert result.duplicates == []  # one archive listing an article twice lists it once
    assert result.listings[0].items == 2


def test_archive_default_selector_takes_every_link_of_the_page(serve):
    server = serve({"/a/2026-11-22": Route(200, "text/html", html('<a href="/story.html">Story</a>'))})
    result = discover(archives=[ArchiveSpec(server.url("/a/{date}"))])
    assert urls_of(result.in_window) == [server.url("/"), server.url("/story.html")]  # the nav link too


def test_archive_failures_are_reported_and_do_not_stop_discovery(serve):
    server = serve({
        "/json/2026/11/22": Route(200, "application/json", b'{"articles": []}'),
        "/empty/2026/11/22": Route(200, "text/html", b""),
        "/ok/2026/11/22": Route(200, "text/html", html('<a href="/story.html">Story</a>')),
    })
    result = discover(archives=[
        ArchiveSpec(server.url("/missing/{yyyy}/{mm}/{dd}")),
        ArchiveSpec(server.url("/json/{yyyy}/{mm}/{dd}")),
        ArchiveSpec(server.url("/empty/{yyyy}/{mm}/{dd}")),
        ArchiveSpec(server.url("/ok/{yyyy}/{mm}/{dd}"), link_selector="main a"),
    ])
    assert [(outcome.kind, outcome.error) for outcome in result.listings] == [
        ("archive", "http_404"),
        ("archive", "not_allowed_content_type"),
        ("archive", "parse_error"),
        ("archive", None),
    ]
    assert urls_of(result.in_window) == [server.url("/story.html")]


def test_archive_spec_fills_its_template_and_refuses_bad_ones():
    spec = ArchiveSpec("https://news.example/{yyyy}/{mm}/{dd}/archive?day={date}")
    assert spec.url_for(date(2026, 1, 5)) == "https://news.example/2026/01/05/archive?day=2026-01-05"
    for template in ("https://news.example/archive/", "https://news.example/{year}/", "https://news.example/{}/"):
        with pytest.raises(ValueError, match="url_template"):
            ArchiveSpec(template)
    with pytest.raises(ValueError, match="link_selector"):
        ArchiveSpec("https://news.example/{date}", link_selector="a[[")
    with pytest.raises(ValueError, match="next_selector"):
        ArchiveSpec("https://news.example/{date}", next_selector="a >")
    with pytest.raises(ValueError, match="max_pages"):
        ArchiveSpec("https://news.example/{date}", max_pages=0)


def test_archive_page_base_href_and_charsets():
    body = """<html><head><meta charset="windows-1252"><base href="/stories/"></head>
      <body><a href="caf\xe9.html">Caf\xe9 cr\xe8me</a></body></html>""".encode("cp1252")
    [item], next_url = parse_archive_page(body, "https://news.example/archive/2026-11-22", day=PAST_DAY)
    assert item.url == "https://news.example/stories/caf%C3%A9.html"
    assert item.title == "Café crème"  # read by the page's <meta charset>
    assert (item.listed_day, next_url) == (PAST_DAY, None)
    # The HTTP charset wins over the page's declaration.
    [item], _ = parse_archive_page(body.replace(b"windows-1252", b"utf-8"), "https://news.example/a", day=PAST_DAY,
                                   charset="windows-1252")
    assert item.title == "Café crème"


# --- sitemaps announced in robots.txt ----------------------------------------------------


class OwnRobotsFetchClient(HttpClient):
    """An HttpClient whose robots cache discovery does not see, so that discovery fetches
    and reads robots.txt itself: the path these tests cover. Robots rules are off, so the
    only robots.txt requests a server sees are discovery's."""

    robots_sitemaps = None

    def __init__(self) -> None:
        super().__init__(loopback_settings(respect_robots=False))


def test_robots_txt_sitemaps_are_crawled(site):
    # The feed has forgotten the 22nd; only the sitemap robots.txt points at still has it.
    gazette = outlet("atlas-gazette")
    result = discover(
        feed_urls=[feed_url(gazette, site.base_url)], robots_sitemaps=True, client_factory=OwnRobotsFetchClient
    )
    robots = [outcome for outcome in result.listings if outcome.kind == "robots"]
    assert [(o.url, o.error, o.status, o.items) for o in robots] == [
        (f"{site.base_url}/robots.txt", None, 200, len(OUTLETS))
    ]
    crawled = [outcome.url for outcome in result.listings if outcome.kind == "sitemap"]
    assert crawled == [sitemap_url(o, site.base_url) for o in OUTLETS]
    assert {expected_url(a, site.base_url) for a in articles_for(gazette.id, PAST_DAY)} <= set(urls_of(result.in_window))

    without = discover(feed_urls=[feed_url(gazette, site.base_url)], client_factory=OwnRobotsFetchClient)
    assert [outcome.kind for outcome in without.listings] == ["feed"]


def test_robots_txt_per_origin_deduped_against_configured_sitemaps(serve):
    robots = b"""User-agent: *
Disallow: /private/
Sitemap: {base}/sitemap.xml
Sitemap: /news-sitemap.xml
Sitemap: ftp://files.example/sitemap.xml
sitemap: {base}/news-sitemap.xml
"""
    urlset = b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>{base}/s</loc></url></urlset>'
    with_robots = serve({
        "/robots.txt": Route(200, "text/plain; charset=utf-8", robots),
        "/sitemap.xml": Route(200, "application/xml", urlset),
        "/news-sitemap.xml": Route(200, "application/xml", urlset.replace(b"/s<", b"/n<")),
    })
    without_robots = serve({"/feed.xml": Route(200, "application/rss+xml", b'<rss version="2.0"><channel/></rss>')})
    result = discover(
        feed_urls=[without_robots.url("/feed.xml")],
        sitemap_urls=[with_robots.url("/sitemap.xml")],
        archives=[ArchiveSpec(with_robots.url("/archive/{date}"))],  # same origin: one robots.txt
        robots_sitemaps=True,
        client_factory=OwnRobotsFetchClient,
    )
    robots_outcomes = {o.url: (o.error, o.status, o.items) for o in result.listings if o.kind == "robots"}
    assert robots_outcomes == {
        without_robots.url("/robots.txt"): (None, 404, 0),  # no robots.txt is no failure
        with_robots.url("/robots.txt"): (None, 200, 2),
    }
    assert with_robots.hits("/robots.txt") == 1
    assert with_robots.hits("/sitemap.xml") == 1  # configured and announced: fetched once
    assert with_robots.hits("/news-sitemap.xml") == 1
    assert sorted(urls_of(result.in_window)) == [with_robots.url("/n"), with_robots.url("/s")]


def test_parse_robots_sitemaps():
    body = b"\xef\xbb\xbfSitemap: https://a.example/s1.xml\nUser-agent: *\nSITEMAP: s2.xml\nSitemap: mailto:x@a.example\n"
    assert parse_robots_sitemaps(body, "https://a.example/robots.txt") == [
        "https://a.example/s1.xml",
        "https://a.example/s2.xml",
    ]
    assert parse_robots_sitemaps(b"", "https://a.example/robots.txt") == []


# --- conditional fetches of feeds and sitemaps -------------------------------------------


class ClientWithoutRequestHeaders(HttpClient):
    """HttpClient as it was before ``fetch`` took ``headers=``: discovery must cope."""

    def __init__(self) -> None:
        super().__init__(loopback_settings())

    async def fetch(self, url: str, *, accept=None) -> FetchResult:
        return await super().fetch(url, accept=accept)


def test_an_unchanged_listing_is_revalidated_with_its_etag(site):
    cache = MemoryListingCache()
    gazette_feed = feed_url("atlas-gazette", site.base_url)
    gazette_sitemap = sitemap_url("atlas-gazette", site.base_url)

    def run() -> Discovery:
        return discover(
            day=SAMPLE_DATES[1], feed_urls=[gazette_feed], sitemap_urls=[gazette_sitemap], listing_cache=cache
        )

    first = run()
    assert [(o.status, o.not_modified) for o in first.listings] == [(200, False), (200, False)]
    assert len(cache) == 2 and cache.get(gazette_feed).etag.startswith('"')

    second = run()
    # The sample site answers 304 only to the ETag it sent: the cached one went out.
    assert [(o.error, o.status, o.not_modified) for o in second.listings] == [(None, 304, True), (None, 304, True)]
    assert [o.items for o in second.listings] == [o.items for o in first.listings]
    assert urls_of(second.in_window) == urls_of(first.in_window) != []
    assert urls_of(second.out_of_window) == urls_of(first.out_of_window)


def test_last_modified_is_revalidated_and_a_changed_listing_replaces_the_cached_one(serve):
    feed = b"""<rss version="2.0"><channel><title>t</title>
      <item><link>{base}/one</link><pubDate>Sun, 22 Nov 2026 10:00:00 +0100</pubDate></item></channel></rss>"""
    stamp = "Sun, 22 Nov 2026 10:00:00 GMT"
    server = serve({
        "/feed.xml": Route(200, "application/rss+xml", feed, {"Last-Modified": stamp}),
        "/sitemap.xml": Route(200, "application/xml", b"<urlset/>", {"ETag": '"v1"'}),
        "/no-validators.xml": Route(200, "application/xml", b"<urlset/>"),
        "/broken.xml": Route(200, "application/xml", b"<urlset", {"ETag": '"broken"'}),
    })
    cache = MemoryListingCache()
    listings = {"feed_urls": [server.url("/feed.xml")],
                "sitemap_urls": [server.url(p) for p in ("/sitemap.xml", "/no-validators.xml", "/broken.xml")]}

    discover(listing_cache=cache, **listings)
    assert "if-modified-since" not in server.headers_sent_to("/feed.xml")[0]
    # Nothing to revalidate without a validator; nothing worth keeping that does not read.
    assert cache.get(server.url("/no-validators.xml")) is None
    assert cache.get(server.url("/broken.xml")) is None

    second = discover(listing_cache=cache, **listings)
    assert server.headers_sent_to("/feed.xml")[-1]["if-modified-since"] == stamp
    assert server.headers_sent_to("/sitemap.xml")[-1]["if-none-match"] == '"v1"'
    assert [(o.status, o.not_modified) for o in second.listings] == [(304, True), (304, True), (200, False), (200, False)]
    assert urls_of(second.in_window) == [server.url("/one")]

    # The sitemap changes: a new ETag, a 200, and the cache follows.
    server.routes["/sitemap.xml"] = Route(
        200, "application/xml", b"<urlset><url><loc>{base}/two</loc></url></urlset>", {"ETag": '"v2"'}
    )
    third = discover(listing_cache=cache, **listings)
    assert (third.listings[1].status, third.listings[1].not_modified) == (200, False)
    assert cache.get(server.url("/sitemap.xml")).etag == '"v2"'
    assert urls_of(third.in_window) == [server.url("/one"), server.url("/two")]


def test_a_client_that_cannot_send_headers_fills_the_cache_but_does_not_revalidate(site):
    cache = MemoryListingCache()
    feed = feed_url("casablanca-courier", site.base_url)
    first = discover(day=SAMPLE_DATES[1], feed_urls=[feed], listing_cache=cache, client_factory=ClientWithoutRequestHeaders)
    assert cache.get(feed) is not None  # ready for when the client can revalidate
    second = discover(day=SAMPLE_DATES[1], feed_urls=[feed], listing_cache=cache, client_factory=ClientWithoutRequestHeaders)
    assert [(o.status, o.not_modified) for o in first.listings + second.listings] == [(200, False), (200, False)]
    assert urls_of(second.in_window) == urls_of(first.in_window) != []


def test_memory_listing_cache():
    cache = MemoryListingCache()
    assert cache.get("https://a.example/feed") is None
    cache.put("https://a.example/feed", CachedListing(etag='"x"', last_modified=None, body=b"<rss/>"))
    assert cache.get("https://a.example/feed") == CachedListing('"x"', None, b"<rss/>")
    assert len(cache) == 1
