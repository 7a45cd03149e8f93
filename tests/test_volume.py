"""Volume monitoring (newslake.volume) on a synthetic history of run_metrics partitions: the
verdicts, the rule that only days before D count, and what a drop does to a partition when the
source says ``action: fail`` — through the pipeline, and through a real DAG run."""

from __future__ import annotations

import datetime as dt
import json
import logging

import pytest

from newslake import lake, pipeline, volume
from newslake.config import Settings, Source, VolumeConfig
from newslake.storage import Storage
from newsserver import two_article_site

DAY = dt.date(2026, 11, 24)
SOURCE_ID = "tiny-daily"
# 20 days before DAY; the default lookback keeps the last 14 (median of those: 10).
HISTORY = [9, 10, 11, 10, 12, 8, 10, 10, 9, 11, 10, 10, 12, 8, 30, 1, 10, 10, 9, 11]


def write_run_metrics(storage: Storage, source_id: str, day: dt.date, landed: int, quarantined: int = 0, reasons: dict | None = None) -> None:
    """One run_metrics partition, as a run of ``day`` would have written it."""
    import pyarrow as pa

    row = {
        "finished_at": dt.datetime.combine(day + dt.timedelta(days=1), dt.time(2, 5), tzinfo=dt.UTC),
        "listed": landed + quarantined, "landed": landed, "skipped": 0, "failed": 0, "quarantined": quarantined,
        "outcome_reasons": json.dumps(reasons or {}), "listings_failed": 0, "bytes_fetched": 1000 * (landed + quarantined),
        "discover_seconds": 1.0, "fetch_seconds": 2.0, "extract_seconds": 3.0,
        "validation_passed": quarantined == 0, "expectations_failed": 0 if quarantined == 0 else 1,
        "extractor": "test 1", "reextracted": False,
    }
    table = pa.Table.from_pylist([row], schema=lake.run_metrics_schema())
    storage.write_bytes(lake.run_metrics_key(day, source_id), lake.table_to_parquet_bytes(table))


def write_history(storage: Storage, counts: list[int], source_id: str = SOURCE_ID, before: dt.date = DAY) -> None:
    """``counts[-1]`` is the day before ``before``, ``counts[-2]`` the one before that, ..."""
    for back, count in enumerate(reversed(counts), start=1):
        write_run_metrics(storage, source_id, before - dt.timedelta(days=back), count)


@pytest.fixture
def local_storage(tmp_path) -> Storage:
    return Storage(str(tmp_path / "lake"))


# -- the verdicts --------------------------------------------------------------------------------


def test_ok_drop_and_spike_against_the_median_of_the_last_14_days(storage):
    write_history(storage, HISTORY)
    config = VolumeConfig()
    assert volume.earlier_day_counts(storage, SOURCE_ID, DAY, 14) == {
        DAY - dt.timedelta(days=back): count for back, count in enumerate(reversed(HISTORY), start=1) if back <= 14
    }
    check = volume.check_volume(storage, SOURCE_ID, DAY, 10, config)
    assert (check.status, check.median, check.history_days) == ("ok", 10.0, 14)
    # The bounds: a drop is below median × 0.5, a spike above median × 3.
    assert volume.check_volume(storage, SOURCE_ID, DAY, 5, config).status == "ok"
    assert volume.check_volume(storage, SOURCE_ID, DAY, 4, config).status == "drop"
    assert volume.check_volume(storage, SOURCE_ID, DAY, 0, config).status == "drop"
    assert volume.check_volume(storage, SOURCE_ID, DAY, 30, config).status == "ok"
    assert volume.check_volume(storage, SOURCE_ID, DAY, 31, config).status == "spike"
    # Configurable factors and window.
    strict = VolumeConfig(drop_factor=0.9, spike_factor=1.2, lookback_days=3, min_history_days=3)
    check = volume.check_volume(storage, SOURCE_ID, DAY, 8, strict)
    assert (check.status, check.median, check.history_days) == ("drop", 10.0, 3)
    assert volume.check_volume(storage, SOURCE_ID, DAY, 13, strict).status == "spike"


