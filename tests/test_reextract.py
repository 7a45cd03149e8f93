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
    hits_before = tiny_source.hits()
    run = bag.dags["newslake_reextract"].test(
        run_conf={"start_date": DAY.isoformat(), "end_date": DAY.isoformat(), "sources": [source.id]}
    )
    assert state(run) == "success"
    assert (storage.read_bytes(articles), storage.read_bytes(fetch_log)) == original
    assert tiny_source.hits() == hits_before


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
