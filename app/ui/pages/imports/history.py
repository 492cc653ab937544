"""The imports page's home: the past imports (file, when, counts; rejections in red), or an empty state that
says what an import is and how to start one."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QHeaderView, QLabel, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget

from app.services.imports.service import HistoryEntry
from app.ui.kit import theme
from app.ui.kit.widgets import EmptyState, named

EMPTY = (
    "Aucun import pour l'instant",
    "Chaque mois, le département envoie la liste des personnes orientées vers vous (un fichier CSV exporté "
    "de son logiciel ou d'Excel). Cliquez « Importer un fichier… » (Ctrl+I) ou glissez le fichier ici : Fil "
    "rouge vous montrera ce qu'il contient et ce qu'il ferait avant d'enregistrer quoi que ce soit.",
)


class HistoryPane(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        v = QVBoxLayout(self)
        v.setContentsMargins(0, 0, 0, 0)
        self.empty = EmptyState("fa6s.file-import", *EMPTY)
        v.addWidget(self.empty, 1)
        self.title = named(QLabel("Imports précédents"), "h2")
        v.addWidget(self.title)
        self.hint = QLabel(
            "Glissez un fichier CSV sur cette page ou cliquez « Importer un fichier… » (Ctrl+I) pour importer "
            "la liste du mois.",
            wordWrap=True,
        )
        self.hint.setProperty("muted", True)
        v.addWidget(self.hint)
        self.tree = QTreeWidget()
        self.tree.setAccessibleName("Imports précédents")
        self.tree.setRootIsDecorated(False)
        self.tree.setAlternatingRowColors(True)
        self.tree.setHeaderLabels(
            ["Fichier", "Importé le", "Lignes", "Créées", "Mises à jour", "Inchangées", "Rejetées"]
        )
        self.tree.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.tree.header().setStretchLastSection(False)
        for col, width in ((1, 150), (2, 80), (3, 80), (4, 100), (5, 95), (6, 85)):
            self.tree.setColumnWidth(col, width)
        v.addWidget(self.tree, 1)

    def show_entries(self, entries: list[HistoryEntry]) -> None:
        self.tree.clear()
        for e in entries:
            counts = (e.total, e.created, e.updated, e.unchanged, e.rejected)
            item = QTreeWidgetItem([e.file_name, theme.fmt_datetime(e.at), *(str(n) for n in counts)])
            for col in range(2, 7):
                item.setTextAlignment(col, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            if e.rejected:
                item.setForeground(6, QBrush(QColor(theme.LATE)))
            self.tree.addTopLevelItem(item)
        has = bool(entries)
        self.empty.setVisible(not has)
        for w in (self.title, self.hint, self.tree):
            w.setVisible(has)
