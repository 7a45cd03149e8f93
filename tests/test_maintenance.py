"""Lake maintenance: raw-zone retention, orphaned staging clean-up and lake stats, on a local lake
and on S3 (moto server), and the maintenance DAG end to end."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from lakerows import article_table
from newslake import lake, maintenance
from newslake.queries import LakeReader
from newslake.storage import Storage

TODAY = dt.date(2026, 11, 25)
OLD, RECENT = dt.date(2026, 10, 1), dt.date(2026, 11, 24)


def populate(storage: Storage) -> None:
    """Two days of two sources: articles (real Parquet), fetch logs, raw zones, a quarantine."""
    for day in (OLD, RECENT):
        for source, rows in (("alpha", 3), ("beta", 2)):
            storage.write_bytes(lake.articles_key(day, source), lake.table_to_parquet_bytes(article_table(f"{source}{day:%d}", rows)))
            storage.write_bytes(lake.fetch_log_key(day, source), b"fetch-log")
            storage.write_bytes(lake.raw_key(day, source), b"w" * 100)
            storage.write_bytes(lake.raw_manifest_key(day, source, "fetched.json"), b"{}")
    storage.write_bytes(f"{lake.quarantine_prefix(RECENT, 'beta')}/result.json", b"{}")
    storage.write_bytes(lake.story_clusters_key(RECENT), b"not a partitioned table")


# -- Storage.list_with_mtime ---------------------------------------------------------------------


def test_list_with_mtime_gives_key_size_and_a_recent_utc_mtime(storage):
    assert storage.list_with_mtime("_staging") == []
    before = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
    storage.write_bytes("_staging/dt=2026-11-24/source=x/b.json", b"12345")
    storage.write_bytes("_staging/dt=2026-11-24/source=x/a.json", b"1")
    storage.write_bytes("articles/other.parquet", b"1")
    listed = storage.list_with_mtime("_staging")
    assert [(f.key, f.size) for f in listed] == [
        ("_staging/dt=2026-11-24/source=x/a.json", 1),
        ("_staging/dt=2026-11-24/source=x/b.json", 5),
    ]
    for stored in listed:
        assert stored.mtime.utcoffset() == dt.timedelta(0)
        assert before < stored.mtime < dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5)


def test_list_with_mtime_local_reports_the_file_mtime(tmp_path):
    storage = Storage(str(tmp_path))
    storage.write_bytes("a/b.bin", b"x")
    stamp = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC).timestamp()
    os.utime(tmp_path / "a" / "b.bin", (stamp, stamp))
    [stored] = storage.list_with_mtime("a")
    assert stored.mtime == dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)


# -- raw retention ---------------------------------------------------------------------------------


def test_raw_retention_removes_only_old_raw_partitions(storage):
    populate(storage)
    everything_else = [key for key in storage.list("") if not key.startswith("raw/")]
    result = maintenance.apply_raw_retention(storage, TODAY, keep_days=30)
    assert result["cutoff"] == "2026-10-26"
    assert result["removed"] == ["raw/dt=2026-10-01/source=alpha", "raw/dt=2026-10-01/source=beta"]
    assert (result["partitions_removed"], result["files_removed"]) == (2, 4)
    assert storage.list("raw") == [
        "raw/dt=2026-11-24/source=alpha/fetched.json", "raw/dt=2026-11-24/source=alpha/responses.warc.gz",
        "raw/dt=2026-11-24/source=beta/fetched.json", "raw/dt=2026-11-24/source=beta/responses.warc.gz",
    ]
    assert [key for key in storage.list("") if not key.startswith("raw/")] == everything_else
    # Idempotent: a re-run finds nothing more to delete.
    assert maintenance.apply_raw_retention(storage, TODAY, keep_days=30)["partitions_removed"] == 0


def test_raw_retention_cutoff_day_is_kept(tmp_path):
    storage = Storage(str(tmp_path))
    for day in (dt.date(2026, 11, 17), dt.date(2026, 11, 18)):
        storage.write_bytes(lake.raw_key(day, "x"), b"w")
    result = maintenance.apply_raw_retention(storage, TODAY, keep_days=7)
    assert result["removed"] == ["raw/dt=2026-11-17/source=x"]
    assert storage.list("raw") == [lake.raw_key(dt.date(2026, 11, 18), "x")]


@pytest.mark.parametrize("keep_days", [0, -1])
def test_raw_retention_zero_keeps_forever(storage, keep_days):
    populate(storage)
    before = storage.list("")
    result = maintenance.apply_raw_retention(storage, TODAY, keep_days=keep_days)
    assert result["partitions_removed"] == 0 and result["removed"] == []
    assert storage.list("") == before


# -- orphaned staging ----------------------------------------------------------------------------


def stage(storage: Storage, day: dt.date, source: str) -> str:
    prefix = lake.staging_prefix(day, source)
    storage.write_bytes(f"{prefix}/discovered.json", b"{}")
    storage.write_bytes(f"{prefix}/articles.parquet", b"x")
    return prefix


def test_old_staging_is_removed_and_fresh_staging_kept_local(tmp_path):
    storage = Storage(str(tmp_path))
    old, fresh, mixed = stage(storage, OLD, "crashed"), stage(storage, RECENT, "running"), stage(storage, RECENT, "resumed")
    now = dt.datetime.now(dt.UTC)
    two_days_ago = (now - dt.timedelta(days=2)).timestamp()
    for key in storage.list(old) + [f"{mixed}/discovered.json"]:
        os.utime(storage.path(key), (two_days_ago, two_days_ago))
    result = maintenance.remove_orphaned_staging(storage, now, dt.timedelta(hours=24))
    # A folder with one fresh file is a live run's (its newest file counts), so it stays.
    assert result["removed"] == [old]
    assert (result["partitions_removed"], result["files_removed"], result["partitions_kept"]) == (1, 2, 2)
    assert storage.list(old) == []
    assert len(storage.list(fresh)) == 2 and len(storage.list(mixed)) == 2


def test_a_dry_runs_staging_is_removed_after_its_age_too(tmp_path):
    """A dry run's staging (discover's files and the marker its skipped fetch writes) is removed
    like a crashed run's once its newest file, the marker, is older than the threshold."""
    storage = Storage(str(tmp_path))
    old, fresh = stage(storage, OLD, "dry-old"), stage(storage, RECENT, "dry-fresh")
    for prefix in (old, fresh):
        storage.write_bytes(f"{prefix}/{lake.DRY_RUN_MARKER}", b'{"at": "2026-11-24T03:00:00+00:00"}')
    now = dt.datetime.now(dt.UTC)
    two_days_ago = (now - dt.timedelta(days=2)).timestamp()
    for key in storage.list(old):
        os.utime(storage.path(key), (two_days_ago, two_days_ago))
    result = maintenance.remove_orphaned_staging(storage, now, dt.timedelta(hours=24))
    assert result["removed"] == [old] and result["files_removed"] == 3
    assert storage.list(old) == [] and len(storage.list(fresh)) == 3


