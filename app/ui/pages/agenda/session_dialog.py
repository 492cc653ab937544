"""« Séance collective » (ADR 0037): an atelier or an information collective — when, where, how many seats —
and its participants, each with their own status; people are added from the caseload by name, convoked one
letter each (« Convocations… »), and their attendance is recorded once for all (« Enregistrer la présence »)."""

from __future__ import annotations

from datetime import date, datetime, time

from PySide6.QtCore import Qt, QTime, QTimer
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from app.models.enums import AppointmentStatus
from app.models.vocabularies.loader import load_vocabularies
from app.services.agenda.convocations import batch
from app.services.agenda.convocations.letters import letter_states
from app.services.casefile import sessions
from app.services.casefile.sessions import PersonChoice, SessionView
from app.services.people.identity import current_actor, current_referent_id
from app.ui.kit import theme
from app.ui.kit.errors import show_error
from app.ui.kit.forms import DateField
from app.ui.kit.widgets import fit_to_screen, named
from app.ui.kit.worker import WorkerContext
from app.ui.pages.agenda.letters import LettersDialog
from app.ui.shell.plugins import UiContext

#: Attendance choices of a participant (their RDV's status once the session is held).
ATTENDANCE = (
    (AppointmentStatus.HONOURED, "Présent(e)"),
    (AppointmentStatus.EXCUSED, "Excusé(e)"),
    (AppointmentStatus.MISSED, "Absent(e)"),
)
COLLECTIVE_PURPOSES = ("information_collective", "atelier")


