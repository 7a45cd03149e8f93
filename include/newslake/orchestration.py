"""The thin Airflow adapter: the only module of ``newslake`` that imports Airflow.

It turns what Airflow knows (Variables, the ``aws`` connection, a run's data interval) into the
plain objects the pipeline takes (Settings, Storage, PartitionContext). Imports of Airflow happen
inside the functions, at task run time, so DAG files stay fast to parse.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, NamedTuple

from newslake import PROJECT_ROOT

# Imported by the functions that use them, not at DAG parse time: the DAG files that need the
# sources call load_sources() themselves, and the others (maintenance, re-extraction) need none.
if TYPE_CHECKING:
    from newslake.config import Settings, Source
    from newslake.pipeline import PartitionContext
    from newslake.storage import S3Options, Storage

VARIABLE_PREFIX = "newslake_"


def default_task_args(*, owner: str = "newslake", retry_delay: dt.timedelta, exponential_backoff: bool = False) -> dict[str, Any]:
    """Every newslake DAG's ``default_args``: two retries, the failure notification, an owner.

    ``NEWSLAKE_RETRY_DELAY_SECONDS`` replaces ``retry_delay`` where nothing is worth waiting
    for (the tests, ``make run``).
    """
    override = os.environ.get("NEWSLAKE_RETRY_DELAY_SECONDS")
    if override:
        try:
            retry_delay = dt.timedelta(seconds=float(override))
            valid = retry_delay >= dt.timedelta(0)
        except (ValueError, OverflowError):  # not a number, or beyond what a timedelta holds
            valid = False
        if not valid:
            # Read when the DAG files are parsed: the UI shows this as their import error.
            raise ValueError(f"environment variable NEWSLAKE_RETRY_DELAY_SECONDS must be a number of seconds >= 0, got {override!r}")
    return {
        "owner": owner,
        "retries": 2,
        "retry_delay": retry_delay,
        "retry_exponential_backoff": exponential_backoff,
        # A task that failed for good: logged, and sent to the notify_conn_id connection if set.
        "on_failure_callback": notify_failure,
    }


def settings_from_airflow(only: tuple[str, ...] | None = None) -> Settings:
    """Settings from Airflow Variables ``newslake_<field>``, else NEWSLAKE_* environment variables
    (``only``: just these fields, see ``Settings.load``)."""
    from airflow.sdk import Variable

    from newslake.config import Settings

    def lookup(name: str) -> str | None:
        return Variable.get(f"{VARIABLE_PREFIX}{name}", default=None)

    return Settings.load(lookup, lookup_origin=f"Airflow Variable {VARIABLE_PREFIX}{{name}}", only=only)


def s3_options_from_connection(conn_id: str) -> S3Options:
    """Credentials and endpoint from an Airflow ``aws`` connection (extra: ``endpoint_url``,
    ``region_name``). The Amazon provider's hook resolves every credential kind it supports."""
    os.environ.setdefault("AWS_EC2_METADATA_DISABLED", "true")
    from airflow.providers.amazon.aws.hooks.s3 import S3Hook
    from airflow.sdk import Connection
    from airflow.sdk.exceptions import AirflowNotFoundException

    from newslake.storage import S3Options, checked_endpoint_url

    # A connection id that does not exist must stop here: the hook only warns "switching to
    # empty" and falls back on boto3's own credential chain, which fails with an AttributeError
    # or, on a machine with AWS credentials, succeeds against AWS instead of the configured store.
    try:
        Connection.get(conn_id)
    except AirflowNotFoundException:
        raise RuntimeError(
            f"Airflow connection {conn_id!r} (setting aws_conn_id) does not exist; an s3:// lake needs it "
            "(README, 'Settings, and the lake on S3')"
        ) from None
    hook = S3Hook(aws_conn_id=conn_id)
    try:
        config = hook.conn_config
    except Exception as exc:  # the hook's own error does not say which setting to fix
        raise RuntimeError(
            f"Airflow connection {conn_id!r} (setting aws_conn_id) is needed for an s3:// lake: {exc}"
        ) from exc
    credentials = hook.get_credentials()
    return S3Options(
        endpoint_url=checked_endpoint_url(config.endpoint_url, f"Airflow connection {conn_id!r} (extra endpoint_url)"),
        access_key=credentials.access_key,
        secret_key=credentials.secret_key,
        session_token=credentials.token,
        region=config.region_name,
    )


