"""The 100k-input fuzz run (``make fuzz``): every target of tests/test_fuzz.py with a large budget.

Each target runs in its own subprocess (``--worker``), so its peak RSS is its own, one stuck
target cannot stall the others past ``--timeout``, and up to ``--jobs`` targets run at once.
The workers call the hypothesis tests of tests/test_fuzz.py directly (same strategies, same
properties, same per-input bounds as under pytest) and report the measurements collected in
``test_fuzz.STATS``. The parent prints one row per target:

    target, inputs, failures, max time per input, max growth of peak RSS during one input,
    the worker's peak RSS before -> after fuzzing (hypothesis keeps up to 10,000 examples, with
    their generated values, for its own use: that, not the parsers, is most of the growth), total
    time, and the exceptions extract_article swallowed.

``BUDGET`` splits >= 100,000 inputs by cost: the extractor (tens of ms per page) gets a few
thousand, the cheap parsers tens of thousands. ``--scale 0.05`` runs 5% of it (a quick check).
Exit status 1 if any target failed, timed out, or (at full scale) the total stayed under 100,000.
Worker logs (hypothesis' falsifying examples and reproduction blobs) go to test-output/fuzz/.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent
LOGS = REPO / "test-output" / "fuzz"
REQUIRED_INPUTS = 100_000

# Inputs per target, split by cost per input (generation + call, measured with --scale 0.1 on the shared
# 2-core machine): extractor ~100 ms, feed ~25 ms, archive ~20 ms, robots ~10 ms, sitemap ~7 ms,
# sources ~6 ms, urls ~1 ms. About 25 min of CPU in all: `--jobs 2` finishes in 15-20 min.
BUDGET = {
    "extract_grammar": 3_000,
    "extract_seeds": 2_000,
    "extract_corpus": 1_000,
    "feed": 8_000,
    "sitemap": 17_000,
    "archive": 7_000,
    "robots_sitemaps": 13_000,
    "robots_policy": 13_000,
    "sources": 12_000,
    "urls": 27_000,
}


def run_worker(target: str, examples: int, result_file: Path) -> None:
    """Run one target's hypothesis test in this process and write what it measured as JSON."""
    os.environ[f"FUZZ_EXAMPLES_{target.upper()}"] = str(examples)
    sys.path.insert(0, str(TESTS))
    import test_fuzz  # imported here: the budget must be in the environment before the tests are decorated

    result: dict = {"target": target, "failures": [], "skipped": None}
    if target == "extract_corpus" and not test_fuzz.CORPUS_PAGES:
        result["skipped"] = f"{test_fuzz.CORPUS} is absent"
    else:
        baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        started = time.perf_counter()
        try:
            getattr(test_fuzz, test_fuzz.TARGET_TESTS[target])()
        except BaseException as exc:  # every failure is reported; none stops the table
            traceback.print_exception(exc, file=sys.stdout)  # into the log, with hypothesis' falsifying examples
            errors = list(exc.exceptions) if isinstance(exc, BaseExceptionGroup) else [exc]
            result["failures"] = ["".join(traceback.format_exception(error))[-4000:] for error in errors]
        result["seconds"] = time.perf_counter() - started
        result["baseline_rss_mb"] = baseline
    stats = test_fuzz.STATS[target]
    result.update(
        inputs=stats.inputs,
        max_seconds=stats.max_seconds,
        max_rss_growth_mb=stats.max_rss_growth_mb,
        max_input_bytes=stats.max_input_bytes,
        swallowed=dict(stats.swallowed),
        peak_rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    )
    result_file.write_text(json.dumps(result))


