"""Duplicate decisions end to end (ADR 0025): a merge made on one device reaches the server (one « merge » op,
rows re-pointed and the merged record purged there) and the other devices (the rows arrive under the person
kept); a pair declared different is never proposed again on another device; a note typed offline on the merged
record follows the merge once it meets it."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from sqlalchemy import func, select

from app.models.enums import DuplicateDecision
from app.models.tables.followup import Note
from app.models.tables.local import OutboxOp
from app.models.tables.people import DuplicateReview, Person
from app.services.people import duplicates, merge
from server.engine.check import global_status
from server.store.tables import BUSINESS, row_feed
from tests.sync.harness import Server, make_device

BORN = date(1980, 7, 14)


def test_merge_reaches_the_server_and_the_other_device(server: Server, data_dir: Path) -> None:
    a = make_device(server, data_dir, "a", "alice")
    b = make_device(server, data_dir, "b", "alice")
    kept = a.add_person(last="Martin", first="Paul", birth_date=BORN, caf_number="3300001")
    gone = a.add_person(
        last="Martin", first="Paul", birth_date=BORN, caf_number="3399999", phone="0600000001"
    )
    a.add_note(kept, "Premier entretien")
    note = a.add_note(gone, "Entretien à Bobigny")
    assert a.sync().state == "ok" and b.sync().state == "ok"
    assert [(p.first_id, p.second_id) for p in duplicates.open_pairs(b.vault.db)] == [
        tuple(sorted((kept, gone)))
    ]

    with a.vault.db.read() as s:
        outbox_before = int(s.scalar(select(func.count()).select_from(OutboxOp)) or 0)
    merge.merge_people(a.vault.db, kept, gone, actor="alice", take=["caf_number"])
    with a.vault.db.read() as s:
        kinds = [o.kind for o in s.scalars(select(OutboxOp).order_by(OutboxOp.device_seq))][outbox_before:]
    # the kept record's update, ONE merge op for the whole history, the decision, the audit event
    assert kinds == ["update", "merge", "append", "append"]
    r = a.sync()
    assert r.state == "ok" and r.conflicts == 0, r.message

    with server.sdb.read() as conn:
        person, notes = BUSINESS["person"], BUSINESS["note"]
        merged_row = conn.execute(select(person).where(person.c.id == gone)).mappings().one()
        assert (
            merged_row["deleted_at"] is not None
            and merged_row["last_name"] == ""
            and merged_row["phone"] == ""
        )
        assert conn.execute(select(notes.c.person_id).where(notes.c.id == note)).scalar() == kept
        feed = conn.execute(
            select(row_feed.c.person_id).where(row_feed.c.table_name == "note", row_feed.c.row_id == note)
        ).scalar()
        assert feed == kept  # the feed follows: scope and downloads see the note under the kept person
        kept_row = conn.execute(select(person).where(person.c.id == kept)).mappings().one()
        assert kept_row["caf_number"] == "3399999"
        reviews = conn.execute(select(BUSINESS["duplicate_review"])).mappings().all()
        assert [(x["person_id"], x["other_id"], x["decision"]) for x in reviews] == [
            (kept, gone, str(DuplicateDecision.SAME))
        ]
        assert json.loads(json.dumps(reviews[0]["identity"], default=str))["caf_number"] == "3399999"

    assert b.sync().state == "ok"
    with b.vault.db.read() as s:
        assert s.get(Note, note).person_id == kept  # type: ignore[union-attr]
        assert s.get(Person, gone).deleted_at is not None  # type: ignore[union-attr]
        assert s.get(Person, kept).caf_number == "3399999"  # type: ignore[union-attr]
    assert duplicates.open_pairs(b.vault.db) == []
    srv = global_status(server.sdb)["tables"]
    for device in (a, b):
        tables = device.client.status()["tables"]
        for name in ("person", "note", "duplicate_review"):
            assert tables[name]["hash"] == srv[name]["hash"], (device.name, name)


def test_a_pair_declared_different_is_never_proposed_on_another_device(
    server: Server, data_dir: Path
) -> None:
    a = make_device(server, data_dir, "a", "alice")
    b = make_device(server, data_dir, "b", "alice")
    one = a.add_person(last="Diallo", first="Awa", birth_date=BORN, caf_number="5500001")
    two = a.add_person(last="Diallo", first="Awa", birth_date=BORN, caf_number="5500002")
    assert a.sync().state == "ok" and b.sync().state == "ok"
    assert len(duplicates.open_pairs(b.vault.db)) == 1
    merge.declare_different(a.vault.db, two, one, actor="alice")
    assert duplicates.open_pairs(a.vault.db) == []
    assert a.sync().state == "ok" and b.sync().state == "ok"
    assert duplicates.open_pairs(b.vault.db) == [] and duplicates.count_open(b.vault.db) == 0
    with b.vault.db.read() as s:
        assert s.scalar(select(func.count()).select_from(DuplicateReview)) == 1


def test_a_note_typed_offline_on_the_merged_record_follows_the_merge(server: Server, data_dir: Path) -> None:
    a = make_device(server, data_dir, "a", "alice")
    b = make_device(server, data_dir, "b", "alice")
    kept = a.add_person(last="Roux", first="Léa", birth_date=BORN)
    gone = a.add_person(last="Roux", first="Léa", birth_date=BORN)
    assert a.sync().state == "ok" and b.sync().state == "ok"
    late = b.add_note(gone, "Appel de Léa (hors ligne)")  # b has not seen the merge yet
    merge.merge_people(a.vault.db, kept, gone, actor="alice")
    assert a.sync().state == "ok"
    assert b.sync().state == "ok"  # uploads its note on the merged record, then receives the merge
    with b.vault.db.read() as s:
        assert s.get(Note, late).person_id == kept  # type: ignore[union-attr]
    assert b.sync().state == "ok"  # its own « merge » op makes the server move the note too
    with server.sdb.read() as conn:
        notes = BUSINESS["note"]
        assert conn.execute(select(notes.c.person_id).where(notes.c.id == late)).scalar() == kept
    assert a.sync().state == "ok"
    with a.vault.db.read() as s:
        assert s.get(Note, late).person_id == kept  # type: ignore[union-attr]
