"""A tiny news site for tests: a dict of path → (content type, body), changeable while it runs."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class TinyNewsSite:
    def __init__(self):
        self.pages: dict[str, tuple[str, str]] = {}
        self.hits: list[str] = []
        site = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                site.hits.append(self.path)
                if self.path not in site.pages:
                    self.send_error(404)
                    return
                kind, body = site.pages[self.path]
                data = body.encode()
                self.send_response(200)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()

    def rss(self, path: str, items: list[tuple[str, str]]) -> None:
        """Serve an RSS feed at ``path`` listing (article path, RFC 822 date) items."""
        entries = "".join(
            f"<item><title>{p}</title><link>{self.base_url}{p}</link><pubDate>{date}</pubDate></item>" for p, date in items
        )
        self.pages[path] = ("application/rss+xml; charset=utf-8", f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>{entries}</channel></rss>')

    def article(self, path: str, title: str, published: str, topic: str = "the port extension") -> None:
        paragraphs = "".join(
            f"<p>Paragraph {i}: the regional council met on Tuesday to discuss {topic}, the budget for public "
            f"transport and the schools to be built next year in the northern provinces.</p>"
            for i in range(1, 6)
        )
        self.pages[path] = (
            "text/html; charset=utf-8",
            f'<html lang="en"><head><meta charset="utf-8"><title>{title} | Tiny Daily</title>'
            f'<meta property="article:published_time" content="{published}"></head>'
            f"<body><nav><a href='/'>Home</a></nav><article><h1>{title}</h1>{paragraphs}</article></body></html>",
        )
