"""Infrastructure faults (issue #9): the lake's storage or Airflow's metadata DB misbehaves while
a day runs. For each class in INFRA_FAULT_CLASSES the tests below make the fault really happen —
a real S3 protocol server (moto) behind a fault-injecting proxy on 127.0.0.1 (tests/faultproxy.py),
a real tmpfs that fills up or turns read-only, a real second process holding SQLite's lock — and
prove the stated outcome:

- the step that meets the fault fails with an error that says what and where (or the fault is
  absorbed by a retry), and nothing else breaks;
- readers of the published partition see one whole version, never a torn or half-written file;
- after the fault is gone, retrying the step (what Airflow does) converges: the lake ends with the
  rows of an undisturbed run (same bytes where the inputs are the same);
- every URL discovered has exactly one fetch_log row once the run has converged.

The undisturbed run (the ``reference`` fixture) is the same tiny site crawled on a clean local
lake. Rows are compared without the columns measured at fetch time (VOLATILE_COLUMNS).
"""

from __future__ import annotations

import datetime as dt
import errno
import io
import json
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import pyarrow.parquet as pq
import pytest

from faultproxy import FaultProxy
from newslake import lake, maintenance, pipeline
from newslake.config import Settings, Source
from newslake.storage import S3Options, Storage
from newsserver import two_article_site, use_one_source


class InfraFault(NamedTuple):
    name: str
    what_happens: str
    expected_outcome: str
    proven_by: tuple[str, ...]


INFRA_FAULT_CLASSES: tuple[InfraFault, ...] = (
    InfraFault(
        "s3_endpoint_down",
        "The S3 endpoint refuses connections (nothing listening) when a step starts; every step in turn.",
        "The step fails within the SDK's bounded retries (seconds, no hang) with an OSError naming the bucket, the key and "
        "the endpoint; no object is created or changed. Once the endpoint is back, the retried step carries on and the run "
        "converges to the rows of an undisturbed run.",
        ("test_s3_endpoint_down_at_the_start_of_each_step",),
    ),
    InfraFault(
        "s3_5xx_mid_write",
        "A write of fetch (raw WARC), extract (staged articles) or publish (articles copy) gets 500 InternalError, "
        "503 SlowDown, or a dropped connection (before S3 applied it, or after).",
        "One such error is absorbed by the SDK's own retry: the step succeeds with the same bytes. Errors on every attempt "
        "fail the step with an OSError naming the key and the S3 error; readers of the published partition see one whole "
        "version (the previous one, or the new one when S3 applied the copy before the connection dropped), never a torn "
        "file; no incomplete multipart upload is left behind; the retried step converges.",
        ("test_s3_errors_mid_write",),
    ),
    InfraFault(
        "local_disk_full",
        "The local lake's disk is full (ENOSPC) when a step starts; every step in turn.",
        "The step fails with OSError errno ENOSPC; the previously published partition is intact; no temporary or partial "
        "file is left; what the run staged is listed by the maintenance step's orphaned-staging clean-up; once space is "
        "freed, the retried step converges.",
        ("test_disk_full_local_lake_at_the_start_of_each_step",),
    ),
    InfraFault(
        "local_lake_read_only",
        "The local lake's filesystem turns read-only (EROFS) before publish.",
        "publish fails with OSError errno EROFS and changes nothing; once writable again, the retried publish converges.",
        ("test_read_only_local_lake_at_publish",),
    ),
    InfraFault(
        "raw_object_missing_at_reextraction",
        "The raw WARC object of a partition is gone when the partition is re-extracted.",
        "restage_from_raw fails with FileNotFoundError naming the missing object, before staging or publishing anything; "
        "the published partition is untouched; with the object back, re-extraction gives the same bytes.",
        ("test_raw_object_missing_at_reextraction",),
    ),
    InfraFault(
        "metadata_db_locked",
        "Another process holds an exclusive lock on Airflow's SQLite metadata DB for a while during a DAG run "
        "(shorter, then longer than SQLite's busy timeout).",
        "Shorter: Airflow waits (busy timeout) and no task fails. Longer: the running task's state/XCom write fails with "
        "a database error, Airflow retries the task (retries=2) and the run succeeds. Either way the lake ends with the "
        "rows of an undisturbed run.",
        ("test_metadata_db_locked_during_a_dag_run",),
    ),
)

