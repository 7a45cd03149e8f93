"""The report `make run` and `make report` print, and run_metrics, count a partition's outcomes
the same way (lake.article_outcome_counts)."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest

from newslake import lake
from newslake.storage import Storage

DAY = dt.date(2026, 11, 24)
SOURCE = "tiny-daily"


def _row(url: str, outcome: str, reason: str | None = None, kind: str = "article") -> dict:
    return {"url": url, "kind": kind, "outcome": outcome, "reason": reason}


# Every way an article URL can end, and a listing: 5 URLs listed for the day, 3 dated another day.
FETCH_LOG = [
    _row("https://example.ma/a", "landed"),
    _row("https://example.ma/b", "landed"),
    _row("https://example.ma/c", "skipped", "duplicate_canonical"),
    _row("https://example.ma/d", "skipped", "robots_disallowed"),
    _row("https://example.ma/e", "failed", "http_404"),
    _row("https://example.ma/f", "skipped", "out_of_window"),
    _row("https://example.ma/g", "skipped", "out_of_window"),
    _row("https://example.ma/h", "skipped", "out_of_window"),
    _row("https://example.ma/feed.xml", "landed", kind="feed"),
]


def test_outcome_counts_leave_other_days_out_of_listed_and_count_a_failed_validation_as_quarantined():
    assert lake.article_outcome_counts(FETCH_LOG) == {
        "listed": 5, "landed": 2, "skipped": 5, "failed": 1, "quarantined": 0, "other_days": 3,
    }
    # The staged fetch log of a partition that failed validation still says landed.
    assert lake.article_outcome_counts(FETCH_LOG, validation_passed=False) == {
        "listed": 5, "landed": 0, "skipped": 5, "failed": 1, "quarantined": 2, "other_days": 3,
    }
    # The published one says quarantined.
    published = [dict(row, outcome="quarantined") if row["outcome"] == "landed" and row["kind"] == "article" else row for row in FETCH_LOG]
    assert lake.article_outcome_counts(published) == lake.article_outcome_counts(FETCH_LOG, validation_passed=False)


def test_an_unknown_outcome_is_refused_naming_the_url():
    with pytest.raises(ValueError, match=r"https://example.ma/x.*'retried'"):
        lake.article_outcome_counts([_row("https://example.ma/x", "retried")])


def test_the_report_separates_skipped_urls_from_urls_of_other_days(tmp_path):
    import pyarrow as pa

    from newslake.queries import LakeReader
    from newslake.report import lake_report

    storage = Storage(str(tmp_path / "lake"))
    columns = lake.fetch_log_schema().names
    table = pa.Table.from_pylist([{name: row.get(name) for name in columns} for row in FETCH_LOG], schema=lake.fetch_log_schema())
    storage.write_bytes(lake.fetch_log_key(DAY, SOURCE), lake.table_to_parquet_bytes(table))
    lake.write_json(storage, lake.validation_key(DAY, SOURCE), {"success": True})

    report = lake_report(LakeReader(storage))
    header = next(line for line in report.splitlines() if line.startswith("source "))
    assert header.split()[2:9] == ["listed", "landed", "skipped", "failed", "quarantined", "other", "days"]
    line = next(line for line in report.splitlines() if line.startswith(SOURCE))
    # listed 5, landed 2, skipped 2 (a duplicate, robots.txt), failed 1, quarantined 0, other days 3
    assert line.split()[2:8] == ["5", "2", "2", "1", "0", "3"]
    assert "https://example.ma/e → http_404" in report


# -- the command line: python -m newslake report / docs / health-summaries ------------------------

REPO = Path(__file__).resolve().parents[1]


def run_cli(*args: str, lake_uri: str | None = None, cwd: Path | None = None, **env: str) -> subprocess.CompletedProcess:
    """``python -m newslake <args>`` in a child process, on this checkout's code, with the
    lake NEWSLAKE_LAKE_URI names."""
    child_env = {name: value for name, value in os.environ.items() if not name.startswith("NEWSLAKE_")}
    child_env["PYTHONPATH"] = str(REPO / "include")
    if lake_uri is not None:
        child_env["NEWSLAKE_LAKE_URI"] = lake_uri
    child_env.update(env)
    return subprocess.run(
        [sys.executable, "-m", "newslake", *args], cwd=cwd or REPO, env=child_env, capture_output=True, text=True, timeout=120,
    )


LAKE_COMMANDS = [("report",), ("docs", "--no-serve"), ("health-summaries",)]


@pytest.mark.parametrize("command", LAKE_COMMANDS, ids=lambda command: command[0])
@pytest.mark.parametrize("scheme", ["path", "file"])
def test_a_lake_that_does_not_exist_is_an_error_not_an_empty_lake(tmp_path, command, scheme):
    missing = tmp_path / "nowhere" / "lake"
    uri = str(missing) if scheme == "path" else f"file://{missing}"
    result = run_cli(*command, lake_uri=uri, cwd=tmp_path)
    assert result.returncode != 0, result.stdout
    assert f"no lake at {missing}: the folder does not exist" in result.stderr
    assert not (tmp_path / "nowhere").exists()  # nothing written (docs used to create data_docs/index.html there)


@pytest.mark.parametrize("command", LAKE_COMMANDS, ids=lambda command: command[0])
def test_an_existing_empty_lake_is_empty_not_missing(tmp_path, command):
    (tmp_path / "lake").mkdir()
    result = run_cli(*command, lake_uri=str(tmp_path / "lake"), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    if command[0] == "report":
        assert "(no partitions yet)" in result.stdout


def _s3_env(moto_s3) -> dict[str, str]:
    return {"AWS_ENDPOINT_URL": moto_s3["endpoint"], "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": "us-east-1"}


def test_an_s3_bucket_that_does_not_exist_is_no_lake_and_an_empty_prefix_is_an_empty_lake(moto_s3, tmp_path):
    result = run_cli("report", lake_uri="s3://no-such-bucket/lake", cwd=tmp_path, **_s3_env(moto_s3))
    assert result.returncode != 0, result.stdout
    assert "no lake at s3://no-such-bucket/lake: bucket 'no-such-bucket' does not exist" in result.stderr
    result = run_cli("docs", "--no-serve", "--dir", str(tmp_path / "docs"), lake_uri="s3://no-such-bucket/lake", cwd=tmp_path,
                     **_s3_env(moto_s3))
    assert result.returncode != 0 and "no lake at s3://no-such-bucket/lake" in result.stderr
    assert not (tmp_path / "docs").exists()

    result = run_cli("report", lake_uri=f"s3://{moto_s3['bucket']}/an-empty-prefix", cwd=tmp_path, **_s3_env(moto_s3))
    assert result.returncode == 0, result.stderr
    assert "(no partitions yet)" in result.stdout


def test_open_lake_and_the_docs_folder_refuse_a_missing_lake(tmp_path):
    from newslake.datadocs import local_docs_folder
    from newslake.queries import LakeNotFoundError, open_lake

    storage = Storage(str(tmp_path / "missing"))
    with pytest.raises(LakeNotFoundError, match="no lake at .*missing: the folder does not exist"):
        open_lake(storage)
    with pytest.raises(LakeNotFoundError, match="no lake at"):
        local_docs_folder(storage, tmp_path / "copy")
    assert not (tmp_path / "missing").exists() and not (tmp_path / "copy").exists()
    (tmp_path / "a-file").write_text("")
    with pytest.raises(LakeNotFoundError, match="it is a file, not a folder"):
        open_lake(Storage(str(tmp_path / "a-file")))


def _refused_in_one_line(result: subprocess.CompletedProcess, status: int, *expected: str) -> None:
    """Exit status ``status``, the expected words on stderr, and no Python traceback."""
    assert result.returncode == status, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr, result.stderr
    for text in expected:
        assert text in result.stderr, result.stderr


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"NEWSLAKE_LAKE_URI": "gs://bucket/x"}, ["python -m newslake report: error: lake URI 'gs://bucket/x': unsupported scheme 'gs'"]),
        ({"NEWSLAKE_FETCH_CONCURRENCY": "eight"}, ["setting fetch_concurrency", "NEWSLAKE_FETCH_CONCURRENCY = 'eight'"]),
        # Nothing listens on port 9 (discard) of loopback: S3 unreachable.
        ({"NEWSLAKE_LAKE_URI": "s3://some-bucket/lake", "AWS_ENDPOINT_URL": "http://127.0.0.1:9", "AWS_ACCESS_KEY_ID": "x",
          "AWS_SECRET_ACCESS_KEY": "y"}, ["cannot read the lake at s3://some-bucket/lake", "NETWORK_CONNECTION"]),
        # An endpoint without its scheme: pyarrow said "Invalid S3 connection scheme ''" in a traceback.
        ({"NEWSLAKE_LAKE_URI": "s3://some-bucket/lake", "AWS_ENDPOINT_URL": "127.0.0.1:9000", "AWS_ACCESS_KEY_ID": "x",
          "AWS_SECRET_ACCESS_KEY": "y"}, ["environment variable AWS_ENDPOINT_URL", "'127.0.0.1:9000' is not http(s)://host[:port]"]),
    ],
    ids=["unsupported-scheme", "bad-setting", "s3-unreachable", "endpoint-without-scheme"],
)
def test_configuration_errors_are_one_line_naming_the_culprit(tmp_path, env, expected):
    _refused_in_one_line(run_cli("report", cwd=tmp_path, **env), 1, *expected)


def test_s3_access_denied_is_one_line_naming_the_lake(tmp_path):
    import http.server
    import threading

    class Forbidden(http.server.BaseHTTPRequestHandler):
        def _deny(self) -> None:
            body = b"<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>"
            self.send_response(403)
            self.send_header("Content-Type", "application/xml")
            self.send_header("Content-Length", str(0 if self.command == "HEAD" else len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        do_HEAD = do_GET = _deny

        def log_message(self, *args) -> None:
            pass

    with http.server.ThreadingHTTPServer(("127.0.0.1", 0), Forbidden) as server:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            result = run_cli("report", cwd=tmp_path, NEWSLAKE_LAKE_URI="s3://private-bucket/lake",
                             AWS_ENDPOINT_URL=f"http://127.0.0.1:{server.server_address[1]}", AWS_ACCESS_KEY_ID="x", AWS_SECRET_ACCESS_KEY="y")
        finally:
            server.shutdown()
    _refused_in_one_line(result, 1, "cannot read the lake at s3://private-bucket/lake", "ACCESS_DENIED")


@pytest.mark.parametrize(
    ("args", "env", "expected"),
    [
        (["docs", "--port", "99999"], {}, "argument --port: '99999' is not a port number (0–65535"),
        (["serve-sample", "--port", "70000"], {}, "argument --port: '70000' is not a port number"),
        (["sample-run", "--port", "70000"], {}, "argument --port: '70000' is not a port number"),
        (["sample-run"], {"NEWSLAKE_SAMPLE_PORT": "70000"}, "NEWSLAKE_SAMPLE_PORT must be a port number, got '70000' (0–65535)"),
        (["airflow", "--port", "-1"], {}, "argument --port: '-1' is not a port number (1–65535)"),
    ],
    ids=["docs", "serve-sample", "sample-run", "sample-run-env", "airflow"],
)
def test_a_port_out_of_range_is_a_usage_error(tmp_path, args, env, expected):
    _refused_in_one_line(run_cli(*args, cwd=tmp_path, **env), 2, expected)


@pytest.mark.parametrize("command", ["docs", "serve-sample"])
def test_a_port_in_use_is_one_line_naming_the_port(tmp_path, command):
    import socket

    (tmp_path / "lake").mkdir()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_cli(command, "--port", str(port), lake_uri=str(tmp_path / "lake"), cwd=tmp_path)
    _refused_in_one_line(result, 1, f"cannot listen on 127.0.0.1:{port}: Address already in use")


def test_newslake_debug_keeps_the_traceback(tmp_path):
    result = run_cli("report", cwd=tmp_path, NEWSLAKE_LAKE_URI="gs://bucket/x", NEWSLAKE_DEBUG="1")
    assert result.returncode == 1 and "Traceback" in result.stderr and "StorageError: lake URI 'gs://bucket/x'" in result.stderr


# -- every section of the report covers the days and sources asked for, and only those -------------

DAYS = [dt.date(2026, 11, 23), dt.date(2026, 11, 24), dt.date(2026, 11, 25)]
LANGUAGES = {"atlas-gazette": "fr", "revue-maghreb": "ar"}


def two_source_lake(root: Path, canonical: str = "atlas-gazette") -> Storage:
    """Two sources × three days, two articles each (atlas-gazette in French, revue-maghreb in
    Arabic); on the 24th one story has a copy in each source, the ``canonical`` one's first."""
    import pyarrow as pa

    from lakerows import article_table

    storage = Storage(str(root / "lake"))
    for day in DAYS:
        clusters = []
        for source, language in LANGUAGES.items():
            tag = f"{source[:5]}-{day.day}-"
            articles = article_table(tag, 2)
            articles = articles.set_column(articles.schema.get_field_index("language"), "language", pa.array([language] * 2))
            storage.write_bytes(lake.articles_key(day, source), lake.table_to_parquet_bytes(articles))
            log = pa.Table.from_pylist(
                [{"url": url, "kind": "article", "outcome": "landed", "article_id": article_id}
                 for url, article_id in zip(articles.column("url").to_pylist(), articles.column("article_id").to_pylist(), strict=True)],
                schema=lake.fetch_log_schema(),
            )
            storage.write_bytes(lake.fetch_log_key(day, source), lake.table_to_parquet_bytes(log))
            lake.write_json(storage, lake.validation_key(day, source), {"success": True})
            for article_id in articles.column("article_id").to_pylist():
                clusters.append({"article_id": article_id, "source": source, "cluster_id": article_id, "cluster_size": 1, "is_canonical_copy": True})
        if day == DAYS[1]:  # revue-maghreb's first article of the 24th is a copy of atlas-gazette's (or the reverse)
            original, copy = (clusters[0], clusters[2]) if canonical == "atlas-gazette" else (clusters[2], clusters[0])
            original["cluster_size"] = 2
            copy.update(cluster_id=original["article_id"], cluster_size=2, is_canonical_copy=False)
        table = pa.Table.from_pylist(clusters, schema=lake.story_clusters_schema())
        storage.write_bytes(lake.story_clusters_key(day), lake.table_to_parquet_bytes(table))
    return storage


