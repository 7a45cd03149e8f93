"""The source-side fault matrix (issue #9), at the pipeline level: every fault class a news source can
throw at us, in one daily run, on a local lake.

One source's feed lists the good articles and one URL per fault class of tests/faultsite.py (``FAULTS``:
HTTP status classes, Retry-After, resets, timeouts, truncated, oversized and gzip-bomb bodies, charsets,
binary and non-HTML content, redirect loops and chains, redirects to and listings of internal addresses,
robots.txt deny and 5xx, DNS and TLS failures, empty and unextractable pages, repeats and mirrors).
A second source reads feeds and sitemaps that are themselves faulty (``LISTING_FAULTS``: malformed,
truncated, entity-bomb, huge and mislabelled feeds, a self-listing sitemap index, a gzip-bomb sitemap)
beside one good feed. ``pipeline.discover/fetch/extract/validate/publish`` run for both, for real,
against the fault site on 127.0.0.1. The tests then read the published lake and prove:

* no step raised, and both partitions were published (a fault costs its own URL, never the run);
* every URL the run discovered has exactly one fetch_log row, and no row is for a URL it did not discover;
* each fault class has the outcome, reason, HTTP status and attempt count FAULTS expects, and the site
  received exactly the requests it should (retries, hops, nothing for refused URLs);
* Retry-After was honoured; no connection went anywhere but 127.0.0.0/8 (the SSRF guard refuses the
  private and link-local targets before connecting);
* the good articles, and the faulty pages that are still articles (recovered retries, bad charsets,
  control characters, repeats), landed with the right text; nothing else landed;
* run_metrics counts add up to the discovered total, reason by reason; the quality gate saw the failures;
* each listing fault's outcome is recorded (fetch_log rows of kind feed/sitemap and the raw zone's
  discovered.json), and the good listings' articles still land;
* when every listing of a source fails, discover fails the task, having recorded every listing's failure.

``FAULT_CLASSES`` is the table the docs quote: name, level, what the source does, the recorded outcome.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import ipaddress
import json
import socket
import traceback
from collections import Counter
from typing import Any, NamedTuple

import pytest

from faultsite import (
    CONTROL_CHARACTERS,
    DAY,
    FAULT_HTTP,
    FAULTS,
    GOOD_ARTICLES,
    LISTING_ARTICLES,
    LISTING_FAULTS,
    MAX_ATTEMPTS,
    MAX_PAGE_BYTES,
    METADATA_URL,
    PRIVATE_ADDRESS,
    PUBLISHED,
    RETRY_AFTER,
    TIMEZONE,
    FaultSite,
)
from newslake import lake, pipeline
from newslake.config import Settings, Source
from newslake.storage import Storage
from newslake.urls import canonicalize_url

STEPS = ("discover", "fetch", "extract", "validate", "publish")
ARTICLE_SOURCE = "fault-articles"
LISTING_SOURCE = "fault-listings"


class FaultClass(NamedTuple):
    name: str
    level: str  # article | feed | sitemap
    source_does: str
    expected: str  # fetch_log outcome[:reason]


FAULT_CLASSES: tuple[FaultClass, ...] = tuple(
    [FaultClass(f.name, "article", f.does, f.expected) for f in FAULTS.values()]
    + [FaultClass(f.name, f.kind, f.does, f.expected) for f in LISTING_FAULTS.values()]
)


class FaultContext(pipeline.PartitionContext):
    """The production context with the matrix's short timeouts and few retries (FAULT_HTTP), so the
    slow faults cost about a second each; everything else (robots, SSRF guard, caps) as in production."""

    def http_settings(self):
        return dataclasses.replace(super().http_settings(), **FAULT_HTTP)


@dataclasses.dataclass
class SourceRun:
    ctx: pipeline.PartitionContext
    errors: dict[str, str]  # step -> traceback of what it raised

    @property
    def storage(self) -> Storage:
        return self.ctx.storage

    def _table(self, key: str) -> list[dict[str, Any]]:
        return lake.read_parquet(self.storage, key).to_pylist()

    def fetch_log(self) -> list[dict[str, Any]]:
        return self._table(lake.fetch_log_key(DAY, self.ctx.source.id))

    def articles(self) -> dict[str, dict[str, Any]]:
        return {row["url"]: row for row in self._table(lake.articles_key(DAY, self.ctx.source.id))}

    def run_metrics(self) -> dict[str, Any]:
        [row] = self._table(lake.run_metrics_key(DAY, self.ctx.source.id))
        return row

    def discovered(self) -> dict[str, Any]:
        """What discover listed, as kept in the raw zone (staging is gone once published)."""
        return lake.read_json(self.storage, lake.raw_manifest_key(DAY, self.ctx.source.id, "discovered.json"))

    def article_row(self, url: str) -> dict[str, Any]:
        rows = [row for row in self.fetch_log() if row["kind"] == "article" and row["url"] == url]
        assert len(rows) == 1, f"{url}: {len(rows)} fetch_log rows"
        return rows[0]


def make_source(source_id: str, feeds: list[str], sitemaps: list[str] = ()) -> Source:
    # The matrix fails far more than half of its URLs on purpose; a real source doing that is
    # quarantined (quality.max_failed_fetch_share), here the gate records it as a warning.
    return Source(id=source_id, name=source_id, languages=("en", "fr"), timezone=TIMEZONE, feeds=tuple(feeds),
                  sitemaps=tuple(sitemaps), requests_per_second=100, quality={"warn_only": ("failed_fetch_share",)})


def run_steps(ctx: pipeline.PartitionContext) -> SourceRun:
    """Run the five steps as the DAG does, stopping at the first that raises (and recording it)."""
    errors: dict[str, str] = {}
    for step in STEPS:
        try:
            getattr(pipeline, step)(ctx)
        except Exception:
            errors[step] = traceback.format_exc()
            break
    return SourceRun(ctx, errors)


class ConnectionLog:
    """Every address a socket of this process connected to (asyncio connects through socket.connect)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.addresses: list[str] = []
        original_connect, original_connect_ex = socket.socket.connect, socket.socket.connect_ex
        log = self.addresses

        def connect(sock, address):
            if sock.family in (socket.AF_INET, socket.AF_INET6):
                log.append(address[0])
            return original_connect(sock, address)

        def connect_ex(sock, address):
            if sock.family in (socket.AF_INET, socket.AF_INET6):
                log.append(address[0])
            return original_connect_ex(sock, address)

        monkeypatch.setattr(socket.socket, "connect", connect)
        monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)


