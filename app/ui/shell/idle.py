"""Idle detection for the auto-lock: any keyboard or mouse input restarts the countdown.

The input is watched on the application's windows (``QWindow``), not on the application object: an event filter
on ``QApplication`` is a Python call for *every* event of every widget (tens of thousands while a styled page is
built: polish, layout, paint), whereas a window only receives what the window system sends it — input, expose,
resize. A window is watched from the moment it appears or gets the focus (dialogs included).
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QMetaObject, QObject, QTimer, Signal
from PySide6.QtGui import QGuiApplication, QWindow

_INPUT = frozenset(
    {
        QEvent.Type.KeyPress,
        QEvent.Type.MouseButtonPress,
        QEvent.Type.MouseMove,
        QEvent.Type.Wheel,
        QEvent.Type.TouchBegin,
        QEvent.Type.InputMethod,
    }
)


class IdleWatcher(QObject):
    """Emits :attr:`idle` after ``timeout_ms`` without input while :meth:`arm` ed."""

    idle = Signal()

    def __init__(self, timeout_ms: int, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._timer = QTimer(self, singleShot=True, interval=timeout_ms)
        self._timer.timeout.connect(self.idle)
        self._watched: set[int] = set()
        self._connection: QMetaObject.Connection | None = None
        app = QGuiApplication.instance()
        if isinstance(app, QGuiApplication):
            self._connection = app.focusWindowChanged.connect(self.watch)
            self.watch_all()

    def watch(self, window: QWindow | None) -> None:
        """Watch the input of ``window`` (idempotent)."""
        if window is None:
            return
        key = id(window)
        if key in self._watched:
            return
        self._watched.add(key)
        window.installEventFilter(self)
        window.destroyed.connect(lambda *_a: self._watched.discard(key))

    def watch_all(self) -> None:
        """Watch every window the application has now (called when arming: the main window is shown)."""
        for window in QGuiApplication.topLevelWindows():
            self.watch(window)

    def set_timeout_ms(self, ms: int) -> None:
        self._timer.setInterval(max(50, ms))
        if self._timer.isActive():
            self._timer.start()

    def arm(self) -> None:
        self.watch_all()
        self._timer.start()

    def disarm(self) -> None:
        self._timer.stop()

    @property
    def armed(self) -> bool:
        return self._timer.isActive()

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if event.type() in _INPUT and self._timer.isActive():
            self._timer.start()
        return False

    def detach(self) -> None:
        if self._connection is not None:
            QObject.disconnect(self._connection)
            self._connection = None
        for window in QGuiApplication.topLevelWindows():
            window.removeEventFilter(self)
        self._watched.clear()