def _section(report: str, title: str) -> list[str]:
    lines = report.splitlines()
    start = next(index for index, line in enumerate(lines) if line.startswith(title))
    end = next((index for index in range(start + 1, len(lines)) if not lines[index].strip()), len(lines))
    return lines[start:end]


@pytest.mark.parametrize("canonical", ["atlas-gazette", "revue-maghreb"])
def test_a_storys_sources_list_the_canonical_copys_first_then_by_name(tmp_path, canonical):
    """DuckDB's string_agg has no order of its own: `make run` listed a story's sources in a
    different order from one run to the next, so the first was not the original."""
    from newslake.queries import LakeReader
    from newslake.report import lake_report

    report = lake_report(LakeReader(two_source_lake(tmp_path, canonical=canonical)))
    copy = "revue-maghreb" if canonical == "atlas-gazette" else "atlas-gazette"
    title = "atlas-24- 0" if canonical == "atlas-gazette" else "revue-24- 0"
    assert _section(report, "Stories")[1:] == [f"  2 copies  {title}  [{canonical}, {copy}]"]


def test_a_source_filter_applies_to_every_section(tmp_path):
    from newslake.queries import LakeReader
    from newslake.report import lake_report

    report = lake_report(LakeReader(two_source_lake(tmp_path)), sources=["atlas-gazette"])
    assert [line.split()[:2] for line in _section(report, "source ")[2:]] == [["atlas-gazette", str(day)] for day in DAYS]
    languages = _section(report, "Articles per day and language")
    assert "source in (?)" in languages[1]
    assert [line.split()[1:] for line in languages[-3:]] == [["fr", "2"]] * 3  # no Arabic: that is revue-maghreb's
    stories = _section(report, "Stories")
    assert stories[0].startswith("Stories (story_clusters): 6 stories in 6 articles")
    assert stories[1:] == ["  2 copies  atlas-24- 0  [atlas-gazette]"]  # the story's copies, in the sources asked for
    assert "revue-maghreb" not in report


