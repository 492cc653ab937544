"""``python -m server attachments prune``: uploads abandoned half-way go, with their chunks; complete documents,
uploads still moving and recent ones stay (SQLite and PostgreSQL)."""

from __future__ import annotations

import hashlib
import json
import os
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from server.__main__ import main
from server.engine import attachments as blobs
from server.engine.scope import DeviceCtx
from server.store.db import ServerDB, utcnow
from server.store.tables import attachment_chunks, attachments

CS = blobs.CHUNK_SIZE
DEV = DeviceCtx(id="poste-1", user_id="u1", role="referent", referent_id=None, team_id=None, status="active")


def put(sdb: ServerDB, data: bytes, *indexes: int) -> str:
    """Upload the chunks ``indexes`` of ``data`` (all of them when none is given); returns its SHA-256."""
    sha = hashlib.sha256(data).hexdigest()
    for i in indexes or range(blobs.chunk_count(len(data))):
        part = data[i * CS : (i + 1) * CS]
        blobs.put_chunk(sdb, DEV, sha, i, len(data), hashlib.sha256(part).hexdigest(), part)
    return sha


def age(sdb: ServerDB, sha: str, *, created: float, chunks: float | None = None) -> None:
    """Move the upload ``created`` days back, its chunks ``chunks`` days back (default: as old)."""
    now = utcnow()
    with sdb.write() as conn:
        conn.execute(
            attachments.update()
            .where(attachments.c.sha256 == sha)
            .values(created_at=now - timedelta(days=created))
        )
        conn.execute(
            attachment_chunks.update()
            .where(attachment_chunks.c.sha256 == sha)
            .values(received_at=now - timedelta(days=created if chunks is None else chunks))
        )


def state(sdb: ServerDB) -> dict[str, tuple[bool, int]]:
    with sdb.read() as conn:
        counts = dict(
            conn.execute(
                select(attachment_chunks.c.sha256, func.count()).group_by(attachment_chunks.c.sha256)
            ).all()
        )
        rows = conn.execute(select(attachments.c.sha256, attachments.c.complete)).all()
    out = {sha: (bool(done), int(counts.get(sha, 0))) for sha, done in rows}
    out.update({sha: (False, int(n)) for sha, n in counts.items() if sha not in out})
    return out


@pytest.fixture
def sdb(database_url: str):
    db = ServerDB(database_url)
    db.migrate()
    yield db
    db.dispose()


def test_prune_removes_only_abandoned_uploads(sdb: ServerDB, database_url: str, capsys) -> None:
    three = 2 * CS + 1000  # three chunks
    abandoned = put(sdb, os.urandom(three), 0, 1)  # 2 of 3 chunks, nothing for 10 days
    age(sdb, abandoned, created=10)
    moving = put(sdb, os.urandom(three), 0)  # started 10 days ago, a chunk yesterday
    age(sdb, moving, created=10, chunks=1)
    recent = put(sdb, os.urandom(three), 2)  # started 2 days ago
    age(sdb, recent, created=2)
    complete = put(sdb, os.urandom(1500))  # complete, a month old: a document, never pruned
    age(sdb, complete, created=30)
    loose = hashlib.sha256(b"sans ligne").hexdigest()  # a chunk left without its attachment row
    with sdb.write() as conn:
        conn.execute(
            attachment_chunks.insert().values(
                sha256=loose, idx=0, data=b"x" * 700, received_at=utcnow() - timedelta(days=9)
            )
        )
    before = state(sdb)

    assert main(["--database", database_url, "attachments", "prune", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Simulation : 1 envoi de document abandonné (sans nouvelle depuis plus de 7 jours)")
    assert "serait supprimé (3 blocs, 2,0 Mo)" in out
    assert state(sdb) == before  # a dry run deletes nothing

    assert main(["--database", database_url, "attachments", "prune", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["days"], report["attachments"], report["chunks"]) == (7, 1, 3)
    assert report["bytes"] == 2 * CS + 700 and report["dry_run"] is False
    after = state(sdb)
    assert abandoned not in after and loose not in after
    assert after == {k: v for k, v in before.items() if k not in (abandoned, loose)}
    assert after[complete] == (True, 1) and after[moving] == (False, 1) and after[recent] == (False, 1)

    # The device that comes back starts its upload again from nothing, and can finish it.
    assert blobs.status(sdb, DEV, abandoned)["known"] is False

    # A shorter delay reaches the upload still moving yesterday and the one of two days ago: never the document.
    assert main(["--database", database_url, "attachments", "prune", "--days", "1"]) == 0
    assert capsys.readouterr().out.strip() == (
        "2 envois de document abandonnés (sans nouvelle depuis plus d'un jour) supprimés (2 blocs, 1,0 Mo libérés)."
    )
    assert state(sdb) == {complete: (True, 1)}
    assert main(["--database", database_url, "attachments", "prune"]) == 0
    assert capsys.readouterr().out.strip() == (
        "Aucun envoi de document abandonné (sans nouvelle depuis plus de 7 jours)."
    )


def test_prune_refuses_zero_days(sdb: ServerDB, database_url: str, capsys) -> None:
    recent = put(sdb, os.urandom(CS + 10), 0)
    assert main(["--database", database_url, "attachments", "prune", "--days", "0"]) == 2
    assert "--days doit valoir au moins 1" in capsys.readouterr().err
    assert recent in state(sdb)
    with pytest.raises(ValueError):
        blobs.prune_incomplete(sdb, 0)


def test_resumed_upload_after_a_prune_completes(sdb: ServerDB) -> None:
    data = os.urandom(CS + 500)
    sha = put(sdb, data, 0)
    age(sdb, sha, created=8)
    assert blobs.prune_incomplete(sdb, 7).attachments == 1
    put(sdb, data)  # the device sends every chunk again
    assert blobs.status(sdb, DEV, sha)["complete"] is True
