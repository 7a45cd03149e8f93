"""The lake health page: what the lake says about each source and day, as JSON and one HTML page.

Plain code (no Airflow import): ``plugins/newslake_lake_health.py`` mounts ``create_app`` in
Airflow's api-server behind Airflow's authentication; tests and ``bench/lake_health.py`` use the
app as it is. Everything comes from the lake's own tables — never Airflow's metadata DB — so
the page shows the same on a laptop and on a big deployment:

    lake_health/dt=D/part-0.parquet   the run_metrics rows of day D, every source (one file a day)
    run_metrics/                      listed (keys and mtimes) to check each day's summary is current
    _staging/                         listed: a run that started after the day's last verdict
    articles/dt=D/, story_clusters/dt=D/   the chosen day only (languages, top stories)
    lake_stats/                       the latest day's file (the lake's size)
    data_docs/dt=D/source=S/...       served as they are (with a sandboxing CSP)

**Why a summary table.** A year of 50 sources is 18,250 run_metrics files; opening them per page
view is minutes on S3. The pipeline rewrites ``lake_health/dt=D/`` each time it writes a
run_metrics row of D (``write_day_summary``: two listings and ≤ 50 small reads), so the page opens
365 files (two sources finishing D at the same moment: each lists again after its write and
rewrites the summary if the other's row landed meanwhile). Lakes older than the table have none,
and a summary can still fall behind (a rewrite that failed): each page view lists ``run_metrics/`` (keys
and mtimes only) and a day whose summary is missing, lacks a source, or is older than one of its
run_metrics files is read from run_metrics instead (``python -m newslake health-summaries``
rewrites such days). Files read are cached in this process by (key, mtime, size), so a page view
re-reads only what changed; the listings are reused for LISTING_TTL_SECONDS (one page load's
requests list once).

Cell outcomes: **published** (the last verdict passed or warned: the partition is in
``articles/``), **quarantined** (the last verdict failed: ``quarantine/``), **failed** (a run left
work in ``_staging/`` after the day's last verdict, or without any: it crashed, or is running
now), **missing** (nothing for the day). A dry run's staging (discover's output, then the
marker its skipped fetch writes, lake.DRY_RUN_MARKER) is no failure: the cell keeps its outcome,
with ``dry_run_at``.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from newslake import lake
from newslake.storage import Storage, StoredFile

if TYPE_CHECKING:
    from fastapi import FastAPI

    from newslake.config import VolumeConfig

log = logging.getLogger(__name__)

HEALTH_PREFIX = "lake_health"
PUBLISHED, QUARANTINED, FAILED, MISSING = "published", "quarantined", "failed", "missing"
OUTCOMES = (PUBLISHED, QUARANTINED, FAILED, MISSING)
PAGE_FILE = Path(__file__).with_name("health_page.html")
DEFAULT_DAYS = 30
# The listings of lake_health/ and run_metrics/ (18,250 keys for a year of 50 sources) are reused
# this long: the four requests of one page load list once, and a new run shows within seconds.
LISTING_TTL_SECONDS = 10.0
MAX_DAYS = 366
# A staging file this much newer than the day's verdict means a later run (clocks of a local
# disk and S3's one-second LastModified).
STAGING_SLACK = dt.timedelta(seconds=2)

_DAY_KEY = re.compile(r"^(?P<table>[^/]+)/dt=(?P<day>\d{4}-\d{2}-\d{2})/(?:source=(?P<source>[^/]+)/)?(?P<name>[^/]+)$")
_STAGING_KEY = re.compile(r"^_staging/dt=(?P<day>\d{4}-\d{2}-\d{2})/source=(?P<source>[^/]+)/")
# What the docs endpoint serves: the index, or one partition's page / verdict.
_DOCS_PATH = re.compile(r"^(?:index\.html|dt=\d{4}-\d{2}-\d{2}/(?:index\.html|source=[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9_-]+\.(?:html|json)))$")


# -- the summary table (written by the pipeline) -------------------------------------------------


def _parse_day_key(key: str) -> tuple[str, dt.date, str | None, str] | None:
    match = _DAY_KEY.match(key)
    if not match or match["name"].startswith((".", "_")):
        return None
    try:
        day = dt.date.fromisoformat(match["day"])
    except ValueError:
        return None
    return match["table"], day, match["source"], match["name"]


def _read_rows(storage: Storage, key: str, columns: list[str] | None = None) -> list[dict[str, Any]]:
    import pyarrow.parquet as pq

    with storage.filesystem.open_input_file(storage.path(key)) as handle:
        return pq.read_table(handle, columns=columns).to_pylist()


def _metrics_rows(storage: Storage, files: list[StoredFile]) -> list[dict[str, Any]]:
    """run_metrics rows (with their ``source``) of the given run_metrics files."""
    names = lake.run_metrics_schema().names
    rows = []
    for stored in files:
        parsed = _parse_day_key(stored.key)
        if parsed is None or parsed[2] is None:
            continue
        for row in _read_rows(storage, stored.key):
            rows.append({"source": parsed[2], **{name: row.get(name) for name in names}})
    return rows


def write_day_summary(storage: Storage, day: dt.date) -> str:
    """Rewrite ``lake_health/dt=day/`` from the run_metrics files of ``day`` (a listing, one small
    read per source, and a listing after the write: lake.rewrite_until_settled, for two sources
    finishing the day at the same moment); return its key."""
    import pyarrow as pa

    key = lake.lake_health_key(day)

    def metrics_files() -> list[StoredFile]:
        return [stored for stored in storage.list_with_mtime(f"run_metrics/dt={day.isoformat()}") if _parse_day_key(stored.key)]

    def write(files: list[StoredFile]) -> None:
        rows = sorted(_metrics_rows(storage, files), key=lambda row: row["source"])
        storage.write_bytes(key, lake.table_to_parquet_bytes(pa.Table.from_pylist(rows, schema=lake.lake_health_schema())))

    lake.rewrite_until_settled(f"lake_health summary of {day}", metrics_files, write)
    return key


def refresh_summaries(storage: Storage) -> list[dt.date]:
    """Rewrite every day's summary that is missing or behind its run_metrics files (a lake
    older than the table, or two runs of a day that raced); return those days."""
    reader = HealthReader(storage, cache=_FileCache(), listing_ttl=0)
    stale = reader.stale_days()
    for day in stale:
        write_day_summary(storage, day)
    return stale


# -- reading ------------------------------------------------------------------------------------


class _FileCache:
    """Rows of small lake files, by (lake, key) and valid while (mtime, size) are unchanged; and
    the last listings of each lake, which the requests of one page load share."""

    def __init__(self, max_entries: int = 50_000):
        self._entries: dict[tuple[str, str], tuple[tuple, list[dict[str, Any]]]] = {}
        self._listings: dict[tuple[str, str], tuple[float, Any]] = {}
        self._lock = threading.Lock()
        self.max_entries = max_entries

    def listing(self, storage: Storage, name: str, ttl: float, make: Callable[[], Any]) -> Any:
        """``make()``, reused for ``ttl`` seconds (0: always fresh)."""
        key = (storage.uri, name)
        with self._lock:
            entry = self._listings.get(key)
        if ttl > 0 and entry and time.monotonic() - entry[0] < ttl:
            return entry[1]
        value = make()
        with self._lock:
            self._listings[key] = (time.monotonic(), value)
        return value

    def rows(self, storage: Storage, stored: StoredFile, load: Callable[[], list[dict[str, Any]]]) -> list[dict[str, Any]]:
        cache_key, version = (storage.uri, stored.key), (stored.mtime, stored.size)
        with self._lock:
            entry = self._entries.get(cache_key)
        if entry and entry[0] == version:
            return entry[1]
        rows = load()
        with self._lock:
            if len(self._entries) >= self.max_entries:
                self._entries.clear()
            self._entries[cache_key] = (version, rows)
        return rows

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._listings.clear()


_CACHE = _FileCache()


@dataclass
class DayRows:
    day: dt.date
    rows: dict[str, dict[str, Any]]  # source -> its run_metrics row
    from_summary: bool  # False: read from run_metrics (the summary was missing or behind)


class HealthReader:
    """The page's view of the lake; ``volume_configs`` are the sources' ``volume`` settings."""

    def __init__(
        self, storage: Storage, volume_configs: dict[str, VolumeConfig] | None = None, cache: _FileCache = _CACHE,
        listing_ttl: float = LISTING_TTL_SECONDS,
    ):
        self.storage = storage
        self.volume_configs = volume_configs or {}
        self.cache = cache
        self.listing_ttl = listing_ttl

    # -- per-day rows ---------------------------------------------------------------------------

    def _listings(self) -> tuple[dict[dt.date, StoredFile], dict[dt.date, list[StoredFile]]]:
        return self.cache.listing(self.storage, "days", self.listing_ttl, self._list_days)

    def _list_days(self) -> tuple[dict[dt.date, StoredFile], dict[dt.date, list[StoredFile]]]:
        summaries: dict[dt.date, StoredFile] = {}
        for stored in self.storage.list_with_mtime(HEALTH_PREFIX):
            parsed = _parse_day_key(stored.key)
            if parsed and parsed[2] is None and parsed[3] == lake.PARTITION_FILE:
                summaries[parsed[1]] = stored
        metrics: dict[dt.date, list[StoredFile]] = defaultdict(list)
        for stored in self.storage.list_with_mtime("run_metrics"):
            parsed = _parse_day_key(stored.key)
            if parsed and parsed[2] is not None and parsed[3] == lake.PARTITION_FILE:
                metrics[parsed[1]].append(stored)
        return summaries, metrics

    def _summary_rows(self, stored: StoredFile) -> list[dict[str, Any]]:
        return self.cache.rows(self.storage, stored, lambda: _read_rows(self.storage, stored.key))

    def _is_current(self, summary: StoredFile | None, metrics: list[StoredFile]) -> bool:
        if summary is None:
            return False
        sources = {_parse_day_key(stored.key)[2] for stored in metrics}
        if {row["source"] for row in self._summary_rows(summary)} != sources:
            return False
        return all(stored.mtime <= summary.mtime for stored in metrics)

    def stale_days(self) -> list[dt.date]:
        summaries, metrics = self._listings()
        return sorted(day for day, files in metrics.items() if not self._is_current(summaries.get(day), files))

    def days(self) -> dict[dt.date, DayRows]:
        """Every day with a run_metrics row, with each source's row of that day."""
        summaries, metrics = self._listings()
        result = {}
        for day, files in metrics.items():
            summary = summaries.get(day)
            if self._is_current(summary, files):
                rows, from_summary = self._summary_rows(summary), True
            else:
                rows = [row for stored in files for row in self.cache.rows(self.storage, stored, lambda s=stored: _metrics_rows(self.storage, [s]))]
                from_summary = False
            result[day] = DayRows(day, {row["source"]: row for row in rows}, from_summary)
        return result

    def staging(self) -> dict[tuple[dt.date, str], dt.datetime]:
        """(day, source) -> newest file mtime of each ``_staging/`` partition a run left (a run
        that crashed or is running), leaving out those of finished dry runs (see dry_runs)."""
        return self._staging_listing()[0]

    def dry_runs(self) -> dict[tuple[dt.date, str], dt.datetime]:
        """(day, source) -> when a dry run finished, for each ``_staging/`` partition whose newest
        file is the dry run's marker (lake.DRY_RUN_MARKER, written as its fetch task skips): the
        dry run's discover output, not a crash. A later run's discover rewrites files after it,
        and that run counts again (in ``staging``)."""
        return self._staging_listing()[1]

    def _staging_listing(self) -> tuple[dict[tuple[dt.date, str], dt.datetime], dict[tuple[dt.date, str], dt.datetime]]:
        return self.cache.listing(self.storage, "staging", self.listing_ttl, self._list_staging)

    def _list_staging(self) -> tuple[dict[tuple[dt.date, str], dt.datetime], dict[tuple[dt.date, str], dt.datetime]]:
        newest: dict[tuple[dt.date, str], dt.datetime] = {}
        markers: dict[tuple[dt.date, str], dt.datetime] = {}
        for stored in self.storage.list_with_mtime("_staging"):
            match = _STAGING_KEY.match(stored.key)
            if not match:
                continue
            try:
                key = (dt.date.fromisoformat(match["day"]), match["source"])
            except ValueError:
                continue
            if stored.key.endswith(f"/{lake.DRY_RUN_MARKER}") and stored.key.count("/") == 3:
                markers[key] = stored.mtime
                newest.setdefault(key, stored.mtime)
            else:
                newest[key] = max(newest.get(key, stored.mtime), stored.mtime)
        # The marker as new as every other file (>=: S3's mtimes are whole seconds, and the dry
        # run's discover may have written in the marker's second): a finished dry run.
        dry_runs = {key: marker for key, marker in markers.items() if marker >= newest[key]}
        return {key: mtime for key, mtime in newest.items() if key not in dry_runs}, dry_runs

    # -- the grid -------------------------------------------------------------------------------

    def grid(self, *, days: int = DEFAULT_DAYS, end: dt.date | None = None, sources: list[str] | None = None) -> dict[str, Any]:
        started = time.perf_counter()
        days = max(1, min(int(days), MAX_DAYS))
        by_day = self.days()
        staging, dry_runs = self.staging(), self.dry_runs()
        known_days = set(by_day) | {day for day, _ in staging}
        if end is None:
            end = max(known_days) if known_days else dt.date.today()
        window = [end - dt.timedelta(days=back) for back in range(days - 1, -1, -1)]
        in_window = set(window)
        seen = {source for day in window if day in by_day for source in by_day[day].rows}
        seen |= {source for day, source in staging if day in in_window}
        ordered = list(sources or [])
        ordered += sorted(seen - set(ordered))
        cells = []
        counts: Counter = Counter()
        for source in ordered:
            for day in window:
                row = by_day[day].rows.get(source) if day in by_day else None
                cell = _cell(source, day, row, staging.get((day, source)), dry_runs.get((day, source)))
                counts[cell["status"]] += 1
                if cell["status"] != MISSING:
                    cells.append(cell)
        return {
            "days": [day.isoformat() for day in window],
            "sources": ordered,
            "cells": cells,
            "counts": {outcome: counts[outcome] for outcome in OUTCOMES},
            "first_day": min(known_days).isoformat() if known_days else None,
            "last_day": max(known_days).isoformat() if known_days else None,
            "days_from_run_metrics": sorted(day.isoformat() for day in window if day in by_day and not by_day[day].from_summary),
            "seconds": round(time.perf_counter() - started, 4),
        }

    def known_sources(self) -> set[str]:
        """The sources the lake knows of: those with a run_metrics row or a ``_staging/``
        partition, and those with volume settings (the sources file's)."""
        known = set(self.volume_configs)
        known |= {source for rows in self.days().values() for source in rows.rows}
        known |= {source for _, source in self.staging()} | {source for _, source in self.dry_runs()}
        return known

    # -- a source's volume trend ----------------------------------------------------------------

    def trend(self, source: str, *, days: int = 90, end: dt.date | None = None) -> dict[str, Any]:
        from newslake.config import VolumeConfig
        from newslake.volume import OVER_LIMIT_REASON

        days = max(1, min(int(days), MAX_DAYS))
        config = self.volume_configs.get(source) or VolumeConfig()
        by_day = self.days()
        with_source = [day for day, rows in by_day.items() if source in rows.rows]
        if end is None:
            end = max(with_source) if with_source else dt.date.today()
        points = []
        for back in range(days - 1, -1, -1):
            day = end - dt.timedelta(days=back)
            row = by_day[day].rows.get(source) if day in by_day else None
            if row is None:
                continue
            reasons = json.loads(row.get("outcome_reasons") or "{}")
            median = row.get("volume_median")
            points.append(
                {
                    "dt": day.isoformat(),
                    # What the volume check counts: articles extracted (published or not), plus
                    # the new URLs a manual run's limit left unfetched.
                    "count": (row.get("landed") or 0) + (row.get("quarantined") or 0) + reasons.get(OVER_LIMIT_REASON, 0),
                    "landed": row.get("landed") or 0,
                    "median": median,
                    "low": None if median is None else median * config.drop_factor,
                    "high": None if median is None else median * config.spike_factor,
                    "volume_status": row.get("volume_status"),
                    "history_days": row.get("volume_history_days"),
                }
            )
        return {
            "source": source,
            "end": end.isoformat(),
            "days": days,
            "drop_factor": config.drop_factor,
            "spike_factor": config.spike_factor,
            "lookback_days": config.lookback_days,
            "action": config.action,
            "points": points,
        }

    # -- one day: validation, languages, stories ------------------------------------------------

    def _day_files(self, table: str, day: dt.date) -> list[StoredFile]:
        return [
            stored
            for stored in self.storage.list_with_mtime(f"{table}/dt={day.isoformat()}")
            if (parsed := _parse_day_key(stored.key)) and parsed[3].endswith(".parquet")
        ]

    def _day_rows(self, table: str, day: dt.date, columns: list[str]) -> list[dict[str, Any]]:
        """Rows of ``table`` for ``day`` only (partition pruning by listing the day's prefix),
        each with its ``source`` from the path when the table is partitioned by source."""
        rows = []
        for stored in self._day_files(table, day):
            source = _parse_day_key(stored.key)[2]

            def load(key=stored.key, source=source):
                found = _read_rows(self.storage, key, columns)
                return [{**row, "source": source} for row in found] if source is not None else found

            rows += self.cache.rows(self.storage, stored, load)
        return rows

    def day(self, day: dt.date, *, top: int = 10) -> dict[str, Any]:
        by_day = self.days()
        staging, dry_runs = self.staging(), self.dry_runs()
        rows = by_day[day].rows if day in by_day else {}
        partitions = []
        for source in sorted(set(rows) | {s for d, s in staging if d == day}):
            cell = _cell(source, day, rows.get(source), staging.get((day, source)), dry_runs.get((day, source)))
            partitions.append(cell)

        articles = self._day_rows("articles", day, ["article_id", "title", "language"])
        languages = Counter(row["language"] or "undetected" for row in articles)
        by_language_source: dict[str, Counter] = defaultdict(Counter)
        for row in articles:
            by_language_source[row["language"] or "undetected"][row["source"]] += 1

        clusters = self._day_rows("story_clusters", day, ["article_id", "source", "cluster_id", "cluster_size", "is_canonical_copy"])
        groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for row in clusters:
            groups[row["cluster_id"]].append(row)
        ranked = sorted(groups.items(), key=lambda item: (-max(r["cluster_size"] for r in item[1]), -len(item[1]), item[0]))[:top]
        titles = {row["article_id"]: row["title"] for row in articles}
        wanted = {cluster_id for cluster_id, _ in ranked} - set(titles)
        for back in (1, 2):  # a story's first copy may be a day or two older (the clustering window)
            if not wanted:
                break
            for row in self._day_rows("articles", day - dt.timedelta(days=back), ["article_id", "title"]):
                if row["article_id"] in wanted:
                    titles[row["article_id"]] = row["title"]
            wanted -= set(titles)
        stories = []
        for cluster_id, members in ranked:
            title = titles.get(cluster_id) or next((titles[m["article_id"]] for m in members if m["article_id"] in titles), None)
            stories.append(
                {
                    "cluster_id": cluster_id,
                    "title": title,
                    "copies": max(m["cluster_size"] for m in members),
                    "copies_on_day": len(members),
                    "sources": sorted({m["source"] for m in members}),
                }
            )
        return {
            "dt": day.isoformat(),
            "partitions": partitions,
            "articles": len(articles),
            "languages": [
                {"language": language, "articles": count, "sources": dict(sorted(by_language_source[language].items()))}
                for language, count in sorted(languages.items(), key=lambda item: (-item[1], item[0]))
            ],
            "stories": stories,
            "story_count": len(groups),
            "clustered_articles": len(clusters),
        }

    # -- where the lake is, and its size ----------------------------------------------------------

    def lake_info(self) -> dict[str, Any]:
        info: dict[str, Any] = {"uri": self.storage.url(), "backend": "s3" if self.storage.is_s3 else "local"}
        stats_files = {}
        for stored in self.storage.list_with_mtime("lake_stats"):
            parsed = _parse_day_key(stored.key)
            if parsed and parsed[3] == lake.PARTITION_FILE:
                stats_files[parsed[1]] = stored
        if stats_files:
            day = max(stats_files)
            rows = self.cache.rows(self.storage, stats_files[day], lambda: _read_rows(self.storage, stats_files[day].key))
            tables: dict[str, dict[str, int]] = {}
            for row in rows:
                total = tables.setdefault(row["table"], {"files": 0, "bytes": 0, "partitions": 0, "rows": 0})
                total["files"] += row["files"]
                total["bytes"] += row["bytes"]
                total["partitions"] += row["partitions"]
                total["rows"] += row["rows"] or 0
            info["size"] = {
                "measured": "lake_stats",
                "day": day.isoformat(),
                "measured_at": stats_files[day].mtime.isoformat(timespec="seconds"),
                "tables": [{"table": name, **tables[name]} for name in sorted(tables)],
                "bytes": sum(total["bytes"] for total in tables.values()),
            }
        else:
            info["size"] = {"measured": None, "note": "no lake_stats yet: the newslake_maintenance DAG writes it daily"}
        return info


