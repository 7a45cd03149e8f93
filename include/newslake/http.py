"""The project's one HTTP client: polite, bounded and never raising for network trouble.

Every byte newslake downloads (feeds, sitemaps, articles) goes through
:class:`HttpClient`, so the rules for being a good citizen live in one place:

* one request start per host (``host:port``) every ``per_host_interval`` seconds,
  across the whole client, and at most ``concurrency`` requests in flight overall;
* bounded work per URL: connect/read timeouts, a wall-clock cap per request, a size cap
  on the *decompressed* body enforced while streaming, a redirect cap;
* retries with exponential backoff and full jitter for transient failures (connection
  errors, timeouts, 429 and 5xx gateway errors), honouring ``Retry-After``;
* robots.txt (RFC 9309, :mod:`newslake.robots`): fetched once per origin, its rules for our
  product token obeyed and its ``Crawl-delay`` stretching that host's spacing;
* address safety (:mod:`newslake.netguard`): before every request, redirect hops and
  retries included, the host is resolved and refused if any address is internal (SSRF).

Conditional GET is supported: pass ``If-None-Match``/``If-Modified-Since`` in ``headers``
and a ``304`` comes back as a success with an empty body (:attr:`FetchResult.not_modified`).

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
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Self

import httpcore
import httpx

from newslake.config import user_agent_problem
from newslake.netguard import (
    BLOCKED_ADDRESS,
    AddressGuard,
    BlockedAddressError,
    GuardedNetworkBackend,
    NameResolutionError,
    parse_networks,
)
from newslake.politeness import SharedHostClock
from newslake.robots import ROBOTS_MAX_BYTES, RobotsCache, RobotsPolicy, user_agent_token

__all__ = ["FetchResult", "HttpClient", "HttpSettings", "fetch_all"]

logger = logging.getLogger(__name__)

# How late a request may start and still keep its host's cadence (a share of the host's interval):
# see HttpClient._request_slot.
CADENCE_SLACK = 0.1
RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
# DNS and TLS failures are not retried: they are nearly always permanent (unknown
# domain, bad certificate) and retrying would only multiply the time lost on them.
RETRYABLE_ERRORS = frozenset({"timeout", "connect_error"})
_DEFAULT_PORTS = {"http": 80, "https": 443}
# Asking for these makes a 304 an answer ("unchanged") rather than an error.
CONDITIONAL_HEADERS = frozenset({"if-none-match", "if-modified-since"})
# Caller headers that must not follow a redirect to another origin (as browsers and httpx do).
CREDENTIAL_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie"})
ROBOTS_DISALLOWED = "robots_disallowed"
ROBOTS_UNREACHABLE = "robots_unreachable"
# Failures to reach an origin at all, as opposed to answers from it.
_NETWORK_ERRORS = frozenset({"timeout", "connect_error", "dns", "tls"})


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
    respect_robots: bool = True  # obey robots.txt rules and Crawl-delay for our product token
    # CIDR networks exempt from the address guard, e.g. ("127.0.0.0/8",) for a local test
    # server. Empty by default: no internal address is reachable unless listed here.
    allowed_networks: tuple[str, ...] = ()
    # A folder shared by every process that crawls (see newslake.politeness): request starts to
    # a host are then spaced across processes too, not only within this client. None: this
    # client only.
    politeness_dir: str | None = None

    def __post_init__(self) -> None:
        positive = ("connect_timeout", "read_timeout", "total_timeout", "max_bytes", "max_attempts", "concurrency")
        for name in positive:
            if getattr(self, name) <= 0:
                raise ValueError(f"HttpSettings.{name} must be > 0, got {getattr(self, name)!r}")
        for name in ("max_redirects", "backoff_base", "backoff_max", "per_host_interval"):
            if getattr(self, name) < 0:
                raise ValueError(f"HttpSettings.{name} must be >= 0, got {getattr(self, name)!r}")
        if (problem := user_agent_problem(self.user_agent)) is not None:
            raise ValueError(f"HttpSettings.user_agent {problem}, got {self.user_agent!r}")
        parse_networks(self.allowed_networks)  # fail at configuration time, not on the first fetch
        # A list would make the frozen settings unhashable; store what was validated.
        object.__setattr__(self, "allowed_networks", tuple(self.allowed_networks))


@dataclass(frozen=True)
class FetchResult:
    """What happened when fetching one URL. ``error`` is None exactly when it worked.

    ``error`` is one of: ``"http_<status>"``, ``"timeout"``, ``"connect_error"``,
    ``"dns"``, ``"tls"``, ``"too_large"``, ``"too_many_redirects"``, ``"bad_redirect"``,
    ``"not_allowed_content_type"``, ``"invalid_url"``, ``"decode_error"`` (a body whose
    Content-Encoding does not decode), ``"blocked_address"`` (the host resolves to an
    internal address), ``"robots_disallowed"`` (robots.txt forbids the URL to us) or
    ``"robots_unreachable"`` (the host's robots.txt answered 5xx or 429, so nothing on it
    may be crawled). When robots.txt could not be fetched at all, the URL carries that network
    error (``timeout``, ``connect_error``, ``dns``, ``tls``) with ``attempts == 0``.

    Refusals (``invalid_url``, ``blocked_address``, ``robots_*``) send nothing: on the
    requested URL they have ``attempts == 0``; on a redirect hop, ``final_url`` is the
    refused target and ``status`` is None. A ``304`` answering a conditional request is a
    success with an empty body: ``ok`` and ``not_modified`` are both True.
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
    def not_modified(self) -> bool:
        """True if the server answered a conditional request with 304: the caller's copy is current."""
        return self.error is None and self.status == 304

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

    interval: float  # min seconds between request starts; robots.txt Crawl-delay may raise it
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    next_start: float = 0.0  # event-loop clock time before which no request may start
    last_start: float | None = None  # event-loop clock time of the latest request start


