"""bench/lake_health.py, run small for real: it times the lake health page's API on a synthetic
lake and prints nothing but its figures (Starlette's TestClient warned of its deprecation on
every `make bench`)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_lake_health_bench_times_the_page_and_prints_no_warning(tmp_path):
    figures_file = tmp_path / "lake_health.json"
    # Warnings shown as Python shows them by default (pytest's own filters are not inherited).
    env = {key: value for key, value in os.environ.items() if key != "PYTHONWARNINGS"}
    done = subprocess.run([sys.executable, str(REPO / "bench" / "lake_health.py"), "--days", "4", "--sources", "2", "--repeat", "1",
                           "--json", str(figures_file)], capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Warning" not in done.stderr, done.stderr[-3000:]
    assert "grid, 30 days" in done.stdout
    figures = json.loads(figures_file.read_text())
    assert (figures["days"], figures["sources"]) == (4, 2) and figures["results"]
