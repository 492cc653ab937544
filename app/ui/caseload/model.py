"""Lazy table model of the caseload: ordered ids first, rows fetched by pages on demand (like Anki's browser).

Every query runs on the database worker. A search or a sort asks for the ordered ids (plus the first page);
rows outside the loaded pages show « … » and trigger the fetch of their page. Answers to an older query are
dropped (generation counter), so fast typing never shows stale results.

First paint at stress sizes: while the worker has not built the caseload index yet (about 1.5 s of CPU for
100,000 people), the first page by name comes straight from SQL and is shown at once (:attr:`partial` set,
:attr:`CaseloadModel.progress` emitted); the full list replaces it when the index answers. A sort, a search or
a filter asked meanwhile waits for the index (jobs run in order on the worker). Above
``EAGER_DEADLINES_MAX`` people the rule engine has not computed every deadline: a page's rows come first,
their « Prochaine échéance » (« … » meanwhile) in a second job, so names never wait for the rules.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal

from app.services.people.caseload import PAGE_SIZE, CaseloadQuery, CaseloadRow, first_rows
from app.services.people.deadlines import Deadline
from app.ui.kit import theme
from app.ui.kit.worker import DbWorker, WorkerContext

COLUMNS: tuple[tuple[str, str], ...] = (
    ("Nom", "name"),
    ("Prénom", "first_name"),
    ("N° allocataire", "caf_number"),
    ("Commune", "city"),
    ("Parcours", "track"),
    ("Régime", "regime"),
    ("Référent", "referent"),
    ("Prochaine échéance", "next_due"),
    ("Dernier contact", "last_contact"),
)
DUE_COLUMN = 7
ID_ROLE = Qt.ItemDataRole.UserRole + 10
LOADING = "…"
AnyIndex = QModelIndex | QPersistentModelIndex
_ROLES = frozenset(
    {
        Qt.ItemDataRole.DisplayRole,
        Qt.ItemDataRole.AccessibleTextRole,
        Qt.ItemDataRole.DecorationRole,
        Qt.ItemDataRole.ToolTipRole,
        ID_ROLE,
    }
)
_ROW_FLAGS = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
_NO_FLAGS = Qt.ItemFlag.NoItemFlags


def _cell(row: CaseloadRow, column: int) -> str:
    if column == DUE_COLUMN:
        due = row.next_due
        return f"{due.state_label} · {theme.fmt_date(due.due)}" if due else "—"
    values = (
        row.last_name.upper(),
        row.first_name,
        row.caf_number,
        row.city,
        row.track_short,
        row.regime_label,
        row.referent or "—",
        "",
        theme.fmt_date(row.last_contact) or "—",
    )
    return values[column]


class CaseloadModel(QAbstractTableModel):
    """Rows of « Ma file active ». ``loaded`` is emitted with the row count after each (re)load."""

    loaded = Signal(int)
    progress = Signal(int, int)  # rows shown, total: the first page is on screen, the full list is coming

    def __init__(self, worker: DbWorker, parent: Any = None) -> None:
        super().__init__(parent)
        self.worker = worker
        self.query = CaseloadQuery()
        self._ids: list[str] = []
        self._rows: dict[str, CaseloadRow] = {}
        self._cells: dict[str, tuple[str, ...]] = {}
        self._pending: set[int] = set()
        self._generation = 0
        self._live = [0]  # the current generation, read by queued jobs on the worker to skip stale work
        self.loading = False
        self.partial: tuple[int, int] | None = None  # (rows shown, total) while only the first page is there
        self._dues_wanted: set[str] = set()  # rows shown whose next deadline is still being computed

    # --- Qt model API -----------------------------------------------------------------------------------

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._ids)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(COLUMNS):
            if role == Qt.ItemDataRole.DisplayRole:
                return COLUMNS[section][0]
            if role == Qt.ItemDataRole.ToolTipRole:
                return f"Trier par {COLUMNS[section][0].lower()}"
        if orientation == Qt.Orientation.Vertical and role == Qt.ItemDataRole.DisplayRole:
            return str(section + 1)
        return None

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role not in _ROLES or not index.isValid() or not (0 <= index.row() < len(self._ids)):
            return None
        row = self._rows.get(self._ids[index.row()])
        if role == ID_ROLE:
            return self._ids[index.row()]
        if row is None:
            if role == Qt.ItemDataRole.DisplayRole:
                self._request_page(index.row() // PAGE_SIZE)
                return LOADING
            return None
        col = index.column()
        if col == DUE_COLUMN and row.id in self._dues_wanted:
            if role == Qt.ItemDataRole.ToolTipRole:
                return "Calcul de la prochaine échéance en cours…"
            return LOADING if role == Qt.ItemDataRole.DisplayRole else None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            cells = self._cells.get(row.id)
            if cells is None:
                cells = self._cells[row.id] = tuple(_cell(row, c) for c in range(len(COLUMNS)))
            return cells[col]
        if role == Qt.ItemDataRole.DecorationRole and col == DUE_COLUMN and row.next_due:
            return theme.due_icon(row.next_due.state)
        if role == Qt.ItemDataRole.ToolTipRole and col == DUE_COLUMN and row.next_due:
            due = row.next_due
            return f"{due.state_label} — {due.label} : {theme.fmt_date(due.due)}"
        if role == Qt.ItemDataRole.ToolTipRole and col == 4:
            return row.track_label
        if role == Qt.ItemDataRole.ToolTipRole and col in (0, 1, 3, 6):
            return self.data(index, Qt.ItemDataRole.DisplayRole)
        return None

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        return _ROW_FLAGS if index.isValid() else _NO_FLAGS  # constants: called for every cell painted

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(COLUMNS):
            return
        descending = order == Qt.SortOrder.DescendingOrder
        if (self.query.sort, self.query.descending) == (COLUMNS[column][1], descending):
            return
        self.query = replace(self.query, sort=COLUMNS[column][1], descending=descending)
        self.reload()

    # --- loading ----------------------------------------------------------------------------------------

    def set_search(self, text: str) -> None:
        text = " ".join(text.split())
        if text != self.query.search:
            self.query = replace(self.query, search=text)
            self.reload()

    def reload(self) -> None:
        """Ask the worker for the ordered ids of the current query (and the first page of rows)."""
        self._generation += 1
        generation, query, live = self._generation, self.query, self._live
        live[0] = generation
        self.loading = True
        if query == CaseloadQuery() and not self._ids:

            def preview(ctx: WorkerContext) -> tuple[int, list[CaseloadRow]] | None:
                if live[0] != generation or ctx.index.is_built():
                    return None
                return first_rows(ctx.db, deadlines=False)

            self.worker.submit(
                preview, lambda result: self._preview_loaded(generation, result), self._failed, owner=self
            )

        def job(ctx: WorkerContext) -> tuple[list[str], list[CaseloadRow], bool] | None:
            if live[0] != generation:  # typed over: a newer query is queued behind this one
                return None
            ids = ctx.index.ids(query)
            return ids, ctx.index.rows(ids[:PAGE_SIZE], deadlines=False), ctx.index.has_deadlines

        self.worker.submit(job, lambda result: self._ids_loaded(generation, result), self._failed, owner=self)

    def _preview_loaded(self, generation: int, result: tuple[int, list[CaseloadRow]] | None) -> None:
        if result is None or generation != self._generation or not self.loading:
            return
        total, first = result
        if len(first) >= total:  # small caseload: the full answer follows at once, no partial state
            return
        self.beginResetModel()
        self._ids = [r.id for r in first]
        self._rows = {r.id: r for r in first}
        self._cells = {}
        self._pending = {0}
        self._dues_wanted = set()
        self.endResetModel()
        self.partial = (len(first), total)
        self._ask_deadlines(generation, first)
        self.progress.emit(len(first), total)

    def _failed(self, exc: BaseException) -> None:
        self.loading = False
        self.worker.error.emit(exc)

    def _ids_loaded(self, generation: int, result: tuple[list[str], list[CaseloadRow], bool] | None) -> None:
        if generation != self._generation or result is None:
            return
        ids, first, complete = result
        self.beginResetModel()
        self._ids = ids
        self._rows = {r.id: r for r in first}
        self._cells = {}
        self._pending = {0} if ids else set()
        self._dues_wanted = set()
        self.endResetModel()
        self.loading = False
        self.partial = None
        if not complete:
            self._ask_deadlines(generation, first)
        self.loaded.emit(len(ids))

    def _ask_deadlines(self, generation: int, rows: Sequence[CaseloadRow]) -> None:
        """Rows came without their next deadline (large caseload): the column shows « … » until it comes."""
        ids = [r.id for r in rows]
        if not ids:
            return
        self._dues_wanted.update(ids)
        live = self._live
        self.worker.submit(
            lambda ctx: ctx.index.deadlines(ids) if live[0] == generation else None,
            lambda dues: self._deadlines_loaded(generation, ids, dues),
            self._failed,
            owner=self,
        )

    def _deadlines_loaded(self, generation: int, ids: list[str], dues: dict[str, Deadline] | None) -> None:
        if generation != self._generation or dues is None:
            return
        for pid in ids:
            self._dues_wanted.discard(pid)
            row = self._rows.get(pid)
            if row is not None:
                self._rows[pid] = replace(row, next_due=dues.get(pid))
                self._cells.pop(pid, None)
        if self._ids:
            last = len(self._ids) - 1  # the ids sit on one or two pages: a column-wide refresh is cheap
            self.dataChanged.emit(self.index(0, DUE_COLUMN), self.index(last, DUE_COLUMN))

    def _request_page(self, page: int) -> None:
        if page in self._pending:
            return
        self._pending.add(page)
        generation, live = self._generation, self._live
        ids = self._ids[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
        self.worker.submit(
            lambda ctx: (
                (ctx.index.rows(ids, deadlines=False), ctx.index.has_deadlines)
                if live[0] == generation
                else None
            ),
            lambda result: self._page_loaded(generation, page, result),
            self._failed,
            owner=self,
        )

    def _page_loaded(
        self, generation: int, page: int, result: tuple[Sequence[CaseloadRow], bool] | None
    ) -> None:
        if generation != self._generation or result is None:
            return
        rows, complete = result
        self._rows.update((r.id, r) for r in rows)
        first = page * PAGE_SIZE
        last = min(len(self._ids), first + PAGE_SIZE) - 1
        if last >= first:
            self.dataChanged.emit(self.index(first, 0), self.index(last, len(COLUMNS) - 1))
        if not complete:
            self._ask_deadlines(generation, rows)

    # --- helpers ----------------------------------------------------------------------------------------

    def row_id(self, row: int) -> str | None:
        return self._ids[row] if 0 <= row < len(self._ids) else None

    def row_data(self, row: int) -> CaseloadRow | None:
        pid = self.row_id(row)
        return self._rows.get(pid) if pid else None

    def sort_column(self) -> int:
        return next((i for i, (_, key) in enumerate(COLUMNS) if key == self.query.sort), 0)