@dataclass(frozen=True)
class _RequestSpec:
    """How to fetch one URL: what separates a caller's fetch from a robots.txt fetch."""

    allowed_types: frozenset[str] | None
    headers: dict[str, str]  # extra request headers from the caller
    body_limit: int
    truncate_body: bool  # keep the first body_limit bytes instead of failing with too_large
    check_robots: bool

    @property
    def conditional(self) -> bool:
        return any(name.lower() in CONDITIONAL_HEADERS for name in self.headers)


@dataclass
class _Exchange:
    """Outcome of one HTTP request (one attempt of one redirect hop), or of refusing to send it."""

    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    started_monotonic: float = field(default_factory=time.monotonic)
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    error: str | None = None
    retry_after: float | None = None  # seconds, from the Retry-After header
    attempted: bool = True  # False for a refusal by policy: nothing was tried on the network

    @property
    def retryable(self) -> bool:
        if not self.attempted:  # a refusal: trying again would be refused again
            return False
        if self.error in RETRYABLE_ERRORS:
            return True
        return self.status in RETRYABLE_STATUSES


class _TooLarge(Exception):
    """The body grew past ``max_bytes`` while streaming."""


class HttpClient:
    """Async HTTP client; use as ``async with HttpClient(settings) as client``.

    One instance should serve a whole run: the per-host politeness schedule, the
    robots.txt cache and the connection pool are shared by every :meth:`fetch` on it.
    """

    def __init__(self, settings: HttpSettings | None = None) -> None:
        self.settings = settings or HttpSettings()
        self._client: httpx.AsyncClient | None = None
        self._in_flight: asyncio.Semaphore | None = None
        self._hosts: dict[str, _HostSchedule] = {}
        self._guard = AddressGuard(self.settings.allowed_networks)
        self._shared_clock = SharedHostClock(self.settings.politeness_dir) if self.settings.politeness_dir else None
        self._robots = RobotsCache(self._load_robots)
        self._agent_token = user_agent_token(self.settings.user_agent)

    async def __aenter__(self) -> Self:
        settings = self.settings
        # The semaphore already bounds requests in flight; a pool of the same size
        # means a request holding a slot never waits for a connection.
        limits = httpx.Limits(max_connections=settings.concurrency, max_keepalive_connections=settings.concurrency)
        self._client = httpx.AsyncClient(
            transport=_GuardedTransport(self._guard, limits),
            follow_redirects=False,  # redirects are followed by hand, see _fetch()
            timeout=httpx.Timeout(
                connect=settings.connect_timeout,
                read=settings.read_timeout,
                write=settings.read_timeout,
                pool=settings.connect_timeout,
            ),
            headers={"User-Agent": settings.user_agent, "Accept-Encoding": "gzip, deflate"},
        )
        self._in_flight = asyncio.Semaphore(settings.concurrency)
        self._hosts = {}
        self._robots = RobotsCache(self._load_robots)
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def fetch(
        self, url: str, *, accept: Iterable[str] | None = None, headers: dict[str, str] | None = None
    ) -> FetchResult:
        """Fetch ``url`` (GET), following redirects and retrying transient failures.

        ``accept`` lists the allowed mime types; a successful response of another type
        gives ``error="not_allowed_content_type"`` and no body. A response without a
        Content-Type is let through: there is nothing to judge, and the caller's parser
        will reject what it cannot read.

        ``headers`` are sent with every request of this fetch, redirect hops included
        (credential headers only while the origin stays the same). With ``If-None-Match``
        or ``If-Modified-Since`` among them, a 304 is a success (``not_modified``);
        without, a 304 makes no sense and stays ``error="http_304"``.

        Before each request the host's addresses are checked (``blocked_address``), and
        before the first request to each URL of the chain its origin's robots.txt
        (``robots_disallowed``/``robots_unreachable``) unless ``respect_robots`` is off.
        """
        self._require_open()
        if isinstance(accept, str):  # a lone "text/html" would become a set of characters
            accept = (accept,)
        spec = _RequestSpec(
            allowed_types=frozenset(t.strip().lower() for t in accept) if accept is not None else None,
            headers=dict(headers or {}),
            body_limit=self.settings.max_bytes,
            truncate_body=False,
            check_robots=self.settings.respect_robots,
        )
        return await self._fetch(url, spec)

    async def robots_sitemaps(self, url: str) -> list[str]:
        """The ``Sitemap:`` URLs in the robots.txt of ``url``'s origin, in file order.

        Uses the same once-per-origin cache as :meth:`fetch` (whether or not
        ``respect_robots`` is on). An origin without a readable robots.txt, or a URL that
        is not absolute http(s), gives ``[]``.
        """
        self._require_open()
        try:
            parsed = _parse_http_url(url)
        except ValueError:
            return []
        return (await self._robots.policy_for(parsed)).sitemaps

    def _require_open(self) -> None:
        if self._client is None:
            raise RuntimeError("HttpClient is not open: use `async with HttpClient(...) as client`")

    async def _fetch(self, url: str, spec: _RequestSpec) -> FetchResult:
        """Fetch ``url`` as ``spec`` says: the redirect, retry and refusal logic of :meth:`fetch`."""
        try:
            current = _parse_http_url(url)
        except ValueError:
            now = datetime.now(UTC)
            return FetchResult(url, url, None, {}, b"", "invalid_url", 0, now, 0)

        headers = spec.headers
        # attempts = 1 + retries, as before; 0 only if the very first request was refused.
        attempts = 0
        redirects = 0
        first_start: float | None = None
        new_hop = True
        while True:
            exchange = await self._refusal(current, check_robots=spec.check_robots and new_hop)
            new_hop = False
            if exchange is None:
                exchange = await self._exchange(current, spec, headers)
            if exchange.attempted and attempts == 0:
                attempts = 1
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
                    if _origin(target) != _origin(current):
                        headers = {k: v for k, v in headers.items() if k.lower() not in CREDENTIAL_HEADERS}
                    current = target
                    new_hop = True
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

    async def _refusal(self, url: httpx.URL, *, check_robots: bool) -> _Exchange | None:
        """An exchange saying why no request may be sent to ``url``, or None if one may.

        The address comes first, so that a blocked host is not sent a robots.txt request
        either (and is reported as blocked, not as having an unreachable robots.txt).
        """
        exchange = _Exchange()
        reason = await self._guard.refusal(
            url.raw_host.decode("ascii"), url.port or _DEFAULT_PORTS[url.scheme], timeout=self.settings.connect_timeout
        )
        if reason is not None:
            # A failed lookup is a failed try, as it was when httpx did the lookup itself
            # (and a timed-out one is retried like any timeout); a blocked address is a refusal.
            exchange.error = reason
            exchange.attempted = reason != BLOCKED_ADDRESS
            logger.debug("%s for %s", reason, url)
            return exchange
        if check_robots:
            policy = await self._robots.policy_for(url)
            if not policy.allows(str(url), self._agent_token):
                if policy.reachable:
                    exchange.error = ROBOTS_DISALLOWED
                elif policy.source in _NETWORK_ERRORS:
                    # robots.txt could not even be fetched: the origin itself is out of reach, and
                    # how (tls, dns, connect_error, timeout) is what the operator needs to know.
                    exchange.error = policy.source
                else:
                    exchange.error = ROBOTS_UNREACHABLE
                exchange.attempted = False
                logger.debug("%s for %s (robots.txt: %s)", exchange.error, url, policy.source)
                return exchange
        return None

    async def _load_robots(self, url: str) -> RobotsPolicy:
        """Fetch and interpret one robots.txt; applies its Crawl-delay to the host."""
        spec = _RequestSpec(
            allowed_types=None,  # robots.txt is often served as text/html; parse it anyway
            headers={},
            body_limit=ROBOTS_MAX_BYTES + 1,  # one byte more tells the parser the file was cut
            truncate_body=True,
            check_robots=False,
        )
        result = await self._fetch(url, spec)
        policy = RobotsPolicy.from_fetch(result.status, result.error, result.body)
        crawl_delay = policy.crawl_delay(self._agent_token)
        if self.settings.respect_robots and crawl_delay is not None:
            self._stretch_host_interval(_host_key(httpx.URL(url)), crawl_delay)
        return policy

    async def _exchange(self, url: httpx.URL, spec: _RequestSpec, headers: dict[str, str]) -> _Exchange:
        """Send one GET and read its body within the limits; never raises for I/O."""
        assert self._client is not None
        async with self._request_slot(_host_key(url)):
            exchange = _Exchange()
            try:
                # read_timeout bounds each silence; this bounds a server trickling bytes.
                async with asyncio.timeout(self.settings.total_timeout):
                    async with self._client.stream("GET", url, headers=headers) as response:
                        exchange.status = response.status_code
                        exchange.headers = {name.lower(): value for name, value in response.headers.items()}
                        if response.status_code in REDIRECT_STATUSES:
                            return exchange
                        if response.status_code == 304 and spec.conditional:
                            return exchange  # "your copy is current": a success without a body
                        if not 200 <= response.status_code < 300:
                            exchange.error = f"http_{response.status_code}"
                            exchange.retry_after = _parse_retry_after(exchange.headers.get("retry-after"))
                            return exchange
                        mime_type = _mime_type(exchange.headers.get("content-type"))
                        if spec.allowed_types is not None and mime_type is not None and mime_type not in spec.allowed_types:
                            exchange.error = "not_allowed_content_type"
                            return exchange
                        exchange.body = await self._read_body(response, spec.body_limit, truncate=spec.truncate_body)
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

    async def _read_body(self, response: httpx.Response, limit: int, *, truncate: bool = False) -> bytes:
        """Read the decompressed body, stopping as soon as it exceeds ``limit`` bytes.

        Past the limit the body is cut to ``limit`` bytes if ``truncate``, else refused
        (``_TooLarge``). httpx decompresses each network chunk in one go, so a hostile
        gzip stream can briefly hold one chunk's expansion (bounded by deflate's ~1000:1
        ratio on a 64 KiB read) before the cap is checked; after that nothing more is read.
        """
        declared = response.headers.get("content-length", "")
        # Without Content-Encoding the declared length is the body length: refuse early.
        if not truncate and "content-encoding" not in response.headers and declared.isdigit() and int(declared) > limit:
            raise _TooLarge
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.aiter_bytes():
            if size + len(chunk) > limit:
                if not truncate:
                    raise _TooLarge
                chunks.append(chunk[: limit - size])
                break
            size += len(chunk)
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
        schedule = self._host_schedule(host_key)
        loop = asyncio.get_running_loop()
        async with schedule.lock:
            shared_start = None
            if self._shared_clock is not None:
                # Other processes crawl this host too: take our turn in the shared schedule, not
                # before our own next start. Reserved before waiting, so the file lock's thread
                # hop overlaps the wait instead of making every start late.
                reserved = await asyncio.to_thread(
                    self._shared_clock.reserve, host_key, schedule.interval,
                    not_before=time.time() + (schedule.next_start - loop.time()), slack=CADENCE_SLACK * schedule.interval,
                )
                shared_start = loop.time() + (reserved - time.time())
            # A loop, because a Retry-After or a Crawl-delay may push next_start while we sleep.
            while (wait := max(schedule.next_start, shared_start or 0.0) - loop.time()) > 0:
                await asyncio.sleep(wait)
            await self._in_flight.acquire()
            started = loop.time()
            # Starts keep to a cadence: a start a little late (the event loop's wake-up, the
            # shared clock's thread hop) does not push every later start back by as much, which
            # cost a tenth of the allowed rate at 10 ms intervals. Two starts are still never
            # closer than (1 - CADENCE_SLACK) × interval within this client (across processes, as long
            # as each starts within the slack of its shared slot); a later start restarts the cadence.
            late = started - schedule.next_start
            cadence = schedule.next_start if 0 <= late <= CADENCE_SLACK * schedule.interval else started
            schedule.last_start = started
            schedule.next_start = cadence + schedule.interval
        try:
            yield
        finally:
            self._in_flight.release()

    def _host_schedule(self, host_key: str) -> _HostSchedule:
        if (schedule := self._hosts.get(host_key)) is None:
            schedule = self._hosts[host_key] = _HostSchedule(interval=self.settings.per_host_interval)
        return schedule

    def _defer_host(self, host_key: str, delay: float) -> None:
        schedule = self._host_schedule(host_key)
        schedule.next_start = max(schedule.next_start, asyncio.get_running_loop().time() + delay)
        if self._shared_clock is not None:
            self._shared_clock.defer(host_key, time.time() + delay)

    def _stretch_host_interval(self, host_key: str, crawl_delay: float) -> None:
        """Space this host's request starts by at least ``crawl_delay`` from now on."""
        schedule = self._host_schedule(host_key)
        if crawl_delay <= schedule.interval:
            return
        schedule.interval = crawl_delay
        # The robots.txt request itself was the latest start: the next one waits the
        # longer interval counted from it.
        if schedule.last_start is not None:
            schedule.next_start = max(schedule.next_start, schedule.last_start + crawl_delay)

    def _retry_delay(self, attempt: int, retry_after: float | None) -> float:
        """Seconds to wait before the next attempt after ``attempt`` failed."""
        settings = self.settings
        if retry_after is not None:
            return min(retry_after, settings.backoff_max)
        # "Full jitter": spreads the retries of many clients instead of synchronising them.
        ceiling = min(settings.backoff_max, settings.backoff_base * 2 ** (attempt - 1))
        return random.uniform(0, ceiling)


