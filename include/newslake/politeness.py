"""Per-host politeness shared across processes.

One HttpClient spaces its own requests to a host. But a backfill runs several days of a source at
once, each in its own task process, and several sources may share a host: without coordination
each process would send its own 1 request/s. ``SharedHostClock`` keeps, per host, the time before
which no request may start, in a small file locked with ``fcntl.flock``; every process reserves
its slot under the lock, then sleeps until it. Any number of task processes on one machine (the
Local executor, `dag.test`, several workers on one host) therefore share one rate per host. With
workers on several machines, point ``politeness_dir`` at a filesystem they share that honours
flock, or use one Airflow pool slot per host (docs/ later).
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import time
from pathlib import Path


class SharedHostClock:
    def __init__(self, directory: str | os.PathLike[str]):
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)

    def _path(self, host_key: str) -> Path:
        # Hashed: a host key (user-controlled, from URLs) never becomes a path of its own.
        return self.directory / f"{hashlib.sha256(host_key.encode()).hexdigest()[:32]}.next"

    def reserve(self, host_key: str, interval: float, *, not_before: float = 0.0, slack: float = 0.0) -> float:
        """Take the next start slot of ``host_key``; return its wall-clock time (``time.time()``).

        The slot is at or after ``not_before`` and the previous reservation's slot plus that
        reservation's interval, and at or after now — unless now is at most ``slack`` seconds
        past that free slot: then the slot is the free one, so a caller that comes a little
        late keeps the cadence instead of pushing every later slot back. Blocking (a file lock
        held for microseconds): call it from a thread when in an event loop."""
        with open(self._path(host_key), "a+b") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                handle.seek(0)
                recorded = handle.read().strip()
                next_free = float(recorded) if recorded else 0.0
                now = time.time()
                start = max(next_free, not_before)
                if now - start > slack:
                    start = now
                handle.seek(0)
                handle.truncate()
                handle.write(f"{start + interval:.6f}".encode())
                handle.flush()
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
        return start

    def defer(self, host_key: str, until: float) -> None:
        """Nobody starts a request to ``host_key`` before ``until`` (a Retry-After, wall clock)."""
        self.reserve(host_key, 0.0, not_before=until)
