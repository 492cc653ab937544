"""The deadline rule engine: every default rule in both regimes, month arithmetic, versions over time,
département overrides and every kind of bad rule file (with its line number)."""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
import sys
import textwrap
from datetime import date
from pathlib import Path

import pytest

from app.models import resources
from app.models.rules.engine import (
    Deadline,
    compute_deadlines,
    deadline_state,
    default_rules_path,
    load_default_rules,
    next_due,
    rules_dir,
)
from app.models.rules.loader import load_rules
from app.models.rules.types import (
    STATE_LATE,
    STATE_SOON,
    STATE_TODO,
    CaseFacts,
    Duration,
    EventRef,
    RuleFileError,
    RuleSet,
)

PE = "plein_emploi"
LEGACY = "legacy"
TODAY = date(2026, 3, 2)
ALL_IDS = {
    "orientation", "orientation_legacy", "first_rdv", "contract_pro", "contract_social", "contract_ce",
    "ce_replaces_cer", "cer_after_first_rdv", "contract_end_warning", "bilan", "social_review",
    "ce_revision_after_review", "reorientation_decision", "parcours_cap", "no_prescription", "no_contact",
    "no_referent", "ep_decision",
}  # fmt: skip


@pytest.fixture(scope="module")
def rules() -> RuleSet:
    return load_default_rules()


def facts(regime: str = PE, **kw: object) -> CaseFacts:
    base: dict[str, object] = {"person_id": "p1", "regime": regime, "has_referent": True}
    base.update(kw)
    return CaseFacts(**base)  # type: ignore[arg-type]


def by_rule(f: CaseFacts, rules: RuleSet, today: date = TODAY) -> dict[str, Deadline]:
    return {d.rule_id: d for d in compute_deadlines(f, rules, today)}


def due(f: CaseFacts, rules: RuleSet, rule_id: str, today: date = TODAY) -> date | None:
    d = by_rule(f, rules, today).get(rule_id)
    return None if d is None else d.due_date


