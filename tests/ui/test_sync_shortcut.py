"""Ctrl+Shift+S « Synchroniser maintenant » from anywhere in the window, not only on the sync page (real
server on 127.0.0.1, real vault, database worker, offscreen)."""

from __future__ import annotations

from types import SimpleNamespace

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QLineEdit, QMainWindow, QStackedWidget

from app.ui.kit.a11y import set_status_line
from app.ui.pages.sync.controller import STAGES
from tests.ui.kit import idle, shot
from tests.ui.test_sync_page import WAIT, add_person, enrol, make_page


def test_shortcut_syncs_from_another_page_and_not_while_locked(
    qtbot, ctx, vault, server, login, announcements
) -> None:
    page = make_page(qtbot, ctx)
    enrol(qtbot, page, server, login)
    win = QMainWindow()
    win.locked = False  # type: ignore[attr-defined]  # as the real main window
    qtbot.addWidget(win)
    stack = QStackedWidget()
    other = QLineEdit()
    stack.addWidget(other)
    stack.addWidget(page)
    win.setCentralWidget(stack)
    line = QLabel()
    win.statusBar().addWidget(line, 1)
    set_status_line(line)  # as the real main window
    win.resize(1000, 700)
    win.show()
    win.activateWindow()
    stack.setCurrentWidget(other)  # the sync page is hidden behind another page
    qtbot.waitUntil(lambda: not page.isVisible())
    page.update_status(SimpleNamespace(pending_changes=0, open_conflicts=0), 10)  # as the main window does
    add_person(vault, "Raccourci")
    page.controller.load()
    qtbot.waitUntil(lambda: page.overview.pending > 0, timeout=WAIT)
    before = page.last_report

    win.locked = True  # type: ignore[attr-defined]
    other.setFocus()
    qtbot.keyClick(
        other, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    )
    qtbot.wait(200)
    assert not page.controller.running and page.last_report is before  # locked: nothing happens

    win.locked = False  # type: ignore[attr-defined]
    qtbot.keyClick(
        other, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    )
    qtbot.waitUntil(lambda: page.last_report is not before, timeout=WAIT)
    idle(qtbot, page)
    assert page.last_report.state == "ok" and page.last_report.uploaded >= 1
    assert page.overview.pending == 0
    assert announcements[-1][0].startswith("Synchronisation terminée : ")  # said, and kept in the status bar
    assert line.text().endswith(announcements[-1][0])
    shot(win, "sync_shortcut_status_bar")
    stack.setCurrentWidget(page)
    page._started()
    page._progress(STAGES["documents-envoi"], 2, 3)
    assert page.stage.text() == "Envoi des documents (blocs de 1 Mo) : 2 / 3"
    shot(win, "sync_documents_progress")


def test_report_text_mentions_documents() -> None:
    from app.services.sync.base import SyncReport
    from app.ui.pages.sync.page import report_text

    assert "document" not in report_text(SyncReport(uploaded=2))
    text = report_text(SyncReport(uploaded=2, documents_sent=1, documents_received=3, documents_missing=2))
    assert text.endswith(
        "1 document envoyé, 3 documents reçus, 2 documents pas encore disponibles sur le serveur"
    )


def test_shortcut_reaches_the_sync_page_from_the_real_main_window(qtbot, unlocked_window) -> None:
    from app.ui.pages.sync.page import SyncPage

    # built right after unlocking (AT_UNLOCK), without a visit: the shortcut works from anywhere
    page = next(p for p in unlocked_window.built_pages() if isinstance(p, SyncPage))
    qtbot.waitUntil(
        lambda: page.controller.shortcut is not None and page.controller.shortcut.parent() is unlocked_window
    )
    pressed: list[int] = []
    page.controller.shortcut_pressed.connect(lambda: pressed.append(1))
    view = unlocked_window.files.caseload.view  # on the caseload, far from the sync page
    view.setFocus()
    keys = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    qtbot.keyClick(view, Qt.Key.Key_S, keys)
    assert pressed == [1]
    unlocked_window.lock()
    qtbot.keyClick(unlocked_window.lock_screen.code, Qt.Key.Key_S, keys)
    assert pressed == [1]
