"""Diagnostic service: versions, health mapping, readable diff, situation summary for the contract."""

from __future__ import annotations

import pytest

from app.services.casefile import diagnostic
from app.services.errors import ValidationError
from app.services.people import identity as people
from app.services.people.identity import PersonInput


@pytest.fixture
def pid(vault) -> str:
    return people.create_person(
        vault.db, PersonInput(last_name="Nguyen", first_name="Linh", regime="plein_emploi")
    )


FIRST = {
    "logement": {"logement_type": "locataire_prive", "logement_stabilite": "precaire"},
    "mobilite": {"permis": "aucun", "rayon_mobilite": 10},
    "sante": {"contrainte_sante": True},
    "generalites": {"synthese": "Cherche un emploi dans la logistique."},
}


def test_versions_increment_and_health_is_mapped(vault, pid):
    assert diagnostic.load(vault.db, pid).versions == ()
    assert diagnostic.save(vault.db, pid, FIRST, author="mdupont") == 1
    second = {**FIRST, "logement": {**FIRST["logement"], "logement_stabilite": "stable"}}
    assert diagnostic.save(vault.db, pid, second, author="mdupont") == 2
    state = diagnostic.load(vault.db, pid)
    assert [v.number for v in state.versions] == [1, 2] and state.current_number == 2
    assert state.versions[0].author == "mdupont"
    assert state.values["sante"] == {"contrainte_sante": True}
    stored = diagnostic.diagnostic_versions(vault.db, pid)[-1]
    assert stored.health_constraint is True
    assert stored.data["sante"] == {"contrainte": True}  # only the yes/no, under the records' key
    assert "contrainte_sante" not in str(stored.data)


def test_health_details_and_bad_values_refused(vault, pid):
    with pytest.raises(ValidationError) as err:
        diagnostic.save(
            vault.db,
            pid,
            {
                "sante": {"contrainte_sante": True, "pathologie": "x"},
                "logement": {"logement_stabilite": "chateau"},
                "mobilite": {"inconnu": 1},
            },
            author="a",
        )
    assert set(err.value.fields) == {"sante.pathologie", "logement.logement_stabilite", "mobilite.inconnu"}
    assert diagnostic.load(vault.db, pid).versions == ()


def test_diff_added_changed_removed_with_labels(vault, pid):
    diagnostic.save(vault.db, pid, FIRST, author="a")
    after = {
        "logement": {"logement_type": "locataire_prive", "logement_stabilite": "stable"},
        "mobilite": {"rayon_mobilite": 10},
        "numerique": {"equipement": ["smartphone", "ordinateur"]},
        "sante": {"contrainte_sante": False},
        "generalites": {"synthese": "Cherche un emploi dans la logistique."},
    }
    diagnostic.save(vault.db, pid, after, author="a")
    lines = diagnostic.version_diff(vault.db, pid, 2, 1)
    texts = [line.text for line in lines]
    assert "Logement — stabilité du logement : Précaire → Stable" in texts
    assert "Mobilité — permis de conduire : Aucun → non renseigné" in texts
    assert "Santé — contrainte de santé : oui → non" in texts
    added = next(line for line in lines if line.item == "equipement")
    assert added.change == "added" and "Smartphone" in added.after
    assert {line.change for line in lines} == {"added", "changed", "removed"}
    # vocabulary order: logement before mobilité before santé
    assert texts.index("Logement — stabilité du logement : Précaire → Stable") < texts.index(
        "Santé — contrainte de santé : oui → non"
    )
    first = diagnostic.version_diff(vault.db, pid, 0, 1)
    assert all(line.change == "added" for line in first)


def test_situation_summary_has_no_health_detail_without_consent(vault, pid):
    diagnostic.save(vault.db, pid, {**FIRST, "generalites": {"synthese": "Suivi en psychiatrie"}}, author="a")
    summary = diagnostic.situation_summary(vault.db, pid)
    assert summary.health_constraint is None
    labels = dict(summary.lines)
    assert "Stabilité du logement : Précaire" in labels["Logement"]
    assert "Rayon de mobilité : 10 km" in labels["Mobilité"]
    assert "psychiatrie" not in str(summary.lines) and "Santé" not in labels
    people.update_person(vault.db, pid, {"health_data_consent": True})
    assert diagnostic.situation_summary(vault.db, pid).health_constraint is True


def test_format_value():
    assert diagnostic.format_value("date_diagnostic", "2026-11-23") == "23/11/2026"
    assert diagnostic.format_value("inscrit_france_travail", False) == "non"
    assert diagnostic.format_value("permis", None) == ""
