"""The accessibility auditor of the UI tests (what ``qtmodeltester`` is to models): given a shown screen, it lists
what a keyboard or screen-reader user would stumble on. It knows no screen: every page, tab and dialog, those
of later versions too, goes through the same checks (RGAA 4.1 criteria in brackets).

* every interactive widget has an accessible name: its own, the label it is the buddy of, or its text [11.1,
  11.2]; a button shown only as an icon is named too (a tooltip is a description, not a name);
* every table or multi-column list has a name and a header for each column shown [5.6, 5.7];
* no keyboard trap: a multi-line text field and a table let Tab out [12.9]; every enabled button can take the
  focus, or says which shortcut does its job (property ``keyboard_alternative``) [12.8];
* text colours (labels, and the cells a model colours) reach 4.5:1 against the theme's darkest background
  (3:1 for large text) [3.2];
* a dialog opens with the focus on its first field [12.8], and has Ctrl+S when its main button saves.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QKeySequence, QPalette, QShortcut
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QDialog,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QScrollBar,
    QTabBar,
    QTableView,
    QTextEdit,
    QWidget,
)

from app.ui.kit import keyboard, theme
from app.ui.kit.a11y import accessible_name
from app.ui.kit.focus_ring import FocusRing

NAMED = (
    QAbstractButton,
    QLineEdit,
    QAbstractSpinBox,
    QComboBox,
    QAbstractItemView,
    QPlainTextEdit,
    QTextEdit,
)


@dataclass(frozen=True)
class Problem:
    screen: str
    widget: str
    what: str

    def __str__(self) -> str:
        return f"{self.screen} › {self.widget} : {self.what}"


def describe(w: QWidget) -> str:
    """A way to find ``w`` again: its class, its text or name, its parents' object names."""
    bits = [type(w).__name__]
    text = w.text() if isinstance(w, QAbstractButton | QLabel | QLineEdit) else ""
    if text:
        bits.append(f"« {text[:40]} »")
    for attr in ("placeholderText", "toolTip"):
        value = getattr(w, attr)() if hasattr(w, attr) else ""
        if value:
            bits.append(f"[{attr} : {value[:50]}]")
            break
    parent, path = w.parentWidget(), []
    while parent is not None and len(path) < 3:
        path.append(parent.objectName() or type(parent).__name__)
        parent = parent.parentWidget()
    return " ".join(bits) + " dans " + " ‹ ".join(path)


def internal(w: QWidget) -> bool:
    """Parts of a composite Qt widget, named by their owner (the line edit of a spin box, a tab bar's scroll
    arrows, a view's viewport), scroll bars, headers and the focus ring. Widgets put *in* a view's cells and the
    buttons put on tabs are real ones."""
    if isinstance(w, QScrollBar | FocusRing | QHeaderView):
        return True
    child, parent = w, w.parentWidget()
    while parent is not None:
        if isinstance(parent, QAbstractSpinBox | QComboBox | QPlainTextEdit | QTextEdit | QLineEdit):
            # (a line edit's clear button does what Ctrl+A, Suppr do)
            return True
        if isinstance(parent, QTabBar):
            tabs = range(parent.count())
            sides = (QTabBar.ButtonPosition.LeftSide, QTabBar.ButtonPosition.RightSide)
            return not any(parent.tabButton(i, side) is child for i in tabs for side in sides)
        if isinstance(parent, QAbstractItemView):
            viewport = parent.viewport()
            return child is viewport or not viewport.isAncestorOf(w)
        child, parent = parent, parent.parentWidget()
    return False


def shown(root: QWidget) -> list[QWidget]:
    return [w for w in root.findChildren(QWidget) if w.isVisibleTo(root) and not internal(w)] + [root]


def audit(root: QWidget, screen: str) -> list[Problem]:
    """Every problem of the widgets of ``root`` shown now."""
    problems: list[Problem] = []
    for w in shown(root):
        for what in _problems(w):
            problems.append(Problem(screen, describe(w), what))
    return problems


def _problems(w: QWidget) -> list[str]:
    out: list[str] = []
    if isinstance(w, NAMED) and not accessible_name(w):
        out.append("sans nom accessible (setAccessibleName ou une étiquette avec setBuddy)")
    if isinstance(w, QTabBar):
        out += [
            f"onglet {i + 1} sans nom"
            for i in range(w.count())
            if not (w.tabText(i) or w.accessibleTabName(i))
        ]
    if isinstance(w, QPlainTextEdit | QTextEdit) and not w.tabChangesFocus():
        out.append("piège au clavier : Tab y insère une tabulation au lieu de passer au champ suivant")
    if isinstance(w, QAbstractItemView):
        if w.tabKeyNavigation():
            out.append("piège au clavier : Tab se déplace de cellule en cellule")
        out += _header_problems(w)
        out += _cell_contrast(w)
    if isinstance(w, QAbstractButton) and w.isEnabled() and not _reachable(w):
        out.append("bouton inaccessible au clavier (ni Tab, ni raccourci déclaré dans keyboard_alternative)")
    if isinstance(w, QLabel) and w.text().strip() and w.isEnabled():
        out += _label_contrast(w)
    return out


