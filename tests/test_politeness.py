"""Politeness holds across processes: parallel task processes crawling one host share its rate."""

from __future__ import annotations

import multiprocessing
import time

import pytest

from localserver import LocalServer, Response
from newslake.politeness import SharedHostClock

INTERVAL = 0.3


@pytest.fixture
def timed_server(start_local_server) -> LocalServer:
    """A page everywhere; ``times()`` are the request starts as the server saw them."""
    return start_local_server(lambda request, http: Response(200, b"<html><body><p>ok</p></body></html>", "text/html"))


def crawl(base_url: str, worker: int, politeness_dir: str | None, results) -> None:
    from newslake.http import HttpSettings, fetch_all

    settings = HttpSettings(per_host_interval=INTERVAL, allowed_networks=("127.0.0.0/8",), respect_robots=False,
                            politeness_dir=politeness_dir)
    # Warm up the fresh process (imports, first connection) outside the measured crawl, so
    # that what the server sees is the schedule and not a cold start.
    fetch_all([f"{base_url}/warmup/{worker}"], HttpSettings(allowed_networks=("127.0.0.0/8",), respect_robots=False))
    outcome = fetch_all([f"{base_url}/w{worker}/{i}" for i in range(3)], settings)
    results.put(sum(1 for r in outcome if r.ok))


def run_workers(base_url: str, politeness_dir: str | None) -> int:
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    workers = [context.Process(target=crawl, args=(base_url, n, politeness_dir, results)) for n in range(3)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    return sum(results.get(timeout=5) for _ in workers)


def test_three_processes_share_one_host_rate(timed_server, tmp_path):
    assert run_workers(timed_server.base_url, str(tmp_path / "politeness")) == 9
    starts = [request.at for request in timed_server.requests if not request.path.startswith("/warmup")]
    gaps = [later - earlier for earlier, later in zip(sorted(starts), sorted(starts)[1:], strict=False)]
    assert len(starts) == 9
    # Request starts are spaced whichever process sent them: 9 requests span 8 intervals. (A
    # single gap can look shorter at the server by the time a fresh process takes to connect.)
    assert sorted(starts)[-1] - sorted(starts)[0] >= 8 * INTERVAL * 0.95, gaps
    assert min(gaps) >= INTERVAL * 0.5, gaps


def test_without_a_shared_clock_processes_would_overlap(timed_server):
    """The control: the same crawl without the shared folder bunches requests together,
    which is what the shared clock prevents (so the test above can fail)."""
    assert run_workers(timed_server.base_url, None) == 9
    starts = [request.at for request in timed_server.requests if not request.path.startswith("/warmup")]
    gaps = [later - earlier for earlier, later in zip(sorted(starts), sorted(starts)[1:], strict=False)]
    assert min(gaps) < INTERVAL * 0.5


def test_reservations_queue_up_and_defer_pushes_the_next_slot(tmp_path):
    clock = SharedHostClock(tmp_path)
    first = clock.reserve("news.example:443", 1.0)
    second = clock.reserve("news.example:443", 1.0)
    assert second - first == pytest.approx(1.0, abs=0.01)
    assert clock.reserve("other.example:443", 1.0) < second  # hosts are independent
    clock.defer("news.example:443", time.time() + 30)
    assert clock.reserve("news.example:443", 1.0) >= time.time() + 29


def test_a_slightly_late_reservation_keeps_the_cadence_a_late_one_restarts_it(tmp_path):
    clock = SharedHostClock(tmp_path)
    first = clock.reserve("news.example:443", 0.2)
    # The next free slot is first + 0.2; we come 0.05 s after it, within a slack of 0.1: the
    # slot given is the free one (already past, so no wait), and the one after follows it.
    time.sleep(max(0.0, first + 0.25 - time.time()))
    kept = clock.reserve("news.example:443", 0.2, slack=0.1)
    assert kept == pytest.approx(first + 0.2, abs=1e-6)
    assert clock.reserve("news.example:443", 0.2, slack=0.1) == pytest.approx(first + 0.4, abs=1e-6)
    # Later than the slack after the free slot (first + 0.6): the cadence restarts at now.
    time.sleep(max(0.0, first + 0.75 - time.time()))
    before = time.time()
    restarted = clock.reserve("news.example:443", 0.2, slack=0.1)
    assert before <= restarted <= time.time()
    # Without slack (the default) a late caller always starts from now.
    time.sleep(max(0.0, restarted + 0.25 - time.time()))
    before = time.time()
    assert clock.reserve("news.example:443", 0.2) >= before
