"""Carnet de bord use cases: objectives (under a theme, linked to a contract, consent), actions, prescriptions.

Objectives and actions are edited with ``update_*`` (only the fields given change, so the outbox op carries
just them) and removed as tombstones (``deleted_at``): removing an objective removes its actions with the same
timestamp, which is how ``restore_objective`` finds them again. Prescriptions of a removed action are kept (the
carnet lists them « hors plan d'action »). A contract keeps its own copy of the objectives and actions it prints
(version content), so removing them never changes a signed contract.

"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from app.models.enums import ActionStatus, ObjectiveStatus, PrescriptionOutcome
from app.models.tables.base import new_id, utcnow
from app.models.tables.carnet import Action, Objective, Prescription
from app.models.tables.contracts import Contract
from app.models.tables.people import Person
from app.services.errors import NotFoundError, ValidationError
from app.services.people import coaccompaniment
from app.services.storage.uow import get_row, rows_of, use_case
from app.services.validation import (
    DATE_MESSAGE,
    Checker,
    check,
    optional_text,
    parse_date,
    require_choice,
    require_code,
    require_date,
    require_text,
)


@use_case
def add_objective(
    s: Session,
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
    c.run("theme", require_code, theme, "Thème inconnu.")
    clean_title = c.run("title", require_text, title, "L'intitulé de l'objectif est obligatoire.", 300)
    c.run("status", require_choice, status, ObjectiveStatus, "Statut d'objectif inconnu.")
    agreed = c.run("consent_date", parse_date, consent_date, DATE_MESSAGE)
    c.raise_if_any()
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


@use_case
def set_objective_status(s: Session, objective_id: str, status: str) -> None:
    check("status", require_choice, status, ObjectiveStatus, "Statut d'objectif inconnu.")
    row = get_row(s, Objective, objective_id, "Objectif")
    if row.status != status:
        row.status = status


@use_case
def add_action(
    s: Session,
    objective_id: str,
    *,
    label: str,
    status: str = ActionStatus.PLANNED,
    partner: str = "",
    start_date: date | str | None = None,
    end_date: date | str | None = None,
    hours_per_week: float = 0.0,
    comment: str = "",
    assignee_id: str | None = None,
) -> str:
    c = Checker()
    clean_label = c.run("label", require_text, label, "L'intitulé de l'action est obligatoire.", 300)
    c.run("status", require_choice, status, ActionStatus, "Statut d'action inconnu.")
    start = c.run("start_date", parse_date, start_date, DATE_MESSAGE)
    end = c.run("end_date", parse_date, end_date, DATE_MESSAGE)
    if start and end and end < start:
        c.add("end_date", "La date de fin précède la date de début.")
    if not 0 <= float(hours_per_week) <= 60:
        c.add("hours_per_week", "Heures par semaine : entre 0 et 60.")
    c.raise_if_any()
    objective = get_row(s, Objective, objective_id, "Objectif")
    if assignee_id:
        coaccompaniment.check_assignee(s, objective.person_id, assignee_id)
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
        assignee_id=assignee_id or None,
    )
    s.add(row)
    return row.id


@use_case
def set_action_status(s: Session, action_id: str, status: str, *, comment: str | None = None) -> None:
    check("status", require_choice, status, ActionStatus, "Statut d'action inconnu.")
    row = get_row(s, Action, action_id, "Action")
    if row.status != status:
        row.status = status
    if comment is not None and comment.strip() != row.comment:
        row.comment = optional_text(comment, 2000)


@use_case
def add_prescription(
    s: Session,
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
    c.run("kind", require_code, kind, "Type de prescription inconnu.")
    day = c.run("prescribed_on", require_date, prescribed_on, DATE_MESSAGE)
    c.raise_if_any()
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


@use_case
def set_prescription_outcome(
    s: Session, prescription_id: str, outcome: str, *, outcome_date: date | str | None = None
) -> None:
    """The outcome and its date (« en attente » has no date; a date cannot be in the future)."""
    check("outcome", require_choice, outcome, PrescriptionOutcome, "Résultat de prescription inconnu.")
    day = check("outcome_date", parse_date, outcome_date, DATE_MESSAGE)
    if outcome == PrescriptionOutcome.PENDING:
        day = None
    if day is not None and day > date.today():
        raise ValidationError(fields={"outcome_date": "La date du résultat ne peut pas être dans le futur."})
    row = get_row(s, Prescription, prescription_id, "Prescription")
    if day is not None and day < row.prescribed_on:
        raise ValidationError(
            fields={"outcome_date": f"Le résultat précède la prescription (du {row.prescribed_on:%d/%m/%Y})."}
        )
    if row.outcome != outcome:
        row.outcome = outcome
    if row.outcome_date != day:
        row.outcome_date = day


# --- edit, remove, restore -----------------------------------------------------------------------------------

OBJECTIVE_FIELDS = frozenset({"theme", "title", "status", "consent", "consent_date", "contract_id"})
ACTION_FIELDS = frozenset(
    {"label", "status", "partner", "start_date", "end_date", "hours_per_week", "comment", "assignee_id"}
)


@dataclass(frozen=True)
class Removal:
    """What a removal tombstoned: the objective or action and, for an objective, its actions."""

    kind: str  # "objective" / "action"
    id: str
    label: str
    action_ids: tuple[str, ...] = ()

    @property
    def message(self) -> str:
        if self.kind == "action":
            return "Action supprimée"
        n = len(self.action_ids)
        if not n:
            return "Objectif supprimé"
        return f"Objectif supprimé avec {n} action{'s' if n > 1 else ''}"


def _unknown(changes: Mapping[str, Any], allowed: frozenset[str]) -> None:
    unknown = sorted(set(changes) - allowed)
    if unknown:
        raise ValidationError(f"Champ non modifiable : {', '.join(unknown)}.")


def _assign(row: Any, values: Mapping[str, Any]) -> None:
    """Set only the values that differ, so an edit that changes nothing writes no outbox op."""
    for key, value in values.items():
        if getattr(row, key) != value:
            setattr(row, key, value)


@use_case
def update_objective(s: Session, objective_id: str, changes: Mapping[str, Any]) -> None:
    """Change some fields of an objective (``changes``: field → new value; the others stay)."""
    _unknown(changes, OBJECTIVE_FIELDS)
    c = Checker()
    clean: dict[str, Any] = {}
    if "theme" in changes:
        clean["theme"] = c.run("theme", require_code, changes["theme"], "Thème inconnu.")
    if "title" in changes:
        clean["title"] = c.run(
            "title", require_text, changes["title"], "L'intitulé de l'objectif est obligatoire.", 300
        )
    if "status" in changes:
        clean["status"] = c.run(
            "status", require_choice, changes["status"], ObjectiveStatus, "Statut d'objectif inconnu."
        )
    if "consent" in changes:
        clean["consent"] = bool(changes["consent"])
    if "consent_date" in changes:
        agreed = c.run("consent_date", parse_date, changes["consent_date"], DATE_MESSAGE)
        if agreed is not None and agreed > date.today():
            c.add("consent_date", "La date de l'accord ne peut pas être dans le futur.")
        clean["consent_date"] = agreed
    c.raise_if_any()
    row = get_row(s, Objective, objective_id, "Objectif")
    if "contract_id" in changes:
        cid = changes["contract_id"] or None
        if cid is not None:
            contract = get_row(s, Contract, cid, "Contrat")
            if contract.person_id != row.person_id:
                raise ValidationError(fields={"contract_id": "Ce contrat n'est pas celui de la personne."})
        clean["contract_id"] = cid
    if clean.get("consent") is False and "consent_date" not in changes:
        clean["consent_date"] = None
    _assign(row, clean)


@use_case
def update_action(s: Session, action_id: str, changes: Mapping[str, Any]) -> None:
    """Change some fields of an action; the dates are checked against the ones kept."""
    _unknown(changes, ACTION_FIELDS)
    c = Checker()
    clean: dict[str, Any] = {}
    if "label" in changes:
        clean["label"] = c.run(
            "label", require_text, changes["label"], "L'intitulé de l'action est obligatoire.", 300
        )
    if "status" in changes:
        clean["status"] = c.run(
            "status", require_choice, changes["status"], ActionStatus, "Statut d'action inconnu."
        )
    for key in ("partner", "comment"):
        if key in changes:
            clean[key] = c.run(key, optional_text, changes[key], 2000 if key == "comment" else 200)
    for key in ("start_date", "end_date"):
        if key in changes:
            clean[key] = c.run(key, parse_date, changes[key], DATE_MESSAGE)
    if "hours_per_week" in changes:
        try:
            hours = float(changes["hours_per_week"] or 0)
        except (TypeError, ValueError):
            hours = -1.0
        if not 0 <= hours <= 60:
            c.add("hours_per_week", "Heures par semaine : entre 0 et 60.")
        clean["hours_per_week"] = hours
    c.raise_if_any()
    row = get_row(s, Action, action_id, "Action")
    if "assignee_id" in changes:
        clean["assignee_id"] = changes["assignee_id"] or None
        if clean["assignee_id"] and clean["assignee_id"] != row.assignee_id:
            coaccompaniment.check_assignee(s, row.person_id, clean["assignee_id"])
    start = clean.get("start_date", row.start_date)
    end = clean.get("end_date", row.end_date)
    if start and end and end < start:
        raise ValidationError(fields={"end_date": "La date de fin précède la date de début."})
    _assign(row, clean)


def _live_actions(s: Session, objective_id: str) -> list[Action]:
    return rows_of(s, Action, objective_id=objective_id)


@use_case
def remove_objective(s: Session, objective_id: str, *, with_actions: int = 0) -> Removal:
    """Tombstone an objective and its actions. ``with_actions`` is the number of actions the user agreed to
    remove with it: when the objective has another number (none confirmed, or one added meanwhile), nothing is
    removed and the ValidationError says how many actions would go."""
    row = get_row(s, Objective, objective_id, "Objectif")
    actions = _live_actions(s, objective_id)
    if len(actions) != with_actions:
        n = len(actions)
        what = f"{n} action{'s' if n > 1 else ''}" if n else "aucune action"
        raise ValidationError(
            fields={
                "actions": (
                    f"L'objectif « {row.title} » a {what} : la suppression n'a pas été faite. "
                    "Confirmez de nouveau."
                )
            }
        )
    now = utcnow()
    row.deleted_at = now
    for action in actions:
        action.deleted_at = now
    return Removal("objective", row.id, row.title, tuple(a.id for a in actions))


@use_case
def remove_action(s: Session, action_id: str) -> Removal:
    """Tombstone an action; its prescriptions are kept (shown « hors plan d'action » until it is restored)."""
    row = get_row(s, Action, action_id, "Action")
    row.deleted_at = utcnow()
    return Removal("action", row.id, row.label)


def _removed(s: Session, model: type[Any], row_id: str, what: str) -> Any:
    row = s.get(model, row_id)
    if row is None:
        raise NotFoundError(f"{what} introuvable.")
    return row


def _same_instant(a: datetime | None, b: datetime | None) -> bool:
    return a is not None and b is not None and abs((a - b).total_seconds()) < 0.001


@use_case
def restore_objective(s: Session, objective_id: str) -> None:
    """Undo :func:`remove_objective`: the objective and the actions removed with it (not ones removed before)."""
    row = _removed(s, Objective, objective_id, "Objectif")
    if row.deleted_at is None:
        return
    with s.no_autoflush:
        actions = s.query(Action).filter(Action.objective_id == objective_id).all()
    for action in actions:
        if _same_instant(action.deleted_at, row.deleted_at):
            action.deleted_at = None
    row.deleted_at = None


@use_case
def restore_action(s: Session, action_id: str) -> None:
    """Undo :func:`remove_action` (refused while its objective is removed)."""
    row = _removed(s, Action, action_id, "Action")
    if row.deleted_at is None:
        return
    objective = s.get(Objective, row.objective_id)
    if objective is None or objective.deleted_at is not None:
        raise ValidationError("L'objectif de cette action est supprimé : rétablissez d'abord l'objectif.")
    row.deleted_at = None
