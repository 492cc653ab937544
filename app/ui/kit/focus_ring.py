"""The focus ring over a focused widget whose focus the style does not draw itself (tables, lists, text areas,
scroll areas, custom widgets): the same ring as :meth:`app.ui.kit.style.Style.ring`, ≥ 3:1 (ADR 0045)."""

from __future__ import annotations

from typing import Any

import shiboken6
from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QApplication, QWidget

from app.ui.kit.style import SELF_DRAWN_FOCUS, Style


class FocusRing(QWidget):
    """Drawn over the focused widget (a sibling above it, transparent to the mouse), following it."""

    def __init__(self, target: QWidget, style: Style) -> None:
        super().__init__()
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setAttribute(
            Qt.WidgetAttribute.WA_NoChildEventsForParent
        )  # before the parent: a QSplitter adopts
        self.setParent(target.parentWidget())  # every child it is told about, as a pane
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setAccessibleName("")
        self.target, self.ring_style = target, style
        target.installEventFilter(self)
        self.follow()
        self.show()

    def follow(self) -> None:
        self.setGeometry(self.target.geometry())
        self.setVisible(self.target.isVisible())
        self.raise_()

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if event.type() in (
            QEvent.Type.Move,
            QEvent.Type.Resize,
            QEvent.Type.Show,
            QEvent.Type.Hide,
            QEvent.Type.ZOrderChange,
        ):
            self.follow()
        return False

    def release(self) -> None:
        if shiboken6.isValid(self.target):
            self.target.removeEventFilter(self)
        self.hide()
        self.deleteLater()

    def paintEvent(self, _event: Any) -> None:
        p = QPainter(self)
        self.ring_style.ring(p, self.rect().adjusted(1, 1, -1, -1), 3)  # inside the widget's own edge


class FocusFollower(QObject):
    """One per application: puts a :class:`FocusRing` over the focused widget when the style does not draw its
    focus (a table, a list, a text area, a scroll area, a custom widget)."""

    def __init__(self, app: QApplication) -> None:
        super().__init__(app)
        self.ring: FocusRing | None = None
        self.pending = False
        app.focusChanged.connect(self.changed)

    def changed(self, _old: QWidget | None, _new: QWidget | None) -> None:
        if self.ring is not None and shiboken6.isValid(self.ring):
            self.ring.release()
        self.ring = None
        if not self.pending:  # the focus may move while widgets are being deleted: settle first
            self.pending = True
            QTimer.singleShot(0, self.place)

    def place(self) -> None:
        self.pending = False
        if self.ring is not None and shiboken6.isValid(self.ring):
            self.ring.release()
        self.ring = None
        new = QApplication.focusWidget()
        style = QApplication.style()
        if new is None or isinstance(new, SELF_DRAWN_FOCUS) or not isinstance(style, Style):
            return
        parent = new.parentWidget()
        if parent is None or new.isWindow() or not new.isVisible():
            return
        self.ring = FocusRing(new, style)


_FOLLOWERS: dict[int, FocusFollower] = {}


def follow_focus(app: QApplication) -> None:
    """Install the focus ring follower once per application."""
    if id(app) not in _FOLLOWERS:
        _FOLLOWERS[id(app)] = FocusFollower(app)
