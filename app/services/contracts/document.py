"""The contract PDF from the database.

A **draft** prints today's data: the person, the référent, the orientation, the latest diagnostic (no health
detail), the contract's latest version. A **signed** contract prints what it was signed as: at signature,
:func:`freeze` stores the whole :class:`~app.services.contracts.printed.ContractDocument` (with the legal texts
and the rule version) as a :class:`~app.models.tables.contracts.ContractSnapshot`, and :func:`printable` reads it
back for every later print, preview, batch and export — only the département's validation (who, when, from
the contract's immutable events) is added. A contract signed before snapshots existed is frozen at its first
print after the upgrade. Rendering is audited (« impression »).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models.enums import AppointmentStatus, AuditAction, ContractStatus, HoursRegime, Signer
from app.models.tables.base import new_id, utcnow
from app.models.tables.contracts import Contract, ContractEvent, ContractSnapshot
from app.models.tables.people import Person, Referent
from app.models.vocabularies.loader import load_vocabularies
from app.services.agenda import views as agenda
from app.services.casefile import diagnostic
from app.services.contracts.draft import ContractDraft
from app.services.contracts.layout import render_contract
from app.services.contracts.printed import (
    ContractDocument,
    HoursBlock,
    OfferBlock,
    OrientationBlock,
    PersonBlock,
    ReferentBlock,
    SignatureBlock,
    ValidationBlock,
    document_from_json,
    document_to_json,
)
from app.services.contracts.views import ContractView, SignatureView, get_contract
from app.services.people import parcours
from app.services.people.identity import current_referent_id
from app.services.printing.base import AppointmentLine
from app.services.settings import letterhead
from app.services.storage import audit as audit_mod
from app.services.storage import settings
from app.services.storage.db import Database
from app.services.storage.outputs import session_outputs
from app.services.storage.uow import get_row, query, rows_of, unit_of_work, use_case

SIGNER_LABELS: dict[str, str] = {Signer.PERSON: "La personne accompagnée", Signer.REFERENT: "Le référent"}


def _person_block(p: Person) -> PersonBlock:
    town = f"{p.postal_code} {p.city}".strip()
    lines = tuple(x for x in (p.address_line, p.address_extra, town) if x.strip())
    return PersonBlock(f"{p.first_name} {p.last_name}", p.birth_date, lines, p.caf_number)


def _referent_block(s: Session, p: Person) -> ReferentBlock:
    ref_id = p.referent_id or current_referent_id.within(s)
    ref = s.get(Referent, ref_id) if ref_id else None
    if ref is None:
        return ReferentBlock("—", "—")
    return ReferentBlock(f"{ref.first_name} {ref.last_name}", ref.structure or "—", ref.phone, ref.email)


def _orientation_block(s: Session, person_id: str) -> OrientationBlock:
    history = parcours.orientation_history.within(s, person_id)
    current = next((o for o in reversed(history) if o.ended_on is None), history[-1] if history else None)
    if current is None:
        return OrientationBlock("Non renseignée", None, "—")
    label = load_vocabularies().label("tracks", current.track)
    return OrientationBlock(label, current.decision_date, current.organisme or "—")


def _signature(sig: SignatureView | None) -> SignatureBlock | None:
    if sig is None:
        return None
    method: Literal["pad", "papier"] = "papier" if sig.method == "papier" else "pad"
    return SignatureBlock(
        SIGNER_LABELS.get(sig.signer, ""),
        method,
        sig.strokes if method == "pad" else (),
        sig.signed_at,
        sig.place,
    )


def _next_rdv(s: Session, person_id: str, chosen: datetime | None) -> AppointmentLine | None:
    if chosen is not None:
        return AppointmentLine(chosen)
    now = datetime.now()
    coming = [
        a
        for a in agenda.person_appointments.within(s, person_id)
        if a.starts_at >= now and a.status == AppointmentStatus.PLANNED
    ]
    if not coming:
        return None
    a = min(coming, key=lambda a: a.starts_at)
    return AppointmentLine(a.starts_at, a.place, a.nature_label, a.purpose_label)


@query
def build_document(
    s: Session, contract_id: str, *, department: str | None = None, issued_on: date | None = None
) -> ContractDocument:
    """Everything printed on the contract, from **today's** data (a draft, or the snapshot being taken).
    Never the NIR. ``department`` and the DPO contact come from Paramètres unless ``department`` is given."""
    return _build(s, contract_id, department, issued_on)


def _hours(draft: ContractDraft) -> HoursBlock | None:
    if draft.kind != "ce":
        return None
    ground = load_vocabularies().label("hours_grounds", draft.hours_ground) if draft.hours_ground else ""
    if draft.hours_regime != HoursRegime.NONE:
        ground = ""
    reason = draft.hours_reason.strip() if draft.hours_regime == HoursRegime.REDUCED else ""
    return HoursBlock(draft.hours_regime, ground, reason)


def _offer(draft: ContractDraft) -> OfferBlock | None:
    if draft.kind != "ce" or not draft.salaried_goal:
        return None
    return OfferBlock(
        draft.ore_jobs.strip(), draft.ore_area.strip(), draft.ore_salary.strip(), draft.search_acts.strip()
    )


def _build(s: Session, contract_id: str, department: str | None, issued_on: date | None) -> ContractDocument:
    view: ContractView = get_contract.within(s, contract_id)
    draft = view.draft
    contract = get_row(s, Contract, contract_id, "Contrat")
    person = get_row(s, Person, contract.person_id, "Personne")
    person_block, person_id = _person_block(person), person.id
    referent = _referent_block(s, person)
    orientation = _orientation_block(s, person_id)
    summary = diagnostic.situation_summary.within(s, person_id)
    start = view.start_date or date.today()
    return ContractDocument(
        department=department or letterhead.department_name.within(s),
        dpo_contact=letterhead.dpo_contact.within(s),
        retention_months=int(settings.get.within(s, settings.RETENTION_MONTHS)),
        organisme=referent.structure if referent.structure != "—" else orientation.organisme,
        kind="ce" if view.kind == "ce" else "cer",
        regime=view.regime,
        number=view.number,
        amendment_no=contract.amendment_no,
        is_renewal=view.is_renewal,
        start_date=start,
        # a contract broken off (résilié) before it started keeps an end before its start: it never ran
        end_date=max(view.end_date or start, start),
        duration_months=view.duration_months,
        person=person_block,
        referent=referent,
        orientation=orientation,
        situation=summary.lines,
        health_constraint=summary.health_constraint,
        objectives=draft.objectives,
        actions=draft.actions,
        hours=_hours(draft),
        offer=_offer(draft),
        commitments_text=draft.commitments,
        next_rdv=_next_rdv(s, person_id, draft.next_rdv),
        bilan_date=draft.bilan_date,
        person_observations=draft.observations,
        rules_version=view.rules_version,
        person_signature=_signature(view.signature_of(Signer.PERSON)),
        referent_signature=_signature(view.signature_of(Signer.REFERENT)),
        issued_on=issued_on,
    )


@use_case
def freeze(s: Session, contract_id: str, *, reason: str = "signature") -> str:
    """Store what the contract prints now as its frozen text (at signature). Returns the snapshot id."""
    contract = get_row(s, Contract, contract_id, "Contrat")
    doc = _build(s, contract_id, None, contract.signed_on or date.today())
    row = ContractSnapshot(
        id=new_id(),
        contract_id=contract.id,
        version_no=contract.current_version,
        taken_at=utcnow(),
        reason=reason,
        rules_version=doc.rules_version,
        texts_version=doc.texts_version,
        document=document_to_json(doc),
    )
    s.add(row)
    return row.id


def latest_snapshot(s: Session, contract_id: str) -> ContractSnapshot | None:
    rows = [r for r in rows_of(s, ContractSnapshot, contract_id=contract_id)]
    return max(rows, key=lambda r: (r.version_no, r.taken_at), default=None)


def _validation(s: Session, contract_id: str) -> ValidationBlock | None:
    events = s.scalars(
        select(ContractEvent)
        .where(ContractEvent.contract_id == contract_id, ContractEvent.to_status == ContractStatus.VALIDATED)
        .order_by(ContractEvent.at, ContractEvent.id)
    ).all()
    return ValidationBlock(events[0].at.date(), events[0].author) if events else None


@use_case
def printable(s: Session, contract_id: str, *, department: str | None = None) -> ContractDocument:
    """What the contract prints: today's data for a draft; the frozen text for a signed contract (taken now,
    once, for a contract signed before snapshots existed), with the département's validation when given."""
    contract = get_row(s, Contract, contract_id, "Contrat")
    if contract.status in (ContractStatus.DRAFT, ContractStatus.REJECTED) and contract.signed_on is None:
        return _build(s, contract_id, department, None)
    snapshot = latest_snapshot(s, contract_id)
    if snapshot is None:
        freeze.within(s, contract_id, reason="premiere_impression")
        snapshot = latest_snapshot(s, contract_id)
        assert snapshot is not None
    doc = document_from_json(snapshot.document)
    return replace(doc, validation=_validation(s, contract_id))


