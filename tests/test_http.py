"""Tests for newslake.http against real, deliberately misbehaving HTTP servers on 127.0.0.1.

Each test gets fresh servers (stdlib ThreadingHTTPServer on port 0, in a thread) whose
handler records every request with its arrival time, so politeness and retry timing
are measured where it matters: at the server.
"""

from __future__ import annotations

import asyncio
import dataclasses
import gzip
import itertools
import socket
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from localserver import Exchange, LocalServer, Request, fast_http_settings
from newslake.http import (
    FetchResult,
    HttpClient,
    HttpSettings,
    _parse_retry_after,
    fetch_all,
)

# Small timeouts and backoff keep the file fast; politeness off unless a test is about it.
# The servers live on 127.0.0.1, which the address guard refuses unless allowed. robots.txt
# is off because it would add a /robots.txt request to every count and timing here; it has
# its own tests (test_robots.py) and a few below.
FAST = fast_http_settings(max_attempts=3, backoff_max=2.0, respect_robots=False)


ETAG = '"v1"'


def misbehave(request: Request, http: Exchange) -> None:
    """The test routes; many misbehave on purpose. ``hit`` numbers the requests for one path."""
    path, query, hit = request.path, request.query, request.hit

    if path == "/ok":
        http.reply(200, b"<html>hello</html>", "text/html; charset=utf-8")
    elif path == "/not-found":
        http.reply(404, b"nope")
    elif path == "/flaky":  # 500 once, then fine
        http.reply(500, b"oops") if hit == 1 else http.reply(200, b"recovered")
    elif path == "/unavailable":  # 503 asking for a pause, then fine
        if hit == 1:
            http.reply(503, b"busy", headers={"Retry-After": query.get("after", "1")})
        else:
            http.reply(200, b"back")
    elif path == "/rate-limited":
        http.reply(429, b"slow down")
    elif path == "/slow-headers":
        time.sleep(float(query.get("delay", "1.0")))
        http.reply(200, b"too late")
    elif path == "/slow":  # a slow but well-behaved page
        time.sleep(float(query.get("delay", "0.4")))
        http.reply(200, b"slow page")
    elif path == "/trickle":  # each byte within the read timeout, the whole far too slow
        http.send_response(200)
        http.send_header("Content-Type", "text/plain")
        http.send_header("Content-Length", "50")
        http.end_headers()
        for _ in range(50):
            http.wfile.write(b"x")
            http.wfile.flush()
            time.sleep(0.1)
    elif path.startswith("/redirect/"):  # /redirect/N -> /redirect/N-1 -> ... -> /redirect/0
        hops_left = int(path.rsplit("/", 1)[1])
        if hops_left == 0:
            http.reply(200, b"arrived")
        else:
            http.reply(302, b"", headers={"Location": f"/redirect/{hops_left - 1}"})
    elif path == "/loop-a":
        http.reply(301, b"", headers={"Location": http.local.url("/loop-b")})
    elif path == "/loop-b":
        http.reply(301, b"", headers={"Location": "/loop-a"})
    elif path == "/redirect-to-ftp":
        http.reply(302, b"", headers={"Location": "ftp://127.0.0.1/file"})
    elif path == "/redirect-without-location":
        http.reply(302, b"")
    elif path == "/bytes":  # n bytes, with Content-Length or chunked
        send_bytes(http, b"a" * int(query["n"]), chunked=query.get("chunked") == "1")
    elif path == "/gzip":  # n zero bytes, gzip-compressed on the wire
        compressed = gzip.compress(b"\0" * int(query["n"]))
        http.reply(200, compressed, "application/octet-stream", {"Content-Encoding": "gzip"})
    elif path == "/typed":
        http.reply(200, b"<x/>", query["type"])
    elif path == "/echo-headers":
        http.reply(200, b"ok")
    elif path == "/etag":  # a resource at version "v1": 304 to a client holding it
        if http.headers.get("If-None-Match") == ETAG:
            http.reply(304, b"", headers={"ETag": ETAG})
        else:
            http.reply(200, b"<rss>v1</rss>", "application/rss+xml", {"ETag": ETAG})
    elif path == "/always-304":  # a broken server: 304 to an unconditional request
        http.reply(304, b"")
    elif path == "/redirect-to":
        http.reply(302, b"", headers={"Location": query["to"]})
    else:
        http.reply(404, b"unknown test route")


