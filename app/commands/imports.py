"""``python -m app import orientations FILE``: import the département's monthly orientation list (CSV)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from app.commands._context import CommandContext, add_json_flag, print_json
from app.models.orientation_list.report import ImportReport
from app.services.imports.service import import_orientations


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("import", help="importer une liste du département")
    kinds = p.add_subparsers(dest="import_kind", metavar="TYPE", required=True)
    o = kinds.add_parser(
        "orientations",
        help="liste mensuelle d'orientation (CSV ; ou , — UTF-8 ou Windows-1252)",
        description=(
            "Importe la liste d'orientation : crée ou met à jour les personnes et leurs orientations, "
            "sans s'arrêter aux lignes invalides. Code de sortie : 0 si toutes les lignes sont passées, "
            "1 si certaines ont été rejetées ou sont des doublons possibles (les autres sont enregistrées), "
            "2 si le fichier est refusé (ou si le compte rendu ne peut pas être écrit : rien n'est importé)."
        ),
    )
    o.add_argument("file", type=Path, metavar="FICHIER", help="le fichier CSV reçu du département")
    add_json_flag(o)
    o.add_argument(
        "--report", type=Path, metavar="CSV", help="écrire le compte rendu ligne par ligne (CSV ;)"
    )
    o.add_argument(
        "--column-map", type=Path, metavar="YAML", help="correspondance des colonnes du département"
    )
    o.add_argument("--dry-run", action="store_true", help="simuler : tout vérifier sans rien enregistrer")
    o.set_defaults(func=cmd_import_orientations)


def cmd_import_orientations(args: argparse.Namespace, ctx: CommandContext) -> int:
    vault = ctx.open_vault()
    report = import_orientations(
        vault.db, args.file, column_map=args.column_map, dry_run=args.dry_run, report_path=args.report
    )  # the report is written before the commit: if it cannot be, nothing is imported (one French line)
    if args.json:
        print_json(report.as_dict())
    else:
        _print_text(report)
    if report.duplicates and not args.json:
        print(
            f"{report.duplicates} doublon(s) possible(s) : à examiner dans « Doublons possibles » "
            "(python -m app duplicates)."
        )
    return 1 if report.rejected or report.duplicates else 0


def _print_text(report: ImportReport) -> None:
    print("\n".join(report.text_lines()))
    sys.stdout.flush()
