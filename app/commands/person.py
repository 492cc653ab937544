"""``python -m app person show ID [--json]``: a person's whole file, as the timeline of what happened."""

from __future__ import annotations

import argparse
from typing import Any

from app.commands._context import CommandContext, add_json_flag, print_json
from app.services.casefile import timeline
from app.services.casefile.overview import record_view
from app.services.people import identity as people
from app.services.people.identity import PersonView


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("person", help="consulter le dossier d'une personne")
    actions = p.add_subparsers(dest="person_command", required=True, metavar="ACTION")
    show = actions.add_parser("show", help="le dossier complet, dans l'ordre chronologique")
    show.add_argument("person_id", metavar="ID", help="identifiant de la personne")
    show.add_argument(
        "--kind",
        action="append",
        choices=timeline.TIMELINE_KINDS,
        help="ne garder que ce type d'événement (répétable)",
    )
    add_json_flag(show)
    show.set_defaults(func=cmd_show)


def _identity(p: PersonView) -> dict[str, Any]:
    return {
        "id": p.id,
        "civility": p.civility,
        "first_name": p.first_name,
        "last_name": p.last_name,
        "birth_date": p.birth_date,
        "nir": p.nir_masked,
        "caf_number": p.caf_number,
        "address": " ".join(x for x in (p.address_line, p.postal_code, p.city) if x),
        "regime": p.regime,
        "status": p.status,
        "last_contact_date": p.last_contact_date,
    }


def _item(i: timeline.TimelineItem) -> dict[str, Any]:
    return {"at": i.at, "kind": i.kind, "kind_label": i.kind_label, "title": i.title, "detail": i.detail,
            "object_id": i.object_id}  # fmt: skip


def cmd_show(args: argparse.Namespace, ctx: CommandContext) -> int:
    db = ctx.open_vault().db
    person = people.get_person(db, args.person_id)
    items = timeline.timeline(db, person.id, kinds=args.kind)
    record_view(db, person.id)
    if args.json:
        print_json({"person": _identity(person), "timeline": [_item(i) for i in items]})
        return 0
    born = f", né(e) le {person.birth_date:%d/%m/%Y}" if person.birth_date else ""
    print(f"{person.last_name.upper()} {person.first_name}{born}")
    if person.caf_number:
        print(f"N° allocataire : {person.caf_number}")
    print()
    if not items:
        print("Aucun événement enregistré.")
        return 0
    for i in items:
        when = (
            i.at.strftime("%d/%m/%Y %H:%M") if i.at.time() != i.at.min.time() else i.at.strftime("%d/%m/%Y")
        )
        print(f"{when:<16}  {i.kind_label:<23} {i.title}")
        if i.detail:
            print(f"{'':<42}{i.detail}")
    print(f"\n{len(items)} événement(s).")
    return 0
