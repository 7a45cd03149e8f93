"""
# newslake: lake maintenance

Daily housekeeping of the lake, for day **D** (the run's logical date, Moroccan time). Each task
is one call into `include/newslake/maintenance.py`; it works the same on a local lake and on S3.

| task | reads | writes |
| --- | --- | --- |
| `apply_raw_retention` | the keys under `raw/` | deletes `raw/dt=X/source=S/` for X before D − `raw_retention_days` (setting; 0 = keep forever, the default). Never touches `articles/`, `fetch_log/` or any other table |
| `remove_orphaned_staging` | the keys and modification times under `_staging/` | deletes `_staging/dt=X/source=S/` whose newest file is older than `staging_max_age_hours` (default 24): a crashed run's leftovers. A running task's staging is fresh and stays |
| `write_lake_stats` | the keys and sizes under `articles/`, `fetch_log/`, `raw/`, `run_metrics/`, `quarantine/`; the articles' Parquet footers | `lake_stats/dt=D/part-0.parquet`: per table and source, partitions, files, bytes, first/last day (and rows for articles) |

The stats are written after both clean-ups, so they describe the lake as it is kept. Re-runs are
safe: deleting what is already gone is a no-op, and the day's stats file is replaced.
"""

from __future__ import annotations

import datetime as dt

from airflow.sdk import DAG, CronDataIntervalTimetable, Param, task

from newslake.dag_sources import MAINTENANCE_DAG_ID
from newslake.orchestration import (
    MAINTENANCE_TIMEZONE,
    apply_raw_retention_for_run,
    default_task_args,
    notify_failure,
    remove_orphaned_staging_for_run,
    write_lake_stats_for_run,
)

with DAG(
    dag_id=MAINTENANCE_DAG_ID,
    description="Raw-zone retention, orphaned staging clean-up and lake stats",
    doc_md=__doc__,
    # After the source DAGs (02:00) and the story clusters (04:00).
    schedule=CronDataIntervalTimetable("30 4 * * *", timezone=MAINTENANCE_TIMEZONE),
    start_date=dt.datetime(2026, 11, 1),
    catchup=False,
    max_active_runs=1,
    default_args=default_task_args(retry_delay=dt.timedelta(minutes=5)),
    on_failure_callback=notify_failure,
    tags=["newslake", "maintenance"],
    params={
        "dry_run": Param(False, type="boolean", description="Delete nothing: the task logs and results list what would be deleted"),
    },
):

    @task
    def apply_raw_retention(params: dict | None = None) -> dict:
        return apply_raw_retention_for_run(dry_run=bool((params or {}).get("dry_run")))

    @task
    def remove_orphaned_staging(params: dict | None = None) -> dict:
        return remove_orphaned_staging_for_run(dry_run=bool((params or {}).get("dry_run")))

    @task
    def write_lake_stats() -> dict:
        return write_lake_stats_for_run()

    [apply_raw_retention(), remove_orphaned_staging()] >> write_lake_stats()
