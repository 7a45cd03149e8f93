"""Article rows for tests that need real Parquet partitions without running the pipeline."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa

from newslake import lake


def article_table(tag: str, rows: int) -> pa.Table:
    """``rows`` valid articles (current schema; the v2 columns left null) whose ids start with ``tag``."""
    now = dt.datetime(2026, 11, 24, 10, tzinfo=dt.UTC)
    records = [
        {
            "article_id": f"{tag}{i:04d}", "url": f"http://news.example/{tag}/{i}", "listed_url": f"http://news.example/{tag}/{i}",
            "final_url": f"http://news.example/{tag}/{i}", "title": f"{tag} {i}", "text": "text " * 50, "language": "en",
            "published_at": now, "published_precision": "datetime", "modified_at": None, "authors": [], "site_name": None,
            "description": None, "image_url": None, "section": None, "origin_publisher": None, "origin_url": None,
            "listed_at": now, "discovered_via": "feed", "fetched_at": now, "http_status": 200, "content_sha256": "0" * 64,
            "raw_path": "raw/x", "raw_offset": 0, "raw_length": 1, "raw_payload_sha256": "0" * 64, "extractor": "test",
        }
        for i in range(rows)
    ]
    return pa.Table.from_pylist(records, schema=lake.articles_schema())
