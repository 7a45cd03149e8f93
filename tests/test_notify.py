"""Failure notifications: the log line by default, a webhook POST to a real local HTTP server, an
e-mail to a real local SMTP server — each built from an Airflow connection defined the way a
deployment would (AIRFLOW_CONN_*), through the same adapter the DAGs' on_failure_callback uses.
(A whole DAG run that fails and posts to the webhook: tests/test_volume.py.)"""

from __future__ import annotations

import datetime as dt
import json
import logging

import airflow.sdk  # noqa: F401  (Airflow sets up logging when imported: before caplog adds its handler)
import pytest

from localserver import Response
from localsmtp import LocalSmtpServer
from newslake import notify
from newslake.orchestration import failure_event, notification_channel, notify_failure

LOGICAL_DATE = dt.datetime(2026, 11, 24, 2, tzinfo=dt.timezone(dt.timedelta(hours=1)))


class FakeTaskInstance:
    """What a callback context's ``ti`` offers (a RuntimeTaskInstance in Airflow)."""

    dag_id = "newslake_tiny_daily"
    task_id = "validate"
    run_id = "scheduled__2026-11-24T01:00:00+00:00"
    try_number = 1
    log_url = "http://localhost:8080/dags/newslake_tiny_daily/runs/scheduled__2026-11-24T01%3A00%3A00%2B00%3A00/tasks/validate?try_number=1"


class FakeDag:
    dag_id = "newslake_tiny_daily"


def task_context() -> dict:
    return {
        "dag": FakeDag(), "ti": FakeTaskInstance(), "run_id": FakeTaskInstance.run_id, "logical_date": LOGICAL_DATE,
        "exception": RuntimeError("dt=2026-11-24/source=tiny-daily: 1 of 12 expectations failed\n  - details"),
    }


@pytest.fixture
def notify_conn(monkeypatch):
    """Define connection ``newslake_notify`` (env AIRFLOW_CONN_NEWSLAKE_NOTIFY) and select it."""

    def define(connection: dict) -> None:
        monkeypatch.setenv("NEWSLAKE_NOTIFY_CONN_ID", "newslake_notify")
        monkeypatch.setenv("AIRFLOW_CONN_NEWSLAKE_NOTIFY", json.dumps(connection))

    return define


def test_log_only_by_default_names_dag_task_run_date_exception_and_log_url(caplog):
    assert notification_channel() == notify.LOG_ONLY
    with caplog.at_level(logging.INFO, logger="newslake.notify"):
        notify_failure(task_context())
    [record] = [r for r in caplog.records if r.name == "newslake.notify"]
    line = record.getMessage()
    assert record.levelno == logging.ERROR and "\n" not in line
    assert line.startswith("newslake failure: task validate of DAG newslake_tiny_daily failed")
    assert f"run {FakeTaskInstance.run_id}" in line and "logical date 2026-11-24T02:00:00+01:00" in line
    assert "RuntimeError: dt=2026-11-24/source=tiny-daily: 1 of 12 expectations failed" in line
    assert line.endswith(f"log: {FakeTaskInstance.log_url}")


def test_a_dag_run_failure_names_the_reason_and_the_task_that_failed_it():
    event = failure_event({**task_context(), "exception": None, "reason": "task_failure"})
    assert event.kind == notify.DAG_RUN_FAILED
    assert event.summary().startswith("newslake failure: DAG run of newslake_tiny_daily failed (task_failure), last failed task validate")
    # The DAG processor's minimal context when the task is unknown.
    minimal = failure_event({"dag": FakeDag(), "run_id": "manual__1", "reason": "all_tasks_deadlocked"})
    assert (minimal.dag_id, minimal.task_id, minimal.log_url) == ("newslake_tiny_daily", None, None)