def render_pdf(
    db: Database,
    contract_id: str,
    *,
    actor: str,
    department: str | None = None,
    out: Path | None = None,
    audit: str | None = AuditAction.PRINT,
    seal: bool = True,
) -> bytes:
    """The contract as PDF bytes (written to ``out`` when given). The audit trail records ``audit``
    (« impression » by default; None for an on-screen preview, audited when printed or saved).

    When the département's seal is configured (Paramètres), the PDF is sealed (PAdES certification);
    a configured seal that cannot be used raises :class:`~app.services.printing.seal.SealError`.
    The database is read in one read transaction, the PDF made and sealed outside any transaction, and the
    file written together with its audit event in one unit of work.
    """
    data = render_contract(printable(db, contract_id, department=department))
    if seal:
        data = seal_document(db, data)
    with unit_of_work(db) as s:
        if out is not None:
            session_outputs(s).write(out, data)  # all or nothing, removed if the audit then fails
        if audit is not None:
            record_output.within(s, contract_id, actor=actor, action=audit)
    return data


def seal_document(db: Database, data: bytes) -> bytes:
    """``data`` sealed with the département's certificate when one is configured, else unchanged."""
    from app.services.printing.seal import seal_with
    from app.services.settings import seal as seal_config

    signer = seal_config.sealer_for(db)
    if signer is None:
        return data
    return seal_with(data, signer, location=letterhead.department_name(db))


@use_case
def record_output(s: Session, contract_id: str, *, actor: str, action: str = AuditAction.PRINT) -> str:
    """Audit trail: the contract was printed (« impression ») or saved as a file (« export »)."""
    row = get_row(s, Contract, contract_id, "Contrat")
    person_id, number = row.person_id, row.number
    return audit_mod.record_audit.within(
        s,
        actor=actor or "local",
        action=action,
        person_id=person_id,
        object_table="contract",
        object_id=contract_id,
        detail=f"Contrat n° {number}",
    )