class SessionDialog(QDialog):
    """A new session (``session_id`` None) or an existing one with its participants."""

    def __init__(
        self, ctx: UiContext, session_id: str | None = None, *, day: date | None = None,
        parent: QWidget | None = None,
    ) -> None:  # fmt: skip
        super().__init__(parent)
        self.ctx, self.session_id = ctx, session_id
        self.view: SessionView | None = None
        self.found: dict[str, PersonChoice] = {}
        self.setWindowTitle("Séance collective" if session_id else "Nouvelle séance collective")
        layout = QVBoxLayout(self)
        layout.addLayout(self._details(day or date.today()))
        layout.addWidget(named(QLabel("Participants"), "h2"))
        layout.addLayout(self._picker())
        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels(["Participant", "Statut", "Convocation · rappel", "Présence"])
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setAccessibleName("Participants de la séance")
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.ResizeToContents)
        layout.addWidget(self.table, 1)
        self.message = named(QLabel(""), "muted")
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        layout.addLayout(self._buttons())
        QShortcut(QKeySequence("Ctrl+S"), self, self.save)
        fit_to_screen(self, 860, 640)
        self._enable()
        if session_id:
            self.reload()

    # --- building -----------------------------------------------------------------------------------------

    def _details(self, day: date) -> QFormLayout:
        vocab = load_vocabularies()
        form = QFormLayout()
        self.purpose = QComboBox()
        for entry in vocab.choices("appointment_purposes"):
            if entry.code in COLLECTIVE_PURPOSES:
                self.purpose.addItem(entry.label, entry.code)
        self.date = DateField(max(day, date.today()))
        self.time = QTimeEdit(QTime(9, 30))
        self.time.setDisplayFormat("HH:mm")
        self.duration = QSpinBox(minimum=15, maximum=480, singleStep=15, value=120, suffix=" min")
        self.capacity = QSpinBox(minimum=0, maximum=500, value=12, suffix=" places")
        self.capacity.setSpecialValueText("sans limite")
        self.place = QLineEdit(placeholderText="Ex. : Maison des solidarités, salle 3")
        self.title = QLineEdit(placeholderText="Ex. : Atelier CV et lettre de motivation")
        self.title.setMaxLength(120)
        self.title.setToolTip("Imprimé sur la convocation de chaque participant")
        for field, name in (
            (self.date, "Date de la séance"),
            (self.time, "Heure de début"),
            (self.duration, "Durée de la séance"),
            (self.capacity, "Nombre de places"),
        ):
            field.setAccessibleName(name)  # several fields share the row of one label
        when = QHBoxLayout()
        for w in (self.date, QLabel("à"), self.time, QLabel("durée"), self.duration):
            when.addWidget(w)
        when.addStretch(1)
        seats = QHBoxLayout()
        seats.addWidget(self.capacity)
        self.seats = named(QLabel(""), "muted")
        seats.addWidget(self.seats)
        seats.addStretch(1)
        form.addRow("Objet", self.purpose)
        form.addRow("Intitulé", self.title)
        form.addRow("Date et heure", when)
        form.addRow("Lieu", self.place)
        form.addRow("Capacité", seats)
        return form

    def _picker(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.search = QLineEdit(placeholderText="Ajouter une personne : tapez son nom…")
        self.search.setAccessibleName("Ajouter un participant")
        self.completer = QCompleter([], self)
        self.completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.search.setCompleter(self.completer)
        self._timer = QTimer(self, singleShot=True, interval=200)
        self._timer.timeout.connect(self._find)
        self.search.textEdited.connect(lambda _t: self._timer.start())
        self.search.returnPressed.connect(self.add_typed)
        self.add_button = QPushButton(theme.icon("fa6s.user-plus"), "Inscrire")
        self.add_button.clicked.connect(self.add_typed)
        self.remove_button = QPushButton(theme.icon("fa6s.user-minus"), "Retirer")
        self.remove_button.clicked.connect(self.remove_selected)
        row.addWidget(self.search, 1)
        row.addWidget(self.add_button)
        row.addWidget(self.remove_button)
        return row

    def _buttons(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.letters_button = QPushButton(theme.icon("fa6s.envelope"), "Convocations…")
        self.letters_button.setToolTip(
            "Une convocation par participant : aperçu, impression ou un PDF chacun"
        )
        self.letters_button.clicked.connect(self.convoke)
        self.attendance_button = QPushButton(theme.icon("fa6s.clipboard-check"), "Enregistrer la présence")
        self.attendance_button.setToolTip(
            "Le statut de chaque participant, en une fois (la séance a eu lieu)"
        )
        self.attendance_button.clicked.connect(self.record_attendance)
        self.save_button = QPushButton(theme.icon("fa6s.floppy-disk", "#ffffff"), "Enregistrer la séance")
        self.save_button.setProperty("primary", True)
        self.save_button.clicked.connect(self.save)
        close = QPushButton("Fermer")
        close.clicked.connect(self.reject)
        row.addWidget(self.letters_button)
        row.addWidget(self.attendance_button)
        row.addStretch(1)
        row.addWidget(self.save_button)
        row.addWidget(close)
        return row

    # --- state --------------------------------------------------------------------------------------------

    def _enable(self) -> None:
        live = self.view is not None and self.view.status != AppointmentStatus.CANCELLED
        for w in (self.search, self.add_button, self.remove_button, self.letters_button):
            w.setEnabled(live)
        held = live and self.view is not None and self.view.starts_at.date() <= date.today()
        self.attendance_button.setEnabled(held and bool(self.view and self.view.participants))
        full = (
            live
            and self.view is not None
            and bool(self.view.capacity)
            and (self.view.seated >= (self.view.capacity or 0))
        )
        self.search.setEnabled(live and not full)
        self.add_button.setEnabled(live and not full)
        self.search.setPlaceholderText(
            "Enregistrez d'abord la séance, puis inscrivez les participants." if self.view is None
            else "Séance complète : augmentez la capacité pour inscrire une autre personne." if full
            else "Ajouter une personne : tapez son nom…"
        )  # fmt: skip

    def reload(self) -> None:
        sid = self.session_id
        assert sid is not None

        def job(w: WorkerContext) -> tuple[SessionView, dict[str, str]]:
            view = sessions.session_view(w.db, sid)
            states = letter_states(w.db, [p.appointment_id for p in view.participants])
            return view, {k: v.label for k, v in states.items()}

        self.ctx.worker.submit(job, self._show, lambda e: show_error(self, e), owner=self)

    def _show(self, result: tuple[SessionView, dict[str, str]]) -> None:
        view, states = result
        self.view = view
        self.setWindowTitle(
            f"Séance collective — {view.title or view.purpose_label}, {theme.fmt_datetime(view.starts_at)}"
        )
        index = self.purpose.findData(view.purpose)
        if index < 0:
            self.purpose.addItem(view.purpose_label, view.purpose)
            index = self.purpose.findData(view.purpose)
        self.purpose.setCurrentIndex(index)
        self.date.set_value(view.starts_at.date())
        self.time.setTime(QTime(view.starts_at.hour, view.starts_at.minute))
        self.duration.setValue(view.duration_min)
        self.capacity.setValue(view.capacity or 0)
        self.place.setText(view.place)
        self.title.setText(view.title)
        self.seats.setText(view.seats_label)
        self.table.setRowCount(len(view.participants))
        for n, p in enumerate(view.participants):
            self.table.setItem(n, 0, QTableWidgetItem(p.name))
            self.table.setItem(n, 1, QTableWidgetItem(p.status_label))
            self.table.setItem(n, 2, QTableWidgetItem(states.get(p.appointment_id, "")))
            combo = QComboBox()
            combo.setAccessibleName(f"Présence de {p.name}")
            for code, label in ATTENDANCE:
                combo.addItem(label, code)
            default = p.status if p.status in dict(ATTENDANCE) else AppointmentStatus.HONOURED
            combo.setCurrentIndex(max(0, combo.findData(default)))
            held = view.starts_at.date() <= date.today() and view.status != AppointmentStatus.CANCELLED
            combo.setEnabled(held and p.status != AppointmentStatus.CANCELLED)
            combo.setToolTip("" if held else "La présence se saisit une fois la séance passée.")
            self.table.setCellWidget(n, 3, combo)
        self._enable()

    def starts_at(self) -> datetime:
        t = self.time.time()
        return datetime.combine(self.date.value(), time(t.hour(), t.minute()))

    # --- actions ------------------------------------------------------------------------------------------

    def save(self) -> None:
        at, purpose, place = self.starts_at(), str(self.purpose.currentData()), self.place.text()
        minutes, seats = self.duration.value(), self.capacity.value() or None
        sid, view = self.session_id, self.view
        # the « Intitulé » is the comment's first line: the lines after it (a note) are kept
        rest = view.comment.splitlines()[1:] if view is not None else []
        comment = "\n".join([self.title.text().strip(), *rest]).strip()
        nature = view.nature if view is not None else "physique"

        def job(w: WorkerContext) -> str:
            author = current_actor(w.db)
            if sid is None:
                return sessions.create_session(
                    w.db, starts_at=at, purpose=purpose, place=place, duration_min=minutes, capacity=seats,
                    referent_id=current_referent_id(w.db), comment=comment, author=author,
                )  # fmt: skip
            sessions.update_session(w.db, sid, starts_at=at, purpose=purpose, nature=nature, place=place,
                                    duration_min=minutes, capacity=seats, comment=comment, author=author)  # fmt: skip
            return sid

        def done(new_id: str) -> None:
            self.session_id = new_id
            self.message.setText("Séance enregistrée.")
            self.ctx.changed(None)
            self.reload()

        self.ctx.worker.submit(job, done, lambda e: show_error(self, e), writes=True, owner=self)

    def _find(self) -> None:
        text = self.search.text()

        def done(found: list[PersonChoice]) -> None:
            self.found = {f"{p.name} — {p.city}" if p.city else p.name: p for p in found}
            self.completer.model().setStringList(list(self.found))  # type: ignore[attr-defined]
            self.completer.complete()

        self.ctx.worker.submit(lambda w: sessions.find_people(w.db, text), done,
                               lambda e: show_error(self, e), owner=self)  # fmt: skip

    def add_typed(self) -> None:
        choice = self.found.get(self.search.text())
        if choice is None and len(self.found) == 1:
            choice = next(iter(self.found.values()))
        if choice is None:
            self.message.setText("Choisissez la personne dans la liste proposée en tapant son nom.")
            return
        self.add_people([choice.id])

    def add_people(self, person_ids: list[str]) -> None:
        sid = self.session_id
        if sid is None:
            return

        def job(w: WorkerContext) -> list[str]:
            return sessions.add_participants(w.db, sid, person_ids, author=current_actor(w.db))

        def done(added: list[str]) -> None:
            self.search.clear()
            self.message.setText(
                theme.plural(len(added), "personne inscrite", "personnes inscrites") if added
                else "Déjà inscrite à cette séance."
            )  # fmt: skip
            for pid in person_ids:
                self.ctx.changed(pid)
            self.reload()

        self.ctx.worker.submit(job, done, lambda e: show_error(self, e), writes=True, owner=self)

    def remove_selected(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if not rows or self.view is None:
            return
        p = self.view.participants[rows[0].row()]

        def done(_r: object) -> None:
            self.message.setText(f"{p.name} : inscription annulée.")
            self.ctx.changed(p.person_id)
            self.reload()

        self.ctx.worker.submit(lambda w: sessions.remove_participant(w.db, p.appointment_id), done,
                               lambda e: show_error(self, e), writes=True, owner=self)  # fmt: skip

    def attendance(self) -> dict[str, str]:
        """What the « Présence » column says, for the participants not cancelled."""
        out: dict[str, str] = {}
        for n, p in enumerate(self.view.participants if self.view else ()):
            combo = self.table.cellWidget(n, 3)
            if isinstance(combo, QComboBox) and p.status != AppointmentStatus.CANCELLED:
                out[p.appointment_id] = str(combo.currentData())
        return out

    def record_attendance(self) -> None:
        sid, statuses = self.session_id, self.attendance()
        if sid is None or not statuses:
            return

        def job(w: WorkerContext) -> int:
            return sessions.record_attendance(w.db, sid, statuses, author=current_actor(w.db))

        def done(n: int) -> None:
            self.message.setText(
                f"Présence enregistrée ({theme.plural(n, 'statut changé', 'statuts changés')})."
            )
            for p in self.view.participants if self.view else ():
                self.ctx.changed(p.person_id)
            self.reload()

        self.ctx.worker.submit(job, done, lambda e: show_error(self, e), writes=True, owner=self)

    def convoke(self) -> None:
        sid = self.session_id
        if sid is None:
            return

        def show(plan: batch.LetterPlan) -> None:
            self.letters_dialog = LettersDialog(self.ctx, plan, "Convocations de la séance", self)
            self.letters_dialog.finished.connect(lambda *_: self.reload())
            self.letters_dialog.open()

        self.ctx.worker.submit(lambda w: batch.plan_session(w.db, sid), show,
                               lambda e: show_error(self, e), owner=self)  # fmt: skip
