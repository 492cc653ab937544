"""``python -m app sync`` (in process) against a real server on a socket: the French text counts documents too."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from app.commands.sync import summary_text
from app.services.casefile import documents
from app.services.sync.base import SyncReport
from tests.conftest import TEST_PASSPHRASE
from tests.sync.harness import Server, ThreadedServer, make_device


def run_app(data_dir: Path, monkeypatch: pytest.MonkeyPatch, *args: str) -> int:
    from app.__main__ import main

    monkeypatch.setattr("sys.stdin", io.StringIO(TEST_PASSPHRASE + "\n"))
    return main(["--data-dir", str(data_dir), "--profile", "test", "--passphrase-stdin", *args])


def test_summary_text_lists_documents() -> None:
    report = SyncReport(uploaded=3, downloaded=2, documents_sent=1, documents_received=4, documents_missing=2)
    assert summary_text(report) == (
        "Synchronisé : 3 envoyée(s), 2 reçue(s), 0 conflit(s), 0 en attente.\n"
        "Documents : 1 envoyé(s), 4 reçu(s), 2 pas encore disponible(s) sur le serveur."
    )
    assert summary_text(SyncReport()).endswith("Documents : 0 envoyé(s), 0 reçu(s).")


def test_sync_command_prints_document_counts(
    server: Server,
    vault: object,
    data_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    a = make_device(server, data_dir, "a", "alice")
    with ThreadedServer(server.app) as live:
        code = run_app(data_dir, monkeypatch, "enroll", "--server", live.url, "--code", server.code("alice"))
        assert code == 0, capsys.readouterr().err
        capsys.readouterr()
        pid = a.add_person(last="Lefèvre", first="Anaïs")
        documents.add_document(
            a.vault.db, pid, kind="cv", title="CV scanné", data=os.urandom(4096), file_name="cv.pdf"
        )
        assert a.sync().state == "ok"
        assert run_app(data_dir, monkeypatch, "sync") == 0
        out = capsys.readouterr().out.splitlines()
        assert out[0].startswith("Synchronisé : 0 envoyée(s), 3 reçue(s), 0 conflit(s)")
        assert out[1] == "Documents : 0 envoyé(s), 1 reçu(s)."

        documents.add_document(
            vault.db,  # type: ignore[attr-defined]
            pid,
            kind="cv",
            title="Attestation",
            data=os.urandom(2048),
            file_name="attestation.pdf",
        )
        assert run_app(data_dir, monkeypatch, "sync") == 0
        out = capsys.readouterr().out.splitlines()
        assert out[0].startswith("Synchronisé : ") and out[1] == "Documents : 1 envoyé(s), 0 reçu(s)."
    r = a.sync()
    assert r.state == "ok" and r.documents_received == 1