def test_insufficient_history_for_a_new_source_or_a_long_gap(local_storage):
    config = VolumeConfig()
    assert volume.check_volume(local_storage, SOURCE_ID, DAY, 0, config).status == "insufficient_history"
    write_history(local_storage, [10, 10, 10, 10])  # 4 days: one short of the minimum of 5
    check = volume.check_volume(local_storage, SOURCE_ID, DAY, 0, config)
    assert (check.status, check.median, check.history_days, check.rejects) == ("insufficient_history", None, 4, False)
    assert "only 4 earlier day(s)" in check.message(SOURCE_ID, DAY)
    # Runs older than the lookback window do not count; days without a run are skipped, not zeros.
    write_history(local_storage, [10] * 10, before=DAY - dt.timedelta(days=14))
    assert volume.check_volume(local_storage, SOURCE_ID, DAY, 0, config).history_days == 4
    write_run_metrics(local_storage, SOURCE_ID, DAY - dt.timedelta(days=10), 10)
    check = volume.check_volume(local_storage, SOURCE_ID, DAY, 0, config)
    assert (check.status, check.history_days) == ("drop", 5)
    # Other sources' runs are not this source's history.
    write_history(local_storage, [500] * 14, source_id="other-source")
    assert volume.check_volume(local_storage, SOURCE_ID, DAY, 10, config).median == 10.0


def test_only_days_before_d_count_so_a_rerun_of_d_gives_the_same_answer(local_storage):
    write_history(local_storage, HISTORY)
    config = VolumeConfig()
    first = volume.check_volume(local_storage, SOURCE_ID, DAY, 4, config)
    assert first.status == "drop"
    # D's own row (written by the first run) and later days (a backfill running out of order)
    # must not move D's verdict.
    write_run_metrics(local_storage, SOURCE_ID, DAY, 4)
    for ahead in range(1, 8):
        write_run_metrics(local_storage, SOURCE_ID, DAY + dt.timedelta(days=ahead), 1000)
    assert volume.check_volume(local_storage, SOURCE_ID, DAY, 4, config) == first


def test_a_quarantined_day_counts_with_the_articles_its_run_extracted(local_storage):
    write_history(local_storage, [10] * 14)
    write_run_metrics(local_storage, SOURCE_ID, DAY - dt.timedelta(days=1), landed=0, quarantined=10)
    # A manual run with a limit: the new URLs it left unfetched are part of the day's volume.
    write_run_metrics(local_storage, SOURCE_ID, DAY - dt.timedelta(days=2), landed=3, reasons={"skipped:over_limit": 7, "failed:http_404": 2})
    counts = volume.earlier_day_counts(local_storage, SOURCE_ID, DAY, 14)
    assert counts[DAY - dt.timedelta(days=1)] == 10 and counts[DAY - dt.timedelta(days=2)] == 10 and set(counts.values()) == {10}


def test_the_config_block_is_checked():
    with pytest.raises(ValueError, match="action"):
        Source(id="x", name="X", languages=("fr",), feeds=("https://x.example/rss",), volume={"action": "page-me"})
    with pytest.raises(ValueError, match="can never be found"):
        VolumeConfig(lookback_days=7, min_history_days=8)
    with pytest.raises(ValueError, match="extra"):
        VolumeConfig(drop_factr=0.2)
    source = Source(id="x", name="X", languages=("fr",), feeds=("https://x.example/rss",), volume={"action": "fail", "drop_factor": 0.3})
    assert (source.volume.action, source.volume.drop_factor, source.volume.lookback_days) == ("fail", 0.3, 14)


# -- through the pipeline ------------------------------------------------------------------------


@pytest.fixture
def site():
    tiny = two_article_site()
    yield tiny
    tiny.close()


def staged_context(site, tmp_path, **volume_config) -> pipeline.PartitionContext:
    """A partition of DAY with its two articles staged (discover → fetch → extract)."""
    source = Source(id=SOURCE_ID, name="Tiny Daily", languages=("en",), timezone="Africa/Casablanca",
                    feeds=(f"{site.base_url}/feed.xml",), requests_per_second=50, volume=volume_config)
    ctx = pipeline.PartitionContext(source, DAY, Storage(str(tmp_path / "lake")), Settings(allowed_networks="127.0.0.0/8"))
    for step in (pipeline.discover, pipeline.fetch, pipeline.extract):
        step(ctx)
    return ctx


def run_metrics_row(ctx) -> dict:
    [row] = lake.read_parquet(ctx.storage, lake.run_metrics_key(ctx.day, ctx.source.id)).to_pylist()
    return row


