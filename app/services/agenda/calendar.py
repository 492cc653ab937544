"""The agenda as plain values: RDVs of a day or a week, French public holidays, overlapping RDVs flagged
(cancelled ones never conflict). No database here: :mod:`.views` reads, :mod:`.layout` prints."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from functools import cache

from app.models.enums import AppointmentStatus
from app.models.french import WEEKDAYS_FR, fr_date


@dataclass(frozen=True)
class AgendaItem:
    """One RDV as shown in the agenda (labels already resolved, in French)."""

    id: str
    person_id: str | None
    person_name: str
    referent_id: str | None
    referent_name: str
    starts_at: datetime
    duration_min: int
    purpose: str
    purpose_label: str
    nature: str
    nature_label: str
    place: str
    collective: bool
    status: str
    status_label: str
    comment: str
    conflict: bool = False
    session_id: str | None = None  # a participant's RDV: the collective session it belongs to
    capacity: int | None = None  # a collective session: its seats (None: not limited)
    participants: int = 0  # a collective session: the people registered (not cancelled)

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + timedelta(minutes=self.duration_min)

    @property
    def kind_label(self) -> str:
        return "Collectif" if self.collective else "Individuel"

    @property
    def is_session(self) -> bool:
        """A collective session (no person; its participants have RDVs of their own)."""
        return self.collective and self.person_id is None and self.session_id is None


@dataclass(frozen=True)
class AgendaDay:
    day: date
    holiday: str | None
    items: tuple[AgendaItem, ...]

    @property
    def title(self) -> str:
        return long_day(self.day)


@dataclass(frozen=True)
class AgendaWeek:
    start: date
    days: tuple[AgendaDay, ...]

    @property
    def count(self) -> int:
        return sum(len(d.items) for d in self.days)

    @property
    def conflicts(self) -> int:
        return sum(1 for d in self.days for i in d.items if i.conflict)


def long_day(day: date) -> str:
    """« lundi 23 novembre 2026 » (« 1er » for the first of the month)."""
    return f"{WEEKDAYS_FR[day.weekday()]} {fr_date(day)}"


def week_start(day: date) -> date:
    """The Monday of ``day``'s week."""
    return day - timedelta(days=day.weekday())


@cache
def _holidays(year: int) -> dict[date, str]:
    import holidays  # ~40 ms: loaded when a calendar is drawn, not while the window starts

    return dict(holidays.France(years=year, language="fr"))


def holiday_name(day: date) -> str | None:
    """The French public holiday of ``day`` (« Armistice », « Noël »…) or None."""
    return _holidays(day.year).get(day)


def _overlap(a: AgendaItem, b: AgendaItem) -> bool:
    return a.starts_at < b.ends_at and b.starts_at < a.ends_at


def _counts(item: AgendaItem) -> bool:
    return item.status != AppointmentStatus.CANCELLED


def mark_conflicts(items: list[AgendaItem]) -> list[AgendaItem]:
    """Flag the RDVs overlapping another of the same référent (cancelled RDVs never conflict)."""
    flagged: set[str] = set()
    live = [i for i in items if _counts(i)]
    for n, a in enumerate(live):
        for b in live[n + 1 :]:
            if a.referent_id == b.referent_id and _overlap(a, b):
                flagged.update((a.id, b.id))
    return [replace(i, conflict=i.id in flagged) for i in items]
