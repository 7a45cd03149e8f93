"""Run the project in a real, local Airflow: ``make airflow`` (``python -m newslake airflow``).

Starts Airflow's four services as separate processes — api-server (UI, REST and Execution API on
127.0.0.1 only), scheduler (LocalExecutor), dag-processor and triggerer — sharing one prepared
environment: the project's AIRFLOW_HOME, dags and plugins folders, a metadata DB (SQLite in
AIRFLOW_HOME, or PostgreSQL with ``--db-url``) and a JWT secret drawn for this launch, which
every process must share or tasks cannot authenticate to the Execution API.

Not ``airflow standalone``: it binds its log servers to every interface. Here the scheduler and
triggerer skip their log servers (tasks run on this machine and write their logs under
AIRFLOW_HOME, where the api-server reads them), so nothing listens beyond 127.0.0.1:PORT.

No Airflow import here: the services are ``airflow`` CLI subprocesses, so this module also runs
in a process (a test) whose own Airflow is configured for something else.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType

from newslake import PROJECT_ROOT
from newslake.dag_sources import DEFAULT_SOURCES_FILE

LOOPBACK = "127.0.0.1"
DEFAULT_PORT = 8080
DEFAULT_HOME = PROJECT_ROOT / ".airflow"
DEFAULT_SETTINGS_FILE = PROJECT_ROOT / "airflow_settings.yaml"
# Stopped in this order: the scheduler first (no new tasks), the api-server last (running tasks
# report their end through its Execution API).
SERVICE_NAMES = ("scheduler", "triggerer", "dag-processor", "api-server")


def services_environment(
    home: Path, port: int, *, db_url: str | None = None, base: Mapping[str, str] | None = None, extra: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The environment every service (and ``airflow db migrate``) runs with. ``base`` defaults
    to this process's environment; ``extra`` (e.g. NEWSLAKE_* settings) is applied last."""
    env = dict(os.environ if base is None else base)
    home = Path(home).resolve()
    env.update(
        {
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(PROJECT_ROOT / "dags"),
            "AIRFLOW__CORE__PLUGINS_FOLDER": str(PROJECT_ROOT / "plugins"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            # Works with SQLite in Airflow 3 (SequentialExecutor is gone); tasks run as local processes.
            "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": db_url or f"sqlite:///{home / 'airflow.db'}",
            # Tasks talk to the Execution API of *this* api-server, on loopback.
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://{LOOPBACK}:{port}/execution/",
            "AIRFLOW__API__HOST": LOOPBACK,
            "AIRFLOW__API__PORT": str(port),
            # Links Airflow builds (a task's log URL, in every failure notification) point here,
            # not at its default http://localhost:8080.
            "AIRFLOW__API__BASE_URL": f"http://{LOOPBACK}:{port}",
            "AIRFLOW__API__WORKERS": "1",
            # Drawn per launch, shared by every process: the api-server signs task tokens with it.
            "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_urlsafe(32),
            "AIRFLOW__API__SECRET_KEY": secrets.token_urlsafe(32),
            # No health-check listener on the scheduler (it would be one more open port).
            "AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK": "False",
            "AWS_EC2_METADATA_DISABLED": "true",
        }
    )
    env.update(extra or {})
    return env


def service_commands(port: int) -> dict[str, list[str]]:
    """Each service's command line (the venv's own ``airflow``)."""
    airflow = [sys.executable, "-m", "airflow"]
    return {
        "api-server": [*airflow, "api-server", "--host", LOOPBACK, "--port", str(port), "--workers", "1"],
        "scheduler": [*airflow, "scheduler", "--skip-serve-logs"],
        "dag-processor": [*airflow, "dag-processor"],
        "triggerer": [*airflow, "triggerer", "--skip-serve-logs"],
    }


def log_tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


class ServiceFailed(RuntimeError):
    """A service could not be set up or exited on its own; the message holds its log's tail."""


class AirflowServices:
    """Airflow's services for the ``with`` block: metadata DB migrated, ``airflow_settings.yaml``
    applied, api-server answering on 127.0.0.1:``port``. Leaving the block (normally, on an
    exception, or on a signal turned into one) stops every service's process group: SIGTERM,
    then SIGKILL after ``stop_timeout`` seconds."""

    def __init__(
        self,
        home: Path | str = DEFAULT_HOME,
        port: int = DEFAULT_PORT,
        *,
        db_url: str | None = None,
        settings_file: Path | str | None = DEFAULT_SETTINGS_FILE,
        env: Mapping[str, str] | None = None,
        start_timeout: float = 180.0,
        stop_timeout: float = 20.0,
    ) -> None:
        self.home = Path(home).resolve()
        self.port = port
        self.db_url = db_url
        self.settings_file = Path(settings_file) if settings_file else None
        self.env = services_environment(self.home, port, db_url=db_url, extra=env)
        self.start_timeout = start_timeout
        self.stop_timeout = stop_timeout
        self.log_dir = self.home / "logs" / "services"
        self.processes: dict[str, subprocess.Popen] = {}

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    def log_path(self, name: str) -> Path:
        return self.log_dir / f"{name}.log"

    # -- start ---------------------------------------------------------------------------------

    def __enter__(self) -> AirflowServices:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()

    def start(self) -> None:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self._prepare_database()
        for name, command in service_commands(self.port).items():
            log = self.log_path(name).open("ab")
            log.write(f"\n--- {time.strftime('%Y-%m-%d %H:%M:%S')} {' '.join(command)}\n".encode())
            log.flush()
            # A session (process group) of its own: Ctrl-C in the terminal reaches only us, and
            # stop() signals the service together with its workers and task processes.
            self.processes[name] = subprocess.Popen(
                command, env=self.env, cwd=PROJECT_ROOT, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            log.close()
        self.wait_until_healthy()

    def _prepare_database(self) -> None:
        """``airflow db migrate``, then the settings file (which migrates again: a no-op)."""
        steps = [("db-migrate", [sys.executable, "-m", "airflow", "db", "migrate"])]
        if self.settings_file:
            steps.append(("apply-settings", [sys.executable, "-m", "newslake", "apply-settings", str(self.settings_file)]))
        for name, command in steps:
            log_path = self.log_path(name)
            with log_path.open("wb") as log:
                completed = subprocess.run(command, env=self.env, cwd=PROJECT_ROOT, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
            if completed.returncode != 0:
                raise ServiceFailed(f"{' '.join(command[1:])} failed (exit {completed.returncode}); {log_path}:\n{log_tail(log_path)}")

    def check_running(self) -> None:
        """Raise ServiceFailed if a service has exited."""
        for name, process in self.processes.items():
            if process.poll() is not None:
                raise ServiceFailed(f"airflow {name} exited with {process.returncode}; {self.log_path(name)}:\n{log_tail(self.log_path(name))}")

    def wait_until_healthy(self) -> dict:
        """Wait until the api-server answers /api/v2/monitor/health; return its answer."""
        deadline = time.monotonic() + self.start_timeout
        while True:
            self.check_running()
            try:
                with urllib.request.urlopen(f"{self.url}/api/v2/monitor/health", timeout=5) as response:
                    return json.load(response)
            except (urllib.error.URLError, OSError, ValueError):
                if time.monotonic() > deadline:
                    raise ServiceFailed(
                        f"the api-server did not answer on {self.url} within {self.start_timeout:.0f} s; "
                        f"{self.log_path('api-server')}:\n{log_tail(self.log_path('api-server'))}"
                    ) from None
                time.sleep(1)

    # -- logging in ----------------------------------------------------------------------------

    @property
    def passwords_file(self) -> Path:
        configured = self.env.get("AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE")
        return Path(configured) if configured else self.home / "simple_auth_manager_passwords.json.generated"

    def password(self, user: str = "admin") -> str:
        """The password Airflow's simple auth manager generated for ``user``."""
        deadline = time.monotonic() + 30  # written by the api-server as it starts
        while True:
            with contextlib.suppress(OSError, ValueError, KeyError):
                return json.loads(self.passwords_file.read_text(encoding="utf-8"))[user]
            if time.monotonic() > deadline:
                raise ServiceFailed(f"no password for user {user!r} in {self.passwords_file}")
            time.sleep(0.5)

    def token(self, user: str = "admin") -> str:
        """A REST API token (JWT) for ``user``: ``Authorization: Bearer <token>``."""
        body = json.dumps({"username": user, "password": self.password(user)}).encode()
        request = urllib.request.Request(f"{self.url}/auth/token", data=body, headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.load(response)["access_token"]

    # -- stop ----------------------------------------------------------------------------------

    def stop(self) -> None:
        """Stop every service (idempotent): SIGTERM to each process group, SIGKILL to what is
        left after ``stop_timeout``. The api-server goes last: tasks that are finishing report
        to its Execution API."""
        first = [self.processes.pop(name) for name in SERVICE_NAMES[:-1] if name in self.processes]
        stop_process_groups(first, self.stop_timeout)
        stop_process_groups([self.processes.pop(name) for name in SERVICE_NAMES[-1:] if name in self.processes], self.stop_timeout)


def stop_process_groups(processes: list[subprocess.Popen], timeout: float) -> None:
    """SIGTERM to each process's group; SIGKILL to whatever of them is left after ``timeout`` s;
    return once no member is alive (or 5 s after the SIGKILL)."""
    for process in processes:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for process in processes:
            process.poll()  # reap a leader, so that it stops counting as a member
        if not any(group_members(process.pid) for process in processes):
            break
        time.sleep(0.2)
    for process in processes:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(5)
    # killpg returns before the signal has done its work: a member that is not our child (the
    # leader's children) can still be exiting, and would still hold its port or files.
    deadline = time.monotonic() + 5
    while any(group_members(process.pid) for process in processes) and time.monotonic() < deadline:
        time.sleep(0.05)


def group_members(pgid: int) -> list[int]:
    """Live (not zombie) processes of process group ``pgid`` (Linux /proc)."""
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = stat.read_text().rsplit(")", 1)[1].split()  # after "pid (comm)": state ppid pgrp ...
            if int(fields[2]) == pgid and fields[0] != "Z":
                members.append(int(stat.parent.name))
    return members


# -- the command --------------------------------------------------------------------------------


class _Terminated(Exception):
    """SIGTERM, raised in the main thread so the ``with`` blocks unwind."""


def run(
    port: int = DEFAULT_PORT,
    db_url: str | None = None,
    settings_file: str | None = str(DEFAULT_SETTINGS_FILE),
    sample_site: bool | None = None,
    home: Path | str = DEFAULT_HOME,
) -> int:
    """``python -m newslake airflow``: start the services, print how to log in, run until Ctrl-C
    or SIGTERM, then stop them all. ``sample_site`` (default: when the sources file is the
    sample one) also serves the offline sample site, which its sources point at."""

    def on_sigterm(signum, frame):
        raise _Terminated

    previous = signal.signal(signal.SIGTERM, on_sigterm)
    if sample_site is None:
        sample_site = not os.environ.get("NEWSLAKE_SOURCES_FILE") or Path(os.environ["NEWSLAKE_SOURCES_FILE"]).resolve() == DEFAULT_SOURCES_FILE
    try:
        with contextlib.ExitStack() as stack:
            extra: dict[str, str] = {}
            if sample_site:
                from newslake.sample_site import serve_sample_site

                try:
                    site = stack.enter_context(serve_sample_site(port=8765))
                except OSError:  # taken (make serve-sample?): any free port will do
                    site = stack.enter_context(serve_sample_site(port=0))
                # The sample sources name the site's address; the crawler may reach loopback.
                extra = {"NEWSLAKE_SAMPLE_SITE_URL": site.base_url, "NEWSLAKE_ALLOWED_NETWORKS": "127.0.0.0/8"}
            home = Path(home).resolve()
            where = f"PostgreSQL ({_redact(db_url)})" if db_url else f"SQLite in {home}"
            print(f"starting Airflow (metadata: {where}); service logs in {home / 'logs' / 'services'}/", flush=True)
            services = stack.enter_context(AirflowServices(home, port, db_url=db_url, settings_file=settings_file, env=extra))
            print(f"\nAirflow is up: {services.url}/")
            print(f"  log in as admin, password {services.password()}  (from {services.passwords_file})")
            if sample_site:
                print(f"  sample news site: {site.base_url}/ (the sample sources' DAGs crawl it)")
            print("  DAGs start paused: unpause one, or backfill it (DAG page → Trigger ▸ Backfill).")
            print("Ctrl-C stops every service.", flush=True)
            while True:
                services.check_running()
                time.sleep(2)
    except (KeyboardInterrupt, _Terminated):
        print("\nstopped every Airflow service.", flush=True)
        return 0
    except ServiceFailed as exc:
        print(f"\n{exc}\n(the other services were stopped)", file=sys.stderr, flush=True)
        return 1
    finally:
        signal.signal(signal.SIGTERM, previous)


def _redact(db_url: str) -> str:
    """The URL without its password, for printing."""
    scheme, sep, rest = db_url.partition("://")
    credentials, at, host = rest.rpartition("@")
    if not at or ":" not in credentials:
        return db_url
    return f"{scheme}{sep}{credentials.split(':', 1)[0]}:***@{host}"

