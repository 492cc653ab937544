"""How urgent a deadline is, for « Aujourd'hui » and « Ma file active » (issue #15): a legal deadline overdue comes
before a departmental target overdue, which comes before what falls due within the week, then the rest.

Pure functions over :class:`app.models.rules.engine.Deadline` and a day; nothing here reads the vault.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from enum import IntEnum

from app.models.rules.engine import Deadline

#: « Cette semaine »: due within the 7 days from today (today included).
WEEK_DAYS = 7


class Grade(IntEnum):
    """Smaller is more urgent."""

    LEGAL_LATE = 1  # a legal deadline is past
    LOCAL_LATE = 2  # a departmental target (« objectif départemental ») is past
    THIS_WEEK = 3  # due within the week
    LATER = 4  # due later
    NONE = 5  # no open deadline


GRADE_LABELS = {
    Grade.LEGAL_LATE: "Délai légal dépassé",
    Grade.LOCAL_LATE: "Objectif départemental dépassé",
    Grade.THIS_WEEK: "À faire cette semaine",
    Grade.LATER: "À venir",
    Grade.NONE: "Aucune échéance",
}
#: The section titles of « Aujourd'hui » (the graded overdue items and the week).
GRADE_TITLES = {
    Grade.LEGAL_LATE: "Délais légaux dépassés",
    Grade.LOCAL_LATE: "Objectifs départementaux dépassés",
    Grade.THIS_WEEK: "À faire cette semaine",
}
GRADE_CODES = {
    Grade.LEGAL_LATE: "delai_legal_depasse",
    Grade.LOCAL_LATE: "objectif_departemental_depasse",
    Grade.THIS_WEEK: "cette_semaine",
    Grade.LATER: "a_venir",
    Grade.NONE: "aucune",
}


def is_local(deadline: Deadline) -> bool:
    """A departmental target (« objectif départemental »), not a legal obligation."""
    return deadline.local_target


def grade_of(due: date, local: bool, today: date) -> Grade:
    if due < today:
        return Grade.LOCAL_LATE if local else Grade.LEGAL_LATE
    return Grade.THIS_WEEK if due < today + timedelta(days=WEEK_DAYS) else Grade.LATER


def grade(deadline: Deadline, today: date) -> Grade:
    return grade_of(deadline.due_date, is_local(deadline), today)


def most_urgent(deadlines: Iterable[Deadline], today: date) -> Deadline | None:
    """The deadline to act on first: the most urgent grade, then the earliest due date (file order on ties)."""
    return min(deadlines, key=lambda d: (grade(d, today), d.due_date), default=None)


def overdue_days(deadline: Deadline, today: date) -> int:
    """Days past the due date (0 when not overdue)."""
    return max(0, (today - deadline.due_date).days)
