"""bench/pyspy_summary.py: where a profiled end-to-end run spent its time (`make profile`)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from benchmodules import load_bench

REPO = Path(__file__).resolve().parents[1]
PY_SPY = Path(sys.executable).parent / "py-spy"

TASK = 'process 10:"python bench/end_to_end.py run"'
WORKER = 'process 11:"python bench/end_to_end.py run"'
# What the task process's stacks look like down to a step (py-spy raw: outermost frame first).
DAG_TEST = ["<module> (end_to_end.py:885)", "DAG.test (airflow/sdk/definitions/dag.py:1466)", "run_step (newslake/orchestration.py:300)"]
IN_FETCH = [*DAG_TEST, "fetch (newslake/pipeline.py:299)"]


@pytest.fixture(scope="module")
def summary_module():
    return load_bench("pyspy_summary")


def line(frames: list[str], count: int) -> str:
    return ";".join(frames) + f" {count}"


def test_samples_are_counted_per_step_per_part_of_fetch_and_of_the_workers(summary_module, tmp_path):
    profile = tmp_path / "run.pyspy"
    profile.write_text("\n".join([
        line(['process 9:"bench"', TASK, *IN_FETCH, "HttpClient.fetch (newslake/http.py:270)", "AsyncClient.send (httpx/_client.py:1)"], 30),
        # The archive runs in the HTTP client's callback: the gzip is counted as the archive's.
        line(['process 9:"bench"', TASK, *IN_FETCH, "HttpClient.fetch (newslake/http.py:270)", "fetch.<locals>.archive (newslake/pipeline.py:310)",
              "response_member (newslake/rawzone.py:80)", "compress (zlib_ng/gzip_ng.py:191)"], 20),
        line(['process 9:"bench"', TASK, *IN_FETCH, "fetch.<locals>.archive (newslake/pipeline.py:310)", "response_member (newslake/rawzone.py:80)",
              "warc_record (newslake/rawzone.py:60)"], 4),
        line(['process 9:"bench"', TASK, *IN_FETCH, "ExtractAhead.finish (newslake/parallel.py:240)", "Condition.wait (threading.py:327)"], 15),
        line(['process 9:"bench"', TASK, *DAG_TEST, "validate (newslake/pipeline.py:500)", "validate_frame (newslake/validate.py:1)"], 7),
        line(['process 9:"bench"', TASK, "<module> (end_to_end.py:885)", "DAG.test (airflow/sdk/definitions/dag.py:1466)", "sleep (time:1)"], 3),
        # A forked worker's stack starts with its parent's, down to the pool's loop.
        line(['process 9:"bench"', TASK, WORKER, *IN_FETCH, "_process_worker (concurrent/futures/process.py:250)",
              "_staged_lines (newslake/parallel.py:297)", "_extract_member (newslake/parallel.py:336)",
              "extract_article (newslake/extract.py:40)", "document_fromstring (lxml/html/__init__.py:740)"], 50),
        line(['process 9:"bench"', TASK, WORKER, *IN_FETCH, "_process_worker (concurrent/futures/process.py:250)",
              "_staged_lines (newslake/parallel.py:297)", "_extract_member (newslake/parallel.py:335)", "read_record (newslake/rawzone.py:120)"], 5),
        line(['process 9:"bench"', TASK, WORKER, *IN_FETCH, "_process_worker (concurrent/futures/process.py:250)", "Queue.get (multiprocessing/queues.py:103)"], 2),
        # Left out: another thread of the task process, and the other processes.
        line(['process 9:"bench"', TASK, "Thread._bootstrap (threading.py:1002)", "sample_memory (end_to_end.py:400)"], 99),
        line(['process 9:"bench"', "<module> (end_to_end.py:885)", "main (end_to_end.py:861)"], 77),
    ]) + "\n")

    summary = summary_module.summarise(summary_module.read_profile(profile))
    assert summary["task_process_steps"] == {"fetch": 69, "validate": 7, "Airflow: dag.test() around and between the steps": 3}
    assert summary["fetch_parts"] == {
        "HTTP client (httpx and newslake's rules on it)": 30,
        "archive: gzip of each WARC record": 20,
        "archive: the rest of each WARC record (headers, digests)": 4,
        "waiting for the extraction pool to finish": 15,
    }
    assert summary["pool_workers"] == 1
    assert summary["pool_worker_parts"] == {
        "extract_article": 50, "reading each record (gzip, WARC parse)": 5, "waiting for records, the pool's plumbing": 2,
    }


def test_a_file_that_is_not_a_py_spy_raw_profile_is_named_with_its_line(summary_module, tmp_path):
    profile = tmp_path / "flame.svg"
    profile.write_text(line(IN_FETCH, 3) + "\n<svg version='1.1'>\n")
    with pytest.raises(ValueError, match=r"flame\.svg:2: not a py-spy raw profile line"):
        summary_module.read_profile(profile)
    other = tmp_path / "other.pyspy"
    other.write_text(line(['process 1:"python -c pass"', "<module> (<string>:1)"], 5) + "\n")
    completed = subprocess.run([sys.executable, str(REPO / "bench" / "pyspy_summary.py"), str(other)], capture_output=True, text=True)
    assert completed.returncode == 2 and "no sample of a dag.test() run" in completed.stderr
    completed = subprocess.run([sys.executable, str(REPO / "bench" / "pyspy_summary.py"), str(tmp_path / "missing.pyspy")], capture_output=True, text=True)
    assert completed.returncode == 2 and "make profile" in completed.stderr


def test_a_real_profile_of_a_small_day_shows_every_step_and_the_workers(tmp_path):
    if not PY_SPY.exists():
        pytest.skip(f"py-spy is not installed beside {sys.executable} (requirements-dev.txt installs it)")
    profile, figures = tmp_path / "day.pyspy", tmp_path / "summary.json"
    recorded = subprocess.run(
        [str(PY_SPY), "record", "--subprocesses", "--idle", "--rate", "100", "--format", "raw", "--output", str(profile), "--",
         sys.executable, str(REPO / "bench" / "end_to_end.py"), "--pages", "60", "--rss-pages", "--sample", "10"],
        capture_output=True, text=True, timeout=600,
    )
    if recorded.returncode != 0 and "Permission denied" in recorded.stderr + recorded.stdout:
        pytest.skip(f"py-spy may not read other processes' memory here (ptrace): {recorded.stderr.strip()[-300:]}")
    assert recorded.returncode == 0, (recorded.stdout[-2000:], recorded.stderr[-2000:])
    completed = subprocess.run(
        [sys.executable, str(REPO / "bench" / "pyspy_summary.py"), str(profile), "--rate", "100", "--json", str(figures)],
        capture_output=True, text=True, timeout=120,
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    summary = json.loads(figures.read_text())
    assert {"discover", "fetch", "extract", "validate"} <= {step for step, samples in summary["task_process_steps"].items() if samples > 0}
    assert summary["fetch_parts"].get("HTTP client (httpx and newslake's rules on it)", 0) > 0
    # 60 pages are enough for the fetch task's pool: its workers extracted them.
    assert summary["pool_workers"] >= 1 and summary["pool_worker_parts"]["extract_article"] > 0
    assert "| fetch step, task process |" in completed.stdout
