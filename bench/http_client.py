"""HTTP client: CPU time per response of newslake's ``HttpClient`` against httpx alone (the
library it is built on) and aiohttp (a client with a C parser), on the same page in the same run.

The fetch task's own process is the largest cost of a day besides extraction (docs/PERFORMANCE.md,
"End to end"), and the HTTP client about a third of that (this benchmark's figures, in its
section "HTTP client"): this measures how much of that is the client
library, how much newslake's rules on top (address guard, politeness schedule, size caps), and
what another library would save.

A page of real weight (~190 KiB) is served on 127.0.0.1 by the end-to-end bench's site
(``end_to_end.BenchSite``: its own process, whose CPU is not counted). Each client fetches it
``--requests`` times per round, 8 requests in flight, over keep-alive connections; the clients take turns, round after
round (this machine's speed moves from second to second: docs/PERFORMANCE.md), in this process
pinned to one CPU. Reported: CPU milliseconds of this process per response, over all rounds.

    .venv/bin/python bench/http_client.py [--requests 300] [--rounds 3] [--json PATH]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "include"), str(REPO / "bench")]
CONCURRENCY = 8

async def with_newslake(urls: list[str]) -> int:
    from newslake.http import HttpClient, HttpSettings

    settings = HttpSettings(per_host_interval=0, concurrency=CONCURRENCY, allowed_networks=("127.0.0.0/8",), respect_robots=False)
    async with HttpClient(settings) as client:
        results = await asyncio.gather(*(client.fetch(url, accept=("text/html",)) for url in urls))
    assert all(result.ok for result in results), {result.error for result in results}
    return sum(len(result.body) for result in results)


async def with_httpx(urls: list[str]) -> int:
    import httpx

    slots = asyncio.Semaphore(CONCURRENCY)
    limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)
    async with httpx.AsyncClient(limits=limits) as client:

        async def one(url: str) -> int:
            async with slots, client.stream("GET", url) as response:
                return len(b"".join([chunk async for chunk in response.aiter_bytes()]))

        return sum(await asyncio.gather(*(one(url) for url in urls)))


async def with_aiohttp(urls: list[str]) -> int:
    import aiohttp

    slots = asyncio.Semaphore(CONCURRENCY)
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=CONCURRENCY)) as session:

        async def one(url: str) -> int:
            async with slots, session.get(url) as response:
                return len(await response.read())

        return sum(await asyncio.gather(*(one(url) for url in urls)))


CLIENTS = {
    "newslake HttpClient (httpx)": with_newslake,
    "httpx alone": with_httpx,
    "aiohttp alone": with_aiohttp,
}


def measure(page_url: str, page_bytes: int, requests: int, rounds: int) -> dict[str, float]:
    """CPU ms per response of each client, taking turns ``rounds`` times."""
    for fetch in CLIENTS.values():  # imports, first connections: not timed
        asyncio.run(fetch([page_url] * CONCURRENCY))
    cpu = dict.fromkeys(CLIENTS, 0.0)
    for _ in range(rounds):
        for name, fetch in CLIENTS.items():
            started = time.process_time()
            received = asyncio.run(fetch([page_url] * requests))
            cpu[name] += time.process_time() - started
            if received != page_bytes * requests:
                raise SystemExit(f"{name} received {received} bytes, expected {page_bytes * requests}")
    return {name: seconds / (requests * rounds) * 1000 for name, seconds in cpu.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=300, help="responses per client and round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)

    import end_to_end

    day = dt.date(2026, 11, 20)
    article = end_to_end.bench_articles(day, 1)[0]
    cpus = sorted(os.sched_getaffinity(0))
    with end_to_end.BenchSite(1, day, "real") as site:
        page = end_to_end.page_html(article, site.base_url, "real")  # the bytes the site serves for it
        if len(cpus) > 1:
            os.sched_setaffinity(site.process.pid, set(cpus[1:]))
        os.sched_setaffinity(0, {cpus[0]})
        per_response = measure(site.base_url + article.path, len(page), args.requests, args.rounds)

    baseline = per_response["httpx alone"]
    print(f"HTTP client, CPU ms per {len(page) / 1024:.0f} KiB response on 127.0.0.1 ({args.requests} × {args.rounds} rounds, "
          f"{CONCURRENCY} in flight, one core):\n")
    print("| client | CPU ms per response | vs httpx alone |\n| --- | ---: | ---: |")
    for name, ms in per_response.items():
        print(f"| {name} | {ms:.2f} | {ms / baseline:.2f}× |")
    if args.json:
        args.json.write_text(json.dumps({
            "date": dt.date.today().isoformat(), "page_bytes": len(page), "requests": args.requests, "rounds": args.rounds,
            "concurrency": CONCURRENCY, "cpu_ms_per_response": {name: round(ms, 3) for name, ms in per_response.items()},
        }, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
