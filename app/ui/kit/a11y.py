"""Accessibility helpers: results announced to screen readers and kept visible, accessible names read back.

:func:`announce` is the one way to say that something happened (a save, a warning, the end of a sync): it
raises a Qt accessibility announcement (read by NVDA, JAWS, Orca, VoiceOver) and puts the text, with the time,
in the main window's status line (:func:`set_status_line`), where it stays until the next announcement — a
result never shows only for a few seconds. Errors keep their own path (:func:`app.ui.kit.errors.show_error`,
a message box a screen reader reads out); a form's error messages are announced by the form.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import shiboken6
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAccessible, QAccessibleAnnouncementEvent
from PySide6.QtWidgets import QApplication, QLabel, QWidget


class Level(StrEnum):
    DONE = "done"  # a save, an action completed
    INFO = "info"
    WARNING = "warning"  # read at once, interrupting (the RDV overlap, a form's errors)


PREFIX = {Level.DONE: "✔ ", Level.INFO: "", Level.WARNING: "⚠ "}


class Announcer(QObject):
    """The application's one announcer. ``announced(text, level)`` is emitted for every announcement (tests
    listen to it; so could a log)."""

    announced = Signal(str, str)

    def __init__(self) -> None:
        super().__init__()
        self.line: QLabel | None = None
        self.last = ""

    def status_line(self) -> QLabel | None:
        return self.line if self.line is not None and shiboken6.isValid(self.line) else None


_ANNOUNCER: Announcer | None = None


def announcer() -> Announcer:
    global _ANNOUNCER
    if _ANNOUNCER is None or not shiboken6.isValid(_ANNOUNCER):
        _ANNOUNCER = Announcer()
    return _ANNOUNCER


def set_status_line(label: QLabel | None) -> None:
    """The label (in the main window's status bar) where announcements stay visible."""
    announcer().line = label


def announce(
    text: str, level: Level = Level.DONE, *, source: QWidget | None = None, speak: bool = True
) -> None:
    """Say ``text`` to assistive technologies and keep it visible in the status line.

    ``source`` is the widget the announcement comes from (a dialog's message): used when the status line is not
    there (a dialog opened alone) or not visible (locked). A warning interrupts the screen reader; the rest
    waits for it to finish. ``speak=False`` only keeps the text visible (an error a message box reads out)."""
    a = announcer()
    a.last = text
    line = a.status_line()
    if line is not None:
        line.setText(f"{PREFIX[level]}{datetime.now():%H:%M} — {text}")
        line.setToolTip(text)
        line.setAccessibleDescription(text)
    target: QObject | None = line if line is not None and line.isVisible() else source
    if target is None:
        target = QApplication.activeWindow() or line
    if target is not None and speak:  # (Qt drops it at once when no assistive technology listens)
        event = QAccessibleAnnouncementEvent(target, text)
        event.setPoliteness(
            QAccessible.AnnouncementPoliteness.Assertive
            if level == Level.WARNING
            else QAccessible.AnnouncementPoliteness.Polite
        )
        QAccessible.updateAccessibility(event)
    a.announced.emit(text, str(level))


def accessible_name(widget: QWidget) -> str:
    """The name a screen reader says for ``widget`` (its accessible name, else the label it is the buddy of, else
    its own text for a button or a check box)."""
    iface = QAccessible.queryAccessibleInterface(widget)
    return iface.text(QAccessible.Text.Name).strip() if iface is not None else ""


def accessible_description(widget: QWidget) -> str:
    iface = QAccessible.queryAccessibleInterface(widget)
    return iface.text(QAccessible.Text.Description).strip() if iface is not None else ""
