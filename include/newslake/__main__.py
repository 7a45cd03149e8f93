"""Command line: ``python -m newslake <command>``.

    sample-run      serve the offline sample site on 127.0.0.1 and run every source's DAG through
                    Airflow for each sample day, then print the lake report (what `make run` does)
    report          print the lake report (outcomes per source and day, validation, a query)
    serve-sample    serve the offline sample site in the foreground
    docs            serve the lake's Great Expectations Data Docs on 127.0.0.1 (an S3 lake's are
                    copied to ./.data_docs first)
    health-summaries  rewrite the lake_health summaries that are missing or behind run_metrics
                    (a lake older than the lake health page; the page works without, slower)
    apply-settings  load airflow_settings.yaml (Astro CLI format) into a plain Airflow
    airflow         run Airflow's api-server, scheduler, dag-processor and triggerer on 127.0.0.1
                    until Ctrl-C (what `make airflow` does)

A command that fails on its input (a lake that does not exist or cannot be read, a bad setting, a
port in use) prints one line naming it and exits with 1; a wrong argument exits with 2. Set
NEWSLAKE_DEBUG=1 to get the Python traceback of those errors too.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import errno
import os
import sys
from collections.abc import Iterator

from newslake import PROJECT_ROOT

# OSErrors of a socket that cannot listen on a port: in use, not ours to take, no such address.
_PORT_ERRNOS = (errno.EADDRINUSE, errno.EACCES, errno.EADDRNOTAVAIL)


class CommandError(Exception):
    """What a command reports in one line, without a traceback (exit status 1)."""


def port_number(least: int = 0):
    """An argparse type: a TCP port from ``least`` to 65535 (0: any free port)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or not least <= value <= 65535:
            raise argparse.ArgumentTypeError(
                f"{text!r} is not a port number ({least}–65535{'; 0: any free port' if least == 0 else ''})"
            )
        return value

    parse.__name__ = "port"  # argparse names the type in its messages
    return parse