def storage_from_settings(settings: Settings, *, airflow: bool = True) -> Storage:
    from newslake.storage import S3Options, Storage

    s3 = None
    if settings.lake_uri.startswith(("s3://", "s3a://")):
        s3 = s3_options_from_connection(settings.aws_conn_id) if airflow else S3Options.from_env()
    return Storage(settings.lake_uri, s3=s3, base_dir=PROJECT_ROOT)


def partition_day(source: Source, context: dict[str, Any]) -> dt.date:
    """The partition a run writes: its logical date, as a date in the source's timezone (never
    the wall clock, so reruns and backfills write the same partition). Scheduled and backfill
    runs of day D have logical date D 02:00; a manual run names its logical date in the form.
    (Not data_interval_start: for a manual run Airflow infers the interval *ending* there.)"""
    return logical_date_of_run(context).astimezone(source.tz).date()


def logical_date_of_run(context: dict[str, Any]) -> dt.datetime:
    """The run's logical date, which names the day a newslake task works on. Airflow 3 lets a
    run be triggered without one (REST ``"logical_date": null``): such a run fails at once,
    saying so, rather than with a KeyError after its retries."""
    logical_date = context.get("logical_date")
    if logical_date is None:
        from airflow.sdk.exceptions import AirflowFailException

        dag_run = context.get("dag_run")
        raise AirflowFailException(
            f"run {getattr(dag_run, 'run_id', '?')} of {getattr(dag_run, 'dag_id', 'this DAG')} has no logical date, and a "
            "newslake run works on the day its logical date names: trigger it with one (the UI's form, or "
            '"logical_date": "2026-11-24T02:00:00+01:00" in the REST call)'
        )
    return logical_date


def partition_context(source_id: str) -> PartitionContext:
    """Build the pipeline's context for the running task instance."""
    from airflow.sdk import get_current_context

    from newslake.config import load_sources
    from newslake.pipeline import PartitionContext

    context = get_current_context()
    source = next((s for s in load_sources() if s.id == source_id), None)
    if source is None:
        raise RuntimeError(f"source {source_id!r} is no longer in the sources file")
    settings = settings_from_airflow()
    return PartitionContext(source=source, day=partition_day(source, context), storage=storage_from_settings(settings), settings=settings)


def run_step(step: str, source_id: str, **options: Any) -> dict[str, Any]:
    """Run one pipeline step (``newslake.pipeline.<step>``) for the running task's partition."""
    from newslake import pipeline

    return getattr(pipeline, step)(partition_context(source_id), **options)


def run_source_task(step: str, source_id: str, params: dict | None = None) -> dict[str, Any]:
    """The callable of every task of a source DAG (``newslake_sources.py``): pipeline step
    ``step`` for the running task's partition. ``params`` are the run's (Airflow passes them by
    name): ``limit`` goes to discover, ``force_refetch`` to fetch, and ``dry_run`` skips fetch
    and so every task after it."""
    params = params or {}
    if step == "discover":
        return run_step("discover", source_id, limit=params.get("limit"))
    if step == "fetch":
        skip_if_dry_run(params, source_id)
        return run_step("fetch", source_id, force_refetch=bool(params.get("force_refetch")))
    if step == "publish":
        return publish_partition(source_id)
    return run_step(step, source_id)


def skip_if_dry_run(params: dict | None, source_id: str | None = None) -> None:
    """A dry run (the ``dry_run`` param) stops after discover: this task and the ones after it
    are skipped, and discover's log says what would have been fetched. With ``source_id``, the
    partition's staging gets ``dry_run.json`` (lake.DRY_RUN_MARKER) first: the lake health page
    then shows discover's staging as a finished dry run, not as a crashed run ("failed")."""
    if (params or {}).get("dry_run"):
        from airflow.sdk.exceptions import AirflowSkipException

        if source_id is not None:
            from newslake import lake

            ctx = partition_context(source_id)
            lake.write_json(ctx.storage, ctx.staged(lake.DRY_RUN_MARKER), {"at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")})
        raise AirflowSkipException("dry run: discovery only, nothing fetched or published")


