"""``python -m server audit [--since DATE] [--kind K] [--limit N] [--json]``: the server's audit log.

Refused and malformed ops, failed authentications and enrolments, enrolments, reassignments, refusals
transmitted to a team leader — with when, which device and user, from which address, and why.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from server.admin import audit
from server.store.db import ServerDB, utcnow


def since_arg(text: str) -> datetime:
    """``--since``: 2026-12-01, 2026-12-01T08:30, or a number of days (7 = the last 7 days)."""
    if text.isdigit():
        return utcnow() - timedelta(days=int(text))
    try:
        return datetime.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(
            f"« {text} » : date attendue (AAAA-MM-JJ, AAAA-MM-JJTHH:MM) ou nombre de jours."
        ) from exc


def _line(e: audit.AuditEntry) -> str:
    who = e.login or (e.device_id[:8] if e.device_id else "-")
    what = f" {e.table_name}/{e.row_id[:8]}" if e.table_name and e.row_id else ""
    where = f" [{e.address}]" if e.address else ""
    detail = f" — {e.detail}" if e.detail else ""
    return f"{e.at:%d/%m/%Y %H:%M:%S}  {e.label:<32} {who}{where}{what}{detail}"


def cmd_audit(open_db: Callable[[argparse.Namespace], ServerDB], args: argparse.Namespace) -> int:
    sdb = open_db(args)
    try:
        found = audit.entries(sdb, since=args.since, kinds=args.kind or None, limit=args.limit)
    finally:
        sdb.dispose()
    if args.json:
        json.dump([e.as_dict() for e in found], sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return 0
    if not found:
        print("Aucun événement dans le journal d'audit" + (" sur cette période." if args.since else "."))
        return 0
    for e in found:
        print(_line(e))
    return 0


def register(sub: Any, open_db: Callable[[argparse.Namespace], ServerDB]) -> None:
    p = sub.add_parser(
        "audit",
        help="journal d'audit : refus, échecs d'authentification et d'enrôlement, réaffectations",
        description="Affiche le journal d'audit du serveur, du plus ancien au plus récent.",
    )
    p.add_argument("--since", type=since_arg, default=None, help="depuis cette date (ou ce nombre de jours)")
    p.add_argument(
        "--kind", action="append", choices=sorted(audit.KINDS), help="seulement ce type (répétable)"
    )
    p.add_argument(
        "--limit", type=int, default=1000, help="au plus N événements, les plus récents (défaut 1000)"
    )
    p.add_argument("--json", action="store_true", help="sortie JSON")
    p.set_defaults(func=lambda args: cmd_audit(open_db, args))
