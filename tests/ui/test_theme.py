"""The theme's colours and drawing, measured on pixels (RGAA 3.2, 3.3, 10.7; WCAG 1.4.3, 1.4.11, 2.4.7):

* every pair of colours the theme puts side by side reaches its minimum contrast, in both palettes;
* focusing any control changes, around it, at least a ring's worth of pixels by 3:1 or more — for every class
  of control, in both palettes, and for every control of a real dialog;
* a selected row carries a marker (pixels of the marker colour), not only a background;
* the high-contrast palette follows the system's setting, live, and the user's choice overrides it.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtGui import QColor, QImage, QPalette
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QApplication,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QGridLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QSpinBox,
    QTabBar,
    QTableWidget,
    QTableWidgetItem,
    QToolButton,
    QWidget,
)

from app.ui.kit import theme
from app.ui.kit.theme import HIGH_CONTRAST, LIGHT, Colours


@pytest.fixture
def palette_of(qapp) -> Iterator:
    """``palette_of(high)``: the theme in that palette; the normal one is back after the test."""

    def use(high: bool) -> Colours:
        theme.apply_theme(qapp, high_contrast=high)
        return theme.current

    yield use
    theme.apply_theme(qapp, high_contrast=False)


@pytest.mark.parametrize("colours", [LIGHT, HIGH_CONTRAST], ids=["normal", "contraste élevé"])
def test_every_pair_of_colours_reaches_its_minimum(colours: Colours):
    failing = [
        f"{what} : {theme.contrast(fg, bg):.2f}:1 ({fg} sur {bg}), il faut {need}:1"
        for what, fg, bg, need in theme.contrast_pairs(colours)
        if theme.contrast(fg, bg) < need
    ]
    assert not failing, "\n".join(failing)
    assert len(theme.contrast_pairs(colours)) >= 30


def test_contrast_is_computed_as_wcag_says():
    assert theme.contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert theme.contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)
    assert theme.contrast("#ffffff", "#ffffff") == pytest.approx(1.0)


# --- the focus indicator, on pixels ---------------------------------------------------------------------------


def _settle() -> None:
    for _ in range(3):
        QApplication.processEvents()


def _grab(window: QWidget, widget: QWidget) -> QImage:
    """The window's pixels around ``widget`` (the ring may be drawn by a widget above it)."""
    top_left = widget.mapTo(window, QPoint(0, 0))
    return window.grab(QRect(top_left, widget.size()).adjusted(-2, -2, 2, 2)).toImage()


def focus_change(window: QWidget, widget: QWidget) -> int:
    """Pixels around ``widget`` whose colour changes by 3:1 or more when it takes the focus."""
    _settle()  # (a late activation event could give the focus back)
    focused = QApplication.focusWidget()
    if focused is not None:
        focused.clearFocus()
    _settle()
    assert not widget.hasFocus()
    before = _grab(window, widget)
    widget.setFocus(Qt.FocusReason.TabFocusReason)
    _settle()
    assert widget.hasFocus()
    after = _grab(window, widget)
    widget.clearFocus()
    changed = 0
    for y in range(0, min(before.height(), after.height())):
        for x in range(0, min(before.width(), after.width())):
            a, b = before.pixel(x, y), after.pixel(x, y)
            if a != b and theme.contrast(QColor(a).name(), QColor(b).name()) >= 3.0:
                changed += 1
    return changed


def needed(widget: QWidget) -> int:
    """WCAG 2.4.13's measure: the area of a 2-pixel perimeter of the control as drawn (its size, bounded by its
    size hint when a layout stretched it; for a tab bar, the current tab); 15 % off for rounded corners."""
    if isinstance(widget, QTabBar):
        size = widget.tabRect(widget.currentIndex()).size()
    else:
        hint = widget.sizeHint()
        size = (
            widget.size().boundedTo(hint)
            if isinstance(widget, QCheckBox | QRadioButton | QToolButton)
            else widget.size()
        )
    return int(0.85 * 2 * 2 * (size.width() + size.height()))