def test_a_drop_with_action_fail_quarantines_the_partition(site, tmp_path):
    ctx = staged_context(site, tmp_path, action="fail")
    write_history(ctx.storage, HISTORY)
    with pytest.raises(pipeline.PartitionRejected) as rejected:
        pipeline.validate(ctx)
    message = str(rejected.value)
    assert "volume drop" in message and repr(SOURCE_ID) in message
    # None landed: the message says what its count is (it said "2 articles landed").
    assert "2 articles this day (landed, quarantined or over the limit)" in message and "articles landed" not in message
    assert "median 10" in message and "drop factor 0.5" in message and "NOT published" in message

    assert not ctx.storage.exists(lake.articles_key(DAY, SOURCE_ID))
    quarantine = lake.quarantine_prefix(DAY, SOURCE_ID)
    assert lake.read_parquet(ctx.storage, f"{quarantine}/{lake.PARTITION_FILE}").num_rows == 2
    verdict = json.loads(ctx.storage.read_bytes(f"{quarantine}/validation.json"))
    assert verdict["success"] is False and verdict["failures"][0]["expectation"] == "volume_drop"
    assert verdict["failures"][0]["volume"]["median"] == 10.0
    fetch_log = lake.read_parquet(ctx.storage, lake.fetch_log_key(DAY, SOURCE_ID)).to_pylist()
    assert sorted(r["outcome"] for r in fetch_log if r["kind"] == "article") == ["quarantined", "quarantined"]
    row = run_metrics_row(ctx)
    assert (row["volume_status"], row["volume_median"], row["volume_history_days"]) == ("drop", 10.0, 14)
    assert (row["landed"], row["quarantined"], row["validation_passed"]) == (0, 2, False)


def test_a_drop_with_action_warn_is_logged_recorded_and_published(site, tmp_path, caplog):
    ctx = staged_context(site, tmp_path)  # action: warn, the default
    write_history(ctx.storage, HISTORY)
    with caplog.at_level(logging.WARNING, logger="newslake.pipeline"):
        assert pipeline.validate(ctx)["success"] is True
    # Logged when measured, then again as a non-blocking warning of the validation verdict.
    warnings = [r for r in caplog.records if "volume drop" in r.getMessage()]
    assert warnings and all(r.levelno == logging.WARNING and "2 articles this day (landed, quarantined" in r.getMessage() for r in warnings)
    assert pipeline.publish(ctx)["rows"] == 2
    verdict = lake.read_json(ctx.storage, lake.validation_key(ctx.day, ctx.source.id))
    assert verdict["status"] == "warned" and [w["id"] for w in verdict["warnings"]] == ["volume"]
    row = run_metrics_row(ctx)
    assert (row["volume_status"], row["volume_median"], row["volume_history_days"], row["landed"]) == ("drop", 10.0, 14, 2)

    # A re-run of D reads the same earlier days, not the row its first run wrote.
    for step in (pipeline.discover, pipeline.fetch, pipeline.extract, pipeline.validate, pipeline.publish):
        step(ctx)
    assert (run_metrics_row(ctx)["volume_status"], run_metrics_row(ctx)["volume_median"]) == ("drop", 10.0)


def test_a_normal_day_and_a_new_source_are_recorded_as_such(site, tmp_path):
    ctx = staged_context(site, tmp_path, action="fail")
    pipeline.validate(ctx)  # no history at all: nothing to judge, nothing rejected
    pipeline.publish(ctx)
    assert (run_metrics_row(ctx)["volume_status"], run_metrics_row(ctx)["volume_median"]) == ("insufficient_history", None)

    write_history(ctx.storage, [2, 3, 2, 1, 2, 2])
    for step in (pipeline.discover, pipeline.fetch, pipeline.extract, pipeline.validate, pipeline.publish):
        step(ctx)
    row = run_metrics_row(ctx)
    assert (row["volume_status"], row["volume_median"], row["volume_history_days"]) == ("ok", 2.0, 6)


def test_a_run_with_a_limit_counts_the_urls_it_left_unfetched(site, tmp_path):
    source = Source(id=SOURCE_ID, name="Tiny Daily", languages=("en",), timezone="Africa/Casablanca",
                    feeds=(f"{site.base_url}/feed.xml",), requests_per_second=50, volume={"action": "fail"})
    ctx = pipeline.PartitionContext(source, DAY, Storage(str(tmp_path / "lake")), Settings(allowed_networks="127.0.0.0/8"))
    write_history(ctx.storage, [2] * 14)
    pipeline.discover(ctx, limit=1)
    pipeline.fetch(ctx)
    pipeline.extract(ctx)
    pipeline.validate(ctx)  # 1 landed + 1 over the limit: the usual 2, not a drop
    assert pipeline.publish(ctx)["rows"] == 1
    row = run_metrics_row(ctx)
    assert (row["volume_status"], row["volume_median"], row["landed"]) == ("ok", 2.0, 1)
    assert volume.earlier_day_counts(ctx.storage, SOURCE_ID, DAY + dt.timedelta(days=1), 1) == {DAY: 2}