def run_all(budget: dict[str, int], jobs: int, timeout: float) -> list[dict]:
    """Run the targets in worker subprocesses, at most ``jobs`` at a time; return their results."""
    LOGS.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="newslake-fuzz-run-"))
    pending = list(budget.items())
    running: dict[str, tuple[subprocess.Popen, float, Path]] = {}
    results = []
    while pending or running:
        while pending and len(running) < jobs:
            target, examples = pending.pop(0)
            result_file = workdir / f"{target}.json"
            log = (LOGS / f"{target}.log").open("w")
            command = [sys.executable, str(Path(__file__).resolve()), "--worker", target, "--examples", str(examples),
                       "--result", str(result_file)]
            process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, cwd=REPO)
            log.close()
            running[target] = (process, time.monotonic(), result_file)
            print(f"started {target}: {examples} inputs (log: {LOGS / (target + '.log')})", flush=True)
        time.sleep(0.5)
        for target, (process, started, result_file) in list(running.items()):
            elapsed = time.monotonic() - started
            if process.poll() is None and elapsed < timeout:
                continue
            if process.poll() is None:
                process.kill()
                process.wait()
            del running[target]
            if result_file.exists():
                result = json.loads(result_file.read_text())
            else:
                reason = f"timed out after {timeout:.0f} s" if elapsed >= timeout else f"worker exited with {process.returncode}"
                result = {"target": target, "inputs": 0, "failures": [reason], "skipped": None}
            result["wall_seconds"] = elapsed
            results.append(result)
            print(f"finished {target} in {elapsed:.0f} s: {result.get('inputs', 0)} inputs, "
                  f"{len(result['failures'])} failure(s)", flush=True)
    for leftover in workdir.iterdir():
        leftover.unlink()
    workdir.rmdir()
    return sorted(results, key=lambda result: list(budget).index(result["target"]))


def print_table(results: list[dict], wall_seconds: float) -> None:
    header = (f"{'target':<16} {'inputs':>8} {'fail':>5} {'max s/input':>11} {'max RSS+ MB':>11} {'RSS MB':>11} "
              f"{'total s':>8}  notes")
    print("\n" + header + "\n" + "-" * len(header))
    for result in results:
        if result.get("skipped"):
            print(f"{result['target']:<16} {'-':>8} {'-':>5} {'-':>11} {'-':>11} {'-':>11} {'-':>8}  skipped: {result['skipped']}")
            continue
        if "max_seconds" not in result:  # the worker died or timed out before reporting
            print(f"{result['target']:<16} {'?':>8} {len(result['failures']):>5} {'-':>11} {'-':>11} {'-':>11} "
                  f"{result.get('wall_seconds', 0):>8.0f}")
            continue
        swallowed = result.get("swallowed") or {}
        notes = ("swallowed into parse_error: " + ", ".join(f"{name} x{count}" for name, count in sorted(swallowed.items()))
                 if swallowed else "")
        print(f"{result['target']:<16} {result.get('inputs', 0):>8} {len(result['failures']):>5} "
              f"{result['max_seconds']:>11.3f} {result['max_rss_growth_mb']:>11.1f} "
              f"{result.get('baseline_rss_mb', 0):>5.0f}->{result['peak_rss_mb']:<5.0f} {result['wall_seconds']:>8.0f}  {notes}")
    total_inputs = sum(result.get("inputs", 0) for result in results)
    total_failures = sum(len(result["failures"]) for result in results)
    print("-" * len(header))
    print(f"{'total':<16} {total_inputs:>8} {total_failures:>5} {'':>11} {'':>11} {'':>11} {wall_seconds:>8.0f}")
    for result in results:
        for failure in result["failures"]:
            print(f"\n=== {result['target']} failure (full log: {LOGS / (result['target'] + '.log')}) ===\n{failure}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of BUDGET to run (default: all of it)")
    parser.add_argument("--jobs", type=int, default=1, help="targets running at once (default 1; the machine may be shared)")
    parser.add_argument("--only", default="", help="comma-separated targets (default: all)")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds one target may take before it is killed")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--examples", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--result", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        run_worker(args.worker, args.examples, args.result)
        return 0

    chosen = [name for name in args.only.split(",") if name] or list(BUDGET)
    unknown = set(chosen) - set(BUDGET)
    if unknown:
        parser.error(f"unknown targets {sorted(unknown)}; known: {', '.join(BUDGET)}")
    budget = {name: max(1, round(BUDGET[name] * args.scale)) for name in chosen}
    print(f"fuzzing {sum(budget.values())} inputs over {len(budget)} targets, {args.jobs} at a time", flush=True)
    started = time.monotonic()
    results = run_all(budget, args.jobs, args.timeout)
    print_table(results, time.monotonic() - started)
    total_inputs = sum(result.get("inputs", 0) for result in results)
    failed = any(result["failures"] for result in results)
    short = args.scale >= 1 and not args.only and total_inputs < REQUIRED_INPUTS
    if short:
        print(f"\nonly {total_inputs} inputs ran: the issue asks for at least {REQUIRED_INPUTS}")
    return 1 if failed or short else 0


if __name__ == "__main__":
    sys.exit(main())
