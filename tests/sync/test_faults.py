"""Faults the sync must survive (ARCHITECTURE.md): each test injects one and checks nothing is lost or doubled."""

from __future__ import annotations

import os
import shutil
import socket
import threading
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, func, select

from app.models.tables.base import utcnow
from app.models.tables.followup import Note
from app.models.tables.local import OutboxOp
from app.models.tables.people import Person
from app.services.sync.conflicts import list_conflicts, list_duplicates, resolve_conflict
from server.admin.accounts import set_device_status
from server.engine.check import global_status, mark_restored
from server.store.tables import applied_ops
from tests.sync.harness import Device, Server, ThreadedServer, make_device, make_server


def server_ops(server: Server) -> int:
    with server.sdb.read() as c:
        return int(c.execute(select(func.count()).select_from(applied_ops)).scalar_one())


def assert_converged(server: Server, *devices: Device) -> None:
    srv = global_status(server.sdb)["tables"]
    for d in devices:
        st = d.client.status()
        assert st["pending_ops"] == 0
        for name in ("person", "note", "appointment"):
            assert st["tables"][name]["hash"] == srv[name]["hash"], (d.name, name)


def test_lost_answer_is_replayed_without_duplicate(server: Server, data_dir: Path) -> None:
    a = make_device(server, data_dir, "a", "alice")
    pid = a.add_person()
    a.add_note(pid)
    a.transport.plan["upload"] = ["drop_answer"]
    r = a.sync()
    assert r.state == "error" and "rien n'a été perdu" in r.message and r.pending == 2
    assert server_ops(server) == 2  # committed on the server
    r = a.sync()
    assert r.state == "ok" and r.pending == 0
    assert server_ops(server) == 2 and global_status(server.sdb)["tables"]["note"]["count"] == 1
    assert_converged(server, a)


def test_request_lost_and_http_502_keep_the_outbox(server: Server, data_dir: Path) -> None:
    a = make_device(server, data_dir, "a", "alice")
    a.add_person()
    a.transport.plan["upload"] = ["drop_request", "http_502"]
    r1, r2 = a.sync(), a.sync()
    assert r1.pending == 1 and "injoignable" in r1.message
    assert "HTTP 502" in r2.message and "rien n'a été perdu" in r2.message
    assert a.sync().state == "ok"
    assert_converged(server, a)


def test_concurrent_edits_same_and_different_fields(server: Server, data_dir: Path) -> None:
    a = make_device(server, data_dir, "a", "alice")
    b = make_device(server, data_dir, "b", "alice")
    pid = a.add_person(city="Lille")
    a.sync(), b.sync()
    a.edit_person(pid, city="Roubaix", email="lea@exemple.fr")
    b.edit_person(pid, city="Douai", phone="0611223344")
    assert a.sync().state == "ok"
    rb = b.sync()
    assert rb.state == "ok" and rb.conflicts == 1
    a.sync()
    for d in (a, b):
        p = d.persons()[pid]
        assert p["city"] == "Roubaix" and p["phone"] == "0611223344"  # server value stays, other field merged
    conflicts = list_conflicts(b.vault)
    assert [(c.field, c.local_value, c.server_value) for c in conflicts] == [("city", "Douai", "Roubaix")]
    resolve_conflict(b.vault, conflicts[0].id, "keep_mine")
    b.sync(), a.sync()
    assert a.persons()[pid]["city"] == "Douai" and list_conflicts(b.vault) == []
    assert_converged(server, a, b)


@pytest.mark.parametrize("skew", [timedelta(days=-3), timedelta(days=400)])
def test_clock_skew_does_not_reorder(
    server: Server, data_dir: Path, monkeypatch: pytest.MonkeyPatch, skew: timedelta
) -> None:
    a = make_device(server, data_dir, "a", "alice")
    b = make_device(server, data_dir, "b", "alice")
    pid = a.add_person(city="Lille")
    a.sync(), b.sync()
    import app.services.storage.db as dbmod

    monkeypatch.setattr(dbmod, "utcnow", lambda: utcnow() + skew)  # a's clock is wrong from here
    a.edit_person(pid, city="Roubaix")
    a.sync()
    monkeypatch.undo()
    b.sync()
    b.edit_person(pid, city="Douai")  # later in feed order, whatever the clocks say
    b.sync(), a.sync()
    assert a.persons()[pid]["city"] == b.persons()[pid]["city"] == "Douai"
    assert list_conflicts(a.vault) == list_conflicts(b.vault) == []


