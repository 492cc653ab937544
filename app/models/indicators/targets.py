"""The targets the « within target » figures count against, read from the deadline rule table (first RDV,
contract, prescription), so that an indicator and an alert never disagree on a delay."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from app.models.rules.types import PICK_FIRST, Duration, RuleSet

#: Rule events a target can start from, and the orientation column that carries each.
_ORIENTATION_EVENTS = {"orientation_decision": "decision_date", "orientation_notified": "notification_date"}


#: When the rule table has no ``ep_decision`` rule: one month (seed 000).
EP_DECISION_DEFAULT = Duration(1, "m")


@dataclass(frozen=True)
class Target:
    """One version of a delay rule, as usable in SQL: regime, tracks, validity, starting events and delay."""

    rule_id: str
    regime: str
    tracks: tuple[str, ...] | None
    valid_from: date | None
    valid_to: date | None
    from_columns: tuple[str, ...]  # orientation columns, first known wins
    due: Duration


@dataclass(frozen=True)
class Targets:
    """The delays the indicators measure against, read from the rule table (never hard-coded)."""

    first_rdv: tuple[Target, ...]
    contract: tuple[Target, ...]
    no_prescription: Duration
    rules_version: str = ""
    #: Saisine of the équipe pluridisciplinaire → décision (rule ``ep_decision``; one month by default).
    ep_decision: Duration = EP_DECISION_DEFAULT

    def note(self, which: str) -> str:
        """« cible : 15 jours après la notification de l'orientation (à défaut, la décision) »."""
        items = self.first_rdv if which == "first_rdv" else self.contract
        if not items:
            return "aucune cible dans la table des règles"
        delays = " ou ".join(dict.fromkeys(_duration_fr(t.due) for t in items))
        starts = list(dict.fromkeys(t.from_columns for t in items))
        if len(starts) == 1:
            return f"cible : {delays} après {_from_fr(starts[0])}"
        return f"cible : {delays} après l'orientation, selon le régime et le parcours"


def _from_fr(columns: tuple[str, ...]) -> str:
    names = {"decision_date": "la décision", "notification_date": "la notification"}
    first = names[columns[0]]
    if len(columns) == 1:
        return f"{first} d'orientation"
    rest = ", ".join(names[c] for c in columns[1:])
    return f"{first} de l'orientation (à défaut, {rest})"


def _duration_fr(d: Duration) -> str:
    unit = {"d": ("jour", "jours"), "w": ("semaine", "semaines"), "m": ("mois", "mois"), "y": ("an", "ans")}
    one, many = unit[d.unit]
    return f"{d.amount} {one if abs(d.amount) < 2 else many}"


FIRST_RDV_RULES = ("first_rdv",)


CONTRACT_RULES = ("contract_pro", "contract_social", "contract_ce")


NO_PRESCRIPTION_RULE = "no_prescription"


EP_DECISION_RULE = "ep_decision"


def targets_from_rules(rules: RuleSet) -> Targets:
    """Every version of the first-RDV and first-contract rules that starts from an orientation event."""

    def collect(ids: Iterable[str]) -> tuple[Target, ...]:
        out: list[Target] = []
        for rule_id in ids:
            for rule in rules.versions_of(rule_id):
                cols = tuple(
                    _ORIENTATION_EVENTS[e.name] for e in rule.from_events if e.name in _ORIENTATION_EVENTS
                )
                if (
                    len(cols) != len(rule.from_events)
                    or any(e.offset is not None for e in rule.from_events)
                    or (len(cols) > 1 and rule.from_pick != PICK_FIRST)
                ):
                    continue  # starts from an event the indicators do not know: no target from this rule
                tracks: tuple[str, ...] | None = None
                for name, expected in rule.applies_when.items:
                    if name == "track" and isinstance(expected, tuple):
                        tracks = expected
                out.append(
                    Target(rule.id, rule.regime, tracks, rule.valid_from, rule.valid_to, cols, rule.due_in)
                )
        return tuple(out)

    no_presc = next(iter(rules.versions_of(NO_PRESCRIPTION_RULE)), None)
    ep = next(iter(rules.versions_of(EP_DECISION_RULE)), None)
    return Targets(
        first_rdv=collect(FIRST_RDV_RULES),
        contract=collect(CONTRACT_RULES),
        no_prescription=no_presc.due_in if no_presc is not None else Duration(3, "m"),
        rules_version=rules.version,
        ep_decision=ep.due_in if ep is not None else EP_DECISION_DEFAULT,
    )
