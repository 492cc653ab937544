"""Contract PDF, checked from outside with poppler-utils and qpdf, plus the optional PAdES seal."""

from __future__ import annotations

import datetime as dt
import io
import math
import re
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from app.models.french import fr_date
from app.services.contracts.draft import ActionDraft as ActionLine
from app.services.contracts.layout import render_contract
from app.services.contracts.printed import (
    ContractDocument,
    ContractDocumentError,
    HoursBlock,
    OfferBlock,
    OrientationBlock,
    PersonBlock,
    ReferentBlock,
    SignatureBlock,
    ValidationBlock,
    document_from_json,
    document_to_json,
    load_texts,
)
from app.services.printing.base import AppointmentLine, redact_identifiers
from app.services.printing.signature import (
    InvalidSignatureError,
    clean_strokes,
    has_signature,
    signature_drawing,
)
from tests.services.certificates import make_p12

PERSON_NAME = "Éloïse Lefèvre-Nguyễn"
TOOLS = ("pdftotext", "pdfinfo", "pdffonts", "qpdf", "pdfsig")
pytestmark = pytest.mark.skipif(
    any(shutil.which(t) is None for t in TOOLS),
    reason="poppler-utils / qpdf absents (apt-get install -y poppler-utils qpdf)",
)

SECTION_TITLES = [
    "1. En-tête",
    "2. Les parties",
    "3. Orientation",
    "4. Situation",
    "5. Objectifs",
    "6. Plan d'action",
    "7. Engagements de la personne",
    "8. Engagements de l'organisme référent",
    "9. Suivi",
    "10. Droits, devoirs et sanctions",
    "11. Voies de recours",
    "12. Protection des données personnelles",
    "13. Observations de la personne",
    "14. Signatures",
]


def sample_strokes(phase: float = 0.0) -> tuple[tuple[tuple[float, float], ...], ...]:
    """A plausible handwritten flourish: a wave and an underline."""
    wave = tuple(
        (0.05 + 0.9 * i / 60, 0.45 + 0.25 * math.sin(i / 5 + phase) * (1 - i / 90)) for i in range(61)
    )
    underline = tuple((0.15 + 0.7 * i / 10, 0.85 + 0.02 * (i % 2)) for i in range(11))
    return (wave, underline)


def sample_actions(count: int) -> tuple[ActionLine, ...]:
    base_actions = [
        ActionLine(
            "Atelier collectif « Valoriser ses compétences »",
            "Association Trajectoires",
            dt.date(2026, 12, 1),
            dt.date(2027, 1, 31),
            3,
        ),
        ActionLine(
            "Période de mise en situation en milieu professionnel (PMSMP) en logistique",
            "Entrepôt Delmas, Saint-Ouen",
            dt.date(2027, 1, 11),
            dt.date(2027, 1, 22),
            6,
        ),
        ActionLine(
            "Remise à niveau en français à visée professionnelle",
            "GRETA 93",
            dt.date(2026, 12, 7),
            dt.date(2027, 3, 26),
            2.5,
        ),
        ActionLine(
            "Préparation du code de la route",
            "Auto-école sociale Mobil'Emploi",
            dt.date(2027, 1, 4),
            None,
            1.5,
        ),
    ]
    actions = [base_actions[i % len(base_actions)] for i in range(count)]
    return tuple(replace(a, label=f"{a.label} ({i + 1})") if count > 4 else a for i, a in enumerate(actions))


