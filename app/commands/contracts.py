"""``python -m app contracts [--json] [--person ID] [--pdf CONTRACT_ID --out FILE]``: contracts and their state."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from app.commands._context import CommandContext, add_json_flag, print_json
from app.services.contracts import views
from app.services.contracts.document import render_pdf
from app.services.errors import ValidationError
from app.services.people.identity import current_actor


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("contracts", help="lister les contrats (CER / contrat d'engagement) et leur état")
    p.add_argument("--person", default=None, help="identifiant de la personne (sinon : tous les contrats)")
    p.add_argument("--pdf", default=None, metavar="CONTRACT_ID", help="éditer le PDF de ce contrat")
    p.add_argument("--out", default=None, help="fichier PDF à écrire (avec --pdf)")
    add_json_flag(p)
    p.set_defaults(func=cmd_contracts)


def _row(item: views.PersonContract) -> dict[str, Any]:
    c = item.contract
    return {
        "id": c.id,
        "person_id": item.person_id,
        "person": item.person_name,
        "number": c.number,
        "kind": c.kind,
        "status": c.status,
        "status_label": c.status_label,
        "start_date": c.start_date,
        "end_date": c.end_date,
        "duration_months": c.duration_months,
        "version": c.current_version,
        "is_renewal": c.is_renewal,
        "amends_contract_id": c.amends_id,
        "amendment_no": c.amendment_no,
        "title": c.title,
        "out_of_law_from": c.out_of_law_from,
        "rules_version": c.rules_version,
        "signed_on": c.signed_on,
        "events": [{"to": e.to_status, "at": e.at, "author": e.author} for e in c.events],
    }


def cmd_contracts(args: argparse.Namespace, ctx: CommandContext) -> int:
    vault = ctx.open_vault()
    if args.pdf:
        if not args.out:
            raise ValidationError("Indiquez le fichier à écrire : --out contrat.pdf")
        data = render_pdf(vault.db, args.pdf, actor=current_actor(vault.db), out=Path(args.out))
        print(f"PDF écrit : {args.out} ({len(data) // 1024} Ko).")
        return 0
    items = views.all_contracts(vault.db, args.person)
    if args.json:
        print_json([_row(i) for i in items])
        return 0
    if not items:
        print("Aucun contrat.")
        return 0
    for i in items:
        c = i.contract
        period = (
            f"{c.start_date:%d/%m/%Y} → {c.end_date:%d/%m/%Y}"
            if c.start_date and c.end_date
            else "dates à fixer"
        )
        notes = []
        if c.amendment_no:
            notes.append(f"avenant n° {c.amendment_no}")
        if c.out_of_law_from:
            notes.append(f"hors délai légal à partir du {c.out_of_law_from:%d/%m/%Y}")
        note = f"  ({', '.join(notes)})" if notes else ""
        print(
            f"{c.id}  {i.person_name:<26} {c.kind.upper():<3} {c.number:<20} {c.status_label:<12} {period}"
            f"  v{c.current_version}{note}"
        )
    print(f"{len(items)} contrat(s).")
    return 0
