"""The DuckDB views shipped in include/sql run against a real lake."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb

from lakerows import article_table as version
from newslake import lake
from newslake.storage import Storage

SQL = Path(__file__).resolve().parents[1] / "include" / "sql" / "duckdb_views.sql"
V2_COLUMNS = ("canonical_url", "content_html", "tags", "access")


def test_duckdb_views_read_articles_and_outcomes(tmp_path):
    import pyarrow as pa

    storage = Storage(str(tmp_path / "lake"))
    day = dt.date(2026, 11, 24)
    storage.write_bytes(lake.articles_key(day, "atlas-gazette"), lake.table_to_parquet_bytes(version("a", 3)))
    log = pa.Table.from_pylist(
        [{"url": f"http://x/{i}", "kind": "article", "outcome": outcome} for i, outcome in enumerate(["landed"] * 3 + ["failed", "skipped"])],
        schema=lake.fetch_log_schema(),
    )
    storage.write_bytes(lake.fetch_log_key(day, "atlas-gazette"), lake.table_to_parquet_bytes(log))

    connection = duckdb.connect()
    connection.execute(SQL.read_text().replace("{lake}", storage.uri))
    assert connection.execute("select dt, source, count(*) from articles group by all").fetchall() == [(day, "atlas-gazette", 3)]
    # listed: the skipped URL too (it is not dated another day), as run_metrics and the report count it.
    assert connection.execute("select listed, landed, failed, quarantined from daily_outcomes").fetchall() == [(5, 3, 1, 0)]


def test_the_articles_view_reads_v1_partitions_beside_v2_ones_with_the_new_columns_null(tmp_path):
    """README: the DuckDB views read partitions written before schema v2 (whichever file DuckDB
    opens first) with the v2 columns null, and keep them in the v2 partitions."""
    import pyarrow as pa

    storage = Storage(str(tmp_path / "lake"))
    v2 = version("new", 2)
    v2 = v2.set_column(v2.schema.get_field_index("tags"), "tags", pa.array([["Nord"], []], pa.list_(pa.string())))
    v2 = v2.set_column(v2.schema.get_field_index("access"), "access", pa.array(["free", "paywalled"]))
    v1 = version("old", 3).select([name for name in v2.schema.names if name not in V2_COLUMNS])
    v1 = v1.replace_schema_metadata({b"newslake.schema_version": b"1"})
    # The v1 partition sorts first (an older day) and then last (another source): DuckDB's schema
    # came from the first file it globbed.
    storage.write_bytes(lake.articles_key(dt.date(2026, 1, 1), "atlas-gazette"), lake.table_to_parquet_bytes(v1))
    storage.write_bytes(lake.articles_key(dt.date(2026, 6, 1), "atlas-gazette"), lake.table_to_parquet_bytes(v2))
    storage.write_bytes(lake.articles_key(dt.date(2026, 6, 1), "zz-older-source"), lake.table_to_parquet_bytes(v1))
    log = pa.Table.from_pylist([{"url": "http://x/0", "kind": "article", "outcome": "landed"}], schema=lake.fetch_log_schema())
    storage.write_bytes(lake.fetch_log_key(dt.date(2026, 6, 1), "atlas-gazette"), lake.table_to_parquet_bytes(log))

    connection = duckdb.connect()
    connection.execute(SQL.read_text().replace("{lake}", storage.uri))
    columns = [row[0] for row in connection.execute("describe articles").fetchall()]
    assert columns == lake.articles_schema().names + ["dt", "source"]
    rows = connection.execute(
        "select substr(article_id, 1, 3) as version, count(*), count(canonical_url), count(content_html), count(tags), count(access)"
        " from articles group by version order by version"
    ).fetchall()
    assert rows == [("new", 2, 0, 0, 2, 2), ("old", 6, 0, 0, 0, 0)]
    assert connection.execute("select tags, access from articles where article_id = 'new0000'").fetchone() == (["Nord"], "free")


def test_daily_outcomes_counts_listed_as_the_report_and_run_metrics_do(tmp_path):
    """One definition of `listed` (lake.article_outcome_counts): every article URL but those
    dated another day; a skipped duplicate was listed."""
    import pyarrow as pa

    from newslake.queries import LakeReader
    from newslake.report import lake_report

    storage = Storage(str(tmp_path / "lake"))
    day = dt.date(2026, 11, 24)
    rows = [
        {"url": "http://x/1", "kind": "article", "outcome": "landed"},
        {"url": "http://x/2", "kind": "article", "outcome": "skipped", "reason": "duplicate_content"},
        {"url": "http://x/3", "kind": "article", "outcome": "skipped", "reason": "out_of_window"},
        {"url": "http://x/4", "kind": "article", "outcome": "failed", "reason": "http_404"},
        {"url": "http://x/5", "kind": "article", "outcome": "skipped", "reason": None},
        {"url": "http://x/feed.xml", "kind": "feed", "outcome": "landed"},
    ]
    storage.write_bytes(lake.fetch_log_key(day, "atlas-gazette"), lake.table_to_parquet_bytes(pa.Table.from_pylist(rows, schema=lake.fetch_log_schema())))
    storage.write_bytes(lake.articles_key(day, "atlas-gazette"), lake.table_to_parquet_bytes(version("a", 1)))
    expected = lake.article_outcome_counts([{"reason": None, **row} for row in rows])
    assert expected["listed"] == 4

    connection = duckdb.connect()
    connection.execute(SQL.read_text().replace("{lake}", storage.uri))
    assert connection.execute("select listed, landed, failed, quarantined from daily_outcomes").fetchone() == (
        expected["listed"], expected["landed"], expected["failed"], expected["quarantined"],
    )
    line = next(line for line in lake_report(LakeReader(storage)).splitlines() if line.startswith("atlas-gazette"))
    assert int(line.split()[2]) == expected["listed"]
