"""The per-row report of an orientation-list import as a table model: outcome icons, French names of the
changed fields, an outcome filter and a text search."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import (
    QBrush,
    QColor,
)

from app.models.orientation_list.columns import ColumnMap, load_column_map
from app.models.orientation_list.report import ImportReport, Outcome, RowResult
from app.ui.kit import theme

OUTCOME_ICONS = {
    Outcome.CREATED: ("fa6s.circle-plus", theme.OK),
    Outcome.UPDATED: ("fa6s.pen", theme.ACCENT),
    Outcome.UNCHANGED: ("fa6s.equals", theme.MUTED),
    Outcome.REJECTED: ("fa6s.circle-xmark", theme.LATE),
    Outcome.DUPLICATE: ("fa6s.people-arrows", theme.SOON),
}
#: French names of what an import may change (the report carries field names, never values).
EXTRA_LABELS = {
    "household_id": "foyer",
    "referent_id": "référent",
    "regime": "régime",
    "orientation": "nouvelle orientation",
    "orientation.notification_date": "date de notification",
    "orientation.organisme": "organisme",
}
HEADERS = ("Ligne", "Résultat", "Personne", "Champs modifiés", "Motif / avertissement")


@lru_cache(maxsize=1)
def _labels() -> ColumnMap:
    return load_column_map()


def changed_text(fields: tuple[str, ...]) -> str:
    """French names of changed fields: « téléphone, nouvelle orientation » (the default map's labels)."""
    if not fields:
        return ""
    cmap = _labels()
    return ", ".join(EXTRA_LABELS.get(f) or cmap.label(f).lower() for f in fields)


class ReportModel(QAbstractTableModel):
    """The per-row results, with an outcome filter and a text search applied on a list of indexes."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.results: list[RowResult] = []
        self.names: dict[str, str] = {}
        self.changed: list[str] = []
        self.visible: list[int] = []
        self._icons = {o: theme.icon(name, color) for o, (name, color) in OUTCOME_ICONS.items()}
        self._late = QBrush(QColor(theme.LATE))

    def set_report(self, report: ImportReport, names: dict[str, str]) -> None:
        self.beginResetModel()
        self.results = list(report.results)
        self.names = names
        self.changed = [changed_text(r.changed_fields) for r in self.results]
        self.visible = list(range(len(self.results)))
        self.endResetModel()

    def set_filter(self, outcome: Outcome | None, text: str) -> None:
        needle = text.strip().casefold()
        self.beginResetModel()
        self.visible = [
            i
            for i, r in enumerate(self.results)
            if (outcome is None or r.outcome == outcome) and (not needle or needle in self._haystack(i, r))
        ]
        self.endResetModel()

    def _haystack(self, i: int, r: RowResult) -> str:
        name = self.names.get(r.person_id or "", "")
        return f"{r.line} {name} {self.changed[i]} {r.reason} {r.warning}".casefold()

    def result(self, row: int) -> RowResult:
        return self.results[self.visible[row]]

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.visible)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[section]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = 0) -> Any:
        if not index.isValid():
            return None
        i = self.visible[index.row()]
        r = self.results[i]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if col == 0:
                return str(r.line)
            if col == 1:
                return str(r.outcome)
            if col == 2:
                return self.names.get(r.person_id or "", "")
            if col == 3:
                return self.changed[i]
            return r.reason or r.warning
        if role == Qt.ItemDataRole.DecorationRole and col == 1:
            return self._icons[r.outcome]
        if role == Qt.ItemDataRole.ForegroundRole and col in (1, 4) and r.outcome == Outcome.REJECTED:
            return self._late
        if role == Qt.ItemDataRole.ToolTipRole:
            if r.person_id and r.outcome != Outcome.REJECTED:
                return "Double-cliquez pour ouvrir le dossier"
            return r.reason or None
        if role == Qt.ItemDataRole.TextAlignmentRole and col == 0:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None