class _GuardedTransport(httpx.AsyncHTTPTransport):
    """httpx's own transport, whose connections are opened by a :class:`GuardedNetworkBackend`.

    httpx takes no network backend as a parameter; its connection pool (``_pool``, a plain
    httpcore pool built the same way) is the one place it can go. httpx is pinned, and
    tests/test_netguard.py's rebinding test fails if this ever stops taking effect.
    """

    def __init__(self, guard: AddressGuard, limits: httpx.Limits) -> None:
        super().__init__(limits=limits)
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=GuardedNetworkBackend(guard),
        )


def fetch_all(
    urls: list[str],
    settings: HttpSettings | None = None,
    *,
    accept: Iterable[str] | None = None,
    on_result: Callable[[FetchResult], None] | None = None,
    keep_bodies: bool = True,
) -> list[FetchResult]:
    """Fetch ``urls`` concurrently with one client; results are in input order.

    ``on_result`` is called with each result as soon as it is complete (in completion order, in
    the event loop: it must be quick), so the caller can start working on a page while the others
    are still being fetched. With ``keep_bodies=False`` the results returned have an empty body
    (``on_result`` had it): a day's pages are then not all held in memory at once.

    Synchronous wrapper around :meth:`HttpClient.fetch` (uses ``asyncio.run``, so it
    cannot be called from inside a running event loop).
    """
    accept = tuple(accept) if accept is not None else None

    async def fetch_everything() -> list[FetchResult]:
        async with HttpClient(settings) as client:

            async def fetch_one(url: str) -> FetchResult:
                result = await client.fetch(url, accept=accept)
                if on_result is not None:
                    on_result(result)
                return result if keep_bodies else replace(result, body=b"")

            return list(await asyncio.gather(*(fetch_one(url) for url in urls)))

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


def _origin(url: httpx.URL) -> tuple[str, str, int]:
    return url.scheme, url.host, url.port or _DEFAULT_PORTS[url.scheme]


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
    """Name a transport failure by its root cause: ``blocked_address``, ``dns``, ``tls`` or ``connect_error``."""
    seen: set[int] = set()
    cause: BaseException | None = exc
    while cause is not None and id(cause) not in seen:
        seen.add(id(cause))
        if isinstance(cause, BlockedAddressError):
            return BLOCKED_ADDRESS
        if isinstance(cause, socket.gaierror | NameResolutionError):
            return "dns"
        if isinstance(cause, ssl.SSLError):
            return "tls"
        cause = cause.__cause__ or cause.__context__
    return "connect_error"
