"""Lake layout, table schemas and the write-audit-publish moves.

Layout (keys below the lake root; ``dt`` is the run's logical date, ``source`` the source id)::

    articles/dt=D/source=S/part-0.parquet     validated articles — the table readers query
    fetch_log/dt=D/source=S/part-0.parquet    one row per URL the run discovered, with its outcome
    run_metrics/dt=D/source=S/part-0.parquet  one row for the partition's latest run (counts, bytes, durations)
    story_clusters/dt=D/part-0.parquet        story cluster of each article of day D (all sources)
    lake_stats/dt=D/part-0.parquet            per table and source: partitions, files, bytes, days (maintenance)
    lake_health/dt=D/part-0.parquet           the run_metrics rows of day D, every source in one file (newslake.health)
    raw/dt=D/source=S/responses.warc.gz       every fetched response, one gzip member per record
    raw/dt=D/source=S/{discovered,fetched}.json  what the run listed and fetched (for re-extraction)
    validation/dt=D/source=S/result.json      the Great Expectations verdict of the published data
    quarantine/dt=D/source=S/...              a partition that failed validation, with the verdict
    data_docs/dt=D/source=S/*.html            Great Expectations Data Docs of the latest validation
                                              (newslake.datadocs; data_docs/index.html lists them)
    _staging/dt=D/source=S/...                work in progress of the current run (readers skip
                                              names starting with '_' or '.'); a dry run's
                                              discover output, with dry_run.json
    state/listings/source=S/...               feed/sitemap bodies + validators (conditional GET)

A partition is one file with a fixed name, replaced in one atomic step, so a reader sees the
previous version or the new one — never a mix, never a gap.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, TypeVar

from newslake.storage import Storage

if TYPE_CHECKING:
    import pyarrow as pa

log = logging.getLogger(__name__)
Listing = TypeVar("Listing")
# Rewrites of one summary in one task while other tasks' inputs keep landing (rewrite_until_settled).
SUMMARY_REWRITES = 5

# Schema history — v1: first release. v2: articles gained canonical_url, content_html, tags,
# access (nullable, appended); readers given the current schema read v1 files with those null.
SCHEMA_VERSION = "2"
PARTITION_FILE = "part-0.parquet"


def partition(day: dt.date, source_id: str) -> str:
    return f"dt={day.isoformat()}/source={source_id}"


def articles_key(day: dt.date, source_id: str) -> str:
    return f"articles/{partition(day, source_id)}/{PARTITION_FILE}"


def fetch_log_key(day: dt.date, source_id: str) -> str:
    return f"fetch_log/{partition(day, source_id)}/{PARTITION_FILE}"


def raw_key(day: dt.date, source_id: str) -> str:
    return f"raw/{partition(day, source_id)}/responses.warc.gz"


def run_metrics_key(day: dt.date, source_id: str) -> str:
    return f"run_metrics/{partition(day, source_id)}/{PARTITION_FILE}"


def story_clusters_key(day: dt.date) -> str:
    return f"story_clusters/dt={day.isoformat()}/{PARTITION_FILE}"


def story_clusters_schema() -> pa.Schema:
    """Which story each article of day D belongs to (see newslake.dedup); join on article_id."""
    import pyarrow as pa

    return pa.schema(
        [
            pa.field("article_id", pa.string(), nullable=False),
            pa.field("source", pa.string(), nullable=False),
            pa.field("cluster_id", pa.string(), nullable=False),  # article_id of the story's canonical copy
            pa.field("cluster_size", pa.int32(), nullable=False),  # copies in the window, all days and sources
            pa.field("is_canonical_copy", pa.bool_(), nullable=False),
        ],
        metadata={"newslake.schema": "story_clusters", "newslake.schema_version": SCHEMA_VERSION},
    )


def lake_stats_key(day: dt.date) -> str:
    return f"lake_stats/dt={day.isoformat()}/{PARTITION_FILE}"


def lake_stats_schema() -> pa.Schema:
    """The lake's size on day D (newslake.maintenance): one row per (table, source)."""
    import pyarrow as pa

    return pa.schema(
        [
            pa.field("table", pa.string(), nullable=False),  # articles | fetch_log | raw | run_metrics | quarantine
            pa.field("source", pa.string(), nullable=False),
            pa.field("partitions", pa.int32(), nullable=False),  # distinct dt=D/source=S folders
            pa.field("files", pa.int64(), nullable=False),
            pa.field("bytes", pa.int64(), nullable=False),
            pa.field("first_day", pa.date32(), nullable=False),
            pa.field("last_day", pa.date32(), nullable=False),
            pa.field("rows", pa.int64()),  # articles only (from the Parquet footers); null for other tables
        ],
        metadata={"newslake.schema": "lake_stats", "newslake.schema_version": SCHEMA_VERSION},
    )


