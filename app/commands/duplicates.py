"""``duplicates``: the « doublons possibles » waiting for a decision, and the decision itself, headless.

``duplicates [--json]`` lists the pairs (the NIR masked); ``duplicates different ID1 ID2`` records two
different people (never proposed again, on any device); ``duplicates merge GARDÉ FUSIONNÉ [--take CHAMP …]``
merges the second record into the first (history kept, ADR 0025).
"""

from __future__ import annotations

import argparse
from typing import Any

from app.commands._context import CommandContext, add_json_flag, print_json
from app.services.people import duplicates, merge
from app.services.people.identity import current_actor


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("duplicates", help="doublons possibles : les lister, les examiner")
    add_json_flag(p)
    p.set_defaults(func=cmd_list)
    actions = p.add_subparsers(dest="duplicates_command", metavar="ACTION")
    d = actions.add_parser("different", help="deux personnes différentes (la paire n'est plus proposée)")
    d.add_argument("first", metavar="ID1")
    d.add_argument("second", metavar="ID2")
    d.set_defaults(func=cmd_different)
    m = actions.add_parser("merge", help="même personne : fusionner le second dossier dans le premier")
    m.add_argument("kept", metavar="GARDÉ")
    m.add_argument("merged", metavar="FUSIONNÉ")
    m.add_argument(
        "--take",
        action="append",
        default=[],
        choices=sorted(duplicates.FIELD_LABELS),
        metavar="CHAMP",
        help="prendre la valeur de ce champ dans le dossier fusionné (répétable)",
    )
    m.set_defaults(func=cmd_merge)


def _side(p: duplicates.PersonSide) -> dict[str, Any]:
    return {
        "id": p.id,
        "nom": p.name,
        "valeurs": p.values,
        "referent": p.referent,
        "historique": p.history_text,
    }


def cmd_list(args: argparse.Namespace, ctx: CommandContext) -> int:
    found = duplicates.list_duplicates(ctx.open_vault().db)
    if args.json:
        print_json([{"motif": d.reason, "premier": _side(d.first), "second": _side(d.second),
                     "differences": list(d.differing)} for d in found])  # fmt: skip
        return 0
    if not found:
        print("Aucun doublon possible.")
        return 0
    for d in found:
        print(f"{d.reason} :")
        for p in (d.first, d.second):
            born = p.values.get("birth_date") or "date de naissance inconnue"
            print(
                f"  {p.id}  {p.name:<30} né(e) le {born}  n° allocataire {p.values.get('caf_number') or '—'}"
            )
        print()
    print(f"{len(found)} doublon(s) possible(s).")
    return 0


def cmd_different(args: argparse.Namespace, ctx: CommandContext) -> int:
    db = ctx.open_vault().db
    merge.declare_different(db, args.first, args.second, actor=current_actor(db))
    print("Enregistré : deux personnes différentes. Cette paire ne sera plus proposée.")
    return 0


def cmd_merge(args: argparse.Namespace, ctx: CommandContext) -> int:
    db = ctx.open_vault().db
    result = merge.merge_people(db, args.kept, args.merged, actor=current_actor(db), take=args.take)
    rows = sum(result.rows.values())
    print(f"Dossiers fusionnés : {rows} ligne(s) d'historique rattachée(s) au dossier {result.kept_id}.")
    return 0
