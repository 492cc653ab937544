"""One restrained palette (and its high-contrast variant), the application's style, icons (qtawesome) and French
formatting helpers.

The look is defined here once, without an application-wide style sheet (ADR 0045): the colours go into the
:class:`QPalette`, and :class:`app.ui.kit.style.Style` (a proxy over Fusion) draws the borders, the focus
indicator, the selection marker and the check boxes from them, and gives each widget its role (« title »,
« h2 », « muted », « error », « warning », « card », primary buttons) once, when Qt polishes it.
:func:`contrast_pairs` lists every pair of colours the theme puts side by side with the minimum contrast each
must reach (WCAG 2.1 / RGAA 4.1: 4.5:1 for text, 3:1 for large text and for the parts of a control); a test
computes them for both palettes.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields
from datetime import date, datetime

import qtawesome as qta
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QAccessibilityHints, QColor, QFont, QGuiApplication, QIcon, QPalette, QStyleHints
from PySide6.QtWidgets import QApplication

from app.services.people.deadlines import DueState


@dataclass(frozen=True)
class Colours:
    ink: str  # text
    muted: str  # secondary text (≥ 4.5:1 on every background)
    line: str  # decorative separators and card edges only (not the edge of a control)
    border: str  # the edge of a field, a button, a check box (≥ 3:1: WCAG 1.4.11)
    window: str
    base: str  # fields, tables, cards
    alternate: str  # every other row of a table
    panel: str  # navigation and status bar
    accent: str
    accent_soft: str  # hover
    selection: str  # background of selected rows (the marker carries the selection, not this colour)
    focus: str  # the focus indicator (≥ 3:1 against every background it is drawn on)
    placeholder: str  # placeholder text in a field (≥ 4.5:1 on base)
    disabled: str  # text of a disabled control (exempt from contrast minimums, kept readable)
    badge: str  # background of a count badge (≥ 3:1 against panel and base; white text on it)
    late: str
    soon: str
    ok: str
    focus_width: int = 2
    focus_inner: str = ""  # a line inside the focus ring, of a colour that stands out where the ring does not


LIGHT = Colours(
    ink="#1f2933",
    muted="#52606d",
    line="#d5dae1",
    border="#7b8794",
    window="#f3f4f6",
    base="#ffffff",
    alternate="#f8f9fb",
    panel="#e9ecf0",
    accent="#2f5d8a",
    accent_soft="#e3ecf5",
    selection="#d3e2f1",
    focus="#2f5d8a",
    placeholder="#6b7785",
    disabled="#8a96a3",
    badge="#52606d",
    late="#a61b1b",
    soon="#845600",
    ok="#2f6b3b",
)

#: Black on white, every edge black, selection in dark blue with white text, a thicker focus indicator.
HIGH_CONTRAST = Colours(
    ink="#000000",
    muted="#1f2933",
    line="#3e4c59",
    border="#000000",
    window="#ffffff",
    base="#ffffff",
    alternate="#ffffff",
    panel="#ffffff",
    accent="#0a3a6b",
    accent_soft="#dce9f7",
    selection="#0a3a6b",
    focus="#000000",
    placeholder="#323f4b",
    disabled="#52606d",
    badge="#000000",
    late="#8b0000",
    soon="#5c3b00",
    ok="#1a4d26",
    focus_width=3,
    focus_inner="#ffffff",
)

# The colours in use (module attributes, read at call time by the screens: theme.LATE, theme.MUTED…); the
# high-contrast palette replaces them in apply_theme().
INK, MUTED, LINE, BORDER = LIGHT.ink, LIGHT.muted, LIGHT.line, LIGHT.border
WINDOW, BASE, ACCENT, ACCENT_SOFT = LIGHT.window, LIGHT.base, LIGHT.accent, LIGHT.accent_soft
LATE, SOON, OK = LIGHT.late, LIGHT.soon, LIGHT.ok
current: Colours = LIGHT

#: Every due state carries an icon *and* a text: never colour alone.
DUE_ICONS = {
    DueState.LATE: ("fa6s.triangle-exclamation", "late"),
    DueState.SOON: ("fa6s.hourglass-half", "soon"),
    DueState.TODO: ("fa6s.calendar-check", "muted"),
}

#: Heading sizes relative to the application font (they grow with it: 200 % text).
TITLE_SCALE, H2_SCALE = 1.6, 1.2
#: QSettings key of the contrast choice: "system" (default: the system's setting), "high" or "normal".
CONTRAST_KEY = "accessibility/contrast"
CONTRAST_ENV = "FILROUGE_CONTRAST"


# --- contrast -----------------------------------------------------------------------------------------------


def luminance(colour: str) -> float:
    """WCAG 2.1 relative luminance of ``#rrggbb``."""
    c = QColor(colour)

    def channel(v: float) -> float:
        return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(c.redF()) + 0.7152 * channel(c.greenF()) + 0.0722 * channel(c.blueF())