def lake_health_key(day: dt.date) -> str:
    return f"lake_health/dt={day.isoformat()}/{PARTITION_FILE}"


def lake_health_schema() -> pa.Schema:
    """Day D's run_metrics rows of every source in one small file (newslake.health), so that the
    lake health page reads one file per day instead of one per partition."""
    import pyarrow as pa

    metrics = run_metrics_schema()
    return pa.schema(
        [pa.field("source", pa.string(), nullable=False), *metrics],
        metadata={"newslake.schema": "lake_health", "newslake.schema_version": SCHEMA_VERSION},
    )


def raw_manifest_key(day: dt.date, source_id: str, name: str) -> str:
    """What the run listed and fetched (discovered.json, fetched.json), kept beside the WARC
    file so a partition can be re-extracted without the network."""
    return f"raw/{partition(day, source_id)}/{name}"


def validation_key(day: dt.date, source_id: str) -> str:
    return f"validation/{partition(day, source_id)}/result.json"


def quarantine_prefix(day: dt.date, source_id: str) -> str:
    return f"quarantine/{partition(day, source_id)}"


def staging_prefix(day: dt.date, source_id: str) -> str:
    return f"_staging/{partition(day, source_id)}"


# Written in a partition's staging by the fetch task of a dry run (the `dry_run` param), which
# skips it: discover's staging is then a finished dry run, not a crashed run (newslake.health).
DRY_RUN_MARKER = "dry_run.json"


# The articles table's columns: name, type, nullable, description. Plain Python, so that the
# sources loader can name the columns when a DAG file is parsed without importing pyarrow.
ARTICLE_COLUMNS: tuple[tuple[str, str, bool, str], ...] = (
    ("article_id", "string", False, "sha256 of the canonical URL (hex, 32 chars): stable across runs"),
    ("url", "string", False, "canonical URL of the article"),
    ("listed_url", "string", False, "URL as the feed or sitemap listed it"),
    ("final_url", "string", False, "URL after redirects"),
    ("title", "string", False, "headline, without the site name"),
    ("text", "string", False, "plain text, paragraphs separated by a blank line"),
    ("language", "string", True, "ISO 639-1, detected from the text"),
    ("published_at", "timestamp", False, "publication instant (page metadata, else the listing's date)"),
    ("published_precision", "string", True, "'datetime' or 'date' (only the day is known)"),
    ("modified_at", "timestamp", True, "last modification, when the page says"),
    ("authors", "list<string>", False, "bylines"),
    ("site_name", "string", True, "site name the page declares"),
    ("description", "string", True, "page description / standfirst"),
    ("image_url", "string", True, "top image"),
    ("section", "string", True, "section / category"),
    ("origin_publisher", "string", True, "original outlet when the page republishes another's article"),
    ("origin_url", "string", True, "link to the original article"),
    ("listed_at", "timestamp", True, "date the feed/sitemap gave"),
    ("discovered_via", "string", False, "'feed' or 'sitemap'"),
    ("fetched_at", "timestamp", False, "when the response was fetched"),
    ("http_status", "int16", False, "HTTP status of the response"),
    ("content_sha256", "string", False, "sha256 of text (hex): exact-duplicate key"),
    ("raw_path", "string", False, "lake key of the WARC file holding the response"),
    ("raw_offset", "int64", False, "byte offset of the WARC record"),
    ("raw_length", "int64", False, "byte length of the WARC record (one gzip member)"),
    ("raw_payload_sha256", "string", False, "sha256 of the HTTP body as archived (hex)"),
    ("extractor", "string", False, "extractor name and version"),
    # v2: appended at the end, so engines that map Parquet columns by position still read v1 files.
    ("canonical_url", "string", True, "rel=canonical / og:url the page declares (url is ours, normalised)"),
    ("content_html", "string", True, "the article as cleaned HTML (readability's output, links absolute)"),
    ("tags", "list<string>", True, "tags / keywords the page declares"),
    ("access", "string", True, "'free', 'paywalled' or 'unknown', as the page declares it"),
)


