"""
# newslake: one news source → one day of articles in the lake

Generated from the sources file (`NEWSLAKE_SOURCES_FILE`, default `include/sources/sample.yaml`):
one DAG per source, id `newslake_<source id>`.

The run for logical date **D** (a day in the source's timezone) works on exactly one partition,
`dt=D/source=<id>` (plus the source's conditional-GET cache under `state/`, which no query reads):

| task | reads | writes |
| --- | --- | --- |
| `discover` | the source's feeds, sitemaps, date archives (robots.txt) | `_staging/…/discovered.json`, `state/listings/source=<id>/` |
| `fetch` | article pages (HTTP), extracted as they arrive | `raw/…/responses.warc.gz`, `_staging/…/fetched.json`, `_staging/…/extracted.jsonl.gz` |
| `extract` | the raw zone, the fetch's extractions | `_staging/…/articles.parquet`, `_staging/…/fetch_log.parquet` |
| `validate` | staged articles (Great Expectations); `run_metrics/` of earlier days (volume check) | `quarantine/…` when it fails (and the task fails) |
| `publish` | staged files | `articles/…/part-0.parquet`, `fetch_log/…`, `validation/…` |

It runs once D has ended (02:00 the next morning, source time), and any day can be re-run or
backfilled: a re-run replaces the partition and gives the same rows.
"""

from __future__ import annotations

import datetime as dt

from airflow.providers.standard.operators.python import PythonOperator
from airflow.sdk import DAG, CronDataIntervalTimetable, Param

# The sources file as validated by newslake.config, remembered between parses (newslake.dag_sources).
from newslake.dag_sources import DagSource, load_dag_sources
from newslake.orchestration import articles_asset, default_task_args, notify_failure, run_source_task

# This file builds a DAG per source on every parse, so Airflow's own construction work counts
# (bench/dag_parse.py, docs/PERFORMANCE.md): each Param's schema is checked against its JSON Schema
# metaschema, and draft 7's check costs two fifths of the default draft's (same types and bounds);
# and the tasks are PythonOperators rather than @task functions, which copy the DAG's params
# twice as often while being built.
JSON_SCHEMA_DRAFT_7 = {"$schema": "http://json-schema.org/draft-07/schema#"}


def build_source_dag(source: DagSource) -> DAG:
    with DAG(
        dag_id=source.dag_id,
        description=f"Daily articles of {source.name} into the lake",
        doc_md=__doc__,
        schedule=CronDataIntervalTimetable("0 2 * * *", timezone=source.timezone),
        start_date=dt.datetime.combine(source.start_date, dt.time()),
        catchup=False,  # past days are filled on purpose, with backfills
        # Up to 4 days of one source at once (a backfill): their discover/fetch tasks still
        # queue on the host's pool, the other steps are CPU work that may overlap.
        max_active_runs=4,
        on_failure_callback=notify_failure,
        default_args=default_task_args(owner=source.owner, retry_delay=dt.timedelta(minutes=5), exponential_backoff=True),
        tags=["newslake", "source", *source.languages],
        params={
            "force_refetch": Param(
                False, type="boolean", **JSON_SCHEMA_DRAFT_7,
                description="Fetch pages again even when the raw zone has them",
            ),
            "limit": Param(
                None, type=["null", "integer"], minimum=1, **JSON_SCHEMA_DRAFT_7,
                description="Land at most this many new articles (the rest are recorded as skipped: over_limit)",
            ),
            "dry_run": Param(
                False, type="boolean", **JSON_SCHEMA_DRAFT_7,
                description="Only discover: log what would be fetched; fetch, extract, validate and publish are skipped",
            ),
        },
    ) as source_dag:

        def step(name: str, **task_options) -> PythonOperator:
            """Task ``name``: pipeline step ``name`` for this source's partition of the run."""
            return PythonOperator(
                task_id=name, python_callable=run_source_task, op_kwargs={"step": name, "source_id": source.id}, **task_options
            )

        # The network tasks queue on the host's pool: one crawl of a site at a time, on any worker.
        discover = step("discover", pool=source.host_pool)
        fetch = step("fetch", pool=source.host_pool)
        extract = step("extract")
        # Bad data does not get better on retry: fail at once, with GX's verdict in the log.
        validate = step("validate", retries=0)
        # Each publish is an event of the source's articles asset (extra: the day and row count),
        # which schedules the story-clusters DAG.
        publish = step("publish", outlets=[articles_asset(source.id)])

        discover >> fetch >> extract >> validate >> publish
    return source_dag


for _source in load_dag_sources():
    globals()[_source.dag_id] = build_source_dag(_source)
