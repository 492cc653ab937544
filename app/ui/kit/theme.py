"""One restrained palette, the Fusion style, icons (qtawesome) and French formatting helpers."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import qtawesome as qta
from PySide6.QtCore import QSize, QStandardPaths
from PySide6.QtGui import QColor, QFont, QIcon, QPalette
from PySide6.QtWidgets import QApplication

from app.services.people.deadlines import DueState

INK = "#1f2933"
MUTED = "#52606d"
LINE = "#d5dae1"
WINDOW = "#f3f4f6"
BASE = "#ffffff"
ACCENT = "#2f5d8a"
ACCENT_SOFT = "#e3ecf5"
LATE = "#a61b1b"
SOON = "#8a5a00"
OK = "#2f6b3b"

#: Every due state carries an icon *and* a text: never colour alone.
DUE_ICONS = {
    DueState.LATE: ("fa6s.triangle-exclamation", LATE),
    DueState.SOON: ("fa6s.hourglass-half", SOON),
    DueState.TODO: ("fa6s.calendar-check", MUTED),
}

STYLESHEET = f"""
QWidget {{ color: {INK}; }}
QToolTip {{ color: {INK}; background: {BASE}; border: 1px solid {LINE}; padding: 4px; }}
QLineEdit, QComboBox, QAbstractSpinBox {{ border: 1px solid {LINE}; border-radius: 4px; padding: 5px 8px;
    background: {BASE}; selection-background-color: {ACCENT}; min-height: 18px; }}
