"""Serve the sample site over HTTP on the loopback interface, for ``make run`` and the tests.

``serve_sample_site()`` runs a ``ThreadingHTTPServer`` in a daemon thread for the length of
a ``with`` block; port 0 picks a free port, so parallel test runs do not collide. It only
ever binds to 127.0.0.1: the site is a test fixture, not something to expose.

Successful responses carry an ``ETag`` (a hash of the body, so it changes exactly when the
page does) and a matching ``If-None-Match`` gets ``304 Not Modified``, as on real news
sites: discovery revalidates feeds and sitemaps instead of downloading them again.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from newslake.sample_site.site import render

LOOPBACK = "127.0.0.1"


@dataclass(frozen=True)
class RunningSite:
    """A sample site being served; ``base_url`` has no trailing slash."""

    host: str
    port: int

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"


class _SampleSiteHandler(BaseHTTPRequestHandler):
    server_version = "newslake-sample-site/1.0"
    base_url: str  # set on the per-server subclass

    def do_GET(self) -> None:
        self._respond(include_body=True)

    def do_HEAD(self) -> None:
        self._respond(include_body=False)

    def _respond(self, include_body: bool) -> None:
        response = render(self.path, self.base_url)
        etag = entity_tag(response.body) if response.status == 200 else None
        # Below, send_response_only() and not send_response(): the latter adds a Date header,
        # and responses must not depend on the clock.
        if etag is not None and _matches(self.headers.get("If-None-Match"), etag):
            self.send_response_only(304)
            self.send_header("Server", self.version_string())
            self.send_header("ETag", etag)
            self.end_headers()
            return
        self.send_response_only(response.status)
        self.send_header("Server", self.version_string())
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        if etag is not None:
            self.send_header("ETag", etag)
        self.end_headers()
        if include_body:
            self.wfile.write(response.body)

    def version_string(self) -> str:
        return self.server_version  # without the Python version, which varies by machine

    def log_message(self, format: str, *args: object) -> None:
        pass  # one stderr line per request would drown test and Airflow logs


def entity_tag(body: bytes) -> str:
    """The strong ETag of a response body: deterministic, like everything the site serves."""
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def _matches(if_none_match: str | None, etag: str) -> bool:
    """RFC 9110 13.1.2: ``*`` or any listed tag, compared weakly (a ``W/`` prefix is ignored)."""
    if not if_none_match:
        return False
    tags = [tag.strip() for tag in if_none_match.split(",")]
    return "*" in tags or etag in (tag.removeprefix("W/") for tag in tags)


@contextmanager
def serve_sample_site(host: str = LOOPBACK, port: int = 0) -> Iterator[RunningSite]:
    """Serve the sample site until the ``with`` block exits; yields where it is served."""
    if host != LOOPBACK:
        raise ValueError(f"the sample site binds only to {LOOPBACK}, not {host!r}")
    server = ThreadingHTTPServer((host, port), _SampleSiteHandler)
    server.daemon_threads = True
    site = RunningSite(host, server.server_address[1])
    # Links in pages must name the address actually bound, so the handler gets it per server.
    server.RequestHandlerClass = type(
        "_BoundSampleSiteHandler", (_SampleSiteHandler,), {"base_url": site.base_url}
    )
    thread = threading.Thread(target=server.serve_forever, name="sample-site", daemon=True)
    thread.start()
    try:
        yield site
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
