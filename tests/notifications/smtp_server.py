"""A small SMTP server on 127.0.0.1 for the delivery tests (aiosmtpd is not a dependency).

It speaks enough of RFC 5321 for smtplib: EHLO/HELO, AUTH PLAIN and LOGIN, MAIL, RCPT, DATA
(with dot-unstuffing), RSET, NOOP, QUIT. It records what arrived, and can be told to refuse
the credentials or the recipient. It never offers STARTTLS (the STARTTLS path is tested with
a recording fake instead).
"""

from __future__ import annotations

import base64
import socketserver
import threading
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage


@dataclass
class Received:
    mail_from: str
    rcpt_to: list[str]
    data: bytes

    @property
    def message(self) -> EmailMessage:
        parsed = message_from_bytes(self.data, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed


@dataclass
class ServerState:
    username: str = "mailer"
    password: str = "s3cret-pass"
    refuse_recipients: bool = False
    received: list[Received] = field(default_factory=list)
    logins: list[tuple[str, str]] = field(default_factory=list)
    commands: list[str] = field(default_factory=list)


class _Handler(socketserver.StreamRequestHandler):
    server: _Server

    def reply(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")
        self.wfile.flush()

    def readline(self) -> str:
        return self.rfile.readline().decode("utf-8", "replace").rstrip("\r\n")

    def handle(self) -> None:
        state = self.server.state
        self.reply("220 fake.test ESMTP ready")
        mail_from = ""
        rcpt_to: list[str] = []
        while True:
            line = self.readline()
            if not line:  # the client hung up
                return
            verb, _, argument = line.partition(" ")
            verb = verb.upper()
            state.commands.append(verb)
            if verb == "EHLO":
                self.reply("250-fake.test")
                self.reply("250-8BITMIME")
                self.reply("250 AUTH PLAIN LOGIN")
            elif verb == "HELO":
                self.reply("250 fake.test")
            elif verb == "AUTH":
                self._auth(argument, state)
            elif verb == "MAIL":
                mail_from, rcpt_to = argument.partition(":")[2].split()[0].strip("<>"), []
                self.reply("250 OK")
            elif verb == "RCPT":
                if state.refuse_recipients:
                    self.reply("550 5.1.1 No such user here")
                else:
                    rcpt_to.append(argument.partition(":")[2].strip().strip("<>"))
                    self.reply("250 OK")
            elif verb == "DATA":
                self.reply("354 End data with <CR><LF>.<CR><LF>")
                state.received.append(Received(mail_from, rcpt_to, self._data()))
                self.reply("250 OK queued")
            elif verb in {"RSET", "NOOP"}:
                self.reply("250 OK")
            elif verb == "QUIT":
                self.reply("221 Bye")
                return
            else:
                self.reply("502 Command not implemented")

    def _auth(self, argument: str, state: ServerState) -> None:
        mechanism, _, initial = argument.partition(" ")
        if mechanism.upper() == "PLAIN":
            if not initial:
                self.reply("334 ")
                initial = self.readline()
            _, username, password = base64.b64decode(initial).decode().split("\0")
        elif mechanism.upper() == "LOGIN":
            self.reply("334 " + base64.b64encode(b"Username:").decode())
            username = base64.b64decode(self.readline()).decode()
            self.reply("334 " + base64.b64encode(b"Password:").decode())
            password = base64.b64decode(self.readline()).decode()
        else:
            self.reply("504 Unrecognized authentication type")
            return
        state.logins.append((username, password))
        if (username, password) == (state.username, state.password):
            self.reply("235 2.7.0 Authentication successful")
        else:
            self.reply("535 5.7.8 Authentication credentials invalid")

    def _data(self) -> bytes:
        lines: list[bytes] = []
        while True:
            raw = self.rfile.readline()
            if raw in {b".\r\n", b".\n", b""}:
                return b"".join(lines)
            lines.append(raw[1:] if raw.startswith(b"..") else raw)


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, state: ServerState) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.state = state


class FakeSmtpServer:
    """`with FakeSmtpServer() as server:` — listening on `server.port` until the block ends."""

    def __init__(self) -> None:
        self.state = ServerState()
        self._server = _Server(self.state)
        self.port: int = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> FakeSmtpServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
