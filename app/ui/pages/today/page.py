"""« Aujourd'hui », the first page: the day's RDVs (with their convocation's state), the people to call back, the
overdue items graded (a legal deadline past, then a departmental target past, then this week), one line per
person, each with its actions.

Keyboard-first: the list has the focus when the window opens; ↑/↓ move, Entrée opens the file at the tab where
the matter is dealt with, Ctrl+R plans a RDV, Ctrl+Maj+M writes a note, Ctrl+Maj+C convokes, F5 refreshes.
Whose people: the choice made at the top of « Ma file active » (« Mes personnes » / « Tous les référents »)."""

from __future__ import annotations

import html
from datetime import date

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QLabel,
    QPushButton,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from app.services.agenda import today as today_service
from app.services.agenda.calendar import long_day
from app.services.agenda.today import KIND_LABELS, DayPlan
from app.services.errors import VaultLockedError
from app.ui.kit import theme
from app.ui.kit.errors import show_error
from app.ui.kit.widgets import LineLabel, named, tool_row
from app.ui.kit.worker import WorkerContext
from app.ui.pages.today.model import PERSON, WHAT, WHEN, TodayModel
from app.ui.person.actions import PersonActions, Target
from app.ui.shell.plugins import UiContext

HINT = (
    "Entrée : ouvrir le dossier · Ctrl+R : planifier un rendez-vous · Ctrl+Maj+M : nouvelle note · "
    "Ctrl+Maj+C : convoquer · F5 : actualiser"
)


class TodayPage(QWidget):
    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.plan: DayPlan | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 10, 10, 6)
        layout.setSpacing(8)
        self.day = named(LineLabel(), "muted")  # on one line when there is room, else wrapped
        self.refresh_button = QPushButton(theme.icon("fa6s.rotate"), "Actualiser")
        self.refresh_button.setToolTip("Actualiser la journée (F5)")
        self.refresh_button.clicked.connect(self.reload)
        layout.addLayout(tool_row([named(QLabel("Aujourd'hui"), "title"), self.day], [self.refresh_button]))
        self.model = TodayModel(self)
        self.tree = self._tree()
        layout.addWidget(self.tree, 1)
        self.detail = QLabel(wordWrap=True)
        self.detail.setAccessibleName("Détail de la ligne sélectionnée")
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.detail.setProperty("muted", True)
        layout.addWidget(self.detail)
        self.actions_bar = PersonActions(ctx, self.current_target, self)
        layout.addWidget(self.actions_bar)
        hint = QLabel(HINT, wordWrap=True)
        hint.setProperty("muted", True)
        layout.addWidget(hint)
        QShortcut(QKeySequence(QKeySequence.StandardKey.Refresh), self, self.reload)

    def _tree(self) -> QTreeView:
        tree = QTreeView()
        tree.setModel(self.model)
        tree.setAccessibleName("La journée : rendez-vous, personnes à rappeler, échéances")
        tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        tree.setAlternatingRowColors(True)
        tree.setUniformRowHeights(True)
        tree.setExpandsOnDoubleClick(False)
        tree.setAllColumnsShowFocus(True)
        header = tree.header()
        header.setStretchLastSection(True)  # a wide screen widens « +N autres », not the gap before « Quand »
        for col, width in ((PERSON, 230), (WHAT, 420), (WHEN, 300)):
            tree.setColumnWidth(col, width)
        tree.activated.connect(self._activated)
        selection = tree.selectionModel()
        assert selection is not None
        selection.currentChanged.connect(lambda current, _previous: self._current_changed(current))
        return tree

    # --- loading ------------------------------------------------------------------------------------------

    def reload(self) -> None:
        referent = self.ctx.scope_referent()
        on = date.today()

        def job(w: WorkerContext) -> DayPlan:
            return today_service.day_plan(w.db, on, referent_id=referent)

        self.ctx.worker.submit(job, self._show, self._failed, owner=self)

    def _failed(self, exc: BaseException) -> None:
        if not isinstance(exc, VaultLockedError):
            show_error(self, exc)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.reload()

    def update_status(self, info: object, lock_minutes: int) -> None:
        if self.isVisible():
            self.reload()  # after every write and a change of scope

    def focus_default(self) -> None:
        self.tree.setFocus()

    def _show(self, plan: DayPlan) -> None:
        current = self.current_target()
        self.plan = plan
        whose = "vos personnes et celles sans référent" if self.ctx.scope_referent() else "tous référents"
        self.day.setText(f"{long_day(plan.on)} · {whose}")
        self.model.set_plan(plan)
        for row in range(self.model.rowCount()):  # a part's title spans the columns
            self.tree.setFirstColumnSpanned(row, QModelIndex(), True)
        self.tree.expandAll()
        self._restore_current(current)
        self.actions_bar.refresh()

    def _restore_current(self, target: Target | None) -> None:
        first: QModelIndex | None = None
        for i in range(self.model.rowCount()):
            parent = self.model.index(i, 0)
            for j in range(self.model.rowCount(parent)):
                index = self.model.index(j, 0, parent)
                line = self.model.line_of(index)
                if first is None:
                    first = index
                if target is not None and line is not None and line.person_id == target.person_id:
                    self.tree.setCurrentIndex(index)
                    return
        self.tree.setCurrentIndex(first if first is not None else self.model.index(0, 0))

    # --- selection and actions ----------------------------------------------------------------------------

    def select_person(self, person_id: str) -> None:
        """Select the person's first line (the first line of all when they have none)."""
        self._restore_current(Target(person_id, ""))

    def current_target(self) -> Target | None:
        if not hasattr(self, "tree"):
            return None
        line = self.model.line_of(self.tree.currentIndex())
        if line is None or line.person_id is None:
            return None
        return Target(line.person_id, line.person, line.tab, line.rdv_id)

    def _current_changed(self, index: QModelIndex) -> None:
        line = self.model.line_of(index)
        if line is None:
            self.detail.clear()
        else:
            bits = [f"<b>{KIND_LABELS[line.kind]}</b> — {html.escape(line.person, quote=False)}",
                    html.escape(line.label, quote=False), html.escape(line.detail, quote=False)]  # fmt: skip
            if line.legal_basis:
                bits.append(html.escape(line.legal_basis, quote=False))
            self.detail.setText(" · ".join(b for b in bits if b))
        self.actions_bar.refresh()

    def _activated(self, index: QModelIndex) -> None:
        target = self.current_target() if index == self.tree.currentIndex() else None
        line = self.model.line_of(index)
        if line is not None and line.person_id:
            self.ctx.open_person(line.person_id, line.tab)
        elif target is None and line is None:
            self.tree.setExpanded(index, not self.tree.isExpanded(index))


def create_page(ctx: UiContext) -> TodayPage:
    return TodayPage(ctx)
