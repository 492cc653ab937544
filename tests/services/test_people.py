"""People services: identity validation (French messages), updates, orientation, référents, parcours and exits."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from app.models.tables.local import OutboxOp
from app.services.errors import NotFoundError, ValidationError
from app.services.people import identity as people
from app.services.people import parcours
from app.services.people.identity import BIRTH_DATE_MSG, PersonInput


def valid_nir() -> str:
    body = "1850575123456"
    return f"{body}{97 - int(body) % 97:02d}"


def make_person(db, **over) -> str:
    data = {
        "last_name": "Lefèvre-Dubois",
        "first_name": "Zoé",
        "regime": "plein_emploi",
        "sex": "F",
        "birth_date": "14/03/1988",
        "caf_number": "1234567",
        **over,
    }
    return people.create_person(db, PersonInput(**data))


def last_op(db) -> OutboxOp:
    with db.read() as s:
        return s.scalars(select(OutboxOp).order_by(OutboxOp.device_seq.desc())).first()


def test_create_person_parses_french_dates_and_masks_the_nir(vault):
    pid = make_person(vault.db, nir=valid_nir(), sex="M", first_name="Théo")
    view = people.get_person(vault.db, pid)
    assert view.birth_date == date(1988, 3, 14)
    assert view.nir_masked.endswith(valid_nir()[-3:]) and valid_nir() not in view.nir_masked
    assert view.status == "active"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("birth_date", "31/02/1990", BIRTH_DATE_MSG),
        ("birth_date", "1990/13/45", BIRTH_DATE_MSG),
        (
            "nir",
            "185057512345600",
            "NIR invalide : la clé de contrôle ne correspond pas au numéro.",
        ),
        ("caf_number", "12AB", "Numéro d'allocataire invalide (7 chiffres attendus)."),
        ("last_name", "   ", "Le nom est obligatoire."),
        ("postal_code", "3800", "Code postal invalide (5 chiffres attendus)."),
        ("email", "pas-une-adresse", "Adresse électronique invalide."),
        ("regime", "inconnu", "Régime inconnu (ancien régime CER ou plein emploi)."),
    ],
)
def test_validation_errors_are_french_and_per_field(vault, field, value, message):
    with pytest.raises(ValidationError) as err:
        make_person(vault.db, **{field: value})
    assert err.value.fields == {field: message}
    with vault.db.read() as s:
        assert s.scalar(select(OutboxOp.device_seq)) is None  # nothing written


def test_all_field_errors_are_reported_at_once(vault):
    with pytest.raises(ValidationError) as err:
        make_person(vault.db, birth_date="hier", first_name="", caf_number="1")
    assert set(err.value.fields) == {"birth_date", "first_name", "caf_number"}


def test_nir_must_match_sex_and_be_unique(vault):
    with pytest.raises(ValidationError) as err:
        make_person(vault.db, nir=valid_nir(), sex="F")
    assert err.value.fields["nir"] == "Le NIR ne correspond pas au sexe indiqué."
    make_person(vault.db, nir=valid_nir(), sex="M")
    with pytest.raises(ValidationError) as err:
        make_person(vault.db, nir=valid_nir(), sex="M", first_name="Autre")
    assert "déjà enregistré" in err.value.fields["nir"]


def test_update_person_writes_only_changed_fields(vault):
    pid = make_person(vault.db)
    changed = people.update_person(vault.db, pid, {"city": "Échirolles", "last_name": "Lefèvre-Dubois"})
    assert changed == ("city",)
    op = last_op(vault.db)
    assert (op.kind, op.table_name, op.changed_fields) == ("update", "person", {"city": "Échirolles"})
    before = op.device_seq
    assert people.update_person(vault.db, pid, {"city": "Échirolles"}) == ()
    assert last_op(vault.db).device_seq == before
    with pytest.raises(ValidationError) as err:
        people.update_person(vault.db, pid, {"birth_date": "32/01/2000"})
    assert err.value.fields == {"birth_date": BIRTH_DATE_MSG}


def test_reorientation_closes_the_previous_orientation(vault):
    pid = make_person(vault.db)
    parcours.open_parcours(vault.db, pid, start_date=date(2025, 3, 1), track="social")
    parcours.record_orientation(
        vault.db, pid, track="social", decision_date=date(2025, 3, 1), notification_date="05/03/2025"
    )
    parcours.record_orientation(
        vault.db,
        pid,
        track="emploi",
        decision_date=date(2025, 9, 1),
        ep_opinion="Avis favorable",
        reason="Projet consolidé",
    )
    first, second = parcours.orientation_history(vault.db, pid)
    assert first.ended_on == date(2025, 9, 1) and not first.is_reorientation
    assert second.ended_on is None and second.is_reorientation and second.track == "emploi"
    assert second.regime == "plein_emploi"  # from the person
    assert parcours.parcours_history(vault.db, pid)[0].track == "emploi"
    with pytest.raises(ValidationError) as err:
        parcours.record_orientation(vault.db, pid, track="social", decision_date=date(2025, 1, 1))
    assert "précéder l'orientation en cours (01/09/2025)" in err.value.fields["decision_date"]
    with pytest.raises(ValidationError) as err:
        parcours.record_orientation(
            vault.db,
            pid,
            track="social",
            decision_date=date(2025, 10, 1),
            notification_date=date(2025, 9, 30),
        )
    assert err.value.fields == {"notification_date": "La notification ne peut pas précéder la décision."}


def test_assignment_history_and_team_reassignment(vault):
    a = people.upsert_referent(vault.db, login="crousseau", first_name="Camille", last_name="Rousseau")
    b = people.upsert_referent(vault.db, login="khaddad", first_name="Karim", last_name="Haddad")
    assert (
        people.upsert_referent(
            vault.db, login="crousseau", first_name="Camille", last_name="Rousseau", team="Sud"
        )
        == a
    )
    p1, p2 = make_person(vault.db), make_person(vault.db, first_name="Awa")
    assert len(people.assign_referent(vault.db, p1, a, start_date="01/02/2025")) == 1
    ids = people.assign_referent(
        vault.db, [p1, p2], b, start_date=date(2025, 6, 1), reason="Départ", assigned_by="jmoreau"
    )
    assert len(ids) == 2
    assert people.assign_referent(vault.db, [p1], b, start_date=date(2025, 7, 1)) == []  # already followed
    history = people.referent_history(vault.db, p1)
    assert [h.referent_id for h in history] == [a, b]
    assert history[1].assigned_by == "jmoreau"
    assert people.get_person(vault.db, p2).referent_id == b
    with pytest.raises(ValidationError):
        people.assign_referent(vault.db, p1, a, start_date=date(2025, 1, 1))
    with pytest.raises(NotFoundError):
        people.assign_referent(vault.db, p1, "nope", start_date=date(2026, 1, 1))
    people.set_current_referent(vault.db, a)
    assert people.current_referent_id(vault.db) == a


def test_exit_then_reentry_keeps_the_history(vault):
    pid = make_person(vault.db)
    parcours.open_parcours(vault.db, pid, start_date=date(2024, 1, 10), track="socio_pro")
    parcours.record_orientation(vault.db, pid, track="socio_pro", decision_date=date(2024, 1, 10))
    with pytest.raises(ValidationError) as err:
        parcours.open_parcours(vault.db, pid, start_date=date(2024, 2, 1))
    assert "déjà en cours" in err.value.fields["start_date"]
    with pytest.raises(ValidationError) as err:
        parcours.record_exit(
            vault.db, pid, exit_date=date(2025, 1, 1), category="emploi_durable", reason="refus"
        )
    assert err.value.fields == {"reason": "Motif de sortie incompatible avec la catégorie."}
    with pytest.raises(ValidationError) as err:
        parcours.record_exit(
            vault.db,
            pid,
            exit_date=date(2025, 1, 1),
            category="emploi_durable",
            reason="cdi",
            in_job_followup_until=date(2025, 8, 1),
        )
    assert "6 mois" in err.value.fields["in_job_followup_until"]
    with pytest.raises(ValidationError):
        parcours.record_exit(
            vault.db,
            pid,
            exit_date=date(2025, 1, 1),
            category="autres",
            reason="refus",
            in_job_followup_until=date(2025, 3, 1),
        )
    parcours.record_exit(
        vault.db,
        pid,
        exit_date="01/01/2025",
        category="emploi_durable",
        reason="cdi",
        detail="CDI magasinier",
        in_job_followup_until=date(2025, 7, 1),
    )
    assert people.get_person(vault.db, pid).status == "exited"
    assert parcours.orientation_history(vault.db, pid)[0].ended_on == date(2025, 1, 1)
    with pytest.raises(ValidationError):
        parcours.record_exit(vault.db, pid, exit_date=date(2025, 2, 1), category="autres", reason="refus")
    with pytest.raises(ValidationError):
        parcours.open_parcours(vault.db, pid, start_date=date(2024, 12, 1))  # before the exit
    parcours.open_parcours(vault.db, pid, start_date=date(2025, 9, 1), track="emploi")
    assert people.get_person(vault.db, pid).status == "active"
    first, second = parcours.parcours_history(vault.db, pid)
    assert first.end_date == date(2025, 1, 1) and first.exit is not None
    assert (first.exit.category, first.exit.reason, first.exit.in_job_followup_until) == (
        "emploi_durable",
        "cdi",
        date(2025, 7, 1),
    )
    assert second.end_date is None and second.exit is None
