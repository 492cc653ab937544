"""Indicators out of the application: CSV and XLSX files of a report or of the people behind a figure.

Every figure of :mod:`app.services.reporting.indicators` must be reproducible outside the application (DOMAIN.md): the
report as a table (one line per figure and per breakdown row) and the list of people behind a number. CSV files
are written for French Excel: ``;`` separator, UTF-8 with a byte-order mark, decimal comma. The XLSX files
carry real numbers (percentages formatted as %), so they can be summed and charted.

The ``export_*`` functions also write the audit trail: an aggregated report carries no personal data and is
audited once without a person; a list of people is an export of personal data and is audited once per person.
Every file goes through :mod:`app.services.reporting.sheets` (no formula injection, all or nothing).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from app.models.enums import AuditAction
from app.models.files import remove_quietly, write_file
from app.models.spreadsheet import csv_bytes
from app.services.reporting.formatting import fr_number
from app.services.reporting.sheets import append_row, check_extension, header, save_workbook, write_table
from app.services.settings import letterhead
from app.services.storage import audit
from app.services.storage.db import Database
from app.services.storage.outputs import session_outputs
from app.services.storage.uow import use_case

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

    from app.models.indicators.results import Report
    from app.services.reporting.indicators import PersonLine

REPORT_FORMATS = (".csv", ".xlsx", ".pdf")
PEOPLE_FORMATS = (".csv", ".xlsx")
REPORT_HEADER = (
    "Période",
    "Rubrique",
    "Indicateur",
    "Détail",
    "Valeur",
    "Unité",
    "Numérateur",
    "Dénominateur",
    "Clé",
    "Code",
)
PEOPLE_HEADER = ("Nom", "Prénom", "N° allocataire", "Commune", "Détail")
_PERCENT_FORMAT = "0.0%"
_DECIMAL_FORMAT = "0.0"
_INTEGER_FORMAT = "#,##0"


# ---------------------------------------------------------------------------------------------- formatting


# ---------------------------------------------------------------------------------------------- rows


@dataclass(frozen=True)
class ReportRow:
    """One line of the flat table: a figure, or one row of a breakdown (``detail`` and ``code`` set)."""

    section: str
    label: str
    detail: str
    value: float | int | None
    unit: str
    numerator: int | None
    denominator: int | None
    key: str
    code: str = ""


def report_rows(report: Report) -> list[ReportRow]:
    """Every figure, then every breakdown row, as flat lines (what the CSV and the XLSX contain)."""
    rows = [
        ReportRow(f.section, f.label, "", f.value, f.unit, f.numerator, f.denominator, f.key)
        for f in report.figures
    ]
    for b in report.breakdowns:
        rows += [
            ReportRow(b.section, b.label, str(label), count, "nombre", None, None, b.key, str(code))
            for code, label, count in b.rows
        ]
    return rows


def _csv_number(value: float | int | None) -> str:
    return "" if value is None else fr_number(value, 2, grouping=False)


def report_to_csv(report: Report, path: Path | str) -> int:
    """Write the report as CSV (``;``, UTF-8 with BOM, decimal comma); returns the number of data lines."""
    label = report.period.label
    rows = [
        (
            label,
            r.section,
            r.label,
            r.detail,
            _csv_number(r.value),
            r.unit,
            _csv_number(r.numerator),
            _csv_number(r.denominator),
            r.key,
            r.code,
        )
        for r in report_rows(report)
    ]
    write_file(path, csv_bytes(REPORT_HEADER, rows))
    return len(rows)


def people_to_csv(lines: Sequence[PersonLine], path: Path | str) -> int:
    """Write a drill-down list (nom, prénom, n° allocataire, commune, détail); returns the number of people."""
    rows = [(p.last_name, p.first_name, p.caf_number or "", p.commune or "", p.detail or "") for p in lines]
    return write_table(path, PEOPLE_HEADER, rows)


# ---------------------------------------------------------------------------------------------- xlsx


def _value_cell(ws: Worksheet, row: int, col: int, value: float | int | None, unit: str) -> None:
    cell = ws.cell(row=row, column=col)
    if value is None:
        cell.value = None
    elif unit == "pourcentage":
        cell.value = float(value) / 100.0
        cell.number_format = _PERCENT_FORMAT
    elif isinstance(value, int) or float(value).is_integer():
        cell.value = round(value)
        cell.number_format = _INTEGER_FORMAT
    else:
        cell.value = float(value)
        cell.number_format = _DECIMAL_FORMAT


def report_to_xlsx(report: Report, path: Path | str) -> int:
    """Write the report as an Excel workbook: « Indicateurs », « Détails » (breakdowns), « Informations».

    Percentages are stored as fractions formatted « 0.0% »; counts as integers. Returns the data lines.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Indicateurs"
    header(ws, ("Rubrique", "Indicateur", "Valeur", "Unité", "Numérateur", "Dénominateur", "Note"),
           (26, 58, 12, 13, 13, 14, 50))  # fmt: skip
    for n, f in enumerate(report.figures, 2):
        append_row(ws, [f.section, f.label, None, f.unit, f.numerator, f.denominator, f.note or None])
        _value_cell(ws, n, 3, f.value, f.unit)
        ws.cell(row=n, column=2).alignment = Alignment(wrap_text=True, vertical="top")
    details = wb.create_sheet("Détails")
    header(details, ("Rubrique", "Répartition", "Code", "Libellé", "Nombre"), (26, 44, 22, 44, 10))
    count = len(report.figures)
    for b in report.breakdowns:
        for code, label, value in b.rows:
            append_row(details, [b.section, b.label, str(code), str(label), int(value)])
            count += 1
    info = wb.create_sheet("Informations")
    for row in (
        ("Rapport", "Indicateurs d'activité"),
        ("Période", report.period.label),
        ("Du", report.period.start.strftime("%d/%m/%Y")),
        ("Au (exclu)", report.period.end.strftime("%d/%m/%Y")),
        ("Périmètre", report.scope),
        ("Calculé le", _when(report.generated_at)),
    ):
        append_row(info, list(row))
    info.column_dimensions["A"].width = 14
    info.column_dimensions["B"].width = 60
    for cell in info["A"]:
        cell.font = Font(bold=True)
    wb.properties.title = f"Indicateurs — {report.period.label}"
    wb.properties.creator = "Fil rouge"
    save_workbook(wb, path)
    return count


