"""Alertes page: every overdue or coming deadline of « Mes personnes » (or « Tous les référents »), grouped by rule, each
rule with its nature (a legal deadline or a departmental target) and its legal basis shown under the list.

The headline counts what the navigation badge counts — people with an overdue deadline — and says so, then the
deadlines. On a person's line: Entrée opens the file at the tab where it is dealt with; « Planifier un RDV »
(Ctrl+R), « Nouvelle note » (Ctrl+Maj+M) and « Convoquer » (Ctrl+Maj+C) act at once. The tree is a model (a
caseload of 100,000 people has hundreds of thousands of alert lines)."""

from __future__ import annotations

import html
from datetime import date

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHeaderView,
    QLabel,
    QPushButton,
    QStackedWidget,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from app.services.errors import VaultLockedError
from app.services.people import followup
from app.services.people.followup import AlertGroup
from app.ui.kit import theme
from app.ui.kit.errors import show_error
from app.ui.kit.widgets import EmptyState, FlowRow, LineLabel, named, tool_row
from app.ui.kit.worker import WorkerContext
from app.ui.pages.alerts.model import DELAY, DUE, NATURE, PID_ROLE, STATE, TAB_ROLE, AlertsModel
from app.ui.person.actions import PersonActions, Target
from app.ui.shell.plugins import UiContext

__all__ = ["PID_ROLE", "AlertsPage", "create_page", "headline"]

NOTHING = (
    "Aucune échéance proche ni dépassée",
    "Toutes les échéances de votre file active (orientation, premier rendez-vous, contrat, bilan…) sont à jour. "
    "Les prochaines apparaîtront ici dès qu'elles approcheront.",
)
NOTHING_LATE = (
    "Aucune échéance dépassée",
    "Rien n'est en retard. Décochez « En retard seulement » pour voir les échéances proches.",
)
WIDTHS = ((NATURE, 170), (DUE, 100), (STATE, 110), (DELAY, 170))


def headline(groups: list[AlertGroup]) -> str:
    """« 60 personnes ont une échéance dépassée · 163 échéances dépassées, 21 bientôt · 10 règles »: first the
    number the navigation badge shows (people), then the deadlines."""
    late_people = len({line.person_id for g in groups for line in g.lines if line.state == "en_retard"})
    late = sum(g.late for g in groups)
    soon = sum(len(g.lines) for g in groups) - late
    people = (
        theme.plural(late_people, "personne a une échéance dépassée", "personnes ont une échéance dépassée")
        if late_people
        else "Aucune personne en retard"
    )
    deadlines = [theme.plural(late, "échéance dépassée", "échéances dépassées")] if late else []
    deadlines += [theme.plural(soon, "bientôt", "bientôt")] if soon else []
    return " · ".join([people, ", ".join(deadlines), theme.plural(len(groups), "règle", "règles")])