DAY = dt.date(2026, 11, 24)
SOURCE_ID = "tiny-daily"
STEPS = (pipeline.discover, pipeline.fetch, pipeline.extract, pipeline.validate, pipeline.publish)
# Measured at fetch time: when, how long, how many tries, and where in a WARC file whose record
# headers carry a fresh date and id. Everything else must be equal to the undisturbed run's.
VOLATILE_COLUMNS = frozenset({"fetched_at", "elapsed_ms", "attempts", "raw_offset", "raw_length"})
# S3 requests that carry an object's bytes (single PUT, multipart part, server-side copy).
DATA_WRITES = {"put", "upload_part", "copy"}
# pysqlite's default busy timeout; Airflow sets none (sql_alchemy_connect_args is empty).
SQLITE_BUSY_TIMEOUT_SECONDS = 5.0


# -- the site, the undisturbed run, shared checks ------------------------------------------------


@pytest.fixture(scope="module")
def site():
    """Two articles of DAY; /feed-v1.xml lists only the first (an earlier, smaller version of the day)."""
    tiny = two_article_site()
    tiny.rss("/feed-v1.xml", [("/a.html", "Tue, 24 Nov 2026 10:00:00 +0100")])
    yield tiny
    tiny.close()


def context(site, storage: Storage, feed: str = "/feed.xml") -> pipeline.PartitionContext:
    source = Source(id=SOURCE_ID, name="Tiny Daily", languages=("en",), timezone="Africa/Casablanca",
                    feeds=(f"{site.base_url}{feed}",), requests_per_second=50)
    return pipeline.PartitionContext(source, DAY, storage, Settings(allowed_networks="127.0.0.0/8"))


def run_steps(ctx: pipeline.PartitionContext, steps=STEPS) -> None:
    for step in steps:
        step(ctx)


_VERDICTS: dict[str, dict[str, bytes]] = {}


def validate_once(ctx: pipeline.PartitionContext) -> None:
    """pipeline.validate, for real the first time some rows are staged. Later, the same staged
    rows up to VOLATILE_COLUMNS get the same verdict, staged as validate stages it: tests whose
    fault is elsewhere are spared Great Expectations' seconds per run. (Of those columns the
    contract reads only fetched_at >= published_at and attempts being set, true in every run here.)"""
    staged = {name: stable_rows(lake.read_parquet(ctx.storage, ctx.staged(name))) for name in ("articles.parquet", "fetch_log.parquet")}
    key = json.dumps(staged, default=str, sort_keys=True)
    if key not in _VERDICTS:
        pipeline.validate(ctx)
        _VERDICTS[key] = {name: ctx.storage.read_bytes(ctx.staged(name)) for name in ("validation.json", "volume.json")}
        return
    for name, data in _VERDICTS[key].items():
        ctx.storage.write_bytes(ctx.staged(name), data)


# The steps, validation spared when the same rows were validated before (see validate_once).
QUICK_STEPS = (pipeline.discover, pipeline.fetch, pipeline.extract, validate_once, pipeline.publish)


def stable_rows(table, source_id: str = SOURCE_ID) -> list[dict]:
    """The rows without VOLATILE_COLUMNS, in a fixed order; the raw zone key named as if the
    source were SOURCE_ID, so a run of the same site under another source id compares."""
    keep = [name for name in table.column_names if name not in VOLATILE_COLUMNS]
    rows = sorted(table.select(keep).to_pylist(), key=lambda row: (row.get("kind") or "", row["url"]))
    for row in rows:
        if row.get("raw_path"):
            row["raw_path"] = row["raw_path"].replace(f"/source={source_id}/", f"/source={SOURCE_ID}/")
    return rows


class Reference(NamedTuple):
    articles: list[dict]
    fetch_log: list[dict]


