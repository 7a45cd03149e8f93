"""HTTP client: CPU time per response of newslake's ``HttpClient`` against httpx alone (the
library it is built on) and aiohttp (a client with a C parser), on the same page in the same run.

The fetch task's own process is the largest cost of a day besides extraction (docs/PERFORMANCE.md,
"End to end"), and the HTTP client is half of it: this measures how much of that is the client
library, how much newslake's rules on top (address guard, politeness schedule, size caps), and
what another library would save.

A page of real weight (the end-to-end bench's, ~190 KiB) is served on 127.0.0.1 by a server in
its own process, whose CPU is not counted. Each client fetches it ``--requests`` times per
round, 8 requests in flight, over keep-alive connections; the clients take turns, round after
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
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "include"), str(REPO / "bench")]
CONCURRENCY = 8

SERVER = """
import http.server, sys
body = open(sys.argv[1], "rb").read()
class Page(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the sites newslake fetches
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Page)
print(server.server_address[1], flush=True)
server.serve_forever()
"""


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


def measure(port: int, page_bytes: int, requests: int, rounds: int) -> dict[str, float]:
    """CPU ms per response of each client, taking turns ``rounds`` times."""
    for fetch in CLIENTS.values():  # imports, first connections: not timed
        asyncio.run(fetch([f"http://127.0.0.1:{port}/warm/{n}" for n in range(CONCURRENCY)]))
    cpu = dict.fromkeys(CLIENTS, 0.0)
    for round_number in range(rounds):
        for name, fetch in CLIENTS.items():
            urls = [f"http://127.0.0.1:{port}/r{round_number}/{n}.html" for n in range(requests)]
            started = time.process_time()
            received = asyncio.run(fetch(urls))
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

    article = end_to_end.bench_articles(dt.date(2026, 11, 20), 1)[0]
    page = end_to_end.page_html(article, "http://127.0.0.1", "real")
    page_file = Path(os.environ.get("TMPDIR", "/tmp")) / f"newslake-bench-page-{os.getpid()}.html"
    page_file.write_bytes(page)
    cpus = sorted(os.sched_getaffinity(0))
    server = subprocess.Popen([sys.executable, "-c", SERVER, str(page_file)], stdout=subprocess.PIPE, text=True)
    try:
        port = int(server.stdout.readline())
        if len(cpus) > 1:
            os.sched_setaffinity(server.pid, set(cpus[1:]))
        os.sched_setaffinity(0, {cpus[0]})
        per_response = measure(port, len(page), args.requests, args.rounds)
    finally:
        server.terminate()
        server.wait(timeout=10)
        page_file.unlink(missing_ok=True)

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
