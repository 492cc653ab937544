"""Contracts service: dates, overlap, CE 15 h rule, lock after signature, rules version, PDF from the database."""

from __future__ import annotations

import shutil
import subprocess
from datetime import date, datetime

import pytest

from app.models.enums import AuditAction, ContractStatus, Signer
from app.models.rules.engine import load_default_rules
from app.models.tables.local import AuditEvent
from app.services.casefile import diagnostic
from app.services.casefile.carnet import edits as carnet_edits
from app.services.contracts import editor as contracts
from app.services.contracts import lifecycle, views
from app.services.contracts.document import build_document, render_pdf
from app.services.contracts.draft import ActionDraft, ContractDraft
from app.services.contracts.lifecycle import ContractLockedError
from app.services.errors import ValidationError
from app.services.people import identity as people
from app.services.people import parcours
from app.services.people.identity import PersonInput
from tests.services.test_pdf_contract import SECTION_TITLES

STROKES = [[[0.1, 0.5], [0.3, 0.2], [0.5, 0.7], [0.9, 0.4]], [[0.2, 0.8], [0.8, 0.8]]]
NIR = "185057512345673"


@pytest.fixture
def person(vault, letterhead) -> tuple[str, str]:
    rid = people.upsert_referent(
        vault.db,
        login="cmarchand",
        first_name="Clémence",
        last_name="Marchand-Éloi",
        structure="MDS de Saint-Denis",
    )
    pid = people.create_person(
        vault.db,
        PersonInput(
            last_name="Lefèvre",
            first_name="Éloïse",
            regime="plein_emploi",
            nir=NIR,
            caf_number="1234567",
            birth_date="12/03/1988",
            address_line="3 rue des Écoles",
            postal_code="93200",
            city="Saint-Denis",
            health_data_consent=True,
        ),
    )
    people.assign_referent(vault.db, pid, rid, start_date="01/09/2026")
    parcours.record_orientation(vault.db, pid, track="socio_pro", decision_date="02/09/2026", organisme="MDS")
    diagnostic.save(vault.db, pid, {"logement": {"logement_type": "locataire_prive"},
                                    "sante": {"contrainte_sante": True}}, author="cmarchand")  # fmt: skip
    return pid, rid


def ce_draft(hours: float = 20.0, start: date = date(2027, 1, 1), **kw) -> ContractDraft:
    actions = (ActionDraft("Atelier CV", "Mission locale", start, None, hours),)
    return ContractDraft(kind="ce", duration_months=6, start_date=start, actions=actions, **kw)


def sign_both(db, cid: str) -> bool:
    contracts.sign(
        db, cid, signer=Signer.PERSON, signer_name="Éloïse Lefèvre", strokes=STROKES, place="Saint-Denis"
    )
    return contracts.sign(
        db,
        cid,
        signer=Signer.REFERENT,
        signer_name="Clémence Marchand-Éloi",
        strokes=STROKES,
        place="Saint-Denis",
    )


def test_end_date_is_start_plus_months_minus_one_day():
    assert lifecycle.end_date(date(2027, 1, 1), 6) == date(2027, 6, 30)
    assert lifecycle.end_date(date(2026, 11, 30), 3) == date(2027, 2, 27)
    assert lifecycle.end_date(date(2027, 1, 31), 1) == date(2027, 2, 27)
    assert ce_draft().end_date == date(2027, 6, 30)


def test_create_stores_rules_version_and_content(vault, person):
    pid, _ = person
    oid = carnet_edits.add_objective(vault.db, pid, theme="emploi", title="Retrouver un emploi de cariste")
    cid = contracts.create(vault.db, pid, ce_draft(objective_ids=(oid,), objectives=("Retrouver un emploi",)))
    (view,) = views.list_contracts(vault.db, pid)
    assert view.id == cid and view.rules_version == load_default_rules().version != ""
    assert (view.start_date, view.end_date, view.status) == (date(2027, 1, 1), date(2027, 6, 30), "brouillon")
    assert view.draft.weekly_hours == 20.0 and view.draft.objectives == ("Retrouver un emploi",)
    assert [c.id for c in contracts.editor_model(vault.db, pid).objectives] == [oid]
    assert contracts.editor_model(vault.db, pid).draft.kind == "ce"  # from the regime
    assert contracts.editor_model(vault.db, pid, cid).draft == view.draft


