"""Carnet de bord read side: tree by theme, prescriptions, quick entry."""

from __future__ import annotations

from datetime import date

import pytest

from app.services.casefile.carnet import edits as records_carnet
from app.services.casefile.carnet import tree as carnet
from app.services.contracts import lifecycle, views
from app.services.errors import NotFoundError, ValidationError
from app.services.people import identity as people
from app.services.people.identity import PersonInput


@pytest.fixture
def pid(vault) -> str:
    return people.create_person(
        vault.db, PersonInput(last_name="Nguyen", first_name="Linh", regime="plein_emploi")
    )


def test_tree_groups_by_theme_in_vocabulary_order(vault, pid):
    assert carnet.load_carnet(vault.db, pid).is_empty
    emploi = records_carnet.add_objective(
        vault.db, pid, theme="emploi", title="Retrouver un emploi", consent=True, consent_date="01/10/2026"
    )
    logement = records_carnet.add_objective(vault.db, pid, theme="logement", title="Trouver un T2")
    action = records_carnet.add_action(
        vault.db, emploi, label="Atelier CV", partner="Cap Emploi", start_date=date(2026, 10, 5)
    )
    records_carnet.add_prescription(
        vault.db, pid, kind="pmsmp", prescribed_on=date(2026, 10, 6), action_id=action
    )
    loose = records_carnet.add_prescription(vault.db, pid, kind="siae", prescribed_on=date(2026, 10, 7))
    records_carnet.set_prescription_outcome(vault.db, loose, "accepte", outcome_date=date(2026, 10, 20))
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


# --- edit, remove, restore ---------------------------------------------------------------------------------


def ops_of(vault, *row_ids: str) -> list[tuple[str, str, dict]]:
    from sqlalchemy import select

    from app.models.tables.local import OutboxOp

    with vault.db.session() as s:
        rows = s.scalars(
            select(OutboxOp).where(OutboxOp.row_id.in_(row_ids)).order_by(OutboxOp.device_seq)
        ).all()
        return [(op.row_id, str(op.kind), dict(op.changed_fields or {})) for op in rows]


@pytest.fixture
def plan(vault, pid) -> tuple[str, str, str]:
    oid = records_carnet.add_objective(vault.db, pid, theme="emploi", title="Retrouver un emploi")
    a1 = records_carnet.add_action(vault.db, oid, label="Atelier CV", start_date=date(2026, 10, 5))
    a2 = records_carnet.add_action(vault.db, oid, label="Job dating", start_date=date(2026, 10, 12))
    return oid, a1, a2


def test_update_objective_changes_only_given_fields_and_writes_an_update_op(vault, pid, plan):
    oid, _a1, _a2 = plan
    before = len(ops_of(vault, oid))
    records_carnet.update_objective(
        vault.db, oid, {"title": "  Retrouver   un emploi salarié ", "theme": "formation", "consent": True}
    )
    obj = carnet.load_carnet(vault.db, pid).objective(oid)
    assert (obj.title, obj.theme, obj.consent, obj.status) == (
        "Retrouver un emploi salarié",
        "formation",
        True,
        "en_cours",
    )
    ops = ops_of(vault, oid)[before:]
    assert [kind for _r, kind, _f in ops] == ["update"]
    assert set(ops[0][2]) == {"title", "theme", "consent"}
    records_carnet.update_objective(vault.db, oid, {"title": "Retrouver un emploi salarié"})
    assert len(ops_of(vault, oid)) == before + 1  # nothing changed: no op
    records_carnet.update_objective(vault.db, oid, {"consent": False})
    assert carnet.load_carnet(vault.db, pid).objective(oid).consent_date is None


