"""bench/validate_cost.py, run small for real: a staged partition (site on 127.0.0.1, discover,
fetch, extract), then Great Expectations' import and the validation timed in a fresh interpreter."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_validate_cost_bench_times_the_import_and_the_validation_apart(tmp_path):
    figures_file = tmp_path / "validate_cost.json"
    done = subprocess.run([sys.executable, str(REPO / "bench" / "validate_cost.py"), "--pages", "12", "--runs", "1",
                           "--collector-left-alone", "--json", str(figures_file)], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    figures = json.loads(figures_file.read_text())
    [run] = figures["runs"]
    # GX's import is seconds of CPU; a validation of 12 rows is far from nothing too (GX, Data Docs).
    assert run["import"] > 0.3 and run["validate"] > 0.05, run
    assert "great_expectations" in figures["import_self_seconds_by_package"]
    # A task's process has imported airflow.sdk, and with it SQLAlchemy, before GX: not GX's cost.
    assert "sqlalchemy" not in figures["import_self_seconds_by_package"], figures["import_self_seconds_by_package"]
    assert "| great_expectations |" in done.stdout
    # The same, taking turns, with newslake's handling of the garbage collector turned off.
    [left_alone] = figures["collector_left_alone"]["runs"]
    assert left_alone["import"] > 0.3 and left_alone["validate"] > 0.05, left_alone
    assert "garbage collector left alone" in done.stdout
