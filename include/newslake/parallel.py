"""The extract step's CPU work on every core: a partition's pages extracted by a process pool.

Reading a page back from the raw zone (its WARC record's gzip member) and running
``extract_article`` on it is pure CPU work, page by page; it is what a 2,000-page day spends its
extract step on. ``extract_pages`` spreads it over ``workers`` processes forked from the task
(setting ``extract_workers``; 0 = one per CPU the task may run on):

* the raw zone is read by byte range — one ranged read per run of adjacent records of a chunk
  of pages — and never as a whole, so a day's WARC file is never all in memory;
* at most ``2 × workers`` chunks are in flight, so memory stays bounded whatever the day's size;
* results come back in the order of the requests, so the caller takes its decisions (URL
  order, duplicates) exactly as a single-process run does: the output files are byte-identical
  whatever the number of workers. One worker (or a day too small to be worth a fork) is the
  same code, run in the task's own process.

Pages can also be extracted *while they are fetched* (``ExtractAhead``, used by the fetch
step): each response is extracted by a background pool as soon as it has arrived, and the fetch
step stages the results beside the raw zone's records. The extract step
then takes a staged result instead of extracting a record again when the record's bytes are
exactly the ones it was computed from (the gzip member's sha256) and the extractor is the same
version (``read_extracted``; ``extract_pages(known=...)``). Anything else — a page fetched in an
earlier run, a result lost with a crashed worker, a staged file from another version — is
extracted by the extract step as before, so the staged results only ever save time.

The task process does the reads and hands each worker only the bytes of its chunk: workers never
touch the lake. pyarrow's S3 client (the AWS SDK) is not safe to use in a child forked from a
process that has used it, and one code path serves local and S3 lakes alike. A read is one
request per chunk of pages; extracting the chunk costs far more.
"""

from __future__ import annotations

import collections
import dataclasses
import datetime as dt
import gzip
import hashlib
import json
import logging
import math
import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from newslake.extract import ArticleExtraction
    from newslake.storage import Storage

log = logging.getLogger(__name__)

# Pages per chunk sent to a worker: large enough that a chunk's read (one request on S3) and its
# trip through the pool are small beside its extraction, small enough to keep the workers evenly
# busy until the end of the day.
CHUNK_PAGES = 16
# Below this many pages a pool costs more (forking, the language model's first use) than it saves.
MIN_PAGES_FOR_POOL = 8


@dataclass(frozen=True)
class PageResult:
    """What the extract step needs from one archived response (its body stays in the worker)."""

    target_url: str
    status: int
    fetched_at: dt.datetime
    payload_sha256: str
    extraction: ArticleExtraction
    member_sha256: str = ""  # of the raw zone record (its gzip member) it was extracted from


