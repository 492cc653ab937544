"""French dates and numbers, written once: month and weekday names as they appear in dates (« lundi 23 novembre
2026 », lower case as French typography wants them inside a sentence), times (« 9 h 30 ») and hours (« 7,5 »)."""

from __future__ import annotations

from datetime import date, datetime

MONTHS_FR = (
    "janvier", "février", "mars", "avril", "mai", "juin",
    "juillet", "août", "septembre", "octobre", "novembre", "décembre",
)  # fmt: skip
WEEKDAYS_FR = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")


def fr_date(value: date | None, *, long: bool = True, empty: str = "—") -> str:
    """« 23 novembre 2026 » (« 1er janvier 2027 ») or, with ``long=False``, « 23/11/2026 »."""
    if value is None:
        return empty
    if isinstance(value, datetime):
        value = value.date()
    if not long:
        return value.strftime("%d/%m/%Y")
    day = "1er" if value.day == 1 else str(value.day)
    return f"{day} {MONTHS_FR[value.month - 1]} {value.year}"


def fr_time(value: datetime) -> str:
    """« 9 h 30 », « 14 h » (with non-breaking spaces)."""
    return f"{value.hour}\u00a0h\u00a0{value.minute:02d}" if value.minute else f"{value.hour}\u00a0h"


def fr_datetime(value: datetime) -> str:
    """« mardi 1er décembre 2026 à 9 h 30 »."""
    return f"{WEEKDAYS_FR[value.weekday()]} {fr_date(value)} à {fr_time(value)}"


def fr_hours(value: float) -> str:
    """Hours with a French decimal comma: 7.5 → « 7,5 », 15.0 → « 15 »."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return text.replace(".", ",")
