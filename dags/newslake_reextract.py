"""
# newslake: re-extract partitions from the raw zone

Manual (trigger with the form). Rebuilds the `articles` (and `fetch_log`) partitions of a date
range and of some sources from what the raw zone kept — `raw/dt=D/source=S/responses.warc.gz`
and the run's `discovered.json` / `fetched.json` — with the **current** extractor, through the
same validation and publish path as a daily run. It never touches the network.

| task | reads | writes |
| --- | --- | --- |
| `list_partitions` | params, the raw zone | (the list of partitions, via XCom) |
| `reextract_partition` (one per partition) | `raw/dt=D/source=S/` | `articles/…`, `fetch_log/…`, `validation/…` (or `quarantine/…`); an event on the source's articles asset |

Use it after improving the extractor, or to rebuild a partition that was deleted.
"""

from __future__ import annotations

import datetime as dt

from airflow.sdk import DAG, Param, task

from newslake.dag_sources import REEXTRACT_DAG_ID
from newslake.orchestration import (
    default_task_args,
    notify_failure,
    partitions_to_reextract,
    reextract_partition,
    reextracted_articles_alias,
)

with DAG(
    dag_id=REEXTRACT_DAG_ID,
    description="Rebuild article partitions from the raw zone with the current extractor",
    doc_md=__doc__,
    schedule=None,
    start_date=dt.datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,
    default_args=default_task_args(retry_delay=dt.timedelta(minutes=1)),
    on_failure_callback=notify_failure,
    tags=["newslake", "maintenance"],
    params={
        "start_date": Param(None, type=["null", "string"], format="date", description="first day (source timezone), e.g. 2026-11-24"),
        "end_date": Param(None, type=["null", "string"], format="date", description="last day, inclusive"),
        "sources": Param([], type="array", items={"type": "string"}, description="source ids; empty = every source"),
    },
):

    # Bad params are not worth a retry: they fail the run at once, naming the param.
    @task(retries=0)
    def list_partitions(params: dict | None = None) -> list[dict]:
        params = params or {}
        return partitions_to_reextract(params.get("start_date"), params.get("end_date"), params.get("sources"))

    # One mapped task per partition, so the UI shows which day of which source failed.
    # Each rebuilt partition adds an event to its source's articles asset, through the alias:
    # the story-clusters DAG re-clusters the day, as after a daily run's publish.
    @task(retries=0, max_active_tis_per_dag=2, outlets=[reextracted_articles_alias()])
    def rebuild(partition: dict) -> dict:
        return reextract_partition(partition["source"], partition["day"])

    rebuild.expand(partition=list_partitions())