def _cell(
    source: str, day: dt.date, row: dict[str, Any] | None, staging_mtime: dt.datetime | None, dry_run_at: dt.datetime | None = None
) -> dict[str, Any]:
    cell: dict[str, Any] = {"source": source, "dt": day.isoformat(), "status": MISSING}
    if dry_run_at is not None:  # a dry run's staging: noted, the status is the day's own
        cell["dry_run_at"] = dry_run_at.isoformat(timespec="seconds")
    if row is not None:
        passed = bool(row.get("validation_passed"))
        cell.update(
            status=PUBLISHED if passed else QUARANTINED,
            validation_status=row.get("validation_status") or ("passed" if passed else "failed"),
            listed=row.get("listed"),
            landed=row.get("landed"),
            quarantined=row.get("quarantined"),
            failed_urls=row.get("failed"),
            expectations_failed=row.get("expectations_failed"),
            warnings=row.get("validation_warnings"),
            volume_status=row.get("volume_status"),
            volume_median=row.get("volume_median"),
            finished_at=row["finished_at"].isoformat(timespec="seconds") if row.get("finished_at") else None,
            docs=f"docs/dt={day.isoformat()}/source={source}/articles.html",
        )
    if staging_mtime is not None and (row is None or row.get("finished_at") is None or staging_mtime > row["finished_at"] + STAGING_SLACK):
        cell["previous_status"] = cell["status"]
        cell.update(status=FAILED, staged_at=staging_mtime.isoformat(timespec="seconds"))
    return cell