@pytest.fixture(scope="module")
def reference(site, tmp_path_factory) -> Reference:
    storage = Storage(str(tmp_path_factory.mktemp("undisturbed") / "lake"))
    run_steps(context(site, storage), QUICK_STEPS)  # validates for real: the first run of these rows
    # The earlier, one-article version of the day, validated once here on a local lake (cheaper than on S3).
    run_steps(context(site, Storage(str(tmp_path_factory.mktemp("undisturbed-v1") / "lake")), "/feed-v1.xml"), QUICK_STEPS[:4])
    assert_every_url_accounted_for(storage)
    articles = lake.read_parquet(storage, lake.articles_key(DAY, SOURCE_ID))
    assert articles.num_rows == 2
    return Reference(stable_rows(articles), stable_rows(lake.read_parquet(storage, lake.fetch_log_key(DAY, SOURCE_ID))))


def assert_every_url_accounted_for(storage: Storage, source_id: str = SOURCE_ID) -> None:
    """Every URL the run discovered (its raw-zone copy of discovered.json) has exactly one
    fetch_log row; every listing too; and the landed rows are exactly the articles table."""
    discovered = lake.read_json(storage, lake.raw_manifest_key(DAY, source_id, "discovered.json"))
    log = lake.read_parquet(storage, lake.fetch_log_key(DAY, source_id)).to_pylist()
    candidates = [row["url"] for row in discovered["candidates"]]
    assert candidates and len(set(candidates)) == len(candidates)
    assert sorted(row["url"] for row in log if row["kind"] == "article") == sorted(candidates)
    assert sorted(row["url"] for row in log if row["kind"] != "article") == sorted(row["url"] for row in discovered["listings"])
    articles = lake.read_parquet(storage, lake.articles_key(DAY, source_id)).column("url").to_pylist()
    assert sorted(row["url"] for row in log if row["outcome"] == "landed") == sorted(articles)


def unfinished_files(storage: Storage) -> list[str]:
    """Staged files, and temporary files of an interrupted local write (dot-files). S3 keeps an
    empty marker object ending in '/' for a deleted "folder"; it holds nothing."""
    return [key for key in storage.list("") if not key.endswith("/")
            and (key.startswith("_staging/") or any(part.startswith(".") for part in key.split("/")))]


def assert_converged(storage: Storage, reference: Reference, source_id: str = SOURCE_ID) -> None:
    assert stable_rows(lake.read_parquet(storage, lake.articles_key(DAY, source_id)), source_id) == reference.articles
    assert stable_rows(lake.read_parquet(storage, lake.fetch_log_key(DAY, source_id)), source_id) == reference.fetch_log
    assert_every_url_accounted_for(storage, source_id)
    assert unfinished_files(storage) == []


def rows_in(parquet_bytes: bytes) -> int:
    """Reads the whole file, as a reader would: a torn file fails here."""
    return pq.read_table(io.BytesIO(parquet_bytes)).num_rows


# -- S3: the endpoint down, 5xx and dropped connections ---------------------------------------------


@dataclass
class S3Lake:
    proxy: FaultProxy
    storage: Storage  # what the pipeline uses: through the proxy
    reader: Storage  # what readers (and the test's checks) use: moto directly, never disturbed
    client: object  # boto3 client on moto
    bucket: str
    prefix: str

    def objects(self) -> dict[str, tuple[str, object]]:
        """Every object below the lake's prefix, with its ETag and LastModified: a rewrite shows."""
        found = {}
        for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=f"{self.prefix}/"):
            found.update({item["Key"]: (item["ETag"], item["LastModified"]) for item in page.get("Contents", [])})
        return found

    def incomplete_uploads(self) -> list[str]:
        """Multipart uploads begun and never completed: invisible to readers, but stored (and billed)."""
        uploads = self.client.list_multipart_uploads(Bucket=self.bucket, Prefix=f"{self.prefix}/").get("Uploads", [])
        return [upload["Key"] for upload in uploads]


@pytest.fixture
def s3_lake(moto_s3, request):
    proxy = FaultProxy(moto_s3["endpoint"])
    prefix = "infra-" + re.sub(r"[^A-Za-z0-9-]+", "-", request.node.name).strip("-")

    def storage_at(endpoint: str) -> Storage:
        options = S3Options(endpoint_url=endpoint, access_key="testing", secret_key="testing", region="us-east-1")
        return Storage(f"s3://{moto_s3['bucket']}/{prefix}", s3=options)

    try:
        yield S3Lake(proxy, storage_at(proxy.endpoint), storage_at(moto_s3["endpoint"]), moto_s3["client"], moto_s3["bucket"], prefix)
    finally:
        proxy.close()


