"""server.engine.merge on SQLite and PostgreSQL (ADR 0025): a device's file uploaded op by op, then a merge of
the full file into another person: every row of every person table moves on the server too (append-only ones
included), with its feed entry, the merged record is purged there, the decision is stored; a device outside
the scope is refused; schema revision s0004 adds the decisions table to an older database."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import inspect, select

from app.models.personal_data import CHILD_TABLES, PERSON_TABLES
from app.services.people import merge
from server.admin.accounts import add_user, enroll, new_enrolment_code
from server.engine import upload as upload_mod
from server.engine.authorise import DEPARTEMENT_WRITES
from server.store import db as db_mod
from server.store.db import ServerDB
from server.store.tables import BUSINESS, row_feed
from tests.server.test_purge import _store_blob, upload, wire_ops
from tests.services.privacy_factory import DOC_A_BYTES, SHARED_BYTES, build


@pytest.fixture
def server(database_url: str):
    sdb = ServerDB(database_url)
    sdb.migrate()
    add_user(sdb, "alice", "Alice Martin", "admin", "Nord")
    with sdb.write() as conn:  # python -m server policy --departement ecriture
        db_mod.set_meta(conn, DEPARTEMENT_WRITES, "1")
    device = str(uuid.uuid4())
    enroll(sdb, new_enrolment_code(sdb, "alice"), device, "poste", "test", "0002")
    try:
        yield sdb, device
    finally:
        sdb.dispose()


def _rows(conn, person_id: str) -> dict[str, set[str]]:
    out = {}
    for name in PERSON_TABLES:
        t = BUSINESS[name]
        out[name] = set(conn.execute(select(t.c.id).where(t.c.person_id == person_id)).scalars())
    return out


def test_merge_op_repoints_every_row_and_purges_the_merged_record(vault, server) -> None:
    sdb, device = server
    case = build(vault)
    (
        _store_blob(sdb, DOC_A_BYTES, device),
        _store_blob(sdb, SHARED_BYTES, device),
    )  # document bytes come before their ops
    sent = wire_ops(vault.db)
    first = upload(sdb, device, sent)
    # everything but the directory entry the device made itself (the server creates those)
    assert {r["st"] for r, o in zip(first, sent, strict=True) if o["t"] != "referent"} == {"applied"}
    with sdb.read() as conn:
        before = _rows(conn, case.full)
    assert sum(1 for rows in before.values() if rows) >= 10  # the full file: every table

    last = max(o["s"] for o in wire_ops(vault.db))
    merge.merge_people(vault.db, case.recent_note, case.full, actor="chef")
    ops = wire_ops(vault.db, after=last)
    assert [o["k"] for o in ops].count("merge") == 1
    results = upload(sdb, device, ops)
    assert all(r["st"] == "applied" for r in results), results
    merged = next(r for r, o in zip(results, ops, strict=True) if o["k"] == "merge")
    assert merged["merged"] == {t: len(ids) for t, ids in before.items() if ids}

    with sdb.read() as conn:
        assert all(not ids for ids in _rows(conn, case.full).values())
        after = _rows(conn, case.recent_note)
        for table, ids in before.items():
            assert ids <= after[table], table
        moved = {(t, rid) for t, ids in before.items() for rid in ids}
        for child, (parent, column) in CHILD_TABLES.items():
            t = BUSINESS[child]
            moved |= {(child, rid) for rid in conn.execute(
                select(t.c.id).where(t.c[column].in_(before[parent] or {""}))).scalars()}  # fmt: skip
        feed = {(r.table_name, r.row_id): r.person_id for r in conn.execute(select(row_feed))}
        assert all(feed[key] == case.recent_note for key in moved)  # scope and downloads follow
        p = BUSINESS["person"]
        row = conn.execute(select(p).where(p.c.id == case.full)).mappings().one()
        assert row["deleted_at"] is not None and row["last_name"] == "" and row["nir"] is None
        reviews = conn.execute(select(BUSINESS["duplicate_review"])).mappings().all()
        assert [(r["person_id"], r["other_id"]) for r in reviews] == [(case.recent_note, case.full)]

    # replaying the batch answers the stored results and changes nothing
    again = upload(sdb, device, ops)
    assert [r.get("replay") for r in again] == [True] * len(ops)


def test_a_merge_outside_the_scope_or_malformed_is_refused(vault, server) -> None:
    sdb, device = server
    case = build(vault)
    _store_blob(sdb, DOC_A_BYTES, device), _store_blob(sdb, SHARED_BYTES, device)
    upload(sdb, device, wire_ops(vault.db))
    add_user(sdb, "bob", "Bob Petit", "referent", "Nord")
    bob = str(uuid.uuid4())
    enroll(sdb, new_enrolment_code(sdb, "bob"), bob, "poste de Bob", "test", "0002")

    def op(seq: int, fields: dict) -> dict:
        return {
            "i": str(uuid.uuid4()),
            "s": seq,
            "t": "person",
            "r": case.full,
            "b": 0,
            "k": "merge",
            "f": fields,
        }

    results = upload_mod.apply_batch(
        sdb,
        bob,
        [op(1, {"into": case.recent_note}), op(2, {"into": case.full}), op(3, {"into": "x", "nom": 1})],
    )["results"]
    assert [r["st"] for r in results] == ["error", "error", "error"]
    assert "pas tous dans votre file active" in results[0]["msg"]
    assert "lui-même" in results[1]["msg"] and "Champs inconnus" in results[2]["msg"]
    with sdb.read() as conn:
        assert _rows(conn, case.full)["note"]  # nothing moved


def test_s0004_adds_the_decisions_table_to_an_older_database(database_url: str) -> None:
    sdb = ServerDB(database_url)
    try:
        sdb.migrate()
        assert "duplicate_review" in inspect(sdb.engine).get_table_names()  # fresh: built with the tables
        with sdb.engine.begin() as c:  # back to a database made by s0003
            c.exec_driver_sql("DROP TABLE duplicate_review")
            c.exec_driver_sql("UPDATE alembic_version SET version_num = 's0003'")
        sdb.migrate()
        assert "duplicate_review" in inspect(sdb.engine).get_table_names()
        sdb.migrate()  # idempotent
    finally:
        sdb.dispose()