def sample_contract(kind: str = "ce", *, actions: int = 4, signed: bool = True) -> ContractDocument:
    """A realistic contract; CE with 13 h of activity (below 15 h, exemption given)."""
    person_sig = referent_sig = None
    if signed:
        at = dt.datetime(2026, 11, 23, 10, 40)
        person_sig = SignatureBlock("La personne accompagnée", "pad", sample_strokes(), at, "Bobigny")
        method = "pad" if kind == "ce" else "papier"
        strokes = sample_strokes(1.3) if kind == "ce" else ()
        person_sig = (
            person_sig
            if kind == "ce"
            else SignatureBlock("La personne accompagnée", "papier", (), at, "Bobigny")
        )
        referent_sig = SignatureBlock("Le référent", method, strokes, at, "Bobigny")  # type: ignore[arg-type]
    return ContractDocument(
        department="Département de la Seine-Saint-Denis",
        organisme="Maison départementale des solidarités de Bobigny",
        kind=kind,  # type: ignore[arg-type]
        regime="plein_emploi" if kind == "ce" else "legacy",
        number="CE-93-2026-00042" if kind == "ce" else "CER-93-2024-01187",
        is_renewal=kind == "cer",
        start_date=dt.date(2026, 12, 1),
        end_date=dt.date(2027, 5, 31),
        duration_months=6,
        person=PersonBlock(
            name=PERSON_NAME,
            birth_date=dt.date(1988, 3, 14),
            address_lines=("Résidence Les Acacias, bât. C", "12, rue de l'Église", "93000 Bobigny"),
            caf_number="2345678",
        ),
        referent=ReferentBlock(
            "Françoise Benaïssa",
            "MDS de Bobigny — pôle insertion",
            "01 43 93 12 34",
            "f.benaissa@seinesaintdenis.example",
        ),
        orientation=OrientationBlock(
            "Socio-professionnelle", dt.date(2026, 10, 2), "Maison départementale des solidarités de Bobigny"
        ),
        situation=(
            ("Situation familiale", "Parent isolé, deux enfants (4 et 9 ans)"),
            ("Logement", "Locataire HLM, logement stable"),
            ("Mobilité", "Pas de permis ; transports en commun (bus, tramway T1)"),
            ("Garde d'enfants", "Solution de garde à trouver le mercredi"),
            ("Langue", "Français oral courant, écrit à consolider"),
            ("Numérique", "Smartphone ; accompagnement souhaité pour les démarches en ligne"),
        ),
        health_constraint=False,
        objectives=(
            "Accéder à un emploi dans la logistique ou la préparation de commandes",
            "Consolider le français écrit pour les démarches professionnelles",
            "Trouver une solution de garde pour le mercredi",
        ),
        actions=sample_actions(actions),
        hours=HoursBlock(
            "minoree",
            reason="solution de garde le mercredi à trouver ; durée revue à l'entrée en crèche en février 2027",
        )
        if kind == "ce"
        else None,
        offer=OfferBlock(
            "Préparateur ou préparatrice de commandes, CDI ou CDD de 6 mois, temps plein, horaires de jour",
            "Bobigny, Saint-Denis, Saint-Ouen (45 minutes en transports en commun)",
            "Au moins le SMIC horaire, temps plein",
            "Deux candidatures par semaine, présentées au référent ; inscription à deux job datings par trimestre",
        )
        if kind == "ce"
        else None,
        commitments_text="Effectuer au moins deux candidatures par semaine et les présenter au référent.",
        next_rdv=AppointmentLine(
            dt.datetime(2026, 12, 15, 9, 30), "MDS de Bobigny, bureau 4", "Entretien physique"
        ),
        bilan_date=dt.date(2027, 3, 31),
        person_observations="Je souhaite commencer la PMSMP avant les vacances de février.",
        dpo_contact="dpo@seinesaintdenis.example — Hôtel du Département, 93006 Bobigny Cedex",
        rules_version="2026-11",
        person_signature=person_sig,
        referent_signature=referent_sig,
        issued_on=dt.date(2026, 11, 23),
    )


def _run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(a) for a in args], capture_output=True, text=True, check=False)


def _write(tmp_path: Path, data: bytes, name: str = "contrat.pdf") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def _text(path: Path) -> str:
    result = _run("pdftotext", "-layout", "-enc", "UTF-8", path, "-")
    assert result.returncode == 0, result.stderr
    return result.stdout


def _text_raw(path: Path) -> str:
    return _run("pdftotext", "-enc", "UTF-8", path, "-").stdout


def _pages(path: Path) -> int:
    info = _run("pdfinfo", path).stdout
    return int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))  # type: ignore[union-attr]


@pytest.fixture(scope="module")
def ce_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _write(tmp_path_factory.mktemp("ce"), render_contract(sample_contract("ce")))


@pytest.fixture(scope="module")
def cer_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _write(tmp_path_factory.mktemp("cer"), render_contract(sample_contract("cer")))


@pytest.mark.parametrize("which", ["ce_pdf", "cer_pdf"])
def test_sections_in_order_and_name_spelled_right(which: str, request: pytest.FixtureRequest) -> None:
    text = _text(request.getfixturevalue(which))
    positions = []
    for title in SECTION_TITLES:
        match = re.search(rf"^\s*{re.escape(title)}\s*$", text, re.M)
        assert match, f"section absente : {title}"
        positions.append(match.start())
    assert positions == sorted(positions)
    assert PERSON_NAME in text
    assert "Françoise Benaïssa" in text


