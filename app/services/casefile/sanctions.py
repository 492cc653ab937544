"""Steps of a sanction procedure (CASF L.262-37 in its 2025 wording; décret n° 2025-478 du 30 mai 2025).

manquement constaté → mise en mesure de présenter ses observations → avis de l'équipe pluridisciplinaire →
décision du président du conseil départemental (suspension, suppression or radiation proposée, with the share
and the duration decided) → levée (remobilisation) → RAPO and its outcome. The app records facts and dates;
it never computes an amount. A person under sanction stays in the caseload: a sanction is never an exit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from app.models.enums import RapoOutcome, SanctionDecision, SanctionStepKind
from app.models.law import (
    SANCTION_FIRST_MAX_MONTHS,
    SANCTION_HOUSEHOLD_CAP,
    SANCTION_MAX_MONTHS,
    SANCTION_MAX_RATE,
    SANCTION_MIN_RATE,
)
from app.models.tables.base import new_id
from app.models.tables.followup import SanctionStep
from app.models.tables.people import Person
from app.services.errors import ValidationError
from app.services.storage.uow import get_row, rows_of, use_case
from app.services.validation import DATE_MESSAGE, Checker, optional_text, require_choice, require_date

_K = SanctionStepKind
_SANCTIONS = frozenset({SanctionDecision.SUSPENSION, SanctionDecision.SUPPRESSION})


@dataclass(frozen=True)
class SanctionStepRef:
    id: str
    procedure_id: str


@dataclass(frozen=True)
class Decision:
    """The facts of a « décision » step, as decided by the PCD (never computed)."""

    decision: str  # enums.SanctionDecision
    rate_percent: int | None = None  # share suspended or suppressed
    duration_months: int | None = None
    household_cap: bool = False  # household of more than one person, or L.262-9 majoration: 50 % at most


def _decision_errors(d: Decision, steps: list[SanctionStep], first: bool) -> dict[str, str]:
    errors: dict[str, str] = {}
    if d.decision not in set(SanctionDecision):
        return {
            "decision": "Choisissez la décision prise (suspension, suppression, radiation proposée ou pas de sanction)."
        }
    if d.decision == SanctionDecision.SUPPRESSION and not any(st.kind == _K.EP_OPINION for st in steps):
        errors["decision"] = (
            "Une suppression ne peut intervenir qu'après avis de l'équipe pluridisciplinaire (article L. 262-37 "
            "du code de l'action sociale et des familles) : enregistrez d'abord l'avis de l'EP."
        )
    if d.decision not in _SANCTIONS:
        return errors
    cap = SANCTION_HOUSEHOLD_CAP if d.household_cap else SANCTION_MAX_RATE
    if d.rate_percent is None or not SANCTION_MIN_RATE <= d.rate_percent <= cap:
        errors["rate_percent"] = f"Quotité décidée : entre {SANCTION_MIN_RATE} et {cap} %" + (
            " (foyer de plus d'une personne ou majoration : 50 % au plus)." if d.household_cap else "."
        )
    longest = (
        SANCTION_FIRST_MAX_MONTHS
        if first and d.decision == SanctionDecision.SUSPENSION
        else SANCTION_MAX_MONTHS
    )
    if d.duration_months is None or not 1 <= d.duration_months <= longest:
        what = "pour un premier manquement" if longest == SANCTION_FIRST_MAX_MONTHS else "au plus"
        errors["duration_months"] = f"Durée décidée : de 1 à {longest} mois {what} (décret n° 2025-478)."
    return errors


def _is_first_procedure(s: Session, person_id: str, procedure_id: str | None) -> bool:
    """No earlier procedure of the person reached a sanction decision (the « premier manquement »)."""
    for st in rows_of(s, SanctionStep, person_id=person_id):
        if st.procedure_id != procedure_id and st.kind == _K.DECISION and st.decision in _SANCTIONS:
            return False
    return True


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
    decision: Decision | None = None,
    outcome: str | None = None,
) -> SanctionStepRef:
    """Record a dated step of a sanction procedure (facts only, never an amount).

    Without ``procedure_id`` a new procedure starts, and it must start with a manquement. A « décision » step
    carries its :class:`Decision`; an « issue du RAPO » step its outcome (enums.RapoOutcome).
    """
    c = Checker()
    c.run("kind", require_choice, kind, SanctionStepKind, "Étape de procédure inconnue.")
    day = c.run("step_date", require_date, step_date, DATE_MESSAGE)
    text = c.run("detail", optional_text, detail, 2000)
    c.raise_if_any()
    assert day is not None
    if procedure_id is None and kind != _K.BREACH:
        raise ValidationError(fields={"kind": "Une procédure commence par le constat d'un manquement."})
    get_row(s, Person, person_id, "Personne")
    steps: list[SanctionStep] = []
    if procedure_id is not None:
        steps = rows_of(s, SanctionStep, procedure_id=procedure_id)
        if not steps or any(st.person_id != person_id for st in steps):
            raise ValidationError(fields={"procedure_id": "Procédure introuvable pour cette personne."})
        if day < max(st.step_date for st in steps):
            raise ValidationError(fields={"step_date": "Cette étape précède la dernière étape enregistrée."})
    errors: dict[str, str] = {}
    if kind == _K.DECISION:
        if decision is None:
            errors["decision"] = "Indiquez la décision prise."
        else:
            errors.update(_decision_errors(decision, steps, _is_first_procedure(s, person_id, procedure_id)))
    if kind == _K.RAPO and not any(st.kind == _K.DECISION for st in steps):
        errors["kind"] = "Un RAPO conteste une décision : enregistrez d'abord la décision."
    if kind == _K.LITIGATION and not any(st.kind == _K.DECISION for st in steps):
        errors["kind"] = "Un recours contentieux conteste une décision : enregistrez d'abord la décision."
    if kind == _K.LITIGATION_OUTCOME and not any(st.kind == _K.LITIGATION for st in steps):
        errors["kind"] = "Enregistrez d'abord le recours contentieux."
    if kind == _K.RAPO_OUTCOME:
        if not any(st.kind == _K.RAPO for st in steps):
            errors["kind"] = "Enregistrez d'abord la réception du RAPO."
        if outcome not in set(RapoOutcome):
            errors["outcome"] = "Indiquez l'issue du recours (décision maintenue, modifiée ou retirée)."
    if errors:
        raise ValidationError(fields=errors)
    row = SanctionStep(
        id=new_id(),
        person_id=person_id,
        procedure_id=procedure_id or new_id(),
        kind=kind,
        step_date=day,
        detail=text or "",
        author=author,
        decision=decision.decision if decision is not None and kind == _K.DECISION else None,
        rate_percent=decision.rate_percent if decision is not None and kind == _K.DECISION else None,
        duration_months=decision.duration_months if decision is not None and kind == _K.DECISION else None,
        household_cap=bool(decision and decision.household_cap and kind == _K.DECISION),
        outcome=outcome if kind == _K.RAPO_OUTCOME else None,
    )
    s.add(row)
    return SanctionStepRef(row.id, row.procedure_id)
