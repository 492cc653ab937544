"""RDV dialogs: new or edited RDV (with slot-conflict warning), status change (with history), missed-RDV
follow-up.

Every dialog is opened with ``open()`` (window-modal, non-blocking): the caller reacts to ``accepted``. The
database is only reached through the worker.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time
from typing import cast

from PySide6.QtCore import Qt, QTime
from PySide6.QtGui import QIcon, QStandardItemModel
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from app.models.enums import AppointmentStatus
from app.models.vocabularies.loader import is_sensitive_text, load_vocabularies
from app.services.agenda import views as agenda
from app.services.agenda.calendar import AgendaItem
from app.services.casefile import notes, rdv, sanctions
from app.services.casefile.rdv import AppointmentEventView
from app.services.people import identity as people
from app.ui.kit import theme
from app.ui.kit.a11y import Level, announce
from app.ui.kit.forms import DateField, FollowupDialog, Job, error_label
from app.ui.kit.keyboard import save_shortcut
from app.ui.kit.widgets import named
from app.ui.kit.worker import WorkerContext
from app.ui.shell.plugins import UiContext

STATUS_ICONS: dict[str, tuple[str, str]] = {
    AppointmentStatus.PLANNED: ("fa6s.calendar-day", theme.ACCENT),
    AppointmentStatus.HONOURED: ("fa6s.circle-check", theme.OK),
    AppointmentStatus.EXCUSED: ("fa6s.circle-info", theme.SOON),
    AppointmentStatus.MISSED: ("fa6s.user-xmark", theme.LATE),
    AppointmentStatus.CANCELLED: ("fa6s.ban", theme.MUTED),
}
CONFLICT_ICON = ("fa6s.triangle-exclamation", theme.LATE)
#: Statuses a RDV can only take on its day or after (a future RDV is excused or cancelled, not honoured).
NOT_BEFORE_THE_DAY = frozenset({AppointmentStatus.HONOURED, AppointmentStatus.MISSED})
NOT_YET_TIP = "Pas avant le jour du rendez-vous"


EDIT_TIP = "Modifier la date, l'heure, la durée, le lieu, l'objet ou la nature du rendez-vous (F2)"
CANCELLED_TIP = "Un rendez-vous annulé ne se modifie plus : planifiez-en un nouveau."


def editable(item: AgendaItem | None) -> bool:
    """A RDV can be edited unless it was cancelled."""
    return item is not None and item.status != AppointmentStatus.CANCELLED


def edit_button(slot: Callable[[], object]) -> QPushButton:
    """« Modifier… » of the agenda and of the person's Rendez-vous tab (enabled by :func:`follow_selection`)."""
    button = QPushButton(theme.icon("fa6s.pen"), "Modifier…")
    button.setToolTip(EDIT_TIP)
    button.setEnabled(False)
    button.clicked.connect(slot)
    return button


def follow_selection(button: QPushButton, item: AgendaItem | None) -> None:
    """Enable « Modifier… » for an editable RDV; say why a cancelled one is not."""
    button.setEnabled(editable(item))
    cancelled = item is not None and item.status == AppointmentStatus.CANCELLED
    button.setToolTip(CANCELLED_TIP if cancelled else EDIT_TIP)


def status_icon(status: str) -> QIcon:
    name, color = STATUS_ICONS.get(status, ("fa6s.circle", theme.MUTED))
    return theme.icon(name, color)


