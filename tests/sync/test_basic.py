"""End-to-end sync between real vaults and the in-process server."""

from __future__ import annotations

from pathlib import Path

import pytest
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


def test_with_steps_run_elsewhere_the_vault_is_touched_only_in_steps(server: Server, data_dir: Path) -> None:
    """As in the window (ADR 0015): every database step ran on the step thread; a direct call refuses."""
    import threading

    from tests.sync.harness import STEPS

    a = make_device(server, data_dir, "a", "alice")
    a.add_person()
    before = STEPS.steps
    assert a.sync().state == "ok"
    assert STEPS.steps - before >= 8  # hello marks and bookkeeping, batch, answer, page, hashes…
    with pytest.raises(RuntimeError, match="outside a step"):
        a.client.pending_count()
    assert a.client.local(a.client.pending_count) == 0
    seen: list[str] = []
    a.client.local(lambda: seen.append(threading.current_thread().name))
    assert seen[0].startswith("steps")
