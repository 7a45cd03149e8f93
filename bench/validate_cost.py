"""The validate task's cost on a day of a real outlet's size: Great Expectations' import and the
validation itself, each in a fresh interpreter, as every validate task of a deployment runs.

On a day of 200 pages the validate task costs about as much CPU as extracting the whole day, and
most of it is a fixed cost per partition (docs/PERFORMANCE.md, "A day of a real outlet's
size"). This measures the two parts apart:

* set-up (not timed): the end-to-end bench's site (``end_to_end.BenchSite``) serves ``--pages``
  pages of real weight on 127.0.0.1, and discover, fetch and extract stage one partition in a
  temporary local lake;
* ``--runs`` times, a fresh interpreter pinned to one CPU imports what a task's process already
  holds when the task starts (``airflow.sdk``, which brings SQLAlchemy, and pyarrow, polars and
  pandas, which the other tasks need too; not counted), then Great Expectations as the validate
  step imports it, collector paused and heap frozen after (``newslake.validate.heap_frozen_for_gx``;
  counted: *import*), then runs ``pipeline.validate`` on a copy of the staged partition, Data
  Docs included (counted: *validate*). CPU time of that interpreter (``time.process_time``).
  ``--collector-left-alone`` adds, taking turns, runs with that handling of the garbage
  collector turned into no-ops: what it saves;
* once, ``-X importtime`` of the same import, its self time summed per top-level package: where
  the import goes.

    .venv/bin/python bench/validate_cost.py [--pages 200] [--runs 4] [--json PATH]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "include"), str(REPO / "bench")]
DAY = dt.date(2026, 11, 20)

# What an Airflow task's process has imported before the validate task's code runs: the Task SDK
# (which imports SQLAlchemy: GX's import then finds it loaded) and the tables' libraries.
ALREADY_IMPORTED = "import airflow.sdk, pyarrow, polars, pandas"

# Run in each fresh interpreter: argv = lake folder, sources file, day, collector ("managed", or
# "left alone": newslake's pause and freeze of the garbage collector turned into no-ops).
MEASURE = ALREADY_IMPORTED + """  # not what this measures
import datetime as dt, gc, json, sys, time
if sys.argv[4] == "left alone":
    gc.disable = gc.freeze = gc.unfreeze = lambda: None
from newslake import pipeline
from newslake.config import Settings, load_sources
from newslake.storage import Storage
from newslake.validate import heap_frozen_for_gx
[source] = load_sources(sys.argv[2])
ctx = pipeline.PartitionContext(source, dt.date.fromisoformat(sys.argv[3]), Storage(sys.argv[1]), Settings())
started = time.process_time()
# As pipeline.validate starts: GX imported, then the heap frozen (its own, nested, then does nothing).
with heap_frozen_for_gx():
    imported = time.process_time()
    pipeline.validate(ctx)
