"""Steps of a suspension-remobilisation procedure (facts and dates only; the app never computes an amount)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from app.models.enums import SanctionStepKind
from app.models.tables.base import new_id
from app.models.tables.followup import SanctionStep
from app.models.tables.people import Person
from app.services.errors import ValidationError
from app.services.storage.uow import get_row, rows_of, use_case
from app.services.validation import DATE_MESSAGE, check, optional_text, require_choice, require_date


@dataclass(frozen=True)
class SanctionStepRef:
    id: str
    procedure_id: str


@use_case
def add_sanction_step(
    s: Session,
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
    day = check("step_date", require_date, step_date, DATE_MESSAGE)
    if procedure_id is None and kind != SanctionStepKind.BREACH:
        raise ValidationError(fields={"kind": "Une procédure commence par le constat d'un manquement."})
    get_row(s, Person, person_id, "Personne")
    if procedure_id is not None:
        steps = rows_of(s, SanctionStep, procedure_id=procedure_id)
        if not steps or any(st.person_id != person_id for st in steps):
            raise ValidationError(fields={"procedure_id": "Procédure introuvable pour cette personne."})
        if day < max(st.step_date for st in steps):
            raise ValidationError(fields={"step_date": "Cette étape précède la dernière étape enregistrée."})
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
