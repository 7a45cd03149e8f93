"""One local HTTP server for tests: a stdlib ThreadingHTTPServer on 127.0.0.1 (or ::1), port 0,
serving in a thread, that records every request with its arrival time.

A server answers either from a route table or with a handler function:

    LocalServer({"/feed.xml": Route(200, "application/rss+xml", body)})   # "{base}" in a body -> base_url
    LocalServer(lambda request, http: Response(200, b"ok"))               # or answer via http.reply(...)

``server.requests`` is the log (``Request``: path, target, query, headers, arrival time, hit number,
method, and the body of a POST);
``hits``, ``times`` and ``headers_sent_to`` read it by path. ``close()`` (idempotent) or ``with``
stops the server. The ``start_local_server`` fixture in conftest.py closes every server it started.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from newslake.http import HttpSettings


@dataclass(frozen=True)
class Request:
    """One request as the server received it."""

    target: str  # the request target as sent: path and query
    path: str  # the path alone
    query: dict[str, str]  # first value of each query parameter
    headers: dict[str, str]  # names lower-cased
    at: float  # arrival, time.monotonic()
    hit: int  # how many times this path has been requested, this one included (1 = first)
    method: str = "GET"
    body: bytes = b""  # what a POST sent


@dataclass
class Route:
    """A canned answer. A route with an ETag or Last-Modified header answers a request that
    presents it (If-None-Match / If-Modified-Since) with a 304."""

    status: int
    content_type: str
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Response:
    """What a handler function may return instead of answering through ``http`` itself.
    ``content_type=None`` sends no Content-Type header."""

    status: int = 200
    body: bytes = b""
    content_type: str | None = "text/plain"
    headers: dict[str, str] = field(default_factory=dict)


NOT_FOUND = Route(404, "text/plain", b"not found")


class Exchange(BaseHTTPRequestHandler):
    """The handler side of one request; handler functions get it as ``http``."""

    protocol_version = "HTTP/1.1"  # keep-alive, like real servers
    server: _Server

    @property
    def local(self) -> LocalServer:
        return self.server.local

    def log_message(self, format, *args) -> None:
        pass

    def do_GET(self) -> None:
        local = self.server.local
        request = local._record(self.path, {name.lower(): value for name, value in self.headers.items()})
        response = local.handler(request, self)
        if response is not None:
            self.reply(response.status, response.body, response.content_type, response.headers)

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        local = self.server.local
        request = local._record(self.path, {name.lower(): value for name, value in self.headers.items()}, "POST", body)
        response = local.handler(request, self)
        if response is not None:
            self.reply(response.status, response.body, response.content_type, response.headers)

    def reply(self, status: int, body: bytes = b"", content_type: str | None = "text/plain", headers=None) -> None:
        self.send_response(status)
        if content_type is not None:
            self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)


Handler = Callable[[Request, Exchange], "Response | None"]


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, host: str, local: LocalServer) -> None:
        self.address_family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.local = local
        super().__init__((host, 0), Exchange)

    def handle_error(self, request, client_address) -> None:
        # Clients hang up on purpose (timeouts, size caps): not worth a traceback.
        pass


class LocalServer:
    def __init__(self, routes_or_handler: dict[str, Route] | Handler, host: str = "127.0.0.1") -> None:
        if isinstance(routes_or_handler, dict):
            self.routes: dict[str, Route] = routes_or_handler  # looked up per request: may change while serving
            self.handler: Handler = self._serve_route
        else:
            self.routes = {}
            self.handler = routes_or_handler
        self._lock = threading.Lock()
        self._requests: list[Request] = []
        self._closed = False
        self._server = _Server(host, self)
        self.host = host
        self.port: int = self._server.server_address[1]
        self.base_url = f"http://[{host}]:{self.port}" if ":" in host else f"http://{host}:{self.port}"
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def url(self, path: str) -> str:
        return self.base_url + path

    # --- the request log ---------------------------------------------------------------

    @property
    def requests(self) -> list[Request]:
        with self._lock:
            return list(self._requests)

    def _record(self, target: str, headers: dict[str, str], method: str = "GET", body: bytes = b"") -> Request:
        parts = urlsplit(target)
        with self._lock:
            hit = 1 + sum(1 for seen in self._requests if seen.path == parts.path)
            request = Request(
                target=target,
                path=parts.path,
                query={key: values[0] for key, values in parse_qs(parts.query).items()},
                headers=headers,
                at=time.monotonic(),
                hit=hit,
                method=method,
                body=body,
            )
            self._requests.append(request)
        return request

    def requests_to(self, path: str | None = None) -> list[Request]:
        """Requests for ``path`` (all if None). A path with a query matches that exact request
        target; a path without one matches whatever query was sent."""
        key = "target" if path is not None and "?" in path else "path"
        return [r for r in self.requests if path is None or getattr(r, key) == path]

    def hits(self, path: str | None = None) -> int:
        return len(self.requests_to(path))

    def times(self, path: str | None = None) -> list[float]:
        return [r.at for r in self.requests_to(path)]

    def paths(self) -> list[str]:
        return [r.path for r in self.requests]

    def headers_sent_to(self, path: str) -> list[dict[str, str]]:
        return [r.headers for r in self.requests_to(path)]

    # --- route tables ------------------------------------------------------------------

    def _serve_route(self, request: Request, http: Exchange) -> Response | None:
        route = self.routes.get(request.target, NOT_FOUND)
        etag, last_modified = route.headers.get("ETag"), route.headers.get("Last-Modified")
        if (etag and request.headers.get("if-none-match") == etag) or (
            last_modified and request.headers.get("if-modified-since") == last_modified
        ):
            http.send_response(304)
            for name, value in route.headers.items():
                http.send_header(name, value)
            http.end_headers()
            return None
        body = route.body.replace(b"{base}", self.base_url.encode())
        return Response(route.status, body, route.content_type, route.headers)

    # --- lifetime ----------------------------------------------------------------------

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._server.shutdown()
            self._server.server_close()

    def __enter__(self) -> LocalServer:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


def fast_http_settings(**overrides) -> HttpSettings:
    """HttpSettings for tests against these servers: small timeouts and backoff so failures are
    fast, no politeness spacing unless a test is about it, and loopback allowed through the
    address guard (the servers are on 127.0.0.1). Tests override what they are about."""
    settings = dict(
        connect_timeout=2.0,
        read_timeout=2.0,
        total_timeout=5.0,
        max_attempts=2,
        backoff_base=0.01,
        backoff_max=0.1,
        per_host_interval=0.0,
        allowed_networks=("127.0.0.0/8",),
    )
    settings.update(overrides)
    return HttpSettings(**settings)
