"""The intermediate archive (server.engine.archive) on SQLite and PostgreSQL: a département that set an archive
period gets the purged file copied out of every device's reach, read only through an audited command, and
eliminated when the period is over; without the setting a purge eliminates at once."""

from __future__ import annotations

import json
import uuid
from datetime import date, timedelta
from pathlib import Path

import pytest
from dateutil.relativedelta import relativedelta
from sqlalchemy import func, select

from app.services.privacy import retention
from server.__main__ import main
from server.admin import audit
from server.engine import download, scope
from server.engine.batch import FeedCounter
from server.engine.purge import apply_purge_op
from server.store.db import lock_counter
from server.store.tables import archive, audit_log
from tests.server import test_purge
from tests.server.test_purge import _store_blob, server_text, upload, wire_ops
from tests.services.privacy_factory import DOC_A_BYTES, SECRETS_A, SHARED_BYTES, build

server = test_purge.server  # the same département server, on SQLite and PostgreSQL


def _purge(vault, sdb, device, person_id: str) -> list[dict]:
    last_seq = max(o["s"] for o in wire_ops(vault.db))
    retention.purge(vault.db, [person_id], actor="chef")
    return upload(sdb, device, wire_ops(vault.db, after=last_seq))


def test_without_an_archive_period_the_purge_eliminates_at_once(vault, server, database_url, capsys):
    sdb, device = server
    case = build(vault)
    _store_blob(sdb, DOC_A_BYTES, device), _store_blob(sdb, SHARED_BYTES, device)
    upload(sdb, device, wire_ops(vault.db))
    assert main(["--database", database_url, "archive"]) == 0
    assert "aucun" in capsys.readouterr().out
    assert [r["st"] for r in _purge(vault, sdb, device, case.full)] == ["applied", "applied"]
    with sdb.read() as conn:
        assert conn.scalar(select(func.count()).select_from(archive)) == 0


def test_archive_keeps_the_file_out_of_reach_then_eliminates_it(vault, server, database_url, tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    sdb, device = server
    case = build(vault)
    digest = _store_blob(sdb, DOC_A_BYTES, device)
    _store_blob(sdb, SHARED_BYTES, device)
    upload(sdb, device, wire_ops(vault.db))
    assert main(["--database", database_url, "archive", "--years", "11"]) == 2  # a typo is refused
    assert "de 0 à 10 ans" in capsys.readouterr().err
    assert main(["--database", database_url, "archive", "--years", "3"]) == 0
    assert "3 an(s)" in capsys.readouterr().out
    cursor = 0
    results = _purge(vault, sdb, device, case.full)
    assert results[0]["st"] == "applied"

    # Out of every device's reach: the business tables and the feed hold the scrubbed file only.
    admin = scope.DeviceCtx(
        id=device, user_id="", role="admin", referent_id=None, team_id=None, status="active"
    )
    feed = json.dumps(download.download(sdb, admin, cursor), ensure_ascii=False)
    for secret in SECRETS_A:
        assert secret not in feed, secret
    with sdb.read() as conn:
        row = conn.execute(select(archive)).mappings().one()
        assert row["person_id"] == case.full
        assert row["eliminate_after"] == date.today() + relativedelta(years=3)
    text = server_text(sdb)
    assert all(secret in text for secret in SECRETS_A)  # in the archive table alone

    # A second purge (another device's) does not overwrite the archived file with its scrubbed copy.
    op = {"i": str(uuid.uuid4()), "s": 10_000, "t": "person", "r": case.full, "b": 0, "k": "purge", "f": {}}
    with sdb.write() as conn:
        before = conn.scalar(select(archive.c.payload))
        assert apply_purge_op(conn, device, op, FeedCounter(lock_counter(conn)).next, None)["st"] == "applied"
        assert conn.scalar(select(func.count()).select_from(archive)) == 1
        assert conn.scalar(select(archive.c.payload)) == before

    # Reading is audited with its reason; without a reason nothing is read.
    out = tmp_path / "archive.json"
    assert (
        main(["--database", database_url, "archive", "read", case.full, "--reason", "", "--out", str(out)])
        == 2
    )
    assert not out.exists()
    reason = "RAPO reçu le 02/12/2026, demande du service juridique"
    assert (
        main(
            ["--database", database_url, "archive", "read", case.full, "--reason", reason, "--out", str(out)]
        )
        == 0
    )
    archived = json.loads(out.read_text(encoding="utf-8"))
    assert archived["person"]["id"] == case.full and archived["tables"]["note"]
    assert archived["documents"][digest]  # the document's bytes, base64
    assert any(secret in out.read_text(encoding="utf-8") for secret in SECRETS_A)
    assert (
        main(
            ["--database", database_url, "archive", "read", case.full, "--reason", reason, "--out", str(out)]
        )
        == 2
    )
    assert "existe déjà" in capsys.readouterr().err
    entries = audit.entries(sdb, kinds=["archived", "archive_read"])
    assert [e.kind for e in entries] == ["archived", "archive_read"]
    assert reason in entries[1].detail and all(s not in entries[1].detail for s in SECRETS_A)

    # The list gives ids and dates only; elimination when the period is over.
    assert main(["--database", database_url, "archive", "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [f["person_id"] for f in listed] == [case.full] and set(listed[0]) == {
        "person_id", "referent_id", "archived_at", "eliminate_after"}  # fmt: skip
    assert main(["--database", database_url, "archive", "eliminate"]) == 0
    assert "0" in capsys.readouterr().out
    later = (date.today() + relativedelta(years=3) + timedelta(days=1)).isoformat()
    assert main(["--database", database_url, "archive", "eliminate", "--on", later]) == 0
    assert "1" in capsys.readouterr().out
    with sdb.read() as conn:
        assert conn.scalar(select(func.count()).select_from(archive)) == 0
        assert (
            conn.scalar(
                select(func.count()).select_from(audit_log).where(audit_log.c.kind == "archive_eliminated")
            )
            == 1
        )
    remaining = server_text(sdb)
    for secret in SECRETS_A:
        assert secret not in remaining, secret
