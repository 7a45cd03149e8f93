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


# -- Athena and Trino DDL: no such engine offline, so their columns are checked against the Parquet
# schema the pipeline writes (names, order, types), and the Trino file against Hive-only syntax.

SQL_DIR = SQL.parent


def _ddl_columns(sql: str, opening: str) -> list[tuple[str, str]]:
    """(name, type) of each column of the parenthesised list after ``opening``, lower-cased."""
    text = "\n".join(line.split("--", 1)[0] for line in sql.splitlines())
    start = text.index(opening) + len(opening)
    depth, part, parts = 0, "", []
    for character in text[start:]:
        if character in "(<":
            depth += 1
        elif character in ")>":
            if depth == 0:
                break
            depth -= 1
        if character == "," and depth == 0:
            parts.append(part)
            part = ""
        else:
            part += character
    parts.append(part)
    return [tuple(" ".join(column.split()).lower().split(" ", 1)) for column in parts]


def _engine_type(arrow_type, *, trino: bool) -> str:
    import pyarrow as pa

    if pa.types.is_list(arrow_type):
        item = _engine_type(arrow_type.value_type, trino=trino)
        return f"array({item})" if trino else f"array<{item}>"
    if pa.types.is_timestamp(arrow_type):
        return "timestamp(3)" if trino else "timestamp"
    names = {pa.string(): ("varchar", "string"), pa.int16(): ("smallint", "smallint"), pa.int32(): ("integer", "int"),
             pa.int64(): ("bigint", "bigint"), pa.date32(): ("date", "date")}
    return names[arrow_type][0 if trino else 1]


def _articles_columns(*, trino: bool) -> list[tuple[str, str]]:
    return [(field.name, _engine_type(field.type, trino=trino)) for field in lake.articles_schema()]


def test_the_trino_table_matches_the_parquet_schema_and_is_trino_sql(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    sql = (SQL_DIR / "trino_articles.sql").read_text()
    columns = _ddl_columns(sql, "CREATE TABLE IF NOT EXISTS hive.newslake.articles (")
    # The partition keys last, in the order of the path, with the types LakeReader gives them.
    assert columns == _articles_columns(trino=True) + [("dt", "date"), ("source", "varchar")]
    assert "partitioned_by = ARRAY['dt', 'source']" in sql and "format = 'PARQUET'" in sql
    assert "external_location = 's3://YOUR-BUCKET/newslake/articles/'" in sql
    assert "CALL hive.system.sync_partition_metadata(schema_name => 'newslake', table_name => 'articles', mode => 'ADD')" in sql
    code = "\n".join(line.split("--", 1)[0] for line in sql.splitlines()).upper()
    for hive_only in ("EXTERNAL TABLE", "PARTITIONED BY", "STORED AS", "LOCATION '", "TBLPROPERTIES", " STRING", "ARRAY<"):
        assert hive_only not in code, hive_only

    # What a partition file holds, in that order (the partition keys are in its path only).
    storage = Storage(str(tmp_path / "lake"))
    storage.write_bytes(lake.articles_key(dt.date(2026, 11, 24), "atlas-gazette"), lake.table_to_parquet_bytes(version("a", 1)))
    written = pq.read_schema(storage.path(lake.articles_key(dt.date(2026, 11, 24), "atlas-gazette")))
    assert [(field.name, _engine_type(field.type, trino=True)) for field in written] == columns[:-2]
    assert written.field("published_at").type == pa.timestamp("us", tz="UTC")


def test_the_athena_table_matches_the_parquet_schema():
    sql = (SQL_DIR / "athena_articles.sql").read_text()
    assert _ddl_columns(sql, "CREATE EXTERNAL TABLE IF NOT EXISTS newslake.articles (") == _articles_columns(trino=False)
    assert _ddl_columns(sql, "PARTITIONED BY (") == [("dt", "date"), ("source", "string")]
    assert "for Trino's Hive connector use trino_articles.sql" in sql
