"""End to end: one day of 2,000 article pages, from discovery to the published, validated
partition, through Airflow — pages/s against the pure extraction rate, where the time goes,
and the memory each task needs.

What runs:

* **the site**: a subprocess serves on 127.0.0.1 a day of ``--pages`` article pages (default
  2,000) built with the sample site's own page templates (``sample_site.pages.article_page``:
  the four outlets' layouts in turn, with all their chrome), each with a text of its own —
  title and paragraphs drawn with a seeded RNG from the sample site's vocabulary of that
  language, word for word in place of the original's, punctuation kept, so no two pages are
  alike — listed by one sitemap (``lastmod`` on the day), plus a robots.txt that allows
  everything. ``--weight real`` serves the same pages with what a real outlet's page carries
  besides (``real_weight_chrome``: inlined CSS and scripts, an icon sprite, a mega menu, teaser
  lists, ad slots, a sitemap footer; ~190 KiB and ~890 elements a page, about the median of the
  corpus's real pages, against ~10 KiB and ~140 elements). Every response is rendered before
  the site says it is ready, as a CDN's cache holds a news site's pages: the site shares the
  two cores with the run, and a real site's rendering would not;
* **the source**: one entry in a sources file written for the run, with
  ``requests_per_second: 100``: our own loopback server, and 100 is the most the sources file
  accepts (``Source.requests_per_second``, ``le=100``), so the fetch step cannot take less
  than pages/100 seconds — the *politeness floor*, shown in the breakdown;
* **the run**: the source DAG for that day through Airflow (``orchestration.run_once``, i.e.
  ``dag.test()``: real task runs in this process, recorded in a SQLite metadata DB migrated in
  a temporary ``AIRFLOW_HOME``), lake in a temporary folder. Each page count of ``--rss-pages``
  (default 500, 1000 and ``--pages``) runs in a fresh process, so each task's peak memory is
  its own. The run must publish every page as an article, validated, each with exactly its
  page's paragraphs as its text, or the bench fails.

Measured:

* **wall**: ``run_once`` from call to return (the DAG run start to the published partition,
  Airflow's own work included); pages/s = pages / wall. Airflow's in-process execution API,
  which ``dag.test()`` builds once per process on its first task (~7 s), is started before
  the clock and its time reported apart: a deployment's API server is up before any DAG run;
* **per task**: start and end of each task instance, from the metadata DB, and the step's own
  time (``run_metrics``: discover, fetch, extract), the rest of the task being its set-up
  (Airflow's execution API, settings, imports); Airflow around the tasks = wall − the sum of
  the task durations (DAG run creation, scheduling, XCom);
* **fetch**: the rate at which the site saw the article requests, first to last;
* **extract**, split: pages (reading the raw zone, extraction in the process pool, the
  per-URL decisions) and writing the Parquet files, as the step reports them; the pool's CPU
  seconds (``getrusage(RUSAGE_CHILDREN)``);
* **memory and CPU**: a thread samples every 0.2 s the RSS of the process that runs the tasks,
  the USS of its worker processes (memory they do not share with it) and the CPU seconds of
  both; per task: RSS at its start and at its peak, the workers' peak, CPU seconds used;
* **pure extraction**, in the same bench run just before and just after the ``--pages`` DAG
  run (the mean of the two; see ``pure_before_and_after``): ``extract_article`` on ``--sample``
  pages of the same day (rendered as the site renders them), one process pinned to one CPU, CPU
  time (``time.process_time``, which other load on the machine barely moves) and wall, over all
  of its passes (``pure_extraction_rate`` says why not the best one); × 2 cores is the
  yardstick: ratio = end-to-end pages/s ÷ (pure pages/s × 2), and the same for the fetch and
  extract tasks together (pages are extracted while they are fetched,
  the extract task taking the results; the summary says how many).

On a busy machine the wall figures say little: with the kernel's autogroup scheduling (the
default on most Linux desktops and VMs) a session's processes share one fair slice of the CPUs,
so a busy neighbour can take as much from two extract workers as from one. The load average at the
start and at the end is printed; quote figures from a run on a quiet machine, or its CPU seconds.

``--profile PATH`` also writes a cProfile of the extract task of the ``--pages`` run (the task
process only; the pool workers run ``extract_article``) and prints its top functions; profiling
slows that task, so take the other figures from a run without it.

    .venv/bin/python bench/end_to_end.py [--pages 2000] [--rss-pages 500 1000] [--sample 200]
                                         [--weight sample|real] [--workers N] [--profile PATH]
                                         [--json PATH]
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import functools
import itertools
import json
import os
import random
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from html import escape as html_escape
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "include"))

SOURCE_ID = "bench-daily"
TIMEZONE = "Africa/Casablanca"
REQUESTS_PER_SECOND = 100
# The main run's day; the smaller runs take the days before, so each DAG run has its own logical date.
DAY = dt.date(2026, 11, 20)
SEED = "newslake-bench-end-to-end"
TASKS = ("discover", "fetch", "extract", "validate", "publish")


# -- the day's pages ----------------------------------------------------------------------------


_VOCABULARY: dict[str, list[str]] = {}
_TEMPLATE_POSITION: dict[str, int] = {}


def bench_articles(day: dt.date, count: int) -> list:
    """``count`` articles of ``day`` (local time), each a sample-site original with a title and
    paragraphs of its own: each of the original's words replaced by one drawn from the sample
    site's vocabulary of its language (``_drawn``), with an RNG seeded by the page number."""
    from zoneinfo import ZoneInfo

    from newslake.sample_site.content import ARTICLES, ORIGINAL_ARTICLES

    templates = [a for a in ORIGINAL_ARTICLES if a.image_path is not None]
    # Spread over 00:30–23:30 local time, away from midnight, so every page is on the day in any outlet's zone.
    first = dt.datetime.combine(day, dt.time(0, 30), tzinfo=ZoneInfo(TIMEZONE))
    step = dt.timedelta(hours=23) / max(count, 1)
    articles = []
    for number in range(count):
        template = templates[number % len(templates)]
        rng = random.Random(f"{SEED}/{day}/{number}")
        words = _vocabulary()[template.language]
        slug = f"{template.slug}-{number:05d}"
        title = _drawn(rng, words, template.title)
        published_at = (first + step * number).astimezone(template.published_at.tzinfo)
        image_path = template.image_path.rsplit("/", 1)[0] + f"/{slug}.jpg"
        articles.append(
            dataclasses.replace(
                template, slug=slug, title=title[:1].upper() + title[1:], published_at=published_at, modified_at=None,
                paragraphs=tuple(_drawn(rng, words, p) for p in template.paragraphs), image_path=image_path,
            )
        )
        _TEMPLATE_POSITION[slug] = ARTICLES.index(template)
    _use_template_positions()
    return articles