class AlertsPage(QWidget):
    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.groups: list[AlertGroup] = []
        self.loaded_once = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 10, 10, 6)
        layout.setSpacing(8)
        layout.addLayout(self._top())
        self.model = AlertsModel(self)
        self.tree = self._tree()
        self.empty = EmptyState("fa6s.circle-check", *NOTHING)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.tree)
        self.stack.addWidget(self.empty)
        layout.addWidget(self.stack, 1)
        self.basis = QLabel(wordWrap=True)
        self.basis.setAccessibleName("Fondement de l'échéance sélectionnée")
        self.basis.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.basis.setProperty("muted", True)
        layout.addWidget(self.basis)
        self.actions_bar = PersonActions(ctx, self.current_target, self)
        layout.addWidget(self.actions_bar)
        QShortcut(QKeySequence(QKeySequence.StandardKey.Refresh), self, self.reload)

    def _top(self) -> FlowRow:
        self.count = named(LineLabel(), "muted")  # on one line when there is room, else wrapped
        self.count.setAccessibleName("Nombre d'alertes")
        self.late_only = QCheckBox("En retard &seulement")
        self.late_only.setToolTip(
            "Masquer les échéances proches (« Bientôt ») pour ne garder que les dépassées"
        )
        self.late_only.toggled.connect(lambda _on: self.reload())
        self.refresh_button = QPushButton(theme.icon("fa6s.rotate"), "Actualiser")
        self.refresh_button.setToolTip("Recalculer les échéances (F5)")
        self.refresh_button.clicked.connect(self.reload)
        return tool_row(
            [named(QLabel("Alertes"), "title"), self.count], [self.late_only, self.refresh_button]
        )

    def _tree(self) -> QTreeView:
        tree = QTreeView()
        tree.setModel(self.model)
        tree.setAccessibleName("Échéances par règle")
        tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        tree.setAlternatingRowColors(True)
        tree.setUniformRowHeights(True)
        tree.setExpandsOnDoubleClick(False)  # double-click and Entrée both go through _activated
        header = tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for col, width in WIDTHS:
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.Interactive)
            tree.setColumnWidth(col, width)
        tree.activated.connect(self._activated)
        selection = tree.selectionModel()
        assert selection is not None
        selection.currentChanged.connect(lambda current, _previous: self._current_changed(current))
        return tree

    # --- loading ------------------------------------------------------------------------------------------

    def reload(self) -> None:
        late_only = self.late_only.isChecked()
        referent = self.ctx.scope_referent()

        def job(w: WorkerContext) -> list[AlertGroup]:
            return followup.alert_groups(w.db, date.today(), late_only=late_only, referent_id=referent)

        self.ctx.worker.submit(job, self._show, self._failed, owner=self)

    def _failed(self, exc: BaseException) -> None:
        if not isinstance(exc, VaultLockedError):
            show_error(self, exc)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.reload()

    def update_status(self, info: object, lock_minutes: int) -> None:
        if self.isVisible():
            self.reload()  # after every write (ctx.changed → refresh_status) and a change of scope

    def focus_default(self) -> None:
        self.tree.setFocus()

    def _show(self, groups: list[AlertGroup]) -> None:
        self.loaded_once = True
        expanded = {
            self.model.groups[i].rule_id
            for i in range(len(self.model.groups))
            if self.tree.isExpanded(self.model.index(i, 0))
        }
        current = self.current_target()
        self.groups = groups
        self.model.set_groups(groups)
        for i, g in enumerate(groups):
            self.tree.setFirstColumnSpanned(i, QModelIndex(), True)  # a rule's title is never cut
            self.tree.setExpanded(self.model.index(i, 0), g.rule_id in expanded or len(groups) == 1)
        if groups:
            self.count.setText(headline(groups))
            self.stack.setCurrentWidget(self.tree)
            self._restore_current(current)
        else:
            self.count.setText("")
            self.empty.set_text(*(NOTHING_LATE if self.late_only.isChecked() else NOTHING))
            self.stack.setCurrentWidget(self.empty)
        self.actions_bar.refresh()

    def _restore_current(self, target: Target | None) -> None:
        if target is not None:
            for i, g in enumerate(self.groups):
                for j, line in enumerate(g.lines if g.tab == target.tab else ()):
                    if line.person_id == target.person_id:
                        self.tree.setCurrentIndex(self.model.index(j, 0, self.model.index(i, 0)))
                        return
        self.tree.setCurrentIndex(self.model.index(0, 0))

    # --- selection and actions ----------------------------------------------------------------------------

    def current_target(self) -> Target | None:
        index = self.tree.currentIndex() if hasattr(self, "tree") else QModelIndex()
        line = self.model.line_of(index)
        if line is None:
            return None
        return Target(line.person_id, line.person, index.data(TAB_ROLE))

    def _current_changed(self, index: QModelIndex) -> None:
        group = self.model.group_of(index)
        if group is None:
            self.basis.clear()
        else:
            self.basis.setText(
                f"<b>{group.nature_label}</b> — {html.escape(group.label, quote=False)} : {html.escape(group.legal_basis, quote=False)}"
            )
        self.actions_bar.refresh()

    def _activated(self, index: QModelIndex) -> None:
        pid = index.data(PID_ROLE)
        if pid:
            self.ctx.open_person(pid, index.data(TAB_ROLE))
        else:
            self.tree.setExpanded(index, not self.tree.isExpanded(index))


def create_page(ctx: UiContext) -> AlertsPage:
    return AlertsPage(ctx)