def test_s3_endpoint_down_at_the_start_of_each_step(site, reference, s3_lake):
    ctx = context(site, s3_lake.storage)
    for step in STEPS:
        s3_lake.proxy.close()
        before = s3_lake.objects()
        started = time.monotonic()
        with pytest.raises(OSError) as failure:
            step(ctx)
        message = str(failure.value)
        # What and where: the bucket, a key of this lake, and the endpoint that did not answer.
        assert f"bucket '{s3_lake.bucket}'" in message and s3_lake.prefix in message, message
        assert f"127.0.0.1:{s3_lake.proxy.port}" in message, message
        assert time.monotonic() - started < 30, "the SDK's retries are bounded: the task fails, it does not hang"
        assert s3_lake.objects() == before, f"{step.__name__} wrote with the endpoint down"
        s3_lake.proxy.start()
        step(ctx)  # Airflow's retry of the task
    assert_converged(s3_lake.reader, reference)
    assert s3_lake.incomplete_uploads() == []


class MidWriteFault(NamedTuple):
    step: str
    key: str  # the object whose writes fail
    every_attempt: str  # action on every attempt: the step must fail
    one_attempt: str  # action on one attempt: the SDK's retry must absorb it


MID_WRITE_FAULTS = {
    "fetch-raw-warc": MidWriteFault("fetch", lake.raw_key(DAY, SOURCE_ID), "503", "drop"),
    "extract-staged-articles": MidWriteFault("extract", f"{lake.staging_prefix(DAY, SOURCE_ID)}/articles.parquet", "500", "503"),
    "publish-articles-copy": MidWriteFault("publish", lake.articles_key(DAY, SOURCE_ID), "drop_after", "500"),
}


@pytest.mark.parametrize("case", list(MID_WRITE_FAULTS.values()), ids=list(MID_WRITE_FAULTS))
def test_s3_errors_mid_write(site, reference, s3_lake, case):
    proxy, reader = s3_lake.proxy, s3_lake.reader
    articles_key, raw_key = lake.articles_key(DAY, SOURCE_ID), lake.raw_key(DAY, SOURCE_ID)
    # An earlier run published one article; the re-run that meets the fault would publish two.
    # Only the step under test goes through the proxy; the others talk to moto directly.
    run_steps(context(site, reader, "/feed-v1.xml"), QUICK_STEPS)
    published_before, raw_before = reader.read_bytes(articles_key), reader.read_bytes(raw_key)
    assert rows_in(published_before) == 1

    ctx, undisturbed = context(site, s3_lake.storage), context(site, reader)
    index = [step.__name__ for step in STEPS].index(case.step)
    run_steps(undisturbed, QUICK_STEPS[:index])
    step = STEPS[index]
    staged_articles = reader.read_bytes(ctx.staged("articles.parquet")) if case.step == "publish" else None

    # Every attempt fails: the step fails, naming the key and S3's error.
    seen = len(proxy.exchanges)
    proxy.fail_writes(action=case.every_attempt, times=100, operations=DATA_WRITES, path_contains=case.key)
    with pytest.raises(OSError) as failure:
        step(ctx)
    proxy.clear_faults()
    faulted = [exchange for exchange in proxy.exchanges[seen:] if exchange.fault]
    assert len(faulted) >= 2, "the SDK retries a failed request before giving up"
    message = str(failure.value)
    assert f"key '{s3_lake.prefix}/{case.key}'" in message and f"bucket '{s3_lake.bucket}'" in message, message
    expected_error = {"500": "INTERNAL_FAILURE", "503": "SLOW_DOWN"}.get(case.every_attempt, "NETWORK_CONNECTION")
    assert expected_error in message, message
    # Readers see one whole version: the previous one, or the new one if S3 applied the copy
    # before the connection dropped. Never a torn file, and no half-done upload is left.
    published = reader.read_bytes(articles_key)
    assert published in (published_before, staged_articles)
    assert rows_in(published) in (1, 2)
    if case.step == "fetch":
        assert reader.read_bytes(raw_key) == raw_before
    if case.step == "extract":
        assert not reader.exists(case.key)
    assert s3_lake.incomplete_uploads() == []

    # One attempt fails: the SDK's retry absorbs it, and the step succeeds.
    seen = len(proxy.exchanges)
    proxy.fail_writes(action=case.one_attempt, times=1, operations=DATA_WRITES, path_contains=case.key)
    step(ctx)
    proxy.clear_faults()
    exchanges = proxy.exchanges[seen:]
    faulted_at = [i for i, exchange in enumerate(exchanges) if exchange.fault]
    assert len(faulted_at) == 1
    failed = exchanges[faulted_at[0]]
    assert any(e.method == failed.method and e.path == failed.path and e.status == 200 for e in exchanges[faulted_at[0] + 1:])

    # The retried step's output is what an undisturbed run of the step gives, byte for byte.
    if case.step == "publish":
        assert reader.read_bytes(articles_key) == staged_articles
    else:
        produced = reader.read_bytes(case.key)
        step(undisturbed)
        assert reader.read_bytes(case.key) == produced
    run_steps(undisturbed, QUICK_STEPS[index + 1:])
    assert_converged(reader, reference)
    assert s3_lake.incomplete_uploads() == []


