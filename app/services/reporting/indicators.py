"""Indicators of the référent's own caseload for a month, a quarter or a year (DOMAIN.md, "Indicators").

The figures are computed in SQL by the builders of :mod:`app.models.indicators.compute` (the same ones the département
server runs); this module picks the scope (the current référent by default), reads the rule table and the
vocabularies, and lists the people behind each figure. Definitions: ``docs/indicators.md``.

Typical use::

    period = parse_period("2026-10")
    report = compute(db, period)
    report.figure("file_active").value
    people_behind(db, period, "file_active")   # one line per person (or per event) counted
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import app.models.tables  # noqa: F401 - registers every table on Base.metadata
from app.models.indicators.compute import ReportContext, behind_query, build_report
from app.models.indicators.definitions import (
    BREAKDOWN_KEYS,
    BREAKDOWNS,
    FIGURE_KEYS,
    FIGURES,
    breakdown_def,
    figure_def,
)
from app.models.indicators.period import Period, parse_period_text
from app.models.indicators.populations import Scope
from app.models.indicators.results import Breakdown, Figure, Report
from app.models.tables.base import Base
from app.models.tables.people import Referent
from app.models.text import fold
from app.models.vocabularies.loader import load_vocabularies
from app.services.errors import NotFoundError, ValidationError
from app.services.people import alerts
from app.services.people.identity import current_referent_id
from app.services.storage.db import Database
from app.services.storage.uow import read_only
from app.services.validation import fmt_date

__all__ = [
    "BREAKDOWNS",
    "FIGURES",
    "Breakdown",
    "Figure",
    "Period",
    "PersonLine",
    "Report",
    "compute",
    "current_period",
    "parse_period",
    "people_behind",
]

ALL_FILES_SCOPE = "Tous les dossiers de ce poste"


@dataclass(frozen=True)
class PersonLine:
    """One line of the list behind a figure: who, and why they are counted (``detail``)."""

    person_id: str
    last_name: str
    first_name: str
    caf_number: str
    commune: str
    detail: str  # e.g. « Orientation le 01/10/2026, 1er RDV le 12/10/2026 (11 jours) »


def parse_period(text: str) -> Period:
    """``2026-10`` (mois), ``2026-T4`` or ``2026-Q4`` (trimestre), ``2026`` (année)."""
    try:
        return parse_period_text(text)
    except ValueError as exc:
        raise ValidationError(str(exc), fields={"period": str(exc)}) from exc


def current_period(kind: str = "month", today: date | None = None) -> Period:
    """The period of ``kind`` containing ``today``."""
    return Period.containing(today or date.today(), kind)


def _context() -> ReportContext:
    return ReportContext.load(alerts.load_rules_or_fail(), load_vocabularies())


def _scope(db: Database, referent_id: str | None) -> tuple[Scope, str]:
    rid = referent_id or current_referent_id(db)
    if not rid:
        return Scope(), ALL_FILES_SCOPE
    with read_only(db) as s:
        ref = s.get(Referent, rid)
        if ref is None or ref.deleted_at is not None:
            raise NotFoundError("Référent introuvable : les indicateurs ne peuvent pas être calculés.")
        name = f"{ref.first_name} {ref.last_name}".strip()
    return Scope(referent_ids=(rid,)), f"Portefeuille de {name}"


def compute(db: Database, period: Period, *, referent_id: str | None = None) -> Report:
    """Every figure of ``period`` for one référent's caseload (the current référent by default; every file
    of the device when none is set)."""
    scope, label = _scope(db, referent_id)
    context = _context()
    with read_only(db) as s:
        return build_report(s.execute, Base.metadata.tables, period, context, scope=scope, scope_label=label)


def _d(value: Any) -> str:
    if value is None:
        return "?"
    if isinstance(value, datetime):
        return fmt_date(value.date())
    return fmt_date(value)


def _days(n: Any) -> str:
    return f"{n} jour{'s' if n is not None and abs(int(n)) >= 2 else ''}"


def _detail(key: str, population: str, row: Any, context: ReportContext) -> str:
    vocab = context.vocab
    if population == "parcours_people":
        return f"Entrée en parcours le {_d(row.day)}"
    if population == "without_prescription":
        return f"En parcours depuis le {_d(row.day)}, aucune prescription"
    if population == "exits":
        return (
            f"Sortie le {_d(row.day)} : {vocab.label('exit_categories', row.code)}"
            f" ({vocab.label('exit_reasons', row.code2)})"
        )
    if population == "parcours_length":
        return f"Parcours terminé le {_d(row.day)} ({_days(row.value)})"
    if population == "first_rdv":
        if row.at is None:
            return f"Orientation le {_d(row.day)}, pas encore de rendez-vous honoré"
        return f"Orientation le {_d(row.day)}, 1er RDV honoré le {_d(row.at)} ({_days(row.value)})"
    if population == "first_contract":
        if row.event_day is None:
            return f"Orientation le {_d(row.day)}, pas encore de contrat signé"
        return f"Orientation le {_d(row.day)}, contrat signé le {_d(row.event_day)} ({_days(row.value)})"
    if population == "appointments":
        if key == "taux_absence":
            return f"RDV du {_d(row.at)} : non honoré (absent)"
        if key == "entretiens_lieu":
            return f"RDV du {_d(row.at)} : {row.code3 or 'lieu non précisé'}"
        return f"RDV du {_d(row.at)} : {vocab.label('appointment_purposes', row.code)}"
    if population == "prescriptions":
        return (
            f"{vocab.label('prescription_kinds', row.code)} le {_d(row.day)}"
            f" : {vocab.label('prescription_outcomes', row.code2).lower()}"
        )
    return _d(row.day)


def people_behind(
    db: Database, period: Period, key: str, *, referent_id: str | None = None, code: str | None = None
) -> list[PersonLine]:
    """The people counted in a figure (``key`` of a :class:`Figure`), or in one row of a breakdown (``key`` of a
    :class:`Breakdown` and ``code`` of the row; all rows when ``code`` is None). Sorted by name; a person
    appears once per event counted (two sorties, three RDVs…), so the list's length is the figure's count."""
    if key in FIGURE_KEYS:
        population = figure_def(key).population
    elif key in BREAKDOWN_KEYS:
        population = breakdown_def(key).population
    else:
        raise NotFoundError(f"Indicateur « {key} » inconnu.")
    scope, _label = _scope(db, referent_id)
    context = _context()
    query = behind_query(context.queries(Base.metadata.tables, period, scope), key, code)
    with read_only(db) as s:
        rows = s.execute(query).all()
    rows = sorted(rows, key=lambda r: (fold(r.last_name), fold(r.first_name)))  # stable: dates kept in order
    return [
        PersonLine(
            person_id=r.person_id,
            last_name=r.last_name,
            first_name=r.first_name,
            caf_number=r.caf_number or "",
            commune=r.city or "",
            detail=_detail(key, population, r, context),
        )
        for r in rows
    ]
