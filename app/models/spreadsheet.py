"""Cells of the spreadsheets the application writes (CSV and XLSX), safe to open in Excel or LibreOffice.

A text cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read as a formula by a
spreadsheet (CSV injection, OWASP): ``=HYPERLINK(…)`` in a surname would become a live link, ``+cmd|…`` a
command. :func:`safe_cell` neutralises such a cell the way OWASP recommends: a leading apostrophe, which the
spreadsheet shows as plain text. Numbers, dates and empty cells pass as they are. Every CSV of the
application is built by :func:`csv_bytes`; the XLSX writer (``app.services.reporting.sheets``) writes text
as string cells, never formulas, with the same rule.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: A negative number written as text (« -3,5 ») is a number, not a formula: it stays as it is.
_PLAIN_NUMBER = re.compile(r"^-\d+(?:[.,]\d+)?$")


def is_risky(value: str) -> bool:
    """True for a text a spreadsheet would read as a formula."""
    return value.startswith(FORMULA_STARTS) and _PLAIN_NUMBER.match(value) is None


def safe_cell(value: Any) -> Any:
    """``value`` as a spreadsheet cell: a risky text gets a leading apostrophe; anything else is unchanged."""
    if isinstance(value, str) and is_risky(value):
        return "'" + value
    return value


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """A CSV for French Excel: ``;`` separator, CRLF, UTF-8 with a byte-order mark, every cell neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([safe_cell(h) for h in header])
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    return buffer.getvalue().encode("utf-8-sig")
