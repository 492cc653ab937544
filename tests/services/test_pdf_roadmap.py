"""« Ma feuille de route », checked from outside with poppler-utils and qpdf."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from app.services.casefile.roadmap_layout import (
    RoadmapAction,
    RoadmapDocument,
    RoadmapObjective,
    render_roadmap,
)
from app.services.printing.base import AppointmentLine

pytestmark = pytest.mark.skipif(
    any(shutil.which(t) is None for t in ("pdftotext", "pdfinfo", "pdffonts", "qpdf")),
    reason="poppler-utils / qpdf absents (apt-get install -y poppler-utils qpdf)",
)


def sample_roadmap(objectives: int = 3) -> RoadmapDocument:
    base = [
        RoadmapObjective(
            "Trouver un emploi dans la logistique",
            "en_cours",
            "Emploi",
            (
                RoadmapAction(
                    "Mettre à jour mon CV avec l'atelier",
                    "realisee",
                    "Association Trajectoires",
                    dt.date(2026, 12, 4),
                ),
                RoadmapAction(
                    "Faire un stage (PMSMP) en entrepôt", "prevue", "Entrepôt Delmas", dt.date(2027, 1, 11)
                ),
                RoadmapAction("Envoyer deux candidatures par semaine", "en_cours", "", None),
            ),
        ),
        RoadmapObjective(
            "Passer le code de la route",
            "en_cours",
            "Mobilité",
            (
                RoadmapAction(
                    "M'inscrire à l'auto-école sociale", "en_attente", "Mobil'Emploi", dt.date(2027, 1, 4)
                ),
            ),
        ),
        RoadmapObjective("Ouvrir mon espace France Travail", "atteint", "Numérique", ()),
    ]
    return RoadmapDocument(
        person_name="Éloïse Lefèvre-Nguyễn",
        referent_name="Françoise Benaïssa",
        referent_structure="MDS de Bobigny",
        printed_on=dt.date(2026, 11, 23),
        department="Département de la Seine-Saint-Denis",
        referent_phone="01 43 93 12 34",
        objectives=tuple(base[i % 3] for i in range(objectives)),
        appointments=(
            AppointmentLine(
                dt.datetime(2027, 1, 5, 14, 0), "Mairie de Drancy, salle 2", "physique", "Atelier CV"
            ),
            AppointmentLine(
                dt.datetime(2026, 12, 15, 9, 30), "MDS de Bobigny, bureau 4", "physique", "Suivi"
            ),
            AppointmentLine(dt.datetime(2026, 12, 22, 11, 0), "", "telephone", "Point sur le stage"),
        ),
    )


def _run(*args: str | Path) -> str:
    result = subprocess.run([str(a) for a in args], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.fixture(scope="module")
def roadmap_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("roadmap") / "feuille.pdf"
    path.write_bytes(render_roadmap(sample_roadmap()))
    return path


def test_content_in_plain_french(roadmap_pdf: Path) -> None:
    text = " ".join(_run("pdftotext", "-enc", "UTF-8", roadmap_pdf, "-").split())
    assert "Ma feuille de route" in text
    assert "Éloïse Lefèvre-Nguyễn" in text
    assert "à jour le 23 novembre 2026" in text
    assert "mardi 15 décembre 2026 à 9 h 30" in text
    assert "Par téléphone" in text
    assert "Fait" in text and "À faire" in text and "Atteint" in text
    assert text.index("mardi 15 décembre") < text.index("mardi 22 décembre") < text.index("mardi 5 janvier")
    assert not re.search(r"\d{13,}", text.replace(" ", ""))


def test_fonts_structure_and_size(roadmap_pdf: Path) -> None:
    for line in _run("pdffonts", roadmap_pdf).splitlines()[2:]:
        assert "DejaVuSans" in line.split()[0] and line.split()[-5] == "yes", line
    _run("qpdf", "--check", roadmap_pdf)
    assert re.search(r"Page size:\s+595(\.\d+)? x 841(\.\d+)? pts \(A4\)", _run("pdfinfo", roadmap_pdf))


def test_long_roadmap_paginates(tmp_path: Path) -> None:
    path = tmp_path / "longue.pdf"
    path.write_bytes(render_roadmap(sample_roadmap(objectives=30)))
    pages = int(re.search(r"Pages:\s+(\d+)", _run("pdfinfo", path)).group(1))  # type: ignore[union-attr]
    assert pages >= 2
    last = _run("pdftotext", "-f", str(pages), "-l", str(pages), "-enc", "UTF-8", path, "-")
    assert f"Page {pages} / {pages}" in last and "Ma feuille de route" in last


def test_empty_roadmap(tmp_path: Path) -> None:
    doc = replace(sample_roadmap(), objectives=(), appointments=())
    path = tmp_path / "vide.pdf"
    path.write_bytes(render_roadmap(doc))
    text = " ".join(_run("pdftotext", "-enc", "UTF-8", path, "-").split())
    assert "Aucun rendez-vous n'est prévu" in text
    assert "Nous fixerons vos objectifs ensemble" in text
