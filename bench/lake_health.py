"""Lake health page: how long its endpoints take on a year of 50 sources.

* setup (not timed): a synthetic local lake of ``--days`` (365) days × ``--sources`` (50)
  sources — one run_metrics file per partition (18,250 files), the day's lake_health summary
  (what the pipeline writes), articles and story clusters for the last 7 days (20 articles per
  partition), one lake_stats file;
* timed, through the page's FastAPI app (``newslake.health.create_app``, TestClient — no
  network, no Airflow): each JSON endpoint cold (the in-process file cache empty, as after an
  api-server start) and warm (the next page views: only listings, nothing changed re-read);
  then the grid once more without any lake_health summary (a lake older than the table: every
  run_metrics file opened), cold and warm. Each endpoint lists the lake itself (listing reuse
  off); the last line is a whole page load — its four JSON requests, warm — as the api-server
  serves it, the requests sharing one listing (``LISTING_TTL_SECONDS``).

    .venv/bin/python bench/lake_health.py [--days 365] [--sources 50] [--repeat 5] [--json PATH]

Figures are medians of ``--repeat`` runs, in milliseconds.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "include"))


def build(lake_dir: str, days: int, sources: int, end: dt.date) -> None:
    import pyarrow as pa

    from newslake import lake
    from newslake.storage import Storage

    storage = Storage(lake_dir)
    rng = random.Random(7)
    source_ids = [f"source-{n:02d}" for n in range(sources)]
    metrics_schema, health_schema = lake.run_metrics_schema(), lake.lake_health_schema()
    for back in range(days - 1, -1, -1):
        day = end - dt.timedelta(days=back)
        rows = []
        for source in source_ids:
            landed = rng.randint(10, 40)
            passed = rng.random() > 0.02
            row = {
                "finished_at": dt.datetime.combine(day + dt.timedelta(days=1), dt.time(2, 30), tzinfo=dt.UTC),
                "listed": landed + 5, "landed": landed if passed else 0, "skipped": 5, "failed": 0, "quarantined": 0 if passed else landed,
                "outcome_reasons": '{"skipped:already_landed": 5}', "listings_failed": 0, "bytes_fetched": 40_000 * landed,
                "discover_seconds": 1.0, "fetch_seconds": 20.0, "extract_seconds": 5.0, "validation_passed": passed,
                "expectations_failed": 0 if passed else 1, "extractor": "bench 0", "reextracted": False,
                "volume_median": 25.0, "volume_history_days": 14, "volume_status": "ok", "validation_status": "passed" if passed else "failed",
                "validation_warnings": 0,
            }
            storage.write_bytes(lake.run_metrics_key(day, source), lake.table_to_parquet_bytes(pa.Table.from_pylist([row], schema=metrics_schema)))
            rows.append({"source": source, **row})
        storage.write_bytes(lake.lake_health_key(day), lake.table_to_parquet_bytes(pa.Table.from_pylist(rows, schema=health_schema)))
        if back < 7:
            clusters = []
            for source in source_ids:
                articles = [
                    {"article_id": f"{day}-{source}-{n}", "title": f"Story {n % 15} of {day}", "language": rng.choice(["fr", "ar", "en", "es"])}
                    for n in range(20)
                ]
                storage.write_bytes(lake.articles_key(day, source), lake.table_to_parquet_bytes(pa.Table.from_pylist(articles)))
                clusters += [
                    {"article_id": a["article_id"], "source": source, "cluster_id": f"{day}-source-00-{n % 15}", "cluster_size": sources,
                     "is_canonical_copy": source == "source-00"}
                    for n, a in enumerate(articles)
                ]
            storage.write_bytes(
                lake.story_clusters_key(day), lake.table_to_parquet_bytes(pa.Table.from_pylist(clusters, schema=lake.story_clusters_schema()))
            )
    stats = [{"table": "run_metrics", "source": s, "partitions": days, "files": days, "bytes": 9000 * days,
              "first_day": end - dt.timedelta(days=days - 1), "last_day": end, "rows": None} for s in source_ids]
    storage.write_bytes(lake.lake_stats_key(end), lake.table_to_parquet_bytes(pa.Table.from_pylist(stats, schema=lake.lake_stats_schema())))


def measure(client, path: str, params: dict, repeat: int, cold: bool) -> float:
    from newslake import health

    times = []
    for _ in range(repeat):
        if cold:
            health._CACHE.clear()
        started = time.perf_counter()
        response = client.get(path, params=params)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.text
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--sources", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json", help="also write the results here")
    args = parser.parse_args(argv)

    from newslake.orchestration import airflow_noise_ignored

    # Starlette's TestClient warns of its own deprecation on import (as in dag.test(), whose
    # in-process execution API is one): the bench times the page's app, the client is a tool.
    with airflow_noise_ignored():
        from fastapi.testclient import TestClient

    from newslake import health
    from newslake.storage import Storage

    end = dt.date(2026, 11, 25)
    workdir = tempfile.mkdtemp(prefix="newslake-health-bench-")
    lake_dir = f"{workdir}/lake"
    try:
        started = time.perf_counter()
        build(lake_dir, args.days, args.sources, end)
        print(f"synthetic lake: {args.days} days × {args.sources} sources = {args.days * args.sources} partitions, "
              f"built in {time.perf_counter() - started:.0f} s ({lake_dir})", flush=True)
        storage = Storage(lake_dir)
        client = TestClient(health.create_app(lambda: health.HealthReader(storage, listing_ttl=0)))
        # A source the generated lake has (the trend of an unknown one is a 404).
        trend_source = f"source-{min(7, args.sources - 1):02d}"
        endpoints = [
            ("grid, 30 days", "/api/grid", {"days": 30}),
            ("grid, 365 days", "/api/grid", {"days": 365}),
            ("trend, 90 days", "/api/trend", {"source": trend_source, "days": 90}),
            ("day", "/api/day", {"dt": end.isoformat()}),
            ("lake", "/api/lake", {}),
            ("page (HTML)", "/", {}),
        ]
        results = []
        for name, path, params in endpoints:
            cold = measure(client, path, params, args.repeat, cold=True)
            warm = measure(client, path, params, args.repeat, cold=False)
            results.append({"endpoint": name, "cold_ms": round(cold, 1), "warm_ms": round(warm, 1)})
        page_client = TestClient(health.create_app(lambda: health.HealthReader(storage)))
        loads = []
        for _ in range(args.repeat):
            health._CACHE._listings.clear()  # a new page load: listings older than the TTL
            started = time.perf_counter()
            for path, params in [("/api/lake", {}), ("/api/grid", {"days": 30}), ("/api/trend", {"source": trend_source, "days": 30}),
                                 ("/api/day", {"dt": end.isoformat()})]:
                assert page_client.get(path, params=params).status_code == 200
            loads.append((time.perf_counter() - started) * 1000)
        results.append({"endpoint": "page load: lake + grid + trend + day, warm", "cold_ms": None, "warm_ms": round(statistics.median(loads), 1)})
        shutil.rmtree(storage.path("lake_health"))
        cold = measure(client, "/api/grid", {"days": 30}, max(1, args.repeat // 2), cold=True)
        warm = measure(client, "/api/grid", {"days": 30}, args.repeat, cold=False)
        results.append({"endpoint": "grid, 30 days, no lake_health summaries", "cold_ms": round(cold, 1), "warm_ms": round(warm, 1)})
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    print(f"{'endpoint':<42} {'cold ms':>9} {'warm ms':>9}")
    for row in results:
        cold = "" if row["cold_ms"] is None else f"{row['cold_ms']:.1f}"
        print(f"{row['endpoint']:<42} {cold:>9} {row['warm_ms']:>9.1f}")
    if args.json:
        Path(args.json).write_text(json.dumps({"days": args.days, "sources": args.sources, "results": results}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
