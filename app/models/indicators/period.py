"""The period of a report: a month, a quarter or a year, typed « 2026-10 », « 2026-T4 » or « 2026 »."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from app.models.french import MONTHS_FR

PERIOD_KINDS = ("month", "quarter", "year")


PERIOD_HINT = "attendu : 2026-10 (mois), 2026-T4 (trimestre) ou 2026 (année)"


_MONTH_RE = re.compile(r"^(\d{4})-(\d{1,2})$")


_QUARTER_RE = re.compile(r"^(\d{4})-?[TtQq]([1-4])$")


_YEAR_RE = re.compile(r"^(\d{4})$")


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class Period:
    """A reporting period ``[start, end)``: a calendar month, quarter or year (``end`` is exclusive)."""

    kind: str  # "month" | "quarter" | "year"
    start: date
    end: date

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        start = date(year, month, 1)
        return cls("month", start, _add_months(start, 1))

    @classmethod
    def quarter(cls, year: int, quarter: int) -> Period:
        start = date(year, 3 * (quarter - 1) + 1, 1)
        return cls("quarter", start, _add_months(start, 3))

    @classmethod
    def year(cls, year: int) -> Period:
        return cls("year", date(year, 1, 1), date(year + 1, 1, 1))

    @classmethod
    def containing(cls, day: date, kind: str = "month") -> Period:
        if kind == "quarter":
            return cls.quarter(day.year, (day.month - 1) // 3 + 1)
        if kind == "year":
            return cls.year(day.year)
        return cls.month(day.year, day.month)

    @property
    def last_day(self) -> date:
        return self.end - timedelta(days=1)

    @property
    def code(self) -> str:
        """The text :func:`parse_period` reads back: ``2026-10``, ``2026-T4``, ``2026``."""
        if self.kind == "month":
            return f"{self.start.year}-{self.start.month:02d}"
        if self.kind == "quarter":
            return f"{self.start.year}-T{(self.start.month - 1) // 3 + 1}"
        return str(self.start.year)

    @property
    def label(self) -> str:
        """« octobre 2026 », « 4e trimestre 2026 », « année 2026 »."""
        if self.kind == "month":
            return f"{MONTHS_FR[self.start.month - 1]} {self.start.year}"
        if self.kind == "quarter":
            q = (self.start.month - 1) // 3 + 1
            return f"{'1er' if q == 1 else f'{q}e'} trimestre {self.start.year}"
        return f"année {self.start.year}"

    def previous(self) -> Period:
        if self.kind == "month":
            return Period.containing(_add_months(self.start, -1), "month")
        if self.kind == "quarter":
            return Period.containing(_add_months(self.start, -3), "quarter")
        return Period.year(self.start.year - 1)


def parse_period_text(text: str) -> Period:
    """``2026-10`` → month, ``2026-T4`` / ``2026-Q4`` → quarter, ``2026`` → year; ``ValueError`` (French)."""
    value = (text or "").strip()
    if m := _MONTH_RE.match(value):
        month = int(m.group(2))
        if 1 <= month <= 12:
            return Period.month(int(m.group(1)), month)
    elif m := _QUARTER_RE.match(value):
        return Period.quarter(int(m.group(1)), int(m.group(2)))
    elif m := _YEAR_RE.match(value):
        return Period.year(int(m.group(1)))
    raise ValueError(f"Période « {value} » invalide ({PERIOD_HINT}).")
