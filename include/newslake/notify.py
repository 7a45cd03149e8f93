"""Failure notifications: a log line always, and a webhook POST or an e-mail when configured.

Plain Python (no Airflow): the Airflow adapter (``newslake.orchestration.notify_failure``, the
DAGs' ``on_failure_callback``) turns a callback context into a ``FailureEvent`` and the
``notify_conn_id`` connection into a ``Channel``; ``deliver`` does the rest.

    http / https connection   → POST the event as JSON to the connection's URL (host, or
                                host + port + extra "endpoint"); "text" holds the one-line summary,
                                which Slack / Mattermost / Teams-style incoming webhooks display
    smtp / email connection   → an e-mail through host:port (login/password when given), to
                                extra "to" (address, comma-separated addresses or a list), from
                                extra "from" (default: the login, else newslake@localhost);
                                extra "ssl": true for SMTPS (default on port 465), "starttls": true

A notification must never make things worse: delivery errors are logged, never raised, and the
timeouts are short (a callback holds a worker or the DAG processor while it runs).
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from typing import Any

log = logging.getLogger(__name__)

TASK_FAILED, DAG_RUN_FAILED = "task_failed", "dag_run_failed"
DEFAULT_TIMEOUT_SECONDS = 10.0
WEBHOOK_CONN_TYPES = ("http", "https")
EMAIL_CONN_TYPES = ("smtp", "email")
# The log line keeps the exception's first line, this long at most; the webhook and the e-mail get all of it.
SUMMARY_EXCEPTION_CHARS = 500


@dataclass(frozen=True)
class FailureEvent:
    """A failed task, or a failed DAG run (then ``task_id`` is the task that failed it, if known)."""

    kind: str  # task_failed | dag_run_failed
    dag_id: str
    run_id: str | None = None
    task_id: str | None = None
    logical_date: str | None = None  # ISO 8601
    try_number: int | None = None
    exception: str | None = None  # "ExceptionType: message"
    reason: str | None = None  # why Airflow failed the DAG run (task_failure, all_tasks_deadlocked...)
    log_url: str | None = None

    def summary(self) -> str:
        """One line naming what failed, where, and where its log is."""
        if self.kind == DAG_RUN_FAILED:
            what = f"DAG run of {self.dag_id} failed" + (f" ({self.reason})" if self.reason else "")
            if self.task_id:
                what += f", last failed task {self.task_id}"
        else:
            what = f"task {self.task_id} of DAG {self.dag_id} failed"
        details = [f"run {self.run_id or '?'}", f"logical date {self.logical_date or '?'}"]
        if self.try_number:
            details.append(f"try {self.try_number}")
        line = f"newslake failure: {what} ({', '.join(details)})"
        if self.exception:
            first = self.exception.strip().splitlines()[0] if self.exception.strip() else self.exception
            if len(first) > SUMMARY_EXCEPTION_CHARS:
                first = first[:SUMMARY_EXCEPTION_CHARS] + "…"
            line += f": {first}"
        return line + f" — log: {self.log_url or 'n/a'}"

    def subject(self) -> str:
        if self.kind == DAG_RUN_FAILED:
            return f"[newslake] DAG run failed: {self.dag_id} {self.logical_date or self.run_id or ''}".rstrip()
        return f"[newslake] task failed: {self.dag_id}.{self.task_id} {self.logical_date or self.run_id or ''}".rstrip()

    def payload(self) -> dict[str, Any]:
        """The webhook's JSON body."""
        return {"text": self.summary(), "event": self.kind, **{k: v for k, v in asdict(self).items() if k != "kind"}}

    def email_body(self) -> str:
        lines = [self.summary(), ""]
        for name, value in asdict(self).items():
            if value is not None and name != "exception":
                lines.append(f"{name}: {value}")
        if self.exception:
            lines += ["", "exception:", self.exception]
        return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class Channel:
    """Where a notification goes besides the log: nowhere (``log``), a webhook, or e-mail."""

    kind: str = "log"  # log | webhook | email
    conn_id: str = ""
    url: str | None = field(default=None, repr=False)  # webhook; as secret as a password
    host: str | None = None  # email
    port: int | None = None
    login: str | None = None
    password: str | None = field(default=None, repr=False)
    sender: str | None = None
    recipients: tuple[str, ...] = ()
    use_ssl: bool = False
    starttls: bool = False
    timeout: float = DEFAULT_TIMEOUT_SECONDS


LOG_ONLY = Channel()


class ChannelError(ValueError):
    """The notification connection cannot be used; the message names the connection and field."""


