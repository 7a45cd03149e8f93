"""The articles contract (include/quality/articles_suite.yaml): real GX validations of real
partitions, one deliberately broken partition per expectation; warn-only checks; per-source
thresholds from the sources file; the gate through pipeline.validate/publish on a local lake and
on S3 (moto); Data Docs with the lake."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from lakerows import article_table
from newslake import datadocs, lake, pipeline
from newslake.config import QualityConfig, Settings, Source, SourcesConfigError, load_sources
from newslake.validate import build_checks, validate_partition

DAY = dt.date(2026, 11, 24)
SOURCE = Source(id="test-daily", name="Test Daily", languages=("en",), timezone="Africa/Casablanca", feeds=("https://test.example/rss",))


def source(**quality) -> Source:
    return SOURCE.model_copy(update={"quality": QualityConfig(**quality)})


def articles(rows: int = 4, **changes) -> pa.Table:
    """Valid articles of DAY (10:00 UTC, fetched at the same instant); ``changes`` maps a column
    to {row index: new value}."""
    table = article_table("q", rows)
    records = table.to_pylist()
    for column, values in changes.items():
        for index, value in values.items():
            records[index][column] = value
    return pa.Table.from_pylist(records, schema=table.schema)


def fetch_log(landed: int = 4, failed: int = 0, duplicates: int = 0, already_landed: int = 0) -> pa.Table:
    """A staged fetch log: article rows with the given outcomes (duplicates alternate between
    duplicate_canonical and duplicate_content), plus one feed."""
    def row(url, outcome, reason, attempts=1):
        return {"url": url, "kind": "article", "outcome": outcome, "reason": reason, "listed_url": url, "listing_url": None,
                "listed_at": None, "times_listed": 1, "http_status": 200, "attempts": attempts, "fetched_at": None,
                "elapsed_ms": 1, "bytes": 1, "article_id": None}

    rows = [row(f"http://news.example/q/{i}", "landed", None) for i in range(landed)]
    rows += [row(f"http://news.example/failed/{i}", "failed", "http_404") for i in range(failed)]
    rows += [row(f"http://news.example/dup/{i}", "skipped", ("duplicate_canonical", "duplicate_content")[i % 2]) for i in range(duplicates)]
    # Decided at discovery, never fetched: not in the shares' denominator.
    rows += [row(f"http://news.example/old/{i}", "skipped", "already_landed", attempts=None) for i in range(already_landed)]
    rows.append({**row("http://news.example/rss", "fetched", None), "kind": "feed"})
    return pa.Table.from_pylist(rows, schema=lake.fetch_log_schema())


def failing_ids(verdict) -> set[str]:
    return {item["id"] for item in verdict.failures}


def run(table: pa.Table, log: pa.Table | None = None, src: Source = SOURCE, day: dt.date = DAY):
    return validate_partition(table, log if log is not None else fetch_log(table.num_rows), source=src, day=day, partition=lake.partition(day, src.id))


def test_a_good_partition_and_an_empty_day_pass():
    verdict = run(articles(), fetch_log(4, failed=1, duplicates=1, already_landed=5))
    assert verdict.success and verdict.status == "passed", verdict.message()
    assert verdict.partition_stats == {"urls_fetched": 6, "duplicates": 1, "failed": 1, "duplicate_share": 0.1667, "failed_fetch_share": 0.1667}
    empty = run(articles(0), fetch_log(0))
    assert empty.success, empty.message()


def test_validation_leaves_scipy_stats_unloaded_until_something_uses_it():
    """The validate task imports GX without scipy.stats (about a quarter of the import's CPU):
    a whole validation and its Data Docs page never load it, and scipy.stats still works when
    asked for. A fresh interpreter: this test session may have loaded scipy.stats already."""
    script = textwrap.dedent(
        """
        import sys
        import test_quality as q
        from newslake import datadocs
        verdict = q.run(q.articles(), q.fetch_log(4, failed=1))
        datadocs.render_validation_page(verdict.gx_results["articles"])
        print(verdict.status, "scipy.stats._stats_py" in sys.modules)
        from scipy import stats
        print(round(float(stats.entropy([1, 1], [1, 3])), 4), "scipy.stats._stats_py" in sys.modules)
        """
    )
    tests_folder = str(Path(__file__).parent)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [tests_folder, os.environ.get("PYTHONPATH")]))}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.split("\n")[:2] == ["passed False", "0.1438 True"], done.stdout + done.stderr[-3000:]


def test_great_expectations_is_imported_with_the_garbage_collector_paused():
    """GX's import set off full collections that walked the whole task process (Airflow, pyarrow,
    polars, pandas) for a few hundred objects. A fresh interpreter holding what a task holds:
    no full collection runs during the import, and the collector is on again after it."""
    script = textwrap.dedent(
        """
        import gc
        import airflow.sdk, pyarrow, polars, pandas
        from newslake.validate import import_great_expectations
        before = gc.get_stats()[2]["collections"]
        import_great_expectations()
        print(gc.get_stats()[2]["collections"] - before, gc.isenabled())
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.split() == ["0", "True"], done.stdout


