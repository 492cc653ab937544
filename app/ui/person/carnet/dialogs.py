"""Carnet de bord dialogs: objective and action (new or « Modifier »), new prescription, prescription outcome.

Built on :class:`app.ui.kit.forms.FollowupDialog`: « Enregistrer » runs the write on the database
worker, field errors come back next to the fields and nothing typed is lost; closing a dialog holding typed or
changed values asks first (``confirm_discard``). An edit dialog sends only the fields the user changed, so a
change made meanwhile on another field (another device) is kept. ``result_value`` is what the write returned
(the new row's id for a creation), read by the tab to select the row.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDoubleSpinBox,
    QLabel,
    QLineEdit,
    QSizePolicy,
    QWidget,
)

from app.models.vocabularies.loader import load_vocabularies
from app.services.casefile.carnet import edits as records_carnet
from app.services.casefile.carnet.tree import ActionItem, ObjectiveItem, PrescriptionItem
from app.ui.kit import theme
from app.ui.kit.forms import DateField, FollowupDialog, Job, pydate, qdate
from app.ui.kit.forms import date_edit as calendar_edit
from app.ui.kit.worker import WorkerContext
from app.ui.shell.plugins import UiContext

NO_DATE = QDate(1900, 1, 1)
PENDING = "en_attente"


def date_edit(optional: bool = True, day: date | None = None) -> QDateEdit:
    edit = calendar_edit()
    if optional:
        edit.setMinimumDate(NO_DATE)
        edit.setSpecialValueText("Non renseignée")
        edit.setDate(qdate(day) if day else NO_DATE)
    else:
        edit.setDate(qdate(day) if day else QDate.currentDate())
    return edit


def date_value(edit: QDateEdit) -> date | None:
    return None if edit.date() == NO_DATE else pydate(edit.date())


def vocab_combo(kind: str, current: str | None = None) -> QComboBox:
    combo = QComboBox()
    for entry in load_vocabularies().choices(kind):
        combo.addItem(entry.label, entry.code)
    if current is not None:
        combo.setCurrentIndex(max(combo.findData(current), 0))
    return combo


class _Dialog(FollowupDialog):
    """A carnet dialog: ``values()`` read from the fields, ``job(values)`` the write; edits send what changed."""

    discard_text = "Ce que vous avez saisi n'est pas enregistré et sera perdu. Abandonner quand même ?"

    def __init__(self, ctx: UiContext, person_id: str, title: str, parent: QWidget | None) -> None:
        super().__init__(ctx, title, parent)
        self.person_id = person_id
        self.initial: dict[str, Any] = {}

    def row(self, key: str, label: str, widget: QWidget) -> Any:
        widget.setAccessibleName(label.rstrip(" *"))
        self.add_row(label, widget, key)
        # a wrapped message takes the field's whole width, not the narrowest one
        self.errors[key].setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        return widget

    def values(self) -> dict[str, Any]:
        raise NotImplementedError

    def job(self, values: dict[str, Any]) -> Callable[[WorkerContext], Any]:
        raise NotImplementedError

    def typed(self) -> bool:
        """Something typed would be lost: for an edit, any value changed from the one shown."""
        return bool(self.initial) and self.values() != self.initial

    def changes(self) -> dict[str, Any]:
        values = self.values()
        return {k: v for k, v in values.items() if self.initial.get(k, object()) != v}

    def write_job(self) -> Job | None:
        values = self.changes() if self.initial else self.values()
        if self.initial and not values:  # an edit that changes nothing: nothing to write
            self.dirty = False
            self.accept()
            return None
        return self.job(values)

    def changed_ids(self) -> list[str | None]:
        return [self.person_id]

    def reject(self) -> None:
        self.dirty = self.save_button.isEnabled() and self.typed()
        super().reject()


class ObjectiveDialog(_Dialog):
    """« Nouvel objectif » or, given ``objective``, « Modifier l'objectif »."""

    def __init__(
        self,
        ctx: UiContext,
        person_id: str,
        contracts: list[tuple[str, str]],
        theme_code: str | None = None,
        parent: QWidget | None = None,
        *,
        objective: ObjectiveItem | None = None,
    ) -> None:
        super().__init__(ctx, person_id, "Modifier l'objectif" if objective else "Nouvel objectif", parent)
        self.objective = objective
        o = objective
        self.theme = self.row("theme", "Thème", vocab_combo("carnet_themes", o.theme if o else theme_code))
        self.title = self.row(
            "title", "Objectif *", QLineEdit(placeholderText="Par exemple : trouver un logement T2")
        )
        self.status = self.row("status", "Statut", vocab_combo("objective_statuses", o.status if o else None))
        self.consent = self.row(
            "consent", "Accord de la personne", QCheckBox("La personne a donné son accord sur cet objectif")
        )
        self.consent_date = self.row("consent_date", "Date de l'accord", date_edit())
        self.consent_date.setMaximumDate(QDate.currentDate())
        self.contract = self.row("contract_id", "Contrat lié", QComboBox())
        self.contract.addItem("Aucun contrat", None)
        for cid, label in contracts:
            self.contract.addItem(theme.icon("fa6s.file-signature"), label, cid)
        if o is not None:
            self.title.setText(o.title)
            self.consent.setChecked(o.consent)
            self.consent_date.setDate(qdate(o.consent_date) if o.consent_date else NO_DATE)
            if o.contract_id and self.contract.findData(o.contract_id) < 0:
                self.contract.addItem(theme.icon("fa6s.file-signature"), o.contract_label, o.contract_id)
            self.contract.setCurrentIndex(max(self.contract.findData(o.contract_id), 0))
            if o.contract_id:
                self.set_intro(
                    "Le contrat lié garde sa propre copie de l'objectif : le modifier ici ne change pas "
                    "un contrat déjà signé."
                )
            self.initial = self.values()
        self.consent.toggled.connect(
            lambda on: self.consent_date.setDate(QDate.currentDate() if on else NO_DATE)
        )
        self.finish_layout()
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
        return super().typed() if self.initial else bool(self.title.text().strip())

    def job(self, values: dict[str, Any]) -> Callable[[WorkerContext], Any]:
        pid, o = self.person_id, self.objective
        if o is None:
            return lambda c: records_carnet.add_objective(c.db, pid, **values)
        return lambda c: records_carnet.update_objective(c.db, o.id, values)


