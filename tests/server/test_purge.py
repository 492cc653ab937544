"""server.engine.purge on SQLite and PostgreSQL: a device's file uploaded op by op, then its « purge » op: every
personal string of that person leaves the server database, the bytes of its documents too, and the feed
hands the scrubbed rows to the other devices."""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from typing import Any

import pytest
from sqlalchemy import LargeBinary, func, select

from app.models.tables.local import OutboxOp
from app.services.privacy import retention
from server.admin.accounts import add_user, enroll, new_enrolment_code
from server.engine import download, scope
from server.engine import upload as upload_mod
from server.engine.authorise import DEPARTEMENT_WRITES
from server.engine.batch import FeedCounter
from server.engine.purge import apply_purge_op
from server.store import db as db_mod
from server.store.db import ServerDB, lock_counter
from server.store.tables import BUSINESS, attachment_chunks, attachments, feed_counter, metadata, row_feed
from tests.services.privacy_factory import DOC_A_BYTES, SECRETS_A, SHARED_BYTES, build


def wire_ops(db, after: int = 0) -> list[dict[str, Any]]:
    with db.read() as s:
        ops = s.scalars(
            select(OutboxOp).where(OutboxOp.device_seq > after).order_by(OutboxOp.device_seq)
        ).all()
        return [
            {"i": o.op_id, "s": o.device_seq, "t": o.table_name, "r": o.row_id, "b": o.base_revision, "k": o.kind,
             "f": dict(o.changed_fields)}
            for o in ops
        ]  # fmt: skip


def upload(sdb: ServerDB, device_id: str, ops: list[dict[str, Any]]) -> list[dict]:
    """What the upload endpoint does: one batch, purge ops dispatched by the server's op handlers."""
    return upload_mod.apply_batch(sdb, device_id, ops)["results"]


def server_text(sdb: ServerDB) -> str:
    parts: list[str] = []
    with sdb.read() as conn:
        for table in metadata.sorted_tables:
            for row in conn.execute(select(table)):
                for v in row:
                    if isinstance(v, bytes | memoryview):
                        parts.append(bytes(v).decode("latin-1"))
                    elif v is not None:
                        parts.append(
                            v if isinstance(v, str) else json.dumps(v, ensure_ascii=False, default=str)
                        )
    return "\n".join(parts)


@pytest.fixture
def server(database_url: str):
    sdb = ServerDB(database_url)
    sdb.migrate()
    add_user(sdb, "alice", "Alice Martin", "admin", "Nord")  # département-wide scope: the file is not hers
    with sdb.write() as conn:  # python -m server policy --departement ecriture
        db_mod.set_meta(conn, DEPARTEMENT_WRITES, "1")
    device = str(uuid.uuid4())
    enroll(sdb, new_enrolment_code(sdb, "alice"), device, "poste", "test", "0001")
    try:
        yield sdb, device
    finally:
        sdb.dispose()


def _store_blob(sdb: ServerDB, data: bytes, device: str) -> str:
    """A complete one-chunk attachment uploaded by ``device``, whatever the exact shape of the attachment tables."""
    digest = hashlib.sha256(data).hexdigest()
    now = db_mod.utcnow()
    head = {"sha256": digest, "size": len(data), "chunks": 1, "received": 1, "complete": True,
            "created_by": device, "created_at": now, "completed_at": now}  # fmt: skip
    binary = isinstance(attachment_chunks.c.data.type, LargeBinary)
    chunk = {
        "sha256": digest,
        "idx": 0,
        "data": data if binary else base64.b64encode(data).decode(),
        "received_at": now,
    }
    with sdb.write() as conn:
        conn.execute(attachments.insert().values({k: v for k, v in head.items() if k in attachments.c}))
        conn.execute(
            attachment_chunks.insert().values({k: v for k, v in chunk.items() if k in attachment_chunks.c})
        )
    return digest


