"""The quality gate: the articles contract (include/quality/articles_suite.yaml) run by Great
Expectations (GX Core 1.x) on a staged partition.

The suite file lists expectations with ``${...}`` placeholders; they are filled per partition
(the schema's columns, the day's bounds in the source's timezone, the source's languages and
``quality:`` thresholds) and turned into GX expectations. Two batches are validated in one GX
context: the articles (as pandas: GX has no polars/pyarrow engine) and a one-row frame of the
run's shares (duplicates, failed fetches) computed from the staged fetch log.

Each expectation has an id and a severity: a failing ``block`` expectation fails the partition,
a failing ``warn`` one (``severity: warn`` in the suite, or listed in the source's
``quality.warn_only``) is only recorded. The verdict is plain JSON — which expectation failed,
on how many rows, and which article URLs — stored next to the data and shown in the task log.
Other checks (not GX) can add their results with ``ValidationVerdict.add_check``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import logging
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

    from newslake.config import Source

log = logging.getLogger(__name__)

SUITE_FILE = Path(__file__).resolve().parents[1] / "quality" / "articles_suite.yaml"
SUITE_NAME = "newslake_articles"
TABLES = ("articles", "partition_stats")
SEVERITIES = ("block", "warn")
# fetch_log reasons that count as duplicates in the duplicate share (see the suite file).
DUPLICATE_REASONS = frozenset({"duplicate_canonical", "duplicate_content"})
MAX_EXAMPLES = 10
_PLACEHOLDER = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_.]*)\}")


class SuiteError(ValueError):
    """The suite file is invalid; the message names the file, the entry and the problem."""


@dataclass
class ValidationVerdict:
    """The outcome of the gate for one partition. ``failures`` block publication, ``warnings``
    do not; each item names the check (``id``), its expectation, and example rows."""

    suite: str
    partition: str
    row_count: int
    failures: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)
    evaluated: int = 0
    validated_at: str = ""
    partition_stats: dict[str, Any] = field(default_factory=dict)
    data_docs: str | None = None
    # The GX validation results, for Data Docs (newslake.datadocs); never serialised.
    gx_results: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def success(self) -> bool:
        return not self.failures

    @property
    def status(self) -> str:
        return "failed" if self.failures else "warned" if self.warnings else "passed"

    def add_check(self, result: dict[str, Any]) -> None:
        """Record one check's outcome: ``{"id", "severity": "block"|"warn", "success", ...}``
        (the keys of a failure below). Passing checks only count as evaluated."""
        self.evaluated += 1
        if result.get("success", False):
            return
        (self.warnings if result.get("severity") == "warn" else self.failures).append(result)

    def to_dict(self) -> dict[str, Any]:
        return {
            "success": self.success,
            "status": self.status,
            "suite": self.suite,
            "partition": self.partition,
            "row_count": self.row_count,
            "expectations_evaluated": self.evaluated,
            "failures": self.failures,
            "warnings": self.warnings,
            "partition_stats": self.partition_stats,
            "data_docs": self.data_docs,
            "validated_at": self.validated_at,
        }

    def message(self) -> str:
        if self.success and not self.warnings:
            return f"{self.partition}: all {self.evaluated} expectations passed on {self.row_count} rows"
        if self.success:
            lines = [f"{self.partition}: passed on {self.row_count} rows, with {len(self.warnings)} warning(s) (not blocking):"]
        else:
            lines = [f"{self.partition}: {len(self.failures)} of {self.evaluated} expectations failed on {self.row_count} rows:"]
        lines += [_describe_line(item) for item in self.failures]
        if self.failures and self.warnings:
            lines.append(f"and {len(self.warnings)} warning(s) (not blocking):")
        lines += [_describe_line(item) for item in self.warnings]
        if self.data_docs:
            lines.append(f"Data Docs: {self.data_docs}")
        return "\n".join(lines)


def _describe_line(item: dict[str, Any]) -> str:
    columns = item.get("columns") or ([item["column"]] if item.get("column") else [])
    where = f"({', '.join(columns)})" if columns else ""
    if item.get("error"):
        detail = f"error: {item['error']}"
    elif item.get("unexpected_count") is None:
        detail = f"observed {item.get('observed')}"
        if item.get("examples"):  # a share of the run: the URLs behind it, with their reason
            detail += f", e.g. {item['examples']}"
    else:
        detail = f"{item['unexpected_count']} row(s), e.g. {item.get('examples')}"
    name = f"[{item['id']}] " if item.get("id") else ""
    return f"  - {name}{item.get('expectation', '')}{where}: {detail}"


# -- the suite file -----------------------------------------------------------------------------


@functools.lru_cache(maxsize=4)
def load_suite(path: Path = SUITE_FILE) -> dict[str, Any]:
    """Read and check the suite file (cheap: YAML only, no GX)."""
    try:
        document = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise SuiteError(f"suite file {path}: {exc}") from None
    if not isinstance(document, dict) or not isinstance(document.get("expectations"), list):
        raise SuiteError(f"suite file {path}: expected a mapping with an 'expectations' list")
    seen: set[str] = set()
    for index, entry in enumerate(document["expectations"], start=1):
        label = f"suite file {path}: entry {index}"
        if not isinstance(entry, dict):
            raise SuiteError(f"{label}: not a mapping")
        unknown = set(entry) - {"id", "description", "expectation", "kwargs", "table", "severity", "for_each"}
        if unknown:
            raise SuiteError(f"{label}: unknown field(s) {sorted(unknown)}")
        if not re.match(r"^[a-z][a-z0-9_]*$", str(entry.get("id", ""))):
            raise SuiteError(f"{label}: field 'id': {entry.get('id')!r} is not a snake_case name")
        label += f" (id {entry['id']!r})"
        if entry["id"] in seen:
            raise SuiteError(f"{label}: duplicate id")
        seen.add(entry["id"])
        if not re.match(r"^expect_[a-z0-9_]+$", str(entry.get("expectation", ""))):
            raise SuiteError(f"{label}: field 'expectation': {entry.get('expectation')!r} is not a GX expectation type")
        if entry.get("table", "articles") not in TABLES:
            raise SuiteError(f"{label}: field 'table': {entry['table']!r} is not one of {list(TABLES)}")
        if entry.get("severity", "block") not in SEVERITIES:
            raise SuiteError(f"{label}: field 'severity': {entry['severity']!r} is not one of {list(SEVERITIES)}")
    return document


def suite_expectation_ids(path: Path = SUITE_FILE) -> set[str]:
    """The ids a sources file's ``quality.warn_only`` may name (for_each ids also as id.<column>)."""
    return {entry["id"] for entry in load_suite(path)["expectations"]}


