"""A fault-injecting HTTP proxy for tests: a stdlib ThreadingHTTPServer on 127.0.0.1 that forwards
every request to an upstream S3 endpoint (the moto server) and, when told to, answers a chosen
write with a 500 InternalError, a 503 SlowDown, or hangs up instead of answering.

    proxy = FaultProxy(moto_endpoint)                 # point a Storage's endpoint_url at proxy.endpoint
    proxy.fail_writes(at=2, action="503", times=1)    # the 2nd PUT/POST from now gets a SlowDown
    proxy.exchanges                                   # what went through: operation, status, fault

A write is a PUT or POST (object PUT, CopyObject, multipart create/part/complete, batch delete).
Faults count writes from the moment they are armed, so a test arms one right before the step it
disturbs. Actions:

- ``"500"`` / ``"503"``: S3's own error documents (InternalError, SlowDown); nothing reaches moto.
- ``"drop"``: the connection is closed before forwarding; nothing reaches moto.
- ``"drop_after"``: forwarded (moto applies the write), then the connection is closed without an
  answer — the client cannot know the write happened, the ambiguous case of a real network.

``close()`` stops listening (the endpoint is down: connections are refused); ``start()`` listens
again on the same port (the endpoint is back).
"""

from __future__ import annotations

import http.client
import socket
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, urlsplit

# Hop-by-hop headers (RFC 9110 §7.6.1) describe one connection, not the request: not forwarded.
# Expect is answered here (the stdlib sends the 100 Continue itself); the body is re-sent whole.
HOP_BY_HOP = frozenset(
    {"connection", "keep-alive", "proxy-connection", "proxy-authenticate", "proxy-authorization", "te", "trailer",
     "transfer-encoding", "upgrade", "expect", "content-length"}
)
ACTIONS = ("500", "503", "drop", "drop_after")
S3_ERRORS = {
    "500": (500, "InternalError", "We encountered an internal error. Please try again."),
    "503": (503, "SlowDown", "Please reduce your request rate."),
}


@dataclass(frozen=True)
class ProxiedExchange:
    """One request that reached the proxy, and what became of it."""

    method: str
    path: str  # the request target (path and query)
    operation: str  # put | copy | upload_part | create_multipart | complete_multipart | delete_objects | delete | get | head | list
    status: int | None  # what the client got; None when the connection was dropped
    fault: str | None  # the injected action, if any


@dataclass
class _Fault:
    at: int  # the n-th write counted from arming (1 = the next one)
    action: str
    times: int  # consecutive writes that get it (the SDK's retries of the same request count)
    operations: frozenset[str] | None  # only writes of these operations count; None = every write
    path_contains: str | None  # only writes whose (decoded) path contains this count, e.g. an object key
    seen: int = 0
    fired: int = 0


def operation_of(method: str, target: str, headers) -> str:
    """Which S3 operation a request is, from its method, query and headers."""
    query = urlsplit(target).query
    names = {part.split("=", 1)[0] for part in query.split("&") if part}
    if method == "PUT":
        if headers.get("x-amz-copy-source"):
            return "copy"
        return "upload_part" if "partNumber" in names else "put"
    if method == "POST":
        if "uploads" in names:
            return "create_multipart"
        if "uploadId" in names:
            return "complete_multipart"
        return "delete_objects" if "delete" in names else "post"
    if method == "GET":
        return "list" if "list-type" in names or urlsplit(target).path.rstrip("/").count("/") <= 1 else "get"
    return method.lower()


