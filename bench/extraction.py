"""Extraction benchmark: our extractor against bare readability-lxml and trafilatura, side by side.

Runs over the shared corpus beside the repository (``../shared/corpus``; a clone without it gets
a message and exit status 0):

* ``readability-pages`` -- 78 real pages with Readability.js's expected text (``expected.txt``)
  and metadata (``expected-metadata.json``);
* ``seed-aggregator`` -- one aggregator page with its expected title, paragraphs, chrome that must
  not leak into the text, article language and original outlet.

Extractors, each given the page as ``str`` (the bytes decoded as UTF-8, as the pipeline does when
the HTTP header says ``charset=utf-8``; a BOM stays in the string) and the same page URL:

``ours``
    ``newslake.extract.extract_article(html, url)`` -- text plus all metadata.
``readability-lxml``
    bare readability-lxml: ``Document(html, url=url)``; title from ``short_title()``, text from
    ``summary()`` converted by ``newslake.textmetrics.html_to_text`` (the same HTML-to-blocks
    conversion ours uses, so both are scored on equal terms). It has no byline, date or language.
``trafilatura``
    trafilatura 2.3.1 (a dev/bench dependency only), one call:
    ``bare_extraction(html, url=url, output_format="txt", include_comments=False,
    with_metadata=True)``, text built from ``document.body`` the way ``extract()`` builds it, i.e.
    exactly what ``trafilatura.extract(html, url=url, output_format="txt",
    include_comments=False)`` returns (the benchmark checks this on every page and reports any
    difference); title/author/date from the same document's metadata (``extract_metadata``).

Scores (a page whose extractor raised counts with empty output):

* text: token precision / recall / F1 against ``expected.txt`` with ``newslake.textmetrics``,
  the same normalisation for every extractor: blocks split on blank lines, whitespace collapsed
  (NBSP included), then lowercase ``\\w+`` words as tokens -- except for Chinese and Japanese
  (the manifest's ``content_lang`` zh/ja), where every word character is one token; F1 on token
  multisets (bag of words). Means are over all pages.
* title: exact match after whitespace normalisation (``" ".join(title.split())``) against
  ``expected-metadata.json`` ``title``.
* byline, on pages whose metadata has a byline: both sides normalised (NFKC, casefold,
  every non-word character to a space, whitespace collapsed, a leading "by"/"par"/"por"/"von"
  dropped; our authors joined with spaces). *byline ⊇*: ours contains the expected on word
  boundaries (equality included). *byline ↔*: containment either way, which also credits ours
  when the expected byline is noisy ("By Nathan Willis March 25, 2015") -- and one author of
  several.
* date, on pages with ``publishedTime``: same calendar day. The expected day is the date as
  written (its own offset); ours is compared in that offset when publishedTime has one, else as
  its own local day; trafilatura's date is a day already. Language and origin publisher are
  only scored on the seed page (the readability pages have no reliable article language).
* pages/s: pages over the best of N (default 3) timed passes over all pages, after each
  extractor has warmed up on a few pages (untimed; the scores are those of the first timed
  pass's output), timing each call (UTF-8 decoding of the in-memory bytes plus extraction, no
  scoring), one process pinned to one CPU (no threads); the extractors take turns page by page,
  so each pass of every extractor spans the same seconds and the machine's drift hits all of
  them alike (the ratio of ours to bare readability is also printed pass by pass). *pages/s (CPU)* divides
  by the process's CPU time (``time.process_time``), which other load on a shared machine
  barely moves -- the figure to compare; *pages/s (wall)* by ``time.perf_counter`` time.
  readability-lxml's ``short_title()`` parses the page a second time (so does ``summary()``), so
  its row pays two parses; a timing-only line gives ``summary()`` alone, without the title.
* raised: pages where the call raised; empty: pages with no text (ours ``ok=False``,
  trafilatura ``None``).

Seed page: title exact, every expected paragraph present (whitespace-normalised substring),
how many ``must_not_contain`` strings leaked, the article language, the original outlet and the
publication day -- where the extractor has the concept (else "n/a").

    .venv/bin/python bench/extraction.py [--passes 3] [--pages NAME ...] [--json PATH]
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import logging
import os
import platform
import re
import shlex
import sys
import time
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CORPUS_DIR = Path(__file__).resolve().parents[2] / "shared" / "corpus"
READABILITY_PAGES = "readability-pages"
SEED_PAGE = "seed-aggregator"
CORPUS_PAGE_URL = "http://fakehost/test/page.html"  # the address Readability's tests use
SEED_PAGE_URL = "http://aggregator.test/yabiladi/148251"
EXTRACTORS = ("ours", "readability-lxml", "trafilatura")
HAS_METADATA = {"ours", "trafilatura"}  # byline, date, language; bare readability-lxml has only a title


@dataclass
class Extracted:
    """What one extractor returned for one page; None means the extractor has no such field."""

    text: str
    title: str | None
    byline: str | None = None
    date: dt.datetime | dt.date | None = None
    language: str | None = None
    origin_publisher: str | None = None


# --- the three extractors --------------------------------------------------------------------


def run_ours(html: str, url: str) -> Extracted:
    from newslake.extract import extract_article

    result = extract_article(html, url)
    return Extracted(
        text=result.text if result.ok else "",
        title=result.title,
        byline=" ".join(result.authors) if result.authors else "",
        date=result.published_at,
        language=result.language,
        origin_publisher=result.origin_publisher,
    )


def run_readability(html: str, url: str) -> Extracted:
    from readability import Document

    from newslake.textmetrics import html_to_text

    document = Document(html, url=url)
    # short_title() and summary() each parse the page (readability-lxml forces a fresh parse in
    # both); title first, as readability-lxml advises, since summary() mutates its tree.
    title = document.short_title()
    return Extracted(text=html_to_text(document.summary()), title=title)


def run_readability_text_only(html: str, url: str) -> Extracted:
    """Timing reference only: bare readability-lxml without the title (one parse)."""
    from readability import Document

    from newslake.textmetrics import html_to_text

    return Extracted(text=html_to_text(Document(html, url=url).summary()), title=None)


def _trafilatura_document(html: str, url: str):
    import trafilatura

    return trafilatura.bare_extraction(html, url=url, output_format="txt", include_comments=False, with_metadata=True)


def run_trafilatura(html: str, url: str) -> Extracted:
    from trafilatura.utils import normalize_unicode
    from trafilatura.xml import xmltotxt

    document = _trafilatura_document(html, url)
    if document is None:  # trafilatura discarded the page (too short, ...): no text, no metadata
        return Extracted(text="", title=None, byline="", date=None, language=None)
    date = None
    if document.date:
        try:
            date = dt.date.fromisoformat(document.date[:10])
        except ValueError:
            date = None
    text = xmltotxt(document.body, False)
    if document.commentsbody is not None:  # as trafilatura.extract() does (an empty body strips the text)
        text = f"{text}\n{xmltotxt(document.commentsbody, False)}".strip()
    return Extracted(
        text=normalize_unicode(text),
        title=document.title,
        byline=document.author or "",
        date=date,
        language=document.language,
    )


RUNNERS: dict[str, Callable[[str, str], Extracted]] = {
    "ours": run_ours,
    "readability-lxml": run_readability,
    "trafilatura": run_trafilatura,
}
TEXT_ONLY = "readability-lxml text only"  # timed, not scored: summary() without short_title()


# --- scoring rules ---------------------------------------------------------------------------

_NON_WORD_RE = re.compile(r"[\W_]+")
_BYLINE_PREFIX_RE = re.compile(r"^(?:by|par|por|von)\s+")


def normalize_title(title: str | None) -> str:
    return " ".join((title or "").split())


def normalize_byline(byline: str | None) -> str:
    text = unicodedata.normalize("NFKC", byline or "").casefold()
    text = " ".join(_NON_WORD_RE.sub(" ", text).split())
    return _BYLINE_PREFIX_RE.sub("", text)


def byline_contains(predicted: str | None, expected: str | None) -> bool:
    """Ours contains the expected byline on word boundaries (equality included)."""
    ours, wanted = normalize_byline(predicted), normalize_byline(expected)
    return bool(ours and wanted) and f" {wanted} " in f" {ours} "


def byline_either_way(predicted: str | None, expected: str | None) -> bool:
    """Containment in either direction on word boundaries."""
    ours, wanted = normalize_byline(predicted), normalize_byline(expected)
    return bool(ours and wanted) and (f" {wanted} " in f" {ours} " or f" {ours} " in f" {wanted} ")


def same_day(predicted: dt.datetime | dt.date | None, expected: str | None) -> bool:
    """The expected day as written in publishedTime; an aware datetime of ours is first moved to
    publishedTime's offset when it has one."""
    from dateutil import parser as date_parser

    if predicted is None or not expected:
        return False
    try:
        wanted = date_parser.parse(expected)
    except (ValueError, OverflowError):
        return False
    if isinstance(predicted, dt.datetime):
        if predicted.tzinfo is not None and wanted.tzinfo is not None:
            predicted = predicted.astimezone(wanted.tzinfo)
        predicted = predicted.date()
    return predicted == wanted.date()