def test_schema_mismatch_is_refused_clearly(server: Server, data_dir: Path) -> None:
    a = make_device(server, data_dir, "a", "alice")
    a.add_person()
    a.client.schema_version = "0999"
    r = a.sync()
    assert r.state == "error" and "Version de données du poste (0999)" in r.message and r.pending == 1


def test_revocation_during_a_sync_wipes_after_warning(server: Server, data_dir: Path) -> None:
    a = make_device(server, data_dir, "a", "alice")
    pid = a.add_person()
    for i in range(700):  # two batches
        a.add_note(pid, f"note {i}")

    def progress(stage: str, done: int, total: int | None) -> None:
        if stage == "envoi":
            set_device_status(server.sdb, a.vault.device_id, "revoked")

    r = a.client.sync(progress=progress)
    assert r.state == "revoked" and "effacées" in r.message
    assert a.wiped and a.count(Person) == 0 and a.count(Note) == 0
    assert a.sync().state == "error"


def test_retirement_drains_then_wipes(server: Server, data_dir: Path) -> None:
    a = make_device(server, data_dir, "a", "alice")
    a.add_person()
    set_device_status(server.sdb, a.vault.device_id, "retiring")
    r = a.sync()
    assert r.state == "retired" and a.count(Person) == 0
    assert global_status(server.sdb)["tables"]["person"]["count"] == 1


def test_server_restored_from_older_backup(tmp_path: Path, data_dir: Path, memory_keyring: Any) -> None:
    db = tmp_path / "srv.db"
    server = make_server(f"sqlite:///{db}")
    server.add_user("alice")
    a = make_device(server, data_dir, "a", "alice")
    b = make_device(server, data_dir, "b", "alice")
    pid = a.add_person(city="Lille")
    a.sync(), b.sync()
    with server.sdb.engine.connect() as c:
        c.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    shutil.copy(db, tmp_path / "backup.db")
    a.edit_person(pid, city="Roubaix")
    a.add_note(pid, "après la sauvegarde")
    a.sync(), b.sync()
    server.sdb.dispose()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    shutil.copy(tmp_path / "backup.db", db)
    restored = make_server(f"sqlite:///{db}")
    for d in (a, b):
        d.transport.inner = restored.client()._transport  # type: ignore[attr-defined]
    assert global_status(restored.sdb)["tables"]["note"]["count"] == 0
    epoch = global_status(restored.sdb)["epoch"]
    # A device ahead of the server is an error for that device only: no new epoch until the admin says so.
    ahead = a.sync()
    assert ahead.state == "error" and "python -m server restored" in ahead.message, ahead.message
    assert global_status(restored.sdb)["epoch"] == epoch
    with restored.sdb.write() as conn:  # python -m server restored
        mark_restored(conn, margin=1_000_000)
    ra = a.sync()
    assert ra.state == "ok", ra.message
    assert ra.repaired >= 1
    b.sync()
    status = global_status(restored.sdb)["tables"]
    assert status["note"]["count"] == 1
    assert b.persons()[pid]["city"] == "Roubaix"
    assert_converged(restored, a, b)


def test_same_person_created_offline_on_two_devices(server: Server, data_dir: Path) -> None:
    a = make_device(server, data_dir, "a", "alice")
    b = make_device(server, data_dir, "b", "alice")
    a.add_person(last="Nguyen", first="Minh", nir="185057512345678")
    b.add_person(last="NGUYEN", first="minh")
    a.sync()
    r = b.sync()
    assert r.duplicates == 1
    dups = list_duplicates(b.vault)
    assert len(dups) == 1 and dups[0].kind == "doublon possible"
    assert a.count(Person) == 2 or (a.sync() and a.count(Person) == 2)  # both kept, nothing dropped


def test_disk_full_keeps_outbox_and_says_so(server: Server, data_dir: Path) -> None:
    a = make_device(server, data_dir, "a", "alice")
    b = make_device(server, data_dir, "b", "alice")
    pid = a.add_person()
    for i in range(300):
        a.add_note(pid, "texte assez long pour remplir des pages " * 5 + str(i))
    a.sync()
    b.add_person(last="Local")
    engine = b.vault.db.engine

    def tiny(dbapi_conn: Any, _rec: Any) -> None:
        pages = dbapi_conn.execute("PRAGMA page_count").fetchone()[0]
        dbapi_conn.execute(f"PRAGMA max_page_count = {pages + 2}")

    engine.dispose()
    event.listen(engine, "connect", tiny)
    r = b.sync()
    assert r.state == "error" and "disque est plein" in r.message
    event.remove(engine, "connect", tiny)
    engine.dispose()
    assert b.sync().state == "ok"
    assert b.count(Note) == 300
    a.sync()
    assert_converged(server, a, b)


