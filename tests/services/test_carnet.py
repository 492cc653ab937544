"""Carnet de bord read side: tree by theme, prescriptions, quick entry."""

from __future__ import annotations

from datetime import date

import pytest

from app.services import carnet, people, records
from app.services.errors import ValidationError
from app.services.people import PersonInput


@pytest.fixture
def pid(vault) -> str:
    return people.create_person(
        vault.db, PersonInput(last_name="Nguyen", first_name="Linh", regime="plein_emploi")
    )


def test_tree_groups_by_theme_in_vocabulary_order(vault, pid):
    assert carnet.load_carnet(vault.db, pid).is_empty
    emploi = records.add_objective(
        vault.db, pid, theme="emploi", title="Retrouver un emploi", consent=True, consent_date="01/10/2026"
    )
    logement = records.add_objective(vault.db, pid, theme="logement", title="Trouver un T2")
    action = records.add_action(
        vault.db, emploi, label="Atelier CV", partner="Cap Emploi", start_date=date(2026, 10, 5)
    )
    records.add_prescription(vault.db, pid, kind="pmsmp", prescribed_on=date(2026, 10, 6), action_id=action)
    loose = records.add_prescription(vault.db, pid, kind="siae", prescribed_on=date(2026, 10, 7))
    records.set_prescription_outcome(vault.db, loose, "accepte", outcome_date=date(2026, 10, 20))
    tree = carnet.load_carnet(vault.db, pid)
    assert [t.code for t in tree.themes] == ["logement", "emploi"]
    assert tree.themes[0].objectives[0].id == logement
    obj = tree.objective(emploi)
    assert obj is not None and obj.consent and obj.status_label == "En cours"
    assert obj.actions[0].partner == "Cap Emploi" and obj.actions[0].status_label == "Prévue"
    assert obj.actions[0].prescriptions[0].kind_label == "PMSMP"
    assert [p.id for p in tree.other_prescriptions] == [loose]
    assert tree.other_prescriptions[0].outcome_label == "Accepté"


@pytest.mark.parametrize(
    ("text", "theme", "title"),
    [
        ("logement: trouver un T2", "logement", "trouver un T2"),
        ("Difficultés financières : dossier FSL", "difficultes_financieres", "dossier FSL"),
        ("numer: PIX", "numerique", "PIX"),
        ("langue : cours de FLE", "langue", "cours de FLE"),
    ],
)
def test_quick_entry(text, theme, title):
    assert carnet.parse_quick_entry(text) == (theme, title)


@pytest.mark.parametrize("text", ["sans deux points", "plomberie: fuite", "difficultes: x", "emploi:  "])
def test_quick_entry_errors(text):
    with pytest.raises(ValidationError) as err:
        carnet.parse_quick_entry(text)
    assert "quick" in err.value.fields


def test_quick_add(vault, pid):
    oid = carnet.quick_add_objective(vault.db, pid, "Mobilité : passer le permis B")
    tree = carnet.load_carnet(vault.db, pid)
    assert tree.objective(oid).title == "passer le permis B" and tree.themes[0].label == "Mobilité"
