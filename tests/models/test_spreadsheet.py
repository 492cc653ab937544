"""Formula injection (OWASP): cells starting with = + - @ tab CR are neutralised in every CSV."""

from __future__ import annotations

import csv
import io

import pytest

from app.models.spreadsheet import csv_bytes, is_risky, safe_cell


@pytest.mark.parametrize(
    "value",
    ['=HYPERLINK("http://x.invalid","clic")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(1)", "\t=1", "\r=1"],
)
def test_risky_cells_get_an_apostrophe(value: str) -> None:
    assert is_risky(value) and safe_cell(value) == "'" + value


@pytest.mark.parametrize("value", ["Martin", "-12", "-3,5", "1234567", "", "Jean-Pierre", "a=b"])
def test_plain_cells_are_unchanged(value: str) -> None:
    assert safe_cell(value) == value


def test_numbers_and_none_pass() -> None:
    assert safe_cell(-3) == -3 and safe_cell(None) is None


def test_csv_bytes_for_french_excel() -> None:
    data = csv_bytes(["Nom", "Prénom"], [["=1+1", "Zoé"], ["@x", "-2"]])
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert rows == [["Nom", "Prénom"], ["'=1+1", "Zoé"], ["'@x", "-2"]]
