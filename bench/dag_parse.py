"""DAG parse time: what Airflow's dag-processor pays for each DAG file, per parse.

The dag-processor parses each file in a child process forked from itself, so whatever the file
imports beyond what the processor already holds (newslake's modules, the sources file) is paid
on every parse. This benchmark does the same: a parent loads what the processor has loaded
(Airflow's DagBag and dag-processing modules, the Task SDK's public classes), then forks one
child per parse, which fills a ``DagBag`` from the one file; the figure is that DagBag's own
parse duration for the file (what ``airflow dags report`` prints), median of ``--repeats``; the
files take turns, one parse each, so every row's parses span the same minutes.

Rows: every file in ``dags/`` with the sources file the project ships; ``newslake_sources.py``
again with ``--sources`` (50) generated sources; and, as baselines measured in the same run,
files that import nothing but Airflow: a one-task DAG, and the Airflow-only equivalent of
``newslake_sources.py`` for the 5 sample sources (5 DAGs of the same 5 tasks, 3 params, pools,
timetable and asset, the tasks doing nothing) — the part of that file's time that is Airflow's.

As in a deployment, the parses run with Python's bytecode cache (kept under a temporary
``sys.pycache_prefix``, warmed by a first parse) and with newslake's cache of the validated
sources file (``newslake.dag_sources``, in a temporary ``NEWSLAKE_CACHE_DIR``, written by that
first parse). The column "first parse" is a parse with neither (``NEWSLAKE_CACHE_DIR=off``, an
empty bytecode folder): what the first parse after a deployment or an edit of the sources file
pays, and what every parse pays where ``PYTHONDONTWRITEBYTECODE`` is set (this machine, many
Docker images) — the sources-file cache still helps there.

    .venv/bin/python bench/dag_parse.py [--repeats 7] [--sources 50]

Targets (issue #10): each file ≤ 50 ms; all DAGs ≤ 1 s with 50 sources configured.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import statistics
import sys
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
# newslake_sources.py's DAGs for the sample sources, built with Airflow alone (no newslake import,
# tasks that do nothing): what Airflow itself spends on such a file.
AIRFLOW_ONLY_SOURCE_DAGS = '''
import datetime as dt
from airflow.sdk import DAG, Asset, CronDataIntervalTimetable, Param, task


def build(index):
    with DAG(
        dag_id=f"baseline_source_{index}",
        description="Daily articles of one source into the lake",
        schedule=CronDataIntervalTimetable("0 2 * * *", timezone="Africa/Casablanca"),
        start_date=dt.datetime(2026, 1, 1),
        catchup=False,
        max_active_runs=4,
        default_args={"owner": "newslake", "retries": 2, "retry_delay": dt.timedelta(minutes=5), "retry_exponential_backoff": True},
        tags=["newslake", "source", "fr"],
        params={
            "force_refetch": Param(False, type="boolean", description="Fetch pages again"),
            "limit": Param(None, type=["null", "integer"], minimum=1, description="Land at most this many"),
            "dry_run": Param(False, type="boolean", description="Only discover"),
        },
    ) as dag:
        @task(pool=f"baseline_host_{index}")
        def discover(params=None):
            return {}

        @task(pool=f"baseline_host_{index}")
        def fetch(params=None):
            return {}

        @task
        def extract():
            return {}

        @task(retries=0)
        def validate():
            return {}

        @task(outlets=[Asset(name=f"baseline_articles_{index}", group="newslake")])
        def publish():
            return {}

        discover() >> fetch() >> extract() >> validate() >> publish()
    return dag


for _index in range(COUNT):
    globals()[f"baseline_source_{_index}"] = build(_index)
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


def _parse_in_child(dag_file: Path, env: dict[str, str], bytecode: Path) -> dict:
    """Fork, parse ``dag_file`` in the child, return its parse duration (ms) and DAG count.
    ``bytecode``: the folder of the child's bytecode cache (read, and written when missing)."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: one parse, then report and leave without cleanup (as the processor's children do)
        os.close(read_end)
        try:
            os.environ.update(env)
            sys.pycache_prefix = str(bytecode)
            sys.dont_write_bytecode = False
            import logging

            logging.disable(logging.CRITICAL)
            # Airflow logs through structlog, which logging.disable does not reach: its "Filling up
            # the DagBag" line (written before the timed parse) goes nowhere rather than to make
            # bench's output. What went wrong still reaches the parent, through the pipe.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 1)
            os.dup2(devnull, 2)
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

    sample = _sample_sources()
    sources = []
    for index in range(count):
        source = copy.deepcopy(sample[index % len(sample)])
        source["id"] = f"{source['id']}-{index}"
        sources.append(source)
    path = folder / f"sources-{count}.yaml"
    path.write_text(yaml.safe_dump({"sources": sources}, allow_unicode=True), encoding="utf-8")
    return path


