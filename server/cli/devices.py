"""``python -m server device …``: enrolment codes, revocation, retirement, the list of devices.

python -m server device code --user LOGIN [--days 7]
python -m server device revoke ID | retire ID | activate ID | list
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from server.admin.accounts import (
    AdminError,
    check_code_days,
    list_devices,
    new_enrolment_code,
    set_device_status,
)
from server.store.db import ServerDB

STATUS_LABELS = {
    "revoked": "révoqué (effacement au prochain contact)",
    "retiring": "en retrait (envoi puis effacement)",
    "active": "réactivé",
}


def register(sub: Any, open_db: Callable[[argparse.Namespace], ServerDB]) -> None:
    d = sub.add_parser("device", help="postes").add_subparsers(dest="sub", required=True)
    dc = d.add_parser("code", help="code d'enrôlement à usage unique")
    dc.add_argument("--user", required=True)
    dc.add_argument(
        "--days",
        type=code_days,
        default=7,
        metavar="N",
        help="jours de validité du code (1 à 30, défaut : 7)",
    )
    dc.set_defaults(func=lambda args: _code(open_db, args))
    for name, status in (("revoke", "revoked"), ("retire", "retiring"), ("activate", "active")):
        dr = d.add_parser(name)
        dr.add_argument("id")
        dr.set_defaults(func=lambda args: _status(open_db, args), new_status=status)
    d.add_parser("list").set_defaults(func=lambda args: _list(open_db, args))


def code_days(text: str) -> int:
    """``--days``: a whole number of days between 1 and 30 (argparse type, French message)."""
    try:
        return check_code_days(int(text))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"« {text} » n'est pas un nombre de jours.") from exc
    except AdminError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def _code(open_db: Callable[[argparse.Namespace], ServerDB], args: argparse.Namespace) -> int:
    print(new_enrolment_code(open_db(args), args.user, days=args.days))
    return 0


def _status(open_db: Callable[[argparse.Namespace], ServerDB], args: argparse.Namespace) -> int:
    set_device_status(open_db(args), args.id, args.new_status)
    print(f"Poste {args.id} {STATUS_LABELS[args.new_status]}.")
    return 0


def _list(open_db: Callable[[argparse.Namespace], ServerDB], args: argparse.Namespace) -> int:
    for d in list_devices(open_db(args)):
        print(
            f"{d['id']}  {d['login']:<16} {d['status']:<9} seq={d['next_seq'] - 1}  vu={d['last_seen_at'] or '-'}"
        )
    return 0
