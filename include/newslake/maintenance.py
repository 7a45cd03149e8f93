"""Lake housekeeping, run daily by the ``newslake_maintenance`` DAG (plain code, no Airflow).

- ``apply_raw_retention``: the raw zone (WARC files + manifests) is the bulk of the lake; keep
  only its last ``keep_days`` days. ``articles/``, ``fetch_log/`` and the other tables are never
  touched (they are small, and a re-extraction of a deleted raw day simply has nothing to read).
- ``remove_orphaned_staging``: a run that crashed between ``discover`` and ``publish`` leaves its
  ``_staging/dt=D/source=S/`` folder behind; the next run of that day would overwrite it, but a day
  that is never re-run keeps it forever. A folder whose newest file is older than a threshold is
  such a leftover; a running task's staging is fresh, so it stays.
  The same step removes, on a local lake, the hidden temporary files of writes killed before
  their rename (``.part-0.parquet.<uuid>.tmp``; tests/test_kill9.py): readers skip them, but they
  would stay forever.
- ``write_lake_stats``: one row per (table, source) — partitions, files, bytes, first/last day,
  and for articles the row count — in ``lake_stats/dt=D/part-0.parquet``.

Every function goes through ``Storage``, so it works the same on a local folder and on S3, and
returns a small JSON-able dict (counts, keys) for the logs / XCom.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from typing import Any

from newslake import lake
from newslake.storage import Storage, StoredFile

RAW_PREFIX = "raw"
STAGING_PREFIX = "_staging"
STATS_TABLES = ("articles", "fetch_log", "raw", "run_metrics", "quarantine")

# <table>/dt=YYYY-MM-DD/source=<id>/<file...>
_PARTITIONED_KEY = re.compile(r"^(?P<table>[^/]+)/dt=(?P<day>\d{4}-\d{2}-\d{2})/source=(?P<source>[^/]+)/(?P<rest>.+)$")


def _partition_of(key: str) -> tuple[str, dt.date, str] | None:
    """(``table/dt=D/source=S`` prefix, D, S) of a partitioned key; None for any other key."""
    match = _PARTITIONED_KEY.match(key)
    if not match:
        return None
    try:
        day = dt.date.fromisoformat(match["day"])
    except ValueError:
        return None
    return f"{match['table']}/{lake.partition(day, match['source'])}", day, match["source"]


def _is_hidden(key: str) -> bool:
    """Temporary files of an atomic local write (``.part-0.parquet.<uuid>.tmp``) and anything
    else engines skip: a path segment below the table starting with '.' or '_'."""
    return any(part.startswith((".", "_")) for part in key.split("/")[1:])


def apply_raw_retention(storage: Storage, today: dt.date, keep_days: int, *, dry_run: bool = False) -> dict[str, Any]:
    """Delete ``raw/dt=D/source=S/`` for every D before ``today - keep_days``.

    ``keep_days <= 0`` keeps the raw zone forever (nothing is listed or deleted). ``dry_run``
    deletes nothing and reports what would go (``files_removed`` counts those files).
    """
    if keep_days <= 0:
        return {"keep_days": keep_days, "cutoff": None, "partitions_removed": 0, "files_removed": 0, "removed": [], "dry_run": dry_run}
    cutoff = today - dt.timedelta(days=keep_days)
    old_partitions: set[str] = set()
    for key in storage.list(RAW_PREFIX):
        found = _partition_of(key)
        if found and found[1] < cutoff:
            old_partitions.add(found[0])
    removed = sorted(old_partitions)
    files = _remove(storage, removed, dry_run)
    return {
        "dry_run": dry_run,
        "keep_days": keep_days,
        "cutoff": cutoff.isoformat(),  # first day kept
        "partitions_removed": len(removed),
        "files_removed": files,
        "removed": removed,
    }


def remove_orphaned_staging(storage: Storage, now: dt.datetime, older_than: dt.timedelta, *, dry_run: bool = False) -> dict[str, Any]:
    """Delete ``_staging/dt=D/source=S/`` folders whose newest file was modified more than
    ``older_than`` before ``now`` (an aware datetime; compared with the files' real mtimes, so
    callers pass the wall clock). Keys of another shape under ``_staging/`` are left alone."""
    if older_than < dt.timedelta(0):
        raise ValueError(f"older_than must not be negative, got {older_than}")
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    newest: dict[str, dt.datetime] = {}
    for stored in storage.list_with_mtime(STAGING_PREFIX):
        found = _partition_of(stored.key)
        if found:
            prefix = found[0]
            newest[prefix] = max(newest.get(prefix, stored.mtime), stored.mtime)
    removed, kept = [], []
    for prefix in sorted(newest):
        (removed if now - newest[prefix] > older_than else kept).append(prefix)
    files = _remove(storage, removed, dry_run)
    temp_files = _abandoned_temp_files(storage, now, older_than)
    if not dry_run:
        for key in temp_files:
            storage.delete(key)
    return {
        "dry_run": dry_run,
        "older_than_seconds": older_than.total_seconds(),
        "partitions_removed": len(removed),
        "files_removed": files,
        "partitions_kept": len(kept),
        "removed": removed,
        "temp_files_removed": temp_files,
    }


# Storage.write_bytes's temporary name on a local lake: ".<file name>.<uuid4 hex>.tmp".
_TEMP_FILE = re.compile(r"(^|/)\.[^/]+\.[0-9a-f]{32}\.tmp$")


def _abandoned_temp_files(storage: Storage, now: dt.datetime, older_than: dt.timedelta) -> list[str]:
    """Temporary files of local writes that never reached their rename, older than ``older_than``.
    S3 writes are single requests and leave none, so an S3 lake is not listed for them."""
    if storage.is_s3:
        return []
    return [
        stored.key for stored in storage.list_with_mtime("")
        if _TEMP_FILE.search(stored.key) and now - stored.mtime > older_than
    ]


def _remove(storage: Storage, prefixes: list[str], dry_run: bool) -> int:
    """Delete the files below each prefix (or, in a dry run, count them); returns how many."""
    if dry_run:
        return sum(len(storage.list(prefix)) for prefix in prefixes)
    return sum(storage.delete_prefix(prefix) for prefix in prefixes)


def _article_rows(storage: Storage, key: str) -> int:
    """Row count from the Parquet footer (reads the footer only, not the data)."""
    import pyarrow.parquet as pq

    with storage.filesystem.open_input_file(storage.path(key)) as handle:
        return pq.ParquetFile(handle).metadata.num_rows


def lake_stats_table(storage: Storage) -> Any:
    """The stats rows (a pyarrow Table with ``lake.lake_stats_schema()``), sorted by table, source."""
    import pyarrow as pa

    rows = []
    for table in STATS_TABLES:
        groups: dict[str, list[tuple[StoredFile, str, dt.date]]] = defaultdict(list)
        for stored in storage.list_with_mtime(table):
            if _is_hidden(stored.key):
                continue
            found = _partition_of(stored.key)
            if found:
                prefix, day, source = found
                groups[source].append((stored, prefix, day))
        for source in sorted(groups):
            entries = groups[source]
            days = [day for _, _, day in entries]
            article_rows = None
            if table == "articles":
                article_rows = sum(_article_rows(storage, stored.key) for stored, _, _ in entries if stored.key.endswith(".parquet"))
            rows.append(
                {
                    "table": table,
                    "source": source,
                    "partitions": len({prefix for _, prefix, _ in entries}),
                    "files": len(entries),
                    "bytes": sum(stored.size for stored, _, _ in entries),
                    "first_day": min(days),
                    "last_day": max(days),
                    "rows": article_rows,
                }
            )
    return pa.Table.from_pylist(rows, schema=lake.lake_stats_schema())


def write_lake_stats(storage: Storage, today: dt.date) -> dict[str, Any]:
    """Write ``lake_stats/dt=<today>/part-0.parquet`` (replacing that day's file atomically)."""
    stats = lake_stats_table(storage)
    key = lake.lake_stats_key(today)
    url = storage.write_bytes(key, lake.table_to_parquet_bytes(stats))
    columns = stats.to_pydict()
    totals: dict[str, dict[str, int]] = {}
    for table, files, size in zip(columns["table"], columns["files"], columns["bytes"], strict=True):
        total = totals.setdefault(table, {"files": 0, "bytes": 0})
        total["files"] += files
        total["bytes"] += size
    return {"key": key, "url": url, "rows": stats.num_rows, "totals": totals}
