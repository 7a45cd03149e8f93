"""Canonical article URLs.

The same article is listed under several spellings: ``HTTP://Example.com:80/a``,
``http://example.com/a#comments``, ``http://example.com/a?utm_source=rss``. Discovery
deduplicates on the canonical form and the lake keys articles by it, so every module
that compares or stores URLs goes through :func:`canonicalize_url`.

Canonicalisation only applies rewrites that cannot change which resource a server
returns (RFC 3986 section 6 normalisations), plus the removal of well-known tracking
parameters, which exist only for analytics.

Why not ``w3lib.url.canonicalize_url`` as a whole: it sorts the query, keeps default
ports, rewrites ``?a`` to ``?a=`` and ``%zz`` to ``%25zz``. Sorting would make the
stored URL one the publisher never emitted, and a few servers (signed URLs, some
routing frameworks) do read parameters positionally; publishers list an article with
one parameter order, so sorting buys almost no extra deduplication. We still use
w3lib's ``safe_url_string`` for the fiddly part: IDNA host encoding and
percent-encoding of non-ASCII and unsafe characters.
"""

from __future__ import annotations

import re
from urllib.parse import unquote_plus, urlsplit, urlunsplit

from w3lib.url import safe_url_string

__all__ = ["TRACKING_PARAMETERS", "canonicalize_url", "is_tracking_parameter", "url_host"]

_DEFAULT_PORTS = {"http": 80, "https": 443}

# Parameters added by analytics and ad platforms; they never select content.
# Compared case-insensitively. Every ``utm_*`` parameter is tracking as well.
TRACKING_PARAMETERS = frozenset(
    {
        "fbclid",  # Facebook
        "gclid",  # Google Ads
        "dclid",  # Google Display
        "gbraid",  # Google Ads (iOS)
        "wbraid",  # Google Ads (iOS web-to-app)
        "msclkid",  # Microsoft Ads
        "yclid",  # Yandex
        "twclid",  # Twitter/X Ads
        "mc_cid",  # Mailchimp campaign
        "mc_eid",  # Mailchimp subscriber
        "igshid",  # Instagram share
        "_ga",  # Google Analytics cross-domain linker
        "_gl",  # Google Analytics linker
        "_hsenc",  # HubSpot
        "_hsmi",  # HubSpot
        "mkt_tok",  # Marketo
        "ref_src",  # Twitter/X share
        "ref_url",  # Twitter/X share
        "ocid",  # Microsoft/MSN syndication
        "cmpid",  # common campaign id (Adobe-style)
    }
)
_TRACKING_PREFIXES = ("utm_",)

# RFC 3986 2.3: percent-encoded unreserved characters are equivalent to the characters.
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
_PERCENT_ESCAPE = re.compile(r"%([0-9A-Fa-f]{2})")
# RFC 3986 reg-name characters (after IDNA encoding and lower-casing).
_REG_NAME = re.compile(r"^[a-z0-9\-._~!$&'()*+,;=%]+$")


def canonicalize_url(url: str) -> str:
    """Return the canonical form of an http(s) URL.

    Lower-cases scheme and host (IDNA-encoding non-ASCII hosts), drops the default
    port and the fragment, removes tracking query parameters while keeping the order
    of the others, normalises percent-encoding (escapes of unreserved characters are
    decoded, the remaining escapes upper-cased, unsafe characters encoded as UTF-8)
    and gives an empty path as ``/``.

    Raises ``ValueError`` naming the URL if it is not an absolute http(s) URL.
    """
    parts = _split_http_url(url)
    scheme = parts.scheme.lower()
    host = parts.hostname or ""
    if ":" in host:  # IPv6 literal: urlsplit strips the brackets
        host = f"[{host}]"
    netloc = host
    port = parts.port
    if port is not None and port != _DEFAULT_PORTS[scheme]:
        netloc = f"{host}:{port}"
    if parts.username is not None:
        # Keep credentials verbatim: they are rare in listings, but dropping them
        # would point at a different resource.
        userinfo = parts.netloc.rpartition("@")[0]
        netloc = f"{userinfo}@{netloc}"
    path = _normalize_percent_escapes(parts.path) or "/"
    query = "&".join(
        _normalize_percent_escapes(pair)
        for pair in parts.query.split("&")
        if pair and not is_tracking_parameter(pair.partition("=")[0])
    )
    return urlunsplit((scheme, netloc, path, query, ""))


def url_host(url: str) -> str:
    """Lower-case host name of an http(s) URL, IDNA-encoded, without port.

    Raises ``ValueError`` naming the URL if it is not an absolute http(s) URL.
    """
    return _split_http_url(url).hostname or ""


def is_tracking_parameter(name: str) -> bool:
    """Whether a (possibly percent-encoded) query parameter name is a tracking one."""
    key = unquote_plus(name).strip().lower()
    return key in TRACKING_PARAMETERS or key.startswith(_TRACKING_PREFIXES)


def _split_http_url(url: str):
    """Encode unsafe characters and split; raise ``ValueError`` unless absolute http(s)."""
    try:
        parts = urlsplit(safe_url_string(url.strip()))
        _ = parts.port  # urlsplit parses the port lazily; this raises on a bad one
    except ValueError as exc:  # bad port, bad IPv6 literal, IDNA failure
        raise ValueError(f"invalid URL {url!r}: {exc}") from None
    if parts.scheme.lower() not in _DEFAULT_PORTS:
        raise ValueError(f"not an http(s) URL: {url!r}")
    host = parts.hostname
    if not host:
        raise ValueError(f"URL has no host: {url!r}")
    if ":" not in host and not _REG_NAME.match(host):
        raise ValueError(f"URL has an invalid host: {url!r}")
    return parts


def _normalize_percent_escapes(text: str) -> str:
    """Decode escapes of unreserved characters and upper-case all other escapes."""

    def normalize(match: re.Match[str]) -> str:
        char = chr(int(match.group(1), 16))
        return char if char in _UNRESERVED else "%" + match.group(1).upper()

    return _PERCENT_ESCAPE.sub(normalize, text)
