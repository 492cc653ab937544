"""Carnet de bord, read side: themes → objectives → actions, with their prescriptions; quick entry.

Writes go through :mod:`app.services.casefile.carnet.edits` (validation, outbox); this module adds the tree the
screen shows and the « thème : objectif » quick-entry parser.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from app.models.tables.carnet import Action, Objective, Prescription
from app.models.tables.contracts import Contract
from app.models.tables.people import Person, Referent
from app.models.text import fold
from app.models.vocabularies.loader import Vocabularies, load_vocabularies
from app.services.casefile.carnet import edits as records_carnet
from app.services.errors import ValidationError
from app.services.people import coaccompaniment
from app.services.storage.uow import get_row, person_rows, query, use_case

THEMES = "carnet_themes"


@dataclass(frozen=True)
class PrescriptionItem:
    id: str
    action_id: str | None
    kind: str
    kind_label: str
    partner: str
    prescribed_on: date
    outcome: str
    outcome_label: str
    outcome_date: date | None
    comment: str


@dataclass(frozen=True)
class ActionItem:
    id: str
    objective_id: str
    label: str
    status: str
    status_label: str
    partner: str
    start_date: date | None
    end_date: date | None
    hours_per_week: float
    comment: str
    prescriptions: tuple[PrescriptionItem, ...]
    assignee_id: str | None = None
    assignee: str = ""  # « Karim Benali (CIP) », « Claire Martin (référent) »; "" when nobody was named


@dataclass(frozen=True)
class ObjectiveItem:
    id: str
    theme: str
    title: str
    status: str
    status_label: str
    consent: bool
    consent_date: date | None
    contract_id: str | None
    contract_label: str
    actions: tuple[ActionItem, ...]


@dataclass(frozen=True)
class ThemeGroup:
    code: str
    label: str
    objectives: tuple[ObjectiveItem, ...]


@dataclass(frozen=True)
class ContractChoice:
    id: str
    label: str


@dataclass(frozen=True)
class CarnetTree:
    """Only themes holding objectives; prescriptions not tied to an action are in ``other_prescriptions``."""

    person_id: str
    themes: tuple[ThemeGroup, ...]
    other_prescriptions: tuple[PrescriptionItem, ...]
    contracts: tuple[ContractChoice, ...]
    #: Who an action can be confided to: (referent id, « Nom (rôle) »), the référent first (ADR 0052).
    assignees: tuple[tuple[str, str], ...] = ()

    @property
    def is_empty(self) -> bool:
        return not self.themes and not self.other_prescriptions

    def objective(self, objective_id: str) -> ObjectiveItem | None:
        for group in self.themes:
            for objective in group.objectives:
                if objective.id == objective_id:
                    return objective
        return None


def contract_label(c: Contract, vocab: Vocabularies) -> str:
    entry = vocab.entry("contract_kinds", c.kind)
    kind = entry.get("short_label", entry.label) if entry else c.kind
    return f"{kind} n° {c.number} ({vocab.label('contract_statuses', c.status).lower()})"


def _prescription(p: Prescription, vocab: Vocabularies) -> PrescriptionItem:
    kind = vocab.entry("prescription_kinds", p.kind)
    return PrescriptionItem(
        p.id,
        p.action_id,
        p.kind,
        kind.get("short_label", kind.label) if kind else p.kind,
        p.partner,
        p.prescribed_on,
        p.outcome,
        vocab.label("prescription_outcomes", p.outcome),
        p.outcome_date,
        p.comment,
    )


def _action(
    a: Action, prescriptions: list[PrescriptionItem], vocab: Vocabularies, names: dict[str, str]
) -> ActionItem:
    mine = tuple(p for p in prescriptions if p.action_id == a.id)
    return ActionItem(
        a.id,
        a.objective_id,
        a.label,
        a.status,
        vocab.label("action_statuses", a.status),
        a.partner,
        a.start_date,
        a.end_date,
        a.hours_per_week,
        a.comment,
        mine,
        a.assignee_id,
        names.get(a.assignee_id or "", ""),
    )


@query
def load_carnet(s: Session, person_id: str, vocab: Vocabularies | None = None) -> CarnetTree:
    """The person's carnet de bord as a tree, themes in vocabulary order, objectives by position then date."""
    vocab = vocab or load_vocabularies()
    get_row(s, Person, person_id, "Personne")
    contracts = {c.id: c for c in person_rows(s, Contract, person_id)}
    prescriptions = sorted(
        (_prescription(p, vocab) for p in person_rows(s, Prescription, person_id)),
        key=lambda p: p.prescribed_on,
    )
    actions = sorted(
        person_rows(s, Action, person_id), key=lambda a: (a.start_date or date.max, a.created_at)
    )
    objectives = sorted(person_rows(s, Objective, person_id), key=lambda o: (o.position, o.created_at))
    people_on_file = [(a.referent_id, a.label) for a in coaccompaniment.assignees.within(s, person_id)]
    names = dict(people_on_file)
    for gone in {a.assignee_id for a in actions if a.assignee_id and a.assignee_id not in names}:
        ref = s.get(Referent, gone)  # a co-accompaniment since ended: the name stays on its actions
        names[gone] = f"{ref.first_name} {ref.last_name}" if ref is not None else ""
    by_theme: dict[str, list[ObjectiveItem]] = {}
    for o in objectives:
        contract = contracts.get(o.contract_id or "")
        item = ObjectiveItem(
            o.id,
            o.theme,
            o.title,
            o.status,
            vocab.label("objective_statuses", o.status),
            o.consent,
            o.consent_date,
            o.contract_id,
            contract_label(contract, vocab) if contract else "",
            tuple(_action(a, prescriptions, vocab, names) for a in actions if a.objective_id == o.id),
        )
        by_theme.setdefault(o.theme, []).append(item)
    order = [e.code for e in vocab.entries(THEMES)]
    themes = tuple(
        ThemeGroup(code, vocab.label(THEMES, code), tuple(by_theme[code]))
        for code in sorted(by_theme, key=lambda c: order.index(c) if c in order else len(order))
    )
    action_ids = {a.id for a in actions}
    others = tuple(p for p in prescriptions if p.action_id not in action_ids)
    choices = tuple(
        ContractChoice(c.id, contract_label(c, vocab))
        for c in sorted(contracts.values(), key=lambda c: c.created_at, reverse=True)
    )
    return CarnetTree(person_id, themes, others, choices, tuple(people_on_file))


