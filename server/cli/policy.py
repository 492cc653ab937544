"""``python -m server policy [--departement lecture|ecriture]``: who may write what (ADR 0010), and the one
setting of it: whether the département role (``admin`` users) may write in the caseloads or only read them."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from server.engine.authorise import DEPARTEMENT_WRITES, departement_writes
from server.store.db import ServerDB, set_meta

RULES = (
    ("référent", "écrit dans sa file active (ses personnes et tout leur dossier)",
     "confie une personne à son équipe (à son responsable d'équipe)"),
    ("responsable d'équipe", "écrit dans les files actives des référents de son équipe",
     "attribue une personne de l'équipe à un référent de l'équipe"),
    ("département", "lit tout le département, et n'y écrit que si le serveur le permet",
     "attribue alors n'importe quelle personne à n'importe quel référent"),
)  # fmt: skip


def cmd_policy(open_db: Callable[[argparse.Namespace], ServerDB], args: argparse.Namespace) -> int:
    sdb = open_db(args)
    try:
        with sdb.write() as conn:
            if args.departement is not None:
                set_meta(conn, DEPARTEMENT_WRITES, "1" if args.departement == "ecriture" else "0")
            writes = departement_writes(conn)
    finally:
        sdb.dispose()
    for role, scope, reassign in RULES:
        print(f"{role} : {scope} ; {reassign}.")
    print("Chacun ne modifie que sa propre fiche de l'annuaire (coordonnées).")
    print(f"Rôle département : {'lecture et écriture' if writes else 'lecture seule'}.")
    return 0


def register(sub: Any, open_db: Callable[[argparse.Namespace], ServerDB]) -> None:
    p = sub.add_parser("policy", help="droits d'écriture par rôle ; réglage du rôle département")
    p.add_argument(
        "--departement",
        choices=["lecture", "ecriture"],
        default=None,
        help="le rôle département (admin) lit seulement, ou écrit aussi dans les dossiers",
    )
    p.set_defaults(func=lambda args: cmd_policy(open_db, args))
