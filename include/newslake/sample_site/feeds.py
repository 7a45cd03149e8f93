"""Feeds, sitemaps and robots.txt of the sample site: how a crawler discovers articles.

A feed holds only the latest ``FEED_SIZE`` items, so the earliest days are reachable only
through the sitemap (or the date archives). The outlets differ the way real ones do:

* ``atlas-gazette``: RSS 2.0 with local-offset ``pubDate``; a Google News sitemap.
* ``casablanca-courier``: Atom; its feed still lists a deleted story (see ``DELETED_PATHS``).
* ``diario-del-estrecho``: RSS 2.0 with ``pubDate`` in +0000 and item links carrying
  ``utm_*`` tracking parameters.
* ``sawt-al-maghrib``: Atom; sitemap ``lastmod`` in UTC, so an article published just after
  local midnight shows the previous day there.
* ``revue-maghreb``: RSS 2.0 without authors.
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import format_datetime
from xml.sax.saxutils import escape, quoteattr

from newslake.sample_site.content import (
    DELETED_ARTICLES,
    OUTLETS,
    Outlet,
    SampleArticle,
    articles_of,
)
from newslake.sample_site.pages import summary
from newslake.sample_site.urls import (
    absolute,
    expected_url,
    feed_url,
    home_path,
    sitemap_url,
)

FEED_SIZE = 6
TRACKED_FEED_OUTLET = "diario-del-estrecho"
FEED_TRACKING_QUERY = "utm_source=rss&utm_medium=feed"
NEWS_SITEMAP_OUTLET = "atlas-gazette"
UTC_SITEMAP_OUTLET = "sawt-al-maghrib"


def feed_items(site_outlet: Outlet) -> tuple[SampleArticle, ...]:
    """What the outlet's feed lists, newest first - deleted stories included, as feeds lag."""
    listed = articles_of(site_outlet.id) + tuple(
        a for a in DELETED_ARTICLES if a.outlet_id == site_outlet.id
    )
    return tuple(sorted(listed, key=lambda a: a.published_at, reverse=True)[:FEED_SIZE])


def _last_change(article: SampleArticle) -> datetime:
    return article.modified_at or article.published_at


def _item_link(article: SampleArticle, base_url: str) -> str:
    url = expected_url(article, base_url)
    if article.outlet_id == TRACKED_FEED_OUTLET:
        return f"{url}?{FEED_TRACKING_QUERY}"
    return url


def _rfc822(moment: datetime, site_outlet: Outlet) -> str:
    if site_outlet.id == TRACKED_FEED_OUTLET:
        moment = moment.astimezone(UTC)  # as WordPress writes it: "+0000"
    return format_datetime(moment)


def rss_feed(site_outlet: Outlet, base_url: str) -> str:
    items = feed_items(site_outlet)
    entries = []
    for article in items:
        creators = "".join(f"<dc:creator>{escape(name)}</dc:creator>" for name in article.authors)
        entries.append(
            "<item>"
            f"<title>{escape(article.title)}</title>"
            f"<link>{escape(_item_link(article, base_url))}</link>"
            f'<guid isPermaLink="false">{escape(f"{article.outlet_id}:{article.slug}")}</guid>'
            f"<pubDate>{_rfc822(article.published_at, site_outlet)}</pubDate>"
            f"{creators}"
            f"<category>{escape(article.section)}</category>"
            f"<description>{escape(summary(article))}</description>"
            "</item>"
        )
    last_build = max(_last_change(a) for a in items)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/">\n<channel>\n'
        f"<title>{escape(site_outlet.name)}</title>\n"
        f"<link>{escape(absolute(home_path(site_outlet), base_url))}</link>\n"
        f"<description>{escape(site_outlet.tagline)}</description>\n"
        f"<language>{site_outlet.language}</language>\n"
        f"<lastBuildDate>{_rfc822(last_build, site_outlet)}</lastBuildDate>\n"
        f"<atom:link href={quoteattr(feed_url(site_outlet, base_url))} rel=\"self\" "
        'type="application/rss+xml"/>\n'
        + "\n".join(entries)
        + "\n</channel>\n</rss>\n"
    )


def atom_feed(site_outlet: Outlet, base_url: str) -> str:
    items = feed_items(site_outlet)
    entries = []
    for article in items:
        authors = "".join(f"<author><name>{escape(name)}</name></author>" for name in article.authors)
        # A tag URI, not the page URL: crawlers must follow <link>, not <id>.
        entry_id = f"tag:{article.outlet_id}.sample,{article.local_date:%Y-%m-%d}:{article.slug}"
        entries.append(
            "<entry>"
            f"<title>{escape(article.title)}</title>"
            f'<link rel="alternate" type="text/html" href={quoteattr(_item_link(article, base_url))}/>'
            f"<id>{escape(entry_id)}</id>"
            f"<published>{article.published_at.isoformat(timespec='seconds')}</published>"
            f"<updated>{_last_change(article).isoformat(timespec='seconds')}</updated>"
            f"{authors}"
            f"<category term={quoteattr(article.section)}/>"
            f"<summary>{escape(summary(article))}</summary>"
            "</entry>"
        )
    updated = max(_last_change(a) for a in items)
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        f'<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="{site_outlet.language}">\n'
        f"<title>{escape(site_outlet.name)}</title>\n"
        f"<subtitle>{escape(site_outlet.tagline)}</subtitle>\n"
        f"<id>{escape(absolute(home_path(site_outlet), base_url))}</id>\n"
        f'<link rel="alternate" type="text/html" href={quoteattr(absolute(home_path(site_outlet), base_url))}/>\n'
        f'<link rel="self" type="application/atom+xml" href={quoteattr(feed_url(site_outlet, base_url))}/>\n'
        f"<updated>{updated.isoformat(timespec='seconds')}</updated>\n"
        + "\n".join(entries)
        + "\n</feed>\n"
    )


def sitemap(site_outlet: Outlet, base_url: str) -> str:
    """Every article of the outlet, newest first, with a W3C-datetime ``lastmod``."""
    news = site_outlet.id == NEWS_SITEMAP_OUTLET
    urls = []
    for article in reversed(articles_of(site_outlet.id)):
        lastmod = _last_change(article)
        if site_outlet.id == UTC_SITEMAP_OUTLET:
            lastmod = lastmod.astimezone(UTC)
        news_block = ""
        if news:
            news_block = (
                "<news:news><news:publication>"
                f"<news:name>{escape(site_outlet.name)}</news:name>"
                f"<news:language>{site_outlet.language}</news:language>"
                "</news:publication>"
                f"<news:publication_date>{article.published_at.isoformat(timespec='seconds')}"
                "</news:publication_date>"
                f"<news:title>{escape(article.title)}</news:title></news:news>"
            )
        urls.append(
            f"<url><loc>{escape(expected_url(article, base_url))}</loc>"
            f"<lastmod>{lastmod.isoformat(timespec='seconds')}</lastmod>{news_block}</url>"
        )
    namespaces = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
    if news:
        namespaces += ' xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"'
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<urlset {namespaces}>\n" + "\n".join(urls) + "\n</urlset>\n"
    )


def robots_txt(base_url: str) -> str:
    sitemaps = "".join(f"Sitemap: {sitemap_url(o, base_url)}\n" for o in OUTLETS)
    return f"# newslake sample news site: crawl freely.\nUser-agent: *\nAllow: /\n\n{sitemaps}"
