"""Where a profiled end-to-end run spent its time, from a py-spy sampling profile of every process.

``bench/end_to_end.py --profile`` profiles the extract task alone, with cProfile, in the task's
own process. The fetch task is where most of a day's time goes, split between its own process
(HTTP, the WARC archive, the hand-off) and the extraction pool's workers: only a sampler that
sees every process tells the parts apart. ``make profile`` records one with py-spy
(``--subprocesses --idle --format raw``: one line per distinct stack, its frames from the
outermost in, then the sample count) and prints this summary of it:

* in the task process (the one that runs ``dag.test()``), the samples of each pipeline step
  (discover, fetch, extract, validate, publish) and of Airflow around them, and, within fetch,
  its parts (``FETCH_PARTS``);
* in the extraction pool's workers, summed, extraction against reading the records.

Samples are wall-clock (``--idle`` keeps the ones where a thread waits) at the rate given with
``--rate``; a thread waiting for a core on a busy machine is sampled as running. The task
process's other threads (the bench's memory sampler, the execution API) are left out.

    .venv/bin/python bench/pyspy_summary.py PROFILE [--rate 50] [--json PATH]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from pathlib import Path

STEPS = ("discover", "fetch", "extract", "validate", "publish")

# Within the fetch step, the first rule whose frame is on a sample's stack names its part; the
# order matters (the hand-off and the archive run inside the HTTP client's callback).
FETCH_PARTS = (
    ("waiting for the extraction pool to finish", "ExtractAhead.finish ("),
    ("archive: gzip of each WARC record", "compress (zlib_ng/"),
    ("archive: the rest of each WARC record (headers, digests)", "response_member (newslake/rawzone.py"),
    ("hand-off of each record to the extraction pool", "ExtractAhead.submit ("),
    ("starting the pool (imports before the fork, the fork)", "ExtractAhead.__enter__ ("),
    ("HTTP client (httpx and newslake's rules on it)", "HttpClient."),
    ("the event loop waiting (network, politeness)", "select (selectors.py"),
    ("the event loop, the rest", "BaseEventLoop.run_forever ("),
    ("reused records, writing the WARC file and manifests", ""),
)
WORKER_PARTS = (
    ("extract_article", "extract_article (newslake/extract.py"),
    ("reading each record (gzip, WARC parse)", "_extract_member (newslake/parallel.py"),
    ("results as staged lines (JSON, gzip)", "_staged_lines (newslake/parallel.py"),
    ("waiting for records, the pool's plumbing", ""),
)

_PROCESS = re.compile(r'^process (\d+):".*"$')
_STEP = re.compile(r"^(\w+) \(newslake/pipeline\.py:\d+\)$")


def read_profile(path: Path) -> list[tuple[list[str], int]]:
    """(frames, samples) per line of a py-spy raw profile; names the line that does not parse."""
    stacks = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            raise ValueError(f"{path}:{number}: not a py-spy raw profile line (frames;...;frames COUNT): {line[:120]!r}")
        stacks.append((stack.split(";"), int(count)))
    return stacks


def _classify(frames: list[str], parts: tuple[tuple[str, str], ...]) -> str:
    for name, marker in parts:
        if not marker or any(marker in frame for frame in frames):
            return name
    raise AssertionError("the last part takes every sample")


def summarise(stacks: list[tuple[list[str], int]]) -> dict:
    """Samples per pipeline step of the task process (the one running ``dag.test()``), and per
    part of the fetch step and of the pool workers' work."""
    parsed = []
    for frames, count in stacks:
        pids = [m.group(1) for frame in frames if (m := _PROCESS.match(frame))]
        parsed.append((pids[-1] if pids else "", [frame for frame in frames if not _PROCESS.match(frame)], count))
    # A worker's stacks start with its parent's (it is forked): it is told apart by the pool's loop.
    workers = {pid for pid, code, _ in parsed if any(frame.startswith("_process_worker (concurrent/futures/process.py") for frame in code)}
    steps: Counter = Counter()
    fetch_parts: Counter = Counter()
    worker_parts: Counter = Counter()
    for pid, code, count in parsed:
        if pid in workers:
            worker_parts[_classify(code, WORKER_PARTS)] += count
            continue
        # Other threads of the task process (the bench's sampler, the execution API's server)
        # and the other processes (the bench, the site, airflow db migrate) are left out.
        if not any(frame.startswith("DAG.test (") for frame in code):
            continue
        step = next((m.group(1) for frame in code if (m := _STEP.match(frame)) and m.group(1) in STEPS), None)
        steps[step or "Airflow: dag.test() around and between the steps"] += count
        if step == "fetch":
            fetch_parts[_classify(code, FETCH_PARTS)] += count
    return {
        "task_process_steps": dict(steps),
        "fetch_parts": dict(fetch_parts),
        "pool_workers": len(workers),
        "pool_worker_parts": dict(worker_parts),
    }


def _table(title: str, counts: dict[str, int], rate: float, order: list[str] | None = None) -> list[str]:
    total = sum(counts.values())
    lines = [f"| {title} | seconds | share |", "| --- | ---: | ---: |"]
    for name in order or sorted(counts, key=counts.get, reverse=True):
        if name in counts:
            lines.append(f"| {name} | {counts[name] / rate:.1f} | {counts[name] / total:.0%} |")
    return lines + [f"| all | {total / rate:.1f} | |", ""]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("profile", type=Path, help="py-spy record --subprocesses --idle --format raw output")
    parser.add_argument("--rate", type=float, default=50, help="the samples per second given to py-spy (-r); default 50")
    parser.add_argument("--json", type=Path, help="also write the sample counts here")
    args = parser.parse_args(argv)
    if not args.profile.is_file():
        parser.error(f"no profile at {args.profile}: record one first (make profile)")
    summary = summarise(read_profile(args.profile))
    if not summary["task_process_steps"]:
        parser.error(f"{args.profile}: no sample of a dag.test() run in it; is it a profile of bench/end_to_end.py?")
    print(f"py-spy profile {args.profile}: wall seconds of samples (threads summed; {args.rate:g} samples/s)\n")
    print("\n".join(_table("task process (dag.test()), by step", summary["task_process_steps"], args.rate,
                           [*STEPS, "Airflow: dag.test() around and between the steps"])))
    print("\n".join(_table("fetch step, task process", summary["fetch_parts"], args.rate, [name for name, _ in FETCH_PARTS])))
    print("\n".join(_table(f"pool workers ({summary['pool_workers']}), summed", summary["pool_worker_parts"], args.rate,
                           [name for name, _ in WORKER_PARTS])))
    if args.json:
        args.json.write_text(json.dumps({"rate": args.rate, **summary}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
