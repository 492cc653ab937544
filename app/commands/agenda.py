"""``python -m app agenda``: the RDVs of a day or a week, as text, JSON, ``.ics`` or PDF (headless)."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from app.commands._context import CommandContext, add_json_flag, iso_date, print_json
from app.services.agenda import exports
from app.services.agenda import views as agenda_service
from app.services.agenda.calendar import AgendaDay, AgendaItem

if TYPE_CHECKING:
    from app.services.agenda.convocations.letters import LetterState
    from app.services.casefile.sessions import SessionView


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("agenda", help="rendez-vous du jour ou de la semaine (texte, JSON, .ics, PDF)")
    add_json_flag(p)
    p.add_argument(
        "--on", type=iso_date, default=None, metavar="AAAA-MM-JJ", help="jour (défaut : aujourd'hui)"
    )
    p.add_argument("--week", action="store_true", help="toute la semaine (lundi → dimanche) du jour")
    p.add_argument("--ics", type=Path, default=None, metavar="FICHIER", help="écrire aussi un fichier .ics")
    p.add_argument("--pdf", type=Path, default=None, metavar="FICHIER", help="écrire l'agenda du jour en PDF")
    p.set_defaults(func=cmd_agenda)


def _participants(view: SessionView, states: dict[str, LetterState]) -> list[dict[str, object]]:
    """A session's participants: each one's own RDV id (for ``pdf convocation``), status and convocation."""
    return [
        {
            "id": p.appointment_id,
            "person_id": p.person_id,
            "person": p.name,
            "status": p.status,
            "convocation": states[p.appointment_id].label if p.appointment_id in states else "",
        }
        for p in view.participants
    ]


def _as_json(
    i: AgendaItem,
    convocation: str = "",
    session: SessionView | None = None,
    states: dict[str, LetterState] | None = None,
) -> dict[str, object]:
    return {
        "id": i.id,
        "person_id": i.person_id,
        "person": i.person_name,
        "referent_id": i.referent_id,
        "starts_at": i.starts_at.isoformat(timespec="minutes"),
        "ends_at": i.ends_at.isoformat(timespec="minutes"),
        "purpose": i.purpose,
        "nature": i.nature,
        "place": i.place,
        "collective": i.collective,
        "status": i.status,
        "conflict": i.conflict,
        "session_id": i.session_id,
        "capacity": i.capacity,
        "participants": i.participants if i.is_session else None,
        "convocation": convocation,  # « Convoqué le … · rappel … » (ADR 0035, 0036)
        "title": session.title if session is not None else None,  # a session's « Intitulé » (ADR 0037)
        "participant_rdvs": _participants(session, states or {}) if session is not None else None,
    }


def _print_day(d: AgendaDay) -> None:
    head = d.title[0].upper() + d.title[1:]
    print(head + (f" — férié ({d.holiday})" if d.holiday else ""))
    for i in d.items:
        flag = "  ⚠ Chevauchement" if i.conflict else ""
        print(
            f"  {i.starts_at:%H:%M}-{i.ends_at:%H:%M}  {i.person_name:<28}  {i.purpose_label:<22}  "
            f"{i.nature_label:<12}  {i.status_label}{flag}"
        )


def cmd_agenda(args: argparse.Namespace, ctx: CommandContext) -> int:
    on = args.on or date.today()
    vault = ctx.open_vault()
    days = (
        list(agenda_service.week_agenda(vault.db, on).days)
        if args.week
        else [agenda_service.day_agenda(vault.db, on)]
    )
    first, last = days[0].day, days[-1].day
    if args.ics is not None:
        exports.export_ics(vault.db, first, last, args.ics)
    if args.pdf is not None:
        exports.export_day_pdf(vault.db, on, args.pdf)
    if args.json:
        from app.services.agenda.convocations.letters import letter_states
        from app.services.casefile.sessions import session_view

        views = {i.id: session_view(vault.db, i.id) for d in days for i in d.items if i.is_session}
        states = letter_states(
            vault.db,
            [i.id for d in days for i in d.items if i.person_id]
            + [p.appointment_id for v in views.values() for p in v.participants],
        )
        print_json(
            {
                "from": first.isoformat(),
                "to": last.isoformat(),
                "days": [
                    {
                        "day": d.day.isoformat(),
                        "holiday": d.holiday,
                        "appointments": [
                            _as_json(i, states[i.id].label if i.id in states else "", views.get(i.id), states)
                            for i in d.items
                        ],
                    }
                    for d in days
                ],
            }
        )
        return 0
    total = sum(len(d.items) for d in days)
    print(
        f"Agenda du {first:%d/%m/%Y}"
        + (f" au {last:%d/%m/%Y}" if last != first else "")
        + f" — {total} rendez-vous"
    )
    for d in days:
        if d.items or d.holiday or not args.week:
            _print_day(d)
    if total == 0:
        print("Aucun rendez-vous.")
    if args.ics is not None:
        print(f"Fichier .ics écrit : {args.ics}")
    if args.pdf is not None:
        print(f"PDF écrit : {args.pdf}")
    return 0
