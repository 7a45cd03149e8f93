"""The sample site as one pure function: ``render(path, base_url)`` -> ``Response``.

Routes (``{outlet}`` is an outlet id; dates are the outlet's local days):

* ``/`` index of outlets, ``/robots.txt``
* ``/{outlet}/`` home page (a listing, newest first)
* ``/{outlet}/feed.xml`` (RSS outlets) or ``/{outlet}/atom.xml`` (Atom outlets)
* ``/{outlet}/sitemap.xml``
* ``/{outlet}/archives/{yyyy}/{mm}/{dd}/`` one day's articles
* ``/{outlet}/section/{slug}/``, ``/{outlet}/legal/{key}/`` menu and footer targets
* ``/{outlet}/{yyyy}/{mm}/{dd}/{slug}.html`` an article

Anything else, including the deleted story in ``DELETED_PATHS``, is a 404. Query strings are
ignored, as most sites ignore tracking parameters. No clock is read: the same path and base
URL always give the same bytes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from urllib.parse import unquote, urlsplit

from newslake.sample_site import feeds, pages
from newslake.sample_site.chrome import SECTION_SLUGS
from newslake.sample_site.content import ARTICLES, OUTLETS, Outlet
from newslake.sample_site.urls import expected_url, feed_path, feed_url, sitemap_url

__all__ = ["Response", "expected_url", "feed_url", "render", "sitemap_url"]

HTML = "text/html; charset=utf-8"
_FEED_CONTENT_TYPES = {
    "rss": "application/rss+xml; charset=utf-8",
    "atom": "application/atom+xml; charset=utf-8",
}
SITEMAP = "application/xml; charset=utf-8"
TEXT = "text/plain; charset=utf-8"


@dataclass(frozen=True)
class Response:
    status: int
    content_type: str
    body: bytes


_OUTLETS_BY_ID = {o.id: o for o in OUTLETS}
_ARTICLES_BY_PATH = {a.path: a for a in ARTICLES}
_ARCHIVE = re.compile(r"archives/(\d{4})/(\d{2})/(\d{2})/?")
_SECTION = re.compile(r"section/([a-z0-9-]+)/?")
_LEGAL = re.compile(r"legal/([a-z0-9-]+)/?")


def _ok(content_type: str, text: str) -> Response:
    return Response(200, content_type, text.encode("utf-8"))


def _not_found(path: str) -> Response:
    return Response(404, HTML, pages.not_found_page(path).encode("utf-8"))


def _outlet_route(site_outlet: Outlet, rest: str, base_url: str) -> Response | None:
    """A page under ``/{outlet}/`` other than an article, or None."""
    if rest == "":
        return _ok(HTML, pages.home_page(site_outlet, base_url))
    if f"/{site_outlet.id}/{rest}" == feed_path(site_outlet):
        builder = feeds.atom_feed if site_outlet.feed_format == "atom" else feeds.rss_feed
        return _ok(_FEED_CONTENT_TYPES[site_outlet.feed_format], builder(site_outlet, base_url))
    if rest == "sitemap.xml":
        return _ok(SITEMAP, feeds.sitemap(site_outlet, base_url))
    if match := _ARCHIVE.fullmatch(rest):
        try:
            day = date(*(int(part) for part in match.groups()))
        except ValueError:
            return None
        return _ok(HTML, pages.archive_page(site_outlet, day, base_url))
    if (match := _SECTION.fullmatch(rest)) and not site_outlet.is_aggregator:
        for name, slug in SECTION_SLUGS[site_outlet.id].items():
            if slug == match.group(1):
                return _ok(HTML, pages.section_page(site_outlet, name, base_url))
        return None
    if match := _LEGAL.fullmatch(rest):
        page = pages.legal_page(site_outlet, match.group(1), base_url)
        return _ok(HTML, page) if page is not None else None
    return None


def render(path: str, base_url: str) -> Response:
    """The response the sample site gives for ``path`` when served at ``base_url``."""
    clean_path = unquote(urlsplit(path).path) or "/"
    if clean_path == "/":
        return _ok(HTML, pages.index_page(base_url))
    if clean_path == "/robots.txt":
        return _ok(TEXT, feeds.robots_txt(base_url))
    if article := _ARTICLES_BY_PATH.get(clean_path):
        return _ok(HTML, pages.article_page(article, base_url))
    outlet_id, _, rest = clean_path.removeprefix("/").partition("/")
    site_outlet = _OUTLETS_BY_ID.get(outlet_id)
    if site_outlet is not None:
        response = _outlet_route(site_outlet, rest, base_url)
        if response is not None:
            return response
    return _not_found(clean_path)
