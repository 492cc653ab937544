"""« Rendez-vous » tab of a person: coming and past RDVs with their status and what was sent (convocation,
reminder), « Nouveau rendez-vous » (Ctrl+R), « Modifier… » (F2: date, heure, lieu, objet, nature), status change
with the history (Entrée, double-clic), « Convocation… » (the letter of the selected RDV; after a no-show, the
relance), the person's reminder choice, and the follow-up proposal when a RDV is marked « non honoré »."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QLabel, QPushButton, QStackedWidget, QVBoxLayout, QWidget

from app.models.enums import AppointmentStatus
from app.models.vocabularies.loader import load_vocabularies
from app.services.agenda import calendar
from app.services.agenda import views as agenda
from app.services.agenda.calendar import AgendaItem
from app.services.agenda.convocations import letters
from app.services.casefile import rdv, reminders
from app.services.casefile.rdv import AppointmentEventView
from app.services.casefile.reminders import ReminderPreference
from app.services.people import identity as people
from app.ui.kit import theme
from app.ui.kit.a11y import announce
from app.ui.kit.errors import show_error
from app.ui.kit.widgets import EmptyState, tool_row
from app.ui.kit.worker import WorkerContext
from app.ui.pages.agenda.letters import open_letter
from app.ui.pages.agenda.page import Header, RdvModel, make_table
from app.ui.person.rdv.dialogs import (
    AppointmentDialog,
    FollowUpDialog,
    StatusDialog,
    edit_button,
    editable,
    follow_selection,
    follow_up_job,
)
from app.ui.person.rdv.reminders import ReminderDialog
from app.ui.shell.plugins import UiContext


class RdvTab(QWidget):
    def __init__(self, ctx: UiContext, person_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.person_id = ctx, person_id
        self.person_name = ""
        self.items: list[AgendaItem] = []
        self.pref: ReminderPreference | None = None
        self.dialog: AppointmentDialog | StatusDialog | FollowUpDialog | ReminderDialog | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 10, 10, 10)
        self.summary = QLabel("Chargement des rendez-vous…")
        self.status_button = QPushButton(theme.icon("fa6s.pen-to-square"), "Changer le statut…")
        self.status_button.setToolTip("Changer le statut du rendez-vous sélectionné (Entrée)")
        self.status_button.setEnabled(False)
        self.status_button.clicked.connect(self.change_status)
        self.edit_button = edit_button(self.edit_appointment)
        self.letter_button = QPushButton(theme.icon("fa6s.envelope"), "Convocation…")
        self.letter_button.setToolTip("La convocation du rendez-vous sélectionné (aperçu, impression)")
        self.letter_button.setEnabled(False)
        self.letter_button.clicked.connect(self.letter)
        self.new_button = QPushButton(theme.icon("fa6s.calendar-plus", "#ffffff"), "Nouveau rendez-vous")
        self.new_button.setProperty("primary", True)
        self.new_button.setToolTip("Planifier un rendez-vous (Ctrl+R)")
        self.new_button.clicked.connect(self.new_appointment)
        QShortcut(QKeySequence("Ctrl+R"), self, self.new_appointment,
                  context=Qt.ShortcutContext.WidgetWithChildrenShortcut)  # fmt: skip
        QShortcut(QKeySequence("F2"), self, self.edit_appointment,
                  context=Qt.ShortcutContext.WidgetWithChildrenShortcut)  # fmt: skip
        tools = [self.edit_button, self.letter_button, self.status_button, self.new_button]
        layout.addLayout(tool_row([self.summary], tools))
        self.reminder = QLabel("Rappels : …")
        self.reminder.setToolTip("Rappels des rendez-vous envoyés par le serveur du département")
        self.reminder_button = QPushButton(theme.icon("fa6s.bell"), "Rappels…")
        self.reminder_button.setToolTip("Canal de rappel choisi par la personne et date de son accord")
        self.reminder_button.clicked.connect(self.edit_reminders)
        layout.addLayout(tool_row([self.reminder], [self.reminder_button]))
        self.model = RdvModel(
            ["day", "time", "purpose", "nature", "place", "status", "letters", "alert"], self
        )
        self.table = make_table(self.model)
        self.table.setAccessibleName("Rendez-vous de la personne")
        self.table.doubleClicked.connect(lambda _i: self.change_status())
        self.table.activated.connect(lambda _i: self.change_status())
        self.table.selectionModel().selectionChanged.connect(self._selection)
        self.empty = EmptyState("fa6s.calendar", "Aucun rendez-vous",
                                "Planifiez le premier rendez-vous : « Nouveau rendez-vous » (Ctrl+R).")  # fmt: skip
        self.stack = QStackedWidget()
        self.stack.addWidget(self.table)
        self.stack.addWidget(self.empty)
        layout.addWidget(self.stack, 1)
        self.reload()

    # --- loading ------------------------------------------------------------------------------------------

    def reload(self) -> None:
        pid = self.person_id

        def job(w: WorkerContext) -> tuple[str, list[AgendaItem], dict[str, str], ReminderPreference]:
            person = people.get_person(w.db, pid)
            items = calendar.mark_conflicts(agenda.person_appointments(w.db, pid))
            states = letters.letter_states(w.db, [i.id for i in items])
            labels = {k: v.label for k, v in states.items() if v.letters or v.reminder}
            pref = reminders.reminder_preference(w.db, pid)
            return f"{person.last_name.upper()} {person.first_name}", items, labels, pref

        self.ctx.worker.submit(job, self._show, lambda exc: show_error(self, exc), owner=self)

    def _show(self, result: tuple[str, list[AgendaItem], dict[str, str], ReminderPreference]) -> None:
        self.person_name, self.items, states, self.pref = result
        self.reminder.setText(f"Rappels : {self.pref.label}")
        now = datetime.now()
        coming = sorted((i for i in self.items if i.starts_at >= now), key=lambda i: i.starts_at)
        past = [i for i in self.items if i.starts_at < now]
        rows: list[AgendaItem | Header] = []
        if coming:
            rows += [Header(f"À venir ({len(coming)})", "fa6s.calendar-day"), *coming]
        if past:
            rows += [Header(f"Passés ({len(past)})", "fa6s.clock-rotate-left"), *past]
        self.model.set_rows(rows, states)
        missed = sum(1 for i in past if i.status == AppointmentStatus.MISSED)
        text = f"{theme.plural(len(coming), 'rendez-vous à venir', 'rendez-vous à venir')}, "
        text += f"{theme.plural(len(past), 'passé', 'passés')}"
        text += f" dont {theme.plural(missed, 'non honoré', 'non honorés')}" if missed else ""
        self.summary.setText(text if self.items else "Aucun rendez-vous enregistré.")
        self.stack.setCurrentWidget(self.table if self.items else self.empty)
        self._selection()

    def selected(self) -> AgendaItem | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.item_at(rows[0].row()) if rows else None

    def select_item(self, rdv_id: str) -> None:
        for n, row in enumerate(self.model.rows):
            if isinstance(row, AgendaItem) and row.id == rdv_id:
                self.table.selectRow(n)

    def _selection(self, *_: object) -> None:
        item = self.selected()
        self.status_button.setEnabled(item is not None)
        follow_selection(self.edit_button, item)
        relance = item is not None and item.status == AppointmentStatus.MISSED
        self.letter_button.setText("Lettre de relance…" if relance else "Convocation…")
        self.letter_button.setEnabled(
            item is not None
            and (relance or (item.status == AppointmentStatus.PLANNED and item.starts_at >= datetime.now()))
        )

    # --- actions ------------------------------------------------------------------------------------------

    def new_appointment(self) -> None:
        self.dialog = AppointmentDialog(self.ctx, self.person_id, self.person_name, parent=self)
        self.dialog.open()

    def edit_appointment(self) -> None:
        item = self.selected()
        if not editable(item):
            return
        self.dialog = AppointmentDialog(self.ctx, self.person_id, self.person_name, item=item, parent=self)
        self.dialog.open()

    def letter(self) -> None:
        """The selected RDV's convocation (or invitation), or its relance after a no-show."""
        item = self.selected()
        if item is None:
            return
        kind = "relance" if item.status == AppointmentStatus.MISSED else letters.AUTO
        open_letter(self.ctx, self, item.id, self.person_id, kind=kind)

    def edit_reminders(self) -> None:
        if self.pref is None:
            return
        self.dialog = ReminderDialog(self.ctx, self.pref, self)
        self.dialog.open()

    def change_status(self, _index: QModelIndex | None = None) -> None:
        item = self.selected()
        if item is None:
            return

        def job(w: WorkerContext) -> list[AppointmentEventView]:
            return rdv.appointment_history(w.db, item.id)

        self.ctx.worker.submit(
            job, lambda h: self._ask_status(item, h), lambda e: show_error(self, e), owner=self
        )

    def _ask_status(self, item: AgendaItem, history: list[AppointmentEventView]) -> None:
        dialog = StatusDialog(item, history, self)
        self.dialog = dialog
        dialog.accepted.connect(lambda: self._set_status(item, dialog.chosen(), dialog.comment.text()))
        dialog.open()

    def _set_status(self, item: AgendaItem, status: str, comment: str) -> None:
        def job(w: WorkerContext) -> str:
            return rdv.set_appointment_status(w.db, item.id, status, comment=comment)

        def done(_event: str) -> None:
            self.ctx.changed(self.person_id)
            label = load_vocabularies().label("appointment_statuses", status)
            announce(f"Rendez-vous du {theme.fmt_datetime(item.starts_at)} : {label.lower()}", source=self)
            if status == AppointmentStatus.MISSED:
                self.propose_follow_up(item)

        self.ctx.worker.submit(job, done, lambda e: show_error(self, e), writes=True, owner=self)

    def propose_follow_up(self, item: AgendaItem) -> None:
        dialog = FollowUpDialog(item, self)
        self.dialog = dialog
        dialog.accepted.connect(lambda: self._follow_up(dialog.choice(), dialog.detail.toPlainText(), item))
        dialog.open()

    def _follow_up(self, choice: str, text: str, item: AgendaItem | None = None) -> None:
        if choice == "lettre" and item is not None:
            open_letter(self.ctx, self, item.id, self.person_id, kind="relance")
        elif choice == "rdv":
            self.new_appointment()
        elif choice in ("courrier", "manquement"):
            said = (
                "Note de relance enregistrée" if choice == "courrier" else "Constat de manquement enregistré"
            )

            def done(_r: object) -> None:
                self.ctx.changed(self.person_id)
                announce(said, source=self)

            job = follow_up_job(choice, self.person_id, text)
            self.ctx.worker.submit(job, done, lambda e: show_error(self, e), writes=True, owner=self)  # type: ignore[arg-type]


def create_tab(ctx: UiContext, person_id: str) -> QWidget:
    return RdvTab(ctx, person_id)
