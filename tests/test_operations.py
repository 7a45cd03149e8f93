"""Operating the source DAGs: manual-run params (limit, dry run) through real DAG runs, the
per-host pools, and the articles assets that schedule story clustering."""

from __future__ import annotations

import datetime as dt

import pytest

from newslake import lake
from newslake.storage import Storage
from newsserver import TinyNewsSite, use_one_source

pytestmark = pytest.mark.e2e

DAY = dt.date(2026, 11, 24)
ARTICLE_PATHS = [f"/news/{name}.html" for name in ("a", "b", "c", "d")]


@pytest.fixture
def four_article_site(tmp_path, monkeypatch):
    site = TinyNewsSite()
    for index, path in enumerate(ARTICLE_PATHS):
        site.article(path, f"Story {index}", "2026-11-24T09:30:00+01:00", topic=f"topic number {index}")
    site.rss("/feed.xml", [(path, "Tue, 24 Nov 2026 09:30:00 +0100") for path in ARTICLE_PATHS])
    use_one_source(tmp_path, monkeypatch, source_id="tiny-daily", name="Tiny Daily", feed_url=f"{site.base_url}/feed.xml")
    try:
        yield site
    finally:
        site.close()


def _source_dag():
    from newslake.config import load_sources
    from newslake.orchestration import load_dagbag, logical_date_for

    source = load_sources()[0]
    return source, load_dagbag().dags[source.dag_id], logical_date_for(source, DAY)


def _states(run) -> dict[str, str]:
    return {ti.task_id: str(getattr(ti.state, "value", ti.state)) for ti in run.get_task_instances()}


def test_limit_lands_the_first_articles_and_records_the_rest(four_article_site, airflow_db, tmp_path):
    source, dag, logical_date = _source_dag()
    run = dag.test(logical_date=logical_date, run_conf={"limit": 2})
    assert str(getattr(run.state, "value", run.state)) == "success", _states(run)

    storage = Storage(str(tmp_path / "lake"))
    landed = lake.read_parquet(storage, lake.articles_key(DAY, source.id)).column("url").to_pylist()
    base = four_article_site.base_url
    assert sorted(landed) == [f"{base}/news/a.html", f"{base}/news/b.html"]
    outcomes = {r["url"]: (r["outcome"], r["reason"]) for r in lake.read_parquet(storage, lake.fetch_log_key(DAY, source.id)).to_pylist() if r["kind"] == "article"}
    assert outcomes[f"{base}/news/c.html"] == outcomes[f"{base}/news/d.html"] == ("skipped", "over_limit")
    # Pages over the limit were never requested.
    assert not any(path in four_article_site.paths() for path in ("/news/c.html", "/news/d.html"))


def test_dry_run_discovers_and_publishes_nothing(four_article_site, airflow_db, tmp_path):
    source, dag, logical_date = _source_dag()
    run = dag.test(logical_date=logical_date, run_conf={"dry_run": True})
    states = _states(run)
    assert states["discover"] == "success"
    assert {states[task] for task in ("fetch", "extract", "validate", "publish")} == {"skipped"}
    storage = Storage(str(tmp_path / "lake"))
    assert not storage.exists(lake.articles_key(DAY, source.id))
    assert not any(path in four_article_site.paths() for path in ARTICLE_PATHS)
    discovered = lake.read_json(storage, f"{lake.staging_prefix(DAY, source.id)}/discovered.json")
    assert sorted(row["url"] for row in discovered["candidates"]) == [four_article_site.base_url + p for p in ARTICLE_PATHS]