def default_workers() -> int:
    """One worker per CPU this process may run on (its affinity mask: a container's or
    taskset's limit counts, not the machine's CPU count)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # no affinity API on this OS
        return max(1, os.cpu_count() or 1)


def worker_count(setting: int, pages: int) -> int:
    """How many processes extract ``pages`` pages: the setting (0 = default_workers()), one when
    the day is too small for a pool, never more than there are chunks to hand out."""
    if setting < 0:
        raise ValueError(f"setting extract_workers must be 0 (one per CPU) or more, got {setting}")
    workers = setting or default_workers()
    if workers <= 1 or pages < MIN_PAGES_FOR_POOL:
        return 1
    return min(workers, math.ceil(pages / _chunk_pages(pages, workers)))


def extract_pages(
    storage: Storage,
    raw_key: str,
    spans: Sequence[tuple[int, int]],
    *,
    timezone: str,
    workers: int,
    known: Mapping[str, PageResult] | None = None,
) -> Iterator[PageResult]:
    """Extract the WARC records at ``spans`` ((offset, length) in ``raw_key``), yielding one
    PageResult per span, in the order of ``spans``. ``workers`` as ``worker_count`` returns it.
    ``known``: results already computed from exactly these record bytes (by the sha256 of the
    record's gzip member, as ``read_extracted`` returns them), taken instead of extracting again."""
    if not spans:
        return
    known = known or {}
    chunk_pages = _chunk_pages(len(spans), workers)
    chunks = [spans[start : start + chunk_pages] for start in range(0, len(spans), chunk_pages)]
    # The caller takes exactly len(spans) results and may never resume this generator after the
    # last one: the file and the pool are released before the last chunk's results are yielded.
    raw = storage.filesystem.open_input_file(storage.path(raw_key))
    try:
        if workers <= 1:
            for number, chunk in enumerate(chunks, start=1):
                digests, unknown = _split_known(_read_members(raw, chunk), known)
                if number == len(chunks):
                    raw.close()
                yield from _merged(digests, known, extract_members(unknown, timezone))
        else:
            yield from _extract_in_pool(raw, chunks, timezone, workers, known)
    finally:
        raw.close()


def _split_known(members: list[bytes], known: Mapping[str, PageResult]) -> tuple[list[str], list[bytes]]:
    """The sha256 of every member, and the members no known result was computed from."""
    digests = [hashlib.sha256(member).hexdigest() for member in members]
    return digests, [member for member, digest in zip(members, digests, strict=True) if digest not in known]


def _merged(digests: list[str], known: Mapping[str, PageResult], extracted: list[PageResult]) -> Iterator[PageResult]:
    """A chunk's results in order: the known ones, and the newly extracted ones in between."""
    fresh = iter(extracted)
    for digest in digests:
        yield known[digest] if digest in known else next(fresh)


def _extract_in_pool(
    raw, chunks: list[Sequence[tuple[int, int]]], timezone: str, workers: int, known: Mapping[str, PageResult]
) -> Iterator[PageResult]:
    executor, give_back_heap = _forked_pool(workers, _worker_started)

    def submit(chunk):
        digests, unknown = _split_known(_read_members(raw, chunk), known)
        return digests, executor.submit(extract_members, unknown, timezone) if unknown else None

    try:
        pending: collections.deque = collections.deque()
        remaining = iter(chunks)
        for chunk in remaining:
            pending.append(submit(chunk))
            if len(pending) >= 2 * workers:
                break
        while pending:
            digests, future = pending.popleft()
            results = future.result() if future is not None else []
            chunk = next(remaining, None)
            if chunk is not None:
                pending.append(submit(chunk))
            elif not pending:
                raw.close()
                executor.shutdown(wait=True)
                give_back_heap()
            yield from _merged(digests, known, results)
    finally:
        # Also when the caller stops early or fails: chunks not started are dropped.
        executor.shutdown(wait=True, cancel_futures=True)
        give_back_heap()


def _forked_pool(workers: int, initializer):
    """A pool of ``workers`` processes forked from the task, and the function the caller runs
    once the pool is shut down to give the heap back to the garbage collector."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from newslake.heap import freeze_heap

    _load_before_fork()
    # The garbage collector writes into every object it scans: in a worker (or in the task while
    # workers run) that would copy the task's whole heap page by page, shared until then. Frozen
    # objects are not scanned; they are handed back to the collector when the pool is gone
    # (newslake.heap: unless something else froze them first).
    give_back_heap = freeze_heap()
    # fork: the workers start at once with everything the task imported (readability, lxml, the
    # language model), nothing is imported again or pickled but each chunk's bytes.
    # ProcessPoolExecutor rather than multiprocessing.Pool: a worker that dies (OOM killer) fails
    # the step with BrokenProcessPool instead of leaving it waiting forever for a lost chunk.
    return ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"), initializer=initializer), give_back_heap


class ExtractAhead:
    """Extraction of a day's pages while it is being fetched: ``submit`` each record's bytes
    (a raw zone gzip member) as it is ready; ``finish`` waits for the last ones and returns the
    results as the file the extract step reads (``read_extracted``).

    A pool of ``workers`` processes forked on entry — before the fetch starts its event loop
    and threads, since forking a process with other threads running can leave a lock held in
    the child — running at a lower priority (nice 10) so that the fetch, which keeps each host's
    request cadence, gets the CPU first. Pages go to the pool in batches of ``BATCH_PAGES``, and
    a worker sends back each batch's results already encoded as the staged file's lines, gzipped
    (``_staged_lines``): the task's event loop only appends those bytes to a spool file on local
    disk — no decoding or encoding between two requests — and memory does not grow with the day.
    A page whose extraction fails here (a worker killed) is left out: the extract step extracts it."""

    BATCH_PAGES = 8

    def __init__(self, timezone: str, workers: int):
        self.timezone = timezone
        self.workers = max(1, workers)
        self.results_written = 0
        self._seen: set[str] = set()
        self._batch: list[bytes] = []
        self._pending: collections.deque = collections.deque()
        self._executor = None
        self._give_back_heap = None
        self._spool = None

    def __enter__(self) -> ExtractAhead:
        import tempfile

        self._executor, self._give_back_heap = _forked_pool(self.workers, _background_worker_started)
        # With fork, the first submit starts every worker: now, while this is the only thread.
        for started in [self._executor.submit(os.getpid) for _ in range(self.workers)]:
            started.result()
        # Gzip members, one per batch, one after the other: together a valid gzip file.
        self._spool = tempfile.TemporaryFile(prefix="newslake-extracted-")
        return self

    def submit(self, member: bytes) -> None:
        digest = hashlib.sha256(member).hexdigest()
        if digest in self._seen:
            return
        self._seen.add(digest)
        self._batch.append(member)
        if len(self._batch) >= self.BATCH_PAGES:
            self._send_batch()
        self._write_done(wait=False)

    def finish(self) -> bytes:
        """Wait for every page submitted; the staged file's bytes (b"" if no page was extracted)."""
        self._send_batch()
        self._write_done(wait=True)
        if not self.results_written:
            return b""
        self._spool.seek(0)
        return self._spool.read()

    def _send_batch(self) -> None:
        if self._batch:
            self._pending.append(self._executor.submit(_staged_lines, self._batch, self.timezone))
            self._batch = []

    def _write_done(self, *, wait: bool) -> None:
        """Write the results of the batches done so far (in order), and let go of them."""
        while self._pending and (wait or self._pending[0].done()):
            future = self._pending.popleft()
            try:
                count, lines = future.result()
            except Exception as exc:  # noqa: BLE001 - the extract step extracts these pages instead
                log.warning("extraction during fetch failed (%s: %s); the extract step will extract those pages", type(exc).__name__, exc)
                continue
            self._spool.write(lines)
            self.results_written += count

    def __exit__(self, *exc_info) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)
        self._give_back_heap()
        if self._spool is not None:
            self._spool.close()


