"""Agenda: the RDVs of a day or a week, of one person, slot conflicts, ``.ics`` and PDF exports.

Writes (new RDV, status change, history) stay in :mod:`app.services.casefile.rdv`; this module only reads and
exports (each export audits the people it names, once each). Overlapping RDVs of the same référent
(cancelled ones left aside) are flagged « Chevauchement ».
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from functools import cache
from pathlib import Path

import holidays
import icalendar
from sqlalchemy import select

from app.models.enums import AppointmentStatus, AuditAction
from app.models.french import MONTHS_FR, WEEKDAYS_FR
from app.models.tables.followup import Appointment
from app.models.tables.people import Person, Referent
from app.models.vocabularies.loader import load_vocabularies
from app.services.errors import ValidationError
from app.services.storage import audit
from app.services.storage.uow import DbOrSession, reading, transaction

__all__ = [
    "AgendaDay", "AgendaItem", "AgendaWeek", "day_agenda", "export_day_pdf", "export_ics", "find_conflicts",
    "holiday_name", "ics_bytes", "mark_conflicts", "person_appointments", "week_agenda", "week_start",
]  # fmt: skip

WEEKDAYS, MONTHS = WEEKDAYS_FR, MONTHS_FR


@dataclass(frozen=True)
class AgendaItem:
    """One RDV as shown in the agenda (labels already resolved, in French)."""

    id: str
    person_id: str | None
    person_name: str
    referent_id: str | None
    referent_name: str
    starts_at: datetime
    duration_min: int
    purpose: str
    purpose_label: str
    nature: str
    nature_label: str
    place: str
    collective: bool
    status: str
    status_label: str
    comment: str
    conflict: bool = False

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + timedelta(minutes=self.duration_min)

    @property
    def kind_label(self) -> str:
        return "Collectif" if self.collective else "Individuel"


@dataclass(frozen=True)
class AgendaDay:
    day: date
    holiday: str | None
    items: tuple[AgendaItem, ...]

    @property
    def title(self) -> str:
        return long_day(self.day)


@dataclass(frozen=True)
class AgendaWeek:
    start: date
    days: tuple[AgendaDay, ...]

    @property
    def count(self) -> int:
        return sum(len(d.items) for d in self.days)

    @property
    def conflicts(self) -> int:
        return sum(1 for d in self.days for i in d.items if i.conflict)


def long_day(day: date) -> str:
    """« lundi 23 novembre 2026 » (« 1er » for the first of the month)."""
    num = "1er" if day.day == 1 else str(day.day)
    return f"{WEEKDAYS[day.weekday()]} {num} {MONTHS[day.month - 1]} {day.year}"


def week_start(day: date) -> date:
    """The Monday of ``day``'s week."""
    return day - timedelta(days=day.weekday())


@cache
def _holidays(year: int) -> dict[date, str]:
    return dict(holidays.France(years=year, language="fr"))


def holiday_name(day: date) -> str | None:
    """The French public holiday of ``day`` (« Armistice », « Noël »…) or None."""
    return _holidays(day.year).get(day)


# ------------------------------------------------------------------------------------------------ queries


def _name(person: Person | None) -> str:
    if person is None:
        return "Séance collective"
    return f"{person.last_name.upper()} {person.first_name}".strip()


def _items(db: DbOrSession, *conditions: object) -> list[AgendaItem]:
    vocab = load_vocabularies()
    with reading(db) as s:
        stmt = (
            select(Appointment, Person, Referent)
            .outerjoin(Person, Person.id == Appointment.person_id)
            .outerjoin(Referent, Referent.id == Appointment.referent_id)
            .where(Appointment.deleted_at.is_(None), *conditions)  # type: ignore[arg-type]
            .order_by(Appointment.starts_at, Appointment.created_at)
        )
        return [
            AgendaItem(
                id=a.id, person_id=a.person_id, person_name=_name(p), referent_id=a.referent_id,
                referent_name=f"{r.first_name} {r.last_name}" if r is not None else "",
                starts_at=a.starts_at, duration_min=a.duration_min, purpose=a.purpose,
                purpose_label=vocab.label("appointment_purposes", a.purpose), nature=a.nature,
                nature_label=vocab.label("appointment_natures", a.nature), place=a.place,
                collective=a.collective, status=a.status,
                status_label=vocab.label("appointment_statuses", a.status), comment=a.comment,
            )
            for a, p, r in s.execute(stmt).all()
        ]  # fmt: skip


def _between(db: DbOrSession, start: date, end: date) -> list[AgendaItem]:
    """RDVs starting on ``start`` … ``end`` (inclusive), conflicts flagged."""
    lo = datetime.combine(start, time.min)
    hi = datetime.combine(end + timedelta(days=1), time.min)
    return mark_conflicts(_items(db, Appointment.starts_at >= lo, Appointment.starts_at < hi))