ARTICLES_ASSET_PREFIX = "newslake_articles_"


def articles_asset(source_id: str):
    """The asset of one source's articles table: an event per published partition."""
    from airflow.sdk import Asset

    # Name only: a URI with a scheme of our own makes Airflow load every provider's URI handlers
    # (boto3 included) at parse time.
    return Asset(name=f"{ARTICLES_ASSET_PREFIX}{source_id}", group="newslake")


def reextracted_articles_alias():
    """The re-extraction's outlet: an alias through which each rebuilt partition adds an event to
    its own source's articles asset (which source is known only when the task runs), so the
    story-clusters DAG re-clusters a re-extracted day as it does a published one."""
    from airflow.sdk import AssetAlias

    return AssetAlias(name="newslake_articles_reextracted", group="newslake")


def publish_partition(source_id: str) -> dict[str, Any]:
    """Publish the running task's partition and describe it on the asset event (``dt``,
    ``source``, ``rows``, ``partition``), so consumers know which day landed."""
    from airflow.sdk import get_current_context

    from newslake import pipeline

    context = get_current_context()
    ctx = partition_context(source_id)
    summary = pipeline.publish(ctx)
    context["outlet_events"][articles_asset(source_id)].extra = {
        "dt": ctx.day.isoformat(), "source": source_id, "rows": summary["rows"], "partition": summary["partition"],
    }
    return summary


# -- failure notifications ---------------------------------------------------------------------


def notify_failure(context: dict[str, Any]) -> None:
    """``on_failure_callback`` of every newslake DAG (a failed run) and task (a task that failed
    for good, after its retries): one log line naming DAG, task, run, logical date, exception and
    log URL, and the same event to the ``notify_conn_id`` connection when one is set (newslake.notify).
    Never raises: a broken notification must not hide the failure it reports."""
    import logging

    from newslake import notify

    logger = logging.getLogger(__name__)
    try:
        event = failure_event(context)
    except Exception:
        logger.exception("could not describe the failure for its notification; context keys: %s", sorted(context))
        return
    notify.deliver(event, notification_channel())


def failure_event(context: dict[str, Any]):
    """A ``notify.FailureEvent`` from an Airflow callback context. A DAG-run callback's context
    has a ``reason`` (and, as ``ti``, the task that failed the run); a task callback's has the
    ``exception``."""
    from newslake import notify

    dag = context.get("dag")
    ti = context.get("ti") or context.get("task_instance")
    logical_date = context.get("logical_date")
    exception = context.get("exception")
    is_run = "reason" in context
    if isinstance(exception, BaseException):
        exception = f"{type(exception).__name__}: {exception}"
    return notify.FailureEvent(
        kind=notify.DAG_RUN_FAILED if is_run else notify.TASK_FAILED,
        dag_id=getattr(dag, "dag_id", None) or getattr(ti, "dag_id", None) or "?",
        run_id=context.get("run_id") or getattr(ti, "run_id", None),
        task_id=getattr(ti, "task_id", None),
        logical_date=logical_date.isoformat() if logical_date is not None else None,
        try_number=getattr(ti, "try_number", None),
        exception=str(exception) if exception is not None else None,
        reason=context.get("reason"),
        log_url=_log_url(ti),
    )


def _log_url(ti: Any) -> str | None:
    try:
        return ti.log_url if ti is not None else None
    except Exception:  # the URL needs the API's base_url setting; the notification does not
        return None


def notification_channel():
    """The channel of setting ``notify_conn_id`` (Variable newslake_notify_conn_id, env
    NEWSLAKE_NOTIFY_CONN_ID); log only when it is empty or unusable (which is logged).

    Only that one setting is read: a task failed by another setting's bad value (a
    ``SettingsError``) is notified like any other failure."""
    import logging

    from newslake import notify

    logger = logging.getLogger(__name__)
    try:
        settings = settings_from_airflow(only=("notify_conn_id",))
    except Exception:  # no Variable access here (e.g. outside a task): the environment still counts
        from newslake.config import Settings

        settings = Settings.load(only=("notify_conn_id",))
    conn_id = settings.notify_conn_id
    if not conn_id:
        return notify.LOG_ONLY
    try:
        from airflow.sdk import Connection

        conn = Connection.get(conn_id)
        return notify.channel_from_connection(
            conn_id, conn_type=conn.conn_type, host=conn.host, port=conn.port, login=conn.login,
            password=conn.password, schema=conn.schema, extra=conn.extra_dejson,
        )
    except Exception as exc:
        logger.warning("notification connection %r (setting notify_conn_id) is unusable, the failure is only logged: %s", conn_id, exc)
        return notify.LOG_ONLY