def send_bytes(http: Exchange, body: bytes, chunked: bool) -> None:
    http.send_response(200)
    http.send_header("Content-Type", "application/octet-stream")
    if not chunked:
        http.send_header("Content-Length", str(len(body)))
        http.end_headers()
        http.wfile.write(body)
        return
    # No Content-Length: the only way to enforce the cap is while streaming.
    http.send_header("Transfer-Encoding", "chunked")
    http.end_headers()
    for start in range(0, len(body), 16384):
        chunk = body[start : start + 16384]
        http.wfile.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
    http.wfile.write(b"0\r\n\r\n")


@pytest.fixture
def start_server(start_local_server):
    """Factory: start as many servers as a test needs; all are shut down afterwards."""
    return lambda: start_local_server(misbehave)


@pytest.fixture
def server(start_server) -> LocalServer:
    return start_server()


def fetch_one(url: str, settings: HttpSettings = FAST, **kwargs) -> FetchResult:
    [result] = fetch_all([url], settings, **kwargs)
    return result


def fetch_one_with_headers(url: str, headers: dict[str, str], **kwargs) -> FetchResult:
    async def run() -> FetchResult:
        async with HttpClient(FAST) as client:
            return await client.fetch(url, headers=headers, **kwargs)

    return asyncio.run(run())


def settings(**changes) -> HttpSettings:
    return dataclasses.replace(FAST, **changes)


# --- plain success and errors ------------------------------------------------------


def test_ok_response(server):
    result = fetch_one(server.url("/ok"))
    assert result.ok and result.error is None
    assert result.status == 200
    assert result.body == b"<html>hello</html>"
    assert result.url == result.final_url == server.url("/ok")
    assert result.headers["content-type"] == "text/html; charset=utf-8"
    assert result.content_type == "text/html"
    assert result.charset == "utf-8"
    assert result.attempts == 1
    assert result.fetched_at.tzinfo is not None and result.fetched_at.utcoffset() == timedelta(0)
    assert abs(datetime.now(UTC) - result.fetched_at) < timedelta(seconds=10)
    assert result.elapsed_ms >= 0


def test_sends_user_agent_and_accept_encoding(server):
    fetch_one(server.url("/echo-headers"), settings(user_agent="newslake-test/9"))
    [request] = server.requests
    headers = request.headers
    assert headers["user-agent"] == "newslake-test/9"
    assert headers["accept-encoding"] == "gzip, deflate"


def test_404_is_an_error_and_not_retried(server):
    result = fetch_one(server.url("/not-found"))
    assert not result.ok
    assert result.error == "http_404"
    assert result.status == 404
    assert result.body == b""
    assert result.attempts == 1
    assert server.hits("/not-found") == 1


# --- retries -----------------------------------------------------------------------


def test_500_then_200_is_retried(server):
    result = fetch_one(server.url("/flaky"))
    assert result.ok
    assert result.body == b"recovered"
    assert result.attempts == 2
    assert server.hits("/flaky") == 2


def test_503_retry_after_is_waited(server):
    result = fetch_one(server.url("/unavailable?after=1"))
    assert result.ok
    assert result.attempts == 2
    first, second = server.times("/unavailable")
    # The jittered backoff alone would wait at most backoff_base (0.01 s).
    assert second - first >= 0.95


def test_retry_after_is_capped_by_backoff_max(server):
    started = time.monotonic()
    result = fetch_one(server.url("/unavailable?after=120"), settings(backoff_max=0.2))
    assert result.ok
    assert time.monotonic() - started < 5


@pytest.mark.parametrize(
    ("header", "expected"),
    [("3", 3.0), ("0", 0.0), (" 7 ", 7.0), ("soon", None), ("", None), (None, None), ("-5", None)],
)
def test_parse_retry_after_seconds(header, expected):
    assert _parse_retry_after(header) == expected


def test_parse_retry_after_http_date():
    in_ten_seconds = format_datetime(datetime.now(UTC) + timedelta(seconds=10), usegmt=True)
    assert 8 <= _parse_retry_after(in_ten_seconds) <= 10
    in_the_past = format_datetime(datetime.now(UTC) - timedelta(hours=1), usegmt=True)
    assert _parse_retry_after(in_the_past) == 0.0


