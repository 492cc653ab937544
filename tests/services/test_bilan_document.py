"""The bilan the person keeps (ADR 0053) and ``python -m app bilans`` / ``pdf bilan``: real PDFs read back with
poppler, the JSON and text listings of a real vault."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from app.__main__ import main
from app.services.bilans import document, joint_review, prefill, records
from app.services.bilans.values import BilanInput, ObjectiveReview, Participant
from app.services.storage import vault as vault_service
from tests.conftest import TEST_PASSPHRASE
from tests.services.bilan_factory import TODAY, File, make_file

needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils absent")


@pytest.fixture
def file(letterhead) -> File:  # type: ignore[no-untyped-def]
    return make_file(letterhead.db)


def finalised(db, file: File, **kw) -> str:  # type: ignore[no-untyped-def]
    model = prefill.bilan_model(db, file.person, today=TODAY)
    values = {
        **model.draft.__dict__,
        "helped": "Le soutien de l'AFPA & de sa sœur.",
        "blocked": "Les horaires de garde <le soir>.\nLe permis coûte cher.",
        "person_words": "J'ai repris confiance. Mon n° 1 88 03 93 066 123 45 ne doit pas apparaître.",
        "participants": (Participant("Karim Benali", "Prescripteur", "AFPA Bobigny"),),
        "recommendation": "renouvellement",
        **kw,
    }
    bid = records.create_bilan(db, file.person, BilanInput(**values), author="cmarchand")
    records.finalise_bilan(db, bid, author="cmarchand", today=TODAY)
    return bid


def pdf_text(path: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


@needs_poppler
def test_the_pdf_the_person_keeps(vault: vault_service.Vault, file: File, tmp_path: Path) -> None:
    bid = finalised(vault.db, file)
    out = tmp_path / "bilan.pdf"
    data = document.render_bilan_pdf(vault.db, bid, actor="cmarchand", out=out, today=TODAY)
    assert out.read_bytes() == data
    text = pdf_text(out)
    flat = " ".join(text.split())
    for expected in (
        "Bilan de fin de contrat",
        "Fait le 6 décembre 2026",
        "Éloïse Lefèvre",
        "Clémence Marchand, MDS de Saint-Denis",
        "Karim Benali, Prescripteur, AFPA Bobigny",
        "Trouver un logement stable",
        "Passer le permis B",
        "3 objectif(s) revu(s) : 1 atteint, 1 en partie, 1 pas encore.",
        "Le soutien de l'AFPA & de sa sœur.",
        "Les horaires de garde <le soir>.",
        "Renouvellement du contrat",
        "Projet de renouvellement : Contrat n° CE-",
        "Département de la Seine-Saint-Denis",
        "Page 1 / ",
    ):
        assert expected in flat, expected
    assert "066 123" not in flat and "[numéro masqué]" in flat  # a NIR typed in free text is never printed
    assert "Projet —" not in flat  # finalised
    fonts = subprocess.run(["pdffonts", str(out)], capture_output=True, text=True, check=True).stdout
    assert "DejaVuSans" in fonts and all(" yes " in line for line in fonts.splitlines()[2:])
    with vault.db.read() as s:
        from app.models.tables.local import AuditEvent

        printed = [e for e in s.query(AuditEvent).all() if e.object_id == bid]
    assert [e.action for e in printed] == ["impression"]


@needs_poppler
def test_a_draft_prints_as_a_project(vault: vault_service.Vault, file: File, tmp_path: Path) -> None:
    bid = records.create_bilan(
        vault.db,
        file.person,
        BilanInput(
            kind="etape", held_on=TODAY, objectives=(ObjectiveReview("Apprendre le français", "partiel"),)
        ),
    )
    out = tmp_path / "projet.pdf"
    document.render_bilan_pdf(vault.db, bid, actor="x", out=out, today=TODAY)
    flat = " ".join(pdf_text(out).split())
    assert "Projet — ce bilan n'est pas encore finalisé" in flat and "Bilan d'étape (projet)" in flat
    assert "La suite sera décidée ensemble" in flat


def run(data_dir: Path, monkeypatch: pytest.MonkeyPatch, *args: str) -> int:
    monkeypatch.setattr("sys.stdin", io.StringIO(TEST_PASSPHRASE + "\n"))
    return main(["--data-dir", str(data_dir), "--profile", "test", "--passphrase-stdin", *args])


def test_cli_lists_bilans_and_joint_reviews(
    vault: vault_service.Vault, file: File, data_dir: Path, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    bid = finalised(vault.db, file)
    social = make_file(vault.db, track="social", login="autre")
    joint_review.record_joint_review(
        vault.db,
        social.person,
        joint_review.JointReviewInput(held_on=TODAY, ft_adviser="Nadia Ferhat", conclusion="maintien"),
        today=TODAY,
    )
    vault.close()
    assert run(data_dir, monkeypatch, "bilans", "--json") == 0
    out = json.loads(capsys.readouterr().out)
    (b,) = out["bilans"]
    assert (b["id"], b["kind"], b["status"], b["person"], b["tripartite"]) == (
        bid, "fin_contrat", "finalise", "LEFÈVRE Éloïse", True,
    )  # fmt: skip
    assert b["counts"] == {"atteint": 1, "partiel": 1, "non_atteint": 1}
    assert b["next_step"]["table"] == "contract" and b["next_step"]["label"].startswith(
        "Projet de renouvellement"
    )
    (r,) = out["joint_reviews"]
    assert (r["person_id"], r["conclusion"], r["ft_adviser"]) == (social.person, "maintien", "Nadia Ferhat")
    assert r["revision"].startswith("Avenant n° 1 au contrat n° ")

    assert run(data_dir, monkeypatch, "bilans", "--person", social.person) == 0
    text = capsys.readouterr().out
    assert text.startswith("Bilans : 0") and "Aucun bilan." in text and "Maintien en parcours social" in text
    assert run(data_dir, monkeypatch, "bilans", "--person", "inconnu") != 0
    assert "Personne" in capsys.readouterr().err

    pdf = tmp_path / "b.pdf"
    assert run(data_dir, monkeypatch, "pdf", "bilan", bid, "--out", str(pdf)) == 0
    assert pdf.read_bytes().startswith(b"%PDF") and "Bilan écrit" in capsys.readouterr().out