# -- a local lake: disk full, read-only -------------------------------------------------------------

# Not NEWSLAKE_*: conftest clears those at import, in the rerun too.
IN_USER_NAMESPACE = "INFRA_FAULTS_TEST_IN_USER_NAMESPACE"


@pytest.fixture
def tmpfs(request, tmp_path):
    """``tmpfs(size)`` mounts a tmpfs of that size and returns its path (unmounted after the
    test). Without the right to mount, the test is run again in a user namespace (``unshare
    -rm``, where mounting is allowed) and ``None`` is returned: the caller then returns, the
    verdict being the subprocess's. Without user namespaces either, the test is skipped."""
    mounted: list[Path] = []

    def mount(size: str) -> Path | None:
        point = tmp_path / "disk"
        point.mkdir()
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(point)], capture_output=True, text=True)
        if done.returncode == 0:
            mounted.append(point)
            return point
        if os.environ.get(IN_USER_NAMESPACE):
            pytest.fail(f"mount -t tmpfs refused even in a user namespace: {done.stderr.strip()}")
        _rerun_in_user_namespace(request, tmp_path, f"mount -t tmpfs refused: {done.stderr.strip()}")
        return None

    yield mount
    for point in mounted:
        if subprocess.run(["umount", str(point)], capture_output=True).returncode != 0:
            subprocess.run(["umount", "-l", str(point)], capture_output=True)


def _rerun_in_user_namespace(request, tmp_path: Path, why: str) -> None:
    unshare = shutil.which("unshare")
    if unshare is None:
        pytest.skip(f"{why}; and no unshare(1) to try a user namespace")
    probe = subprocess.run([unshare, "-rm", "true"], capture_output=True, text=True)
    if probe.returncode != 0:
        pytest.skip(f"{why}; and user namespaces are not permitted here ({probe.stderr.strip()})")
    completed = subprocess.run(
        [unshare, "-rm", sys.executable, "-m", "pytest", f"{__file__}::{request.node.name}", "-q", "-x",
         "-p", "no:cacheprovider", f"--basetemp={tmp_path / 'in-user-namespace'}"],
        cwd=Path(__file__).resolve().parents[1], env={**os.environ, IN_USER_NAMESPACE: "1"},
        capture_output=True, text=True, timeout=600,
    )
    assert completed.returncode == 0, completed.stdout[-4000:] + completed.stderr[-2000:]


def fill_up(disk: Path) -> Path:
    """Fill the disk to the last byte with one file; delete it to free the space."""
    filler = disk / "filler"
    with open(filler, "wb", buffering=0) as handle:
        for chunk in (1 << 20, 1 << 12, 1):
            block = b"\0" * chunk
            while True:
                try:
                    handle.write(block)
                except OSError as exc:
                    if exc.errno != errno.ENOSPC:
                        raise
                    break
    assert os.statvfs(disk).f_bavail == 0
    return filler


