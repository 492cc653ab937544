"""Carnet de bord use cases: objectives (under a theme, linked to a contract, consent), actions, prescriptions.

Re-exported by :mod:`app.services.records`.
"""

from __future__ import annotations

import re
from datetime import date

from app.models.base import new_id
from app.models.carnet import Action, Objective, Prescription
from app.models.enums import ActionStatus, ObjectiveStatus, PrescriptionOutcome
from app.models.people import Person
from app.services._support import (
    Checker,
    DbOrSession,
    FieldError,
    check,
    get_row,
    optional_text,
    parse_date,
    require_choice,
    require_date,
    require_text,
    transaction,
)
from app.services.errors import ValidationError

_CODE_RE = re.compile(r"^[a-z0-9_]{1,40}$")
_DATE_MSG = "Date invalide (format attendu : JJ/MM/AAAA)."


def _code(value: str, message: str) -> str:
    if not _CODE_RE.match(value or ""):
        raise FieldError(message)
    return value


def add_objective(
    db: DbOrSession,
    person_id: str,
    *,
    theme: str,
    title: str,
    status: str = ObjectiveStatus.IN_PROGRESS,
    consent: bool = False,
    consent_date: date | str | None = None,
    contract_id: str | None = None,
    position: int = 0,
) -> str:
    c = Checker()
    c.run("theme", _code, theme, "Thème inconnu.")
    clean_title = c.run("title", require_text, title, "L'intitulé de l'objectif est obligatoire.", 300)
    c.run("status", require_choice, status, ObjectiveStatus, "Statut d'objectif inconnu.")
    agreed = c.run("consent_date", parse_date, consent_date, _DATE_MSG)
    c.raise_if_any()
    with transaction(db) as s:
        get_row(s, Person, person_id, "Personne")
        row = Objective(
            id=new_id(),
            person_id=person_id,
            theme=theme,
            title=clean_title,
            status=status,
            consent=bool(consent),
            consent_date=agreed,
            contract_id=contract_id,
            position=position,
        )
        s.add(row)
        return row.id


def set_objective_status(db: DbOrSession, objective_id: str, status: str) -> None:
    check("status", require_choice, status, ObjectiveStatus, "Statut d'objectif inconnu.")
    with transaction(db) as s:
        row = get_row(s, Objective, objective_id, "Objectif")
        if row.status != status:
            row.status = status


def add_action(
    db: DbOrSession,
    objective_id: str,
    *,
    label: str,
    status: str = ActionStatus.PLANNED,
    partner: str = "",
    start_date: date | str | None = None,
    end_date: date | str | None = None,
    hours_per_week: float = 0.0,
    comment: str = "",
) -> str:
    c = Checker()
    clean_label = c.run("label", require_text, label, "L'intitulé de l'action est obligatoire.", 300)
    c.run("status", require_choice, status, ActionStatus, "Statut d'action inconnu.")
    start = c.run("start_date", parse_date, start_date, _DATE_MSG)
    end = c.run("end_date", parse_date, end_date, _DATE_MSG)
    if start and end and end < start:
        c.add("end_date", "La date de fin précède la date de début.")
    if not 0 <= float(hours_per_week) <= 60:
        c.add("hours_per_week", "Heures par semaine : entre 0 et 60.")
    c.raise_if_any()
    with transaction(db) as s:
        objective = get_row(s, Objective, objective_id, "Objectif")
        row = Action(
            id=new_id(),
            person_id=objective.person_id,
            objective_id=objective.id,
            label=clean_label,
            status=status,
            partner=optional_text(partner),
            start_date=start,
            end_date=end,
            hours_per_week=float(hours_per_week),
            comment=optional_text(comment, 2000),
        )
        s.add(row)
        return row.id


def set_action_status(db: DbOrSession, action_id: str, status: str, *, comment: str | None = None) -> None:
    check("status", require_choice, status, ActionStatus, "Statut d'action inconnu.")
    with transaction(db) as s:
        row = get_row(s, Action, action_id, "Action")
        if row.status != status:
            row.status = status
        if comment is not None and comment.strip() != row.comment:
            row.comment = optional_text(comment, 2000)


def add_prescription(
    db: DbOrSession,
    person_id: str,
    *,
    kind: str,
    prescribed_on: date | str,
    partner: str = "",
    action_id: str | None = None,
    comment: str = "",
) -> str:
    """Prescribe (positionner) the person on an action; the outcome starts « en attente »."""
    c = Checker()
    c.run("kind", _code, kind, "Type de prescription inconnu.")
    day = c.run("prescribed_on", require_date, prescribed_on, _DATE_MSG)
    c.raise_if_any()
    with transaction(db) as s:
        get_row(s, Person, person_id, "Personne")
        if action_id is not None:
            get_row(s, Action, action_id, "Action")
        row = Prescription(
            id=new_id(),
            person_id=person_id,
            action_id=action_id,
            kind=kind,
            partner=optional_text(partner),
            prescribed_on=day,
            outcome=PrescriptionOutcome.PENDING,
            comment=optional_text(comment, 2000),
        )
        s.add(row)
        return row.id


def set_prescription_outcome(
    db: DbOrSession, prescription_id: str, outcome: str, *, outcome_date: date | str | None = None
) -> None:
    check("outcome", require_choice, outcome, PrescriptionOutcome, "Résultat de prescription inconnu.")
    day = check("outcome_date", parse_date, outcome_date, _DATE_MSG)
    with transaction(db) as s:
        row = get_row(s, Prescription, prescription_id, "Prescription")
        if day is not None and day < row.prescribed_on:
            raise ValidationError(fields={"outcome_date": "Le résultat précède la prescription."})
        if row.outcome != outcome:
            row.outcome = outcome
        if row.outcome_date != day:
            row.outcome_date = day
