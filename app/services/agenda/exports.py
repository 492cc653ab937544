"""The agenda out of the application: ``.ics`` files and the day's PDF sheet; each export audits the people it
names, once each, in the same transaction."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from sqlalchemy.orm import Session

from app.models.enums import AppointmentStatus, AuditAction
from app.services.agenda.calendar import AgendaItem, long_day
from app.services.agenda.views import _between, day_agenda
from app.services.errors import ValidationError
from app.services.people.identity import current_actor
from app.services.settings.letterhead import department_name
from app.services.storage import audit
from app.services.storage.outputs import session_outputs
from app.services.storage.uow import use_case


def ics_bytes(items: list[AgendaItem], *, name: str = "Fil rouge — rendez-vous") -> bytes:
    """An iCalendar file of the RDVs (floating local times, one VEVENT each, the person's name in the title)."""
    import icalendar  # loaded when an .ics file is written, not while the window starts

    cal = icalendar.Calendar()
    cal.add("prodid", "-//Fil rouge//Agenda RSA//FR")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", name)
    stamp = datetime.now().replace(microsecond=0)
    for item in items:
        ev = icalendar.Event()
        ev.add("uid", f"{item.id}@fil-rouge")
        ev.add("dtstamp", stamp)
        ev.add("dtstart", item.starts_at)
        ev.add("dtend", item.ends_at)
        ev.add("summary", f"{item.purpose_label} — {item.person_name}")
        if item.place:
            ev.add("location", item.place)
        ev.add("description", f"{item.nature_label} · {item.kind_label} · {item.status_label}")
        ev.add("status", "CANCELLED" if item.status == AppointmentStatus.CANCELLED else "CONFIRMED")
        cal.add_component(ev)
    return bytes(cal.to_ical())


def _check_range(start: date, end: date) -> None:
    if end < start:
        raise ValidationError(fields={"end": "La fin de la période précède son début."})


def _audit_people(
    s: Session, items: list[AgendaItem], *, actor: str | None, action: str, detail: str
) -> None:
    """One audit event per person listed (a collective session without participants names nobody)."""
    person_ids = list(dict.fromkeys(i.person_id for i in items if i.person_id))
    if not person_ids:
        return
    who = actor or current_actor.within(s)
    for pid in person_ids:
        audit.record_audit.within(
            s, actor=who, action=action, person_id=pid, object_table="person", object_id=pid, detail=detail
        )


@use_case
def export_ics(s: Session, start: date, end: date, path: Path | str, *, actor: str | None = None) -> int:
    """Write the RDVs of ``start`` … ``end`` to an ``.ics`` file; returns how many were written.

    The people named in the file are audited « export », once each (``actor`` defaults to the signed-in
    référent).
    """
    _check_range(start, end)
    items = _between.within(s, start, end)
    session_outputs(s).write(path, ics_bytes(items))
    period = f"du {start:%d/%m/%Y}" + (f" au {end:%d/%m/%Y}" if end != start else "")
    _audit_people(s, items, actor=actor, action=AuditAction.EXPORT, detail=f"Agenda {period} (.ics)")
    return len(items)


@use_case
def export_day_pdf(
    s: Session, day: date, path: Path | str, *, department: str = "", actor: str | None = None
) -> int:
    """Write the day's agenda as PDF; returns the number of RDVs printed.

    Every person listed on the sheet is audited « impression », once each (``actor`` defaults to the
    signed-in référent), after the file was written.
    """
    agenda = day_agenda.within(s, day)
    from app.services.agenda.layout import render_day  # reportlab: loaded when a PDF is written

    session_outputs(s).write(path, render_day(agenda, department=department or department_name.within(s)))
    _audit_people(
        s,
        list(agenda.items),
        actor=actor,
        action=AuditAction.PRINT,
        detail=f"Agenda du {long_day(day)} (PDF)",
    )
    return len(agenda.items)
