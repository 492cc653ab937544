"""``python -m app purge``, ``export-person`` and ``audit``."""

from __future__ import annotations

import json

from sqlalchemy import select

from app.models.tables.people import Person
from tests.services.privacy_factory import TODAY, build
from tests.test_cli_person import run_cli

ON = TODAY.isoformat()


def test_purge_dry_run_then_refused_without_yes_then_done(vault, data_dir, monkeypatch, capsys):
    case = build(vault)
    assert run_cli(data_dir, monkeypatch, "purge", "--dry-run", "--json", "--on", ON) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["dry_run"] and out["retention_months"] == 24
    assert [c["person_id"] for c in out["candidates"]] == [case.full, case.just_over]
    assert run_cli(data_dir, monkeypatch, "purge", "--dry-run", "--on", ON) == 0
    text = capsys.readouterr().out
    assert "2 personne(s) seraient purgées" in text and "QUÉRANGAL Zéphyrine" in text
    assert run_cli(data_dir, monkeypatch, "purge", "--on", ON) != 0
    assert "--yes" in capsys.readouterr().err
    with vault.db.read() as s:
        assert s.get(Person, case.full).deleted_at is None  # refused: nothing purged
    assert run_cli(data_dir, monkeypatch, "purge", "--yes", "--on", ON, "--person", case.active) != 0
    assert "n'est pas à purger" in capsys.readouterr().err
    assert run_cli(data_dir, monkeypatch, "purge", "--yes", "--on", ON, "--person", case.just_over) == 0
    assert "1 personne(s) purgée(s)" in capsys.readouterr().out
    assert run_cli(data_dir, monkeypatch, "purge", "--yes", "--on", ON) == 0
    assert "1 personne(s) purgée(s)" in capsys.readouterr().out
    with vault.db.read() as s:
        purged = s.scalars(select(Person.id).where(Person.deleted_at.is_not(None))).all()
    assert sorted(purged) == sorted([case.full, case.just_over])
    assert run_cli(data_dir, monkeypatch, "audit", "--action", "purge", "--json") == 0
    lines = json.loads(capsys.readouterr().out)
    assert {ln["person_id"] for ln in lines} == {case.full, case.just_over}
    assert all(ln["person"] == "Personne purgée" and "effacé" in ln["detail"] for ln in lines)


def test_export_person_and_audit(vault, data_dir, tmp_path, monkeypatch, capsys):
    case = build(vault)
    assert run_cli(data_dir, monkeypatch, "export-person", case.full, "--out", str(tmp_path / "acces")) == 0
    out = capsys.readouterr().out
    assert "Données exportées" in out and (tmp_path / "acces").is_dir()
    assert len(list((tmp_path / "acces").glob("*.pdf"))) == 1
    assert run_cli(data_dir, monkeypatch, "audit", "--person", case.full) == 0
    text = capsys.readouterr().out
    assert "Export" in text and "QUÉRANGAL Zéphyrine" in text and "Modification" in text
    assert run_cli(data_dir, monkeypatch, "export-person", "inconnu", "--out", str(tmp_path / "x")) != 0
    assert "introuvable" in capsys.readouterr().err
