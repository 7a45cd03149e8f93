"""A plain-text account of what the lake holds, read from the lake's own tables.

Per source and day: URLs listed for the day, landed / skipped / failed, the validation verdict and
where the partition is; then why each failure failed; then one DuckDB query over the articles.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict

from newslake import lake
from newslake.queries import LakeReader

_SOURCE_FOLDER = re.compile(r"/source=([^/]+)/")


class ReportError(ValueError):
    """The report was asked for something the lake does not hold (a source it has no partitions of)."""


def lake_report(
    reader: LakeReader, *, days: list[dt.date] | None = None, sources: list[str] | None = None, check_sources: bool = True,
) -> str:
    """The report of ``days`` and ``sources`` (default: all); every section covers only those.
    ``check_sources``: a source the lake has no fetch_log partition of raises ReportError
    naming it and the lake's sources (off for a run's own report, whose sources may all have failed)."""
    import pyarrow.compute as pc

    storage = reader.storage
    days = sorted(set(days)) if days else None
    sources = sorted(set(sources)) if sources else None
    log_dataset = reader.dataset("fetch_log")
    if sources and check_sources:
        # From the listing the dataset was opened with: no extra request, on S3 too; the lake's
        # partitions, not the sources file, which may be another deployment's.
        in_lake = sorted({match.group(1) for path in log_dataset.files if (match := _SOURCE_FOLDER.search(path))})
        if unknown := [source for source in sources if source not in in_lake]:
            named = ", ".join(repr(source) for source in unknown)
            raise ReportError(
                f"{'source' if len(unknown) == 1 else 'sources'} {named}: no partitions in the lake at {storage.uri}; "
                + (f"its sources: {', '.join(in_lake)}" if in_lake else "it has no partitions yet")
            )
    condition = None
    if days:
        condition = pc.field("dt").isin(days)
    if sources:
        source_condition = pc.field("source").isin(sources)
        condition = source_condition if condition is None else condition & source_condition
    log_rows = log_dataset.to_table(filter=condition).to_pylist()

    rows_by_partition: dict[tuple[str, dt.date], list[dict]] = defaultdict(list)
    failures: list[str] = []
    for row in log_rows:
        rows_by_partition[(row["source"], row["dt"])].append(row)  # every day gets its line, one whose listings failed too
        if row["outcome"] == "failed":
            what = row["url"] if row["kind"] == "article" else f"{row['kind']} {row['url']}"
            failures.append(f"{row['source']} {row['dt']}: {what} → {row['reason']}")

    lines = [f"newslake — lake at {storage.url()}", ""]
    lines.append("per source and day: article URLs listed for the day and what became of them (skipped: duplicates, robots.txt,")
    lines.append("not articles, over the run's limit); 'other days' were listed too, but are dated another day")
    header = (f"{'source':<22} {'day':<10} {'listed':>6} {'landed':>6} {'skipped':>7} {'failed':>6} {'quarantined':>11} "
              f"{'other days':>10}  {'validation':<10} partition")
    lines += [header, "-" * len(header)]
    for (source_id, day), rows in sorted(rows_by_partition.items()):
        # Counted as run_metrics counts them (lake.article_outcome_counts), so the two always agree.
        counts = lake.article_outcome_counts(rows)
        validation_key = lake.validation_key(day, source_id)
        verdict = "—"
        if storage.exists(validation_key):
            verdict = "passed" if lake.read_json(storage, validation_key)["success"] else "FAILED"
        articles_key = lake.articles_key(day, source_id)
        where = storage.url(articles_key) if storage.exists(articles_key) else "(not published)"
        if verdict == "FAILED":
            where = storage.url(lake.quarantine_prefix(day, source_id)) + " (quarantined)"
        lines.append(
            f"{source_id:<22} {day.isoformat():<10} {counts['listed']:>6} {counts['landed']:>6} "
            f"{counts['skipped'] - counts['other_days']:>7} {counts['failed']:>6} {counts['quarantined']:>11} "
            f"{counts['other_days']:>10}  {verdict:<10} {where}"
        )
    if not rows_by_partition:
        lines.append("(no partitions yet)")
    if failures:
        lines += ["", "Failed URLs:"] + [f"  {line}" for line in sorted(failures)]

    # The same days and sources as the table above, in every section: exactly the days asked
    # for (not the range between them), as DuckDB parameters.
    filters: list[str] = []
    parameters: list = []
    if days:
        filters.append(f"dt in ({', '.join('?' * len(days))})")
        parameters += days
    if sources:
        filters.append(f"source in ({', '.join('?' * len(sources))})")
        parameters += sources

    def where(alias: str = "", *, also: str = "") -> str:
        conditions = ([also] if also else []) + [f"{alias}{condition}" for condition in filters]
        return f" where {' and '.join(conditions)}" if conditions else ""

    query = f"select dt, language, count(*) as articles from articles{where()} group by all order by dt, language"
    lines += ["", "Articles per day and language (DuckDB over the articles table):", f"  {query}"]
    if parameters:
        lines.append(f"  -- ? = {', '.join(str(value) for value in parameters)}")
    connection = reader.duckdb()
    result = connection.execute(query, parameters).fetchall()
    lines += [f"  {'dt':<10}  {'language':<8}  articles"] + [f"  {str(d):<10}  {str(lang):<8}  {n:>8}" for d, lang, n in result]

    if storage.list("story_clusters"):
        # Copies are the story's (cluster_size: every source in the window); the stories are those
        # with an article of the days and sources asked for, and [sources] lists those sources:
        # the canonical copy's first, then by name (string_agg has no order of its own, and the
        # list came out in a different order from one run to the next).
        stories = connection.execute(
            "with members as (select c.cluster_id, c.source, max(c.cluster_size) as copies, bool_or(c.is_canonical_copy) as canonical"
            f" from story_clusters c{where('c.', also='c.cluster_size > 1')} group by c.cluster_id, c.source),"
            " top as (select cluster_id, max(copies) as copies, string_agg(source, ', ' order by canonical desc, source) as sources"
            " from members group by cluster_id)"
            " select top.copies, a.title, top.sources from top join articles a on a.article_id = top.cluster_id"
            " order by top.copies desc, a.title limit 5",
            parameters,
        ).fetchall()
        copies = connection.execute(f"select count(distinct cluster_id), count(*) from story_clusters{where()}", parameters).fetchone()
        lines += ["", f"Stories (story_clusters): {copies[0]} stories in {copies[1]} articles; top stories by copies:"]
        lines += [f"  {size} copies  {title}  [{sources}]" for size, title, sources in stories] or ["  (no story has copies)"]
    return "\n".join(lines)