# A token of a text: leading punctuation, the word, trailing punctuation.
_TOKEN = re.compile(r"(\W*)(.*?)(\W*)", re.S)


def _vocabulary() -> dict[str, list[str]]:
    """The words of the sample site's articles, by language, without their punctuation."""
    from newslake.sample_site.content import ARTICLES

    if not _VOCABULARY:
        for item in ARTICLES:
            words = (_TOKEN.fullmatch(token).group(2) for token in " ".join((item.title, *item.paragraphs)).split())
            _VOCABULARY.setdefault(item.language, []).extend(word for word in words if word)
    return _VOCABULARY


def _drawn(rng: random.Random, words: list[str], like: str) -> str:
    """``like`` with each word replaced by one drawn from ``words``, its punctuation kept:
    readability scores a paragraph by its commas, so a drawn text must have the original's."""
    drawn = []
    for token in like.split():
        before, word, after = _TOKEN.fullmatch(token).groups()
        drawn.append(before + (rng.choice(words) if word else "") + after)
    return " ".join(drawn)


def _use_template_positions() -> None:
    """The page templates number each sample article by its place in ``ARTICLES`` (to vary which
    comments and sidebar links it shows); a bench article takes its template's number."""
    from newslake.sample_site import pages

    if getattr(pages._position, "bench", False):
        return
    original = pages._position

    def position(article) -> int:
        return _TEMPLATE_POSITION[article.slug] if article.slug in _TEMPLATE_POSITION else original(article)

    position.bench = True
    pages._position = position


def page_html(article, base_url: str, weight: str = "sample") -> bytes:
    """The page the site serves: the sample site's own, or with ``weight="real"`` the same page
    carrying the chrome of a real outlet's page (``real_weight_chrome``)."""
    from newslake.sample_site.pages import article_page

    html = article_page(article, base_url)
    if weight == "real":
        head, body_start, body_end = real_weight_chrome(article.language, _page_number(article))
        html = html.replace("</head>", head + "</head>", 1)
        html = re.sub(r"(<body[^>]*>)", lambda m: m.group(1) + body_start, html, count=1)
        html = html.replace("</body>", body_end + "</body>", 1)
    return html.encode()


def _page_number(article) -> int:
    return int(article.slug.rsplit("-", 1)[1])


# The corpus's 78 real pages (../shared/corpus/readability-pages), as measured with lxml:
# median 181 KB and 864 elements, of which 43 KB scripts and styles. A sample-site page is
# ~10 KiB and ~140 elements; real_weight_chrome brings it to about the corpus's median.
CHROME_VARIANTS = 16


