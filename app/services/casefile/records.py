"""Thin write use cases of the case file: RDV, notes, diagnostic, carnet de bord, prescriptions, sanctions, audit.

Append-only records (RDV history, notes, diagnostic versions, sanction steps, audit) are only ever added: a note
is corrected by a new note pointing at it, a diagnostic is updated by a new version. Contract use cases live in
:mod:`app.services.contracts.lifecycle` and are re-exported here. The dedicated issues (RDV, carnet, diagnostic,
contracts) build richer services on top of these.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select

from app.models.enums import (
    AppointmentNature,
    AppointmentStatus,
    AuditAction,
    NoteKind,
    SanctionStepKind,
)
from app.models.tables.base import new_id, utcnow
from app.models.tables.carnet import DiagnosticVersion
from app.models.tables.followup import Appointment, AppointmentEvent, Note, SanctionStep
from app.models.tables.local import AuditEvent
from app.models.tables.people import Person, Referent
from app.services.errors import ValidationError
from app.services.storage.uow import (
    Checker,
    DbOrSession,
    FieldError,
    check,
    get_row,
    optional_text,
    reading,
    require_choice,
    require_date,
    require_text,
    rows_of,
    transaction,
)

_CODE_RE = re.compile(r"^[a-z0-9_]{1,40}$")
_DATE_MSG = "Date invalide (format attendu : JJ/MM/AAAA)."
HEALTH_SECTION = "sante"
HEALTH_ITEM = "contrainte"


def _code(value: str, message: str) -> str:
    if not _CODE_RE.match(value or ""):
        raise FieldError(message)
    return value


def _moment(value: datetime | None, message: str) -> datetime:
    if value is None:
        return utcnow()
    if not isinstance(value, datetime):
        raise FieldError(message)
    return value.replace(tzinfo=None)


# --- appointments ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AppointmentEventView:
    id: str
    status: str
    at: datetime
    author: str
    comment: str


def add_appointment(
    db: DbOrSession,
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
) -> str:
    """Plan a RDV (status « prévu ») and start its history. ``person_id`` may be empty for a collective session.

    A RDV entered afterwards may be given its outcome directly (``status``: honoré, excusé…); its history then
    starts with that status.
    """
    c = Checker()
    c.run("status", require_choice, status, AppointmentStatus, "Statut de rendez-vous inconnu.")
    c.run("starts_at", _moment, starts_at, "Date et heure du rendez-vous invalides.")
    c.run("purpose", _code, purpose, "Objet du rendez-vous inconnu.")
    c.run("nature", require_choice, nature, AppointmentNature, "Nature du rendez-vous inconnue.")
    clean_place = c.run("place", optional_text, place)
    if not 5 <= int(duration_min) <= 480:
        c.add("duration_min", "Durée invalide (entre 5 minutes et 8 heures).")
    if person_id is None and not collective:
        c.add("person_id", "Un rendez-vous individuel concerne une personne.")
    c.raise_if_any()
    with transaction(db) as s:
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
        )
        s.add(row)
        s.add(
            AppointmentEvent(
                id=new_id(),
                appointment_id=row.id,
                status=status,
                at=_moment(recorded_at, ""),
                author=author,
                comment="",
            )
        )
        if status == AppointmentStatus.HONOURED and person_id is not None:
            _touch_contact(get_row(s, Person, person_id, "Personne"), row.starts_at.date())
        return row.id


def _touch_contact(person: Person, day: date) -> None:
    if person.last_contact_date is None or person.last_contact_date < day:
        person.last_contact_date = day


def set_appointment_status(
    db: DbOrSession,
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
    when = check("at", _moment, at, "Date de changement de statut invalide.")
    with transaction(db) as s:
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
            _touch_contact(
                get_row(s, Person, appointment.person_id, "Personne"), appointment.starts_at.date()
            )
        return event.id


_EDIT_LABELS = {
    "starts_at": "date et heure",
    "duration_min": "durée",
    "purpose": "objet",
    "nature": "nature",
    "place": "lieu",
    "comment": "commentaire",
}


def update_appointment(
    db: DbOrSession,
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
    when = c.run("starts_at", _moment, starts_at, "Date et heure du rendez-vous invalides.")
    c.run("purpose", _code, purpose, "Objet du rendez-vous inconnu.")
    c.run("nature", require_choice, nature, AppointmentNature, "Nature du rendez-vous inconnue.")
    clean_place = c.run("place", optional_text, place) or ""
    if not 5 <= int(duration_min) <= 480:
        c.add("duration_min", "Durée invalide (entre 5 minutes et 8 heures).")
    event_at = c.run("at", _moment, at, "Date de modification invalide.")
    c.raise_if_any()
    assert when is not None
    with transaction(db) as s:
        row = get_row(s, Appointment, appointment_id, "Rendez-vous")
        if row.status == AppointmentStatus.CANCELLED:
            raise ValidationError(
                "Un rendez-vous annulé ne peut plus être modifié : planifiez-en un nouveau."
            )
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
        return changed


def appointment_history(db: DbOrSession, appointment_id: str) -> list[AppointmentEventView]:
    with reading(db) as s:
        rows = s.scalars(
            select(AppointmentEvent)
            .where(AppointmentEvent.appointment_id == appointment_id)
            .order_by(AppointmentEvent.at, AppointmentEvent.created_at)
        ).all()
        return [AppointmentEventView(e.id, e.status, e.at, e.author, e.comment) for e in rows]


# --- notes ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NoteView:
    id: str
    kind: str
    body: str
    author: str
    written_at: datetime
    corrects_note_id: str | None
    corrected_by: str | None  # the id of the note that corrects this one, if any


def add_note(
    db: DbOrSession,
    person_id: str,
    *,
    kind: str,
    body: str,
    author: str = "",
    written_at: datetime | None = None,
    corrects_note_id: str | None = None,
) -> str:
    """Add a typed note. Notes are never edited: a correction is a new note with ``corrects_note_id``."""
    c = Checker()
    c.run("kind", require_choice, kind, NoteKind, "Type de note inconnu.")
    c.run("body", require_text, body, "La note est vide.", 20000)
    when = c.run("written_at", _moment, written_at, "Date de la note invalide.")
    c.raise_if_any()
    with transaction(db) as s:
        get_row(s, Person, person_id, "Personne")
        if corrects_note_id is not None:
            original = get_row(s, Note, corrects_note_id, "Note à corriger")
            if original.person_id != person_id:
                raise ValidationError(
                    fields={"corrects_note_id": "La note corrigée concerne une autre personne."}
                )
        note = Note(
            id=new_id(),
            person_id=person_id,
            kind=kind,
            body=body.strip(),
            author=author,
            written_at=when,
            corrects_note_id=corrects_note_id,
        )
        s.add(note)
        return note.id


def list_notes(db: DbOrSession, person_id: str) -> list[NoteView]:
    """The person's notes, oldest first, each with the id of its correction if it was corrected."""
    with reading(db) as s:
        rows = s.scalars(
            select(Note)
            .where(Note.person_id == person_id, Note.deleted_at.is_(None))
            .order_by(Note.written_at, Note.created_at)
        ).all()
        corrected = {n.corrects_note_id: n.id for n in rows if n.corrects_note_id}
        return [
            NoteView(n.id, n.kind, n.body, n.author, n.written_at, n.corrects_note_id, corrected.get(n.id))
            for n in rows
        ]


