"""The law of 2027 on the services and on paper: signed means frozen, avenants, sanctions as the 2025 décret has
them, the purge hold, the demo of December 2026, the data migration of the retired exit reasons."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from app.__main__ import main
from app.models.enums import ContractStatus
from app.models.tables.contracts import ContractSnapshot
from app.models.tables.people import Person
from app.services.casefile import diagnostic, sanctions
from app.services.contracts import editor as contracts
from app.services.contracts import views
from app.services.contracts.document import render_pdf
from app.services.errors import ValidationError
from app.services.imports.service import import_orientations
from app.services.people import identity as people
from app.services.privacy import retention
from app.services.privacy.retention import PurgeRefused
from tests.conftest import TEST_PASSPHRASE
from tests.services import test_contracts
from tests.services.test_contracts import NIR, STROKES, ce_draft, sign_both

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext absent (poppler-utils)")

person = test_contracts.person  # the same fixture: a person oriented to the social track, with a référent


def pdf_text(data: bytes, tmp_path: Path, name: str = "c.pdf") -> str:
    path = tmp_path / name
    path.write_bytes(data)
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True)
    return out.stdout


def unsealed(db, cid: str) -> bytes:  # type: ignore[no-untyped-def]
    return render_pdf(db, cid, actor="test", audit=None, seal=False)


# --- signed means frozen -----------------------------------------------------------------------------------


def test_a_signed_contract_prints_what_was_signed_whatever_changed_since(vault, person, tmp_path):
    """Address, diagnostic, référent's details, département name, the orientation list re-imported: the PDF
    of the signed contract is the same bytes; a draft follows today's data."""
    pid, _rid = person
    cid = contracts.create(vault.db, pid, ce_draft(objectives=("Retrouver un emploi",)))
    draft_before = pdf_text(unsealed(vault.db, cid), tmp_path, "draft.pdf")
    assert sign_both(vault.db, cid) is True
    with vault.db.read() as s:
        (snapshot,) = s.scalars(select(ContractSnapshot).where(ContractSnapshot.contract_id == cid)).all()
        assert (snapshot.reason, snapshot.texts_version) == ("signature", "2027-01")
        assert snapshot.document["person"]["address_lines"][0] == "3 rue des Écoles"
    signed = unsealed(vault.db, cid)
    signed_text = pdf_text(signed, tmp_path, "signed.pdf")
    assert "3 rue des Écoles" in signed_text and "Logement" in signed_text

    # every path that changes what the contract showed
    people.update_person(vault.db, pid, {"address_line": "8 avenue du Général-Leclerc", "city": "Pantin",
                                         "postal_code": "93500"})  # fmt: skip
    diagnostic.save(vault.db, pid, {"logement": {"logement_type": "heberge_tiers"}}, author="cmarchand")
    people.upsert_referent(vault.db, login="cmarchand", first_name="Clémence", last_name="Marchand-Éloi",
                           structure="MDS de Pantin", phone="01 00 00 00 00")  # fmt: skip
    from app.services.storage import settings

    settings.set_value(vault.db, settings.DEPARTMENT_NAME, "Département rebaptisé")
    csv = (
        "NIR;N° allocataire CAF;Nom;Prénom;Date de naissance;Adresse;Code postal;Commune;Date d'orientation;"
        "Type d'orientation\n"
        f"{NIR};1234567;Lefèvre;Éloïse;12/03/1988;1 place de la Mairie;93100;Montreuil;02/09/2026;"
        "Socio-professionnelle\n"
    ).encode()
    listing = tmp_path / "liste-decembre.csv"
    listing.write_bytes(csv)
    report = import_orientations(vault.db, listing)
    assert [str(r.outcome) for r in report.results] == ["mis à jour"]
    with vault.db.read() as s:
        assert s.get(Person, pid).city == "Montreuil"

    again = unsealed(vault.db, cid)
    assert again == signed  # byte for byte, from the vault
    assert "Montreuil" not in pdf_text(again, tmp_path, "again.pdf")
    # a new draft of the same person prints today's data
    other = contracts.create(vault.db, pid, ce_draft(start=date(2027, 7, 1)))
    now = pdf_text(unsealed(vault.db, other), tmp_path, "other.pdf")
    assert "1 place de la Mairie" in now and "Département rebaptisé" in now
    assert "3 rue des Écoles" in draft_before