@functools.cache  # at most CHROME_VARIANTS per language
def _chrome_variant(language: str, variant: int) -> tuple[str, str, str]:
    rng = random.Random(f"{SEED}/chrome/{language}/{variant}")
    words = _vocabulary()[language]

    def phrase(count: int) -> str:
        return html_escape(" ".join(rng.choice(words) for _ in range(count)))

    def slug() -> str:
        return "-".join(re.sub(r"\W+", "", rng.choice(words).lower()) or "x" for _ in range(4))

    def ident() -> str:
        return "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(2, 9)))

    def tracking() -> str:
        # The analytics payload real CMSs put on every link (an attribute, so no extra element).
        payload = {"event": "click", "zone": ident(), "position": rng.randint(1, 40), "label": slug(), "ab": ident(), "uid": f"{rng.randrange(16**12):012x}"}
        return html_escape(json.dumps(payload), quote=True)

    # <head>: the theme's CSS inlined, an analytics/consent configuration, an ad-slot set-up.
    css = "".join(
        f".{ident()}-{ident()}{{display:{rng.choice(['flex', 'block', 'grid', 'none'])};margin:{rng.randint(0, 40)}px "
        f"{rng.randint(0, 40)}px;color:#{rng.randrange(16**6):06x};font-size:{rng.randint(10, 32)}px}}\n"
        for _ in range(150)
    )
    config = json.dumps({
        "consent": {"vendors": [{"id": rng.randrange(10**6), "name": ident(), "purposes": rng.sample(range(1, 11), 4)} for _ in range(60)]},
        "analytics": {"page_type": "article", "keys": [ident() for _ in range(40)]},
    })
    slots = "".join(
        f"googletag.defineSlot('/{rng.randrange(10**8)}/{ident()}/{ident()}', [[300, 250], [728, 90]], 'ad-{i}').addService(pubads);\n"
        for i in range(12)
    )
    head = (f"<style>{css}</style>\n<script>window.__CONFIG__ = {config};</script>\n"
            f"<script>var pubads = googletag.pubads();\n{slots}googletag.enableServices();</script>\n"
            + "".join(f'<link rel="preload" as="font" href="/assets/fonts/{ident()}.woff2" crossorigin>\n' for _ in range(8)))
    # Start of <body>: an SVG icon sprite and the mega menu (12 sections of 12 links).
    sprite = "".join(
        f'<symbol id="icon-{ident()}" viewBox="0 0 24 24"><path d="M{rng.randint(0, 24)} {rng.randint(0, 24)}'
        + "".join(f"l{rng.randint(-9, 9)} {rng.randint(-9, 9)}" for _ in range(30)) + 'z"/></symbol>'
        for _ in range(30)
    )
    menu = "".join(
        f'<li class="mega-menu__item mega-menu__item--level-1 js-menu-toggle"><a class="mega-menu__link" href="/section/{slug()}/" '
        f'data-analytics="{tracking()}">{phrase(2)}</a><ul class="mega-menu__list mega-menu__list--level-2">'
        + "".join(f'<li class="mega-menu__item mega-menu__item--level-2"><a class="mega-menu__link" href="/section/{slug()}/" '
                  f'data-analytics="{tracking()}">{phrase(rng.randint(1, 3))}</a></li>' for _ in range(12))
        + "</ul></li>"
        for _ in range(12)
    )
    body_start = (f'<svg xmlns="http://www.w3.org/2000/svg" style="display:none">{sprite}</svg>\n'
                  f'<nav class="mega-menu" aria-label="menu"><ul>{menu}</ul></nav>\n')

    # End of <body>: "most read" and "related" teasers, ad slots, a sitemap footer, the page's scripts.
    def teasers(css_class: str, count: int) -> str:
        return f'<aside class="{css_class}"><h2>{phrase(2)}</h2>' + "".join(
            f'<article class="teaser teaser--compact" data-id="{rng.randrange(10**9)}"><a class="teaser__link" href="/{slug()}.html" '
            f'data-analytics="{tracking()}"><img class="teaser__image" src="/medias/{slug()}.jpg" alt="{phrase(5)}" loading="lazy" '
            f'srcset="{", ".join(f"/medias/{w}/{slug()}.webp {w}w" for w in (160, 320, 480, 640, 960, 1280))}" sizes="(max-width: 768px) 100vw, 320px">'
            f"<h3>{phrase(rng.randint(8, 14))}</h3></a><p>{phrase(rng.randint(15, 25))}</p><time>{rng.randint(1, 23)} h</time></article>"
            for _ in range(count)
        ) + "</aside>\n"

    footer = '<footer class="site-footer--full">' + "".join(
        f"<div class=\"footer-col\"><h4>{phrase(2)}</h4><ul>"
        + "".join(f'<li class="footer-col__item"><a class="footer-col__link" href="/{slug()}/" data-analytics="{tracking()}">'
                  f'{phrase(rng.randint(1, 3))}</a></li>' for _ in range(15)) + "</ul></div>"
        for _ in range(6)
    ) + "".join(f'<a class="social" href="/{slug()}"><svg><use href="#icon-{ident()}"></use></svg></a>' for _ in range(8)) + "</footer>\n"
    state = json.dumps({"teasers": [{"id": rng.randrange(10**9), "title": phrase(10), "summary": phrase(30), "url": f"/{slug()}.html"}
                                    for _ in range(60)]}, ensure_ascii=False)
    bundle = "".join(
        f"function {ident()}({ident()},{ident()}){{var {ident()}={rng.randrange(10**6)};if({ident()}.{ident()}){{return {ident()}"
        f"({ident()}.{ident()}+{rng.randint(0, 99)})}}for(var i=0;i<{rng.randint(2, 64)};i++){{{ident()}.push(i*{rng.randint(2, 9)})}}"
        f"return {ident()}}}\n"
        for _ in range(110)
    )
    body_end = (teasers("most-read", 10) + teasers("related-posts", 8)
                + "".join(f'<div class="ad-slot" id="ad-{i}" data-sizes="300x250,728x90"></div>' for i in range(12))
                + footer + f"<script>window.__INITIAL_STATE__ = {state};</script>\n<script>{bundle}</script>\n")
    return head, body_start, body_end


def real_weight_chrome(language: str, number: int) -> tuple[str, str, str]:
    """What a real outlet's article page carries besides the sample page: (for <head>, for the
    start of <body>, for its end), one of CHROME_VARIANTS per language (a CMS's chrome changes
    little from page to page)."""
    return _chrome_variant(language, number % CHROME_VARIANTS)


def sitemap_xml(articles, base_url: str) -> bytes:
    from xml.sax.saxutils import escape

    urls = "\n".join(
        f"<url><loc>{escape(base_url + a.path)}</loc><lastmod>{a.published_at.isoformat(timespec='seconds')}</lastmod></url>"
        for a in articles
    )
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
            f"{urls}\n</urlset>\n").encode()


# -- the site (its own process) -------------------------------------------------------------------


