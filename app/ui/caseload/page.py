"""« Ma file active »: the dense, sortable list of people with an instant search (Ctrl+F)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from PySide6.QtCore import QEvent, QModelIndex, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.services.people.filters import CaseloadFilters, filter_summary
from app.ui.caseload.filters import FilterPanel
from app.ui.caseload.model import COLUMNS, ID_ROLE, CaseloadModel
from app.ui.kit import theme
from app.ui.kit.widgets import EmptyState, FlowRow, named
from app.ui.kit.worker import DbWorker

SEARCH_DEBOUNCE_MS = 120
WIDTHS = (112, 90, 116, 120, 82, 92, 120, 172, 105)
NO_PEOPLE = (
    "Aucune personne dans votre file active",
    "Les personnes orientées vers vous arriveront ici par l'import des listes d'orientation (page Imports) "
    "ou par la synchronisation avec le département.",
)


def _thousands(n: int) -> str:
    """French digit grouping: 100 000 (narrow no-break space)."""
    return f"{n:,}".replace(",", "\u202f")


def _plural(n: int, one: str, many: str) -> str:
    """:func:`theme.plural` with the digits grouped: « 100 000 personnes suivies »."""
    return theme.plural(n, one, many).replace(str(n), _thousands(n), 1)


class CaseloadPage(QWidget):
    """Emits :attr:`open_person` (id) on Enter or double-click."""

    open_person = Signal(str)

    def __init__(self, worker: DbWorker, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = CaseloadModel(worker, self)
        self._debounce = QTimer(self, singleShot=True, interval=SEARCH_DEBOUNCE_MS)
        self._debounce.timeout.connect(lambda: self.model.set_search(self.search.text()))
        self._total: int | None = None
        self._build()
        self.model.loaded.connect(self._on_loaded)
        self.model.progress.connect(self._on_progress)

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 10, 10, 6)
        layout.setSpacing(10)
        heading, tools = QWidget(), QWidget()  # two groups that wrap when the room is short (200 % text)
        top, right = QHBoxLayout(heading), QHBoxLayout(tools)
        top.setContentsMargins(0, 0, 0, 0)
        right.setContentsMargins(0, 0, 0, 0)
        title = named(QLabel("Ma file active"), "title")
        top.addWidget(title)
        top.addSpacing(16)
        self.count = named(QLabel(), "muted")
        top.addWidget(self.count, 0, Qt.AlignmentFlag.AlignBottom)
        self.search = QLineEdit(placeholderText="Rechercher un nom, un n° allocataire, une commune  (Ctrl+F)")
        self.search.setClearButtonEnabled(True)
        self.search.setMinimumWidth(self.search.fontMetrics().averageCharWidth() * 44)
        self.search.setAccessibleName("Rechercher dans la file active")
        self.search.addAction(theme.icon("fa6s.magnifying-glass"), QLineEdit.ActionPosition.LeadingPosition)
        self.search.textChanged.connect(lambda _t: self._debounce.start())
        self.search.installEventFilter(self)
        right.addWidget(self.search)
        self.print_contracts_button = QPushButton(theme.icon("fa6s.print"), "Imprimer les contrats…")
        self.print_contracts_button.setToolTip("Imprimer ou enregistrer les contrats des personnes sélectionnées "
                                               "(Ctrl+Maj+P)")  # fmt: skip
        self.print_contracts_button.clicked.connect(self.print_contracts_selected)
        right.addWidget(self.print_contracts_button)
        row = FlowRow(last_right=True, spacing=16)
        row.addWidget(heading)
        row.addWidget(tools)
        layout.addLayout(row)

        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.setAccessibleName("Liste des personnes suivies")
        dense = self.view.font()
        dense.setPointSizeF(dense.pointSizeF() * 0.93)
        self.view.setFont(dense)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setAlternatingRowColors(True)
        self.view.setShowGrid(False)
        self.view.setWordWrap(False)
        self.view.setTabKeyNavigation(False)
        self.view.verticalHeader().hide()
        self.view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.view.verticalHeader().setDefaultSectionSize(30)
        header = self.view.horizontalHeader()
        header.setHighlightSections(False)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        for i, width in enumerate(WIDTHS):
            self.view.setColumnWidth(i, width)
        header.setStretchLastSection(True)
        header.setSortIndicatorShown(True)
        header.setSortIndicator(0, Qt.SortOrder.AscendingOrder)
        self.view.setSortingEnabled(True)
        self.view.activated.connect(self._activated)

        self.empty = EmptyState("fa6s.users", *NO_PEOPLE)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.view)
        self.stack.addWidget(self.empty)
        self.filters = FilterPanel()
        self.filters.changed.connect(self.set_filters)
        body = QHBoxLayout()
        body.addWidget(self.filters)
        body.addWidget(self.stack, 1)
        layout.addLayout(body, 1)
        reassign = QAction(theme.icon("fa6s.people-arrows"), "Changer de référent…", self.view)
        reassign.triggered.connect(self.reassign_selected)
        self.view.addAction(reassign)
        self.print_contracts_action = QAction(
            theme.icon("fa6s.print"), "Imprimer les contrats de la sélection…", self
        )
        self.print_contracts_action.setShortcut(QKeySequence("Ctrl+Shift+P"))
        self.print_contracts_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.print_contracts_action.triggered.connect(self.print_contracts_selected)
        self.view.addAction(self.print_contracts_action)
        self.addAction(self.print_contracts_action)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)

    # --- behaviour ----------------------------------------------------------------------------------------

    def refresh(self) -> None:
        self.model.reload()

    def set_filters(self, filters: CaseloadFilters) -> None:
        """Apply the filter panel (« Sortis » lists the people who left, not the active caseload)."""
        self.model.query = replace(self.model.query, filters=filters, include_exited=filters.exited)
        self.model.reload()

    def selected_people(self) -> tuple[list[str], list[str]]:
        rows = sorted({i.row() for i in self.view.selectionModel().selectedRows()})
        ids = [pid for r in rows if (pid := self.model.row_id(r))]
        names = [
            f"{d.first_name} {d.last_name.upper()}" if (d := self.model.row_data(r)) else "" for r in rows
        ]
        return ids, names

    def reassign_selected(self) -> None:
        """A team leader's change of référent for the selected people (context menu of the list)."""
        from app.ui.person.parcours_dialogs import open_reassign_many

        ids, names = self.selected_people()
        ctx: Any = getattr(self.window(), "ctx", None)
        if ids and ctx is not None:
            open_reassign_many(ctx, ids, names, self)

    def print_contracts_selected(self) -> None:
        """« Imprimer les contrats de la sélection… » (Ctrl+Maj+P): print or save each selected person's contract."""
        from app.ui.caseload.batch_print import open_batch_print

        ids, _names = self.selected_people()
        ctx: Any = getattr(self.window(), "ctx", None)
        if ctx is not None:
            self.batch_dialog = open_batch_print(ctx, ids, self)

    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        keys = (Qt.Key.Key_Down, Qt.Key.Key_Return, Qt.Key.Key_Enter)
        if (
            obj is self.search
            and isinstance(event, QKeyEvent)
            and event.type() == QEvent.Type.KeyPress
            and event.key() in keys
            and self.model.rowCount()
        ):
            if self._debounce.isActive():
                self._debounce.stop()
                self.model.set_search(self.search.text())
            self.view.setFocus()
            if not self.view.currentIndex().isValid():
                self.view.setCurrentIndex(self.model.index(0, 0))
            return True
        return super().eventFilter(obj, event)

    def _activated(self, index: QModelIndex) -> None:
        pid = index.data(ID_ROLE)
        if pid:
            self.open_person.emit(pid)

    def open_current(self) -> None:
        index = self.view.currentIndex()
        if index.isValid():
            self._activated(index)

    def _on_progress(self, shown: int, total: int) -> None:
        """First page on screen while the full list is indexed on the worker (large caseloads)."""
        self.count.setText(f"Chargement… {_thousands(shown)} / {_thousands(total)} personnes suivies")
        self.stack.setCurrentWidget(self.view)
        if not self.view.currentIndex().isValid():
            self.view.setCurrentIndex(self.model.index(0, 0))

    def _on_loaded(self, n: int) -> None:
        f = self.model.query.filters
        if f is not None and f.active() and not self.model.query.search:
            shown = _plural(n, "personne", "personnes") if n else "Aucune personne"
            self.count.setText(f"{shown} · {filter_summary(f)}")
            self.stack.setCurrentWidget(self.view if n else self.empty)
            if not n:
                self.empty.set_text(
                    "Aucune personne pour ces filtres", "Modifiez ou effacez les filtres à gauche."
                )
            return
        searching = bool(self.model.query.search)
        if not searching:
            self._total = n
        total = self._total
        if searching:
            suffix = f" sur {_thousands(total)}" if total is not None else ""
            self.count.setText(f"{_plural(n, 'résultat', 'résultats')}{suffix}" if n else "Aucun résultat")
        else:
            self.count.setText(_plural(n, "personne suivie", "personnes suivies") if n else "")
        if n:
            self.stack.setCurrentWidget(self.view)
            if not self.view.currentIndex().isValid() or searching:
                self.view.setCurrentIndex(self.model.index(0, 0))
        elif searching:
            self.empty.set_text(
                f"Aucune personne ne correspond à « {self.model.query.search} »",
                "Vérifiez l'orthographe, ou cherchez par n° allocataire ou par commune. "
                "Les accents et les majuscules sont ignorés.",
            )
            self.stack.setCurrentWidget(self.empty)
        else:
            self.empty.set_text(*NO_PEOPLE)
            self.stack.setCurrentWidget(self.empty)

    def column_titles(self) -> list[str]:
        return [c[0] for c in COLUMNS]
