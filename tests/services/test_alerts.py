"""The alerts service on a real encrypted vault (facts built in batched reads) and ``python -m app alerts``."""

from __future__ import annotations

import io
import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from app.__main__ import main
from app.models.rules.engine import load_default_rules
from app.models.rules.types import CaseFacts
from app.models.tables.carnet import DiagnosticVersion, Prescription
from app.models.tables.contracts import Contract
from app.models.tables.followup import Appointment
from app.models.tables.people import ExitRecord, Orientation, Parcours, Person, Referent, ReferentAssignment
from app.services.people import alerts as svc
from app.services.storage.vault import Vault
from tests.conftest import TEST_PASSPHRASE

ON = date(2026, 11, 23)


def _rdv(pid: str, day: date, purpose: str = "suivi", status: str = "honore") -> Appointment:
    return Appointment(person_id=pid, starts_at=datetime.combine(day, datetime.min.time()).replace(hour=10),
                       purpose=purpose, nature="physique", status=status)  # fmt: skip


def populate(vault: Vault) -> dict[str, str]:
    """Four people: a plein-emploi social case, a legacy case from 2024, an exited one, a deleted one."""
    with vault.db.session() as s:
        ref = Referent(login="cmartin", first_name="Claire", last_name="Martin")
        s.add(ref)
        s.flush()
        a = Person(last_name="Arnaud", first_name="Alix", regime="plein_emploi", referent_id=ref.id)
        b = Person(last_name="Bernard", first_name="Basile", regime="legacy", rsa_entry_date=date(2024, 6, 1))
        c = Person(last_name="Colin", first_name="Chloé", regime="legacy", status="exited")
        d = Person(last_name="Durand", first_name="Dan", regime="legacy", deleted_at=datetime(2026, 1, 1))
        s.add_all([a, b, c, d])
        s.flush()
        s.add_all([
            # A: oriented social on 1 Sep 2026, CE signed, a diagnostic with particular difficulties
            Orientation(person_id=a.id, track="emploi", regime="plein_emploi", decision_date=date(2026, 3, 1)),
            Orientation(person_id=a.id, track="social", regime="plein_emploi", decision_date=date(2026, 9, 1),
                        notification_date=date(2026, 9, 5), right_opened_date=date(2026, 2, 10),
                        is_reorientation=True),
            Orientation(person_id=a.id, track="emploi", regime="plein_emploi", decision_date=date(2026, 12, 1)),
            ReferentAssignment(person_id=a.id, referent_id=ref.id, start_date=date(2026, 9, 3)),
            Parcours(person_id=a.id, start_date=date(2026, 3, 1), track="social"),
            _rdv(a.id, date(2026, 8, 20)),
            _rdv(a.id, date(2026, 9, 15), "premier_rdv"),
            _rdv(a.id, date(2026, 9, 25), status="non_honore"),
            _rdv(a.id, date(2026, 11, 30)),  # after the date of the query: ignored
            Prescription(person_id=a.id, kind="formation", prescribed_on=date(2026, 10, 10)),
            Contract(person_id=a.id, number="CE-1", kind="ce", regime="plein_emploi", status="en_cours",
                     start_date=date(2026, 10, 1), end_date=date(2027, 3, 31), signed_on=date(2026, 10, 1)),
            Contract(person_id=a.id, number="CE-2", kind="ce", regime="plein_emploi", status="brouillon",
                     start_date=date(2027, 4, 1), end_date=date(2027, 9, 30)),
            DiagnosticVersion(person_id=a.id, version_no=1, recorded_at=datetime(2026, 9, 15),
                              data={"situation_familiale": {"contrainte_familiale": False}}),
            DiagnosticVersion(person_id=a.id, version_no=2, recorded_at=datetime(2026, 10, 15),
                              data={"situation_familiale": {"contrainte_familiale": True}}),
            # B: legacy, accompanied since 2024, old CER, no référent
            Orientation(person_id=b.id, track="emploi", regime="legacy", decision_date=date(2024, 6, 20)),
            Parcours(person_id=b.id, start_date=date(2024, 7, 1), track="emploi"),
            _rdv(b.id, date(2024, 7, 10), "signature_contrat"),
            Contract(person_id=b.id, number="CER-1", kind="cer", regime="legacy", status="termine",
                     start_date=date(2024, 7, 10), end_date=date(2025, 7, 9), signed_on=date(2024, 7, 10)),
            # C: exited
            Parcours(person_id=c.id, start_date=date(2025, 2, 1), end_date=date(2026, 5, 31)),
            ExitRecord(person_id=c.id, exit_date=date(2026, 5, 31), category="emploi_durable", reason="cdi"),
        ])  # fmt: skip
        return {"a": a.id, "b": b.id, "c": c.id, "d": d.id}