def day_agenda(db: DbOrSession, day: date) -> AgendaDay:
    return AgendaDay(day, holiday_name(day), tuple(_between(db, day, day)))


def week_agenda(db: DbOrSession, day: date) -> AgendaWeek:
    """The week (Monday → Sunday) holding ``day``."""
    start = week_start(day)
    items = _between(db, start, start + timedelta(days=6))
    days = []
    for n in range(7):
        d = start + timedelta(days=n)
        days.append(AgendaDay(d, holiday_name(d), tuple(i for i in items if i.starts_at.date() == d)))
    return AgendaWeek(start, tuple(days))


def person_appointments(db: DbOrSession, person_id: str) -> list[AgendaItem]:
    """Every RDV of a person, most recent first."""
    return list(reversed(_items(db, Appointment.person_id == person_id)))


def _overlap(a: AgendaItem, b: AgendaItem) -> bool:
    return a.starts_at < b.ends_at and b.starts_at < a.ends_at


def _counts(item: AgendaItem) -> bool:
    return item.status != AppointmentStatus.CANCELLED


def mark_conflicts(items: list[AgendaItem]) -> list[AgendaItem]:
    """Flag the RDVs overlapping another of the same référent (cancelled RDVs never conflict)."""
    flagged: set[str] = set()
    live = [i for i in items if _counts(i)]
    for n, a in enumerate(live):
        for b in live[n + 1 :]:
            if a.referent_id == b.referent_id and _overlap(a, b):
                flagged.update((a.id, b.id))
    return [replace(i, conflict=i.id in flagged) for i in items]


def find_conflicts(
    db: DbOrSession,
    *,
    starts_at: datetime,
    duration_min: int,
    referent_id: str | None,
    exclude_id: str | None = None,
) -> list[AgendaItem]:
    """RDVs of ``referent_id`` overlapping the slot (asked before saving a new or moved RDV)."""
    end = starts_at + timedelta(minutes=duration_min)
    window = _items(
        db,
        Appointment.starts_at < end,
        Appointment.starts_at >= starts_at - timedelta(hours=8),
        Appointment.status != AppointmentStatus.CANCELLED,
    )
    probe_start, probe_end = starts_at, end
    return [
        i for i in window
        if i.referent_id == referent_id and i.id != exclude_id
        and i.starts_at < probe_end and probe_start < i.ends_at
    ]  # fmt: skip


# ------------------------------------------------------------------------------------------------ exports


def ics_bytes(items: list[AgendaItem], *, name: str = "Fil rouge — rendez-vous") -> bytes:
    """An iCalendar file of the RDVs (floating local times, one VEVENT each, the person's name in the title)."""
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
    db: DbOrSession, items: list[AgendaItem], *, actor: str | None, action: str, detail: str
) -> None:
    """One audit event per person listed (a collective session without participants names nobody)."""
    person_ids = list(dict.fromkeys(i.person_id for i in items if i.person_id))
    if not person_ids:
        return
    if actor is None:
        from app.services.casefile.overview import current_actor
        from app.services.storage.db import Database

        actor = current_actor(db) if isinstance(db, Database) else "local"
    with transaction(db) as s:
        for pid in person_ids:
            audit.record_audit(
                s,
                actor=actor or "local",
                action=action,
                person_id=pid,
                object_table="person",
                object_id=pid,
                detail=detail,
            )


def export_ics(db: DbOrSession, start: date, end: date, path: Path | str, *, actor: str | None = None) -> int:
    """Write the RDVs of ``start`` … ``end`` to an ``.ics`` file; returns how many were written.

    The people named in the file are audited « export », once each (``actor`` defaults to the signed-in
    référent).
    """
    _check_range(start, end)
    items = _between(db, start, end)
    Path(path).write_bytes(ics_bytes(items))
    period = f"du {start:%d/%m/%Y}" + (f" au {end:%d/%m/%Y}" if end != start else "")
    _audit_people(db, items, actor=actor, action=AuditAction.EXPORT, detail=f"Agenda {period} (.ics)")
    return len(items)


def export_day_pdf(
    db: DbOrSession, day: date, path: Path | str, *, department: str = "", actor: str | None = None
) -> int:
    """Write the day's agenda as PDF; returns the number of RDVs printed.

    Every person listed on the sheet is audited « impression », once each (``actor`` defaults to the
    signed-in référent), after the file was written.
    """
    from app.services.agenda.layout import render_day
    from app.services.settings.letterhead import department_name

    agenda = day_agenda(db, day)
    Path(path).write_bytes(render_day(agenda, department=department or department_name(db)))
    _audit_people(
        db,
        list(agenda.items),
        actor=actor,
        action=AuditAction.PRINT,
        detail=f"Agenda du {long_day(day)} (PDF)",
    )
    return len(agenda.items)