def people_to_xlsx(lines: Sequence[PersonLine], path: Path | str, *, title: str = "Personnes") -> int:
    """Write a drill-down list as an Excel workbook (one sheet, bold header, widths); returns the count."""
    rows = [
        (p.last_name, p.first_name, p.caf_number or None, p.commune or None, p.detail or None) for p in lines
    ]
    return write_table(path, PEOPLE_HEADER, rows, sheet="Personnes", title=title, widths=(24, 20, 16, 24, 50),
                       text_columns=(3,))  # fmt: skip  # a CAF number is an identifier, never a number to sum


def _when(moment: datetime) -> str:
    return moment.strftime("%d/%m/%Y à %H:%M")


# ---------------------------------------------------------------------------------------------- audited


def report_pdf(db: Database, report: Report, *, department: str | None = None) -> bytes:
    """The monthly report as PDF, headed with the département's name from Paramètres unless given."""
    from app.services.reporting.layout import render_report

    return render_report(
        report, department=letterhead.department_name(db) if department is None else department
    )


@use_case
def record_report_output(s: Session, report: Report, *, actor: str, action: str, fmt: str) -> None:
    """Audit trail: the report of ``report`` was exported or printed (aggregates: no person named)."""
    audit.record_audit.within(
        s,
        actor=actor or "local",
        action=action,
        object_table="indicators",
        detail=f"Indicateurs {report.period.label} ({report.scope}) — {fmt}",
    )


def export_report(
    db: Database, report: Report, path: Path | str, *, actor: str, department: str | None = None
) -> int:
    """Write the report to ``path`` by extension (.csv, .xlsx, .pdf) and audit it (no person: aggregates).

    Returns the number of lines written (CSV/XLSX) or of pages (PDF).
    """
    target = Path(path)
    ext = check_extension(target, REPORT_FORMATS)
    if ext == ".csv":
        count = report_to_csv(report, target)
    elif ext == ".xlsx":
        count = report_to_xlsx(report, target)
    else:
        data = report_pdf(db, report, department=department)
        write_file(target, data)
        count = len(re.findall(rb"/Type\s*/Page[^s]", data))
    try:
        record_report_output(db, report, actor=actor, action=AuditAction.EXPORT, fmt=ext.lstrip(".").upper())
    except BaseException:
        remove_quietly(target)  # no report leaves without its audit event
        raise
    return count


@use_case
def export_people(
    s: Session, lines: Sequence[PersonLine], path: Path | str, *, actor: str, subject: str
) -> int:
    """Write the people behind a figure (.csv or .xlsx) and audit the export once per person listed.

    ``subject`` names the list in the audit trail (« Sorties — octobre 2026 »). Returns the people written.
    """
    target = Path(path)
    ext = check_extension(target, PEOPLE_FORMATS)
    count = people_to_csv(lines, target) if ext == ".csv" else people_to_xlsx(lines, target, title=subject)
    session_outputs(s).track(target)  # removed if the audit events below cannot be recorded
    detail = f"Liste « {subject} » ({ext.lstrip('.').upper()}, {count} personne(s))"
    for p in lines:
        audit.record_audit.within(
            s,
            actor=actor or "local",
            action=AuditAction.EXPORT,
            person_id=p.person_id,
            object_table="person",
            object_id=p.person_id,
            detail=detail,
        )
    return count
