"""The bar above « Ma file active »: whose people (« Mes personnes » / « Tous les référents »), the filters (parcours,
régime, en retard, sans contrat, sans RDV depuis 2 mois, sortis) and the choice of columns. One row of controls
instead of a side panel: the list keeps the width of the window (1366 px laptops).

Emits :attr:`FilterBar.changed` with a :class:`CaseloadFilters`, :attr:`ScopeSwitch.changed` with « mine »
or « team »."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QButtonGroup, QComboBox, QHBoxLayout, QToolButton, QWidget

from app.models.vocabularies.loader import load_vocabularies
from app.services.people.filters import CaseloadFilters
from app.services.people.labels import REGIME_SHORT
from app.ui.kit import theme
from app.ui.kit.widgets import FlowRow

MINE, TEAM = "mine", "team"
FLAGS = (
    ("late", "En &retard", "fa6s.triangle-exclamation", "Personnes ayant une échéance dépassée (Alt+R)"),
    (
        "without_contract",
        "Sans &contrat",
        "fa6s.file-circle-xmark",
        "Aucun contrat signé, validé ou en cours",
    ),
    (
        "no_rdv_2_months",
        "Sans RDV depuis &2 mois",
        "fa6s.calendar-xmark",
        "Aucun contact honoré depuis 2 mois",
    ),
    ("exited", "S&ortis", "fa6s.door-open", "Personnes sorties de l'accompagnement (dossiers consultables)"),
)
MINE_TIP = "Les personnes dont vous êtes le référent, et celles qui n'ont pas encore de référent (Alt+M)"
TEAM_TIP = "Toutes les personnes présentes sur ce poste, quel que soit leur référent (Alt+T)"
NO_REFERENT_TIP = "Choisissez d'abord le référent connecté (Paramètres › Suivi)"


def _toggle(text: str, icon: str, tip: str) -> QToolButton:
    button = QToolButton()
    button.setText(text)
    button.setIcon(theme.icon(icon))
    button.setToolTip(tip)
    button.setCheckable(True)
    button.setAutoRaise(True)
    button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
    button.setAccessibleName(text.replace("&", ""))
    return button


class ScopeSwitch(QWidget):
    """« Mes personnes » / « Tous les référents »: two exclusive buttons."""

    changed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(0)
        self.mine = _toggle("&Mes personnes", "fa6s.user", MINE_TIP)
        self.team = _toggle("&Tous les référents", "fa6s.users", TEAM_TIP)
        self.group = QButtonGroup(self)
        self.group.setExclusive(True)
        for button in (self.mine, self.team):
            button.setAutoRaise(False)
            self.group.addButton(button)
            row.addWidget(button)
        self.mine.setChecked(True)
        self.group.buttonToggled.connect(lambda _b, on: self.changed.emit(self.value()) if on else None)

    def value(self) -> str:
        return MINE if self.mine.isChecked() else TEAM

    def set_value(self, value: str) -> None:
        (self.team if value == TEAM else self.mine).setChecked(True)

    def set_referent_known(self, known: bool) -> None:
        """Without a référent signed in, « Mes personnes » cannot be told: everyone is listed."""
        self.mine.setEnabled(known)
        self.mine.setToolTip(MINE_TIP if known else NO_REFERENT_TIP)


class FilterBar(QWidget):
    changed = Signal(object)  # CaseloadFilters

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        row = FlowRow(self)  # the filters wrap rather than widen the page (200 % text)
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
        for combo in (self.track, self.regime):
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
            combo.currentIndexChanged.connect(self._emit)
            row.addWidget(combo)
        self.flags: dict[str, QToolButton] = {}
        for key, text, icon, tip in FLAGS:
            box = _toggle(text, icon, tip)
            box.toggled.connect(self._emit)
            self.flags[key] = box
            row.addWidget(box)
        self.clear_button = QToolButton()
        self.clear_button.setIcon(theme.icon("fa6s.filter-circle-xmark"))
        self.clear_button.setText("Effacer")
        self.clear_button.setToolTip("Effacer les filtres")
        self.clear_button.setAccessibleName("Effacer les filtres")
        self.clear_button.setAutoRaise(True)
        self.clear_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.clear_button.clicked.connect(self.clear)
        self.clear_button.setEnabled(False)
        row.addWidget(self.clear_button)
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