def test_validation_is_printed_and_the_rest_stays_frozen(vault, person, tmp_path):
    pid, _ = person
    cid = contracts.create(vault.db, pid, ce_draft())
    sign_both(vault.db, cid)
    before = pdf_text(unsealed(vault.db, cid), tmp_path, "a.pdf")
    contracts.transition(vault.db, cid, ContractStatus.VALIDATED, author="departement")
    after = pdf_text(unsealed(vault.db, cid), tmp_path, "b.pdf")
    assert "Contrat validé par le Département le" not in before
    assert "Contrat validé par le Département le" in after and "(departement)" in after


def test_a_contract_signed_before_snapshots_is_frozen_at_its_first_print(vault, person):
    """A contract signed by an earlier version (no snapshot) is frozen once, at its first print."""
    from app.services.contracts import lifecycle

    pid, _ = person
    cid = contracts.create(vault.db, pid, ce_draft())
    for signer in ("personne", "referent"):
        lifecycle.add_signature(vault.db, cid, signer=signer, signer_name="X", strokes=STROKES, place="Ici")
    lifecycle.transition_contract(vault.db, cid, ContractStatus.SIGNED, place="Ici")  # as before 2027.1
    first = unsealed(vault.db, cid)
    people.update_person(vault.db, pid, {"city": "Bondy", "postal_code": "93140"})
    assert unsealed(vault.db, cid) == first
    with vault.db.read() as s:
        reasons = s.scalars(select(ContractSnapshot.reason).where(ContractSnapshot.contract_id == cid)).all()
    assert reasons == ["premiere_impression"]


# --- avenants --------------------------------------------------------------------------------------------


def test_avenants_keep_the_number_and_count(vault, person, tmp_path):
    pid, _ = person
    cid = contracts.create(vault.db, pid, ce_draft())
    sign_both(vault.db, cid)
    first = contracts.amend(vault.db, cid)
    view = views.get_contract(vault.db, first)
    original = views.get_contract(vault.db, cid)
    assert (view.number, view.amendment_no, view.amends_id) == (original.number, 1, cid)
    assert view.title == f"Avenant n° 1 au contrat n° {original.number}"
    sign_both(vault.db, first)
    second = views.get_contract(vault.db, contracts.amend(vault.db, first))
    assert (second.number, second.amendment_no) == (original.number, 2)
    text = " ".join(pdf_text(unsealed(vault.db, first), tmp_path).split())
    assert f"Avenant n° 1 au contrat d'engagement n° {original.number}" in text
    assert "Contrat initial" not in text


def test_contracts_command_json_and_text(vault, person, data_dir, monkeypatch, capsys):
    pid, _ = person
    cid = contracts.create(vault.db, pid, ce_draft())
    sign_both(vault.db, cid)
    avenant = contracts.amend(vault.db, cid)
    monkeypatch.setattr(sys, "stdin", io.StringIO(f"{TEST_PASSPHRASE}\n"))
    assert (
        main(["--data-dir", str(data_dir), "--profile", "test", "--passphrase-stdin", "contracts", "--json"])
        == 0
    )
    rows = {r["id"]: r for r in json.loads(capsys.readouterr().out)}
    assert (rows[cid]["kind"], rows[cid]["status"], rows[cid]["start_date"], rows[cid]["end_date"]) == (
        "ce", "signe", "2027-01-01", "2027-06-30"
    )  # fmt: skip
    assert rows[avenant]["amends_contract_id"] == cid and rows[avenant]["amendment_no"] == 1
    assert rows[cid]["out_of_law_from"] is None


def test_a_cer_running_on_1_january_2027_is_out_of_law(vault, person):
    """A CER of 2024 still in force on the end of the transition (an anomaly a département must see)."""
    from app.models.tables.contracts import Contract
    from app.services.storage import settings

    pid, _ = person
    with vault.db.session() as s:
        s.add(Contract(id="c-2024", person_id=pid, number="CER-2024-X", kind="cer", regime="legacy",
                       status="en_cours", start_date=date(2024, 12, 1), end_date=date(2027, 3, 31),
                       duration_months=12, signed_on=date(2024, 11, 28)))  # fmt: skip
    view = views.get_contract(vault.db, "c-2024")
    assert view.out_of_law_from == date(2027, 1, 1)
    assert not view.out_of_law(date(2026, 12, 31)) and view.out_of_law(date(2027, 1, 1))
    settings.set_value(vault.db, settings.OVERSEAS_DEPARTMENT, True)  # three years overseas
    assert views.get_contract(vault.db, "c-2024").out_of_law_from is None  # ends before 1 January 2028


# --- sanctions -----------------------------------------------------------------------------------------------


