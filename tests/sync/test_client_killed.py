"""The client killed (SIGKILL) while it applies a large download: ``python -m app sync`` in a subprocess against
``python -m server serve``, paused mid-transaction by :mod:`tests.sync.paused_client`; the vault must open, its cursor must match what was committed, and the next sync
must finish with nothing lost and nothing doubled (per-table hashes equal to the server's ``status``)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select

from app.models.tables.followup import Note
from server.store.db import ServerDB
from server.store.tables import row_feed
from tests.sync.harness import free_port, make_device, make_server
from tests.sync.test_cli import PASS, PY, run, start_server

NOTES = 2600  # more than one download page (2000 rows)


def app_args(data: Path) -> list[str]:
    return ["-m", "app", "--data-dir", str(data), "--passphrase-stdin"]


def test_client_killed_mid_apply_loses_and_doubles_nothing(
    tmp_path: Path, data_dir: Path, memory_keyring: Any
) -> None:
    db = f"sqlite:///{tmp_path / 'srv.db'}"
    server = make_server(db)
    server.add_user("alice")
    a = make_device(server, data_dir, "a", "alice")
    pid = a.add_person()  # known to B before the notes: B's download is then paged by feed order only
    assert a.sync().state == "ok"
    code_b = server.code("alice")
    server.sdb.dispose()
    env = {
        **os.environ,
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
        "FIL_ROUGE_LOG_DIR": str(tmp_path / "logs"),
    }
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    proc = start_server(db, port, env)
    b_data = tmp_path / "b"
    try:
        assert run([*app_args(b_data), "init"], env, PASS).returncode == 0
        r = run([*app_args(b_data), "enroll", "--server", url, "--code", code_b], env, PASS)
        assert r.returncode == 0, r.stderr
        a.transport.inner = httpx.HTTPTransport()
        a.client.base_url = url
        with a.vault.db.session() as s:
            from app.models.tables.base import utcnow

            s.add_all(
                Note(person_id=pid, kind="entretien", body=f"note {i}", written_at=utcnow())
                for i in range(NOTES)
            )
        ra = a.sync()
        assert ra.state == "ok" and ra.uploaded == NOTES, ra.message

        mark = tmp_path / "mark.json"
        client = subprocess.Popen(  # the app, paused inside its second page's transaction (paused_client.py)
            [PY, "-m", "tests.sync.paused_client", str(mark), *app_args(b_data)[2:], "sync", "--json"],
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            cwd=Path(__file__).resolve().parents[2],
        )
        assert client.stdin is not None
        client.stdin.write(PASS.encode())
        client.stdin.close()
        deadline = time.time() + 60
        while not mark.exists() and time.time() < deadline and client.poll() is None:
            time.sleep(0.05)
        assert mark.exists(), "the client never reached its second page"
        time.sleep(0.2)  # the marker is written: the page's rows are in the open transaction
        client.send_signal(signal.SIGKILL)
        assert client.wait(10) == -signal.SIGKILL
        where = json.loads(mark.read_text())
        assert 0 < where["committed"] < where["applying"]

        st = json.loads(run([*app_args(b_data), "status", "--json"], env, PASS).stdout)  # the vault opens
        assert st["cursor"] == where["committed"]  # not past what was committed
        sdb = ServerDB(db)
        with sdb.read() as c:
            committed_notes = int(
                c.execute(
                    select(func.count())
                    .select_from(row_feed)
                    .where(row_feed.c.table_name == "note", row_feed.c.seq <= where["committed"])
                ).scalar_one()
            )
        sdb.dispose()
        assert 0 < st["tables"]["note"]["count"] == committed_notes < NOTES  # the killed page left nothing

        r = run([*app_args(b_data), "sync", "--json"], env, PASS)
        assert r.returncode == 0, r.stderr
        report = json.loads(r.stdout)
        assert report["state"] == "ok" and report["repaired"] == 0
        st = json.loads(run([*app_args(b_data), "status", "--json"], env, PASS).stdout)
        srv = json.loads(run(["-m", "server", "--database", db, "status", "--json"], env).stdout)
        assert st["tables"]["note"]["count"] == NOTES
        for name, t in st["tables"].items():
            assert t == srv["tables"][name], name
    finally:
        proc.terminate()
        proc.wait(10)