QLineEdit:focus, QComboBox:focus, QAbstractSpinBox:focus {{ border: 2px solid {ACCENT}; padding: 4px 7px; }}
QLineEdit:disabled, QComboBox:disabled, QAbstractSpinBox:disabled {{ background: {WINDOW}; color: #7b8794; }}
QAbstractSpinBox QLineEdit, QComboBox QLineEdit, QAbstractSpinBox QLineEdit:focus, QComboBox QLineEdit:focus {{
    border: none; padding: 0; margin: 0; background: transparent; }}
QAbstractSpinBox, QComboBox {{ padding-right: 26px; }}
QAbstractSpinBox:focus, QComboBox:focus {{ padding-right: 25px; }}
QAbstractSpinBox::up-button, QAbstractSpinBox::down-button {{ subcontrol-origin: margin; width: 20px;
    margin: 1px 1px 1px 0; border: none; border-left: 1px solid {LINE}; background: {WINDOW}; }}
QAbstractSpinBox::up-button {{ subcontrol-position: top right; border-top-right-radius: 4px; }}
QAbstractSpinBox::down-button {{ subcontrol-position: bottom right; border-bottom-right-radius: 4px; }}
QAbstractSpinBox::up-button:focus, QAbstractSpinBox::down-button:focus, QComboBox::drop-down:focus,
QDateEdit::drop-down:focus {{ margin: 2px 2px 2px 0; }}
QAbstractSpinBox::up-button:hover, QAbstractSpinBox::down-button:hover,
QComboBox::drop-down:hover, QDateEdit::drop-down:hover {{ background: {ACCENT_SOFT}; }}
QDateEdit::drop-down, QComboBox::drop-down {{ subcontrol-origin: margin; subcontrol-position: top right;
    width: 22px; margin: 1px 1px 1px 0; border: none; border-left: 1px solid {LINE}; background: {WINDOW};
    border-top-right-radius: 4px; border-bottom-right-radius: 4px; }}
QPushButton {{ border: 1px solid {LINE}; border-radius: 4px; padding: 6px 14px; background: {BASE}; }}
QPushButton:hover {{ background: {ACCENT_SOFT}; }}
QPushButton:focus {{ border: 2px solid {ACCENT}; padding: 5px 13px; }}
QPushButton[primary="true"] {{ background: {ACCENT}; color: white; border-color: {ACCENT}; font-weight: 600; }}
QPushButton[primary="true"]:focus {{ border: 2px solid {INK}; }}
QPushButton:disabled {{ color: #9aa5b1; background: {WINDOW}; }}
QTableView {{ border: 1px solid {LINE}; gridline-color: #edf0f3; background: {BASE};
    alternate-background-color: #f8f9fb; selection-background-color: {ACCENT_SOFT}; selection-color: {INK}; }}
QTableView:focus {{ border: 2px solid {ACCENT}; }}
QHeaderView::section {{ background: {WINDOW}; border: none; border-bottom: 1px solid {LINE};
    border-right: 1px solid #e6e9ed; padding: 5px 6px; font-weight: 600; color: {MUTED}; }}
QListWidget#nav {{ background: #e9ecf0; border: none; border-right: 1px solid {LINE}; outline: 0; padding-top: 6px; }}
QListWidget#nav::item {{ padding: 9px 10px; margin: 1px 6px; border-radius: 5px; color: {INK}; }}
QListWidget#nav::item:selected {{ background: {BASE}; color: {ACCENT}; font-weight: 600; }}
QListWidget#nav:focus {{ border: 2px solid {ACCENT}; }}
QTabWidget::pane {{ border: 1px solid {LINE}; background: {BASE}; top: -1px; }}
QTabBar::tab {{ padding: 7px 14px; border: 1px solid transparent; color: {MUTED}; }}
QTabBar::tab:selected {{ color: {INK}; background: {BASE}; border: 1px solid {LINE}; border-bottom-color: {BASE};
    border-top: 3px solid {ACCENT}; font-weight: 600; }}
QTabBar::tab:focus {{ text-decoration: underline; }}
QFrame#card {{ background: {BASE}; border: 1px solid {LINE}; border-radius: 6px; }}
QLabel#muted, QLabel[muted="true"] {{ color: {MUTED}; }}
QLabel#title {{ font-size: 17pt; font-weight: 600; }}
QLabel#h2 {{ font-size: 12pt; font-weight: 600; }}
QLabel#error {{ color: {LATE}; font-weight: 600; }}
QStatusBar {{ background: #e9ecf0; border-top: 1px solid {LINE}; color: {MUTED}; }}
QStatusBar QLabel {{ padding: 0 10px; }}
"""


def apply_theme(app: QApplication) -> None:
    """Fusion style, the palette and the stylesheet; a readable default font size."""
    app.setStyle("Fusion")
    pal = QPalette()
    for role, colour in (
        (QPalette.ColorRole.Window, WINDOW),
        (QPalette.ColorRole.WindowText, INK),
        (QPalette.ColorRole.Base, BASE),
        (QPalette.ColorRole.AlternateBase, "#f8f9fb"),
        (QPalette.ColorRole.Text, INK),
        (QPalette.ColorRole.Button, BASE),
        (QPalette.ColorRole.ButtonText, INK),
        (QPalette.ColorRole.Highlight, ACCENT),
        (QPalette.ColorRole.HighlightedText, "#ffffff"),
        (QPalette.ColorRole.ToolTipBase, BASE),
        (QPalette.ColorRole.ToolTipText, INK),
        (QPalette.ColorRole.PlaceholderText, "#7b8794"),
        (QPalette.ColorRole.Link, ACCENT),
    ):
        pal.setColor(role, QColor(colour))
    app.setPalette(pal)
    font = QFont(app.font())
    font.setPointSizeF(max(font.pointSizeF(), 10.0))
    app.setFont(font)
    app.setStyleSheet(STYLESHEET + _arrow_rules())


def _arrow_rules() -> str:
    """Spin box and drop-down arrows: a style sheet needs image files, drawn once from the icon font."""
    folder = Path(QStandardPaths.writableLocation(QStandardPaths.StandardLocation.CacheLocation)) / "theme"
    paths: dict[str, str] = {}
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for name, glyph in (("up", "fa6s.caret-up"), ("down", "fa6s.caret-down")):
            path = folder / f"arrow-{name}.png"
            if not path.exists():
                qta.icon(glyph, color=MUTED).pixmap(QSize(24, 24)).save(str(path))
            paths[name] = path.as_posix()
    except OSError:
        return ""  # the default arrows of the style stay
    up, down = paths["up"], paths["down"]
    return (
        f"QAbstractSpinBox::up-arrow {{ image: url({up}); width: 12px; height: 12px; }}\n"
        f"QAbstractSpinBox::down-arrow, QComboBox::down-arrow, QDateEdit::down-arrow "
        f"{{ image: url({down}); width: 12px; height: 12px; }}\n"
    )


def icon(name: str, color: str = MUTED) -> QIcon:
    return qta.icon(name, color=color)


_DUE_ICON_CACHE: dict[DueState, QIcon] = {}


def due_icon(state: DueState) -> QIcon:
    """The icon of a due state (cached: the caseload table paints it on every visible row)."""
    if state not in _DUE_ICON_CACHE:
        name, colour = DUE_ICONS[state]
        _DUE_ICON_CACHE[state] = qta.icon(name, color=colour)
    return _DUE_ICON_CACHE[state]


def fmt_date(value: date | datetime | None) -> str:
    """French short date: 23/11/2026 (empty for None)."""
    if value is None:
        return ""
    return value.strftime("%d/%m/%Y")


def fmt_datetime(value: datetime | None) -> str:
    return "" if value is None else value.strftime("%d/%m/%Y à %H:%M")


def plural(n: int, one: str, many: str) -> str:
    """« 1 personne », « 95 personnes », « aucune » handled by the caller."""
    return f"{n} {one if n <= 1 else many}"
