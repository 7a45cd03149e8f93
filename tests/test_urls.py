"""Tests for newslake.urls: canonical URLs that deduplicate without changing the resource."""

import re

import pytest

from newslake.urls import canonicalize_url, is_tracking_parameter, url_host


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        # scheme and host lower-cased, path case kept
        ("HTTP://Example.COM/News/Story", "http://example.com/News/Story"),
        # default ports dropped, other ports kept
        ("http://example.com:80/a", "http://example.com/a"),
        ("https://example.com:443/a", "https://example.com/a"),
        ("https://example.com:80/a", "https://example.com:80/a"),
        ("http://example.com:8080/a", "http://example.com:8080/a"),
        # fragment dropped
        ("https://example.com/a#comments", "https://example.com/a"),
        # empty path is "/"
        ("https://example.com", "https://example.com/"),
        ("https://example.com?id=1", "https://example.com/?id=1"),
        # surrounding whitespace (common in feeds) ignored
        ("  https://example.com/a\n", "https://example.com/a"),
    ],
)
def test_normalises_scheme_host_port_fragment(url, expected):
    assert canonicalize_url(url) == expected


def test_removes_tracking_parameters_and_keeps_others_in_order():
    url = (
        "https://example.com/story?b=2&utm_source=rss&a=1&UTM_Medium=social&fbclid=X"
        "&gclid=Y&mc_cid=1&mc_eid=2&igshid=3&_ga=4&ref_src=twsrc&z=26"
    )
    assert canonicalize_url(url) == "https://example.com/story?b=2&a=1&z=26"


def test_query_made_only_of_tracking_parameters_disappears():
    assert canonicalize_url("https://example.com/a?utm_source=x&utm_campaign=y") == "https://example.com/a"


def test_parameters_that_merely_resemble_tracking_ones_are_kept():
    url = "https://example.com/a?ref=home&utm=1&source=rss&page=2"
    assert canonicalize_url(url) == url


def test_blank_and_valueless_parameters():
    # Valueless parameters are kept verbatim ("?print", not "?print="); empty pairs go.
    assert canonicalize_url("https://example.com/a?print&&id=5&") == "https://example.com/a?print&id=5"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        # escapes of unreserved characters decoded (RFC 3986 6.2.2.2)
        ("https://example.com/%7Euser/%41bc", "https://example.com/~user/Abc"),
        # other escapes kept, hex upper-cased (6.2.2.1): %2F must not become a "/"
        ("https://example.com/a%2fb?q=a%26b%3dc", "https://example.com/a%2Fb?q=a%26b%3Dc"),
        # unsafe and non-ASCII characters percent-encoded as UTF-8
        ("https://example.com/café story?q=é", "https://example.com/caf%C3%A9%20story?q=%C3%A9"),
        # "+" in a query is left alone (it may mean a space or a plus)
        ("https://example.com/s?q=a+b", "https://example.com/s?q=a+b"),
        # internationalised host names IDNA-encoded
        ("https://Bücher.example/x", "https://xn--bcher-kva.example/x"),
    ],
)
def test_normalises_percent_encoding(url, expected):
    assert canonicalize_url(url) == expected


def test_equivalent_spellings_collapse_to_one():
    spellings = [
        "https://example.com/news/a-story?id=7",
        "HTTPS://EXAMPLE.COM:443/news/a-story?id=7#top",
        "https://example.com/news/a%2Dstory?utm_source=rss&id=7",
        "https://example.com/news/a-story?id=7&fbclid=abc",
    ]
    assert {canonicalize_url(url) for url in spellings} == {"https://example.com/news/a-story?id=7"}


def test_is_idempotent():
    once = canonicalize_url("HTTP://Ex.com:80/caf%c3%a9/%7ex?a=1&utm_x=2#f")
    assert canonicalize_url(once) == once


def test_ipv6_host():
    assert canonicalize_url("http://[::1]:80/a") == "http://[::1]/a"
    assert canonicalize_url("http://[::1]:8080/a") == "http://[::1]:8080/a"


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.com/file",
        "mailto:editor@example.com",
        "javascript:alert(1)",
        "/relative/path",
        "example.com/no-scheme",
        "http:///no-host",
        "https://",
        "http://example.com:99999/",
        "http://exa mple.com/",
        "",
    ],
)
def test_rejects_non_http_and_hostless_urls_naming_them(url):
    with pytest.raises(ValueError) as raised:
        canonicalize_url(url)
    assert repr(url) in str(raised.value)


def test_url_host():
    assert url_host("https://WWW.Example.com:8443/a?b#c") == "www.example.com"
    assert url_host("http://Bücher.example/") == "xn--bcher-kva.example"
    with pytest.raises(ValueError, match=re.escape("ftp://example.com/")):
        url_host("ftp://example.com/")


@pytest.mark.parametrize(
    ("name", "tracking"),
    [
        ("utm_source", True),
        ("UTM_Content", True),
        ("utm%5Fterm", True),  # percent-encoded "_"
        ("fbclid", True),
        ("id", False),
        ("ref", False),
    ],
)
def test_is_tracking_parameter(name, tracking):
    assert is_tracking_parameter(name) is tracking
