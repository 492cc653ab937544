"""``python -m app caseload [--json]``: the active caseload, one line per person, ordered by name."""

from __future__ import annotations

import argparse
from pathlib import Path

from app.commands._context import CommandContext, add_json_flag, print_json
from app.services.people import caseload
from app.services.people.identity import current_actor
from app.services.reporting import lists


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("caseload", help="lister la file active (nom, n° allocataire, parcours, échéance)")
    p.add_argument("--search", default="", help="filtrer par nom, n° allocataire ou commune")
    p.add_argument("--sort", choices=caseload.SORT_KEYS, default="name", help="ordre de la liste")
    p.add_argument(
        "--out", type=Path, default=None, metavar="FICHIER", help="écrire la liste en .csv ou .xlsx (audité)"
    )
    add_json_flag(p)
    p.set_defaults(func=cmd_caseload)


def _due(row: caseload.CaseloadRow) -> dict[str, str] | None:
    d = row.next_due
    if d is None:
        return None
    return {"label": d.label, "due": d.due.isoformat(), "state": str(d.state), "rule": d.rule_id}


def cmd_caseload(args: argparse.Namespace, ctx: CommandContext) -> int:
    vault = ctx.open_vault()
    rows = caseload.list_rows(vault.db, caseload.CaseloadQuery(search=args.search, sort=args.sort))
    if args.out is not None:
        count = lists.export_caseload(vault.db, rows, args.out, actor=current_actor(vault.db))
        print(f"File active écrite : {args.out} ({count} personne(s)).")
        return 0
    if args.json:
        print_json(
            [
                {
                    "id": r.id,
                    "last_name": r.last_name,
                    "first_name": r.first_name,
                    "caf_number": r.caf_number,
                    "referent": r.referent,
                    "track": r.track,
                    "next_deadline": _due(r),
                }
                for r in rows
            ]
        )
        return 0
    if not rows:
        print("Aucune personne dans la file active.")
        return 0
    for r in rows:
        due = (
            f"{r.next_due.state_label} {r.next_due.due:%d/%m/%Y} — {r.next_due.label}" if r.next_due else "—"
        )
        name = f"{r.last_name.upper()} {r.first_name}"
        print(
            f"{r.id}  {name:<28} {r.caf_number:<8} {r.referent or '—':<22} {r.track_label or '—':<20} {due}"
        )
    print(f"{len(rows)} personne(s).")
    return 0