@pytest.fixture(scope="module")
def site():
    fault_site = FaultSite()
    yield fault_site
    fault_site.close()


@pytest.fixture(scope="module")
def matrix(site, tmp_path_factory):
    """Both sources run for DAY on one local lake; returns {source id: SourceRun} and the connection log."""
    root = tmp_path_factory.mktemp("fault-matrix")
    storage = Storage(str(root / "lake"))
    settings = Settings(allowed_networks="127.0.0.0/8", max_page_bytes=MAX_PAGE_BYTES, politeness_dir=str(root / "politeness"))
    listing_feeds, listing_sitemaps = site.listing_source_urls()
    sources = [
        make_source(ARTICLE_SOURCE, [site.url("/feed.xml")]),
        make_source(LISTING_SOURCE, listing_feeds, listing_sitemaps),
    ]
    with pytest.MonkeyPatch.context() as monkeypatch:
        connections = ConnectionLog(monkeypatch)
        runs = {source.id: run_steps(FaultContext(source, DAY, storage, settings)) for source in sources}
    return runs, connections.addresses


@pytest.fixture(scope="module")
def runs(matrix) -> dict[str, SourceRun]:
    return matrix[0]


def completed_run(runs: dict[str, SourceRun], source_id: str, label: str) -> SourceRun:
    """The source's run, or the test fails with the traceback of the step that raised."""
    run = runs[source_id]
    if run.errors:
        pytest.fail(f"the {label} run did not complete:\n{next(iter(run.errors.values()))}")
    return run