def test_429_retried_until_max_attempts(server):
    result = fetch_one(server.url("/rate-limited"))
    assert result.error == "http_429"
    assert result.status == 429
    assert result.attempts == 3
    assert server.hits("/rate-limited") == 3


def test_slow_headers_time_out_and_are_retried(server):
    result = fetch_one(server.url("/slow-headers?delay=1.0"), settings(read_timeout=0.3, max_attempts=2))
    assert result.error == "timeout"
    assert result.status is None
    assert result.attempts == 2
    assert server.hits("/slow-headers") == 2


def test_total_timeout_stops_a_trickling_body(server):
    started = time.monotonic()
    result = fetch_one(server.url("/trickle"), settings(read_timeout=1.0, total_timeout=0.5, max_attempts=1))
    assert result.error == "timeout"
    assert result.body == b""
    assert time.monotonic() - started < 2.0  # the whole body would take 5 s


def test_connection_refused_is_retried(server):
    # A port that was free a moment ago: nothing listens there.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = fetch_one(f"http://127.0.0.1:{port}/", settings(max_attempts=2))
    assert result.error == "connect_error"
    assert result.status is None
    assert result.attempts == 2


def test_tls_failure_is_named(server):
    # Speaking TLS to a plain-HTTP server fails the handshake.
    result = fetch_one(server.url("/ok").replace("http://", "https://"))
    assert result.error == "tls"
    assert result.attempts == 1  # not retried: it would fail the same way


def test_dns_failure_is_named():
    result = fetch_one("http://newslake-test.invalid/")  # .invalid never resolves (RFC 6761)
    assert result.error == "dns"
    assert result.attempts == 1


@pytest.mark.parametrize("url", ["ftp://example.com/x", "not a url", "http://", "/relative", ""])
def test_invalid_urls(url):
    result = fetch_one(url)
    assert result.error == "invalid_url"
    assert result.attempts == 0
    assert result.url == url


# --- redirects ---------------------------------------------------------------------


def test_redirect_chain_of_three_is_followed(server):
    result = fetch_one(server.url("/redirect/3"), settings(max_redirects=3))
    assert result.ok
    assert result.body == b"arrived"
    assert result.url == server.url("/redirect/3")
    assert result.final_url == server.url("/redirect/0")
    assert result.attempts == 1
    assert [request.path for request in server.requests] == ["/redirect/3", "/redirect/2", "/redirect/1", "/redirect/0"]


def test_redirect_chain_longer_than_the_cap(server):
    result = fetch_one(server.url("/redirect/3"), settings(max_redirects=2))
    assert result.error == "too_many_redirects"
    assert result.status == 302
    assert result.body == b""


def test_redirect_loop(server):
    result = fetch_one(server.url("/loop-a"), settings(max_redirects=5))
    assert result.error == "too_many_redirects"
    assert len(server.requests) == 6  # the first request and 5 hops, then we stop


@pytest.mark.parametrize("path", ["/redirect-to-ftp", "/redirect-without-location"])
def test_bad_redirects(server, path):
    result = fetch_one(server.url(path))
    assert result.error == "bad_redirect"
    assert result.status == 302
    assert len(server.requests) == 1


# --- size cap ----------------------------------------------------------------------

CAP = 64 * 1024


@pytest.mark.parametrize("chunked", ["0", "1"], ids=["content-length", "chunked"])
def test_oversized_body_is_too_large(server, chunked):
    result = fetch_one(server.url(f"/bytes?n={40 * CAP}&chunked={chunked}"), settings(max_bytes=CAP))
    assert result.error == "too_large"
    assert result.status == 200
    assert result.body == b""


@pytest.mark.parametrize("chunked", ["0", "1"], ids=["content-length", "chunked"])
def test_body_exactly_at_the_cap_is_fine(server, chunked):
    result = fetch_one(server.url(f"/bytes?n={CAP}&chunked={chunked}"), settings(max_bytes=CAP))
    assert result.ok
    assert len(result.body) == CAP


def test_gzip_body_is_decompressed(server):
    result = fetch_one(server.url("/gzip?n=5000"))
    assert result.ok
    assert result.body == b"\0" * 5000


