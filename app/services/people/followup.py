"""Read helpers of the follow-up screens: the alerts panel (deadlines grouped by rule), the caseload filters,
the context of the orientation / exit / sanction / référent dialogs. Writes stay in :mod:`app.services.people.identity`
(orientation, parcours, référent) and :mod:`app.services.casefile.sanctions`.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from dateutil.relativedelta import relativedelta
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app.models.enums import PersonStatus
from app.models.rules import engine
from app.models.rules.types import STATE_LABELS, STATE_LATE
from app.models.sanctions import procedure_open
from app.models.tables.followup import SanctionStep
from app.models.tables.people import Orientation, Parcours, Person, Referent
from app.services.people import alerts, stored_deadlines
from app.services.people.deadlines import DueState
from app.services.storage.db import Database
from app.services.storage.uow import get_row, person_rows, query

#: Rule id → person tab to open from an alert (others open the Synthèse).
RULE_TABS: dict[str, str] = {
    "first_rdv": "rdv",
    "no_contact": "rdv",
    "bilan": "rdv",
    "social_review": "rdv",
    "contract_pro": "contrats",
    "contract_social": "contrats",
    "contract_ce": "contrats",
    "ce_replaces_cer": "contrats",
    "cer_after_first_rdv": "contrats",
    "contract_end_warning": "contrats",
}


def tab_for_rule(rule_id: str) -> str | None:
    """The person tab where an alert of ``rule_id`` is dealt with (None: the Synthèse)."""
    return RULE_TABS.get(rule_id)


# --- alerts panel ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AlertLine:
    person_id: str
    person: str
    due_date: date
    state: DueState
    state_label: str
    days_left: int


@dataclass(frozen=True)
class AlertGroup:
    rule_id: str
    label: str
    legal_basis: str
    source: str
    lines: tuple[AlertLine, ...]
    local_target: bool = False  # an « objectif départemental », not a legal deadline

    @property
    def late(self) -> int:
        return sum(1 for line in self.lines if line.state == DueState.LATE)

    @property
    def tab(self) -> str | None:
        return tab_for_rule(self.rule_id)

    @property
    def nature_label(self) -> str:
        return NATURE_LABELS[self.local_target]


#: How a deadline is named: a legal deadline or a departmental target (DOMAIN.md: never a local target shown as
#: a legal obligation).
NATURE_LABELS = {False: engine.LEGAL_DEADLINE_LABEL, True: engine.LOCAL_TARGET_LABEL}


def _name(last: str, first: str) -> str:
    return f"{last.upper()} {first}"


def _scope_ids(db: Database, referent_id: str) -> list[str]:
    with db.read() as s:
        q = select(Person.id).where(or_(Person.referent_id == referent_id, Person.referent_id.is_(None)))
        return list(s.scalars(q))


def _names(db: Database, ids: Sequence[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    with db.read() as s:
        for start in range(0, len(ids), 500):
            rows = s.execute(
                select(Person.id, Person.last_name, Person.first_name).where(
                    Person.id.in_(ids[start : start + 500])
                )
            ).all()
            out.update((r[0], _name(r[1], r[2])) for r in rows)
    return out


def _today_groups(db: Database, today: date, late_only: bool, referent_id: str | None) -> list[AlertGroup]:
    """Today's groups from the deadlines kept in the vault (one query, names joined, ordered by rule)."""
    groups: list[AlertGroup] = []
    rows = stored_deadlines.alert_rows(db, today=today, late_only=late_only, referent_id=referent_id)
    states = {s.value: s for s in DueState}  # an enum call per line cost seconds at 100,000 people
    for _rule_id, found in itertools.groupby(rows, key=lambda r: r.rule.id):
        items = list(found)
        rule = items[0].rule
        lines = tuple(
            AlertLine(r.person_id, _name(r.last_name, r.first_name), r.due_date, states[r.state],
                      STATE_LABELS[r.state], (r.due_date - today).days)
            for r in items
        )  # fmt: skip
        groups.append(
            AlertGroup(rule.id, rule.label, rule.legal_basis, rule.source, lines, items[0].local_target)
        )
    return groups


def alert_groups(
    db: Database, on: date | None = None, *, late_only: bool = False, referent_id: str | None = None
) -> list[AlertGroup]:
    """Every « bientôt » or « en retard » deadline of the caseload (of ``referent_id``'s people and those
    without a référent, when given), grouped by rule (most late first).

    Today's come from the deadlines kept in the vault (:mod:`.stored_deadlines`); another day's are computed."""
    on = on or date.today()
    if on == date.today():
        groups = _today_groups(db, on, late_only, referent_id)
    else:
        groups = _computed_groups(db, on, late_only, referent_id)
    groups.sort(key=lambda g: (-g.late, -len(g.lines), g.label))
    return groups


