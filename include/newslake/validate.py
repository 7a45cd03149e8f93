"""The quality gate: a Great Expectations (GX Core 1.x) suite run on a staged articles partition.

GX has no polars/pyarrow engine, so the partition is validated as a pandas DataFrame. The suite
is built from the partition's context (the day's bounds in the source's timezone), and the
verdict is summarised as plain JSON — which expectation failed, on how many rows, and which
article URLs — so it can be stored next to the data and shown in a task log.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

log = logging.getLogger(__name__)

SUITE_NAME = "newslake_articles"
URL_PATTERN = r"^https?://[^\s/]+(?:/\S*)?$"
# Columns whose value type the suite pins (pandas gives 'str' for Arrow strings).
# ExpectColumnValuesToBeOfType, not ...InTypeList: GX 1.24 fails the latter on an empty day.
COLUMN_TYPES = {
    "article_id": "str",
    "url": "str",
    "title": "str",
    "text": "str",
    "published_at": "Timestamp",
    "fetched_at": "Timestamp",
}
NOT_NULL_COLUMNS = ("article_id", "url", "title", "text", "published_at")


@dataclass
class ValidationVerdict:
    success: bool
    suite: str
    partition: str
    row_count: int
    failures: list[dict[str, Any]] = field(default_factory=list)
    evaluated: int = 0
    validated_at: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "success": self.success,
            "suite": self.suite,
            "partition": self.partition,
            "row_count": self.row_count,
            "expectations_evaluated": self.evaluated,
            "failures": self.failures,
            "validated_at": self.validated_at,
        }

    def message(self) -> str:
        if self.success:
            return f"{self.partition}: all {self.evaluated} expectations passed on {self.row_count} rows"
        lines = [f"{self.partition}: {len(self.failures)} of {self.evaluated} expectations failed on {self.row_count} rows:"]
        for failure in self.failures:
            where = f"({failure['column']})" if failure.get("column") else ""
            detail = failure.get("observed") if failure.get("unexpected_count") is None else (
                f"{failure['unexpected_count']} row(s), e.g. {failure['examples']}"
            )
            lines.append(f"  - {failure['expectation']}{where}: {detail}")
        return "\n".join(lines)


def build_expectations(window_start: dt.datetime, window_end: dt.datetime, column_names: list[str]) -> list[Any]:
    """The articles suite for one partition whose day spans [window_start, window_end)."""
    import great_expectations.expectations as gxe

    expectations: list[Any] = [gxe.ExpectTableColumnsToMatchOrderedList(column_list=column_names)]
    for column, type_name in COLUMN_TYPES.items():
        expectations.append(gxe.ExpectColumnValuesToBeOfType(column=column, type_=type_name))
    for column in NOT_NULL_COLUMNS:
        expectations.append(gxe.ExpectColumnValuesToNotBeNull(column=column))
    expectations += [
        gxe.ExpectColumnValuesToBeUnique(column="article_id"),
        gxe.ExpectColumnValuesToMatchRegex(column="url", regex=URL_PATTERN),
        gxe.ExpectColumnValueLengthsToBeBetween(column="title", min_value=1),
        gxe.ExpectColumnValueLengthsToBeBetween(column="text", min_value=1),
        # The run for day D must hold only articles published on D (source timezone).
        gxe.ExpectColumnValuesToBeBetween(
            column="published_at", min_value=window_start, max_value=window_end, strict_max=True
        ),
    ]
    return expectations


def validate_articles(table: pa.Table, *, partition: str, window_start: dt.datetime, window_end: dt.datetime) -> ValidationVerdict:
    """Run the articles suite on ``table``; never raises for failing data, only for broken setup."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    from newslake.lake import articles_schema

    frame = table.to_pandas()
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    batch_definition = (
        context.data_sources.add_pandas("newslake")
        .add_dataframe_asset("articles")
        .add_batch_definition_whole_dataframe("partition")
    )
    suite = context.suites.add(gx.ExpectationSuite(name=SUITE_NAME))
    for expectation in build_expectations(window_start, window_end, articles_schema().names):
        suite.add_expectation(expectation)
    definition = context.validation_definitions.add(gx.ValidationDefinition(name=partition, data=batch_definition, suite=suite))
    result = definition.run(batch_parameters={"dataframe": frame}, result_format="COMPLETE")

    failures = [_describe_failure(item, frame) for item in result.results if not item.success]
    return ValidationVerdict(
        success=bool(result.success),
        suite=SUITE_NAME,
        partition=partition,
        row_count=len(frame),
        failures=failures,
        evaluated=len(result.results),
        validated_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    )


def _describe_failure(item: Any, frame: pd.DataFrame) -> dict[str, Any]:
    config = item.expectation_config
    details = item.result or {}
    failure: dict[str, Any] = {
        "expectation": config.type,
        "column": config.kwargs.get("column"),
        "kwargs": {k: str(v) for k, v in config.kwargs.items() if k not in ("column", "batch_id")},
    }
    if item.exception_info and item.exception_info.get("raised_exception"):
        failure["error"] = item.exception_info.get("exception_message")
    if "unexpected_count" in details:
        indexes = details.get("unexpected_index_list") or []
        rows = [int(i) for i in indexes if isinstance(i, int | float) and 0 <= int(i) < len(frame)][:10]
        failure["unexpected_count"] = int(details["unexpected_count"])
        failure["examples"] = [
            {"url": frame.iloc[i].get("url"), "value": str(frame.iloc[i].get(failure["column"]))} for i in rows
        ] or [str(v) for v in (details.get("partial_unexpected_list") or [])[:10]]
    else:
        failure["observed"] = str(details.get("observed_value"))
    return failure