# -- running Airflow locally (make run, tests) ------------------------------------------------

DAGS_FOLDER = PROJECT_ROOT / "dags"
# The schedule runs day D at 02:00 the next morning; its logical date is D 02:00 (source time).
SCHEDULE_HOUR = 2


def use_project_airflow_home() -> None:
    """Point Airflow at the project (SQLite metadata in ./.airflow) unless the caller already
    configured it. Must run before Airflow is imported."""
    os.environ.setdefault("AIRFLOW_HOME", str(PROJECT_ROOT / ".airflow"))
    os.environ.setdefault("AIRFLOW__CORE__DAGS_FOLDER", str(DAGS_FOLDER))
    os.environ.setdefault("AIRFLOW__CORE__PLUGINS_FOLDER", str(PROJECT_ROOT / "plugins"))
    os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
    os.environ.setdefault("AWS_EC2_METADATA_DISABLED", "true")


def migrate_metadata_db() -> None:
    """Create or upgrade Airflow's metadata database (idempotent)."""
    import subprocess
    import sys

    completed = subprocess.run([sys.executable, "-m", "airflow", "db", "migrate"], capture_output=True, text=True)
    if completed.returncode != 0:
        raise RuntimeError(f"airflow db migrate failed:\n{completed.stdout[-2000:]}\n{completed.stderr[-4000:]}")


def logical_date_for(source: Source, day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(SCHEDULE_HOUR), tzinfo=source.tz)


# A NamedTuple, not a dataclass: DAG files import this module, and a dataclass compiles its methods
# on every import (docs/PERFORMANCE.md, "DAG parse time").
class DagRunResult(NamedTuple):
    dag_id: str
    day: dt.date
    state: str


# Warnings Airflow's own code raises under dag.test() that say nothing about the run, yet took four
# lines each of `make run`'s output (tests/test_end_to_end.py checks they stay out):
AIRFLOW_NOISE = (
    # Running a day again deletes its earlier DagRun, and SQLAlchemy then loads the run's
    # `serialized_dag` backref, which Airflow joins on dag_id alone: once the DAG has changed
    # (a new sources file, an upgrade) there is a row per DAG version, and it warns. Nothing reads it.
    "Multiple rows returned with uselist=False for lazily-loaded attribute 'DagRun.serialized_dag'",
    # The in-process execution API that dag.test() starts is a Starlette TestClient.
    "Using `httpx` with `starlette.testclient` is deprecated",
)


@contextlib.contextmanager
def airflow_noise_ignored() -> Iterator[None]:
    """Within the block, the warnings of AIRFLOW_NOISE are not shown (any other warning is)."""
    import re
    import warnings

    with warnings.catch_warnings():
        for message in AIRFLOW_NOISE:
            warnings.filterwarnings("ignore", message=re.escape(message))
        yield


def run_once(dag, day: dt.date, logical_date: dt.datetime) -> DagRunResult:
    """One real run of ``dag`` in this process (``dag.test()``), and how it ended."""
    with airflow_noise_ignored():
        run = dag.test(logical_date=logical_date)
    state = str(getattr(run.state, "value", run.state))
    if state == "success" and not run.get_task_instances():
        # A day before the DAG's start_date "succeeds" without running anything.
        state = "no_tasks_ran"
    return DagRunResult(dag.dag_id, day, state)


def load_dagbag():
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(DAGS_FOLDER))
    if bag.import_errors:
        raise RuntimeError("DAG import errors:\n" + "\n".join(f"{k}: {v}" for k, v in bag.import_errors.items()))
    return bag


