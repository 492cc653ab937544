"""Collective sessions — ateliers, informations collectives (ADR 0037).

A session is a RDV without a person (``collective``, ``person_id`` empty) with a ``capacity``; each participant
has a RDV of their own pointing at it (``session_id``): their own status (« prévu », « honoré », « excusé »,
« non honoré », « annulé »), their own convocation and reminders, and the RDV shows in their file and timeline
like any other. Moving the session moves every participant's RDV (their reminders follow); attendance is
recorded once for all (:func:`record_attendance`); removing a participant cancels their RDV (history kept).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models.enums import AppointmentStatus
from app.models.tables.followup import Appointment
from app.models.tables.people import Person
from app.models.text import fold, headline
from app.models.vocabularies.loader import load_vocabularies
from app.services.casefile import rdv as rdv_mod
from app.services.errors import ValidationError
from app.services.storage.uow import get_row, query, use_case

#: A participant counts against the capacity unless their RDV was cancelled.
_SEATED = (AppointmentStatus.PLANNED, AppointmentStatus.HONOURED, AppointmentStatus.EXCUSED,
           AppointmentStatus.MISSED)  # fmt: skip


@dataclass(frozen=True)
class Participant:
    appointment_id: str
    person_id: str
    name: str
    status: str
    status_label: str


@dataclass(frozen=True)
class SessionView:
    id: str
    starts_at: datetime
    duration_min: int
    purpose: str
    purpose_label: str
    nature: str
    place: str
    capacity: int | None
    status: str
    comment: str
    referent_id: str | None
    participants: tuple[Participant, ...]

    @property
    def title(self) -> str:
        """The « Intitulé » (« Atelier CV et lettre de motivation »): the first line of the comment."""
        return headline(self.comment)

    @property
    def seated(self) -> int:
        return sum(1 for p in self.participants if p.status in _SEATED)

    @property
    def seats_label(self) -> str:
        """« 8 / 12 places », « 8 inscrits »."""
        n = self.seated
        if self.capacity:
            return f"{n} / {self.capacity} places"
        return f"{n} inscrit{'s' if n > 1 else ''}"


@dataclass(frozen=True)
class PersonChoice:
    id: str
    name: str
    city: str


def _check_capacity(capacity: int | None) -> int | None:
    if capacity is None or capacity == 0:
        return None
    if not 1 <= int(capacity) <= 500:
        raise ValidationError(fields={"capacity": "Capacité invalide (de 1 à 500 places, ou sans limite)."})
    return int(capacity)


def _session(s: Session, session_id: str) -> Appointment:
    row = get_row(s, Appointment, session_id, "Séance collective")
    if not row.collective or row.person_id is not None or row.session_id is not None:
        raise ValidationError("Ce rendez-vous n'est pas une séance collective.")
    return row


def _participants(s: Session, session_id: str) -> list[Appointment]:
    return list(
        s.scalars(
            select(Appointment)
            .where(Appointment.session_id == session_id, Appointment.deleted_at.is_(None))
            .order_by(Appointment.created_at)
        )
    )


@use_case
def create_session(
    s: Session,
    *,
    starts_at: datetime,
    purpose: str,
    nature: str = "physique",
    place: str = "",
    duration_min: int = 120,
    capacity: int | None = None,
    referent_id: str | None = None,
    comment: str = "",
    author: str = "",
) -> str:
    """Plan a collective session (no participant yet); returns its id."""
    seats = _check_capacity(capacity)
    session_id = rdv_mod.add_appointment.within(
        s, None, starts_at=starts_at, purpose=purpose, nature=nature, place=place, duration_min=duration_min,
        referent_id=referent_id, collective=True, comment=comment, author=author,
    )  # fmt: skip
    get_row(s, Appointment, session_id, "Séance collective").capacity = seats
    return session_id


@use_case
def update_session(
    s: Session,
    session_id: str,
    *,
    starts_at: datetime,
    purpose: str,
    nature: str,
    place: str = "",
    duration_min: int = 120,
    capacity: int | None = None,
    comment: str = "",
    author: str = "",
) -> tuple[str, ...]:
    """Change a session; its slot, objet, nature and place go to every live participant's RDV too (their
    reminders follow). A capacity below the participants already seated is refused."""
    row = _session(s, session_id)
    seats = _check_capacity(capacity)
    seated = sum(1 for p in _participants(s, session_id) if p.status in _SEATED)
    if seats is not None and seats < seated:
        raise ValidationError(
            fields={"capacity": f"{seated} participants sont déjà inscrits : capacité trop petite."}
        )
    changed = rdv_mod.update_appointment.within(
        s, session_id, starts_at=starts_at, purpose=purpose, nature=nature, place=place,
        duration_min=duration_min, comment=comment, author=author,
    )  # fmt: skip
    if row.capacity != seats:
        row.capacity = seats
        changed += ("capacity",)
    for p in _participants(s, session_id):
        if p.status != AppointmentStatus.CANCELLED:
            rdv_mod.update_appointment.within(
                s, p.id, starts_at=starts_at, purpose=purpose, nature=nature, place=place,
                duration_min=duration_min, comment=p.comment, author=author,
            )  # fmt: skip
    return changed


@use_case
def add_participants(
    s: Session, session_id: str, person_ids: Sequence[str], *, author: str = ""
) -> list[str]:
    """Register people to a session (each gets their RDV, « prévu »); returns the new RDV ids. A person already
    registered (and not cancelled) is skipped; beyond the capacity nothing is added."""
    row = _session(s, session_id)
    if row.status == AppointmentStatus.CANCELLED:
        raise ValidationError("Cette séance est annulée : on ne peut plus y inscrire personne.")
    current = _participants(s, session_id)
    registered = {p.person_id for p in current if p.status != AppointmentStatus.CANCELLED}
    wanted = [pid for pid in dict.fromkeys(person_ids) if pid not in registered]
    seated = sum(1 for p in current if p.status in _SEATED)
    if row.capacity is not None and seated + len(wanted) > row.capacity:
        free = max(0, row.capacity - seated)
        raise ValidationError(
            f"Séance complète : {free} place{'s' if free > 1 else ''} libre{'s' if free > 1 else ''} pour "
            f"{len(wanted)} personne{'s' if len(wanted) > 1 else ''} à inscrire."
        )
    out = []
    for pid in wanted:
        new = rdv_mod.add_appointment.within(
            s, pid, starts_at=row.starts_at, purpose=row.purpose, nature=row.nature, place=row.place,
            duration_min=row.duration_min, referent_id=row.referent_id, collective=True, author=author,
            session_id=session_id,
        )  # fmt: skip
        out.append(new)
    return out


@use_case
def remove_participant(s: Session, appointment_id: str, *, author: str = "") -> None:
    """Withdraw a participant: their RDV becomes « annulé » (history kept, reminder cancelled)."""
    row = get_row(s, Appointment, appointment_id, "Participation")
    if row.session_id is None:
        raise ValidationError("Ce rendez-vous ne fait pas partie d'une séance collective.")
    if row.status != AppointmentStatus.CANCELLED:
        rdv_mod.set_appointment_status.within(s, row.id, AppointmentStatus.CANCELLED, author=author,
                                              comment="Retiré(e) de la séance collective.")  # fmt: skip


@use_case
def record_attendance(
    s: Session, session_id: str, statuses: Mapping[str, str], *, author: str = "", at: datetime | None = None
) -> int:
    """Attendance of the whole session in one go: ``statuses`` maps each participant's RDV id to « honoré »,
    « excusé » or « non honoré »; the session itself becomes « honoré » (held). Returns how many changed."""
    row = _session(s, session_id)
    by_id = {p.id: p for p in _participants(s, session_id)}
    unknown = [k for k in statuses if k not in by_id]
    if unknown:
        raise ValidationError("Ce participant n'est pas inscrit à la séance.")
    allowed = {AppointmentStatus.HONOURED, AppointmentStatus.EXCUSED, AppointmentStatus.MISSED}
    changed = 0
    for rid, status in statuses.items():
        if status not in allowed:
            raise ValidationError(fields={rid: "Présence : honoré, excusé ou non honoré."})
        if by_id[rid].status not in (status, AppointmentStatus.CANCELLED):
            rdv_mod.set_appointment_status.within(s, rid, status, author=author, at=at)
            changed += 1
    if row.status != AppointmentStatus.HONOURED:
        rdv_mod.set_appointment_status.within(s, row.id, AppointmentStatus.HONOURED, author=author, at=at)
    return changed


@use_case
def cancel_session(s: Session, session_id: str, *, author: str = "", comment: str = "") -> int:
    """Cancel the session and every participant's RDV (their reminders are cancelled). Returns how many."""
    row = _session(s, session_id)
    count = 0
    for p in _participants(s, session_id):
        if p.status == AppointmentStatus.PLANNED:
            rdv_mod.set_appointment_status.within(s, p.id, AppointmentStatus.CANCELLED, author=author,
                                                  comment=comment or "Séance annulée.")  # fmt: skip
            count += 1
    if row.status != AppointmentStatus.CANCELLED:
        rdv_mod.set_appointment_status.within(
            s, row.id, AppointmentStatus.CANCELLED, author=author, comment=comment
        )
    return count