def test_fresh_staging_is_kept(storage):
    prefix = stage(storage, RECENT, "running")
    result = maintenance.remove_orphaned_staging(storage, dt.datetime.now(dt.UTC), dt.timedelta(hours=24))
    assert result["removed"] == [] and result["partitions_kept"] == 1
    assert len(storage.list(prefix)) == 2


def test_staging_older_than_the_threshold_is_removed(storage):
    """On S3 mtimes cannot be set: look from a `now` one hour ahead instead."""
    prefix = stage(storage, OLD, "crashed")
    storage.write_bytes("_staging/old.parquet", b"not a partition: left alone")
    later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
    assert maintenance.remove_orphaned_staging(storage, later, dt.timedelta(hours=2))["removed"] == []
    result = maintenance.remove_orphaned_staging(storage, later, dt.timedelta(0))
    assert result["removed"] == [prefix] and result["files_removed"] == 2
    assert storage.list("_staging") == ["_staging/old.parquet"]


def test_temp_files_of_killed_writes_are_removed_when_old(tmp_path):
    """A kill -9 between a local write and its rename leaves the hidden temporary file behind."""
    storage = Storage(str(tmp_path))
    published = storage.write_bytes(lake.articles_key(OLD, "crashed"), b"published")
    folder = os.path.dirname(storage.path(lake.articles_key(OLD, "crashed")))
    leftovers = [os.path.join(folder, f".part-0.parquet.{'a' * 32}.tmp"), os.path.join(folder, f".part-0.parquet.{'b' * 32}.tmp")]
    for path in leftovers:
        Path(path).write_bytes(b"half a file")
    two_days_ago = (dt.datetime.now(dt.UTC) - dt.timedelta(days=2)).timestamp()
    os.utime(leftovers[0], (two_days_ago, two_days_ago))  # the other is fresh: perhaps a write in progress
    keep_alike = os.path.join(folder, ".not-ours.tmp")
    Path(keep_alike).write_bytes(b"someone else's")
    os.utime(keep_alike, (two_days_ago, two_days_ago))

    dry = maintenance.remove_orphaned_staging(storage, dt.datetime.now(dt.UTC), dt.timedelta(hours=24), dry_run=True)
    assert dry["temp_files_removed"] == [lake.articles_key(OLD, "crashed").rsplit("/", 1)[0] + f"/.part-0.parquet.{'a' * 32}.tmp"]
    assert os.path.exists(leftovers[0])
    result = maintenance.remove_orphaned_staging(storage, dt.datetime.now(dt.UTC), dt.timedelta(hours=24))
    assert result["temp_files_removed"] == dry["temp_files_removed"]
    assert not os.path.exists(leftovers[0]) and os.path.exists(leftovers[1]) and os.path.exists(keep_alike)
    assert storage.read_bytes(lake.articles_key(OLD, "crashed")) == b"published" and published


