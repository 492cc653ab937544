"""RDVs of a person's file: plan one, change its status (the history is append-only), edit its slot and details.

Reads for the agenda live in :mod:`app.services.agenda.views`. An honoured RDV updates the person's last contact.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models.enums import AppointmentNature, AppointmentStatus
from app.models.tables.base import new_id
from app.models.tables.followup import Appointment, AppointmentEvent
from app.models.tables.people import Person, Referent
from app.services.casefile.reminders import follow_rdv
from app.services.errors import ValidationError
from app.services.people.identity import author_label, author_names
from app.services.storage.uow import get_row, query, use_case
from app.services.validation import (
    Checker,
    check,
    optional_text,
    require_choice,
    require_code,
    require_moment,
)


@dataclass(frozen=True)
class AppointmentEventView:
    id: str
    status: str
    at: datetime
    author: str
    comment: str


@use_case
def add_appointment(
    s: Session,
    person_id: str | None,
    *,
    starts_at: datetime,
    purpose: str,
    nature: str,
    place: str = "",
    duration_min: int = 45,
    referent_id: str | None = None,
    collective: bool = False,
    comment: str = "",
    author: str = "",
    recorded_at: datetime | None = None,
    status: str = AppointmentStatus.PLANNED,
    session_id: str | None = None,
) -> str:
    """Plan a RDV (status « prévu ») and start its history. ``person_id`` may be empty for a collective session;
    a participant's RDV names its session (``session_id``, see :mod:`app.services.casefile.sessions`).

    A RDV entered afterwards may be given its outcome directly (``status``: honoré, excusé…); its history then
    starts with that status.
    """
    c = Checker()
    c.run("status", require_choice, status, AppointmentStatus, "Statut de rendez-vous inconnu.")
    c.run("starts_at", require_moment, starts_at, "Date et heure du rendez-vous invalides.")
    c.run("purpose", require_code, purpose, "Objet du rendez-vous inconnu.")
    c.run("nature", require_choice, nature, AppointmentNature, "Nature du rendez-vous inconnue.")
    clean_place = c.run("place", optional_text, place)
    if not 5 <= int(duration_min) <= 480:
        c.add("duration_min", "Durée invalide (entre 5 minutes et 8 heures).")
    if person_id is None and not collective:
        c.add("person_id", "Un rendez-vous individuel concerne une personne.")
    c.raise_if_any()
    if person_id is not None:
        get_row(s, Person, person_id, "Personne")
    if referent_id is not None:
        get_row(s, Referent, referent_id, "Référent")
    row = Appointment(
        id=new_id(),
        person_id=person_id,
        referent_id=referent_id,
        starts_at=starts_at.replace(tzinfo=None),
        duration_min=int(duration_min),
        purpose=purpose,
        nature=nature,
        place=clean_place or "",
        collective=collective,
        status=status,
        comment=comment.strip(),
        session_id=session_id,
    )
    s.add(row)
    s.add(
        AppointmentEvent(
            id=new_id(),
            appointment_id=row.id,
            status=status,
            at=require_moment(recorded_at, ""),
            author=author,
            comment="",
        )
    )
    if status == AppointmentStatus.HONOURED and person_id is not None:
        _touch_contact(get_row(s, Person, person_id, "Personne"), row.starts_at.date())
    follow_rdv(s, row)
    return row.id


def _touch_contact(person: Person, day: date) -> None:
    if person.last_contact_date is None or person.last_contact_date < day:
        person.last_contact_date = day


@use_case
def set_appointment_status(
    s: Session,
    appointment_id: str,
    status: str,
    *,
    at: datetime | None = None,
    author: str = "",
    comment: str = "",
) -> str:
    """Change the status (honoré, excusé, non honoré, annulé…): appends an event, keeps the history.

    An honoured RDV moves the person's ``last_contact_date`` forward. Returns the event id.
    """
    check("status", require_choice, status, AppointmentStatus, "Statut de rendez-vous inconnu.")
    when = check("at", require_moment, at, "Date de changement de statut invalide.")
    appointment = get_row(s, Appointment, appointment_id, "Rendez-vous")
    if appointment.status == status:
        raise ValidationError(fields={"status": "Le rendez-vous a déjà ce statut."})
    appointment.status = status
    event = AppointmentEvent(
        id=new_id(),
        appointment_id=appointment.id,
        status=status,
        at=when,
        author=author,
        comment=optional_text(comment, 2000),
    )
    s.add(event)
    if status == AppointmentStatus.HONOURED and appointment.person_id:
        _touch_contact(get_row(s, Person, appointment.person_id, "Personne"), appointment.starts_at.date())
    follow_rdv(s, appointment)
    return event.id


_EDIT_LABELS = {
    "starts_at": "date et heure",
    "duration_min": "durée",
    "purpose": "objet",
    "nature": "nature",
    "place": "lieu",
    "comment": "commentaire",
}


@use_case
def update_appointment(
    s: Session,
    appointment_id: str,
    *,
    starts_at: datetime,
    purpose: str,
    nature: str,
    place: str = "",
    duration_min: int = 45,
    comment: str = "",
    author: str = "",
    at: datetime | None = None,
) -> tuple[str, ...]:
    """Change a RDV's slot, objet, nature, lieu or commentaire (validated as at creation).

    The history gets an event (same status) saying what changed (« Modifié : date et heure (09/11/2026 09:00 →
    10/11/2026 10:00), lieu. »). A cancelled RDV is not edited (plan a new one). Returns the changed fields
    (empty when nothing changed: no event then). Overlaps are checked by the caller beforehand
    (:func:`app.services.agenda.views.find_conflicts` with ``exclude_id``), as for a new RDV.
    """
    c = Checker()
    when = c.run("starts_at", require_moment, starts_at, "Date et heure du rendez-vous invalides.")
    c.run("purpose", require_code, purpose, "Objet du rendez-vous inconnu.")
    c.run("nature", require_choice, nature, AppointmentNature, "Nature du rendez-vous inconnue.")
    clean_place = c.run("place", optional_text, place) or ""
    if not 5 <= int(duration_min) <= 480:
        c.add("duration_min", "Durée invalide (entre 5 minutes et 8 heures).")
    event_at = c.run("at", require_moment, at, "Date de modification invalide.")
    c.raise_if_any()
    assert when is not None
    row = get_row(s, Appointment, appointment_id, "Rendez-vous")
    if row.status == AppointmentStatus.CANCELLED:
        raise ValidationError("Un rendez-vous annulé ne peut plus être modifié : planifiez-en un nouveau.")
    new = {
        "starts_at": when.replace(second=0, microsecond=0),
        "duration_min": int(duration_min),
        "purpose": purpose,
        "nature": nature,
        "place": clean_place,
        "comment": comment.strip(),
    }
    changed = tuple(k for k, v in new.items() if getattr(row, k) != v)
    if not changed:
        return ()
    parts = []
    for key in changed:
        if key == "starts_at":
            parts.append(
                f"date et heure ({row.starts_at:%d/%m/%Y %H:%M} → {new['starts_at']:%d/%m/%Y %H:%M})"
            )
        else:
            parts.append(_EDIT_LABELS[key])
    for key in changed:
        setattr(row, key, new[key])
    s.add(
        AppointmentEvent(
            id=new_id(),
            appointment_id=row.id,
            status=row.status,
            at=event_at,
            author=author,
            comment="Modifié : " + ", ".join(parts) + ".",
        )
    )
    if row.status == AppointmentStatus.HONOURED and row.person_id and "starts_at" in changed:
        _touch_contact(get_row(s, Person, row.person_id, "Personne"), row.starts_at.date())
    follow_rdv(s, row)
    return changed


@query
def appointment_history(s: Session, appointment_id: str) -> list[AppointmentEventView]:
    rows = s.scalars(
        select(AppointmentEvent)
        .where(AppointmentEvent.appointment_id == appointment_id)
        .order_by(AppointmentEvent.at, AppointmentEvent.created_at)
    ).all()
    names = author_names.within(s)
    return [
        AppointmentEventView(e.id, e.status, e.at, author_label(e.author, names), e.comment) for e in rows
    ]