def serve(pages: int, day: dt.date, weight: str = "sample") -> None:
    """Serve the day's pages on 127.0.0.1 (HTTP/1.1, keep-alive) until stdin closes; print the
    base URL, and at the end when the article pages were requested (first, last, how many)."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    articles = bench_articles(day, pages)
    page_requests: list[float] = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), None)
    base_url = f"http://127.0.0.1:{server.server_address[1]}"
    # Every response rendered before the site says it is ready, as a CDN's cache holds a news site's
    # pages: a real site renders on its own machines, not on the two cores the bench measures, so
    # what the site costs those cores during the run is only the serving.
    responses = {
        "/sitemap.xml": ("application/xml; charset=utf-8", sitemap_xml(articles, base_url)),
        "/robots.txt": ("text/plain; charset=utf-8", b"User-agent: *\nAllow: /\n"),
    }
    articles_paths = {a.path for a in articles}
    responses.update({a.path: ("text/html; charset=utf-8", page_html(a, base_url, weight)) for a in articles})

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            if self.path in articles_paths:
                page_requests.append(time.time())
            status, (content_type, body) = (200, responses[self.path]) if self.path in responses else (404, ("text/plain", b"not found"))
            self.send_response_only(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format, *args) -> None:
            pass

    server.RequestHandlerClass = Handler
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    # CPU from here on: what serving the run costs, not the process's start-up.
    ready = resource.getrusage(resource.RUSAGE_SELF)
    print(base_url, flush=True)
    sys.stdin.read()  # until the bench closes our stdin (or dies)
    server.shutdown()
    server.server_close()
    times = sorted(page_requests)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(json.dumps({"page_requests": len(times), "first": times[0] if times else None, "last": times[-1] if times else None,
                      "cpu_seconds": usage.ru_utime + usage.ru_stime - ready.ru_utime - ready.ru_stime}), flush=True)


class BenchSite:
    """The site in a subprocess, for the length of a ``with`` block."""

    def __init__(self, pages: int, day: dt.date, weight: str = "sample"):
        self.process = subprocess.Popen(
            [sys.executable, __file__, "serve", "--pages", str(pages), "--day", day.isoformat(), "--weight", weight],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )
        self.base_url = self.process.stdout.readline().strip()
        self.requests: dict = {}
        if not self.base_url.startswith("http://127.0.0.1:"):
            self.close()
            raise RuntimeError(f"the bench site did not start (said {self.base_url!r})")

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.stdin.close()
            try:
                self.requests = json.loads(self.process.stdout.readline() or "{}")
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def __enter__(self) -> BenchSite:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


# -- memory sampling ------------------------------------------------------------------------------


class MemorySampler:
    """Every ``interval`` s: (time.time(), RSS of this process, USS sum of its descendants but
    ``exclude``, in bytes; CPU seconds used so far by this process and those descendants). USS of
    a forked worker is what it does not share with this process. CPU time is what a loaded
    machine does not inflate: it tells the work from the waiting.

    The list of descendants and their USS (/proc/PID/smaps_rollup) are read every
    ``slow_every``-th sample only: the sampler shares the two cores with the run it measures,
    and reading them five times a second can take a tenth of a core and more (docs/PERFORMANCE.md,
    "End to end", has the command that measures it). The thread's own CPU seconds
    (``own_cpu_seconds``) are counted in this process's, and the report takes them out again."""

    def __init__(self, exclude: set[int], interval: float = 0.2, slow_every: int = 5):
        import psutil

        self.me = psutil.Process()
        self.exclude = exclude
        self.interval = interval
        self.slow_every = slow_every
        self.samples: list[tuple[float, int, int, float]] = []
        self.own_cpu_seconds = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        import psutil

        children = []
        started = time.thread_time()
        for tick in itertools.count():
            slow = tick % self.slow_every == 0
            if slow:
                children = [child for child in self.me.children(recursive=True) if child.pid not in self.exclude]
            cpu, uss = 0.0, 0
            for child in children:
                try:
                    times = child.cpu_times()
                    cpu += times.user + times.system
                    if slow:
                        uss += child.memory_full_info().uss
                except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
                    pass
            # Workers that have ended count through children_* (the site is never reaped during a run).
            times = self.me.cpu_times()
            cpu += times.user + times.system + times.children_user + times.children_system
            # The workers' USS is 0 in the samples between refreshes: not read then (peaks are maxima).
            self.samples.append((time.time(), self.me.memory_info().rss, uss, cpu))
            self.own_cpu_seconds = time.thread_time() - started
            if self._stop.wait(self.interval):
                return

    def __enter__(self) -> MemorySampler:
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._stop.set()
        self._thread.join()

    def during(self, start: float, end: float) -> dict[str, float]:
        """Between ``start`` and ``end``: the RSS at the start and at its peak, the workers' peak
        USS (MiB), and the CPU seconds used (from the last sample before to the first after)."""
        inside = [s for s in self.samples if start <= s[0] <= end] or [min(self.samples, key=lambda s: abs(s[0] - start))]
        before = max((s for s in self.samples if s[0] <= start), key=lambda s: s[0], default=self.samples[0])
        after = min((s for s in self.samples if s[0] >= end), key=lambda s: s[0], default=self.samples[-1])
        return {
            "rss_start_mb": before[1] / 2**20,
            "rss_peak_mb": max(s[1] for s in inside) / 2**20,
            "workers_uss_peak_mb": max(s[2] for s in inside) / 2**20,
            "cpu_seconds": after[3] - before[3],
        }


# -- one DAG run (its own process) ----------------------------------------------------------------


def start_execution_api() -> float:
    """Start Airflow's in-process execution API (what ``dag.test()`` talks to) and return the
    seconds it took. ``dag.test()`` builds it on its first task in a process, ~7 s, once: a
    deployment's API server is up before any DAG run, and ``make run`` pays it once for all its
    runs. Each bench run is the first in its process, so it is started before the clock and
    reported on its own."""
    import httpx
    from airflow.sdk.execution_time.supervisor import in_process_api_server

    started = time.perf_counter()
    with httpx.Client(transport=in_process_api_server().transport, base_url="http://in-process.invalid./") as client:
        client.get("/health").raise_for_status()
    return time.perf_counter() - started


def write_sources_file(path: Path, base_url: str) -> None:
    path.write_text(
        "sources:\n"
        f"  - id: {SOURCE_ID}\n    name: Bench Daily\n    languages: [fr, en, es, ar]\n    timezone: {TIMEZONE}\n"
        f"    # Our own server on loopback; 100 is the ceiling the sources file accepts.\n"
        f"    requests_per_second: {REQUESTS_PER_SECOND}\n    start_date: 2026-11-01\n"
        f"    sitemaps: ['{base_url}/sitemap.xml']\n"
    )


