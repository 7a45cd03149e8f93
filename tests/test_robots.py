"""Tests for robots.txt handling (newslake.robots through newslake.http) against real local servers.

Each server serves one configurable robots.txt and a page at every other path, and records
every request with its arrival time, so "fetched once" and Crawl-delay spacing are
measured at the server.
"""

from __future__ import annotations

import asyncio
import dataclasses
import itertools

import httpx
import pytest

from localserver import Exchange, LocalServer, Request, Response, fast_http_settings
from newslake.http import FetchResult, HttpClient, HttpSettings, fetch_all
from newslake.robots import MAX_CRAWL_DELAY, ROBOTS_MAX_BYTES, RobotsPolicy, robots_url, user_agent_token

OUR_AGENT = "newslake/0.1 (+https://github.com/newslake/newslake)"
SETTINGS = fast_http_settings(user_agent=OUR_AGENT)

DENY_US_ALLOW_OTHERS = b"""\
User-agent: newslake
Disallow: /private

User-agent: *
Disallow:

Sitemap: https://news.example/sitemap-news.xml
Sitemap: https://news.example/sitemap-index.xml
"""


def robots_site(status: int, body: bytes):
    """Serves (status, body) at /robots.txt, /redirect?to=URL as a 302 and a small page everywhere else."""

    def answer(request: Request, http: Exchange) -> Response:
        if request.path == "/robots.txt":
            return Response(status, body)
        if request.path == "/redirect":
            return Response(302, content_type=None, headers={"Location": request.query["to"]})
        return Response(200, b"<html>page</html>", "text/html")

    return answer


@pytest.fixture
def serve_robots(start_local_server):
    """Factory: ``serve_robots(status, body)`` starts a server; all are shut down afterwards."""

    def start(status: int = 200, body: bytes = b"") -> LocalServer:
        return start_local_server(robots_site(status, body))

    return start


def settings(**changes) -> HttpSettings:
    return dataclasses.replace(SETTINGS, **changes)


def fetch_one(url: str, http_settings: HttpSettings = SETTINGS) -> FetchResult:
    [result] = fetch_all([url], http_settings)
    return result


# --- rules for our agent -----------------------------------------------------------


def test_disallowed_for_our_agent_is_refused_without_a_request(serve_robots):
    server = serve_robots(200, DENY_US_ALLOW_OTHERS)
    result = fetch_one(server.url("/private/story"))
    assert result.error == "robots_disallowed"
    assert result.status is None
    assert result.attempts == 0
    assert result.body == b""
    assert server.hits("/private/story") == 0
    assert server.hits("/robots.txt") == 1


def test_allowed_path_for_our_agent_is_fetched(serve_robots):
    server = serve_robots(200, DENY_US_ALLOW_OTHERS)
    result = fetch_one(server.url("/public/story"))
    assert result.ok and result.body == b"<html>page</html>"


def test_another_agent_gets_the_other_group(serve_robots):
    server = serve_robots(200, DENY_US_ALLOW_OTHERS)
    result = fetch_one(server.url("/private/story"), settings(user_agent="otherbot/2.0"))
    assert result.ok
    assert server.hits("/private/story") == 1


def test_respect_robots_off_neither_asks_nor_obeys(serve_robots):
    server = serve_robots(200, b"User-agent: *\nDisallow: /\n")
    result = fetch_one(server.url("/anything"), settings(respect_robots=False))
    assert result.ok
    assert server.hits("/robots.txt") == 0


def test_redirect_to_a_disallowed_path_is_refused_at_the_hop(serve_robots):
    server = serve_robots(200, DENY_US_ALLOW_OTHERS)
    result = fetch_one(server.url("/redirect?to=/private/story"))
    assert result.error == "robots_disallowed"
    assert result.final_url == server.url("/private/story")
    assert result.status is None
    assert result.attempts == 1  # the redirect itself was fetched
    assert server.hits("/private/story") == 0


