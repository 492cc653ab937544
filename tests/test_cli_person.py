"""``python -m app person show ID [--json]`` and ``python -m app pdf roadmap ID --out FILE``."""

from __future__ import annotations

import io
import json
from datetime import datetime
from pathlib import Path

import pytest

from app.__main__ import main
from app.services.casefile import notes, rdv
from app.services.people import identity as people
from app.services.people.identity import PersonInput
from tests.conftest import TEST_PASSPHRASE


def run_cli(data_dir: Path, monkeypatch: pytest.MonkeyPatch, *args: str) -> int:
    monkeypatch.setattr("sys.stdin", io.StringIO(TEST_PASSPHRASE + "\n"))
    return main(["--data-dir", str(data_dir), "--profile", "test", "--passphrase-stdin", *args])


@pytest.fixture
def pid(vault) -> str:
    pid = people.create_person(
        vault.db,
        PersonInput(last_name="Diallo", first_name="Aïcha", regime="legacy", nir="285037512345688"),
    )
    notes.add_note(vault.db, pid, kind="entretien", body="Premier entretien à la MDS.",
                     written_at=datetime(2026, 2, 3, 10))  # fmt: skip
    rdv.add_appointment(vault.db, pid, starts_at=datetime(2026, 2, 10, 14), purpose="suivi",
                            nature="telephone")  # fmt: skip
    return pid


def test_person_show_json(vault, pid, data_dir, monkeypatch, capsys):
    assert run_cli(data_dir, monkeypatch, "person", "show", pid, "--json") == 0
    out = json.loads(capsys.readouterr().out)
    assert out["person"]["first_name"] == "Aïcha" and "285037512345688" not in json.dumps(out)
    assert [i["kind"] for i in out["timeline"]] == ["note", "rdv"]
    assert out["timeline"][0]["at"].startswith("2026-02-03")
    assert run_cli(data_dir, monkeypatch, "person", "show", pid, "--kind", "rdv") == 0
    text = capsys.readouterr().out
    assert "DIALLO Aïcha" in text and "Rendez-vous : Suivi" in text and "1 événement(s)." in text
    assert run_cli(data_dir, monkeypatch, "person", "show", "inconnu") == 2
    assert "Personne introuvable." in capsys.readouterr().err


def test_pdf_roadmap(vault, pid, data_dir, tmp_path, monkeypatch, capsys):
    out = tmp_path / "feuille.pdf"
    assert run_cli(data_dir, monkeypatch, "pdf", "roadmap", pid, "--out", str(out)) == 0
    assert out.read_bytes().startswith(b"%PDF") and "Feuille de route écrite" in capsys.readouterr().out
