"""« Ma file active »: the dense, sortable list of people with an instant search (Ctrl+F).

Whose people it lists is said and chosen at the top (« Mes personnes » / « Tous les référents »); it sorts by urgency by
default; the filters sit in a bar above the list; the columns shown, their order and widths and the sort are
kept between sessions (``QSettings``: a preference of this computer, not of the case file)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from PySide6.QtCore import QByteArray, QEvent, QModelIndex, QObject, QPoint, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QStackedWidget,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.services.people.filters import CaseloadFilters, filter_summary
from app.ui.caseload.filters import MINE, TEAM, FilterBar, ScopeSwitch
from app.ui.caseload.model import COLUMNS, DUE_COLUMN, ID_ROLE, CaseloadModel
from app.ui.kit import theme
from app.ui.kit.widgets import EmptyState, FlowRow, LineLabel, named, tool_row
from app.ui.kit.worker import DbWorker

SEARCH_DEBOUNCE_MS = 120
#: Default widths (the list fits 1366 px with the navigation); the user's own are kept in QSettings.
WIDTHS = (200, 400, 135, 215, 110, 110, 130, 100, 100, 150)
SETTINGS_HEADER = "caseload/header"
SETTINGS_SCOPE = "caseload/scope"
SAVE_DELAY_MS = 400
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
    scope_changed = Signal()  # « Mes personnes » / « Tous les référents » switched

    def __init__(self, worker: DbWorker, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = CaseloadModel(worker, self)
        self._debounce = QTimer(self, singleShot=True, interval=SEARCH_DEBOUNCE_MS)
        self._debounce.timeout.connect(lambda: self.model.set_search(self.search.text()))
        self._save_timer = QTimer(self, singleShot=True, interval=SAVE_DELAY_MS)
        self._save_timer.timeout.connect(self.save_header)
        self.auto_widths = (
            True  # no width chosen yet: « Prochaine action » takes the room left (fit_due_column)
        )
        self._fitting = False
        self._total: int | None = None
        self.referent_id: str | None = None
        self.referent_name = ""
        self.asked = False  # a load was asked (the first one waits for the référent signed in)
        self._build()
        self.model.loaded.connect(self._on_loaded)
        self.model.progress.connect(self._on_progress)

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 10, 10, 6)
        layout.setSpacing(8)
        layout.addLayout(self._top_row())
        self.filters = FilterBar()
        self.filters.changed.connect(self.set_filters)
        self.columns_button = QToolButton()
        self.columns_button.setText("Colonnes")
        self.columns_button.setIcon(theme.icon("fa6s.table-columns"))
        self.columns_button.setToolTip("Choisir les colonnes affichées (clic droit sur l'en-tête aussi)")
        self.columns_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.columns_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.columns_button.setAutoRaise(True)
        bar = FlowRow(last_right=True, spacing=12)  # « Colonnes » at the right edge, under them if short
        bar.addWidget(self.filters)
        bar.addWidget(self.columns_button)
        layout.addLayout(bar)
        self.view = self._table()
        self.view.viewport().installEventFilter(self)  # its resizes fit « Prochaine action » (fit_due_column)
        self.columns_button.setMenu(self.columns_menu())
        self.empty = EmptyState("fa6s.users", *NO_PEOPLE)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.view)
        self.stack.addWidget(self.empty)
        layout.addWidget(self.stack, 1)
        self._actions()
        self.restore_header()

    def _top_row(self) -> FlowRow:
        """Title, scope and count on the left; search and printing on the right, under them when the room is
        short (200 % text)."""
        self.scope = ScopeSwitch()
        self.scope.set_value(str(QSettings().value(SETTINGS_SCOPE, MINE)))
        self.scope.changed.connect(self._scope_changed)
        self.count = named(LineLabel(), "muted")  # on one line when there is room, else wrapped
        self.search = QLineEdit(placeholderText="Rechercher : nom, n° allocataire, commune  (Ctrl+F)")
        self.search.setClearButtonEnabled(True)
        self.search.setMinimumWidth(self.search.fontMetrics().averageCharWidth() * 34)
        self.search.setAccessibleName("Rechercher dans la file active")
        self.search.addAction(theme.icon("fa6s.magnifying-glass"), QLineEdit.ActionPosition.LeadingPosition)
        self.search.textChanged.connect(lambda _t: self._debounce.start())
        self.search.installEventFilter(self)
        self.print_contracts_button = QPushButton(theme.icon("fa6s.print"), "Imprimer les contrats…")
        self.print_contracts_button.setToolTip("Imprimer ou enregistrer les contrats des personnes sélectionnées "
                                               "(Ctrl+Maj+P)")  # fmt: skip
        self.print_contracts_button.clicked.connect(self.print_contracts_selected)
        return tool_row([named(QLabel("Ma file active"), "title"), self.scope, self.count],
                        [self.search, self.print_contracts_button])  # fmt: skip

    def _table(self) -> QTableView:
        view = QTableView()
        view.setModel(self.model)
        view.setAccessibleName("Liste des personnes suivies")
        view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        view.setAlternatingRowColors(True)
        view.setShowGrid(False)
        view.setWordWrap(False)
        view.setTabKeyNavigation(False)
        view.verticalHeader().hide()
        view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        view.verticalHeader().setDefaultSectionSize(30)
        header = view.horizontalHeader()
        header.setHighlightSections(False)
        header.setSectionsMovable(True)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        for i, width in enumerate(WIDTHS):
            view.setColumnWidth(i, width)
            view.setColumnHidden(i, not COLUMNS[i][2])
        header.setStretchLastSection(True)
        header.setSortIndicatorShown(True)
        header.setSortIndicator(DUE_COLUMN, Qt.SortOrder.AscendingOrder)
        view.setSortingEnabled(True)
        view.activated.connect(self._activated)
        header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header.customContextMenuRequested.connect(self._header_menu)
        header.sectionResized.connect(self._section_resized)
        for signal in (header.sectionMoved, header.sortIndicatorChanged):
            signal.connect(lambda *_: self._save_timer.start())
        return view

    def _section_resized(self, column: int, *_: object) -> None:
        if not self._fitting and column != self._last_column():  # the last one stretches with the window
            self.auto_widths = False  # the référent chose a width: kept, never fitted again
            self._save_timer.start()

    def _last_column(self) -> int:
        header = self.view.horizontalHeader()
        shown = [i for i in range(len(WIDTHS)) if not header.isSectionHidden(i)]
        return max(shown, key=header.visualIndex) if shown else -1

    def fit_due_column(self) -> None:
        """Until the référent sizes a column, « Prochaine action » takes the room a wide screen leaves (its text
        is the longest), the last column keeping its own width."""
        header = self.view.horizontalHeader()
        shown = [i for i in range(len(WIDTHS)) if not header.isSectionHidden(i)]
        last = self._last_column()
        if DUE_COLUMN not in shown or last == DUE_COLUMN:
            return
        others = sum(WIDTHS[i] for i in shown if i not in (DUE_COLUMN, last))
        width = max(WIDTHS[DUE_COLUMN], self.view.viewport().width() - others - WIDTHS[last])
        self._fitting = True
        try:
            self.view.setColumnWidth(DUE_COLUMN, width)
        finally:
            self._fitting = False

    def _actions(self) -> None:
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

    # --- columns (chosen, widths and order kept) ----------------------------------------------------------

    def columns_menu(self) -> QMenu:
        menu = QMenu(self)
        menu.aboutToShow.connect(lambda: self._fill_columns_menu(menu))
        return menu

    def _fill_columns_menu(self, menu: QMenu) -> None:
        menu.clear()
        for i, (title, _key, _default, _tip) in enumerate(COLUMNS):
            action = menu.addAction(title)
            action.setCheckable(True)
            action.setChecked(not self.view.isColumnHidden(i))
            action.setEnabled(i != 0)  # the name always shows
            action.toggled.connect(lambda on, i=i: self.show_column(i, on))
        menu.addSeparator()
        menu.addAction("Rétablir les colonnes par défaut", self.reset_columns)

    def _header_menu(self, pos: QPoint) -> None:
        menu = self.columns_menu()
        menu.popup(self.view.horizontalHeader().mapToGlobal(pos))

    def show_column(self, column: int, shown: bool) -> None:
        self.view.setColumnHidden(column, not shown)
        if shown and self.view.columnWidth(column) < 40:
            self.view.setColumnWidth(column, WIDTHS[column])
        if self.auto_widths:
            self.fit_due_column()
        self._save_timer.start()

    def reset_columns(self) -> None:
        header = self.view.horizontalHeader()
        self._fitting = True
        try:
            for i, width in enumerate(WIDTHS):
                header.moveSection(header.visualIndex(i), i)
                self.view.setColumnHidden(i, not COLUMNS[i][2])
                self.view.setColumnWidth(i, width)
            header.setSortIndicator(DUE_COLUMN, Qt.SortOrder.AscendingOrder)
        finally:
            self._fitting = False
        self._save_timer.stop()
        QSettings().remove(SETTINGS_HEADER)  # the defaults, fitted to the window again
        self.auto_widths = True
        self.fit_due_column()

    def save_header(self) -> None:
        QSettings().setValue(SETTINGS_HEADER, self.view.horizontalHeader().saveState())

    def restore_header(self) -> None:
        state = QSettings().value(SETTINGS_HEADER)
        if isinstance(state, QByteArray | bytes) and state:
            self._fitting = True
            try:
                self.view.horizontalHeader().restoreState(QByteArray(state))
            finally:
                self._fitting = False
            self.auto_widths = False
        self.view.setColumnHidden(0, False)

    # --- behaviour ----------------------------------------------------------------------------------------

    def refresh(self) -> None:
        self.asked = True
        self.model.reload()

    @property
    def mine_only(self) -> bool:
        """The list (and the badges, the Alertes page, « Aujourd'hui ») shows « Mes personnes »."""
        return self.scope.value() == MINE

    def scope_referent(self) -> str | None:
        """The référent whose people are shown (« Mes personnes »), None for everyone (« Tous les référents »)."""
        return self.referent_id if self.mine_only else None

    def set_referent(self, referent_id: str | None, name: str = "") -> None:
        """The référent signed in on this device (from the status): « Mes personnes » are theirs."""
        self.scope.set_referent_known(referent_id is not None)
        if referent_id is None and self.mine_only:
            self.scope.set_value(TEAM)
        changed = (referent_id, name) != (self.referent_id, self.referent_name)
        self.referent_id, self.referent_name = referent_id, name
        self._apply_scope(reload=changed or not self.asked)

    def _scope_changed(self, value: str) -> None:
        QSettings().setValue(SETTINGS_SCOPE, value)
        self._apply_scope(reload=True)
        self.scope_changed.emit()

    def _apply_scope(self, *, reload: bool) -> None:
        scope = self.scope_referent()
        if self.model.query.referent_id != scope or reload:
            self.model.query = replace(self.model.query, referent_id=scope)
            self._total = None
            self.refresh()

    def set_filters(self, filters: CaseloadFilters) -> None:
        """Apply the filter bar (« Sortis » lists the people who left, not the active caseload)."""
        self.model.query = replace(self.model.query, filters=filters, include_exited=filters.exited)
        self.refresh()

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
        view = getattr(self, "view", None)
        if (
            view is not None
            and obj is view.viewport()
            and event.type() == QEvent.Type.Resize
            and self.auto_widths
        ):
            self.fit_due_column()
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
                    "Aucune personne pour ces filtres",
                    "Modifiez ou effacez les filtres au-dessus de la liste.",
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
            whose = " (tous référents)" if self.model.query.referent_id is None else ""
            self.count.setText(_plural(n, "personne suivie", "personnes suivies") + whose if n else "")
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