def parse_quick_entry(text: str, vocab: Vocabularies | None = None) -> tuple[str, str]:
    """« logement: trouver un T2 » → (theme code, title). The theme may be its label, code or a prefix of it."""
    vocab = vocab or load_vocabularies()
    head, sep, title = text.partition(":")
    if not sep or not head.strip():
        raise ValidationError(
            fields={"quick": "Écrivez « thème : objectif » (par exemple « Logement : trouver un T2 »)."}
        )
    if not title.strip():
        raise ValidationError(fields={"quick": "Écrivez l'objectif après les deux-points."})
    wanted = fold(head.strip())
    themes = vocab.choices(THEMES)
    exact = [e for e in themes if wanted in (fold(e.label), e.code, fold(e.code.replace("_", " ")))]
    found = exact or [e for e in themes if fold(e.label).startswith(wanted) or e.code.startswith(wanted)]
    if len(found) != 1:
        names = ", ".join(e.label for e in (found or themes))
        what = "ambigu" if found else "inconnu"
        raise ValidationError(fields={"quick": f"Thème « {head.strip()} » {what}. Thèmes : {names}."})
    return found[0].code, title.strip()


@use_case
def quick_add_objective(s: Session, person_id: str, text: str) -> str:
    """Add an objective from a « thème : objectif » line. Returns its id."""
    theme, title = parse_quick_entry(text)
    return records_carnet.add_objective.within(s, person_id, theme=theme, title=title)


@query
def next_position(s: Session, person_id: str) -> int:
    return max((o.position for o in person_rows(s, Objective, person_id)), default=-1) + 1