def hidden_files(root: Path) -> list[str]:
    return [str(path) for path in root.rglob(".*")]


def test_disk_full_local_lake_at_the_start_of_each_step(site, reference, tmpfs):
    disk = tmpfs("16m")
    if disk is None:
        return  # ran, and passed, in a user namespace
    storage = Storage(str(disk / "lake"))
    run_steps(context(site, storage, "/feed-v1.xml"), QUICK_STEPS)
    published_before = {key: storage.read_bytes(key) for key in (lake.articles_key(DAY, SOURCE_ID), lake.fetch_log_key(DAY, SOURCE_ID))}

    ctx = context(site, storage)
    cleanable_checked = 0
    for step in STEPS:
        filler = fill_up(disk)
        with pytest.raises(OSError) as failure:
            step(ctx)
        assert failure.value.errno == errno.ENOSPC, failure.value
        assert {key: storage.read_bytes(key) for key in published_before} == published_before
        assert hidden_files(disk / "lake") == [], "a temporary file of a failed write was left behind"
        staged = storage.list(lake.staging_prefix(DAY, SOURCE_ID))
        if staged:
            # A run abandoned here leaves its staging folder; maintenance removes it once it is old.
            later = dt.datetime.now(dt.UTC) + dt.timedelta(days=2)
            cleanup = maintenance.remove_orphaned_staging(storage, later, dt.timedelta(hours=24), dry_run=True)
            assert (cleanup["removed"], cleanup["files_removed"]) == ([lake.staging_prefix(DAY, SOURCE_ID)], len(staged))
            cleanable_checked += 1
        filler.unlink()
        step(ctx)  # Airflow's retry, once space is back
    assert cleanable_checked >= 3
    assert_converged(storage, reference)


def test_read_only_local_lake_at_publish(site, reference, tmpfs):
    disk = tmpfs("16m")
    if disk is None:
        return  # ran, and passed, in a user namespace
    storage = Storage(str(disk / "lake"))
    run_steps(context(site, storage, "/feed-v1.xml"), QUICK_STEPS)
    before = {key: storage.read_bytes(key) for key in storage.list("")}
    ctx = context(site, storage)
    run_steps(ctx, QUICK_STEPS[:-1])
    staged = {key: storage.read_bytes(key) for key in storage.list("")}

    subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True, capture_output=True)
    try:
        with pytest.raises(OSError) as failure:
            pipeline.publish(ctx)
    finally:
        subprocess.run(["mount", "-o", "remount,rw", str(disk)], check=True, capture_output=True)
    assert failure.value.errno == errno.EROFS, failure.value
    assert {key: storage.read_bytes(key) for key in storage.list("")} == staged
    assert staged[lake.articles_key(DAY, SOURCE_ID)] == before[lake.articles_key(DAY, SOURCE_ID)]

    pipeline.publish(ctx)
    assert_converged(storage, reference)


# -- the raw zone -----------------------------------------------------------------------------------


def test_raw_object_missing_at_reextraction(site, reference, tmp_path):
    storage = Storage(str(tmp_path / "lake"))
    ctx = context(site, storage)
    run_steps(ctx, QUICK_STEPS)
    published = {key: storage.read_bytes(key) for key in (lake.articles_key(DAY, SOURCE_ID), lake.fetch_log_key(DAY, SOURCE_ID))}
    raw_key = lake.raw_key(DAY, SOURCE_ID)
    raw = storage.read_bytes(raw_key)
    storage.delete(raw_key)

    with pytest.raises(FileNotFoundError) as failure:
        pipeline.restage_from_raw(ctx)
    assert storage.url(raw_key) in str(failure.value)
    assert {key: storage.read_bytes(key) for key in published} == published
    assert unfinished_files(storage) == []

    storage.write_bytes(raw_key, raw)
    run_steps(ctx, (pipeline.restage_from_raw, pipeline.extract, validate_once, pipeline.publish))
    assert {key: storage.read_bytes(key) for key in published} == published
    assert_converged(storage, reference)


# -- Airflow's metadata DB locked --------------------------------------------------------------------

