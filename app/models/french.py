"""French calendar words, written once: month and weekday names as they appear in dates
(« lundi 23 novembre 2026 »), lower case as French typography wants them inside a sentence."""

from __future__ import annotations

MONTHS_FR = (
    "janvier", "février", "mars", "avril", "mai", "juin",
    "juillet", "août", "septembre", "octobre", "novembre", "décembre",
)  # fmt: skip
WEEKDAYS_FR = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
