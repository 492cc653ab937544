"""What a finalised bilan's recommendation opens (ADR 0050), in the bilan's own unit of work:

- « renouvellement »: the renewal draft of the contract reviewed (the plan copied, starting the day after); an
  existing renewal draft is taken instead of making a second one. The « fin de contrat » deadline is then met.
- « avenant »: an avenant draft of the contract reviewed (or the one already drafted).
- « réorientation »: the request itself, with its track, is the record; the département decides (deadline
  « réorientation demandée », one month, closed by the new orientation decision).
- « sortie »: the exit is recorded (category and reason), or the exit already recorded is linked.
- « poursuite »: nothing.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models.enums import BilanRecommendation, ContractStatus, PersonStatus
from app.models.tables.contracts import Contract
from app.models.tables.people import ExitRecord, Person
from app.models.tables.reviews import Bilan
from app.services.bilans.values import NEEDS_CONTRACT, ExitChoice
from app.services.contracts import editor
from app.services.contracts.views import VALID_STATUSES
from app.services.errors import ValidationError
from app.services.people import parcours
from app.services.people.deadlines import current_tracks
from app.services.storage.uow import get_row, rows_of

_R = BilanRecommendation


def current_contract(s: Session, person_id: str, on: date | None = None) -> Contract | None:
    """The person's contract in force: the signed one starting last (on or before ``on``); of a contract and
    its signed avenants (same period), the last avenant, whose plan is the one in force."""
    day = on or date.today()
    signed = [
        c
        for c in rows_of(s, Contract, person_id=person_id)
        if c.status in VALID_STATUSES and (c.start_date or date.min) <= day
    ]
    return max(signed, key=lambda c: (c.start_date or date.min, c.created_at), default=None)


def reviewed_contract(s: Session, bilan: Bilan) -> Contract | None:
    if bilan.contract_id:
        return get_row(s, Contract, bilan.contract_id, "Contrat")
    return current_contract(s, bilan.person_id, bilan.held_on)


def check_possible(s: Session, bilan: Bilan) -> None:
    """The recommendation can open its step (ValidationError naming the field otherwise)."""
    rec = bilan.recommendation
    if rec in NEEDS_CONTRACT:
        contract = reviewed_contract(s, bilan)
        if contract is None or contract.status not in VALID_STATUSES:
            what = "Un renouvellement" if rec == _R.RENEWAL else "Un avenant"
            raise ValidationError(
                fields={
                    "recommendation": f"{what} suppose un contrat signé : choisissez le contrat du bilan, ou "
                    "une autre préconisation."
                }
            )
    if rec == _R.REORIENTATION:
        track = current_tracks(s, [bilan.person_id]).get(bilan.person_id)
        if track and track == bilan.recommended_track:
            raise ValidationError(
                fields={"recommended_track": "C'est déjà le parcours de l'orientation en cours."}
            )


def _renewal(s: Session, contract: Contract, author: str) -> str:
    drafts = rows_of(s, Contract, previous_contract_id=contract.id, status=ContractStatus.DRAFT)
    if drafts:
        return drafts[0].id
    return editor.renew.within(s, contract.id, author=author)


def _avenant(s: Session, contract: Contract, author: str) -> str:
    drafts = [
        c for c in rows_of(s, Contract, amends_contract_id=contract.id) if c.status == ContractStatus.DRAFT
    ]
    if drafts:
        return drafts[0].id
    return editor.amend.within(s, contract.id, author=author)


def _exit(s: Session, bilan: Bilan, choice: ExitChoice | None) -> str:
    person = get_row(s, Person, bilan.person_id, "Personne")
    if person.status == PersonStatus.EXITED:  # the bilan de sortie of an exit already recorded
        last = s.scalars(
            select(ExitRecord)
            .where(ExitRecord.person_id == person.id, ExitRecord.deleted_at.is_(None))
            .order_by(ExitRecord.exit_date.desc(), ExitRecord.created_at.desc())
        ).first()
        if last is not None:
            return last.id
    if choice is None:
        raise ValidationError(
            fields={"exit": "Indiquez la catégorie et le motif de la sortie pour finaliser ce bilan."}
        )
    return parcours.record_exit.within(
        s,
        bilan.person_id,
        exit_date=choice.exit_date or bilan.held_on,
        category=choice.category,
        reason=choice.reason,
        detail=choice.detail,
        in_job_followup_until=choice.in_job_followup_until,
    )


def open_next_step(
    s: Session, bilan: Bilan, author: str, exit_choice: ExitChoice | None
) -> tuple[str, str | None]:
    """Open what the recommendation asks; returns (table, id) of what it made or found ("" when none)."""
    rec = bilan.recommendation
    if rec in NEEDS_CONTRACT:
        contract = reviewed_contract(s, bilan)
        assert contract is not None  # check_possible ran first
        made = _renewal(s, contract, author) if rec == _R.RENEWAL else _avenant(s, contract, author)
        return "contract", made
    if rec == _R.EXIT:
        return "exit_record", _exit(s, bilan, exit_choice)
    return "", None
