"""The report `make run` and `make report` print, and run_metrics, count a partition's outcomes
the same way (lake.article_outcome_counts)."""

from __future__ import annotations

import datetime as dt

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