def schema_placeholders(schema: pa.Schema) -> dict[str, Any]:
    """${schema.*}: the column list, the pinnable pandas types, the non-nullable columns."""
    return {
        "schema.columns": list(schema.names),
        "schema.typed": [
            {"column": f.name, "type": type_name} for f in schema if (type_name := _pandas_type_name(f.type)) is not None
        ],
        "schema.required": [{"column": f.name} for f in schema if not f.nullable],
    }


def _pandas_type_name(arrow_type: pa.DataType) -> str | None:
    """The type name ExpectColumnValuesToBeOfType pins for a column of this Arrow type, as
    ``to_frame`` converts it (integers and booleans as pandas nullable dtypes, so a null does
    not turn them into floats); None for types it cannot check."""
    import pyarrow as pa

    if pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type):
        return "str"
    if pa.types.is_timestamp(arrow_type):
        return "Timestamp"
    if pa.types.is_integer(arrow_type) or pa.types.is_floating(arrow_type) or pa.types.is_boolean(arrow_type):
        return arrow_type.to_pandas_dtype().__name__
    if pa.types.is_list(arrow_type) or pa.types.is_large_list(arrow_type) or pa.types.is_struct(arrow_type) or pa.types.is_map(arrow_type):
        return "object"
    return None


def fill(value: Any, variables: dict[str, Any]) -> Any:
    """Replace ${name} in ``value``: a whole-string placeholder becomes the variable itself (a
    list, a number, a datetime), one inside a longer string is formatted into it."""
    if isinstance(value, dict):
        return {key: fill(item, variables) for key, item in value.items()}
    if isinstance(value, list):
        return [fill(item, variables) for item in value]
    if not isinstance(value, str):
        return value

    def lookup(name: str) -> Any:
        if name not in variables:
            raise SuiteError(f"suite file: unknown placeholder ${{{name}}} (known: {', '.join(sorted(variables))})")
        return variables[name]

    whole = _PLACEHOLDER.fullmatch(value)
    if whole:
        return lookup(whole.group(1))
    return _PLACEHOLDER.sub(lambda match: str(lookup(match.group(1))), value)