def test_update_validation_errors_are_french_and_change_nothing(vault, pid, plan):
    oid, a1, _a2 = plan
    with pytest.raises(ValidationError) as err:
        records_carnet.update_objective(vault.db, oid, {"title": "  ", "status": "fini"})
    assert err.value.fields == {
        "title": "L'intitulé de l'objectif est obligatoire.",
        "status": "Statut d'objectif inconnu.",
    }
    with pytest.raises(ValidationError, match="non modifiable"):
        records_carnet.update_objective(vault.db, oid, {"person_id": "x"})
    with pytest.raises(ValidationError) as err:
        records_carnet.update_objective(vault.db, oid, {"consent_date": date(2099, 1, 1)})
    assert "futur" in err.value.fields["consent_date"]
    # the end date is checked against the start date kept on the row
    with pytest.raises(ValidationError) as err:
        records_carnet.update_action(vault.db, a1, {"end_date": "01/10/2026"})
    assert err.value.fields == {"end_date": "La date de fin précède la date de début."}
    with pytest.raises(ValidationError) as err:
        records_carnet.update_action(vault.db, a1, {"label": "", "hours_per_week": 80})
    assert set(err.value.fields) == {"label", "hours_per_week"}
    other = people.create_person(
        vault.db, PersonInput(last_name="Autre", first_name="Personne", regime="legacy")
    )
    cid = lifecycle.create_contract(vault.db, other, kind="ce", start_date=date(2026, 10, 1))
    with pytest.raises(ValidationError) as err:
        records_carnet.update_objective(vault.db, oid, {"contract_id": cid})
    assert "contract_id" in err.value.fields
    obj = carnet.load_carnet(vault.db, pid).objective(oid)
    assert obj.title == "Retrouver un emploi" and obj.contract_id is None
    assert obj.actions[0].end_date is None and obj.actions[0].label == "Atelier CV"


def test_update_action(vault, pid, plan):
    oid, a1, _a2 = plan
    records_carnet.update_action(
        vault.db,
        a1,
        {
            "label": "Atelier CV et lettre",
            "partner": "Cap Emploi",
            "end_date": date(2026, 11, 5),
            "hours_per_week": 6,
        },
    )
    action = carnet.load_carnet(vault.db, pid).objective(oid).actions[0]
    assert (action.label, action.partner, action.end_date, action.hours_per_week) == (
        "Atelier CV et lettre",
        "Cap Emploi",
        date(2026, 11, 5),
        6.0,
    )
    _r, kind, fields = ops_of(vault, a1)[-1]
    assert kind == "update" and set(fields) == {"label", "partner", "end_date", "hours_per_week"}


def test_remove_objective_needs_the_action_count_then_tombstones_and_restores(vault, pid, plan):
    oid, a1, a2 = plan
    presc = records_carnet.add_prescription(
        vault.db, pid, kind="pmsmp", prescribed_on=date(2026, 10, 6), action_id=a1
    )
    records_carnet.remove_action(vault.db, a2)  # removed before: stays removed after the undo below
    with pytest.raises(ValidationError) as err:
        records_carnet.remove_objective(vault.db, oid)
    assert "a 1 action" in err.value.fields["actions"]
    assert carnet.load_carnet(vault.db, pid).objective(oid) is not None
    removal = records_carnet.remove_objective(vault.db, oid, with_actions=1)
    assert removal.action_ids == (a1,) and removal.message == "Objectif supprimé avec 1 action"
    tree = carnet.load_carnet(vault.db, pid)
    assert tree.objective(oid) is None and not tree.themes
    assert [p.id for p in tree.other_prescriptions] == [presc]  # the prescription is kept
    assert {(r, k) for r, k, _f in ops_of(vault, oid, a1)[-2:]} == {(oid, "delete"), (a1, "delete")}
    with pytest.raises(NotFoundError):
        records_carnet.update_objective(vault.db, oid, {"title": "x"})
    records_carnet.restore_objective(vault.db, oid)
    obj = carnet.load_carnet(vault.db, pid).objective(oid)
    assert obj is not None and [a.id for a in obj.actions] == [a1]
    assert obj.actions[0].prescriptions[0].id == presc
    restores = ops_of(vault, oid, a1)[-2:]
    assert {k for _r, k, _f in restores} == {"update"} and all(
        f == {"deleted_at": None} for *_x, f in restores
    )
    assert [a.id for a in carnet.load_carnet(vault.db, pid).objective(oid).actions] == [a1]


