"""The terms proper to a contrat d'engagement in the editor: the weekly activity (C. trav. L.5411-6) and the
offre raisonnable d'emploi (C. trav. L.5411-6-1).

Weekly activity: at least fifteen hours; reduced for the person's situation (a short reason, never a health
detail), never zero; or no weekly duration, at the person's request, on one ground of the closed legal list
(a choice). The offre raisonnable d'emploi is asked when the plan aims at a salaried job (not for the social
track, L.5411-6-1, II).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from app.models.enums import HoursRegime
from app.models.vocabularies.loader import load_vocabularies
from app.services.contracts.draft import ContractDraft
from app.ui.kit.widgets import named

#: The editor's error keys this box shows next to its fields.
FIELDS = ("hours_regime", "hours_ground", "hours_reason", "ore_jobs", "ore_area", "ore_salary", "search_acts")


def _error() -> QLabel:
    label = named(QLabel(wordWrap=True), "error")
    label.hide()
    return label


class CeTermsBox(QWidget):
    """Hours and offre raisonnable d'emploi; ``changed`` fires on any edit."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        vocab = load_vocabularies()
        self.errors = {k: _error() for k in FIELDS}
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)

        hours = QGroupBox("Durée hebdomadaire d'activité (article L. 5411-6 du code du travail)")
        form = QFormLayout(hours)
        self.regime = QComboBox()
        self.regime.setAccessibleName("Durée hebdomadaire d'activité")
        for entry in vocab.choices("hours_regimes"):
            self.regime.addItem(entry.label, entry.code)
        self.ground = QComboBox()
        self.ground.setAccessibleName("Motif de la liste légale")
        self.ground.addItem("Choisir le motif…", "")
        for entry in vocab.choices("hours_grounds"):
            self.ground.addItem(entry.label, entry.code)
        self.reason = QLineEdit(
            placeholderText="Situation de la personne justifiant la minoration (sans détail de santé)"
        )
        self.reason.setAccessibleName("Motif de la minoration")
        self.hint = named(QLabel(wordWrap=True), "muted")
        form.addRow("Durée", self.regime)
        form.addRow("", self.errors["hours_regime"])
        form.addRow("Motif (liste légale)", self.ground)
        form.addRow("", self.errors["hours_ground"])
        form.addRow("Motif de la minoration", self.reason)
        form.addRow("", self.errors["hours_reason"])
        form.addRow("", self.hint)
        self.hours_form = form
        outer.addWidget(hours)

        self.offer = QGroupBox("Offre raisonnable d'emploi (article L. 5411-6-1 du code du travail)")
        offer = QFormLayout(self.offer)
        self.salaried = QCheckBox("Le projet professionnel vise un emploi salarié (suffisamment établi)")
        self.jobs = QLineEdit(placeholderText="Métier(s), type de contrat, temps de travail, horaires")
        self.area = QLineEdit(placeholderText="Communes, temps de trajet acceptable")
        self.salary = QLineEdit(
            placeholderText="Salaire attendu (au moins le salaire pratiqué pour ce métier)"
        )
        self.acts = QPlainTextEdit(placeholderText="Actes positifs et répétés de recherche d'emploi convenus")
        self.acts.setTabChangesFocus(True)
        self.acts.setFixedHeight(54)
        for widget, name in ((self.jobs, "Emplois recherchés"), (self.area, "Zone géographique privilégiée"),
                             (self.salary, "Salaire attendu"), (self.acts, "Actes de recherche d'emploi")):  # fmt: skip
            widget.setAccessibleName(name)
        offer.addRow(self.salaried)
        for label, widget, key in (
            ("Emplois recherchés", self.jobs, "ore_jobs"),
            ("Zone privilégiée", self.area, "ore_area"),
            ("Salaire attendu", self.salary, "ore_salary"),
            ("Recherche d'emploi", self.acts, "search_acts"),
        ):
            offer.addRow(label, widget)
            offer.addRow("", self.errors[key])
        self.offer_form = offer
        outer.addWidget(self.offer)

        fields = (("hours_regime", self.regime.currentIndexChanged), ("hours_ground", self.ground.currentIndexChanged),
                  ("hours_reason", self.reason.textChanged), ("", self.salaried.toggled),
                  ("ore_jobs", self.jobs.textChanged), ("ore_area", self.area.textChanged),
                  ("ore_salary", self.salary.textChanged), ("search_acts", self.acts.textChanged))  # fmt: skip
        for key, signal in fields:
            signal.connect(lambda *_, k=key: self._edited(k))

    def _edited(self, key: str) -> None:
        if key in self.errors:  # the message answered what was there before this edit
            self.errors[key].hide()
        self.refresh()
        self.changed.emit()

    def load(self, draft: ContractDraft) -> None:
        self.regime.setCurrentIndex(max(0, self.regime.findData(draft.hours_regime)))
        self.ground.setCurrentIndex(max(0, self.ground.findData(draft.hours_ground)))
        self.reason.setText(draft.hours_reason)
        self.salaried.setChecked(draft.salaried_goal)
        self.jobs.setText(draft.ore_jobs)
        self.area.setText(draft.ore_area)
        self.salary.setText(draft.ore_salary)
        self.acts.setPlainText(draft.search_acts)
        self.refresh()

    def values(self) -> dict[str, Any]:
        """The CE fields of :class:`ContractDraft`."""
        return {
            "hours_regime": self.regime.currentData() or HoursRegime.STANDARD,
            "hours_ground": self.ground.currentData() or "",
            "hours_reason": self.reason.text(),
            "salaried_goal": self.salaried.isChecked(),
            "ore_jobs": self.jobs.text(),
            "ore_area": self.area.text(),
            "ore_salary": self.salary.text(),
            "search_acts": self.acts.toPlainText(),
        }

    def refresh(self, weekly_hours: float | None = None, social_track: bool = False) -> None:
        regime = self.regime.currentData()
        for widget, shown in (
            (self.ground, regime == HoursRegime.NONE),
            (self.reason, regime == HoursRegime.REDUCED),
        ):
            widget.setVisible(shown)
            label = self.hours_form.labelForField(widget)
            if label is not None:
                label.setVisible(shown)
        if weekly_hours is not None:
            hours = f"{weekly_hours:g}".replace(".", ",")
            if regime == HoursRegime.STANDARD and weekly_hours < 15:
                text = f"⚠ Le plan compte {hours} h : moins de 15 h, choisissez une durée minorée ou « sans durée »."
            elif regime == HoursRegime.REDUCED and weekly_hours <= 0:
                text = "⚠ Une durée minorée ne peut pas être nulle : inscrivez les heures des actions."
            else:
                text = ""
            self.hint.setText(text)
            self.hint.setVisible(bool(text))
        offer_fields: tuple[QWidget, ...] = (self.jobs, self.area, self.salary, self.acts)
        for field in offer_fields:
            field.setEnabled(self.salaried.isChecked() and self.salaried.isEnabled())
        self.offer.setToolTip(
            "Sans objet pour un accompagnement social (article L. 5411-6-1, II)." if social_track else ""
        )

    def set_readonly(self) -> None:
        for widget in (
            self.regime,
            self.ground,
            self.reason,
            self.salaried,
            self.jobs,
            self.area,
            self.salary,
        ):
            widget.setEnabled(False)
        self.acts.setReadOnly(True)

    def show_errors(self, fields: dict[str, str]) -> None:
        for key, label in self.errors.items():
            label.setVisible(key in fields)
            label.setText(fields.get(key, ""))
