"""DAG parse time: what Airflow's dag-processor pays for each DAG file, per parse.

The dag-processor parses each file in a child process forked from itself, so whatever the file
imports beyond what the processor already holds (newslake's modules, the sources file) is paid
on every parse. This benchmark does the same: a parent loads what the processor has loaded
(Airflow's DagBag and dag-processing modules, the Task SDK's public classes), then forks one
child per parse, which fills a ``DagBag`` from the one file; the figure is that DagBag's own
parse duration for the file (what ``airflow dags report`` prints), median of ``--repeats``.

Rows: every file in ``dags/`` with the sources file the project ships; ``newslake_sources.py``
again with ``--sources`` (50) generated sources; and, as a baseline measured in the same run, a
one-task DAG file that imports nothing but Airflow.

    .venv/bin/python bench/dag_parse.py [--repeats 7] [--sources 50]

Targets (issue #10): each file ≤ 50 ms; all DAGs ≤ 1 s with 50 sources configured.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import statistics
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SAMPLE_SOURCES = REPO / "include" / "sources" / "sample.yaml"
BASELINE_DAG = '''
import datetime as dt
from airflow.sdk import DAG, task

with DAG(dag_id="baseline_one_task", schedule="@daily", start_date=dt.datetime(2026, 1, 1), catchup=False):
    @task
    def hello():
        return 1

    hello()
'''


def _prepare_environment(airflow_home: Path) -> None:
    os.environ["AIRFLOW_HOME"] = str(airflow_home)
    os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
    os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(REPO / "dags")
    os.environ.setdefault("NEWSLAKE_SAMPLE_SITE_URL", "http://127.0.0.1:8765")


def _preload_like_the_dag_processor() -> None:
    """What the processor process holds before it forks a parse: not newslake."""
    import airflow.dag_processing.processor  # noqa: F401
    from airflow.dag_processing.dagbag import DagBag  # noqa: F401
    from airflow.sdk import DAG, Asset, AssetAny, CronDataIntervalTimetable, Param, task  # noqa: F401


def _parse_in_child(dag_file: Path, env: dict[str, str]) -> dict:
    """Fork, parse ``dag_file`` in the child, return its parse duration (ms) and DAG count."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: one parse, then report and leave without cleanup (as the processor's children do)
        os.close(read_end)
        try:
            os.environ.update(env)
            import logging

            logging.disable(logging.CRITICAL)
            from airflow.dag_processing.dagbag import DagBag

            bag = DagBag(dag_folder=str(dag_file))
            [stat] = bag.dagbag_stats
            result = {"ms": stat.duration.total_seconds() * 1000, "dags": len(bag.dags), "errors": list(bag.import_errors.values())}
        except BaseException as exc:  # noqa: BLE001 - report whatever broke to the parent
            result = {"ms": None, "dags": 0, "errors": [repr(exc)]}
        os.write(write_end, json.dumps(result).encode())
        os._exit(0)
    os.close(write_end)
    chunks = []
    while chunk := os.read(read_end, 65536):
        chunks.append(chunk)
    os.close(read_end)
    os.waitpid(pid, 0)
    return json.loads(b"".join(chunks))


def _generated_sources(count: int, folder: Path) -> Path:
    """``count`` sources: the sample sources repeated under new ids (same shape as real ones)."""
    import yaml

    sample = yaml.safe_load(SAMPLE_SOURCES.read_text(encoding="utf-8"))["sources"]
    sources = []
    for index in range(count):
        source = copy.deepcopy(sample[index % len(sample)])
        source["id"] = f"{source['id']}-{index}"
        sources.append(source)
    path = folder / f"sources-{count}.yaml"
    path.write_text(yaml.safe_dump({"sources": sources}, allow_unicode=True), encoding="utf-8")
    return path


def measure(dag_file: Path, env: dict[str, str], repeats: int) -> tuple[float, int]:
    results = [_parse_in_child(dag_file, env) for _ in range(repeats)]
    errors = [error for result in results for error in result["errors"]]
    if errors:
        raise SystemExit(f"{dag_file.name}: import errors: {errors[0]}")
    return statistics.median(r["ms"] for r in results), results[0]["dags"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--sources", type=int, default=50)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="newslake-dag-parse-") as scratch:
        scratch_path = Path(scratch)
        _prepare_environment(scratch_path / "airflow")
        _preload_like_the_dag_processor()
        baseline = scratch_path / "baseline_one_task.py"
        baseline.write_text(BASELINE_DAG, encoding="utf-8")
        many = _generated_sources(args.sources, scratch_path)

        rows = []
        baseline_ms, _ = measure(baseline, {}, args.repeats)
        for dag_file in sorted((REPO / "dags").glob("*.py")):
            ms, dags = measure(dag_file, {}, args.repeats)
            rows.append((dag_file.name, "sample sources", dags, ms, ms <= 50))
        ms, dags = measure(REPO / "dags" / "newslake_sources.py", {"NEWSLAKE_SOURCES_FILE": str(many)}, args.repeats)
        rows.append(("newslake_sources.py", f"{args.sources} sources", dags, ms, None))
        others = sum(row[3] for row in rows[:-1] if row[0] != "newslake_sources.py")
        all_files = others + ms

    print(f"DAG parse time (median of {args.repeats} forked parses, ms; {os.cpu_count()} cores)")
    print(f"{'file':34} {'config':16} {'DAGs':>5} {'ms':>8}  target")
    print(f"{'(baseline: one @task, Airflow only)':34} {'':16} {1:>5} {baseline_ms:>8.1f}")
    for name, config, dags, ms_, ok in rows:
        target = "" if ok is None else ("≤ 50 ms: ok" if ok else "≤ 50 ms: MISSED")
        print(f"{name:34} {config:16} {dags:>5} {ms_:>8.1f}  {target}")
    verdict = "ok" if all_files <= 1000 else "MISSED"
    print(f"{'all files, ' + str(args.sources) + ' sources':34} {'':16} {'':>5} {all_files:>8.1f}  ≤ 1000 ms: {verdict}")
    if args.json:
        figures = {
            "repeats": args.repeats, "sources": args.sources, "baseline_ms": baseline_ms,
            "files": [{"file": name, "config": config, "dags": dags, "ms": ms_} for name, config, dags, ms_, _ in rows],
            "max_file_ms_sample_sources": max(row[3] for row in rows[:-1]),
            "all_files_ms_many_sources": all_files,
        }
        args.json.write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()
