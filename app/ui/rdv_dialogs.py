"""RDV dialogs: new RDV (with slot-conflict warning), status change (with history), missed-RDV follow-up.

Every dialog is opened with ``open()`` (window-modal, non-blocking): the caller reacts to ``accepted``. The
database is only reached through the worker.
"""

from __future__ import annotations

from datetime import date, datetime, time

from PySide6.QtCore import QDate, QTime
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from app.models.enums import AppointmentStatus
from app.models.vocabularies import is_sensitive_text, load_vocabularies
from app.services import agenda, people, records
from app.services.agenda import AgendaItem
from app.services.errors import ValidationError
from app.services.records import AppointmentEventView
from app.ui import theme
from app.ui.errors import show_error
from app.ui.plugins import UiContext
from app.ui.worker import WorkerContext

STATUS_ICONS: dict[str, tuple[str, str]] = {
    AppointmentStatus.PLANNED: ("fa6s.calendar-day", theme.ACCENT),
    AppointmentStatus.HONOURED: ("fa6s.circle-check", theme.OK),
    AppointmentStatus.EXCUSED: ("fa6s.circle-info", theme.SOON),
    AppointmentStatus.MISSED: ("fa6s.user-xmark", theme.LATE),
    AppointmentStatus.CANCELLED: ("fa6s.ban", theme.MUTED),
}
CONFLICT_ICON = ("fa6s.triangle-exclamation", theme.LATE)


def status_icon(status: str) -> object:
    name, color = STATUS_ICONS.get(status, ("fa6s.circle", theme.MUTED))
    return theme.icon(name, color)


def _error_label() -> QLabel:
    label = QLabel(objectName="error", wordWrap=True)
    label.hide()
    return label