class AppointmentDialog(FollowupDialog):
    """« Nouveau rendez-vous » or, given ``item``, « Modifier le rendez-vous »: date, heure, durée, objet, nature,
    lieu, individuel/collectif (fixed when editing), commentaire. The slot is checked against the référent's other
    RDVs before saving; an overlap is shown once and saving again confirms it."""

    save_text = "Enregistrer le rendez-vous"
    saved_text = "Rendez-vous enregistré"
    discard_text = "Le rendez-vous n'est pas enregistré : ce que vous avez saisi sera perdu."

    def __init__(
        self, ctx: UiContext, person_id: str | None, person_name: str = "", *, day: date | None = None,
        item: AgendaItem | None = None, parent: QWidget | None = None,
    ) -> None:  # fmt: skip
        title = "Modifier le rendez-vous" if item is not None else "Nouveau rendez-vous"
        name = person_name or (item.person_name if item is not None else "")
        super().__init__(ctx, title + (f" — {name}" if name else ""), parent)
        self.setMinimumWidth(520)
        self.item = item
        self.person_id = item.person_id if item is not None else person_id
        self.conflicts_seen: list[AgendaItem] | None = None
        self._build(day or date.today())
        if item is not None:
            self._fill(item)
        self.dirty = False
        for signal in (self.date.dateChanged, self.time.timeChanged, self.duration.valueChanged):
            signal.connect(self._slot_changed)
        for w in (self.purpose.currentIndexChanged, self.nature.currentIndexChanged, self.place.textChanged,
                  self.collective.toggled, self.comment.textChanged):  # fmt: skip
            w.connect(self.touched)
        self.comment.textChanged.connect(self._check_sensitive)

    def _build(self, day: date) -> None:
        vocab = load_vocabularies()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.date = DateField(day)
        self.time = QTimeEdit(QTime(9, 0))
        self.time.setDisplayFormat("HH:mm")
        self.date.setAccessibleName("Date du rendez-vous")
        self.time.setAccessibleName("Heure du rendez-vous")
        when = QWidget()
        row = QHBoxLayout(when)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.date)
        row.addWidget(QLabel("à"))
        row.addWidget(self.time)
        row.addStretch(1)
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
        self.sensitive = named(QLabel(wordWrap=True), "warning")
        self.sensitive.hide()
        for label, widget, key in (
            ("Date et heure", when, "starts_at"), ("Durée", self.duration, "duration_min"),
            ("Objet", self.purpose, "purpose"), ("Nature", self.nature, "nature"), ("Lieu", self.place, "place"),
            ("", self.collective, "person_id"), ("Commentaire", self.comment, "comment"),
        ):  # fmt: skip
            self.add_row(label, widget, key)
        self.form.addRow("", self.sensitive)
        self.conflict = named(QLabel(wordWrap=True), "error")
        self.conflict.hide()
        self.layout_.addWidget(self.conflict)
        self.finish_layout()

    def _fill(self, item: AgendaItem) -> None:
        self.date.set_value(item.starts_at.date())
        self.time.setTime(QTime(item.starts_at.hour, item.starts_at.minute))
        self.duration.setValue(item.duration_min)
        for combo, code in ((self.purpose, item.purpose), (self.nature, item.nature)):
            if combo.findData(code) < 0:  # a code retired from the vocabulary stays choosable for this RDV
                combo.addItem(code, code)
            combo.setCurrentIndex(combo.findData(code))
        self.place.setText(item.place)
        self.collective.setChecked(item.collective)
        self.collective.setEnabled(False)
        self.comment.setPlainText(item.comment)

    # --- state --------------------------------------------------------------------------------------------

    @property
    def saved_id(self) -> str | None:
        if self.item is not None:
            return self.item.id if self.result() == QDialog.DialogCode.Accepted else None
        return self.result_value if isinstance(self.result_value, str) else None

    def starts_at(self) -> datetime:
        t = self.time.time()
        return datetime.combine(self.date.value(), time(t.hour(), t.minute()))

    def _slot_changed(self, *_: object) -> None:
        self.dirty = True
        self.conflicts_seen = None
        self.conflict.hide()
        self.save_button.setText(self.save_text)

    def _check_sensitive(self) -> None:
        warnings = is_sensitive_text(self.comment.toPlainText())
        if warnings and not self.sensitive.isVisibleTo(self):  # said once, when it appears
            announce(" ".join(warnings), Level.WARNING, source=self.sensitive)
        self.sensitive.setText("⚠ " + " ".join(warnings) if warnings else "")
        self.sensitive.setVisible(bool(warnings))

    # --- saving -------------------------------------------------------------------------------------------

    def save(self) -> None:
        """First the slot is checked against the référent's other RDVs, then the write (base class)."""
        if self.conflicts_seen is not None:
            super().save()
            return
        self.save_button.setEnabled(False)
        starts, minutes, item = self.starts_at(), self.duration.value(), self.item

        def check(w: WorkerContext) -> list[AgendaItem]:
            rid = item.referent_id if item is not None else people.current_referent_id(w.db)
            exclude = item.id if item is not None else None
            return agenda.find_conflicts(
                w.db, starts_at=starts, duration_min=minutes, referent_id=rid, exclude_id=exclude
            )

        self.ctx.worker.submit(check, self._checked, self._failed, owner=self)

    def _checked(self, conflicts: list[AgendaItem]) -> None:
        self.conflicts_seen = conflicts
        if conflicts:
            lines = [
                f"{c.starts_at:%H:%M}–{c.ends_at:%H:%M} {c.person_name} ({c.purpose_label})"
                for c in conflicts
            ]
            self.conflict.setText("⚠ Chevauchement : ce créneau recouvre " + " ; ".join(lines) + ".")
            self.conflict.show()
            announce(self.conflict.text().lstrip("⚠ ") + " Enregistrez de nouveau pour confirmer.",
                     Level.WARNING, source=self.conflict)  # fmt: skip
            self.save_button.setText("Enregistrer malgré le chevauchement")
            self.save_button.setEnabled(True)
            return
        super().save()

    def write_job(self) -> Job:
        values = {
            "starts_at": self.starts_at(), "duration_min": self.duration.value(),
            "purpose": self.purpose.currentData(), "nature": self.nature.currentData(),
            "place": self.place.text(), "comment": self.comment.toPlainText(),
        }  # fmt: skip
        pid, item, collective = self.person_id, self.item, self.collective.isChecked()
        if item is not None:
            return lambda w: rdv.update_appointment(w.db, item.id, **values)

        def write(w: WorkerContext) -> str:
            rid = people.current_referent_id(w.db)
            return rdv.add_appointment(w.db, pid, referent_id=rid, collective=collective, **values)

        return write

    def changed_ids(self) -> list[str | None]:
        return [self.person_id]


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
        layout.addWidget(named(QLabel("Historique"), "h2"))
        self.history = QListWidget()
        self.history.setAccessibleName("Historique des statuts")
        for ev in history:
            text = f"{theme.fmt_datetime(ev.at)} — {vocab.label('appointment_statuses', ev.status)}"
            text += f" ({ev.author})" if ev.author else ""
            text += f" : {ev.comment}" if ev.comment else ""
            self.history.addItem(QListWidgetItem(status_icon(ev.status), text))
        self.history.setMaximumHeight(120)
        layout.addWidget(self.history)
        form = QFormLayout()
        self.status = QComboBox()
        self.status.setAccessibleName("Nouveau statut")
        planned = item.status == AppointmentStatus.PLANNED
        future = planned and item.starts_at.date() > date.today()
        if future:  # nothing is preselected: only « excusé » or « annulé » make sense before the day
            self.status.addItem("— Choisissez le nouveau statut —", None)
        for entry in vocab.choices("appointment_statuses"):
            self.status.addItem(status_icon(entry.code), entry.label, entry.code)
            if future and entry.code in NOT_BEFORE_THE_DAY:
                row = self.status.count() - 1
                cast(QStandardItemModel, self.status.model()).item(row).setEnabled(False)
                self.status.setItemData(row, NOT_YET_TIP, Qt.ItemDataRole.ToolTipRole)
        self.future = future
        default = None if future else (AppointmentStatus.HONOURED if planned else item.status)
        self.status.setCurrentIndex(max(0, self.status.findData(default)))
        self.comment = QLineEdit(placeholderText="Précision (facultatif)")
        self.error = error_label()
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
        save_shortcut(self, self._accept)

    def chosen(self) -> str:
        data = self.status.currentData()
        return "" if data is None else str(data)

    def _accept(self) -> None:
        if not self.chosen():
            self.error.setText("Choisissez le nouveau statut du rendez-vous.")
            self.error.show()
            return
        if self.future and self.chosen() in NOT_BEFORE_THE_DAY:
            self.error.setText("Un rendez-vous à venir ne peut pas encore être honoré ou manqué.")
            self.error.show()
            return
        if self.chosen() == self.item.status:
            self.error.setText("Le rendez-vous a déjà ce statut.")
            self.error.show()
            return
        self.accept()


