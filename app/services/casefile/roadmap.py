"""« Ma feuille de route » from the database: :class:`app.services.casefile.roadmap_layout.RoadmapDocument` built from the
person, their référent, their live objectives and actions and their coming RDVs; rendering is audited
(« impression »). No NIR, no CAF number, no diagnostic detail on this page (it is the person's own copy).
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models.enums import ActionStatus, AppointmentStatus, AuditAction, ObjectiveStatus
from app.models.tables.carnet import Action, Objective
from app.models.tables.followup import Appointment
from app.models.tables.people import Person, Referent
from app.models.vocabularies.loader import Vocabularies, load_vocabularies
from app.services.settings import letterhead
from app.services.storage import audit, settings
from app.services.storage.outputs import session_outputs
from app.services.storage.uow import get_row, query, use_case

if TYPE_CHECKING:  # the layout (reportlab) loads when a feuille de route is printed, not with the tab
    from app.services.casefile.roadmap_layout import RoadmapDocument, RoadmapObjective
    from app.services.printing.base import AppointmentLine

_HIDDEN_ACTIONS = frozenset({ActionStatus.CANCELLED, ActionStatus.ABANDONED})


def _referent(s: Session, person: Person) -> Referent | None:
    ref_id = person.referent_id or settings.get.within(s, settings.CURRENT_REFERENT_ID)
    return s.get(Referent, ref_id) if ref_id else None


def _objectives(s: Session, person_id: str, vocab: Vocabularies) -> tuple[RoadmapObjective, ...]:
    from app.services.casefile.roadmap_layout import RoadmapAction, RoadmapObjective

    objectives = s.scalars(
        select(Objective)
        .where(Objective.person_id == person_id, Objective.deleted_at.is_(None))
        .where(Objective.status != ObjectiveStatus.ABANDONED)
        .order_by(Objective.position, Objective.created_at)
    ).all()
    actions = s.scalars(
        select(Action)
        .where(Action.person_id == person_id, Action.deleted_at.is_(None))
        .order_by(Action.start_date, Action.created_at)
    ).all()
    out = []
    for o in sorted(objectives, key=lambda o: o.status != ObjectiveStatus.IN_PROGRESS):
        steps = tuple(
            RoadmapAction(a.label, a.status, a.partner, a.end_date or a.start_date)
            for a in actions
            if a.objective_id == o.id and a.status not in _HIDDEN_ACTIONS
        )
        out.append(RoadmapObjective(o.title, o.status, vocab.label("carnet_themes", o.theme), steps))
    return tuple(out)


def _appointments(
    s: Session, person_id: str, vocab: Vocabularies, now: datetime
) -> tuple[AppointmentLine, ...]:
    from app.services.printing.base import AppointmentLine

    rows = s.scalars(
        select(Appointment)
        .where(Appointment.person_id == person_id, Appointment.deleted_at.is_(None))
        .where(Appointment.status == AppointmentStatus.PLANNED, Appointment.starts_at >= now)
        .order_by(Appointment.starts_at)
        .limit(6)
    ).all()
    return tuple(
        AppointmentLine(a.starts_at, a.place, a.nature, vocab.label("appointment_purposes", a.purpose))
        for a in rows
    )


@query
def build_roadmap(
    s: Session, person_id: str, *, today: date | None = None, department: str | None = None
) -> RoadmapDocument:
    """Everything printed on the person's feuille de route, read from the database.

    ``department`` defaults to the name set in Paramètres (:func:`letterhead.department_name`).
    """
    from app.services.casefile.roadmap_layout import RoadmapDocument

    department = department or letterhead.department_name.within(s)
    vocab = load_vocabularies()
    printed_on = today or date.today()
    person = get_row(s, Person, person_id, "Personne")
    ref = _referent(s, person)
    return RoadmapDocument(
        person_name=f"{person.first_name} {person.last_name}",
        referent_name=f"{ref.first_name} {ref.last_name}" if ref else "à désigner",
        referent_structure=(ref.structure if ref else "") or department,
        printed_on=printed_on,
        department=department,
        referent_phone=ref.phone if ref else "",
        referent_email=ref.email if ref else "",
        objectives=_objectives(s, person_id, vocab),
        appointments=_appointments(s, person_id, vocab, datetime.combine(printed_on, datetime.min.time())),
    )


@use_case
def render_roadmap_pdf(
    s: Session, person_id: str, *, actor: str, out: Path | str | None = None, today: date | None = None
) -> bytes:
    """The feuille de route as PDF bytes (written to ``out`` when given); the audit records « impression »."""
    from app.services.casefile.roadmap_layout import render_roadmap

    data = render_roadmap(build_roadmap.within(s, person_id, today=today))
    if out is not None:
        session_outputs(s).write(out, data)  # all or nothing, removed if the audit then fails
    audit.record_audit.within(
        s,
        actor=actor or "local",
        action=AuditAction.PRINT,
        person_id=person_id,
        object_table="person",
        object_id=person_id,
        detail="Impression de la feuille de route",
    )
    return data
