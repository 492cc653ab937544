"""Exit of accompaniment (sortie) and re-entry. The exit asks for a confirmation inside the dialog that spells out
the consequence. (A sanction is never an exit: see :mod:`app.ui.person.sanction_dialog`.)"""

from __future__ import annotations

from typing import Any

from dateutil.relativedelta import relativedelta
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLabel, QPlainTextEdit, QWidget

from app.models.vocabularies.loader import load_vocabularies
from app.services.people import parcours
from app.services.people.followup import FollowupContext
from app.services.people.labels import TRACK_LABELS
from app.services.people.parcours import EMPLOYMENT_CATEGORIES
from app.ui.kit import theme
from app.ui.kit.forms import DateField, FollowupDialog, Job, OptionalDate
from app.ui.kit.widgets import named
from app.ui.shell.plugins import UiContext

TRACKS: dict[str, str] = {str(k): v for k, v in TRACK_LABELS.items()}  # by code

EXIT_CONSEQUENCE = "La personne sortira de votre file active ; son dossier reste consultable et une ré-entrée reste possible."


class ExitDialog(FollowupDialog):
    """« Sortie du dispositif »: category, then reason of that category, date, detail, in-job follow-up."""

    save_text = "Enregistrer la sortie…"

    def __init__(self, ctx: UiContext, person: FollowupContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, f"Sortie du dispositif — {person.name}", parent)
        self.person = person
        self.vocab = load_vocabularies()
        self.confirming = False
        self.category = QComboBox()
        self.category.setAccessibleName("Catégorie de sortie")
        self.category.addItem("Choisir une catégorie…", "")
        for entry in self.vocab.choices("exit_categories"):
            self.category.addItem(entry.label, entry.code)
        self.reason = QComboBox()
        self.reason.setAccessibleName("Motif de sortie")
        self.exit_date = DateField()
        self.detail = QPlainTextEdit(
            placeholderText="Précisions (employeur, formation…), sans donnée de santé"
        )
        self.detail.setFixedHeight(64)
        self.followup = OptionalDate("Oui, jusqu'au")
        self.followup.setToolTip("Après une sortie vers l'emploi, un suivi de 6 mois au plus peut continuer.")
        self.followup_hint = QLabel(
            "Possible seulement après une sortie vers l'emploi (6 mois au plus).", wordWrap=True
        )
        self.followup_hint.setProperty("muted", True)
        self.add_row("Catégorie", self.category, "category")
        self.add_row("Motif", self.reason, "reason")
        self.add_row("Date de sortie", self.exit_date, "exit_date")
        self.add_row("Précisions", self.detail, "detail")
        self.add_row("Suivi dans l'emploi", self.followup, "in_job_followup_until")
        self.add_row("", self.followup_hint)
        self.confirm = named(QLabel(wordWrap=True), "error")
        self.confirm.setTextFormat(Qt.TextFormat.RichText)
        self.confirm.hide()
        self.layout_.addWidget(self.confirm)
        self.finish_layout()
        since = f" depuis le {theme.fmt_date(person.parcours_start)}" if person.parcours_start else ""
        track = TRACKS.get(person.track or "", "")
        self.set_intro(
            f"Fin de l'accompagnement{since}" + (f" (parcours {track.lower()})." if track else ".")
        )
        self.category.currentIndexChanged.connect(self._category_changed)
        self.followup.check.toggled.connect(self._default_followup)
        self._category_changed()
        for signal in (self.category.currentIndexChanged, self.reason.currentIndexChanged,
                       self.exit_date.dateChanged, self.detail.textChanged, self.followup.check.toggled):  # fmt: skip
            signal.connect(self._edited)

    def _category_changed(self, *_: object) -> None:
        category = self.category.currentData()
        self.reason.clear()
        if not category:
            self.reason.addItem("Choisissez d'abord la catégorie", "")
        for entry in self.vocab.exit_reasons_of(category) if category else []:
            self.reason.addItem(entry.label, entry.code)
        self.reason.setEnabled(bool(category))
        employment = category in EMPLOYMENT_CATEGORIES
        if not employment:
            self.followup.check.setChecked(False)
        self.followup.setEnabled(employment)
        self.followup_hint.setVisible(not employment)

    def _default_followup(self, on: bool) -> None:
        if on:
            self.followup.field.set_value(self.exit_date.value() + relativedelta(months=6))

    def _edited(self, *_: object) -> None:
        self.touched()
        if self.confirming:
            self.confirming = False
            self.confirm.hide()
            self.save_button.setText(self.save_text)

    def write_job(self) -> Job | None:
        category, reason = self.category.currentData(), self.reason.currentData()
        missing = {}
        if not category:
            missing["category"] = "Choisissez la catégorie de sortie."
        elif not reason:
            missing["reason"] = "Choisissez le motif de sortie."
        if missing:
            self.show_errors(missing)
            return None
        if not self.confirming:
            self.show_errors({})
            self.confirming = True
            label = self.reason.currentText()
            self.confirm.setText(
                f"<b>Confirmer la sortie de {self.person.name}</b> ({label}, le "
                f"{theme.fmt_date(self.exit_date.value())}) ?<br>{EXIT_CONSEQUENCE}"
            )
            self.confirm.show()
            self.save_button.setText("Confirmer la sortie")
            return None
        pid, values = self.person.person_id, self._values(category, reason)
        return lambda w: parcours.record_exit(w.db, pid, **values)

    def _values(self, category: str, reason: str) -> dict[str, Any]:
        return {
            "exit_date": self.exit_date.value(), "category": category, "reason": reason,
            "detail": self.detail.toPlainText(), "in_job_followup_until": self.followup.value(),
        }  # fmt: skip

    def _failed(self, exc: BaseException) -> None:
        self.confirming = False
        self.confirm.hide()
        self.save_button.setText(self.save_text)
        super()._failed(exc)

    def changed_ids(self) -> list[str | None]:
        return [self.person.person_id]


class ReentryDialog(FollowupDialog):
    """« Ré-entrée dans le dispositif » of a person who left: a new parcours, the old one is kept."""

    save_text = "Enregistrer la ré-entrée"

    def __init__(self, ctx: UiContext, person: FollowupContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, f"Ré-entrée dans le dispositif — {person.name}", parent)
        self.person = person
        left = f" le {theme.fmt_date(person.last_exit)}" if person.last_exit else ""
        self.set_intro(
            f"La personne est sortie de l'accompagnement{left}. La ré-entrée ouvre un nouveau parcours : "
            "elle revient dans votre file active, l'historique du parcours précédent est conservé."
        )
        self.track = QComboBox()
        self.track.addItem("Selon la prochaine orientation", "")
        for entry in load_vocabularies().choices("tracks"):
            self.track.addItem(entry.label, entry.code)
        self.start = DateField()
        self.add_row("Date de ré-entrée", self.start, "start_date")
        self.add_row("Parcours", self.track, "track")
        self.finish_layout()

    def write_job(self) -> Job:
        pid, start, track = self.person.person_id, self.start.value(), self.track.currentData()
        return lambda w: parcours.open_parcours(w.db, pid, start_date=start, track=track)

    def changed_ids(self) -> list[str | None]:
        return [self.person.person_id]
