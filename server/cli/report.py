"""``python -m server report``: the département indicators of a period, as a French table or JSON.

python -m server report --period 2026-10 [--team NOM] [--organisme CODE] [--territoire 381] [--par equipe]
                        [--regles surcharge.yaml] [--json]

Counts only: no person is named in the output.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

from app.models.indicators.period import Period, parse_period_text
from app.models.indicators.results import Figure, Report, fmt_number
from server.admin.accounts import AdminError
from server.engine.indicators import GROUP_BY, Filters, department_report, grouped_reports, load_context
from server.store.db import ServerDB

WIDTH = 64


def _period(text: str) -> Period:
    try:
        return parse_period_text(text)
    except ValueError as exc:
        raise AdminError(str(exc)) from exc


def _counts(f: Figure) -> str:
    if f.denominator is not None and f.numerator is not None:
        return f"{fmt_number(f.numerator)} sur {fmt_number(f.denominator)}"
    if f.unit != "nombre" and f.numerator is not None:
        return f"sur {fmt_number(f.numerator)}"
    return ""


def _fit(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def write_table(report: Report, out: TextIO) -> None:
    """The report as a readable French table (sections, figures with their counts, breakdowns)."""
    p = report.period
    out.write(f"Indicateurs — {p.label} (du {p.start:%d/%m/%Y} au {p.last_day:%d/%m/%Y})\n")
    out.write(f"Périmètre : {report.scope}\n")
    out.write(f"Calculé le {report.generated_at:%d/%m/%Y à %H:%M}\n")
    sections: dict[str, list[str]] = {}
    for f in report.figures:
        line = f"  {_fit(f.label, WIDTH):<{WIDTH}} {f.display:>12}"
        extra = ", ".join(x for x in (_counts(f), f.note) if x)
        sections.setdefault(f.section, []).append(line + (f"  ({extra})" if extra else ""))
    for b in report.breakdowns:
        rows = [r for r in b.rows if r[2]]
        lines = [f"  {b.label} :"]
        lines += [
            f"    {_fit(label, WIDTH - 2):<{WIDTH - 2}} {fmt_number(n):>12}" for _code, label, n in rows
        ]
        if not rows:
            lines.append("    aucun")
        sections.setdefault(b.section, []).extend(lines)
    for section, lines in sections.items():
        out.write(f"\n{section}\n")
        out.write("\n".join(lines) + "\n")


def cmd_report(open_db: Callable[[argparse.Namespace], ServerDB], args: argparse.Namespace) -> int:
    period = _period(args.period)
    filters = Filters(team=args.team, organisme=args.organisme, territory=args.territoire)
    context = load_context(args.regles)
    sdb = open_db(args)
    try:
        if args.par:
            groups = grouped_reports(sdb, period, args.par, filters, context=context)
            if args.json:
                data: Any = {
                    "regroupement": args.par,
                    "groupes": [{"groupe": n, **r.as_dict()} for n, r in groups],
                }
                json.dump(data, sys.stdout, ensure_ascii=False, indent=2)
                sys.stdout.write("\n")
                return 0
            if not groups:
                print(f"Aucun groupe « {args.par} » dans la base.")
            for i, (_name, report) in enumerate(groups):
                if i:
                    sys.stdout.write("\n" + "=" * (WIDTH + 14) + "\n\n")
                write_table(report, sys.stdout)
            return 0
        report = department_report(sdb, period, filters, context=context)
    finally:
        sdb.dispose()
    if args.json:
        json.dump(report.as_dict(), sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        write_table(report, sys.stdout)
    return 0


def register(sub: Any, open_db: Callable[[argparse.Namespace], ServerDB]) -> None:
    r = sub.add_parser("report", help="indicateurs du département pour un mois, un trimestre ou une année")
    r.add_argument(
        "--period", "--periode", required=True, help="2026-10 (mois), 2026-T4 (trimestre), 2026 (année)"
    )
    r.add_argument("--team", "--equipe", default=None, help="seulement les référents de cette équipe")
    r.add_argument(
        "--organisme", default=None, help="seulement les personnes orientées vers cet organisme (code)"
    )
    r.add_argument("--territoire", default=None, help="seulement les codes postaux commençant par ce texte")
    r.add_argument("--par", choices=GROUP_BY, default=None, help="un rapport par équipe ou par organisme")
    r.add_argument("--regles", type=Path, default=None, help="fichier de surcharge de la table des règles")
    r.add_argument("--json", action="store_true", help="sortie JSON (comptes anonymes)")
    r.set_defaults(func=lambda args: cmd_report(open_db, args))
