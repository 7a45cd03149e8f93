"""bench/extraction.py: its core function on three corpus pages (fast), structure and value ranges."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmodules import load_bench

REPO = Path(__file__).resolve().parents[1]
CORPUS_DIR = REPO.parent / "shared" / "corpus"
PAGES = ("001", "bbc-1", "qq")  # English with byline and date; Chinese (character tokens)

pytestmark = [
    pytest.mark.corpus,
    pytest.mark.skipif(
        not (CORPUS_DIR / "readability-pages" / "manifest.json").is_file(),
        reason=f"shared corpus not found at {CORPUS_DIR} (only present beside the main checkout)",
    ),
]


def _load_bench():
    return load_bench("extraction")


def test_benchmark_core_on_three_pages():
    bench = _load_bench()
    report = bench.run_benchmark(CORPUS_DIR, PAGES, passes=1, check_trafilatura=False)

    assert report["pages"] == len(PAGES)
    assert set(report["extractors"]) == {"ours", "readability-lxml", "trafilatura"}
    for name, row in report["extractors"].items():
        assert row["pages"] == len(PAGES)
        for key in ("precision", "recall", "f1", "title_exact"):
            assert 0.0 <= row[key] <= 1.0, (name, key, row[key])
        assert set(row["per_page_f1"]) == set(PAGES)
        assert all(0.0 <= value <= 1.0 for value in row["per_page_f1"].values())
        assert isinstance(row["raised"], list) and isinstance(row["empty"], list)
        assert len(row["pass_cpu_seconds"]) == 1 and row["pages_per_second"] > 0 and row["pages_per_wall_second"] > 0
        for key in ("byline_contains", "byline_either_way", "date_same_day"):
            if name == "readability-lxml":
                assert row[key] is None  # bare readability-lxml has no byline or date
            else:
                assert 0.0 <= row[key] <= 1.0, (name, key, row[key])
    assert report["extractors"]["ours"]["f1"] > 0.5

    seed = report["seed"]
    if seed is not None:
        assert set(seed) == {"ours", "readability-lxml", "trafilatura"}
        assert seed["ours"]["title_exact"] in (True, False)
        assert seed["ours"]["paragraphs_expected"] > 0

    ours, text_only = report["extractors"]["ours"]["pass_cpu_seconds"][0], report["timing_only"][bench.TEXT_ONLY]["pass_cpu_seconds"][0]
    assert report["ours_vs_text_only_by_pass"] == [round(text_only / ours, 3)]

    table = bench.markdown(report)
    assert table.count("\n| ours |") == 2  # readability-pages table and seed table
    assert "pass by pass: " in table


def test_timed_passes_take_turns_page_by_page(monkeypatch):
    """Each pass of every runner spans the same seconds: the runners alternate on every page,
    not pass after pass."""
    bench = _load_bench()
    calls = []

    def runner(name):
        return lambda html, url: calls.append((name, html)) or bench.Extracted(text=html, title=None, byline="", date=None)

    monkeypatch.setattr(bench, "RUNNERS", {"a": runner("a"), "b": runner("b")})
    monkeypatch.setattr(bench, "WARM_UP_PAGES", 1)
    pages = [{"source": f"page {i}".encode()} for i in range(3)]
    outputs = {}
    seconds = bench.time_passes(pages, ["a", "b"], 2, first_pass_outputs=outputs)
    warm_up = [("a", "page 0"), ("b", "page 0")]
    assert calls == warm_up + [(name, f"page {i}") for _ in range(2) for i in range(3) for name in ("a", "b")]
    assert {name: len(times["cpu"]) for name, times in seconds.items()} == {"a": 2, "b": 2}
    # The first timed pass's output is what the scores are computed from (no extra pass).
    assert {name: [result.text for result, error in pages_out] for name, pages_out in outputs.items()} == {
        name: ["page 0", "page 1", "page 2"] for name in ("a", "b")
    }


def test_scores_of_the_first_timed_pass_equal_those_of_a_pass_of_their_own():
    bench = _load_bench()
    pages = bench.load_corpus(CORPUS_DIR, PAGES)
    outputs = {}
    bench.time_passes(pages, ["ours"], 1, first_pass_outputs=outputs)
    assert bench.score_pages(pages, "ours", outputs["ours"]) == bench.score_pages(pages, "ours")


def test_byline_and_date_rules():
    bench = _load_bench()
    assert bench.byline_contains("Nathan Willis", "By Nathan Willis")
    assert not bench.byline_contains("Nathan Willis", "By Nathan Willis\n  March 25, 2015")
    assert bench.byline_either_way("Nathan Willis", "By Nathan Willis\n  March 25, 2015")
    assert not bench.byline_either_way("Nat", "Nathan Willis")
    assert not bench.byline_contains("", "Nathan Willis")
    import datetime as dt

    assert bench.same_day(dt.datetime(2015, 7, 24, 4, 36, tzinfo=dt.UTC), "2015-07-24T05:36:09+01:00")
    assert bench.same_day(dt.date(2024, 6, 25), "2024-06-25")
    assert not bench.same_day(None, "2024-06-25")


def test_metadata_accuracy_stays_above_the_pinned_floors():
    """The CI gate for metadata (the text F1 gate is in test_extract.py): title exact-match,
    byline and publication-day accuracy of ours over all 78 pages, scored by the benchmark's
    own rules, must not drop below tests/extraction_floors.json."""
    import json

    bench = _load_bench()
    floors = json.loads((REPO / "tests" / "extraction_floors.json").read_text(encoding="utf-8"))
    row, _ = bench.score_pages(bench.load_corpus(CORPUS_DIR), "ours")
    measured = {
        "readability_pages_title_exact": row["title_exact"],
        "readability_pages_byline_contains": row["byline_contains"],
        "readability_pages_byline_either_way": row["byline_either_way"],
        "readability_pages_date_same_day": row["date_same_day"],
    }
    print("\nmetadata accuracy:", {key: round(value, 3) for key, value in measured.items()})
    below = {key: (value, floors[key]) for key, value in measured.items() if value < floors[key]}
    assert not below, f"metadata accuracy below the floors (measured, floor): {below}"
