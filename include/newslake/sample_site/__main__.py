"""``python -m newslake.sample_site [--port 8765]``: serve the sample site until Ctrl-C."""

from __future__ import annotations

import argparse
import signal
import threading

from newslake.sample_site.server import serve_sample_site


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m newslake.sample_site",
        description="Serve the offline sample news site on 127.0.0.1.",
    )
    parser.add_argument("--port", type=int, default=8765, help="port to listen on (0: any free port)")
    args = parser.parse_args(argv)
    # A plain `kill` (or a supervisor stopping the job) should close the socket like Ctrl-C does.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    with serve_sample_site(port=args.port) as site:
        print(f"Serving the sample news site at {site.base_url}/ (Ctrl-C to stop)", flush=True)
        try:
            threading.Event().wait()  # the server runs in its own thread; sleep until Ctrl-C
        except KeyboardInterrupt:
            print("Stopped.", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
