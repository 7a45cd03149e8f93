"""End to end through Airflow: every sample source, every sample day, real DAG runs (dag.test)
against the sample site on 127.0.0.1, on a local lake and on S3 (moto server).

The expected rows come from the sample site's own content model, not from earlier runs.
"""

from __future__ import annotations

import datetime as dt

import pytest

from newslake import lake
from newslake.config import load_sources
from newslake.queries import LakeReader
from newslake.storage import Storage
from newslake.textmetrics import html_to_text

pytestmark = pytest.mark.e2e


def expected_rows(site, source_id: str, day: dt.date) -> dict[str, dict]:
    from newslake.sample_site.content import articles_for, original_of, outlet
    from newslake.sample_site.urls import expected_url

    rows = {}
    for article in articles_for(source_id, day):
        row = {
            "title": article.title,
            "language": article.language,
            "published_at": article.published_at.astimezone(dt.UTC),
            "paragraphs": article.paragraphs,
            # Schema v2 columns, as the page declares them.
            "tags": list(article.tags),
            "access": article.access,
            "canonical_url": expected_url(article, site.base_url),
        }
        if article.origin_outlet_id:
            original = original_of(article)
            row["origin_publisher"] = outlet(original.outlet_id).name
            row["origin_url"] = expected_url(original, site.base_url)
        rows[expected_url(article, site.base_url)] = row
    return rows


def assert_partition_matches_site(site, table_rows: list[dict], source_id: str, day: dt.date) -> None:
    expected = expected_rows(site, source_id, day)
    landed = {row["url"]: row for row in table_rows if row["source"] == source_id and row["dt"] == day}
    assert sorted(landed) == sorted(expected), f"{source_id} {day}"
    for url, want in expected.items():
        got = landed[url]
        assert got["title"] == want["title"], url
        assert got["language"] == want["language"], url
        assert got["published_at"] == want["published_at"], url
        paragraphs = got["text"].split("\n\n")
        for paragraph in want["paragraphs"]:
            assert paragraph in paragraphs, f"{url}: missing paragraph {paragraph[:60]!r}"
        assert (got["tags"], got["access"], got["canonical_url"]) == (want["tags"], want["access"], want["canonical_url"]), url
        html_paragraphs = html_to_text(got["content_html"]).split("\n\n")
        assert all(paragraph in html_paragraphs for paragraph in want["paragraphs"]), url
        if "origin_url" in want:
            assert got["origin_publisher"] == want["origin_publisher"], url
            assert got["origin_url"] == want["origin_url"], url


def run_all(sources, days):
    from newslake.orchestration import run_source_dags

    runs = run_source_dags(sources, days)
    assert [(r.dag_id, r.day, r.state) for r in runs] == [(r.dag_id, r.day, "success") for r in runs]
    return runs