def articles_schema() -> pa.Schema:
    """Schema of the articles table (see SCHEMA_VERSION): ARTICLE_COLUMNS in Arrow types. ``dt`` and
    ``source`` are partition keys (in the path only), so engines do not see them twice."""
    import pyarrow as pa

    arrow_types = {"string": pa.string(), "timestamp": pa.timestamp("us", tz="UTC"), "int16": pa.int16(),
                   "int64": pa.int64(), "list<string>": pa.list_(pa.string())}
    fields = [(name, arrow_types[kind], nullable, doc) for name, kind, nullable, doc in ARTICLE_COLUMNS]
    return pa.schema(
        [pa.field(name, kind, nullable=nullable, metadata={"description": doc}) for name, kind, nullable, doc in fields],
        metadata={"newslake.schema": "articles", "newslake.schema_version": SCHEMA_VERSION},
    )


def fetch_log_schema() -> pa.Schema:
    import pyarrow as pa

    timestamp = pa.timestamp("us", tz="UTC")
    return pa.schema(
        [
            pa.field("url", pa.string(), nullable=False),
            pa.field("kind", pa.string(), nullable=False),  # article | feed | sitemap
            pa.field("outcome", pa.string(), nullable=False),  # landed | skipped | failed | quarantined
            pa.field("reason", pa.string()),  # why skipped/failed: duplicate, out_of_window, http_404...
            pa.field("listed_url", pa.string()),
            pa.field("listing_url", pa.string()),
            pa.field("listed_at", timestamp),
            pa.field("times_listed", pa.int16()),  # listing entries that named this URL
            pa.field("http_status", pa.int16()),
            pa.field("attempts", pa.int16()),
            pa.field("fetched_at", timestamp),
            pa.field("elapsed_ms", pa.int64()),
            pa.field("bytes", pa.int64()),
            pa.field("article_id", pa.string()),
        ],
        metadata={"newslake.schema": "fetch_log", "newslake.schema_version": SCHEMA_VERSION},
    )


def run_metrics_schema() -> pa.Schema:
    """One row per run of a partition: a source's health over time, for notebooks and alerts."""
    import pyarrow as pa

    return pa.schema(
        [
            pa.field("finished_at", pa.timestamp("us", tz="UTC"), nullable=False),
            pa.field("listed", pa.int32(), nullable=False),  # article URLs listed for the day
            pa.field("landed", pa.int32(), nullable=False),
            pa.field("skipped", pa.int32(), nullable=False),
            pa.field("failed", pa.int32(), nullable=False),
            pa.field("quarantined", pa.int32(), nullable=False),
            pa.field("outcome_reasons", pa.string(), nullable=False),  # JSON {"failed:http_404": 1, ...}
            pa.field("listings_failed", pa.int32(), nullable=False),
            pa.field("bytes_fetched", pa.int64(), nullable=False),
            pa.field("discover_seconds", pa.float64()),
            pa.field("fetch_seconds", pa.float64()),
            pa.field("extract_seconds", pa.float64()),
            pa.field("validation_passed", pa.bool_(), nullable=False),
            pa.field("expectations_failed", pa.int32(), nullable=False),
            pa.field("extractor", pa.string(), nullable=False),
            pa.field("reextracted", pa.bool_(), nullable=False),
            # Volume monitoring (newslake.volume): the median of the articles of the source's
            # previous days with a run, how many such days, and ok | drop | spike | insufficient_history.
            # Null in rows written before the check existed.
            pa.field("volume_median", pa.float64()),
            pa.field("volume_history_days", pa.int32()),
            pa.field("volume_status", pa.string()),
            # passed | warned (published with non-blocking failures) | failed; null in older rows.
            pa.field("validation_status", pa.string()),
            pa.field("validation_warnings", pa.int32()),
        ],
        metadata={"newslake.schema": "run_metrics", "newslake.schema_version": SCHEMA_VERSION},
    )