def test_a_dry_run_leaves_the_days_health_as_it_was_and_a_later_crash_still_shows(four_article_site, airflow_db, tmp_path):
    """A dry run's discover stages discovered.json; the lake health page took it for a crashed
    run and turned a published day red ("failed") until maintenance removed the staging."""
    import time

    from newslake import health, pipeline
    from newslake.config import Settings

    source, dag, logical_date = _source_dag()
    storage = Storage(str(tmp_path / "lake"))

    def cell() -> dict:
        reader = health.HealthReader(storage, cache=health._FileCache(), listing_ttl=0)
        [found] = [c for c in reader.grid(days=1, end=DAY)["cells"] if c["source"] == source.id] or [{"status": "missing"}]
        return found

    def after_the_verdict() -> None:  # so staged files are newer than the verdict beyond its slack
        [row] = lake.read_parquet(storage, lake.run_metrics_key(DAY, source.id)).to_pylist()
        time.sleep(max(0.0, (row["finished_at"] + health.STAGING_SLACK - dt.datetime.now(dt.UTC)).total_seconds() + 0.1))

    run = dag.test(logical_date=logical_date)
    assert str(getattr(run.state, "value", run.state)) == "success", _states(run)
    assert cell()["status"] == "published" and cell()["landed"] == 4
    after_the_verdict()

    from newslake.orchestration import load_dagbag

    dry = load_dagbag().dags[source.dag_id].test(logical_date=logical_date, run_conf={"dry_run": True})
    assert _states(dry)["discover"] == "success" and _states(dry)["fetch"] == "skipped"
    staged = {key.rsplit("/", 1)[1] for key in storage.list(lake.staging_prefix(DAY, source.id))}
    assert {"discovered.json", "metrics.json", lake.DRY_RUN_MARKER} <= staged
    found = cell()
    assert found["status"] == "published" and found["landed"] == 4 and found.get("dry_run_at"), found
    assert health.HealthReader(storage, cache=health._FileCache(), listing_ttl=0).day(DAY)["partitions"][0]["status"] == "published"

    # A real run after it that crashes after discover (its staging is newer than the marker):
    # failed, as any crashed run.
    time.sleep(0.05)
    ctx = pipeline.PartitionContext(source=source, day=DAY, storage=storage, settings=Settings.load(lambda name: None))
    pipeline.discover(ctx)
    found = cell()
    assert found["status"] == "failed" and found["previous_status"] == "published", found


@pytest.mark.parametrize(
    ("conf", "message"),
    [({"limit": 0}, "limit"), ({"limit": "ten"}, "limit"), ({"dry_run": "maybe"}, "dry_run"), ({"force_refetch": 3}, "force_refetch")],
)
def test_invalid_params_are_refused_naming_the_param(four_article_site, airflow_db, conf, message):
    from airflow.exceptions import ParamValidationError

    _, dag, logical_date = _source_dag()
    with pytest.raises(ParamValidationError, match=message):
        dag.test(logical_date=logical_date, run_conf=conf)


def test_limit_is_checked_by_the_pipeline_too(tmp_path):
    from newslake.config import Settings, Source
    from newslake.pipeline import PartitionContext, discover

    source = Source(id="x", name="X", languages=("en",), feeds=("http://127.0.0.1:9/feed.xml",))
    ctx = PartitionContext(source=source, day=DAY, storage=Storage(str(tmp_path)), settings=Settings.load(lambda name: None))
    with pytest.raises(ValueError, match="limit must be a whole number of articles, at least 1 \\(got 0\\)"):
        discover(ctx, limit=0)


def test_network_tasks_queue_on_one_pool_per_host(monkeypatch):
    from newslake.config import load_sources
    from newslake.orchestration import load_dagbag

    # The sample sources file's default address (a sample_site fixture may have set another).
    monkeypatch.setenv("NEWSLAKE_SAMPLE_SITE_URL", "http://127.0.0.1:8765")
    monkeypatch.delenv("NEWSLAKE_SOURCES_FILE", raising=False)

    bag = load_dagbag()
    sources = load_sources()
    for source in sources:
        dag = bag.dags[source.dag_id]
        assert {dag.get_task(t).pool for t in ("discover", "fetch")} == {source.host_pool}
        assert {dag.get_task(t).pool for t in ("extract", "validate", "publish")} == {"default_pool"}
    # The sample outlets share one host: one pool, so they never crawl it at the same time.
    assert len({source.host_pool for source in sources}) == 1
    assert sources[0].host_pool == "newslake_host_127_0_0_1_8765"


def test_host_pool_names_and_explicit_pool():
    from newslake.config import Source

    source = Source(id="yabiladi", name="Yabiladi", languages=("fr",), feeds=("https://www.Yabiladi.com/rss/news.xml",))
    assert source.host_pool == "newslake_host_www_yabiladi_com"
    assert Source(id="y", name="Y", languages=("fr",), feeds=("https://a.example/f",), pool="press_pool").host_pool == "press_pool"


