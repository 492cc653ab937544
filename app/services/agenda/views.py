"""Agenda queries: the RDVs of a day or a week, of one person, and the RDVs overlapping a slot.

Writes (new RDV, status change, history) are :mod:`app.services.casefile.rdv`; exports are :mod:`.exports`.
Overlapping RDVs of the same référent (cancelled ones left aside) are flagged « Chevauchement ».
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models.enums import AppointmentStatus
from app.models.tables.followup import Appointment
from app.models.tables.people import Person, Referent
from app.models.vocabularies.loader import load_vocabularies
from app.services.agenda.calendar import (
    AgendaDay,
    AgendaItem,
    AgendaWeek,
    holiday_name,
    mark_conflicts,
    week_start,
)
from app.services.storage.uow import query

# ------------------------------------------------------------------------------------------------ queries


def _name(person: Person | None, seats: str = "") -> str:
    if person is None:
        return "Séance collective" + (f" ({seats})" if seats else "")
    return f"{person.last_name.upper()} {person.first_name}".strip()


def _seats(count: int, capacity: int | None) -> str:
    if capacity:
        return f"{count} / {capacity} places"
    return f"{count} inscrit{'s' if count > 1 else ''}" if count else ""


def _counts(s: Session, ids: list[str]) -> dict[str, int]:
    """Participants registered (not cancelled) by collective session."""
    if not ids:
        return {}
    rows = s.execute(
        select(Appointment.session_id, func.count())
        .where(Appointment.session_id.in_(ids), Appointment.deleted_at.is_(None))
        .where(Appointment.status != AppointmentStatus.CANCELLED)
        .group_by(Appointment.session_id)
    ).all()
    return {str(sid): int(n) for sid, n in rows}


@query
def _items(s: Session, *conditions: object) -> list[AgendaItem]:
    vocab = load_vocabularies()
    stmt = (
        select(Appointment, Person, Referent)
        .outerjoin(Person, Person.id == Appointment.person_id)
        .outerjoin(Referent, Referent.id == Appointment.referent_id)
        .where(Appointment.deleted_at.is_(None), *conditions)  # type: ignore[arg-type]
        .order_by(Appointment.starts_at, Appointment.created_at)
    )
    found = s.execute(stmt).all()
    counts = _counts(s, [a.id for a, p, _r in found if p is None and a.collective])
    return [
        AgendaItem(
            id=a.id, person_id=a.person_id,
            person_name=_name(p, _seats(counts.get(a.id, 0), a.capacity)), referent_id=a.referent_id,
            referent_name=f"{r.first_name} {r.last_name}" if r is not None else "",
            starts_at=a.starts_at, duration_min=a.duration_min, purpose=a.purpose,
            purpose_label=vocab.label("appointment_purposes", a.purpose), nature=a.nature,
            nature_label=vocab.label("appointment_natures", a.nature), place=a.place,
            collective=a.collective, status=a.status,
            status_label=vocab.label("appointment_statuses", a.status), comment=a.comment,
            session_id=a.session_id, capacity=a.capacity, participants=counts.get(a.id, 0),
        )
        for a, p, r in found
    ]  # fmt: skip


@query
def _between(s: Session, start: date, end: date) -> list[AgendaItem]:
    """RDVs starting on ``start`` … ``end`` (inclusive), conflicts flagged. A collective session is one line
    (its participants' RDVs are in their own files, not repeated here)."""
    lo = datetime.combine(start, time.min)
    hi = datetime.combine(end + timedelta(days=1), time.min)
    return mark_conflicts(
        _items.within(
            s, Appointment.starts_at >= lo, Appointment.starts_at < hi, Appointment.session_id.is_(None)
        )
    )


@query
def day_agenda(s: Session, day: date) -> AgendaDay:
    return AgendaDay(day, holiday_name(day), tuple(_between.within(s, day, day)))


@query
def week_agenda(s: Session, day: date) -> AgendaWeek:
    """The week (Monday → Sunday) holding ``day``."""
    start = week_start(day)
    items = _between.within(s, start, start + timedelta(days=6))
    days = []
    for n in range(7):
        d = start + timedelta(days=n)
        days.append(AgendaDay(d, holiday_name(d), tuple(i for i in items if i.starts_at.date() == d)))
    return AgendaWeek(start, tuple(days))


@query
def person_appointments(s: Session, person_id: str) -> list[AgendaItem]:
    """Every RDV of a person, most recent first."""
    return list(reversed(_items.within(s, Appointment.person_id == person_id)))


@query
def find_conflicts(
    s: Session,
    *,
    starts_at: datetime,
    duration_min: int,
    referent_id: str | None,
    exclude_id: str | None = None,
) -> list[AgendaItem]:
    """RDVs of ``referent_id`` overlapping the slot (asked before saving a new or moved RDV)."""
    end = starts_at + timedelta(minutes=duration_min)
    window = _items.within(
        s,
        Appointment.starts_at < end,
        Appointment.starts_at >= starts_at - timedelta(hours=8),
        Appointment.status != AppointmentStatus.CANCELLED,
        Appointment.session_id.is_(None),  # a participant's RDV is the session's slot, already counted
    )
    probe_start, probe_end = starts_at, end
    return [
        i for i in window
        if i.referent_id == referent_id and i.id != exclude_id
        and i.starts_at < probe_end and probe_start < i.ends_at
    ]  # fmt: skip


# ------------------------------------------------------------------------------------------------ exports


@query
def next_planned_rdv(s: Session, person_id: str, *, now: datetime | None = None) -> str | None:
    """The id of the person's next RDV still planned (from ``now``), or None: the one « Convoquer » writes for."""
    q = (
        select(Appointment.id)
        .where(
            Appointment.person_id == person_id,
            Appointment.deleted_at.is_(None),
            Appointment.status == AppointmentStatus.PLANNED,
            Appointment.starts_at >= (now or datetime.now()),
        )
        .order_by(Appointment.starts_at)
        .limit(1)
    )
    return s.scalar(q)
