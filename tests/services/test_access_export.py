"""Right of access: the JSON holds every section of the file, the PDF is readable French with DejaVu embedded,
the documents are copied, the export is audited."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest
from sqlalchemy import select

from app.models.tables.local import AuditEvent
from app.services.errors import NotFoundError
from app.services.privacy import access as access_export
from app.services.privacy import retention
from app.services.storage import settings
from tests.services.privacy_factory import DOC_A_BYTES, NIR_A, build

needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils absent")


@pytest.fixture
def exported(vault, tmp_path):
    case = build(vault)
    settings.set_value(vault.db, settings.DPO_CONTACT, "dpo@departement.example")
    json_path, pdf_path = access_export.export_person(
        vault.db, case.full, tmp_path / "sortie", actor="cmarchand"
    )
    return case, json_path, pdf_path


def test_json_has_every_section_with_the_person_data(vault, exported):
    _case, json_path, _pdf = exported
    data = json.loads(json_path.read_text(encoding="utf-8"))
    assert data["format"] == access_export.FORMAT
    for key in access_export.SECTIONS:
        assert key in data, key
    assert data["identite"]["nom"] == "QUÉRANGAL" and data["identite"]["nir"] == NIR_A
    assert data["identite"]["date_de_naissance"] == "1985-05-12"
    assert data["foyer"]["libelle"] == "Foyer Quérangal-Kerdavid"
    assert len(data["notes"]) == 2
    correction = next(n for n in data["notes"] if n["corrige_la_note"])
    assert correction["corrige_la_note"] == next(n["id"] for n in data["notes"] if not n["corrige_la_note"])
    assert data["rendez_vous"][0]["historique"][0]["commentaire"] == "parle breton et anglais"
    assert data["diagnostic"][0]["version"] == 1
    assert data["carnet"][0]["actions"][0]["libelle"] == "Stage soudure chez Atelier Le Goff"
    assert data["prescriptions"][0]["partenaire"] == "Atelier Le Goff"
    contract = data["contrats"][0]
    assert contract["versions"][0]["contenu"] == {"objectifs": ["Objectif contractuel de Zéphyrine"]}
    signature = contract["signatures"][0]
    assert (
        signature["mention"].startswith("Signé par la personne le ") and " à 15 h 00" in signature["mention"]
    )
    assert "strokes" not in json.dumps(contract) and "0.1" not in json.dumps(contract["signatures"])
    assert {d["titre"] for d in data["documents"]} == {"Relevé de situation Zéphyrine", "Attestation"}
    assert data["sorties"][0]["detail"] == "Emploi trouvé à Lorient chez Le Goff"
    assert data["sanctions"][0]["detail"] == "Manquement : absente au RDV du 3 mars"
    assert data["journal_des_acces"][0]["detail"].startswith("Export du document")
    assert data["contact_dpo"] == "dpo@departement.example"
    copy = json_path.parent / next(d["fichier"] for d in data["documents"] if d["titre"].startswith("Relevé"))
    assert copy.read_bytes() == DOC_A_BYTES
    assert "QUÉRANGAL" not in json_path.name and NIR_A not in json_path.name


def test_export_is_audited(vault, exported):
    case, _json, _pdf = exported
    with vault.db.read() as s:
        events = s.scalars(
            select(AuditEvent).where(AuditEvent.person_id == case.full, AuditEvent.action == "export")
        ).all()
    assert any(e.actor == "cmarchand" and "Droit d'accès" in e.detail for e in events)


@needs_poppler
def test_pdf_is_readable_french_with_fonts_embedded(exported):
    _case, _json, pdf_path = exported
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf_path), "-"], capture_output=True, text=True, check=True
    ).stdout
    flat = " ".join(text.split())
    assert "Vos données personnelles" in flat and "RGPD" in flat
    assert "QUÉRANGAL" in flat and "Zéphyrine" in flat
    assert "2 85 05 75 123 456 01" in flat  # the full NIR: their own data
    assert "dette locative" in flat and "Corrige la note n° 1" in flat
    assert "Signé par la personne le" in flat
    assert "dpo@departement.example" in flat
    assert "Page 1 /" in flat
    fonts = subprocess.run(["pdffonts", str(pdf_path)], capture_output=True, text=True, check=True).stdout
    lines = [ln for ln in fonts.splitlines()[2:] if ln.strip()]
    assert lines and all("DejaVu" in ln for ln in lines)
    assert all(ln.split()[-5] == "yes" for ln in lines)  # emb column


def test_a_purged_person_cannot_be_exported(vault, tmp_path):
    case = build(vault)
    retention.purge(vault.db, [case.full], actor="chef")
    with pytest.raises(NotFoundError):
        access_export.export_person(vault.db, case.full, tmp_path, actor="chef")
