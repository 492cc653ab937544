"""``python -m server reminders [--json]``: where the RDV reminders stand (ADR 0036) — how many by state and
channel, the next one due, the last failures with their reason. Ids and reasons only: never an address."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select

from server.store.db import ServerDB
from server.store.tables import BUSINESS

STATES = {"a_envoyer": "à envoyer", "envoi_en_cours": "envoi en cours", "envoye": "envoyés", "echec": "en échec",
          "annule": "annulés"}  # fmt: skip


def reminders_status(sdb: ServerDB, *, failures: int = 10) -> dict[str, Any]:
    rem = BUSINESS["appointment_reminder"]
    with sdb.read() as conn:
        counts = conn.execute(
            select(rem.c.state, rem.c.channel, func.count()).where(rem.c.deleted_at.is_(None))
            .group_by(rem.c.state, rem.c.channel)
        ).all()  # fmt: skip
        next_due = conn.execute(
            select(func.min(rem.c.due_at)).where(rem.c.state == "a_envoyer", rem.c.cancelled_at.is_(None))
        ).scalar()
        failed = conn.execute(
            select(rem.c.id, rem.c.channel, rem.c.rdv_at, rem.c.failure)
            .where(rem.c.state == "echec").order_by(rem.c.updated_at.desc()).limit(failures)
        ).all()  # fmt: skip
    by_state: dict[str, dict[str, int]] = {}
    for state, channel, n in counts:
        by_state.setdefault(state, {})[channel] = int(n)
    return {
        "states": by_state,
        "next_due": next_due.isoformat(timespec="minutes") if next_due else None,
        "failures": [
            {
                "id": r.id,
                "channel": r.channel,
                "rdv_at": r.rdv_at.isoformat(timespec="minutes"),
                "reason": r.failure,
            }
            for r in failed
        ],
    }


def cmd_reminders(open_db: Callable[[argparse.Namespace], ServerDB], args: argparse.Namespace) -> int:
    st = reminders_status(open_db(args))
    if args.json:
        json.dump(st, sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
        return 0
    if not st["states"]:
        print("Aucun rappel reçu.")
        return 0
    for state, label in STATES.items():
        channels = st["states"].get(state)
        if channels:
            detail = ", ".join(
                f"{n} par {'courriel' if c == 'courriel' else 'SMS'}" for c, n in sorted(channels.items())
            )
            print(f"{label.capitalize()} : {detail}")
    if st["next_due"]:
        print(f"Prochain envoi prévu : {st['next_due'].replace('T', ' à ')}")
    for f in st["failures"]:
        print(f"  échec {f['id']} (RDV du {f['rdv_at'][:10]}) : {f['reason']}")
    return 0


def register(sub: Any, open_db: Callable[[argparse.Namespace], ServerDB]) -> None:
    p = sub.add_parser(
        "reminders", help="état des rappels de rendez-vous (par état et canal, derniers échecs)"
    )
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=lambda args: cmd_reminders(open_db, args))
