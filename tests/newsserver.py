"""A tiny news site for tests: pages (path → content type, body) that can be added while it runs."""

from __future__ import annotations

from localserver import LocalServer, Route


class TinyNewsSite(LocalServer):
    """A LocalServer of route tables; ``rss`` and ``article`` add pages while it runs."""

    def __init__(self):
        super().__init__({})

    def page(self, path: str, content_type: str, body: str) -> None:
        self.routes[path] = Route(200, content_type, body.encode())

    def rss(self, path: str, items: list[tuple[str, str]]) -> None:
        """Serve an RSS feed at ``path`` listing (article path, RFC 822 date) items."""
        entries = "".join(
            f"<item><title>{p}</title><link>{self.base_url}{p}</link><pubDate>{date}</pubDate></item>" for p, date in items
        )
        self.page(path, "application/rss+xml; charset=utf-8", f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>{entries}</channel></rss>')

    def article(self, path: str, title: str, published: str, topic: str = "the port extension") -> None:
        paragraphs = "".join(
            f"<p>Paragraph {i}: the regional council met on Tuesday to discuss {topic}, the budget for public "
            f"transport and the schools to be built next year in the northern provinces.</p>"
            for i in range(1, 6)
        )
        self.page(
            path,
            "text/html; charset=utf-8",
            f'<html lang="en"><head><meta charset="utf-8"><title>{title} | Tiny Daily</title>'
            f'<meta property="article:published_time" content="{published}"></head>'
            f"<body><nav><a href='/'>Home</a></nav><article><h1>{title}</h1>{paragraphs}</article></body></html>",
        )


def two_article_site() -> TinyNewsSite:
    """A running TinyNewsSite with one feed of two articles of 2026-11-24 (Moroccan time)."""
    tiny = TinyNewsSite()
    tiny.article("/a.html", "Council meets", "2026-11-24T10:00:00+01:00")
    tiny.article("/b.html", "Port opens", "2026-11-24T11:00:00+01:00", topic="the new container terminal")
    tiny.rss("/feed.xml", [("/a.html", "Tue, 24 Nov 2026 10:00:00 +0100"), ("/b.html", "Tue, 24 Nov 2026 11:00:00 +0100")])
    return tiny


def use_one_source(tmp_path, monkeypatch, *, source_id: str, name: str, feed_url: str) -> None:
    """Point the DAG factory at a sources file holding just this feed, and the lake at tmp_path."""
    sources = tmp_path / "sources.yaml"
    sources.write_text(
        f"sources:\n  - id: {source_id}\n    name: {name}\n    languages: [en]\n    timezone: Africa/Casablanca\n"
        f"    requests_per_second: 50\n    start_date: 2026-11-01\n    feeds: ['{feed_url}']\n"
    )
    monkeypatch.setenv("NEWSLAKE_SOURCES_FILE", str(sources))
    monkeypatch.setenv("NEWSLAKE_LAKE_URI", str(tmp_path / "lake"))