def test_validation_messages_and_overlap(vault, person):
    pid, _ = person
    with pytest.raises(ValidationError) as err:
        contracts.create(vault.db, pid, ContractDraft(kind="ce", duration_months=5, start_date=None))
    assert set(err.value.fields) == {"duration_months", "start_date"}
    first = contracts.create(vault.db, pid, ce_draft())
    sign_both(vault.db, first)
    with pytest.raises(ValidationError) as err:
        contracts.create(vault.db, pid, ce_draft(start=date(2027, 6, 1)))
    assert "chevauche" in err.value.fields["start_date"]
    renewal = contracts.renew(vault.db, first)  # starts the day after, plan copied
    view = views.get_contract(vault.db, renewal)
    assert (
        view.start_date == date(2027, 7, 1)
        and view.is_renewal
        and view.draft.actions[0].label == "Atelier CV"
    )


def test_ce_below_15_hours_needs_a_reduction_or_a_legal_ground_before_signature(vault, person):
    """C. trav. L.5411-6: at least 15 h; reduced for the person's situation but never zero; no weekly duration
    only at the person's request, on a ground of the closed list (a choice, never a detail)."""
    pid, _ = person
    cid = contracts.create(vault.db, pid, ce_draft(hours=10))  # a draft may be saved below 15 h
    with pytest.raises(ValidationError) as err:
        contracts.sign(vault.db, cid, signer=Signer.PERSON, signer_name="X", strokes=STROKES, place="Ici")
    assert "15 h" in err.value.fields["hours_regime"]
    with pytest.raises(ValidationError) as err:  # reduced: a reason is required
        contracts.save(vault.db, cid, ce_draft(hours=10, hours_regime="minoree"))
        contracts.sign(vault.db, cid, signer=Signer.PERSON, signer_name="X", strokes=STROKES, place="Ici")
    assert "minorée" in err.value.fields["hours_reason"]
    with pytest.raises(ValidationError) as err:  # reduced to zero: never
        contracts.save(vault.db, cid, ce_draft(hours=0, hours_regime="minoree", hours_reason="reprise"))
        contracts.sign(vault.db, cid, signer=Signer.PERSON, signer_name="X", strokes=STROKES, place="Ici")
    assert "nulle" in err.value.fields["hours_regime"]
    with pytest.raises(ValidationError) as err:  # no weekly duration: only a ground of the closed list
        contracts.save(vault.db, cid, ce_draft(hours=0, hours_regime="sans_duree", hours_ground="fatigue"))
    assert "L. 5411-6" in err.value.fields["hours_ground"]
    contracts.save(vault.db, cid, ce_draft(hours=0, hours_regime="sans_duree", hours_ground="invalidite"))
    assert sign_both(vault.db, cid) is True


def test_offer_of_reasonable_employment_is_complete_before_signature(vault, person):
    """C. trav. L.5411-6-1: a plan aiming at a salaried job states the jobs sought, the preferred area, the
    expected salary, and the job-search acts."""
    pid, _ = person
    cid = contracts.create(vault.db, pid, ce_draft(salaried_goal=True, ore_jobs="Cariste, CDI"))
    with pytest.raises(ValidationError) as err:
        sign_both(vault.db, cid)
    assert set(err.value.fields) == {"ore_area", "ore_salary", "search_acts"}
    complete = ce_draft(salaried_goal=True, ore_jobs="Cariste, CDI", ore_area="Saint-Denis et Aubervilliers",
                        ore_salary="SMIC horaire", search_acts="Deux candidatures par semaine")  # fmt: skip
    contracts.save(vault.db, cid, complete)
    assert sign_both(vault.db, cid) is True
    doc = build_document(vault.db, cid)
    assert doc.offer is not None and doc.offer.area == "Saint-Denis et Aubervilliers"


