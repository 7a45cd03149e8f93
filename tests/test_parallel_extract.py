"""The extract step on a process pool (newslake.parallel) changes nothing but the speed.

A day of a real site on 127.0.0.1 — 24 articles, an exact copy of one (duplicate_content), a
page whose rel=canonical names another landed article (duplicate_canonical), a page with no
article text (a list of links), a 404 and an item of the day before — goes through discover and
fetch once into a local lake and into S3 (moto server); then extract runs with 1, 2 and 3
workers. The tests prove:

- the staged articles.parquet and fetch_log.parquet are byte-identical whatever the number of
  workers, on both backends, and the pool really ran (the step reports its workers);
- extract reads the raw zone by byte range — exactly the bytes of the records it extracts, in
  one read per run of adjacent records — and never as a whole file;
- it streams: when the first page's result is handed over, no more than 2 × workers chunks of
  pages have been read;
- a worker that dies fails the step (BrokenProcessPool) instead of leaving it waiting, and a task
  process killed with SIGKILL takes its workers with it (none is left running);
- pages extracted by the fetch step while fetching (parallel.ExtractAhead) give the very same
  files, and a staged result is taken only for the exact record bytes it came from and the
  running extractor version.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import gzip
import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from concurrent.futures.process import BrokenProcessPool

import psutil
import pytest

from newslake import lake, parallel, pipeline
from newslake.config import Settings, Source
from newsserver import TinyNewsSite

DAY = dt.date(2026, 11, 24)
STAGED = ("articles.parquet", "fetch_log.parquet")


@pytest.fixture(scope="module")
def site():
    """One day of a small site: every kind of outcome the extract step decides, 29 URLs."""
    tiny = TinyNewsSite()
    items = []
    for number in range(1, 25):
        path = f"/story-{number:02d}.html"
        published = f"2026-11-24T{7 + number % 12:02d}:{number:02d}:00+01:00"
        tiny.article(path, f"Story number {number}", published, topic=f"item {number} of the day's agenda")
        items.append((path, f"Tue, 24 Nov 2026 {7 + number % 12:02d}:{number:02d}:00 +0100"))
    # The same story under a second URL: which one lands depends on URL order only.
    tiny.article("/story-05-copy.html", "Story number 5", "2026-11-24T12:05:00+01:00", topic="item 5 of the day's agenda")
    # Another text whose rel=canonical is story 12 (it comes after story 12 in URL order).
    tiny.page("/story-12z.html", "text/html; charset=utf-8", (
        '<html lang="en"><head><meta charset="utf-8"><title>Story twelve, mobile | Tiny Daily</title>'
        '<link rel="canonical" href="{base}/story-12.html">'
        '<meta property="article:published_time" content="2026-11-24T12:30:00+01:00"></head><body><article>'
        + "".join(f"<p>Mobile edition, part {i}: the harbour board approved the dredging plan and the new berths "
                  f"for the ferries that cross the strait every hour in summer.</p>" for i in range(1, 6))
        + "</article></body></html>"
    ))
    tiny.page("/section.html", "text/html; charset=utf-8", (
        '<html lang="en"><head><title>Politics | Tiny Daily</title></head><body><ul>'
        + "".join(f'<li><a href="/story-{n:02d}.html">Story number {n}</a></li>' for n in range(1, 25))
        + "</ul></body></html>"
    ))
    items += [
        ("/story-05-copy.html", "Tue, 24 Nov 2026 12:05:00 +0100"),
        ("/story-12z.html", "Tue, 24 Nov 2026 12:30:00 +0100"),
        ("/section.html", "Tue, 24 Nov 2026 13:00:00 +0100"),
        ("/gone.html", "Tue, 24 Nov 2026 14:00:00 +0100"),  # not served: 404
        ("/yesterday.html", "Mon, 23 Nov 2026 14:00:00 +0100"),  # another day: never fetched
    ]
    tiny.rss("/feed.xml", items)
    yield tiny
    tiny.close()


def context(site, storage, tmp_path, workers: int) -> pipeline.PartitionContext:
    source = Source(id="tiny-daily", name="Tiny Daily", languages=("en",), timezone="Africa/Casablanca",
                    feeds=(f"{site.base_url}/feed.xml",), requests_per_second=100)
    settings = Settings(allowed_networks="127.0.0.0/8", politeness_dir=str(tmp_path / "politeness"), extract_workers=workers)
    return pipeline.PartitionContext(source, DAY, storage, settings)


EXTRACTED = "extracted.jsonl.gz"


def fetched_day(site, storage, tmp_path, *, keep_extracted: bool = False) -> pipeline.PartitionContext:
    """discover + fetch. The results fetch extracted while fetching are removed unless
    ``keep_extracted``, so that the extract step extracts every page itself (these tests are
    about its pool)."""
    ctx = context(site, storage, tmp_path, workers=1)
    pipeline.discover(ctx)
    pipeline.fetch(ctx)
    if not keep_extracted:
        storage.delete(ctx.staged(EXTRACTED))
    return ctx


def with_workers(ctx: pipeline.PartitionContext, workers: int) -> pipeline.PartitionContext:
    return dataclasses.replace(ctx, settings=dataclasses.replace(ctx.settings, extract_workers=workers))


def record_spans(ctx) -> list[tuple[int, int]]:
    """(offset, length) of every archived response, from the fetch manifest."""
    fetched = lake.read_json(ctx.storage, ctx.staged("fetched.json"))["fetched"]
    return sorted((f["raw_offset"], f["raw_length"]) for f in fetched if f["error"] is None)


def test_one_two_and_three_workers_stage_byte_identical_files(site, storage, tmp_path):
    ctx = fetched_day(site, storage, tmp_path)
    staged, summaries = {}, {}
    for workers in (1, 2, 3):
        summaries[workers] = pipeline.extract(with_workers(ctx, workers))
        staged[workers] = {name: storage.read_bytes(ctx.staged(name)) for name in STAGED}
        for name in STAGED:  # each run writes its own files: nothing is left over from the previous one
            storage.delete(ctx.staged(name))

    assert {workers: summary["workers"] for workers, summary in summaries.items()} == {1: 1, 2: 2, 3: 3}
    assert staged[2] == staged[1] and staged[3] == staged[1]
    # The day exercises every decision that depends on the order of the pages.
    assert summaries[1]["outcomes"] == {
        "landed": 24, "skipped:duplicate_content": 1, "skipped:duplicate_canonical": 1, "failed:extract_no_text": 1,
        "failed:http_404": 1, "skipped:out_of_window": 1, "feed:fetched": 1,
    }
    landed = {row["url"].removeprefix(site.base_url) for row in parquet_rows(staged[2]["articles.parquet"])}
    assert landed == {f"/story-{n:02d}.html" for n in range(1, 25) if n != 5} | {"/story-05-copy.html"}


def parquet_rows(parquet: bytes) -> list[dict]:
    import io

    import pyarrow.parquet as pq

    return pq.read_table(io.BytesIO(parquet)).to_pylist()


class RecordingFile:
    """A pyarrow file that records each ranged read."""

    def __init__(self, handle, reads: list):
        self.handle, self.reads = handle, reads

    def read_at(self, nbytes: int, offset: int) -> bytes:
        self.reads.append((offset, nbytes))
        return self.handle.read_at(nbytes, offset)

    def close(self) -> None:
        self.handle.close()


class RecordingFilesystem:
    """The storage's pyarrow filesystem, recording what is opened to be read, and how."""

    def __init__(self, filesystem):
        self.filesystem = filesystem
        self.whole_reads: list[str] = []
        self.ranged_reads: dict[str, list[tuple[int, int]]] = {}

    def open_input_stream(self, path, *args, **kwargs):
        self.whole_reads.append(path)
        return self.filesystem.open_input_stream(path, *args, **kwargs)

    def open_input_file(self, path):
        return RecordingFile(self.filesystem.open_input_file(path), self.ranged_reads.setdefault(path, []))

    def __getattr__(self, name):
        return getattr(self.filesystem, name)


