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


def test_convoke_writes_the_letter_of_the_next_rdv_or_plans_one_first(qtbot, unlocked_window) -> None:
    """« Convoquer » (Ctrl+Maj+C): the letter of the person's next planned RDV in its preview (ADR 0035); for a
    person with none, the RDV to plan first."""
    from PySide6.QtWidgets import QApplication

    from app.services.agenda.views import next_planned_rdv
    from app.ui.kit.preview import PdfPreviewDialog
    from tests.conftest import set_letterhead

    win = unlocked_window
    page = win.pages.currentWidget()
    qtbot.waitUntil(lambda: page.plan is not None, timeout=10_000)
    done: list[object] = []
    win.worker.submit(lambda w: set_letterhead(w.db), done.append, writes=True)
    planned: dict[str, str | None] = {}

    def find(w) -> None:
        for line in page.plan.deadlines:
            planned[line.person_id] = next_planned_rdv(w.db, line.person_id)

    win.worker.submit(find, done.append)
    qtbot.waitUntil(lambda: len(done) == 2, timeout=5000)
    with_rdv = next(pid for pid, rdv in planned.items() if rdv)
    without = next(pid for pid, rdv in planned.items() if not rdv)

    def press_on(pid: str) -> None:
        page.select_person(pid)
        assert page.current_target().person_id == pid
        QTest.keyClick(
            page.tree, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
        )

    press_on(with_rdv)

    def previews() -> list[PdfPreviewDialog]:
        return [
            w for w in QApplication.topLevelWidgets() if isinstance(w, PdfPreviewDialog) and w.isVisible()
        ]

    qtbot.waitUntil(lambda: bool(previews()), timeout=10_000)
    assert "convocation" in previews()[0].windowTitle().lower()
    previews()[0].reject()
    page.select_person(without)
    page.actions_bar.buttons["convoke"].click()  # the button, as with the mouse
    qtbot.waitUntil(
        lambda: any(
            isinstance(w, AppointmentDialog) and w.isVisible() and "convoquer" in w.windowTitle()
            for w in QApplication.topLevelWidgets()
        ),
        timeout=5000,
    )
    idle(qtbot, win)


def test_the_title_rows_keep_their_widgets_once_laid_out(qtbot, unlocked_window) -> None:
    """The rows of titles and tools (FlowRow) lost their widgets once their Python wrappers were invalidated by
    the binding (the row moved into its page's layout): « Aujourd'hui » and Ma file active showed no title, no
    search, no filters. After a garbage collection, each page's title is laid out above its list."""
    import gc

    from PySide6.QtWidgets import QApplication, QLabel

    win = unlocked_window
    win.resize(*LAPTOP)
    for key, list_of in (("aujourdhui", lambda p: p.tree), ("file", lambda p: p.caseload.view)):
        page = win.show_page(key)
        gc.collect()
        for _ in range(3):
            QApplication.processEvents()
        idle(qtbot, win)
        title = next(w for w in page.findChildren(QLabel) if w.objectName() == "title" and w.isVisible())
        top = title.mapTo(win, title.rect().bottomLeft()).y()
        assert title.height() > 0 and top < list_of(page).mapTo(win, list_of(page).rect().topLeft()).y(), key
    search = win.files.caseload.search
    assert search.isVisible() and search.width() > 100 and win.files.caseload.filters.track.isVisible()
