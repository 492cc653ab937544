"""Bilan use cases: a draft made (pre-filled from the carnet by :mod:`.prefill`), saved while it is a draft,
finalised — locked, and its recommendation's next step opened in the same unit of work
(:mod:`.next_step`) — or removed while still a draft; the views the screens, the commands and the PDF read.

Only a finalised bilan counts for the deadlines (« bilan » closed by a bilan of the contract's end, one year of
parcours or exit; « fin de contrat » prepared by a bilan deciding a réorientation or the exit; « réorientation
demandée » opened): see :mod:`app.services.people.alerts`.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models.enums import BilanRecommendation, BilanStatus
from app.models.errors import FilRougeError
from app.models.tables.base import new_id, utcnow
from app.models.tables.contracts import Contract
from app.models.tables.people import ExitRecord, Orientation, Person, Referent
from app.models.tables.reviews import Bilan
from app.models.vocabularies.loader import Vocabularies, load_vocabularies
from app.services.bilans import next_step
from app.services.bilans.values import (
    CONCLUDING,
    BilanInput,
    BilanView,
    ExitChoice,
    clean_input,
    objectives_of,
    participants_of,
)
from app.services.errors import ValidationError
from app.services.storage.uow import get_row, person_rows, query, use_case


class BilanLockedError(FilRougeError):
    default_message = "Ce bilan est finalisé : il ne peut plus être modifié (il est imprimé tel quel)."


def _check_contract(s: Session, person_id: str, contract_id: str | None) -> None:
    if contract_id is None:
        return
    contract = s.get(Contract, contract_id)
    if contract is None or contract.deleted_at is not None or contract.person_id != person_id:
        raise ValidationError(fields={"contract_id": "Ce contrat n'est pas un contrat de la personne."})


@use_case
def create_bilan(s: Session, person_id: str, data: BilanInput, *, author: str = "") -> str:
    """A new bilan, as a draft. Returns its id."""
    values = clean_input(data)
    get_row(s, Person, person_id, "Personne")
    _check_contract(s, person_id, values["contract_id"])
    row = Bilan(id=new_id(), person_id=person_id, status=BilanStatus.DRAFT, author=author, **values)
    s.add(row)
    return row.id


def _draft(s: Session, bilan_id: str) -> Bilan:
    row = get_row(s, Bilan, bilan_id, "Bilan")
    if row.status == BilanStatus.FINAL:
        raise BilanLockedError()
    return row


@use_case
def save_bilan(s: Session, bilan_id: str, data: BilanInput) -> None:
    """Save the editor's values over a draft (only the fields that changed reach the outbox)."""
    values = clean_input(data)
    row = _draft(s, bilan_id)
    _check_contract(s, row.person_id, values["contract_id"])
    for key, value in values.items():
        if getattr(row, key) != value:
            setattr(row, key, value)


@use_case
def remove_bilan(s: Session, bilan_id: str) -> None:
    """Remove a draft (a finalised bilan is evidence: it stays)."""
    _draft(s, bilan_id).deleted_at = utcnow()


def _check_final(row: Bilan, today: date) -> None:
    errors: dict[str, str] = {}
    if row.held_on > today:
        errors["held_on"] = "Un bilan se finalise une fois tenu : sa date est dans le futur."
    if row.kind in CONCLUDING and not row.recommendation:
        errors["recommendation"] = "Indiquez la préconisation du bilan (ce qui suit) avant de le finaliser."
    if not row.objectives and not (row.helped or row.blocked):
        errors["objectives"] = (
            "Un bilan mesure l'atteinte des objectifs : indiquez au moins un objectif, ou ce qui a aidé et ce "
            "qui a freiné."
        )
    if errors:
        raise ValidationError(fields=errors)


@use_case
def finalise_bilan(
    s: Session,
    bilan_id: str,
    *,
    author: str = "",
    exit_choice: ExitChoice | None = None,
    today: date | None = None,
) -> tuple[str, str | None]:
    """Lock the bilan and open its recommendation's next step, in one transaction. Returns what the step made
    or found: (table, id), ``("", None)`` when nothing (réorientation asked, poursuite)."""
    row = _draft(s, bilan_id)
    _check_final(row, today or date.today())
    if row.recommendation is None:
        row.recommendation = BilanRecommendation.CONTINUE
    next_step.check_possible(s, row)
    table, made = next_step.open_next_step(s, row, author, exit_choice)
    row.next_step_table, row.next_step_id = table, made
    row.status = BilanStatus.FINAL
    row.finalised_at = utcnow()
    return table, made


# --- views ---------------------------------------------------------------------------------------------------