def write(tmp_path: Path, text: str, name: str = "rules.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


# --- the shipped table ----------------------------------------------------------------------------------


def test_default_table_ships_every_rule(rules: RuleSet) -> None:
    assert rules.version == "2027.3"
    assert rules.soon_days == 14
    assert set(rules.rule_ids()) == ALL_IDS
    for rule in rules.rules:
        assert rule.label and rule.legal_basis and rule.source
        assert rule.regime in (PE, LEGACY, "both")


def test_rules_dir_is_in_the_repository() -> None:
    assert (
        default_rules_path() == Path(__file__).resolve().parents[2] / "resources" / "rules" / "default.yaml"
    )
    assert default_rules_path().is_file()


def test_rules_dir_is_the_installed_package_data_when_there_is_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Installed from the wheel or frozen by PyInstaller, ``resources`` is ``app/resources`` (package data)."""
    target = tmp_path / "app" / "resources" / "rules"
    target.mkdir(parents=True)
    shutil.copy(default_rules_path(), target / "default.yaml")
    (target / "default.yaml").write_text(
        (target / "default.yaml").read_text(encoding="utf-8").replace('"2027.3"', '"installe-1"'),
        encoding="utf-8",
    )
    monkeypatch.setattr(resources, "files", lambda package: tmp_path / package)
    assert rules_dir() == target
    assert load_default_rules().version == "installe-1"


def test_engine_never_imports_qt() -> None:
    code = "import sys, app.models.rules.engine; assert not any(m.startswith('PySide6') for m in sys.modules)"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).resolve().parents[2])


# --- durations and month arithmetic ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "start", "expected"),
    [
        ("15d", date(2026, 1, 20), date(2026, 2, 4)),
        ("6w", date(2026, 1, 5), date(2026, 2, 16)),
        ("1m", date(2026, 1, 31), date(2026, 2, 28)),
        ("1m", date(2028, 1, 31), date(2028, 2, 29)),
        ("-1m", date(2028, 3, 31), date(2028, 2, 29)),
        ("-1m", date(2026, 3, 31), date(2026, 2, 28)),
        ("12m", date(2028, 2, 29), date(2029, 2, 28)),
        ("1y", date(2028, 2, 29), date(2029, 2, 28)),
        ("48m", date(2024, 2, 29), date(2028, 2, 29)),
        ("-2m", date(2026, 4, 30), date(2026, 2, 28)),
        ("+3m", date(2025, 11, 30), date(2026, 2, 28)),
        ("0d", date(2026, 5, 5), date(2026, 5, 5)),
    ],
)
def test_duration_arithmetic(text: str, start: date, expected: date) -> None:
    assert Duration.parse(text).add_to(start) == expected


@pytest.mark.parametrize("bad", ["3x", "", "m", "1.5m", "1 m", "15", "d15", "--1m", "12345d"])
def test_duration_rejects_garbage(bad: str) -> None:
    with pytest.raises(ValueError, match="invalide"):
        Duration.parse(bad)


def test_event_references() -> None:
    f = facts(parcours_start=date(2025, 3, 31))
    assert EventRef.parse("parcours_start+12m").resolve(f) == date(2026, 3, 31)
    assert EventRef.parse("parcours_start-1m").resolve(f) == date(2025, 2, 28)
    assert EventRef.parse(date(2025, 1, 1)).resolve(f) == date(2025, 1, 1)
    assert EventRef.parse("2025-01-01").resolve(f) == date(2025, 1, 1)
    assert EventRef.parse("contract_end").resolve(f) is None
    assert str(EventRef.parse("parcours_start+12m")) == "parcours_start+12m"
    with pytest.raises(ValueError, match="inconnu"):
        EventRef.parse("birthday")


# --- states -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("due_date", "state"),
    [
        (date(2026, 3, 1), STATE_LATE),
        (date(2026, 3, 2), STATE_SOON),
        (date(2026, 3, 16), STATE_SOON),
        (date(2026, 3, 17), STATE_TODO),
    ],
)
def test_deadline_state_boundaries(due_date: date, state: str) -> None:
    assert deadline_state(due_date, TODAY, 14) == state


def test_state_labels_are_french(rules: RuleSet) -> None:
    f = facts(orientation_decision=date(2026, 2, 1), parcours_start=date(2025, 12, 10),
              last_contact=date(2026, 2, 20), track="emploi")  # fmt: skip
    states = {d.state: d.state_label for d in compute_deadlines(f, rules, TODAY)}
    assert states == {"en_retard": "En retard", "bientot": "Bientôt", "a_faire": "À faire"}


def test_deadline_carries_its_rule(rules: RuleSet) -> None:
    d = by_rule(facts(right_opened=date(2026, 1, 5)), rules)["orientation"]
    assert d.person_id == "p1"
    assert d.rules_version == "2027.3"
    assert d.label == "Orientation à décider"
    assert "D. 262-65-2" in d.legal_basis and "2024-1244" in d.source
    assert (d.from_event, d.from_date, d.due_date) == ("right_opened", date(2026, 1, 5), date(2026, 2, 16))
    assert d.days_left == (date(2026, 2, 16) - TODAY).days and d.overdue


def test_next_due_is_the_earliest(rules: RuleSet) -> None:
    f = facts(parcours_start=date(2026, 2, 1), orientation_decision=date(2026, 2, 1), track="social")
    deadlines = compute_deadlines(f, rules, TODAY)
    assert [d.due_date for d in deadlines] == sorted(d.due_date for d in deadlines)
    first = next_due(deadlines)
    assert first is not None and first.rule_id == "first_rdv"
    assert next_due(reversed(deadlines)) == first
    assert next_due([]) is None


def test_exited_person_has_no_deadline(rules: RuleSet) -> None:
    f = facts(parcours_start=date(2024, 1, 1), orientation_decision=date(2024, 1, 1), exited=True)
    assert compute_deadlines(f, rules, TODAY) == []


def test_no_facts_no_deadline(rules: RuleSet) -> None:
    assert compute_deadlines(facts(), rules, TODAY) == []
    assert compute_deadlines(facts(LEGACY), rules, TODAY) == []


# --- each rule ------------------------------------------------------------------------------------------


def test_orientation_plein_emploi(rules: RuleSet) -> None:
    f = facts(right_opened=date(2026, 1, 5))
    assert due(f, rules, "orientation") == date(2026, 2, 16)
    assert due(dataclasses.replace(f, orientation_decision=date(2026, 2, 1)), rules, "orientation") is None
    # an orientation older than the opening of the right (moved in from elsewhere) does not count
    assert (
        due(dataclasses.replace(f, orientation_decision=date(2025, 6, 1)), rules, "orientation") is not None
    )
    assert due(dataclasses.replace(f, regime=LEGACY), rules, "orientation") is None
    # the rule exists since 1 Jan 2025 only
    assert due(facts(right_opened=date(2024, 12, 31)), rules, "orientation") is None


def test_orientation_legacy(rules: RuleSet) -> None:
    """Former CASF R.262-65-2: two months from the département's receipt of the CAF information that the right
    opened (not from the entry in the RSA): information received on 31/12/2024 → due 28/02/2025."""
    f = facts(LEGACY, right_opened=date(2024, 12, 31), rsa_entry=date(2024, 10, 1))
    assert due(f, rules, "orientation_legacy") == date(2025, 2, 28)
    assert due(facts(LEGACY, rsa_entry=date(2024, 12, 31)), rules, "orientation_legacy") is None
    assert (
        due(dataclasses.replace(f, orientation_decision=date(2025, 1, 20)), rules, "orientation_legacy")
        is None
    )
    assert due(dataclasses.replace(f, regime=PE), rules, "orientation_legacy") is None


@pytest.mark.parametrize("regime", [PE, LEGACY])
def test_first_rdv_both_regimes(rules: RuleSet, regime: str) -> None:
    f = facts(regime, orientation_decision=date(2026, 2, 2), orientation_notified=date(2026, 2, 10))
    assert due(f, rules, "first_rdv") == date(2026, 2, 25)
    # without a notification date, from the decision
    assert due(dataclasses.replace(f, orientation_notified=None), rules, "first_rdv") == date(2026, 2, 17)
    assert due(dataclasses.replace(f, first_rdv_honoured=date(2026, 2, 20)), rules, "first_rdv") is None
    # a RDV honoured between decision and notification counts too
    assert due(dataclasses.replace(f, first_rdv_honoured=date(2026, 2, 5)), rules, "first_rdv") is None
    # a RDV of a previous orientation does not
    assert due(dataclasses.replace(f, first_rdv_honoured=date(2026, 1, 5)), rules, "first_rdv") is not None


@pytest.mark.parametrize(("track", "expected"), [("emploi", None), ("socio_pro", "contract_pro"),
                                                 ("social", "contract_social")])  # fmt: skip
def test_legacy_contracts_by_track(rules: RuleSet, track: str, expected: str | None) -> None:
    """Former CASF L.262-35 (professional insertion, socio-pro track: one month) and L.262-36 (social: two
    months); under the old law the emploi track signed a PPAE with Pôle emploi, not a CER. Orientation decided
    on 31/10/2024 → CER due 30/11/2024 (socio-pro) or 31/12/2024 (social). Orientations from 2025 on start no
    CER deadline (only the contrat d'engagement can be signed)."""
    today = date(2024, 11, 15)
    f = facts(LEGACY, track=track, orientation_decision=date(2024, 10, 31))
    got = by_rule(f, rules, today)
    assert {"contract_pro", "contract_social"} & set(got) == ({expected} if expected else set())
    if expected is None:
        return
    assert got[expected].due_date == (
        date(2024, 11, 30) if expected == "contract_pro" else date(2024, 12, 31)
    )
    assert due(dataclasses.replace(f, contract_signed=date(2024, 11, 12), contract_kind="cer"), rules,
               expected, today) is None  # fmt: skip
    # a contract signed before this orientation does not satisfy it
    old = dataclasses.replace(f, contract_signed=date(2024, 6, 1), contract_kind="cer")
    assert due(old, rules, expected, today) is not None
    assert due(dataclasses.replace(f, regime=PE), rules, expected, today) is None
    assert due(dataclasses.replace(f, orientation_decision=date(2025, 1, 6)), rules, expected) is None


def test_contract_ce_and_reorientation_restarts_it(rules: RuleSet) -> None:
    f = facts(track="emploi", orientation_decision=date(2026, 1, 2), orientation_notified=date(2026, 1, 31))
    assert due(f, rules, "contract_ce") == date(2026, 2, 28)
    signed = dataclasses.replace(
        f, ce_signed=date(2026, 2, 20), contract_signed=date(2026, 2, 20), contract_kind="ce"
    )
    assert due(signed, rules, "contract_ce") is None
    # a CER does not satisfy the CE rule
    cer = dataclasses.replace(f, contract_signed=date(2026, 2, 20), contract_kind="cer")
    assert due(cer, rules, "contract_ce") is not None
    # new orientation decision: the old CE no longer counts, the delay restarts
    reoriented = dataclasses.replace(signed, orientation_decision=date(2026, 6, 1), orientation_notified=None)
    assert due(reoriented, rules, "contract_ce", date(2026, 6, 2)) == date(2026, 7, 1)
    assert due(dataclasses.replace(f, regime=LEGACY), rules, "contract_ce") is None


@pytest.mark.parametrize("regime", [PE, LEGACY])
def test_ce_replaces_cer(rules: RuleSet, regime: str) -> None:
    """Loi n° 2023-1196 and décret n° 2024-1244: a CE by 1 January 2027 for everyone accompanied on 1 January
    2025 (two years); three years overseas (décret du 13 août 2025): 1 January 2028. Announced three months
    ahead (a legal transition deadline)."""
    f = facts(regime, accompanied_on_2025_01_01=True)
    d = by_rule(f, rules)["ce_replaces_cer"]
    assert (d.due_date, d.from_event, d.state) == (date(2027, 1, 1), "2025-01-01", STATE_TODO)
    assert by_rule(f, rules, date(2026, 10, 15))["ce_replaces_cer"].state == STATE_SOON
    assert by_rule(f, rules, date(2026, 12, 20))["ce_replaces_cer"].state == STATE_SOON
    assert due(dataclasses.replace(f, overseas=True), rules, "ce_replaces_cer") == date(2028, 1, 1)
    assert not by_rule(f, rules)["ce_replaces_cer"].local_target
    assert by_rule(f, rules, date(2027, 1, 2))["ce_replaces_cer"].state == STATE_LATE
    assert due(dataclasses.replace(f, ce_signed=date(2025, 9, 1)), rules, "ce_replaces_cer") is None
    assert due(dataclasses.replace(f, accompanied_on_2025_01_01=False), rules, "ce_replaces_cer") is None


@pytest.mark.parametrize("regime", [PE, LEGACY])
def test_cer_after_first_rdv(rules: RuleSet, regime: str) -> None:
    f = facts(regime, orientation_decision=date(2026, 1, 5), first_rdv_honoured=date(2026, 1, 31))
    assert due(f, rules, "cer_after_first_rdv") == date(2026, 2, 28)
    done = dataclasses.replace(f, contract_signed=date(2026, 1, 31), contract_kind="cer")
    assert due(done, rules, "cer_after_first_rdv") is None
    stale = dataclasses.replace(f, contract_signed=date(2025, 1, 31), contract_kind="cer")
    assert due(stale, rules, "cer_after_first_rdv") is not None


@pytest.mark.parametrize("regime", [PE, LEGACY])
def test_contract_end_warning(rules: RuleSet, regime: str) -> None:
    f = facts(regime, contract_kind="cer", contract_start=date(2025, 10, 1), contract_end=date(2026, 3, 31),
              contract_signed=date(2025, 9, 28))  # fmt: skip
    d = by_rule(f, rules)["contract_end_warning"]
    assert (d.due_date, d.state) == (date(2026, 2, 28), STATE_LATE)
    assert d.local_target and d.nature_label == "Objectif départemental"
    assert by_rule(f, rules, date(2026, 2, 20))["contract_end_warning"].state == STATE_SOON
    assert due(facts(regime), rules, "contract_end_warning") is None
    # a draft of the next contract exists: the renewal is being prepared
    assert due(dataclasses.replace(f, renewal_prepared=True), rules, "contract_end_warning") is None


@pytest.mark.parametrize("regime", [PE, LEGACY])
def test_bilan_before_contract_end_or_after_a_year(rules: RuleSet, regime: str) -> None:
    f = facts(regime, parcours_start=date(2025, 4, 30), contract_kind="cer", contract_start=date(2026, 1, 1),
              contract_end=date(2026, 6, 30), contract_signed=date(2026, 1, 1))  # fmt: skip
    d = by_rule(f, rules)["bilan"]
    assert (d.due_date, d.from_event) == (date(2026, 4, 30), "contract_end")
    assert due(dataclasses.replace(f, bilan_done=date(2026, 4, 20)), rules, "bilan") is None
    # a bilan before this contract does not count
    assert due(dataclasses.replace(f, bilan_done=date(2025, 12, 1)), rules, "bilan") is not None
    # a RDV labelled « bilan » is not a bilan any more (2027.2: the bilan is a record, ADR 0050)
    assert due(dataclasses.replace(f, last_review=date(2026, 4, 20)), rules, "bilan") is not None
    # no contract: one year in the parcours, minus two months
    no_contract = facts(regime, parcours_start=date(2025, 4, 30))
    d = by_rule(no_contract, rules)["bilan"]
    assert (d.due_date, d.from_event, d.from_date) == (
        date(2026, 2, 28),
        "parcours_start+12m",
        date(2026, 4, 30),
    )
    assert due(dataclasses.replace(no_contract, bilan_done=date(2025, 5, 2)), rules, "bilan") is None


def test_social_review_six_or_twelve_months(rules: RuleSet) -> None:
    """CASF L.262-31 (1 January 2025): six months from the signature **or revision** of the CE, twelve when the
    diagnostic records particular difficulties (D.262-65-2-1), then a joint diagnostic with France Travail that
    ends in a new orientation or a revised CE. A person oriented in 2022 whose CE was signed on 31/08/2025 is
    due on 28/02/2026 — never counted from the 2022 orientation."""
    f = facts(track="social", orientation_decision=date(2022, 4, 20), ce_signed=date(2025, 8, 31))
    assert due(f, rules, "social_review") == date(2026, 2, 28)
    hard = dataclasses.replace(f, particular_difficulties=True)
    assert due(hard, rules, "social_review") == date(2026, 8, 31)
    # an avenant (a revised CE, signed 10/02/2026) restarts the count: 10/08/2026
    revised = dataclasses.replace(f, ce_signed=date(2026, 2, 10))
    assert due(revised, rules, "social_review") == date(2026, 8, 10)
    # the joint diagnostic ended in a new orientation decision: done
    assert due(dataclasses.replace(f, orientation_decision=date(2026, 2, 20)), rules, "social_review") is None
    # no CE signed yet: nothing to review
    assert due(dataclasses.replace(f, ce_signed=None), rules, "social_review") is None
    assert due(dataclasses.replace(f, track="emploi"), rules, "social_review") is None
    assert due(dataclasses.replace(f, regime=LEGACY), rules, "social_review") is None
    assert not by_rule(f, rules)["social_review"].local_target


def test_joint_review_closes_the_social_review_and_opens_the_revision(rules: RuleSet) -> None:
    """The joint diagnostic recorded (ADR 0051) closes the review; « maintien » opens the revision of the CE (a
    departmental month), whose signature starts the next six-month period (CASF L.262-31, II, 2°)."""
    f = facts(track="social", orientation_decision=date(2022, 4, 20), ce_signed=date(2025, 8, 31))
    kept = dataclasses.replace(f, joint_review=date(2026, 2, 20), joint_review_outcome="maintien")
    got = by_rule(kept, rules)
    assert "social_review" not in got
    revision = got["ce_revision_after_review"]
    assert (revision.due_date, revision.from_event, revision.local_target) == (
        date(2026, 3, 20),
        "joint_review",
        True,
    )
    # the avenant is signed on 10/03/2026: the revision is done, the next review is due on 10/09/2026
    signed = dataclasses.replace(kept, ce_signed=date(2026, 3, 10))
    got = by_rule(signed, rules, date(2026, 3, 12))
    assert "ce_revision_after_review" not in got
    assert got["social_review"].due_date == date(2026, 9, 10)
    # a joint review before the CE's signature does not count
    early = dataclasses.replace(f, joint_review=date(2025, 6, 1), joint_review_outcome="maintien")
    assert due(early, rules, "social_review") == date(2026, 2, 28)


def test_reorientation_asked_waits_for_the_decision(rules: RuleSet) -> None:
    """A joint diagnostic (or a bilan) concluding to a réorientation: no CE revision, a month for the
    département's decision (Seine-Saint-Denis 2022), closed by the new orientation decision."""
    f = facts(track="social", orientation_decision=date(2022, 4, 20), ce_signed=date(2025, 8, 31),
              joint_review=date(2026, 2, 20), joint_review_outcome="reorientation",
              reorientation_requested=date(2026, 2, 20))  # fmt: skip
    got = by_rule(f, rules)
    assert set(got) & {"social_review", "ce_revision_after_review"} == set()
    assert (got["reorientation_decision"].due_date, got["reorientation_decision"].local_target) == (
        date(2026, 3, 20),
        True,
    )
    decided = dataclasses.replace(f, orientation_decision=date(2026, 3, 5), track="emploi")
    assert due(decided, rules, "reorientation_decision") is None
    # an orientation decided before the request does not answer it
    assert due(dataclasses.replace(f, orientation_decision=date(2026, 1, 5)), rules, "reorientation_decision")


def test_contract_end_prepared_by_a_bilan_deciding_another_way(rules: RuleSet) -> None:
    f = facts(PE, contract_kind="ce", contract_start=date(2025, 10, 1), contract_end=date(2026, 3, 31),
              contract_signed=date(2025, 9, 28))  # fmt: skip
    assert due(f, rules, "contract_end_warning") == date(2026, 2, 28)
    assert due(dataclasses.replace(f, next_step_decided=True), rules, "contract_end_warning") is None
    assert due(dataclasses.replace(f, renewal_prepared=True), rules, "contract_end_warning") is None


@pytest.mark.parametrize("regime", [PE, LEGACY])
def test_parcours_cap_at_24_months_and_leap_day(rules: RuleSet, regime: str) -> None:
    """Seine-Saint-Denis (2022): the socio-professional accompaniment lasts 12 months, renewable once; social
    and France Travail accompaniments have no set length. A local target, never a legal obligation."""
    sp = "socio_pro"
    assert due(facts(regime, track=sp, parcours_start=date(2024, 2, 29)), rules, "parcours_cap") == date(
        2026, 2, 28
    )
    assert due(facts(regime, track=sp, parcours_start=date(2026, 2, 28)), rules, "parcours_cap") == date(
        2028, 2, 28
    )
    assert due(facts(regime, track=sp, parcours_start=date(2027, 2, 28)), rules, "parcours_cap") == date(
        2029, 2, 28
    )
    for track in ("social", "emploi", None):
        assert (
            due(facts(regime, track=track, parcours_start=date(2024, 2, 29)), rules, "parcours_cap") is None
        )
    d = by_rule(facts(regime, track=sp, parcours_start=date(2024, 2, 29)), rules)["parcours_cap"]
    assert d.local_target and d.nature_label == "Objectif départemental"


@pytest.mark.parametrize("regime", [PE, LEGACY])
def test_no_prescription(rules: RuleSet, regime: str) -> None:
    f = facts(regime, parcours_start=date(2025, 11, 30))
    assert due(f, rules, "no_prescription") == date(2026, 2, 28)
    assert due(dataclasses.replace(f, first_prescription=date(2026, 1, 5)), rules, "no_prescription") is None
    assert (
        due(dataclasses.replace(f, first_prescription=date(2025, 6, 1)), rules, "no_prescription") is not None
    )


@pytest.mark.parametrize("regime", [PE, LEGACY])
def test_no_contact_rolls_with_the_last_contact(rules: RuleSet, regime: str) -> None:
    f = facts(regime, parcours_start=date(2025, 12, 31))
    d = by_rule(f, rules)["no_contact"]
    assert (d.due_date, d.from_event, d.state) == (date(2026, 2, 28), "parcours_start", STATE_LATE)
    seen = dataclasses.replace(f, last_contact=date(2026, 2, 20))
    d = by_rule(seen, rules)["no_contact"]
    assert (d.due_date, d.from_event, d.state) == (date(2026, 4, 20), "last_contact", STATE_TODO)
    # a contact of a previous parcours does not hide the new one
    old = dataclasses.replace(f, last_contact=date(2025, 3, 1))
    assert by_rule(old, rules)["no_contact"].from_event == "parcours_start"


@pytest.mark.parametrize("regime", [PE, LEGACY])
def test_no_referent(rules: RuleSet, regime: str) -> None:
    f = facts(regime, orientation_decision=date(2026, 2, 23), has_referent=False)
    d = by_rule(f, rules)["no_referent"]
    assert (d.due_date, d.state) == (date(2026, 3, 2), STATE_SOON)
    assert by_rule(f, rules, date(2026, 3, 3))["no_referent"].state == STATE_LATE
    assert due(dataclasses.replace(f, has_referent=True), rules, "no_referent") is None


def test_ep_decision_runs_from_the_oldest_pending_saisine(rules: RuleSet) -> None:
    """Seed 000: the département decides within a month of the saisine of the EP (an objectif départemental)."""
    f = facts(PE, ep_referral_pending=date(2026, 1, 20))
    d = by_rule(f, rules)["ep_decision"]
    assert (d.due_date, d.state, d.local_target) == (date(2026, 2, 20), STATE_LATE, True)
    assert by_rule(f, rules, date(2026, 2, 10))["ep_decision"].state == STATE_SOON
    assert due(dataclasses.replace(f, ep_referral_pending=None), rules, "ep_decision") is None


def test_full_case_plein_emploi(rules: RuleSet) -> None:
    f = facts(track="emploi", right_opened=date(2025, 11, 2), orientation_decision=date(2025, 12, 1),
              orientation_notified=date(2025, 12, 5), first_rdv_honoured=date(2025, 12, 15),
              parcours_start=date(2025, 12, 1), last_contact=date(2026, 2, 16),
              first_prescription=date(2026, 1, 10), contract_kind="ce", contract_start=date(2026, 1, 5),
              contract_end=date(2026, 7, 4), contract_signed=date(2026, 1, 5), ce_signed=date(2026, 1, 5))  # fmt: skip
    got = by_rule(f, rules)
    assert set(got) == {"contract_end_warning", "bilan", "no_contact"}  # no length cap on the emploi track
    assert all(d.state == STATE_TODO for d in got.values())
    socio_pro = by_rule(dataclasses.replace(f, track="socio_pro"), rules)
    assert set(socio_pro) == {"contract_end_warning", "bilan", "parcours_cap", "no_contact"}


def test_local_targets_are_labelled_and_legal_deadlines_are_not(rules: RuleSet) -> None:
    """DOMAIN.md, « Deadlines »: the local targets are shown and printed as « objectif départemental »."""
    local = {r.id for r in rules.rules if r.local_target}
    assert local == {"first_rdv", "cer_after_first_rdv", "contract_end_warning", "bilan", "no_prescription",
                     "no_contact", "no_referent", "parcours_cap", "ce_revision_after_review",
                     "reorientation_decision", "ep_decision"}  # fmt: skip


# --- versions over time --------------------------------------------------------------------------------

RULE_BODY = """
    regime: both
    label: "Premier rendez-vous"
    legal_basis: "Base"
    source: "Source"
"""


def versioned(tmp_path: Path) -> RuleSet:
    return load_rules(write(tmp_path, """
        version: "t1"
        rules:
          - id: first_rdv
            from_event: orientation_notified
            due_in: 15d
            valid_to: 2026-05-31""" + RULE_BODY.replace("\n    ", "\n            ") + """
          - id: first_rdv
            from_event: orientation_notified
            due_in: 10d
            valid_from: 2026-06-01""" + RULE_BODY.replace("\n    ", "\n            ") + """
          - id: late_rule
            from_event: parcours_start
            due_in: 1m
            valid_from: 2026-01-01
            valid_to: 2026-12-31""" + RULE_BODY.replace("\n    ", "\n            ")))  # fmt: skip


def test_rule_version_chosen_by_the_starting_event(tmp_path: Path) -> None:
    rs = versioned(tmp_path)
    before = facts(orientation_notified=date(2026, 5, 31))
    after = facts(orientation_notified=date(2026, 6, 1))
    assert due(before, rs, "first_rdv", date(2026, 7, 1)) == date(2026, 6, 15)
    assert due(after, rs, "first_rdv", date(2026, 7, 1)) == date(2026, 6, 11)


def test_rule_outside_its_validity_does_not_apply(tmp_path: Path) -> None:
    rs = versioned(tmp_path)
    assert due(facts(parcours_start=date(2025, 12, 31)), rs, "late_rule") is None
    assert due(facts(parcours_start=date(2026, 1, 1)), rs, "late_rule") == date(2026, 2, 1)
    assert due(facts(parcours_start=date(2026, 12, 31)), rs, "late_rule") == date(2027, 1, 31)
    assert due(facts(parcours_start=date(2027, 1, 1)), rs, "late_rule") is None


# --- département override --------------------------------------------------------------------------------


def test_override_changes_targets_and_disables(tmp_path: Path) -> None:
    override = write(tmp_path, """
        # Seine-Saint-Denis
        version: "93-2026.2"
        soon_days: 7
        rules:
          - id: first_rdv
            due_in: 10d
          - id: no_contact
            disabled: true
          - id: contract_end_warning
            soon_days: 30
        """, "93.yaml")  # fmt: skip
    rs = load_default_rules(override)
    assert rs.version == "2027.3+93-2026.2"
    assert rs.soon_days == 7
    assert "no_contact" not in rs.rule_ids() and len(rs.rule_ids()) == len(ALL_IDS) - 1
    f = facts(orientation_notified=date(2026, 2, 20), parcours_start=date(2026, 2, 20), contract_kind="cer",
              contract_end=date(2026, 4, 30), contract_signed=date(2026, 1, 1))  # fmt: skip
    got = by_rule(f, rs)
    assert got["first_rdv"].due_date == date(2026, 3, 2)
    assert got["first_rdv"].rules_version == "2027.3+93-2026.2"
    # untouched rule keeps its legal basis; the global window is 7 days, the warning one 30
    assert (
        got["no_prescription"].legal_basis == by_rule(f, load_default_rules())["no_prescription"].legal_basis
    )
    assert got["contract_end_warning"].state == STATE_SOON  # due 31/03, 29 days away
    assert (
        by_rule(dataclasses.replace(f, orientation_notified=date(2026, 2, 23)), rs)["first_rdv"].state
        == STATE_SOON
    )


def test_override_adds_a_local_rule_and_patches_every_version(tmp_path: Path) -> None:
    base = versioned(tmp_path)
    assert len(base.versions_of("first_rdv")) == 2
    override = write(tmp_path, """
        version: "38-1"
        rules:
          - id: first_rdv
            label: "Premier entretien"
          - id: diagnostic_local
            regime: both
            from_event: first_rdv_honoured
            due_in: 3w
            label: "Diagnostic à compléter"
            legal_basis: "Règlement départemental d'insertion"
            source: "Isère"
        """, "38.yaml")  # fmt: skip
    rs = load_rules(tmp_path / "rules.yaml", override)
    assert [r.label for r in rs.versions_of("first_rdv")] == ["Premier entretien", "Premier entretien"]
    assert [r.due_in for r in rs.versions_of("first_rdv")] == [Duration(15, "d"), Duration(10, "d")]
    got = by_rule(facts(first_rdv_honoured=date(2026, 2, 1)), rs)
    assert got["diagnostic_local"].due_date == date(2026, 2, 22)


# --- bad files ----------------------------------------------------------------------------------------

GOOD_RULE = """
version: "x1"
soon_days: 14
rules:
  - id: sample
    regime: both
    from_event: parcours_start
    due_in: 1m
    label: "Échéance"
    legal_basis: "Base légale"
    source: "Source"
"""


def test_good_rule_template_loads(tmp_path: Path) -> None:
    rs = load_rules(write(tmp_path, GOOD_RULE))
    assert rs.rule_ids() == ["sample"] and rs.version == "x1"


@pytest.mark.parametrize(
    ("old", "new", "line", "reason"),
    [
        ("due_in: 1m", "due_in: 3x", 7, "délai « 3x » invalide (attendu : 15d, 6w, 1m…)"),
        ("due_in: 1m", "due_in: 12", 7, "délai « 12 » invalide"),
        ("due_in: 1m", "due_in: [1m]", 7, "une valeur simple est attendue"),
        ("from_event: parcours_start", "from_event: birthday", 6, "événement « birthday » inconnu"),
        (
            "from_event: parcours_start",
            "from_event: [parcours_start, nope+1m]",
            6,
            "événement « nope+1m » inconnu",
        ),
        ("from_event: parcours_start", "from_event: parcours_start+1q", 6, "inconnu"),
        ("from_event: parcours_start", "from_event: []", 6, "au moins un événement"),
        ("from_event: parcours_start", "from_event: 2026-02-30", 6, "événement « 2026-02-30 » inconnu"),
        ("regime: both", "regime: transition", 5, "régime « transition » invalide"),
        ("id: sample", "id: Sample-1", 4, "identifiant « Sample-1 » invalide"),
        ('    label: "Échéance"\n', '    label: ""\n', 8, "« label » doit être un texte non vide"),
        ('    source: "Source"\n', "", 4, "clé obligatoire « source » absente"),
        ('    source: "Source"\n', '    source: "Source"\n    sourc: x\n', 11, "clé « sourc » inconnue"),
        ("soon_days: 14", "soon_days: -1", 2, "« soon_days » doit être un nombre de jours"),
        ("soon_days: 14", "soon_days: quinze", 2, "« soon_days »"),
        ("soon_days: 14", "soon_days: true", 2, "« soon_days »"),
        ("soon_days: 14", "soon_days: 14\nlimit: 3", 3, "clé « limit » inconnue en tête de fichier"),
        ('version: "x1"\n', "", 1, "clé « version » absente"),
        ('version: "x1"', 'version: "x 1"', 1, "version « x 1 » invalide"),
        ("  - id: sample\n", "  - sample\n  - id: sample\n", 4, "une liste de clés"),
        ("    due_in: 1m\n", "    due_in: 1m\n    due_in: 2m\n", 8, "clé « due_in » en double"),
        (
            "    due_in: 1m\n",
            "    due_in: 1m\n    valid_from: 2026-02-30\n",
            8,
            "date « 2026-02-30 » invalide",
        ),
        ("    due_in: 1m\n", "    due_in: 1m\n    valid_from: demain\n", 8, "date « demain » invalide"),
        (
            "    due_in: 1m\n",
            "    due_in: 1m\n    valid_from: 2026-02-01\n    valid_to: 2026-01-31\n",
            9,
            "« valid_to » est antérieure à « valid_from »",
        ),
        ("    due_in: 1m\n", "    due_in: 1m\n    from_pick: last\n", 8, "« from_pick » « last » invalide"),
        (
            "    due_in: 1m\n",
            "    due_in: 1m\n    applies_when:\n      colour: red\n",
            9,
            "condition « colour » inconnue",
        ),
        (
            "    due_in: 1m\n",
            "    due_in: 1m\n    applies_when:\n      track: [emploi, sport]\n",
            9,
            "valeur « sport » invalide pour « track »",
        ),
        (
            "    due_in: 1m\n",
            "    due_in: 1m\n    applies_when:\n      has_contract: oui\n",
            9,
            "« has_contract » doit valoir true ou false",
        ),
        ("    due_in: 1m\n", "    due_in: 1m\n    applies_when: [track]\n", 8, "applies_when"),
        (
            "    due_in: 1m\n",
            "    due_in: 1m\n    done_when:\n      event: signature\n",
            9,
            "événement « signature » inconnu",
        ),
        (
            "    due_in: 1m\n",
            "    due_in: 1m\n    done_when:\n      since: parcours_start\n",
            9,
            "« since » n'a de sens qu'avec « event »",
        ),
        ("    due_in: 1m\n", "    due_in: 1m\n    done_when: {}\n", 8, "« done_when » est vide"),
        (
            "    due_in: 1m\n",
            "    due_in: 1m\n    disabled: peut-être\n",
            8,
            "« disabled » doit valoir true ou false",
        ),
        (
            "    due_in: 1m\n",
            "    due_in: 1m\n    due_in_when: 12m\n",
            8,
            "« due_in_when » doit être une liste",
        ),
        (
            "    due_in: 1m\n",
            "    due_in: 1m\n    due_in_when:\n      - when: {track: social}\n",
            9,
            "demande « when » et « due_in »",
        ),
        (
            "    due_in: 1m\n",
            "    due_in: 1m\n    due_in_when:\n      - when: {track: social}\n        due_in: 2z\n",
            10,
            "délai « 2z » invalide",
        ),
        (
            "    due_in: 1m\n",
            "    due_in: 1m\n    due_in_when:\n      - if: {track: social}\n        due_in: 2m\n",
            9,
            "clé « if » inconnue dans « due_in_when »",
        ),
        ("    label:", "    label: [unclosed\n    label:", 9, "syntaxe YAML invalide"),
    ],
)
def test_bad_file_reports_line_and_reason(tmp_path: Path, old: str, new: str, line: int, reason: str) -> None:
    assert old in GOOD_RULE
    path = write(tmp_path, GOOD_RULE.replace(old, new, 1))
    with pytest.raises(RuleFileError) as info:
        load_rules(path)
    err = info.value
    assert isinstance(err, ValueError)
    assert err.path == path
    assert (err.line, reason in err.reason) == (line, True), err.message
    assert err.message == f"Fichier de règles {path}, ligne {line} : {err.reason}"


def test_rules_must_be_a_list(tmp_path: Path) -> None:
    with pytest.raises(RuleFileError, match="« rules » doit être une liste") as info:
        load_rules(write(tmp_path, 'version: "x1"\nrules: 3\n'))
    assert info.value.line == 2


def test_overlapping_versions_are_refused(tmp_path: Path) -> None:
    body = GOOD_RULE.split("rules:\n")[1]
    text = GOOD_RULE + body.replace("  - id: sample", "  - id: sample\n    valid_from: 2026-01-01")
    path = write(tmp_path, text)
    with pytest.raises(RuleFileError, match="se chevauchent") as info:
        load_rules(path)
    assert info.value.line == 11


def test_message_names_the_file_relative_to_the_repository() -> None:
    path = Path(__file__).resolve().parents[2] / "resources" / "rules" / "x.yaml"
    err = RuleFileError(path, 12, "délai « 3x » invalide (attendu : 15d, 6w, 1m…)")
    assert err.message == (
        "Fichier de règles resources/rules/x.yaml, ligne 12 : délai « 3x » invalide (attendu : 15d, 6w, 1m…)"
    )
    assert str(err) == err.message


@pytest.mark.parametrize(
    ("content", "reason"),
    [(b"", "fichier vide"), (b"# rien\n", "fichier vide"), (b"\xff\xfe\x00garbage", "UTF-8"),
     (b"- a\n- b\n", "une liste de clés")],
)  # fmt: skip
def test_unusable_files(tmp_path: Path, content: bytes, reason: str) -> None:
    path = tmp_path / "r.yaml"
    path.write_bytes(content)
    with pytest.raises(RuleFileError, match=reason):
        load_rules(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(RuleFileError) as info:
        load_rules(tmp_path / "absent.yaml")
    assert info.value.line is None
    assert info.value.message == f"Fichier de règles {tmp_path / 'absent.yaml'} : fichier introuvable"


def test_override_errors_name_the_override_file(tmp_path: Path) -> None:
    override = write(tmp_path, """
        version: "93-1"
        rules:
          - id: first_rdv
            due_in: quinze jours
        """, "93.yaml")  # fmt: skip
    with pytest.raises(RuleFileError) as info:
        load_default_rules(override)
    assert (info.value.path, info.value.line) == (override, 4)


def test_override_duplicate_and_incomplete_local_rule(tmp_path: Path) -> None:
    dup = write(tmp_path, """
        version: "93-1"
        rules:
          - id: first_rdv
            due_in: 10d
          - id: first_rdv
            due_in: 12d
        """, "dup.yaml")  # fmt: skip
    with pytest.raises(RuleFileError, match="deux fois") as info:
        load_default_rules(dup)
    assert info.value.line == 5
    incomplete = write(tmp_path, """
        version: "93-1"
        rules:
          - id: brand_new
            due_in: 10d
        """, "new.yaml")  # fmt: skip
    with pytest.raises(RuleFileError, match="clé obligatoire « regime » absente") as info:
        load_default_rules(incomplete)
    assert (info.value.path, info.value.line) == (incomplete, 3)


def test_override_without_version_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "rules: []\n", "93.yaml")
    with pytest.raises(RuleFileError, match="version"):
        load_default_rules(path)
