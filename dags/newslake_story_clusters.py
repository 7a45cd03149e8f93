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

Runs at 04:00 after D (the source DAGs run at 02:00); re-runs replace the day's file.
"""

from __future__ import annotations

import datetime as dt

from airflow.sdk import DAG, CronDataIntervalTimetable, task

from newslake.orchestration import STORY_CLUSTERS_TIMEZONE, cluster_stories_for_run

with DAG(
    dag_id="newslake_story_clusters",
    description="Cluster the day's articles into stories, across sources",
    doc_md=__doc__,
    schedule=CronDataIntervalTimetable("0 4 * * *", timezone=STORY_CLUSTERS_TIMEZONE),
    start_date=dt.datetime(2026, 11, 1),
    catchup=False,
    max_active_runs=1,
    default_args={"owner": "newslake", "retries": 2, "retry_delay": dt.timedelta(minutes=5)},
    tags=["newslake", "maintenance"],
):

    @task
    def cluster_stories() -> dict:
        return cluster_stories_for_run()

    cluster_stories()
