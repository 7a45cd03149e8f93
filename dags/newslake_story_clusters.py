"""
# newslake: story clusters of a day, across sources

Groups the articles of day **D** (Moroccan time) that tell the same story — an aggregator's copy
of an outlet's article, a lightly edited re-post — with those of the two days before, using
MinHash LSH on word shingles (`include/newslake/dedup.py`). Each article gets a `cluster_id`
(the article_id of the story's earliest, original copy) and `is_canonical_copy`, so a query
can count stories instead of copies:

```sql
select count(distinct cluster_id) as stories from story_clusters where dt = DATE '2026-11-24'
```

| task | reads | writes |
| --- | --- | --- |
| `cluster_stories` | `articles/` of D-2 … D, every source | `story_clusters/dt=D/part-0.parquet` |

Runs whenever a source DAG publishes a partition (the `newslake_articles_<source>` assets; the
event's `dt` names the day, so a backfill re-clusters each day it lands), and at 04:00 after D
as a safety net. Each run also catches up on days whose clusters are missing or older than their
articles (`pipeline.stale_story_cluster_days`). Re-runs replace the day's file.
"""

from __future__ import annotations

import datetime as dt

from airflow.sdk import DAG, AssetAny, AssetOrTimeSchedule, CronDataIntervalTimetable, task

from newslake.dag_sources import STORY_CLUSTERS_DAG_ID, load_dag_sources
from newslake.orchestration import (
    STORY_CLUSTERS_TIMEZONE,
    articles_asset,
    cluster_stories_for_run,
    default_task_args,
    notify_failure,
)

with DAG(
    dag_id=STORY_CLUSTERS_DAG_ID,
    description="Cluster the day's articles into stories, across sources",
    doc_md=__doc__,
    # Whenever a source publishes a day (its articles asset), and daily at 04:00 as a safety net.
    schedule=AssetOrTimeSchedule(
        timetable=CronDataIntervalTimetable("0 4 * * *", timezone=STORY_CLUSTERS_TIMEZONE),
        assets=AssetAny(*(articles_asset(source.id) for source in load_dag_sources())),
    ),
    start_date=dt.datetime(2026, 11, 1),
    catchup=False,
    max_active_runs=1,
    default_args=default_task_args(retry_delay=dt.timedelta(minutes=5)),
    on_failure_callback=notify_failure,
    tags=["newslake", "maintenance"],
):

    @task
    def cluster_stories() -> dict:
        return cluster_stories_for_run()

    cluster_stories()