class ActionDialog(_Dialog):
    """« Nouvelle action » under an objective or, given ``action``, « Modifier l'action »."""

    def __init__(
        self,
        ctx: UiContext,
        person_id: str,
        objective_id: str,
        objective_title: str,
        parent: QWidget | None = None,
        *,
        action: ActionItem | None = None,
        assignees: Sequence[tuple[str, str]] = (),
    ) -> None:
        super().__init__(ctx, person_id, "Modifier l'action" if action else "Nouvelle action", parent)
        self.objective_id, self.action = objective_id, action
        a = action
        self.assignee = QComboBox()
        self.assignee.addItem("Non précisé", None)
        for referent_id, label in assignees:
            self.assignee.addItem(label, referent_id)
        if a is not None and a.assignee_id and self.assignee.findData(a.assignee_id) < 0:
            self.assignee.addItem(
                a.assignee or "Professionnel", a.assignee_id
            )  # a co-accompaniment since ended
        self.assignee.setCurrentIndex(max(0, self.assignee.findData(a.assignee_id if a else None)))
        self.form.addRow("Objectif", QLabel(objective_title, wordWrap=True))
        self.label = self.row("label", "Action *", QLineEdit(placeholderText="Par exemple : atelier CV"))
        self.status = self.row("status", "Statut", vocab_combo("action_statuses", a.status if a else None))
        self.partner = self.row("partner", "Partenaire", QLineEdit())
        self.start = self.row("start_date", "Début", date_edit(day=a.start_date if a else None))
        self.end = self.row("end_date", "Fin", date_edit(day=a.end_date if a else None))
        spin = QDoubleSpinBox(decimals=1, maximum=60, suffix=" h / semaine")
        self.hours = self.row("hours_per_week", "Heures prévues", spin)
        self.comment = self.row("comment", "Commentaire", QLineEdit())
        if self.assignee.count() > 2 or (a is not None and a.assignee_id):  # someone else than the référent
            self.row("assignee_id", "Confiée à", self.assignee)
            self.assignee.setToolTip(
                "Le référent ou le professionnel en co-accompagnement qui porte l'action"
            )
        else:
            self.assignee.hide()
        if a is not None:
            self.label.setText(a.label)
            self.partner.setText(a.partner)
            self.hours.setValue(a.hours_per_week)
            self.comment.setText(a.comment)
            self.initial = self.values()
        self.finish_layout()
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
            "assignee_id": self.assignee.currentData(),
        }

    def typed(self) -> bool:
        if self.initial:
            return super().typed()
        return any(w.text().strip() for w in (self.label, self.partner, self.comment))

    def job(self, values: dict[str, Any]) -> Callable[[WorkerContext], Any]:
        oid, a = self.objective_id, self.action
        if a is None:
            return lambda c: records_carnet.add_action(c.db, oid, **values)
        return lambda c: records_carnet.update_action(c.db, a.id, values)


