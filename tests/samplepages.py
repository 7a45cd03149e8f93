"""Reading the sample site's pages in tests."""

from __future__ import annotations

import json

import lxml.html


def json_ld_news_article(document: lxml.html.HtmlElement) -> dict:
    """The page's schema.org NewsArticle object (top level or in an @graph)."""
    for script in document.xpath('//script[@type="application/ld+json"]'):
        data = json.loads(script.text)
        for node in data.get("@graph", [data]):
            if node.get("@type") == "NewsArticle":
                return node
    raise AssertionError("no NewsArticle JSON-LD")
