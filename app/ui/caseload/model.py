"""Lazy table model of the caseload: ordered ids first, rows fetched by pages on demand (like Anki's browser).

Every query runs on the database worker. A search or a sort asks for the ordered ids (plus the first page);
rows outside the loaded pages show « … » and trigger the fetch of their page. Answers to an older query are
dropped (generation counter), so fast typing never shows stale results.

First paint at stress sizes: while the worker has not built the caseload index yet (about 1.5 s of CPU for
100,000 people), the first page by name comes straight from SQL and is shown at once (:attr:`partial` set,
:attr:`CaseloadModel.progress` emitted); the full list replaces it when the index answers. A sort, a search or
a filter asked meanwhile waits for the index (jobs run in order on the worker). Each page's rows come with the
deadline to act on first, read from the deadlines kept in the vault.

Columns (issue #15: the list fits 1366×768): Nom Prénom · Prochaine action (the most urgent deadline, « en
retard de N j », a legal deadline and a departmental target told apart by icon and text) · Prochain RDV ·
Contrat · Dernier contact; N° allocataire, Commune, Parcours, Régime and Référent can be shown from the
header's menu.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QColor, QIcon

from app.models.rules.urgency import Grade
from app.services.people.caseload import PAGE_SIZE, CaseloadQuery, CaseloadRow, first_rows
from app.services.people.deadlines import Deadline
from app.ui.kit import theme
from app.ui.kit.worker import DbWorker, WorkerContext

#: (title, sort key, shown by default, header tooltip)
COLUMNS: tuple[tuple[str, str, bool, str], ...] = (
    ("Nom Prénom", "name", True, "Trier par nom"),
    (
        "Prochaine action",
        "urgency",
        True,
        "Trier par urgence : délais légaux dépassés, puis objectifs départementaux dépassés, puis cette "
        "semaine, puis le reste",
    ),
    ("Prochain RDV", "next_rdv", True, "Trier par prochain rendez-vous"),
    ("Contrat", "contract", True, "Trier par fin du contrat en cours"),
    ("Dernier contact", "last_contact", True, "Trier par date du dernier contact"),
    ("N° allocataire", "caf_number", False, "Trier par n° allocataire"),
    ("Commune", "city", False, "Trier par commune"),
    ("Parcours", "track", False, "Trier par parcours"),
    ("Régime", "regime", False, "Trier par régime"),
    ("Référent", "referent", False, "Trier par référent"),
)
NAME_COLUMN, DUE_COLUMN, RDV_COLUMN, CONTRACT_COLUMN = 0, 1, 2, 3
ID_ROLE = Qt.ItemDataRole.UserRole + 10
LOADING = "…"
AnyIndex = QModelIndex | QPersistentModelIndex
_ROLES = frozenset(
    {
        Qt.ItemDataRole.DisplayRole,
        Qt.ItemDataRole.AccessibleTextRole,
        Qt.ItemDataRole.DecorationRole,
        Qt.ItemDataRole.ToolTipRole,
        Qt.ItemDataRole.ForegroundRole,
        ID_ROLE,
    }
)
_ROW_FLAGS = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
_NO_FLAGS = Qt.ItemFlag.NoItemFlags

#: Icon and colour of a row's next action by grade: a legal deadline past, a departmental target past (another
#: icon, another colour, and « objectif » in the text), this week, later.
GRADE_LOOK: dict[int, tuple[str, str]] = {
    Grade.LEGAL_LATE: ("fa6s.scale-balanced", theme.LATE),
    Grade.LOCAL_LATE: ("fa6s.flag", theme.SOON),
    Grade.THIS_WEEK: ("fa6s.hourglass-half", theme.ACCENT),
    Grade.LATER: ("fa6s.calendar-check", theme.MUTED),
}
_ICONS: dict[int, QIcon] = {}
_COLOURS = {grade: QColor(colour) for grade, (_name, colour) in GRADE_LOOK.items()}


def grade_icon(grade: int) -> QIcon:
    if grade not in _ICONS:
        name, colour = GRADE_LOOK.get(grade, GRADE_LOOK[Grade.LATER])
        _ICONS[grade] = theme.icon(name, colour)
    return _ICONS[grade]


def delay_text(due: Deadline, today: date) -> str:
    """« En retard de 12 j », « Objectif dépassé de 3 j », « Aujourd'hui », « Dans 5 j », « Le 12/06/2027 »."""
    late = due.days_late(today)
    if late:
        return f"Objectif dépassé de {late} j" if due.local_target else f"En retard de {late} j"
    days = (due.due - today).days
    if days == 0:
        return "Aujourd'hui"
    return f"Dans {days} j" if days < 7 else f"Le {theme.fmt_date(due.due)}"


def action_text(due: Deadline, today: date) -> str:
    """The delay first (it is what sorts the list and what a narrow column must keep), then what to do."""
    return f"{delay_text(due, today)} — {due.label}"


def action_tip(due: Deadline, today: date) -> str:
    late = due.days_late(today)
    when = f"dû le {theme.fmt_date(due.due)}" + (
        f", dépassé de {theme.plural(late, 'jour', 'jours')}" if late else ""
    )
    basis = f"\n{due.legal_basis}" if due.legal_basis else ""
    return f"{due.nature_label} — {due.label}\n{when}{basis}"