# The reason of an article URL listed for the day whose page is dated another day (or listed
# only with another date): not one of the day's articles, and so not counted as listed.
OTHER_DAY_REASON = "out_of_window"
ARTICLE_OUTCOMES = ("landed", "skipped", "failed", "quarantined")


def article_outcome_counts(fetch_log_rows: Iterable[dict[str, Any]], *, validation_passed: bool = True) -> dict[str, int]:
    """What became of a partition's article URLs, counted one way for run_metrics (which the health
    page reads) and the report: ``listed`` (every article URL of the fetch log but those dated another day),
    ``landed``, ``skipped`` (for any reason, another day included), ``failed``, ``quarantined``,
    and ``other_days`` (skipped because dated another day).

    A published fetch log marks a quarantined partition's URLs ``quarantined``; the staged one,
    which run_metrics reads before publishing, still says ``landed``: ``validation_passed=False``
    counts those as quarantined."""
    counts = dict.fromkeys(("listed", "landed", "skipped", "failed", "quarantined", "other_days"), 0)
    for row in fetch_log_rows:
        if row["kind"] != "article":
            continue
        outcome = row["outcome"]
        if outcome == "landed" and not validation_passed:
            outcome = "quarantined"
        if outcome not in ARTICLE_OUTCOMES:
            raise ValueError(f"fetch_log row of {row['url']} has an unknown outcome {outcome!r}")
        counts[outcome] += 1
        if outcome == "skipped" and row["reason"] == OTHER_DAY_REASON:
            counts["other_days"] += 1
        else:
            counts["listed"] += 1
    return counts


# zstd level 6, not pyarrow's default 1: a fifth smaller on article text, for a write time that
# stays a small part of a day's work (bench/storage_query.py prints both).
PARQUET_COMPRESSION = "zstd"
PARQUET_COMPRESSION_LEVEL = 6


def table_to_parquet_bytes(table: pa.Table) -> bytes:
    """Parquet with zstd, statistics on, deterministic bytes for equal tables."""
    import pyarrow.parquet as pq

    buffer = io.BytesIO()
    pq.write_table(
        table, buffer, compression=PARQUET_COMPRESSION, compression_level=PARQUET_COMPRESSION_LEVEL,
        row_group_size=10_000, write_statistics=True,
    )
    return buffer.getvalue()


def read_parquet(storage: Storage, key: str) -> pa.Table:
    import pyarrow.parquet as pq

    return pq.read_table(storage.path(key), filesystem=storage.filesystem)


def write_json(storage: Storage, key: str, payload: dict[str, Any]) -> str:
    return storage.write_bytes(key, json.dumps(payload, indent=2, sort_keys=True, default=str).encode())


def read_json(storage: Storage, key: str) -> dict[str, Any]:
    return json.loads(storage.read_bytes(key))


def rewrite_until_settled(what: str, listing: Callable[[], Listing], write: Callable[[Listing], object]) -> bool:
    """``write(listing())``, then list again, and write again while the listing changed meanwhile
    (at most SUMMARY_REWRITES times); False if it never settled.

    For files that several tasks rebuild from a listing of what each of them wrote (the Data
    Docs index, a day's lake_health summary): two tasks at the same moment may each list before
    the other's file lands, and the later write would leave the other out. Each task writes its
    own file before it lists, so when a listing taken after the last write matches what that
    write was made from, every file written before that write — those of all the tasks that
    rebuilt the summary before it — is in it. It costs one more listing per rebuild.
    """
    listed = listing()
    for _ in range(SUMMARY_REWRITES):
        write(listed)
        relisted = listing()
        if relisted == listed:
            return True
        log.info("%s: changed while it was written (another task), rewriting it", what)
        listed = relisted
    log.warning("%s: inputs kept changing through %d rewrites; the next rebuild includes the latest", what, SUMMARY_REWRITES)
    return False