def partition_variables(source: Source, day: dt.date, schema: pa.Schema) -> dict[str, Any]:
    """Every placeholder's value for one partition."""
    start, end = source.day_bounds_utc(day)
    variables = {
        **schema_placeholders(schema),
        "day.start": start,
        "day.end": end,
        "source.id": source.id,
        "source.languages": list(source.languages),
    }
    variables.update({f"quality.{name}": value for name, value in source.quality.model_dump().items() if name != "warn_only"})
    return variables


@dataclass(frozen=True)
class Check:
    """One expectation of the suite, filled for a partition."""

    id: str
    table: str
    severity: str
    expectation: str
    kwargs: dict[str, Any]
    description: str = ""


def build_checks(source: Source, day: dt.date, *, schema: pa.Schema | None = None, suite_file: Path = SUITE_FILE) -> list[Check]:
    """The suite for one partition: placeholders filled, for_each expanded, severities set
    (the suite's, turned to warn by the source's ``quality.warn_only``)."""
    from newslake.lake import articles_schema

    variables = partition_variables(source, day, schema or articles_schema())
    warn_only = set(source.quality.warn_only)
    checks: list[Check] = []
    for entry in load_suite(suite_file)["expectations"]:
        items = fill(entry["for_each"], variables) if "for_each" in entry else [None]
        for item in items:
            check_id = entry["id"] if item is None else f"{entry['id']}.{item['column']}"
            scope = variables if item is None else {**variables, **item}
            severity = "warn" if entry["id"] in warn_only or check_id in warn_only else entry.get("severity", "block")
            description = str(fill(entry.get("description") or entry["expectation"], scope))
            checks.append(Check(check_id, entry.get("table", "articles"), severity, entry["expectation"],
                                fill(entry.get("kwargs") or {}, scope), description))
    return checks


def import_great_expectations():
    """GX Core, imported with scipy.stats left to load when something first uses it.

    ``import great_expectations`` imports every expectation GX has, and three of them (the KL
    divergence and two Kolmogorov-Smirnov ones) import scipy.stats at module level: a third or
    more of the 3-5 CPU s the import costs every validate task (docs/PERFORMANCE.md, "End to
    end", has the command), for expectations the articles suite does not use. The lazy
    module is the standard library's (importlib.util.LazyLoader): the first attribute anything
    reads from it loads the real scipy.stats, so a suite that uses those expectations still
    works. It is also set as the ``scipy`` package's attribute, because ``from scipy import
    stats`` goes through scipy's own ``__getattr__`` otherwise, which would load it at once.

    GX's loggers are left at WARNING unless something configured them: at INFO, its import and
    one validation write over a hundred lines (every closure its docs decorator skips, a
    temporary folder it creates and removes, defaults it looks up; tests/test_quality.py counts
    them) into the validate task's log, around the four
    lines of ours that say what the task did. Set a level on the ``great_expectations`` logger
    (Airflow's logging config, or ``logging.getLogger``) to see them again.

    The garbage collector is paused for the import: GX defines hundreds of pydantic models as it
    imports, and their allocations set off full collections, each walking everything the task
    process holds (Airflow, pyarrow, pandas) to free a few hundred objects. The objects the
    import leaves are then all in the youngest generation, where the next collection would walk
    them: ``heap_frozen_for_gx`` (the validate step) freezes them first.
    """
    import gc
    import sys

    if "great_expectations" not in sys.modules and "scipy.stats" not in sys.modules:
        import importlib.util

        import scipy

        spec = importlib.util.find_spec("scipy.stats")
        spec.loader = importlib.util.LazyLoader(spec.loader)
        stats = importlib.util.module_from_spec(spec)
        sys.modules["scipy.stats"] = stats
        spec.loader.exec_module(stats)
        scipy.stats = stats

    gx_logger = logging.getLogger("great_expectations")
    quieted = gx_logger.level == logging.NOTSET
    if quieted:
        gx_logger.setLevel(logging.WARNING)

    collecting = gc.isenabled()
    gc.disable()
    try:
        import great_expectations
    finally:
        if collecting:
            gc.enable()

    if quieted:
        # This module sets its own logger to INFO when imported; it then follows the one above.
        logging.getLogger("great_expectations.data_context.types.base").setLevel(logging.NOTSET)
    return great_expectations


