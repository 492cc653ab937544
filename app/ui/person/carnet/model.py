"""The carnet de bord as a tree model (thèmes → objectifs → actions → prescriptions, with « Ajouter… » rows),
its item roles, status icons, and the tree view that edits « Ajouter… » rows in place."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QColor, QFont, QKeyEvent, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QLineEdit,
    QStyledItemDelegate,
    QTreeView,
    QWidget,
)

from app.services.casefile.carnet.tree import ActionItem, CarnetTree, ObjectiveItem, PrescriptionItem
from app.ui.kit import theme

KIND_ROLE = Qt.ItemDataRole.UserRole + 10
ID_ROLE = Qt.ItemDataRole.UserRole + 11
PARENT_ROLE = Qt.ItemDataRole.UserRole + 12
NEW_OBJECTIVE, NEW_ACTION = "new_objective", "new_action"
COLUMNS = ("Intitulé", "Statut", "Partenaire / contrat", "Dates")
STATUS_ICONS = {
    "en_cours": "fa6s.spinner",
    "atteint": "fa6s.circle-check",
    "abandonne": "fa6s.circle-xmark",
    "prevue": "fa6s.calendar",
    "realisee": "fa6s.circle-check",
    "abandonnee": "fa6s.circle-xmark",
    "annulee": "fa6s.ban",
    "en_attente": "fa6s.hourglass-half",
    "accepte": "fa6s.thumbs-up",
    "refuse": "fa6s.thumbs-down",
    "entre": "fa6s.door-open",
    "termine": "fa6s.flag-checkered",
}
STATUS_KINDS = {
    "objective": "objective_statuses",
    "action": "action_statuses",
    "prescription": "prescription_outcomes",
}


def _dates(start: Any, end: Any) -> str:
    if start and end:
        return f"du {theme.fmt_date(start)} au {theme.fmt_date(end)}"
    if start:
        return f"à partir du {theme.fmt_date(start)}"
    return f"jusqu'au {theme.fmt_date(end)}" if end else ""


def quoted(texts: list[str], limit: int = 3) -> str:
    shown = ", ".join(f"« {t} »" for t in texts[:limit])
    rest = len(texts) - limit
    return shown + (f" et {rest} autre{'s' if rest > 1 else ''}" if rest > 0 else "")


def _row(kind: str, item_id: str, cells: list[str], icon: str, status: str = "") -> list[QStandardItem]:
    items = [QStandardItem(text) for text in cells]
    for item in items:
        item.setEditable(False)
        item.setToolTip(item.text() if len(item.text()) > 40 else "")
        item.setData(kind, KIND_ROLE)
        item.setData(item_id, ID_ROLE)
    items[0].setIcon(theme.icon(icon, theme.ACCENT if kind == "theme" else theme.MUTED))
    if status:
        items[1].setIcon(theme.icon(STATUS_ICONS.get(status, "fa6s.circle"), theme.MUTED))
    return items


def _adder(kind: str, parent_id: str, text: str) -> list[QStandardItem]:
    first = QStandardItem(theme.icon("fa6s.plus"), text)
    first.setData(kind, KIND_ROLE)
    first.setData(parent_id, PARENT_ROLE)
    first.setData(text, Qt.ItemDataRole.AccessibleDescriptionRole)
    first.setForeground(QColor(theme.MUTED))
    first.setToolTip("Tapez l'intitulé puis Entrée (F2 ou double-clic pour commencer)")
    rest = [QStandardItem("") for _ in COLUMNS[1:]]
    for item in rest:
        item.setEditable(False)
    return [first, *rest]


class AdderDelegate(QStyledItemDelegate):
    """Typing on an « Ajouter… » row starts from an empty field, not from the placeholder text."""

    def setEditorData(self, editor: QWidget, index: Any) -> None:
        if index.data(KIND_ROLE) in (NEW_OBJECTIVE, NEW_ACTION) and isinstance(editor, QLineEdit):
            editor.setText("")
            editor.setPlaceholderText(index.data(Qt.ItemDataRole.AccessibleDescriptionRole))
        else:
            super().setEditorData(editor, index)


class CarnetTreeView(QTreeView):
    """Typing starts editing an « Ajouter… » row, but Ctrl shortcuts (Ctrl+N, Ctrl+E…) stay shortcuts."""

    def event(self, e: QEvent) -> bool:
        ctrl = isinstance(e, QKeyEvent) and bool(e.modifiers() & Qt.KeyboardModifier.ControlModifier)
        if e.type() == QEvent.Type.ShortcutOverride and ctrl and self.state() != self.State.EditingState:
            e.ignore()
            return False
        return super().event(e)


class CarnetModel(QStandardItemModel):
    """The carnet as a tree model; ``add_requested(kind, parent_id, text)`` when an « Ajouter… » row is typed in."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(0, len(COLUMNS), parent)
        self.setHorizontalHeaderLabels(list(COLUMNS))
        self.on_add: Callable[[str, str, str], None] | None = None
        self.itemChanged.connect(self._typed)

    def _typed(self, item: QStandardItem) -> None:
        kind = item.data(KIND_ROLE)
        if kind not in (NEW_OBJECTIVE, NEW_ACTION):
            return
        text = item.text().strip()
        placeholder = item.data(Qt.ItemDataRole.AccessibleDescriptionRole)
        if text and text != placeholder and self.on_add is not None:
            self.on_add(kind, item.data(PARENT_ROLE), text)

    def fill(self, tree: CarnetTree) -> None:
        self.removeRows(0, self.rowCount())
        bold = QFont()
        bold.setBold(True)
        for group in tree.themes:
            head = _row("theme", group.code, [group.label, "", "", ""], "fa6s.folder-open")
            head[0].setFont(bold)
            head[0].setText(f"{group.label} ({theme.plural(len(group.objectives), 'objectif', 'objectifs')})")
            for objective in group.objectives:
                head[0].appendRow(self._objective(objective))
            head[0].appendRow(_adder(NEW_OBJECTIVE, group.code, "Ajouter un objectif…"))
            self.appendRow(head)
        if tree.other_prescriptions:
            head = _row(
                "section", "", ["Prescriptions hors plan d'action", "", "", ""], "fa6s.share-from-square"
            )
            head[0].setFont(bold)
            for p in tree.other_prescriptions:
                head[0].appendRow(self._prescription(p))
            self.appendRow(head)

    def _objective(self, o: ObjectiveItem) -> list[QStandardItem]:
        consent = "accord de la personne" + (
            f" le {theme.fmt_date(o.consent_date)}" if o.consent_date else ""
        )
        extra = " · ".join(
            x for x in (o.contract_label, consent if o.consent else "sans accord recueilli") if x
        )
        row = _row("objective", o.id, [o.title, o.status_label, extra, ""], "fa6s.bullseye", o.status)
        row[2].setIcon(theme.icon("fa6s.handshake" if o.consent else "fa6s.circle-question", theme.MUTED))
        for action in o.actions:
            row[0].appendRow(self._action(action))
        row[0].appendRow(_adder(NEW_ACTION, o.id, "Ajouter une action…"))
        return row

    def _action(self, a: ActionItem) -> list[QStandardItem]:
        who = " · ".join(x for x in (a.partner, f"confiée à {a.assignee}" if a.assignee else "") if x)
        cells = [a.label, a.status_label, who, _dates(a.start_date, a.end_date)]
        row = _row("action", a.id, cells, "fa6s.list-check", a.status)
        for p in a.prescriptions:
            row[0].appendRow(self._prescription(p))
        return row

    def _prescription(self, p: PrescriptionItem) -> list[QStandardItem]:
        outcome = p.outcome_label + (f" le {theme.fmt_date(p.outcome_date)}" if p.outcome_date else "")
        cells = [
            f"Prescription : {p.kind_label}",
            outcome,
            p.partner,
            f"prescrite le {theme.fmt_date(p.prescribed_on)}",
        ]
        return _row("prescription", p.id, cells, "fa6s.share-from-square", p.outcome)