def facts_by_id(vault: Vault, on: date = ON) -> dict[str, CaseFacts]:
    return {f.person_id: f for f in svc.case_facts(vault.db, on)}


def test_case_facts_from_the_vault(vault: Vault) -> None:
    ids = populate(vault)
    facts = facts_by_id(vault)
    assert set(facts) == {ids["a"], ids["b"], ids["c"]}  # the deleted person is left out
    a = facts[ids["a"]]
    assert a == CaseFacts(
        person_id=ids["a"], regime="plein_emploi", track="social", right_opened=date(2026, 2, 10),
        orientation_decision=date(2026, 9, 1), orientation_notified=date(2026, 9, 5),
        referent_assigned=date(2026, 9, 3), first_rdv_honoured=date(2026, 9, 15), last_contact=date(2026, 9, 15),
        parcours_start=date(2026, 3, 1), first_prescription=date(2026, 10, 10), contract_kind="ce",
        contract_start=date(2026, 10, 1), contract_end=date(2027, 3, 31), contract_signed=date(2026, 10, 1),
        ce_signed=date(2026, 10, 1), has_referent=True, particular_difficulties=True, renewal_prepared=True,
    )  # fmt: skip
    b = facts[ids["b"]]
    assert (b.regime, b.track, b.rsa_entry, b.has_referent) == ("legacy", "emploi", date(2024, 6, 1), False)
    assert (b.contract_kind, b.contract_end, b.ce_signed) == ("cer", date(2025, 7, 9), None)
    assert b.accompanied_on_2025_01_01 and not b.exited
    assert (b.first_rdv_honoured, b.last_contact) == (date(2024, 7, 10), date(2024, 7, 10))
    assert facts[ids["c"]].exited


def test_case_facts_as_of_an_earlier_date(vault: Vault) -> None:
    ids = populate(vault)
    a = facts_by_id(vault, date(2026, 8, 31))[ids["a"]]
    assert (a.track, a.orientation_decision, a.orientation_notified) == ("emploi", date(2026, 3, 1), None)
    assert (a.first_rdv_honoured, a.last_contact) == (date(2026, 8, 20), date(2026, 8, 20))
    assert (a.contract_kind, a.ce_signed, a.first_prescription) == (None, None, None)
    assert not a.particular_difficulties and a.has_referent  # referent_id is set on the person
    assert not facts_by_id(vault, date(2026, 5, 1))[ids["c"]].exited


def test_caseload_deadlines(vault: Vault) -> None:
    ids = populate(vault)
    result = svc.caseload_deadlines(vault.db, ON, load_default_rules())
    assert (result.on, result.rules_version, result.people) == (ON, "2027.3", 3)
    got = {(d.person_id, d.rule_id): d for d in result.deadlines}
    # social track: no length cap; the renewal is drafted (CE-2): no « fin de contrat » prompt
    assert {r for p, r in got if p == ids["a"]} == {"bilan", "social_review", "no_contact"}
    # from the CE signed on 1 Oct 2026, 12 months (particular difficulties) — not from the orientation
    assert got[ids["a"], "social_review"].due_date == date(2027, 10, 1)
    assert (got[ids["a"], "no_contact"].due_date, got[ids["a"], "no_contact"].state) == (date(2026, 11, 15),
                                                                                        "en_retard")  # fmt: skip
    assert {r for p, r in got if p == ids["b"]} == {
        "ce_replaces_cer", "contract_end_warning", "bilan", "no_prescription", "no_contact", "no_referent",
    }  # fmt: skip
    assert not any(p == ids["c"] for p, _ in got)
    assert [d.due_date for d in result.deadlines] == sorted(d.due_date for d in result.deadlines)
    alerts = result.alerts()
    assert alerts and all(d.state in ("bientot", "en_retard") for d in alerts)
    # the legal transition deadline is announced three months ahead: 39 days away, « bientôt »
    assert (ids["b"], "ce_replaces_cer") in {(d.person_id, d.rule_id) for d in alerts}


def test_facts_are_read_in_batches(vault: Vault) -> None:
    populate(vault)
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(args[2])

    event.listen(vault.db.engine, "before_cursor_execute", count)
    try:
        svc.case_facts(vault.db, ON)
        few = len(statements)
        with vault.db.session() as s:
            s.add_all([Person(last_name=f"N{i}", first_name="X", regime="legacy") for i in range(30)])
        statements.clear()
        svc.case_facts(vault.db, ON)
    finally:
        event.remove(vault.db.engine, "before_cursor_execute", count)
    assert (
        len(statements) == few <= 16
    )  # one per fact table (bilans, joint reviews, the EP's saisines included)


