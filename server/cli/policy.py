"""``python -m server policy [--departement lecture|ecriture] [--partage ROLE=ACCES …]``: who may write what
(ADR 0010) and its settings: whether the département role (``admin`` users) may write in the caseloads or only
read them, and the most a co-accompanying professional gets on a shared file, per role (ADR 0052)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any

from app.models.coaccompaniment import LEVEL_LABELS, PolicyError, policy_change
from app.models.vocabularies.loader import load_vocabularies
from server.engine import shares
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
    try:
        changes = policy_change(args.partage or [])
    except PolicyError as exc:
        print(f"Réglage refusé : {exc}", file=sys.stderr)
        return 2
    sdb = open_db(args)
    try:
        with sdb.write() as conn:
            if args.departement is not None:
                set_meta(conn, DEPARTEMENT_WRITES, "1" if args.departement == "ecriture" else "0")
            writes = departement_writes(conn)
            sharing = shares.set_policy(conn, changes) if changes else shares.load_policy(conn)
    finally:
        sdb.dispose()
    for role, scope, reassign in RULES:
        print(f"{role} : {scope} ; {reassign}.")
    print("Chacun ne modifie que sa propre fiche de l'annuaire (coordonnées).")
    print(f"Rôle département : {'lecture et écriture' if writes else 'lecture seule'}.")
    _print_sharing(sharing)
    return 0


def _print_sharing(policy: dict[str, str]) -> None:
    vocab = load_vocabularies()
    print(
        "Co-accompagnement (au plus, selon le rôle ; le référent peut demander moins) : "
        + " ; ".join(
            f"{vocab.label('co_roles', role)} : {LEVEL_LABELS[level]}" for role, level in policy.items()
        )
        + "."
    )
    print(
        "Un professionnel en co-accompagnement n'écrit jamais l'identité, l'orientation, le référent, les "
        "contrats, les sanctions, les sorties ni les partages du dossier."
    )


def register(sub: Any, open_db: Callable[[argparse.Namespace], ServerDB]) -> None:
    p = sub.add_parser("policy", help="droits d'écriture par rôle ; réglage du rôle département")
    p.add_argument(
        "--departement",
        choices=["lecture", "ecriture"],
        default=None,
        help="le rôle département (admin) lit seulement, ou écrit aussi dans les dossiers",
    )
    p.add_argument(
        "--partage",
        action="append",
        metavar="ROLE=ACCES",
        help="co-accompagnement : accès au plus d'un rôle (cip, travailleur_social, conseiller_france_travail, "
        "partenaire) = aucun, lecture ou ecriture ; répétable",
    )
    p.set_defaults(func=lambda args: cmd_policy(open_db, args))
