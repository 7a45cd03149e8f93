"""The table `make bench` ends with: newslake against its baselines, each pair measured in the
same run of the same benchmark on this machine (ratios travel between machines; absolute
times do not).

Reads the JSON files the benchmarks wrote with ``--json`` into ``bench-results/`` (a missing
one is shown as not run, with the command that makes it):

    .venv/bin/python bench/summary.py [--results bench-results]
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]


def _load(folder: Path, name: str) -> dict[str, Any] | None:
    path = folder / f"{name}.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def rows(folder: Path) -> list[tuple[str, str, str, str, str, str]]:
    """(measure, newslake, baseline, ratio, target, met) rows."""
    table: list[tuple[str, str, str, str, str, str]] = []

    def missing(measure: str, command: str) -> None:
        table.append((measure, "not run", "", "", "", f"`{command}`"))

    extraction = _load(folder, "extraction")
    if extraction:
        ours = extraction["extractors"]["ours"]
        bare = extraction["timing_only"]["readability-lxml text only"]
        trafilatura = extraction["extractors"]["trafilatura"]
        speed = ours["pages_per_second"] / bare["pages_per_second"]
        table.append((
            "extraction, pages per CPU second (all metadata vs bare readability-lxml, text only)",
            f"{ours['pages_per_second']:.1f}", f"{bare['pages_per_second']:.1f}", f"{speed:.2f}×", "≥ 1×", _met(speed >= 1),
        ))
        table.append((
            "extraction text F1 (vs readability-lxml; trafilatura)",
            f"{ours['f1']:.3f}", f"{extraction['extractors']['readability-lxml']['f1']:.3f}; {trafilatura['f1']:.3f}",
            f"{ours['f1'] - extraction['extractors']['readability-lxml']['f1']:+.3f}", "higher", _met(
                ours["f1"] > extraction["extractors"]["readability-lxml"]["f1"]),
        ))
    else:
        missing("extraction", "bench/extraction.py --json bench-results/extraction.json")

    end_to_end = _load(folder, "end_to_end")
    real_weight = _load(folder, "end_to_end_real_weight")
    for run, label, command in (
        (end_to_end, "end to end", "bench/end_to_end.py --json bench-results/end_to_end.json"),
        (real_weight, "end to end, pages of real weight",
         "bench/end_to_end.py --weight real --rss-pages --json bench-results/end_to_end_real_weight.json"),
    ):
        if not run:
            missing(label, command)
            continue
        # From the rates, not the JSON's ratio (rounded to 3 places, which .2f would round again).
        ratio = run["pages_per_second"] / (2 * run["pure_extraction_pages_per_second_one_core"])
        weight = {"sample": "sample-site pages", "real": "pages of real weight"}[run.get("weight", "sample")]
        table.append((
            f"end to end through Airflow, pages/s ({run['pages']} {weight}, {run.get('mean_page_bytes', 0) / 1024:.0f} KiB; "
            "vs pure extraction of the same pages × 2 cores)",
            f"{run['pages_per_second']:.1f}", f"{2 * run['pure_extraction_pages_per_second_one_core']:.1f}",
            f"{ratio:.2f}", "≥ 0.8", _met(ratio >= 0.8),
        ))
        if "ratio_bound_with_a_free_fetch" in run:
            # What the same run says the ratio could reach at most (bench/end_to_end.py explains both).
            table.append((
                f"end to end, bounds of that ratio ({weight}): CPU ceiling; with a fetch step as fast as pure extraction "
                f"(the {run['seconds_outside_the_fetch_step']:.1f} s outside it kept)",
                f"{run['cpu_ceiling_of_the_ratio']:.2f}; {run['ratio_bound_with_a_free_fetch']:.2f}", "", "",
                "report (0.8 is out of reach below it)", "",
            ))
    if end_to_end:
        def task_peak(run: dict[str, Any]) -> float:
            """The largest task footprint of a run: its process's peak RSS plus its workers' own memory."""
            return max(
                task.get("rss_peak_mb", task.get("rss_mb", 0.0)) + task.get("workers_uss_peak_mb", 0.0)
                for task in run["tasks"].values()
            )

        full = max(end_to_end["runs"], key=lambda run: run["pages"])
        smallest = min(end_to_end["runs"], key=lambda run: run["pages"])
        growth = task_peak(full) / task_peak(smallest)
        table.append((
            f"peak memory of a task, MiB ({full['pages']} pages vs {smallest['pages']})",
            f"{task_peak(full):.0f}", f"{task_peak(smallest):.0f}", f"{growth:.2f}×",
            f"grows far less than pages ({full['pages'] / smallest['pages']:.0f}×)", _met(growth < 1.5),
        ))

    fetch = _load(folder, "fetch_politeness")
    if fetch:
        table.append((
            f"fetch rate vs the politeness bound ({fetch['hosts']} hosts, {fetch['latency'] * 1000:.0f} ms, {fetch['rate']:g}/s per host)",
            f"{fetch['requests'] / fetch['seconds']:.2f} req/s", f"{fetch['requests'] / fetch['best_seconds']:.2f} req/s",
            f"{fetch['efficiency']:.3f}", "≥ 0.95", _met(fetch["efficiency"] >= 0.95),
        ))
    else:
        missing("fetch", "bench/fetch_politeness.py --json bench-results/fetch_politeness.json")

    raw_zone = _load(folder, "raw_zone")
    if raw_zone:
        ours, warcio = raw_zone["ours"], raw_zone["warcio_default"]
        table.append((
            f"raw zone: WARC records written, MB of pages per CPU second ({raw_zone['pages']} corpus pages; zlib-ng at level 6 vs warcio's zlib at 9)",
            f"{ours['mb_per_cpu_second']:.1f}", f"{warcio['mb_per_cpu_second']:.1f}", f"{raw_zone['speedup']:.2f}×", "report", "",
        ))
        table.append((
            "raw zone: record bytes per page byte (zlib-ng at level 6 vs warcio's zlib at 9)",
            f"{ours['record_bytes_over_body_bytes']:.3f}", f"{warcio['record_bytes_over_body_bytes']:.3f}",
            f"{ours['record_bytes'] / warcio['record_bytes']:.3f}", "report", "",
        ))
    else:
        missing("raw zone", "bench/raw_zone.py --json bench-results/raw_zone.json")

    http_client = _load(folder, "http_client")
    if http_client:
        per_response = http_client["cpu_ms_per_response"]
        httpx_alone = per_response["httpx alone"]
        size = f"{http_client['page_bytes'] / 1024:.0f} KiB"
        table.append((
            f"HTTP client: CPU ms per {size} response on loopback, newslake's HttpClient vs httpx alone (the library it is built on)",
            f"{per_response['newslake HttpClient (httpx)']:.2f}", f"{httpx_alone:.2f}",
            f"{per_response['newslake HttpClient (httpx)'] / httpx_alone:.2f}×", "report", "",
        ))
        table.append((
            f"HTTP client: CPU ms per {size} response on loopback, aiohttp alone vs httpx alone",
            f"{per_response['aiohttp alone']:.2f}", f"{httpx_alone:.2f}", f"{per_response['aiohttp alone'] / httpx_alone:.2f}×", "report", "",
        ))
    else:
        missing("HTTP client", "bench/http_client.py --json bench-results/http_client.json")

    parse = _load(folder, "dag_parse")
    if parse:
        for row in parse["files"][:-1]:
            per_dag = f" ({row['ms'] / row['dags']:.1f} per DAG)" if row["dags"] > 1 else ""
            # A file of several source DAGs is compared with the same DAGs built by Airflow alone.
            if row["dags"] > 1 and "airflow_only_source_dags_ms" in parse:
                baseline_ms, baseline = parse["airflow_only_source_dags_ms"], "the same DAGs, Airflow only"
            else:
                baseline_ms, baseline = parse["baseline_ms"], "one-task DAG"
            table.append((
                f"DAG parse, {row['file']} ({row['dags']} DAG{'s' if row['dags'] > 1 else ''}), ms{per_dag}",
                f"{row['ms']:.1f}", f"{baseline_ms:.1f} ({baseline})", f"{row['ms'] / baseline_ms:.2f}×",
                "≤ 50", _met(row["ms"] <= 50),
            ))
        table.append((
            f"DAG parse, all files with {parse['sources']} sources, ms",
            f"{parse['all_files_ms_many_sources']:.0f}", "", "", "≤ 1000", _met(parse["all_files_ms_many_sources"] <= 1000),
        ))
    else:
        missing("DAG parse", "bench/dag_parse.py --json bench-results/dag_parse.json")

    storage = _load(folder, "storage_query")
    if storage:
        size = storage["bytes_per_article"]
        table.append((
            f"bytes per article stored (Parquet {storage['compression']} vs gzip JSON Lines)",
            f"{size['parquet_bytes_per_article']:.0f}", f"{size['jsonl_gz_bytes_per_article']:.0f}",
            f"{size['parquet_over_jsonl_gz']:.2f}", "report", "",
        ))
        table.append((
            "bytes per article read by a metadata query (Parquet vs gzip JSON Lines)",
            f"{size['metadata_query_bytes_per_article']:.0f}", f"{size['jsonl_gz_bytes_per_article']:.0f}",
            f"{size['metadata_query_bytes_per_article'] / size['jsonl_gz_bytes_per_article']:.3f}", "report", "",
        ))
        query = storage["one_day_query"]
        table.append((
            f"one day out of {query['days']} × {query['sources']} sources: files / bytes (vs full scan)",
            f"{query['one day']['files']} / {query['one day']['bytes']:,}", f"{query['full scan']['files']} / {query['full scan']['bytes']:,}",
            f"{query['one day']['bytes'] / query['full scan']['bytes']:.4f}", "report", "",
        ))
    else:
        missing("storage and query", "bench/storage_query.py --json bench-results/storage_query.json")

    workers = _load(folder, "parallel_workers")
    if workers:
        table.append((
            f"re-extraction of {workers['partitions']} partitions, 2 workers vs 1 (s)",
            f"{workers['two_workers_seconds']:.1f}", f"{workers['one_worker_seconds']:.1f}", f"{workers['speedup']:.2f}× faster",
            "near 2×", _met(workers["speedup"] >= 1.7),
        ))
    else:
        missing("parallel workers", "bench/parallel_workers.py --json bench-results/parallel_workers.json")

    health = _load(folder, "lake_health")
    if health:
        warm = next((row for row in health["results"] if row["endpoint"].startswith("page load")), None)
        if warm:
            table.append((
                f"lake health page load, warm, {health['days']} days × {health['sources']} sources (ms)",
                f"{warm['warm_ms']:.0f}", "", "", "report", "",
            ))
    else:
        missing("lake health page", "bench/lake_health.py --json bench-results/lake_health.json")
    return table


def _met(ok: bool) -> str:
    return "yes" if ok else "**no**"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--results", type=Path, default=REPO / "bench-results")
    args = parser.parse_args(argv)
    print(f"\nnewslake against its baselines ({os.cpu_count()} cores; figures from {args.results}):\n")
    print("| measure | newslake | baseline | ratio | target | met |\n| --- | ---: | ---: | ---: | --- | --- |")
    for row in rows(args.results):
        print("| " + " | ".join(row) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
