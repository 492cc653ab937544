"""Record services: RDV history, append-only notes, diagnostic versions, contracts locked after signature."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from app.models.tables.followup import Note
from app.services.casefile import diagnostic, sanctions
from app.services.casefile import notes as notes_mod
from app.services.casefile import rdv as rdv_mod
from app.services.casefile.carnet import edits as carnet_edits
from app.services.contracts import lifecycle
from app.services.contracts.lifecycle import ContractLockedError, ContractTransitionError
from app.services.errors import AppendOnlyViolation, NotFoundError, ValidationError
from app.services.people import identity as people
from app.services.people.identity import PersonInput
from app.services.storage import audit

STROKES = [[[0.1, 0.5], [0.2, 0.4], [0.3, 0.6]], [[0.5, 0.5], [0.6, 0.5]]]


@pytest.fixture
def pid(vault) -> str:
    return people.create_person(
        vault.db, PersonInput(last_name="Nguyen", first_name="Linh", regime="plein_emploi")
    )


def test_appointment_history_keeps_every_status(vault, pid):
    rdv = rdv_mod.add_appointment(
        vault.db,
        pid,
        starts_at=datetime(2026, 3, 2, 9, 30),
        purpose="suivi",
        nature="physique",
        place="MDS Échirolles",
    )
    rdv_mod.set_appointment_status(vault.db, rdv, "excuse", comment="Enfant malade")
    rdv_mod.set_appointment_status(vault.db, rdv, "honore")
    assert [e.status for e in rdv_mod.appointment_history(vault.db, rdv)] == ["prevu", "excuse", "honore"]
    assert people.get_person(vault.db, pid).last_contact_date == date(2026, 3, 2)
    with pytest.raises(ValidationError):
        rdv_mod.set_appointment_status(vault.db, rdv, "honore")
    with pytest.raises(ValidationError) as err:
        rdv_mod.add_appointment(
            vault.db, pid, starts_at=datetime(2026, 3, 2), purpose="suivi", nature="pigeon"
        )
    assert err.value.fields == {"nature": "Nature du rendez-vous inconnue."}
    past = rdv_mod.add_appointment(
        vault.db,
        pid,
        starts_at=datetime(2026, 4, 1, 14),
        purpose="bilan",
        nature="telephone",
        status="honore",
    )
    assert [e.status for e in rdv_mod.appointment_history(vault.db, past)] == ["honore"]
    assert people.get_person(vault.db, pid).last_contact_date == date(2026, 4, 1)


def test_update_appointment_validates_and_keeps_the_change_in_history(vault, pid):
    from app.models.tables.followup import Appointment
    from app.models.tables.local import OutboxOp

    rdv = rdv_mod.add_appointment(
        vault.db, pid, starts_at=datetime(2026, 3, 2, 9, 30), purpose="suivi", nature="physique"
    )
    with vault.db.read() as s:
        ops_before = s.query(OutboxOp).count()
    changed = rdv_mod.update_appointment(
        vault.db,
        rdv,
        starts_at=datetime(2026, 3, 3, 10, 0),
        purpose="bilan",
        nature="physique",
        place="  MDS Échirolles ",
        duration_min=60,
        author="cmarchand",
    )
    assert changed == ("starts_at", "duration_min", "purpose", "place")
    with vault.db.read() as s:
        row = s.get(Appointment, rdv)
        assert (row.starts_at, row.duration_min, row.purpose, row.place, row.status) == (
            datetime(2026, 3, 3, 10, 0), 60, "bilan", "MDS Échirolles", "prevu",
        )  # fmt: skip
        assert s.query(OutboxOp).count() > ops_before  # replicated like any change
    history = rdv_mod.appointment_history(vault.db, rdv)
    assert [e.status for e in history] == ["prevu", "prevu"]
    assert history[-1].author == "cmarchand"
    assert history[-1].comment == (
        "Modifié : date et heure (02/03/2026 09:30 → 03/03/2026 10:00), durée, objet, lieu."
    )
    same = dict(starts_at=datetime(2026, 3, 3, 10, 0), purpose="bilan", nature="physique")
    assert rdv_mod.update_appointment(vault.db, rdv, place="MDS Échirolles", duration_min=60, **same) == ()
    assert len(rdv_mod.appointment_history(vault.db, rdv)) == 2  # nothing changed: no event
    with pytest.raises(ValidationError) as err:
        rdv_mod.update_appointment(
            vault.db, rdv, starts_at=datetime(2026, 3, 3), purpose="suivi", nature="pigeon", duration_min=2
        )
    assert err.value.fields == {
        "nature": "Nature du rendez-vous inconnue.",
        "duration_min": "Durée invalide (entre 5 minutes et 8 heures).",
    }
    rdv_mod.set_appointment_status(vault.db, rdv, "annule")
    with pytest.raises(ValidationError, match="annulé ne peut plus être modifié"):
        rdv_mod.update_appointment(vault.db, rdv, place="Ailleurs", duration_min=60, **same)
    with pytest.raises(NotFoundError):
        rdv_mod.update_appointment(vault.db, "inconnu", **same)


def test_notes_are_append_only_and_corrected_by_a_new_note(vault, pid):
    first = notes_mod.add_note(vault.db, pid, kind="entretien", body="Point sur l'ARE.")
    fix = notes_mod.add_note(
        vault.db, pid, kind="entretien", body="Il s'agissait de la prime d'activité.", corrects_note_id=first
    )
    notes = {n.id: n for n in notes_mod.list_notes(vault.db, pid)}
    assert notes[first].corrected_by == fix and notes[first].body == "Point sur l'ARE."
    assert notes[fix].corrects_note_id == first
    with pytest.raises(AppendOnlyViolation), vault.db.session() as s:
        s.get(Note, first).body = "réécrit"
    assert notes_mod.list_notes(vault.db, pid)[0].body == "Point sur l'ARE."
    with pytest.raises(ValidationError) as err:
        notes_mod.add_note(vault.db, pid, kind="entretien", body="  ")
    assert err.value.fields == {"body": "La note est vide."}


def test_diagnostic_versions_and_health_only_yes_no(vault, pid):
    assert (
        diagnostic.save_diagnostic(
            vault.db,
            pid,
            data={"logement": {"logement_type": "locataire_prive"}},
            health_constraint=False,
            source="caf",
        )
        == 1
    )
    assert (
        diagnostic.save_diagnostic(
            vault.db,
            pid,
            data={"logement": {"logement_type": "heberge_tiers"}},
            health_constraint=True,
            author="crousseau",
        )
        == 2
    )
    v1, v2 = diagnostic.diagnostic_versions(vault.db, pid)
    assert v1.data["logement"]["logement_type"] == "locataire_prive" and v1.source == "caf"
    assert v2.health_constraint and v2.data["sante"] == {"contrainte": True}
    with pytest.raises(ValidationError) as err:
        diagnostic.save_diagnostic(vault.db, pid, data={"sante": {"pathologie": "x"}}, health_constraint=True)
    assert "jamais de détail médical" in err.value.fields["data"]
    assert len(diagnostic.diagnostic_versions(vault.db, pid)) == 2


def _signed_contract(db, pid) -> str:
    cid = lifecycle.create_contract(
        db,
        pid,
        kind="ce",
        start_date=date(2026, 1, 5),
        duration_months=6,
        content={"objectives": ["Emploi"], "weekly_hours": 15},
        saved_at=datetime(2026, 1, 2, 9),
    )
    assert (
        lifecycle.save_contract_version(db, cid, {"objectives": ["Emploi", "Mobilité"], "weekly_hours": 16})
        == 2
    )
    with pytest.raises(ContractTransitionError):
        lifecycle.transition_contract(db, cid, "signe")  # nobody signed yet
    lifecycle.add_signature(db, cid, signer="personne", signer_name="Linh Nguyen", strokes=STROKES)
    lifecycle.add_signature(db, cid, signer="referent", signer_name="Camille Rousseau", strokes=STROKES)
    lifecycle.transition_contract(db, cid, "signe", at=datetime(2026, 1, 5, 10), place="Échirolles")
    return cid


def test_contract_is_locked_after_signature_at_service_level(vault, pid):
    cid = _signed_contract(vault.db, pid)
    with pytest.raises(ContractLockedError) as err:
        lifecycle.save_contract_version(vault.db, cid, {"objectives": []})
    assert "avenant" in err.value.message
    with pytest.raises(ContractLockedError):
        lifecycle.add_signature(vault.db, cid, signer="personne", signer_name="X", strokes=STROKES)
    with pytest.raises(ContractTransitionError):
        lifecycle.transition_contract(vault.db, cid, "en_cours")  # must be validated first
    for status in ("valide", "en_cours", "termine"):
        lifecycle.transition_contract(vault.db, cid, status)
    assert [e.to_status for e in lifecycle.contract_events(vault.db, cid)] == [
        "brouillon",
        "signe",
        "valide",
        "en_cours",
        "termine",
    ]
    versions = lifecycle.contract_versions(vault.db, cid)
    assert [v.version_no for v in versions] == [1, 2] and versions[1].content["weekly_hours"] == 16
    renewal = lifecycle.create_contract(
        vault.db, pid, kind="ce", previous_contract_id=cid, start_date="05/07/2026"
    )
    assert lifecycle.contract_versions(vault.db, renewal)[0].content == versions[1].content


def test_signature_needs_strokes_or_a_scan(vault, pid):
    cid = lifecycle.create_contract(vault.db, pid, kind="ce", duration_months=3)
    with pytest.raises(ValidationError) as err:
        lifecycle.add_signature(
            vault.db, cid, signer="personne", signer_name="L", strokes=[[[2.0, 0.1], [0.1, 0.1]]]
        )
    assert err.value.fields == {"strokes": "La signature tracée est vide ou illisible."}
    with pytest.raises(ValidationError) as err:
        lifecycle.add_signature(vault.db, cid, signer="personne", signer_name="L", method="papier")
    assert "numérisée" in err.value.fields["document_id"]
    with pytest.raises(ValidationError):
        lifecycle.create_contract(vault.db, pid, kind="ce", duration_months=5)


def test_carnet_prescriptions_sanctions_and_audit(vault, pid):
    oid = carnet_edits.add_objective(
        vault.db, pid, theme="mobilite", title="Obtenir le permis B", consent=True, consent_date="02/02/2026"
    )
    aid = carnet_edits.add_action(
        vault.db, oid, label="Auto-école sociale", hours_per_week=4, start_date=date(2026, 2, 2)
    )
    carnet_edits.set_action_status(vault.db, aid, "en_cours")
    carnet_edits.set_objective_status(vault.db, oid, "atteint")
    with pytest.raises(ValidationError):
        carnet_edits.add_action(
            vault.db, oid, label="X", start_date=date(2026, 3, 1), end_date=date(2026, 2, 1)
        )
    presc = carnet_edits.add_prescription(
        vault.db, pid, kind="pmsmp", prescribed_on=date(2026, 2, 10), action_id=aid
    )
    carnet_edits.set_prescription_outcome(vault.db, presc, "entre", outcome_date=date(2026, 2, 20))
    with pytest.raises(ValidationError):
        carnet_edits.set_prescription_outcome(vault.db, presc, "termine", outcome_date=date(2026, 1, 1))
    with pytest.raises(ValidationError) as err:
        sanctions.add_sanction_step(vault.db, pid, kind="courrier", step_date=date(2026, 3, 1))
    assert "manquement" in err.value.fields["kind"]
    first = sanctions.add_sanction_step(vault.db, pid, kind="manquement", step_date=date(2026, 3, 1))
    step = sanctions.add_sanction_step(
        vault.db, pid, kind="courrier", step_date=date(2026, 3, 5), procedure_id=first.procedure_id
    )
    assert step.procedure_id == first.procedure_id
    with pytest.raises(ValidationError):
        sanctions.add_sanction_step(
            vault.db, pid, kind="avis_ep", step_date=date(2026, 3, 2), procedure_id=first.procedure_id
        )
    assert audit.record_audit(vault.db, actor="crousseau", action="impression", person_id=pid)
