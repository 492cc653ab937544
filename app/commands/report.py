"""``python -m app report``: the activity indicators of a period (headless, scriptable).

``report --period 2026-10`` prints a French table; ``--json`` the same figures for scripts
(``Report.as_dict``: numbers as numbers); ``--out FILE.csv|.xlsx|.pdf`` writes the report by extension
(audited as an export). Default period: the previous month.
"""

from __future__ import annotations

import argparse
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from app.commands._context import CommandContext, add_json_flag, print_json
from app.services.errors import ValidationError
from app.services.people.identity import current_actor
from app.services.reporting import export, formatting

if TYPE_CHECKING:
    from app.models.indicators.period import Period
    from app.models.indicators.results import Report
    from app.services.storage.db import Database

_LABEL_WIDTH = 58


def previous_month(today: date | None = None) -> str:
    """« 2026-10 » on any day of November 2026."""
    last = (today or date.today()).replace(day=1) - timedelta(days=1)
    return f"{last:%Y-%m}"


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("report", help="indicateurs d'activité d'une période (tableau, JSON, CSV, Excel, PDF)")
    add_json_flag(p)
    p.add_argument(
        "--period",
        default=None,
        metavar="PÉRIODE",
        help="mois AAAA-MM, trimestre AAAA-T1…T4 ou année AAAA (défaut : le mois précédent)",
    )
    p.add_argument(
        "--out",
        type=Path,
        default=None,
        metavar="FICHIER",
        help="écrire le rapport dans un fichier .csv, .xlsx ou .pdf (selon l'extension)",
    )
    p.add_argument("--referent", default=None, metavar="ID", help="limiter à la file active d'un référent")
    p.add_argument(
        "--people",
        default=None,
        metavar="INDICATEUR[:CODE]",
        help="les personnes derrière un indicateur (sa clé, voir --json ; CODE : une ligne d'une répartition), "
        "avec --out FICHIER.csv|.xlsx (audité par personne)",
    )
    p.set_defaults(func=cmd_report)


def _dots(label: str, value: str, width: int = _LABEL_WIDTH) -> str:
    if len(label) > width - 2:
        label = label[: width - 3] + "…"
    return f"  {label} {'.' * max(2, width - len(label) - 1)} {value}"


def print_table(report: Report) -> None:
    from app.services.reporting.layout import report_title

    print(report_title(report))
    print(f"Périmètre : {report.scope} — calculé le {report.generated_at:%d/%m/%Y à %H:%M}")
    if not report.figures and not report.breakdowns:
        print("Aucun indicateur pour cette période.")
    for section, figures in formatting.sections(report.figures):
        print(f"\n{section}")
        for f in figures:
            ratio = formatting.ratio_text(f)
            print(_dots(f.label, formatting.format_value(f) + (f"  ({ratio})" if ratio else "")))
    for b in report.breakdowns:
        print(f"\n{b.label}")
        if not b.rows:
            print("  (aucun)")
        for _code, label, count in b.rows:
            print(_dots(str(label), formatting.fr_number(count)))


def _people(args: argparse.Namespace, db: Database, period: Period) -> int:
    """``--people KEY[:CODE]``: the list behind a figure, written with ``--out`` or printed."""
    from app.services.reporting import indicators

    key, _, code = args.people.partition(":")
    lines = indicators.people_behind(db, period, key, referent_id=args.referent, code=code or None)
    if args.out is None:
        if args.json:
            print_json([{"person_id": p.person_id, "last_name": p.last_name, "first_name": p.first_name,
                         "caf_number": p.caf_number, "commune": p.commune, "detail": p.detail} for p in lines])  # fmt: skip
        else:
            for p in lines:
                print(
                    f"{p.last_name.upper()} {p.first_name:<20} {p.caf_number:<8} {p.commune:<20} {p.detail}"
                )
            print(f"{len(lines)} ligne(s).")
        return 0
    subject = f"{key}{' : ' + code if code else ''} — {period.label}"
    count = export.export_people(db, lines, args.out, actor=current_actor(db), subject=subject)
    print(f"Liste écrite ({subject}) : {args.out} ({count} personne(s)).")
    return 0


def cmd_report(args: argparse.Namespace, ctx: CommandContext) -> int:
    from app.services.reporting import indicators

    period = indicators.parse_period(args.period or previous_month())
    formats = export.PEOPLE_FORMATS if args.people is not None else export.REPORT_FORMATS
    if args.out is not None and args.out.suffix.lower() not in formats:
        raise ValidationError(
            f"Format de fichier « {args.out.suffix or args.out.name} » non pris en charge "
            f"(extensions possibles : {', '.join(formats)})."
        )
    db = ctx.open_vault().db
    if args.people is not None:
        return _people(args, db, period)
    report = indicators.compute(db, period, referent_id=args.referent)
    if args.out is not None:
        count = export.export_report(db, report, args.out, actor=current_actor(db))
        unit = ("page", "pages") if args.out.suffix.lower() == ".pdf" else ("ligne", "lignes")
        print(f"Rapport écrit ({period.label}) : {args.out} ({count} {unit[0] if count <= 1 else unit[1]}).")
        return 0
    if args.json:
        print_json(report.as_dict())
    else:
        print_table(report)
    return 0
