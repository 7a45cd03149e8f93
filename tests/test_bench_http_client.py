"""bench/http_client.py, run small for real (a server on 127.0.0.1 in its own process), and its
rows in `make bench`'s table."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from benchmodules import load_bench

REPO = Path(__file__).resolve().parents[1]


def test_http_client_bench_times_the_three_clients_on_the_same_page(tmp_path):
    results = tmp_path / "results"
    results.mkdir()
    done = subprocess.run([sys.executable, str(REPO / "bench" / "http_client.py"), "--requests", "24", "--rounds", "2",
                           "--json", str(results / "http_client.json")], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    figures = json.loads((results / "http_client.json").read_text())
    assert (figures["requests"], figures["rounds"]) == (24, 2)
    assert 150_000 < figures["page_bytes"] < 250_000  # a page of real weight
    per_response = figures["cpu_ms_per_response"]
    assert set(per_response) == {"newslake HttpClient (httpx)", "httpx alone", "aiohttp alone"}
    assert all(ms > 0 for ms in per_response.values()), per_response
    assert "| aiohttp alone |" in done.stdout

    rows = {row[0]: row for row in load_bench("summary").rows(results)}
    ours = next(row for name, row in rows.items() if name.startswith("HTTP client") and "newslake's HttpClient" in name)
    assert ours[1] == f"{per_response['newslake HttpClient (httpx)']:.2f}" and ours[2] == f"{per_response['httpx alone']:.2f}"
