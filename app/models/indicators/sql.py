"""Portable SQL for the indicators: days between two dates, the day of a date-time, « within the target
duration », written once for SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Date, Integer, Table, and_, cast, extract, or_
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from app.models.rules.types import Duration


class days_between(FunctionElement[int]):
    """Whole days from ``earlier`` to ``later`` (dates or timestamps; the time of day is ignored)."""

    type = Integer()
    name = "days_between"
    inherit_cache = True


@compiles(days_between)
def _days_between_default(element: days_between, compiler: SQLCompiler, **kw: Any) -> str:
    later, earlier = list(element.clauses)
    return (
        f"(CAST({compiler.process(later, **kw)} AS DATE) - CAST({compiler.process(earlier, **kw)} AS DATE))"
    )


@compiles(days_between, "sqlite")
def _days_between_sqlite(element: days_between, compiler: SQLCompiler, **kw: Any) -> str:
    later, earlier = list(element.clauses)
    return (
        f"CAST(julianday(date({compiler.process(later, **kw)})) "
        f"- julianday(date({compiler.process(earlier, **kw)})) AS INTEGER)"
    )


class day_of(FunctionElement[date]):
    """The calendar date of a timestamp column."""

    type = Date()
    name = "day_of"
    inherit_cache = True


@compiles(day_of)
def _day_of_default(element: day_of, compiler: SQLCompiler, **kw: Any) -> str:
    (arg,) = list(element.clauses)
    return f"CAST({compiler.process(arg, **kw)} AS DATE)"


@compiles(day_of, "sqlite")
def _day_of_sqlite(element: day_of, compiler: SQLCompiler, **kw: Any) -> str:
    (arg,) = list(element.clauses)
    return f"date({compiler.process(arg, **kw)})"


def _month_index(col: ColumnElement[Any]) -> ColumnElement[int]:
    return cast(extract("year", col), Integer) * 12 + cast(extract("month", col), Integer)


def within(start: ColumnElement[Any], event: ColumnElement[Any], due: Duration) -> ColumnElement[bool]:
    """``event <= start + due`` in SQL, exactly as :meth:`Duration.add_to` (months clamp to the month end).

    Days and weeks compare a day difference. For months and years: ``event`` falls in an earlier month than
    the due month, or in the due month on a day not after ``start``'s day (which is exactly the clamped
    due date, since no day of the due month exceeds its last day).
    """
    if due.unit in ("d", "w"):
        days = due.amount * (7 if due.unit == "w" else 1)
        return days_between(event, start) <= days
    months = due.amount * (12 if due.unit == "y" else 1)
    diff = _month_index(event) - _month_index(start)
    return or_(
        diff < months,
        and_(diff == months, cast(extract("day", event), Integer) <= cast(extract("day", start), Integer)),
    )


def latest_start_reaching(day: date, due: Duration) -> date:
    """The latest date ``s`` with ``s + due <= day`` (``+`` clamps months as :meth:`Duration.add_to`)."""
    guess: date = day - due.delta()
    while due.add_to(guess) > day:
        guess -= timedelta(days=1)
    while due.add_to(guess + timedelta(days=1)) <= day:
        guess += timedelta(days=1)
    return guess


Tables = Mapping[str, Table]


Execute = Callable[[Any], Any]
