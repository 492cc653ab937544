"""Building blocks of the deadline rule table: durations, event references, conditions, rules and facts.

Pure types, no I/O. The file format is parsed by :mod:`app.models.rules.loader`; the engine lives in
:mod:`app.models.rules.engine`, which re-exports everything public from here (import from ``app.models.rules.engine``).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from dateutil.relativedelta import relativedelta

from app.models.enums import ContractKind, JointReviewConclusion, Regime, Track
from app.models.resources import display_path

#: ``regime`` of a rule: one regime or both.
REGIME_BOTH = "both"
RULE_REGIMES = (Regime.LEGACY.value, Regime.PLEIN_EMPLOI.value, REGIME_BOTH)

#: How a rule picks its starting date when ``from_event`` lists several events.
PICK_FIRST = "first"  # the first event of the list that is known (fallbacks)
PICK_LATEST = "latest"  # the most recent known event (rolling deadlines: last contact...)
PICKS = (PICK_FIRST, PICK_LATEST)

#: Named events a rule can start from (or be satisfied by); each is a date field of :class:`CaseFacts`.
EVENTS: dict[str, str] = {
    "right_opened": "ouverture du droit (information reçue par le département)",
    "rsa_entry": "entrée dans le RSA",
    "orientation_decision": "décision d'orientation en cours",
    "orientation_notified": "notification de l'orientation en cours",
    "referent_assigned": "désignation du référent actuel",
    "first_rdv_honoured": "premier rendez-vous honoré depuis l'orientation en cours",
    "last_contact": "dernier contact (rendez-vous honoré)",
    "last_review": "dernier bilan ou réexamen honoré",
    "parcours_start": "entrée dans le parcours d'accompagnement en cours",
    "first_prescription": "première prescription du parcours en cours",
    "contract_start": "début du contrat en cours",
    "contract_end": "fin du contrat en cours",
    "contract_signed": "signature du contrat en cours",
    "ce_signed": "signature du dernier contrat d'engagement",
    "bilan_done": "dernier bilan finalisé (fin de contrat, un an de parcours ou sortie)",
    "joint_review": "dernier diagnostic conjoint avec France Travail",
    "reorientation_requested": "dernière réorientation demandée (bilan ou diagnostic conjoint)",
    "ep_referral_pending": "saisine de l'équipe pluridisciplinaire en attente de décision",
}

#: Conditions usable in ``applies_when`` / ``done_when`` / ``due_in_when``: name → allowed values
#: (``None`` = a boolean).
CONDITIONS: dict[str, tuple[str, ...] | None] = {
    "track": tuple(t.value for t in Track),
    "contract_kind": tuple(k.value for k in ContractKind),
    "has_contract": None,
    "has_ce_signed": None,
    "has_referent": None,
    "has_orientation": None,
    "particular_difficulties": None,
    "accompanied_on_2025_01_01": None,
    "overseas": None,
    "renewal_prepared": None,  # a draft of the next contract exists  # the département is overseas (3-year transition, décret du 13 août 2025): a setting
    "next_step_prepared": None,  # a renewal draft exists, or the contract's bilan decided another way
    "joint_review_outcome": tuple(c.value for c in JointReviewConclusion),  # of the last joint review
}

STATE_TODO = "a_faire"
STATE_SOON = "bientot"
STATE_LATE = "en_retard"
STATE_LABELS = {STATE_TODO: "À faire", STATE_SOON: "Bientôt", STATE_LATE: "En retard"}

_DURATION_RE = re.compile(r"^([+-]?)(\d{1,4})([dwmy])$")
_EVENT_REF_RE = re.compile(r"^([a-z0-9_]+)(?:([+-])(\d{1,4}[dwmy]))?$")
DURATION_HINT = "attendu : 15d, 6w, 1m…"


class RuleFileError(ValueError):
    """A rule file that cannot be used. ``message`` is French and names the file and the line."""

    def __init__(self, path: Path | str, line: int | None, reason: str) -> None:
        self.path = Path(path)
        self.line = line
        self.reason = reason
        where = f"Fichier de règles {display_path(self.path)}"
        if line is not None:
            where += f", ligne {line}"
        self.message = f"{where} : {reason}"
        super().__init__(self.message)


@dataclass(frozen=True)
class Duration:
    """A signed delay in days, weeks, months or years (``15d``, ``6w``, ``-1m``, ``2y``)."""

    amount: int
    unit: str  # d, w, m, y

    @classmethod
    def parse(cls, text: str) -> Duration:
        """Parse ``text``; raise ``ValueError`` (French) when it is not a delay."""
        m = _DURATION_RE.match(text.strip())
        if not m:
            raise ValueError(f"délai « {text} » invalide ({DURATION_HINT})")
        amount = int(m.group(2)) * (-1 if m.group(1) == "-" else 1)
        return cls(amount, m.group(3))

    def delta(self) -> relativedelta:
        if self.unit == "d":
            return relativedelta(days=self.amount)
        if self.unit == "w":
            return relativedelta(weeks=self.amount)
        if self.unit == "m":
            return relativedelta(months=self.amount)
        return relativedelta(years=self.amount)

    def add_to(self, day: date) -> date:
        """``day`` moved by this delay. Months clamp to the month end (31 Jan + 1m = 28/29 Feb)."""
        if self.unit in ("d", "w"):  # plain arithmetic: the engine adds delays for every person of a caseload
            return day + timedelta(days=self.amount * (7 if self.unit == "w" else 1))
        result: date = day + self.delta()
        return result

    def __str__(self) -> str:
        return f"{self.amount}{self.unit}"


@dataclass(frozen=True)
class EventRef:
    """A starting point: a named event, optionally shifted (``parcours_start+12m``), or a fixed date."""

    name: str | None = None
    offset: Duration | None = None
    fixed: date | None = None

    @classmethod
    def parse(cls, value: object) -> EventRef:
        """Parse a YAML value (event name, ``name+12m``, ISO date); raise ``ValueError`` (French)."""
        if isinstance(value, date):
            return cls(fixed=value)
        if not isinstance(value, str):
            raise ValueError(f"événement « {value} » invalide (un nom d'événement ou une date AAAA-MM-JJ)")
        text = value.strip()
        try:
            return cls(fixed=date.fromisoformat(text))
        except ValueError:
            pass
        m = _EVENT_REF_RE.match(text)
        if not m or m.group(1) not in EVENTS:
            known = ", ".join(EVENTS)
            raise ValueError(f"événement « {text} » inconnu (connus : {known} ; ou une date AAAA-MM-JJ)")
        offset = None
        if m.group(2):
            offset = Duration.parse(("-" if m.group(2) == "-" else "") + m.group(3))
        return cls(name=m.group(1), offset=offset)

    def resolve(self, facts: CaseFacts) -> date | None:
        if self.fixed is not None:
            return self.fixed
        assert self.name is not None
        day = facts.event(self.name)
        if day is None or self.offset is None:
            return day
        return self.offset.add_to(day)

    def __str__(self) -> str:
        if self.fixed is not None:
            return self.fixed.isoformat()
        return f"{self.name}{'' if self.offset is None else ('+' if self.offset.amount >= 0 else '') + str(self.offset)}"


def resolve_events(refs: tuple[EventRef, ...], facts: CaseFacts, pick: str) -> tuple[EventRef, date] | None:
    """The chosen reference and its date: first known (``first``) or most recent known (``latest``)."""
    found: list[tuple[EventRef, date]] = []
    for ref in refs:
        day = ref.resolve(facts)
        if day is None:
            continue
        if pick == PICK_FIRST:
            return ref, day
        found.append((ref, day))
    if not found:
        return None
    return max(found, key=lambda pair: pair[1])


@dataclass(frozen=True)
class Conditions:
    """A conjunction of fact conditions: every ``(name, expected)`` pair must hold. Empty = always true."""

    items: tuple[tuple[str, bool | tuple[str, ...]], ...] = ()

    def holds(self, facts: CaseFacts) -> bool:
        for name, expected in self.items:
            actual = facts.condition(name)
            if isinstance(expected, tuple):
                if actual not in expected:
                    return False
            elif bool(actual) is not expected:
                return False
        return True


@dataclass(frozen=True)
class DoneWhen:
    """What satisfies a deadline: fact conditions, and/or one of ``events`` on or after ``since``.

    ``since`` (first known of the list) defaults to the rule's starting date.
    """

    conditions: Conditions = field(default_factory=Conditions)
    events: tuple[str, ...] = ()
    since: tuple[EventRef, ...] = ()

    def satisfied(self, facts: CaseFacts, start: date) -> bool:
        if not self.conditions.holds(facts):
            return False
        if not self.events:
            return True
        chosen = resolve_events(self.since, facts, PICK_FIRST)
        since = start if chosen is None else chosen[1]
        return any((day := facts.event(e)) is not None and day >= since for e in self.events)


@dataclass(frozen=True)
class DueVariant:
    """An alternative delay used when ``when`` holds (first matching variant wins)."""

    when: Conditions
    due_in: Duration


@dataclass(frozen=True)
class Rule:
    """One row of the rule table, valid for starting events dated in ``[valid_from, valid_to]``."""

    id: str
    regime: str
    from_events: tuple[EventRef, ...]
    due_in: Duration
    label: str
    legal_basis: str
    source: str
    from_pick: str = PICK_FIRST
    due_in_when: tuple[DueVariant, ...] = ()
    applies_when: Conditions = field(default_factory=Conditions)
    done_when: DoneWhen | None = None
    valid_from: date | None = None
    valid_to: date | None = None
    soon_days: int | None = None
    #: A local target of the département (« objectif départemental »), never shown as a legal obligation.
    local_target: bool = False
    line: int | None = None  # where the rule starts in its file, for messages

    def valid_on(self, day: date) -> bool:
        if self.valid_from is not None and day < self.valid_from:
            return False
        return self.valid_to is None or day <= self.valid_to

    def applies_to_regime(self, regime: str) -> bool:
        return self.regime == REGIME_BOTH or self.regime == regime

    def delay_for(self, facts: CaseFacts) -> Duration:
        for variant in self.due_in_when:
            if variant.when.holds(facts):
                return variant.due_in
        return self.due_in


@dataclass(frozen=True)
class RuleSet:
    """A validated rule table: its effective version, the default "bientôt" window and the rules.

    A rule id may appear several times with disjoint validity periods (versions of the same rule).
    """

    version: str
    soon_days: int
    rules: tuple[Rule, ...]
    files: tuple[Path, ...] = ()

    @functools.cached_property
    def _by_id(self) -> dict[str, tuple[Rule, ...]]:
        """The versions of each rule id, ids in file order (built once: the engine asks for every person)."""
        grouped: dict[str, list[Rule]] = {}
        for rule in self.rules:
            grouped.setdefault(rule.id, []).append(rule)
        return {rule_id: tuple(versions) for rule_id, versions in grouped.items()}

    def rule_ids(self) -> list[str]:
        """Distinct rule ids in file order."""
        return list(self._by_id)

    def versions_of(self, rule_id: str) -> list[Rule]:
        return list(self._by_id.get(rule_id, ()))


@dataclass(frozen=True)
class CaseFacts:
    """What the engine needs to know about one person, as of a date. Built by the caseload service.

    Dates are those of the **current** orientation, contract and parcours (the service picks them), so a
    réorientation or a renewal naturally restarts the rules that depend on them.
    """

    person_id: str
    regime: str  # enums.Regime
    track: str | None = None  # enums.Track of the current orientation
    right_opened: date | None = None
    rsa_entry: date | None = None
    orientation_decision: date | None = None
    orientation_notified: date | None = None
    referent_assigned: date | None = None
    first_rdv_honoured: date | None = None  # first honoured RDV on or after the current orientation decision
    last_contact: date | None = None
    last_review: date | None = None  # last honoured bilan / réexamen RDV
    parcours_start: date | None = None
    first_prescription: date | None = None  # first prescription of the current parcours
    contract_kind: str | None = None  # enums.ContractKind of the current signed contract
    contract_start: date | None = None
    contract_end: date | None = None
    contract_signed: date | None = None
    ce_signed: date | None = None  # latest signed contrat d'engagement, whatever the current contract
    ep_referral_pending: date | None = None  # the oldest saisine of the EP neither decided nor withdrawn
    has_referent: bool = False
    particular_difficulties: bool = False  # diagnostic records particular difficulties (health, housing...)
    accompanied_on_2025_01_01: bool = False
    overseas: bool = False  # département setting: overseas transition lengths apply
    renewal_prepared: bool = False  # a contract draft starts after the current contract
    exited: bool = False  # the current parcours ended with a sortie: no deadline runs
    bilan_done: date | None = None  # last finalised bilan (contract end, one year, exit; not a bilan d'étape)
    joint_review: date | None = None  # last joint diagnostic with France Travail (CASF L.262-31)
    joint_review_outcome: str | None = None  # enums.JointReviewConclusion of that joint diagnostic
    reorientation_requested: date | None = None  # last bilan or joint review asking for a réorientation
    next_step_decided: bool = (
        False  # a finalised bilan of the current contract recommends réorientation or exit
    )

    @property
    def has_contract(self) -> bool:
        return self.contract_signed is not None or self.contract_kind is not None

    @property
    def has_ce_signed(self) -> bool:
        return self.ce_signed is not None

    @property
    def has_orientation(self) -> bool:
        return self.orientation_decision is not None

    @property
    def next_step_prepared(self) -> bool:
        """What follows the current contract is prepared: a renewal draft, or a bilan that decided otherwise."""
        return self.renewal_prepared or self.next_step_decided

    def event(self, name: str) -> date | None:
        """The date of the named event (see :data:`EVENTS`), or None when it has not happened."""
        if name not in EVENTS:
            raise KeyError(name)
        value: date | None = getattr(self, name)
        return value

    def condition(self, name: str) -> Any:
        if name not in CONDITIONS:
            raise KeyError(name)
        return getattr(self, name)