def _computed_groups(db: Database, on: date, late_only: bool, referent_id: str | None) -> list[AlertGroup]:
    ids = None if referent_id is None else _scope_ids(db, referent_id)
    found = alerts.caseload_deadlines(db, on, alerts.load_rules_or_fail(), ids).alerts()
    items = [d for d in found if not late_only or d.state == STATE_LATE]
    names = _names(db, sorted({d.person_id for d in items}))
    by_rule: dict[str, list[engine.Deadline]] = {}
    for d in items:
        by_rule.setdefault(d.rule_id, []).append(d)
    groups = []
    for rule_id, rows in by_rule.items():
        lines = tuple(
            AlertLine(d.person_id, names.get(d.person_id, "?"), d.due_date, DueState(d.state), d.state_label,
                      d.days_left)
            for d in sorted(rows, key=lambda d: (d.due_date, names.get(d.person_id, "")))
        )  # fmt: skip
        first = rows[0]
        groups.append(
            AlertGroup(rule_id, first.label, first.legal_basis, first.source, lines, first.local_target)
        )
    return groups


# --- caseload filters --------------------------------------------------------------------------------------


# --- dialogs' context --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SanctionStepItem:
    id: str
    kind: str
    step_date: date
    detail: str
    author: str
    decision: str | None = None  # « décision »: enums.SanctionDecision
    rate_percent: int | None = None
    duration_months: int | None = None
    household_cap: bool = False
    outcome: str | None = None  # « issue du RAPO »: enums.RapoOutcome


@dataclass(frozen=True)
class SanctionProcedure:
    id: str
    steps: tuple[SanctionStepItem, ...]

    @property
    def started(self) -> date:
        return self.steps[0].step_date

    @property
    def closed(self) -> bool:
        return not procedure_open(self.steps, date.today())

    def open_on(self, day: date) -> bool:
        return procedure_open(self.steps, day)


@query
def sanction_procedures(s: Session, person_id: str) -> list[SanctionProcedure]:
    """The person's sanction procedures, oldest first, each with its steps in order."""
    rows = person_rows(s, SanctionStep, person_id, SanctionStep.step_date, SanctionStep.created_at)
    grouped: dict[str, list[SanctionStepItem]] = {}
    for r in rows:
        grouped.setdefault(r.procedure_id, []).append(
            SanctionStepItem(
                r.id,
                r.kind,
                r.step_date,
                r.detail,
                r.author,
                r.decision,
                r.rate_percent,
                r.duration_months,
                bool(r.household_cap),
                r.outcome,
            )
        )
    return [SanctionProcedure(pid, tuple(steps)) for pid, steps in grouped.items()]


@dataclass(frozen=True)
class FollowupContext:
    """What the follow-up dialogs of one person need to know."""

    person_id: str
    name: str
    status: str
    regime: str
    referent_id: str | None
    track: str
    organisme: str
    decision_date: date | None
    parcours_start: date | None
    last_exit: date | None

    @property
    def exited(self) -> bool:
        return self.status == PersonStatus.EXITED


@query
def followup_context(s: Session, person_id: str) -> FollowupContext:
    p = get_row(s, Person, person_id, "Personne")
    orient = s.scalars(
        select(Orientation)
        .where(
            Orientation.person_id == person_id,
            Orientation.deleted_at.is_(None),
            Orientation.ended_on.is_(None),
        )
        .order_by(Orientation.decision_date.desc(), Orientation.created_at.desc())
    ).first()
    parcours = person_rows(s, Parcours, person_id, Parcours.start_date.desc())
    current = next((x for x in parcours if x.end_date is None), None)
    ended = [x.end_date for x in parcours if x.end_date is not None]
    return FollowupContext(
        person_id,
        f"{p.first_name} {p.last_name.upper()}",
        p.status,
        p.regime,
        p.referent_id,
        orient.track if orient else "",
        orient.organisme if orient else "",
        orient.decision_date if orient else None,
        current.start_date if current else None,
        max(ended) if ended else None,
    )


@dataclass(frozen=True)
class ReferentChoice:
    id: str
    name: str
    structure: str


@query
def referent_choices(s: Session) -> list[ReferentChoice]:
    rows = s.scalars(
        select(Referent)
        .where(Referent.deleted_at.is_(None))
        .order_by(Referent.last_name, Referent.first_name)
    ).all()
    return [ReferentChoice(r.id, f"{r.first_name} {r.last_name}", r.structure or "") for r in rows]


def default_exit_followup(exit_day: date) -> date:
    """The longest in-job follow-up allowed after an exit to employment (6 months)."""
    return exit_day + relativedelta(months=6)