@pytest.mark.parametrize("which", ["ce_pdf", "cer_pdf"])
def test_no_long_digit_runs(which: str, request: pytest.FixtureRequest) -> None:
    text = _text_raw(request.getfixturevalue(which))
    compact = re.sub(r"(?<=\d)[ .\u00a0](?=\d)", "", text)
    assert not re.search(r"\d{13,}", compact)


@pytest.mark.parametrize("which", ["ce_pdf", "cer_pdf"])
def test_only_embedded_dejavu_fonts(which: str, request: pytest.FixtureRequest) -> None:
    out = _run("pdffonts", request.getfixturevalue(which)).stdout.splitlines()[2:]
    assert out, "aucune police"
    for line in out:
        name, emb = line.split()[0], line.split()[-5]
        assert "DejaVuSans" in name, line
        assert emb == "yes", line


@pytest.mark.parametrize("which", ["ce_pdf", "cer_pdf"])
def test_structure_a4_and_pages(which: str, request: pytest.FixtureRequest) -> None:
    path = request.getfixturevalue(which)
    check = _run("qpdf", "--check", path)
    assert check.returncode == 0, check.stdout + check.stderr
    info = _run("pdfinfo", path).stdout
    assert re.search(r"Page size:\s+595(\.\d+)? x 841(\.\d+)? pts \(A4\)", info), info
    assert _pages(path) >= 2


def test_ce_below_15_hours_shows_total_and_the_reduction(ce_pdf: Path) -> None:
    text = " ".join(_text(ce_pdf).split())
    assert "Total hebdomadaire : 13 h / 15 h" in text
    assert "13 heures par semaine : la durée est minorée pour des raisons liées à la situation" in text
    assert "sans pouvoir être nulle" in text
    assert "solution de garde le mercredi à trouver" in text
    assert "L.5411-6" in text


def test_ce_at_15_hours_states_the_general_rule(tmp_path: Path) -> None:
    doc = sample_contract("ce")
    doc = replace(
        doc,
        actions=(*doc.actions, ActionLine("Recherche d'emploi accompagnée", "MDS", None, None, 2)),
        hours=HoursBlock("au_moins_15h"),
    )
    text = " ".join(_text(_write(tmp_path, render_contract(doc))).split())
    assert "Total hebdomadaire : 15 h / 15 h" in text
    assert "15 heures par semaine, conformément à la durée d'au moins quinze heures" in text
    assert "minorée" not in text.split("6. Plan d'action")[1].split("7. Engagements")[0]


def test_ce_without_weekly_duration_names_the_legal_ground_only(tmp_path: Path) -> None:
    doc = replace(sample_contract("ce"), hours=HoursBlock("sans_duree", ground_label="Invalidité"))
    text = " ".join(_text(_write(tmp_path, render_contract(doc))).split())
    assert "À la demande de la personne, le plan d'action ne comporte pas de durée hebdomadaire" in text
    assert "prévue par l'article L.5411-6 du code du travail : Invalidité." in text


def test_ce_offer_of_reasonable_employment(ce_pdf: Path, tmp_path: Path) -> None:
    text = " ".join(_text(ce_pdf).split())
    assert "Offre raisonnable d'emploi" in text and "L.5411-6-1" in text
    assert "Préparateur ou préparatrice de commandes" in text
    assert "Zone géographique privilégiée" in text and "Salaire attendu" in text
    assert "Actes positifs et répétés" in text and "Deux candidatures par semaine" in text
    assert "L.5411-6-4" in text  # what the person cannot be made to accept
    none = " ".join(
        _text(_write(tmp_path, render_contract(replace(sample_contract("ce"), offer=None)))).split()
    )
    assert "Offre raisonnable d'emploi : sans objet à ce jour" in none


def test_ce_legal_bases(ce_pdf: Path) -> None:
    text = " ".join(_text(ce_pdf).split())
    assert (
        "Article L.262-34 du code de l'action sociale et des familles ; articles L.5411-6 et L.5411-6-1 du code du travail"
        in text
    )


def test_avenant_names_the_contract_it_amends(tmp_path: Path) -> None:
    doc = replace(sample_contract("ce"), amendment_no=2, is_renewal=False)
    text = " ".join(_text(_write(tmp_path, render_contract(doc))).split())
    assert "Avenant n° 2 au contrat d'engagement n° CE-93-2026-00042" in text
    assert "Contrat initial" not in text


