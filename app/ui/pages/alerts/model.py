"""The Alertes tree as a model: one row per rule, the people under it. Rows are made when the view asks for them
(a caseload of 100,000 people has hundreds of thousands of alert lines: no widget item per line)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor, QFont

from app.services.people.deadlines import DueState
from app.services.people.followup import AlertGroup, AlertLine
from app.ui.kit import theme

HEADERS = ("Échéance / personne", "Nature", "Date limite", "État", "Retard ou délai")
NAME, NATURE, DUE, STATE, DELAY = range(5)
PID_ROLE = Qt.ItemDataRole.UserRole + 1
TAB_ROLE = Qt.ItemDataRole.UserRole + 2
RULE_ROLE = Qt.ItemDataRole.UserRole + 3
TAB_TITLES = {None: "Synthèse", "rdv": "Rendez-vous", "contrats": "Contrats"}
_TOP = 0  # internal id of a rule's row; a person's row carries its rule's row number + 1
AnyIndex = QModelIndex | QPersistentModelIndex
_LATE = QColor(theme.LATE)


def delay_text(line: AlertLine) -> str:
    n = line.days_left
    if n < 0:
        return f"dépassée de {theme.plural(-n, 'jour', 'jours')}"
    if n == 0:
        return "aujourd'hui"
    return f"dans {theme.plural(n, 'jour', 'jours')}"


def group_text(g: AlertGroup) -> str:
    n, late = len(g.lines), g.late
    count = theme.plural(n, "personne", "personnes")
    label = f"{g.label} (objectif départemental)" if g.local_target else g.label
    if not late:
        return f"{label} — {count}"
    tail = (", toutes en retard" if n > 1 else ", en retard") if late == n else f" dont {late} en retard"
    return f"{label} — {count}{tail}"


class AlertsModel(QAbstractItemModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.groups: list[AlertGroup] = []
        self._bold: QFont | None = None

    def set_groups(self, groups: list[AlertGroup]) -> None:
        self.beginResetModel()
        self.groups = groups
        self.endResetModel()

    # --- structure --------------------------------------------------------------------------------------

    def index(self, row: int, column: int, parent: AnyIndex = QModelIndex()) -> QModelIndex:  # noqa: B008
        if not parent.isValid():
            return self.createIndex(row, column, _TOP) if 0 <= row < len(self.groups) else QModelIndex()
        if parent.internalId() != _TOP:
            return QModelIndex()
        group = parent.row()
        if 0 <= row < len(self.groups[group].lines):
            return self.createIndex(row, column, group + 1)
        return QModelIndex()

    def parent(self, index: AnyIndex = QModelIndex()) -> QModelIndex:  # type: ignore[override]  # noqa: B008
        if not index.isValid() or index.internalId() == _TOP:
            return QModelIndex()
        return self.createIndex(int(index.internalId()) - 1, 0, _TOP)

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        if not parent.isValid():
            return len(self.groups)
        if parent.internalId() == _TOP and parent.column() == 0:
            return len(self.groups[parent.row()].lines)
        return 0

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return len(HEADERS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[section]
        return None

    # --- data -------------------------------------------------------------------------------------------

    def group_of(self, index: AnyIndex) -> AlertGroup | None:
        if not index.isValid():
            return None
        row = index.row() if index.internalId() == _TOP else int(index.internalId()) - 1
        return self.groups[row] if 0 <= row < len(self.groups) else None

    def line_of(self, index: AnyIndex) -> AlertLine | None:
        if not index.isValid() or index.internalId() == _TOP:
            return None
        group = self.group_of(index)
        return group.lines[index.row()] if group is not None else None

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        group = self.group_of(index)
        if group is None:
            return None
        line = self.line_of(index)
        if role == RULE_ROLE:
            return group.rule_id
        if role == TAB_ROLE:
            return group.tab
        if role == PID_ROLE:
            return line.person_id if line else None
        col = index.column()
        if line is None:
            return self._group_data(group, col, role)
        return self._line_data(group, line, col, role)

    def _group_data(self, g: AlertGroup, col: int, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            return group_text(g) if col == NAME else (g.nature_label if col == NATURE else None)
        if role == Qt.ItemDataRole.FontRole and col == NAME:
            if self._bold is None:
                self._bold = QFont()
                self._bold.setBold(True)
            return self._bold
        if role == Qt.ItemDataRole.DecorationRole and col == NAME:
            return theme.due_icon(DueState.LATE if g.late else DueState.SOON)
        if role == Qt.ItemDataRole.ToolTipRole:
            kind = "Objectif départemental (pas une obligation légale)" if g.local_target else "Délai légal"
            return f"{g.label}\n{kind}\n\n{g.legal_basis}\n\nSource : {g.source}\nS'ouvre à l'onglet {TAB_TITLES[g.tab]}."
        return None

    def _line_data(self, g: AlertGroup, line: AlertLine, col: int, role: int) -> Any:
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return (line.person, g.nature_label, theme.fmt_date(line.due_date), line.state_label,
                    delay_text(line))[col]  # fmt: skip
        if role == Qt.ItemDataRole.DecorationRole and col == STATE:
            return theme.due_icon(line.state)
        if role == Qt.ItemDataRole.ForegroundRole and col in (STATE, DELAY) and line.state == DueState.LATE:
            return _LATE
        if role == Qt.ItemDataRole.ToolTipRole and col == NAME:
            return f"Ouvrir le dossier — onglet {TAB_TITLES[g.tab]} (Entrée)"
        return None
