"""The deadline rule engine: pure functions over :class:`CaseFacts` and a :class:`RuleSet` loaded from data.

Deadlines are data (DOMAIN.md, "Deadlines: a versioned rule table, not code"): ``resources/rules/default.yaml``
ships the defaults, a département overrides its local targets in its own file. This module only computes:
no Qt, no database, no I/O except reading the rule files.

For each rule id, the version that applies is the one whose ``valid_from``/``valid_to`` contains the date of
the rule's starting event, so a rule changed on a date applies to cases starting after it.

Typical use::

    rules = load_default_rules(override=None)
    deadlines = compute_deadlines(facts, rules, today)
    first = next_due(deadlines)
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from app.models.resources import resource_path
from app.models.rules.loader import load_rules
from app.models.rules.types import (
    STATE_LABELS,
    STATE_LATE,
    STATE_SOON,
    STATE_TODO,
    CaseFacts,
    EventRef,
    Rule,
    RuleSet,
    resolve_events,
)

DEFAULT_RULES_FILE = "default.yaml"


@dataclass(frozen=True)
class Deadline:
    """One open deadline of a person: what is due, by when, its state today and the rule behind it."""

    person_id: str
    rule_id: str
    rules_version: str
    label: str
    due_date: date
    state: str  # STATE_TODO / STATE_SOON / STATE_LATE
    state_label: str  # « À faire », « Bientôt », « En retard »
    days_left: int  # negative when late
    legal_basis: str
    source: str
    from_event: str  # the starting event (name, name+offset, or a fixed ISO date)
    from_date: date
    local_target: bool = False  # « objectif départemental », not a legal obligation

    @property
    def overdue(self) -> bool:
        return self.state == STATE_LATE

    @property
    def nature_label(self) -> str:
        """How the deadline is named on screen and on paper: a legal deadline or a local target."""
        return LOCAL_TARGET_LABEL if self.local_target else LEGAL_DEADLINE_LABEL


LOCAL_TARGET_LABEL = "Objectif départemental"
LEGAL_DEADLINE_LABEL = "Délai légal"


def rules_dir() -> Path:
    """``resources/rules`` (see :mod:`app.models.resources`)."""
    return resource_path("rules")


def default_rules_path() -> Path:
    return rules_dir() / DEFAULT_RULES_FILE


def load_default_rules(override: Path | None = None) -> RuleSet:
    """The shipped rule table, with the département ``override`` file merged in when given."""
    return load_rules(default_rules_path(), override)


def deadline_state(due: date, today: date, soon_days: int) -> str:
    """``en_retard`` after the due date, ``bientot`` within ``soon_days`` (due day included), else ``a_faire``."""
    left = (due - today).days
    if left < 0:
        return STATE_LATE
    if left <= soon_days:
        return STATE_SOON
    return STATE_TODO


def select_version(versions: Iterable[Rule], facts: CaseFacts) -> tuple[Rule, EventRef, date] | None:
    """The version of a rule in force at the date of its own starting event, with that event and date.

    When several versions match (they may start from different events), the most recent ``valid_from`` wins.
    """
    best: tuple[Rule, EventRef, date] | None = None
    for rule in versions:
        start = resolve_events(rule.from_events, facts, rule.from_pick)
        if start is None or not rule.valid_on(start[1]):
            continue
        if best is None or (rule.valid_from or date.min) > (best[0].valid_from or date.min):
            best = (rule, start[0], start[1])
    return best


def _evaluate(versions: list[Rule], facts: CaseFacts, ruleset: RuleSet, today: date) -> Deadline | None:
    chosen = select_version(versions, facts)
    if chosen is None:
        return None
    rule, ref, start = chosen
    if not rule.applies_to_regime(facts.regime) or not rule.applies_when.holds(facts):
        return None
    if rule.done_when is not None and rule.done_when.satisfied(facts, start):
        return None
    due = rule.delay_for(facts).add_to(start)
    soon = ruleset.soon_days if rule.soon_days is None else rule.soon_days
    state = deadline_state(due, today, soon)
    return Deadline(
        person_id=facts.person_id,
        rule_id=rule.id,
        rules_version=ruleset.version,
        label=rule.label,
        due_date=due,
        state=state,
        state_label=STATE_LABELS[state],
        days_left=(due - today).days,
        legal_basis=rule.legal_basis,
        source=rule.source,
        from_event=str(ref),
        from_date=start,
        local_target=rule.local_target,
    )


def compute_deadlines(facts: CaseFacts, ruleset: RuleSet, today: date) -> list[Deadline]:
    """Every open (not yet satisfied) deadline of one person as of ``today``, most urgent first.

    A person who has exited (sortie) has none. Ties on the due date keep the order of the rule file.
    """
    if facts.exited:
        return []
    out: list[Deadline] = []
    for rule_id in ruleset.rule_ids():
        deadline = _evaluate(ruleset.versions_of(rule_id), facts, ruleset, today)
        if deadline is not None:
            out.append(deadline)
    return sorted(out, key=lambda d: d.due_date)  # stable: file order on ties


def next_due(deadlines: Iterable[Deadline]) -> Deadline | None:
    """The most urgent deadline: the earliest due date (overdue ones come first by construction)."""
    return min(deadlines, key=lambda d: d.due_date, default=None)
