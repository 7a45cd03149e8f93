"""Querying the lake: partition pruning is real — a one-day query over a year of partitions
opens only that day's file (every other file here is garbage: opening one would fail)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from lakerows import article_table as version
from newslake import lake
from newslake.queries import LakeReader
from newslake.storage import Storage

START = dt.date(2025, 11, 25)
DAYS = [START + dt.timedelta(days=n) for n in range(365)]
QUERY_DAY = DAYS[200]


@pytest.fixture(scope="module")
def year_of_partitions(tmp_path_factory):
    storage = Storage(str(tmp_path_factory.mktemp("year") / "lake"))
    for day in DAYS:
        for source in ("atlas-gazette", "revue-maghreb"):
            key = lake.articles_key(day, source)
            if day == QUERY_DAY and source == "atlas-gazette":
                storage.write_bytes(key, lake.table_to_parquet_bytes(version("day", 7)))
            else:
                storage.write_bytes(key, b"not parquet: opening this file means pruning failed")
    return LakeReader(storage)


def test_pyarrow_dataset_prunes_partitions(year_of_partitions):
    import pyarrow.compute as pc

    dataset = year_of_partitions.dataset("articles")
    condition = (pc.field("dt") == QUERY_DAY) & (pc.field("source") == "atlas-gazette")
    assert len(list(dataset.get_fragments(filter=condition))) == 1
    assert dataset.to_table(filter=condition).num_rows == 7


def test_duckdb_pushes_the_partition_filter_down(year_of_partitions):
    connection = year_of_partitions.duckdb()
    count = connection.execute(
        "select count(*) from articles where dt = ? and source = 'atlas-gazette'", [QUERY_DAY]
    ).fetchone()[0]
    assert count == 7


def test_polars_lazy_frame_prunes_partitions(year_of_partitions):
    import polars as pl

    frame = (
        year_of_partitions.polars("articles")
        .filter((pl.col("dt") == QUERY_DAY) & (pl.col("source") == "atlas-gazette"))
        .collect()
    )
    assert frame.height == 7 and frame.schema["dt"] == pl.Date


def test_unknown_table_is_named():
    with pytest.raises(ValueError, match="unknown lake table 'artcles'"):
        LakeReader(Storage("/tmp/nowhere")).dataset("artcles")


def test_v1_partitions_read_beside_v2_ones_with_the_new_columns_null(tmp_path):
    """Schema v2 appended nullable columns; a lake written before keeps working, through
    pyarrow, polars and DuckDB alike."""
    import pyarrow as pa

    storage = Storage(str(tmp_path / "lake"))
    v2 = version("new", 2)
    v2 = v2.set_column(v2.schema.get_field_index("tags"), "tags", pa.array([["Nord"], []], pa.list_(pa.string())))
    v1_columns = [name for name in v2.schema.names if name not in ("canonical_url", "content_html", "tags", "access")]
    v1 = version("old", 3).select(v1_columns).replace_schema_metadata({b"newslake.schema_version": b"1"})
    storage.write_bytes(lake.articles_key(dt.date(2026, 1, 1), "atlas-gazette"), lake.table_to_parquet_bytes(v1))
    storage.write_bytes(lake.articles_key(dt.date(2026, 6, 1), "atlas-gazette"), lake.table_to_parquet_bytes(v2))
    reader = LakeReader(storage)

    rows = sorted(reader.table("articles").select(["article_id", "tags", "access"]).to_pylist(), key=lambda r: r["article_id"])
    assert [r["article_id"][:3] for r in rows] == ["new", "new", "old", "old", "old"]
    assert rows[0]["tags"] == ["Nord"] and all(r["tags"] is None and r["access"] is None for r in rows[2:])
    assert reader.polars("articles").collect()["tags"].null_count() == 3
    assert reader.duckdb().execute("select count(*) from articles where tags is null").fetchone()[0] == 3


# -- what README.md says about reading the lake is what the lake does ---------------------------------

README = Path(__file__).resolve().parents[1] / "README.md"


def _readme_snippet(pattern: str) -> str:
    """The README's inline code matching ``pattern``, its line breaks turned into spaces."""
    match = re.search(pattern, README.read_text(), re.DOTALL)
    assert match, f"README.md has no snippet matching {pattern!r}"
    return match.group(1).replace("\n", " ")


