"""Agenda page: the day or the week (Monday → Sunday, French public holidays), navigation, conflicts flagged,
double-click opens the person at the « Rendez-vous » tab (a collective session: its dialog, participants and
attendance), « Modifier… » (F2) edits the selected RDV, « Convocations… » prepares the letters of the day or the
week shown, exports (day PDF, ``.ics``) written on the worker."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QFont, QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.models.enums import AppointmentStatus
from app.services.agenda import calendar, exports
from app.services.agenda import views as agenda
from app.services.agenda.calendar import AgendaDay, AgendaItem, AgendaWeek
from app.services.agenda.convocations import batch as convocations
from app.services.agenda.convocations.letters import letter_states
from app.services.errors import VaultLockedError
from app.ui.kit import theme
from app.ui.kit.errors import show_error
from app.ui.kit.widgets import EmptyState, FlowRow, named
from app.ui.kit.worker import WorkerContext
from app.ui.pages.agenda.letters import LettersDialog
from app.ui.pages.agenda.session_dialog import SessionDialog
from app.ui.person.rdv.dialogs import (
    CONFLICT_ICON,
    AppointmentDialog,
    edit_button,
    editable,
    follow_selection,
    status_icon,
)
from app.ui.shell.plugins import UiContext

_Index = QModelIndex | QPersistentModelIndex
COLUMNS = {
    "day": "Date", "time": "Horaire", "person": "Personne", "purpose": "Objet", "nature": "Nature",
    "place": "Lieu", "kind": "Type", "status": "Statut", "alert": "Alerte", "letters": "Convocation · rappel",
}  # fmt: skip


@dataclass(frozen=True)
class Header:
    """A group row (a day of the week, « À venir », « Passés »), spanning every column."""

    text: str
    icon: str = "fa6s.calendar"
    holiday: bool = False


class RdvModel(QAbstractTableModel):
    """RDVs (read-only) with group header rows; shared by the agenda page and the person « Rendez-vous » tab."""

    def __init__(self, columns: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.columns = columns
        self.rows: list[AgendaItem | Header] = []
        self.states: dict[str, str] = {}  # RDV id → « Convoqué le … · rappel … » (column « letters »)

    def set_rows(self, rows: list[AgendaItem | Header], states: dict[str, str] | None = None) -> None:
        self.beginResetModel()
        self.rows = rows
        self.states = states or {}
        self.endResetModel()

    def item_at(self, row: int) -> AgendaItem | None:
        value = self.rows[row] if 0 <= row < len(self.rows) else None
        return value if isinstance(value, AgendaItem) else None

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[self.columns[section]]
        return None

    def flags(self, index: _Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        if isinstance(self.rows[index.row()], Header):
            return Qt.ItemFlag.ItemIsEnabled
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        row, key = self.rows[index.row()], self.columns[index.column()]
        if isinstance(row, Header):
            return self._header_data(row, index.column(), role)
        if key == "letters" and role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return self.states.get(row.id, "")
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return _text(row, key, tooltip=role == Qt.ItemDataRole.ToolTipRole)
        if role == Qt.ItemDataRole.DecorationRole:
            return _icon(row, key)
        if role == Qt.ItemDataRole.UserRole:
            return row.id
        return None

    def _header_data(self, row: Header, column: int, role: int) -> Any:
        if column != 0:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return row.text
        if role == Qt.ItemDataRole.DecorationRole:
            return theme.icon(row.icon, theme.SOON if row.holiday else theme.ACCENT)
        if role == Qt.ItemDataRole.FontRole:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.BackgroundRole:
            from PySide6.QtGui import QColor

            return QColor("#fdf3dc" if row.holiday else theme.ACCENT_SOFT)
        return None


def _to_fill(item: AgendaItem) -> bool:
    """A past RDV still « prévu »: its outcome is to be recorded."""
    return item.status == AppointmentStatus.PLANNED and item.ends_at < datetime.now()


def _alert(item: AgendaItem, tooltip: bool) -> str:
    if item.conflict:
        who = item.referent_name or "du même référent"
        return f"Chevauchement avec un autre rendez-vous ({who})" if tooltip else "Chevauchement"
    if _to_fill(item):
        return "Rendez-vous passé : indiquez s'il a été honoré" if tooltip else "Statut à renseigner"
    return ""


def _text(item: AgendaItem, key: str, *, tooltip: bool = False) -> str:
    if key == "alert":
        return _alert(item, tooltip)
    if key == "status" and tooltip:
        return f"Statut : {item.status_label}"
    values = {
        "day": theme.fmt_date(item.starts_at), "time": f"{item.starts_at:%H:%M} – {item.ends_at:%H:%M}",
        "person": item.person_name, "purpose": item.purpose_label, "nature": item.nature_label,
        "place": item.place, "kind": item.kind_label, "status": item.status_label,
    }  # fmt: skip
    if tooltip and key == "place" and not item.place:
        return ""
    return values.get(key, "")


def _icon(item: AgendaItem, key: str) -> Any:
    if key == "status":
        return status_icon(item.status)
    if key == "alert" and item.conflict:
        return theme.icon(*CONFLICT_ICON)
    if key == "alert" and _to_fill(item):
        return theme.icon("fa6s.pen-to-square", theme.SOON)
    if key == "kind":
        return theme.icon("fa6s.users" if item.collective else "fa6s.user")
    return None


def convocation_labels(db: Any, data: AgendaWeek | AgendaDay) -> dict[str, str]:
    """The « Convocation · rappel » column: every coming planned RDV of a person (« Non convoqué » says who is
    still to convoke), other RDVs only when a letter or a reminder went out. Runs on the worker."""
    days = list(data.days) if isinstance(data, AgendaWeek) else [data]
    items = [i for d in days for i in d.items if i.person_id]
    states = letter_states(db, [i.id for i in items])
    now = datetime.now()
    return {
        i.id: states[i.id].label
        for i in items
        if (i.status == AppointmentStatus.PLANNED and i.starts_at > now)
        or states[i.id].letters
        or states[i.id].reminder
    }


def day_header(day: AgendaDay) -> Header:
    title = day.title[0].upper() + day.title[1:]
    if day.holiday:
        return Header(f"{title} — jour férié ({day.holiday})", "fa6s.flag", holiday=True)
    suffix = "" if day.items else " — aucun rendez-vous"
    return Header(title + suffix)


def make_table(model: RdvModel) -> QTableView:
    view = QTableView()
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.verticalHeader().hide()
    view.setShowGrid(False)
    view.setWordWrap(False)
    view.setStyleSheet("QTableView::item { padding: 0 10px 0 4px; }")
    header = view.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setSectionResizeMode(len(model.columns) - 1, QHeaderView.ResizeMode.Stretch)
    header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
    model.modelReset.connect(lambda: _span_headers(view, model))
    return view


def _span_headers(view: QTableView, model: RdvModel) -> None:
    view.clearSpans()
    for n, row in enumerate(model.rows):
        if isinstance(row, Header):
            view.setSpan(n, 0, 1, len(model.columns))


class AgendaPage(QWidget):
    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.current = date.today()
        self.week_mode = True
        self.data: AgendaWeek | AgendaDay | None = None
        self.dialog: AppointmentDialog | SessionDialog | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 12)
        layout.addLayout(self._toolbar())
        self.model = RdvModel(
            ["time", "person", "purpose", "nature", "place", "kind", "status", "letters", "alert"], self
        )
        self.table = make_table(self.model)
        self.table.setAccessibleName("Rendez-vous")
        self.table.doubleClicked.connect(self._open_person)
        self.table.selectionModel().selectionChanged.connect(self._selection)
        self.empty = EmptyState(
            "fa6s.calendar-xmark", "Aucun rendez-vous cette semaine",
            "Nouveau rendez-vous (Ctrl+R) : depuis le dossier d'une personne, onglet « Rendez-vous », "
            "ou ici pour une séance collective.",
        )  # fmt: skip
        self.stack = QStackedWidget()
        self.stack.addWidget(self.table)
        self.stack.addWidget(self.empty)
        layout.addWidget(self.stack, 1)
        self.hint = named(
            QLabel(
                "Double-clic sur un rendez-vous : ouvrir le dossier de la personne. "
                "F2 : modifier le rendez-vous sélectionné.",
                wordWrap=True,
            ),
            "muted",
        )
        layout.addWidget(self.hint)
        self._shortcuts()  # loaded when shown (the vault may still be locked when the page is built)

    def _toolbar(self) -> QVBoxLayout:
        moves, actions = QWidget(), QWidget()  # two groups that wrap (200 % text, a narrow window)
        bar, tools = QHBoxLayout(moves), FlowRow(actions)
        bar.setContentsMargins(0, 0, 0, 0)
        self.prev_button = QPushButton(theme.icon("fa6s.chevron-left"), "")
        self.prev_button.setToolTip("Précédent (Alt+←)")
        self.prev_button.setAccessibleName("Précédent")
        self.today_button = QPushButton("Aujourd'hui")
        self.today_button.setToolTip("Revenir à aujourd'hui (Alt+Début)")
        self.next_button = QPushButton(theme.icon("fa6s.chevron-right"), "")
        self.next_button.setToolTip("Suivant (Alt+→)")
        self.next_button.setAccessibleName("Suivant")
        self.prev_button.clicked.connect(lambda: self.step(-1))
        self.next_button.clicked.connect(lambda: self.step(1))
        self.today_button.clicked.connect(self.go_today)
        self.title = named(QLabel(), "h2")
        self.day_button = QPushButton("Jour")
        self.week_button = QPushButton("Semaine")
        for button in (self.day_button, self.week_button):
            button.setCheckable(True)
        self.week_button.setChecked(True)
        group = QButtonGroup(self)
        group.setExclusive(True)
        for b in (self.day_button, self.week_button):
            group.addButton(b)
        self.day_button.setToolTip("Afficher une journée")
        self.week_button.setToolTip("Afficher la semaine, du lundi au dimanche")
        self.day_button.clicked.connect(lambda: self.set_week_mode(False))
        self.week_button.clicked.connect(lambda: self.set_week_mode(True))
        self.pdf_button = QPushButton(theme.icon("fa6s.file-pdf"), "PDF du jour")
        self.ics_button = QPushButton(theme.icon("fa6s.calendar-plus"), "Export .ics")
        self.edit_button = edit_button(self.edit_selected)
        self.new_button = QPushButton(theme.icon("fa6s.plus", "#ffffff"), "Séance collective")
        self.new_button.setProperty("primary", True)
        self.new_button.setToolTip("Nouvelle séance collective : atelier, information collective (Ctrl+R)")
        self.letters_button = QPushButton(theme.icon("fa6s.envelope"), "Convocations…")
        self.letters_button.setToolTip(
            "Les convocations des rendez-vous de la journée ou de la semaine affichée"
        )
        self.letters_button.clicked.connect(self.convoke)
        self.ics_button.setToolTip("Exporter les rendez-vous affichés en .ics (agenda de messagerie)")
        self.pdf_button.clicked.connect(self.export_pdf)
        self.ics_button.clicked.connect(self.export_ics)
        self.new_button.clicked.connect(self.new_collective)
        for w in (self.prev_button, self.today_button, self.next_button):
            bar.addWidget(w)
        bar.addSpacing(12)
        bar.addWidget(self.day_button)
        bar.addWidget(self.week_button)
        for w in (self.edit_button, self.letters_button, self.pdf_button, self.ics_button, self.new_button):
            tools.addWidget(w)
        row = FlowRow(last_right=True, spacing=12)
        row.addWidget(moves)
        row.addWidget(actions)
        box = QVBoxLayout()
        box.addLayout(row)
        box.addWidget(self.title)
        return box

    def _shortcuts(self) -> None:
        ctx = Qt.ShortcutContext.WidgetWithChildrenShortcut
        QShortcut(QKeySequence("Alt+Left"), self, lambda: self.step(-1), context=ctx)
        QShortcut(QKeySequence("Alt+Right"), self, lambda: self.step(1), context=ctx)
        QShortcut(QKeySequence("Alt+Home"), self, self.go_today, context=ctx)
        QShortcut(QKeySequence("Ctrl+R"), self, self.new_collective, context=ctx)
        QShortcut(QKeySequence("F2"), self, self.edit_selected, context=ctx)

    # --- navigation ---------------------------------------------------------------------------------------

    def step(self, direction: int) -> None:
        self.current += timedelta(days=7 * direction if self.week_mode else direction)
        self.reload()

    def go_today(self) -> None:
        self.current = date.today()
        self.reload()

    def go_to(self, day: date) -> None:
        self.current = day
        self.reload()

    def set_week_mode(self, week: bool) -> None:
        self.week_mode = week
        self.week_button.setChecked(week)
        self.day_button.setChecked(not week)
        self.reload()

    def reload(self) -> None:
        day, week = self.current, self.week_mode

        def job(w: WorkerContext) -> tuple[AgendaWeek | AgendaDay, dict[str, str]]:
            data = agenda.week_agenda(w.db, day) if week else agenda.day_agenda(w.db, day)
            return data, convocation_labels(w.db, data)

        self.ctx.worker.submit(job, lambda r: self._show(*r), self._failed, owner=self)

    def _failed(self, exc: BaseException) -> None:
        if not isinstance(exc, VaultLockedError):
            show_error(self, exc)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.reload()

    def update_status(self, info: object, lock_minutes: int) -> None:
        if self.isVisible():
            self.reload()  # called after every write (ctx.changed → refresh_status)

    def _show(self, data: AgendaWeek | AgendaDay, labels: dict[str, str] | None = None) -> None:
        self.data = data
        days = list(data.days) if isinstance(data, AgendaWeek) else [data]
        rows: list[AgendaItem | Header] = []
        for d in days:
            rows.append(day_header(d))
            rows.extend(d.items)
        self.model.set_rows(rows, labels)
        count = sum(len(d.items) for d in days)
        conflicts = sum(1 for d in days for i in d.items if i.conflict)
        self.title.setText(
            self._title(days)
            + f" — {theme.plural(count, 'rendez-vous', 'rendez-vous')}"
            + (f", {theme.plural(conflicts, 'chevauchement', 'chevauchements')}" if conflicts else "")
        )
        what = "cette semaine" if isinstance(data, AgendaWeek) else "ce jour"
        self.empty.set_text(f"Aucun rendez-vous {what}", self.empty.text.text())
        self.stack.setCurrentWidget(self.table if count else self.empty)
        self._selection()

    @staticmethod
    def _title(days: list[AgendaDay]) -> str:
        if len(days) == 1:
            return days[0].title[0].upper() + days[0].title[1:]
        first, last = days[0].day, days[-1].day
        return f"Semaine du {theme.fmt_date(first)} au {theme.fmt_date(last)}"

    def _open_person(self, index: QModelIndex) -> None:
        item = self.model.item_at(index.row())
        if item is not None and item.person_id:
            self.ctx.open_person(item.person_id, "rdv")
        elif item is not None:  # a collective session has no file to open: its dialog
            self.edit(item)

    def selected(self) -> AgendaItem | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.item_at(rows[0].row()) if rows else None

    def _selection(self, *_: object) -> None:
        item = self.selected()
        follow_selection(self.edit_button, item)
        self._update_pdf_tip()

    # --- actions ------------------------------------------------------------------------------------------

    def edit_selected(self) -> None:
        item = self.selected()
        if item is not None:
            self.edit(item)

    def edit(self, item: AgendaItem) -> None:
        if item.is_session:
            self.open_session(item.id)
            return
        if not editable(item):
            return
        self.dialog = AppointmentDialog(self.ctx, item.person_id, item=item, parent=self)
        self.dialog.accepted.connect(self.reload)
        self.dialog.open()

    def open_session(self, session_id: str | None) -> SessionDialog:
        """The collective session's dialog (a new one when ``session_id`` is None)."""
        dialog = SessionDialog(self.ctx, session_id, day=max(self.current, date.today()), parent=self)
        dialog.finished.connect(lambda *_: self.reload())
        self.dialog = dialog
        dialog.open()
        return dialog

    def new_collective(self) -> None:
        self.open_session(None)

    def convoke(self) -> None:
        """The letters of the day or the week shown (the RDVs not convoked yet, others on request)."""
        start, end = convocations.period(self.current, self.week_mode)
        what = f"semaine du {theme.fmt_date(start)}" if self.week_mode else calendar.long_day(start)

        def show(plan: convocations.LetterPlan) -> None:
            self.letters_dialog = LettersDialog(self.ctx, plan, f"Convocations — {what}", self)
            self.letters_dialog.open()

        self.ctx.worker.submit(lambda w: convocations.plan_letters(w.db, start, end), show,
                               lambda e: show_error(self, e), owner=self)  # fmt: skip

    def export_pdf(self) -> None:
        name = f"agenda-{self.pdf_day():%Y-%m-%d}.pdf"
        path, _ = QFileDialog.getSaveFileName(self, "Exporter la journée en PDF", name, "PDF (*.pdf)")
        if path:
            self.write_pdf(Path(path))

    def export_ics(self) -> None:
        name = f"rendez-vous-{self.current:%Y-%m-%d}.ics"
        path, _ = QFileDialog.getSaveFileName(self, "Exporter en .ics", name, "Calendrier (*.ics)")
        if path:
            self.write_ics(Path(path))

    def pdf_day(self) -> date:
        """The day exported as PDF: the selected RDV's day, else the day shown (or navigated to)."""
        item = self.selected()
        return item.starts_at.date() if item is not None else self.current

    def _update_pdf_tip(self, *_: object) -> None:
        self.pdf_button.setToolTip(f"Exporter l'agenda du {calendar.long_day(self.pdf_day())} en PDF")

    def write_pdf(self, path: Path) -> None:
        day = self.pdf_day()
        self._run_export(lambda w: exports.export_day_pdf(w.db, day, path), path)

    def write_ics(self, path: Path) -> None:
        start = calendar.week_start(self.current) if self.week_mode else self.current
        end = start + timedelta(days=6) if self.week_mode else start
        self._run_export(lambda w: exports.export_ics(w.db, start, end, path), path)

    def _run_export(self, job: Any, path: Path) -> None:
        self.hint.setText(f"Export en cours : {path.name}…")

        def done(count: int) -> None:
            self.hint.setText(f"Exporté : {path} ({theme.plural(count, 'rendez-vous', 'rendez-vous')}).")

        self.ctx.worker.submit(job, done, lambda exc: show_error(self, exc), owner=self)


def create_page(ctx: UiContext) -> QWidget:
    return AgendaPage(ctx)
