"""``python -m app today [--on DATE] [--json] [--equipe]``: « Aujourd'hui » headless — the day's RDVs, the people
to call back, the overdue items graded (legal deadline past, departmental target past, due this week)."""

from __future__ import annotations

import argparse
from datetime import date

from app.commands._context import CommandContext, add_json_flag, iso_date, print_json
from app.models.rules.urgency import GRADE_TITLES, Grade
from app.services.agenda import today as today_service
from app.services.agenda.today import DayPlan, TodayLine
from app.services.people.identity import current_referent_id


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("today", help="la journée : rendez-vous, personnes à rappeler, échéances dépassées")
    add_json_flag(p)
    p.add_argument(
        "--on", type=iso_date, default=None, metavar="AAAA-MM-JJ", help="jour (défaut : aujourd'hui)"
    )
    p.add_argument(
        "--equipe",
        action="store_true",
        help="toutes les personnes du poste (défaut : celles du référent connecté et celles sans référent)",
    )
    p.set_defaults(func=cmd_today)


def _json_line(line: TodayLine) -> dict[str, object]:
    """Each line: person id, kind, grade, due date, label (issue #15), and what the window shows beside."""
    data = line.to_json()
    return {
        "person_id": data["person_id"],
        "kind": data["kind"],
        "grade": data["grade"],
        "due_date": data["due"],
        "label": data["label"],
        "person": data["person"],
        "detail": data["detail"],
        "local_target": data["local_target"],
        "rdv_id": data["rdv_id"],
        "at": data["at"],
        "others": data["others"],
    }


def _print_section(title: str, lines: list[TodayLine]) -> None:
    print(f"\n{title} ({len(lines)})")
    if not lines:
        print("  —")
    for line in lines:
        more = f"  (+{line.others} autre{'s' if line.others > 1 else ''})" if line.others else ""
        print(f"  {line.person:<30}  {line.label}  — {line.detail}{more}")


def _print(plan: DayPlan, whose: str) -> None:
    print(f"Aujourd'hui, {plan.on:%d/%m/%Y} — {whose}")
    _print_section("Rendez-vous du jour", list(plan.rdvs))
    _print_section("À rappeler", list(plan.callbacks))
    for grade in (Grade.LEGAL_LATE, Grade.LOCAL_LATE, Grade.THIS_WEEK):
        _print_section(GRADE_TITLES[grade], plan.by_grade(grade))


def cmd_today(args: argparse.Namespace, ctx: CommandContext) -> int:
    on = args.on or date.today()
    vault = ctx.open_vault()
    referent = None if args.equipe else current_referent_id(vault.db)
    plan = today_service.day_plan(vault.db, on, referent_id=referent)
    whose = "toutes les personnes du poste" if referent is None else "vos personnes et celles sans référent"
    if args.json:
        print_json(
            {
                "on": on.isoformat(),
                "scope": "equipe" if referent is None else "mes_personnes",
                "lines": [_json_line(line) for line in plan.lines()],
            }
        )
        return 0
    _print(plan, whose)
    return 0
