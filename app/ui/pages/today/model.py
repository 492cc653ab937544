"""The « Aujourd'hui » list as a model: a row per part of the day (RDVs, to call back, the graded deadlines), the
lines under it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont, QIcon

from app.models.rules.urgency import GRADE_CODES, GRADE_TITLES, Grade
from app.services.agenda.today import DayPlan, TodayLine
from app.ui.kit import theme
from app.ui.kit.grouped import AnyIndex, GroupedModel

HEADERS = ("Personne", "Quoi", "Quand", "")
PERSON, WHAT, WHEN, MORE = range(4)


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    icon: str
    colour: str
    empty: str
    lines: tuple[TodayLine, ...]


SECTION_LOOK = {
    "rdv": ("Rendez-vous du jour", "fa6s.calendar-day", theme.ACCENT, "Aucun rendez-vous aujourd'hui"),
    "rappel": ("À rappeler", "fa6s.phone", theme.SOON, "Personne à rappeler"),
    GRADE_CODES[Grade.LEGAL_LATE]: (GRADE_TITLES[Grade.LEGAL_LATE], "fa6s.scale-balanced", theme.LATE,
                                     "Aucun délai légal dépassé"),
    GRADE_CODES[Grade.LOCAL_LATE]: (GRADE_TITLES[Grade.LOCAL_LATE], "fa6s.flag", theme.SOON,
                                     "Aucun objectif départemental dépassé"),
    GRADE_CODES[Grade.THIS_WEEK]: (GRADE_TITLES[Grade.THIS_WEEK], "fa6s.hourglass-half", theme.ACCENT,
                                    "Rien d'autre à faire cette semaine"),
}  # fmt: skip


def sections(plan: DayPlan) -> list[Section]:
    parts: list[tuple[str, tuple[TodayLine, ...]]] = [("rdv", plan.rdvs), ("rappel", plan.callbacks)]
    parts += [
        (GRADE_CODES[g], tuple(plan.by_grade(g)))
        for g in (Grade.LEGAL_LATE, Grade.LOCAL_LATE, Grade.THIS_WEEK)
    ]
    return [Section(key, *SECTION_LOOK[key], lines) for key, lines in parts]


class TodayModel(GroupedModel):
    """One row per part of the day (:class:`Section`), its lines under it."""

    headers = HEADERS

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._icons: dict[str, QIcon] = {}
        self._bold = QFont()
        self._bold.setBold(True)

    def set_plan(self, plan: DayPlan) -> None:
        self.set_groups(sections(plan))

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.AccessibleTextRole:
            return HEADERS[section] or "Convocation ou autres échéances"  # blank on screen, not for a reader
        return super().headerData(section, orientation, role)

    def section_of(self, index: AnyIndex) -> Section | None:
        return self.group_of(index)  # type: ignore[no-any-return]

    def line_of(self, index: AnyIndex) -> TodayLine | None:
        return super().line_of(index)  # type: ignore[no-any-return]

    def _icon(self, name: str, colour: str) -> QIcon:
        key = f"{name}{colour}"
        if key not in self._icons:
            self._icons[key] = theme.icon(name, colour)
        return self._icons[key]

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        section = self.section_of(index)
        if section is None:
            return None
        line = self.line_of(index)
        col = index.column()
        if line is None:
            if role == Qt.ItemDataRole.DisplayRole and col == PERSON:
                n = len(section.lines)
                return f"{section.title} ({n})" if n else f"{section.title} — {section.empty.lower()}"
            if role == Qt.ItemDataRole.FontRole and col == PERSON:
                return self._bold
            if role == Qt.ItemDataRole.DecorationRole and col == PERSON:
                return self._icon(section.icon, section.colour)
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            more = (
                f"+{line.others} autre{'s' if line.others > 1 else ''}" if line.others else line.convocation
            )
            return (line.person, line.label, line.detail, more)[col]
        if role == Qt.ItemDataRole.ForegroundRole and col == WHEN and section.colour != theme.ACCENT:
            return QColor(section.colour)
        if role == Qt.ItemDataRole.ToolTipRole:
            return line.legal_basis or line.detail
        return None