def run_day(pages: int, day: dt.date, workdir: Path, profile: Path | None, weight: str = "sample") -> dict:
    """Serve ``pages`` pages of ``day``, run the source DAG for it, and return the figures."""
    os.environ["NEWSLAKE_LAKE_URI"] = str(workdir / f"lake-{pages}")
    from newslake import lake, orchestration
    from newslake.config import load_sources
    from newslake.storage import Storage

    with BenchSite(pages, day, weight) as site:
        sources_file = workdir / f"sources-{pages}.yaml"
        write_sources_file(sources_file, site.base_url)
        os.environ["NEWSLAKE_SOURCES_FILE"] = str(sources_file)
        source = load_sources(sources_file)[0]
        dag = orchestration.load_dagbag().dags[source.dag_id]
        if profile is not None:
            _profile_extract(profile)
        api_start_seconds = start_execution_api()
        children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
        with MemorySampler(exclude={site.process.pid}) as memory:
            time.sleep(0.2)  # a baseline sample before the run
            started = time.time()
            result = orchestration.run_once(dag, day, orchestration.logical_date_for(source, day))
            wall = time.time() - started
        children_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    served = site.requests
    if result.state != "success":
        raise RuntimeError(f"the DAG run of {pages} pages ended {result.state}")
    tasks, extract_summary = _task_instances(source.dag_id, day, source)
    storage = Storage(os.environ["NEWSLAKE_LAKE_URI"])
    published = lake.read_parquet(storage, lake.articles_key(day, SOURCE_ID)).select(["url", "text"]).to_pylist()
    rows = len(published)
    validation = lake.read_json(storage, lake.validation_key(day, SOURCE_ID))
    if rows != pages or not validation["success"]:
        raise RuntimeError(f"{pages} pages served, {rows} articles published (validation success: {validation['success']})")
    # Every published text must be its page's article, exactly: speed bought with wrong text is no speed.
    expected = {a.path: "\n\n".join(a.paragraphs) for a in bench_articles(day, pages)}
    wrong = [row["url"] for row in published if expected.get(urllib.parse.urlsplit(row["url"]).path) != row["text"]]
    if wrong:
        raise RuntimeError(f"{len(wrong)} of {rows} published texts are not their page's article, e.g. {wrong[0]}")
    for task in tasks.values():
        task["peak"] = memory.during(task["start"], task["end"])
        task["cpu_seconds"] = task["peak"].pop("cpu_seconds")
    step_seconds = lake.read_parquet(storage, lake.run_metrics_key(day, SOURCE_ID)).to_pylist()[0]
    return {
        "pages": pages,
        "weight": weight,
        "wall_seconds": wall,
        "execution_api_start_seconds": api_start_seconds,
        "tasks": tasks,
        "steps": {name: step_seconds[f"{name}_seconds"] for name in ("discover", "fetch", "extract")},
        "cpu_seconds": memory.samples[-1][3] - memory.samples[0][3],
        # The bench's own sampling thread, inside cpu_seconds: not part of the run it measures.
        "sampler_cpu_seconds": memory.own_cpu_seconds,
        "extract": extract_summary,
        "pool_cpu_seconds": (children_after.ru_utime + children_after.ru_stime) - (children_before.ru_utime + children_before.ru_stime),
        "baseline_rss_mb": memory.samples[0][1] / 2**20,
        "rows": rows,
        # The site's process shares the 2 cores with the run (a real site would not): its CPU, to say so.
        "site_cpu_seconds": served.get("cpu_seconds"),
        # The rate the site saw, first to last article request: how close fetch came to the allowed rate.
        "fetch_pages_per_second": (served["page_requests"] - 1) / (served["last"] - served["first"]) if served.get("last") else None,
    }


def _task_instances(dag_id: str, day: dt.date, source) -> tuple[dict[str, dict], dict]:
    """Start/end of each task of the day's run (metadata DB), and the extract task's summary (XCom)."""
    from airflow.models.dagrun import DagRun
    from airflow.models.taskinstance import TaskInstance
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session

    from newslake.orchestration import logical_date_for

    with create_session() as session:
        run = session.query(DagRun).filter(DagRun.dag_id == dag_id, DagRun.logical_date == logical_date_for(source, day)).one()
        tasks = {
            ti.task_id: {"start": ti.start_date.timestamp(), "end": ti.end_date.timestamp(), "seconds": (ti.end_date - ti.start_date).total_seconds()}
            for ti in session.query(TaskInstance).filter(TaskInstance.dag_id == dag_id, TaskInstance.run_id == run.run_id)
        }
        xcom = session.query(XComModel).filter(
            XComModel.dag_id == dag_id, XComModel.run_id == run.run_id, XComModel.task_id == "extract", XComModel.key == "return_value"
        ).one()
        summary = xcom.value if isinstance(xcom.value, dict) else json.loads(xcom.value)
    return tasks, summary


def _profile_extract(path: Path) -> None:
    """Run the extract step under cProfile; write the profile to ``path`` and its top 25 to path.txt."""
    import cProfile
    import functools
    import io
    import pstats

    from newslake import pipeline

    step = pipeline.extract

    @functools.wraps(step)
    def profiled(ctx, *args, **kwargs):
        profiler = cProfile.Profile()
        try:
            return profiler.runcall(step, ctx, *args, **kwargs)
        finally:
            profiler.dump_stats(path)
            text = io.StringIO()
            pstats.Stats(profiler, stream=text).sort_stats("cumulative").print_stats(25)
            Path(f"{path}.txt").write_text(text.getvalue())

    pipeline.extract = profiled


# -- pure extraction -------------------------------------------------------------------------------


PURE_EXTRACTION_PASSES = 3


