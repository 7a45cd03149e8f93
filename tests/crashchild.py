"""Run one pipeline step in its own process and kill -9 it at a chosen point (tests/test_kill9.py).

    python tests/crashchild.py --lake URI --source-json JSON --day 2026-11-24 --step publish \
        --kill mutation:3[:inside[:K]] | http-body:N | none --trace trace.jsonl [--politeness-dir DIR]

An ``s3://`` lake takes its endpoint and credentials from the standard AWS_* variables
(``S3Options.from_env``), as code outside Airflow does.

Kill points (the process sends itself SIGKILL, so no ``finally``, ``atexit`` or buffered write runs):

- ``mutation:N``: just before the N-th storage mutation (``write_bytes``, ``copy``, ``delete``,
  ``delete_prefix``; a local ``copy`` is a read plus ``write_bytes``, and counts once).
- ``mutation:N:inside[:K]`` (local lake only): in the middle of the N-th mutation — for a write,
  the temporary file is complete and fsynced but not yet renamed into place; for ``delete_prefix``,
  after K of its files are unlinked (K a number), or right after the file named K is unlinked.
- ``http-body:N``: as soon as the N-th HTTP response body has been received in full from the
  socket (httpx's transport is wrapped, not newslake.http, which is not ours to patch).
- ``none``: run undisturbed (the trace then counts the step's mutations and bodies).

Every mutation, body and the kill itself is appended to the trace file (JSON lines) with an
unbuffered ``os.write`` before it happens, so the parent knows where the process died. A kill
point the step never reaches ends the process with exit code 3 and a ``not_reached`` line.

The test hooks live here, in the test tree: production code has none. ``Watch``, ``WatchedStorage``
and ``watch_http_bodies`` are imported by the tests too, to count a step's mutations and bodies
in an undisturbed run (the census the kill points are drawn from).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import signal
import sys
from collections.abc import Iterator
from dataclasses import dataclass

from newslake.storage import Storage

MUTATIONS = ("write_bytes", "copy", "delete", "delete_prefix")
NOT_REACHED_EXIT = 3


@dataclass(frozen=True)
class KillPoint:
    kind: str  # "none" | "mutation" | "http-body"
    n: int = 0
    inside: bool = False
    unlinks: int | str = 1  # inside a delete_prefix: die after this many files are gone, or after this file

    @classmethod
    def parse(cls, text: str) -> KillPoint:
        parts = text.split(":")
        if parts[0] == "none":
            return cls("none")
        if parts[0] not in ("mutation", "http-body") or len(parts) < 2:
            raise ValueError(f"bad kill point {text!r}")
        inside = len(parts) > 2 and parts[2] == "inside"
        unlinks = (int(parts[3]) if parts[3].isdigit() else parts[3]) if len(parts) > 3 else 1
        return cls(parts[0], int(parts[1]), inside, unlinks)

    def __str__(self) -> str:
        if self.kind == "none":
            return "none"
        text = f"{self.kind}:{self.n}"
        return text + (f":inside:{self.unlinks}" if self.inside else "")


class Watch:
    """Counts mutations and response bodies, logs them to the trace, and kills at the point."""

    def __init__(self, point: KillPoint, trace_path: str | None = None):
        self.point = point
        self.mutations: list[dict] = []
        self.bodies: list[str] = []
        self._trace = os.open(trace_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644) if trace_path else None

    def record(self, **event) -> None:
        if self._trace is not None:
            # One unbuffered write per line: whatever was recorded survives the SIGKILL.
            os.write(self._trace, (json.dumps(event, sort_keys=True) + "\n").encode())

    def die(self, **where) -> None:
        self.record(event="kill", point=str(self.point), **where)
        os.kill(os.getpid(), signal.SIGKILL)

    def mutation(self, op: str, detail: dict) -> bool:
        """Called before mutation number len(self.mutations)+1; True if it is to die inside it."""
        self.mutations.append({"op": op, **detail})
        n = len(self.mutations)
        self.record(event="mutation", n=n, op=op, **detail)
        if self.point.kind == "mutation" and self.point.n == n:
            if not self.point.inside:
                self.die(n=n, op=op, phase="before", **detail)
            return True
        return False

    def body_received(self, url: str) -> None:
        self.bodies.append(url)
        n = len(self.bodies)
        self.record(event="http-body", n=n, url=url)
        if self.point.kind == "http-body" and self.point.n == n:
            self.die(n=n, url=url)


class WatchedStorage(Storage):
    """A Storage whose mutations go through a Watch (outermost calls only)."""

    watch: Watch
    _depth = 0

    def _mutate(self, op: str, args: tuple, kwargs: dict):
        if self._depth:  # a local copy is a write_bytes: one mutation, not two
            return getattr(Storage, op)(self, *args, **kwargs)
        detail = {"key": str(args[0]) if args else None}
        if op == "copy":
            detail["target"] = str(args[1])
        if op == "delete_prefix":
            detail["files"] = len(self.list(args[0]))
        inside = self.watch.mutation(op, detail)
        self._depth += 1
        try:
            with _dying_inside(self, op, detail) if inside else contextlib.nullcontext():
                return getattr(Storage, op)(self, *args, **kwargs)
        finally:
            self._depth -= 1


def _mutation_method(op: str):
    def method(self, *args, **kwargs):
        return self._mutate(op, args, kwargs)

    method.__name__ = op
    return method


for _op in MUTATIONS:
    setattr(WatchedStorage, _op, _mutation_method(_op))


@contextlib.contextmanager
def _dying_inside(storage: Storage, op: str, detail: dict) -> Iterator[None]:
    """Die in the middle of a local mutation: before the rename of a write's finished temporary
    file, or after some of a prefix's files are unlinked."""
    if storage.is_s3:
        raise ValueError("an 'inside' kill point needs a local lake (an S3 write is one request)")
    watch = storage.watch
    if op in ("write_bytes", "copy"):
        original = os.replace

        def replace(source, target, *args, **kwargs):
            watch.die(n=len(watch.mutations), op=op, phase="inside: temporary file written, not renamed", temp=str(source), **detail)
            return original(source, target, *args, **kwargs)

        os.replace = replace
        try:
            yield
        finally:
            os.replace = original
    elif op == "delete_prefix":
        original_unlink = os.unlink
        gone = 0

        def unlink(path, *args, **kwargs):
            nonlocal gone
            original_unlink(path, *args, **kwargs)
            gone += 1
            if watch.point.unlinks in (gone, os.path.basename(path)):
                watch.die(n=len(watch.mutations), op=op, phase=f"inside: {gone} file(s) deleted, last {path}", **detail)

        # shutil.rmtree looks os.unlink up at call time.
        os.unlink = unlink
        try:
            yield
        finally:
            os.unlink = original_unlink
    else:
        raise ValueError(f"no 'inside' kill point for {op}")


