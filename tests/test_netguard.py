"""Tests for newslake.netguard (SSRF guard), alone and through newslake.http.

Internal addresses are exactly what tests can reach, so each refusal is checked against
a real server on 127.0.0.1 (and on ::1 where the machine has IPv6) whose hit counter must
stay at 0: a refused URL may not even cost a robots.txt request.
"""

from __future__ import annotations

import asyncio
import dataclasses
import ipaddress
import socket
import time

import pytest

from localserver import Exchange, LocalServer, Request, Response, fast_http_settings
from newslake.http import FetchResult, HttpSettings, fetch_all
from newslake.netguard import AddressGuard, is_forbidden_address, parse_networks

# Secure defaults (no allowed networks, robots.txt on); small timeouts keep failures fast.
GUARDED = fast_http_settings(max_attempts=1, allowed_networks=())
LOOPBACK_V4 = ("127.0.0.0/8",)


def counted(request: Request, http: Exchange) -> Response:
    """Answers 200 everywhere (404 for robots.txt), /redirect?to=URL with a 302; the server counts every request."""
    if request.path == "/redirect":
        return Response(302, content_type=None, headers={"Location": request.query["to"]})
    return Response(404 if request.path == "/robots.txt" else 200, b"reached", content_type=None)


def _ipv6_loopback_available() -> bool:
    try:
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(("::1", 0))
        return True
    except OSError:
        return False


@pytest.fixture
def start_server(start_local_server):
    return lambda host="127.0.0.1": start_local_server(counted, host=host)


@pytest.fixture
def server(start_server) -> LocalServer:
    return start_server()


def fetch_one(url: str, **changes) -> FetchResult:
    [result] = fetch_all([url], dataclasses.replace(GUARDED, **changes))
    return result


# --- refused through the client -------------------------------------------------------

# Each would reach the local server (or another internal one) if it were not refused.
INTERNAL_HOSTS = [
    "127.0.0.1",
    "127.1.2.3",
    "localhost",
    "0.0.0.0",  # on Linux, connecting to 0.0.0.0 reaches the local machine
    "[::ffff:127.0.0.1]",
    "[::1]",
    "10.0.0.1",
    "172.16.0.1",
    "192.168.1.1",
    "169.254.169.254",  # cloud metadata
    "100.64.0.1",  # carrier-grade NAT
    "224.0.0.1",
    "[fe80::1]",
    "[fc00::1]",
    "2130706433",  # 127.0.0.1 as one decimal number, which getaddrinfo accepts
]


@pytest.mark.parametrize("host", INTERNAL_HOSTS)
def test_internal_addresses_are_refused_without_a_request(server, host):
    started = time.monotonic()
    result = fetch_one(f"http://{host}:{server.port}/page")
    assert result.error == "blocked_address"
    assert result.status is None
    assert result.attempts == 0
    assert result.body == b""
    assert server.hits() == 0  # not even /robots.txt
    assert time.monotonic() - started < 1.0  # no connect attempt to wait out


@pytest.mark.parametrize("host", ["127.0.0.1", "[::ffff:127.0.0.1]"])
def test_allowed_networks_open_the_loopback(server, host):
    result = fetch_one(f"http://{host}:{server.port}/page", allowed_networks=LOOPBACK_V4)
    assert result.ok and result.body == b"reached"
    assert server.paths() == ["/robots.txt", "/page"]


def test_localhost_needs_every_address_it_resolves_to_allowed(server):
    # localhost may resolve to ::1 as well as 127.0.0.1: both networks are listed.
    result = fetch_one(f"http://localhost:{server.port}/page", allowed_networks=("127.0.0.0/8", "::1/128"))
    assert result.ok


def test_allowed_networks_do_not_open_other_internal_ranges(server):
    result = fetch_one(f"http://10.0.0.1:{server.port}/page", allowed_networks=LOOPBACK_V4)
    assert result.error == "blocked_address"


