"""The quality gate through a real DAG run: a partition that fails validation never becomes
visible — the previously published version stays, the new one is kept in quarantine with
Great Expectations' verdict, and the run fails."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from localserver import Exchange, LocalServer, Request, Response
from newslake import lake
from newslake.storage import Storage
from newsserver import use_one_source

pytestmark = pytest.mark.e2e

DAY = dt.date(2026, 11, 24)


class FlakyDateSite(LocalServer):
    """A one-feed news site whose second article's page can be switched to a wrong date
    (a month off — what a broken date parser or a site redesign produces)."""

    def __init__(self):
        self.page_date_is_wrong = False
        super().__init__(self.answer)

    def answer(self, request: Request, http: Exchange) -> Response:
        if request.target == "/feed.xml":
            return Response(200, self.feed(self.base_url).encode(), "application/rss+xml; charset=utf-8")
        if request.target in ("/news/a.html", "/news/b.html"):
            published = "2026-11-24T09:30:00+01:00"
            if request.target == "/news/b.html" and self.page_date_is_wrong:
                published = "2026-10-24T09:30:00+01:00"
            return Response(200, self.page(request.target[6], published).encode(), "text/html; charset=utf-8")
        return Response(404, b"not found")

    @staticmethod
    def feed(base: str) -> str:
        items = "".join(
            f"<item><title>Story {name}</title><link>{base}/news/{name}.html</link>"
            f"<pubDate>Tue, 24 Nov 2026 09:30:00 +0100</pubDate></item>"
            for name in ("a", "b")
        )
        return f'<?xml version="1.0"?><rss version="2.0"><channel><title>Test</title>{items}</channel></rss>'

    @staticmethod
    def page(name: str, published: str) -> str:
        paragraphs = "".join(
            f"<p>Paragraph {i} of story {name}: the regional council of Tangier met on Tuesday to discuss "
            f"the new port extension, the budget for public transport and the schools to be built next year.</p>"
            for i in range(1, 6)
        )
        return (
            f'<html lang="en"><head><meta charset="utf-8"><title>Story {name} | Test Daily</title>'
            f'<meta property="article:published_time" content="{published}"></head>'
            f"<body><nav><a href='/'>Home</a> <a href='/world'>World</a></nav>"
            f"<article><h1>Story {name}</h1>{paragraphs}</article><footer>© Test Daily</footer></body></html>"
        )


@pytest.fixture
def flaky_site(tmp_path, monkeypatch):
    site = FlakyDateSite()
    use_one_source(tmp_path, monkeypatch, source_id="flaky-daily", name="Test Daily", feed_url=f"{site.base_url}/feed.xml")
    try:
        yield site
    finally:
        site.close()


def test_failing_partition_is_quarantined_and_never_published(flaky_site, airflow_db, tmp_path):
    from newslake.config import load_sources
    from newslake.orchestration import load_dagbag, logical_date_for

    source = load_sources()[0]
    dag = load_dagbag().dags[source.dag_id]
    storage = Storage(str(tmp_path / "lake"))
    published_key = lake.articles_key(DAY, source.id)

    good_run = dag.test(logical_date=logical_date_for(source, DAY))
    assert str(getattr(good_run.state, "value", good_run.state)) == "success"
    published_before = storage.read_bytes(published_key)

    flaky_site.page_date_is_wrong = True
    bad_run = dag.test(logical_date=logical_date_for(source, DAY), run_conf={"force_refetch": True})
    assert str(getattr(bad_run.state, "value", bad_run.state)) == "failed"
    states = {ti.task_id: str(getattr(ti.state, "value", ti.state)) for ti in bad_run.get_task_instances()}
    assert states["validate"] == "failed" and states["publish"] == "upstream_failed"

    # Readers still see the previous, validated partition, byte for byte.
    assert storage.read_bytes(published_key) == published_before
    quarantine = lake.quarantine_prefix(DAY, source.id)
    assert storage.exists(f"{quarantine}/{lake.PARTITION_FILE}")
    verdict = json.loads(storage.read_bytes(f"{quarantine}/validation.json"))
    assert verdict["success"] is False
    [failure] = verdict["failures"]
    assert failure["expectation"] == "expect_column_values_to_be_between" and failure["column"] == "published_at"
    assert failure["unexpected_count"] == 1
    assert failure["examples"][0]["url"] == f"{flaky_site.base_url}/news/b.html"
    # The fetch log records what happened to every URL of the rejected run.
    log = lake.read_parquet(storage, lake.fetch_log_key(DAY, source.id)).to_pylist()
    assert sorted((r["outcome"], r["reason"]) for r in log if r["kind"] == "article") == [("quarantined", "validation_failed")] * 2

    # Fixed at the source: the next run publishes and clears the quarantine.
    flaky_site.page_date_is_wrong = False
    fixed_run = dag.test(logical_date=logical_date_for(source, DAY), run_conf={"force_refetch": True})
    assert str(getattr(fixed_run.state, "value", fixed_run.state)) == "success"
    assert storage.list(quarantine) == []
