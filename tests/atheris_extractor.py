"""Coverage-guided fuzzing of ``extract_article`` with atheris (libFuzzer), run by ``make fuzz``.

tests/test_fuzz.py generates pages from grammars; this harness complements it by mutating bytes
towards new branches of newslake's extraction code and readability-lxml (both instrumented),
starting from the sample site's pages. For every input it checks what test_fuzz checks:
``extract_article`` returns an ``ArticleExtraction`` (it never raises), ``ok`` iff ``reason`` is
None, the reason is a documented one, and the call stays within 2 s plus 150 us per parsed element
(re-timed once before failing: the machine is shared). A violation is a libFuzzer crash: the input
is written under test-output/atheris/ and the process exits non-zero.

    python tests/atheris_extractor.py -atheris_runs=20000 -max_total_time=600

Any libFuzzer flag can be added; the seed corpus (test-output/atheris/corpus/, gitignored with
test-output/) keeps the inputs that reached new coverage, so a later run starts from them.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import atheris

with atheris.instrument_imports(include=["newslake", "readability"]):
    from newslake.extract import REASONS, ArticleExtraction, extract_article
    from newslake.extraction.html_input import parse_html
    from newslake.sample_site import site as sample_site
    from newslake.sample_site.content import ARTICLES

REPO = Path(__file__).resolve().parents[1]
OUTPUT = REPO / "test-output" / "atheris"
CORPUS = OUTPUT / "corpus"
BASE_SECONDS = 2.0
SECONDS_PER_ELEMENT = 150e-6  # as EXTRACT_SECONDS_PER_ELEMENT in test_fuzz.py


def _element_count(html: bytes) -> int:
    try:
        return sum(1 for _ in parse_html(html).iter())
    except Exception:  # what the extractor refuses has no elements to pay for
        return 0


def _timed_extraction(html: bytes, url: str | None) -> tuple[object, float]:
    started = time.perf_counter()
    result = extract_article(html, url)
    return result, time.perf_counter() - started


def test_one_input(data: bytes) -> None:
    provider = atheris.FuzzedDataProvider(data)
    url = "http://news.example/2026/11/24/story.html" if provider.ConsumeBool() else None
    html = provider.ConsumeBytes(provider.remaining_bytes())
    result, seconds = _timed_extraction(html, url)
    if not isinstance(result, ArticleExtraction):
        raise AssertionError(f"extract_article returned {type(result).__name__}")
    if result.ok != (result.reason is None) or (result.reason is not None and result.reason not in REASONS):
        raise AssertionError(f"inconsistent result: ok={result.ok} reason={result.reason!r}")
    bound = BASE_SECONDS
    if seconds > bound:
        bound += SECONDS_PER_ELEMENT * _element_count(html)
        seconds = min(seconds, _timed_extraction(html, url)[1])
        if seconds > bound:
            raise AssertionError(f"{seconds:.2f} s (bound {bound:.2f} s) for {len(html)} bytes")


def main() -> None:
    CORPUS.mkdir(parents=True, exist_ok=True)
    for number, article in enumerate(ARTICLES):
        seed = CORPUS / f"sample-{number:02d}.html"
        if not seed.exists():
            # The first byte is the harness's own (with or without a page URL).
            seed.write_bytes(b"\x01" + sample_site.render(article.path, "http://news.example").body)
    # The language model and caches load on the first page with text (seconds): not any input's cost.
    extract_article(sample_site.render(ARTICLES[0].path, "http://news.example").body)
    flags = [arg for arg in sys.argv[1:] if arg.startswith("-")]
    if not any(flag.startswith("-max_len=") for flag in flags):
        flags.append("-max_len=100000")
    if not any(flag.startswith("-artifact_prefix=") for flag in flags):
        flags.append(f"-artifact_prefix={OUTPUT}/")
    atheris.Setup([sys.argv[0], *flags, str(CORPUS)], test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