def day(text: str) -> dt.date:
    """An argparse type: a day, YYYY-MM-DD."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a day (YYYY-MM-DD)") from None


LAKE_HELP = ("The lake is the one NEWSLAKE_LAKE_URI names: a folder, file:///path or s3://bucket/prefix (default ./lake, "
             "relative to the project); an S3 lake's endpoint and credentials come from AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID, "
             "AWS_SECRET_ACCESS_KEY, AWS_DEFAULT_REGION.")


@contextlib.contextmanager
def reading_lake(uri: str) -> Iterator[None]:
    """Turn pyarrow's OSError (S3 unreachable, access denied, a local folder we may not read)
    into a one-line CommandError naming the lake."""
    try:
        yield
    except OSError as exc:
        raise CommandError(f"cannot read the lake at {uri}: {exc}") from exc


@contextlib.contextmanager
def listening_on(port: int) -> Iterator[None]:
    """Turn the OSError of a port that cannot be listened on into a CommandError naming it."""
    try:
        yield
    except OSError as exc:
        if exc.errno not in _PORT_ERRNOS:
            raise
        raise CommandError(f"cannot listen on 127.0.0.1:{port}: {exc.strerror} (--port 0 takes any free port)") from exc


def main(argv: list[str] | None = None) -> int:
    from newslake.config import SettingsError, SourcesConfigError
    from newslake.orchestration import AirflowSettingsFileError
    from newslake.report import ReportError
    from newslake.storage import StorageError

    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return run_command(parser, args)
    except (CommandError, StorageError, SettingsError, SourcesConfigError, ReportError, AirflowSettingsFileError) as exc:
        if os.environ.get("NEWSLAKE_DEBUG"):
            raise
        print(f"{parser.prog} {args.command}: error: {exc}", file=sys.stderr)
        return 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m newslake", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)

    sample = commands.add_parser("sample-run", help="run the pipeline on the offline sample site")
    sample_port = os.environ.get("NEWSLAKE_SAMPLE_PORT", "8765")
    try:
        default_sample_port = port_number()(sample_port)
    except argparse.ArgumentTypeError:
        default_sample_port = None  # refused below, naming the variable, unless --port is given
    sample.add_argument("--port", type=port_number(), default=default_sample_port,
                        help="the sample site's port on 127.0.0.1 (default: NEWSLAKE_SAMPLE_PORT, else 8765)")
    sample.add_argument("--day", action="append", type=day, help="a day to run, YYYY-MM-DD (repeatable; default: the sample days)")
    sample.set_defaults(command_parser=sample)

    report = commands.add_parser(
        "report", help="print what the lake holds",
        description="Print what the lake holds: per source and day, the article URLs listed and what became of them, "
                    "the validation verdict and the partition; the failed URLs; articles per day and language; the top stories. "
                    "Every section covers the days and sources asked for. " + LAKE_HELP,
    )
    report.add_argument("--day", action="append", type=day, metavar="YYYY-MM-DD",
                        help="a day (dt) to report; repeatable, e.g. --day 2026-11-23 --day 2026-11-25 (default: every day)")
    report.add_argument("--source", action="append", metavar="SOURCE_ID",
                        help="a source id, as in the sources file and the lake's source=… folders; repeatable (default: every source); "
                             "one the lake has no partition of is an error")

    serve = commands.add_parser("serve-sample", help="serve the offline sample site",
                                description="Serve the offline sample news site on 127.0.0.1 until Ctrl-C.")
    serve.add_argument("--port", type=port_number(), default=8765, help="port on 127.0.0.1 (default 8765; 0: any free port)")

    docs = commands.add_parser("docs", help="serve the lake's Data Docs on 127.0.0.1",
                               description="Refresh the indexes of the lake's Great Expectations Data Docs and serve them on 127.0.0.1 "
                                           "until Ctrl-C (an S3 lake's are copied to --dir first). " + LAKE_HELP)
    docs.add_argument("--port", type=port_number(), default=8766, help="port on 127.0.0.1 (default 8766; 0: any free port)")
    docs.add_argument("--dir", default=str(PROJECT_ROOT / ".data_docs"), help="where an S3 lake's Data Docs are copied (default ./.data_docs)")
    docs.add_argument("--no-serve", action="store_true", help="only refresh (and copy) them, print the folder")

    commands.add_parser("health-summaries", help="rewrite the lake health page's missing or stale lake_health summaries",
                        description="Rewrite the lake_health summaries that are missing or behind run_metrics. " + LAKE_HELP)

    settings = commands.add_parser("apply-settings", help="apply airflow_settings.yaml to plain Airflow",
                                   description="Load connections, variables and pools from an Astro CLI settings file into the "
                                               "Airflow metadata DB of $AIRFLOW_HOME (default ./.airflow).")
    settings.add_argument("file", nargs="?", default=str(PROJECT_ROOT / "airflow_settings.yaml"),
                          help="the Astro CLI settings file (airflow_settings.yaml format; default: the project's airflow_settings.yaml)")
    settings.set_defaults(command_parser=settings)

    services = commands.add_parser("airflow", help="run Airflow locally (UI on 127.0.0.1) until Ctrl-C")
    services.add_argument("--port", type=port_number(least=1), default=8080, help="api-server (UI, REST API) port on 127.0.0.1 (default 8080)")
    services.add_argument(
        "--db-url", default=os.environ.get("NEWSLAKE_AIRFLOW_DB_URL") or None,
        help="metadata DB, e.g. postgresql+psycopg2://user:pass@127.0.0.1:5432/airflow (default: SQLite in ./.airflow)",
    )
    services.add_argument("--home", default=str(PROJECT_ROOT / ".airflow"), help="AIRFLOW_HOME (default ./.airflow)")
    services.add_argument("--settings", default=str(PROJECT_ROOT / "airflow_settings.yaml"), help="Astro CLI settings file to apply ('' for none)")
    services.add_argument(
        "--sample-site", action=argparse.BooleanOptionalAction, default=None,
        help="also serve the offline sample site (default: when the sources file is the sample one)",
    )

    return parser


def run_command(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    if args.command == "sample-run":
        if args.port is None:
            args.command_parser.error(f"environment variable NEWSLAKE_SAMPLE_PORT must be a port number, got {os.environ.get('NEWSLAKE_SAMPLE_PORT')!r} (0–65535)")
        return sample_run(args.port, args.day)
    if args.command == "report":
        from newslake.queries import lake_storage, open_lake
        from newslake.report import lake_report

        storage = lake_storage()
        with reading_lake(storage.uri):
            text = lake_report(open_lake(storage), days=args.day, sources=args.source)
        print(text)  # outside: a closed stdout pipe is no lake error
        return 0
    if args.command == "serve-sample":
        from newslake.sample_site.__main__ import main as serve_main

        with listening_on(args.port):
            return serve_main(["--port", str(args.port)])
    if args.command == "docs":
        from pathlib import Path

        from newslake.datadocs import local_docs_folder, serve
        from newslake.queries import lake_storage

        storage = lake_storage()
        with reading_lake(storage.uri):
            folder = local_docs_folder(storage, Path(args.dir))
        print(f"Data Docs of {storage.url('data_docs')}: {folder}/index.html", flush=True)
        if not args.no_serve:
            with listening_on(args.port):
                serve(folder, args.port)
        return 0
    if args.command == "health-summaries":
        from newslake.health import refresh_summaries
        from newslake.queries import lake_storage, require_lake

        storage = lake_storage()
        with reading_lake(storage.uri):
            require_lake(storage)
            days = refresh_summaries(storage)
        print(f"{storage.url('lake_health')}: {len(days)} day(s) rewritten" + (f" ({days[0]} … {days[-1]})" if days else ""))
        return 0
    if args.command == "apply-settings":
        from pathlib import Path

        from newslake.orchestration import apply_airflow_settings, use_project_airflow_home

        if not Path(args.file).is_file():
            args.command_parser.error(f"settings file {args.file}: no such file")

        use_project_airflow_home()
        print(apply_airflow_settings(args.file))
        return 0
    if args.command == "airflow":
        from newslake.airflow_services import run

        return run(port=args.port, db_url=args.db_url, settings_file=args.settings or None, sample_site=args.sample_site, home=args.home)
    return 2


def sample_run(port: int, days: list[dt.date] | None) -> int:
    from newslake.orchestration import run_source_dags, run_story_cluster_dag, use_project_airflow_home

    use_project_airflow_home()
    os.environ.setdefault("NEWSLAKE_RETRY_DELAY_SECONDS", "2")
    # The sample site is on 127.0.0.1, which the crawler refuses unless told otherwise.
    os.environ.setdefault("NEWSLAKE_ALLOWED_NETWORKS", "127.0.0.0/8")
    # Task logs stay in Airflow (and in the UI of `make airflow`); here we print one line a run.
    os.environ.setdefault("AIRFLOW__LOGGING__LOGGING_LEVEL", "WARNING")
    from newslake.config import load_sources
    from newslake.queries import open_lake
    from newslake.report import lake_report
    from newslake.sample_site import SAMPLE_DATES, serve_sample_site

    days = days or list(SAMPLE_DATES)
    with contextlib.ExitStack() as stack:
        try:
            site = stack.enter_context(serve_sample_site(port=port))
        except OSError:  # the port is taken (another sample site?): any free port will do
            site = stack.enter_context(serve_sample_site(port=0))
        os.environ["NEWSLAKE_SAMPLE_SITE_URL"] = site.base_url
        print(f"sample news site: {site.base_url}/ (stopped at the end of the run)")
        sources = load_sources()
        print(f"running {len(sources)} source DAGs × {len(days)} days through Airflow (dag.test, metadata in $AIRFLOW_HOME)")
        runs = run_source_dags(
            sources, days, on_run=lambda run, seconds: print(f"  {run.dag_id:<32} {run.day}  {run.state:<8} {seconds:5.1f} s", flush=True)
        )
        for run in run_story_cluster_dag(days):
            print(f"  {run.dag_id:<32} {run.day}  {run.state}", flush=True)
            runs.append(run)
    print()
    print(lake_report(open_lake(), days=days, sources=[s.id for s in sources], check_sources=False))
    failed = [run for run in runs if run.state != "success"]
    print(f"\n{len(runs) - len(failed)} of {len(runs)} DAG runs succeeded.")
    print("Next: `make report` prints this again; newslake.queries.open_lake() opens the lake in polars or DuckDB.")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