def test_days_are_the_days_asked_for_not_the_range_between_them(tmp_path):
    from newslake.queries import LakeReader
    from newslake.report import lake_report

    report = lake_report(LakeReader(two_source_lake(tmp_path)), days=[DAYS[2], DAYS[0]])
    assert "2026-11-24" not in report
    languages = _section(report, "Articles per day and language")
    assert "dt in (?, ?)" in languages[1] and "2026-11-23, 2026-11-25" in languages[2]
    assert [line.split() for line in languages[-4:]] == [
        ["2026-11-23", "ar", "2"], ["2026-11-23", "fr", "2"], ["2026-11-25", "ar", "2"], ["2026-11-25", "fr", "2"],
    ]
    # The story with two copies is the 24th's: not one of these days.
    assert _section(report, "Stories") == ["Stories (story_clusters): 8 stories in 8 articles; top stories by copies:", "  (no story has copies)"]


def test_an_unknown_source_is_refused_naming_it_and_the_lakes_sources(tmp_path):
    from newslake.queries import LakeReader
    from newslake.report import ReportError, lake_report

    storage = two_source_lake(tmp_path)
    with pytest.raises(ReportError, match=r"source 'no-such-source': no partitions in the lake at .*; its sources: atlas-gazette, revue-maghreb"):
        lake_report(LakeReader(storage), sources=["atlas-gazette", "no-such-source"])
    result = run_cli("report", "--source", "no-such-source", lake_uri=storage.uri, cwd=tmp_path)
    _refused_in_one_line(result, 1, "source 'no-such-source': no partitions", "its sources: atlas-gazette, revue-maghreb")
    assert result.stdout == ""
    # A run's own report names its sources whether or not they got partitions.
    assert "(no partitions yet)" in lake_report(LakeReader(storage), sources=["no-such-source"], check_sources=False)
    empty = Storage(str(tmp_path / "empty"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(ReportError, match="it has no partitions yet"):
        lake_report(LakeReader(empty), sources=["atlas-gazette"])


def _help(capsys, *args: str) -> str:
    from newslake.__main__ import main

    with pytest.raises(SystemExit) as exited:
        main([*args, "--help"])
    assert exited.value.code == 0
    return " ".join(capsys.readouterr().out.split())  # argparse wraps lines at the terminal's width


def test_command_help_says_what_each_option_takes(capsys):
    report = _help(capsys, "report")
    assert "NEWSLAKE_LAKE_URI" in report and "s3://bucket/prefix" in report and "default ./lake" in report
    assert "--day YYYY-MM-DD a day (dt) to report; repeatable" in report
    assert "--source SOURCE_ID a source id, as in the sources file and the lake's source=… folders; repeatable" in report
    assert "port on 127.0.0.1 (default 8765; 0: any free port)" in _help(capsys, "serve-sample")
    docs = _help(capsys, "docs")
    assert "port on 127.0.0.1 (default 8766; 0: any free port)" in docs and "NEWSLAKE_LAKE_URI" in docs
    assert "NEWSLAKE_LAKE_URI" in _help(capsys, "health-summaries")
    assert "file the Astro CLI settings file (airflow_settings.yaml format" in _help(capsys, "apply-settings")


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["report", "--day", "2026-13-01"], "argument --day: '2026-13-01' is not a day (YYYY-MM-DD)"),
        (["apply-settings", "/nowhere/airflow_settings.yaml"], "settings file /nowhere/airflow_settings.yaml: no such file"),
    ],
    ids=["day", "settings-file"],
)
def test_a_bad_argument_is_a_usage_error_naming_it(capsys, args, expected):
    from newslake.__main__ import main

    with pytest.raises(SystemExit) as exited:
        main(args)
    assert exited.value.code == 2 and expected in capsys.readouterr().err
