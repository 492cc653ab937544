"""How the département server sends reminders (ADR 0036): by e-mail through the département's SMTP server, by
SMS through a gateway reached over HTTP with a token. Each sender turns every failure into a :class:`SendError`
with a French reason and whether trying again later may help (``transient``); nothing else escapes.

Configuration comes from ``python -m server serve``: ``--smtp URL`` (``smtp://HÔTE:PORT``, ``smtp+starttls://
[UTILISATEUR@]HÔTE:587`` or ``smtps://[UTILISATEUR@]HÔTE:465``; the password in ``FILROUGE_SMTP_PASSWORD``, never in
the URL), ``--smtp-from ADRESSE``, ``--sms-url URL`` and the gateway's token in ``FILROUGE_SMS_TOKEN``.
"""

from __future__ import annotations

import json
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any, Protocol
from urllib.parse import unquote, urlsplit

import httpx

from app.models.reminders import email_address
from app.models.text import clean_text
from server.admin.accounts import AdminError

SMTP_PASSWORD_ENV = "FILROUGE_SMTP_PASSWORD"
SMS_TOKEN_ENV = "FILROUGE_SMS_TOKEN"
TIMEOUT_S = 20.0
_SCHEMES = {"smtp": (25, None), "smtp+starttls": (587, "starttls"), "smtps": (465, "tls")}
SMTP_USAGE = "attendu : smtp://HÔTE:PORT, smtp+starttls://UTILISATEUR@HÔTE:587 ou smtps://HÔTE:465"


class SenderConfigError(AdminError):
    """The SMTP server or the SMS gateway is configured wrongly (French message, the server does not start)."""


