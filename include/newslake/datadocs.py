"""Great Expectations Data Docs, kept with the lake and written through ``Storage`` (local or S3).

Every validation renders its GX results with GX's own Data Docs renderers (the pages a file
context's site builder makes, without a context on disk) and writes, below the lake root::

    data_docs/index.html                                   the days with validated partitions, newest first
    data_docs/dt=D/index.html                              the day's partitions: source, status, links
    data_docs/dt=D/source=S/articles.html                  GX page of the articles suite on the partition
    data_docs/dt=D/source=S/partition_stats.html           GX page of the run's shares (duplicates, failed fetches)
    data_docs/dt=D/source=S/verdict-<status>.json          the verdict; <status> passed | warned | failed

A validation rebuilds the two indexes it changes from listings, never by reading partitions: its
day's from a listing of ``data_docs/dt=D/`` (the status is in the verdict's file name), and the
days' from a listing of the folders below ``data_docs/`` (a thousand days a request). Neither
grows with the lake's age, as one listing of all of ``data_docs/`` did (~55,000 keys after a year
of 50 sources: 365 × 50 × 3 files). Two tasks validating at the same moment may each render an index before the
other's verdict is written; whichever writes last would leave the other out, so each lists
again once it has written an index and rebuilds it if it changed meanwhile
(``lake.rewrite_until_settled``). The pages load GX's styles from public CDNs, as GX's own Data
Docs do: offline they are plain.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import logging
import re
import time
from pathlib import Path
from typing import TYPE_CHECKING

from newslake import lake
from newslake.storage import Storage

if TYPE_CHECKING:
    from newslake.validate import ValidationVerdict

log = logging.getLogger(__name__)

DOCS_PREFIX = "data_docs"
INDEX_KEY = f"{DOCS_PREFIX}/index.html"
STATUSES = ("passed", "warned", "failed")
_VERDICT_KEY = re.compile(rf"^{DOCS_PREFIX}/dt=(\d{{4}}-\d{{2}}-\d{{2}})/source=([^/]+)/verdict-({'|'.join(STATUSES)})\.json$")
_DAY_FOLDER = re.compile(r"^dt=(\d{4}-\d{2}-\d{2})$")
_PAGE_STYLE = ("<style>body{font-family:sans-serif;margin:2em} table{border-collapse:collapse} "
               "td,th{padding:.3em .8em;border-bottom:1px solid #ddd;text-align:left}</style>")


def partition_prefix(day: dt.date, source_id: str) -> str:
    return f"{DOCS_PREFIX}/{lake.partition(day, source_id)}"


def day_index_key(day: dt.date | str) -> str:
    return f"{DOCS_PREFIX}/dt={day}/index.html"


def build(storage: Storage, verdict: ValidationVerdict, day: dt.date, source_id: str) -> str:
    """Render the verdict's GX results, store them with the lake, refresh the day's index and
    the days' index; return the URL of the partition's articles page."""
    started = time.perf_counter()
    prefix = partition_prefix(day, source_id)
    verdict.data_docs = storage.url(f"{prefix}/articles.html")
    banner = f'<pre style="white-space: pre-wrap; margin: 1em;">{html.escape(verdict.message())}</pre>'
    for table_name, result in verdict.gx_results.items():
        storage.write_bytes(f"{prefix}/{table_name}.html", render_validation_page(result, banner=banner).encode())
    for status in STATUSES:
        if status != verdict.status:
            storage.delete(f"{prefix}/verdict-{status}.json")
    lake.write_json(storage, f"{prefix}/verdict-{verdict.status}.json", verdict.to_dict())
    write_day_index(storage, day)
    write_index(storage)
    log.info("Data Docs built in %.2f s", time.perf_counter() - started)
    return verdict.data_docs


def render_validation_page(result, *, banner: str = "") -> str:
    """One GX validation result as a standalone Data Docs page for data_docs/dt=D/source=S/."""
    from newslake.validate import import_great_expectations

    import_great_expectations()
    from great_expectations.render.renderer import ValidationResultsPageRenderer
    from great_expectations.render.view import DefaultJinjaPageView

    page = DefaultJinjaPageView().render(ValidationResultsPageRenderer().render(result))
    # GX's links assume its site layout (validations/<suite>/<run>/<time>/<batch>.html): point
    # "home" at the day's index, drop the favicon and the suite pages we do not build.
    page = re.sub(r'href="(?:\.\./)+index\.html"', 'href="../index.html"', page)
    page = re.sub(r'href="(?:\.\./)+expectations/[^"]*"', 'href="#"', page)
    page = re.sub(r'<link[^>]*favicon[^>]*>', "", page)
    return re.sub(r"(<body[^>]*>)", lambda match: match.group(1) + banner, page, count=1)


def write_index(storage: Storage) -> str:
    """Rebuild data_docs/index.html, the days, from a listing of the folders below data_docs/
    (until a listing after the write matches it: lake.rewrite_until_settled)."""

    def days() -> list[str]:
        return sorted((match.group(1) for name in storage.list_folders(f"{DOCS_PREFIX}/")
                       if (match := _DAY_FOLDER.match(name))), reverse=True)

    lake.rewrite_until_settled("Data Docs index", days, lambda listed: storage.write_bytes(INDEX_KEY, render_index(listed).encode()))
    return storage.url(INDEX_KEY)


def write_day_index(storage: Storage, day: dt.date | str) -> str:
    """Rebuild data_docs/dt=D/index.html, the day's partitions and their status, from a listing
    of data_docs/dt=D/ (until a listing after the write matches it: lake.rewrite_until_settled)."""
    key = day_index_key(day)
    lake.rewrite_until_settled(
        f"Data Docs index of {day}", lambda: _verdict_entries(storage, f"{DOCS_PREFIX}/dt={day}/"),
        lambda entries: storage.write_bytes(key, render_day_index(str(day), entries).encode()),
    )
    return storage.url(key)


def _verdict_entries(storage: Storage, day_prefix: str) -> list[tuple[str, str, str]]:
    """(day, source, status) of every verdict below one day's folder, by source from a to z."""
    return sorted((match.groups() for key in storage.list(day_prefix) if (match := _VERDICT_KEY.match(key))),
                  key=lambda entry: entry[1])


