"""The daily pipeline for one partition (one source, one day), as plain functions.

Each step reads what the previous one staged under ``_staging/dt=D/source=S/`` and returns a
small summary (paths and counts — what Airflow passes through XCom). Every step is safe to
retry: it rewrites its own staged files from its inputs and touches nothing else.

    discover  → feeds + sitemaps → the URLs listed for day D          (_staging/discovered.json)
    fetch     → article pages → the raw zone (WARC), each page extracted  (raw/…, _staging/fetched.json,
                as it arrives, by a background pool                       _staging/extracted.jsonl.gz)
    extract   → readability (or the fetch's result for the same bytes)  (_staging/articles.parquet, fetch_log.parquet)
                → articles + one outcome per URL
    validate  → Great Expectations gate; a failing partition goes to quarantine/ and the step fails
    publish   → atomic replace of articles/ and fetch_log/ for the partition
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import hashlib
import json
import logging
import os
import tempfile
import time
from dataclasses import dataclass
from typing import Any

from newslake import lake
from newslake.config import Settings, Source
from newslake.storage import Storage

log = logging.getLogger(__name__)

ARTICLE_CONTENT_TYPES = ("text/html", "application/xhtml+xml")
# How far back a URL counts as already landed (an article re-listed days later is not new).
DEDUP_LOOKBACK_DAYS = 7
# Fetch errors that are our choice (politeness, content type) rather than a failure.
SKIP_FETCH_REASONS = frozenset({"robots_disallowed", "not_allowed_content_type"})


class PartitionRejected(RuntimeError):
    """The staged partition failed validation; it was quarantined and not published."""


@dataclass(frozen=True)
class PartitionContext:
    """Everything a step needs to work on one partition."""

    source: Source
    day: dt.date
    storage: Storage
    settings: Settings

    @property
    def name(self) -> str:
        return lake.partition(self.day, self.source.id)

    def staged(self, name: str) -> str:
        return f"{lake.staging_prefix(self.day, self.source.id)}/{name}"

    def http_settings(self):
        from newslake.http import HttpSettings

        return HttpSettings(
            user_agent=self.settings.user_agent,
            max_bytes=self.settings.max_page_bytes,
            per_host_interval=1.0 / self.source.requests_per_second,
            concurrency=self.settings.fetch_concurrency,
            allowed_networks=self.settings.allowed_network_list,
            politeness_dir=self.settings.politeness_dir or os.path.join(tempfile.gettempdir(), "newslake-politeness"),
        )


def timed_step(step):
    """Record how long a step took in the partition's staged metrics (for the run_metrics table).
    discover starts a new run, and restage_from_raw a re-extraction, so each starts the record
    afresh (a re-extraction's row carried an earlier run's discover and fetch times)."""

    @functools.wraps(step)
    def run(ctx: PartitionContext, *args, **kwargs):
        started = time.perf_counter()
        summary = step(ctx, *args, **kwargs)
        key = ctx.staged("metrics.json")
        starts_a_run = step.__name__ in ("discover", "restage_from_raw")
        metrics = lake.read_json(ctx.storage, key) if not starts_a_run and ctx.storage.exists(key) else {}
        metrics[f"{step.__name__}_seconds"] = round(time.perf_counter() - started, 3)
        lake.write_json(ctx.storage, key, metrics)
        return summary

    return run


def article_id(canonical_url: str) -> str:
    return hashlib.sha256(canonical_url.encode()).hexdigest()[:32]


# -- discover ---------------------------------------------------------------------------------


@timed_step
def discover(ctx: PartitionContext, *, limit: int | None = None) -> dict[str, Any]:
    """List the URLs the source's feeds and sitemaps date on ``ctx.day`` (source timezone).

    ``limit`` (a manual run's parameter) keeps only the first N new article URLs of the day, in
    URL order; the others get the outcome ``skipped``/``over_limit``, so none goes unrecorded.
    """
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
        raise ValueError(f"limit must be a whole number of articles, at least 1 (got {limit!r})")
    from newslake.discover import ArchiveSpec, discover_urls
    from newslake.http import HttpClient

    archives = [ArchiveSpec(**archive.model_dump()) for archive in ctx.source.archives]

    async def run():
        async with HttpClient(ctx.http_settings()) as client:
            return await discover_urls(
                feed_urls=list(ctx.source.feeds),
                sitemap_urls=list(ctx.source.sitemaps),
                day=ctx.day,
                timezone=ctx.source.timezone,
                client=client,
                archives=archives,
                robots_sitemaps=ctx.source.robots_sitemaps,
                listing_cache=LakeListingCache(ctx.storage, ctx.source.id),
            )

    found = asyncio.run(run())
    # One row per canonical URL: a URL listed by both the feed and the sitemap (or twice with
    # different tracking parameters) is one article with one outcome; the repeats are counted.
    repeats: dict[str, int] = {}
    for item in found.duplicates:
        repeats[item.url] = repeats.get(item.url, 0) + 1
    candidates = [
        _discovered_row(item, status, 1 + repeats.get(item.url, 0))
        for status, items in (("in_window", found.in_window), ("out_of_window", found.out_of_window))
        for item in items
    ]
    landed_before = _urls_landed_on_earlier_days(ctx)
    for row in candidates:
        if row["status"] == "in_window" and row["url"] in landed_before:
            row["status"] = "already_landed"
            row["landed_on"] = landed_before[row["url"]].isoformat()
    if limit is not None:
        wanted = sorted((row for row in candidates if row["status"] == "in_window"), key=lambda row: row["url"])
        for row in wanted[limit:]:
            row["status"] = "over_limit"
    listings = [
        {
            "url": listing.url,
            "kind": listing.kind,
            "error": listing.error,
            "items": listing.items,
            "http_status": listing.status,
            "attempts": listing.attempts,
            "elapsed_ms": listing.elapsed_ms,
            "fetched_at": _iso(listing.fetched_at),
            "not_modified": listing.not_modified,
        }
        for listing in found.listings
    ]
    key = ctx.staged("discovered.json")
    lake.write_json(ctx.storage, key, {"partition": ctx.name, "candidates": candidates, "listings": listings})
    summary = {
        "discovered": ctx.storage.url(key),
        "in_window": len(found.in_window),
        "out_of_window": len(found.out_of_window),
        "repeated_listings": len(found.duplicates),
        "already_landed": sum(1 for row in candidates if row["status"] == "already_landed"),
        "over_limit": sum(1 for row in candidates if row["status"] == "over_limit"),
        "to_fetch": sum(1 for row in candidates if row["status"] == "in_window"),
        "listings_failed": sum(1 for listing in listings if listing["error"]),
    }
    log.info("discovered %s", summary)
    # robots.txt is not a listing of articles: a missing one is normal, and it says nothing
    # about whether the source's feeds and sitemaps work.
    article_listings = [listing for listing in listings if listing["kind"] != "robots"]
    if article_listings and all(listing["error"] for listing in article_listings):
        # Nothing could be listed at all: a broken source, not an empty day. The failures are
        # still recorded in the partition's fetch log, so the report shows why the day is empty.
        import pyarrow as pa

        failures = pa.Table.from_pylist([_listing_outcome(item) for item in listings], schema=lake.fetch_log_schema())
        if ctx.storage.exists(lake.articles_key(ctx.day, ctx.source.id)):
            # A re-run of a day already published: its fetch_log belongs with its articles, so
            # the failures go beside quarantined runs (cleared by the next successful publish).
            failures_key = f"{lake.quarantine_prefix(ctx.day, ctx.source.id)}/fetch_log.parquet"
        else:
            failures_key = lake.fetch_log_key(ctx.day, ctx.source.id)
        ctx.storage.write_bytes(failures_key, lake.table_to_parquet_bytes(failures))
        raise RuntimeError(
            f"{ctx.name}: every feed and sitemap failed (recorded in {ctx.storage.url(failures_key)}): "
            + ", ".join(f"{item['url']} ({item['error']})" for item in article_listings)
        )
    return summary


class LakeListingCache:
    """Feed and sitemap bodies with their ETag/Last-Modified, kept in the lake for conditional
    GETs (``state/listings/source=S/<sha256 of URL>.json``). One object per listing, written
    atomically, so concurrent runs of a source (a backfill) never see a body with another
    body's validators. It is a cache: losing it costs one full fetch."""

    def __init__(self, storage: Storage, source_id: str):
        self.storage = storage
        self.prefix = f"state/listings/source={source_id}"

    def _key(self, url: str) -> str:
        return f"{self.prefix}/{hashlib.sha256(url.encode()).hexdigest()[:32]}.json"

    def get(self, url: str):
        import base64

        from newslake.discover import CachedListing

        key = self._key(url)
        if not self.storage.exists(key):
            return None
        entry = lake.read_json(self.storage, key)
        return CachedListing(etag=entry["etag"], last_modified=entry["last_modified"], body=base64.b64decode(entry["body"]))

    def put(self, url: str, listing) -> None:
        import base64

        lake.write_json(
            self.storage,
            self._key(url),
            {"url": url, "etag": listing.etag, "last_modified": listing.last_modified, "body": base64.b64encode(listing.body).decode()},
        )


def _urls_landed_on_earlier_days(ctx: PartitionContext) -> dict[str, dt.date]:
    """Canonical URLs this source already landed in the DEDUP_LOOKBACK_DAYS days before D.

    Only earlier days count, so the partition that owns an article does not depend on the
    order in which days are run: an article re-listed (updated) the next day stays where it
    first landed."""
    seen: dict[str, dt.date] = {}
    for back in range(DEDUP_LOOKBACK_DAYS, 0, -1):
        day = ctx.day - dt.timedelta(days=back)
        key = lake.articles_key(day, ctx.source.id)
        if ctx.storage.exists(key):
            for url in lake.read_parquet(ctx.storage, key).column("url").to_pylist():
                seen.setdefault(url, day)
    return seen


def _discovered_row(item, status: str, times_listed: int) -> dict[str, Any]:
    return {
        "times_listed": times_listed,
        "url": item.url,
        "listed_url": item.listed_url,
        "listed_at": _iso(item.listed_at),
        "listed_day": item.listed_day.isoformat() if item.listed_day else None,
        "via": item.via,
        "listing_url": item.listing_url,
        "title": item.title,
        "status": status,
    }


# -- fetch ------------------------------------------------------------------------------------


@timed_step
def fetch(ctx: PartitionContext, *, force_refetch: bool = False) -> dict[str, Any]:
    """Fetch the day's article pages into the raw zone.

    Pages already archived with a 2xx response for this partition are reused (not re-fetched)
    unless ``force_refetch``: a re-run then reproduces the same rows, and is polite.

    Each page is extracted as soon as it is archived, by a background pool (parallel.ExtractAhead),
    while the others are still being fetched; the results are staged for the extract step, which
    takes them instead of extracting those pages again. A day too small for a pool is left to the
    extract step.
    """
    import contextlib

    from newslake import parallel, rawzone
    from newslake.http import fetch_all

    discovered = lake.read_json(ctx.storage, ctx.staged("discovered.json"))
    wanted = [row for row in discovered["candidates"] if row["status"] == "in_window"]
    raw_key = lake.raw_key(ctx.day, ctx.source.id)
    # Removed first: a retry must never leave the previous attempt's results beside new records.
    ctx.storage.delete(ctx.staged("extracted.jsonl.gz"))

    archived: dict[str, tuple[rawzone.RawRecord, bytes]] = {}
    if not force_refetch and ctx.storage.exists(raw_key):
        data = ctx.storage.read_bytes(raw_key)
        try:
            reusable = rawzone.read_records(data)
        except Exception as exc:  # a damaged WARC is not worth keeping records from: this run rewrites it
            log.warning("%s: %s is damaged (%s: %s): every page is fetched again and the WARC rewritten",
                        ctx.name, ctx.storage.url(raw_key), type(exc).__name__, exc)
            reusable = []
        for record in reusable:
            if 200 <= record.status < 300:
                archived[record.canonical_url] = (record, data[record.offset : record.offset + record.length])

    to_fetch = [row["url"] for row in wanted if row["url"] not in archived]
    members: dict[str, bytes] = {url: record_bytes for url, (_, record_bytes) in archived.items()}
    extract_ahead = (
        parallel.ExtractAhead(ctx.source.timezone, parallel.worker_count(ctx.settings.extract_workers, len(wanted)))
        if len(wanted) >= parallel.MIN_PAGES_FOR_POOL
        else None
    )

    body_sizes: dict[str, int] = {}

    def archive(result) -> None:
        # Every success is archived, an empty body included (a 200 with nothing in it): extract
        # reads each success from the raw zone, and re-extraction finds it there too. Only the
        # archived record (gzipped) is kept; fetch_all lets go of the body (keep_bodies=False).
        body_sizes[result.url] = len(result.body)
        if result.status is not None and result.error is None:
            members[result.url] = rawzone.response_member(result.url, result)
            if extract_ahead is not None:
                extract_ahead.submit(members[result.url])

    with extract_ahead if extract_ahead is not None else contextlib.nullcontext():
        if extract_ahead is not None:
            for record_bytes in members.values():
                extract_ahead.submit(record_bytes)
        results = (
            {r.url: r for r in fetch_all(to_fetch, ctx.http_settings(), accept=ARTICLE_CONTENT_TYPES, on_result=archive, keep_bodies=False)}
            if to_fetch else {}
        )
        extracted = extract_ahead.finish() if extract_ahead is not None else b""

    writer = rawzone.RawArchiveWriter.new()
    fetched: list[dict[str, Any]] = []
    for row in sorted(wanted, key=lambda r: r["url"]):
        url = row["url"]
        offset = length = None
        if url in members:
            offset, length = writer.append_copy(members[url])
        if url in archived:
            record, _ = archived[url]
            fetched.append(
                {"url": url, "status": record.status, "error": None, "attempts": 0, "reused": True,
                 "fetched_at": _iso(record.fetched_at), "elapsed_ms": 0, "bytes": len(record.body),
                 "raw_offset": offset, "raw_length": length}
            )
            continue
        result = results[url]
        fetched.append(
            {"url": url, "status": result.status, "error": result.error, "attempts": result.attempts, "reused": False,
             "fetched_at": _iso(result.fetched_at), "elapsed_ms": result.elapsed_ms, "bytes": body_sizes[url],
             "raw_offset": offset, "raw_length": length}
        )

    ctx.storage.write_bytes(raw_key, writer.getvalue())
    # After the raw zone: staged results always come with the records they were computed from.
    if extracted:
        ctx.storage.write_bytes(ctx.staged("extracted.jsonl.gz"), extracted)
    key = ctx.staged("fetched.json")
    manifest = {"partition": ctx.name, "raw_path": raw_key, "fetched": fetched}
    lake.write_json(ctx.storage, key, manifest)
    # Kept with the raw zone, so the partition can be rebuilt later without the network.
    lake.write_json(ctx.storage, lake.raw_manifest_key(ctx.day, ctx.source.id, "fetched.json"), manifest)
    ctx.storage.copy(ctx.staged("discovered.json"), lake.raw_manifest_key(ctx.day, ctx.source.id, "discovered.json"))
    summary = {
        "fetched": ctx.storage.url(key),
        "raw": ctx.storage.url(raw_key),
        "ok": sum(1 for f in fetched if f["error"] is None),
        "reused": sum(1 for f in fetched if f["reused"]),
        "failed": sum(1 for f in fetched if f["error"] is not None),
    }
    log.info("fetched %s", summary)
    return summary


# -- re-extraction ----------------------------------------------------------------------------


@timed_step
def restage_from_raw(ctx: PartitionContext) -> dict[str, Any]:
    """Put back in staging what discover and fetch produced for this partition, from the raw
    zone alone (no network), so extract → validate → publish can rebuild the partition with the
    current extractor. Record offsets are re-read from the WARC file itself, so they are right
    even if a later fetch rewrote it."""
    discovered_key = lake.raw_manifest_key(ctx.day, ctx.source.id, "discovered.json")
    fetched_key = lake.raw_manifest_key(ctx.day, ctx.source.id, "fetched.json")
    raw_key = lake.raw_key(ctx.day, ctx.source.id)
    for key in (discovered_key, fetched_key, raw_key):
        if not ctx.storage.exists(key):
            raise FileNotFoundError(f"{ctx.name}: cannot re-extract, the raw zone has no {ctx.storage.url(key)}")
    manifest = lake.read_json(ctx.storage, fetched_key)
    records = _raw_records_of_every_fetched_page(ctx, raw_key, manifest)
    for entry in manifest["fetched"]:
        record = records.get(entry["url"])
        if record is not None:
            entry.update(raw_offset=record.offset, raw_length=record.length)
    manifest["raw_path"] = raw_key
    # Re-extraction runs the current extractor on every page: no result of an earlier fetch.
    ctx.storage.delete(ctx.staged("extracted.jsonl.gz"))
    ctx.storage.copy(discovered_key, ctx.staged("discovered.json"))
    lake.write_json(ctx.storage, ctx.staged("fetched.json"), manifest)
    return {"restaged": ctx.storage.url(ctx.staged("fetched.json")), "responses": len(records)}


def _raw_records_of_every_fetched_page(ctx: PartitionContext, raw_key: str, manifest: dict[str, Any]) -> dict:
    """The WARC's records by URL, checked against the fetch's manifest: every page it lists as
    fetched is there, whole. A damaged raw zone (a WARC cut short or altered) would otherwise
    rebuild the partition without the pages it lost and publish it over the good one: this
    stops the re-extraction instead, naming the object, and the published partition stays."""
    from newslake import rawzone

    raw_url = ctx.storage.url(raw_key)
    remedy = "the published partition is left as it is; restore the object, or fetch the day again (param force_refetch)"
    try:
        records = {record.canonical_url: record for record in rawzone.read_records(ctx.storage.read_bytes(raw_key))}
    except Exception as exc:  # warcio's errors on a damaged file range from ArchiveLoadFailed to AttributeError
        raise RuntimeError(f"{ctx.name}: cannot re-extract, {raw_url} does not read as a WARC file ({type(exc).__name__}); {remedy}") from exc
    fetched = [entry for entry in manifest["fetched"] if entry["error"] is None]
    damaged = [
        entry["url"] for entry in fetched
        if (record := records.get(entry["url"])) is None or (entry.get("bytes") is not None and len(record.body) != entry["bytes"])
    ]
    if damaged:
        raise RuntimeError(
            f"{ctx.name}: cannot re-extract, {raw_url} lacks or has cut {len(damaged)} of the {len(fetched)} pages "
            f"its fetched.json lists as fetched (first: {damaged[0]}); {remedy}"
        )
    return records


# -- extract ----------------------------------------------------------------------------------


@timed_step
def extract(ctx: PartitionContext) -> dict[str, Any]:
    """Extract every fetched page; stage the articles table and one outcome row per URL.

    The pages are extracted by a process pool (newslake.parallel; setting ``extract_workers``)
    that reads the raw zone by byte range and returns results in URL order, so the decisions
    below, and the staged files, are the same whatever the number of workers."""
    import pyarrow as pa

    from newslake import parallel

    started = time.perf_counter()
    discovered = lake.read_json(ctx.storage, ctx.staged("discovered.json"))
    fetched_doc = lake.read_json(ctx.storage, ctx.staged("fetched.json"))
    raw_key = fetched_doc["raw_path"]
    fetched = {f["url"]: f for f in fetched_doc["fetched"]}
    window_start, window_end = ctx.source.day_bounds_utc(ctx.day)
    candidates = sorted(discovered["candidates"], key=lambda row: row["url"])
    # The pages to extract, in the order the loop below takes them.
    spans = [
        (attempt["raw_offset"], attempt["raw_length"])
        for candidate in candidates
        if candidate["status"] == "in_window" and not (attempt := fetched[candidate["url"]])["error"]
    ]
    # Pages the fetch step extracted while fetching (parallel.ExtractAhead): taken as they are when
    # the record's bytes are the very ones they came from; the others are extracted here.
    known = parallel.read_extracted(ctx.storage, ctx.staged("extracted.jsonl.gz"))
    # Expected, for the number of workers (a staged result may match no record); counted for real below.
    to_extract = max(0, len(spans) - len(known))
    taken_from_fetch = 0
    workers = parallel.worker_count(ctx.settings.extract_workers, to_extract)
    pages = parallel.extract_pages(ctx.storage, raw_key, spans, timezone=ctx.source.timezone, workers=workers, known=known)

    articles: list[dict[str, Any]] = []
    outcomes: list[dict[str, Any]] = []
    landed_urls: set[str] = set()
    landed_hashes: set[str] = set()
    for listing in discovered["listings"]:
        outcomes.append(_listing_outcome(listing))
    # In URL order, so which of two duplicates lands does not depend on listing order.
    for candidate in candidates:
        listed_at = _parse_iso(candidate["listed_at"])
        outcome = {
            "url": candidate["url"], "kind": "article", "listed_url": candidate["listed_url"],
            "listing_url": candidate["listing_url"], "listed_at": listed_at, "times_listed": candidate["times_listed"], "http_status": None,
            "attempts": None, "fetched_at": None, "elapsed_ms": None, "bytes": None, "article_id": None,
        }
        outcomes.append(outcome)
        if candidate["status"] != "in_window":
            outcome.update(outcome="skipped", reason=candidate["status"])
            continue
        attempt = fetched[candidate["url"]]
        outcome.update(
            http_status=attempt["status"], attempts=attempt["attempts"], fetched_at=_parse_iso(attempt["fetched_at"]),
            elapsed_ms=attempt["elapsed_ms"], bytes=attempt["bytes"],
        )
        if attempt["error"]:
            outcome.update(outcome="skipped" if attempt["error"] in SKIP_FETCH_REASONS else "failed", reason=attempt["error"])
            continue

        record = next(pages)
        # Every result names the record it came from; only those without a staged result are extracted here.
        taken_from_fetch += record.member_sha256 in known
        extraction = record.extraction
        if not extraction.ok:
            kind = "skipped" if extraction.reason == "not_article" else "failed"
            outcome.update(outcome=kind, reason=f"extract_{extraction.reason}")
            continue

        published_at, precision = _publication_time(extraction, listed_at, ctx.source)
        if published_at is None:
            outcome.update(outcome="failed", reason="no_publication_date")
            continue
        if listed_at is None and not (window_start <= published_at < window_end):
            # Found without a date in the listing, and the page places it on another day.
            outcome.update(outcome="skipped", reason=lake.OTHER_DAY_REASON)
            continue

        # The same article under two URLs: same rel=canonical, or the very same text.
        page_canonical = _canonical_or_none(extraction.canonical_url)
        content_sha256 = hashlib.sha256(extraction.text.encode()).hexdigest()
        if page_canonical and page_canonical != candidate["url"] and page_canonical in landed_urls:
            outcome.update(outcome="skipped", reason="duplicate_canonical")
            continue
        if content_sha256 in landed_hashes:
            outcome.update(outcome="skipped", reason="duplicate_content")
            continue
        # Only article URLs we landed count: some sites give every page the home page as its
        # rel=canonical, and that must not make all but the first article a "duplicate".
        landed_urls.add(candidate["url"])
        landed_hashes.add(content_sha256)

        identifier = article_id(candidate["url"])
        outcome.update(outcome="landed", reason=None, article_id=identifier)
        articles.append(
            {
                "article_id": identifier,
                "url": candidate["url"],
                "listed_url": candidate["listed_url"],
                "final_url": record.target_url,
                "title": extraction.title,
                "text": extraction.text,
                "language": extraction.language,
                "published_at": published_at,
                "published_precision": precision,
                "modified_at": extraction.modified_at,
                "authors": list(extraction.authors),
                "site_name": extraction.site_name,
                "description": extraction.description,
                "image_url": extraction.image_url,
                "section": extraction.section,
                "tags": list(extraction.tags),
                "access": extraction.access,
                "canonical_url": extraction.canonical_url,
                "content_html": extraction.content_html,
                "origin_publisher": extraction.origin_publisher,
                "origin_url": extraction.origin_url,
                "listed_at": listed_at,
                "discovered_via": candidate["via"],
                "fetched_at": record.fetched_at,
                "http_status": record.status,
                "content_sha256": content_sha256,
                "raw_path": raw_key,
                "raw_offset": attempt["raw_offset"],
                "raw_length": attempt["raw_length"],
                "raw_payload_sha256": record.payload_sha256,
                "extractor": extraction.extractor,
            }
        )
    pages_done = time.perf_counter()

    # Sorted so that the same inputs give byte-identical files.
    articles.sort(key=lambda row: (row["published_at"], row["article_id"]))
    outcomes.sort(key=lambda row: (row["kind"], row["url"]))
    articles_table = pa.Table.from_pylist(articles, schema=lake.articles_schema())
    fetch_log_table = pa.Table.from_pylist(outcomes, schema=lake.fetch_log_schema())
    ctx.storage.write_bytes(ctx.staged("articles.parquet"), lake.table_to_parquet_bytes(articles_table))
    ctx.storage.write_bytes(ctx.staged("fetch_log.parquet"), lake.table_to_parquet_bytes(fetch_log_table))
    written = time.perf_counter()

    counts: dict[str, int] = {}
    for row in outcomes:
        if row["kind"] != "article":
            label = f"{row['kind']}:{row['outcome']}"
        else:
            label = row["outcome"] if row["outcome"] == "landed" else f"{row['outcome']}:{row['reason']}"
        counts[label] = counts.get(label, 0) + 1
    summary = {
        "articles": ctx.storage.url(ctx.staged("articles.parquet")), "rows": len(articles), "outcomes": counts, "workers": workers,
        "extracted_during_fetch": taken_from_fetch,
        # Where the step's time went (bench/end_to_end.py reads it from XCom): the manifests and the
        # pages (read, extracted, decided), then the Parquet files.
        "seconds": {"pages": round(pages_done - started, 3), "write": round(written - pages_done, 3)},
    }
    log.info("extracted %s", summary)
    return summary


def _canonical_or_none(url: str | None) -> str | None:
    from newslake.urls import canonicalize_url

    try:
        return canonicalize_url(url) if url else None
    except ValueError:
        return None


BYTE_ORDER_MARKS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")


def page_input(body: bytes, content_type: str | None) -> str | bytes:
    """What to hand the extractor, following the encoding order: a BOM first, then valid UTF-8
    and the HTTP header's charset (``decode_with_header_charset``), then (by passing bytes) the
    page's <meta charset>, then detection."""
    from email.message import Message

    from newslake.extraction.html_input import decode_with_header_charset

    if body.startswith(BYTE_ORDER_MARKS):
        return body
    header = Message()
    header["content-type"] = content_type or ""
    charset = header.get_content_charset()
    if charset:
        decoded = decode_with_header_charset(body, charset)
        if decoded is not None:
            return decoded
    return body  # no header charset, or a wrong or unknown one: the page and detection decide


def _publication_time(extraction, listed_at: dt.datetime | None, source: Source) -> tuple[dt.datetime | None, str | None]:
    """The page's own date wins; a date-only page date is refined by the listing's timestamp
    when both name the same local day."""
    page_date = extraction.published_at
    if page_date is None:
        return (listed_at, "datetime") if listed_at else (None, None)
    page_date = page_date.astimezone(dt.UTC)
    if extraction.published_precision == "date" and listed_at is not None:
        if listed_at.astimezone(source.tz).date() == page_date.astimezone(source.tz).date():
            return listed_at, "datetime"
    return page_date, extraction.published_precision or "datetime"


def _listing_outcome(listing: dict[str, Any]) -> dict[str, Any]:
    return {
        "url": listing["url"], "kind": listing["kind"],
        "outcome": "failed" if listing["error"] else "fetched",
        "reason": listing["error"], "listed_url": None, "listing_url": None, "listed_at": None, "times_listed": None,
        "http_status": listing["http_status"], "attempts": listing["attempts"],
        "fetched_at": _parse_iso(listing["fetched_at"]), "elapsed_ms": listing["elapsed_ms"],
        "bytes": None, "article_id": None,
    }


# -- validate and publish ---------------------------------------------------------------------


def validate(ctx: PartitionContext) -> dict[str, Any]:
    """Run the quality gate on the staged partition and build its Data Docs. On failure of a
    blocking check: quarantine it, publish the fetch log (marking its rows 'quarantined'), and
    raise PartitionRejected with GX's verdict (which check failed, on which rows)."""

    from newslake.validate import heap_frozen_for_gx, validate_partition

    # GX's import allocates so much that the garbage collector's full collections, walking the
    # whole process each time, cost 0.4-0.7 CPU s of the step: see heap_frozen_for_gx.
    with heap_frozen_for_gx():
        # Volume monitoring (newslake.volume): the day's article count against the source's earlier
        # days. A drop or spike is logged; it blocks the partition only with volume.action: fail.
        volume_check = _check_volume(ctx)

        # -- the articles contract (include/quality/articles_suite.yaml, newslake.validate): GX
        # expectations with ids and severities; a failing warn-only one is logged, publish goes on.
        table = lake.read_parquet(ctx.storage, ctx.staged("articles.parquet"))
        fetch_log = lake.read_parquet(ctx.storage, ctx.staged("fetch_log.parquet"))
        verdict = validate_partition(table, fetch_log, source=ctx.source, day=ctx.day, partition=ctx.name)
        # The volume check joins the GX verdict, so messages, validation.json and Data Docs show it too.
        verdict.add_check(_volume_outcome(ctx, volume_check))
        _build_data_docs(ctx, verdict)
    if not verdict.success:
        _quarantine(ctx, verdict.to_dict(), verdict.message())
    lake.write_json(ctx.storage, ctx.staged("validation.json"), verdict.to_dict())
    (log.warning if verdict.warnings else log.info)("validation passed: %s", verdict.message())
    return {"validation": ctx.storage.url(ctx.staged("validation.json")), "success": True, "rows": verdict.row_count,
            "warnings": len(verdict.warnings)}


def _build_data_docs(ctx: PartitionContext, verdict) -> None:
    """Data Docs of the verdict, stored with the lake (newslake.datadocs). A rendering problem
    is logged; it never decides whether the partition is published."""
    from newslake import datadocs

    try:
        datadocs.build(ctx.storage, verdict, ctx.day, ctx.source.id)
    except Exception:
        log.exception("Data Docs could not be built for %s", ctx.name)
        verdict.data_docs = None
        return
    log.info("Data Docs: %s (the day's partitions: %s)", verdict.data_docs, ctx.storage.url(datadocs.day_index_key(ctx.day)))


def _check_volume(ctx: PartitionContext):
    """Run the volume check on the staged partition and stage its verdict (volume.json) for the
    run_metrics row, which the publish step or a rejection writes."""
    import pyarrow.parquet as pq

    from newslake.volume import check_volume

    count = pq.read_metadata(ctx.storage.path(ctx.staged("articles.parquet")), filesystem=ctx.storage.filesystem).num_rows
    # A manual run's `limit` leaves some of the day's new URLs unfetched: they count as the day's
    # volume (as in the history), or a trial run would look like a drop.
    outcomes = lake.read_parquet(ctx.storage, ctx.staged("fetch_log.parquet")).select(["kind", "outcome", "reason"]).to_pylist()
    count += sum(1 for row in outcomes if row["kind"] == "article" and row["outcome"] == "skipped" and row["reason"] == "over_limit")
    check = check_volume(ctx.storage, ctx.source.id, ctx.day, count, ctx.source.volume)
    lake.write_json(ctx.storage, ctx.staged("volume.json"), check.to_dict())
    message = check.message(ctx.source.id, ctx.day)
    if check.is_anomaly:
        log.warning("%s%s", message, " — the partition is rejected (volume.action: fail)" if check.rejects else "")
    else:
        log.info("%s", message)
    return check


def _volume_outcome(ctx: PartitionContext, check) -> dict[str, Any]:
    """The volume check as one outcome of the validation verdict (ValidationVerdict.add_check):
    blocking with volume.action: fail, a warning otherwise."""
    return {
        "id": "volume",
        "expectation": f"volume_{check.status}",
        "severity": "block" if ctx.source.volume.action == "fail" else "warn",
        "success": not check.is_anomaly,
        "column": None,
        "observed": check.message(ctx.source.id, ctx.day),
        "unexpected_count": None,
        "examples": [],
        "volume": check.to_dict(),
    }


def _quarantine(ctx: PartitionContext, verdict: dict[str, Any], message: str) -> None:
    """Reject the staged partition: record the run, keep its articles and verdict under
    quarantine/, publish the fetch log with its rows 'quarantined', and raise PartitionRejected."""
    quarantine = lake.quarantine_prefix(ctx.day, ctx.source.id)
    lake.write_json(ctx.storage, ctx.staged("validation.json"), verdict)
    _write_run_metrics(ctx, verdict)
    ctx.storage.copy(ctx.staged("articles.parquet"), f"{quarantine}/{lake.PARTITION_FILE}")
    lake.write_json(ctx.storage, f"{quarantine}/validation.json", verdict)
    _publish_fetch_log(ctx, quarantined=True)
    lake.write_json(ctx.storage, lake.validation_key(ctx.day, ctx.source.id), verdict)
    raise PartitionRejected(f"{message}\nThe partition was NOT published; it is kept at {ctx.storage.url(quarantine)}")


def publish(ctx: PartitionContext) -> dict[str, Any]:
    """Make the validated partition visible: one atomic replace per table, then clean up.
    Staging goes last, so a crash anywhere here is repaired by running publish again."""
    target = lake.articles_key(ctx.day, ctx.source.id)
    if not ctx.storage.exists(ctx.staged("articles.parquet")) and ctx.storage.exists(target):
        # A retry after a crash between the clean-up and the end of the task: already done.
        rows = lake.read_parquet(ctx.storage, target).num_rows
        log.info("already published: %d articles at %s", rows, ctx.storage.url(target))
        ctx.storage.delete_prefix(lake.staging_prefix(ctx.day, ctx.source.id))  # finish a clean-up a crash cut short
        return {"partition": ctx.storage.url(target), "rows": rows}
    verdict = lake.read_json(ctx.storage, ctx.staged("validation.json"))
    if verdict.get("warnings"):
        log.warning("publishing %s with %d validation warning(s): %s", ctx.name, len(verdict["warnings"]),
                    ", ".join(str(item.get("id") or item.get("expectation")) for item in verdict["warnings"]))
    _write_run_metrics(ctx, verdict)
    ctx.storage.copy(ctx.staged("articles.parquet"), target)
    _publish_fetch_log(ctx, quarantined=False)
    ctx.storage.copy(ctx.staged("validation.json"), lake.validation_key(ctx.day, ctx.source.id))
    ctx.storage.delete_prefix(lake.quarantine_prefix(ctx.day, ctx.source.id))
    # The staged articles file tells a retry that publishing is unfinished, so it goes first: a
    # local folder is deleted file by file, and a crash that left it beside an already deleted
    # staged fetch log or verdict would make every retry fail on the missing file.
    ctx.storage.delete(ctx.staged("articles.parquet"))
    ctx.storage.delete_prefix(lake.staging_prefix(ctx.day, ctx.source.id))
    rows = lake.read_parquet(ctx.storage, target).num_rows
    log.info("published %d articles to %s", rows, ctx.storage.url(target))
    return {"partition": ctx.storage.url(target), "rows": rows}


def _write_run_metrics(ctx: PartitionContext, verdict: dict[str, Any]) -> None:
    """One row per run of the partition (replaced by the next run): what was listed and what
    became of it, bytes, step durations and the validation outcome."""
    import pyarrow as pa

    from newslake.extract import EXTRACTOR_NAME, EXTRACTOR_VERSION

    outcomes = lake.read_parquet(ctx.storage, ctx.staged("fetch_log.parquet")).to_pylist()
    articles = [row for row in outcomes if row["kind"] == "article"]
    reasons: dict[str, int] = {}
    for row in articles:
        if row["outcome"] in ("failed", "skipped"):
            label = f"{row['outcome']}:{row['reason']}"
            reasons[label] = reasons.get(label, 0) + 1
    metrics_key = ctx.staged("metrics.json")
    seconds = lake.read_json(ctx.storage, metrics_key) if ctx.storage.exists(metrics_key) else {}
    passed = bool(verdict.get("success"))
    counts = lake.article_outcome_counts(outcomes, validation_passed=passed)
    row = {
        "finished_at": dt.datetime.now(dt.UTC),
        **{column: counts[column] for column in ("listed", "landed", "skipped", "failed", "quarantined")},
        "outcome_reasons": json.dumps(reasons, sort_keys=True),
        "listings_failed": sum(1 for r in outcomes if r["kind"] != "article" and r["outcome"] == "failed"),
        "bytes_fetched": sum(r["bytes"] or 0 for r in articles),
        "discover_seconds": seconds.get("discover_seconds"),
        "fetch_seconds": seconds.get("fetch_seconds"),
        "extract_seconds": seconds.get("extract_seconds"),
        "validation_passed": passed,
        "expectations_failed": len(verdict.get("failures") or []),
        "validation_status": verdict.get("status") or ("passed" if passed else "failed"),
        "validation_warnings": len(verdict.get("warnings") or []),
        "extractor": f"{EXTRACTOR_NAME} {EXTRACTOR_VERSION}",
        "reextracted": "restage_from_raw_seconds" in seconds,
        **_volume_columns(ctx),
    }
    table = pa.Table.from_pylist([row], schema=lake.run_metrics_schema())
    ctx.storage.write_bytes(lake.run_metrics_key(ctx.day, ctx.source.id), lake.table_to_parquet_bytes(table))
    _write_health_summary(ctx)


def _write_health_summary(ctx: PartitionContext) -> None:
    """Refresh the day's lake_health summary (every source's run_metrics row of D in one file,
    for the lake health page). A problem is logged: the page falls back to run_metrics, and the
    partition's fate never depends on it."""
    from newslake import health

    try:
        health.write_day_summary(ctx.storage, ctx.day)
    except Exception:
        log.exception("lake_health summary of %s could not be written", ctx.day)


def _volume_columns(ctx: PartitionContext) -> dict[str, Any]:
    """run_metrics' volume_* columns from the verdict validate staged (nulls without one)."""
    key = ctx.staged("volume.json")
    check = lake.read_json(ctx.storage, key) if ctx.storage.exists(key) else {}
    return {"volume_median": check.get("median"), "volume_history_days": check.get("history_days"), "volume_status": check.get("status")}


def _publish_fetch_log(ctx: PartitionContext, *, quarantined: bool) -> None:
    import pyarrow as pa
    import pyarrow.compute as pc

    table = lake.read_parquet(ctx.storage, ctx.staged("fetch_log.parquet"))
    if quarantined:
        landed = pc.equal(table["outcome"], "landed")
        is_article = pc.equal(table["kind"], "article")
        mask = pc.and_(landed, is_article)
        table = table.set_column(
            table.schema.get_field_index("outcome"), "outcome", pc.if_else(mask, pa.scalar("quarantined"), table["outcome"])
        )
        table = table.set_column(
            table.schema.get_field_index("reason"), "reason", pc.if_else(mask, pa.scalar("validation_failed"), table["reason"])
        )
        table = table.cast(lake.fetch_log_schema())
    ctx.storage.write_bytes(lake.fetch_log_key(ctx.day, ctx.source.id), lake.table_to_parquet_bytes(table))


# -- helpers ----------------------------------------------------------------------------------


def _iso(value: dt.datetime | None) -> str | None:
    return value.astimezone(dt.UTC).isoformat() if value else None


def _parse_iso(value: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if value else None



# -- story clusters ---------------------------------------------------------------------------

CLUSTER_WINDOW_DAYS = 2


def stale_story_cluster_days(storage: Storage) -> list[dt.date]:
    """Days whose story clusters are missing or older than an articles partition they depend on
    (day D's clusters read the articles of D-CLUSTER_WINDOW_DAYS … D). Asset-triggered runs can
    miss a day (Airflow folds events that arrive while a run is being created into that run's
    queue entry), so every story-clusters run also catches up on these; it is one listing of
    ``articles/`` and ``story_clusters/``."""
    articles_mtime: dict[dt.date, dt.datetime] = {}
    for item in storage.list_with_mtime("articles"):
        day = _day_of_key(item.key)
        if day is not None and item.key.endswith(".parquet"):
            articles_mtime[day] = max(item.mtime, articles_mtime.get(day, item.mtime))
    clusters_mtime = {
        day: item.mtime for item in storage.list_with_mtime("story_clusters") if (day := _day_of_key(item.key)) is not None
    }
    stale = []
    for day in articles_mtime:
        inputs = [articles_mtime[d] for back in range(CLUSTER_WINDOW_DAYS + 1) if (d := day - dt.timedelta(days=back)) in articles_mtime]
        if day not in clusters_mtime or max(inputs) > clusters_mtime[day]:
            stale.append(day)
    return sorted(stale)


def _day_of_key(key: str) -> dt.date | None:
    """The ``dt=YYYY-MM-DD`` partition of a lake key, if it has one."""
    for part in key.split("/"):
        if part.startswith("dt="):
            try:
                return dt.date.fromisoformat(part[3:])
            except ValueError:
                return None
    return None


def cluster_stories(storage: Storage, day: dt.date, aggregator_ids: set[str]) -> dict[str, Any]:
    """Cluster the articles of ``day`` with those of the CLUSTER_WINDOW_DAYS days before (an
    aggregator often republishes a day later) and write ``story_clusters/dt=day/``."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from newslake.dedup import ArticleForClustering, cluster_articles
    from newslake.queries import LakeReader

    window = [day - dt.timedelta(days=back) for back in range(CLUSTER_WINDOW_DAYS, -1, -1)]
    rows = (
        LakeReader(storage)
        .dataset("articles")
        .to_table(columns=["article_id", "source", "text", "published_at", "dt"], filter=pc.field("dt").isin(window))
        .to_pylist()
    )
    articles = [
        ArticleForClustering(r["article_id"], r["source"], r["text"], r["published_at"], r["source"] in aggregator_ids) for r in rows
    ]
    sources_of_the_day = {r["article_id"]: r["source"] for r in rows if r["dt"] == day}
    assignments = [a for a in cluster_articles(articles) if a.article_id in sources_of_the_day]
    table = pa.Table.from_pylist(
        [
            {"article_id": a.article_id, "source": sources_of_the_day[a.article_id], "cluster_id": a.cluster_id,
             "cluster_size": a.cluster_size, "is_canonical_copy": a.is_canonical_copy}
            for a in assignments
        ],
        schema=lake.story_clusters_schema(),
    )
    key = lake.story_clusters_key(day)
    storage.write_bytes(key, lake.table_to_parquet_bytes(table))
    copies = sum(1 for a in assignments if not a.is_canonical_copy)
    summary = {"story_clusters": storage.url(key), "articles": len(assignments), "stories": len(assignments) - copies, "copies": copies}
    log.info("clustered %s", summary)
    return summary
