"""The UI test kit (the fixtures themselves are in ``tests/ui/conftest.py``): a page context over a real database
worker that records what the page asked of the main window, the idle wait, and screenshots for review.

- :class:`RecordingContext`: the :class:`~app.ui.shell.plugins.UiContext` a page or tab gets, with ``changes``
  (persons written), ``opened`` (files asked for) and ``refreshed`` (status refreshes) recorded.
- :func:`idle`: until the worker has no job waiting for its callbacks and no long job runs.
- :func:`shot`: ``widget.grab()`` into ``$FILROUGE_SHOTS/<name>.png`` when that variable names a folder
  (with the application's theme, as the user sees it); nothing otherwise.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QApplication, QWidget

from app.ui.kit import theme
from app.ui.kit.worker import DbWorker
from app.ui.shell.plugins import UiContext

SHOTS_ENV = "FILROUGE_SHOTS"
#: The screens of issue #15: the usual MDS laptop and a desk screen.
LAPTOP, DESK = (1366, 768), (1920, 1080)
IDLE_MS = 15_000


@dataclass
class RecordingContext(UiContext):
    changes: list[str | None] = field(default_factory=list)
    opened: list[tuple[str, str | None]] = field(default_factory=list)
    refreshed: list[int] = field(default_factory=list)


def recording_context(worker: DbWorker) -> RecordingContext:
    ctx = RecordingContext(worker, lambda *_a: None, lambda: None, lambda _p: None)
    ctx.open_person = lambda pid, tab=None: ctx.opened.append((pid, tab))
    ctx.refresh_status = lambda: ctx.refreshed.append(1)
    ctx.changed = ctx.changes.append
    return ctx


def idle(qtbot: Any, target: DbWorker | UiContext | Any, timeout: int = IDLE_MS) -> None:
    """Wait until the worker of ``target`` (a worker, a context, or a page/window with ``.ctx``/``.worker``)
    has run every job and no long job (import, purge, batch print, sync) runs."""
    worker = target
    while not isinstance(worker, DbWorker):
        worker = getattr(worker, "worker", None) or worker.ctx
    qtbot.waitUntil(lambda: worker.idle, timeout=timeout)


def shots_folder() -> Path | None:
    folder = os.environ.get(SHOTS_ENV)
    return Path(folder) if folder else None


def shot(
    widget: QWidget, name: str, *, small_screen: bool = False, sizes: tuple[tuple[int, int], ...] = ()
) -> Path | None:
    """Save ``widget`` as ``<name>.png`` in ``$FILROUGE_SHOTS`` (and ``<name>-1366.png`` at 1366×768 with
    ``small_screen``, ``<name>-<W>.png`` for each of ``sizes``); returns the path, or None when screenshots are
    not asked for."""
    folder = shots_folder()
    if folder is None:
        return None
    app = QApplication.instance()
    if isinstance(app, QApplication) and not theme.is_applied(app):
        theme.apply_theme(app, high_contrast=False)
    for _ in range(3):
        QApplication.processEvents()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    widget.grab().save(str(path))
    for width, height in ((1366, 768),) * small_screen + sizes:
        size = widget.size()
        widget.resize(width, height)
        for _ in range(3):
            QApplication.processEvents()
        widget.grab().save(str(folder / f"{name}-{width}.png"))
        widget.resize(size)
        QApplication.processEvents()
    return path


def clipped_texts(root: QWidget) -> list[str]:
    """Texts of ``root`` cut by their widget's size (visible labels, buttons, check boxes): a label without word
    wrap narrower than its text, a wrapped one shorter than its lines, a button narrower than its caption."""
    from PySide6.QtWidgets import QAbstractButton, QLabel

    out: list[str] = []
    for w in [root, *root.findChildren(QWidget)]:
        if not w.isVisible() or w.width() <= 0:
            continue
        if isinstance(w, QLabel) and w.text():
            if w.wordWrap():
                if w.height() + 1 < w.heightForWidth(w.width()):
                    out.append(w.text())
            elif w.width() + 1 < w.sizeHint().width():
                out.append(w.text())
        elif isinstance(w, QAbstractButton) and w.text() and w.width() + 1 < w.sizeHint().width():
            out.append(w.text())
    return out


@contextmanager
def themed() -> Iterator[None]:
    """The application's theme and fonts, as the user sees them (tests do not apply it by default); the
    application's look is put back afterwards."""
    from app.ui.kit import theme

    app = QApplication.instance()
    assert isinstance(app, QApplication)
    sheet, font, palette, style = app.styleSheet(), app.font(), app.palette(), app.style().name()
    theme.apply_theme(app)
    try:
        yield
    finally:
        app.setStyleSheet(sheet)
        app.setFont(font)
        app.setPalette(palette)
        app.setStyle(style)