@pytest.fixture(scope="module")
def articles_run(runs) -> SourceRun:
    return completed_run(runs, ARTICLE_SOURCE, "article-fault")


@pytest.fixture(scope="module")
def listings_run(runs) -> SourceRun:
    return completed_run(runs, LISTING_SOURCE, "listing-fault")


def fault_url(site: FaultSite, name: str) -> str:
    return canonicalize_url(site.fault_url(FAULTS[name]))


# -- the run as a whole -----------------------------------------------------------------------------


@pytest.mark.parametrize("source_id", [ARTICLE_SOURCE, LISTING_SOURCE])
def test_no_step_raised_and_the_partition_was_published(runs, source_id):
    run = runs[source_id]
    assert run.errors == {}, "\n".join(f"{step} raised:\n{trace}" for step, trace in run.errors.items())
    for key in (lake.articles_key(DAY, source_id), lake.fetch_log_key(DAY, source_id), lake.run_metrics_key(DAY, source_id)):
        assert run.storage.exists(key), key
    assert run.storage.list(lake.quarantine_prefix(DAY, source_id)) == []
    assert run.storage.list(lake.staging_prefix(DAY, source_id)) == []


@pytest.mark.parametrize("source_id", [ARTICLE_SOURCE, LISTING_SOURCE])
def test_every_discovered_url_has_exactly_one_fetch_log_row(runs, source_id):
    run = runs[source_id]
    if run.errors:
        pytest.fail(f"{source_id} did not complete: {sorted(run.errors)}")
    discovered = run.discovered()
    fetch_log = run.fetch_log()
    article_rows = Counter(row["url"] for row in fetch_log if row["kind"] == "article")
    candidates = [row["url"] for row in discovered["candidates"]]
    assert len(candidates) == len(set(candidates))
    assert {url: count for url, count in article_rows.items() if count != 1} == {}
    assert sorted(article_rows) == sorted(candidates)
    listing_rows = Counter((row["kind"], row["url"]) for row in fetch_log if row["kind"] != "article")
    assert sorted(listing_rows.elements()) == sorted((item["kind"], item["url"]) for item in discovered["listings"])


def test_the_feed_listed_every_fault_class_and_good_article(site, articles_run):
    expected = {canonicalize_url(site.url(path)) for path in GOOD_ARTICLES} | {fault_url(site, name) for name in FAULTS}
    assert {row["url"] for row in articles_run.discovered()["candidates"]} == expected
    assert all(row["status"] == "in_window" for row in articles_run.discovered()["candidates"])


def test_run_metrics_add_up_to_the_discovered_total(articles_run):
    metrics = articles_run.run_metrics()
    discovered = len(articles_run.discovered()["candidates"])
    assert metrics["listed"] == discovered == len(GOOD_ARTICLES) + len(FAULTS)
    assert metrics["landed"] + metrics["skipped"] + metrics["failed"] + metrics["quarantined"] == discovered
    expected_landed = len(GOOD_ARTICLES) + sum(1 for f in FAULTS.values() if f.outcome == "landed")
    assert (metrics["landed"], metrics["quarantined"]) == (expected_landed, 0)
    expected_reasons = Counter(f.expected for f in FAULTS.values() if f.outcome != "landed")
    assert Counter(json.loads(metrics["outcome_reasons"])) == expected_reasons
    assert metrics["listings_failed"] == 0
    # The gate saw every failure: the failed share is a warning here (quality.warn_only), not a pass.
    failed = sum(1 for f in FAULTS.values() if f.outcome == "failed")
    assert metrics["failed"] == failed
    assert (metrics["validation_passed"], metrics["validation_status"]) == (True, "warned")
    verdict = lake.read_json(articles_run.storage, lake.validation_key(DAY, ARTICLE_SOURCE))
    assert [item["id"] for item in verdict["warnings"]] == ["failed_fetch_share"]
    assert verdict["partition_stats"]["failed_fetch_share"] == round(failed / discovered, 4)