def test_no_new_cer_since_2025(vault, person):
    """Loi n° 2023-1196: from 1 January 2025 every new contract, renewal and avenant is a CE; a CER signed
    before stays readable, is renewed as a CE and cannot be amended."""
    pid, _ = person
    with pytest.raises(ValidationError) as err:
        contracts.create(vault.db, pid, ContractDraft(kind="cer", start_date=date(2026, 12, 1)))
    assert "seul le contrat d'engagement" in err.value.fields["kind"]
    assert contracts.editor_model(vault.db, pid).draft.kind == "ce"
    old = lifecycle.create_contract(vault.db, pid, kind="cer", start_date=date(2024, 3, 1), duration_months=12,
                                    saved_at=datetime(2024, 2, 20, 10))  # fmt: skip
    for signer in ("personne", "referent"):
        lifecycle.add_signature(vault.db, old, signer=signer, signer_name="X", strokes=STROKES,
                                signed_at=datetime(2024, 2, 28, 10))  # fmt: skip
    lifecycle.transition_contract(vault.db, old, ContractStatus.SIGNED, at=datetime(2024, 2, 28, 11))
    renewal = views.get_contract(vault.db, contracts.renew(vault.db, old))
    assert (renewal.kind, renewal.start_date) == ("ce", date(2025, 3, 1))
    with pytest.raises(ValidationError) as err:
        contracts.amend(vault.db, old)
    assert "seul le contrat d'engagement" in err.value.message
    with pytest.raises(ValidationError):  # nor directly, whatever date is given
        lifecycle.create_contract(
            vault.db, pid, kind="cer", start_date=date(2024, 6, 1), amends_contract_id=old
        )


def test_signature_needs_the_controller_and_the_dpo(vault, person):
    """The personal-data notice names the controller and the DPO's contact: no signature until they are set."""
    from app.services.storage import settings

    pid, _ = person
    cid = contracts.create(vault.db, pid, ce_draft())
    settings.set_value(vault.db, settings.DPO_CONTACT, "")
    with pytest.raises(ValidationError) as err:
        sign_both(vault.db, cid)
    assert "délégué à la protection des données" in err.value.message and "Paramètres" in err.value.message
    assert views.get_contract(vault.db, cid).signatures == ()  # nothing recorded
    settings.set_value(vault.db, settings.DPO_CONTACT, "dpo@seinesaintdenis.example")
    settings.set_value(vault.db, settings.DEPARTMENT_NAME, settings.DEPARTMENT_NAME.default)
    with pytest.raises(ValidationError) as err:
        sign_both(vault.db, cid)
    assert "nom du département" in err.value.message


def test_signed_contract_is_locked(vault, person):
    pid, _ = person
    cid = contracts.create(vault.db, pid, ce_draft())
    assert (
        contracts.sign(vault.db, cid, signer=Signer.PERSON, signer_name="É", strokes=STROKES, place="Ici")
        is False
    )
    assert sign_both(vault.db, cid) is True
    view = views.get_contract(vault.db, cid)
    assert view.status == ContractStatus.SIGNED and view.locked and view.signed_place == "Saint-Denis"
    assert set(view.allowed) == {"valide", "rejete", "resilie"}
    with pytest.raises(ContractLockedError):
        contracts.save(vault.db, cid, ce_draft(hours=30))
    with pytest.raises(ContractLockedError):
        contracts.sign(vault.db, cid, signer=Signer.PERSON, signer_name="É", strokes=STROKES, place="Ici")
    contracts.transition(vault.db, cid, ContractStatus.VALIDATED, author="departement")
    assert [e.to_status for e in views.get_contract(vault.db, cid).events] == [
        "brouillon",
        "signe",
        "valide",
    ]
    avenant = contracts.amend(vault.db, cid)  # same period allowed for an avenant
    assert views.get_contract(vault.db, avenant).amends_id == cid