# --- diagnostic -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DiagnosticView:
    id: str
    version_no: int
    author: str
    recorded_at: datetime
    source: str
    health_constraint: bool
    data: dict[str, Any]


def _diagnostic_data(data: Mapping[str, Any]) -> dict[str, Any]:
    if not isinstance(data, Mapping) or not all(isinstance(v, Mapping) for v in data.values()):
        raise FieldError("Le diagnostic est organisé en rubriques (rubrique → élément → valeur).")
    health = data.get(HEALTH_SECTION, {})
    if set(health) - {HEALTH_ITEM}:
        raise FieldError("Santé : seule la contrainte (oui/non) est enregistrée, jamais de détail médical.")
    try:
        return dict(json.loads(json.dumps(data, ensure_ascii=False)))
    except (TypeError, ValueError):
        raise FieldError("Le diagnostic contient des valeurs non enregistrables.") from None


def save_diagnostic(
    db: DbOrSession,
    person_id: str,
    *,
    data: Mapping[str, Any],
    health_constraint: bool,
    author: str = "",
    source: str = "referent",
    recorded_at: datetime | None = None,
) -> int:
    """Save the diagnostic as a new version (``version_no`` + 1); earlier versions stay. Returns the number."""
    c = Checker()
    clean = c.run("data", _diagnostic_data, data)
    c.run("source", require_choice, source, frozenset({"caf", "referent"}), "Origine du diagnostic inconnue.")
    when = c.run("recorded_at", _moment, recorded_at, "Date du diagnostic invalide.")
    c.raise_if_any()
    assert clean is not None and when is not None
    clean.setdefault(HEALTH_SECTION, {})[HEALTH_ITEM] = bool(health_constraint)
    with transaction(db) as s:
        get_row(s, Person, person_id, "Personne")
        number = (
            max((d.version_no for d in rows_of(s, DiagnosticVersion, person_id=person_id)), default=0) + 1
        )
        s.add(
            DiagnosticVersion(
                id=new_id(),
                person_id=person_id,
                version_no=number,
                author=author,
                recorded_at=when,
                source=source,
                health_constraint=bool(health_constraint),
                data=clean,
            )
        )
        return number


