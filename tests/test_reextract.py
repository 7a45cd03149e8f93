"""Re-extraction rebuilds a partition from the raw zone alone — the site is gone — and, with the
extractor unchanged, gives back the very same rows."""

from __future__ import annotations

import datetime as dt

import pytest

from newslake import lake
from newslake.storage import Storage
from newsserver import TinyNewsSite, use_one_source

DAY = dt.date(2026, 11, 24)


@pytest.fixture
def tiny_source(tmp_path, monkeypatch):
    site = TinyNewsSite()
    site.article("/a.html", "Council meets", "2026-11-24T10:00:00+01:00")
    site.article("/b.html", "Port opens", "2026-11-24T12:00:00+01:00", topic="the new port")
    site.rss("/feed.xml", [("/a.html", "Tue, 24 Nov 2026 10:00:00 +0100"), ("/b.html", "Tue, 24 Nov 2026 12:00:00 +0100"),
                           ("/gone.html", "Tue, 24 Nov 2026 13:00:00 +0100")])
    use_one_source(tmp_path, monkeypatch, source_id="tiny-daily", name="Tiny Daily", feed_url=f"{site.base_url}/feed.xml")
    yield site
    site.close()


def state(run) -> str:
    return str(getattr(run.state, "value", run.state))


@pytest.mark.e2e
@pytest.mark.parametrize("backend", ["local", "s3"])
def test_reextraction_rebuilds_the_same_partition_without_the_network(tiny_source, airflow_db, tmp_path, monkeypatch, request, backend):
    from newslake.config import load_sources
    from newslake.orchestration import load_dagbag, logical_date_for

    if backend == "s3":
        from newslake.storage import S3Options

        moto = request.getfixturevalue("moto_s3")
        uri = f"s3://{moto['bucket']}/reextract-lake"
        monkeypatch.setenv("NEWSLAKE_LAKE_URI", uri)
        storage = Storage(uri, s3=S3Options(endpoint_url=moto["endpoint"], access_key="testing", secret_key="testing", region="us-east-1"))
    else:
        storage = Storage(str(tmp_path / "lake"))
    source = load_sources()[0]
    bag = load_dagbag()
    assert state(bag.dags[source.dag_id].test(logical_date=logical_date_for(source, DAY))) == "success"
    articles, fetch_log = lake.articles_key(DAY, source.id), lake.fetch_log_key(DAY, source.id)
    original = storage.read_bytes(articles), storage.read_bytes(fetch_log)

    tiny_source.close()  # the site is gone: only the raw zone remains
    storage.delete(articles)
    # What a dry run (or a quarantined run) leaves staged: a re-extraction's run_metrics row took
    # its discover and fetch times, though neither step ran.
    lake.write_json(storage, f"{lake.staging_prefix(DAY, source.id)}/metrics.json", {"discover_seconds": 9.9, "fetch_seconds": 9.9})
    hits_before = tiny_source.hits()
    # The Airflow database is the session's: earlier runs' events are there too.
    events_before = len(articles_asset_extras(source.id))
    run = bag.dags["newslake_reextract"].test(
        run_conf={"start_date": DAY.isoformat(), "end_date": DAY.isoformat(), "sources": [source.id]}
    )
    assert state(run) == "success"
    assert (storage.read_bytes(articles), storage.read_bytes(fetch_log)) == original
    assert tiny_source.hits() == hits_before
    [metrics] = lake.read_parquet(storage, lake.run_metrics_key(DAY, source.id)).to_pylist()
    assert metrics["reextracted"] and metrics["discover_seconds"] is None and metrics["fetch_seconds"] is None
    # The rebuilt day is announced on the source's articles asset, which schedules the story clusters.
    [event] = [extra for extra in articles_asset_extras(source.id)[events_before:] if extra.get("reextracted")]
    assert event["dt"] == DAY.isoformat() and event["source"] == source.id and event["rows"] == 2


def articles_asset_extras(source_id: str) -> list[dict]:
    from airflow.models.asset import AssetEvent, AssetModel
    from airflow.utils.session import create_session

    with create_session() as session:
        events = (
            session.query(AssetEvent).join(AssetModel, AssetEvent.asset_id == AssetModel.id)
            .filter(AssetModel.name == f"newslake_articles_{source_id}").order_by(AssetEvent.id).all()
        )
        return [dict(event.extra or {}) for event in events]


def test_bad_reextraction_params_fail_the_run_at_once(tiny_source, airflow_db):
    """They were retried twice (the default retries), a minute apart, before failing."""
    from newslake.orchestration import load_dagbag

    run = load_dagbag().dags["newslake_reextract"].test(run_conf={"start_date": "2026-11-25", "end_date": "2026-11-24", "sources": []})
    assert state(run) == "failed"
    [listing] = [ti for ti in run.get_task_instances() if ti.task_id == "list_partitions"]
    assert state(listing) == "failed" and listing.try_number == 1


@pytest.mark.parametrize(
    ("start", "end", "sources", "message"),
    [
        ("2026-11-25", "2026-11-24", None, "end_date 2026-11-24 is before start_date 2026-11-25"),
        ("24/11/2026", "2026-11-24", None, "dates like 2026-11-24"),
        (None, "2026-11-24", None, "dates like 2026-11-24"),
        ("2026-11-24", "2026-11-24", ["tiny-daily", "nope"], "unknown source id(s) ['nope']"),
        ("2025-01-01", "2026-11-24", None, "at most 366"),
    ],
)
def test_reextraction_params_are_checked_with_clear_errors(tiny_source, start, end, sources, message):
    from newslake.orchestration import partitions_to_reextract

    with pytest.raises(ValueError) as error:
        partitions_to_reextract(start, end, sources)
    assert message in str(error.value)
