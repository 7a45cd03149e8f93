"""Story clustering: copies cluster with their originals, different stories do not."""

from __future__ import annotations

import datetime as dt

from newslake.dedup import ArticleForClustering, cluster_articles

T0 = dt.datetime(2026, 11, 24, 9, tzinfo=dt.UTC)
STORY = (
    "The regional council of Tangier approved on Tuesday the extension of the port, a project of "
    "two billion dirhams that will double the container capacity by 2030 and create four thousand jobs "
    "according to the agency in charge of the works, which expects the first quay to open next summer."
)
OTHER = (
    "Heavy rain flooded several underpasses in Casablanca overnight, cutting traffic on the coastal road "
    "for hours while the civil protection pumped water out and the city asked drivers to avoid the centre "
    "until the evening, when the weather service expects the storm to move east towards the Atlas."
)


def article(identifier, text, source="outlet", hours=0, aggregator=False):
    return ArticleForClustering(identifier, source, text, T0 + dt.timedelta(hours=hours), aggregator)


def test_copies_cluster_with_the_original_which_is_canonical():
    assignments = {a.article_id: a for a in cluster_articles([
        article("copy", STORY, source="aggregator", aggregator=True),  # same time as the original
        article("orig", STORY),
        article("edited", STORY.replace("Tuesday", "Tuesday evening") + " More details to follow.", hours=5),
        article("other", OTHER),
    ])}
    assert {assignments[k].cluster_id for k in ("orig", "copy", "edited")} == {"orig"}
    assert assignments["orig"].is_canonical_copy and not assignments["copy"].is_canonical_copy
    assert assignments["orig"].cluster_size == 3
    assert assignments["other"].cluster_id == "other" and assignments["other"].cluster_size == 1


def test_short_texts_stand_alone_and_order_does_not_matter():
    items = [article("a", "Too short"), article("b", "Too short"), article("c", STORY), article("d", STORY, hours=1)]
    first = cluster_articles(items)
    assert cluster_articles(list(reversed(items))) == first
    by_id = {a.article_id: a for a in first}
    assert by_id["a"].cluster_size == 1 and by_id["b"].cluster_size == 1
    assert by_id["d"].cluster_id == "c"


def test_cluster_stories_over_a_lake_on_s3(s3_storage):
    """The clustering step reads a window of days across sources and writes the day's table."""
    import pyarrow as pa

    from lakerows import article_table as version
    from newslake import lake
    from newslake.pipeline import cluster_stories
    from newslake.queries import LakeReader

    day = dt.date(2026, 11, 24)

    def partition(rows):
        table = version("x", len(rows)).to_pylist()
        for row, (identifier, text, published) in zip(table, rows, strict=True):
            row.update(article_id=identifier, text=text, published_at=published)
        return lake.table_to_parquet_bytes(pa.Table.from_pylist(table, schema=lake.articles_schema()))

    s3_storage.write_bytes(lake.articles_key(day - dt.timedelta(days=1), "outlet"), partition([("orig", STORY, T0 - dt.timedelta(days=1))]))
    s3_storage.write_bytes(lake.articles_key(day, "outlet"), partition([("other", OTHER, T0)]))
    s3_storage.write_bytes(lake.articles_key(day, "aggregator"), partition([("copy", STORY, T0)]))
    summary = cluster_stories(s3_storage, day, {"aggregator"})
    assert (summary["articles"], summary["stories"], summary["copies"]) == (2, 1, 1)
    rows = {r["article_id"]: r for r in LakeReader(s3_storage).table("story_clusters").to_pylist()}
    assert set(rows) == {"copy", "other"}  # only day D's articles; the original is from D-1
    assert rows["copy"]["cluster_id"] == "orig" and rows["copy"]["cluster_size"] == 2
    assert rows["other"]["is_canonical_copy"] and rows["copy"]["source"] == "aggregator"
