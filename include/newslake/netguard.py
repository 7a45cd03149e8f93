"""Address safety for outgoing requests: never let a fetched URL reach an internal address.

newslake fetches URLs it did not choose (feed items, sitemap entries, redirect targets), so
a hostile or broken source could point it at ``http://169.254.169.254/`` (cloud metadata),
``http://localhost:8080/`` (the Airflow webserver) or anything else on the private network
(server-side request forgery, SSRF). :class:`AddressGuard` resolves a URL's host before
each request and refuses it if *any* resolved address is not a public unicast address,
unless that address lies inside an explicitly allowed network.

DNS rebinding (a name that resolves to a public address when checked and to an internal
one when connected, TTL 0) is closed by :class:`GuardedNetworkBackend`: httpx's connections
are opened by it, and it resolves the name itself, judges every address and dials one of
the very addresses it judged. The check before each request (:meth:`AddressGuard.refusal`)
stays, so that a blocked host is refused before its robots.txt is asked for.

With an HTTP proxy configured (httpx honours ``HTTPS_PROXY``), the guard still judges the
target host by local DNS; the proxy itself is not checked, being the operator's choice.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Iterable

import httpcore

# The allowlist is a setting: parsed with the other settings (newslake.config), so that checking
# them needs no HTTP library; used here.
from newslake.config import parse_networks

__all__ = ["BLOCKED_ADDRESS", "AddressGuard", "BlockedAddressError", "GuardedNetworkBackend", "NameResolutionError", "is_forbidden_address", "parse_networks"]

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

BLOCKED_ADDRESS = "blocked_address"
DNS_FAILURE = "dns"
DNS_TIMEOUT = "timeout"  # the same reason httpx gives a slow lookup, so it is retried the same way

# NAT64 (RFC 6052) maps the whole IPv4 space into this prefix; on an IPv6-only network with
# DNS64, every IPv4 site resolves to it, so the embedded IPv4 address is what must be judged.
_NAT64_PREFIX = ipaddress.IPv6Network("64:ff9b::/96")


def embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address stands for (IPv4-mapped, 6to4, NAT64), if any."""
    if isinstance(address, ipaddress.IPv4Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in _NAT64_PREFIX:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def is_forbidden_address(address: IPAddress) -> bool:
    """True unless ``address`` is a public unicast address.

    Forbidden: private, loopback, link-local, multicast, reserved and unspecified addresses,
    anything else Python does not consider globally reachable (shared 100.64.0.0/10,
    documentation and benchmarking ranges), and IPv6 forms that embed such an IPv4 address.
    """
    embedded = embedded_ipv4(address)
    if embedded is not None:
        # Judge what the packet will really reach: ::ffff:127.0.0.1 is 127.0.0.1. (The
        # IPv6 prefixes themselves sit in ranges Python calls reserved, so they would all be
        # refused otherwise, including every site on a NAT64 network.)
        return is_forbidden_address(embedded)
    return (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or not address.is_global
    )


class AddressGuard:
    """Decides whether a host may be contacted; see the module docstring."""

    def __init__(self, allowed_networks: Iterable[str] = ()) -> None:
        self.allowed_networks = parse_networks(allowed_networks)

    def permits(self, address: IPAddress) -> bool:
        """True if ``address`` is public or inside an allowed network."""
        if not is_forbidden_address(address):
            return True
        candidates = [address]
        embedded = embedded_ipv4(address)
        if embedded is not None:  # an allowed 127.0.0.0/8 also allows ::ffff:127.0.0.1
            candidates.append(embedded)
        return any(
            candidate.version == network.version and candidate in network
            for candidate in candidates
            for network in self.allowed_networks
        )

    async def refusal(self, host: str, port: int, *, timeout: float) -> str | None:
        """Why ``host`` must not be contacted, or None if every address it resolves to is permitted.

        ``host`` is the ASCII (IDNA-encoded) host of a URL, without brackets for IPv6. The
        reason is ``"blocked_address"``, ``"dns"`` (no such name) or ``"timeout"`` (the
        lookup took longer than ``timeout`` seconds).
        """
        reason, _addresses = await self.checked_addresses(host, port, timeout=timeout)
        return reason

    async def checked_addresses(self, host: str, port: int, *, timeout: float) -> tuple[str | None, list[IPAddress]]:
        """``(None, addresses)`` if every address ``host`` resolves to is permitted, else ``(reason, [])``."""
        try:
            addresses = [ipaddress.ip_address(host)]  # a literal address needs no lookup
        except ValueError:
            try:
                addresses = await _resolve(host, port, timeout)
            except TimeoutError:
                return DNS_TIMEOUT, []
            except (OSError, UnicodeError):  # socket.gaierror is an OSError
                return DNS_FAILURE, []
            if not addresses:
                return DNS_FAILURE, []
        # ANY, not all: the connection may use whichever address comes first, and a name
        # listing one public and one internal address is exactly what an attacker would serve.
        if all(self.permits(address) for address in addresses):
            return None, addresses
        return BLOCKED_ADDRESS, []


# Dedicated types, because httpcore's pool re-raises with ``from None``, which drops any chained cause.
class BlockedAddressError(httpcore.ConnectError):
    """The name resolved, at connection time, to an address the guard refuses."""


class NameResolutionError(httpcore.ConnectError):
    """The name did not resolve at connection time."""


class GuardedNetworkBackend(httpcore.AsyncNetworkBackend):
    """httpcore network backend that dials only addresses the guard has just judged.

    httpcore hands ``connect_tcp`` the URL's host name; left to itself it would resolve the
    name again, and a rebinding DNS server could answer with an internal address the second
    time. Here the lookup, the judgement and the connection use one and the same answer;
    TLS still verifies the certificate against the host name (httpcore passes the URL's host
    as ``server_hostname``), so pinning the address changes nothing else.
    """

    def __init__(self, guard: AddressGuard, backend: httpcore.AsyncNetworkBackend | None = None) -> None:
        self._guard = guard
        self._backend = backend or httpcore.AnyIOBackend()

    async def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        reason, addresses = await self._guard.checked_addresses(host, port, timeout=timeout or _DEFAULT_LOOKUP_TIMEOUT)
        if reason == BLOCKED_ADDRESS:
            raise BlockedAddressError(f"{host} resolves to an address outside the allowed networks")
        if reason == DNS_TIMEOUT:
            raise httpcore.ConnectTimeout(f"looking up {host} timed out")
        if reason is not None:
            raise NameResolutionError(f"cannot resolve {host}")
        failure: Exception | None = None
        for address in addresses:  # in the resolver's order, as a plain connect would try them
            try:
                return await self._backend.connect_tcp(
                    str(address), port, timeout=timeout, local_address=local_address, socket_options=socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc
        assert failure is not None
        raise failure

    async def connect_unix_socket(self, path, timeout=None, socket_options=None):
        raise httpcore.ConnectError("unix sockets are never used for fetching")

    async def sleep(self, seconds: float) -> None:
        await self._backend.sleep(seconds)


_DEFAULT_LOOKUP_TIMEOUT = 10.0


async def _resolve(host: str, port: int, timeout: float) -> list[IPAddress]:
    """Every address ``host`` resolves to, as the connection would see it (getaddrinfo)."""
    loop = asyncio.get_running_loop()
    async with asyncio.timeout(timeout):
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    addresses = []
    for _family, _type, _proto, _canonname, sockaddr in infos:
        # IPv6 link-local answers may carry a zone ("fe80::1%eth0"); the zone does not
        # change which kind of address it is.
        addresses.append(ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0]))
    return addresses
