"""« Ma file active » at 1366×768 and 1920×1080 (issue #15, point 2): the default columns fit the window with the
application's fonts, « Prochaine action » takes the room a wide screen leaves until the référent sizes a column,
a chosen width is kept (QSettings, isolated in tests) and « Rétablir les colonnes » puts the defaults back;
« Mes personnes / Tous les référents » says whose people are listed."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication

from app.ui.caseload.model import DUE_COLUMN
from app.ui.caseload.page import WIDTHS, CaseloadPage
from tests.ui.factories import add_people
from tests.ui.kit import idle, themed


def _settle(win, width: int, height: int) -> None:
    win.resize(width, height)
    for _ in range(3):
        QApplication.processEvents()


def _visible(page: CaseloadPage) -> list[int]:
    return [i for i in range(len(WIDTHS)) if not page.view.isColumnHidden(i)]


def test_the_list_fits_the_window_and_keeps_chosen_widths(qtbot, unlocked_window) -> None:
    win = unlocked_window
    win.show_page("file")
    page = win.files.caseload
    idle(qtbot, win)
    with themed():
        _settle(win, 1366, 768)
        shown = _visible(page)
        header = page.view.horizontalHeader()
        right = max(header.sectionViewportPosition(i) + header.sectionSize(i) for i in shown)
        assert right <= page.view.viewport().width() + 1  # « Dernier contact » on screen, not cut
        assert page.view.horizontalScrollBar().maximum() == 0
        at_1366 = page.view.columnWidth(DUE_COLUMN)
        assert at_1366 >= WIDTHS[DUE_COLUMN]
        _settle(win, 1920, 1080)
        assert page.view.columnWidth(DUE_COLUMN) > at_1366 + 400  # the room goes to « Prochaine action »
        page.view.setColumnWidth(DUE_COLUMN, 500)  # the référent's choice
        page.save_header()
        _settle(win, 1366, 768)
        assert page.view.columnWidth(DUE_COLUMN) == 500 and not page.auto_widths
        again = CaseloadPage(win.worker)  # the next start reads the saved header
        qtbot.addWidget(again)
        assert again.view.columnWidth(DUE_COLUMN) == 500 and not again.auto_widths
        page.reset_columns()
        assert page.auto_widths and page.view.columnWidth(DUE_COLUMN) >= WIDTHS[DUE_COLUMN]
        fresh = CaseloadPage(win.worker)
        qtbot.addWidget(fresh)
        assert fresh.auto_widths


def test_my_people_or_my_team(qtbot, unlocked_window) -> None:
    win = unlocked_window
    win.show_page("file")
    page = win.files.caseload
    idle(qtbot, win)
    total = page.model.rowCount()
    done: list[object] = []
    win.worker.submit(
        lambda w: add_people(w.vault, 2, None), done.append, writes=True
    )  # nobody's référent yet
    qtbot.waitUntil(lambda: bool(done), timeout=5000)

    def other_referent(w) -> None:
        from tests.ui.factories import add_referent

        rid = add_referent(w.vault, current=False)
        add_people(w.vault, 3, rid)

    win.worker.submit(other_referent, done.append, writes=True)
    qtbot.waitUntil(lambda: len(done) == 2, timeout=5000)
    page.scope.team.click()
    qtbot.waitUntil(lambda: not page.model.loading and page.model.rowCount() == total + 5, timeout=10_000)
    assert "tous référents" in page.count.text() or "équipe" in page.count.text()
    page.scope.mine.click()
    qtbot.waitUntil(lambda: not page.model.loading and page.model.rowCount() == total + 2, timeout=10_000)


def test_the_alerts_badge_counts_what_the_alerts_page_says(qtbot, unlocked_window) -> None:
    """Issue #15: the badge said 69 (people) and the page 163 (deadlines). Both count the people with a deadline
    past, of the same scope, and say so."""
    from app.ui.kit.widgets import BADGE_ROLE
    from app.ui.shell.main_window import NAV_ALERTS

    win = unlocked_window
    idle(qtbot, win)
    for scope in ("mine", "team"):
        win.show_page("file")
        getattr(win.files.caseload.scope, scope).click()
        idle(qtbot, win)
        win.refresh_status()
        idle(qtbot, win)
        badge = win.nav.item(NAV_ALERTS).data(BADGE_ROLE)
        tip = win.nav.item(NAV_ALERTS).toolTip()
        page = win.show_page("alertes")
        page.reload()
        idle(qtbot, win)
        assert badge > 0 and page.count.text().startswith(f"{badge} personnes ont une échéance dépassée"), (
            badge,
            page.count.text(),
        )
        assert tip.startswith(f"{badge} personnes"), tip
