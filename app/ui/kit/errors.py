"""The one path that shows errors to the user: French messages, never a traceback."""

from __future__ import annotations

import logging
import sys
import traceback
from types import TracebackType

from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from app.models.errors import FilRougeError

log = logging.getLogger("app.ui")

GENERIC_MESSAGE = (
    "Une erreur inattendue s'est produite. Ce que vous avez saisi est conservé à l'écran ; "
    "le détail technique a été noté dans le journal de l'application."
)


_open_boxes: list[QMessageBox] = []


def user_message(exc: BaseException) -> str:
    """The French text for ``exc``: its own message when it is expected, a generic one otherwise."""
    if isinstance(exc, FilRougeError):
        return exc.message
    return GENERIC_MESSAGE


def log_unexpected(exc: BaseException) -> None:
    """Log type and stack only: an exception's text may carry personal data (SQL parameters...)."""
    stack = "".join(traceback.format_tb(exc.__traceback__))
    log.error("unexpected %s\n%s", type(exc).__name__, stack)


def show_error(parent: QWidget | None, exc: BaseException, title: str = "Fil rouge") -> None:
    """Show ``exc`` to the user in French. Unexpected errors are logged (without their text)."""
    if not isinstance(exc, FilRougeError):
        log_unexpected(exc)
    if QApplication.instance() is None:
        return
    from app.ui.kit.a11y import Level, announce

    announce(user_message(exc), Level.WARNING, speak=False)  # the box is read out; the text stays after it
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Warning if isinstance(exc, FilRougeError) else QMessageBox.Icon.Critical)
    box.setWindowTitle(title)
    box.setText(user_message(exc))
    box.setStandardButtons(QMessageBox.StandardButton.Ok)
    box.button(QMessageBox.StandardButton.Ok).setText("OK")
    _open_boxes.append(box)  # a parentless box must outlive this call
    box.finished.connect(lambda _r: _open_boxes.remove(box) if box in _open_boxes else None)
    box.open()


def _hook(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
    if issubclass(kind, KeyboardInterrupt):
        sys.__excepthook__(kind, exc, tb)
        return
    if exc.__traceback__ is None:
        exc.__traceback__ = tb
    show_error(QApplication.activeWindow(), exc)


def install_excepthook() -> None:
    """Every uncaught exception ends in :func:`show_error`: logged, and a French message on screen."""
    sys.excepthook = _hook