@query
def session_view(s: Session, session_id: str) -> SessionView:
    row = _session(s, session_id)
    vocab = load_vocabularies()
    people = dict(
        (p.id, f"{p.last_name.upper()} {p.first_name}")
        for p in s.scalars(select(Person).join(Appointment, Appointment.person_id == Person.id)
                           .where(Appointment.session_id == session_id))
    )  # fmt: skip
    parts = tuple(
        sorted(
            (Participant(p.id, p.person_id or "", people.get(p.person_id or "", "?"), p.status,
                         vocab.label("appointment_statuses", p.status))
             for p in _participants(s, session_id)),
            key=lambda p: (p.status == AppointmentStatus.CANCELLED, fold(p.name)),
        )
    )  # fmt: skip
    return SessionView(
        row.id, row.starts_at, row.duration_min, row.purpose, vocab.label("appointment_purposes", row.purpose),
        row.nature, row.place, row.capacity, row.status, row.comment, row.referent_id, parts,
    )  # fmt: skip


@query
def find_people(s: Session, text: str, *, limit: int = 20) -> list[PersonChoice]:
    """People of the caseload whose name starts with or contains the words of ``text`` (accents and case
    ignored), for the participant picker."""
    words = fold(text).split()
    if not words:
        return []
    rows = s.execute(
        select(Person.id, Person.last_name, Person.first_name, Person.city)
        .where(Person.deleted_at.is_(None), Person.status == "active")
        .order_by(func.lower(Person.last_name), func.lower(Person.first_name))
    ).all()
    out = []
    for pid, last, first, city in rows:
        hay = fold(f"{last} {first}")
        if all(w in hay for w in words):
            out.append(PersonChoice(pid, f"{last.upper()} {first}", city))
            if len(out) >= limit:
                break
    return out
