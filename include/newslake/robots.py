"""robots.txt (RFC 9309) for :class:`~newslake.http.HttpClient`: what one host lets us crawl.

The client fetches a host's ``/robots.txt`` once per origin (scheme, host, port) and keeps
the resulting :class:`RobotsPolicy` for its whole life, so a daily run asks each site once.
How a fetch outcome becomes a policy follows RFC 9309 section 2.3.1:

* 2xx: the rules of the file (parsed by ``protego``), read up to :data:`ROBOTS_MAX_BYTES`;
* 4xx ("unavailable"), and a redirect chain too long to follow: no rules, crawl anything;
* 5xx, network errors and anything else ("unreachable"): crawl nothing on that origin,
  because a server that cannot say what is allowed may be one that is struggling.

A 429 counts as unreachable, not unavailable: it is the server asking us to slow down, and
treating it as "no robots.txt, crawl everything" would do the opposite (Google does the same).
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import httpx
from protego import Protego

__all__ = [
    "MAX_CRAWL_DELAY",
    "ROBOTS_MAX_BYTES",
    "RobotsCache",
    "RobotsPolicy",
    "robots_url",
    "user_agent_token",
]

logger = logging.getLogger(__name__)

# RFC 9309 2.5: crawlers must parse at least 500 KiB; what follows is ignored, not an error.
ROBOTS_MAX_BYTES = 500 * 1024
# A Crawl-delay above this would starve a daily run (at 60 s, a host gives 1440 pages a day).
MAX_CRAWL_DELAY = 60.0

_PRODUCT_TOKEN = re.compile(r"[A-Za-z_-]+")  # RFC 9309 2.2.1: the product token's alphabet


def user_agent_token(user_agent: str) -> str:
    """The product token robots.txt groups are matched against: ``"newslake/0.1 (+url)"`` -> ``"newslake"``.

    Falls back to ``"*"`` (only the catch-all group applies) if the user agent does not
    start with a valid token.
    """
    match = _PRODUCT_TOKEN.match(user_agent.strip())
    return match.group(0) if match else "*"


def robots_url(url: httpx.URL) -> str:
    """The robots.txt URL governing ``url``: same scheme, host and port, no userinfo."""
    return str(httpx.URL(scheme=url.scheme, host=url.host, port=url.port, path="/robots.txt"))


@dataclass(frozen=True)
class RobotsPolicy:
    """What one origin's robots.txt allows. Build with :meth:`from_fetch`."""

    rules: Protego | None  # None: no rules, so ``reachable`` alone decides
    reachable: bool  # False: the file could not be obtained, so nothing may be crawled
    source: str  # how the policy came about, for logs: "http_200", "http_404", "timeout", ...

    @classmethod
    def from_fetch(cls, status: int | None, error: str | None, body: bytes) -> RobotsPolicy:
        """The policy for a robots.txt fetch that ended with ``status``/``error``/``body``."""
        if error is None and status is not None and 200 <= status < 300:
            return cls(rules=_parse(body), reachable=True, source=f"http_{status}")
        if error == "too_many_redirects" or (status is not None and 400 <= status < 500 and status != 429):
            return cls(rules=None, reachable=True, source=error or f"http_{status}")
        return cls(rules=None, reachable=False, source=error or f"http_{status}")

    def allows(self, url: str, agent_token: str) -> bool:
        if not self.reachable:
            return False
        return self.rules is None or self.rules.can_fetch(url, agent_token)

    def crawl_delay(self, agent_token: str) -> float | None:
        """Seconds between requests the file asks of ``agent_token``, capped at :data:`MAX_CRAWL_DELAY`."""
        delay = self.rules.crawl_delay(agent_token) if self.rules is not None else None
        if delay is None or not delay > 0:
            return None
        return min(delay, MAX_CRAWL_DELAY)

    @property
    def sitemaps(self) -> list[str]:
        """The ``Sitemap:`` URLs of the file, in file order (they apply to every user agent)."""
        return list(self.rules.sitemaps) if self.rules is not None else []


def _parse(body: bytes) -> Protego:
    """Parse a robots.txt body; RFC 9309 files are UTF-8, a leading BOM is dropped.

    A body longer than :data:`ROBOTS_MAX_BYTES` (the fetcher reads one byte more than the
    cap to signal it) is cut at the cap, and the line the cut went through is dropped so
    that a truncated rule ("Disallow: /private" -> "Disallow: /pri") does not take effect.
    """
    if len(body) > ROBOTS_MAX_BYTES:
        body = body[:ROBOTS_MAX_BYTES].rpartition(b"\n")[0]
    return Protego.parse(body.decode("utf-8-sig", errors="replace"))


@dataclass
class RobotsCache:
    """Remembers one :class:`RobotsPolicy` per robots.txt URL, loading each exactly once.

    ``load`` fetches and interprets one robots.txt URL. Callers asking for an origin whose
    file is being loaded wait for that load instead of starting another one.
    """

    load: Callable[[str], Awaitable[RobotsPolicy]]
    _policies: dict[str, RobotsPolicy] = field(default_factory=dict)
    _loading: dict[str, asyncio.Lock] = field(default_factory=dict)

    async def policy_for(self, url: httpx.URL) -> RobotsPolicy:
        key = robots_url(url)
        if (policy := self._policies.get(key)) is not None:
            return policy
        # A lock per origin rather than a shared task: if the first caller is cancelled,
        # the next one simply takes the lock and loads the file itself.
        async with self._loading.setdefault(key, asyncio.Lock()):
            if (policy := self._policies.get(key)) is None:
                policy = await self.load(key)
                if not policy.reachable:
                    logger.warning("robots.txt %s unreachable (%s): crawling nothing there", key, policy.source)
                self._policies[key] = policy
            return policy