def test_validated_contract_prints_the_validation(tmp_path: Path) -> None:
    doc = replace(sample_contract("ce"), validation=ValidationBlock(dt.date(2026, 11, 30), "departement"))
    text = " ".join(_text(_write(tmp_path, render_contract(doc))).split())
    assert "Contrat validé par le Département le 30 novembre 2026 (departement)." in text


def test_snapshot_json_gives_the_same_bytes() -> None:
    doc = sample_contract("ce")
    data = document_to_json(doc)
    again = document_from_json(__import__("json").loads(__import__("json").dumps(data)))
    assert render_contract(again) == render_contract(document_from_json(data))
    assert again.person == doc.person and again.offer == doc.offer and again.hours == doc.hours
    assert again.actions == doc.actions and again.situation == doc.situation and again.texts == doc.texts


def test_cer_has_legacy_basis_and_no_weekly_total(cer_pdf: Path) -> None:
    text = " ".join(_text(cer_pdf).split())
    assert "Contrat d'engagements réciproques" in text
    assert "L.262-35 et L.262-36" in text
    assert "rédaction antérieure au 1er janvier 2025" in text
    assert "Total hebdomadaire" not in text
    assert "Renouvellement" in text


def test_legal_texts_come_from_yaml(ce_pdf: Path) -> None:
    text = " ".join(_text(ce_pdf).split())
    texts = load_texts()
    for sentence in (texts["sanctions"]["paragraphs"][2], texts["appeals"][0]):
        assert " ".join(sentence.split())[:80] in text
    assert "30 à 100 %" in text and "50 %" in text and "quatre mois" in text
    assert "24 mois (deux ans) après le dernier contact" in text
    assert "caisse d'allocations familiales" in text and "France Travail" in text  # sources
    assert "article 17.3, b" in text and "(article 21)" in text  # limits of erasure and objection
    assert "dpo@seinesaintdenis.example" in text
    assert "€" not in text and "euros" not in text


def test_dates_in_french_and_signatures(ce_pdf: Path) -> None:
    text = " ".join(_text(ce_pdf).split())
    assert "du 1er décembre 2026 au 31 mai 2027" in text
    assert "14/03/1988" in text
    assert "Fait à Bobigny, le 23 novembre 2026" in text
    assert "Signé le 23/11/2026" in text
    assert "Contrainte de santé" in text


def test_paper_signatures(cer_pdf: Path) -> None:
    text = " ".join(_text_raw(cer_pdf).split())
    assert text.count("Signé sur papier — page signée numérisée jointe au dossier") == 2


def test_health_constraint_absent_without_consent(tmp_path: Path) -> None:
    doc = replace(sample_contract("cer"), health_constraint=None)
    assert "Contrainte de santé" not in _text(_write(tmp_path, render_contract(doc)))


def test_long_plan_paginates_with_header_on_every_page(tmp_path: Path) -> None:
    path = _write(tmp_path, render_contract(sample_contract("ce", actions=40)))
    pages = _pages(path)
    assert pages >= 4
    for page in range(1, pages + 1):
        text = _run("pdftotext", "-f", str(page), "-l", str(page), "-enc", "UTF-8", path, "-").stdout
        assert "Département de la Seine-Saint-Denis" in text
        assert "CE-93-2026-00042" in text
        assert f"Page {page} / {pages}" in text
    assert "Total hebdomadaire : 130 h / 15 h" in " ".join(_text(path).split())


def test_unsigned_contract_and_nir_in_free_text_is_masked(tmp_path: Path) -> None:
    doc = replace(
        sample_contract("cer", signed=False),
        person_observations="Mon numéro : 2 88 03 93 066 123 45, à ne pas imprimer.",
    )
    text = _text(_write(tmp_path, render_contract(doc)))
    assert "[numéro masqué]" in text
    assert "066 123" not in text
    assert "Fait à ……" in text


def test_invalid_documents_are_refused() -> None:
    doc = sample_contract("ce")
    with pytest.raises(ContractDocumentError):
        replace(doc, duration_months=5)
    with pytest.raises(ContractDocumentError):
        replace(doc, kind="xx")  # type: ignore[arg-type]
    with pytest.raises(ContractDocumentError):
        replace(doc, end_date=dt.date(2026, 1, 1))
    with pytest.raises(ContractDocumentError):
        SignatureBlock("x", "pad", (((2.0, 0.5),),))