def test_purge_op_scrubs_the_person_everywhere_on_the_server(vault, server):
    sdb, device = server
    case = build(vault)
    unique, shared = _store_blob(sdb, DOC_A_BYTES, device), _store_blob(sdb, SHARED_BYTES, device)
    sent = wire_ops(vault.db)
    first = upload(sdb, device, sent)
    # Everything is applied but the directory entry the device made itself: the server creates those.
    assert {r["st"] for r, o in zip(first, sent, strict=True) if o["t"] != "referent"} == {"applied"}
    assert {r.get("code") for r, o in zip(first, sent, strict=True) if o["t"] == "referent"} == {"directory"}
    text_before = server_text(sdb)
    for secret in SECRETS_A:
        assert secret in text_before, secret
    with sdb.read() as conn:
        cursor = int(conn.execute(select(feed_counter.c.last_seq)).scalar_one())
        others_before = conn.execute(
            select(BUSINESS["person"])
            .where(BUSINESS["person"].c.id != case.full)
            .order_by(BUSINESS["person"].c.id)
        ).all()
    last_seq = max(o["s"] for o in wire_ops(vault.db))
    retention.purge(vault.db, [case.full], actor="chef")
    ops = wire_ops(vault.db, after=last_seq)
    assert [o["k"] for o in ops] == ["purge", "append"]
    results = upload(sdb, device, ops)
    assert [r["st"] for r in results] == ["applied", "applied"], results
    assert results[0]["purged"]["note"] == 2 and results[0]["files"] == 1

    remaining = server_text(sdb)
    for secret in SECRETS_A:
        assert secret not in remaining, secret
    with sdb.read() as conn:
        p = BUSINESS["person"]
        row = conn.execute(select(p).where(p.c.id == case.full)).mappings().one()
        assert row["deleted_at"] is not None and row["nir"] is None and row["first_name"] == ""
        assert conn.execute(select(p).where(p.c.id != case.full).order_by(p.c.id)).all() == others_before
        assert (
            conn.scalar(select(func.count()).select_from(attachments).where(attachments.c.sha256 == unique))
            == 0
        )
        assert (
            conn.scalar(
                select(func.count())
                .select_from(attachment_chunks)
                .where(attachment_chunks.c.sha256 == unique)
            )
            == 0
        )
        assert (
            conn.scalar(select(func.count()).select_from(attachments).where(attachments.c.sha256 == shared))
            == 1
        )
        seqs = conn.execute(select(row_feed.c.seq)).scalars().all()
        last = int(conn.execute(select(feed_counter.c.last_seq)).scalar_one())
        assert len(seqs) == len(set(seqs)) and max(seqs) == last
    admin = scope.DeviceCtx(
        id=device, user_id="", role="admin", referent_id=None, team_id=None, status="active"
    )
    feed = download.download(sdb, admin, cursor)
    person_rows = feed["rows"]["person"]
    cols = person_rows["c"]
    sent = [dict(zip(cols, r, strict=True)) for r in person_rows["r"]]
    assert any(r["id"] == case.full and r["deleted_at"] and r["last_name"] == "" for r in sent)
    assert "note" in feed["rows"] and "signature" in feed["rows"]
    for secret in SECRETS_A:
        assert secret not in json.dumps(feed, ensure_ascii=False)


def test_purge_outside_the_device_scope_is_refused_and_changes_nothing(vault, server):
    sdb, device = server
    case = build(vault)
    _store_blob(sdb, DOC_A_BYTES, device), _store_blob(sdb, SHARED_BYTES, device)
    upload(sdb, device, wire_ops(vault.db))
    before = server_text(sdb)
    op = {"i": str(uuid.uuid4()), "s": 10_000, "t": "person", "r": case.full, "b": 0, "k": "purge", "f": {}}
    with sdb.write() as conn:
        counter = FeedCounter(lock_counter(conn))
        res = apply_purge_op(conn, device, op, counter.next, ["another-referent"])
    assert res["st"] == "error" and "purge refusée" in res["msg"]
    assert server_text(sdb) == before


def test_purge_of_a_person_the_server_never_received_is_a_no_op(server):
    sdb, device = server
    op = {
        "i": str(uuid.uuid4()),
        "s": 1,
        "t": "person",
        "r": str(uuid.uuid4()),
        "b": 0,
        "k": "purge",
        "f": {},
    }
    with sdb.write() as conn:
        counter = FeedCounter(lock_counter(conn))
        start = counter.value
        res = apply_purge_op(conn, device, op, counter.next, None)
    assert res["st"] == "applied" and res["purged"] == {} and counter.value == start