def run_source_dags(
    sources: list[Source], days: list[dt.date], on_run: Callable[[DagRunResult, float], None] | None = None
) -> list[DagRunResult]:
    """Run each source's DAG for each day with ``dag.test()`` — real task runs in this process,
    recorded in the metadata DB like any other run."""
    import time

    migrate_metadata_db()
    bag = load_dagbag()
    results = []
    for source in sources:
        dag = bag.dags[source.dag_id]
        for day in days:
            started = time.perf_counter()
            result = run_once(dag, day, logical_date_for(source, day))
            results.append(result)
            if on_run:
                on_run(result, time.perf_counter() - started)
    return results


class AirflowSettingsFileError(ValueError):
    """An Astro CLI settings file that cannot be applied, naming the file, the entry and the field."""


def read_airflow_settings(path: str) -> dict[str, list[dict[str, Any]]]:
    """The connections, pools and variables of an Astro CLI ``airflow_settings.yaml``, every
    entry checked before anything is applied: a bad entry used to fail with a KeyError or
    ValueError traceback halfway, connections and pools applied and variables not, and an empty
    ``variable_value`` was stored as the text "None"."""
    import yaml

    def refuse(message: str) -> AirflowSettingsFileError:
        return AirflowSettingsFileError(f"settings file {path}: {message}")

    try:
        with open(path, encoding="utf-8") as handle:
            document = yaml.safe_load(handle) or {}
    except yaml.YAMLError as exc:
        raise refuse(f"not valid YAML: {exc}") from None
    airflow = document.get("airflow") if isinstance(document, dict) else None
    if not isinstance(airflow or {}, dict):
        raise refuse("expected a mapping 'airflow:' with connections, pools and variables lists")
    sections = {}
    required = {"connections": ("conn_id", "conn_type"), "pools": ("pool_name", "pool_slot"), "variables": ("variable_name", "variable_value")}
    for section, fields in required.items():
        entries = (airflow or {}).get(section) or []
        if not isinstance(entries, list) or not all(isinstance(entry, dict) for entry in entries):
            raise refuse(f"'{section}' must be a list of mappings")
        for number, entry in enumerate(entries, 1):
            for field in fields:
                value = entry.get(field)
                if value is None or (isinstance(value, str) and not value.strip() and field != "variable_value"):
                    hint = " (give it a value, or remove the entry to keep the setting's default)" if field == "variable_value" else ""
                    raise refuse(f"{section} entry {number}: {field} is missing or empty{hint}")
            slots = entry.get("pool_slot")
            if section == "pools" and (isinstance(slots, bool) or not isinstance(slots, int) or slots < 0):
                raise refuse(f"pools entry {number} ({entry['pool_name']}): pool_slot must be a whole number ≥ 0, got {slots!r}")
        sections[section] = entries
    return sections


def apply_airflow_settings(path: str) -> str:
    """Load connections, variables and pools from an Astro CLI ``airflow_settings.yaml``."""
    import json

    from airflow.models.connection import Connection
    from airflow.models.pool import Pool
    from airflow.models.variable import Variable
    from airflow.utils.session import create_session

    document = read_airflow_settings(path)
    migrate_metadata_db()
    applied = []
    with create_session() as session:
        for item in document.get("connections") or []:
            extra = item.get("conn_extra")
            session.query(Connection).filter(Connection.conn_id == item["conn_id"]).delete()
            session.add(
                Connection(
                    conn_id=item["conn_id"], conn_type=item.get("conn_type"), host=item.get("conn_host"),
                    schema=item.get("conn_schema"), login=item.get("conn_login"), password=item.get("conn_password"),
                    port=item.get("conn_port"), extra=json.dumps(extra) if isinstance(extra, dict) else extra,
                )
            )
            applied.append(f"connection {item['conn_id']}")
        for item in document.get("pools") or []:
            Pool.create_or_update_pool(
                name=item["pool_name"], slots=int(item["pool_slot"]), description=item.get("pool_description") or "",
                include_deferred=False, session=session,
            )
            applied.append(f"pool {item['pool_name']}")
    for item in document.get("variables") or []:
        value = item["variable_value"]
        Variable.set(item["variable_name"], json.dumps(value) if isinstance(value, dict | list) else str(value))
        applied.append(f"variable {item['variable_name']}")
    applied += [f"pool {name} (created)" for name in ensure_source_pools()]
    return f"applied {path}: " + (", ".join(applied) or "nothing")