def test_sanction_steps_as_the_2025_decret_has_them(vault, person):
    pid, _ = person
    day = date(2026, 6, 1)
    proc = sanctions.add_sanction_step(vault.db, pid, kind="manquement", step_date=day).procedure_id

    def step(kind, offset, **kw):  # type: ignore[no-untyped-def]
        return sanctions.add_sanction_step(
            vault.db, pid, kind=kind, step_date=day + timedelta(days=offset), procedure_id=proc, **kw
        )

    step("courrier", 5)
    with pytest.raises(ValidationError) as err:  # a suppression only after the EP's opinion
        step("decision", 20, decision=sanctions.Decision("suppression", 30, 2))
    assert "avis de l'équipe pluridisciplinaire" in err.value.fields["decision"]
    step("avis_ep", 25)
    with pytest.raises(ValidationError) as err:  # first manquement: 1 to 2 months, 30 to 100 %
        step("decision", 30, decision=sanctions.Decision("suspension", 20, 3))
    assert set(err.value.fields) == {"rate_percent", "duration_months"}
    with pytest.raises(ValidationError) as err:  # household of more than one person: 50 % at most
        step("decision", 30, decision=sanctions.Decision("suspension", 80, 1, household_cap=True))
    assert "50 %" in err.value.fields["rate_percent"]
    step("decision", 30, decision=sanctions.Decision("suspension", 50, 2, household_cap=True))
    with pytest.raises(ValidationError):
        step("issue_rapo", 40, outcome="maintenue")  # no RAPO received yet
    step("rapo", 40)
    step("issue_rapo", 70, outcome="maintenue")
    from app.services.people import followup

    (procedure,) = followup.sanction_procedures(vault.db, pid)
    decision = next(st for st in procedure.steps if st.kind == "decision")
    assert (decision.decision, decision.rate_percent, decision.duration_months, decision.household_cap) == (
        "suspension", 50, 2, True
    )  # fmt: skip
    assert procedure.closed  # the RAPO's outcome closes it
    assert people.get_person(vault.db, pid).status == "active"  # a sanction is never an exit


def test_retired_exit_reasons_are_refused(vault, person):
    from app.services.people import parcours

    pid, _ = person
    parcours.open_parcours(vault.db, pid, start_date=date(2026, 1, 5), track="social")
    for reason in ("radiation_suspension", "refus"):
        with pytest.raises(ValidationError):
            parcours.record_exit(
                vault.db, pid, exit_date=date(2026, 11, 30), category="autres", reason=reason
            )


def test_a_file_with_a_running_procedure_is_on_hold(vault, person):
    """Retention: past its keeping period, a file with a running sanction procedure is kept, not purged."""
    from app.services.people import parcours

    pid, _ = person
    parcours.open_parcours(vault.db, pid, start_date=date(2022, 3, 1), track="social")
    parcours.record_exit(vault.db, pid, exit_date=date(2023, 1, 31), category="autres", reason="demenagement")
    old = date(2022, 12, 1)
    with vault.db.session() as s:
        s.get(Person, pid).created_at = datetime(2022, 1, 1)
    proc = sanctions.add_sanction_step(vault.db, pid, kind="manquement", step_date=old).procedure_id
    sanctions.add_sanction_step(vault.db, pid, kind="avis_ep", step_date=old + timedelta(days=20),
                                procedure_id=proc)  # fmt: skip
    sanctions.add_sanction_step(
        vault.db, pid, kind="decision", step_date=old + timedelta(days=30), procedure_id=proc,
        decision=sanctions.Decision("suppression", 100, 4),
    )  # fmt: skip
    sanctions.add_sanction_step(vault.db, pid, kind="recours_contentieux", step_date=old + timedelta(days=60),
                                procedure_id=proc)  # fmt: skip
    with vault.db.session() as s:  # the contact dates of the file are old too
        s.get(Person, pid).last_contact_date = date(2023, 1, 31)
    assert pid not in {c.person_id for c in retention.preview(vault.db)}
    (held,) = retention.held(vault.db)
    assert held.person_id == pid and "recours contentieux en cours" in held.reason
    with pytest.raises(PurgeRefused):
        retention.purge(vault.db, [pid], actor="cmarchand")
    sanctions.add_sanction_step(vault.db, pid, kind="issue_contentieux", step_date=date(2024, 3, 1),
                                procedure_id=proc)  # fmt: skip
    assert pid in {c.person_id for c in retention.preview(vault.db)}


# --- the demo of December 2026 ----------------------------------------------------------------------------