def test_the_garbage_collector_is_left_as_it_was_found(monkeypatch):
    """On again after an import that fails; left off when the caller had turned it off."""
    import gc

    from newslake.validate import import_great_expectations

    monkeypatch.setitem(sys.modules, "great_expectations", None)  # `import great_expectations` raises
    assert gc.isenabled()
    with pytest.raises(ImportError):
        import_great_expectations()
    assert gc.isenabled()
    gc.disable()
    try:
        with pytest.raises(ImportError):
            import_great_expectations()
        assert not gc.isenabled()
    finally:
        gc.enable()


GX_LOG_SCRIPT = """
import logging, sys
records = []
class Keep(logging.Handler):
    def emit(self, record):
        records.append(record)
logging.basicConfig(level=logging.INFO, handlers=[Keep()])
if sys.argv[1] == "configured":
    logging.getLogger("great_expectations").setLevel(logging.INFO)
import test_quality as q
from newslake import datadocs
verdict = q.run(q.articles(), q.fetch_log(4, failed=1))
datadocs.render_validation_page(verdict.gx_results["articles"])
gx = [r for r in records if r.name.startswith("great_expectations") and r.levelno < logging.WARNING]
print(verdict.status, len(gx))
"""


@pytest.mark.parametrize("logger_level", ["unconfigured", "configured"])
def test_great_expectations_keeps_its_info_lines_out_of_the_task_log(logger_level):
    """A validate task's log held hundreds of lines of GX's INFO chatter (its import alone: every
    closure its docs decorator skips) around the four lines of ours. Unless something set a level on the
    ``great_expectations`` logger, GX now logs warnings only; a level set on it is kept."""
    tests_folder = str(Path(__file__).parent)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [tests_folder, os.environ.get("PYTHONPATH")]))}
    done = subprocess.run([sys.executable, "-c", GX_LOG_SCRIPT, logger_level], capture_output=True, text=True,
                          env=env, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    status, gx_info_lines = done.stdout.split("\n")[0].split()
    assert status == "passed", done.stdout
    if logger_level == "unconfigured":
        assert gx_info_lines == "0", done.stdout
    else:
        assert int(gx_info_lines) > 100, done.stdout


def test_the_suite_follows_the_schema():
    """The column list and the type checks come from lake.articles_schema(), not from the suite
    file: a column added to the schema is checked without touching the suite."""
    schema = lake.articles_schema().append(pa.field("brand_new", pa.int32(), nullable=False))
    checks = {check.id: check for check in build_checks(SOURCE, DAY, schema=schema)}
    assert checks["columns_match_schema"].kwargs["column_list"][-1] == "brand_new"
    assert checks["column_type.brand_new"].kwargs == {"column": "brand_new", "type_": "int32"}
    assert "not_null.brand_new" in checks and "not_null.language" not in checks
    assert checks["published_in_day"].kwargs["min_value"] == dt.datetime(2026, 11, 23, 23, tzinfo=dt.UTC)


def _with_column(table: pa.Table, name: str, values) -> pa.Table:
    return table.set_column(table.schema.get_field_index(name), name, values)


MONTH_OFF = dt.datetime(2026, 10, 24, 10, tzinfo=dt.UTC)
BROKEN = {
    # schema drift
    "extra column": (lambda: articles().append_column("colour", pa.array(["blue"] * 4)), "columns_match_schema"),
    "missing column": (lambda: articles().drop_columns(["language"]), "columns_match_schema"),
    "wrong type": (lambda: _with_column(articles(), "published_at", pc.cast(articles()["published_at"], pa.string())),
                   "column_type.published_at"),
    # completeness and keys
    "null url": (lambda: articles(url={2: None}), "not_null.url"),
    "null article_id": (lambda: articles(article_id={0: None}), "not_null.article_id"),
    "duplicate article_id": (lambda: articles(article_id={1: "q0000"}), "article_id_unique"),
    "duplicate url": (lambda: articles(url={1: "http://news.example/q/0"}), "url_unique"),
    "not a URL": (lambda: articles(url={3: "news.example/q/3"}), "url_format"),
    # dates
    "a month off": (lambda: articles(published_at={1: MONTH_OFF}, fetched_at={1: MONTH_OFF}), "published_in_day"),
    "published after fetched": (lambda: articles(fetched_at={0: dt.datetime(2026, 11, 24, 9, tzinfo=dt.UTC)}), "published_not_after_fetched"),
    # content
    "wrong language": (lambda: articles(language={2: "de"}), "language_declared"),
    "empty text": (lambda: articles(text={0: ""}), "text_length"),
    "huge text": (lambda: articles(text={0: "x" * 200_001}), "text_length"),
    "empty title": (lambda: articles(title={0: ""}), "title_length"),
    "title is the site name": (lambda: articles(site_name={0: "Test Daily", 1: "q 1"}, title={0: "Test Daily"}), "title_not_site_name"),
}


@pytest.mark.parametrize("case", BROKEN)
def test_each_broken_partition_fails_its_expectation(case):
    build, expected = BROKEN[case]
    verdict = run(build())
    assert not verdict.success
    assert expected in failing_ids(verdict), verdict.message()
    [failure] = [item for item in verdict.failures if item["id"] == expected]
    assert failure["severity"] == "block"
    assert f"[{expected}]" in verdict.message()


def test_failure_message_names_the_rows():
    verdict = run(articles(language={2: "de"}, title={0: "Test Daily"}, site_name={0: "Test Daily"}))
    assert failing_ids(verdict) == {"language_declared", "title_not_site_name"}
    language = next(item for item in verdict.failures if item["id"] == "language_declared")
    assert language["unexpected_count"] == 1
    assert language["examples"] == [{"url": "http://news.example/q/2", "value": "de"}]
    title = next(item for item in verdict.failures if item["id"] == "title_not_site_name")
    assert title["examples"] == [{"url": "http://news.example/q/0", "value": "title=Test Daily, site_name=Test Daily"}]
    assert "http://news.example/q/2" in verdict.message()


def test_day_month_swap_is_caught():
    """2026-11-05 read as 2026-05-11: the page lands in the 11 May partition, six months off."""
    swapped = dt.datetime(2026, 11, 5, 9, tzinfo=dt.UTC)
    verdict = run(articles(published_at={0: swapped}), day=dt.date(2026, 5, 11))
    assert "published_in_day" in failing_ids(verdict)
    failure = next(item for item in verdict.failures if item["id"] == "published_in_day")
    assert failure["unexpected_count"] == 4  # every row of 24 Nov, the swapped one too
    assert {"url": "http://news.example/q/0", "value": "2026-11-05 09:00:00+00:00"} in failure["examples"]


@pytest.mark.parametrize(
    ("log", "expected", "examples"),
    [
        (fetch_log(2, failed=3), "failed_fetch_share", [("http://news.example/failed/0", "http_404")]),
        (fetch_log(2, duplicates=3), "duplicate_share", [("http://news.example/dup/0", "duplicate_canonical"),
                                                         ("http://news.example/dup/1", "duplicate_content")]),
    ],
)
def test_run_shares_too_high(log, expected, examples):
    verdict = run(articles(2), log)
    assert failing_ids(verdict) == {expected}, verdict.message()
    [failure] = verdict.failures
    assert failure["observed"] == "0.6 (3 of 5 URLs fetched)"
    for url, reason in examples:
        assert {"url": url, "value": reason} in failure["examples"]
        # The task's failure message names them too (README: "the examples are the duplicate or
        # failed URLs with their reason"); it printed only the share.
        assert url in verdict.message() and reason in verdict.message()


def test_a_length_check_s_example_is_the_length_not_the_text():
    verdict = run(articles(text={0: "x" * 200_001}))
    [failure] = [item for item in verdict.failures if item["id"] == "text_length"]
    assert failure["examples"] == [{"url": "http://news.example/q/0", "value": "200001 characters"}]
    assert len(verdict.message()) < 2_000


def test_already_landed_urls_do_not_count_as_duplicates():
    verdict = run(articles(2), fetch_log(2, already_landed=10))
    assert verdict.success and verdict.partition_stats["duplicate_share"] == 0


def test_warn_only_makes_a_failing_expectation_non_blocking():
    broken = articles(language={2: "de"}, url={3: None})
    verdict = run(broken, src=source(warn_only=["language_declared", "not_null.url"]))
    assert verdict.success and verdict.status == "warned", verdict.message()
    assert {item["id"] for item in verdict.warnings} == {"language_declared", "not_null.url"}
    assert all(item["severity"] == "warn" for item in verdict.warnings)
    assert "2 warning(s) (not blocking)" in verdict.message()
    # A whole for_each family by its base id.
    assert run(articles(url={3: None}), src=source(warn_only=["not_null"])).success


SOURCES_YAML = """
sources:
  - id: strict-daily
    name: Strict Daily
    languages: [en]
    timezone: Africa/Casablanca
    feeds: [https://strict.example/rss]
    quality:
      min_text_chars: 1000
      max_failed_fetch_share: 0.8
      warn_only: [title_not_site_name]
"""


def test_per_source_thresholds_from_the_sources_file(tmp_path):
    path = tmp_path / "sources.yaml"
    path.write_text(SOURCES_YAML, encoding="utf-8")
    [strict] = load_sources(path)
    assert strict.quality.min_text_chars == 1000 and strict.quality.max_duplicate_share == QualityConfig().max_duplicate_share
    # 250-character texts pass the default threshold and fail this source's 1000; 60 % failed
    # fetches fail the default and pass this source's 0.8; title == site name only warns.
    table = articles(2, site_name={0: "Strict Daily"}, title={0: "Strict Daily"})
    log = fetch_log(2, failed=3)
    assert failing_ids(run(table, log)) == {"failed_fetch_share", "title_not_site_name"}
    verdict = run(table, log, src=strict)
    assert failing_ids(verdict) == {"text_length"}
    assert [item["id"] for item in verdict.warnings] == ["title_not_site_name"]
    assert next(c for c in build_checks(strict, DAY) if c.id == "text_length").kwargs["min_value"] == 1000


@pytest.mark.parametrize(
    ("quality", "expected"),
    [
        ("{min_text_chars: -1}", "'quality.min_text_chars'"),
        ("{max_duplicate_share: 1.5}", "'quality.max_duplicate_share'"),
        ("{min_title_chars: 50, max_title_chars: 10}", "'quality.max_title_chars': 10 is below min_title_chars (50)"),
        ("{warn_only: [no_such_check]}", "'quality.warn_only': 'no_such_check' is not an expectation id"),
        ("{colour: blue}", "'quality.colour'"),
    ],
)
def test_invalid_quality_block_names_file_entry_and_field(tmp_path, quality, expected):
    path = tmp_path / "sources.yaml"
    body = SOURCES_YAML.split("    quality:")[0] + f"    quality: {quality}\n"
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    with pytest.raises(SourcesConfigError) as error:
        load_sources(path)
    message = str(error.value)
    assert str(path) in message and "entry 1 (id 'strict-daily')" in message and expected in message, message


# -- the gate through the pipeline, on a local lake and on S3 ----------------------------------------


def stage(storage, src: Source, day: dt.date, table: pa.Table, log: pa.Table) -> pipeline.PartitionContext:
    ctx = pipeline.PartitionContext(src, day, storage, Settings())
    storage.write_bytes(ctx.staged("articles.parquet"), lake.table_to_parquet_bytes(table))
    storage.write_bytes(ctx.staged("fetch_log.parquet"), lake.table_to_parquet_bytes(log))
    return ctx


@pytest.mark.parametrize(
    ("broken", "expected"),
    [
        (lambda: (articles(published_at={0: dt.datetime(2026, 11, 5, 9, tzinfo=dt.UTC)}), fetch_log(4)), "published_in_day"),
        (lambda: (articles(2), fetch_log(2, duplicates=3)), "duplicate_share"),
    ],
    ids=["published-weeks-off", "duplicate-share"],
)
def test_a_failing_partition_is_quarantined_never_published(storage, broken, expected):
    table, log = broken()
    ctx = stage(storage, SOURCE, DAY, table, log)
    with pytest.raises(pipeline.PartitionRejected) as error:
        pipeline.validate(ctx)
    assert f"[{expected}]" in str(error.value) and "NOT published" in str(error.value)
    assert not storage.exists(lake.articles_key(DAY, SOURCE.id))
    quarantine = lake.quarantine_prefix(DAY, SOURCE.id)
    assert storage.exists(f"{quarantine}/{lake.PARTITION_FILE}")
    verdict = json.loads(storage.read_bytes(f"{quarantine}/validation.json"))
    assert verdict["status"] == "failed" and expected in {item["id"] for item in verdict["failures"]}
    assert verdict["data_docs"] == storage.url(f"{datadocs.partition_prefix(DAY, SOURCE.id)}/articles.html")
    fetch_rows = lake.read_parquet(storage, lake.fetch_log_key(DAY, SOURCE.id)).to_pylist()
    assert {r["outcome"] for r in fetch_rows if r["kind"] == "article" and r["url"].startswith("http://news.example/q/")} == {"quarantined"}

    # Data Docs, with the lake: the GX page names the failing expectation; the index lists the partition.
    page_key = "partition_stats.html" if expected == "duplicate_share" else "articles.html"
    page = storage.read_bytes(f"{datadocs.partition_prefix(DAY, SOURCE.id)}/{page_key}").decode()
    assert f"{expected} [block]" in page
    assert f"dt={DAY}/index.html" in storage.read_bytes(datadocs.INDEX_KEY).decode()
    day_index = storage.read_bytes(datadocs.day_index_key(DAY)).decode()
    assert f"source={SOURCE.id}/articles.html" in day_index and "failed" in day_index


def test_warnings_are_recorded_and_the_partition_is_published(storage):
    table = articles(language={1: "de"})
    ctx = stage(storage, source(warn_only=["language_declared"]), DAY, table, fetch_log(4))
    summary = pipeline.validate(ctx)
    assert summary["success"] and summary["warnings"] == 1
    pipeline.publish(ctx)
    assert lake.read_parquet(storage, lake.articles_key(DAY, SOURCE.id)).num_rows == 4
    verdict = lake.read_json(storage, lake.validation_key(DAY, SOURCE.id))
    assert verdict["success"] is True and verdict["status"] == "warned"
    assert [(w["id"], w["examples"]) for w in verdict["warnings"]] == [("language_declared", [{"url": "http://news.example/q/1", "value": "de"}])]
    assert datadocs.read_verdict(storage, DAY, SOURCE.id)["status"] == "warned"
    page = storage.read_bytes(f"{datadocs.partition_prefix(DAY, SOURCE.id)}/articles.html").decode()
    assert "language_declared [warn]" in page


@pytest.mark.parametrize("other_day", [False, True], ids=["same-day", "another-day"])
def test_two_validations_at_once_both_end_up_in_the_data_docs_indexes(storage, other_day):
    """Two partitions validated at the same moment: the first lists (its day's folder, or the
    days), the second then writes its verdict and its indexes, and the first writes its index
    last, from its older listing. The first lists again after writing and rebuilds the index
    with both (before, the second was missing until some later validation)."""
    from newslake.storage import Storage

    first = SOURCE
    second, second_day = SOURCE.model_copy(update={"id": "second-daily"}), DAY + dt.timedelta(days=1 if other_day else 0)
    second_verdict = run(articles(), src=second, day=second_day)

    class SecondValidatesMeanwhile(Storage):
        """The lake as the first validation sees it: right after its first listing of what the
        second one changes, the second validation runs from start to end."""

        interleaved = False

        def list(self, prefix):
            return self.interleave(super().list(prefix), prefix == f"{datadocs.DOCS_PREFIX}/dt={DAY}/" and not other_day)

        def list_folders(self, prefix):
            return self.interleave(super().list_folders(prefix), other_day)

        def interleave(self, listed, now):
            if now and not self.interleaved:
                self.interleaved = True
                datadocs.build(storage, second_verdict, second_day, second.id)
            return listed

    racing = SecondValidatesMeanwhile.__new__(SecondValidatesMeanwhile)
    racing.__dict__.update(storage.__dict__)
    datadocs.build(racing, run(articles(), src=first), DAY, first.id)
    assert racing.interleaved
    days = storage.read_bytes(datadocs.INDEX_KEY).decode()
    assert f"dt={DAY}/index.html" in days and f"dt={second_day}/index.html" in days
    first_day_index = storage.read_bytes(datadocs.day_index_key(DAY)).decode()
    assert f"source={first.id}/articles.html" in first_day_index
    if not other_day:
        assert "2 partitions: 2 passed" in first_day_index and f"source={second.id}/articles.html" in first_day_index
        # Sources from a to z (they came out z to a, as the flat index had sorted its rows newest day first).
        assert second.id < first.id
        assert first_day_index.index(f"source={second.id}/articles.html") < first_day_index.index(f"source={first.id}/articles.html")


def test_a_validation_lists_only_its_day_of_data_docs(tmp_path):
    """What a validation lists to rebuild the Data Docs indexes does not grow with the lake's
    age: its day's folder and the folder names below data_docs/, not every page of every day
    (one flat index listed all of data_docs/: ~55,000 keys after a year of 50 sources)."""
    from newslake.storage import Storage

    class Counting(Storage):
        listed = 0

        def list(self, prefix):
            keys = super().list(prefix)
            self.listed += len(keys)
            return keys

    storage = Counting(str(tmp_path / "lake"))
    for back in range(1, 61):  # two months of three sources' pages, as earlier validations left them
        for source_id in ("a", "b", "c"):
            prefix = datadocs.partition_prefix(DAY - dt.timedelta(days=back), source_id)
            for name in ("articles.html", "partition_stats.html", "verdict-passed.json"):
                storage.write_bytes(f"{prefix}/{name}", b"{}")
    datadocs.build(storage, run(articles()), DAY, SOURCE.id)
    # The day's folder, twice (before and after writing its index): its three files, then four.
    assert storage.listed == 3 + 4
    days = storage.read_bytes(datadocs.INDEX_KEY).decode()
    assert days.count('index.html">') == 61 and days.index(str(DAY)) < days.index(str(DAY - dt.timedelta(days=1)))


def test_data_docs_index_lists_partitions_and_syncs_to_a_local_folder(s3_storage, tmp_path):
    """What `make docs` does for an S3 lake: copy data_docs/ to a local folder and index it."""
    for day, table in ((DAY, articles()), (DAY + dt.timedelta(days=1), articles(language={0: "de"}))):
        verdict = run(table, day=day)
        datadocs.build(s3_storage, verdict, day, SOURCE.id)
        assert s3_storage.exists(f"{datadocs.partition_prefix(day, SOURCE.id)}/verdict-{verdict.status}.json")
    folder = datadocs.local_docs_folder(s3_storage, tmp_path / "docs")
    index = (folder / "index.html").read_text()
    assert index.index("2026-11-25") < index.index("2026-11-24")  # newest first
    assert "1 partition: 1 passed, 0 warned, 0 failed" in (folder / "dt=2026-11-24" / "index.html").read_text()
    assert "1 partition: 0 passed, 0 warned, 1 failed" in (folder / "dt=2026-11-25" / "index.html").read_text()
    assert (folder / "dt=2026-11-24" / "source=test-daily" / "articles.html").is_file()
    assert "language_declared [block]" in (folder / "dt=2026-11-25" / "source=test-daily" / "articles.html").read_text()
    # Every link between the pages leads to a page: days -> day -> partition pages, and back.
    import re

    for page in folder.rglob("*.html"):
        for href in re.findall(r'href="([^"#:]+)"', page.read_text()):
            if not href.endswith(".css"):
                assert (page.parent / href).resolve().is_file(), (page.relative_to(folder), href)
    assert 'href="../index.html"' in (folder / "dt=2026-11-25" / "source=test-daily" / "articles.html").read_text()


def test_gx_runs_with_the_heap_frozen_and_the_heap_is_given_back_after():
    """While GX validates, what the process held before is frozen out of the collector's full
    collections (gc.freeze), then given back; garbage made meanwhile is still collected. A heap
    something else froze before (Airflow's executor, before it forks) stays frozen."""
    import gc

    from newslake.validate import heap_frozen_for_gx

    assert gc.get_freeze_count() == 0
    with heap_frozen_for_gx():
        assert "great_expectations" in sys.modules and gc.get_freeze_count() > 0
        verdict = run(articles(), fetch_log(4, failed=1))
        cycle = []
        cycle.append(cycle)
        del cycle
        assert gc.collect() >= 1
    assert verdict.success and gc.get_freeze_count() == 0
    with pytest.raises(RuntimeError), heap_frozen_for_gx():
        raise RuntimeError("a validation that fails")
    assert gc.get_freeze_count() == 0

    gc.freeze()
    try:
        frozen_before = gc.get_freeze_count()
        with heap_frozen_for_gx():
            pass
        assert gc.get_freeze_count() >= frozen_before
    finally:
        gc.unfreeze()


def test_the_validate_step_runs_gx_with_the_heap_frozen(monkeypatch, tmp_path):
    """pipeline.validate: the volume check, the GX validation and its Data Docs run inside
    heap_frozen_for_gx, and the heap is given back after the step."""
    import gc

    from newslake import validate as validate_module
    from newslake.storage import Storage

    seen = []
    real = validate_module.validate_partition

    def recording(*args, **kwargs):
        seen.append(gc.get_freeze_count())
        return real(*args, **kwargs)

    monkeypatch.setattr(validate_module, "validate_partition", recording)
    storage = Storage(str(tmp_path / "lake"))
    ctx = pipeline.PartitionContext(SOURCE, DAY, storage, Settings.load(lambda name: None))
    storage.write_bytes(ctx.staged("articles.parquet"), lake.table_to_parquet_bytes(articles()))
    storage.write_bytes(ctx.staged("fetch_log.parquet"), lake.table_to_parquet_bytes(fetch_log(4)))
    assert pipeline.validate(ctx)["success"] is True
    assert len(seen) == 1 and seen[0] > 0
    assert gc.get_freeze_count() == 0