def test_staging_threshold_must_not_be_negative(tmp_path):
    with pytest.raises(ValueError, match="negative"):
        maintenance.remove_orphaned_staging(Storage(str(tmp_path)), dt.datetime.now(dt.UTC), dt.timedelta(hours=-1))


# -- lake stats ------------------------------------------------------------------------------------


def test_lake_stats_counts_every_table_and_source(storage):
    populate(storage)
    if not storage.is_s3:  # a half-written temp file of an atomic local write is not counted
        storage.write_bytes("articles/dt=2026-11-24/source=alpha/.part-0.parquet.abc.tmp", b"junk")
    result = maintenance.write_lake_stats(storage, TODAY)
    assert result["key"] == "lake_stats/dt=2026-11-25/part-0.parquet"
    stats = lake.read_parquet(storage, result["key"])
    assert stats.schema.equals(lake.lake_stats_schema())
    rows = {(row["table"], row["source"]): row for row in stats.to_pylist()}
    assert sorted(rows) == [
        ("articles", "alpha"), ("articles", "beta"), ("fetch_log", "alpha"), ("fetch_log", "beta"),
        ("quarantine", "beta"), ("raw", "alpha"), ("raw", "beta"),
    ]
    alpha = rows[("articles", "alpha")]
    assert (alpha["partitions"], alpha["files"], alpha["rows"]) == (2, 2, 6)
    assert (alpha["first_day"], alpha["last_day"]) == (OLD, RECENT)
    assert alpha["bytes"] == sum(len(storage.read_bytes(lake.articles_key(day, "alpha"))) for day in (OLD, RECENT))
    assert rows[("articles", "beta")]["rows"] == 4
    raw = rows[("raw", "beta")]
    assert (raw["partitions"], raw["files"], raw["bytes"], raw["rows"]) == (2, 4, 2 * (100 + 2), None)
    assert rows[("quarantine", "beta")]["first_day"] == RECENT
    assert result["rows"] == 7 and result["totals"]["raw"] == {"files": 8, "bytes": 4 * 102}

    # The stats are a lake table like the others.
    read = LakeReader(storage).table("lake_stats")
    assert read.num_rows == 7 and set(read.column("dt").to_pylist()) == {TODAY}