def test_the_message_of_a_limited_run_says_what_it_counted(site, tmp_path, caplog):
    """1 landed + 1 over the limit is a count of 2: a drop against a median of 10, whose message
    said "2 articles landed" while 1 did."""
    source = Source(id=SOURCE_ID, name="Tiny Daily", languages=("en",), timezone="Africa/Casablanca",
                    feeds=(f"{site.base_url}/feed.xml",), requests_per_second=50)
    ctx = pipeline.PartitionContext(source, DAY, Storage(str(tmp_path / "lake")), Settings(allowed_networks="127.0.0.0/8"))
    write_history(ctx.storage, [10] * 14)
    pipeline.discover(ctx, limit=1)
    pipeline.fetch(ctx)
    pipeline.extract(ctx)
    with caplog.at_level(logging.WARNING, logger="newslake.pipeline"):
        pipeline.validate(ctx)
    assert pipeline.publish(ctx)["rows"] == 1
    [message, *_] = [r.getMessage() for r in caplog.records if "volume drop" in r.getMessage()]
    assert f"volume drop for source {SOURCE_ID!r} on {DAY}: 2 articles this day (landed, quarantined or over the limit), fewer than" in message
    assert "articles landed" not in message
    assert (run_metrics_row(ctx)["landed"], run_metrics_row(ctx)["volume_status"]) == (1, "drop")


# -- through a real DAG run, with the failure notified to a webhook ------------------------------


@pytest.mark.e2e
def test_dag_run_quarantines_a_drop_and_notifies_the_webhook(site, tmp_path, monkeypatch, airflow_db, start_local_server):
    from localserver import Response
    from newslake.config import load_sources
    from newslake.orchestration import load_dagbag, logical_date_for

    hook = start_local_server(lambda request, http: Response(204))
    sources = tmp_path / "sources.yaml"
    sources.write_text(
        f"sources:\n  - id: {SOURCE_ID}\n    name: Tiny Daily\n    languages: [en]\n    timezone: Africa/Casablanca\n"
        f"    requests_per_second: 50\n    start_date: 2026-11-01\n    feeds: ['{site.base_url}/feed.xml']\n"
        f"    volume: {{action: fail, drop_factor: 0.5}}\n"
    )
    monkeypatch.setenv("NEWSLAKE_SOURCES_FILE", str(sources))
    monkeypatch.setenv("NEWSLAKE_LAKE_URI", str(tmp_path / "lake"))
    monkeypatch.setenv("NEWSLAKE_NOTIFY_CONN_ID", "newslake_notify")
    monkeypatch.setenv("AIRFLOW_CONN_NEWSLAKE_NOTIFY", json.dumps({"conn_type": "http", "host": hook.url("/hooks/newslake")}))
    storage = Storage(str(tmp_path / "lake"))
    write_history(storage, HISTORY)

    [source] = load_sources()
    run = load_dagbag().dags[source.dag_id].test(logical_date=logical_date_for(source, DAY))

    assert str(getattr(run.state, "value", run.state)) == "failed"
    states = {ti.task_id: str(getattr(ti.state, "value", ti.state)) for ti in run.get_task_instances()}
    assert states["validate"] == "failed" and states["publish"] == "upstream_failed"
    assert not storage.exists(lake.articles_key(DAY, SOURCE_ID))
    assert storage.exists(f"{lake.quarantine_prefix(DAY, SOURCE_ID)}/{lake.PARTITION_FILE}")
    [row] = lake.read_parquet(storage, lake.run_metrics_key(DAY, SOURCE_ID)).to_pylist()
    assert (row["volume_status"], row["volume_median"], row["quarantined"]) == ("drop", 10.0, 2)

    # The webhook got the task's failure (with the volume verdict) and the DAG run's.
    posts = [json.loads(r.body) for r in hook.requests_to("/hooks/newslake") if r.method == "POST"]
    by_event = {post["event"]: post for post in posts}
    assert sorted(by_event) == ["dag_run_failed", "task_failed"] and len(posts) == 2
    task_failed = by_event["task_failed"]
    assert (task_failed["dag_id"], task_failed["task_id"]) == (source.dag_id, "validate")
    assert task_failed["run_id"] == run.run_id and task_failed["logical_date"].startswith("2026-11-24T")
    assert "PartitionRejected" in task_failed["exception"] and "volume drop" in task_failed["exception"]
    assert "median 10" in task_failed["exception"] and f"/dags/{source.dag_id}/runs/" in task_failed["log_url"]
    assert task_failed["text"].startswith(f"newslake failure: task validate of DAG {source.dag_id} failed")
    dag_run_failed = by_event["dag_run_failed"]
    assert dag_run_failed["dag_id"] == source.dag_id and dag_run_failed["reason"] == "task_failure"
    assert dag_run_failed["run_id"] == run.run_id