def test_the_demo_looks_like_a_caseload_of_december_2026(tmp_path):
    from app.models.rules.engine import load_default_rules
    from app.services.demo.build import populate_demo
    from app.services.people.alerts import caseload_deadlines
    from app.services.storage import vault as vault_service

    v = vault_service.create_vault(tmp_path, "demo", mode=vault_service.MODE_PASSPHRASE, passphrase="x" * 12)
    try:
        today = date.today()
        populate_demo(v, today=today)
        items = views.all_contracts(v.db)
        cers = [i.contract for i in items if i.contract.kind == "cer"]
        assert cers and all(c.start_date and c.start_date < date(2025, 1, 1) for c in cers)
        assert all(
            c.kind == "ce" for i in items if (c := i.contract).start_date and c.start_date >= date(2025, 1, 1)
        )
        result = caseload_deadlines(v.db, today, load_default_rules())
        late = {d.person_id for d in result.deadlines if d.state == "en_retard"}
        share = len(late) / result.people
        assert 0.10 <= share <= 0.25, f"{share:.0%} of the people have something overdue"
        assert any(d.rule_id == "ce_replaces_cer" and d.state == "bientot" for d in result.alerts())
        avenants = [i.contract for i in items if i.contract.amendment_no]
        assert avenants and all(
            a.amends_id and a.title.startswith("Avenant n° 1 au contrat n° ") for a in avenants
        )
    finally:
        v.close()


# --- the data migration of the retired exit reasons --------------------------------------------------------


def test_migration_0003_gives_people_exited_for_a_sanction_back_to_the_caseload(data_dir, vault):
    """A vault at 0002 with exits « radiation_suspension » and « refus »: after the upgrade the people are in the
    caseload again, the exits stay in the history, the new parcours has the id the server makes too."""
    import uuid

    from alembic import command
    from sqlalchemy import text

    from app.models.data_fixes import REOPEN_NAMESPACE
    from app.services.storage import migrate
    from app.services.storage import vault as vault_service

    with vault.db.engine.begin() as conn:
        cfg = migrate.alembic_config()
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0002")
        now = datetime(2026, 3, 1)
        for pid, reason, status in (("p-sanction", "radiation_suspension", "exited"), ("p-refus", "refus", "exited"),
                                    ("p-cdi", "cdi", "exited")):  # fmt: skip
            conn.execute(text(
                "INSERT INTO person (id, last_name, first_name, regime, status, created_at, updated_at, revision, "
                "origin_device, civility, sex, birth_name, address_line, address_extra, postal_code, city, phone, caf_number, "
                "email, health_data_consent) VALUES (:id, 'Nom', 'Prénom', 'plein_emploi', :status, :now, :now, 3, "
                "'d', '', '', '', '', '', '', '', '', '', '', 0)"
            ), {"id": pid, "status": status, "now": now})  # fmt: skip
            conn.execute(text(
                "INSERT INTO parcours (id, person_id, start_date, end_date, track, created_at, updated_at, revision, "
                "origin_device) VALUES (:id, :pid, '2025-03-01', '2026-02-27', 'social', :now, :now, 3, 'd')"
            ), {"id": f"parc-{pid}", "pid": pid, "now": now})  # fmt: skip
            conn.execute(text(
                "INSERT INTO exit_record (id, person_id, parcours_id, exit_date, category, reason, detail, created_at, "
                "updated_at, revision, origin_device) VALUES (:id, :pid, :parc, '2026-02-27', 'autres', :reason, '', "
                ":now, :now, 3, 'd')"
            ), {"id": f"exit-{pid}", "pid": pid, "parc": f"parc-{pid}", "reason": reason, "now": now})  # fmt: skip
    vault.close()
    v = vault_service.open_vault(data_dir, "test", passphrase=TEST_PASSPHRASE)
    try:
        with v.db.engine.connect() as conn:
            assert migrate.current_revision(conn) == migrate.head_revision()
            status = dict(conn.execute(text("SELECT id, status FROM person")).all())
            assert status == {"p-sanction": "active", "p-refus": "active", "p-cdi": "exited"}
            reopened = conn.execute(
                text(
                    "SELECT id, start_date, end_date, track FROM parcours WHERE person_id = 'p-sanction' "
                    "AND id != 'parc-p-sanction'"
                )
            ).one()
            assert reopened[0] == str(uuid.uuid5(REOPEN_NAMESPACE, "exit-p-sanction"))
            assert (str(reopened[1]), reopened[2], reopened[3]) == ("2026-02-28", None, "social")
            assert conn.execute(text("SELECT count(*) FROM exit_record")).scalar() == 3  # history kept
    finally:
        v.close()