class CuttingProxy:
    """A loopback TCP proxy that cuts the first connections after a random number of bytes."""

    def __init__(self, target_port: int, cuts: list[int]) -> None:
        self.target = target_port
        self.cuts = list(cuts)
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                client, _ = self.sock.accept()
            except OSError:
                return
            limit = self.cuts.pop(0) if self.cuts else -1
            upstream = socket.create_connection(("127.0.0.1", self.target))
            state = {"left": limit}
            for src, dst in ((client, upstream), (upstream, client)):
                threading.Thread(
                    target=self._pipe, args=(src, dst, state, client, upstream), daemon=True
                ).start()

    @staticmethod
    def _pipe(src: socket.socket, dst: socket.socket, state: dict[str, int], *both: socket.socket) -> None:
        try:
            while True:
                data = src.recv(4096)
                if not data:
                    break
                if state["left"] >= 0:
                    if len(data) >= state["left"]:
                        dst.sendall(data[: state["left"]])
                        break
                    state["left"] -= len(data)
                dst.sendall(data)
        except OSError:
            pass
        for s in both:
            try:
                s.shutdown(socket.SHUT_RDWR)
                s.close()
            except OSError:
                pass

    def close(self) -> None:
        self.sock.close()


def test_connection_cut_by_a_proxy_at_random_points(server: Server, data_dir: Path) -> None:
    import random

    import httpx

    rng = random.Random(7)
    with ThreadedServer(server.app) as ts:
        proxy = CuttingProxy(ts.port, [rng.randrange(50, 3000) for _ in range(12)])
        url = f"http://127.0.0.1:{proxy.port}"
        a = make_device(server, data_dir, "a", "alice")  # enrolled in-process, then over the proxy
        a.transport.inner = httpx.HTTPTransport()
        a.client.base_url = url
        pid = a.add_person()
        for i in range(40):
            a.add_note(pid, f"n{i}")
            if i % 10 == 0:
                a.edit_person(pid, phone=f"06000000{i:02d}")
        states = [a.sync().state for _ in range(15)]
        assert states[-1] == "ok", states
        proxy.close()
    assert server_ops(server) == 41 + 4
    assert global_status(server.sdb)["tables"]["note"]["count"] == 40
    assert_converged(server, a)


def _serve_subprocess(db: str, port: int, fault: str | None) -> Any:
    """The real server in a subprocess; with ``fault``, through the test-only launcher that injects it."""
    from tests.sync.test_cli import start_server

    launcher = ["tests.sync.fault_server", fault, "--"] if fault else None
    return start_server(db, port, {**os.environ}, launcher=launcher)


@pytest.mark.parametrize("fault", ["kill_mid_batch", "kill_after_commit"])
def test_server_killed(tmp_path: Path, data_dir: Path, memory_keyring: Any, fault: str) -> None:
    import httpx

    from tests.sync.harness import free_port

    db = f"sqlite:///{tmp_path / 'srv.db'}"
    server = make_server(db)
    server.add_user("alice")
    a = make_device(server, data_dir, "a", "alice")
    server.sdb.dispose()
    pid = a.add_person()
    for i in range(20):
        a.add_note(pid, f"n{i}")
    port = free_port()
    proc = _serve_subprocess(db, port, fault)
    a.transport.inner = httpx.HTTPTransport()
    a.client.base_url = f"http://127.0.0.1:{port}"
    try:
        r = a.sync()
        assert r.state == "error" and r.pending == 21
        assert proc.wait(10) == -9
    finally:
        proc.kill()
    check = make_server(db)
    expected = 21 if fault == "kill_after_commit" else 0
    assert server_ops(check) == expected
    check.sdb.dispose()
    proc = _serve_subprocess(db, port, None)
    try:
        r = a.sync()
        assert r.state == "ok", r.message
        assert r.pending == 0
    finally:
        proc.terminate()
        proc.wait(10)
    final = make_server(db)
    assert server_ops(final) == 21 and global_status(final.sdb)["tables"]["note"]["count"] == 20
    with a.vault.db.read() as s:
        assert s.scalars(select(OutboxOp)).all() == []