def _squash(text: str) -> str:
    return " ".join(text.split())


# --- the run ---------------------------------------------------------------------------------


def load_corpus(corpus_dir: Path = CORPUS_DIR, names: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """The readability pages (manifest entry, source bytes, expected text and metadata)."""
    pages_dir = corpus_dir / READABILITY_PAGES
    manifest = json.loads((pages_dir / "manifest.json").read_text(encoding="utf-8"))["pages"]
    if names:
        wanted = set(names)
        unknown = wanted - {p["name"] for p in manifest}
        if unknown:
            raise SystemExit(f"unknown page(s): {', '.join(sorted(unknown))}")
        manifest = [p for p in manifest if p["name"] in wanted]
    pages = []
    for entry in manifest:
        page_dir = pages_dir / entry["name"]
        pages.append(
            {
                "name": entry["name"],
                "lang": entry["content_lang"],
                "source": (page_dir / "source.html").read_bytes(),
                "expected_text": (page_dir / "expected.txt").read_text(encoding="utf-8"),
                "expected": json.loads((page_dir / "expected-metadata.json").read_text(encoding="utf-8")),
            }
        )
    return pages


def _call(
    runner: Callable[[str, str], Extracted], source: bytes, url: str
) -> tuple[Extracted | None, str | None, tuple[float, float]]:
    """(result, error, (cpu seconds, wall seconds)) of one page: decoding and extraction, timed
    together."""
    cpu_started, wall_started = time.process_time(), time.perf_counter()
    try:
        result, error = runner(source.decode("utf-8"), url), None
    except Exception as exc:  # noqa: BLE001 -- a benchmark counts failures, it does not stop on them
        result, error = None, f"{type(exc).__name__}: {exc}"[:200]
    return result, error, (time.process_time() - cpu_started, time.perf_counter() - wall_started)


def score_pages(
    pages: list[dict[str, Any]], extractor: str, outputs: list[tuple[Extracted | None, str | None]] | None = None
) -> tuple[dict[str, Any], dict[str, str]]:
    """One pass of one extractor: text/title/byline/date scores, failures and the texts.
    ``outputs`` — (result, error) per page, from the first timed pass (``time_passes``) — are
    scored instead of extracting every page once more."""
    from newslake.textmetrics import mean, token_f1

    runner = RUNNERS[extractor]
    if outputs is None:
        outputs = [_call(runner, page["source"], CORPUS_PAGE_URL)[:2] for page in pages]
    precision, recall, f1, per_page = [], [], [], {}
    titles, bylines, bylines_either, dates = [], [], [], []
    raised, empty = [], []
    texts: dict[str, str] = {}
    has_byline = has_date = extractor in HAS_METADATA
    for page, (result, error) in zip(pages, outputs, strict=True):
        if result is None:
            raised.append(f"{page['name']}: {error}")
            result = Extracted(text="", title=None, byline="", date=None)
        texts[page["name"]] = result.text
        if not result.text.strip():
            empty.append(page["name"])
        score = token_f1(result.text, page["expected_text"], page["lang"])
        precision.append(score.precision)
        recall.append(score.recall)
        f1.append(score.f1)
        per_page[page["name"]] = round(score.f1, 4)
        expected = page["expected"]
        titles.append(normalize_title(result.title) == normalize_title(expected.get("title")))
        if expected.get("byline") and has_byline:
            bylines.append(byline_contains(result.byline, expected["byline"]))
            bylines_either.append(byline_either_way(result.byline, expected["byline"]))
        if expected.get("publishedTime") and has_date:
            dates.append(same_day(result.date, expected["publishedTime"]))
    return {
        "pages": len(pages),
        "precision": mean(precision),
        "recall": mean(recall),
        "f1": mean(f1),
        "title_exact": mean(titles),
        "title_pages": len(titles),
        "byline_contains": mean(bylines) if has_byline else None,
        "byline_either_way": mean(bylines_either) if has_byline else None,
        "byline_pages": len(bylines) if has_byline else sum(1 for p in pages if p["expected"].get("byline")),
        "date_same_day": mean(dates) if has_date else None,
        "date_pages": len(dates) if has_date else sum(1 for p in pages if p["expected"].get("publishedTime")),
        "raised": raised,
        "empty": empty,
        "per_page_f1": per_page,
    }, texts


def trafilatura_text_mismatches(pages: list[dict[str, Any]], texts: dict[str, str]) -> list[str]:
    """Pages where the one-call trafilatura text (`texts`) differs from ``trafilatura.extract(...)``."""
    import trafilatura

    mismatched = []
    for page in pages:
        try:
            html = page["source"].decode("utf-8")
            reference = trafilatura.extract(html, url=CORPUS_PAGE_URL, output_format="txt", include_comments=False) or ""
        except Exception:  # noqa: BLE001,S112 -- a raise is reported by score_pages
            continue
        if reference != texts.get(page["name"]):
            mismatched.append(page["name"])
    return mismatched


# Pages each runner extracts, untimed, before the timed passes: its first calls pay what it loads
# lazily (language model, compiled patterns, imports inside functions).
WARM_UP_PAGES = 3


def time_passes(
    pages: list[dict[str, Any]], names: Sequence[str], passes: int, first_pass_outputs: dict[str, list] | None = None
) -> dict[str, dict[str, list[float]]]:
    """CPU and wall seconds of ``passes`` timed passes of each runner over all pages (summed over
    the calls), after a warm-up of each on ``WARM_UP_PAGES`` pages. The runners take turns page
    by page: this machine's speed moves from second to second (bench/machine_speed.py), and a
    pass of one runner over the corpus takes seconds, so runners timed pass after pass met
    different moments of it; page by page, each pass of every runner spans the same seconds.

    ``first_pass_outputs``, when given, receives each runner's (result, error) per page of the
    first pass, for ``score_pages``: scoring them saves an extra pass of every extractor (a
    minute of ``make bench`` on a slow moment of this machine)."""
    runners = {**RUNNERS, TEXT_ONLY: run_readability_text_only}
    for page in pages[:WARM_UP_PAGES]:
        for name in names:
            _call(runners[name], page["source"], CORPUS_PAGE_URL)
    seconds: dict[str, dict[str, list[float]]] = {name: {"cpu": [], "wall": []} for name in names}
    for number in range(passes):
        gc.collect()
        totals = {name: [0.0, 0.0] for name in names}
        for page in pages:
            for name in names:
                result, error, (cpu, wall) = _call(runners[name], page["source"], CORPUS_PAGE_URL)
                totals[name][0] += cpu
                totals[name][1] += wall
                if number == 0 and first_pass_outputs is not None:
                    first_pass_outputs.setdefault(name, []).append((result, error))
        for name, (cpu, wall) in totals.items():
            seconds[name]["cpu"].append(cpu)
            seconds[name]["wall"].append(wall)
    return seconds


def _speed(pages: int, cpu: list[float], wall: list[float]) -> dict[str, Any]:
    best_cpu, best_wall = min(cpu), min(wall)
    return {
        "pass_cpu_seconds": cpu,
        "pass_wall_seconds": wall,
        "pages_per_second": pages / best_cpu if best_cpu > 0 else None,  # per CPU second
        "pages_per_wall_second": pages / best_wall if best_wall > 0 else None,
    }


def check_seed(corpus_dir: Path = CORPUS_DIR) -> dict[str, dict[str, Any]] | None:
    """The seed aggregator page, per extractor; None when the page is absent."""
    seed_dir = corpus_dir / SEED_PAGE
    if not (seed_dir / "source.html").is_file():
        return None
    expected = json.loads((seed_dir / "expected.json").read_text(encoding="utf-8"))
    source = (seed_dir / "source.html").read_bytes()
    checks: dict[str, dict[str, Any]] = {}
    for name in EXTRACTORS:
        result, error, _ = _call(RUNNERS[name], source, SEED_PAGE_URL)
        if result is None:
            checks[name] = {"raised": error}
            continue
        text = _squash(result.text)
        present = sum(1 for paragraph in expected["paragraphs"] if _squash(paragraph) in text)
        leaked = [chrome for chrome in expected["must_not_contain"] if _squash(chrome) in text]
        has_language = has_date = name in HAS_METADATA
        checks[name] = {
            "raised": None,
            "title_exact": normalize_title(result.title) == normalize_title(expected["title"]),
            "paragraphs_present": present,
            "paragraphs_expected": len(expected["paragraphs"]),
            "all_paragraphs_present": present == len(expected["paragraphs"]),
            "leaked": leaked,
            "no_chrome": not leaked,
            "language": result.language if has_language else "n/a",
            "language_ok": (result.language == expected["lang"]) if has_language else None,
            "origin_publisher": result.origin_publisher if name == "ours" else "n/a",
            "origin_publisher_ok": (result.origin_publisher == expected["source_name"]) if name == "ours" else None,
            "date": (str(result.date.date() if isinstance(result.date, dt.datetime) else result.date) if has_date else "n/a"),
            "date_ok": same_day(result.date, expected["published_date"]) if has_date else None,
        }
    return checks


def run_benchmark(
    corpus_dir: Path = CORPUS_DIR, names: Sequence[str] | None = None, passes: int = 3, check_trafilatura: bool = True
) -> dict[str, Any]:
    """The whole benchmark as a dict (what ``--json`` writes)."""
    pages = load_corpus(corpus_dir, names)
    passes = max(passes, 1)
    outputs: dict[str, list] = {}
    timed = time_passes(pages, [*EXTRACTORS, TEXT_ONLY], passes, first_pass_outputs=outputs)
    extractors: dict[str, dict[str, Any]] = {}
    texts: dict[str, dict[str, str]] = {}
    for name in EXTRACTORS:
        extractors[name], texts[name] = score_pages(pages, name, outputs[name])
        extractors[name].update(_speed(len(pages), timed[name]["cpu"], timed[name]["wall"]))
    return {
        "corpus": str(corpus_dir),
        "pages": len(pages),
        "passes": passes,
        "extractors": extractors,
        "timing_only": {TEXT_ONLY: _speed(len(pages), timed[TEXT_ONLY]["cpu"], timed[TEXT_ONLY]["wall"])},
        # CPU seconds of bare readability (text only) over ours, in each pass: how steady the ratio is.
        "ours_vs_text_only_by_pass": [
            round(text_only / ours, 3) if ours > 0 else None for ours, text_only in zip(timed["ours"]["cpu"], timed[TEXT_ONLY]["cpu"], strict=True)
        ],
        "trafilatura_text_mismatches": trafilatura_text_mismatches(pages, texts["trafilatura"]) if check_trafilatura else None,
        "seed": check_seed(corpus_dir),
    }


# --- report ----------------------------------------------------------------------------------


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def _mark(ok: bool | None) -> str:
    return "n/a" if ok is None else ("yes" if ok else "**no**")


def markdown(report: dict[str, Any]) -> str:
    extractors = report["extractors"]
    any_row = next(iter(extractors.values()))
    lines = [
        f"readability-pages ({report['pages']} pages); pages/s: best of {report['passes']} passes, one pinned CPU:",
        "",
        "| extractor | text P | text R | text F1 | title exact "
        f"(n={any_row['title_pages']}) | byline ⊇ (n={any_row['byline_pages']}) | byline ↔ | "
        f"date same day (n={any_row['date_pages']}) | pages/s (CPU) | pages/s (wall) | raised | empty |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, row in extractors.items():
        speed = f"{row['pages_per_second']:.1f}" if row.get("pages_per_second") else "n/a"
        wall = f"{row['pages_per_wall_second']:.1f}" if row.get("pages_per_wall_second") else "n/a"
        lines.append(
            f"| {name} | {row['precision']:.3f} | {row['recall']:.3f} | **{row['f1']:.3f}** | {row['title_exact']:.3f} | "
            f"{_pct(row['byline_contains'])} | {_pct(row['byline_either_way'])} | {_pct(row['date_same_day'])} | "
            f"{speed} | {wall} | {len(row['raised'])} | {len(row['empty'])} |"
        )
    seed = report.get("seed")
    if seed:
        lines += [
            "",
            "seed-aggregator page:",
            "",
            "| extractor | title exact | paragraphs present | chrome leaked | language | origin publisher | published day |",
            "| --- | --- | --- | --- | --- | --- | --- |",
        ]
        for name, check in seed.items():
            if check.get("raised"):
                lines.append(f"| {name} | raised: {check['raised']} | | | | | |")
                continue
            paragraphs = f"{check['paragraphs_present']}/{check['paragraphs_expected']}"
            lines.append(
                f"| {name} | {_mark(check['title_exact'])} | {paragraphs} {_mark(check['all_paragraphs_present'])} | "
                f"{len(check['leaked'])} {_mark(check['no_chrome'])} | {check['language']} {_mark(check['language_ok'])} | "
                f"{check['origin_publisher']} {_mark(check['origin_publisher_ok'])} | {check['date']} {_mark(check['date_ok'])} |"
            )
    notes = []
    for name, row in (report.get("timing_only") or {}).items():
        notes.append(
            f"{name} (`Document(html).summary()` → text, no `short_title()`, which parses the page again): "
            f"{row['pages_per_second']:.1f} pages/s (CPU), {row['pages_per_wall_second']:.1f} (wall)"
        )
    if report.get("ours_vs_text_only_by_pass"):
        notes.append(
            "ours against bare readability-lxml (text only), CPU time, pass by pass: "
            + ", ".join(f"{ratio:.2f}×" for ratio in report["ours_vs_text_only_by_pass"] if ratio)
        )
    for name, row in extractors.items():
        if row["raised"]:
            notes.append(f"{name} raised on: {'; '.join(row['raised'])}")
        if row["empty"]:
            notes.append(f"{name} gave no text on: {', '.join(row['empty'])}")
    mismatches = report.get("trafilatura_text_mismatches")
    if mismatches:
        notes.append(f"trafilatura one-call text differs from trafilatura.extract() on: {', '.join(mismatches)}")
    if notes:
        lines += ["", *(f"- {note}" for note in notes)]
    return "\n".join(lines)


def _command_line() -> str:
    executable = sys.executable
    try:
        relative = os.path.relpath(executable)
        if not relative.startswith(".."):
            executable = relative
    except ValueError:
        pass
    return shlex.join([executable, *sys.argv])


def _pin_to_one_cpu() -> str:
    if hasattr(os, "sched_setaffinity"):
        cpu = min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {cpu})
        return f"CPU {cpu}"
    return "not pinned (no sched_setaffinity)"


def _versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    found = {"python": platform.python_version()}
    for package in ("readability-lxml", "trafilatura", "lxml"):
        try:
            found[package] = version(package)
        except PackageNotFoundError:
            found[package] = "absent"
    return found


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--passes", type=int, default=3, help="timed passes per extractor (best is reported)")
    parser.add_argument("--pages", nargs="+", metavar="NAME", help="only these readability pages")
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the numbers as JSON")
    args = parser.parse_args(argv)

    if not (CORPUS_DIR / READABILITY_PAGES / "manifest.json").is_file():
        print(f"extraction benchmark skipped: shared corpus not found at {CORPUS_DIR} (it sits beside the main checkout)")
        return 0
    for name in ("trafilatura", "readability", "htmldate", "courlan"):
        logging.getLogger(name).setLevel(logging.CRITICAL)

    pinned = _pin_to_one_cpu()
    started = time.perf_counter()
    report = run_benchmark(CORPUS_DIR, args.pages, args.passes)
    report["seconds_total"] = time.perf_counter() - started
    report["date"] = dt.date.today().isoformat()
    report["command"] = _command_line()
    report["cpu"] = pinned
    report["versions"] = _versions()

    print(markdown(report))
    print()
    versions = ", ".join(f"{k} {v}" for k, v in report["versions"].items())
    print(f"{versions}; pinned to {pinned}; {report['seconds_total']:.0f} s in all; {report['date']}")
    print(f"command: {report['command']}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
        print(f"numbers written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
