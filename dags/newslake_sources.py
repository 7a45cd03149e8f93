"""
# newslake: one news source → one day of articles in the lake

Generated from the sources file (`NEWSLAKE_SOURCES_FILE`, default `include/sources/sample.yaml`):
one DAG per source, id `newslake_<source id>`.

The run for logical date **D** (a day in the source's timezone) works on exactly one partition,
`dt=D/source=<id>` (plus the source's conditional-GET cache under `state/`, which no query reads):

| task | reads | writes |
| --- | --- | --- |
| `discover` | the source's feeds, sitemaps, date archives (robots.txt) | `_staging/…/discovered.json`, `state/listings/source=<id>/` |
| `fetch` | article pages (HTTP) | `raw/…/responses.warc.gz`, `_staging/…/fetched.json` |
| `extract` | the raw zone | `_staging/…/articles.parquet`, `_staging/…/fetch_log.parquet` |
| `validate` | staged articles (Great Expectations) | `quarantine/…` when it fails (and the task fails) |
| `publish` | staged files | `articles/…/part-0.parquet`, `fetch_log/…`, `validation/…` |

It runs once D has ended (02:00 the next morning, source time), and any day can be re-run or
backfilled: a re-run replaces the partition and gives the same rows.
"""

from __future__ import annotations

import datetime as dt
import os

from airflow.sdk import DAG, CronDataIntervalTimetable, Param, task

from newslake.config import Source, load_sources
from newslake.orchestration import run_step

DEFAULT_ARGS = {
    "owner": "newslake",
    "retries": 2,
    # Short in tests and `make run` (NEWSLAKE_RETRY_DELAY_SECONDS), where nothing is worth waiting for.
    "retry_delay": dt.timedelta(seconds=float(os.environ.get("NEWSLAKE_RETRY_DELAY_SECONDS", "300"))),
    "retry_exponential_backoff": True,
}


def build_source_dag(source: Source) -> DAG:
    with DAG(
        dag_id=source.dag_id,
        description=f"Daily articles of {source.name} into the lake",
        doc_md=__doc__,
        schedule=CronDataIntervalTimetable("0 2 * * *", timezone=source.timezone),
        start_date=dt.datetime.combine(source.start_date, dt.time()),
        catchup=False,  # past days are filled on purpose, with backfills
        max_active_runs=4,
        default_args={**DEFAULT_ARGS, "owner": source.owner},
        tags=["newslake", "source", *source.languages],
        params={
            "force_refetch": Param(False, type="boolean", description="Fetch pages again even when the raw zone has them"),
        },
    ) as source_dag:

        @task
        def discover() -> dict:
            return run_step("discover", source.id)

        @task
        def fetch(params: dict | None = None) -> dict:
            return run_step("fetch", source.id, force_refetch=bool((params or {}).get("force_refetch")))

        @task
        def extract() -> dict:
            return run_step("extract", source.id)

        # Bad data does not get better on retry: fail at once, with GX's verdict in the log.
        @task(retries=0)
        def validate() -> dict:
            return run_step("validate", source.id)

        @task
        def publish() -> dict:
            return run_step("publish", source.id)

        discover() >> fetch() >> extract() >> validate() >> publish()
    return source_dag


for _source in load_sources():
    globals()[_source.dag_id] = build_source_dag(_source)