def test_every_sample_source_and_day_lands_the_site_articles(sample_site, airflow_db, tmp_path, monkeypatch):
    from newslake.sample_site.content import DELETED_ARTICLES, SAMPLE_DATES
    from newslake.sample_site.urls import expected_url

    monkeypatch.setenv("NEWSLAKE_LAKE_URI", str(tmp_path / "lake"))
    sources = load_sources()
    run_all(sources, list(SAMPLE_DATES))

    storage = Storage(str(tmp_path / "lake"))
    reader = LakeReader(storage)
    rows = reader.table("articles").to_pylist()
    for source in sources:
        for day in SAMPLE_DATES:
            assert storage.exists(lake.articles_key(day, source.id))
            assert lake.read_json(storage, lake.validation_key(day, source.id))["success"] is True
            assert_partition_matches_site(sample_site, rows, source.id, day)
    # Only the partitions of the runs, and nothing staged or quarantined left behind.
    assert {key.split("/part-0")[0] for key in storage.list("articles")} == {
        f"articles/{lake.partition(day, s.id)}" for s in sources for day in SAMPLE_DATES
    }
    assert storage.list("_staging") == [] and storage.list("quarantine") == []

    # Every URL listed for a day has exactly one outcome; the deleted story is a recorded failure.
    log = reader.table("fetch_log").to_pylist()
    article_outcomes = [r for r in log if r["kind"] == "article"]
    keys = [(r["dt"], r["source"], r["url"]) for r in article_outcomes]
    assert len(keys) == len(set(keys))
    landed = [r for r in article_outcomes if r["outcome"] == "landed"]
    assert len(landed) == len(rows)
    for deleted in DELETED_ARTICLES:
        url = expected_url(deleted, sample_site.base_url)
        outcome = [r for r in article_outcomes if r["url"] == url and r["outcome"] != "skipped"]
        assert [(r["outcome"], r["reason"]) for r in outcome] == [("failed", "http_404")]

    # The report a person reads after `make run` says all of it.
    from newslake.report import lake_report

    report = lake_report(reader, days=list(SAMPLE_DATES))
    for source in sources:
        assert source.id in report
    assert "http_404" in report and "passed" in report and "Articles per day and language" in report

    # A past day that every feed has forgotten is still reached (sitemaps, the date archive).
    past_day = SAMPLE_DATES[0] - dt.timedelta(days=1)
    run_all(sources, [past_day])
    past_rows = reader.table("articles").to_pylist()
    for source in sources:
        assert_partition_matches_site(sample_site, past_rows, source.id, past_day)
    rows = [row for row in past_rows if row["dt"] != past_day]

    # A re-run of a day (a retry, a backfill) replaces the partition with identical rows and bytes.
    day = SAMPLE_DATES[1]
    before = {s.id: storage.read_bytes(lake.articles_key(day, s.id)) for s in sources}
    run_all(sources, [day])
    after = {s.id: storage.read_bytes(lake.articles_key(day, s.id)) for s in sources}
    assert after == before
    assert len([r for r in reader.table("articles").to_pylist() if r["dt"] != past_day]) == len(rows)

    # Story clusters: every aggregator copy lands in the cluster of its original, which is the
    # canonical copy; the day's other articles are stories of their own.
    from newslake.orchestration import run_story_cluster_dag
    from newslake.pipeline import article_id
    from newslake.sample_site.content import AGGREGATOR_ARTICLES, original_of

    assert {r.state for r in run_story_cluster_dag(list(SAMPLE_DATES))} == {"success"}
    # (Runs also catch up on other stale days — here the past day landed above; judge the sample days.)
    clusters = {row["article_id"]: row for row in reader.table("story_clusters").to_pylist() if row["dt"] in SAMPLE_DATES}
    copies = [a for a in AGGREGATOR_ARTICLES if a.local_date in SAMPLE_DATES]
    assert copies
    for copy in copies:
        copy_id = article_id(expected_url(copy, sample_site.base_url))
        original_id = article_id(expected_url(original_of(copy), sample_site.base_url))
        assert clusters[copy_id]["cluster_id"] == original_id and not clusters[copy_id]["is_canonical_copy"]
        assert clusters[original_id]["is_canonical_copy"] and clusters[original_id]["cluster_size"] == 2
    in_clusters_of_two = {k for k, row in clusters.items() if row["cluster_size"] > 1}
    assert len(in_clusters_of_two) == 2 * len(copies)


def test_s3_lake_through_the_airflow_connection(sample_site, airflow_db, moto_s3, monkeypatch):
    from newslake.sample_site.content import SAMPLE_DATES
    from newslake.storage import S3Options

    monkeypatch.setenv("NEWSLAKE_LAKE_URI", f"s3://{moto_s3['bucket']}/e2e-lake")
    sources = [s for s in load_sources() if s.id in ("casablanca-courier", "revue-maghreb")]
    day = SAMPLE_DATES[1]
    run_all(sources, [day])

    storage = Storage(
        f"s3://{moto_s3['bucket']}/e2e-lake",
        s3=S3Options(endpoint_url=moto_s3["endpoint"], access_key="testing", secret_key="testing", region="us-east-1"),
    )
    rows = LakeReader(storage).table("articles").to_pylist()
    for source in sources:
        assert_partition_matches_site(sample_site, rows, source.id, day)
    keys = moto_s3["client"].list_objects_v2(Bucket=moto_s3["bucket"], Prefix="e2e-lake/")["Contents"]
    names = {item["Key"] for item in keys}
    assert f"e2e-lake/{lake.articles_key(day, 'revue-maghreb')}" in names
    assert f"e2e-lake/{lake.raw_key(day, 'revue-maghreb')}" in names
    # Nothing staged is left (S3 "folder" marker objects end in '/' and hold nothing).
    assert not [name for name in names if "/_staging/" in name and not name.endswith("/")]

    # polars reads the same S3 lake directly, with `dt` as a Date.
    import polars as pl

    frame = pl.scan_parquet(
        f"s3://{moto_s3['bucket']}/e2e-lake/articles/**/*.parquet", storage_options=storage.polars_storage_options(), hive_partitioning=True
    ).collect()
    assert frame.height == len(rows) and frame.schema["dt"] == pl.Date