def test_document_from_database_has_no_nir(vault, person):
    pid, _ = person
    cid = contracts.create(
        vault.db, pid, ce_draft(objectives=("Retrouver un emploi",), next_rdv=datetime(2027, 1, 5, 9))
    )
    sign_both(vault.db, cid)
    doc = build_document(vault.db, cid)
    assert doc.person.name == "Éloïse Lefèvre" and doc.referent.name == "Clémence Marchand-Éloi"
    assert doc.orientation.track_label.startswith("Socio") and doc.health_constraint is True
    assert doc.person_signature is not None and doc.referent_signature is not None
    assert NIR not in repr(doc) and doc.person.caf_number == "1234567"


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils absent")
def test_pdf_from_database(vault, person, tmp_path):
    pid, _ = person
    cid = contracts.create(vault.db, pid, ce_draft(objectives=("Retrouver un emploi",)))
    out = tmp_path / "contrat.pdf"
    render_pdf(vault.db, cid, actor="cmarchand", out=out)
    text = subprocess.run(["pdftotext", "-layout", str(out), "-"], capture_output=True, text=True).stdout
    for title in SECTION_TITLES:
        assert title in text
    assert "Éloïse Lefèvre" in text and "Clémence Marchand-Éloi" in text and NIR not in text
    assert "Contrainte de santé" in text
    fonts = subprocess.run(["pdffonts", str(out)], capture_output=True, text=True).stdout
    assert "DejaVu" in fonts and all(" yes " in line for line in fonts.splitlines()[2:])
    with vault.db.read() as s:
        actions = [a.action for a in s.query(AuditEvent).filter_by(person_id=pid).all()]
    assert AuditAction.PRINT in actions


def run_cli(data_dir, monkeypatch, *args: str) -> int:
    import io

    from app.__main__ import main
    from tests.conftest import TEST_PASSPHRASE

    monkeypatch.setattr("sys.stdin", io.StringIO(TEST_PASSPHRASE + "\n"))
    return main(["--data-dir", str(data_dir), "--profile", "test", "--passphrase-stdin", *args])


def test_cli_list_and_pdf(vault, person, data_dir, tmp_path, monkeypatch, capsys):
    import json

    pid, _ = person
    cid = contracts.create(vault.db, pid, ce_draft())
    assert run_cli(data_dir, monkeypatch, "contracts", "--json", "--person", pid) == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert (row["id"], row["person"], row["status"], row["end_date"]) == (
        cid,
        "LEFÈVRE Éloïse",
        "brouillon",
        "2027-06-30",
    )
    assert run_cli(data_dir, monkeypatch, "contracts") == 0
    assert "1 contrat(s)." in capsys.readouterr().out
    out = tmp_path / "c.pdf"
    assert run_cli(data_dir, monkeypatch, "pdf", "contract", cid, "--out", str(out)) == 0
    assert out.read_bytes().startswith(b"%PDF")


def _contract_state(db, cid: str, oid: str) -> tuple[int, str | None, int]:
    from sqlalchemy import func, select

    from app.models.tables.carnet import Objective
    from app.models.tables.local import OutboxOp

    with db.read() as s:
        return (
            views.get_contract.within(s, cid).current_version,
            s.get(Objective, oid).contract_id,
            s.scalar(select(func.count()).select_from(OutboxOp)),
        )


def test_contract_save_and_its_objective_links_are_one_transaction(vault, person, monkeypatch):
    """The second half of a save (linking the objectives) fails: the new version is not kept either."""
    pid, _ = person
    cid = contracts.create(vault.db, pid, ce_draft())
    oid = carnet_edits.add_objective(vault.db, pid, theme="emploi", title="Obtenir le CACES 1")
    before = _contract_state(vault.db, cid, oid)
    assert before[:2] == (1, None)

    def broken_link(s, contract_id, objective_ids):
        raise RuntimeError("disque arraché pendant le lien des objectifs")

    monkeypatch.setattr(contracts, "link_objectives", broken_link)
    with pytest.raises(RuntimeError):
        contracts.save(vault.db, cid, ce_draft(objective_ids=(oid,), objectives=("Obtenir le CACES 1",)))
    assert _contract_state(vault.db, cid, oid) == before  # no version 2, no link, no op

    monkeypatch.undo()
    assert (
        contracts.save(vault.db, cid, ce_draft(objective_ids=(oid,), objectives=("Obtenir le CACES 1",))) == 2
    )
    version, linked, ops = _contract_state(vault.db, cid, oid)
    assert (version, linked) == (2, cid) and ops > before[2]


def test_a_use_case_given_a_session_says_to_use_within(vault):
    with vault.db.session() as s, pytest.raises(TypeError, match="within"):
        views.list_contracts(s, "x")