@pytest.mark.skipif(not _ipv6_loopback_available(), reason="no IPv6 loopback")
def test_ipv6_loopback_is_refused_unless_allowed(start_server):
    server_v6 = start_server("::1")
    url = f"http://[::1]:{server_v6.port}/page"
    assert fetch_one(url, allowed_networks=LOOPBACK_V4).error == "blocked_address"
    assert server_v6.hits() == 0
    assert fetch_one(url, allowed_networks=("::1/128",)).ok


# --- redirects ---------------------------------------------------------------------------


@pytest.mark.parametrize("target", ["http://10.255.255.1/", "http://169.254.169.254/latest/meta-data/"])
def test_redirect_to_a_blocked_address_is_refused_without_connecting(server, target):
    started = time.monotonic()
    result = fetch_one(f"http://127.0.0.1:{server.port}/redirect?to={target}", allowed_networks=LOOPBACK_V4)
    assert result.error == "blocked_address"
    assert result.final_url == target
    assert result.status is None
    assert result.attempts == 1  # the redirect itself
    assert server.paths() == ["/robots.txt", "/redirect"]
    # Connecting to 10.255.255.1 would hang until the 2 s connect timeout.
    assert time.monotonic() - started < 1.0


@pytest.mark.skipif(not _ipv6_loopback_available(), reason="no IPv6 loopback")
def test_redirect_from_allowed_v4_to_ipv6_loopback_is_refused(start_server):
    server, server_v6 = start_server(), start_server("::1")
    target = f"http://[::1]:{server_v6.port}/page"
    result = fetch_one(f"http://127.0.0.1:{server.port}/redirect?to={target}", allowed_networks=LOOPBACK_V4)
    assert result.error == "blocked_address"
    assert server_v6.hits() == 0


# --- the guard on its own ------------------------------------------------------------------


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1", "10.1.2.3", "172.31.255.255", "192.168.0.1", "169.254.169.254", "0.0.0.0",
        "224.0.0.1", "239.255.255.250", "240.0.0.1", "255.255.255.255", "100.64.0.1", "192.0.2.1",
        "::1", "::", "fe80::1", "fc00::1", "ff02::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1",
        "2002:7f00:1::1",  # 6to4 around 127.0.0.1
        "2002:a00:1::1",  # 6to4 around 10.0.0.1
        "64:ff9b::7f00:1",  # NAT64 around 127.0.0.1
        "::7f00:1",  # deprecated IPv4-compatible form
    ],
)
def test_forbidden_addresses(address):
    assert is_forbidden_address(ipaddress.ip_address(address))


@pytest.mark.parametrize(
    "address",
    ["8.8.8.8", "93.184.216.34", "2606:4700:4700::1111", "::ffff:8.8.8.8", "2002:808:808::1", "64:ff9b::808:808"],
)
def test_public_addresses(address):
    assert not is_forbidden_address(ipaddress.ip_address(address))


def test_allowlist_covers_the_mapped_form_too():
    guard = AddressGuard(LOOPBACK_V4)
    assert guard.permits(ipaddress.ip_address("127.0.0.1"))
    assert guard.permits(ipaddress.ip_address("::ffff:127.0.0.1"))
    assert not guard.permits(ipaddress.ip_address("::1"))
    assert not guard.permits(ipaddress.ip_address("10.0.0.1"))
    assert guard.permits(ipaddress.ip_address("8.8.8.8"))


def fake_resolver(monkeypatch, answer):
    """Make the event loop's getaddrinfo return ``answer`` (addresses) or raise it (an exception)."""

    async def getaddrinfo(self, host, port, *, family=0, type=0, proto=0, flags=0):
        if isinstance(answer, BaseException):
            raise answer
        if answer == "slow":
            await asyncio.sleep(5)
        return [
            (socket.AF_INET6 if ":" in address else socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))
            for address in answer
        ]

    monkeypatch.setattr(asyncio.BaseEventLoop, "getaddrinfo", getaddrinfo)


def refusal(host: str, allowed: tuple[str, ...] = (), timeout: float = 2.0) -> str | None:
    return asyncio.run(AddressGuard(allowed).refusal(host, 80, timeout=timeout))


def test_a_name_is_refused_if_any_of_its_addresses_is_internal(monkeypatch):
    fake_resolver(monkeypatch, ["93.184.216.34", "10.0.0.7"])
    assert refusal("rebind.example") == "blocked_address"


