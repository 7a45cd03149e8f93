"""The DuckDB views shipped in include/sql run against a real lake."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb

from lakerows import article_table as version
from newslake import lake
from newslake.storage import Storage

SQL = Path(__file__).resolve().parents[1] / "include" / "sql" / "duckdb_views.sql"


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
    assert connection.execute("select listed, landed, failed, quarantined from daily_outcomes").fetchall() == [(4, 3, 1, 0)]
