"""Where things live on the sample site: one place that turns outlets and articles into URLs.

Paths are relative to the site root; ``*_url`` functions join them to a ``base_url`` such as
``http://127.0.0.1:54321`` (a trailing slash is tolerated).
"""

from __future__ import annotations

from datetime import date

from newslake.sample_site.content import Outlet, SampleArticle, outlet


def _as_outlet(outlet_or_id: Outlet | str) -> Outlet:
    return outlet_or_id if isinstance(outlet_or_id, Outlet) else outlet(outlet_or_id)


def absolute(path: str, base_url: str) -> str:
    return base_url.rstrip("/") + path


def expected_url(article: SampleArticle, base_url: str) -> str:
    """The absolute, canonical URL of an article page (no query string)."""
    return absolute(article.path, base_url)


def home_path(outlet_or_id: Outlet | str) -> str:
    return f"/{_as_outlet(outlet_or_id).id}/"


def feed_path(outlet_or_id: Outlet | str) -> str:
    """``/{id}/feed.xml`` for RSS outlets, ``/{id}/atom.xml`` for Atom ones."""
    site_outlet = _as_outlet(outlet_or_id)
    name = "atom.xml" if site_outlet.feed_format == "atom" else "feed.xml"
    return f"/{site_outlet.id}/{name}"


def feed_url(outlet_or_id: Outlet | str, base_url: str) -> str:
    return absolute(feed_path(outlet_or_id), base_url)


def sitemap_path(outlet_or_id: Outlet | str) -> str:
    return f"/{_as_outlet(outlet_or_id).id}/sitemap.xml"


def sitemap_url(outlet_or_id: Outlet | str, base_url: str) -> str:
    return absolute(sitemap_path(outlet_or_id), base_url)


def archive_path(outlet_or_id: Outlet | str, day: date) -> str:
    """The outlet's listing of one local day's articles (for backfill discovery)."""
    return f"/{_as_outlet(outlet_or_id).id}/archives/{day:%Y/%m/%d}/"


def archive_url(outlet_or_id: Outlet | str, day: date, base_url: str) -> str:
    return absolute(archive_path(outlet_or_id, day), base_url)


def section_path(outlet_id: str, section_slug: str) -> str:
    return f"/{outlet_id}/section/{section_slug}/"


def legal_path(outlet_id: str, page_key: str) -> str:
    return f"/{outlet_id}/legal/{page_key}/"
