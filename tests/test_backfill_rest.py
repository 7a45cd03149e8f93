"""A backfill the way a user runs one from the Airflow UI, proven against real Airflow services.

The slow integration tests (marker ``airflow_services``): `newslake.airflow_services` starts the
api-server, scheduler (LocalExecutor), dag-processor and triggerer on 127.0.0.1 — the code behind
`make airflow` — and the test talks to them only over the REST API, sending what the UI's "Run
Backfill" dialog sends. One sample source, the three sample days, a lake in tmp; then a second
backfill that reprocesses the completed runs must leave byte-identical partitions.

Also: a fast test of the launcher's arguments and environment, and (when PostgreSQL's server
binaries are installed) `python -m newslake airflow --db-url` against a throwaway PostgreSQL.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
import yaml

from conftest import REPO, free_port
from newslake import airflow_services
from newslake.airflow_services import AirflowServices, group_members

DAG_ID = "newslake_atlas_gazette"
SOURCE_ID = "atlas-gazette"
SOURCE_TZ = ZoneInfo("Africa/Casablanca")
RUN_TIMEOUT = 480  # seconds for one backfill's runs; they take ~1-2 min on a 2-core machine


# -- the launcher's arguments and environment (fast) -----------------------------------------


def test_launcher_environment_and_commands(tmp_path):
    base = {"PATH": "/usr/bin", "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": "sqlite:////elsewhere.db", "NEWSLAKE_X": "kept"}
    env = airflow_services.services_environment(tmp_path / "home", 18123, base=base, extra={"NEWSLAKE_LAKE_URI": "/tmp/lake"})
    assert env["AIRFLOW_HOME"] == str((tmp_path / "home").resolve())
    assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] == f"sqlite:///{(tmp_path / 'home').resolve() / 'airflow.db'}"
    assert env["AIRFLOW__CORE__EXECUTOR"] == "LocalExecutor"
    assert env["AIRFLOW__CORE__LOAD_EXAMPLES"] == "False"
    assert env["AIRFLOW__CORE__DAGS_FOLDER"] == str(REPO / "dags")
    assert env["AIRFLOW__CORE__PLUGINS_FOLDER"] == str(REPO / "plugins")
    assert env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] == "http://127.0.0.1:18123/execution/"
    assert env["AIRFLOW__API__HOST"] == "127.0.0.1"
    # The failure notifications' log links went to Airflow's default http://localhost:8080.
    assert env["AIRFLOW__API__BASE_URL"] == "http://127.0.0.1:18123"
    assert env["NEWSLAKE_X"] == "kept" and env["NEWSLAKE_LAKE_URI"] == "/tmp/lake" and env["PATH"] == "/usr/bin"
    assert len(env["AIRFLOW__API_AUTH__JWT_SECRET"]) >= 32 and env["AIRFLOW__API__SECRET_KEY"] != env["AIRFLOW__API_AUTH__JWT_SECRET"]
    # A new secret per launch.
    again = airflow_services.services_environment(tmp_path / "home", 18123, base=base)
    assert again["AIRFLOW__API_AUTH__JWT_SECRET"] != env["AIRFLOW__API_AUTH__JWT_SECRET"]

    postgres = "postgresql+psycopg2://airflow:s3cret@127.0.0.1:5432/airflow"
    assert airflow_services.services_environment(tmp_path, 8080, db_url=postgres, base={})["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] == postgres
    assert airflow_services._redact(postgres) == "postgresql+psycopg2://airflow:***@127.0.0.1:5432/airflow"

    # One environment (so one secret) for every child of a launch.
    services = AirflowServices(tmp_path / "home", 18123, settings_file=None, env={"NEWSLAKE_LAKE_URI": "/tmp/lake"})
    assert services.env["NEWSLAKE_LAKE_URI"] == "/tmp/lake" and services.env["AIRFLOW__API__PORT"] == "18123"
    assert services.url == "http://127.0.0.1:18123" and services.log_path("scheduler") == (tmp_path / "home/logs/services/scheduler.log").resolve()

    commands = airflow_services.service_commands(18123)
    assert set(commands) == {"api-server", "scheduler", "dag-processor", "triggerer"}
    assert commands["api-server"][3:] == ["api-server", "--host", "127.0.0.1", "--port", "18123", "--workers", "1"]
    assert "--skip-serve-logs" in commands["scheduler"] and "--skip-serve-logs" in commands["triggerer"]
    assert all(command[:3] == [sys.executable, "-m", "airflow"] for command in commands.values())


def test_command_line_arguments(monkeypatch):
    from newslake import __main__ as cli

    calls = []
    monkeypatch.setattr(airflow_services, "run", lambda **kwargs: calls.append(kwargs) or 0)
    monkeypatch.delenv("NEWSLAKE_AIRFLOW_DB_URL", raising=False)
    assert cli.main(["airflow"]) == 0
    assert calls[-1] == {
        "port": 8080, "db_url": None, "settings_file": str(REPO / "airflow_settings.yaml"), "sample_site": None, "home": str(REPO / ".airflow"),
    }
    url = "postgresql+psycopg2://u:p@127.0.0.1:5433/airflow"
    assert cli.main(["airflow", "--port", "8099", "--db-url", url, "--settings", "", "--no-sample-site"]) == 0
    assert calls[-1] | {"home": None} == {"port": 8099, "db_url": url, "settings_file": None, "sample_site": False, "home": None}


def test_stopping_kills_a_process_group_that_ignores_sigterm():
    # A leader that exits on SIGTERM, and a child of it that ignores SIGTERM and holds 256 MiB,
    # which take it a moment to give back when it is killed: stopping must wait for that too.
    script = (
        "import signal, subprocess, sys, time; subprocess.Popen([sys.executable, '-c', 'import signal, time; "
        "signal.signal(signal.SIGTERM, signal.SIG_IGN); memory = bytes(1) * (1 << 28); time.sleep(60)']); time.sleep(60)"
    )
    process = subprocess.Popen([sys.executable, "-c", script], start_new_session=True)

    def child_holds_its_memory() -> bool:
        children = [pid for pid in group_members(process.pid) if pid != process.pid]
        with contextlib.suppress(OSError):
            return bool(children) and int(Path(f"/proc/{children[0]}/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE") >= 1 << 28
        return False

    deadline = time.monotonic() + 20
    while not child_holds_its_memory() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(group_members(process.pid)) == 2 and child_holds_its_memory()
    started = time.monotonic()
    airflow_services.stop_process_groups([process], timeout=1.5)
    assert group_members(process.pid) == [] and process.returncode is not None
    assert 1.0 < time.monotonic() - started < 10


# -- the backfill, through real services ------------------------------------------------------


class Api:
    """The REST API as the UI uses it (JWT from /auth/token)."""

    def __init__(self, services: AirflowServices):
        self.services = services
        self.client = httpx.Client(base_url=f"{services.url}/api/v2", headers={"Authorization": f"Bearer {services.token()}"}, timeout=60)

    def call(self, method: str, path: str, **kwargs) -> dict:
        response = self.client.request(method, path, **kwargs)
        assert response.status_code < 300, f"{method} {path}: {response.status_code} {response.text}"
        return response.json()

    def wait(self, what: str, probe, timeout: float, interval: float = 2.0):
        deadline = time.monotonic() + timeout
        while True:
            self.services.check_running()
            result = probe()
            if result:
                return result
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
            time.sleep(interval)


def ui_backfill_body(reprocess_behavior: str) -> dict:
    """What the "Run Backfill" dialog posts (airflow/ui: useCreateBackfill): the date range picked
    in the dialog as UTC ISO strings, run_backwards, dag_run_conf (null unless parameters are
    overridden), reprocess behaviour, max active runs, run on latest version."""
    from newslake.sample_site.content import SAMPLE_DATES

    start = dt.datetime.combine(SAMPLE_DATES[0], dt.time(0, 0), tzinfo=SOURCE_TZ)
    end = dt.datetime.combine(SAMPLE_DATES[-1], dt.time(23, 59), tzinfo=SOURCE_TZ)
    return {
        "dag_id": DAG_ID,
        "from_date": start.astimezone(dt.UTC).isoformat().replace("+00:00", "Z"),
        "to_date": end.astimezone(dt.UTC).isoformat().replace("+00:00", "Z"),
        "run_backwards": False,
        "dag_run_conf": None,
        "reprocess_behavior": reprocess_behavior,
        "max_active_runs": 3,
        "run_on_latest_version": True,
    }


def create_backfill(api: Api, body: dict) -> dict:
    """POST /backfills as the dialog's "Run Backfill" button does.

    On SQLite, Airflow answers 503 "Database is locked. Backfill creation is not supported on
    SQLite under concurrent access" when another process writes at the same moment; a user
    clicks again, and so does this. Airflow tries to remove the half-made backfill then; if it
    could not, the next click gets 409 "already a running backfill" for a backfill without runs,
    which the user cancels from the banner (PUT /backfills/{id}/cancel) before clicking again.
    (Airflow's message recommends PostgreSQL, whose row locks avoid the race.)"""
    locked = 0
    for _attempt in range(20):
        response = api.client.post("/backfills", json=body)
        if response.status_code == 503 and "locked" in response.text:
            locked += 1
            print(f"POST /backfills: 503 database is locked ({locked}), trying again")
            time.sleep(2)
            continue
        if response.status_code == 409 and locked:
            for backfill in api.call("GET", "/backfills", params={"dag_id": DAG_ID})["backfills"]:
                if not backfill["completed_at"]:
                    end_half_made_backfill(api, backfill["id"])
            continue
        assert response.status_code < 300, f"POST /backfills: {response.status_code} {response.text}"
        return response.json()
    raise AssertionError(f"POST /backfills kept failing: {response.status_code} {response.text}")


def end_half_made_backfill(api: Api, backfill_id: int) -> None:
    """Cancel a backfill left without runs by a lock error (the cancel may itself meet a locked
    database); failing that, the scheduler completes such a backfill after 2 minutes."""
    print(f"POST /backfills: 409 after a lock error; cancelling the half-made backfill {backfill_id}")

    def ended() -> bool:
        if api.client.get(f"/backfills/{backfill_id}").json()["completed_at"]:
            return True
        return api.client.put(f"/backfills/{backfill_id}/cancel").status_code == 200

    api.wait(f"the half-made backfill {backfill_id} to end", ended, 240, interval=5)


def expected_logical_dates() -> set[dt.datetime]:
    from newslake.sample_site.content import SAMPLE_DATES

    return {dt.datetime.combine(day, dt.time(2), tzinfo=SOURCE_TZ).astimezone(dt.UTC) for day in SAMPLE_DATES}


def backfill_runs(api: Api) -> dict[dt.datetime, dict]:
    runs = api.call("GET", f"/dags/{DAG_ID}/dagRuns", params={"limit": 100})["dag_runs"]
    found = {}
    for run in runs:
        logical = dt.datetime.fromisoformat(run["logical_date"].replace("Z", "+00:00")) if run.get("logical_date") else None
        if run["run_type"] == "backfill" and logical in expected_logical_dates():
            found[logical] = run
    return found


def task_log_tails(home: Path, run_id: str, lines: int = 30) -> str:
    logs = sorted((home / "logs" / f"dag_id={DAG_ID}" / f"run_id={run_id}").glob("task_id=*/attempt=*.log"))
    return "\n".join(f"--- {log.relative_to(home)}\n{airflow_services.log_tail(log, lines)}" for log in logs) or "(no task logs)"


def wait_for_backfill_runs(api: Api, after: dict[dt.datetime, str] | None = None) -> dict[dt.datetime, dict]:
    """Wait until the three sample days' backfill runs succeeded (and ended after ``after``'s
    end dates, for a rerun); fail at once, with the task logs' tails, when one fails."""

    def probe():
        runs = backfill_runs(api)
        for run in runs.values():
            if run["state"] == "failed":
                raise AssertionError(f"backfill run {run['dag_run_id']} failed:\n{task_log_tails(api.services.home, run['dag_run_id'])}")
        done = [
            run for logical, run in runs.items()
            if run["state"] == "success" and (after is None or (run["end_date"] or "") > after[logical])
        ]
        return runs if len(done) == len(expected_logical_dates()) else None

    return api.wait("the backfill's three runs to succeed", probe, RUN_TIMEOUT, interval=3)


def articles_files(lake_root: Path) -> dict[str, bytes]:
    from newslake.sample_site.content import SAMPLE_DATES

    days = {f"dt={day.isoformat()}" for day in SAMPLE_DATES}
    return {
        str(path.relative_to(lake_root)): path.read_bytes()
        for path in sorted((lake_root / "articles").rglob("*"))
        if path.is_file() and path.relative_to(lake_root / "articles").parts[0] in days
    }


def loopback_only_listeners(services: AirflowServices) -> list[str]:
    """Every TCP listener of the services' process groups, as 'address:port'."""
    import psutil

    pids = {pid for process in services.processes.values() for pid in group_members(process.pid)}
    listeners = [c for c in psutil.net_connections(kind="inet") if c.status == psutil.CONN_LISTEN and c.pid in pids]
    return sorted(f"{c.laddr.ip}:{c.laddr.port}" for c in listeners)


@pytest.fixture
def one_source(tmp_path, sample_site) -> Path:
    """A sources file with only the sample's atlas-gazette (it names the sample site's URL)."""
    document = yaml.safe_load((REPO / "include" / "sources" / "sample.yaml").read_text(encoding="utf-8"))
    path = tmp_path / "sources.yaml"
    path.write_text(yaml.safe_dump({"sources": [s for s in document["sources"] if s["id"] == SOURCE_ID]}), encoding="utf-8")
    return path


@pytest.mark.e2e
@pytest.mark.airflow_services
def test_backfill_from_the_ui_rest_api_and_its_rerun(tmp_path, one_source, sample_site, metadata_db_url):
    from newslake import lake
    from newslake.sample_site.content import SAMPLE_DATES
    from newslake.storage import Storage

    lake_root = tmp_path / "lake"
    # The committed settings file, with the lake variable pointing at this test's lake.
    settings = yaml.safe_load((REPO / "airflow_settings.yaml").read_text(encoding="utf-8"))
    for variable in settings["airflow"]["variables"]:
        if variable["variable_name"] == "newslake_lake_uri":
            variable["variable_value"] = str(lake_root)
    settings_file = tmp_path / "airflow_settings.yaml"
    settings_file.write_text(yaml.safe_dump(settings), encoding="utf-8")

    env = {
        "NEWSLAKE_SOURCES_FILE": str(one_source),
        "NEWSLAKE_LAKE_URI": str(lake_root),
        "NEWSLAKE_RETRY_DELAY_SECONDS": "1",
        "NEWSLAKE_ALLOWED_NETWORKS": "127.0.0.0/8",
        "NEWSLAKE_SAMPLE_SITE_URL": sample_site.base_url,
        "NEWSLAKE_POLITENESS_DIR": str(tmp_path / "politeness"),
    }
    with AirflowServices(tmp_path / "airflow", free_port(), db_url=metadata_db_url, settings_file=settings_file, env=env) as services:
        api = Api(services)
        api.wait(f"the dag-processor to parse {DAG_ID}", lambda: api.client.get(f"/dags/{DAG_ID}").status_code == 200, 180)
        # The trigger form's fields as the dag-processor serialised them (types, bounds, help
        # text), and the API refusing a run whose params break them, naming the param.
        params = api.call("GET", f"/dags/{DAG_ID}/details")["params"]
        assert params["limit"]["schema"]["type"] == ["null", "integer"] and params["limit"]["schema"]["minimum"] == 1, params
        assert {params[name]["schema"]["type"] for name in ("dry_run", "force_refetch")} == {"boolean"}, params
        assert all(params[name]["description"] for name in ("limit", "dry_run", "force_refetch")), params
        refused = api.client.post(f"/dags/{DAG_ID}/dagRuns", json={"logical_date": None, "conf": {"limit": 0}})
        assert refused.status_code == 400 and "limit" in refused.text, (refused.status_code, refused.text)
        # A backfill needs an unpaused DAG (the dialog's "Unpause … on trigger" box does this).
        assert api.call("PATCH", f"/dags/{DAG_ID}", json={"is_paused": False})["is_paused"] is False
        # The story-clusters DAG consumes the source's articles asset: each published day queues it.
        api.wait("the dag-processor to parse newslake_story_clusters", lambda: api.client.get("/dags/newslake_story_clusters").status_code == 200, 180)
        assert api.call("PATCH", "/dags/newslake_story_clusters", json={"is_paused": False})["is_paused"] is False

        first = create_backfill(api, ui_backfill_body("none"))
        assert first["dag_id"] == DAG_ID and first["reprocess_behavior"] == "none"
        runs = wait_for_backfill_runs(api)
        assert set(runs) == expected_logical_dates()

        # Nothing of ours listens anywhere but on loopback (checked while tasks have run).
        listeners = loopback_only_listeners(services)
        assert f"127.0.0.1:{services.port}" in listeners
        assert all(address.startswith("127.0.0.1:") for address in listeners), listeners

        storage = Storage(str(lake_root))
        for day in SAMPLE_DATES:
            assert storage.exists(lake.articles_key(day, SOURCE_ID)), day
        import pyarrow.parquet as pq

        for day in SAMPLE_DATES:
            assert pq.read_metadata(lake_root / lake.articles_key(day, SOURCE_ID)).num_rows > 0, day
        before = articles_files(lake_root)
        assert len(before) == len(SAMPLE_DATES)

        # Each publish was an asset event naming its day; the story-clusters DAG ran on those
        # events (not on its 04:00 timetable) and clustered each backfilled day.
        def clustered_days():
            runs = api.call("GET", "/dags/newslake_story_clusters/dagRuns", params={"limit": 100})["dag_runs"]
            triggered = [run for run in runs if run["run_type"] == "asset_triggered"]
            failed = [run["dag_run_id"] for run in triggered if run["state"] == "failed"]
            assert not failed, f"story clusters runs failed: {failed}"
            if any(run["state"] != "success" for run in triggered):
                return None
            return triggered and all(storage.exists(lake.story_clusters_key(day)) for day in SAMPLE_DATES)

        try:
            api.wait("asset-triggered story clusters for the three days", clustered_days, 420)
        except AssertionError as exc:
            runs_seen = api.call("GET", "/dags/newslake_story_clusters/dagRuns", params={"limit": 100})["dag_runs"]
            events = api.call("GET", "/assets/events", params={"limit": 100})
            summary = [(r["dag_run_id"], r["run_type"], r["state"]) for r in runs_seen]
            raise AssertionError(f"{exc}\nstory clusters runs: {summary}\nasset events: {events}") from None

        # One backfill per DAG at a time: the scheduler marks the first complete (every 30 s).
        api.wait(
            "the first backfill to be marked complete",
            lambda: api.call("GET", f"/backfills/{first['id']}")["completed_at"], 120,
        )
        second = create_backfill(api, ui_backfill_body("completed"))
        assert second["reprocess_behavior"] == "completed"
        rerun = wait_for_backfill_runs(api, after={logical: run["end_date"] for logical, run in runs.items()})
        # The same runs, cleared and run again (not new ones).
        assert {run["dag_run_id"] for run in rerun.values()} == {run["dag_run_id"] for run in runs.values()}
        assert articles_files(lake_root) == before


# -- PostgreSQL metadata DB -------------------------------------------------------------------


class PostgresUnavailable(Exception):
    """This machine cannot start a throwaway PostgreSQL (the message says why)."""


@contextlib.contextmanager
def postgres_server():
    """A PostgreSQL server in a temp dir on a free 127.0.0.1 port (trust auth, user airflow,
    database airflow), stopped and removed at the end."""
    binaries = {name: shutil.which(name) for name in ("initdb", "pg_ctl", "postgres")}
    if not all(binaries.values()):
        raise PostgresUnavailable(f"needs PostgreSQL's server binaries on PATH (initdb, pg_ctl, postgres); missing: {[k for k, v in binaries.items() if not v]}")
    run_as: list[str] = []
    if os.geteuid() == 0:  # initdb and postgres refuse to run as root
        if not shutil.which("runuser"):
            raise PostgresUnavailable("running as root, and no runuser to start PostgreSQL as user nobody")
        run_as = ["runuser", "-u", "nobody", "--"]
    # Not pytest's tmp_path: its parents are private to root, and the server may run as nobody.
    root = Path(tempfile.mkdtemp(prefix="newslake-pg-"))
    root.chmod(0o755)
    data, sockets = root / "data", root / "sockets"
    for path in (data, sockets):
        path.mkdir(mode=0o700)
        if run_as:
            shutil.chown(path, "nobody")
    port = free_port()
    pg_ctl = [*run_as, binaries["pg_ctl"], "-D", str(data)]
    try:
        subprocess.run([*run_as, binaries["initdb"], "-D", str(data), "-U", "airflow", "--auth=trust", "-E", "UTF8"], check=True, capture_output=True)
        options = f"-c listen_addresses=127.0.0.1 -p {port} -k {sockets}"
        subprocess.run([*pg_ctl, "-o", options, "-l", str(sockets / "server.log"), "-w", "start"], check=True, capture_output=True)
        import psycopg2

        conn = psycopg2.connect(host="127.0.0.1", port=port, user="airflow", dbname="postgres")
        conn.autocommit = True
        conn.cursor().execute("CREATE DATABASE airflow")
        conn.close()
        yield f"postgresql+psycopg2://airflow@127.0.0.1:{port}/airflow"
    finally:
        subprocess.run([*pg_ctl, "-m", "fast", "-w", "stop"], capture_output=True)
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def throwaway_postgres():
    try:
        with postgres_server() as url:
            yield url
    except PostgresUnavailable as exc:
        pytest.skip(str(exc))


@pytest.fixture
def metadata_db_url():
    """PostgreSQL when this machine can run one, else None (SQLite). Airflow's scheduler on
    SQLite can die of a write race while a backfill is being created (StaleDataError on dag_run,
    seen here), which is what the README's advice to use PostgreSQL is about."""
    try:
        with postgres_server() as url:
            yield url
    except PostgresUnavailable as exc:
        print(f"backfill test on SQLite: {exc}")
        yield None


@pytest.mark.airflow_services
def test_make_airflow_on_postgres_starts_and_stops_on_sigterm(tmp_path, throwaway_postgres):
    """`python -m newslake airflow --db-url postgresql+psycopg2://…`: migrates the PostgreSQL DB,
    the api-server reports a healthy metadatabase, the login is printed; SIGTERM stops it all."""
    import psycopg2

    port = free_port()
    home = tmp_path / "airflow"
    command = [
        sys.executable, "-m", "newslake", "airflow", "--home", str(home), "--port", str(port),
        "--db-url", throwaway_postgres, "--settings", "", "--no-sample-site",
    ]
    process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    output = []
    try:
        deadline = time.monotonic() + 300
        while not any("Ctrl-C stops every service" in line for line in output):
            line = process.stdout.readline()
            if not line and process.poll() is not None:
                pytest.fail(f"python -m newslake airflow exited with {process.returncode}:\n{''.join(output)}")
            output.append(line)
            assert time.monotonic() < deadline, "".join(output)
        text = "".join(output)
        assert f"Airflow is up: http://127.0.0.1:{port}/" in text and "log in as admin, password " in text
        assert "metadata: PostgreSQL" in text

        health = httpx.get(f"http://127.0.0.1:{port}/api/v2/monitor/health", timeout=30).json()
        assert health["metadatabase"]["status"] == "healthy"
        with psycopg2.connect(throwaway_postgres.replace("postgresql+psycopg2", "postgresql")) as conn:
            cursor = conn.cursor()
            cursor.execute("select count(*) from information_schema.tables where table_name in ('dag', 'dag_run', 'alembic_version')")
            assert cursor.fetchone()[0] == 3
        assert not (home / "airflow.db").exists()  # nothing went to SQLite

        process.send_signal(signal.SIGTERM)
        rest, _ = process.communicate(timeout=120)
        assert process.returncode == 0, rest
        assert "stopped every Airflow service" in rest
        with pytest.raises(httpx.TransportError):
            httpx.get(f"http://127.0.0.1:{port}/api/v2/monitor/health", timeout=5)
    finally:
        if process.poll() is None:  # the launcher stops its services on SIGTERM
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(120)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