# --- robots.txt fetch outcomes (RFC 9309 2.3.1) ------------------------------------


@pytest.mark.parametrize("status", [404, 403, 410])
def test_robots_4xx_allows_everything(serve_robots, status):
    server = serve_robots(status, b"User-agent: *\nDisallow: /\n")  # a 4xx body is not rules
    result = fetch_one(server.url("/private/story"))
    assert result.ok
    assert server.hits("/private/story") == 1


@pytest.mark.parametrize("status", [500, 503])
def test_robots_5xx_disallows_everything_on_that_host(serve_robots, status):
    server = serve_robots(status, b"")
    results = fetch_all([server.url("/a"), server.url("/b")], SETTINGS)
    assert [result.error for result in results] == ["robots_unreachable"] * 2
    assert all(result.attempts == 0 and result.status is None for result in results)
    assert server.hits("/a") == server.hits("/b") == 0
    assert server.hits("/robots.txt") == SETTINGS.max_attempts  # retried like any 5xx, then given up


def test_robots_network_error_disallows_everything_and_names_the_error(serve_robots):
    server = serve_robots(200, b"")
    port = server.port
    server.close()  # nothing listens on the port any more
    result = fetch_one(f"http://127.0.0.1:{port}/story")
    assert result.error == "connect_error"  # what stopped the robots.txt fetch, not a generic "unreachable"
    assert result.attempts == 0


def test_oversized_robots_is_read_up_to_the_cap(serve_robots):
    padding = b"# " + b"x" * ROBOTS_MAX_BYTES + b"\n"
    body = b"User-agent: *\nDisallow: /early\n" + padding + b"Disallow: /late\n"
    server = serve_robots(200, body)
    # The robots cap is its own: far above the page cap here.
    early, late = fetch_all([server.url("/early"), server.url("/late")], settings(max_bytes=1024))
    assert early.error == "robots_disallowed"
    assert late.ok  # the rule lies past 500 KiB, so it is not read


@pytest.mark.parametrize(
    ("status", "error", "reachable", "allows"),
    [
        (200, None, True, True),
        (404, "http_404", True, True),
        (401, "http_401", True, True),
        (429, "http_429", False, False),  # "slow down" is not "no robots.txt"
        (503, "http_503", False, False),
        (None, "timeout", False, False),
        (None, "connect_error", False, False),
        (None, "blocked_address", False, False),
        (301, "too_many_redirects", True, True),
    ],
)
def test_policy_from_fetch_outcome(status, error, reachable, allows):
    policy = RobotsPolicy.from_fetch(status, error, b"")
    assert policy.reachable is reachable
    assert policy.allows("https://news.example/story", "newslake") is allows


# --- Crawl-delay and politeness -----------------------------------------------------


def test_crawl_delay_spaces_requests_measured_at_the_server(serve_robots):
    server = serve_robots(200, b"User-agent: newslake\nCrawl-delay: 0.3\nDisallow:\n")
    results = fetch_all([server.url(f"/page/{n}") for n in range(3)], SETTINGS)
    assert all(result.ok for result in results)
    robots_at = server.times("/robots.txt")[0]
    page_times = sorted(request.at for request in server.requests if request.path.startswith("/page/"))
    # 3 requests, 2 gaps of 0.3 s; a few ms of slack for loopback scheduling jitter.
    assert page_times[-1] - page_times[0] >= 0.6 - 0.03
    assert all(later - earlier >= 0.3 - 0.05 for earlier, later in itertools.pairwise(page_times))
    # The robots.txt request counts too: the first page waits the crawl delay after it (without
    # that, it would follow at once). The server can see the robots.txt request, the first on a
    # new connection, some tens of ms after the client started it (up to 72 ms seen when run after
    # test_http and test_politeness), which shortens this gap as the server measures it.
    assert page_times[0] - robots_at >= 0.3 - 0.1