class AppointmentDialog(QDialog):
    """« Nouveau rendez-vous »: date, heure, durée, objet, nature, lieu, individuel/collectif, commentaire."""

    def __init__(
        self, ctx: UiContext, person_id: str | None, person_name: str = "", *, day: date | None = None,
        parent: QWidget | None = None,
    ) -> None:  # fmt: skip
        super().__init__(parent)
        self.ctx, self.person_id = ctx, person_id
        self.saved_id: str | None = None
        self.conflicts_seen: list[AgendaItem] | None = None
        self.setWindowTitle("Nouveau rendez-vous" + (f" — {person_name}" if person_name else ""))
        self.setMinimumWidth(520)
        self._build(day or date.today())
        self.dirty = False
        for signal in (self.date.dateChanged, self.time.timeChanged, self.duration.valueChanged):
            signal.connect(self._slot_changed)
        for w in (self.purpose.currentIndexChanged, self.nature.currentIndexChanged, self.place.textChanged,
                  self.collective.toggled, self.comment.textChanged):  # fmt: skip
            w.connect(self._touched)
        self.comment.textChanged.connect(self._check_sensitive)

    def _build(self, day: date) -> None:
        vocab = load_vocabularies()
        form = QFormLayout()
        self.errors = {k: _error_label() for k in ("starts_at", "duration_min", "purpose", "nature", "place",
                                                    "person_id", "comment")}  # fmt: skip
        self.date = QDateEdit(
            QDate(day.year, day.month, day.day), calendarPopup=True, displayFormat="dd/MM/yyyy"
        )
        self.time = QTimeEdit(QTime(9, 0), displayFormat="HH:mm")
        when = QHBoxLayout()
        when.addWidget(self.date)
        when.addWidget(QLabel("à"))
        when.addWidget(self.time)
        when.addStretch(1)
        self.duration = QSpinBox(minimum=5, maximum=480, singleStep=15, value=45, suffix=" min")
        self.purpose, self.nature = QComboBox(), QComboBox()
        for combo, kind in ((self.purpose, "appointment_purposes"), (self.nature, "appointment_natures")):
            for entry in vocab.choices(kind):
                combo.addItem(entry.label, entry.code)
        self.purpose.setCurrentIndex(max(0, self.purpose.findData("suivi")))
        self.place = QLineEdit(placeholderText="Ex. : Maison des solidarités, bureau 2")
        self.collective = QCheckBox("Rendez-vous collectif (information collective, atelier…)")
        self.comment = QPlainTextEdit(placeholderText="Commentaire (facultatif, sans donnée de santé)")
        self.comment.setFixedHeight(70)
        self.sensitive = QLabel(wordWrap=True)
        self.sensitive.setStyleSheet(f"color: {theme.SOON};")
        self.sensitive.hide()
        rows: list[tuple[str, object, str]] = [
            ("Date et heure", when, "starts_at"), ("Durée", self.duration, "duration_min"),
            ("Objet", self.purpose, "purpose"), ("Nature", self.nature, "nature"), ("Lieu", self.place, "place"),
            ("", self.collective, "person_id"), ("Commentaire", self.comment, "comment"),
        ]  # fmt: skip
        for label, widget, key in rows:
            form.addRow(label, widget)  # type: ignore[call-overload]
            form.addRow("", self.errors[key])
        form.addRow("", self.sensitive)
        self.conflict = QLabel(wordWrap=True, objectName="error")
        self.conflict.hide()
        self.buttons = QDialogButtonBox()
        self.save_button = QPushButton(
            theme.icon("fa6s.floppy-disk", "#ffffff"), "Enregistrer le rendez-vous"
        )
        self.save_button.setProperty("primary", True)
        self.save_button.setDefault(True)
        self.buttons.addButton(self.save_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton("Annuler", QDialogButtonBox.ButtonRole.RejectRole)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.conflict)
        layout.addWidget(self.buttons)

    # --- state --------------------------------------------------------------------------------------------

    def starts_at(self) -> datetime:
        d, t = self.date.date(), self.time.time()
        return datetime.combine(date(d.year(), d.month(), d.day()), time(t.hour(), t.minute()))

    def _touched(self, *_: object) -> None:
        self.dirty = True

    def _slot_changed(self, *_: object) -> None:
        self.dirty = True
        self.conflicts_seen = None
        self.conflict.hide()
        self.save_button.setText("Enregistrer le rendez-vous")

    def _check_sensitive(self) -> None:
        warnings = is_sensitive_text(self.comment.toPlainText())
        self.sensitive.setText("⚠ " + " ".join(warnings) if warnings else "")
        self.sensitive.setVisible(bool(warnings))

    def show_errors(self, fields: dict[str, str]) -> None:
        for key, label in self.errors.items():
            label.setText(fields.get(key, ""))
            label.setVisible(key in fields)
        other = {k: v for k, v in fields.items() if k not in self.errors}
        if other:
            self.errors["comment"].setText(" ".join(other.values()))
            self.errors["comment"].show()

    # --- saving -------------------------------------------------------------------------------------------

    def save(self) -> None:
        self.save_button.setEnabled(False)
        starts, minutes = self.starts_at(), self.duration.value()

        def check(w: WorkerContext) -> list[AgendaItem]:
            rid = people.current_referent_id(w.db)
            return agenda.find_conflicts(w.db, starts_at=starts, duration_min=minutes, referent_id=rid)

        self.ctx.worker.submit(check, self._checked, self._failed, owner=self)

    def _checked(self, conflicts: list[AgendaItem]) -> None:
        if conflicts and self.conflicts_seen is None:
            self.conflicts_seen = conflicts
            lines = [
                f"{c.starts_at:%H:%M}–{c.ends_at:%H:%M} {c.person_name} ({c.purpose_label})"
                for c in conflicts
            ]
            self.conflict.setText("⚠ Chevauchement : ce créneau recouvre " + " ; ".join(lines) + ".")
            self.conflict.show()
            self.save_button.setText("Enregistrer malgré le chevauchement")
            self.save_button.setEnabled(True)
            return
        values = {
            "starts_at": self.starts_at(), "duration_min": self.duration.value(),
            "purpose": self.purpose.currentData(), "nature": self.nature.currentData(),
            "place": self.place.text(), "collective": self.collective.isChecked(),
            "comment": self.comment.toPlainText(),
        }  # fmt: skip
        pid = self.person_id

        def write(w: WorkerContext) -> str:
            rid = people.current_referent_id(w.db)
            return records.add_appointment(w.db, pid, referent_id=rid, **values)

        self.ctx.worker.submit(write, self._saved, self._failed, writes=True, owner=self)

    def _saved(self, rdv_id: str) -> None:
        self.saved_id = rdv_id
        self.dirty = False
        self.ctx.changed(self.person_id)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self.save_button.setEnabled(True)
        if isinstance(exc, ValidationError) and exc.fields:
            self.show_errors(dict(exc.fields))
        else:
            show_error(self, exc)

    def reject(self) -> None:
        if self.dirty:
            answer = QMessageBox.question(
                self, "Abandonner la saisie ?",
                "Le rendez-vous n'est pas enregistré : ce que vous avez saisi sera perdu.",
                QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
                QMessageBox.StandardButton.Cancel,
            )  # fmt: skip
            if answer != QMessageBox.StandardButton.Discard:
                return
        super().reject()


