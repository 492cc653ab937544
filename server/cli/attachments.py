"""``python -m server attachments prune``: remove the document uploads abandoned half-way.

python -m server attachments prune [--days 7] [--dry-run] [--json]

An upload is abandoned when no chunk has arrived for ``--days`` days while the document is still incomplete (a
device lost, reinstalled, or a document deleted before it was sent). Complete documents are never touched. A
device that comes back later finds the document unknown and sends it again from the start.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import Any

from server.admin.accounts import AdminError
from server.store.db import ServerDB


def _size(n: int) -> str:
    """« 5,2 Mo », « 812 Ko », « 0 octet » (French decimal comma)."""
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):.1f} Mo".replace(".", ",")
    if n >= 1024:
        return f"{n / 1024:.0f} Ko"
    return f"{n} octet{'s' if n > 1 else ''}"


def cmd_prune(open_db: Callable[[argparse.Namespace], ServerDB], args: argparse.Namespace) -> int:
    from server.engine.attachments import prune_incomplete

    if args.days < 1:
        raise AdminError("--days doit valoir au moins 1 (un envoi en cours ne doit pas être supprimé).")
    sdb = open_db(args)
    try:
        result = prune_incomplete(sdb, args.days, dry_run=args.dry_run)
    finally:
        sdb.dispose()
    if args.json:
        json.dump(result.as_dict(), sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return 0
    since = "sans nouvelle depuis plus " + ("d'un jour" if args.days == 1 else f"de {args.days} jours")
    if not result.attachments and not result.chunks:
        print(f"Aucun envoi de document abandonné ({since}).")
        return 0
    n = result.attachments
    what = f"{n} envoi{'s' if n > 1 else ''} de document abandonné{'s' if n > 1 else ''} ({since})"
    blocks = f"{result.chunks} bloc{'s' if result.chunks > 1 else ''}, {_size(result.bytes)}"
    if args.dry_run:
        print(f"Simulation : {what} serai{'en' if n > 1 else ''}t supprimé{'s' if n > 1 else ''} ({blocks}).")
    else:
        print(f"{what[0].upper()}{what[1:]} supprimé{'s' if n > 1 else ''} ({blocks} libérés).")
    return 0


def register(sub: Any, open_db: Callable[[argparse.Namespace], ServerDB]) -> None:
    a = sub.add_parser("attachments", help="contenus des documents envoyés par les postes")
    actions = a.add_subparsers(dest="attachments_command", metavar="ACTION", required=True)
    p = actions.add_parser(
        "prune",
        help="supprimer les envois de documents abandonnés en cours de route",
        description=(
            "Supprime les documents dont l'envoi n'a jamais été terminé et n'a plus progressé depuis N jours, "
            "avec leurs blocs. Les documents complets ne sont jamais supprimés ; un poste qui revient plus tard "
            "renvoie simplement le document depuis le début."
        ),
    )
    p.add_argument("--days", type=int, default=7, metavar="N", help="jours sans nouveau bloc (défaut : 7)")
    p.add_argument("--dry-run", action="store_true", help="simuler : compter sans rien supprimer")
    p.add_argument("--json", action="store_true", help="sortie JSON")
    p.set_defaults(func=lambda args: cmd_prune(open_db, args))