class PrescriptionDialog(_Dialog):
    def __init__(
        self,
        ctx: UiContext,
        person_id: str,
        action_id: str | None,
        action_label: str | None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(ctx, person_id, "Nouvelle prescription", parent)
        self.action_id = action_id
        self.form.addRow(
            "Action", QLabel(action_label or "Aucune (prescription hors plan d'action)", wordWrap=True)
        )
        self.kind = self.row("kind", "Type", vocab_combo("prescription_kinds"))
        self.prescribed_on = self.row("prescribed_on", "Date de prescription", date_edit(optional=False))
        self.partner = self.row("partner", "Partenaire", QLineEdit())
        self.comment = self.row("comment", "Commentaire", QLineEdit())
        self.finish_layout()
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

    def job(self, values: dict[str, Any]) -> Callable[[WorkerContext], Any]:
        pid, aid = self.person_id, self.action_id
        return lambda c: records_carnet.add_prescription(c.db, pid, action_id=aid, **values)


class OutcomeDialog(_Dialog):
    """« Résultat de la prescription »: the outcome and its date (today by default, never in the future)."""

    def __init__(
        self,
        ctx: UiContext,
        person_id: str,
        prescription: PrescriptionItem,
        outcome: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(ctx, person_id, "Résultat de la prescription", parent)
        p = self.prescription = prescription
        what = f"{p.kind_label}" + (f" chez {p.partner}" if p.partner else "")
        self.form.addRow("Prescription", QLabel(f"{what}, prescrite le {theme.fmt_date(p.prescribed_on)}"))
        self.outcome = self.row(
            "outcome", "Résultat", vocab_combo("prescription_outcomes", outcome or p.outcome)
        )
        self.day = self.row("outcome_date", "Date du résultat", DateField(p.outcome_date or date.today()))
        self.day.setMaximumDate(QDate.currentDate())
        self.day.setMinimumDate(qdate(min(p.prescribed_on, date.today())))
        self.day.setToolTip("Au plus tôt la date de prescription, au plus tard aujourd'hui")
        self.outcome.currentIndexChanged.connect(self._pending)
        self._pending()
        self.finish_layout()
        self.outcome.setFocus(Qt.FocusReason.OtherFocusReason)

    def _pending(self) -> None:
        self.day.setEnabled(self.outcome.currentData() != PENDING)

    def values(self) -> dict[str, Any]:
        pending = self.outcome.currentData() == PENDING
        return {"outcome": self.outcome.currentData(), "outcome_date": None if pending else self.day.value()}

    def job(self, values: dict[str, Any]) -> Callable[[WorkerContext], Any]:
        pid = self.prescription.id
        return lambda c: records_carnet.set_prescription_outcome(
            c.db, pid, values["outcome"], outcome_date=values["outcome_date"]
        )
