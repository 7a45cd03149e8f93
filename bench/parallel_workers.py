"""Parallel workers: the same day's work done by 1 and by 2 worker processes.

What a worker does for one source-day once the pages are fetched is CPU work: parse and extract
every page, validate the partition with Great Expectations, write Parquet. That is the part
that more workers speed up (fetching is bound by each site's politeness, not by workers). This
benchmark measures it:

* setup (not timed): serve the offline sample site on 127.0.0.1, run discover → fetch →
  extract → validate → publish for every sample source and day into a temporary lake; then copy
  each partition's raw zone under ``--copies`` more source ids, so that the day's work has
  enough partitions to keep two workers busy (a day of 5 sources × 3 days × (1 + copies));
* timed: rebuild every partition from the raw zone (restage → extract → validate → publish,
  exactly the re-extraction DAG's task, no network) with a pool of 1 worker, then of 2. Each
  partition runs in a fresh process (``maxtasksperchild=1``), as an Airflow task does — forked
  from this process, which has imported pyarrow and Great Expectations while building the lake,
  so those imports are not paid per task. Rounds alternate 1 and 2 workers; the best of
  ``--rounds`` is reported.

    .venv/bin/python bench/parallel_workers.py [--copies 3] [--rounds 2] [--json PATH]

On a 2-core machine a speed-up near 2× means the work is CPU-bound and shares nothing that
serialises it (no lock, no shared file): what lets it scale out on more workers.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import multiprocessing
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "include"))


def _context(source, day: dt.date, lake_dir: str):
    from newslake.config import Settings
    from newslake.pipeline import PartitionContext
    from newslake.storage import Storage

    return PartitionContext(source=source, day=day, storage=Storage(lake_dir), settings=Settings.load(lambda name: None))


def build_lake(lake_dir: str, copies: int) -> list[tuple[object, dt.date]]:
    """The sample site's partitions, run for real, then their raw zones copied ``copies`` times."""
    from newslake import lake, pipeline
    from newslake.config import load_sources
    from newslake.sample_site import SAMPLE_DATES, serve_sample_site
    from newslake.storage import Storage

    os.environ["NEWSLAKE_ALLOWED_NETWORKS"] = "127.0.0.0/8"
    storage = Storage(lake_dir)
    partitions = []
    with serve_sample_site(port=0) as site:
        os.environ["NEWSLAKE_SAMPLE_SITE_URL"] = site.base_url
        sources = load_sources(REPO / "include" / "sources" / "sample.yaml")
        for source in sources:
            for day in SAMPLE_DATES:
                ctx = _context(source, day, lake_dir)
                for step in (pipeline.discover, pipeline.fetch, pipeline.extract, pipeline.validate, pipeline.publish):
                    step(ctx)
                partitions.append((source, day))
    for source, day in list(partitions):
        for n in range(1, copies + 1):
            copy = source.model_copy(update={"id": f"{source.id}-copy{n}"})
            for name in ("responses.warc.gz", "discovered.json", "fetched.json"):
                storage.copy(f"raw/{lake.partition(day, source.id)}/{name}", f"raw/{lake.partition(day, copy.id)}/{name}")
            partitions.append((copy, day))
    return partitions


def rebuild(job: tuple[object, dt.date, str]) -> float:
    """One partition rebuilt from the raw zone in this (fresh) process; returns its seconds."""
    from newslake import pipeline

    source, day, lake_dir = job
    started = time.perf_counter()
    ctx = _context(source, day, lake_dir)
    for step in (pipeline.restage_from_raw, pipeline.extract, pipeline.validate, pipeline.publish):
        step(ctx)
    return time.perf_counter() - started


def run_day(partitions, lake_dir: str, workers: int) -> dict[str, float]:
    jobs = [(source, day, lake_dir) for source, day in partitions]
    started = time.perf_counter()
    with multiprocessing.get_context("fork").Pool(workers, maxtasksperchild=1) as pool:
        task_seconds = pool.map(rebuild, jobs, chunksize=1)
    wall = time.perf_counter() - started
    return {"workers": workers, "wall_seconds": wall, "partitions": len(jobs), "task_seconds_sum": sum(task_seconds)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--copies", type=int, default=3, help="extra copies of each sample partition (default 3)")
    parser.add_argument("--rounds", type=int, default=2, help="timed rounds per worker count (best kept)")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)

    workdir = tempfile.mkdtemp(prefix="newslake-bench-workers-")
    try:
        lake_dir = str(Path(workdir) / "lake")
        print("setting up: the sample site's partitions, run for real ...", flush=True)
        partitions = build_lake(lake_dir, args.copies)
        best: dict[int, dict[str, float]] = {}
        for round_number in range(args.rounds):
            for workers in (1, 2):
                result = run_day(partitions, lake_dir, workers)
                print(f"  round {round_number + 1}: {workers} worker(s): {result['wall_seconds']:.1f} s for {result['partitions']} partitions", flush=True)
                if workers not in best or result["wall_seconds"] < best[workers]["wall_seconds"]:
                    best[workers] = result
        speedup = best[1]["wall_seconds"] / best[2]["wall_seconds"]
        report = {
            "date": dt.date.today().isoformat(),
            "command": "bench/parallel_workers.py " + " ".join(argv if argv is not None else sys.argv[1:]),
            "cpus": os.cpu_count(),
            "load_average_at_end": os.getloadavg(),
            "partitions": len(partitions),
            "one_worker_seconds": round(best[1]["wall_seconds"], 2),
            "two_workers_seconds": round(best[2]["wall_seconds"], 2),
            "speedup": round(speedup, 3),
        }
        print(
            "\n| workers | partitions | wall s | partitions/min |\n| ---: | ---: | ---: | ---: |\n"
            + "\n".join(
                f"| {w} | {best[w]['partitions']} | {best[w]['wall_seconds']:.1f} | {60 * best[w]['partitions'] / best[w]['wall_seconds']:.1f} |"
                for w in (1, 2)
            )
            + f"\n\nspeed-up with 2 workers: {speedup:.2f}x on {os.cpu_count()} CPUs (load average at the end: "
            + ", ".join(f"{x:.2f}" for x in os.getloadavg()) + ")"
        )
        if args.json:
            args.json.write_text(json.dumps(report, indent=2) + "\n")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
