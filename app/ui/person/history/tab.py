"""« Historique » tab of a person: the timeline of everything that happened in the file, newest first, with a
filter by kind and a search (Ctrl+F). Double-click (or Entrée) opens the tab where the item lives."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.services.casefile import timeline
from app.services.casefile.timeline import KIND_LABELS, TimelineItem
from app.ui.kit import theme
from app.ui.kit.errors import show_error
from app.ui.kit.widgets import EmptyState
from app.ui.kit.worker import WorkerContext
from app.ui.shell.plugins import UiContext

ITEM_ROLE = Qt.ItemDataRole.UserRole
EMPTY_TEXT = (
    "Les orientations, rendez-vous, notes, documents et contrats de la personne apparaîtront ici, "
    "du plus récent au plus ancien."
)

#: kind → (icon, colour)
KIND_ICONS: dict[str, tuple[str, str]] = {
    "orientation": ("fa6s.signs-post", theme.ACCENT),
    "rdv": ("fa6s.calendar-days", theme.ACCENT),
    "rdv_statut": ("fa6s.calendar-check", theme.MUTED),
    "courrier_rdv": ("fa6s.envelope", theme.ACCENT),
    "rappel": ("fa6s.bell", theme.MUTED),
    "diagnostic": ("fa6s.clipboard-list", theme.ACCENT),
    "objectif": ("fa6s.bullseye", theme.OK),
    "action": ("fa6s.list-check", theme.OK),
    "prescription": ("fa6s.share-from-square", theme.OK),
    "note": ("fa6s.note-sticky", theme.MUTED),
    "document": ("fa6s.paperclip", theme.MUTED),
    "contrat": ("fa6s.file-signature", theme.ACCENT),
    "contrat_etape": ("fa6s.stamp", theme.ACCENT),
    "referent": ("fa6s.user-tie", theme.MUTED),
    "sortie": ("fa6s.door-open", theme.SOON),
    "sanction": ("fa6s.scale-balanced", theme.LATE),
    "bilan": ("fa6s.clipboard-check", theme.OK),
    "diagnostic_conjoint": ("fa6s.handshake", theme.ACCENT),
    "co_accompagnement": ("fa6s.user-group", theme.ACCENT),
    "ep": ("fa6s.people-group", theme.ACCENT),
}
#: kind → tab that shows the item (None: the synthesis)
KIND_TABS: dict[str, str] = {
    "rdv": "rdv",
    "rdv_statut": "rdv",
    "courrier_rdv": "rdv",
    "rappel": "rdv",
    "diagnostic": "diagnostic",
    "objectif": "carnet",
    "action": "carnet",
    "prescription": "carnet",
    "note": "documents",
    "document": "documents",
    "contrat": "contrats",
    "contrat_etape": "contrats",
    "orientation": "synthese",
    "referent": "synthese",
    "sortie": "synthese",
    "sanction": "synthese",
    "bilan": "bilans",
    "diagnostic_conjoint": "bilans",
    "co_accompagnement": "synthese",
    "ep": "ep",
}


def when_text(at: datetime) -> str:
    return at.strftime("%d/%m/%Y") if at.time() == datetime.min.time() else at.strftime("%d/%m/%Y %H:%M")


class HistoryTab(QWidget):
    def __init__(self, ctx: UiContext, person_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.person_id = ctx, person_id
        self.items: list[TimelineItem] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 10, 10, 10)
        top = QHBoxLayout()
        self.kind = QComboBox()
        self.kind.setAccessibleName("Type d'événement")
        self.kind.addItem(theme.icon("fa6s.layer-group"), "Tous les événements", "")
        for code, label in KIND_LABELS.items():
            name, colour = KIND_ICONS[code]
            self.kind.addItem(theme.icon(name, colour), label, code)
        self.kind.currentIndexChanged.connect(self.apply_filter)
        self.search = QLineEdit(
            placeholderText="Rechercher dans l'historique (Ctrl+F)…", clearButtonEnabled=True
        )
        self.search.setAccessibleName("Rechercher dans l'historique")
        self.search.addAction(theme.icon("fa6s.magnifying-glass"), QLineEdit.ActionPosition.LeadingPosition)
        self.search.textChanged.connect(self.apply_filter)
        scope = Qt.ShortcutContext.WidgetWithChildrenShortcut
        QShortcut(QKeySequence("Ctrl+F"), self, self.search.setFocus, context=scope)
        self.open_button = QPushButton(theme.icon("fa6s.arrow-right"), "Ouvrir l'onglet")
        self.open_button.setToolTip("Aller à l'onglet où se trouve l'élément sélectionné (Entrée)")
        self.open_button.setEnabled(False)
        self.open_button.clicked.connect(self.open_selected)
        top.addWidget(QLabel("Afficher :"))
        top.addWidget(self.kind)
        top.addWidget(self.search, 1)
        top.addWidget(self.open_button)
        layout.addLayout(top)
        self.count = QLabel("Chargement de l'historique…")
        self.count.setProperty("muted", True)
        layout.addWidget(self.count)
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["Date", "Type", "Événement", "Détail"])
        self.tree.setRootIsDecorated(False)
        self.tree.setAlternatingRowColors(True)
        self.tree.setUniformRowHeights(True)
        self.tree.setAccessibleName("Historique du dossier")
        self.tree.itemActivated.connect(lambda *_: self.open_selected())
        self.tree.itemSelectionChanged.connect(self._selection)
        self.empty = EmptyState("fa6s.clock-rotate-left", "Aucun événement", EMPTY_TEXT)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.tree)
        self.stack.addWidget(self.empty)
        layout.addWidget(self.stack, 1)
        self.reload()

    def reload(self) -> None:
        pid = self.person_id

        def job(w: WorkerContext) -> list[TimelineItem]:
            return timeline.timeline(w.db, pid)

        self.ctx.worker.submit(job, self._show, lambda e: show_error(self, e), owner=self)

    def _show(self, items: list[TimelineItem]) -> None:
        self.items = list(reversed(items))
        self.apply_filter()

    def visible_items(self) -> list[TimelineItem]:
        kind, text = self.kind.currentData(), self.search.text()
        return [
            i
            for i in self.items
            if (not kind or i.kind == kind) and (not text.strip() or timeline.matches(i, text))
        ]

    def apply_filter(self, *_: object) -> None:
        shown = self.visible_items()
        self.tree.clear()
        now = datetime.now()
        for i in shown:
            row = QTreeWidgetItem([when_text(i.at), i.kind_label, i.title, i.detail])
            name, colour = KIND_ICONS.get(i.kind, ("fa6s.circle", theme.MUTED))
            row.setIcon(1, theme.icon(name, colour))
            row.setData(0, ITEM_ROLE, i)
            row.setToolTip(3, i.detail)
            if i.at > now:
                row.setText(0, f"{when_text(i.at)} (à venir)")
            self.tree.addTopLevelItem(row)
        for col, width in ((0, 200), (1, 175), (2, 420)):
            self.tree.setColumnWidth(col, width)
        filtered = len(shown) != len(self.items)
        total = theme.plural(len(self.items), "événement", "événements")
        self.count.setText(f"{len(shown)} sur {total}" if filtered else total)
        if not self.items:
            self.empty.set_text("Aucun événement", EMPTY_TEXT)
            self.stack.setCurrentWidget(self.empty)
        elif not shown:
            self.empty.set_text(
                "Aucun événement ne correspond", "Changez le type affiché ou le texte recherché."
            )
            self.stack.setCurrentWidget(self.empty)
        else:
            self.stack.setCurrentWidget(self.tree)
        self._selection()

    def selected(self) -> TimelineItem | None:
        rows = self.tree.selectedItems()
        return rows[0].data(0, ITEM_ROLE) if rows else None

    def _selection(self) -> None:
        self.open_button.setEnabled(self.selected() is not None)

    def open_selected(self) -> None:
        item = self.selected()
        if item is not None:
            self.ctx.open_person(self.person_id, KIND_TABS.get(item.kind, "synthese"))


def create_tab(ctx: UiContext, person_id: str) -> QWidget:
    return HistoryTab(ctx, person_id)
