"""bench/summary.py: `make bench`'s closing table, from the JSON the benchmarks write."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _summary():
    spec = importlib.util.spec_from_file_location("bench_summary", REPO / "bench" / "summary.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _run(pages: int, peak_mb: float) -> dict:
    return {"pages": pages, "tasks": {"fetch": {"rss_peak_mb": peak_mb, "workers_uss_peak_mb": 10.0}, "validate": {"rss_peak_mb": peak_mb - 50}}}


def test_end_to_end_is_judged_against_the_same_pages_and_reported_against_the_corpus_rate(tmp_path):
    ours = {"pages_per_second": 20.0, "f1": 0.96}
    (tmp_path / "extraction.json").write_text(json.dumps({
        "extractors": {"ours": ours, "readability-lxml": {"f1": 0.95}, "trafilatura": {"f1": 0.94}},
        "timing_only": {"readability-lxml text only": {"pages_per_second": 10.0}},
    }))
    (tmp_path / "end_to_end.json").write_text(json.dumps({
        "pages": 2000, "pages_per_second": 36.0, "pure_extraction_pages_per_second_one_core": 100.0, "ratio_to_two_cores": 0.18,
        "runs": [_run(500, 500.0), _run(2000, 560.0)],
    }))
    rows = {row[0]: row[1:] for row in _summary().rows(tmp_path)}

    same_pages = rows["end to end through Airflow, pages/s (2000 pages; vs pure extraction of the same pages × 2 cores)"]
    assert same_pages == ("36.0", "200.0", "0.18", "≥ 0.8", "**no**")
    corpus = rows["end to end through Airflow, pages/s vs the extraction row's rate (real corpus pages) × 2 cores"]
    assert corpus == ("36.0", "40.0", "0.90", "report", "")
    memory = rows["peak memory of a task, MiB (2000 pages vs 500)"]
    assert memory[:3] == ("570", "510", "1.12×") and memory[-1] == "yes"
    # A benchmark that did not run says so, with the command that runs it.
    assert rows["DAG parse"] == ("not run", "", "", "", "`bench/dag_parse.py --json bench-results/dag_parse.json`")