def channel_from_connection(
    conn_id: str,
    *,
    conn_type: str | None,
    host: str | None = None,
    port: int | None = None,
    login: str | None = None,
    password: str | None = None,
    schema: str | None = None,
    extra: dict[str, Any] | None = None,
) -> Channel:
    """The channel an Airflow connection describes: its type decides (a host that is a URL
    means a webhook whatever the type)."""
    extra = extra or {}
    kind = (conn_type or "").lower()
    timeout = float(extra.get("timeout", DEFAULT_TIMEOUT_SECONDS))
    if kind in EMAIL_CONN_TYPES:
        recipients = extra.get("to") or ()
        if isinstance(recipients, str):
            recipients = [part.strip() for part in recipients.split(",")]
        recipients = tuple(part for part in recipients if part)
        if not host:
            raise ChannelError(f"notification connection {conn_id!r} (type {kind}): no host (the SMTP server)")
        if not recipients:
            raise ChannelError(f"notification connection {conn_id!r} (type {kind}): extra 'to' names no recipient")
        use_ssl = _flag(extra.get("ssl"), default=port == 465)
        return Channel(
            kind="email", conn_id=conn_id, host=host, port=port or (465 if use_ssl else 25), login=login or None,
            password=password or None, sender=extra.get("from") or extra.get("from_email") or login or "newslake@localhost",
            recipients=recipients, use_ssl=use_ssl, starttls=_flag(extra.get("starttls"), default=False), timeout=timeout,
        )
    if kind in WEBHOOK_CONN_TYPES or (host and "://" in host):
        if not host:
            raise ChannelError(f"notification connection {conn_id!r} (type {kind}): no host (the webhook URL)")
        if "://" in host:
            url = host
        else:
            scheme = "https" if kind == "https" or schema == "https" else "http"
            # The URI form (http://host:port/path) leaves the path in ``schema``; HttpHook's form has
            # the scheme there and the path in extra "endpoint".
            path = extra.get("endpoint") or (schema if schema not in (None, "", "http", "https") else "")
            url = f"{scheme}://{host}{f':{port}' if port else ''}/{str(path).lstrip('/')}"
        return Channel(kind="webhook", conn_id=conn_id, url=url, timeout=timeout)
    raise ChannelError(
        f"notification connection {conn_id!r}: type {conn_type!r} is not one of {list(WEBHOOK_CONN_TYPES + EMAIL_CONN_TYPES)} "
        f"and its host is not a URL"
    )


def _flag(value: Any, *, default: bool) -> bool:
    if value is None:
        return default
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


def deliver(event: FailureEvent, channel: Channel = LOG_ONLY) -> bool:
    """Log the event, then send it through ``channel``. True when every step worked; failures to
    send are logged, never raised."""
    log.error("%s", event.summary())
    if channel.kind == "log":
        return True
    try:
        if channel.kind == "webhook":
            _post_webhook(event, channel)
        elif channel.kind == "email":
            _send_email(event, channel)
        else:
            raise ChannelError(f"unknown notification channel {channel.kind!r}")
    except Exception as exc:  # a notification must never fail the callback
        detail = str(exc)
        if channel.url:  # the webhook URL is a secret, whatever error quotes it
            detail = detail.replace(channel.url, _without_secrets(channel.url))
        log.warning("could not send the failure notification through connection %r (%s): %s: %s",
                    channel.conn_id, channel.kind, type(exc).__name__, detail)
        return False
    log.info("failure notification sent through connection %r (%s)", channel.conn_id, channel.kind)
    return True


class WebhookError(RuntimeError):
    """The webhook answered with an error status; the message leaves its URL out."""


def _post_webhook(event: FailureEvent, channel: Channel) -> None:
    import httpx

    response = httpx.post(channel.url, json=event.payload(), timeout=channel.timeout, headers={"User-Agent": "newslake-notify"})
    if not response.is_success:
        # Not raise_for_status(): its message quotes the URL, which is the webhook's credential
        # (Slack-style URLs hold the token in the path), and would reach the log.
        raise WebhookError(f"the webhook answered HTTP {response.status_code} {response.reason_phrase}")


def _without_secrets(url: str) -> str:
    """scheme://host[:port]/*** — what a log may say about a webhook URL."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}/***"


def _send_email(event: FailureEvent, channel: Channel) -> None:
    import smtplib
    from email.message import EmailMessage
    from email.utils import formatdate, make_msgid

    message = EmailMessage()
    message["Subject"] = event.subject()
    message["From"] = channel.sender
    message["To"] = ", ".join(channel.recipients)
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain="newslake")
    message.set_content(event.email_body())
    smtp_class = smtplib.SMTP_SSL if channel.use_ssl else smtplib.SMTP
    with smtp_class(channel.host, channel.port, timeout=channel.timeout) as smtp:
        if channel.starttls and not channel.use_ssl:
            smtp.starttls()
        if channel.login and channel.password:
            smtp.login(channel.login, channel.password)
        smtp.send_message(message)
