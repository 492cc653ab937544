"""Retention purge end to end: the purging device uploads its « purge » op through the normal sync, the server
scrubs the file, and another device of the same caseload receives the scrubbed rows (ADR 0005)."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select

from app.models.tables.followup import Note
from app.models.tables.people import Person
from app.services.privacy import retention
from server.engine.check import global_status
from server.store.tables import BUSINESS
from tests.sync.harness import Server, make_device


def test_purge_reaches_the_server_and_the_other_devices(server: Server, data_dir: Path) -> None:
    a = make_device(server, data_dir, "a", "alice")
    b = make_device(server, data_dir, "b", "alice")
    gone = a.add_person(last="Lefèvre", first="Anaïs", city="Roubaix")
    a.add_note(gone, "Entretien sur la mobilité à Roubaix")
    kept = a.add_person(last="Durand", first="Léa", city="Lille")
    assert a.sync().state == "ok"
    assert b.sync().state == "ok"
    assert b.persons()[gone]["last_name"] == "Lefèvre"

    log = retention.purge(a.vault.db, [gone], actor="alice")
    assert log is not None
    r = a.sync()
    assert r.state == "ok", r.message
    assert r.pending == 0 and r.conflicts == 0

    with server.sdb.read() as conn:
        p = BUSINESS["person"]
        row = conn.execute(select(p).where(p.c.id == gone)).mappings().one()
        dump = json.dumps([dict(x) for x in conn.execute(select(BUSINESS["note"])).mappings()], default=str)
    assert row["deleted_at"] is not None and row["last_name"] == "" and row["first_name"] == ""
    assert "mobilité" not in dump

    assert b.sync().state == "ok"
    with b.vault.db.read() as s:
        purged = s.get(Person, gone)
        assert purged is not None and purged.deleted_at is not None and purged.last_name == ""
        assert all("mobilité" not in (n.body or "") for n in s.scalars(select(Note)))
        assert s.get(Person, kept).last_name == "Durand"  # type: ignore[union-attr]
    srv = global_status(server.sdb)["tables"]
    assert a.client.status()["tables"]["person"]["hash"] == srv["person"]["hash"]
    assert b.client.status()["tables"]["person"]["hash"] == srv["person"]["hash"]