def test_gzip_body_that_decompresses_past_the_cap_is_too_large(server):
    # About 2 KB on the wire, 2 MB once decompressed: the cap is on what we hold.
    result = fetch_one(server.url(f"/gzip?n={2 * 1024 * 1024}"), settings(max_bytes=CAP))
    assert result.error == "too_large"
    assert result.body == b""


# --- content type ------------------------------------------------------------------


def test_wrong_content_type_is_refused(server):
    result = fetch_one(server.url("/typed?type=text/html"), accept=("application/xml", "text/xml"))
    assert result.error == "not_allowed_content_type"
    assert result.status == 200
    assert result.content_type == "text/html"
    assert result.body == b""


def test_allowed_content_type_matches_case_insensitively_and_ignores_parameters(server):
    result = fetch_one(server.url("/typed?type=Text/XML;%20charset=ISO-8859-1"), accept=("text/xml",))
    assert result.ok
    assert result.content_type == "text/xml"
    assert result.charset == "iso-8859-1"


# --- conditional GET and caller headers ---------------------------------------------


def test_if_none_match_with_the_current_etag_gets_304(server):
    async def run() -> tuple[FetchResult, FetchResult]:
        async with HttpClient(FAST) as client:
            first = await client.fetch(server.url("/etag"))
            again = await client.fetch(server.url("/etag"), headers={"If-None-Match": first.headers["etag"]})
            return first, again

    first, again = asyncio.run(run())
    assert first.ok and first.status == 200 and not first.not_modified
    assert first.body == b"<rss>v1</rss>"
    assert again.ok and again.error is None
    assert again.status == 304 and again.not_modified
    assert again.body == b""
    assert again.headers["etag"] == ETAG
    assert again.attempts == 1
    assert server.requests[1].headers["if-none-match"] == ETAG


def test_if_none_match_with_a_stale_etag_gets_the_body(server):
    result = fetch_one_with_headers(server.url("/etag"), {"If-None-Match": '"v0"'})
    assert result.status == 200 and not result.not_modified
    assert result.body == b"<rss>v1</rss>"


def test_304_passes_the_content_type_filter(server):
    result = fetch_one_with_headers(server.url("/etag"), {"If-None-Match": ETAG}, accept=("text/html",))
    assert result.not_modified


def test_304_to_an_unconditional_request_is_an_error(server):
    result = fetch_one(server.url("/always-304"))
    assert result.error == "http_304"
    assert not result.ok and not result.not_modified


def test_caller_headers_are_sent_on_every_hop(server):
    fetch_one_with_headers(server.url("/redirect/1"), {"If-Modified-Since": "Tue, 24 Nov 2026 10:00:00 GMT"})
    assert [request.headers.get("if-modified-since") for request in server.requests] == [
        "Tue, 24 Nov 2026 10:00:00 GMT"
    ] * 2


def test_credentials_do_not_follow_a_redirect_to_another_origin(start_server):
    origin, elsewhere = start_server(), start_server()  # another port is another origin
    target = elsewhere.url("/echo-headers")
    result = fetch_one_with_headers(
        origin.url(f"/redirect-to?to={target}"), {"Authorization": "Bearer secret", "If-None-Match": '"x"'}
    )
    assert result.ok
    [to_origin], [to_elsewhere] = origin.requests, elsewhere.requests
    sent_to_origin, sent_elsewhere = to_origin.headers, to_elsewhere.headers
    assert sent_to_origin["authorization"] == "Bearer secret"
    assert "authorization" not in sent_elsewhere
    assert sent_elsewhere["if-none-match"] == '"x"'


# --- politeness and concurrency ----------------------------------------------------


def test_per_host_interval_spaces_request_starts(server):
    fetch_all([server.url("/ok")] * 4, settings(per_host_interval=0.2))
    times = sorted(server.times("/ok"))
    assert len(times) == 4
    # 3 gaps of 0.2 s; a few ms of slack for loopback scheduling jitter.
    assert times[-1] - times[0] >= 0.6 - 0.03
    assert all(later - earlier >= 0.2 - 0.02 for earlier, later in itertools.pairwise(times))


def test_politeness_applies_to_retries_too(server):
    result = fetch_one(server.url("/flaky"), settings(per_host_interval=0.3))
    assert result.ok
    first, second = server.times("/flaky")
    assert second - first >= 0.3 - 0.02


