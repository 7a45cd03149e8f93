"""Hostile listings: entity bombs and external entities in feeds are neither expanded nor
fetched, and parsing stays fast."""

from __future__ import annotations

import time

import pytest

from newslake.discover import ListingParseError, parse_feed, parse_sitemap

LAUGHS = "".join(f'<!ENTITY lol{i} "{"&lol%d;" % (i - 1) * 10}">' for i in range(1, 10))
BILLION_LAUGHS_RSS = (
    f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY lol0 "lol">{LAUGHS}]>'
    '<rss version="2.0"><channel><title>&lol9;</title>'
    "<item><title>&lol9;</title><link>http://news.example/a.html</link>"
    "<pubDate>Tue, 24 Nov 2026 09:30:00 +0100</pubDate></item></channel></rss>"
).encode()
EXTERNAL_ENTITY_RSS = (
    b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY secret SYSTEM "file:///etc/passwd">]>'
    b'<rss version="2.0"><channel><title>t</title><item><title>&secret;</title>'
    b"<link>http://news.example/b.html</link></item></channel></rss>"
)


def parse_or_refuse(parser, body: bytes):
    try:
        return parser(body, "http://news.example/feed.xml")
    except ListingParseError:
        return None


@pytest.mark.parametrize("parser", [parse_feed, lambda body, url: parse_sitemap(body, url)[0]], ids=["feed", "sitemap"])
def test_billion_laughs_is_not_expanded(parser):
    started = time.perf_counter()
    items = parse_or_refuse(parser, BILLION_LAUGHS_RSS)
    assert time.perf_counter() - started < 2.0
    for item in items or []:
        assert "lollollol" not in (item.title or "")


def test_external_entities_are_not_read():
    items = parse_or_refuse(parse_feed, EXTERNAL_ENTITY_RSS)
    for item in items or []:
        assert "root:" not in (item.title or "")