def test_good_articles_and_only_the_recovered_faults_landed(site, articles_run):
    landed = articles_run.articles()
    expected = {canonicalize_url(site.url(path)) for path in GOOD_ARTICLES}
    expected |= {fault_url(site, f.name) for f in FAULTS.values() if f.outcome == "landed"}
    assert sorted(landed) == sorted(expected)
    for number, path in enumerate(GOOD_ARTICLES, start=1):
        row = landed[canonicalize_url(site.url(path))]
        assert row["title"] == f"Good story {number}"
        assert f"good story number {number} about the harbour" in row["text"]
    for row in landed.values():
        assert row["published_at"] == dt.datetime.fromisoformat(PUBLISHED), row["url"]
        assert not set(row["text"]) & set(CONTROL_CHARACTERS), row["url"]


@pytest.mark.parametrize("name", list(FAULTS))
def test_fault_class_outcome(site, articles_run, name):
    fault = FAULTS[name]
    row = articles_run.article_row(fault_url(site, name))
    got = {k: row[k] for k in ("outcome", "reason", "http_status", "attempts", "times_listed")}
    want = {"outcome": fault.outcome, "reason": fault.reason, "http_status": fault.http_status, "attempts": fault.attempts,
            "times_listed": fault.times_listed}
    assert got == want
    if fault.hits is not None:
        assert site.fault_hits(fault) == fault.hits, "requests the site received for this fault's URLs"
    article = articles_run.articles().get(row["url"])
    assert (article is not None) == (fault.outcome == "landed")
    if article is not None:
        assert row["article_id"] == article["article_id"]
        if fault.text:
            assert fault.text in article["text"]


def test_reextraction_from_the_raw_zone_reproduces_every_outcome(articles_run):
    # Every successful response (the empty 200 included) is in the raw zone, so rebuilding the
    # partition without the network gives each URL the outcome the live run gave it.
    ctx = articles_run.ctx
    columns = ("kind", "url", "outcome", "reason", "http_status", "attempts", "article_id")

    def outcomes(table) -> list[tuple]:
        return sorted(tuple(row[c] for c in columns) for row in table.to_pylist())

    try:
        pipeline.restage_from_raw(ctx)
        pipeline.extract(ctx)
        rebuilt = outcomes(lake.read_parquet(ctx.storage, ctx.staged("fetch_log.parquet")))
    finally:
        ctx.storage.delete_prefix(lake.staging_prefix(DAY, ARTICLE_SOURCE))
    assert rebuilt == outcomes(lake.read_parquet(ctx.storage, lake.fetch_log_key(DAY, ARTICLE_SOURCE)))


@pytest.mark.parametrize("name", ["http_429_retry_after", "http_503_retry_after"])
def test_retry_after_is_honoured(site, articles_run, name):
    prefix = f"/fault/{name}/"
    times = [request.at for request in site.requests if request.path.startswith(prefix)]
    assert len(times) == 2
    assert times[1] - times[0] >= RETRY_AFTER - 0.05


def test_a_host_with_a_failing_robots_txt_is_asked_for_nothing_else(site, articles_run):
    assert site.robots_down.paths() == ["/robots.txt"] * MAX_ATTEMPTS  # retried like any 5xx, then left alone


def test_no_connection_left_loopback(matrix):
    _, addresses = matrix
    assert addresses, "the connection log saw nothing: it no longer observes the client's sockets"
    outside = sorted({address for address in addresses if not ipaddress.ip_address(address.split("%")[0]).is_loopback})
    assert outside == []
    assert PRIVATE_ADDRESS not in addresses and METADATA_URL.split("/")[2] not in addresses


