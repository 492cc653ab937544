"""Filter panel of « Ma file active » (left of the list): parcours, régime, en retard, sans contrat, sans RDV
depuis 2 mois, sortis. Emits :attr:`FilterPanel.changed` with a :class:`CaseloadFilters`."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFrame,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from app.models.vocabularies.loader import load_vocabularies
from app.services.people.filters import CaseloadFilters
from app.services.people.labels import REGIME_SHORT
from app.ui.kit import theme
from app.ui.kit.widgets import named

FLAGS = (
    ("late", "En retard", "fa6s.triangle-exclamation", "Personnes dont la prochaine échéance est dépassée"),
    ("without_contract", "Sans contrat", "fa6s.file-circle-xmark", "Aucun contrat signé, validé ou en cours"),
    (
        "no_rdv_2_months",
        "Sans RDV depuis 2 mois",
        "fa6s.calendar-xmark",
        "Aucun contact honoré depuis 2 mois",
    ),
    ("exited", "Sortis", "fa6s.door-open", "Personnes sorties de l'accompagnement (dossiers consultables)"),
)


class FilterPanel(QFrame):
    changed = Signal(object)  # CaseloadFilters

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("card")
        self.setSizePolicy(
            QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Preferred
        )  # as wide as its text needs
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 10)
        layout.setSpacing(6)
        layout.addWidget(named(QLabel("Filtres"), "h2"))
        self.track = QComboBox()
        self.track.setAccessibleName("Filtrer par parcours")
        self.track.addItem("Tous les parcours", "")
        for entry in load_vocabularies().choices("tracks"):
            self.track.addItem(entry.label, entry.code)
        self.regime = QComboBox()
        self.regime.setAccessibleName("Filtrer par régime")
        self.regime.addItem("Tous les régimes", "")
        for code, text in REGIME_SHORT.items():
            self.regime.addItem(text, str(code))
        for title, combo in (("Parcours", self.track), ("Régime", self.regime)):
            caption = QLabel(title)
            caption.setProperty("muted", True)
            layout.addWidget(caption)
            layout.addWidget(combo)
            combo.currentIndexChanged.connect(self._emit)
        layout.addSpacing(6)
        self.flags: dict[str, QCheckBox] = {}
        for key, text, icon, tip in FLAGS:
            box = QCheckBox(text)
            box.setIcon(theme.icon(icon))
            box.setToolTip(tip)
            box.toggled.connect(self._emit)
            self.flags[key] = box
            layout.addWidget(box)
        layout.addSpacing(6)
        self.clear_button = QPushButton(theme.icon("fa6s.filter-circle-xmark"), "Effacer les filtres")
        self.clear_button.clicked.connect(self.clear)
        self.clear_button.setEnabled(False)
        layout.addWidget(self.clear_button)
        layout.addStretch(1)
        self._silent = False

    def filters(self) -> CaseloadFilters:
        return CaseloadFilters(
            track=self.track.currentData() or "",
            regime=self.regime.currentData() or "",
            **{key: box.isChecked() for key, box in self.flags.items()},
        )

    def clear(self) -> None:
        self._silent = True
        self.track.setCurrentIndex(0)
        self.regime.setCurrentIndex(0)
        for box in self.flags.values():
            box.setChecked(False)
        self._silent = False
        self._emit()

    def _emit(self, *_: object) -> None:
        if self._silent:
            return
        f = self.filters()
        self.clear_button.setEnabled(f.active())
        self.changed.emit(f)