def test_two_hosts_proceed_in_parallel(start_server):
    host_a, host_b = start_server(), start_server()
    started = time.monotonic()
    results = fetch_all(
        [host_a.url("/slow?delay=0.5"), host_b.url("/slow?delay=0.5")], settings(per_host_interval=5.0)
    )
    elapsed = time.monotonic() - started
    assert all(result.ok for result in results)
    assert elapsed < 0.9  # one after the other would take >= 1.0 s
    assert abs(host_a.times()[0] - host_b.times()[0]) < 0.3


def test_concurrency_caps_requests_in_flight(start_server):
    hosts = [start_server() for _ in range(4)]
    results = fetch_all([host.url("/slow?delay=0.3") for host in hosts], settings(concurrency=2))
    assert all(result.ok for result in results)
    arrivals = sorted(host.times()[0] for host in hosts)
    # Two start at once; the other two only once those finished, 0.3 s later.
    assert arrivals[1] - arrivals[0] < 0.2
    assert arrivals[2] - arrivals[0] >= 0.25


# --- the client as a whole ---------------------------------------------------------


def test_fetch_all_keeps_input_order_and_never_raises(server):
    urls = [
        server.url("/slow?delay=0.3"),
        "ftp://example.com/",
        server.url("/not-found"),
        server.url("/ok"),
    ]
    results = fetch_all(urls, FAST)
    assert [result.url for result in results] == urls
    assert [result.error for result in results] == [None, "invalid_url", "http_404", None]


def test_each_result_is_handed_over_as_it_completes_and_bodies_can_be_let_go(server):
    urls = [server.url("/slow?delay=0.3"), server.url("/ok"), server.url("/not-found")]
    seen: list[tuple[str, int, float]] = []
    started = time.monotonic()

    def on_result(result: FetchResult) -> None:
        seen.append((result.url, len(result.body), time.monotonic() - started))

    results = fetch_all(urls, FAST, on_result=on_result, keep_bodies=False)
    assert [result.url for result in results] == urls  # the returned list keeps the input order
    assert [result.error for result in results] == [None, None, "http_404"]
    assert all(result.body == b"" for result in results)
    # The callback saw every result once, with its body, the quick ones before the slow one.
    assert sorted(url for url, _, _ in seen) == sorted(urls)
    assert seen[-1][0] == urls[0] and seen[0][2] < seen[-1][2]
    sizes = {url: size for url, size, _ in seen}
    assert sizes[urls[0]] > 0 and sizes[urls[1]] > 0 and sizes[urls[2]] == 0
    # By default the results keep their bodies.
    assert fetch_all([server.url("/ok")], FAST)[0].body


def test_async_client_usage(server):
    async def run() -> list[FetchResult]:
        async with HttpClient(FAST) as client:
            return [await client.fetch(server.url("/ok")), await client.fetch(server.url("/not-found"))]

    ok, missing = asyncio.run(run())
    assert ok.ok and missing.error == "http_404"


def test_closed_client_is_a_programming_error():
    with pytest.raises(RuntimeError, match="not open"):
        asyncio.run(HttpClient(FAST).fetch("http://127.0.0.1/"))
    with pytest.raises(RuntimeError, match="not open"):
        asyncio.run(HttpClient(FAST).robots_sitemaps("http://127.0.0.1/"))


def test_default_settings_guard_addresses_and_respect_robots(server):
    # The guard refuses before robots.txt is asked for, so the server sees nothing at all.
    result = fetch_one(server.url("/ok"), HttpSettings())
    assert result.error == "blocked_address"
    assert result.attempts == 0
    assert server.requests == []


@pytest.mark.parametrize("field", ["max_attempts", "concurrency", "max_bytes", "read_timeout"])
def test_settings_are_validated(field):
    with pytest.raises(ValueError, match=field):
        settings(**{field: 0})


@pytest.mark.parametrize("user_agent", ["newslake\r\nX-Injected: 1", "newslaké", "   "])
def test_a_user_agent_that_cannot_be_sent_is_refused_at_set_up(user_agent):
    """Before, a line break made every request fail as connect_error (three tries each), and a
    non-ASCII letter raised UnicodeEncodeError from inside httpx."""
    with pytest.raises(ValueError, match=r"^HttpSettings\.user_agent (holds|is empty)"):
        settings(user_agent=user_agent)