def render_index(days: list[str]) -> str:
    rows = "\n".join(f'<tr><td><a href="dt={day}/index.html">{day}</a></td></tr>' for day in days)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>newslake Data Docs</title>
{_PAGE_STYLE}
</head><body>
<h1>newslake Data Docs</h1>
<p>The days with a validated partition ({len(days)}), newest first: each day's page lists its partitions, the
Great Expectations verdict of each one's latest validation, and its pages. The suite is
<code>include/quality/articles_suite.yaml</code>; a failed partition is in <code>quarantine/</code>, not in <code>articles/</code>.
The Airflow UI's lake health page shows every source and day at once.</p>
<table><tr><th>day</th></tr>
{rows}
</table></body></html>
"""


def render_day_index(day: str, entries: list[tuple[str, str, str]]) -> str:
    colours = {"passed": "#1a7f37", "warned": "#9a6700", "failed": "#cf222e"}
    rows = "\n".join(
        f'<tr><td>{html.escape(source)}</td>'
        f'<td style="color:{colours[status]};font-weight:bold">{status}</td>'
        f'<td><a href="source={html.escape(source)}/articles.html">articles</a> · '
        f'<a href="source={html.escape(source)}/partition_stats.html">partition stats</a> · '
        f'<a href="source={html.escape(source)}/verdict-{status}.json">verdict</a></td></tr>'
        for _, source, status in entries
    )
    counts = ", ".join(f"{sum(1 for e in entries if e[2] == s)} {s}" for s in STATUSES)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>newslake Data Docs, {day}</title>
{_PAGE_STYLE}
</head><body>
<p><a href="../index.html">All days</a></p>
<h1>newslake Data Docs, {day}</h1>
<p>The Great Expectations verdict of each partition's latest validation ({len(entries)} partition{"" if len(entries) == 1 else "s"}: {counts}).</p>
<table><tr><th>source</th><th>status</th><th>pages</th></tr>
{rows}
</table></body></html>
"""


def write_all_indexes(storage: Storage) -> None:
    """Rebuild every day's index and the days' index (``make docs``; a lake written before the
    day indexes existed)."""
    for day in {match.group(1) for key in storage.list(f"{DOCS_PREFIX}/") if (match := _VERDICT_KEY.match(key))}:
        write_day_index(storage, day)
    write_index(storage)


def sync_to_local(storage: Storage, target: Path) -> Path:
    """Copy the lake's data_docs/ to ``target``/data_docs (for an S3 lake) and rebuild the
    index there; return the folder to serve."""
    local = Storage(str(target))
    for key in storage.list(f"{DOCS_PREFIX}/"):
        local.write_bytes(key, storage.read_bytes(key))
    write_all_indexes(local)
    return Path(local.path(DOCS_PREFIX))


def local_docs_folder(storage: Storage, target: Path) -> Path:
    """The folder holding the lake's Data Docs on this machine (a local lake's own, refreshed;
    an S3 lake's, copied to ``target``). A lake that does not exist raises
    queries.LakeNotFoundError: nothing is written, neither there nor in ``target``."""
    from newslake.queries import require_lake

    require_lake(storage)
    if storage.is_s3:
        return sync_to_local(storage, target)
    write_all_indexes(storage)
    return Path(storage.path(DOCS_PREFIX))


def serve(folder: Path, port: int) -> None:
    """Serve ``folder`` on http://127.0.0.1:port/ until interrupted."""
    import functools
    import http.server

    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    with http.server.ThreadingHTTPServer(("127.0.0.1", port), handler) as server:
        print(f"Data Docs of {folder} at http://127.0.0.1:{server.server_address[1]}/ (Ctrl-C to stop)", flush=True)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass


def read_verdict(storage: Storage, day: dt.date, source_id: str) -> dict | None:
    """The verdict stored with a partition's Data Docs, if any."""
    prefix = partition_prefix(day, source_id)
    for status in STATUSES:
        key = f"{prefix}/verdict-{status}.json"
        if storage.exists(key):
            return json.loads(storage.read_bytes(key))
    return None