LOCK_HOLDER = """
import sqlite3, sys, time
connection = sqlite3.connect(sys.argv[1], isolation_level=None)
connection.execute("BEGIN EXCLUSIVE")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
connection.execute("COMMIT")
print("released", flush=True)
"""


def metadata_db_path() -> Path:
    from airflow.configuration import conf
    from sqlalchemy.engine import make_url

    url = make_url(conf.get("database", "sql_alchemy_conn"))
    assert url.get_backend_name() == "sqlite", url
    return Path(url.database)


@pytest.mark.e2e
@pytest.mark.parametrize(
    "hold_seconds", [2.0, SQLITE_BUSY_TIMEOUT_SECONDS + 2], ids=["shorter-than-busy-timeout", "longer-than-busy-timeout"]
)
def test_metadata_db_locked_during_a_dag_run(site, reference, airflow_db, tmp_path, monkeypatch, capfd, hold_seconds):
    from airflow.models.taskinstance import TaskInstance
    from airflow.utils.session import create_session

    from newslake import orchestration
    from newslake.config import load_sources

    source_id = f"tiny-lock-{int(hold_seconds)}"
    use_one_source(tmp_path, monkeypatch, source_id=source_id, name="Tiny Lock", feed_url=site.url("/feed.xml"))
    source = load_sources()[0]
    dag = orchestration.load_dagbag().dags[source.dag_id]
    database = metadata_db_path()

    # The lock is taken while the run is under way: when its discover task asks for the feed.
    holder: list[subprocess.Popen] = []
    serve = site.handler

    def lock_then_serve(request, http):
        if request.path == "/feed.xml" and not holder:
            process = subprocess.Popen([sys.executable, "-c", LOCK_HOLDER, str(database), str(hold_seconds)],
                                       stdout=subprocess.PIPE, text=True)
            holder.append(process)
            assert process.stdout.readline().strip() == "locked"
        return serve(request, http)

    site.handler = lock_then_serve
    try:
        result = orchestration.run_once(dag, DAY, orchestration.logical_date_for(source, DAY))
    finally:
        site.handler = serve
        for process in holder:
            if process.poll() is None:
                process.wait(timeout=30)
    assert holder and holder[0].returncode == 0 and holder[0].stdout.read().strip() == "released"
    assert result.state == "success"
    # The task's own log says what failed (Airflow's API hides the driver's "database is locked").
    database_error_logged = "'reason': 'Database error'" in capfd.readouterr().out

    with create_session() as session:
        tries = {ti.task_id: (ti.try_number, ti.duration) for ti in session.query(TaskInstance).filter(TaskInstance.dag_id == dag.dag_id)}
    assert set(tries) == {"discover", "fetch", "extract", "validate", "publish"}
    retried = sorted(task for task, (try_number, _) in tries.items() if try_number > 1)
    if hold_seconds < SQLITE_BUSY_TIMEOUT_SECONDS:
        # Airflow waited for the lock: discover's end was recorded after the lock was released.
        assert retried == [] and not database_error_logged
        assert tries["discover"][1] >= hold_seconds * 0.8, tries
    else:
        # The task whose DB write outlasted the busy timeout failed with a database error and was retried.
        assert retried and database_error_logged, tries
    assert_converged(Storage(str(tmp_path / "lake")), reference, source_id)


def test_every_fault_class_names_a_test_of_this_module():
    names = [fault.name for fault in INFRA_FAULT_CLASSES]
    assert len(names) == len(set(names))
    for fault in INFRA_FAULT_CLASSES:
        assert fault.what_happens and fault.expected_outcome
        for test_name in fault.proven_by:
            assert callable(globals().get(test_name)), f"{fault.name}: no test {test_name}"


def test_the_reliability_doc_lists_every_infrastructure_fault():
    """docs/RELIABILITY.md quotes INFRA_FAULT_CLASSES: it must not drift from the tests."""
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[1] / "docs" / "RELIABILITY.md").read_text(encoding="utf-8")
    missing = [f.name for f in INFRA_FAULT_CLASSES if f"| `{f.name}` | {f.what_happens} | {f.expected_outcome} |" not in doc]
    assert missing == [], f"docs/RELIABILITY.md lacks (or words differently) {missing}"
