"""What the style gives each widget once, when Qt polishes it (ADR 0045, 0046): its keyboard behaviour
(:mod:`app.ui.kit.keyboard`), header sections scaled with the text, stacks sized by their current page, and its
role — an object name « title », « h2 » (headings relative to the application font), « muted », « error »,
« warning », « card », « nav », or the property ``primary`` on a button — as palette and font, not a style
sheet. The drawing is :mod:`app.ui.kit.style`'s; the ring over other focused widgets :mod:`app.ui.kit.focus_ring`'s.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QFrame,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QStatusBar,
    QWidget,
)

from app.ui.kit import keyboard
from app.ui.kit.theme import H2_SCALE, TITLE_SCALE, Colours
from app.ui.kit.widgets import size_by_current_page

ROLE_PROPERTY = "filrouge_role"  # the role applied at the last polish (a later polish may change it)
DESIGN_POINT_SIZE = 10.0  # the text size the screens' pixel sizes were chosen for
WHITE = QColor("#ffffff")


def inside_box(w: QWidget) -> bool:
    """The line edit inside a spin box, a date field or an editable combo box."""
    return isinstance(w.parentWidget(), QAbstractSpinBox | QComboBox)


def own_frame(w: QLineEdit) -> bool:
    """A line edit drawing its own frame (not the one inside a spin box or an editable combo box)."""
    return w.hasFrame() and not inside_box(w)


_NATURAL_ROWS: dict[float, int] = {}


def _natural_row_height() -> int:
    """Qt's own row height for the application's text (it follows the text already: not to be scaled again)."""
    size = QApplication.font().pointSizeF()
    if size not in _NATURAL_ROWS:
        probe = QHeaderView(Qt.Orientation.Vertical)
        _NATURAL_ROWS[size] = probe.defaultSectionSize()
        probe.deleteLater()
    return _NATURAL_ROWS[size]


def scale_sections(header: QHeaderView) -> None:
    """Column widths and row heights are given in pixels for the design size of the text (10 pt); with larger
    text (200 %) they grow in proportion, so a column is not cut where its text was not."""
    scale = QApplication.font().pointSizeF() / DESIGN_POINT_SIZE
    if abs(scale - 1) < 0.05:
        return
    if header.orientation() == Qt.Orientation.Vertical:  # a row height set by the screen (Qt's own follows)
        if header.defaultSectionSize() != _natural_row_height():
            header.setDefaultSectionSize(round(header.defaultSectionSize() * scale))
        return
    sized = (QHeaderView.ResizeMode.Interactive, QHeaderView.ResizeMode.Fixed)
    for i in range(header.count()):
        if header.sectionResizeMode(i) in sized:
            header.resizeSection(i, round(header.sectionSize(i) * scale))


class _ScaleOnShow(QObject):
    """Scales a header's sections the first time it is shown, then lets go of it."""

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Show and isinstance(obj, QHeaderView):
            obj.removeEventFilter(self)
            scale_sections(obj)
        return False


_SCALE_ON_SHOW = _ScaleOnShow()


def give_behaviour(w: QWidget) -> None:
    """A widget's behaviour, given once when Qt polishes it."""
    keyboard.polish(w)  # Tab leaves text areas and tables, a dialog opens on its first field
    if isinstance(w, QHeaderView) and not w.property("filrouge_scaled"):
        w.setProperty("filrouge_scaled", True)  # when first shown: the screen has set its widths by then
        w.installEventFilter(_SCALE_ON_SHOW)
    if isinstance(w, QLineEdit) and own_frame(w) and w.textMargins().left() == 0:
        w.setTextMargins(4, 0, 4, 0)
    if isinstance(w, QStackedWidget):  # a wide page hidden behind does not widen the one shown (200 % text)
        size_by_current_page(w)


def give_role(w: QWidget, c: Colours, q: dict[str, QColor]) -> None:
    """A widget's role (its object name, ``muted`` or ``primary`` property) in the theme's colours ``c``
    (``q``: the same as QColor), applied again only when the role or the colours changed."""
    name = w.objectName()
    if isinstance(w, QPushButton):
        role = "primary" if w.property("primary") else ""
    elif isinstance(w, QLabel):
        role = name if name in ("title", "h2", "muted", "error", "warning") else ""
        role = role or ("muted" if w.property("muted") else "")
    elif isinstance(w, QFrame) and name == "card":
        role = "card"
    elif isinstance(w, QStatusBar):
        role = "panel"
    elif isinstance(w, QAbstractItemView) and name == "nav":
        role = "nav"
    else:
        return
    previous = str(w.property(ROLE_PROPERTY) or "")
    stamp = f"{role}|{c.ink}{c.accent}" if role else ""  # the role, in these colours
    if stamp == previous:
        return
    if previous:  # a role taken away or recoloured (objectName changed, contrast switched): defaults first
        w.setPalette(QPalette())
        w.setFont(QFont())
        w.setAutoFillBackground(False)
    w.setProperty(ROLE_PROPERTY, stamp)
    if role:
        _apply_role(w, role, q)


def _apply_role(w: QWidget, role: str, q: dict[str, QColor]) -> None:
    pal = w.palette()
    font = QFont(w.font())
    if role in ("title", "h2"):
        font.setPointSizeF(QApplication.font().pointSizeF() * (TITLE_SCALE if role == "title" else H2_SCALE))
        font.setWeight(QFont.Weight.DemiBold)
    elif role in ("muted", "error", "warning"):
        colour = {"muted": q["muted"], "error": q["late"], "warning": q["soon"]}[role]
        pal.setColor(QPalette.ColorRole.WindowText, colour)
        pal.setColor(QPalette.ColorRole.Text, colour)
        if role == "error":
            font.setWeight(QFont.Weight.DemiBold)
    elif role == "primary":  # a disabled one keeps the disabled colours
        for group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive):
            pal.setColor(group, QPalette.ColorRole.Button, q["accent"])
            pal.setColor(group, QPalette.ColorRole.ButtonText, WHITE)
        font.setWeight(QFont.Weight.DemiBold)
    elif role == "card" and isinstance(w, QFrame):
        pal.setColor(QPalette.ColorRole.Window, q["base"])
        if w.frameShape() == QFrame.Shape.NoFrame:
            w.setFrameShape(QFrame.Shape.StyledPanel)
    elif role == "nav":
        pal.setColor(QPalette.ColorRole.Base, q["panel"])
    elif role == "panel":
        pal.setColor(QPalette.ColorRole.Window, q["panel"])
        pal.setColor(QPalette.ColorRole.WindowText, q["muted"])
        w.setAutoFillBackground(True)
    w.setPalette(pal)
    if font != w.font():
        w.setFont(font)
