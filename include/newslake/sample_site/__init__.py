"""An offline, deterministic, fictional news site for ``make run`` and the tests.

Four outlets (French, English, Spanish, Arabic) and one French aggregator publish articles
around ``SAMPLE_DATES`` with feeds, sitemaps, date archives and realistic page chrome. The
pipeline crawls it on 127.0.0.1 instead of the internet, and the tests compare what the
pipeline lands with ``ARTICLES``, the ground truth.

    with serve_sample_site() as site:
        fetch(feed_url("atlas-gazette", site.base_url))

``content`` holds the data, ``site.render`` the pages (pure), ``server`` the HTTP server.
"""

from newslake.sample_site.content import (
    AGGREGATOR_ARTICLES,
    ARTICLES,
    DELETED_PATHS,
    ORIGINAL_ARTICLES,
    OUTLETS,
    SAMPLE_DATES,
    Outlet,
    SampleArticle,
    articles_for,
    articles_of,
    original_of,
    outlet,
)
from newslake.sample_site.server import RunningSite, serve_sample_site
from newslake.sample_site.site import Response, render
from newslake.sample_site.urls import archive_url, expected_url, feed_url, sitemap_url

__all__ = [
    "AGGREGATOR_ARTICLES",
    "ARTICLES",
    "DELETED_PATHS",
    "ORIGINAL_ARTICLES",
    "OUTLETS",
    "SAMPLE_DATES",
    "Outlet",
    "Response",
    "RunningSite",
    "SampleArticle",
    "archive_url",
    "articles_for",
    "articles_of",
    "expected_url",
    "feed_url",
    "original_of",
    "outlet",
    "render",
    "serve_sample_site",
    "sitemap_url",
]