def test_running_a_changed_dag_again_for_a_day_warns_of_nothing(sample_site, airflow_db, tmp_path, monkeypatch):
    """Running a day again after its DAG changed (an edited sources file, an upgrade) made Airflow's
    SQLAlchemy models warn, four lines a run, about a relationship nothing reads; `make run` printed
    it for each of its 18 runs. The run itself was and is fine."""
    import warnings

    from newslake import orchestration
    from newslake.dag_sources import DEFAULT_SOURCES_FILE
    from newslake.sample_site.content import SAMPLE_DATES

    monkeypatch.setenv("NEWSLAKE_LAKE_URI", str(tmp_path / "lake"))
    source = load_sources()[0]
    day = SAMPLE_DATES[-1]

    def run_the_day():
        dag = orchestration.load_dagbag().dags[source.dag_id]
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            assert orchestration.run_once(dag, day, orchestration.logical_date_for(source, day)).state == "success"
        return [str(w.message)[:120] for w in caught if any(text in str(w.message) for text in orchestration.AIRFLOW_NOISE)]

    assert run_the_day() == []
    # The same sources with the first one renamed: a new version of its DAG.
    edited = tmp_path / "sources.yaml"
    edited.write_text(DEFAULT_SOURCES_FILE.read_text().replace(f"name: {source.name}", f"name: {source.name} (renamed)", 1))
    monkeypatch.setenv("NEWSLAKE_SOURCES_FILE", str(edited))
    # Airflow rewrites a DAG at most every 30 s by default; a user edits the file later than that.
    monkeypatch.setenv("AIRFLOW__CORE__MIN_SERIALIZED_DAG_UPDATE_INTERVAL", "0")
    assert run_the_day() == []


def test_a_bad_setting_fails_the_run_with_a_message_naming_its_variable(
    sample_site, airflow_db, tmp_path, monkeypatch, capfd, start_local_server
):
    """An Airflow Variable a setting cannot take fails the run's first task with the Variable's
    name and value (before: Python's "invalid literal for int() with base 10: 'eight'", which names
    neither), nothing is written to the lake, and the failure is still notified through the
    webhook the notify_conn_id Variable names (before, the failure callback read every setting,
    fell back to the environment's on the bad one, and only logged the failure)."""
    import json

    from airflow.models.variable import Variable

    from localserver import Response
    from newslake import orchestration
    from newslake.sample_site.content import SAMPLE_DATES

    hook = start_local_server(lambda request, http: Response(204))
    monkeypatch.setenv("AIRFLOW_CONN_NEWSLAKE_TEST_HOOK", json.dumps({"conn_type": "http", "host": hook.url("/hook")}))
    monkeypatch.setenv("NEWSLAKE_LAKE_URI", str(tmp_path / "lake"))
    source = load_sources()[0]
    day = SAMPLE_DATES[-1]
    Variable.set("newslake_fetch_concurrency", "eight")
    Variable.set("newslake_notify_conn_id", "newslake_test_hook")
    try:
        dag = orchestration.load_dagbag().dags[source.dag_id]
        run = orchestration.run_once(dag, day, orchestration.logical_date_for(source, day))
    finally:
        Variable.delete("newslake_fetch_concurrency")
        Variable.delete("newslake_notify_conn_id")
    assert run.state == "failed"
    message = "setting fetch_concurrency: Airflow Variable newslake_fetch_concurrency = 'eight' is not an integer"
    assert message in "".join(capfd.readouterr())
    assert not (tmp_path / "lake").exists()
    events = [json.loads(request.body) for request in hook.requests_to("/hook")]
    assert events and all(message in event["exception"] for event in events if event["event"] == "task_failed")
    assert {event["task_id"] for event in events if event["event"] == "task_failed"} == {"discover"}