class SendError(Exception):
    """A message did not leave; ``reason`` is French, ``transient``: trying again later may work."""

    def __init__(self, reason: str, *, transient: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.transient = transient


class Sender(Protocol):
    channel: str

    def describe(self) -> str: ...

    def send(self, to: str, subject: str, text: str, reference: str) -> None: ...


@dataclass(frozen=True)
class SmtpSender:
    """E-mail through the département's SMTP server (STARTTLS or TLS and login optional)."""

    host: str
    port: int
    sender: str
    security: str | None = None  # None, "starttls", "tls"
    user: str = ""
    password: str = ""
    channel: str = "courriel"

    @classmethod
    def from_url(cls, url: str, sender: str, password: str = "") -> SmtpSender:
        """Parse ``--smtp`` and ``--smtp-from``; SenderConfigError naming the problem otherwise."""
        try:
            parts = urlsplit(url.strip())
            port = parts.port
        except ValueError:
            raise SenderConfigError(f"Adresse SMTP invalide : « {url} » ({SMTP_USAGE}).") from None
        if parts.scheme not in _SCHEMES or not parts.hostname or parts.path not in ("", "/") or parts.query:
            raise SenderConfigError(f"Adresse SMTP invalide : « {url} » ({SMTP_USAGE}).")
        if parts.password:
            raise SenderConfigError(
                f"Ne mettez pas le mot de passe SMTP dans l'adresse : donnez-le dans la variable {SMTP_PASSWORD_ENV}."
            )
        if email_address(sender) is None:
            raise SenderConfigError(f"Adresse d'expéditeur invalide : « {sender} » (--smtp-from).")
        default_port, security = _SCHEMES[parts.scheme]
        user = unquote(parts.username or "")
        if user and not password:
            raise SenderConfigError(
                f"L'utilisateur SMTP « {user} » est donné sans mot de passe : renseignez {SMTP_PASSWORD_ENV}."
            )
        return cls(parts.hostname, port or default_port, sender.strip(), security, user, password)

    def describe(self) -> str:
        how = {"starttls": " (STARTTLS)", "tls": " (TLS)"}.get(self.security or "", "")
        return f"courriel par {self.host}:{self.port}{how}, expéditeur {self.sender}"

    def send(self, to: str, subject: str, text: str, reference: str) -> None:
        msg = EmailMessage()
        msg["From"] = self.sender
        msg["To"] = to
        msg["Subject"] = subject
        msg["Date"] = formatdate(localtime=True)
        msg["Message-ID"] = f"<rappel-{reference}@fil-rouge>"  # one id per reminder: a replay is recognisable
        msg.set_content(text)
        try:
            self._deliver(msg)
        except smtplib.SMTPRecipientsRefused:
            raise SendError("adresse refusée par le serveur de messagerie", transient=False) from None
        except smtplib.SMTPAuthenticationError:
            raise SendError("identifiants refusés par le serveur de messagerie", transient=True) from None
        except smtplib.SMTPNotSupportedError:
            raise SendError("le serveur de messagerie ne propose pas STARTTLS", transient=True) from None
        except smtplib.SMTPResponseException as exc:
            permanent = 500 <= exc.smtp_code < 600
            raise SendError(
                f"refus du serveur de messagerie (code {exc.smtp_code})", transient=not permanent
            ) from None
        except (smtplib.SMTPException, OSError, ssl.SSLError):
            raise SendError("serveur de messagerie injoignable", transient=True) from None

    def _deliver(self, msg: EmailMessage) -> None:
        context = ssl.create_default_context()
        if self.security == "tls":
            client: smtplib.SMTP = smtplib.SMTP_SSL(self.host, self.port, timeout=TIMEOUT_S, context=context)
        else:
            client = smtplib.SMTP(self.host, self.port, timeout=TIMEOUT_S)
        with client:
            client.ehlo()
            if self.security == "starttls":
                client.starttls(context=context)
                client.ehlo()
            if self.user:
                client.login(self.user, self.password)
            client.send_message(msg)


@dataclass(frozen=True)
class SmsGateway:
    """SMS through an HTTP gateway: ``POST URL`` with ``{"to", "text", "reference"}`` as JSON and the token as a
    bearer; a 2xx answer carrying a JSON object means the gateway took the message."""

    url: str
    token: str
    transport: httpx.BaseTransport | None = None
    channel: str = "sms"

    @classmethod
    def from_url(cls, url: str, token: str) -> SmsGateway:
        parts = urlsplit(url.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise SenderConfigError(
                f"Adresse de la passerelle SMS invalide : « {url} » (attendu : https://…)."
            )
        if not token.strip():
            raise SenderConfigError(
                f"Jeton de la passerelle SMS manquant : renseignez la variable {SMS_TOKEN_ENV}."
            )
        return cls(url.strip(), token.strip())

    def describe(self) -> str:
        parts = urlsplit(self.url)
        return f"SMS par {parts.scheme}://{parts.hostname}{':' + str(parts.port) if parts.port else ''}"

    def send(self, to: str, subject: str, text: str, reference: str) -> None:
        body = {"to": to, "text": text, "reference": reference}
        headers = {"Authorization": f"Bearer {self.token}"}
        try:
            with httpx.Client(transport=self.transport, timeout=TIMEOUT_S) as client:
                answer = client.post(self.url, json=body, headers=headers)
        except httpx.HTTPError:
            raise SendError("passerelle SMS injoignable", transient=True) from None
        code = answer.status_code
        if code in (401, 403):
            raise SendError("jeton refusé par la passerelle SMS", transient=True)
        if code == 429 or code >= 500:
            raise SendError(f"passerelle SMS indisponible (HTTP {code})", transient=True)
        if not 200 <= code < 300:
            raise SendError(
                f"message refusé par la passerelle SMS (HTTP {code}{_why(answer)})", transient=False
            )
        try:
            data: Any = answer.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            data = None
        if not isinstance(data, dict):
            raise SendError(
                "réponse illisible de la passerelle SMS : envoi incertain, non renouvelé", transient=False
            )


def _why(answer: httpx.Response) -> str:
    """The gateway's own short reason, when it gives one as text in JSON (cleaned, cut)."""
    try:
        data = answer.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return ""
    reason = data.get("error") or data.get("message") if isinstance(data, dict) else None
    if not isinstance(reason, str) or not reason.strip():
        return ""
    return " : " + " ".join(clean_text(reason).split())[:120]