def test_a_name_with_only_public_addresses_passes(monkeypatch):
    fake_resolver(monkeypatch, ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"])
    assert refusal("news.example") is None


def test_link_local_answer_with_a_zone_is_refused(monkeypatch):
    fake_resolver(monkeypatch, ["fe80::1%eth0"])
    assert refusal("zoned.example") == "blocked_address"


def test_resolution_failures(monkeypatch):
    fake_resolver(monkeypatch, socket.gaierror(socket.EAI_NONAME, "Name or service not known"))
    assert refusal("missing.example") == "dns"
    fake_resolver(monkeypatch, [])
    assert refusal("empty.example") == "dns"
    fake_resolver(monkeypatch, "slow")
    assert refusal("slow.example", timeout=0.1) == "timeout"


def test_unresolvable_name_through_the_client():
    result = fetch_one("http://newslake-test.invalid/")  # .invalid never resolves (RFC 6761)
    assert result.error == "dns"


def rebinding_resolver(monkeypatch, answers: list[str]) -> list[str]:
    """Make getaddrinfo give ``answers`` one per lookup (the last one repeating): a DNS server
    with TTL 0 answering differently each time. Returns the list of hosts looked up."""
    lookups: list[str] = []

    async def getaddrinfo(self, host, port, *, family=0, type=0, proto=0, flags=0):
        lookups.append(host)
        address = answers[min(len(lookups), len(answers)) - 1]
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

    monkeypatch.setattr(asyncio.BaseEventLoop, "getaddrinfo", getaddrinfo)
    return lookups


def test_dns_rebinding_to_loopback_is_refused_at_connection(monkeypatch, server):
    # Checked: a public address. Connected: whatever the name resolves to next, here the
    # loopback server. The connection must dial only an address that was itself judged.
    lookups = rebinding_resolver(monkeypatch, ["93.184.216.34", "127.0.0.1"])
    result = fetch_one(f"http://rebind.example:{server.port}/secret", respect_robots=False)
    assert result.error == "blocked_address"
    assert server.hits() == 0
    assert lookups == ["rebind.example", "rebind.example"]  # the check, then the connection's own lookup


def test_a_pinned_connection_still_sends_the_host_name(monkeypatch, server):
    rebinding_resolver(monkeypatch, ["127.0.0.1"])
    result = fetch_one(f"http://pinned.example:{server.port}/page", respect_robots=False, allowed_networks=LOOPBACK_V4)
    assert result.error is None and result.body == b"reached"
    assert server.requests[-1].headers["host"] == f"pinned.example:{server.port}"


def test_connection_lookup_failure_is_named_dns(monkeypatch, server):
    lookups: list[str] = []

    async def getaddrinfo(self, host, port, *, family=0, type=0, proto=0, flags=0):
        lookups.append(host)
        if len(lookups) > 1:  # the name vanishes between the check and the connection
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]

    monkeypatch.setattr(asyncio.BaseEventLoop, "getaddrinfo", getaddrinfo)
    result = fetch_one(f"http://vanishing.example:{server.port}/", respect_robots=False, allowed_networks=LOOPBACK_V4)
    assert result.error == "dns" and server.hits() == 0


# --- settings ------------------------------------------------------------------------------


@pytest.mark.parametrize("networks", [("not-a-network",), ("127.0.0.1/8",), ("10.0.0.0/33",), "127.0.0.0/8"])
def test_invalid_allowed_networks_fail_at_configuration(networks):
    with pytest.raises(ValueError, match="network"):
        HttpSettings(allowed_networks=networks)


def test_allowed_networks_are_stored_as_a_tuple():
    http_settings = HttpSettings(allowed_networks=["127.0.0.0/8", "::1"])
    assert http_settings.allowed_networks == ("127.0.0.0/8", "::1")
    hash(http_settings)  # still usable as a key
    assert [str(network) for network in parse_networks(http_settings.allowed_networks)] == ["127.0.0.0/8", "::1/128"]


def test_default_settings_allow_no_internal_network():
    assert HttpSettings().allowed_networks == ()
