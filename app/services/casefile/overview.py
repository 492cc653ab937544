"""Read side of the person page: the header card, the Synthèse tab, the counts behind the other tabs.

Also records the audit event of a consultation (:func:`record_view`). Returns frozen dataclasses only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models.enums import AppointmentStatus, AuditAction
from app.models.identity.nir import mask_nir
from app.models.tables.carnet import Action, DiagnosticVersion, Document, Objective
from app.models.tables.contracts import Contract
from app.models.tables.followup import Appointment, Note
from app.models.tables.local import AuditEvent
from app.models.tables.people import Orientation, Person, Referent, ReferentAssignment
from app.services.errors import NotFoundError
from app.services.people.deadlines import Deadline, DueState, current_tracks, next_deadlines, person_deadlines
from app.services.people.identity import current_actor
from app.services.people.labels import (
    CONTRACT_STATUS_LABELS,
    LIVE_CONTRACT,
    REGIME_LABELS,
    TRACK_LABELS,
    label,
)
from app.services.storage import audit
from app.services.storage.db import Database
from app.services.storage.uow import person_rows

# --- person page -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PersonHeader:
    id: str
    display_name: str
    civility: str
    age: int | None
    birth_date: date | None
    caf_number: str
    nir_masked: str
    track: str
    regime: str
    referent: str
    status: str
    contract: str
    next_rdv: datetime | None
    next_rdv_purpose: str
    urgent: Deadline | None

    @property
    def track_label(self) -> str:
        return label(TRACK_LABELS, self.track)

    @property
    def regime_label(self) -> str:
        return label(REGIME_LABELS, self.regime)


@dataclass(frozen=True)
class OrientationItem:
    track: str
    organisme: str
    decision_date: date
    notification_date: date | None
    is_reorientation: bool
    ended_on: date | None

    @property
    def track_label(self) -> str:
        return label(TRACK_LABELS, self.track)


@dataclass(frozen=True)
class ReferentItem:
    name: str
    structure: str
    start_date: date
    reason: str


@dataclass(frozen=True)
class PersonSummary:
    header: PersonHeader
    identity: dict[str, str]
    orientations: tuple[OrientationItem, ...]
    referents: tuple[ReferentItem, ...]
    counts: dict[str, int]
    deadlines: tuple[Deadline, ...] = ()
    deadlines_from_rules: bool = False


def age_on(born: date | None, today: date) -> int | None:
    if born is None:
        return None
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def _d(value: date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


def _contract_text(s: Session, person_id: str) -> str:
    c = s.execute(
        select(Contract.kind, Contract.status, Contract.end_date)
        .where(Contract.person_id == person_id, Contract.deleted_at.is_(None))
        .order_by(Contract.start_date.desc().nulls_last(), Contract.created_at.desc())
    ).first()
    if c is None:
        return "Aucun contrat"
    text = f"{c[0].upper()} {label(CONTRACT_STATUS_LABELS, c[1]).lower()}"
    return f"{text} jusqu'au {_d(c[2])}" if c[2] and c[1] in LIVE_CONTRACT else text


def deadlines_of(db: Database, person_id: str) -> tuple[tuple[Deadline, ...], bool]:
    """The person's open deadlines (earliest first) and whether the rule engine produced them."""
    by_rule = person_deadlines(db, [person_id])
    if by_rule is not None:
        return tuple(by_rule.get(person_id, [])), True
    known = next_deadlines(db, [person_id]).get(person_id)
    return ((known,) if known else ()), False


def _most_urgent(deadlines: tuple[Deadline, ...]) -> Deadline | None:
    """The deadline the lists put first (``app.models.rules.urgency``): a legal deadline past before a
    departmental target past, before what falls due soon; the earliest due date among equals."""
    open_ = [d for d in deadlines if d.state in (DueState.LATE, DueState.SOON)]
    return min(open_, key=lambda d: (d.grade, d.due), default=None)


def _header(s: Session, p: Person, today: date, deadlines: tuple[Deadline, ...]) -> PersonHeader:
    ref = s.get(Referent, p.referent_id) if p.referent_id else None
    rdv = s.execute(
        select(Appointment.starts_at, Appointment.purpose)
        .where(
            Appointment.person_id == p.id,
            Appointment.deleted_at.is_(None),
            Appointment.status == AppointmentStatus.PLANNED,
            Appointment.starts_at >= datetime.combine(today, datetime.min.time()),
        )
        .order_by(Appointment.starts_at)
    ).first()
    return PersonHeader(
        id=p.id,
        display_name=f"{p.last_name.upper()} {p.first_name}",
        civility=p.civility,
        age=age_on(p.birth_date, today),
        birth_date=p.birth_date,
        caf_number=p.caf_number or "",
        nir_masked=mask_nir(p.nir),
        track=current_tracks(s, [p.id]).get(p.id, ""),
        regime=p.regime or "",
        referent=f"{ref.first_name} {ref.last_name}" if ref else "",
        status=p.status,
        contract=_contract_text(s, p.id),
        next_rdv=rdv[0] if rdv else None,
        next_rdv_purpose=(rdv[1] or "").replace("_", " ") if rdv else "",
        urgent=_most_urgent(deadlines),
    )