def contract_label(c: Contract | None) -> str:
    if c is None:
        return ""
    title = (
        f"Avenant n° {c.amendment_no} au contrat n° {c.number}"
        if c.amendment_no
        else f"Contrat n° {c.number}"
    )
    if c.start_date and c.end_date:
        title += f" (du {c.start_date:%d/%m/%Y} au {c.end_date:%d/%m/%Y})"
    return title


def _next_step_label(s: Session, row: Bilan, vocab: Vocabularies) -> str:
    if row.status != BilanStatus.FINAL:
        return ""
    rec = row.recommendation
    if row.next_step_table == "contract" and row.next_step_id:
        c = s.get(Contract, row.next_step_id)
        if c is None:
            return ""
        what = "Projet d'avenant" if rec == BilanRecommendation.AMENDMENT else "Projet de renouvellement"
        state = vocab.label("contract_statuses", c.status).lower()
        return f"{what} : {contract_label(c)} — {state}"
    if row.next_step_table == "exit_record" and row.next_step_id:
        x = s.get(ExitRecord, row.next_step_id)
        return (
            f"Sortie enregistrée le {x.exit_date:%d/%m/%Y} : {vocab.label('exit_reasons', x.reason)}"
            if x
            else ""
        )
    if rec == BilanRecommendation.REORIENTATION:
        track = vocab.label("tracks", row.recommended_track).lower()
        decided = s.scalars(
            select(Orientation)
            .where(Orientation.person_id == row.person_id, Orientation.deleted_at.is_(None))
            .where(Orientation.decision_date >= row.held_on)
            .order_by(Orientation.decision_date)
        ).first()
        if decided is not None:
            return (
                f"Réorientation décidée le {decided.decision_date:%d/%m/%Y} : parcours "
                f"{vocab.label('tracks', decided.track).lower()}"
            )
        return f"Réorientation demandée vers le parcours {track} : décision du département attendue"
    return ""


def view_of(
    s: Session, row: Bilan, vocab: Vocabularies | None = None, names: dict[str, str] | None = None
) -> BilanView:
    vocab = vocab or load_vocabularies()
    if names is None:
        names = author_names(s)
    objectives = objectives_of(row.objectives)
    contract = s.get(Contract, row.contract_id) if row.contract_id else None
    return BilanView(
        id=row.id,
        person_id=row.person_id,
        kind=row.kind,
        kind_label=vocab.label("bilan_kinds", row.kind),
        held_on=row.held_on,
        status=row.status,
        status_label=vocab.label("bilan_statuses", row.status),
        contract_id=row.contract_id,
        contract_label=contract_label(contract),
        objectives=objectives,
        helped=row.helped,
        blocked=row.blocked,
        person_words=row.person_words,
        participants=participants_of(row.participants),
        recommendation=row.recommendation,
        recommendation_label=vocab.label("bilan_recommendations", row.recommendation),
        recommended_track=row.recommended_track,
        recommended_track_label=vocab.label("tracks", row.recommended_track),
        recommendation_detail=row.recommendation_detail,
        next_step_table=row.next_step_table,
        next_step_id=row.next_step_id,
        next_step_label=_next_step_label(s, row, vocab),
        author=row.author,
        author_name=names.get(row.author, row.author),
        finalised_at=row.finalised_at,
        created_at=row.created_at,
        counts=dict(Counter(o.result for o in objectives)),
    )


def author_names(s: Session) -> dict[str, str]:
    """Login → « Prénom Nom » of the directory (authors are stored by login)."""
    return {r.login: f"{r.first_name} {r.last_name}" for r in s.scalars(select(Referent)).all()}


@query
def list_bilans(s: Session, person_id: str) -> list[BilanView]:
    """The person's bilans, most recent first."""
    vocab, names = load_vocabularies(), author_names(s)
    rows = person_rows(s, Bilan, person_id, Bilan.held_on.desc(), Bilan.created_at.desc())
    return [view_of(s, r, vocab, names) for r in rows]


@query
def get_bilan(s: Session, bilan_id: str) -> BilanView:
    return view_of(s, get_row(s, Bilan, bilan_id, "Bilan"))


@query
def all_bilans(s: Session, person_id: str | None = None) -> list[tuple[str, BilanView]]:
    """Every bilan of the vault (or of one person) with the person's name, most recent first."""
    vocab, names = load_vocabularies(), author_names(s)
    stmt = select(Bilan, Person.last_name, Person.first_name).join(Person, Person.id == Bilan.person_id)
    stmt = stmt.where(Bilan.deleted_at.is_(None), Person.deleted_at.is_(None))
    if person_id is not None:
        get_row(s, Person, person_id, "Personne")
        stmt = stmt.where(Bilan.person_id == person_id)
    rows: list[Any] = list(s.execute(stmt.order_by(Bilan.held_on.desc(), Bilan.created_at.desc())).all())
    return [(f"{last.upper()} {first}", view_of(s, b, vocab, names)) for b, last, first in rows]
