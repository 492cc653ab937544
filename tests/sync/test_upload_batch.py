"""The upload batch of the server (server.engine.batch, server.engine.ops): what op handlers can rely on."""

from __future__ import annotations

import uuid
from pathlib import Path

from sqlalchemy import select

from tests.sync.harness import Server, make_device


def test_batch_flush_is_idempotent_and_reload_reads_the_database(server: Server, data_dir: Path) -> None:
    """What a future op kind working in SQL (purge) relies on: flush, change rows directly, reload."""
    from server.engine.batch import Batch, FeedCounter
    from server.engine.ops import apply_op
    from server.engine.scope import load_device
    from server.store.tables import BUSINESS

    a = make_device(server, data_dir, "a", "alice")
    person = BUSINESS["person"]
    rid = str(uuid.uuid4())
    op = {"i": str(uuid.uuid4()), "s": 1, "t": "person", "r": rid, "b": 0, "k": "insert",
          "f": {"last_name": "Durand", "first_name": "Léa", "regime": "legacy", "referent_id": a.referent_id}}  # fmt: skip
    with server.sdb.write() as conn:
        dev = load_device(conn, a.vault.device_id)
        assert dev is not None
        b = Batch(conn, dev, [op])
        seq = FeedCounter(1000)
        assert apply_op(b, op, seq)["st"] == "applied"
        b.flush()
        b.flush()  # nothing written twice
        conn.execute(person.update().where(person.c.id == rid).values(city="Lille"))
        b.reload()
        upd = {
            "i": str(uuid.uuid4()),
            "s": 2,
            "t": "person",
            "r": rid,
            "b": 1001,
            "k": "update",
            "f": {"phone": "06"},
        }
        assert apply_op(b, upd, seq)["st"] == "applied"
        b.flush()
        row = conn.execute(select(person).where(person.c.id == rid)).one()
    assert (row.city, row.phone, row.revision) == ("Lille", "06", 1002)
