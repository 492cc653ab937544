"""The Alertes tree as a model: one row per rule, the people under it. Rows are made when the view asks for them
(a caseload of 100,000 people has hundreds of thousands of alert lines: no widget item per line)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont

from app.services.people.deadlines import DueState
from app.services.people.followup import AlertGroup, AlertLine
from app.ui.kit import theme
from app.ui.kit.grouped import AnyIndex, GroupedModel

HEADERS = ("Échéance / personne", "Nature", "Date limite", "État", "Retard ou délai")
NAME, NATURE, DUE, STATE, DELAY = range(5)
PID_ROLE = Qt.ItemDataRole.UserRole + 1
TAB_ROLE = Qt.ItemDataRole.UserRole + 2
RULE_ROLE = Qt.ItemDataRole.UserRole + 3
TAB_TITLES = {None: "Synthèse", "rdv": "Rendez-vous", "contrats": "Contrats"}
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


class AlertsModel(GroupedModel):
    """One row per rule (:class:`AlertGroup`), its people under it."""

    headers = HEADERS

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._bold: QFont | None = None

    def group_of(self, index: AnyIndex) -> AlertGroup | None:
        return super().group_of(index)  # type: ignore[no-any-return]

    def line_of(self, index: AnyIndex) -> AlertLine | None:
        return super().line_of(index)  # type: ignore[no-any-return]

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