@contextlib.contextmanager
def heap_frozen_for_gx():
    """GX imported (``import_great_expectations``), then everything the process holds frozen out
    of the garbage collector's reach (``gc.freeze``) while the block runs: the validate step.

    Without it the paused import only moves its cost to the first collections after it, and a
    validation's own allocations (copies of every expectation's configuration, metric graphs:
    hundreds of thousands of objects) set off full collections that walk the whole process for
    nothing. Frozen objects are skipped; what the block allocates is still collected. The heap
    is given back after (``newslake.heap``: unless something else froze it first).
    docs/PERFORMANCE.md, "Validation and the garbage collector", has the measurements.
    """
    from newslake.heap import freeze_heap

    import_great_expectations()
    give_back_heap = freeze_heap()
    try:
        yield
    finally:
        give_back_heap()


def to_gx_expectation(check: Check) -> Any:
    """The GX expectation object of a check; its id and severity travel in ``meta``/``notes`` so
    Data Docs show them. (Its caller, ``validate_partition``, has imported GX already, through
    ``import_great_expectations``.)"""
    import great_expectations.expectations as gxe
    from great_expectations.expectations.metadata_types import FailureSeverity

    class_name = "".join(part.capitalize() for part in check.expectation.split("_"))
    expectation_class = getattr(gxe, class_name, None)
    if expectation_class is None:
        raise SuiteError(f"suite file: check {check.id!r}: GX has no expectation {check.expectation!r}")
    return expectation_class(
        **check.kwargs,
        meta={"newslake_id": check.id, "newslake_severity": check.severity},
        # GX renders the description in Data Docs instead of its own sentence; '$' starts a GX
        # template parameter there.
        description=f"{check.id} [{check.severity}]: {check.description}".replace("$", ""),
        severity=FailureSeverity.CRITICAL if check.severity == "block" else FailureSeverity.WARNING,
    )


# -- running it ---------------------------------------------------------------------------------


def partition_stats(fetch_log: pa.Table | None) -> dict[str, Any]:
    """The run's shares, from the staged fetch log: of the article URLs fetched (every URL the
    run tried to fetch, archived copies included), how many were skipped as duplicates and how
    many failed."""
    rows = fetch_log.to_pylist() if fetch_log is not None else []
    fetched = [r for r in rows if r["kind"] == "article" and r["attempts"] is not None]
    duplicates = [r for r in fetched if r["outcome"] == "skipped" and r["reason"] in DUPLICATE_REASONS]
    failed = [r for r in fetched if r["outcome"] == "failed"]
    return {
        "urls_fetched": len(fetched),
        "duplicates": len(duplicates),
        "failed": len(failed),
        "duplicate_share": round(len(duplicates) / len(fetched), 4) if fetched else 0.0,
        "failed_fetch_share": round(len(failed) / len(fetched), 4) if fetched else 0.0,
        # The rows behind each share, for the failure message (not a column of the GX batch).
        "_rows": {"duplicate_share": duplicates, "failed_fetch_share": failed},
    }


def to_frame(table: pa.Table) -> pd.DataFrame:
    """The pandas frame GX validates: integers and booleans as nullable dtypes."""
    import pandas as pd
    import pyarrow as pa

    nullable = {pa.int8(): pd.Int8Dtype(), pa.int16(): pd.Int16Dtype(), pa.int32(): pd.Int32Dtype(), pa.int64(): pd.Int64Dtype(),
                pa.bool_(): pd.BooleanDtype()}
    return table.to_pandas(types_mapper=nullable.get)