def _get_person(s: Session, person_id: str) -> Person:
    p = s.get(Person, person_id)
    if p is None or p.deleted_at is not None:
        raise NotFoundError(
            "Cette personne est introuvable (elle a peut-être été retirée de la file active)."
        )
    return p


def person_header(db: Database, person_id: str) -> PersonHeader:
    deadlines, _ = deadlines_of(db, person_id)
    with db.read() as s:
        return _header(s, _get_person(s, person_id), date.today(), deadlines)


def _count(s: Session, model: Any, person_id: str) -> int:
    q = select(func.count()).select_from(model).where(model.person_id == person_id)
    if hasattr(model, "deleted_at"):
        q = q.where(model.deleted_at.is_(None))
    return int(s.scalar(q) or 0)


def person_summary(db: Database, person_id: str) -> PersonSummary:
    """Header, identity, orientation history, référent history and the number of records behind each tab."""
    deadlines, by_rules = deadlines_of(db, person_id)
    with db.read() as s:
        p = _get_person(s, person_id)
        header = _header(s, p, date.today(), deadlines)
        address = ", ".join(
            x for x in (p.address_line, p.address_extra, f"{p.postal_code} {p.city}".strip()) if x
        )
        identity = {
            "Civilité": p.civility,
            "Nom": p.last_name,
            "Nom de naissance": p.birth_name,
            "Prénom": p.first_name,
            "Date de naissance": _d(p.birth_date),
            "N° allocataire": p.caf_number or "",
            "NIR": mask_nir(p.nir),
            "Adresse": address,
            "Téléphone": p.phone,
            "Courriel": p.email,
            "Entrée au RSA": _d(p.rsa_entry_date),
            "Régime": header.regime_label,
        }
        orientations = tuple(
            OrientationItem(
                o.track, o.organisme, o.decision_date, o.notification_date, o.is_reorientation, o.ended_on
            )
            for o in person_rows(
                s, Orientation, p.id, Orientation.decision_date.desc(), Orientation.created_at.desc()
            )
        )
        referents = tuple(
            ReferentItem(f"{r.first_name} {r.last_name}", r.structure, a.start_date, a.reason)
            for a, r in s.execute(
                select(ReferentAssignment, Referent)
                .join(Referent, Referent.id == ReferentAssignment.referent_id)
                .where(ReferentAssignment.person_id == p.id, ReferentAssignment.deleted_at.is_(None))
                .order_by(ReferentAssignment.start_date.desc(), ReferentAssignment.created_at.desc())
            )
        )
        counts = {
            "diagnostic": _count(s, DiagnosticVersion, p.id),
            "carnet": _count(s, Objective, p.id) + _count(s, Action, p.id) + _count(s, Note, p.id),
            "rdv": _count(s, Appointment, p.id),
            "contrats": _count(s, Contract, p.id),
            "documents": _count(s, Document, p.id),
            "historique": _count(s, AuditEvent, p.id),
        }
    identity = {k: v for k, v in identity.items() if v}
    return PersonSummary(header, identity, orientations, referents, counts, deadlines, by_rules)


def record_view(db: Database, person_id: str) -> None:
    """Audit trail: the file of ``person_id`` was opened (action « consultation »)."""
    actor = current_actor(db)
    with db.session() as s:
        _get_person(s, person_id)
        audit.record_audit.within(
            s,
            actor=actor,
            action=AuditAction.VIEW,
            person_id=person_id,
            object_table="person",
            object_id=person_id,
        )


def reveal_nir(db: Database, person_id: str) -> str:
    """The full NIR of ``person_id``, for an explicit « Afficher le NIR »; writes an ``affichage_nir`` audit event.

    Returns '' when no NIR is recorded (nothing is revealed, nothing is audited).
    """
    actor = current_actor(db)
    with db.session() as s:
        nir = _get_person(s, person_id).nir or ""
        if nir:
            audit.record_audit.within(
                s,
                actor=actor,
                action=AuditAction.REVEAL_NIR,
                person_id=person_id,
                object_table="person",
                object_id=person_id,
                detail="NIR affiché en clair à l'écran",
            )
    return nir


def format_nir(nir: str) -> str:
    """« 2 85 05 75 123 456 01 » (the usual grouping), or the text unchanged when it is not 15 characters."""
    v = nir.replace(" ", "")
    if len(v) != 15:
        return nir
    return f"{v[0]} {v[1:3]} {v[3:5]} {v[5:7]} {v[7:10]} {v[10:13]} {v[13:]}"
