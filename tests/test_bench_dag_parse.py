"""bench/dag_parse.py, small: every DAG file parsed in forked children as the dag-processor does,
the files taking turns; its JSON is what `make bench`'s table reads."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_dag_parse_bench_times_every_file_and_both_baselines(tmp_path):
    figures_file = tmp_path / "dag_parse.json"
    done = subprocess.run(
        [sys.executable, str(REPO / "bench" / "dag_parse.py"), "--repeats", "2", "--sources", "3", "--json", str(figures_file)],
        capture_output=True, text=True, timeout=600, cwd=REPO,
    )
    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
    figures = json.loads(figures_file.read_text())
    dag_files = sorted(path.name for path in (REPO / "dags").glob("*.py"))
    rows = {(row["file"], row["config"]): row for row in figures["files"]}
    assert set(rows) == {(name, "sample sources") for name in dag_files} | {("newslake_sources.py", "3 sources")}
    assert rows["newslake_sources.py", "sample sources"]["dags"] == figures["sample_source_count"] == 5
    assert rows["newslake_sources.py", "3 sources"]["dags"] == 3
    for row in figures["files"]:
        assert 0 < row["ms"] < 5000 and 0 < row["first_parse_ms"] < 10000, row
    assert 0 < figures["baseline_ms"] < figures["airflow_only_source_dags_ms"]
    assert figures["max_file_ms_sample_sources"] == max(row["ms"] for row in figures["files"] if row["config"] == "sample sources")
    assert "newslake_sources.py" in done.stdout and "≤ 1000 ms" in done.stdout


def test_the_files_take_turns_parse_by_parse(tmp_path, monkeypatch):
    from benchmodules import load_bench

    bench = load_bench("dag_parse")
    calls = []

    def parse(dag_file, env, bytecode):
        calls.append((dag_file.name, env["NEWSLAKE_CACHE_DIR"] == "off"))
        return {"ms": float(len(calls)), "dags": 1, "errors": []}

    monkeypatch.setattr(bench, "_parse_in_child", parse)
    figures = bench.measure([(Path("a.py"), {}), (Path("b.py"), {})], 3, tmp_path)
    warm_up, timed = calls[:2], calls[2:]
    assert warm_up == [("a.py", False), ("b.py", False)]
    assert timed == [(name, first) for _ in range(3) for name in ("a.py", "b.py") for first in (False, True)]
    # Medians of each file's own parses: a's warm parses were calls 3, 7, 11; its first parses 4, 8, 12.
    assert figures == [(7.0, 8.0, 1), (9.0, 10.0, 1)]