def measure(cases: list[tuple[Path, dict[str, str]]], repeats: int, scratch: Path) -> list[tuple[float, float, int]]:
    """For each (DAG file, environment): the median parse time warm (bytecode and sources-file
    caches, after a first parse that fills them) and first (neither cache: each parse with an
    empty bytecode folder), and the DAG count. The files take turns, parse by parse, a warm
    parse and a first one each: this machine's speed moves from second to second
    (bench/machine_speed.py), and the rows and columns are compared with each other (the
    baselines, warm against first) as well as with the target."""
    warm_bytecode = scratch / "bytecode"

    def warm_env(env):
        return {**env, "NEWSLAKE_CACHE_DIR": str(scratch / "sources-cache")}

    for dag_file, env in cases:
        _check(dag_file, [_parse_in_child(dag_file, warm_env(env), warm_bytecode)])
    warm: list[list[dict]] = [[] for _ in cases]
    first: list[list[dict]] = [[] for _ in cases]
    for _ in range(repeats):
        for index, (dag_file, env) in enumerate(cases):
            warm[index].append(_check(dag_file, [_parse_in_child(dag_file, warm_env(env), warm_bytecode)])[0])
            empty_bytecode = Path(tempfile.mkdtemp(dir=scratch, prefix="empty-bytecode-"))
            first[index].append(_check(dag_file, [_parse_in_child(dag_file, {**env, "NEWSLAKE_CACHE_DIR": "off"}, empty_bytecode)])[0])
    return [
        (statistics.median(r["ms"] for r in warm_runs), statistics.median(r["ms"] for r in first_runs), warm_runs[0]["dags"])
        for warm_runs, first_runs in zip(warm, first, strict=True)
    ]


def _check(dag_file: Path, results: list[dict]) -> list[dict]:
    errors = [error for result in results for error in result["errors"]]
    if errors:
        raise SystemExit(f"{dag_file.name}: import errors: {errors[0]}")
    return results


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
        sample_count = len(_sample_sources())
        airflow_only = scratch_path / "baseline_source_dags.py"
        airflow_only.write_text(AIRFLOW_ONLY_SOURCE_DAGS.replace("COUNT", str(sample_count)), encoding="utf-8")
        many = _generated_sources(args.sources, scratch_path)

        dag_files = sorted((REPO / "dags").glob("*.py"))
        cases = [(baseline, {}), (airflow_only, {}), *((dag_file, {}) for dag_file in dag_files),
                 (REPO / "dags" / "newslake_sources.py", {"NEWSLAKE_SOURCES_FILE": str(many)})]
        figures = measure(cases, args.repeats, scratch_path)
        baselines = [
            ("baseline: one @task, Airflow only", *figures[0]),
            (f"baseline: Airflow-only {sample_count} source DAGs", *figures[1]),
        ]
        rows = [(dag_file.name, "sample sources", dags, ms, first_ms, ms <= 50)
                for dag_file, (ms, first_ms, dags) in zip(dag_files, figures[2:-1], strict=True)]
        ms, first_ms, dags = figures[-1]
        rows.append(("newslake_sources.py", f"{args.sources} sources", dags, ms, first_ms, None))
        others = [row for row in rows[:-1] if row[0] != "newslake_sources.py"]
        all_files = sum(row[3] for row in others) + ms
        all_files_first = sum(row[4] for row in others) + first_ms

    print(f"DAG parse time (median of {args.repeats} forked parses, ms; {os.cpu_count()} cores)")
    print(f"{'file':42} {'config':16} {'DAGs':>5} {'ms':>8} {'first parse':>12}  target")
    for name, ms_, first_ms_, dags in baselines:
        print(f"{'(' + name + ')':42} {'':16} {dags:>5} {ms_:>8.1f} {first_ms_:>12.1f}")
    for name, config, dags, ms_, first_ms_, ok in rows:
        target = "" if ok is None else ("≤ 50 ms: ok" if ok else "≤ 50 ms: MISSED")
        print(f"{name:42} {config:16} {dags:>5} {ms_:>8.1f} {first_ms_:>12.1f}  {target}")
    verdict = "ok" if all_files <= 1000 else "MISSED"
    label = f"all files, {args.sources} sources"
    print(f"{label:42} {'':16} {'':>5} {all_files:>8.1f} {all_files_first:>12.1f}  ≤ 1000 ms: {verdict}")
    if args.json:
        figures = {
            "repeats": args.repeats, "sources": args.sources,
            "baseline_ms": baselines[0][1], "baseline_first_ms": baselines[0][2],
            "airflow_only_source_dags_ms": baselines[1][1], "airflow_only_source_dags_first_ms": baselines[1][2],
            "sample_source_count": sample_count,
            "files": [
                {"file": name, "config": config, "dags": dags, "ms": ms_, "first_parse_ms": first_ms_}
                for name, config, dags, ms_, first_ms_, _ in rows
            ],
            "max_file_ms_sample_sources": max(row[3] for row in rows[:-1]),
            "all_files_ms_many_sources": all_files,
            "all_files_first_parse_ms_many_sources": all_files_first,
        }
        args.json.write_text(json.dumps(figures, indent=2) + "\n")


def _sample_sources() -> list[dict]:
    import yaml

    return yaml.safe_load(SAMPLE_SOURCES.read_text(encoding="utf-8"))["sources"]


if __name__ == "__main__":
    main()
