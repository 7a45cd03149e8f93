"""How steady is this machine's speed? The same pages extracted again and again, one pass after
the other, in one process pinned to one core: on a steady machine every pass gives about the
same pages per CPU second; on this project's virtual machine they move by a third and more
from one second to the next (docs/PERFORMANCE.md), which is why the benchmarks' ratios are
measured in one run, and why the end-to-end benchmark's yardstick is timed over all its
passes rather than the best one.

    .venv/bin/python bench/machine_speed.py [--pages 40] [--passes 12]

The pages: ``--pages`` of the end-to-end benchmark's day, with the chrome of a real outlet's
page (``end_to_end.page_html(..., "real")``, ~190 KiB each). The first pass warms up (the
language model loads) and is left out.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path[:0] = [str(Path(__file__).resolve().parents[1] / "include"), str(Path(__file__).resolve().parent)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=40)
    parser.add_argument("--passes", type=int, default=12)
    args = parser.parse_args(argv)

    import end_to_end

    from newslake.extract import extract_article

    articles = end_to_end.evenly_spread(end_to_end.DAY, 2000, args.pages)
    documents = [(end_to_end.page_html(a, "http://h", "real").decode(), "http://h" + a.path) for a in articles]
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    rates = []
    for index in range(args.passes + 1):
        started = time.process_time()
        for html, url in documents:
            extract_article(html, url, default_timezone=end_to_end.TIMEZONE)
        if index:  # the first pass warms up
            rates.append(len(documents) / (time.process_time() - started))
    print(f"{len(documents)} pages, {args.passes} passes, pages per CPU second, one pass after the other:")
    print(" ".join(f"{rate:.1f}" for rate in rates))
    print(f"slowest {min(rates):.1f}, fastest {max(rates):.1f} ({max(rates) / min(rates) - 1:+.0%})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
