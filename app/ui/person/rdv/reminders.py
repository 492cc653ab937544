"""« Rappels des rendez-vous » of a person (ADR 0036): the channel they chose (courriel, SMS, aucun) and the day
they agreed; a channel their file cannot serve is refused with the reason, next to the choice."""

from __future__ import annotations

from datetime import date

from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from app.services.casefile import reminders
from app.services.casefile.reminders import ReminderPreference
from app.services.errors import ValidationError
from app.ui.kit.errors import show_error
from app.ui.kit.forms import DateField
from app.ui.kit.keyboard import save_shortcut
from app.ui.kit.widgets import named
from app.ui.kit.worker import WorkerContext
from app.ui.shell.plugins import UiContext

CHOICES = (
    ("aucun", "Aucun rappel"),
    ("courriel", "Rappel par courriel"),
    ("sms", "Rappel par SMS"),
)


class ReminderDialog(QDialog):
    def __init__(self, ctx: UiContext, pref: ReminderPreference, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.pref = ctx, pref
        self.setWindowTitle("Rappels des rendez-vous")
        self.setMinimumWidth(480)
        layout = QVBoxLayout(self)
        intro = QLabel(
            "Avec l'accord de la personne, le serveur du département lui rappelle chaque rendez-vous "
            "(deux jours avant, par défaut) : date, heure, lieu et service, rien d'autre.",
            wordWrap=True,
        )
        layout.addWidget(intro)
        self.group = QButtonGroup(self)
        self.radios: dict[str, QRadioButton] = {}
        contact = {"courriel": pref.email or "aucune adresse", "sms": pref.phone or "aucun numéro"}
        for code, label in CHOICES:
            radio = QRadioButton(label + (f" ({contact[code]})" if code in contact else ""))
            self.group.addButton(radio)
            self.radios[code] = radio
            layout.addWidget(radio)
        self.radios.get(pref.channel, self.radios["aucun"]).setChecked(True)
        form = QFormLayout()
        self.consent = DateField(pref.consent_on or date.today())
        form.addRow("Accord donné le", self.consent)
        layout.addLayout(form)
        self.error = named(QLabel(wordWrap=True), "error")
        self.error.hide()
        layout.addWidget(self.error)
        buttons = QDialogButtonBox()
        self.ok = buttons.addButton("Enregistrer", QDialogButtonBox.ButtonRole.AcceptRole)
        self.ok.setProperty("primary", True)
        buttons.addButton("Annuler", QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        save_shortcut(self, self.save)
        self.group.buttonToggled.connect(self._toggled)
        self._toggled()

    def channel(self) -> str:
        return next(code for code, r in self.radios.items() if r.isChecked())

    def _toggled(self, *_: object) -> None:
        self.consent.setEnabled(self.channel() != "aucun")
        self.error.hide()

    def save(self) -> None:
        pid, channel, consent = self.pref.person_id, self.channel(), self.consent.value()

        def job(w: WorkerContext) -> ReminderPreference:
            return reminders.set_reminder_preference(w.db, pid, channel, consent_on=consent)

        def failed(exc: BaseException) -> None:
            if isinstance(exc, ValidationError) and exc.fields:
                self.error.setText(" ".join(exc.fields.values()))
                self.error.show()
            else:
                show_error(self, exc)

        def done(_pref: ReminderPreference) -> None:
            self.ctx.changed(pid)
            self.accept()

        self.ctx.worker.submit(job, done, failed, writes=True, owner=self)