def read_extracted(storage: Storage, key: str) -> dict[str, PageResult]:
    """The results staged by ``ExtractAhead`` that the running extractor version made, by the
    sha256 of the raw zone record (gzip member) each was extracted from; nothing if there are
    none. Results of another extractor version are left out: their pages are extracted again."""
    from newslake.extract import ArticleExtraction, extractor_label

    if not storage.exists(key):
        return {}
    data = storage.read_bytes(key)
    known: dict[str, PageResult] = {}
    current = extractor_label()
    for line in gzip.decompress(data).decode().splitlines() if data else []:
        page = _decode(json.loads(line))
        extraction = ArticleExtraction(**page.pop("extraction"))
        if extraction.extractor == current:
            known[page["member_sha256"]] = PageResult(**page, extraction=extraction)
    return known


def _staged_lines(members: list[bytes], timezone: str) -> tuple[int, bytes]:
    """In an ExtractAhead worker: extract ``members``; their results as the staged file's lines,
    as one gzip member."""
    pages = extract_members(members, timezone)
    lines = b"".join(
        json.dumps(_encode(dataclasses.asdict(page)), ensure_ascii=False, sort_keys=True).encode() + b"\n" for page in pages
    )
    return len(pages), gzip.compress(lines, compresslevel=6, mtime=0)


def _encode(value: Any) -> Any:
    """JSON for a PageResult's fields: datetimes tagged, tuples as lists (``_decode`` reverses it)."""
    if isinstance(value, dt.datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, dict):
        return {key: _encode(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_encode(item) for item in value]
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {"$datetime"}:
            return dt.datetime.fromisoformat(value["$datetime"])
        return {key: _decode(item) for key, item in value.items()}
    if isinstance(value, list):
        return tuple(_decode(item) for item in value)  # PageResult and ArticleExtraction hold tuples, never lists
    return value


def extract_members(members: list[bytes], timezone: str) -> list[PageResult]:
    """Extract each WARC record (its own gzip member, as raw_offset/raw_length address it)."""
    return [_extract_member(member, timezone) for member in members]


def _extract_member(member: bytes, timezone: str) -> PageResult:
    from newslake import rawzone
    from newslake.extract import extract_article
    from newslake.pipeline import page_input

    record = rawzone.read_record(member)
    extraction = extract_article(
        page_input(record.body, record.headers.get("content-type")),
        url=record.target_url,
        default_timezone=timezone,
        fetched_at=record.fetched_at,
    )
    return PageResult(
        record.target_url, record.status, record.fetched_at, hashlib.sha256(record.body).hexdigest(), extraction,
        member_sha256=hashlib.sha256(member).hexdigest(),
    )


def _read_members(raw, spans: Sequence[tuple[int, int]]) -> list[bytes]:
    """The bytes of each span, with one ranged read per run of adjacent spans (fetch writes the
    records in URL order, so a chunk of URL-ordered pages is usually one run)."""
    members: list[bytes] = []
    run_start = run_end = None
    run: list[tuple[int, int]] = []

    def flush() -> None:
        if run:
            data = raw.read_at(run_end - run_start, run_start)
            if len(data) != run_end - run_start:
                raise ValueError(f"raw zone ends at {run_start + len(data)}, before the record ending at {run_end}")
            members.extend(data[offset - run_start : offset - run_start + length] for offset, length in run)

    for offset, length in spans:
        if run and offset == run_end:
            run.append((offset, length))
            run_end = offset + length
            continue
        flush()
        run, run_start, run_end = [(offset, length)], offset, offset + length
    flush()
    return members


def _chunk_pages(pages: int, workers: int) -> int:
    """Pages per chunk: CHUNK_PAGES, or fewer so that each worker gets about four chunks of a small day."""
    return max(1, min(CHUNK_PAGES, math.ceil(pages / (4 * workers))))


def _load_before_fork() -> None:
    """Load once in the task process what every worker needs, so the workers share it
    (copy-on-write) instead of each loading its own: the extractor and its language model."""
    from newslake import extract  # noqa: F401
    from newslake.extraction.language import _get_identifier

    _get_identifier()


def _background_worker_started() -> None:
    """An ExtractAhead worker: dies with the task, and yields the CPU to the fetch."""
    _worker_started()
    os.nice(10)


def _worker_started() -> None:
    """A worker dies with the task: if the task process is killed (kill -9, a timeout), its
    workers are not left behind waiting for work (Linux; elsewhere they end with their pipe)."""
    import ctypes
    import signal

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        PR_SET_PDEATHSIG = 1
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        pass
