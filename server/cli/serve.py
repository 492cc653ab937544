"""``python -m server [serve]``: run the API with uvicorn.

python -m server [serve] [--database URL] [--host 127.0.0.1] [--port 8765] [--log-level warning]
                        [--min-client-version X.Y.Z]
                        [--smtp smtp://HÔTE:PORT --smtp-from ADRESSE] [--sms-url URL]

Reminders (ADR 0036): ``--smtp`` (``smtp://``, ``smtp+starttls://[UTILISATEUR@]HÔTE:587``, ``smtps://``; the
password in ``FILROUGE_SMTP_PASSWORD``) with ``--smtp-from`` sends them by e-mail; ``--sms-url`` (the token in
``FILROUGE_SMS_TOKEN``) by SMS. Without them reminders wait on the server.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from typing import Any

from server import MIN_CLIENT_VERSION
from server.store.db import ServerDB


def safe_url(url: str) -> str:
    """The database URL without its password, for messages."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def reminder_senders(args: argparse.Namespace) -> dict[str, Any]:
    """The senders of ``--smtp``/``--smtp-from`` and ``--sms-url`` (SenderConfigError, in French, otherwise)."""
    from server.engine.reminders import senders as s

    out: dict[str, Any] = {}
    if args.smtp or args.smtp_from:
        if not (args.smtp and args.smtp_from):
            raise s.SenderConfigError(
                "--smtp et --smtp-from vont ensemble (serveur SMTP et adresse d'expéditeur)."
            )
        out["courriel"] = s.SmtpSender.from_url(
            args.smtp, args.smtp_from, os.environ.get(s.SMTP_PASSWORD_ENV, "")
        )
    if args.sms_url:
        out["sms"] = s.SmsGateway.from_url(args.sms_url, os.environ.get(s.SMS_TOKEN_ENV, ""))
    return out


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from server.api.app import create_app

    senders = reminder_senders(args)
    app = create_app(args.database, min_client_version=args.min_client_version, senders=senders)
    print(
        f"Serveur Fil rouge sur http://{args.host}:{args.port} (base : {safe_url(args.database)})",
        flush=True,
    )
    worker = app.state.reminders
    print(f"Rappels : {worker.describe()}." if worker else "Rappels : aucun envoi configuré (--smtp, --sms-url).",
          flush=True)  # fmt: skip
    uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level, workers=1)
    return 0


def register(sub: Any, open_db: Callable[[argparse.Namespace], ServerDB]) -> None:
    s = sub.add_parser("serve", help="lancer le serveur (défaut)")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=8765)
    s.add_argument("--log-level", default="warning")
    s.add_argument(
        "--min-client-version",
        default=MIN_CLIENT_VERSION,
        metavar="X.Y.Z",
        help=f"version minimale de l'application annoncée aux postes (défaut : {MIN_CLIENT_VERSION})",
    )
    s.add_argument(
        "--smtp", metavar="URL", help="serveur SMTP des rappels (smtp://HÔTE:PORT, smtp+starttls://…)"
    )
    s.add_argument("--smtp-from", metavar="ADRESSE", help="adresse d'expéditeur des rappels par courriel")
    s.add_argument("--sms-url", metavar="URL", help="passerelle SMS des rappels (jeton : FILROUGE_SMS_TOKEN)")
    s.set_defaults(func=cmd_serve)