def test_missing_host_pools_are_created_and_existing_ones_kept(airflow_db):
    from airflow.models.pool import Pool
    from airflow.utils.session import create_session

    from newslake.config import Source
    from newslake.orchestration import ensure_source_pools

    sources = [
        Source(id="a", name="A", languages=("fr",), feeds=("https://one.example/f",)),
        Source(id="b", name="B", languages=("fr",), feeds=("https://one.example/g",)),
        Source(id="c", name="C", languages=("fr",), feeds=("https://two.example/f",)),
    ]
    with create_session() as session:
        Pool.create_or_update_pool(name="newslake_host_two_example", slots=3, description="raised by an operator", include_deferred=False, session=session)
    assert ensure_source_pools(sources) == ["newslake_host_one_example"]
    assert ensure_source_pools(sources) == []
    with create_session() as session:
        slots = {p.pool: p.slots for p in session.query(Pool).filter(Pool.pool.like("newslake_host_%"))}
    assert slots["newslake_host_one_example"] == 1 and slots["newslake_host_two_example"] == 3


def test_publish_emits_an_asset_event_naming_the_partition(four_article_site, airflow_db, tmp_path):
    from airflow.models.asset import AssetEvent, AssetModel
    from airflow.utils.session import create_session

    source, dag, logical_date = _source_dag()
    run = dag.test(logical_date=logical_date)
    assert str(getattr(run.state, "value", run.state)) == "success"
    with create_session() as session:
        events = (
            session.query(AssetEvent).join(AssetModel, AssetEvent.asset_id == AssetModel.id)
            .filter(AssetModel.name == f"newslake_articles_{source.id}").all()
        )
        extras = [event.extra for event in events]
    assert extras and extras[-1]["dt"] == DAY.isoformat() and extras[-1]["source"] == source.id
    assert extras[-1]["rows"] == 4 and extras[-1]["partition"].endswith(lake.articles_key(DAY, source.id).rsplit("/", 1)[0] + "/part-0.parquet")


def test_story_clusters_are_scheduled_on_every_source_asset():
    from newslake.config import load_sources
    from newslake.orchestration import load_dagbag

    dag = load_dagbag().dags["newslake_story_clusters"]
    timetable = dag.timetable
    names = {asset.name for asset in timetable.asset_condition.objects}
    assert names == {f"newslake_articles_{source.id}" for source in load_sources()}
    assert timetable.timetable.expression == "0 4 * * *"


class _Event:
    def __init__(self, extra):
        self.extra = extra


def test_story_cluster_days_come_from_the_triggering_events():
    from newslake.orchestration import story_cluster_days

    events = {"a": [_Event({"dt": "2026-11-24"}), _Event({"dt": "2026-11-23"})], "b": [_Event({"dt": "2026-11-24"})]}
    assert story_cluster_days({"triggering_asset_events": events, "logical_date": None}) == [dt.date(2026, 11, 23), dt.date(2026, 11, 24)]
    scheduled = dt.datetime(2026, 11, 24, 4, tzinfo=dt.UTC)
    assert story_cluster_days({"triggering_asset_events": {}, "logical_date": scheduled}) == [dt.date(2026, 11, 24)]
    with pytest.raises(RuntimeError, match="no day to work on"):
        story_cluster_days({"triggering_asset_events": {}, "logical_date": None})


def test_stale_story_cluster_days_are_missing_or_older_than_their_articles(tmp_path):
    """What every story-clusters run catches up on, so a day whose asset event Airflow folded
    into another run's queue entry is still clustered."""
    import os

    from lakerows import article_table
    from newslake.pipeline import stale_story_cluster_days

    storage = Storage(str(tmp_path / "lake"))
    days = [dt.date(2026, 11, 20) + dt.timedelta(days=n) for n in range(5)]
    for day in days:
        storage.write_bytes(lake.articles_key(day, "src"), lake.table_to_parquet_bytes(article_table(day.isoformat(), 1)))
    assert stale_story_cluster_days(storage) == days

    def touch(key: str, seconds: int) -> None:
        moment = dt.datetime(2026, 11, 30, tzinfo=dt.UTC).timestamp() + seconds
        os.utime(storage.path(key), (moment, moment))

    for day in days:
        touch(lake.articles_key(day, "src"), 0)
        storage.write_bytes(lake.story_clusters_key(day), b"clusters")
        touch(lake.story_clusters_key(day), 10)
    assert stale_story_cluster_days(storage) == []
    # The articles of the 21st are rebuilt: its clusters and those of the two days after (which
    # read the 21st's articles as earlier copies) are stale; the 20th and 24th are not.
    touch(lake.articles_key(days[1], "src"), 20)
    assert stale_story_cluster_days(storage) == days[1:4]