def test_lake_stats_of_an_empty_lake_is_an_empty_table(storage):
    result = maintenance.write_lake_stats(storage, TODAY)
    assert result["rows"] == 0
    assert lake.read_parquet(storage, result["key"]).num_rows == 0


# -- the DAG ---------------------------------------------------------------------------------------


@pytest.mark.e2e
def test_maintenance_dag_runs_end_to_end(airflow_db, tmp_path, monkeypatch):
    from newslake.orchestration import load_dagbag

    lake_dir = tmp_path / "lake"
    monkeypatch.setenv("NEWSLAKE_LAKE_URI", str(lake_dir))
    monkeypatch.setenv("NEWSLAKE_RAW_RETENTION_DAYS", "30")
    storage = Storage(str(lake_dir))
    populate(storage)
    crashed, running = stage(storage, OLD, "crashed"), stage(storage, RECENT, "running")
    long_ago = (dt.datetime.now(dt.UTC) - dt.timedelta(days=3)).timestamp()
    for key in storage.list(crashed):
        os.utime(storage.path(key), (long_ago, long_ago))

    dag = load_dagbag().dags["newslake_maintenance"]
    logical_date = dt.datetime.combine(TODAY, dt.time(4, 30), tzinfo=ZoneInfo("Africa/Casablanca"))
    # A dry run (the trigger form's param) lists what would go and deletes nothing.
    before = storage.list("")
    # (On the next day, so the real run below is a run of its own.)
    dry = dag.test(logical_date=logical_date + dt.timedelta(days=1), run_conf={"dry_run": True})
    assert str(getattr(dry.state, "value", dry.state)) == "success"
    assert [key for key in storage.list("") if not key.startswith("lake_stats/")] == before
    dry_results = {ti.task_id: ti.xcom_pull(task_ids=ti.task_id) for ti in dry.get_task_instances()}
    assert dry_results["apply_raw_retention"]["partitions_removed"] == 2 and dry_results["apply_raw_retention"]["dry_run"] is True
    assert dry_results["remove_orphaned_staging"]["removed"] == [crashed]

    # A fresh DAG object: dag.test() leaves the conf it was given in the object's params.
    run = load_dagbag().dags["newslake_maintenance"].test(logical_date=logical_date)
    assert str(getattr(run.state, "value", run.state)) == "success"

    assert {key.split("/")[1] for key in storage.list("raw")} == {"dt=2026-11-24"}
    assert len(storage.list("articles")) == 4  # retention never touches the tables
    assert storage.list(crashed) == [] and len(storage.list(running)) == 2
    stats = {(r["table"], r["source"]): r for r in lake.read_parquet(storage, lake.lake_stats_key(TODAY)).to_pylist()}
    assert stats[("raw", "alpha")]["partitions"] == 1  # written after the retention step
    assert stats[("articles", "alpha")]["rows"] == 6


@pytest.mark.e2e
def test_a_maintenance_run_without_a_logical_date_fails_at_once_saying_so(airflow_db, tmp_path, monkeypatch):
    """Airflow 3 lets a run be triggered with no logical date; it failed with a bare
    KeyError: 'logical_date', three times over."""
    from newslake.orchestration import load_dagbag

    monkeypatch.setenv("NEWSLAKE_LAKE_URI", str(tmp_path / "lake"))
    run = load_dagbag().dags["newslake_maintenance"].test(logical_date=None)
    assert str(getattr(run.state, "value", run.state)) == "failed"
    [retention] = [ti for ti in run.get_task_instances() if ti.task_id == "apply_raw_retention"]
    assert str(getattr(retention.state, "value", retention.state)) == "failed" and retention.try_number == 1


def test_a_run_without_a_logical_date_is_named_in_the_error():
    from types import SimpleNamespace

    from airflow.sdk.exceptions import AirflowFailException

    from newslake.orchestration import logical_date_of_run

    with pytest.raises(AirflowFailException) as error:
        logical_date_of_run({"logical_date": None, "dag_run": SimpleNamespace(run_id="manual__1", dag_id="newslake_maintenance")})
    assert "run manual__1 of newslake_maintenance has no logical date" in str(error.value)
