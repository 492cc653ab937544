"""``python -m app alerts``: the deadline alerts of the caseload as of a date (headless, scriptable)."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path

from app.commands._context import CommandContext, add_json_flag, iso_date, print_json
from app.models.rules.engine import Deadline
from app.services.people import alerts as alerts_service
from app.services.people import followup
from app.services.people.identity import current_actor
from app.services.reporting import lists


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("alerts", help="échéances bientôt dues ou en retard de la file active")
    add_json_flag(p)
    p.add_argument(
        "--on",
        type=iso_date,
        default=None,
        metavar="AAAA-MM-JJ",
        help="date de calcul (défaut : aujourd'hui)",
    )
    p.add_argument("--all", action="store_true", help="lister aussi les échéances « À faire »")
    p.add_argument(
        "--out",
        type=Path,
        default=None,
        metavar="FICHIER",
        help="écrire les alertes de la page Alertes en .csv ou .xlsx (audité ; --all : aussi les « Bientôt »)",
    )
    p.add_argument(
        "--rules",
        type=Path,
        default=None,
        metavar="FICHIER",
        help="fichier de surcharge départemental de la table des échéances",
    )
    p.set_defaults(func=cmd_alerts)


def _as_json(d: Deadline) -> dict[str, object]:
    return {
        "person_id": d.person_id,
        "rule_id": d.rule_id,
        "label": d.label,
        "due_date": d.due_date.isoformat(),
        "state": d.state,
        "state_label": d.state_label,
        "days_left": d.days_left,
        "from_event": d.from_event,
        "from_date": d.from_date.isoformat(),
        "legal_basis": d.legal_basis,
        "local_target": d.local_target,
        "nature": d.nature_label,
        "source": d.source,
        "rules_version": d.rules_version,
    }


def cmd_alerts(args: argparse.Namespace, ctx: CommandContext) -> int:
    on = args.on or date.today()
    rules = alerts_service.load_rules_or_fail(args.rules)
    vault = ctx.open_vault()
    if args.out is not None:
        groups = followup.alert_groups(vault.db, on, late_only=not args.all)
        count = lists.export_alerts(vault.db, groups, args.out, actor=current_actor(vault.db))
        print(f"Alertes au {on:%d/%m/%Y} écrites : {args.out} ({count} ligne(s)).")
        return 0
    result = alerts_service.caseload_deadlines(vault.db, on, rules)
    items = list(result.deadlines) if args.all else result.alerts()
    if args.json:
        print_json(
            {
                "on": on.isoformat(),
                "rules_version": result.rules_version,
                "people": result.people,
                "alerts": [_as_json(d) for d in items],
            }
        )
        return 0
    print(f"Échéances au {on:%d/%m/%Y} — {result.people} personne(s), règles {result.rules_version}")
    if not items:
        print("Aucune échéance à signaler.")
    for d in items:
        nature = "objectif" if d.local_target else "légal"
        print(
            f"{d.due_date:%d/%m/%Y}  {d.state_label:<9}  {nature:<8}  {d.person_id}  {d.rule_id:<22}  {d.label}"
        )
    return 0