def contrast(a: str, b: str) -> float:
    """WCAG 2.1 contrast ratio of two colours (1 to 21)."""
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


TEXT, LARGE, NON_TEXT = 4.5, 3.0, 3.0


def contrast_pairs(c: Colours) -> list[tuple[str, str, str, float]]:
    """(what, foreground, background, minimum ratio) for every pair of colours the theme draws side by side."""
    pairs = [
        ("texte", c.ink, c.base, TEXT),
        ("texte sur le fond de fenêtre", c.ink, c.window, TEXT),
        ("texte d'une ligne alternée", c.ink, c.alternate, TEXT),
        ("texte de la navigation", c.ink, c.panel, TEXT),
        ("texte secondaire", c.muted, c.base, TEXT),
        ("texte secondaire sur le fond de fenêtre", c.muted, c.window, TEXT),
        ("texte secondaire de la navigation et de la barre d'état", c.muted, c.panel, TEXT),
        ("texte d'exemple d'un champ", c.placeholder, c.base, TEXT),
        ("bord d'un champ, d'un bouton, d'une case", c.border, c.base, NON_TEXT),
        ("bord d'un champ sur le fond de fenêtre", c.border, c.window, NON_TEXT),
        ("indicateur de focus sur un champ", c.focus, c.base, NON_TEXT),
        ("indicateur de focus sur le fond de fenêtre", c.focus, c.window, NON_TEXT),
        ("indicateur de focus sur la navigation", c.focus, c.panel, NON_TEXT),
        ("indicateur de focus sur une ligne sélectionnée", focus_on(c, c.selection), c.selection, NON_TEXT),
        ("bouton principal : texte", "#ffffff", c.accent, TEXT),
        ("bouton principal : fond sur la fenêtre", c.accent, c.window, NON_TEXT),
        ("case cochée : fond", c.accent, c.base, NON_TEXT),
        ("case cochée : coche", "#ffffff", c.accent, NON_TEXT),
        ("ligne sélectionnée : texte", selection_text(c), c.selection, TEXT),
        ("ligne sélectionnée : repère", selection_marker(c), c.selection, NON_TEXT),
        ("ligne sélectionnée : bord sur une ligne voisine", selection_edge(c), c.base, NON_TEXT),
        ("onglet actif : repère", c.accent, c.base, NON_TEXT),
        ("lien et texte d'accent", c.accent, c.base, TEXT),
        ("pastille de compte : fond sur la navigation", c.badge, c.panel, NON_TEXT),
        ("pastille de compte : fond sur l'élément choisi", c.badge, c.base, NON_TEXT),
        ("pastille de compte : chiffre", "#ffffff", c.badge, TEXT),
        ("pastille d'alerte : fond", c.late, c.panel, NON_TEXT),
        ("pastille d'alerte : chiffre", "#ffffff", c.late, TEXT),
        ("survol d'un bouton : texte", c.ink, c.accent_soft, TEXT),
    ]
    for name, colour in (("en retard", c.late), ("bientôt", c.soon), ("à jour", c.ok)):
        pairs.append((f"état « {name} »", colour, c.base, TEXT))
        pairs.append((f"état « {name} » sur le fond de fenêtre", colour, c.window, TEXT))
    return pairs


def selection_text(c: Colours) -> str:
    """Text on a selected row: white on a dark selection, the ink on a light one."""
    return "#ffffff" if luminance(c.selection) < 0.2 else c.ink


def focus_on(c: Colours, background: str) -> str:
    """The part of the focus ring that stands out on ``background`` (the ring, or the line inside it)."""
    if c.focus_inner and contrast(c.focus_inner, background) > contrast(c.focus, background):
        return c.focus_inner
    return c.focus


def selection_edge(c: Colours) -> str:
    """What sets a selected row apart from the next one: its marker, or (dark selection) its background."""
    marker = selection_marker(c)
    return marker if contrast(marker, c.base) >= contrast(c.selection, c.base) else c.selection


def selection_marker(c: Colours) -> str:
    """The bar on the left of a selected row (the selection is never shown by its background alone)."""
    return "#ffffff" if luminance(c.selection) < 0.2 else c.accent


# --- applying it --------------------------------------------------------------------------------------------


def high_contrast_wanted(system: Qt.ContrastPreference | None = None) -> bool:
    """The user's choice (QSettings ``accessibility/contrast``, or ``FILROUGE_CONTRAST`` for a one-off: « high »
    or « normal »), else the system's setting (Windows « Contraste élevé », macOS « Augmenter le contraste »,
    GNOME « Contraste élevé »), read now or as just announced by ``system``."""
    choice = os.environ.get(CONTRAST_ENV) or str(QSettings().value(CONTRAST_KEY, "system") or "system")
    if choice in ("high", "normal"):
        return choice == "high"
    if system is None:
        system = accessibility_hints().contrastPreference()
    return system == Qt.ContrastPreference.HighContrast