def test_restore_action_refused_while_its_objective_is_removed(vault, pid, plan):
    oid, a1, a2 = plan
    assert records_carnet.remove_action(vault.db, a1).message == "Action supprimée"
    records_carnet.remove_objective(vault.db, oid, with_actions=1)
    with pytest.raises(ValidationError, match="rétablissez d'abord l'objectif"):
        records_carnet.restore_action(vault.db, a1)
    records_carnet.restore_objective(vault.db, oid)
    assert [a.id for a in carnet.load_carnet(vault.db, pid).objective(oid).actions] == [a2]
    records_carnet.restore_action(vault.db, a1)
    assert {a.id for a in carnet.load_carnet(vault.db, pid).objective(oid).actions} == {a1, a2}


def test_signed_contract_keeps_the_removed_objective_and_action(vault, pid, plan):

    oid, _a1, _a2 = plan
    content = {
        "objective_ids": [oid],
        "objectives": ["Retrouver un emploi"],
        "actions": [
            {"label": "Atelier CV", "partner": "", "start": "2026-10-05", "end": None, "hours_per_week": 3}
        ],
    }
    cid = lifecycle.create_contract(vault.db, pid, kind="ce", start_date=date(2026, 10, 1), content=content)
    records_carnet.update_objective(vault.db, oid, {"contract_id": cid})
    assert carnet.load_carnet(vault.db, pid).objective(oid).contract_label.startswith("CE n°")
    records_carnet.remove_objective(vault.db, oid, with_actions=2)
    draft = views.get_contract(vault.db, cid).draft
    assert draft.objectives == ("Retrouver un emploi",) and draft.actions[0].label == "Atelier CV"


def test_prescription_outcome_date(vault, pid):
    presc = records_carnet.add_prescription(vault.db, pid, kind="siae", prescribed_on=date(2026, 10, 7))
    records_carnet.set_prescription_outcome(vault.db, presc, "accepte", outcome_date=date(2026, 10, 20))
    [p] = carnet.load_carnet(vault.db, pid).other_prescriptions
    assert (p.outcome, p.outcome_date) == ("accepte", date(2026, 10, 20))
    with pytest.raises(ValidationError) as err:
        records_carnet.set_prescription_outcome(vault.db, presc, "entre", outcome_date=date(2099, 1, 1))
    assert err.value.fields == {"outcome_date": "La date du résultat ne peut pas être dans le futur."}
    with pytest.raises(ValidationError) as err:
        records_carnet.set_prescription_outcome(vault.db, presc, "entre", outcome_date=date(2026, 10, 1))
    assert "07/10/2026" in err.value.fields["outcome_date"]
    records_carnet.set_prescription_outcome(vault.db, presc, "en_attente", outcome_date=date(2026, 10, 21))
    [p] = carnet.load_carnet(vault.db, pid).other_prescriptions
    assert (p.outcome, p.outcome_date) == ("en_attente", None)


@pytest.mark.parametrize("sync_between", [True, False], ids=["synced-then-undone", "undone-before-sync"])
def test_removal_and_undo_reach_another_device(tmp_path, data_dir, memory_keyring, sync_between):
    """The tombstones (delete ops) and the undo (update ops clearing deleted_at) go through the real server."""
    from tests.sync.harness import make_device, make_server

    server = make_server(f"sqlite:///{tmp_path / 'server.db'}")
    server.add_user("alice")
    try:
        a = make_device(server, data_dir, "a", "alice")
        b = make_device(server, data_dir, "b", "alice")
        pid = a.add_person()
        oid = records_carnet.add_objective(a.vault.db, pid, theme="emploi", title="Retrouver un emploi")
        aid = records_carnet.add_action(a.vault.db, oid, label="Atelier CV")
        assert a.sync().state == "ok" and b.sync().state == "ok"
        assert [x.id for x in carnet.load_carnet(b.vault.db, pid).objective(oid).actions] == [aid]
        records_carnet.remove_objective(a.vault.db, oid, with_actions=1)
        if sync_between:
            assert a.sync().state == "ok" and b.sync().state == "ok"
            assert carnet.load_carnet(b.vault.db, pid).is_empty
        records_carnet.restore_objective(a.vault.db, oid)
        r = a.sync()
        assert r.state == "ok" and r.pending == 0, r.message
        assert b.sync().state == "ok"
        restored = carnet.load_carnet(b.vault.db, pid).objective(oid)
        assert restored is not None and [x.id for x in restored.actions] == [aid]
    finally:
        server.sdb.dispose()