SOURCE_POOL_SLOTS = 1


def ensure_source_pools(sources: list[Source] | None = None) -> list[str]:
    """Create the host pool of every source that lacks one (one slot: one task per host at a
    time). Pools that exist are left alone, so slots an operator raised stay raised. Returns
    the names created. Tasks in a pool that does not exist are never scheduled, so `make
    airflow` and `make settings` call this; on Astro, list the pools in airflow_settings.yaml."""
    from airflow.models.pool import Pool
    from airflow.utils.session import create_session

    from newslake.config import load_sources

    created = []
    with create_session() as session:
        existing = {pool.pool for pool in session.query(Pool).all()}
        for name in sorted({source.host_pool for source in (sources if sources is not None else load_sources())}):
            if name not in existing:
                Pool.create_or_update_pool(
                    name=name, slots=SOURCE_POOL_SLOTS, include_deferred=False, session=session,
                    description="newslake: crawls of one news site (see Source.host_pool)",
                )
                created.append(name)
    return created


# -- re-extraction ------------------------------------------------------------------------------

MAX_REEXTRACT_DAYS = 366


def partitions_to_reextract(start_date: str, end_date: str, source_ids: list[str] | None) -> list[dict[str, str]]:
    """The (source, day) partitions a re-extraction covers, validated with errors that name the
    parameter at fault. Partitions with no raw zone are left out, and listed in the log."""
    import logging

    from newslake.config import load_sources

    try:
        start, end = dt.date.fromisoformat(start_date), dt.date.fromisoformat(end_date)
    except (TypeError, ValueError):
        raise ValueError(f"params start_date / end_date must be dates like 2026-11-24, got {start_date!r} / {end_date!r}") from None
    if end < start:
        raise ValueError(f"param end_date {end} is before start_date {start}")
    if (end - start).days + 1 > MAX_REEXTRACT_DAYS:
        raise ValueError(f"params cover {(end - start).days + 1} days; at most {MAX_REEXTRACT_DAYS} per run")
    sources = load_sources()
    known = {source.id for source in sources}
    unknown = sorted(set(source_ids or []) - known)
    if unknown:
        raise ValueError(f"param sources: unknown source id(s) {unknown}; known: {sorted(known)}")
    chosen = [source for source in sources if not source_ids or source.id in source_ids]
    storage = storage_from_settings(settings_from_airflow())

    from newslake import lake

    partitions, missing = [], []
    for source in chosen:
        day = start
        while day <= end:
            entry = {"source": source.id, "day": day.isoformat()}
            (partitions if storage.exists(lake.raw_manifest_key(day, source.id, "fetched.json")) else missing).append(entry)
            day += dt.timedelta(days=1)
    if missing:
        logging.getLogger(__name__).warning("no raw zone (never fetched), not re-extracted: %s", missing)
    return partitions


def reextract_partition(source_id: str, day: str) -> dict[str, Any]:
    """Rebuild one partition from the raw zone: restage → extract → validate → publish."""
    from airflow.sdk import get_current_context

    from newslake import pipeline
    from newslake.config import load_sources
    from newslake.pipeline import PartitionContext

    source = next(s for s in load_sources() if s.id == source_id)
    settings = settings_from_airflow()
    ctx = PartitionContext(source=source, day=dt.date.fromisoformat(day), storage=storage_from_settings(settings), settings=settings)
    pipeline.restage_from_raw(ctx)
    pipeline.extract(ctx)
    pipeline.validate(ctx)
    summary = pipeline.publish(ctx)
    get_current_context()["outlet_events"][reextracted_articles_alias()].add(
        articles_asset(source_id),
        extra={"dt": ctx.day.isoformat(), "source": source_id, "rows": summary["rows"], "partition": summary["partition"], "reextracted": True},
    )
    return summary


# -- story clusters ----------------------------------------------------------------------------

# The clustering DAG's days are Moroccan days, like the sources it was built for.
STORY_CLUSTERS_TIMEZONE = "Africa/Casablanca"


