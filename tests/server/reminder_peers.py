"""The département's peers of the reminder tests, real and on loopback: an SMTP server (aiosmtpd) keeping the
messages it received, and an SMS gateway (an HTTP server) keeping the requests and answering as told."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller

from tests.sync.harness import free_port


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.refuse: set[str] = set()  # recipients answered « 550 »
        self.logins: list[str] = []

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any
    ) -> str:
        if address in self.refuse:
            return "550 5.1.1 Destinataire inconnu"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        msg = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(msg, EmailMessage)
        self.messages.append(msg)
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 Message accepted for delivery"


@contextmanager
def smtp_server(
    *, tls: tuple[Any, Any] | None = None, login: tuple[str, str] | None = None
) -> Iterator[tuple[_Inbox, int]]:
    """A real SMTP server on 127.0.0.1: (its inbox, its port). ``tls``: (certificate chain, key) files — the
    server then requires STARTTLS; ``login``: (user, password) it requires (AUTH after STARTTLS)."""
    inbox = _Inbox()
    port = free_port()
    extra: dict[str, Any] = {}
    if tls is not None:
        import ssl

        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(str(tls[0]), str(tls[1]))
        extra.update(tls_context=context, require_starttls=True)
    if login is not None:
        from aiosmtpd.smtp import AuthResult

        def authenticator(
            _server: Any, _session: Any, _envelope: Any, mechanism: str, data: Any
        ) -> AuthResult:
            ok = data.login.decode() == login[0] and data.password.decode() == login[1]
            inbox.logins.append(data.login.decode())
            return AuthResult(success=ok, handled=False)

        extra.update(authenticator=authenticator, auth_require_tls=tls is not None)
    controller = Controller(inbox, hostname="127.0.0.1", port=port, **extra)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


@dataclass
class Gateway:
    """What the SMS gateway received, and what it answers next (status, raw body)."""

    url: str = ""
    requests: list[dict[str, Any]] = field(default_factory=list)
    answers: list[tuple[int, bytes]] = field(default_factory=list)
    token: str = "jeton-de-test"


@contextmanager
def sms_gateway() -> Iterator[Gateway]:
    """A real HTTP server on 127.0.0.1 playing the SMS gateway: it checks the bearer token, records each
    request, and answers the next queued answer (default 200 ``{"id": …}``)."""
    gw = Gateway()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            size = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(size)
            body: Any
            try:
                body = json.loads(raw)
            except ValueError:
                body = raw
            gw.requests.append({"auth": self.headers.get("Authorization"), "body": body})
            if self.headers.get("Authorization") != f"Bearer {gw.token}":
                status, data = 401, b'{"error": "jeton"}'
            elif gw.answers:
                status, data = gw.answers.pop(0)
            else:
                status, data = 200, json.dumps({"id": f"sms-{len(gw.requests)}"}).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    gw.url = f"http://127.0.0.1:{httpd.server_address[1]}/sms"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield gw
    finally:
        httpd.shutdown()
        httpd.server_close()
