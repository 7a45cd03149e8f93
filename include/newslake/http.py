"""The project's one HTTP client: polite, bounded and never raising for network trouble.

Every byte newslake downloads (feeds, sitemaps, articles) goes through
:class:`HttpClient`, so the rules for being a good citizen live in one place:

* one request start per host (``host:port``) every ``per_host_interval`` seconds,
  across the whole client, and at most ``concurrency`` requests in flight overall;
* bounded work per URL: connect/read timeouts, a wall-clock cap per request, a size cap
  on the *decompressed* body enforced while streaming, a redirect cap;
* retries with exponential backoff and full jitter for transient failures (connection
  errors, timeouts, 429 and 5xx gateway errors), honouring ``Retry-After``.

Network and HTTP problems never raise: each URL yields a :class:`FetchResult` whose
``error`` names the reason, so one bad URL cannot fail a whole daily batch. Programming
errors (using a closed client, bad settings) do raise.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import logging
import random
import socket
import ssl
import time
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Self

import httpx

__all__ = ["FetchResult", "HttpClient", "HttpSettings", "fetch_all"]

logger = logging.getLogger(__name__)

RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
# DNS and TLS failures are not retried: they are nearly always permanent (unknown
# domain, bad certificate) and retrying would only multiply the time lost on them.
RETRYABLE_ERRORS = frozenset({"timeout", "connect_error"})
_DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True)
class HttpSettings:
    """Tuning for :class:`HttpClient`; the defaults suit a daily news crawl."""

    user_agent: str = "newslake/0.1 (+https://github.com/newslake/newslake)"
    connect_timeout: float = 10.0
    read_timeout: float = 20.0  # longest silence while waiting for bytes
    total_timeout: float = 60.0  # wall-clock cap for one request, body included
    max_bytes: int = 10 * 1024 * 1024  # decompressed body size cap
    max_redirects: int = 5
    max_attempts: int = 3  # tries per URL, the first one included
    backoff_base: float = 0.5
    backoff_max: float = 30.0  # also caps an honoured Retry-After
    per_host_interval: float = 1.0  # min seconds between request starts to one host
    concurrency: int = 8  # requests in flight across all hosts

    def __post_init__(self) -> None:
        positive = ("connect_timeout", "read_timeout", "total_timeout", "max_bytes", "max_attempts", "concurrency")
        for name in positive:
            if getattr(self, name) <= 0:
                raise ValueError(f"HttpSettings.{name} must be > 0, got {getattr(self, name)!r}")
        for name in ("max_redirects", "backoff_base", "backoff_max", "per_host_interval"):
            if getattr(self, name) < 0:
                raise ValueError(f"HttpSettings.{name} must be >= 0, got {getattr(self, name)!r}")


@dataclass(frozen=True)
class FetchResult:
    """What happened when fetching one URL. ``error`` is None exactly when it worked.

    ``error`` is one of: ``"http_<status>"``, ``"timeout"``, ``"connect_error"``,
    ``"dns"``, ``"tls"``, ``"too_large"``, ``"too_many_redirects"``, ``"bad_redirect"``,
    ``"not_allowed_content_type"``, ``"invalid_url"``, ``"decode_error"`` (a body whose
    Content-Encoding does not decode).
    """

    url: str  # as requested
    final_url: str  # after redirects
    status: int | None  # of the final response; None if none was received
    headers: dict[str, str]  # of the final response, lower-case names
    body: bytes  # decompressed; b"" on error
    error: str | None
    attempts: int  # tries made (1 + retries); redirect hops are not extra attempts
    fetched_at: datetime  # UTC, when the final request started
    elapsed_ms: int  # from the first request start to the result, retries included

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def content_type(self) -> str | None:
        """Mime type of the body without parameters, lower-case."""
        return _mime_type(self.headers.get("content-type"))

    @property
    def charset(self) -> str | None:
        """The ``charset`` parameter of Content-Type, lower-case, if the server sent one."""
        header = self.headers.get("content-type")
        if not header:
            return None
        for parameter in header.split(";")[1:]:
            name, _, value = parameter.partition("=")
            if name.strip().lower() == "charset":
                return value.strip().strip("\"'").lower() or None
        return None


@dataclass
class _HostSchedule:
    """Politeness state of one ``host:port``: starts are serialised by ``lock``."""

    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    next_start: float = 0.0  # event-loop clock time before which no request may start


@dataclass
class _Exchange:
    """Outcome of one HTTP request (one attempt of one redirect hop)."""

    started_at: datetime
    started_monotonic: float
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    error: str | None = None
    retry_after: float | None = None  # seconds, from the Retry-After header

    @property
    def retryable(self) -> bool:
        if self.error in RETRYABLE_ERRORS:
            return True
        return self.status in RETRYABLE_STATUSES


class _TooLarge(Exception):
    """The body grew past ``max_bytes`` while streaming."""


class HttpClient:
    """Async HTTP client; use as ``async with HttpClient(settings) as client``.

    One instance should serve a whole run: the per-host politeness schedule and the
    connection pool are shared by every :meth:`fetch` on it.
    """

    def __init__(self, settings: HttpSettings | None = None) -> None:
        self.settings = settings or HttpSettings()
        self._client: httpx.AsyncClient | None = None
        self._in_flight: asyncio.Semaphore | None = None
        self._hosts: dict[str, _HostSchedule] = {}

    async def __aenter__(self) -> Self:
        settings = self.settings
        self._client = httpx.AsyncClient(
            follow_redirects=False,  # redirects are followed by hand, see fetch()
            timeout=httpx.Timeout(
                connect=settings.connect_timeout,
                read=settings.read_timeout,
                write=settings.read_timeout,
                pool=settings.connect_timeout,
            ),
            # The semaphore already bounds requests in flight; a pool of the same size
            # means a request holding a slot never waits for a connection.
            limits=httpx.Limits(
                max_connections=settings.concurrency,
                max_keepalive_connections=settings.concurrency,
            ),
            headers={"User-Agent": settings.user_agent, "Accept-Encoding": "gzip, deflate"},
        )
        self._in_flight = asyncio.Semaphore(settings.concurrency)
        self._hosts = {}
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def fetch(self, url: str, *, accept: Iterable[str] | None = None) -> FetchResult:
        """Fetch ``url`` (GET), following redirects and retrying transient failures.

        ``accept`` lists the allowed mime types; a successful response of another type
        gives ``error="not_allowed_content_type"`` and no body. A response without a
        Content-Type is let through: there is nothing to judge, and the caller's parser
        will reject what it cannot read.
        """
        if self._client is None:
            raise RuntimeError("HttpClient is not open: use `async with HttpClient(...) as client`")
        if isinstance(accept, str):  # a lone "text/html" would become a set of characters
            accept = (accept,)
        allowed_types = frozenset(t.strip().lower() for t in accept) if accept is not None else None
        try:
            current = _parse_http_url(url)
        except ValueError:
            now = datetime.now(UTC)
            return FetchResult(url, url, None, {}, b"", "invalid_url", 0, now, 0)

        attempts = 1
        redirects = 0
        first_start: float | None = None
        while True:
            exchange = await self._exchange(current, allowed_types)
            if first_start is None:
                first_start = exchange.started_monotonic

            if exchange.retryable and attempts < self.settings.max_attempts:
                delay = self._retry_delay(attempts, exchange.retry_after)
                if exchange.retry_after is not None:
                    # The server asked the whole host to slow down, not just this URL.
                    self._defer_host(_host_key(current), delay)
                logger.info(
                    "retrying %s after %s (attempt %d/%d) in %.2fs",
                    current, exchange.error, attempts, self.settings.max_attempts, delay,
                )
                await asyncio.sleep(delay)
                attempts += 1
                continue

            if exchange.error is None and exchange.status in REDIRECT_STATUSES:
                target = _redirect_target(current, exchange.headers.get("location"))
                if target is None:
                    exchange.error = "bad_redirect"
                elif redirects < self.settings.max_redirects:
                    # A loop is not detected as such: A -> B -> A can be legitimate
                    # (B sets a cookie); the hop cap ends real loops.
                    redirects += 1
                    current = target
                    continue
                else:
                    exchange.error = "too_many_redirects"

            return FetchResult(
                url=url,
                final_url=str(current),
                status=exchange.status,
                headers=exchange.headers,
                body=exchange.body if exchange.error is None else b"",
                error=exchange.error,
                attempts=attempts,
                fetched_at=exchange.started_at,
                elapsed_ms=round((time.monotonic() - first_start) * 1000),
            )

    async def _exchange(self, url: httpx.URL, allowed_types: frozenset[str] | None) -> _Exchange:
        """Send one GET and read its body within the limits; never raises for I/O."""
        assert self._client is not None
        async with self._request_slot(_host_key(url)):
            exchange = _Exchange(started_at=datetime.now(UTC), started_monotonic=time.monotonic())
            try:
                # read_timeout bounds each silence; this bounds a server trickling bytes.
                async with asyncio.timeout(self.settings.total_timeout):
                    async with self._client.stream("GET", url) as response:
                        exchange.status = response.status_code
                        exchange.headers = {name.lower(): value for name, value in response.headers.items()}
                        if response.status_code in REDIRECT_STATUSES:
                            return exchange
                        if not 200 <= response.status_code < 300:
                            exchange.error = f"http_{response.status_code}"
                            exchange.retry_after = _parse_retry_after(exchange.headers.get("retry-after"))
                            return exchange
                        mime_type = _mime_type(exchange.headers.get("content-type"))
                        if allowed_types is not None and mime_type is not None and mime_type not in allowed_types:
                            exchange.error = "not_allowed_content_type"
                            return exchange
                        exchange.body = await self._read_body(response)
            except _TooLarge:
                exchange.error = "too_large"
            except (TimeoutError, httpx.TimeoutException):
                exchange.error = "timeout"
            except httpx.DecodingError:
                exchange.error = "decode_error"
            except (httpx.InvalidURL, httpx.UnsupportedProtocol):
                exchange.error = "invalid_url"
            except httpx.TransportError as exc:
                exchange.error = _classify_transport_error(exc)
                logger.debug("%s on %s: %r", exchange.error, url, exc)
            return exchange

    async def _read_body(self, response: httpx.Response) -> bytes:
        """Read the decompressed body, stopping as soon as it exceeds ``max_bytes``.

        httpx decompresses each network chunk in one go, so a hostile gzip stream can
        briefly hold one chunk's expansion (bounded by deflate's ~1000:1 ratio on a
        64 KiB read) before the cap is checked; after that nothing more is read.
        """
        limit = self.settings.max_bytes
        declared = response.headers.get("content-length", "")
        # Without Content-Encoding the declared length is the body length: refuse early.
        if "content-encoding" not in response.headers and declared.isdigit() and int(declared) > limit:
            raise _TooLarge
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > limit:
                raise _TooLarge
            chunks.append(chunk)
        return b"".join(chunks)

    @contextlib.asynccontextmanager
    async def _request_slot(self, host_key: str) -> AsyncIterator[None]:
        """Wait for this host's next start time, then hold one of the in-flight slots.

        The host lock is taken *before* the in-flight semaphore so that requests queued
        behind a slow-to-open host do not sit on slots other hosts could use; the
        host's next start time is set only once the request is really about to start.
        """
        assert self._in_flight is not None
        schedule = self._hosts.setdefault(host_key, _HostSchedule())
        loop = asyncio.get_running_loop()
        async with schedule.lock:
            # A loop, because a Retry-After may push next_start while we sleep.
            while (wait := schedule.next_start - loop.time()) > 0:
                await asyncio.sleep(wait)
            await self._in_flight.acquire()
            schedule.next_start = loop.time() + self.settings.per_host_interval
        try:
            yield
        finally:
            self._in_flight.release()

    def _defer_host(self, host_key: str, delay: float) -> None:
        schedule = self._hosts.setdefault(host_key, _HostSchedule())
        schedule.next_start = max(schedule.next_start, asyncio.get_running_loop().time() + delay)

    def _retry_delay(self, attempt: int, retry_after: float | None) -> float:
        """Seconds to wait before the next attempt after ``attempt`` failed."""
        settings = self.settings
        if retry_after is not None:
            return min(retry_after, settings.backoff_max)
        # "Full jitter": spreads the retries of many clients instead of synchronising them.
        ceiling = min(settings.backoff_max, settings.backoff_base * 2 ** (attempt - 1))
        return random.uniform(0, ceiling)


def fetch_all(
    urls: list[str], settings: HttpSettings | None = None, *, accept: Iterable[str] | None = None
) -> list[FetchResult]:
    """Fetch ``urls`` concurrently with one client; results are in input order.

    Synchronous wrapper around :meth:`HttpClient.fetch` (uses ``asyncio.run``, so it
    cannot be called from inside a running event loop).
    """
    accept = tuple(accept) if accept is not None else None

    async def fetch_everything() -> list[FetchResult]:
        async with HttpClient(settings) as client:
            return list(await asyncio.gather(*(client.fetch(url, accept=accept) for url in urls)))

    return asyncio.run(fetch_everything())


def _parse_http_url(url: str | httpx.URL) -> httpx.URL:
    """Parse with httpx (the parser that will send it); ``ValueError`` unless http(s) with a host."""
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError) as exc:
        raise ValueError(f"invalid URL {url!r}: {exc}") from None
    if parsed.scheme not in _DEFAULT_PORTS or not parsed.host:
        raise ValueError(f"not an absolute http(s) URL: {url!r}")
    return parsed


def _redirect_target(current: httpx.URL, location: str | None) -> httpx.URL | None:
    """Absolute URL a redirect points to, or None if missing or not http(s)."""
    if not location or not location.strip():
        return None
    try:
        return _parse_http_url(current.join(location.strip()))
    except (ValueError, httpx.InvalidURL):
        return None


def _host_key(url: httpx.URL) -> str:
    """``host:port``: the unit of politeness (two ports may be two different servers)."""
    return f"{url.host}:{url.port or _DEFAULT_PORTS[url.scheme]}"


def _mime_type(content_type: str | None) -> str | None:
    if not content_type:
        return None
    return content_type.split(";", 1)[0].strip().lower() or None


def _parse_retry_after(value: str | None) -> float | None:
    """Retry-After as seconds from now: either delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:  # HTTP dates are GMT by definition
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _classify_transport_error(exc: BaseException) -> str:
    """Name a transport failure by its root cause: ``dns``, ``tls`` or ``connect_error``."""
    seen: set[int] = set()
    cause: BaseException | None = exc
    while cause is not None and id(cause) not in seen:
        seen.add(id(cause))
        if isinstance(cause, socket.gaierror):
            return "dns"
        if isinstance(cause, ssl.SSLError):
            return "tls"
        cause = cause.__cause__ or cause.__context__
    return "connect_error"