print(json.dumps({"import": imported - started, "validate": time.process_time() - imported}))
"""


def stage_partition(pages: int, workdir: Path) -> tuple[Path, Path]:
    """Serve a day of ``pages`` pages and stage its partition (discover, fetch, extract); return
    the lake folder and the sources file."""
    import end_to_end

    from newslake import pipeline
    from newslake.config import Settings, load_sources
    from newslake.storage import Storage

    sources_file, lake = workdir / "sources.yaml", workdir / "lake"
    with end_to_end.BenchSite(pages, DAY, "real") as site:
        end_to_end.write_sources_file(sources_file, site.base_url)
        [source] = load_sources(sources_file)
        ctx = pipeline.PartitionContext(source, DAY, Storage(str(lake)), Settings(allowed_networks="127.0.0.0/8"))
        for step in (pipeline.discover, pipeline.fetch, pipeline.extract):
            step(ctx)
    return lake, sources_file


def measure_once(lake: Path, sources_file: Path, cpu: int, collector: str = "managed") -> dict[str, float]:
    """Import and validate in a fresh interpreter on a copy of the staged lake."""
    with tempfile.TemporaryDirectory(prefix="newslake-validate-cost-") as copy:
        shutil.copytree(lake, Path(copy) / "lake")
        done = subprocess.run(
            [sys.executable, "-c", MEASURE, str(Path(copy) / "lake"), str(sources_file), DAY.isoformat(), collector],
            capture_output=True, text=True, timeout=600, env=_environment(), preexec_fn=lambda: os.sched_setaffinity(0, {cpu}),
        )
    if done.returncode != 0:
        raise RuntimeError(f"the measuring interpreter failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def import_time_by_package() -> dict[str, float]:
    """Seconds of self time per top-level package while importing GX (``-X importtime``), after
    what a task's process already holds (ALREADY_IMPORTED): only the lines printed after a mark
    written between the two count, so a module both import is never counted."""
    mark = "newslake-validate-cost: GX import starts"
    probe = (f"{ALREADY_IMPORTED}\nimport sys\nprint({mark!r}, file=sys.stderr, flush=True)\n"
             "from newslake.validate import import_great_expectations\nimport_great_expectations()")
    done = subprocess.run([sys.executable, "-X", "importtime", "-c", probe], capture_output=True, text=True, env=_environment())
    if done.returncode != 0 or mark not in done.stderr:
        raise RuntimeError(f"the import probe failed:\n{done.stderr[-3000:]}")
    totals: dict[str, float] = {}
    for line in done.stderr.split(mark, 1)[1].splitlines():
        fields = line.removeprefix("import time:").split("|")
        if len(fields) != 3 or not fields[0].strip().isdigit():
            continue  # the header line
        package = fields[2].strip().split(".")[0]
        totals[package] = totals.get(package, 0.0) + int(fields[0]) / 1e6
    return dict(sorted(((name, round(seconds, 3)) for name, seconds in totals.items() if seconds > 0.001), key=lambda item: -item[1]))


def _environment() -> dict[str, str]:
    # Importing airflow writes a default airflow.cfg into AIRFLOW_HOME: one of our own, never ~/airflow.
    airflow_home = Path(tempfile.gettempdir()) / "newslake-validate-cost-airflow"
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO / "include"), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep),
            "AWS_EC2_METADATA_DISABLED": "true", "AIRFLOW_HOME": str(airflow_home), "AIRFLOW__CORE__LOAD_EXAMPLES": "False"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=200)
    parser.add_argument("--runs", type=int, default=4)
    parser.add_argument("--json", help="also write the results here")
    parser.add_argument("--collector-left-alone", action="store_true",
                        help="each run also measures, taking turns, newslake's pause and freeze of the garbage collector "
                             "turned off: what they save")
    args = parser.parse_args(argv)

    cpu = min(os.sched_getaffinity(0))
    with tempfile.TemporaryDirectory(prefix="newslake-validate-cost-") as workdir:
        print(f"staging a partition of {args.pages} pages of real weight ...", flush=True)
        lake, sources_file = stage_partition(args.pages, Path(workdir))
        runs, left_alone = [], []
        for number in range(1, args.runs + 1):
            runs.append(measure_once(lake, sources_file, cpu))
            print(f"run {number}: import {runs[-1]['import']:.2f} CPU s, validate {runs[-1]['validate']:.2f} CPU s", flush=True)
            if args.collector_left_alone:
                left_alone.append(measure_once(lake, sources_file, cpu, "left alone"))
                print(f"run {number}, garbage collector left alone: import {left_alone[-1]['import']:.2f} CPU s, "
                      f"validate {left_alone[-1]['validate']:.2f} CPU s", flush=True)
    packages = import_time_by_package()
    mean = {part: sum(run[part] for run in runs) / len(runs) for part in ("import", "validate")}
    print(f"\nvalidate task of a {args.pages}-page partition in a fresh interpreter, one CPU, {len(runs)} runs: "
          f"Great Expectations' import {mean['import']:.2f} CPU s, the validation (Data Docs included) {mean['validate']:.2f} CPU s")
    mean_left_alone = {part: sum(run[part] for run in left_alone) / len(left_alone) for part in ("import", "validate")} if left_alone else None
    if mean_left_alone:
        print(f"the same with the garbage collector left alone, taking turns: import {mean_left_alone['import']:.2f} CPU s, "
              f"validation {mean_left_alone['validate']:.2f} CPU s")
    print("\nthe import's self time by top-level package (-X importtime; after airflow.sdk, pyarrow, polars, pandas):\n")
    print("| package | s |\n| --- | ---: |")
    for name, seconds in list(packages.items())[:10]:
        print(f"| {name} | {seconds:.2f} |")
    if args.json:
        Path(args.json).write_text(json.dumps({"pages": args.pages, "runs": runs, "mean_cpu_seconds": mean,
                                               "collector_left_alone": {"runs": left_alone, "mean_cpu_seconds": mean_left_alone},
                                               "import_self_seconds_by_package": packages}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
