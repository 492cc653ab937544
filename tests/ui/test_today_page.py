"""« Aujourd'hui » in the real main window (issue #15, point 1): the first page after unlocking, keyboard-first —
the list has the focus, Entrée opens the file at the right tab, Ctrl+R plans a RDV, Ctrl+Maj+M writes a note.
Screenshots (FILROUGE_SHOTS) at 1366×768 and 1920×1080 of Aujourd'hui, Ma file active, Alertes and a file."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from app.ui.pages.today.page import TodayPage
from app.ui.person.documents.dialogs import NoteDialog
from app.ui.person.rdv.dialogs import AppointmentDialog
from tests.ui.kit import DESK, LAPTOP, idle, shot


def test_today_is_the_first_page_and_acts_from_the_keyboard(qtbot, unlocked_window) -> None:
    win = unlocked_window
    idle(qtbot, win)
    page = win.pages.currentWidget()
    assert isinstance(page, TodayPage) and win.nav.currentRow() == 0
    assert win.nav.item(0).text() == "Aujourd'hui" and win.nav.item(1).text() == "Ma file active"
    qtbot.waitUntil(lambda: page.plan is not None, timeout=10_000)
    assert page.tree.hasFocus()
    titles = [page.model.index(i, 0).data() for i in range(page.model.rowCount())]
    assert titles[0].startswith("Rendez-vous du jour") and titles[1].startswith("À rappeler")
    assert any(t.startswith("Délais légaux dépassés") for t in titles)
    target = page.current_target()
    assert target is not None  # the first line is selected: the keys act at once
    shot(win, "aujourdhui", sizes=(LAPTOP, DESK))
    QTest.keyClick(page.tree, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    dialog = page.actions_bar.dialog
    assert (
        isinstance(dialog, AppointmentDialog) and dialog.isVisible() and target.name in dialog.windowTitle()
    )
    dialog.reject()
    QTest.keyClick(
        page.tree, Qt.Key.Key_M, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    )
    note = page.actions_bar.dialog
    assert isinstance(note, NoteDialog) and note.isVisible()
    note.reject()
    QTest.keyClick(page.tree, Qt.Key.Key_Return)
    assert win.nav.currentRow() == 1  # Ma file active, the person's file opened
    opened = win.files.currentWidget()
    qtbot.waitUntil(lambda: getattr(opened, "summary", None) is not None, timeout=10_000)
    assert opened.person_id == target.person_id
    idle(qtbot, win)
    shot(win, "dossier", sizes=(LAPTOP, DESK))
    win.files.setCurrentIndex(0)
    idle(qtbot, win)
    shot(win, "file_active", sizes=(LAPTOP, DESK))
    alerts = win.show_page("alertes")
    idle(qtbot, win)
    alerts.tree.expand(alerts.model.index(0, 0))
    shot(win, "alertes", sizes=(LAPTOP, DESK))