FOLLOW_UPS = (
    ("lettre", "fa6s.envelope-open-text", "Préparer la lettre de relance (aperçu, impression)"),
    ("rdv", "fa6s.calendar-plus", "Planifier un nouveau rendez-vous"),
    ("courrier", "fa6s.envelope", "Noter un courrier de relance"),
    ("manquement", "fa6s.scale-balanced", "Constater un manquement (début de procédure)"),
    ("rien", "fa6s.hourglass-half", "Ne rien faire pour l'instant"),
)


_OK_TEXT = {
    "lettre": "Préparer la lettre…",
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
        self.choices["lettre"].setChecked(True)  # ADR 0035: after a no-show, the relance letter is proposed
        self.detail = QPlainTextEdit()
        self.detail.setPlainText(f"Rendez-vous du {theme.fmt_date(item.starts_at)} non honoré.")
        self.detail.setFixedHeight(60)
        self.detail_label = QLabel("Texte de la note ou du constat :")
        self.detail_label.setBuddy(self.detail)
        layout.addWidget(self.detail_label)
        layout.addWidget(self.detail)
        buttons = QDialogButtonBox()
        self.ok = buttons.addButton("Valider", QDialogButtonBox.ButtonRole.AcceptRole)
        self.ok.setProperty("primary", True)
        buttons.addButton("Plus tard", QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        save_shortcut(self, self.accept)
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
            return notes.add_note(w.db, person_id, kind="courrier", body=text)
        return sanctions.add_sanction_step(
            w.db, person_id, kind="manquement", step_date=date.today(), detail=text
        ).id

    return job


__all__ = [
    "CANCELLED_TIP",
    "EDIT_TIP",
    "AppointmentDialog",
    "FollowUpDialog",
    "StatusDialog",
    "edit_button",
    "editable",
    "follow_selection",
    "follow_up_job",
    "status_icon",
]