# -- listing faults ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(LISTING_FAULTS))
def test_listing_fault_outcome(site, listings_run, name):
    fault = LISTING_FAULTS[name]
    url = site.url(fault.path)
    [row] = [row for row in listings_run.fetch_log() if row["kind"] == fault.kind and row["url"] == url]
    assert (row["outcome"], row["reason"]) == (fault.outcome, fault.reason)
    [listing] = [item for item in listings_run.discovered()["listings"] if item["url"] == url]
    assert (listing["error"], listing["items"]) == (fault.reason, fault.items)
    assert site.hits(fault.path) == fault.hits


def test_good_listings_still_land_their_articles(site, listings_run):
    expected = sorted(canonicalize_url(site.url(path)) for path in LISTING_ARTICLES)
    assert sorted(listings_run.articles()) == expected
    assert sorted(row["url"] for row in listings_run.discovered()["candidates"]) == expected
    [bomb_item] = [row for row in listings_run.discovered()["candidates"] if row["url"].endswith("/entity-bomb.html")]
    assert "lollol" not in (bomb_item["title"] or "")  # listed, never expanded
    metrics = listings_run.run_metrics()
    assert metrics["listed"] == metrics["landed"] == len(LISTING_ARTICLES)
    assert metrics["listings_failed"] == sum(1 for f in LISTING_FAULTS.values() if f.outcome == "failed")


def test_a_source_whose_every_listing_fails_fails_discover_with_each_listing_recorded(site, tmp_path):
    broken = [f for f in LISTING_FAULTS.values() if f.outcome == "failed"]
    source = make_source("fault-all-broken", [site.url(f.path) for f in broken if f.kind == "feed"],
                         [site.url(f.path) for f in broken if f.kind == "sitemap"])
    settings = Settings(allowed_networks="127.0.0.0/8", max_page_bytes=MAX_PAGE_BYTES, politeness_dir=str(tmp_path / "politeness"))
    ctx = FaultContext(source, DAY, Storage(str(tmp_path / "lake")), settings)
    with pytest.raises(RuntimeError, match="every feed and sitemap failed") as raised:
        pipeline.discover(ctx)
    for fault in broken:
        assert f"{site.url(fault.path)} ({fault.reason})" in str(raised.value)
    rows = lake.read_parquet(ctx.storage, lake.fetch_log_key(DAY, source.id)).to_pylist()
    assert sorted((row["url"], row["outcome"], row["reason"]) for row in rows) == sorted(
        (site.url(f.path), "failed", f.reason) for f in broken
    )


# -- the table --------------------------------------------------------------------------------------


def test_fault_classes_table_is_complete_and_every_class_was_exercised(site, articles_run, listings_run):
    names = [entry.name for entry in FAULT_CLASSES]
    assert len(names) == len(set(names))
    assert sum(1 for entry in FAULT_CLASSES if entry.level == "article") >= 22
    assert len(FAULT_CLASSES) >= 25
    assert all(entry.source_does and entry.expected for entry in FAULT_CLASSES)
    article_rows = {row["url"]: row for row in articles_run.fetch_log() if row["kind"] == "article"}
    listing_rows = {(row["kind"], row["url"]) for row in listings_run.fetch_log() if row["kind"] != "article"}
    exercised = {name for name in FAULTS if fault_url(site, name) in article_rows}
    exercised |= {f.name for f in LISTING_FAULTS.values() if (f.kind, site.url(f.path)) in listing_rows}
    assert sorted(exercised) == sorted(names)


def test_the_reliability_doc_lists_every_fault_class_with_its_outcome():
    """docs/RELIABILITY.md quotes this table: it must not drift from what the test asserts."""
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[1] / "docs" / "RELIABILITY.md").read_text(encoding="utf-8")
    missing = [f.name for f in FAULT_CLASSES if f"| `{f.name}` | {f.level} | {f.source_does} | `{f.expected}` |" not in doc]
    assert missing == [], f"docs/RELIABILITY.md lacks (or has another outcome for) {missing}"
