"""Idempotency: re-running a day, and re-running a 3-day backfill over the data already landed,
gives the very same lake — on a local lake and on S3 (moto server).

A tiny site on 127.0.0.1 lists, in one feed, two articles for each of three consecutive days.
Each day runs discover → fetch → extract → validate (Great Expectations, for real) → publish.
The tests prove, for every partition:

- the articles have the same ids and content hashes (``content_sha256`` is the sha256 of the text)
  and indeed the same bytes, after (a) a re-run of the middle day and (b) a re-run of all three
  days — in reverse order, as a backfill's parallel runs may finish in any order;
- no article_id appears twice anywhere in the lake (read through the lake's dataset reader);
- the fetch log has one row per URL, with the same URLs and outcomes;
- the re-runs fetch no article page again (the raw zone is reused), so the rows cannot drift.

Not through Airflow here: six ``dag.test()`` runs (three logical dates, twice) took 137 s on the
shared 2-core machine (74 s of CPU for that pytest process), well over the minute this file may
take, as each run validates with Great Expectations. test_end_to_end.py re-runs a day through
Airflow and compares the bytes.
"""

from __future__ import annotations

import datetime as dt
import email.utils
from collections import Counter

import pytest

from newslake import lake, pipeline
from newslake.config import Settings, Source
from newslake.queries import LakeReader
from newslake.storage import Storage
from newsserver import TinyNewsSite

DAYS = [dt.date(2026, 11, 23), dt.date(2026, 11, 24), dt.date(2026, 11, 25)]
SOURCE_ID = "tiny-multiday"
CASABLANCA = dt.timezone(dt.timedelta(hours=1))  # Africa/Casablanca's offset in November 2026
ARTICLES_PER_DAY = 2


def article_paths(day: dt.date) -> list[str]:
    return [f"/{day.isoformat()}/story-{index}.html" for index in range(ARTICLES_PER_DAY)]


@pytest.fixture(scope="module")
def site():
    """Two articles on each of the three days, all listed in /feed.xml with their dates."""
    tiny = TinyNewsSite()
    items = []
    for day in DAYS:
        for index, path in enumerate(article_paths(day)):
            published = dt.datetime.combine(day, dt.time(9 + 3 * index), tzinfo=CASABLANCA)
            tiny.article(path, f"Story {index} of {day:%d %B}", published.isoformat(), topic=f"item {index} of {day.isoformat()}")
            items.append((path, email.utils.format_datetime(published)))
    tiny.rss("/feed.xml", items)
    yield tiny
    tiny.close()


def context(site, storage: Storage, day: dt.date, politeness_dir) -> pipeline.PartitionContext:
    source = Source(id=SOURCE_ID, name="Tiny Multiday", languages=("en",), timezone="Africa/Casablanca",
                    feeds=(f"{site.base_url}/feed.xml",), requests_per_second=50)
    return pipeline.PartitionContext(source, day, storage, Settings(allowed_networks="127.0.0.0/8", politeness_dir=str(politeness_dir)))


def run_day(ctx: pipeline.PartitionContext) -> None:
    for step in (pipeline.discover, pipeline.fetch, pipeline.extract, pipeline.validate, pipeline.publish):
        step(ctx)


def lake_state(storage: Storage) -> dict[dt.date, dict]:
    """Per day: the articles' (id, content hash) pairs and bytes, and the fetch log's outcomes."""
    state = {}
    for day in DAYS:
        articles = lake.read_parquet(storage, lake.articles_key(day, SOURCE_ID))
        log = lake.read_parquet(storage, lake.fetch_log_key(day, SOURCE_ID)).to_pylist()
        per_url = Counter((row["kind"], row["url"]) for row in log)
        assert max(per_url.values()) == 1, f"{day}: fetch_log has a URL twice: {per_url.most_common(2)}"
        state[day] = {
            "ids_and_hashes": sorted(zip(articles.column("article_id").to_pylist(), articles.column("content_sha256").to_pylist(), strict=True)),
            "articles_bytes": storage.read_bytes(lake.articles_key(day, SOURCE_ID)),
            "fetch_log": {(row["kind"], row["url"]): (row["outcome"], row["reason"], row["article_id"]) for row in log},
        }
    return state


def assert_same_lake(before: dict, after: dict, when: str) -> None:
    for day in DAYS:
        assert after[day]["ids_and_hashes"] == before[day]["ids_and_hashes"], f"{when}: {day} rows changed"
        assert after[day]["fetch_log"] == before[day]["fetch_log"], f"{when}: {day} fetch log changed"
        assert after[day]["articles_bytes"] == before[day]["articles_bytes"], f"{when}: {day} same rows, other bytes"


def assert_no_duplicates(storage: Storage) -> None:
    rows = LakeReader(storage).table("articles").select(["article_id", "dt"]).to_pylist()
    ids = Counter(row["article_id"] for row in rows)
    assert len(rows) == len(DAYS) * ARTICLES_PER_DAY and max(ids.values()) == 1, ids.most_common(3)


def article_hits(site) -> int:
    return sum(site.hits(path) for day in DAYS for path in article_paths(day))


def assert_landed_the_site(site, storage: Storage) -> None:
    """The first run landed each day's own two articles (ids are sha256 of the URL)."""
    for day in DAYS:
        urls = sorted(lake.read_parquet(storage, lake.articles_key(day, SOURCE_ID)).column("url").to_pylist())
        assert urls == sorted(site.url(path) for path in article_paths(day)), day


def test_rerun_of_a_day_and_backfill_give_identical_rows(site, storage, tmp_path):
    contexts = {day: context(site, storage, day, tmp_path / "politeness") for day in DAYS}
    hits_before = article_hits(site)
    for day in DAYS:
        run_day(contexts[day])
    assert article_hits(site) - hits_before == len(DAYS) * ARTICLES_PER_DAY
    assert_landed_the_site(site, storage)
    first = lake_state(storage)
    assert_no_duplicates(storage)

    run_day(contexts[DAYS[1]])  # (a) a re-run of one day
    assert_same_lake(first, lake_state(storage), "re-run of one day")

    for day in reversed(DAYS):  # (b) the 3-day backfill over what is there
        run_day(contexts[day])
    assert_same_lake(first, lake_state(storage), "backfill")
    assert_no_duplicates(storage)
    assert article_hits(site) - hits_before == len(DAYS) * ARTICLES_PER_DAY, "a re-run fetched an article again"
    assert [key for key in storage.list("_staging") if not key.endswith("/")] == []
