"""End-to-end sync between real vaults and the in-process server."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from app.models.tables.followup import Note
from app.models.tables.local import OutboxOp
from server.engine.check import global_status
from tests.sync.harness import Server, make_device


def test_two_devices_same_caseload_converge(server: Server, data_dir: Path) -> None:
    a = make_device(server, data_dir, "a", "alice")
    b = make_device(server, data_dir, "b", "alice")
    pid = a.add_person(city="Lille")
    a.add_note(pid, "Premier entretien")
    r = a.sync()
    assert r.state == "ok", r.message
    assert r.uploaded == 2 and r.pending == 0
    r = b.sync()
    assert r.state == "ok", r.message
    assert b.persons()[pid]["city"] == "Lille"
    assert b.count(Note) == 1
    with a.vault.db.read() as s:
        assert s.scalars(select(OutboxOp)).all() == []
    st = a.client.status()
    srv = global_status(server.sdb)
    assert st["tables"]["person"]["hash"] == srv["tables"]["person"]["hash"]
    assert b.client.status()["tables"] == st["tables"]