def story_cluster_days(context: dict[str, Any]) -> list[dt.date]:
    """The days a story-clusters run works on: those of the articles partitions whose
    publication triggered it (asset events, extra ``dt``), else its logical date's day
    (Moroccan time) for a scheduled or manual run."""
    from zoneinfo import ZoneInfo

    days = set()
    for events in (context.get("triggering_asset_events") or {}).values():
        for event in events:
            day = (event.extra or {}).get("dt")
            if day:
                days.add(dt.date.fromisoformat(day))
    if not days and context.get("logical_date") is not None:
        days.add(context["logical_date"].astimezone(ZoneInfo(STORY_CLUSTERS_TIMEZONE)).date())
    if not days:
        raise RuntimeError("story clusters: no day to work on (no triggering articles partition, no logical date)")
    return sorted(days)


def cluster_stories_for_run() -> dict[str, Any]:
    """Cluster the stories of each day this run covers (see story_cluster_days)."""
    import logging

    from airflow.sdk import get_current_context

    from newslake import pipeline
    from newslake.config import load_sources

    storage = storage_from_settings(settings_from_airflow())
    aggregators = {source.id for source in load_sources() if source.aggregator}
    days = set(story_cluster_days(get_current_context()))
    # Days an earlier run missed or whose articles changed since (see stale_story_cluster_days);
    # the most recent first, a bounded number per run so a first run on an old lake stays short.
    stale = sorted(set(pipeline.stale_story_cluster_days(storage)) - days, reverse=True)
    if stale:
        logging.getLogger(__name__).info("also re-clustering %d stale day(s): %s", min(len(stale), MAX_STALE_DAYS_PER_RUN), stale[:MAX_STALE_DAYS_PER_RUN])
    days |= set(stale[:MAX_STALE_DAYS_PER_RUN])
    results = {day.isoformat(): pipeline.cluster_stories(storage, day, aggregators) for day in sorted(days)}
    return results if len(results) > 1 else next(iter(results.values()))


MAX_STALE_DAYS_PER_RUN = 31


def run_story_cluster_dag(days: list[dt.date]) -> list[DagRunResult]:
    """Run the story-clustering DAG for each day with dag.test()."""
    from zoneinfo import ZoneInfo

    from newslake.dag_sources import STORY_CLUSTERS_DAG_ID

    dag = load_dagbag().dags[STORY_CLUSTERS_DAG_ID]
    results = []
    for day in days:
        results.append(run_once(dag, day, dt.datetime.combine(day, dt.time(4), tzinfo=ZoneInfo(STORY_CLUSTERS_TIMEZONE))))
    return results


# -- maintenance -------------------------------------------------------------------------------

# The maintenance DAG's day is a Moroccan day, like the story clusters'.
MAINTENANCE_TIMEZONE = "Africa/Casablanca"


def maintenance_day() -> dt.date:
    """The running maintenance DAG run's day: its logical date, in Moroccan time."""
    from zoneinfo import ZoneInfo

    from airflow.sdk import get_current_context

    return logical_date_of_run(get_current_context()).astimezone(ZoneInfo(MAINTENANCE_TIMEZONE)).date()


def apply_raw_retention_for_run(dry_run: bool = False) -> dict[str, Any]:
    """Delete raw partitions older than ``raw_retention_days`` before the run's day (0: keep all)."""
    from newslake import maintenance

    settings = settings_from_airflow()
    return maintenance.apply_raw_retention(
        storage_from_settings(settings), maintenance_day(), settings.raw_retention_days, dry_run=dry_run
    )


def remove_orphaned_staging_for_run(dry_run: bool = False) -> dict[str, Any]:
    """Delete staging folders untouched for ``staging_max_age_hours``. Compared with the files'
    real mtimes, so this one step uses the wall clock, not the logical date."""
    from newslake import maintenance

    settings = settings_from_airflow()  # staging_max_age_hours >= 1: Settings checks it
    return maintenance.remove_orphaned_staging(
        storage_from_settings(settings), dt.datetime.now(dt.UTC), dt.timedelta(hours=settings.staging_max_age_hours), dry_run=dry_run
    )


def write_lake_stats_for_run() -> dict[str, Any]:
    """Write the lake's stats table for the run's day."""
    from newslake import maintenance

    return maintenance.write_lake_stats(storage_from_settings(settings_from_airflow()), maintenance_day())