# -- the web app ------------------------------------------------------------------------------------

_PAGE_CSP = (
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; "
    "img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'self'"
)
# Data Docs pages are GX's: they name scripts and styles on public CDNs. Served from Airflow's
# origin, such a script could call Airflow's API as the user, so they run sandboxed (an opaque
# origin) with nothing loaded from elsewhere; they render plain, as they do offline.
_DOCS_CSP = "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:"


def docs_key(path: str) -> str | None:
    """The lake key of a Data Docs path the page may serve, or None (traversal, other files)."""
    if not _DOCS_PATH.match(path) or ".." in path:
        return None
    return f"data_docs/{path}"


def create_app(
    reader_factory: Callable[[], HealthReader], *, dependencies: list[Any] | None = None, sources: Callable[[], list[str]] | None = None
) -> FastAPI:
    """The page and its JSON API. ``reader_factory`` gives the HealthReader of the configured
    lake (called per request: it may cache); ``dependencies`` guard every route (Airflow's
    authentication, in the plugin); ``sources`` lists the configured source ids (grid rows)."""
    from fastapi import FastAPI, HTTPException, Query
    from fastapi.responses import HTMLResponse, JSONResponse, Response

    from newslake.config import SettingsError

    app = FastAPI(title="newslake lake health", dependencies=dependencies or [], docs_url=None, redoc_url=None, openapi_url=None)
    json_headers = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}

    @app.exception_handler(SettingsError)
    def settings_error(request, exc: SettingsError) -> Response:
        # What to fix, on the page itself (it shows a failed request's detail); not an
        # anonymous "500" whose reason is only in the api-server's log. A setting holds no secret.
        log.error("lake health page: %s", exc)
        return JSONResponse({"detail": f"newslake's settings: {exc}"}, status_code=500, headers=json_headers)

    def parse_day(value: str | None, name: str) -> dt.date | None:
        if value in (None, ""):
            return None
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            raise HTTPException(status_code=422, detail=f"{name}: expected a date YYYY-MM-DD, got {value!r}") from None

    def configured_sources() -> list[str]:
        if sources is None:
            return []
        try:
            return sources()
        except Exception:  # a broken sources file must not take the page down: show what the lake has
            log.exception("could not load the sources file for the lake health page")
            return []

    @app.get("/", response_class=HTMLResponse)
    def page() -> Response:
        return HTMLResponse(
            PAGE_FILE.read_text(encoding="utf-8"),
            headers={"Content-Security-Policy": _PAGE_CSP, "X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"},
        )

    @app.get("/api/grid")
    def grid(days: int = Query(DEFAULT_DAYS, ge=1, le=MAX_DAYS), end: str | None = None) -> Response:
        return JSONResponse(reader_factory().grid(days=days, end=parse_day(end, "end"), sources=configured_sources()), headers=json_headers)

    @app.get("/api/trend")
    def trend(source: str, days: int = Query(90, ge=1, le=MAX_DAYS), end: str | None = None) -> Response:
        chosen_end = parse_day(end, "end")
        reader = reader_factory()
        known = reader.known_sources() | set(configured_sources())
        if source not in known:
            # Not an empty trend ending today: a mistyped id would look like a source with no runs.
            raise HTTPException(status_code=404, detail=f"source: unknown source {source!r}; known: {sorted(known)}")
        return JSONResponse(reader.trend(source, days=days, end=chosen_end), headers=json_headers)

    @app.get("/api/day")
    def day(dt_: str = Query(..., alias="dt")) -> Response:
        chosen = parse_day(dt_, "dt")
        if chosen is None:
            raise HTTPException(status_code=422, detail="dt: expected a date YYYY-MM-DD")
        return JSONResponse(reader_factory().day(chosen), headers=json_headers)

    @app.get("/api/lake")
    def lake_info() -> Response:
        return JSONResponse(reader_factory().lake_info(), headers=json_headers)

    @app.get("/docs/{path:path}")
    def data_docs(path: str) -> Response:
        key = docs_key(path)
        if key is None:
            raise HTTPException(status_code=404, detail="not a Data Docs page")
        storage = reader_factory().storage
        try:
            body = storage.read_bytes(key)
        except (FileNotFoundError, OSError):
            raise HTTPException(status_code=404, detail=f"no Data Docs page {path} in the lake") from None
        media_type = "application/json" if key.endswith(".json") else "text/html; charset=utf-8"
        return Response(body, media_type=media_type, headers={"Content-Security-Policy": _DOCS_CSP, "X-Content-Type-Options": "nosniff"})

    return app