def validate_partition(
    table: pa.Table,
    fetch_log: pa.Table | None,
    *,
    source: Source,
    day: dt.date,
    partition: str,
    suite_file: Path = SUITE_FILE,
) -> ValidationVerdict:
    """Run the articles suite on a staged partition; never raises for failing data, only for a
    broken set-up (suite file, GX)."""
    import pandas as pd

    gx = import_great_expectations()
    from great_expectations.data_context.types.base import ProgressBarsConfig

    checks = build_checks(source, day, suite_file=suite_file)
    stats = partition_stats(fetch_log)
    frames = {
        "articles": to_frame(table),
        "partition_stats": pd.DataFrame([{k: v for k, v in stats.items() if not k.startswith("_")}]),
    }

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    datasource = context.data_sources.add_pandas("newslake")
    verdict = ValidationVerdict(
        suite=SUITE_NAME,
        partition=partition,
        row_count=table.num_rows,
        validated_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        partition_stats={k: v for k, v in stats.items() if not k.startswith("_")},
    )
    by_id = {check.id: check for check in checks}
    for table_name in TABLES:
        # Expectations given to the suite before it joins the context: each add_expectation on a
        # stored suite re-serialises the whole suite (seconds for ~60 expectations).
        expectations = [to_gx_expectation(check) for check in checks if check.table == table_name]
        suite = context.suites.add(gx.ExpectationSuite(name=f"{SUITE_NAME}.{table_name}", expectations=expectations))
        batch = datasource.add_dataframe_asset(table_name).add_batch_definition_whole_dataframe("partition")
        definition = context.validation_definitions.add(gx.ValidationDefinition(name=f"{partition} {table_name}", data=batch, suite=suite))
        with warnings.catch_warnings():
            # GX compares tz-aware columns through Series.values (UTC instants either way).
            warnings.filterwarnings("ignore", message="Series.values returning an ndarray that drops timezone")
            result = definition.run(batch_parameters={"dataframe": frames[table_name]}, result_format="COMPLETE")
        verdict.gx_results[table_name] = result
        for item in result.results:
            check = by_id[item.expectation_config.meta["newslake_id"]]
            outcome = _describe(item, check, frames[table_name])
            if check.table == "partition_stats" and not outcome["success"]:
                # The rows behind the share: the URLs that were duplicates / failed, with the reason.
                column = check.kwargs.get("column")
                outcome["examples"] = [{"url": r["url"], "value": r["reason"]} for r in stats["_rows"].get(column, [])[:MAX_EXAMPLES]]
                outcome["observed"] = f"{stats[column]} ({len(stats['_rows'].get(column, []))} of {stats['urls_fetched']} URLs fetched)"
                outcome.pop("unexpected_count", None)
            verdict.add_check(outcome)
    return verdict


def _describe(item: Any, check: Check, frame: pd.DataFrame) -> dict[str, Any]:
    config = item.expectation_config
    details = item.result or {}
    columns = [c for c in (config.kwargs.get("column"), config.kwargs.get("column_A"), config.kwargs.get("column_B")) if c]
    columns += list(config.kwargs.get("column_list") or [])
    outcome: dict[str, Any] = {
        "id": check.id,
        "severity": check.severity,
        "success": bool(item.success),
        "expectation": config.type,
        "column": config.kwargs.get("column"),
        "columns": columns,
        "kwargs": {k: str(v) for k, v in config.kwargs.items() if k not in ("column", "batch_id")},
    }
    if item.success:
        return outcome
    if item.exception_info and item.exception_info.get("raised_exception"):
        outcome["error"] = item.exception_info.get("exception_message")
    if "unexpected_count" in details:
        indexes = details.get("unexpected_index_list") or []
        rows = [int(i) for i in indexes if isinstance(i, int | float) and 0 <= int(i) < len(frame)][:MAX_EXAMPLES]
        present = [c for c in columns if c in frame.columns]
        outcome["unexpected_count"] = int(details["unexpected_count"])
        outcome["examples"] = [
            {"url": _plain(frame.iloc[i].get("url")), "value": _row_value(frame.iloc[i], present, config.type)} for i in rows
        ] or [str(v) for v in (details.get("partial_unexpected_list") or [])[:MAX_EXAMPLES]]
    else:
        outcome["observed"] = str(details.get("observed_value"))
    return outcome


def _row_value(row: Any, columns: list[str], expectation: str = "") -> str:
    if len(columns) == 1:
        value = row.get(columns[0])
        if "value_lengths" in expectation and isinstance(value, str):
            # A length check's example is the length: the whole text would flood the task's message.
            return f"{len(value)} characters"
        return str(value)
    return ", ".join(f"{c}={row.get(c)}" for c in columns)


def _plain(value: Any) -> str | None:
    import pandas as pd

    return None if value is None or (not isinstance(value, list | tuple) and pd.isna(value) is True) else str(value)
