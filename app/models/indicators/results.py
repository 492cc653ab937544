"""What a report holds: its figures (value, unit, numerator and denominator) and breakdowns, as plain values."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.models.indicators.period import Period

UNIT_COUNT = "nombre"


UNIT_PERCENT = "pourcentage"


UNIT_DAYS = "jours"


UNIT_MONTHS = "mois"


@dataclass(frozen=True)
class Figure:
    """One figure of the report. ``numerator``/``denominator`` give the counts behind a rate or a median."""

    key: str
    section: str
    label: str
    value: float | int | None
    unit: str  # "nombre" | "pourcentage" | "jours" | "mois"
    numerator: int | None
    denominator: int | None
    drillable: bool
    note: str = ""

    @property
    def display(self) -> str:
        """The value as printed: « 12 », « 41,7 % », « 18 jours », « 9,5 mois », « — » when undefined."""
        if self.value is None:
            return "—"
        if self.unit == UNIT_PERCENT:
            return f"{fmt_number(self.value)} %"
        if self.unit == UNIT_DAYS:
            return f"{fmt_number(self.value)} jour{'s' if self.value >= 2 else ''}"
        if self.unit == UNIT_MONTHS:
            return f"{fmt_number(self.value)} mois"
        return fmt_number(self.value)


@dataclass(frozen=True)
class Breakdown:
    """Counts by code (``rows``: code, French label, count), in vocabulary order."""

    key: str
    section: str
    label: str
    rows: list[tuple[str, str, int]]

    @property
    def total(self) -> int:
        return sum(r[2] for r in self.rows)


@dataclass(frozen=True)
class Report:
    period: Period
    scope: str
    generated_at: datetime
    figures: list[Figure]
    breakdowns: list[Breakdown]

    def figure(self, key: str) -> Figure:
        for f in self.figures:
            if f.key == key:
                return f
        raise KeyError(key)

    def breakdown(self, key: str) -> Breakdown:
        for b in self.breakdowns:
            if b.key == key:
                return b
        raise KeyError(key)

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data (counts only: no person appears in a report)."""
        return {
            "periode": {
                "code": self.period.code,
                "libelle": self.period.label,
                "type": self.period.kind,
                "debut": self.period.start.isoformat(),
                "fin_exclue": self.period.end.isoformat(),
            },
            "perimetre": self.scope,
            "genere_le": self.generated_at.isoformat(timespec="seconds"),
            "indicateurs": [
                {
                    "cle": f.key,
                    "rubrique": f.section,
                    "libelle": f.label,
                    "valeur": f.value,
                    "unite": f.unit,
                    "numerateur": f.numerator,
                    "denominateur": f.denominator,
                    "note": f.note,
                }
                for f in self.figures
            ],
            "repartitions": [
                {
                    "cle": b.key,
                    "rubrique": b.section,
                    "libelle": b.label,
                    "lignes": [{"code": c, "libelle": lab, "nombre": n} for c, lab, n in b.rows],
                }
                for b in self.breakdowns
            ],
        }


def fmt_number(value: float | int) -> str:
    """French number: thousands separated by a space, decimal comma, at most one decimal."""
    if isinstance(value, int) or float(value).is_integer():
        return f"{int(value):,}".replace(",", "\u202f")
    return f"{value:,.1f}".replace(",", "\u202f").replace(".", ",")
