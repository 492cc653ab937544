"""200 % text and small screens (RGAA 10.4, 10.11; WCAG 1.4.4, 1.4.10): with the application's text doubled the
window still fits a 1,280-pixel screen (and at normal size a 1,024-pixel one), every dialog fits a 1,280 × 720
screen (its form scrolls rather than clip), headings keep their size relative to the text, and a page wider
than the window scrolls instead of widening it. Screenshots at 200 % when ``FILROUGE_SHOTS`` names a folder."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication, QLabel

from app.ui.kit import theme
from app.ui.kit.widgets import FittingScroll
from app.ui.shell.main_window import MainWindow
from tests.ui.conftest import unlock
from tests.ui.dialogs import DIALOGS, DialogEnv
from tests.ui.kit import idle, shot
from tests.ui.test_accessibility_audit import busiest_person

SMALL_SCREEN, LAPTOP = (1024, 768), (1280, 720)


@pytest.fixture
def doubled(qapp) -> Iterator[float]:
    """The application's text at twice its size for the test (the widgets made during it take it)."""
    normal = QFont(qapp.font())
    big = QFont(normal)
    big.setPointSizeF(normal.pointSizeF() * 2)
    qapp.setFont(big)
    yield big.pointSizeF()
    qapp.setFont(normal)


def test_the_window_fits_a_1024_pixel_screen(unlocked_window: MainWindow):
    assert unlocked_window.minimumSizeHint().width() <= SMALL_SCREEN[0]
    unlocked_window.files.open_person(unlocked_window.files.caseload.model.row_id(0))
    assert unlocked_window.minimumSizeHint().width() <= SMALL_SCREEN[0]


def test_at_200_percent_the_window_fits_1280_pixels_and_headings_grow(qtbot, doubled, window):
    unlock(qtbot, window)
    window.resize(*LAPTOP)
    page = window.files.open_person(window.files.caseload.model.row_id(0))
    qtbot.waitUntil(lambda: page.summary is not None, timeout=10_000)
    idle(qtbot, window)
    assert window.minimumSizeHint().width() <= LAPTOP[0]
    assert window.nav.compact  # icons only: the labels would take a third of the window
    assert (
        page.minimumSizeHint().width() <= LAPTOP[0] - window.nav.width()
    )  # the file itself does not scroll sideways
    title = next(w for w in window.findChildren(QLabel) if w.objectName() == "title" and w.isVisible())
    assert title.font().pointSizeF() == pytest.approx(doubled * theme.TITLE_SCALE)
    shot(page, "a11y-200-dossier")
    window.files.setCurrentIndex(0)
    idle(qtbot, window)
    shot(window, "a11y-200-file-active")


def test_at_200_percent_no_page_nor_tab_of_a_file_scrolls_sideways_on_a_1280_pixel_screen(
    qtbot, doubled, window
):
    """Every page of the navigation and every tab of a person's file fits beside the (compact) navigation of a
    1,280 × 720 window: header rows and toolbars wrap, a wide page hidden behind does not widen the one shown.
    (Pages added later are walked too.)"""
    unlock(qtbot, window)
    window.resize(*LAPTOP)
    idle(qtbot, window)
    scroll = next(w for w in window.findChildren(FittingScroll) if w.widget() is window.pages)
    room = window.width() - window.nav.width() - 2 * scroll.frameWidth() - 4
    too_wide = {}
    for row in range(window.nav.count()):
        window.nav.setCurrentRow(row)
        idle(qtbot, window)
        need = window.pages.currentWidget().minimumSizeHint().width()
        if need > room:
            too_wide[window.nav.item(row).text()] = need
    window.nav.setCurrentRow(0)
    page = window.files.open_person(window.files.caseload.model.row_id(0))
    qtbot.waitUntil(lambda: page.summary is not None, timeout=10_000)
    for i in range(page.tabs.count()):
        page.tabs.setCurrentIndex(i)
        idle(qtbot, window)
        need = window.files.minimumSizeHint().width()
        if need > room:
            too_wide[f"dossier › {page.tabs.tabText(i)}"] = need
    assert not too_wide, (room, too_wide)


def test_at_200_percent_every_dialog_fits_a_1280_by_720_screen(qtbot, doubled, demo, vault, tmp_path):
    env = DialogEnv(qtbot, demo, vault, busiest_person(vault), tmp_path)
    limit_w, limit_h = int(LAPTOP[0] * 0.95), int(LAPTOP[1] * 0.92)
    too_big = {}
    for name, (_cls, opener) in DIALOGS.items():
        dialog = opener(env)
        need = dialog.minimumSizeHint().expandedTo(dialog.minimumSize())
        if need.width() > limit_w or need.height() > limit_h:
            too_big[name] = f"{need.width()} × {need.height()}"
        if name == "Nouveau rendez-vous":
            shot(dialog, "a11y-200-rendez-vous")
        env.close(dialog)
    assert not too_big, too_big
    assert QApplication.font().pointSizeF() == doubled


@pytest.fixture
def demo(vault, ctx_for):
    from app.services.demo.build import populate_demo

    populate_demo(vault, seed=2026, size=12)
    return ctx_for(vault)
