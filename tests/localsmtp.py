"""A tiny SMTP server for tests (stdlib socketserver, 127.0.0.1, port 0, a thread): enough of
RFC 5321 for smtplib — EHLO/HELO, AUTH PLAIN, MAIL, RCPT, DATA, RSET, NOOP, QUIT — recording
each message it receives as an ``email.message.EmailMessage``.

    with LocalSmtpServer() as smtp:
        ...send to 127.0.0.1:smtp.port...
        smtp.messages[0].envelope_to, smtp.messages[0].message["Subject"]
"""

from __future__ import annotations

import base64
import socketserver
import threading
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage


@dataclass(frozen=True)
class ReceivedMail:
    envelope_from: str
    envelope_to: tuple[str, ...]
    message: EmailMessage
    auth: tuple[str, str] | None  # (login, password) given with AUTH PLAIN


class _Session(socketserver.StreamRequestHandler):
    server: _Server

    def send(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")
        self.wfile.flush()

    def handle(self) -> None:
        sender, recipients, auth = "", [], None
        self.send("220 localhost test SMTP")
        while True:
            raw = self.rfile.readline()
            if not raw:
                return
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            verb = line.split(" ", 1)[0].upper()
            argument = line[len(verb) :].strip()
            if verb == "EHLO":
                self.wfile.write(b"250-localhost\r\n250-AUTH PLAIN\r\n250 8BITMIME\r\n")
                self.wfile.flush()
            elif verb == "HELO":
                self.send("250 localhost")
            elif verb == "AUTH" and argument.upper().startswith("PLAIN"):
                token = argument[5:].strip()
                if not token:
                    self.send("334 ")
                    token = self.rfile.readline().decode().strip()
                _, login, password = base64.b64decode(token).decode().split("\0")
                auth = (login, password)
                self.send("235 2.7.0 Authentication successful")
            elif verb == "MAIL":
                sender, recipients = argument.split(":", 1)[1].strip().strip("<>"), []
                self.send("250 OK")
            elif verb == "RCPT":
                recipients.append(argument.split(":", 1)[1].strip().strip("<>"))
                self.send("250 OK")
            elif verb == "DATA":
                self.send("354 End data with <CR><LF>.<CR><LF>")
                lines = []
                while True:
                    data_line = self.rfile.readline()
                    if data_line in (b".\r\n", b".\n", b""):
                        break
                    lines.append(data_line[1:] if data_line.startswith(b"..") else data_line)
                # Wire line ends are CRLF; the parser (and quoted-printable soft breaks) expect \n.
                message = message_from_bytes(b"".join(lines).replace(b"\r\n", b"\n"), policy=policy.default)
                self.server.record(ReceivedMail(sender, tuple(recipients), message, auth))
                self.send("250 OK: queued")
            elif verb in ("RSET", "NOOP"):
                self.send("250 OK")
            elif verb == "QUIT":
                self.send("221 Bye")
                return
            else:
                self.send("502 Command not implemented")


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        self.received: list[ReceivedMail] = []
        self.lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), _Session)

    def record(self, mail: ReceivedMail) -> None:
        with self.lock:
            self.received.append(mail)


class LocalSmtpServer:
    def __init__(self) -> None:
        self._server = _Server()
        self.host = "127.0.0.1"
        self.port: int = self._server.server_address[1]
        self._closed = False
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    @property
    def messages(self) -> list[ReceivedMail]:
        with self._server.lock:
            return list(self._server.received)

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._server.shutdown()
            self._server.server_close()

    def __enter__(self) -> LocalSmtpServer:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()
