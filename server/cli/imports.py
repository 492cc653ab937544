"""``python -m server import orientations FICHIER``: the département's orientation list into the server database.

Same file format, matching and report as ``python -m app import orientations`` (see resources/imports/README.md);
the changes reach the référents' devices at their next synchronisation.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from app.models.errors import FilRougeError
from server.admin.accounts import AdminError
from server.store.db import ServerDB


def register(sub: Any, open_db: Callable[[argparse.Namespace], ServerDB]) -> None:
    p = sub.add_parser("import", help="importer une liste du département dans la base du serveur")
    kinds = p.add_subparsers(dest="import_kind", metavar="TYPE", required=True)
    o = kinds.add_parser(
        "orientations",
        help="liste mensuelle d'orientation (CSV ; ou , — UTF-8 ou Windows-1252)",
        description=(
            "Importe la liste d'orientation dans la base départementale : crée ou met à jour les personnes et "
            "leurs orientations, sans s'arrêter aux lignes invalides ; les postes des référents reçoivent les "
            "changements à leur prochaine synchronisation. Code de sortie : 0 si toutes les lignes sont passées, "
            "1 si certaines ont été rejetées (les autres sont enregistrées), 2 si le fichier est refusé."
        ),
    )
    o.add_argument("file", type=Path, metavar="FICHIER", help="le fichier CSV reçu du département")
    o.add_argument("--json", action="store_true", help="sortie JSON (même forme que python -m app)")
    o.add_argument(
        "--referent",
        metavar="LOGIN",
        help="référent des personnes nouvelles dont la ligne n'en désigne aucun (identifiant d'un utilisateur)",
    )
    o.add_argument(
        "--report", type=Path, metavar="CSV", help="écrire le compte rendu ligne par ligne (CSV ;)"
    )
    o.add_argument(
        "--column-map", type=Path, metavar="YAML", help="correspondance des colonnes du département"
    )
    o.add_argument("--dry-run", action="store_true", help="simuler : tout vérifier sans rien enregistrer")

    def run(args: argparse.Namespace) -> int:
        from server.engine.imports import import_orientations_server

        try:
            report = import_orientations_server(
                open_db(args),
                args.file,
                referent_login=args.referent,
                column_map=args.column_map,
                dry_run=args.dry_run,
            )
            if args.report is not None:
                report.write_csv(args.report)
        except FilRougeError as exc:
            raise AdminError(exc.message) from exc
        except OSError as exc:
            raise AdminError(f"Le compte rendu n'a pas pu être écrit ({exc.strerror}).") from exc
        if args.json:
            json.dump(report.as_dict(), sys.stdout, ensure_ascii=False, indent=2)
            sys.stdout.write("\n")
        else:
            print("\n".join(report.text_lines()))
        sys.stdout.flush()
        return 1 if report.rejected else 0

    o.set_defaults(func=run)