def evenly_spread(day: dt.date, pages: int, sample: int) -> list:
    """``sample`` of the ``pages`` articles of the bench's day, evenly spread over it."""
    articles = bench_articles(day, pages)
    return articles[:: max(1, len(articles) // sample)][:sample]


def pure_extraction_rate(pages: int, day: dt.date, sample: int, weight: str = "sample", *, check_chrome: bool = True) -> dict[str, float]:
    """extract_article over ``sample`` of the day's pages (evenly spread, the bytes the site
    serves), in this process pinned to one CPU, ``PURE_EXTRACTION_PASSES`` passes after a warm-up.

    The rate is that of all the passes together, not of the best: this machine's speed moves
    from second to second by itself, by a third and more (``bench/machine_speed.py``;
    docs/PERFORMANCE.md), and the DAG run it is compared with is timed over a minute of it, so the best pass would compare the run's average with the machine's best
    moments. The best pass's rate is kept too (``pages_per_second_cpu_best``)."""
    from newslake.extract import extract_article

    base_url = "http://127.0.0.1:8000"
    chosen = evenly_spread(day, pages, sample)
    documents = [(page_html(a, base_url, weight).decode(), base_url + a.path) for a in chosen]
    if weight == "real" and check_chrome:
        # The chrome must change nothing extracted, or the two weights would not be the same articles.
        for article, (html, url) in zip(chosen[:20], documents, strict=False):
            if extract_article(html, url, default_timezone=TIMEZONE) != extract_article(
                    page_html(article, base_url).decode(), url, default_timezone=TIMEZONE):
                raise RuntimeError(f"the real-weight chrome changed what is extracted from {url}")
    allowed = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {min(allowed)})
    try:
        for html, url in documents[:5]:
            extract_article(html, url, default_timezone=TIMEZONE)
        passes = []  # (CPU seconds, wall seconds) of each pass
        for _ in range(PURE_EXTRACTION_PASSES):
            cpu, wall = time.process_time(), time.perf_counter()
            for html, url in documents:
                if not extract_article(html, url, default_timezone=TIMEZONE).ok:
                    raise RuntimeError(f"extraction failed on {url}")
            passes.append((time.process_time() - cpu, time.perf_counter() - wall))
    finally:
        os.sched_setaffinity(0, allowed)
    pages_timed = len(documents) * len(passes)
    return {"pages": len(documents), "pages_per_second_cpu": pages_timed / sum(cpu for cpu, _ in passes),
            "pages_per_second_wall": pages_timed / sum(wall for _, wall in passes),
            "pages_per_second_cpu_best": len(documents) / min(cpu for cpu, _ in passes),
            "mean_page_bytes": sum(len(html.encode()) for html, _ in documents) / len(documents)}


def pure_before_and_after(before: dict, after: dict) -> dict:
    """The yardstick from two measurements, just before and just after the DAG run: their mean.
    This machine's speed moves by itself (``bench/machine_speed.py``): one measurement alone can
    find it faster, or slower, than it was during the run."""
    mean = {key: (before[key] + after[key]) / 2 for key in ("pages_per_second_cpu", "pages_per_second_wall", "pages_per_second_cpu_best")}
    return {**before, **mean, "before": before["pages_per_second_cpu"], "after": after["pages_per_second_cpu"]}


# -- the report --------------------------------------------------------------------------------------


def report(runs: list[dict], pure: dict) -> tuple[str, dict]:
    main = runs[-1]
    pages, wall = main["pages"], main["wall_seconds"]
    rate = pages / wall
    yardstick = 2 * pure["pages_per_second_cpu"]
    tasks, steps = main["tasks"], main["steps"]
    task_sum = sum(tasks[t]["seconds"] for t in TASKS)
    extract = main["extract"]
    timings = extract["seconds"]
    # Pages are extracted in the fetch task (while fetching) and in the extract task: the two together.
    extract_rate = pages / (tasks["fetch"]["seconds"] + tasks["extract"]["seconds"])
    during_fetch = extract.get("extracted_during_fetch", 0)
    wall_yardstick = 2 * pure["pages_per_second_wall"]
    lines = [
        f"end to end: {pages} pages of one day ({main['weight']} weight, {pure['mean_page_bytes'] / 1024:.0f} KiB a page), one source, "
        f"through Airflow (dag.test), local lake, {os.cpu_count()} CPUs, extract task workers: {extract['workers']} "
        f"({during_fetch} pages extracted during fetch)",
        "",
        f"(not counted: Airflow's in-process execution API, started before the clock in {main['execution_api_start_seconds']:.1f} s; "
        "dag.test() builds it once per process, a deployment's API server is already up)",
        "",
        "| pages | wall s | pages/s | pure extraction pages/s, 1 core | × 2 cores | ratio | fetch + extract tasks pages/s | their ratio |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        f"| {pages} | {wall:.1f} | {rate:.1f} | {pure['pages_per_second_cpu']:.1f} | {yardstick:.1f} | {rate / yardstick:.2f} "
        f"| {extract_rate:.1f} | {extract_rate / yardstick:.2f} |",
        "",
        f"(pure extraction counts CPU time, which load on the machine barely moves; its wall rate in this run was "
        f"{pure['pages_per_second_wall']:.1f} pages/s — against 2 × that, the ratios are {rate / wall_yardstick:.2f} end to end "
        f"and {extract_rate / wall_yardstick:.2f} for the fetch and extract tasks)",
        "",
        f"pure extraction: {pure['pages']} pages of {pure['mean_page_bytes'] / 1024:.0f} KiB on one core, "
        f"{pure['pages_per_second_cpu']:.1f} pages per CPU second ({pure['pages_per_second_wall']:.1f} pages/s wall), "
        f"the mean of {pure['before']:.1f} just before the run and {pure['after']:.1f} just after, each over "
        f"{PURE_EXTRACTION_PASSES} passes (the best passes: {pure['pages_per_second_cpu_best']:.1f})"
        + (" (they differ by more than 10 %: the machine's speed changed; the ratio is uncertain by as much)"
           if abs(pure["before"] - pure["after"]) > 0.1 * min(pure["before"], pure["after"]) else "")
        + f"; in the run, the extraction pool used {main['pool_cpu_seconds']:.1f} CPU s ({pages / main['pool_cpu_seconds']:.1f} pages per CPU second)",
        "",
        "where the wall time goes:",
        "",
        "| part | seconds | share |",
        "| --- | ---: | ---: |",
    ]
    setup = sum(tasks[t]["seconds"] - steps[t] for t in ("discover", "fetch", "extract"))
    parts = [
        ("discover: robots.txt, sitemap, dedup look-back", steps["discover"]),
        (f"fetch: {pages} pages into the raw zone (politeness floor {pages / REQUESTS_PER_SECOND:.0f} s at {REQUESTS_PER_SECOND}/s; "
         f"the site saw {main['fetch_pages_per_second']:.1f} pages/s; {during_fetch} pages extracted meanwhile by the background pool)",
         steps["fetch"]),
        ("extract: read the raw zone by range, take the fetch's results or extract, per-URL decisions", timings["pages"]),
        ("extract: write articles and fetch_log Parquet", timings["write"]),
        ("extract: the rest (manifests, metrics)", steps["extract"] - timings["pages"] - timings["write"]),
        ("validate: Great Expectations, Data Docs, volume check", tasks["validate"]["seconds"]),
        ("publish: atomic replace, run_metrics, lake_health", tasks["publish"]["seconds"]),
        ("task set-up of discover, fetch, extract (settings, storage, sources)", setup),
        ("Airflow between and around the tasks (wall − Σ tasks)", wall - task_sum),
    ]
    lines += [f"| {label} | {seconds:.1f} | {100 * seconds / wall:.0f}% |" for label, seconds in parts]
    lines += [
        "",
        "per task: wall s (metadata DB); CPU s of the task process and its workers; RSS of the task process",
        "at the task's start → its peak during the task (dag.test runs every task in one process, so a task",
        "starts from what the ones before left); + the peak USS of the pool workers (memory they do not share):",
        "",
        "| pages | " + " | ".join(TASKS) + " | baseline RSS |",
        "| ---: | " + " | ".join("---" for _ in TASKS) + " | ---: |",
    ]
    for run in runs:
        cells = [
            f"{run['tasks'][t]['seconds']:.1f} s, {run['tasks'][t]['cpu_seconds']:.1f} CPU s, "
            f"{run['tasks'][t]['peak']['rss_start_mb']:.0f} → {run['tasks'][t]['peak']['rss_peak_mb']:.0f} MiB"
            + (f" + workers {run['tasks'][t]['peak']['workers_uss_peak_mb']:.0f} MiB" if run['tasks'][t]['peak']['workers_uss_peak_mb'] else "")
            for t in TASKS
        ]
        lines.append(f"| {run['pages']} | " + " | ".join(cells) + f" | {run['baseline_rss_mb']:.0f} MiB |")
    # The ratio is pure CPU / (2 × wall), and two cores give wall ≥ (CPU of the run) / 2: so
    # pure CPU / CPU of the run bounds the ratio, however well the run overlaps its work.
    pure_cpu = pages / pure["pages_per_second_cpu"]
    run_cpu = main["cpu_seconds"] - main["sampler_cpu_seconds"] + main["site_cpu_seconds"]
    # A second bound: a partition's steps run one after another, and only the fetch step overlaps
    # extraction; the rest of the wall time adds to it however fast the fetch becomes.
    ideal = pages / yardstick
    outside_fetch = wall - steps["fetch"]
    lines += [
        "",
        f"CPU seconds of the whole run: {main['cpu_seconds']:.1f} (wall {wall:.1f}), of which the bench's memory sampler "
        f"{main['sampler_cpu_seconds']:.1f} (not counted below); the site's own process, on the same cores: "
        f"{main['site_cpu_seconds']:.1f} CPU s; "
        "load average at the end: " + ", ".join(f"{x:.2f}" for x in os.getloadavg()),
        "",
        f"CPU ceiling of the ratio: pure extraction of the {pages} pages costs {pure_cpu:.1f} CPU s; the run and the site used "
        f"{run_cpu:.1f}, so even spread perfectly over 2 cores the ratio could not pass {pure_cpu / run_cpu:.2f} "
        f"(0.8 needs everything else under {pure_cpu / 0.8 - pure_cpu:.1f} CPU s; it took {run_cpu - pure_cpu:.1f})",
        "",
        f"bound outside the fetch: the steps before and after the fetch step took {outside_fetch:.1f} s (discover, extract, "
        f"validate, publish, task set-up, Airflow), in sequence with it. Had the fetch step taken only the time pure extraction "
        f"of the day takes on 2 cores ({ideal:.1f} s: the fetch, its archive and the pool's overhead costing nothing), the ratio "
        f"would be {ideal / (ideal + outside_fetch):.2f} (0.8 needs those steps under {ideal / 0.8 - ideal:.1f} s)",
    ]
    figures = {
        "date": dt.date.today().isoformat(),
        "cpus": os.cpu_count(),
        "pages": pages,
        "weight": main["weight"],
        "mean_page_bytes": round(pure["mean_page_bytes"]),
        "execution_api_start_seconds": round(main["execution_api_start_seconds"], 2),
        "wall_seconds": round(wall, 2),
        "pages_per_second": round(rate, 2),
        "pure_extraction_pages_per_second_one_core": round(pure["pages_per_second_cpu"], 2),
        "pure_extraction_before_and_after_the_run": [round(pure["before"], 2), round(pure["after"], 2)],
        "pure_extraction_pages_per_second_one_core_best_passes": round(pure["pages_per_second_cpu_best"], 2),
        "ratio_to_two_cores": round(rate / yardstick, 3),
        "fetch_and_extract_tasks_pages_per_second": round(extract_rate, 2),
        "fetch_and_extract_tasks_ratio_to_two_cores": round(extract_rate / yardstick, 3),
        "pages_extracted_during_fetch": during_fetch,
        "pure_extraction_pages_per_second_wall": round(pure["pages_per_second_wall"], 2),
        "extract_workers": extract["workers"],
        "fetch_pages_per_second_seen_by_the_site": round(main["fetch_pages_per_second"], 2),
        "site_cpu_seconds": round(main["site_cpu_seconds"], 2),
        "sampler_cpu_seconds": round(main["sampler_cpu_seconds"], 2),
        "pure_extraction_cpu_seconds": round(pure_cpu, 2),
        "cpu_ceiling_of_the_ratio": round(pure_cpu / run_cpu, 3),
        "seconds_outside_the_fetch_step": round(outside_fetch, 2),
        "ratio_bound_with_a_free_fetch": round(ideal / (ideal + outside_fetch), 3),
        "pool_cpu_seconds": round(main["pool_cpu_seconds"], 2),
        "breakdown_seconds": {label: round(seconds, 2) for label, seconds in parts},
        "runs": [
            {"pages": run["pages"], "wall_seconds": round(run["wall_seconds"], 2), "cpu_seconds": round(run["cpu_seconds"], 2),
             "baseline_rss_mb": round(run["baseline_rss_mb"], 1),
             "tasks": {t: {"seconds": round(run["tasks"][t]["seconds"], 2), "cpu_seconds": round(run["tasks"][t]["cpu_seconds"], 2),
                           **{k: round(v, 1) for k, v in run["tasks"][t]["peak"].items()}} for t in TASKS}}
            for run in runs
        ],
        "load_average_at_end": os.getloadavg(),
    }
    return "\n".join(lines), figures


# -- command line -------------------------------------------------------------------------------------


def prepare_environment(workdir: Path, workers: int | None) -> None:
    """Airflow and newslake settings for the runs; before Airflow is first imported."""
    os.environ["AIRFLOW_HOME"] = str(workdir / "airflow")
    os.environ["NEWSLAKE_ALLOWED_NETWORKS"] = "127.0.0.0/8"
    os.environ["NEWSLAKE_POLITENESS_DIR"] = str(workdir / "politeness")
    os.environ["NEWSLAKE_RETRY_DELAY_SECONDS"] = "1"
    os.environ["AIRFLOW__LOGGING__LOGGING_LEVEL"] = "WARNING"
    if workers is not None:
        os.environ["NEWSLAKE_EXTRACT_WORKERS"] = str(workers)
    from newslake.orchestration import use_project_airflow_home

    use_project_airflow_home()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", nargs="?", default="bench", choices=("bench", "serve", "run"), help=argparse.SUPPRESS)
    parser.add_argument("--pages", type=int, default=2000, help="pages of the day (default 2000)")
    parser.add_argument("--rss-pages", type=int, nargs="*", default=[500, 1000], help="smaller days run first, for memory growth")
    parser.add_argument("--sample", type=int, default=200, help="pages timed for the pure extraction rate")
    parser.add_argument("--workers", type=int, help="extract workers (setting extract_workers; default: one per CPU)")
    parser.add_argument("--weight", choices=("sample", "real"), default="sample",
                        help="sample: the sample site's own pages (~10 KiB); real: the same pages with a real outlet's chrome (~190 KiB)")
    parser.add_argument("--profile", type=Path, help="write a cProfile of the --pages run's extract task here")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--day", type=dt.date.fromisoformat, default=DAY, help=argparse.SUPPRESS)
    parser.add_argument("--workdir", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.command == "serve":
        serve(args.pages, args.day, args.weight)
        return 0
    if args.command == "run":
        prepare_environment(args.workdir, args.workers)
        figures = run_day(args.pages, args.day, args.workdir, args.profile, args.weight)
        (args.workdir / f"run-{args.pages}.json").write_text(json.dumps(figures))
        return 0

    started = time.perf_counter()
    load_at_start = os.getloadavg()
    workdir = Path(tempfile.mkdtemp(prefix="newslake-bench-e2e-"))
    try:
        prepare_environment(workdir, args.workers)
        from newslake.orchestration import migrate_metadata_db

        print("migrating a fresh Airflow metadata DB ...", flush=True)
        migrate_metadata_db()
        sizes = sorted({n for n in args.rss_pages if n < args.pages}) + [args.pages]
        runs = []
        for index, pages in enumerate(sizes):
            day = args.day - dt.timedelta(days=len(sizes) - 1 - index)
            if pages == args.pages:
                print(f"pure extraction on one core ({args.sample} pages of the same day), before the run ...", flush=True)
                pure_before = pure_extraction_rate(args.pages, args.day, args.sample, args.weight)
            print(f"DAG run: {pages} pages of {day} ...", flush=True)
            command = [sys.executable, __file__, "run", "--pages", str(pages), "--day", day.isoformat(), "--workdir", str(workdir),
                       "--weight", args.weight]
            if args.workers is not None:
                command += ["--workers", str(args.workers)]
            if args.profile is not None and pages == args.pages:
                command += ["--profile", str(args.profile.resolve())]
            subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
            runs.append(json.loads((workdir / f"run-{pages}.json").read_text()))
            print(f"  {runs[-1]['wall_seconds']:.1f} s", flush=True)
        print(f"pure extraction on one core ({args.sample} pages of the same day), after the run ...", flush=True)
        # The chrome was checked by the measurement before the run: the same pages.
        after = pure_extraction_rate(args.pages, args.day, args.sample, args.weight, check_chrome=False)
        pure = pure_before_and_after(pure_before, after)
        text, figures = report(runs, pure)
        print("\n" + text.replace("load average at the end:", "load average at the start: "
                                  + ", ".join(f"{x:.2f}" for x in load_at_start) + "; at the end:"))
        figures["load_average_at_start"] = load_at_start
        if args.profile is not None:
            print(f"\nprofile of the extract task: {args.profile} (top functions: {args.profile}.txt)")
        figures["bench_seconds"] = round(time.perf_counter() - started, 1)
        figures["command"] = "bench/end_to_end.py " + " ".join(argv if argv is not None else sys.argv[1:])
        print(f"bench time: {figures['bench_seconds']:.0f} s")
        if args.json:
            args.json.write_text(json.dumps(figures, indent=2) + "\n")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