@pytest.fixture
def v1_beside_v2_lake(tmp_path, monkeypatch):
    """./lake (the README's relative path) with a v1 articles partition, then a v2 one."""
    import pyarrow as pa

    storage = Storage(str(tmp_path / "lake"))
    v2 = version("new", 2)
    v2 = v2.set_column(v2.schema.get_field_index("tags"), "tags", pa.array([["Nord"], []], pa.list_(pa.string())))
    v1 = version("old", 3).select([name for name in v2.schema.names if name not in ("canonical_url", "content_html", "tags", "access")])
    storage.write_bytes(lake.articles_key(dt.date(2026, 1, 1), "atlas-gazette"), lake.table_to_parquet_bytes(v1))
    storage.write_bytes(lake.articles_key(dt.date(2026, 6, 1), "atlas-gazette"), lake.table_to_parquet_bytes(v2))
    monkeypatch.chdir(tmp_path)
    return storage


def test_the_readmes_direct_duckdb_and_polars_reads_keep_the_v2_columns(v1_beside_v2_lake):
    import duckdb
    import polars as pl

    from newslake.lake import articles_schema

    snippet = _readme_snippet(r"`(duckdb\.sql\(\"select \* from\s+read_parquet\('lake/articles.*?\"\))`")
    relation = eval(snippet, {"duckdb": duckdb})
    assert "tags" in relation.columns
    assert duckdb.sql("select count(*), count(tags) from relation").fetchall() == [(5, 2)]

    snippet = _readme_snippet(r"`(pl\.scan_parquet\(\"lake/articles.*?\))`")
    frame = eval(snippet, {"pl": pl, "articles_schema": articles_schema}).collect()
    assert frame.height == 5 and frame["tags"].null_count() == 3 and frame.schema["dt"] == pl.Date


def test_the_readmes_pyarrow_partitioning_reads_dt_as_a_date(v1_beside_v2_lake):
    import pyarrow as pa
    import pyarrow.dataset as ds

    snippet = _readme_snippet(r"`(ds\.dataset\(\"lake/articles\".*?\)\))`")
    dataset = eval(snippet, {"ds": ds, "pa": pa})
    assert dataset.schema.field("dt").type == pa.date32()
    assert ds.dataset("lake/articles", partitioning="hive").schema.field("dt").type == pa.string()  # what the README warns of


def test_the_readme_names_the_schema_version_the_files_carry(tmp_path):
    import pyarrow.parquet as pq

    said = re.search(r"`newslake\.schema_version`, now `(\w+)`", README.read_text())
    assert said and said.group(1) == lake.SCHEMA_VERSION
    storage = Storage(str(tmp_path / "lake"))
    storage.write_bytes(lake.articles_key(dt.date(2026, 11, 24), "a"), lake.table_to_parquet_bytes(version("a", 1)))
    metadata = pq.read_schema(storage.path(lake.articles_key(dt.date(2026, 11, 24), "a"))).metadata
    assert metadata[b"newslake.schema_version"].decode() == said.group(1)


def test_the_readmes_querying_block_runs_as_written(v1_beside_v2_lake, monkeypatch):
    """Pasted into a notebook as it stands: it used pl and date without importing them."""
    block = re.search(r"## Querying\n\n```python\n(.*?)```", README.read_text(), re.DOTALL)
    assert block, "README.md's Querying section starts with a python block"
    monkeypatch.setenv("NEWSLAKE_LAKE_URI", v1_beside_v2_lake.uri)
    namespace: dict = {}
    exec(compile(block.group(1), "README.md (Querying)", "exec"), namespace)
    assert namespace["lake"].dataset("articles").count_rows() == 5