class FaultProxy:
    def __init__(self, upstream: str, port: int = 0) -> None:
        parts = urlsplit(upstream)
        self.upstream = (parts.hostname, parts.port or 80)
        self._lock = threading.Lock()
        self._exchanges: list[ProxiedExchange] = []
        self._faults: list[_Fault] = []
        self._server: _Server | None = None
        self.port = port
        self.start()

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # -- lifetime ------------------------------------------------------------------------------

    def start(self) -> None:
        """Listen (again) on the proxy's port; a restarted proxy keeps its port and its log."""
        if self._server is not None:
            return
        self._server = _Server(self.port, self)
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def close(self) -> None:
        """Stop listening and cut the open connections: from now on the endpoint refuses
        connections, as a stopped S3 server does (idempotent)."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server.cut_connections()
            self._server = None

    def __enter__(self) -> FaultProxy:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    # -- faults ----------------------------------------------------------------------------------

    def fail_writes(
        self, *, at: int = 1, action: str, times: int = 1, operations: set[str] | None = None, path_contains: str | None = None
    ) -> None:
        """Answer the ``at``-th write from now (and the ``times - 1`` writes after it) with ``action``.
        ``operations`` (e.g. {"copy"}) and ``path_contains`` (e.g. an object key) restrict which writes count."""
        if action not in ACTIONS:
            raise ValueError(f"action must be one of {ACTIONS}, got {action!r}")
        with self._lock:
            self._faults.append(_Fault(at, action, times, frozenset(operations) if operations else None, path_contains))

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    @property
    def faults_fired(self) -> int:
        with self._lock:
            return sum(fault.fired for fault in self._faults)

    @property
    def exchanges(self) -> list[ProxiedExchange]:
        with self._lock:
            return list(self._exchanges)

    def _fault_for(self, method: str, target: str, operation: str) -> str | None:
        if method not in ("PUT", "POST"):
            return None
        path = unquote(urlsplit(target).path)
        with self._lock:
            for fault in self._faults:
                if fault.operations is not None and operation not in fault.operations:
                    continue
                if fault.path_contains is not None and fault.path_contains not in path:
                    continue
                fault.seen += 1
                if fault.seen >= fault.at and fault.fired < fault.times:
                    fault.fired += 1
                    return fault.action
        return None

    def _record(self, exchange: ProxiedExchange) -> None:
        with self._lock:
            self._exchanges.append(exchange)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True  # the endpoint comes back on the same port right after going down

    def __init__(self, port: int, proxy: FaultProxy) -> None:
        self.proxy = proxy
        # Clients keep connections alive: closing the listening socket alone would leave them served.
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(("127.0.0.1", port), _Handler)

    def process_request(self, request, client_address) -> None:
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request) -> None:
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def cut_connections(self) -> None:
        with self._connections_lock:
            connections, self._connections = list(self._connections), set()
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def handle_error(self, request, client_address) -> None:
        pass  # clients hang up on dropped connections; that is the point


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format, *args) -> None:
        pass

    def do_GET(self) -> None:
        self._proxy()

    do_HEAD = do_PUT = do_POST = do_DELETE = do_GET

    def _read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _hang_up(self) -> None:
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def _proxy(self) -> None:
        proxy = self.server.proxy
        body = self._read_body()
        operation = operation_of(self.command, self.path, self.headers)
        action = proxy._fault_for(self.command, self.path, operation)
        if action in S3_ERRORS:
            status, code, message = S3_ERRORS[action]
            document = f'<?xml version="1.0" encoding="UTF-8"?><Error><Code>{code}</Code><Message>{message}</Message></Error>'.encode()
            # Logged before answering: the client may carry on (and a test look) as soon as it has the answer.
            proxy._record(ProxiedExchange(self.command, self.path, operation, status, action))
            self.send_response_only(status)
            self.send_header("Content-Type", "application/xml")
            self.send_header("Content-Length", str(len(document)))
            self.end_headers()
            self.wfile.write(document)
            return
        if action == "drop":
            proxy._record(ProxiedExchange(self.command, self.path, operation, None, action))
            self._hang_up()
            return

        upstream = http.client.HTTPConnection(*proxy.upstream, timeout=30)
        try:
            # Headers as sent, Host included: the client signed them (SigV4).
            upstream.putrequest(self.command, self.path, skip_host=True, skip_accept_encoding=True)
            for name, value in self.headers.items():
                if name.lower() not in HOP_BY_HOP:
                    upstream.putheader(name, value)
            if body or self.command in ("PUT", "POST"):
                upstream.putheader("Content-Length", str(len(body)))
            upstream.endheaders(body or None)
            response = upstream.getresponse()
            data = response.read()
        finally:
            upstream.close()
        if action == "drop_after":
            proxy._record(ProxiedExchange(self.command, self.path, operation, None, action))
            self._hang_up()
            return
        proxy._record(ProxiedExchange(self.command, self.path, operation, response.status, None))
        self.send_response_only(response.status, response.reason)
        for name, value in response.getheaders():
            if name.lower() not in HOP_BY_HOP:
                self.send_header(name, value)
        # A HEAD answer's Content-Length is the object's size, not this (empty) body's.
        length = response.getheader("Content-Length") if self.command == "HEAD" else str(len(data))
        self.send_header("Content-Length", length or "0")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
