"""Writing tables as CSV or XLSX files, safely: every spreadsheet file of the application goes through here.

- **No formula injection** (OWASP): a text cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
  return is neutralised (:mod:`app.models.spreadsheet`): in a CSV it gets a leading apostrophe; in an XLSX it
  is written as a **string** cell with Excel's « quote prefix » (the apostrophe Excel itself sets when one types
  ``'=…``), so it is shown as typed and never evaluated. Every other text is a string cell too: openpyxl would
  otherwise store a text starting with ``=`` as a live formula. Only the application's own totals are formulas
  (:class:`Formula`).
- **All or nothing**: the file is written beside its target and renamed (:mod:`app.models.files`): a full disk
  or a read-only folder leaves no partial file and raises one French line.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.models.files import write_file
from app.models.spreadsheet import csv_bytes, is_risky
from app.services.errors import ValidationError

if TYPE_CHECKING:  # openpyxl is imported when an .xlsx file is written
    from openpyxl import Workbook
    from openpyxl.worksheet.worksheet import Worksheet

TABLE_FORMATS = (".csv", ".xlsx")
HEADER_FILL = "EDEFF2"


class Formula(str):
    """A formula the application writes on purpose (a total): the only text that becomes a formula."""


def check_extension(path: Path, allowed: Sequence[str] = TABLE_FORMATS) -> str:
    ext = path.suffix.lower()
    if ext not in allowed:
        names = ", ".join(a.lstrip(".").upper() for a in allowed)
        raise ValidationError(
            f"Format de fichier « {path.suffix or path.name} » non pris en charge ({names})."
        )
    return ext


def set_cell(ws: Worksheet, row: int, column: int, value: Any) -> Any:
    """Write one cell: a :class:`Formula` as a formula, any other text as a string (neutralised when it
    would read as a formula), numbers and dates as they are. Returns the cell."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    cell = ws.cell(row=row, column=column)
    if isinstance(value, Formula):
        cell.value = str(value)
    elif isinstance(value, str):
        text = ILLEGAL_CHARACTERS_RE.sub("", value)
        cell.value = text
        cell.data_type = "s"
        if is_risky(text):
            cell.quotePrefix = True
    else:
        cell.value = value
    return cell


def append_row(ws: Worksheet, values: Sequence[Any]) -> int:
    """Append a row of :func:`set_cell` cells; returns its number."""
    row = ws.max_row + 1 if ws.max_row > 1 or ws.cell(1, 1).value is not None else 1
    for column, value in enumerate(values, 1):
        set_cell(ws, row, column, value)
    return row


def header(ws: Worksheet, titles: Sequence[str], widths: Sequence[int]) -> None:
    """A bold, shaded first row with its filter, frozen, and the column widths."""
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    append_row(ws, list(titles))
    for col, width in enumerate(widths, 1):
        cell = ws.cell(row=1, column=col)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor=HEADER_FILL)
        cell.alignment = Alignment(vertical="center", wrap_text=True)
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(titles))}1"


def save_workbook(wb: Workbook, path: Path | str) -> Path:
    """Save a workbook all or nothing (built in memory first: a full disk never meets a half-written zip)."""
    buffer = io.BytesIO()
    wb.save(buffer)
    return write_file(path, buffer.getvalue())


def write_table(
    path: Path | str,
    titles: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    sheet: str = "Liste",
    title: str = "",
    widths: Sequence[int] = (),
    text_columns: Sequence[int] = (),
) -> int:
    """Write a one-table file, CSV (``;``, UTF-8 with BOM) or XLSX by the extension; returns the data rows.

    ``text_columns`` (1-based) are identifiers shown as text in Excel (a CAF number is never a number)."""
    target = Path(path)
    ext = check_extension(target)
    data = [list(r) for r in rows]
    if ext == ".csv":
        write_file(target, csv_bytes(titles, data))
        return len(data)
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = sheet[:31]
    header(ws, titles, list(widths) or [22] * len(titles))
    for values in data:
        append_row(ws, values)
    for col in text_columns:
        for cells in ws.iter_rows(min_row=2, min_col=col, max_col=col):
            cells[0].number_format = "@"
    wb.properties.title = (title or sheet)[:250]
    wb.properties.creator = "Fil rouge"
    save_workbook(wb, target)
    return len(data)