@pytest.mark.parametrize(
    ("health", "data", "expected"),
    [
        (True, {}, True),
        (False, {}, False),
        (False, {"logement": {"logement_stabilite": "precaire"}}, True),
        (False, {"logement": {"logement_stabilite": "stable"}}, False),
        (False, {"ressources": {"droits_ouverts": ["css", "aah"]}}, True),
        (False, {"ressources": {"droits_ouverts": ["css"]}}, False),
        (False, {"garde": {"garde_sans_solution": True}}, True),
        (False, {"garde": {"garde_sans_solution": False}}, False),
        (False, {"famille": "pas une rubrique"}, False),
    ],
)
def test_particular_difficulties(health: bool, data: dict[str, Any], expected: bool) -> None:
    assert svc.has_particular_difficulties(health, data, svc.difficulty_markers()) is expected


def test_bad_rule_file_is_a_typed_french_error(tmp_path: Path) -> None:
    bad = tmp_path / "93.yaml"
    bad.write_text('version: "93-1"\nrules:\n  - id: first_rdv\n    due_in: 3x\n', encoding="utf-8")
    with pytest.raises(svc.RulesUnavailableError) as info:
        svc.load_rules_or_fail(bad)
    assert info.value.message.endswith("ligne 4 : délai « 3x » invalide (attendu : 15d, 6w, 1m…)")


# --- the command ----------------------------------------------------------------------------------------


def run_cli(data_dir: Path, monkeypatch: pytest.MonkeyPatch, *args: str) -> int:
    monkeypatch.setattr("sys.stdin", io.StringIO(TEST_PASSPHRASE + "\n"))
    return main(["--data-dir", str(data_dir), "--profile", "test", "--passphrase-stdin", "alerts", *args])


def test_cli_json(vault: Vault, data_dir: Path, monkeypatch: pytest.MonkeyPatch,
                  capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    ids = populate(vault)
    assert run_cli(data_dir, monkeypatch, "--json", "--on", "2026-11-23") == 0
    out = json.loads(capsys.readouterr().out)
    assert (out["on"], out["rules_version"], out["people"]) == ("2026-11-23", "2027.3", 3)
    rows = {(r["person_id"], r["rule_id"]): r for r in out["alerts"]}
    row = rows[ids["a"], "no_contact"]
    assert (row["due_date"], row["from_event"], row["from_date"]) == (
        "2026-11-15",
        "last_contact",
        "2026-09-15",
    )
    assert row["legal_basis"] and row["source"] and row["rules_version"] == "2027.3"
    assert (row["local_target"], row["nature"]) == (True, "Objectif départemental")  # not a legal deadline
    row = rows[ids["b"], "no_referent"]
    assert (row["due_date"], row["state"], row["state_label"]) == ("2024-06-27", "en_retard", "En retard")
    assert {r["state"] for r in out["alerts"]} <= {"bientot", "en_retard"}
    assert run_cli(data_dir, monkeypatch, "--json", "--on", "2026-11-23", "--all") == 0
    everything = json.loads(capsys.readouterr().out)["alerts"]
    assert len(everything) > len(out["alerts"]) and any(r["state"] == "a_faire" for r in everything)
    assert any(r["nature"] == "Délai légal" and not r["local_target"] for r in everything)


def test_cli_text_and_override(vault: Vault, data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                               capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    populate(vault)
    override = tmp_path / "93.yaml"
    override.write_text(
        'version: "93-2026.2"\nrules:\n  - id: no_referent\n    disabled: true\n', encoding="utf-8"
    )
    assert run_cli(data_dir, monkeypatch, "--on", "2026-11-23", "--rules", str(override)) == 0
    out = capsys.readouterr().out
    assert out.startswith("Échéances au 23/11/2026 — 3 personne(s), règles 2027.3+93-2026.2")
    assert "En retard" in out and "no_contact" in out and "no_referent" not in out


def test_cli_errors_in_french(vault: Vault, data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                              capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    bad = tmp_path / "bad.yaml"
    bad.write_text('version: "x"\nsoon_days: -3\n', encoding="utf-8")
    assert run_cli(data_dir, monkeypatch, "--rules", str(bad)) == 2
    assert "ligne 2 : « soon_days » doit être un nombre de jours" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        run_cli(data_dir, monkeypatch, "--on", "23/11/2026")
    assert "date « 23/11/2026 » invalide (attendu : AAAA-MM-JJ)" in capsys.readouterr().err


def test_cli_empty_caseload(vault: Vault, data_dir: Path, monkeypatch: pytest.MonkeyPatch,
                            capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    assert run_cli(data_dir, monkeypatch, "--on", "2026-11-23") == 0
    assert "Aucune échéance à signaler." in capsys.readouterr().out
