"""Outbox atomicity through the services: nothing is saved without its op, and a failed write leaves neither."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.models.tables.followup import Note
from app.models.tables.local import OutboxOp
from app.models.tables.people import Person, ReferentAssignment
from app.services.casefile import notes
from app.services.casefile import rdv as rdv_mod
from app.services.errors import AppendOnlyViolation, NotFoundError
from app.services.people import identity as people
from app.services.people.identity import PersonInput
from app.services.storage.db import DEVICE_SEQ_KEY


def counts(db) -> tuple[int, int, int, str]:
    with db.read() as s:
        return (
            s.scalar(select(func.count()).select_from(Person)),
            s.scalar(select(func.count()).select_from(Note)),
            s.scalar(select(func.count()).select_from(OutboxOp)),
            db.get_state(DEVICE_SEQ_KEY),
        )


def new_person(db, name: str = "Diallo") -> str:
    return people.create_person(db, PersonInput(last_name=name, first_name="Awa", regime="legacy"))


def new_person_within(s, name: str = "Diallo") -> str:
    return people.create_person.within(s, PersonInput(last_name=name, first_name="Awa", regime="legacy"))


def test_failure_inside_a_composed_transaction_leaves_neither_rows_nor_ops(vault):
    new_person(vault.db)
    before = counts(vault.db)
    with pytest.raises(RuntimeError), vault.db.session() as s:
        pid = new_person_within(s, "Benali")
        notes.add_note.within(s, pid, kind="appel", body="Appel.")
        s.flush()  # rows and ops reached the database inside the transaction
        raise RuntimeError("coupure")
    assert counts(vault.db) == before


def test_integrity_error_leaves_nothing(vault):
    before = counts(vault.db)
    with pytest.raises(IntegrityError), vault.db.session() as s:
        new_person_within(s, "Martin")
        s.add(Note(person_id="no-such-person", kind="appel", body="x", written_at=datetime(2026, 1, 1)))
        s.flush()
    assert counts(vault.db) == before


def test_a_service_failing_half_way_writes_nothing(vault):
    ref = people.upsert_referent(vault.db, login="crousseau", first_name="Camille", last_name="Rousseau")
    pid = new_person(vault.db)
    before = counts(vault.db)
    with pytest.raises(NotFoundError):
        people.assign_referent(vault.db, [pid, "missing"], ref, start_date=date(2026, 1, 1))
    assert counts(vault.db) == before
    with vault.db.read() as s:
        assert s.scalar(select(func.count()).select_from(ReferentAssignment)) == 0


def test_ops_are_contiguous_and_updates_carry_only_changed_fields(vault):
    pid = new_person(vault.db)
    people.update_person(vault.db, pid, {"city": "Vienne", "postal_code": "38200"})
    rdv = rdv_mod.add_appointment(
        vault.db, pid, starts_at=datetime(2026, 2, 3, 10), purpose="suivi", nature="telephone"
    )
    rdv_mod.set_appointment_status(vault.db, rdv, "honore")
    with vault.db.read() as s:
        ops = s.scalars(select(OutboxOp).order_by(OutboxOp.device_seq)).all()
    assert [o.device_seq for o in ops] == list(range(1, len(ops) + 1))
    assert [(o.table_name, o.kind) for o in ops[:5]] == [
        ("person", "insert"),
        ("person", "update"),
        ("appointment", "insert"),
        ("appointment_event", "append"),
        ("appointment_event", "append"),
    ]  # within one transaction: new rows first, then the updates
    assert ops[1].changed_fields == {"city": "Vienne", "postal_code": "38200"}
    assert {(o.table_name, o.kind, str(o.changed_fields)) for o in ops[5:]} == {
        ("appointment", "update", "{'status': 'honore'}"),
        ("person", "update", "{'last_contact_date': '2026-02-03'}"),
    }
    assert ops[0].changed_fields["last_name"] == "Diallo"


def test_append_only_update_raises_and_leaves_nothing(vault):
    pid = new_person(vault.db)
    note = notes.add_note(vault.db, pid, kind="courrier", body="Convocation envoyée.")
    before = counts(vault.db)
    with pytest.raises(AppendOnlyViolation), vault.db.session() as s:
        people.update_person.within(s, pid, {"city": "Grenoble"})
        s.get(Note, note).body = "Autre chose"
    assert counts(vault.db) == before
    assert people.get_person(vault.db, pid).city == ""
    assert notes.list_notes(vault.db, pid)[0].body == "Convocation envoyée."
