"""A lake for the lake health page's tests: the sample site's partitions, run for real through the
pipeline functions (discover → fetch → extract → validate → publish, then story clusters and lake
stats, as the DAGs would), plus crafted partitions the sample never produces:

* atlas-gazette, the 10 days before the sample: run_metrics rows only (no lake_health summary: a
  lake older than the summary table), with volume medians, one day a volume drop;
* 2026-11-26: atlas-gazette quarantined (run_metrics with a failed verdict, quarantine/, Data
  Docs), casablanca-courier failed (a run's _staging/ and no verdict), every other source missing.
"""

from __future__ import annotations

import datetime as dt
import json

from newslake import lake

CRAFTED_DAY = dt.date(2026, 11, 26)
QUARANTINED_SOURCE = "atlas-gazette"
FAILED_SOURCE = "casablanca-courier"
HISTORY_DAYS = [dt.date(2026, 11, 13) + dt.timedelta(days=n) for n in range(10)]  # 11-13 … 11-22
DROP_DAY = dt.date(2026, 11, 20)


def build_sample_lake(lake_dir: str):
    """Run the pipeline for every sample source and day into ``lake_dir`` (the sample site must
    be served: NEWSLAKE_SAMPLE_SITE_URL). Returns (storage, sources)."""
    from newslake import maintenance, pipeline
    from newslake.config import Settings, load_sources
    from newslake.pipeline import PartitionContext
    from newslake.sample_site import SAMPLE_DATES
    from newslake.storage import Storage

    storage = Storage(lake_dir)
    sources = load_sources()
    settings = Settings.load(lambda name: None)
    for source in sources:
        for day in SAMPLE_DATES:
            ctx = PartitionContext(source=source, day=day, storage=storage, settings=settings)
            for step in (pipeline.discover, pipeline.fetch, pipeline.extract, pipeline.validate, pipeline.publish):
                step(ctx)
    aggregators = {source.id for source in sources if source.aggregator}
    for day in SAMPLE_DATES:
        pipeline.cluster_stories(storage, day, aggregators)
    craft_problems(storage)
    maintenance.write_lake_stats(storage, SAMPLE_DATES[-1])
    return storage, sources


def metrics_row(*, landed: int, quarantined: int = 0, passed: bool = True, status: str | None = None, median: float | None = None,
                volume_status: str | None = None, finished_at: dt.datetime | None = None) -> dict:
    return {
        "finished_at": finished_at or dt.datetime(2026, 11, 27, 3, 0, tzinfo=dt.UTC),
        "listed": landed + quarantined + 1, "landed": landed, "skipped": 1, "failed": 0, "quarantined": quarantined,
        "outcome_reasons": json.dumps({"skipped:already_landed": 1}), "listings_failed": 0, "bytes_fetched": 1000 * (landed + quarantined),
        "discover_seconds": 0.1, "fetch_seconds": 0.2, "extract_seconds": 0.3,
        "validation_passed": passed, "expectations_failed": 0 if passed else 1, "extractor": "crafted 0", "reextracted": False,
        "volume_median": median, "volume_history_days": None if median is None else 5, "volume_status": volume_status,
        "validation_status": status or ("passed" if passed else "failed"), "validation_warnings": 0,
    }


def write_metrics(storage, day: dt.date, source: str, row: dict) -> None:
    import pyarrow as pa

    table = pa.Table.from_pylist([row], schema=lake.run_metrics_schema())
    storage.write_bytes(lake.run_metrics_key(day, source), lake.table_to_parquet_bytes(table))


def craft_problems(storage) -> None:
    for n, day in enumerate(HISTORY_DAYS):
        landed = 1 if day == DROP_DAY else 4 + n % 3
        median = None if n < 5 else 5.0
        status = "insufficient_history" if median is None else ("drop" if day == DROP_DAY else "ok")
        write_metrics(storage, day, QUARANTINED_SOURCE, metrics_row(landed=landed, median=median, volume_status=status))
    # Quarantined: the verdict failed; the partition is in quarantine/, with its Data Docs.
    write_metrics(storage, CRAFTED_DAY, QUARANTINED_SOURCE, metrics_row(landed=0, quarantined=2, passed=False, median=5.0, volume_status="ok"))
    storage.write_bytes(f"{lake.quarantine_prefix(CRAFTED_DAY, QUARANTINED_SOURCE)}/validation.json", b'{"success": false}')
    docs = f"data_docs/{lake.partition(CRAFTED_DAY, QUARANTINED_SOURCE)}"
    storage.write_bytes(f"{docs}/articles.html", b"<html><body><h1>crafted: published_in_day failed</h1></body></html>")
    storage.write_bytes(f"{docs}/verdict-failed.json", b'{"success": false, "status": "failed"}')
    # Failed: a run started (discover wrote its staging) and never reached a verdict.
    storage.write_bytes(f"{lake.staging_prefix(CRAFTED_DAY, FAILED_SOURCE)}/discovered.json", b"[]")
    # The crafted day's summary, as the pipeline writes it (the history days get none).
    from newslake.health import write_day_summary

    write_day_summary(storage, CRAFTED_DAY)