_STYLE_HINTS: list[QStyleHints] = []


def accessibility_hints() -> QAccessibilityHints:
    """The system's accessibility settings. (PySide6 drops the object as soon as the Python wrapper of its
    QStyleHints goes: that wrapper is kept here for the life of the application.)"""
    if not _STYLE_HINTS:
        _STYLE_HINTS.append(QGuiApplication.styleHints())
    return _STYLE_HINTS[0].accessibility()


def palette(c: Colours) -> QPalette:
    pal = QPalette()
    for role, colour in (
        (QPalette.ColorRole.Window, c.window),
        (QPalette.ColorRole.WindowText, c.ink),
        (QPalette.ColorRole.Base, c.base),
        (QPalette.ColorRole.AlternateBase, c.alternate),
        (QPalette.ColorRole.Text, c.ink),
        (QPalette.ColorRole.Button, c.base),
        (QPalette.ColorRole.ButtonText, c.ink),
        (QPalette.ColorRole.Highlight, c.selection),
        (QPalette.ColorRole.HighlightedText, selection_text(c)),
        (QPalette.ColorRole.ToolTipBase, c.base),
        (QPalette.ColorRole.ToolTipText, c.ink),
        (QPalette.ColorRole.PlaceholderText, c.placeholder),
        (QPalette.ColorRole.Link, c.accent),
        (QPalette.ColorRole.LinkVisited, c.accent),
        (QPalette.ColorRole.Accent, c.accent),
        (QPalette.ColorRole.Light, c.base),
        (QPalette.ColorRole.Midlight, c.line),
        (QPalette.ColorRole.Mid, c.border),
        (QPalette.ColorRole.Dark, c.border),
        (QPalette.ColorRole.Shadow, c.ink),
    ):
        pal.setColor(role, QColor(colour))
    for role in (QPalette.ColorRole.WindowText, QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText):
        pal.setColor(QPalette.ColorGroup.Disabled, role, QColor(c.disabled))
    pal.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Base, QColor(c.window))
    pal.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Button, QColor(c.window))
    # An unfocused window keeps the same colours (offscreen and on some desktops every window is « inactive »).
    for role in (QPalette.ColorRole.Highlight, QPalette.ColorRole.HighlightedText):
        pal.setColor(QPalette.ColorGroup.Inactive, role, pal.color(QPalette.ColorGroup.Active, role))
    return pal


def use_colours(c: Colours) -> None:
    """Make ``c`` the colours in use (the module attributes the screens read)."""
    global INK, MUTED, LINE, BORDER, WINDOW, BASE, ACCENT, ACCENT_SOFT, LATE, SOON, OK, current
    INK, MUTED, LINE, BORDER, WINDOW, BASE = c.ink, c.muted, c.line, c.border, c.window, c.base
    ACCENT, ACCENT_SOFT, LATE, SOON, OK = c.accent, c.accent_soft, c.late, c.soon, c.ok
    current = c
    _DUE_ICON_CACHE.clear()


def apply_theme(app: QApplication, *, high_contrast: bool | None = None) -> None:
    """The palette (high contrast when wanted), the style, a readable default font size; no style sheet.

    Called again when the system's contrast setting changes: a new style re-polishes every widget once."""
    from app.ui.kit.focus_ring import follow_focus
    from app.ui.kit.style import Style

    high = high_contrast_wanted() if high_contrast is None else high_contrast
    colours = HIGH_CONTRAST if high else LIGHT
    use_colours(colours)
    app.setPalette(palette(colours))
    app.setStyleSheet("")
    app.setStyle(Style(colours))
    font = QFont(app.font())
    font.setPointSizeF(max(font.pointSizeF(), 10.0))
    app.setFont(font)
    follow_focus(app)
    hints = accessibility_hints()
    if not app.property("filrouge_contrast_followed"):  # the system's setting changed: follow it, live
        app.setProperty("filrouge_contrast_followed", True)
        hints.contrastPreferenceChanged.connect(
            lambda preference: apply_theme(app, high_contrast=high_contrast_wanted(preference))
        )


def is_applied(app: QApplication) -> bool:
    """Whether :func:`apply_theme` styled ``app``."""
    from app.ui.kit.style import Style

    return isinstance(app.style(), Style)


def icon(name: str, color: str | None = None) -> QIcon:
    return qta.icon(name, color=color or MUTED)


_DUE_ICON_CACHE: dict[DueState, QIcon] = {}


def due_icon(state: DueState) -> QIcon:
    """The icon of a due state (cached: the caseload table paints it on every visible row)."""
    if state not in _DUE_ICON_CACHE:
        name, role = DUE_ICONS[state]
        _DUE_ICON_CACHE[state] = qta.icon(name, color=getattr(current, role))
    return _DUE_ICON_CACHE[state]


def colour_names() -> list[str]:
    return [f.name for f in fields(Colours) if f.type == "str" and f.name != "focus_inner"]


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
