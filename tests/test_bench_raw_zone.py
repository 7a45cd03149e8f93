"""bench/raw_zone.py on the shared corpus (one pass), and its rows in `make bench`'s table."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmodules import load_bench

REPO = Path(__file__).resolve().parents[1]
CORPUS_PAGES = REPO.parent / "shared" / "corpus" / "readability-pages"

pytestmark = [
    pytest.mark.corpus,
    pytest.mark.skipif(not CORPUS_PAGES.is_dir(), reason=f"shared corpus not found at {CORPUS_PAGES} (only present beside the main checkout)"),
]


def test_raw_zone_bench_compares_both_writers_on_the_corpus(tmp_path):
    results = tmp_path / "results"
    results.mkdir()
    assert load_bench("raw_zone").main(["--passes", "1", "--json", str(results / "raw_zone.json")]) == 0
    figures = json.loads((results / "raw_zone.json").read_text())
    assert figures["pages"] == len(list(CORPUS_PAGES.glob("*/source.html"))) > 50
    ours, warcio = figures["ours"], figures["warcio_default"]
    assert (ours["gzip_level"], warcio["gzip_level"]) == (6, 9)
    # Level 9 never makes records bigger than level 6 does, and HTML compresses well either way.
    assert ours["record_bytes"] >= warcio["record_bytes"]
    assert 0.05 < ours["record_bytes_over_body_bytes"] < 0.5
    assert figures["speedup"] == pytest.approx(ours["mb_per_cpu_second"] / warcio["mb_per_cpu_second"])
    # zlib-ng and zlib at the same level: the same format, records within 2 % of each other's size.
    zlib6 = figures["zlib_level_6"]
    assert zlib6["gzip_level"] == 6
    assert abs(ours["record_bytes"] / zlib6["record_bytes"] - 1) < 0.02

    rows = {row[0]: row for row in load_bench("summary").rows(results)}
    speed = next(row for name, row in rows.items() if name.startswith("raw zone: WARC records written"))
    assert speed[1] == f"{ours['mb_per_cpu_second']:.1f}" and speed[3] == f"{figures['speedup']:.2f}×"