@pytest.mark.parametrize("workers", [1, 2])
def test_extract_reads_only_the_records_by_byte_range(site, storage, tmp_path, workers):
    ctx = fetched_day(site, storage, tmp_path)
    raw_path = storage.path(lake.raw_key(DAY, "tiny-daily"))
    spans = record_spans(ctx)
    recording = RecordingFilesystem(storage.filesystem)
    storage._fs = recording

    summary = pipeline.extract(with_workers(ctx, workers))

    assert summary["workers"] == workers and summary["rows"] == 24
    assert raw_path not in recording.whole_reads
    reads = recording.ranged_reads[raw_path]
    # Exactly the archived records' bytes, each record once; fetch writes the records back to back
    # in URL order, so each chunk of pages is one read.
    assert sorted(records_read(reads, spans)) == spans
    assert len(reads) == -(-len(spans) // parallel._chunk_pages(len(spans), workers))


def records_read(reads, spans) -> list[tuple[int, int]]:
    """The records (spans) that the ranged reads cover; fails if a read starts or ends inside a record."""
    length_at = dict(spans)
    covered = []
    for offset, nbytes in reads:
        position = offset
        while position < offset + nbytes:
            assert position in length_at, f"the read of {nbytes} bytes at {offset} cuts a record or reads between records"
            covered.append((position, length_at[position]))
            position += length_at[position]
        assert position == offset + nbytes, f"the read of {nbytes} bytes at {offset} ends inside a record"
    return covered


def test_pages_are_read_as_the_workers_need_them(site, storage, tmp_path, monkeypatch):
    ctx = fetched_day(site, storage, tmp_path)
    spans = [(offset, length) for offset, length in record_spans(ctx)]
    reads = []
    real_read = parallel._read_members
    monkeypatch.setattr(parallel, "_read_members", lambda raw, chunk: reads.append(len(chunk)) or real_read(raw, chunk))
    workers = 2
    chunks = -(-len(spans) // parallel._chunk_pages(len(spans), workers))
    assert chunks > 2 * workers + 1  # else the bound below would prove nothing

    pages = parallel.extract_pages(storage, lake.raw_key(DAY, "tiny-daily"), spans, timezone="Africa/Casablanca", workers=workers)
    first = next(pages)
    assert first.status == 200
    assert len(reads) <= 2 * workers + 1
    rest = list(pages)
    assert len(rest) == len(spans) - 1 and len(reads) == chunks


@pytest.mark.timeout(120)
def test_a_worker_that_dies_fails_the_step(site, tmp_path, monkeypatch):
    from newslake.storage import Storage

    ctx = fetched_day(site, Storage(str(tmp_path / "lake")), tmp_path)
    task_process = os.getpid()
    real_extract = parallel._extract_member

    def dies_in_a_worker(member, timezone):
        if os.getpid() != task_process:
            os._exit(3)  # what the OOM killer does to a worker, as far as the pool can tell
        return real_extract(member, timezone)

    monkeypatch.setattr(parallel, "_extract_member", dies_in_a_worker)
    with pytest.raises(BrokenProcessPool):
        pipeline.extract(with_workers(ctx, 2))
    assert not ctx.storage.exists(ctx.staged("articles.parquet"))


STALLED_TASK = r"""
import datetime as dt, os, sys, time
from newslake import parallel, rawzone
from newslake.http import FetchResult
from newslake.storage import Storage

storage = Storage(sys.argv[1])
writer = rawzone.RawArchiveWriter.new()
spans = []
for n in range(8):
    url = f"http://127.0.0.1:9/{n}.html"
    result = FetchResult(url, url, 200, {"content-type": "text/html; charset=utf-8"}, b"<html><p>page</p></html>", None, 1,
                         dt.datetime.now(dt.UTC), 1)
    spans.append(writer.append_response(url, result))
storage.write_bytes("raw/day.warc.gz", writer.getvalue())

def stalls(member, timezone):
    os.write(1, f"{os.getpid()}\n".encode())  # one write: the two workers' lines never interleave
    time.sleep(300)

parallel._extract_member = stalls
list(parallel.extract_pages(storage, "raw/day.warc.gz", spans, timezone="UTC", workers=2))
"""


@pytest.mark.timeout(120)
def test_killing_the_task_process_ends_its_workers(tmp_path):
    task = subprocess.Popen([sys.executable, "-c", STALLED_TASK, str(tmp_path / "lake")], stdout=subprocess.PIPE, text=True)
    workers: set[int] = set()
    try:
        workers = {int(task.stdout.readline()) for _ in range(2)}
        assert len(workers) == 2 and task.pid not in workers
        assert all(psutil.Process(pid).ppid() == task.pid for pid in workers)
        task.send_signal(signal.SIGKILL)
        assert task.wait(timeout=10) == -signal.SIGKILL
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(running(pid) for pid in workers):
            time.sleep(0.05)
        assert not any(running(pid) for pid in workers), "a worker outlived its task process"
    finally:
        if task.poll() is None:
            task.kill()
            task.wait()
        for pid in workers:  # when the test fails: leave no stalled worker behind
            if running(pid):
                psutil.Process(pid).kill()


def running(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def test_worker_count_follows_the_setting_and_the_day():
    cpus = len(os.sched_getaffinity(0))
    assert parallel.worker_count(0, 2000) == min(cpus, 2000)
    assert parallel.worker_count(2, 2000) == 2
    assert parallel.worker_count(1, 2000) == 1
    # A small day is not worth a fork; never more workers than chunks to hand out.
    assert parallel.worker_count(4, parallel.MIN_PAGES_FOR_POOL - 1) == 1
    assert parallel.worker_count(64, 40) == 40 // parallel._chunk_pages(40, 64)
    with pytest.raises(ValueError, match="extract_workers"):
        parallel.worker_count(-1, 10)
    assert Settings.load(lambda name: "3" if name == "extract_workers" else None).extract_workers == 3


def staged_files(ctx) -> dict[str, bytes]:
    return {name: ctx.storage.read_bytes(ctx.staged(name)) for name in STAGED}


def test_pages_extracted_while_fetching_give_the_same_files(site, storage, tmp_path):
    ctx = fetched_day(site, storage, tmp_path, keep_extracted=True)
    known = parallel.read_extracted(storage, ctx.staged(EXTRACTED))
    assert len(known) == len(record_spans(ctx)) == 27  # every archived page: 24 stories, the copy, 12z, the section
    with storage.filesystem.open_input_file(storage.path(lake.raw_key(DAY, "tiny-daily"))) as raw:
        members = parallel._read_members(raw, record_spans(ctx))
    assert {hashlib.sha256(member).hexdigest() for member in members} == set(known)

    ahead = pipeline.extract(ctx)
    assert ahead["extracted_during_fetch"] == 27 and ahead["workers"] == 1
    with_results = staged_files(ctx)
    storage.delete(ctx.staged(EXTRACTED))
    again = pipeline.extract(with_workers(ctx, 2))
    assert again["extracted_during_fetch"] == 0 and again["workers"] == 2
    assert staged_files(ctx) == with_results


def test_a_staged_result_is_taken_only_for_its_own_record_bytes_and_extractor(site, storage, tmp_path):
    ctx = fetched_day(site, storage, tmp_path, keep_extracted=True)
    first_fetch_results = storage.read_bytes(ctx.staged(EXTRACTED))
    expected = pipeline.extract(ctx)
    expected_files = staged_files(ctx)

    # Fetched again: the same pages, but new records (each WARC record has its own id and date),
    # so the earlier results, put back beside them, match no record and are not used.
    pipeline.fetch(ctx, force_refetch=True)
    storage.write_bytes(ctx.staged(EXTRACTED), first_fetch_results)
    summary = pipeline.extract(ctx)
    assert summary["extracted_during_fetch"] == 0 and summary["outcomes"] == expected["outcomes"]

    # Results of another extractor version are not used either.
    pipeline.fetch(ctx, force_refetch=True)
    lines = gzip.decompress(storage.read_bytes(ctx.staged(EXTRACTED))).decode().splitlines()
    older = [json.loads(line) for line in lines]
    for entry in older:
        entry["extraction"]["extractor"] = "newslake-readability 0.1 (readability-lxml 0.9)"
    storage.write_bytes(ctx.staged(EXTRACTED), gzip.compress("\n".join(json.dumps(e) for e in older).encode()))
    assert pipeline.extract(ctx)["extracted_during_fetch"] == 0
    # The raw zone changed (new records, so new raw_offset and fetched_at), the articles' text did not.
    def texts(files):
        return sorted((row["url"], row["title"], row["text"]) for row in parquet_rows(files["articles.parquet"]))

    assert texts(staged_files(ctx)) == texts(expected_files)

    # Re-extraction restages from the raw zone alone: no result of a fetch is left to take.
    pipeline.fetch(ctx, force_refetch=True)
    assert storage.exists(ctx.staged(EXTRACTED))
    pipeline.restage_from_raw(ctx)
    assert not storage.exists(ctx.staged(EXTRACTED))
    assert pipeline.extract(ctx)["extracted_during_fetch"] == 0



def test_a_failed_extraction_during_fetch_is_left_to_the_extract_step(site, storage, tmp_path, caplog):
    ctx = fetched_day(site, storage, tmp_path)
    with storage.filesystem.open_input_file(storage.path(lake.raw_key(DAY, "tiny-daily"))) as raw:
        members = parallel._read_members(raw, record_spans(ctx))
    batch = parallel.ExtractAhead.BATCH_PAGES
    # Children of this process that earlier tests left exiting are not the pool's workers.
    earlier = {child.pid for child in psutil.Process().children()}
    with parallel.ExtractAhead("Africa/Casablanca", 2) as ahead:
        workers = [child for child in psutil.Process().children() if child.pid not in earlier]
        assert len(workers) == 2 and all(worker.nice() == 10 for worker in workers)  # the crawl comes first
        for member in members[:batch]:
            ahead.submit(member)
        ahead.submit(b"not a WARC record")  # its batch fails in the worker
        for member in members[batch : 2 * batch - 1]:
            ahead.submit(member)
        for member in members[2 * batch - 1 :]:
            ahead.submit(member)
        staged = ahead.finish()
    storage.write_bytes(ctx.staged(EXTRACTED), staged)
    known = parallel.read_extracted(storage, ctx.staged(EXTRACTED))
    # The first batch and the batches after the failed one; the failed batch's 7 pages are not there.
    assert len(known) == len(members) - (batch - 1)
    assert "extraction during fetch failed" in caplog.text
    summary = pipeline.extract(ctx)
    assert summary["extracted_during_fetch"] == len(members) - (batch - 1)
    assert summary["rows"] == 24


@pytest.mark.parametrize("frozen_before", [False, True], ids=["heap-not-frozen", "heap-frozen-by-airflow"])
def test_the_pool_gives_the_heap_back_as_it_found_it(frozen_before):
    """The pool freezes the task's heap before forking (a scanned object is written to, which
    would copy the page it shares with the workers) and gives it back when the pool is gone. A
    heap frozen before — Airflow's LocalExecutor forks its workers from one — stays frozen:
    unfreezing would hand the executor's objects back to the collector too."""
    import gc

    if frozen_before:
        gc.freeze()
    try:
        before = gc.get_freeze_count()
        with parallel.ExtractAhead("Africa/Casablanca", 1) as ahead:
            assert gc.get_freeze_count() > 0
            assert ahead.finish() == b""
        executor, give_back_heap = parallel._forked_pool(1, None)  # the extract step's pool
        executor.shutdown(wait=True)
        give_back_heap()
        after = gc.get_freeze_count()
        assert (after >= before > 0) if frozen_before else after == 0
    finally:
        gc.unfreeze()