@contextlib.contextmanager
def watch_http_bodies(watch: Watch) -> Iterator[None]:
    """Report every response body httpx receives in full to ``watch`` (all async clients of this
    process, for the duration)."""
    import httpx

    original = httpx.AsyncHTTPTransport.handle_async_request

    class WatchedStream(httpx.AsyncByteStream):
        def __init__(self, inner: httpx.AsyncByteStream, url: str):
            self.inner, self.url = inner, url

        async def __aiter__(self):
            async for chunk in self.inner:
                yield chunk
            watch.body_received(self.url)  # the last byte is in: the body was received

        async def aclose(self) -> None:
            await self.inner.aclose()

    async def handle_async_request(self, request):
        response = await original(self, request)
        response.stream = WatchedStream(response.stream, str(request.url))
        return response

    httpx.AsyncHTTPTransport.handle_async_request = handle_async_request
    try:
        yield
    finally:
        httpx.AsyncHTTPTransport.handle_async_request = original


def watched_storage(uri: str, watch: Watch) -> WatchedStorage:
    from newslake.storage import S3Options

    storage = WatchedStorage(uri, s3=S3Options.from_env() if uri.startswith("s3://") else None)
    storage.watch = watch
    return storage


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lake", required=True)
    parser.add_argument("--source-json", required=True, help="the Source, as Source.model_dump_json() gives it")
    parser.add_argument("--day", required=True, type=dt.date.fromisoformat)
    parser.add_argument("--step", required=True, choices=("discover", "fetch", "extract", "validate", "publish"))
    parser.add_argument("--kill", default="none", type=KillPoint.parse)
    parser.add_argument("--trace", required=True)
    parser.add_argument("--politeness-dir", default="")
    args = parser.parse_args(argv)

    from newslake import pipeline
    from newslake.config import Settings, Source

    watch = Watch(args.kill, args.trace)
    storage = watched_storage(args.lake, watch)
    settings = Settings(allowed_networks=os.environ.get("NEWSLAKE_ALLOWED_NETWORKS", ""), politeness_dir=args.politeness_dir)
    ctx = pipeline.PartitionContext(Source.model_validate_json(args.source_json), args.day, storage, settings)
    watch.record(event="start", step=args.step, kill=str(args.kill), pid=os.getpid())
    with watch_http_bodies(watch):
        summary = getattr(pipeline, args.step)(ctx)
    done = {"mutations": len(watch.mutations), "http_bodies": len(watch.bodies), "summary": summary}
    if args.kill.kind != "none":
        watch.record(event="not_reached", **done)
        return NOT_REACHED_EXIT
    watch.record(event="done", **done)
    return 0


if __name__ == "__main__":
    sys.exit(main())