def _reachable(button: QAbstractButton) -> bool:
    """By Tab; a radio button by the arrows once Tab reached its group (Qt gives Tab to one of the group)."""
    if button.focusPolicy() & Qt.FocusPolicy.TabFocus or button.property("keyboard_alternative"):
        return True
    if isinstance(button, QRadioButton):
        group = button.group()
        siblings = group.buttons() if group is not None else []
        if group is None and button.autoExclusive() and button.parentWidget() is not None:
            siblings = [b for b in button.parentWidget().findChildren(QRadioButton) if b.autoExclusive()]
        return any(b.focusPolicy() & Qt.FocusPolicy.TabFocus and b.isEnabled() for b in siblings)
    return False


def _columns(view: QAbstractItemView) -> int:
    """Columns of the view (through its header: the model of a QTreeWidget hides its columnCount)."""
    header = (
        view.horizontalHeader() if isinstance(view, QTableView) else getattr(view, "header", lambda: None)()
    )
    return header.count() if isinstance(header, QHeaderView) else 1


def _header_problems(view: QAbstractItemView) -> list[str]:
    model = view.model()
    if model is None or _columns(view) < 2:
        return []
    hidden = getattr(view, "isColumnHidden", lambda _c: False)
    out = []
    for col in range(_columns(view)):
        if hidden(col):
            continue
        title = model.headerData(col, Qt.Orientation.Horizontal, Qt.ItemDataRole.DisplayRole)
        spoken = model.headerData(col, Qt.Orientation.Horizontal, Qt.ItemDataRole.AccessibleTextRole)
        if not str(title or "").strip() and not str(spoken or "").strip():
            out.append(
                f"colonne {col + 1} sans en-tête (headerData, ou AccessibleTextRole si l'en-tête est vide)"
            )
    return out


def _darkest_background() -> QColor:
    c = theme.current
    return min(
        (QColor(x) for x in (c.base, c.window, c.panel, c.alternate, c.selection)),
        key=lambda q: q.lightnessF(),
    )


def _minimum(font_px: float, bold: bool) -> float:
    large = font_px >= 24 or (bold and font_px >= 18.66)
    return theme.LARGE if large else theme.TEXT


def _label_contrast(label: QLabel) -> list[str]:
    fg = label.palette().color(QPalette.ColorGroup.Active, label.foregroundRole())
    if theme.luminance(fg.name()) > 0.9:  # white text: on a dark background of its own, checked by the theme
        return []
    bg = _darkest_background()
    font = label.font()
    px = font.pixelSize() if font.pixelSize() > 0 else font.pointSizeF() * label.logicalDpiY() / 72
    need = _minimum(px, font.weight() >= 600)
    ratio = theme.contrast(fg.name(), bg.name())
    return [] if ratio >= need else [f"texte à {ratio:.2f}:1 ({fg.name()} sur {bg.name()}), il faut {need}:1"]


def _cell_contrast(view: QAbstractItemView) -> list[str]:
    model = view.model()
    if model is None:
        return []
    bg = _darkest_background()
    seen: set[str] = set()
    for row in range(40):
        if not model.index(row, 0).isValid():
            break
        for col in range(_columns(view)):
            value = model.data(model.index(row, col), Qt.ItemDataRole.ForegroundRole)
            colour = (
                value.color() if hasattr(value, "color") else value if isinstance(value, QColor) else None
            )
            if colour is not None and colour.isValid():
                seen.add(colour.name())
    return [
        f"cellules en {name} : {theme.contrast(name, bg.name()):.2f}:1, il faut {theme.TEXT}:1"
        for name in sorted(seen)
        if theme.contrast(name, bg.name()) < theme.TEXT
    ]


# --- dialogs ---------------------------------------------------------------------------------------------------


def dialog_problems(dialog: QDialog, screen: str) -> list[Problem]:
    """On top of :func:`audit`: the focus starts on the first field; a dialog whose main button saves has
    Ctrl+S."""
    out = audit(dialog, screen)
    first = keyboard.first_input(dialog)
    focus = QApplication.focusWidget()
    if first is not None and (
        focus is None or not dialog.isAncestorOf(focus) or not keyboard.is_input(focus)
    ):
        where = describe(focus) if focus is not None else "nulle part"
        out.append(
            Problem(screen, describe(first), f"le focus devrait être ici à l'ouverture (il est sur {where})")
        )
    saves = [
        b
        for b in dialog.findChildren(QPushButton)
        if b.isVisibleTo(dialog)
        and b.text().startswith("Enregistrer")
        and (b.property("primary") or b.isDefault())
    ]
    if saves and not has_save_shortcut(dialog):
        out.append(Problem(screen, describe(saves[0]), "enregistre mais Ctrl+S n'y fait rien"))
    return out


def has_save_shortcut(root: QWidget) -> bool:
    save = QKeySequence(QKeySequence.StandardKey.Save)
    shortcuts = root.findChildren(QShortcut)
    if any(s.key() == save and s.isEnabled() for s in shortcuts):
        return True
    return any(a.shortcut() == save for w in [root, *root.findChildren(QWidget)] for a in w.actions())