def _cell(row: CaseloadRow, column: int, today: date) -> str:
    if column == DUE_COLUMN:
        return action_text(row.next_due, today) if row.next_due else "Aucune échéance"
    if column == RDV_COLUMN:
        return row.next_rdv.strftime("%d/%m/%Y %H:%M") if row.next_rdv else "—"
    if column == CONTRACT_COLUMN:
        return row.contract.text if row.contract else "Aucun contrat"
    values = (
        row.display_name,
        "",
        "",
        "",
        theme.fmt_date(row.last_contact) or "—",
        row.caf_number,
        row.city,
        row.track_short,
        row.regime_label,
        row.referent or "—",
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
        self.today = date.today()
        self._ids: list[str] = []
        self._rows: dict[str, CaseloadRow] = {}
        self._cells: dict[str, tuple[str, ...]] = {}
        self._pending: set[int] = set()
        self._generation = 0
        self._live = [0]  # the current generation, read by queued jobs on the worker to skip stale work
        self.loading = False
        self.partial: tuple[int, int] | None = None  # (rows shown, total) while only the first page is there

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
                return COLUMNS[section][3]
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
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            cells = self._cells.get(row.id)
            if cells is None:
                cells = self._cells[row.id] = tuple(_cell(row, c, self.today) for c in range(len(COLUMNS)))
            return cells[col]
        due = row.next_due
        if col == DUE_COLUMN and due is not None:
            if role == Qt.ItemDataRole.DecorationRole:
                return grade_icon(due.grade)
            if role == Qt.ItemDataRole.ForegroundRole and due.grade <= Grade.LOCAL_LATE:
                return _COLOURS[due.grade]
            if role == Qt.ItemDataRole.ToolTipRole:
                return action_tip(due, self.today)
        if role == Qt.ItemDataRole.ToolTipRole and col == NAME_COLUMN:
            return f"{row.display_name} — référent : {row.referent or 'aucun'}"
        if role == Qt.ItemDataRole.ToolTipRole and col in (CONTRACT_COLUMN, 6, 9):
            return self.data(index, Qt.ItemDataRole.DisplayRole)
        if role == Qt.ItemDataRole.ToolTipRole and col == 7:
            return row.track_label
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
        self.today = date.today()
        if not query.search and query.filters is None and not query.include_exited and not self._ids:

            def preview(ctx: WorkerContext) -> tuple[int, list[CaseloadRow]] | None:
                if live[0] != generation or ctx.index.is_built():
                    return None
                return first_rows(ctx.db, deadlines=False, referent_id=query.referent_id)

            self.worker.submit(
                preview, lambda result: self._preview_loaded(generation, result), self._failed, owner=self
            )

        def job(ctx: WorkerContext) -> tuple[list[str], list[CaseloadRow]] | None:
            if live[0] != generation:  # typed over: a newer query is queued behind this one
                return None
            ids = ctx.index.ids(query)
            return ids, ctx.index.rows(ids[:PAGE_SIZE])

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
        self.endResetModel()
        self.partial = (len(first), total)
        self.progress.emit(len(first), total)

    def _failed(self, exc: BaseException) -> None:
        self.loading = False
        self.worker.error.emit(exc)

    def _ids_loaded(self, generation: int, result: tuple[list[str], list[CaseloadRow]] | None) -> None:
        if generation != self._generation or result is None:
            return
        ids, first = result
        self.beginResetModel()
        self._ids = ids
        self._rows = {r.id: r for r in first}
        self._cells = {}
        self._pending = {0} if ids else set()
        self.endResetModel()
        self.loading = False
        self.partial = None
        self.loaded.emit(len(ids))

    def _request_page(self, page: int) -> None:
        if page in self._pending:
            return
        self._pending.add(page)
        generation, live = self._generation, self._live
        ids = self._ids[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
        self.worker.submit(
            lambda ctx: ctx.index.rows(ids) if live[0] == generation else None,
            lambda rows: self._page_loaded(generation, page, rows),
            self._failed,
            owner=self,
        )

    def _page_loaded(self, generation: int, page: int, rows: Sequence[CaseloadRow] | None) -> None:
        if generation != self._generation or rows is None:
            return
        self._rows.update((r.id, r) for r in rows)
        first = page * PAGE_SIZE
        last = min(len(self._ids), first + PAGE_SIZE) - 1
        if last >= first:
            self.dataChanged.emit(self.index(first, 0), self.index(last, len(COLUMNS) - 1))

    # --- helpers ----------------------------------------------------------------------------------------

    def row_id(self, row: int) -> str | None:
        return self._ids[row] if 0 <= row < len(self._ids) else None

    def row_data(self, row: int) -> CaseloadRow | None:
        pid = self.row_id(row)
        return self._rows.get(pid) if pid else None

    def sort_column(self) -> int:
        return next((i for i, (_t, key, _s, _tip) in enumerate(COLUMNS) if key == self.query.sort), 0)
