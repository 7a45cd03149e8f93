"""Fetch efficiency under politeness: how close does the HTTP client get to the rate the
per-host limit allows?

20 local "hosts" (HTTP servers on 127.0.0.1, one port each — the client spaces requests per
host:port), each answering after 200 ms, crawled at 1 request/s per host. The politeness bound
is hosts × rate. With n requests per host, the fastest schedule the bound allows takes
(n - 1)/rate + latency seconds; the figure of merit is that over the measured wall time, i.e.
the achieved rate over the politeness bound (target ≥ 0.95; 1.0 is a perfect crawler).

    .venv/bin/python bench/fetch_politeness.py [--hosts 20] [--per-host 10] [--latency 0.2] [--rate 1]
"""

from __future__ import annotations

import argparse
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


def start_slow_host(latency: float) -> ThreadingHTTPServer:
    class SlowHandler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            time.sleep(latency)
            body = b"<html><body><p>article</p></body></html>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), SlowHandler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def run(hosts: int, per_host: int, latency: float, rate: float) -> dict[str, float]:
    from dataclasses import fields

    from newslake.http import HttpSettings, fetch_all

    servers = [start_slow_host(latency) for _ in range(hosts)]
    try:
        urls = [f"http://127.0.0.1:{s.server_port}/article/{i}" for i in range(per_host) for s in servers]
        options = {"per_host_interval": 1.0 / rate, "concurrency": hosts * 2}
        if "allowed_networks" in {f.name for f in fields(HttpSettings)}:
            options["allowed_networks"] = ("127.0.0.0/8",)
        if "respect_robots" in {f.name for f in fields(HttpSettings)}:
            options["respect_robots"] = False  # measure page fetching, not robots.txt look-ups
        started = time.perf_counter()
        results = fetch_all(urls, HttpSettings(**options), accept=("text/html",))
        elapsed = time.perf_counter() - started
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()
    failed = sum(1 for r in results if not r.ok)
    # Per host, n requests spaced 1/rate apart take (n - 1)/rate + latency at best.
    best_possible = (per_host - 1) / rate + latency
    return {
        "requests": len(urls),
        "failed": failed,
        "seconds": elapsed,
        "best_seconds": best_possible,
        "efficiency": best_possible / elapsed,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--hosts", type=int, default=20)
    parser.add_argument("--per-host", type=int, default=10)
    parser.add_argument("--latency", type=float, default=0.2)
    parser.add_argument("--rate", type=float, default=1.0, help="requests per second per host")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    result = run(args.hosts, args.per_host, args.latency, args.rate)
    if args.json:
        args.json.write_text(json.dumps({**vars(args), "json": None, **result}, indent=2) + "\n")
    print(f"fetch politeness: {args.hosts} hosts × {args.per_host} requests, {args.latency * 1000:.0f} ms latency, {args.rate:g} req/s per host")
    print(f"  {result['requests']} requests ({result['failed']} failed) in {result['seconds']:.2f} s")
    print(f"  the politeness bound allows it in {result['best_seconds']:.2f} s at best")
    print(f"  efficiency (achieved rate / politeness bound): {result['efficiency']:.3f}   (target ≥ 0.95)")


if __name__ == "__main__":
    main()