def test_crawl_delay_below_per_host_interval_does_not_speed_up(serve_robots):
    server = serve_robots(200, b"User-agent: *\nCrawl-delay: 0.01\n")
    fetch_all([server.url("/a"), server.url("/b")], settings(per_host_interval=0.3))
    first, second = sorted(server.times("/a") + server.times("/b"))
    assert second - first >= 0.3 - 0.05


def test_robots_request_counts_for_per_host_spacing(serve_robots):
    server = serve_robots(404, b"")
    fetch_one(server.url("/a"), settings(per_host_interval=0.3))
    [robots_at], [page_at] = server.times("/robots.txt"), server.times("/a")
    assert page_at - robots_at >= 0.3 - 0.05


def test_crawl_delay_is_capped():
    policy = RobotsPolicy.from_fetch(200, None, b"User-agent: *\nCrawl-delay: 86400\n")
    assert policy.crawl_delay("newslake") == MAX_CRAWL_DELAY == 60.0


def test_crawl_delay_only_for_the_matching_group():
    policy = RobotsPolicy.from_fetch(200, None, b"User-agent: slowbot\nCrawl-delay: 5\n\nUser-agent: *\nDisallow:\n")
    assert policy.crawl_delay("newslake") is None
    assert policy.crawl_delay("slowbot") == 5.0


# --- caching -------------------------------------------------------------------------


def test_robots_is_fetched_once_per_origin(serve_robots):
    host_a, host_b = serve_robots(200, DENY_US_ALLOW_OTHERS), serve_robots(404, b"")
    urls = [host.url(f"/story/{n}") for n in range(10) for host in (host_a, host_b)]
    results = fetch_all(urls, SETTINGS)  # concurrent: all 20 ask for robots.txt at once
    assert all(result.ok for result in results)
    assert host_a.hits("/robots.txt") == 1
    assert host_b.hits("/robots.txt") == 1  # a 404 is remembered too


def test_robots_sitemaps_returns_the_sitemap_lines_through_the_same_cache(serve_robots):
    server = serve_robots(200, DENY_US_ALLOW_OTHERS)

    async def run() -> tuple[list[str], list[str], FetchResult]:
        async with HttpClient(SETTINGS) as client:
            sitemaps = await client.robots_sitemaps(server.url("/any/page?x=1"))
            page = await client.fetch(server.url("/public"))
            again = await client.robots_sitemaps(server.url("/"))
            return sitemaps, again, page

    sitemaps, again, page = asyncio.run(run())
    assert sitemaps == again == ["https://news.example/sitemap-news.xml", "https://news.example/sitemap-index.xml"]
    assert page.ok
    assert server.hits("/robots.txt") == 1


def test_robots_sitemaps_without_robots_or_with_a_bad_url(serve_robots):
    server = serve_robots(404, b"")

    async def run() -> tuple[list[str], list[str]]:
        async with HttpClient(SETTINGS) as client:
            return await client.robots_sitemaps(server.url("/")), await client.robots_sitemaps("ftp://x/")

    assert asyncio.run(run()) == ([], [])


# --- helpers -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("user_agent", "token"),
    [
        ("newslake/0.1 (+https://github.com/newslake/newslake)", "newslake"),
        ("newslake-test/9", "newslake-test"),
        ("Mozilla/5.0 (compatible; ExampleBot/2.1)", "Mozilla"),
        ("  spaced_bot ", "spaced_bot"),
        ("42bot", "*"),
        ("", "*"),
    ],
)
def test_user_agent_token(user_agent, token):
    assert user_agent_token(user_agent) == token


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://news.example/a/b?c=d#e", "https://news.example/robots.txt"),
        ("http://user:secret@news.example:8080/a", "http://news.example:8080/robots.txt"),
        ("http://news.example:80/a", "http://news.example/robots.txt"),
        ("http://[::1]:81/a", "http://[::1]:81/robots.txt"),
    ],
)
def test_robots_url(url, expected):
    assert robots_url(httpx.URL(url)) == expected
