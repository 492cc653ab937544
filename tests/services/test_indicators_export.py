"""Indicators out of the application: CSV/XLSX reread, the monthly PDF checked with poppler, the audit trail,
and ``python -m app report`` (table, ``--json``, ``--out``, errors), on a small demo caseload."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from app.__main__ import main
from app.commands.report import previous_month
from app.models.indicators import results
from app.models.tables.local import AuditEvent
from app.services.demo.build import populate_demo
from app.services.errors import ValidationError
from app.services.reporting import export, formatting, indicators
from app.services.reporting.layout import render_report, report_title
from app.services.storage import vault as vault_service

SECRET = "phrase secrète des indicateurs"
TODAY = date(2026, 11, 23)
needs_poppler = pytest.mark.skipif(
    any(shutil.which(t) is None for t in ("pdftotext", "pdffonts", "pdfinfo")),
    reason="poppler-utils absents (apt-get install -y poppler-utils)",
)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, vault_service.Vault]]:
    """A 30-person demo caseload as of 23/11/2026 (shared by the module; tests only add audit rows)."""
    data_dir = tmp_path_factory.mktemp("indicateurs")
    vault = vault_service.create_vault(
        data_dir, "demo", mode=vault_service.MODE_PASSPHRASE, passphrase=SECRET
    )
    try:
        populate_demo(vault, size=30, today=TODAY)
        yield data_dir, vault
    finally:
        vault.close()


@pytest.fixture(scope="module")
def report(demo) -> results.Report:
    return indicators.compute(demo[1].db, indicators.parse_period("2026-10"))


def _number(text: str) -> float | None:
    return None if text == "" else float(text.replace(",", "."))


def _audits(db, **where) -> list[AuditEvent]:
    with db.read() as s:
        rows = s.scalars(select(AuditEvent).where(AuditEvent.action == "export")).all()
        return [r for r in rows if all(getattr(r, k) == v for k, v in where.items())]


def test_french_numbers() -> None:
    assert formatting.fr_number(1234.5) == "1\u00a0234,5"
    assert formatting.fr_number(3.0) == "3" and formatting.fr_number(12) == "12"
    assert formatting.fr_number(66.666, 2, grouping=False) == "66,67"
    assert formatting.fr_number(None) == "—"


def test_report_csv_rereads_as_the_report(report, tmp_path: Path) -> None:
    path = tmp_path / "indicateurs.csv"
    lines = export.report_to_csv(report, path)
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads the accents right
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter=";"))
    assert lines == len(rows) == len(report.figures) + sum(len(b.rows) for b in report.breakdowns)
    assert list(rows[0]) == list(export.REPORT_HEADER)
    by_key = {r["Clé"]: r for r in rows if not r["Code"]}
    for f in report.figures:
        row = by_key[f.key]
        assert (
            row["Période"] == "octobre 2026" and row["Rubrique"] == f.section and row["Indicateur"] == f.label
        )
        assert row["Unité"] == f.unit
        expected = None if f.value is None else round(float(f.value), 2)
        assert _number(row["Valeur"]) == expected
        assert _number(row["Numérateur"]) == f.numerator and _number(row["Dénominateur"]) == f.denominator
    rate = next(
        f for f in report.figures if f.unit == "pourcentage" and f.value and not float(f.value).is_integer()
    )
    assert "," in by_key[rate.key]["Valeur"]  # decimal comma
    objet = report.breakdown("entretiens_objet")
    detail = {r["Code"]: r for r in rows if r["Clé"] == "entretiens_objet"}
    assert {code: int(detail[code]["Valeur"]) for code, _l, _n in objet.rows} == {
        c: n for c, _l, n in objet.rows
    }


def test_report_xlsx_has_numbers_and_percent_formats(report, tmp_path: Path) -> None:
    path = tmp_path / "indicateurs.xlsx"
    export.report_to_xlsx(report, path)
    wb = load_workbook(path)
    assert wb.sheetnames == ["Indicateurs", "Détails", "Informations"]
    ws = wb["Indicateurs"]
    assert [c.value for c in ws[1]][:4] == ["Rubrique", "Indicateur", "Valeur", "Unité"]
    assert ws["A1"].font.bold and ws.freeze_panes == "A2"
    data = list(ws.iter_rows(min_row=2))
    assert len(data) == len(report.figures)
    for f, row in zip(report.figures, data, strict=True):
        assert row[1].value == f.label
        cell = row[2]
        if f.value is None:
            assert cell.value is None
        elif f.unit == "pourcentage":
            assert cell.value == pytest.approx(float(f.value) / 100) and "%" in cell.number_format
        else:
            assert cell.value == pytest.approx(float(f.value)) and "%" not in cell.number_format
    details = list(wb["Détails"].iter_rows(min_row=2, values_only=True))
    assert len(details) == sum(len(b.rows) for b in report.breakdowns)
    assert all(isinstance(r[4], int) for r in details)
    info = {r[0]: r[1] for r in wb["Informations"].iter_rows(values_only=True)}
    assert info["Période"] == "octobre 2026" and info["Périmètre"] == report.scope


def test_people_lists_and_their_audit(demo, report, tmp_path: Path) -> None:
    db = demo[1].db
    lines = indicators.people_behind(db, report.period, "file_active")
    assert len(lines) == report.figure("file_active").value > 0
    before = len(_audits(db, object_table="person"))
    csv_path, xlsx_path = tmp_path / "personnes.csv", tmp_path / "personnes.xlsx"
    subject = "File active — octobre 2026"
    assert export.export_people(db, lines, csv_path, actor="essai", subject=subject) == len(lines)
    with csv_path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh, delimiter=";"))
    assert rows[0] == list(export.PEOPLE_HEADER)
    assert [r[:3] for r in rows[1:]] == [[p.last_name, p.first_name, p.caf_number] for p in lines]
    export.export_people(db, lines, xlsx_path, actor="essai", subject=subject)
    sheet = load_workbook(xlsx_path)["Personnes"]
    values = list(sheet.iter_rows(min_row=2, values_only=True))
    assert [(v[0], v[4]) for v in values] == [(p.last_name, p.detail) for p in lines]
    audits = _audits(db, object_table="person")
    assert len(audits) - before == 2 * len(lines)  # one row per person and per file: personal data
    assert {a.person_id for a in audits} >= {p.person_id for p in lines}
    assert any("File active — octobre 2026" in a.detail and "XLSX" in a.detail for a in audits)
    with pytest.raises(ValidationError, match="non pris en charge"):
        export.export_people(db, lines, tmp_path / "personnes.pdf", actor="essai", subject=subject)


def test_report_export_is_audited_without_people(demo, report, tmp_path: Path) -> None:
    db = demo[1].db
    before = len(_audits(db, object_table="indicators"))
    for ext in (".csv", ".xlsx", ".pdf"):
        assert export.export_report(db, report, tmp_path / f"r{ext}", actor="essai", department="Isère") > 0
    audits = _audits(db, object_table="indicators")
    assert len(audits) - before == 3
    assert all(a.person_id is None and "octobre 2026" in a.detail for a in audits)
    with pytest.raises(ValidationError, match="non pris en charge"):
        export.export_report(db, report, tmp_path / "r.docx", actor="essai")


def _run(*cmd: object) -> str:
    return subprocess.run([str(c) for c in cmd], capture_output=True, text=True, check=True).stdout


@needs_poppler
def test_monthly_pdf_text_fonts_and_no_names(demo, report, tmp_path: Path) -> None:
    path = tmp_path / "rapport.pdf"
    path.write_bytes(render_report(report, department="Département de l'Isère"))
    text = " ".join(_run("pdftotext", "-enc", "UTF-8", path, "-").split())
    assert report_title(report) == "Rapport mensuel d'activité — octobre 2026"
    assert "Rapport mensuel d'activité — octobre 2026" in text and "Département de l'Isère" in text
    assert "Du 1er octobre 2026 au 31 octobre 2026" in text and report.scope in text
    for f in report.figures:
        assert f.label in text, f.label
    assert "Entretiens par objet" in text and "Sorties par catégorie" in text and "Taux de la période" in text
    pages = int(re.search(r"Pages:\s+(\d+)", _run("pdfinfo", path)).group(1))  # type: ignore[union-attr]
    assert f"Page {pages} / {pages}" in text
    for line in _run("pdffonts", path).splitlines()[2:]:
        assert "DejaVuSans" in line.split()[0] and line.split()[-5] == "yes", line
    people = indicators.people_behind(demo[1].db, report.period, "file_active")
    assert not [p.last_name for p in people if p.last_name in text]  # aggregates only


def test_quarter_and_year_titles(demo) -> None:
    db = demo[1].db
    assert report_title(indicators.compute(db, indicators.parse_period("2026-T3"))).startswith(
        "Rapport trimestriel d'activité — 3e trimestre 2026"
    )
    assert report_title(indicators.compute(db, indicators.parse_period("2026"))) == (
        "Rapport annuel d'activité — 2026"
    )


# ---------------------------------------------------------------------------------------------- CLI


def run_cli(data_dir: Path, monkeypatch: pytest.MonkeyPatch, *args: str) -> int:
    monkeypatch.setattr("sys.stdin", io.StringIO(SECRET + "\n"))
    return main(["--data-dir", str(data_dir), "--profile", "demo", "--passphrase-stdin", *args])


def test_cli_report_json_table_and_files(demo, report, tmp_path, monkeypatch, capsys) -> None:
    data_dir = demo[0]
    assert run_cli(data_dir, monkeypatch, "report", "--period", "2026-10", "--json") == 0
    out = json.loads(capsys.readouterr().out)
    assert out["periode"]["code"] == "2026-10" and out["perimetre"] == report.scope
    got = {f["cle"]: f["valeur"] for f in out["indicateurs"]}
    assert got == {f.key: f.value for f in report.figures}
    assert all(isinstance(v, int | float) or v is None for v in got.values())
    assert run_cli(data_dir, monkeypatch, "report", "--period", "2026-10") == 0
    table = capsys.readouterr().out
    assert table.startswith("Rapport mensuel d'activité — octobre 2026")
    rate = report.figure("taux_contractualisation")
    assert f"{formatting.format_value(rate)}  ({formatting.ratio_text(rate)})" in table
    for ext in ("csv", "xlsx", "pdf"):
        target = tmp_path / f"rapport.{ext}"
        assert run_cli(data_dir, monkeypatch, "report", "--period", "2026-10", "--out", str(target)) == 0
        assert (
            target.stat().st_size > 0
            and f"Rapport écrit (octobre 2026) : {target}" in capsys.readouterr().out
        )
    assert load_workbook(tmp_path / "rapport.xlsx")["Informations"]["B2"].value == "octobre 2026"


def test_cli_report_defaults_and_errors(demo, tmp_path, monkeypatch, capsys) -> None:
    data_dir = demo[0]
    assert run_cli(data_dir, monkeypatch, "report", "--json") == 0
    assert json.loads(capsys.readouterr().out)["periode"]["code"] == previous_month()
    assert previous_month(date(2026, 1, 15)) == "2025-12"
    assert run_cli(data_dir, monkeypatch, "report", "--period", "2026-13") == 2
    err = capsys.readouterr().err
    assert err.startswith("Erreur : ") and "2026-13" in err and err.count("\n") == 1
    assert (
        run_cli(data_dir, monkeypatch, "report", "--period", "2026-10", "--out", str(tmp_path / "r.txt")) == 2
    )
    assert "non pris en charge" in capsys.readouterr().err and not (tmp_path / "r.txt").exists()
    assert run_cli(data_dir, monkeypatch, "report", "--referent", "inconnu") == 2
    assert "Référent introuvable" in capsys.readouterr().err
