"""Storage and query: what an article costs on disk, and what a one-day query reads.

* **Bytes per article**: one day of ``--articles`` article rows (the articles schema; sizes and
  metadata of the sample site's articles, each text of its own: words drawn at random from the
  sample site's vocabulary — no repeated passages, so slightly *harder* to compress than prose)
  written the way the lake writes them (``lake.table_to_parquet_bytes``: zstd Parquet) against
  the same rows as gzip-compressed JSON Lines (level 6, ``json.dumps`` per row).
* **One-day query over a year**: ``--days`` days × ``--sources`` sources of small partitions;
  a query for one day through ``newslake.queries.LakeReader`` (the partition filter prunes
  files) against a full scan of the table. "files" is the number of Parquet files the query
  opens, "bytes" their size on disk; both queries count the rows of the day.

    .venv/bin/python bench/storage_query.py [--articles 2000] [--days 365] [--sources 5]
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import io
import json
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "include"))


def _unique_paragraphs(article, rng: random.Random) -> list[str]:
    """Paragraphs as long as the article's, of words drawn at random from its language's
    vocabulary in the sample site: no passage repeats across rows (real days repeat little),
    so compression is not flattered by copies."""
    words = _VOCABULARY[article.language]
    return [" ".join(rng.choice(words) for _ in range(len(p.split()))) + "." for p in article.paragraphs]


_VOCABULARY: dict[str, list[str]] = {}


def article_rows(count: int, day: dt.date, source: str) -> list[dict]:
    """``count`` rows shaped like real ones (sizes and metadata of the sample site's articles),
    each with a text of its own (see _unique_paragraphs)."""
    from newslake.sample_site.content import ARTICLES

    if not _VOCABULARY:
        for item in ARTICLES:
            _VOCABULARY.setdefault(item.language, []).extend(" ".join(item.paragraphs).split())
    rng = random.Random(f"{day}/{source}")
    start = dt.datetime.combine(day, dt.time(8), tzinfo=dt.UTC)
    rows = []
    for i in range(count):
        article = ARTICLES[i % len(ARTICLES)]
        url = f"https://{source}.example/{day:%Y/%m/%d}/{article.slug}-{i}.html"
        paragraphs = _unique_paragraphs(article, rng)
        text = "\n\n".join(paragraphs)
        rows.append(
            {
                "article_id": f"{i:032x}", "url": url, "listed_url": url, "final_url": url, "title": article.title,
                "text": text, "language": article.language, "published_at": start + dt.timedelta(seconds=20 * i),
                "published_precision": "datetime", "modified_at": None, "authors": list(article.authors),
                "site_name": source, "description": paragraphs[0][:160], "image_url": None, "section": article.section,
                "origin_publisher": None, "origin_url": None, "listed_at": start, "discovered_via": "feed",
                "fetched_at": start + dt.timedelta(hours=20), "http_status": 200, "content_sha256": f"{i:064x}",
                "raw_path": f"raw/dt={day}/source={source}/responses.warc.gz", "raw_offset": 1000 * i, "raw_length": 900,
                "raw_payload_sha256": f"{i:064x}", "extractor": "newslake-readability 0.2", "canonical_url": url,
                "content_html": "<div>" + "".join(f"<p>{p}</p>" for p in paragraphs) + "</div>",
                "tags": list(article.tags), "access": article.access,
            }
        )
    return rows


# What an analyst's everyday query reads: who published what, when, in which language.
METADATA_COLUMNS = ("url", "title", "published_at", "language", "site_name")


def bytes_per_article(count: int) -> dict:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from newslake import lake

    rows = article_rows(count, dt.date(2026, 11, 24), "bench")
    started = time.perf_counter()
    parquet = lake.table_to_parquet_bytes(pa.Table.from_pylist(rows, schema=lake.articles_schema()))
    write_seconds = time.perf_counter() - started
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb", compresslevel=6, mtime=0) as handle:
        for row in rows:
            handle.write(json.dumps(row, default=str, ensure_ascii=False).encode() + b"\n")
    metadata = pq.ParquetFile(io.BytesIO(parquet)).metadata
    column_bytes: dict[str, int] = {}
    for group in range(metadata.num_row_groups):
        for index in range(metadata.num_columns):
            chunk = metadata.row_group(group).column(index)
            name = chunk.path_in_schema.split(".")[0]
            column_bytes[name] = column_bytes.get(name, 0) + chunk.total_compressed_size
    # A metadata query reads those columns' chunks and the footer; JSON Lines must be read whole.
    footer = len(parquet) - sum(column_bytes.values())
    return {
        "articles": count,
        "parquet_bytes_per_article": len(parquet) / count,
        "jsonl_gz_bytes_per_article": len(buffer.getvalue()) / count,
        "parquet_over_jsonl_gz": len(parquet) / len(buffer.getvalue()),
        "text_and_html_bytes_per_article": (column_bytes["text"] + column_bytes["content_html"]) / count,
        "metadata_query_bytes_per_article": (sum(column_bytes[c] for c in METADATA_COLUMNS) + footer) / count,
        "parquet_write_seconds": write_seconds,
    }


def one_day_query(days: int, sources: int, rows_per_partition: int = 20) -> dict:
    import pyarrow as pa
    import pyarrow.compute as pc

    from newslake import lake
    from newslake.queries import LakeReader
    from newslake.storage import Storage

    workdir = tempfile.mkdtemp(prefix="newslake-bench-query-")
    try:
        storage = Storage(str(Path(workdir) / "lake"))
        first = dt.date(2025, 11, 25)
        all_days = [first + dt.timedelta(days=n) for n in range(days)]
        for day in all_days:
            for s in range(sources):
                source = f"source-{s:02d}"
                table = pa.Table.from_pylist(article_rows(rows_per_partition, day, source), schema=lake.articles_schema())
                storage.write_bytes(lake.articles_key(day, source), lake.table_to_parquet_bytes(table))
        reader = LakeReader(storage)
        query_day = all_days[len(all_days) // 2]
        results = {}
        for label, condition in (("one day", pc.field("dt") == query_day), ("full scan", None)):
            dataset = reader.dataset("articles")
            fragments = list(dataset.get_fragments(filter=condition)) if condition is not None else list(dataset.get_fragments())
            started = time.perf_counter()
            table = dataset.to_table(filter=condition, columns=["article_id", "dt"]) if condition is not None else dataset.to_table(columns=["article_id", "dt"])
            if condition is None:
                table = table.filter(pc.equal(table["dt"], query_day))
            seconds = time.perf_counter() - started
            results[label] = {
                "files": len(fragments),
                "bytes": sum(storage.filesystem.get_file_info(f.path).size for f in fragments),
                "seconds": seconds,
                "rows": table.num_rows,
            }
        assert results["one day"]["rows"] == results["full scan"]["rows"] == sources * rows_per_partition
        return {"days": days, "sources": sources, "partitions": days * sources, **results}
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def lake_compression() -> str:
    from newslake import lake

    return f"{lake.PARQUET_COMPRESSION} level {lake.PARQUET_COMPRESSION_LEVEL}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--sources", type=int, default=5)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)

    size = bytes_per_article(args.articles)
    print(f"bytes per article ({size['articles']} articles of one day; Parquet written in {size['parquet_write_seconds']:.2f} s):")
    print("| format | bytes/article stored | bytes/article read by a metadata query |\n| --- | ---: | ---: |")
    print(f"| Parquet (the lake: {lake_compression()}) | {size['parquet_bytes_per_article']:.0f} | {size['metadata_query_bytes_per_article']:.0f} |")
    print(f"| JSON Lines, gzip -6 | {size['jsonl_gz_bytes_per_article']:.0f} | {size['jsonl_gz_bytes_per_article']:.0f} |")
    print(f"Parquet / gzip JSONL = {size['parquet_over_jsonl_gz']:.2f} stored; of Parquet's bytes, "
          f"{size['text_and_html_bytes_per_article']:.0f}/article are text + content_html (the same words twice, "
          f"compressed column by column; gzip finds the repeat inside each JSON row)")
    print(f"metadata query = columns {', '.join(METADATA_COLUMNS)}\n")

    query = one_day_query(args.days, args.sources)
    print(f"one day out of {query['days']} days × {query['sources']} sources ({query['partitions']} partitions):")
    print("| query | files opened | bytes of those files | seconds | rows |\n| --- | ---: | ---: | ---: | ---: |")
    for label in ("one day", "full scan"):
        row = query[label]
        print(f"| {label} | {row['files']} | {row['bytes']:,} | {row['seconds']:.3f} | {row['rows']} |")
    if args.json:
        args.json.write_text(json.dumps({"bytes_per_article": size, "one_day_query": query, "compression": lake_compression()}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
