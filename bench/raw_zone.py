"""Raw zone: how fast the fetch turns responses into WARC records, and how big they are —
``rawzone.response_member`` (zlib-ng, gzip level 6) against warcio's own gzipping writer (zlib
level 9), the way the records were first written, on the same pages in the same run; and, between
the two, the same record as ``response_member`` makes it compressed by the standard library's zlib
at level 6 (how it was written before zlib-ng).

Every page of the shared corpus's ``readability-pages`` (78 real article pages, ``../shared``
beside the checkout; a clone without it gets a message and exit status 0) becomes one WARC
response record with the same HTTP and WARC headers both ways. Timed: CPU seconds on one
pinned core, best of ``--passes`` passes over all pages; reported as MB of page bodies per CPU
second, and the records' total size against the bodies' (both read back to check they hold
the page).

    .venv/bin/python bench/raw_zone.py [--passes 3] [--json PATH]
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "include"))
CORPUS_PAGES = REPO.parent / "shared" / "corpus" / "readability-pages"
PAGE_URL = "http://fakehost/test/page.html"


def warcio_default_member(canonical_url: str, result) -> bytes:
    """The baseline: the same record through warcio's gzipping writer (zlib level 9)."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    from newslake import rawzone

    member = io.BytesIO()
    writer = WARCWriter(member, gzip=True)
    record = writer.create_warc_record(
        result.final_url, "response", payload=io.BytesIO(result.body),
        http_headers=StatusAndHeaders("200 OK", list(result.headers.items()), protocol="HTTP/1.1"),
        warc_headers_dict={"WARC-Date": "2026-11-20T08:00:00.000000Z", rawzone.CANONICAL_URL_HEADER: canonical_url},
    )
    writer.write_record(record)
    return member.getvalue()


def zlib_level_6_member(canonical_url: str, result) -> bytes:
    """The same record as ``rawzone.response_member``, gzipped by the standard library (zlib)."""
    import gzip

    from newslake import rawzone

    return gzip.compress(rawzone.warc_record(canonical_url, result), compresslevel=rawzone.RECORD_GZIP_LEVEL, mtime=0)


def fetch_results() -> list:
    from newslake.http import FetchResult

    fetched_at = dt.datetime(2026, 11, 20, 8, tzinfo=dt.UTC)
    return [
        FetchResult(
            url=PAGE_URL, final_url=PAGE_URL, status=200, headers={"content-type": "text/html; charset=utf-8"},
            body=page.read_bytes(), error=None, attempts=1, fetched_at=fetched_at, elapsed_ms=0,
        )
        for page in sorted(CORPUS_PAGES.glob("*/source.html"))
    ]


def measure(write: Callable, results: list, passes: int) -> dict[str, float]:
    from newslake import rawzone

    members = [write(PAGE_URL, result) for result in results]
    for member, result in zip(members, results, strict=True):
        if rawzone.read_record(member).body != result.body:
            raise SystemExit(f"{write.__name__}: a record does not read back to its page")
    best = float("inf")
    for _ in range(passes):
        started = time.process_time()
        for result in results:
            write(PAGE_URL, result)
        best = min(best, time.process_time() - started)
    body_bytes = sum(len(result.body) for result in results)
    return {
        "cpu_seconds": best,
        "mb_per_cpu_second": body_bytes / best / 1e6,
        "record_bytes": sum(map(len, members)),
        "record_bytes_over_body_bytes": sum(map(len, members)) / body_bytes,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--passes", type=int, default=3)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    if not CORPUS_PAGES.is_dir():
        print(f"raw zone benchmark skipped: shared corpus not found at {CORPUS_PAGES} (it sits beside the main checkout)")
        return 0
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})

    from newslake import rawzone

    results = fetch_results()
    figures = {
        "pages": len(results),
        "body_bytes": sum(len(result.body) for result in results),
        "passes": args.passes,
        "ours": {"gzip_level": rawzone.RECORD_GZIP_LEVEL, **measure(rawzone.response_member, results, args.passes)},
        "warcio_default": {"gzip_level": 9, **measure(warcio_default_member, results, args.passes)},
        "zlib_level_6": {"gzip_level": rawzone.RECORD_GZIP_LEVEL, **measure(zlib_level_6_member, results, args.passes)},
    }
    ours, warcio = figures["ours"], figures["warcio_default"]
    figures["speedup"] = ours["mb_per_cpu_second"] / warcio["mb_per_cpu_second"]
    print(f"raw zone: {figures['pages']} corpus pages, {figures['body_bytes'] / 1e6:.1f} MB of bodies, one core, best of {args.passes}")
    print("| writer | MB of pages per CPU second | records / bodies |\n| --- | ---: | ---: |")
    zlib6 = figures["zlib_level_6"]
    for name, row in (("newslake (zlib-ng, level 6)", ours), ("the same record, zlib level 6", zlib6),
                      ("warcio's writer (zlib level 9)", warcio)):
        print(f"| {name} | {row['mb_per_cpu_second']:.1f} | {row['record_bytes_over_body_bytes']:.3f} |")
    print(f"newslake writes records {figures['speedup']:.2f}× as fast as warcio's writer, "
          f"{ours['record_bytes'] / warcio['record_bytes'] - 1:+.1%} bytes; "
          f"{ours['mb_per_cpu_second'] / zlib6['mb_per_cpu_second']:.2f}× as fast as zlib at the same level, "
          f"{ours['record_bytes'] / zlib6['record_bytes'] - 1:+.1%} bytes")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
