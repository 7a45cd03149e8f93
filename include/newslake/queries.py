"""Open the lake's tables for querying — local folder or S3 — with partition pruning.

Each table is a Hive-partitioned pyarrow dataset (``dt`` as a date, ``source`` as a string), so a
filter on ``dt``/``source`` opens only the matching files, whichever engine sits on top:

    from newslake.queries import open_lake
    lake = open_lake()                        # NEWSLAKE_LAKE_URI, default ./lake (LakeNotFoundError if it does not exist)
    lake.polars("articles").filter(...)       # polars LazyFrame
    lake.duckdb().sql("select ... from articles")
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from newslake import lake as layout
from newslake.storage import Storage, StorageError

if TYPE_CHECKING:
    import duckdb
    import polars as pl
    import pyarrow as pa
    import pyarrow.dataset as pads

TABLE_SCHEMAS = {
    "articles": layout.articles_schema,
    "fetch_log": layout.fetch_log_schema,
    "run_metrics": layout.run_metrics_schema,
    "story_clusters": layout.story_clusters_schema,
    "lake_stats": layout.lake_stats_schema,
    "lake_health": layout.lake_health_schema,
}
# Hive partition keys in each table's paths (story clusters, lake stats and lake health span every source of a day).
PARTITION_KEYS = {"story_clusters": ("dt",), "lake_stats": ("dt",), "lake_health": ("dt",)}


@dataclass
class LakeReader:
    storage: Storage

    def dataset(self, table: str) -> pads.Dataset:
        import pyarrow as pa
        import pyarrow.dataset as pads

        if table not in TABLE_SCHEMAS:
            raise ValueError(f"unknown lake table {table!r}; tables are {sorted(TABLE_SCHEMAS)}")
        key_types = {"dt": pa.date32(), "source": pa.string()}
        keys = PARTITION_KEYS.get(table, ("dt", "source"))
        partitioning = pads.partitioning(pa.schema([(key, key_types[key]) for key in keys]), flavor="hive")
        schema = TABLE_SCHEMAS[table]()
        files = [self.storage.path(key) for key in self.storage.list(table) if key.endswith(".parquet") and "/." not in key]
        return pads.dataset(
            files,
            schema=pa.unify_schemas([schema, partitioning.schema]),
            format="parquet",
            filesystem=self.storage.filesystem,
            partitioning=partitioning,
            partition_base_dir=self.storage.path(table),
        )

    def table(self, table: str, filter=None) -> pa.Table:
        return self.dataset(table).to_table(filter=filter)

    def polars(self, table: str) -> pl.LazyFrame:
        import polars as pl

        return pl.scan_pyarrow_dataset(self.dataset(table))

    def duckdb(self) -> duckdb.DuckDBPyConnection:
        """An in-memory DuckDB with one view per lake table (works offline, on S3 too)."""
        import duckdb

        connection = duckdb.connect()
        for name in TABLE_SCHEMAS:
            connection.register(name, self.dataset(name))
        return connection


class LakeNotFoundError(StorageError):
    """The lake URI names a folder or an S3 bucket that does not exist (a typo, another machine's
    path): not an empty lake, which is a folder or bucket that exists and holds nothing yet."""


def lake_storage() -> Storage:
    """The Storage of the lake that NEWSLAKE_LAKE_URI names (default ./lake), S3 credentials
    from the AWS_* environment variables; nothing is read yet."""
    from newslake import PROJECT_ROOT
    from newslake.config import Settings
    from newslake.storage import S3Options

    settings = Settings.load()
    is_s3 = settings.lake_uri.startswith(("s3://", "s3a://"))
    return Storage(settings.lake_uri, s3=S3Options.from_env() if is_s3 else None, base_dir=PROJECT_ROOT)


def require_lake(storage: Storage) -> None:
    """Raise LakeNotFoundError unless the lake's root exists: the folder of a local lake, the
    bucket of an S3 one (a prefix of an existing bucket is a lake, empty until written).
    An S3 store that cannot be reached or refuses access raises pyarrow's OSError."""
    import pyarrow.fs as pafs

    if storage.is_s3:
        bucket = storage.path("").split("/", 1)[0]
        if storage.filesystem.get_file_info(bucket).type == pafs.FileType.NotFound:
            raise LakeNotFoundError(f"no lake at {storage.uri}: bucket {bucket!r} does not exist")
        return
    kind = storage.filesystem.get_file_info(storage.path("")).type
    if kind == pafs.FileType.NotFound:
        raise LakeNotFoundError(
            f"no lake at {storage.uri}: the folder does not exist (set NEWSLAKE_LAKE_URI to the lake; `make run` writes a sample lake in ./lake)"
        )
    if kind != pafs.FileType.Directory:
        raise LakeNotFoundError(f"no lake at {storage.uri}: it is a file, not a folder")


def open_lake(storage: Storage | None = None) -> LakeReader:
    """A reader of the lake NEWSLAKE_LAKE_URI names (or of ``storage``); LakeNotFoundError if
    its folder or bucket does not exist."""
    if storage is None:
        storage = lake_storage()
    require_lake(storage)
    return LakeReader(storage)