class StatusDialog(QDialog):
    """Change the status of a RDV; the history of its statuses is shown above."""

    def __init__(
        self, item: AgendaItem, history: list[AppointmentEventView], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.item = item
        self.setWindowTitle("Statut du rendez-vous")
        self.setMinimumWidth(480)
        vocab = load_vocabularies()
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"<b>{item.purpose_label}</b> — {theme.fmt_datetime(item.starts_at)}"))
        layout.addWidget(QLabel("Historique", objectName="h2"))
        self.history = QListWidget()
        self.history.setAccessibleName("Historique des statuts")
        for ev in history:
            text = f"{theme.fmt_datetime(ev.at)} — {vocab.label('appointment_statuses', ev.status)}"
            text += f" ({ev.author})" if ev.author else ""
            text += f" : {ev.comment}" if ev.comment else ""
            self.history.addItem(QListWidgetItem(status_icon(ev.status), text))  # type: ignore[arg-type]
        self.history.setMaximumHeight(120)
        layout.addWidget(self.history)
        form = QFormLayout()
        self.status = QComboBox()
        for entry in vocab.choices("appointment_statuses"):
            self.status.addItem(status_icon(entry.code), entry.label, entry.code)  # type: ignore[arg-type]
        planned = item.status == AppointmentStatus.PLANNED
        self.status.setCurrentIndex(
            max(0, self.status.findData(AppointmentStatus.HONOURED if planned else item.status))
        )
        self.comment = QLineEdit(placeholderText="Précision (facultatif)")
        self.error = _error_label()
        form.addRow("Nouveau statut", self.status)
        form.addRow("", self.error)
        form.addRow("Commentaire", self.comment)
        layout.addLayout(form)
        buttons = QDialogButtonBox()
        ok = buttons.addButton("Changer le statut", QDialogButtonBox.ButtonRole.AcceptRole)
        ok.setProperty("primary", True)
        buttons.addButton("Annuler", QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def chosen(self) -> str:
        return str(self.status.currentData())

    def _accept(self) -> None:
        if self.chosen() == self.item.status:
            self.error.setText("Le rendez-vous a déjà ce statut.")
            self.error.show()
            return
        self.accept()


FOLLOW_UPS = (
    ("rdv", "fa6s.calendar-plus", "Planifier un nouveau rendez-vous"),
    ("courrier", "fa6s.envelope", "Noter un courrier de relance"),
    ("manquement", "fa6s.scale-balanced", "Constater un manquement (début de procédure)"),
    ("rien", "fa6s.hourglass-half", "Ne rien faire pour l'instant"),
)


_OK_TEXT = {
    "rdv": "Planifier le rendez-vous…",
    "courrier": "Enregistrer la note de relance",
    "manquement": "Enregistrer le constat de manquement",
    "rien": "Fermer",
}


class FollowUpDialog(QDialog):
    """After a RDV marked « non honoré »: the user chooses the follow-up; nothing happens by itself."""

    def __init__(self, item: AgendaItem, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Rendez-vous non honoré — quelle suite ?")
        self.setMinimumWidth(520)
        layout = QVBoxLayout(self)
        intro = QLabel(
            f"{item.person_name} ne s'est pas présenté(e) au rendez-vous du {theme.fmt_datetime(item.starts_at)}."
            " Choisissez la suite à donner :",
            wordWrap=True,
        )
        layout.addWidget(intro)
        self.group = QButtonGroup(self)
        self.choices: dict[str, QRadioButton] = {}
        for key, icon, label in FOLLOW_UPS:
            radio = QRadioButton(label)
            radio.setIcon(theme.icon(icon))
            self.group.addButton(radio)
            self.choices[key] = radio
            layout.addWidget(radio)
        self.choices["rien"].setChecked(True)
        self.detail = QPlainTextEdit()
        self.detail.setPlainText(f"Rendez-vous du {theme.fmt_date(item.starts_at)} non honoré.")
        self.detail.setFixedHeight(60)
        self.detail_label = QLabel("Texte de la note ou du constat :")
        layout.addWidget(self.detail_label)
        layout.addWidget(self.detail)
        buttons = QDialogButtonBox()
        self.ok = buttons.addButton("Valider", QDialogButtonBox.ButtonRole.AcceptRole)
        self.ok.setProperty("primary", True)
        buttons.addButton("Plus tard", QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.group.buttonToggled.connect(self._toggled)
        self._toggled()

    def choice(self) -> str:
        return next(k for k, r in self.choices.items() if r.isChecked())

    def _toggled(self, *_: object) -> None:
        choice = self.choice()
        needs_text = choice in ("courrier", "manquement")
        self.ok.setText(_OK_TEXT[choice])
        self.detail.setEnabled(needs_text)
        self.detail_label.setEnabled(needs_text)


def follow_up_job(choice: str, person_id: str, text: str) -> object:
    """The worker job recording the chosen follow-up (« courrier » note or « manquement » step)."""

    def job(w: WorkerContext) -> str:
        if choice == "courrier":
            return records.add_note(w.db, person_id, kind="courrier", body=text)
        return records.add_sanction_step(
            w.db, person_id, kind="manquement", step_date=date.today(), detail=text
        ).id

    return job


__all__ = ["AppointmentDialog", "FollowUpDialog", "StatusDialog", "follow_up_job", "status_icon"]