def diagnostic_versions(db: DbOrSession, person_id: str) -> list[DiagnosticView]:
    with reading(db) as s:
        rows = s.scalars(
            select(DiagnosticVersion)
            .where(DiagnosticVersion.person_id == person_id)
            .order_by(DiagnosticVersion.version_no)
        ).all()
        return [
            DiagnosticView(
                d.id, d.version_no, d.author, d.recorded_at, d.source, d.health_constraint, dict(d.data)
            )
            for d in rows
        ]


# --- sanctions and audit ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SanctionStepRef:
    id: str
    procedure_id: str


def add_sanction_step(
    db: DbOrSession,
    person_id: str,
    *,
    kind: str,
    step_date: date | str,
    procedure_id: str | None = None,
    detail: str = "",
    author: str = "",
) -> SanctionStepRef:
    """Record a dated step of a suspension-remobilisation procedure (facts only, never an amount).

    Without ``procedure_id`` a new procedure starts, and it must start with a manquement.
    """
    check("kind", require_choice, kind, SanctionStepKind, "Étape de procédure inconnue.")
    day = check("step_date", require_date, step_date, _DATE_MSG)
    if procedure_id is None and kind != SanctionStepKind.BREACH:
        raise ValidationError(fields={"kind": "Une procédure commence par le constat d'un manquement."})
    with transaction(db) as s:
        get_row(s, Person, person_id, "Personne")
        if procedure_id is not None:
            steps = rows_of(s, SanctionStep, procedure_id=procedure_id)
            if not steps or any(st.person_id != person_id for st in steps):
                raise ValidationError(fields={"procedure_id": "Procédure introuvable pour cette personne."})
            if day < max(st.step_date for st in steps):
                raise ValidationError(
                    fields={"step_date": "Cette étape précède la dernière étape enregistrée."}
                )
        row = SanctionStep(
            id=new_id(),
            person_id=person_id,
            procedure_id=procedure_id or new_id(),
            kind=kind,
            step_date=day,
            detail=optional_text(detail, 2000),
            author=author,
        )
        s.add(row)
        return SanctionStepRef(row.id, row.procedure_id)


def record_audit(
    db: DbOrSession,
    *,
    actor: str,
    action: str,
    person_id: str | None = None,
    object_table: str = "",
    object_id: str = "",
    detail: str = "",
    at: datetime | None = None,
) -> str:
    """Add an audit-trail entry: who viewed, changed, printed or exported which file."""
    c = Checker()
    c.run("actor", require_text, actor, "L'auteur est obligatoire.", 80)
    c.run("action", require_choice, action, AuditAction, "Action d'audit inconnue.")
    when = c.run("at", _moment, at, "Date invalide.")
    c.raise_if_any()
    with transaction(db) as s:
        row = AuditEvent(
            id=new_id(),
            at=when,
            actor=actor,
            action=action,
            person_id=person_id,
            object_table=object_table,
            object_id=object_id,
            detail=optional_text(detail, 2000),
        )
        s.add(row)
        return row.id