def test_webhook_receives_the_event_as_json(notify_conn, start_local_server, caplog):
    hook = start_local_server(lambda request, http: Response(200, b"ok"))
    notify_conn({"conn_type": "http", "host": hook.url("/hooks/abc")})
    channel = notification_channel()
    assert (channel.kind, channel.url) == ("webhook", hook.url("/hooks/abc"))
    with caplog.at_level(logging.INFO, logger="newslake.notify"):
        notify_failure(task_context())
    [request] = hook.requests_to("/hooks/abc")
    assert request.method == "POST" and request.headers["content-type"] == "application/json"
    payload = json.loads(request.body)
    assert payload["event"] == "task_failed" and payload["dag_id"] == "newslake_tiny_daily" and payload["task_id"] == "validate"
    assert payload["logical_date"] == "2026-11-24T02:00:00+01:00" and payload["log_url"] == FakeTaskInstance.log_url
    assert payload["exception"].endswith("expectations failed\n  - details")  # the whole exception
    assert payload["text"] == failure_event(task_context()).summary()
    assert any("notification sent through connection 'newslake_notify'" in r.getMessage() for r in caplog.records)


def test_webhook_url_from_host_port_and_endpoint(notify_conn, start_local_server):
    hook = start_local_server(lambda request, http: Response(204))
    notify_conn({"conn_type": "http", "host": "127.0.0.1", "port": hook.port, "extra": {"endpoint": "/hooks/xyz"}})
    assert notification_channel().url == hook.url("/hooks/xyz")
    notify_failure(task_context())
    assert [r.method for r in hook.requests_to("/hooks/xyz")] == ["POST"]


def test_an_unreachable_or_failing_webhook_is_logged_never_raised(notify_conn, start_local_server, caplog):
    hook = start_local_server(lambda request, http: Response(500, b"boom"))
    notify_conn({"conn_type": "https", "host": hook.url("/hooks/abc")})
    with caplog.at_level(logging.WARNING, logger="newslake.notify"):
        notify_failure(task_context())
    assert hook.hits("/hooks/abc") == 1
    assert any("could not send the failure notification" in r.getMessage() and "500" in r.getMessage() for r in caplog.records)

    hook.close()  # nothing listens any more
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="newslake.notify"):
        assert notify.deliver(failure_event(task_context()), notification_channel()) is False
    assert any("could not send" in r.getMessage() for r in caplog.records)


def test_an_unusable_connection_falls_back_to_the_log(notify_conn, monkeypatch, caplog):
    notify_conn({"conn_type": "postgres", "host": "db.internal"})
    with caplog.at_level(logging.WARNING, logger="newslake.orchestration"):
        assert notification_channel() == notify.LOG_ONLY
    assert any("'newslake_notify'" in r.getMessage() and "postgres" in r.getMessage() for r in caplog.records)
    monkeypatch.setenv("NEWSLAKE_NOTIFY_CONN_ID", "no_such_connection")
    assert notification_channel() == notify.LOG_ONLY


def test_email_through_a_local_smtp_server(notify_conn):
    with LocalSmtpServer() as smtp:
        notify_conn({
            "conn_type": "smtp", "host": "127.0.0.1", "port": smtp.port, "login": "alerts", "password": "s3cret",
            "extra": {"to": "oncall@example.org, data@example.org", "from": "newslake@example.org"},
        })
        channel = notification_channel()
        assert (channel.kind, channel.recipients, channel.use_ssl) == ("email", ("oncall@example.org", "data@example.org"), False)
        assert "s3cret" not in repr(channel)
        notify_failure(task_context())
        [mail] = smtp.messages
    assert mail.envelope_from == "newslake@example.org" and mail.envelope_to == ("oncall@example.org", "data@example.org")
    assert mail.auth == ("alerts", "s3cret")
    message = mail.message
    assert message["Subject"] == "[newslake] task failed: newslake_tiny_daily.validate 2026-11-24T02:00:00+01:00"
    assert message["To"] == "oncall@example.org, data@example.org"
    body = message.get_content()
    assert body.startswith("newslake failure: task validate of DAG newslake_tiny_daily failed")
    assert FakeTaskInstance.log_url in body and "expectations failed\n  - details" in body


def test_email_connection_needs_recipients():
    with pytest.raises(notify.ChannelError, match="extra 'to'"):
        notify.channel_from_connection("c", conn_type="email", host="smtp.example.org", extra={})
    channel = notify.channel_from_connection("c", conn_type="email", host="smtp.example.org", port=465, extra={"to": ["a@x.org"]})
    assert (channel.use_ssl, channel.port, channel.sender) == (True, 465, "newslake@localhost")
