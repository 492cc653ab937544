"""Alertes page: every overdue or coming deadline of the caseload, grouped by rule (rule engine, through
:mod:`app.services.people.followup`). Double-click or Enter opens the person at the tab where it is dealt with."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QFont, QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QStackedWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.services.errors import VaultLockedError
from app.services.people import followup
from app.services.people.deadlines import DueState
from app.services.people.followup import AlertGroup, AlertLine
from app.ui.kit import theme
from app.ui.kit.errors import show_error
from app.ui.kit.widgets import EmptyState, named, top_items
from app.ui.kit.worker import WorkerContext
from app.ui.shell.plugins import UiContext

PID_ROLE = Qt.ItemDataRole.UserRole + 1
TAB_ROLE = Qt.ItemDataRole.UserRole + 2
RULE_ROLE = Qt.ItemDataRole.UserRole + 3
TAB_TITLES = {None: "Synthèse", "rdv": "Rendez-vous", "contrats": "Contrats"}
LATE_BRUSH = QBrush(QColor(theme.LATE))
HEADERS = ("Échéance / personne", "Date limite", "État", "Délai")
NOTHING = (
    "Aucune échéance proche ni dépassée",
    "Toutes les échéances de votre file active (orientation, premier rendez-vous, contrat, bilan…) sont à jour. "
    "Les prochaines apparaîtront ici dès qu'elles approcheront.",
)
NOTHING_LATE = (
    "Aucune échéance dépassée",
    "Rien n'est en retard. Décochez « En retard seulement » pour voir les échéances proches.",
)


def _delay(line: AlertLine) -> str:
    n = line.days_left
    if n < -60:
        return f"dépassée de plus de {-n // 30} mois"
    if n < 0:
        return f"dépassée de {theme.plural(-n, 'jour', 'jours')}"
    if n == 0:
        return "aujourd'hui"
    return f"dans {theme.plural(n, 'jour', 'jours')}"


class AlertsPage(QWidget):
    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.groups: list[AlertGroup] = []
        self.loaded_once = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 10, 10, 6)
        layout.setSpacing(10)
        top = QHBoxLayout()
        top.addWidget(named(QLabel("Alertes"), "title"))
        top.addSpacing(16)
        self.count = named(QLabel(), "muted")
        top.addWidget(self.count, 0, Qt.AlignmentFlag.AlignBottom)
        top.addStretch(1)
        self.late_only = QCheckBox("En retard seulement")
        self.late_only.setToolTip(
            "Masquer les échéances proches (« Bientôt ») pour ne garder que les dépassées"
        )
        self.late_only.toggled.connect(lambda _on: self.reload())
        top.addWidget(self.late_only)
        self.refresh_button = QPushButton(theme.icon("fa6s.rotate"), "Actualiser")
        self.refresh_button.setToolTip("Recalculer les échéances (F5)")
        self.refresh_button.clicked.connect(self.reload)
        top.addWidget(self.refresh_button)
        layout.addLayout(top)
        hint = QLabel(
            "Dépliez une règle pour voir les personnes concernées ; double-cliquez (ou Entrée) sur une personne pour "
            "ouvrir son dossier à l'onglet où traiter l'échéance. Survolez une règle pour voir son fondement.",
            wordWrap=True,
        )
        hint.setProperty("muted", True)
        layout.addWidget(hint)
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(list(HEADERS))
        self.tree.setAccessibleName("Échéances par règle")
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.setAlternatingRowColors(True)
        self.tree.setUniformRowHeights(True)
        self.tree.setExpandsOnDoubleClick(False)  # double-click and Enter both go through _activated
        self.tree.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.tree.header().setStretchLastSection(False)
        for col, width in ((1, 110), (2, 130), (3, 170)):
            self.tree.setColumnWidth(col, width)
        self.tree.itemActivated.connect(self._activated)
        self.empty = EmptyState("fa6s.circle-check", *NOTHING)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.tree)
        self.stack.addWidget(self.empty)
        layout.addWidget(self.stack, 1)
        QShortcut(QKeySequence(QKeySequence.StandardKey.Refresh), self, self.reload)

    # --- loading ------------------------------------------------------------------------------------------

    def reload(self) -> None:
        late_only = self.late_only.isChecked()

        def job(w: WorkerContext) -> list[AlertGroup]:
            return followup.alert_groups(w.db, date.today(), late_only=late_only)

        self.ctx.worker.submit(job, self._show, self._failed, owner=self)

    def _failed(self, exc: BaseException) -> None:
        if not isinstance(exc, VaultLockedError):
            show_error(self, exc)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.reload()

    def update_status(self, info: object, lock_minutes: int) -> None:
        if self.isVisible():
            self.reload()  # after every write (ctx.changed → refresh_status)

    def _show(self, groups: list[AlertGroup]) -> None:
        self.loaded_once = True
        self.groups = groups
        expanded = {it.data(0, RULE_ROLE) for it in top_items(self.tree) if it.isExpanded()}
        self.tree.clear()
        bold = QFont(self.tree.font())
        bold.setBold(True)
        for g in groups:
            item = self._group_item(g, bold)
            self.tree.addTopLevelItem(item)
            item.setExpanded(g.rule_id in expanded or len(groups) == 1)
        total = sum(len(g.lines) for g in groups)
        late = sum(g.late for g in groups)
        if total:
            self.count.setText(
                f"{theme.plural(total, 'échéance', 'échéances')} dont {late} en retard · "
                f"{theme.plural(len(groups), 'règle', 'règles')}"
            )
            self.stack.setCurrentWidget(self.tree)
            if self.tree.currentItem() is None:
                self.tree.setCurrentItem(top_items(self.tree)[0])
        else:
            self.count.setText("")
            self.empty.set_text(*(NOTHING_LATE if self.late_only.isChecked() else NOTHING))
            self.stack.setCurrentWidget(self.empty)

    def _group_item(self, g: AlertGroup, bold: QFont) -> QTreeWidgetItem:
        n = len(g.lines)
        late = (
            (", toutes en retard" if n > 1 else ", en retard") if g.late == n else f" dont {g.late} en retard"
        )
        late = late if g.late else ""
        nature = " (objectif départemental)" if g.local_target else ""
        item = QTreeWidgetItem(
            [f"{g.label}{nature} — {theme.plural(len(g.lines), 'personne', 'personnes')}{late}"]
        )
        item.setFont(0, bold)
        item.setIcon(0, theme.due_icon(DueState.LATE if g.late else DueState.SOON))
        kind = "Objectif départemental (pas une obligation légale)" if g.local_target else "Délai légal"
        tip = f"{g.label}\n{kind}\n\n{g.legal_basis}\n\nSource : {g.source}\nS'ouvre à l'onglet {TAB_TITLES[g.tab]}."
        item.setToolTip(0, tip)
        item.setData(0, TAB_ROLE, g.tab)
        item.setData(0, RULE_ROLE, g.rule_id)
        for line in g.lines:
            child = QTreeWidgetItem(
                [line.person, theme.fmt_date(line.due_date), line.state_label, _delay(line)]
            )
            child.setIcon(2, theme.due_icon(line.state))
            child.setData(0, PID_ROLE, line.person_id)
            child.setData(0, TAB_ROLE, g.tab)
            child.setToolTip(0, f"Ouvrir le dossier — onglet {TAB_TITLES[g.tab]}")
            if line.state == DueState.LATE:
                child.setForeground(2, LATE_BRUSH)
                child.setForeground(3, LATE_BRUSH)
            item.addChild(child)
        return item

    def _activated(self, item: QTreeWidgetItem, _column: int = 0) -> None:
        pid = item.data(0, PID_ROLE)
        if pid:
            self.ctx.open_person(pid, item.data(0, TAB_ROLE))
        else:
            item.setExpanded(not item.isExpanded())


def create_page(ctx: UiContext) -> AlertsPage:
    return AlertsPage(ctx)
