"""Printing the convocation of a person to a séance of the EP: the letter is built from the séance, the person
and the saisine's facts as they stand (nothing typed for it), written all or nothing, audited « impression »,
and the case records the day it was convened."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models.enums import AuditAction
from app.models.tables.ep import EpCase, EpReferral, EpReferralFact, EpSeance
from app.models.tables.people import Person, Referent
from app.models.vocabularies.loader import load_vocabularies
from app.services.ep.access import signed_in
from app.services.ep.facts import MISSING, describe
from app.services.ep.letter import ConvocationDocument, render_convocation
from app.services.errors import ValidationError
from app.services.settings import letterhead
from app.services.storage import audit
from app.services.storage.outputs import session_outputs
from app.services.storage.uow import get_row, query, use_case


@query
def build_convocation(s: Session, case_id: str, *, today: date | None = None) -> ConvocationDocument:
    """What the convocation of this case prints, read from the séance, the person and the saisine."""
    case = get_row(s, EpCase, case_id, "Dossier de séance")
    seance = get_row(s, EpSeance, case.seance_id, "Séance")
    referral = get_row(s, EpReferral, case.referral_id, "Saisine")
    person = get_row(s, Person, case.person_id, "Personne")
    v = load_vocabularies()
    facts = s.scalars(
        select(EpReferralFact).where(
            EpReferralFact.referral_id == referral.id, EpReferralFact.deleted_at.is_(None)
        )
    ).all()
    described = sorted((describe(s, f, v) for f in facts), key=lambda d: d[0] or date.min)
    ref = s.get(Referent, person.referent_id) if person.referent_id else None
    referent = ", ".join(
        x for x in ((f"{ref.first_name} {ref.last_name}" if ref else ""), ref.structure if ref else "") if x
    )
    town = f"{person.postal_code} {person.city}".strip()
    return ConvocationDocument(
        department=letterhead.department_name.within(s),
        seance_label=seance.label,
        held_at=seance.held_at,
        place=", ".join(x for x in (seance.place, seance.address) if x),
        contact=seance.contact,
        civility=person.civility if person.civility in ("M.", "Mme") else "",
        person_name=" ".join(x for x in (person.civility, person.first_name, person.last_name) if x),
        address_lines=tuple(x for x in (person.address_line, person.address_extra, town) if x.strip()),
        motive=referral.motive,
        proposed_track=v.label("tracks", referral.proposed_track).lower() if referral.proposed_track else "",
        facts=tuple(text for _day, text in described if text != MISSING),
        referent=referent,
        printed_on=today or date.today(),
    )


@use_case
def print_convocation(
    s: Session, case_id: str, *, out: Path | str | None = None, today: date | None = None
) -> bytes:
    """The convocation as PDF bytes (written to ``out`` when given); the case is marked convened that day and
    the audit trail records the « impression »."""
    case = get_row(s, EpCase, case_id, "Dossier de séance")
    if case.opinion is not None:
        raise ValidationError(fields={"case_id": "L'EP a déjà examiné ce dossier : plus de convocation."})
    doc = build_convocation.within(s, case_id, today=today)
    if doc.printed_on > doc.held_at.date():
        raise ValidationError(fields={"case_id": "La séance a déjà eu lieu : plus de convocation."})
    data = render_convocation(doc)
    if out is not None:
        session_outputs(s).write(out, data)
    if case.convened_on is None:
        case.convened_on = doc.printed_on
    audit.record_audit.within(
        s, actor=signed_in.within(s).login or "local", action=AuditAction.PRINT, person_id=case.person_id,
        object_table="ep_case", object_id=case.id,
        detail=f"Convocation à l'équipe pluridisciplinaire (séance du {doc.held_at:%d/%m/%Y})",
    )  # fmt: skip
    return data
