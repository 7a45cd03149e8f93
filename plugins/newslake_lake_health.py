"""newslake's lake health page in Airflow's UI: "News lake" in the navigation bar.

The page and its JSON endpoints are ``newslake.health.create_app`` (plain code), mounted by the
api-server at ``/newslake`` and shown by the UI in its frame at ``/plugin/newslake``. Airflow does
not authenticate a plugin's FastAPI app (a mount inherits none of the core API's
dependencies), so every route here depends on ``requires_access_view(AccessView.WEBSITE)``:
the user of the request's JWT — the UI's ``_token`` cookie or an ``Authorization: Bearer``
header — must be allowed to see Airflow's UI; anything else gets 401/403.

Every Airflow process imports this file (plugins are loaded by the scheduler, the dag-processor
and task processes too), so it imports nothing heavy: the app is built on the api-server's first
request to it (``_LazyApp``), and only then are FastAPI, Airflow's security module and the lake
code imported. The lake is ``newslake.config.Settings`` (Variables ``newslake_*``, else
``NEWSLAKE_*``), on S3 with the credentials of the ``aws_conn_id`` connection, as for the tasks.
"""

from __future__ import annotations

import threading
import time

from airflow.plugins_manager import AirflowPlugin

URL_PREFIX = "/newslake"
SETTINGS_TTL_SECONDS = 60.0  # how long a resolved lake (settings + S3 credentials) is reused


def _reader_factory():
    """A HealthReader of the configured lake; settings and credentials are resolved at most
    once a minute (they come from Variables and a connection: a DB read each)."""
    lock = threading.Lock()
    resolved: dict = {}

    def reader():
        from newslake.config import Settings, SettingsError, load_sources
        from newslake.health import HealthReader
        from newslake.orchestration import settings_from_airflow, storage_from_settings

        with lock:
            if not resolved or time.monotonic() - resolved["at"] > SETTINGS_TTL_SECONDS:
                try:
                    settings = settings_from_airflow()
                except SettingsError:  # a bad value must not turn the page to another lake (the defaults')
                    raise
                except Exception:  # Variables unreachable from this process: the environment still counts
                    settings = Settings.load()
                try:
                    volume = {source.id: source.volume for source in load_sources()}
                except Exception:  # a broken sources file is the DAGs' import error; the page shows the lake
                    volume = {}
                resolved.update(at=time.monotonic(), storage=storage_from_settings(settings), volume=volume)
            return HealthReader(resolved["storage"], resolved["volume"])

    return reader


def _configured_sources() -> list[str]:
    from newslake.config import load_sources

    return [source.id for source in load_sources()]


def build_app():
    """The page's FastAPI app behind Airflow's authentication (api-server only)."""
    from airflow.api_fastapi.auth.managers.models.resource_details import AccessView
    from airflow.api_fastapi.core_api.security import requires_access_view
    from fastapi import Depends

    from newslake.health import create_app

    return create_app(_reader_factory(), dependencies=[Depends(requires_access_view(AccessView.WEBSITE))], sources=_configured_sources)


class _LazyApp:
    """An ASGI app that builds the real one on its first request, in the api-server."""

    def __init__(self) -> None:
        self._app = None
        self._lock = threading.Lock()

    async def __call__(self, scope, receive, send) -> None:
        if self._app is None:
            with self._lock:
                if self._app is None:
                    self._app = build_app()
        await self._app(scope, receive, send)


class NewslakeLakeHealthPlugin(AirflowPlugin):
    name = "newslake_lake_health"
    fastapi_apps = [{"app": _LazyApp(), "url_prefix": URL_PREFIX, "name": "newslake lake health"}]
    # A menu entry in the navigation bar; the UI shows the page in a frame at /plugin/newslake.
    # href is relative: the UI's <base href> makes it work under an [api] base_url prefix too.
    external_views = [
        {
            "name": "News lake",
            "href": "newslake/",
            "destination": "nav",
            "url_route": "newslake",
        }
    ]