def test_signature_strokes() -> None:
    assert not has_signature([])
    assert not has_signature([[]])
    assert signature_drawing([], 100, 40) is None
    assert has_signature([[[0.1, 0.2], [0.3, 0.4]]])
    with pytest.raises(InvalidSignatureError):
        clean_strokes([[[0.1, float("nan")]]])
    drawing = signature_drawing(sample_strokes(), 200, 60)
    assert drawing is not None and len(drawing.contents) == 2
    for poly in drawing.contents:
        xs, ys = poly.points[0::2], poly.points[1::2]
        assert min(xs) >= 0 and max(xs) <= 200 and min(ys) >= 0 and max(ys) <= 60


def test_formatting_helpers() -> None:
    assert fr_date(dt.date(2027, 1, 1)) == "1er janvier 2027"
    assert fr_date(dt.date(2026, 11, 23)) == "23 novembre 2026"
    assert fr_date(dt.date(2026, 11, 23), long=False) == "23/11/2026"
    assert redact_identifiers("tél. 01 43 93 12 34") == "tél. 01 43 93 12 34"
    assert redact_identifiers("1880393066123") == "[numéro masqué]"


# ---------------------------------------------------------------------------------------------- seal


def _pdfsig(path: Path) -> str:
    result = _run("pdfsig", "-nocert", path)
    return result.stdout + result.stderr


@pytest.fixture(scope="module")
def sealed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, bytes]:
    from app.services.printing.seal import seal_pdf

    tmp = tmp_path_factory.mktemp("seal")
    p12 = make_p12(tmp, "mot de passe")
    data = seal_pdf(render_contract(sample_contract("ce")), p12, "mot de passe")
    return tmp, data


def test_seal_is_valid(sealed: tuple[Path, bytes]) -> None:
    tmp, data = sealed
    path = _write(tmp, data, "scelle.pdf")
    report = _pdfsig(path)
    assert "Signature is Valid" in report, report
    assert "Total document signed" in report and "not total" not in report.lower(), report
    assert _run("qpdf", "--check", path).returncode == 0


def test_seal_detects_flipped_bytes(sealed: tuple[Path, bytes]) -> None:
    tmp, data = sealed
    i = data.index(b"stream") + 40  # inside the first (compressed) stream, well within the signed range
    tampered = bytearray(data)
    tampered[i] ^= 0x01
    report = _pdfsig(_write(tmp, bytes(tampered), "modifie.pdf"))
    assert "Signature is Valid" not in report, report
    assert "Digest Mismatch" in report, report


def _validate(tmp: Path, data: bytes) -> Any:
    from pyhanko.keys import load_cert_from_pemder
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    context = ValidationContext(trust_roots=[load_cert_from_pemder(str(tmp / "ca.pem"))])
    signature = PdfFileReader(io.BytesIO(data)).embedded_signatures[0]
    return validate_pdf_signature(signature, context)


def test_seal_is_intact_and_trusted_for_pyhanko(sealed: tuple[Path, bytes]) -> None:
    tmp, data = sealed
    status = _validate(tmp, data)
    assert status.intact and status.valid and status.trusted
    assert status.docmdp_ok
    assert status.coverage.name == "ENTIRE_FILE"


def test_seal_detects_appended_update(sealed: tuple[Path, bytes]) -> None:
    from pyhanko.pdf_utils.generic import NameObject, TextStringObject
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    tmp, data = sealed
    writer = IncrementalPdfFileWriter(io.BytesIO(data))
    writer.root[NameObject("/Lang")] = TextStringObject("en-GB")
    writer.update_root()
    out = io.BytesIO()
    writer.write(out)
    changed = out.getvalue()
    report = _pdfsig(_write(tmp, changed, "ajout.pdf"))
    assert "Not total document signed" in report, report
    status = _validate(tmp, changed)
    assert status.intact  # the signed bytes themselves are untouched...
    assert not status.docmdp_ok  # ...but the certified document was changed afterwards


def test_seal_wrong_password(tmp_path: Path) -> None:
    from app.services.printing.seal import SealError, seal_pdf

    p12 = make_p12(tmp_path, "bon")
    with pytest.raises(SealError):
        seal_pdf(b"%PDF-1.4", p12, "mauvais")
    with pytest.raises(SealError):
        seal_pdf(b"%PDF-1.4", tmp_path / "absent.p12", "bon")
