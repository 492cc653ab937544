"""Carnet de bord dialogs: new objective, new action, new prescription.

A dialog does not write itself: on « Enregistrer » it hands its values to ``save(values, on_done, on_error)``
(a worker job in the tab); field errors come back next to the fields and nothing typed is lost. Cancelling
a dialog holding typed text asks first.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from app.models.vocabularies import load_vocabularies
from app.services.errors import ValidationError
from app.ui import theme
from app.ui.errors import show_error

Save = Callable[[dict[str, Any], Callable[[Any], None], Callable[[BaseException], None]], None]
NO_DATE = QDate(1900, 1, 1)


def date_edit(optional: bool = True) -> QDateEdit:
    edit = QDateEdit(calendarPopup=True, displayFormat="dd/MM/yyyy")
    if optional:
        edit.setMinimumDate(NO_DATE)
        edit.setSpecialValueText("Non renseignée")
        edit.setDate(NO_DATE)
    else:
        edit.setDate(QDate.currentDate())
    return edit


def date_value(edit: QDateEdit) -> date | None:
    return None if edit.date() == NO_DATE else edit.date().toPython()  # type: ignore[return-value]


def vocab_combo(kind: str, current: str | None = None) -> QComboBox:
    combo = QComboBox()
    for entry in load_vocabularies().choices(kind):
        combo.addItem(entry.label, entry.code)
    if current is not None:
        combo.setCurrentIndex(max(combo.findData(current), 0))
    return combo


class _Dialog(QDialog):
    def __init__(self, title: str, save: Save, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setMinimumWidth(520)
        self.save_fn = save
        self.saving = False
        self.errors: dict[str, QLabel] = {}
        layout = QVBoxLayout(self)
        self.form = QFormLayout()
        layout.addLayout(self.form)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setText("Enregistrer")
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("Annuler")
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

    def row(self, key: str, label: str, widget: QWidget) -> QWidget:
        box = QWidget()
        col = QVBoxLayout(box)
        col.setContentsMargins(0, 0, 0, 0)
        col.setSpacing(2)
        col.addWidget(widget)
        error = QLabel(objectName="error", wordWrap=True)
        error.hide()
        col.addWidget(error)
        self.errors[key] = error
        widget.setAccessibleName(label.rstrip(" *"))
        self.form.addRow(label, box)
        return widget

    def values(self) -> dict[str, Any]:
        raise NotImplementedError

    def typed(self) -> bool:
        return False

    def submit(self) -> None:
        if self.saving:
            return
        for label in self.errors.values():
            label.hide()
        self.saving = True
        self.buttons.setEnabled(False)
        self.save_fn(self.values(), self._done, self._failed)

    def _done(self, _result: Any) -> None:
        self.saving = False
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self.saving = False
        self.buttons.setEnabled(True)
        if isinstance(exc, ValidationError) and exc.fields and set(exc.fields) <= set(self.errors):
            for key, message in exc.fields.items():
                self.errors[key].setText(message)
                self.errors[key].show()
            return
        show_error(self, exc)

    def reject(self) -> None:
        if self.typed() and not self.saving:
            answer = QMessageBox.question(
                self,
                "Abandonner la saisie ?",
                "Ce que vous avez saisi sera perdu. Abandonner quand même ?",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                QMessageBox.StandardButton.No,
            )
            if answer != QMessageBox.StandardButton.Yes:
                return
        super().reject()


class ObjectiveDialog(_Dialog):
    def __init__(
        self,
        save: Save,
        contracts: list[tuple[str, str]],
        theme_code: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__("Nouvel objectif", save, parent)
        self.theme = self.row("theme", "Thème", vocab_combo("carnet_themes", theme_code))
        self.title = self.row(
            "title", "Objectif *", QLineEdit(placeholderText="Par exemple : trouver un logement T2")
        )
        self.status = self.row("status", "Statut", vocab_combo("objective_statuses"))
        self.consent = self.row(
            "consent", "Accord de la personne", QCheckBox("La personne a donné son accord sur cet objectif")
        )
        self.consent_date = self.row("consent_date", "Date de l'accord", date_edit())
        self.consent.toggled.connect(
            lambda on: self.consent_date.setDate(QDate.currentDate() if on else NO_DATE)
        )
        self.contract = self.row("contract_id", "Contrat lié", QComboBox())
        self.contract.addItem("Aucun contrat", None)
        for cid, label in contracts:
            self.contract.addItem(theme.icon("fa6s.file-signature"), label, cid)
        self.title.setFocus()

    def values(self) -> dict[str, Any]:
        return {
            "theme": self.theme.currentData(),
            "title": self.title.text(),
            "status": self.status.currentData(),
            "consent": self.consent.isChecked(),
            "consent_date": date_value(self.consent_date),
            "contract_id": self.contract.currentData(),
        }

    def typed(self) -> bool:
        return bool(self.title.text().strip())


class ActionDialog(_Dialog):
    def __init__(self, save: Save, objective_title: str, parent: QWidget | None = None) -> None:
        super().__init__("Nouvelle action", save, parent)
        self.form.addRow("Objectif", QLabel(objective_title, wordWrap=True))
        self.label = self.row("label", "Action *", QLineEdit(placeholderText="Par exemple : atelier CV"))
        self.status = self.row("status", "Statut", vocab_combo("action_statuses"))
        self.partner = self.row("partner", "Partenaire", QLineEdit())
        self.start = self.row("start_date", "Début", date_edit())
        self.end = self.row("end_date", "Fin", date_edit())
        spin = QDoubleSpinBox(decimals=1, maximum=60, suffix=" h / semaine")
        self.hours = self.row("hours_per_week", "Heures prévues", spin)
        self.comment = self.row("comment", "Commentaire", QLineEdit())
        self.label.setFocus()

    def values(self) -> dict[str, Any]:
        return {
            "label": self.label.text(),
            "status": self.status.currentData(),
            "partner": self.partner.text(),
            "start_date": date_value(self.start),
            "end_date": date_value(self.end),
            "hours_per_week": self.hours.value(),
            "comment": self.comment.text(),
        }

    def typed(self) -> bool:
        return any(w.text().strip() for w in (self.label, self.partner, self.comment))


class PrescriptionDialog(_Dialog):
    def __init__(self, save: Save, action_label: str | None, parent: QWidget | None = None) -> None:
        super().__init__("Nouvelle prescription", save, parent)
        self.form.addRow(
            "Action", QLabel(action_label or "Aucune (prescription hors plan d'action)", wordWrap=True)
        )
        self.kind = self.row("kind", "Type", vocab_combo("prescription_kinds"))
        self.prescribed_on = self.row("prescribed_on", "Date de prescription", date_edit(optional=False))
        self.partner = self.row("partner", "Partenaire", QLineEdit())
        self.comment = self.row("comment", "Commentaire", QLineEdit())
        self.kind.setFocus(Qt.FocusReason.OtherFocusReason)

    def values(self) -> dict[str, Any]:
        return {
            "kind": self.kind.currentData(),
            "prescribed_on": date_value(self.prescribed_on),
            "partner": self.partner.text(),
            "comment": self.comment.text(),
        }

    def typed(self) -> bool:
        return any(w.text().strip() for w in (self.partner, self.comment))