def _controls() -> tuple[QWidget, dict[str, QWidget]]:
    window = QWidget()
    window.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
    grid = QGridLayout(window)
    table = QTableWidget(3, 2)
    table.setHorizontalHeaderLabels(["Nom", "Commune"])
    for r in range(3):
        table.setItem(r, 0, QTableWidgetItem(f"Personne {r}"))
    table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
    listing = QListWidget()
    listing.addItems(["Un", "Deux"])
    scroll = QScrollArea()
    scroll.setWidget(QLabel("Synthèse\n" * 30))
    tabs = QTabBar()
    tabs.addTab("Synthèse")
    tabs.addTab("Diagnostic")
    tool = QToolButton()
    tool.setText("NIR")
    tool.setAutoRaise(True)
    primary = QPushButton("Enregistrer")
    primary.setProperty("primary", True)
    date = QDateEdit()
    date.setCalendarPopup(True)
    custom = QWidget()
    custom.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
    custom.setMinimumSize(120, 40)
    controls: dict[str, QWidget] = {
        "champ": QLineEdit("texte"), "liste déroulante": QComboBox(), "nombre": QSpinBox(), "date": date,
        "bouton": QPushButton("Annuler"), "bouton principal": primary, "case": QCheckBox("Sans contrat"),
        "bouton radio": QRadioButton("Oui"), "bouton outil": tool, "onglets": tabs, "tableau": table,
        "liste": listing, "zone de texte": QPlainTextEdit("note"), "zone défilante": scroll,
        "widget d'un écran futur": custom,
    }  # fmt: skip
    controls["liste déroulante"].addItem("Suivi")  # type: ignore[attr-defined]
    for i, w in enumerate(controls.values()):
        grid.addWidget(w, i // 3, i % 3)
    return window, controls


@pytest.mark.parametrize("high", [False, True], ids=["normal", "contraste élevé"])
def test_focus_is_visible_on_every_kind_of_control(qtbot, palette_of, high):
    palette_of(high)
    window, controls = _controls()
    qtbot.addWidget(window)
    window.resize(900, 520)
    window.show()
    window.activateWindow()
    qtbot.waitActive(window)
    weak = {}
    for name, widget in controls.items():
        changed, need = focus_change(window, widget), needed(widget)
        if changed < need:
            weak[name] = f"{changed} pixels changés à 3:1, il en faut {need}"
    assert not weak, weak


def test_focus_is_visible_on_every_control_of_a_real_dialog(qtbot, ctx):
    from app.ui.person.rdv.dialogs import AppointmentDialog

    dialog = AppointmentDialog(ctx, None, "DUPONT Marie")
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.activateWindow()
    qtbot.waitActive(dialog)
    chain, w = [], dialog.nextInFocusChain()
    while w is not dialog and len(chain) < 40:
        inner = isinstance(w.parentWidget(), QAbstractSpinBox | QComboBox)  # a spin box's own line edit
        if w.isVisible() and w.isEnabled() and w.focusPolicy() & Qt.FocusPolicy.TabFocus and not inner:
            chain.append(w)
        w = w.nextInFocusChain()
    assert len(chain) >= 8
    weak = {
        f"{type(w).__name__} « {w.accessibleName() or getattr(w, 'text', str)()} »": f"{n} / {needed(w)}"
        for w in chain
        if (n := focus_change(dialog, w)) < needed(w)
    }
    assert not weak, weak
    dialog.dirty = False
    dialog.reject()


# --- selection ------------------------------------------------------------------------------------------------


def test_a_selected_row_carries_a_marker_not_only_a_colour(qtbot):
    table = QTableWidget(4, 3)
    for r in range(4):
        for c in range(3):
            table.setItem(r, c, QTableWidgetItem(f"{r}-{c}"))
    table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
    qtbot.addWidget(table)
    table.resize(400, 200)
    table.show()
    table.selectRow(1)
    image = table.viewport().grab().toImage()
    marker = QColor(theme.selection_marker(theme.current)).rgb()

    def marked(row: int) -> int:
        rect = table.visualRect(table.model().index(row, 0)).united(
            table.visualRect(table.model().index(row, 2))
        )
        return sum(
            image.pixel(x, y) == marker
            for y in range(rect.top(), rect.bottom() + 1)
            for x in range(rect.left(), min(rect.right() + 1, image.width()))
        )

    assert marked(1) >= 2 * table.visualRect(table.model().index(1, 0)).width()  # lines above and below
    assert marked(0) == 0 and marked(2) == 0


# --- high contrast --------------------------------------------------------------------------------------------


def test_high_contrast_follows_the_system_setting_and_the_user_choice(qtbot, palette_of, monkeypatch):
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    label = QLabel("Texte")
    label.setObjectName("muted")
    qtbot.addWidget(label)
    label.show()
    monkeypatch.setenv(theme.CONTRAST_ENV, "system")  # (the same choice as QSettings' accessibility/contrast)
    hints = theme.accessibility_hints()
    hints.contrastPreferenceChanged.emit(Qt.ContrastPreference.HighContrast)  # as the system says it
    assert theme.current is HIGH_CONTRAST
    assert app.palette().color(QPalette.ColorRole.WindowText) == QColor(HIGH_CONTRAST.ink)
    assert label.palette().color(QPalette.ColorRole.WindowText) == QColor(HIGH_CONTRAST.muted)  # re-polished
    hints.contrastPreferenceChanged.emit(Qt.ContrastPreference.NoPreference)
    assert theme.current is LIGHT
    assert label.palette().color(QPalette.ColorRole.WindowText) == QColor(LIGHT.muted)

    monkeypatch.setenv(theme.CONTRAST_ENV, "high")  # the user's choice wins over the system's
    hints.contrastPreferenceChanged.emit(Qt.ContrastPreference.NoPreference)
    assert theme.current is HIGH_CONTRAST
