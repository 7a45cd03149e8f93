"""bench/summary.py: `make bench`'s closing table, from the JSON the benchmarks write."""

from __future__ import annotations

import json

from benchmodules import load_bench


def _summary():
    return load_bench("summary")


def _run(pages: int, peak_mb: float) -> dict:
    return {"pages": pages, "tasks": {"fetch": {"rss_peak_mb": peak_mb, "workers_uss_peak_mb": 10.0}, "validate": {"rss_peak_mb": peak_mb - 50}}}


def test_end_to_end_is_judged_for_each_page_weight_against_extraction_of_the_same_pages(tmp_path):
    ours = {"pages_per_second": 20.0, "f1": 0.96}
    (tmp_path / "extraction.json").write_text(json.dumps({
        "extractors": {"ours": ours, "readability-lxml": {"f1": 0.95}, "trafilatura": {"f1": 0.94}},
        "timing_only": {"readability-lxml text only": {"pages_per_second": 10.0}},
    }))
    (tmp_path / "end_to_end.json").write_text(json.dumps({
        "pages": 2000, "weight": "sample", "mean_page_bytes": 11000, "pages_per_second": 36.0,
        "pure_extraction_pages_per_second_one_core": 100.0, "ratio_to_two_cores": 0.18,
        "runs": [_run(500, 500.0), _run(2000, 560.0)],
    }))
    rows = {row[0]: row[1:] for row in _summary().rows(tmp_path)}

    sample = rows["end to end through Airflow, pages/s (2000 sample-site pages, 11 KiB; vs pure extraction of the same pages × 2 cores)"]
    assert sample == ("36.0", "200.0", "0.18", "≥ 0.8", "**no**")
    # Not run: said so, with its command.
    assert rows["end to end, pages of real weight"][0] == "not run"

    # 0.795 must not round up into a pass: the ratio comes from the rates.
    (tmp_path / "end_to_end_real_weight.json").write_text(json.dumps({
        "pages": 2000, "weight": "real", "mean_page_bytes": 190000, "pages_per_second": 31.8,
        "pure_extraction_pages_per_second_one_core": 20.0, "ratio_to_two_cores": 0.8, "runs": [_run(2000, 600.0)],
    }))
    rows = {row[0]: row[1:] for row in _summary().rows(tmp_path)}
    real = rows["end to end through Airflow, pages/s (2000 pages of real weight, 186 KiB; vs pure extraction of the same pages × 2 cores)"]
    assert real == ("31.8", "40.0", "0.80", "≥ 0.8", "**no**")
    memory = rows["peak memory of a task, MiB (2000 pages vs 500)"]
    assert memory[:3] == ("570", "510", "1.12×") and memory[-1] == "yes"
    # A benchmark that did not run says so, with the command that runs it.
    assert rows["DAG parse"] == ("not run", "", "", "", "`bench/dag_parse.py --json bench-results/dag_parse.json`")


def test_end_to_end_reports_the_bounds_its_run_measured(tmp_path):
    (tmp_path / "end_to_end_real_weight.json").write_text(json.dumps({
        "pages": 2000, "weight": "real", "mean_page_bytes": 190000, "pages_per_second": 35.0,
        "pure_extraction_pages_per_second_one_core": 36.4, "cpu_ceiling_of_the_ratio": 0.574,
        "seconds_outside_the_fetch_step": 12.03, "ratio_bound_with_a_free_fetch": 0.696, "runs": [_run(2000, 600.0)],
    }))
    rows = {row[0]: row[1:] for row in _summary().rows(tmp_path)}
    bounds = rows["end to end, bounds of that ratio (pages of real weight): CPU ceiling; with a fetch step as fast as "
                  "pure extraction (the 12.0 s outside it kept)"]
    assert bounds[0] == "0.57; 0.70"
