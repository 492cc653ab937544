"""The main window on a real encrypted vault: unlock, caseload list, search, sort, person page, auto-lock."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import select

from app.models.tables.local import AuditEvent
from app.services.storage import lock
from app.services.storage import vault as vault_service
from app.ui.caseload.model import COLUMNS, LOADING
from app.ui.person.page import PersonPage
from tests.ui.conftest import LOCK_CODE, make_profile, unlock


def test_lock_screen_hides_data_until_the_right_code(qtbot, window):
    assert window.root.currentWidget() is window.lock_screen
    assert not window.workspace.isVisible() and not window.status.isVisible()
    assert window.lock_screen.prompt.text() == "Code de verrouillage :"
    assert not window.lock_screen.hint.isVisible()  # not a demo profile
    unlock(qtbot, window)
    assert window.root.currentWidget() is window.workspace
    assert window.files.caseload.model.rowCount() == 40
    assert window.files.caseload.count.text() == "40 personnes suivies"


def test_wrong_code_then_delay_countdown(qtbot, window):
    screen = window.lock_screen
    screen.delay = lock.FailureDelay(free_tries=2, base_seconds=0.6)
    screen.code.setText("0000")
    screen.button.click()
    qtbot.waitUntil(lambda: screen.message.text() == "Code incorrect.", timeout=5000)
    assert window.locked
    screen.code.setText("9999")
    screen.button.click()
    qtbot.waitUntil(lambda: "patientez encore" in screen.message.text(), timeout=5000)
    assert not screen.code.isEnabled() and not screen.button.isEnabled()
    qtbot.waitUntil(lambda: screen.code.isEnabled(), timeout=5000)
    assert screen.message.text() == "Vous pouvez réessayer."
    unlock(qtbot, window)


def test_status_bar_texts(qtbot, unlocked_window):
    """Issue #15: a device never enrolled showed « 4301 modifications en attente » (status bar and badge)."""
    from app.ui.kit.widgets import BADGE_ROLE
    from app.ui.shell.main_window import NAV_SYNC

    status = unlocked_window.status
    qtbot.waitUntil(lambda: status.referent.text() == "Référent : Claire Marchand", timeout=5000)
    assert status.mode.text() == "Coffre : trousseau"
    assert status.sync.text() == "Poste non inscrit auprès du département"
    assert (
        status.pending.text() == "Données enregistrées sur ce poste"
        and "modification" not in status.pending.text()
    )
    assert not unlocked_window.nav.item(NAV_SYNC).data(
        BADGE_ROLE
    )  # 40 people made: ops in the outbox, no badge
    done: list[bool] = []
    unlocked_window.worker.submit(lambda w: w.db.set_state("server_url", "https://rsa.example.fr"), done.append,
                                  writes=True)  # fmt: skip  # enrolled (as the enrolment records it)
    qtbot.waitUntil(lambda: bool(done), timeout=5000)
    unlocked_window.refresh_status()
    qtbot.waitUntil(lambda: status.pending.text().endswith("modifications en attente"), timeout=5000)
    assert status.sync.text() == "Dernière synchronisation : jamais"
    assert unlocked_window.nav.item(NAV_SYNC).data(BADGE_ROLE) > 0


def test_search_filters_and_sort(qtbot, unlocked_window):
    page = unlocked_window.files.caseload
    model = page.model
    qtbot.keyClick(unlocked_window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert page.search.hasFocus()
    qtbot.keyClicks(page.search, "lefebvre")  # accents ignored
    qtbot.waitUntil(lambda: model.rowCount() == 2, timeout=5000)
    assert {model.row_data(r).last_name for r in range(2)} == {"Lefèbvre"}
    assert page.count.text() == "2 résultats sur 40"
    page.search.setText("introuvable")
    qtbot.waitUntil(lambda: model.rowCount() == 0, timeout=5000)
    assert page.stack.currentWidget() is page.empty
    assert "introuvable" in page.empty.title.text()
    page.search.clear()
    qtbot.waitUntil(lambda: model.rowCount() == 40, timeout=5000)
    city = next(c for c, _ in enumerate(COLUMNS) if COLUMNS[c][1] == "city")
    page.view.sortByColumn(city, Qt.SortOrder.DescendingOrder)
    qtbot.waitUntil(lambda: model.query.sort == "city" and not model.loading, timeout=5000)
    cities = [model.index(r, city).data() for r in range(40)]
    assert LOADING not in cities
    assert cities[0] == "Vienne" and cities[-1] == "Échirolles"


def test_person_page_opens_with_tabs_and_masked_nir(qtbot, unlocked_window, worker):
    view = unlocked_window.files.caseload.view
    view.setFocus()
    view.setCurrentIndex(unlocked_window.files.caseload.model.index(2, 0))
    qtbot.keyClick(view, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: unlocked_window.files.count() == 2, timeout=5000)
    page = unlocked_window.files.currentWidget()
    assert isinstance(page, PersonPage)
    qtbot.waitUntil(lambda: page.summary is not None, timeout=5000)
    tabs = [page.tabs.tabText(i) for i in range(page.tabs.count())]
    assert tabs == [
        "Synthèse",
        "Diagnostic",
        "Carnet de bord",
        "Rendez-vous",
        "Contrats",
        "Bilans",
        "Documents",
        "EP",
        "Historique",
    ]
    nir = page.header.nir.text()  # masked NIR beside the « Afficher le NIR » button
    assert nir.startswith("••••") and nir[-3:].isdigit() and len(nir) == 15
    assert set(page.tab_widgets) == {"synthese"}  # the other tabs are built when first shown
    page.tabs.setCurrentIndex(3)
    assert set(page.tab_widgets) == {"synthese", "rdv"}
    assert page.tabs.currentWidget() is page.tab_widgets["rdv"] and page.tabs.tabText(3) == "Rendez-vous"
    page.select_tab("historique")
    assert page.tabs.currentWidget() is page.tab_widgets["historique"]
    assert [page.tabs.tabText(i) for i in range(page.tabs.count())] == tabs  # same tabs, same order
    page.tabs.setCurrentIndex(0)
    assert unlocked_window.files.tabText(1) == page.summary.header.display_name
    # the consultation was written to the audit trail
    found: list[str] = []
    worker.submit(
        lambda ctx: [e.action for e in ctx.db.read().__enter__().scalars(select(AuditEvent))], found.extend
    )
    qtbot.waitUntil(lambda: found == ["consultation"], timeout=5000)
    # a second person, then Ctrl+Tab and Ctrl+W
    unlocked_window.files.open_person(unlocked_window.files.caseload.model.row_id(5))
    assert unlocked_window.files.count() == 3
    qtbot.keyClick(unlocked_window, Qt.Key.Key_Tab, Qt.KeyboardModifier.ControlModifier)
    assert unlocked_window.files.currentIndex() == 0
    unlocked_window.files.setCurrentIndex(2)
    qtbot.keyClick(unlocked_window, Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier)
    assert unlocked_window.files.count() == 2
    qtbot.waitUntil(lambda: worker.pending == 0, timeout=5000)


def test_auto_lock_hides_data_and_keeps_typing(qtbot, unlocked_window):
    unlocked_window.files.caseload.search.setText("Mart")
    unlocked_window.idle.set_timeout_ms(150)
    unlocked_window.idle.arm()
    qtbot.waitUntil(lambda: unlocked_window.locked, timeout=5000)
    assert unlocked_window.root.currentWidget() is unlocked_window.lock_screen
    assert not unlocked_window.workspace.isVisible() and not unlocked_window.status.isVisible()
    grab = unlocked_window.grab().toImage()
    assert grab.width() > 0
    unlock(qtbot, unlocked_window)
    assert unlocked_window.files.caseload.search.text() == "Mart"


def test_empty_caseload_explains(qtbot, worker, data_dir, memory_keyring):
    from app.ui.shell.main_window import MainWindow

    info = make_profile(data_dir, 0)
    win = MainWindow(worker, data_dir, info)
    qtbot.addWidget(win)
    qtbot.waitUntil(lambda: win.lock_screen.vault_open, timeout=5000)
    unlock(qtbot, win)
    page = win.files.caseload
    assert page.stack.currentWidget() is page.empty
    assert page.empty.title.text() == "Aucune personne dans votre file active"
    win.close()


def test_passphrase_profile_wrong_then_right(qtbot, worker, data_dir):
    from app.ui.shell.main_window import MainWindow

    info = make_profile(data_dir, 3, mode=vault_service.MODE_PASSPHRASE)
    win = MainWindow(worker, data_dir, info)
    qtbot.addWidget(win)
    screen = win.lock_screen
    assert screen.prompt.text() == "Phrase secrète du dossier :"
    screen.code.setText("mauvaise phrase")
    screen.button.click()
    qtbot.waitUntil(lambda: "incorrecte" in screen.message.text(), timeout=5000)
    assert not worker.vault_open
    unlock(qtbot, win, "phrase secrète de test")
    assert win.files.caseload.model.rowCount() == 3
    assert win.status.mode.text() == "Coffre : phrase secrète"
    win.close()


def test_demo_profile_shows_code_hint(qtbot, worker, data_dir, memory_keyring):
    from app.ui.shell.main_window import MainWindow

    v = vault_service.create_vault(data_dir, "demo", mode=vault_service.MODE_KEYRING, demo=True)
    v.close()
    win = MainWindow(worker, data_dir, vault_service.read_profile(data_dir, "demo"))
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: win.lock_screen.vault_open and worker.idle, timeout=5000)
    assert win.lock_screen.hint.isVisible()
    assert win.lock_screen.hint.text() == (
        f"Profil de démonstration (personnes fictives) : le code de verrouillage est « {lock.DEMO_CODE} »."
    )
    unlock(qtbot, win, lock.DEMO_CODE)
    win.close()
    assert LOCK_CODE != lock.DEMO_CODE


@pytest.mark.parametrize("passphrase", [lock.DEMO_CODE, "une autre phrase secrète"])
def test_demo_hint_of_a_passphrase_vault_names_its_own_secret(qtbot, worker, data_dir, passphrase):
    """Issue #15: the hint named « le code » « demo-fil-rouge » for any demo vault, a passphrase vault made with
    another passphrase included; a passphrase is not a « code »."""
    from app.ui.shell.main_window import MainWindow

    v = vault_service.create_vault(
        data_dir, "demo", mode=vault_service.MODE_PASSPHRASE, passphrase=passphrase, demo=True
    )
    v.close()
    win = MainWindow(worker, data_dir, vault_service.read_profile(data_dir, "demo"))
    qtbot.addWidget(win)
    win.show()
    hint = win.lock_screen.hint
    qtbot.waitUntil(lambda: worker.idle and hint.text() != "", timeout=10_000)
    assert hint.isVisible() and "code" not in hint.text()
    if passphrase == lock.DEMO_CODE:
        assert (
            hint.text()
            == f"Profil de démonstration (personnes fictives) : la phrase secrète est « {lock.DEMO_CODE} »."
        )
    else:
        assert (
            hint.text() == "Profil de démonstration (personnes fictives)."
            and lock.DEMO_CODE not in hint.text()
        )
    unlock(qtbot, win, passphrase)
    win.close()


def _visible_windows(win) -> list:
    from PySide6.QtWidgets import QApplication

    return [w for w in QApplication.topLevelWidgets() if w is not win and w.isVisible()]


def test_lock_hides_open_dialogs_and_brings_them_back_with_what_was_typed(qtbot, unlocked_window):
    from PySide6.QtWidgets import QMessageBox

    from app.ui.person.rdv.dialogs import AppointmentDialog

    events: list[bool] = []
    unlocked_window.lock_changed.connect(events.append)
    rdv = AppointmentDialog(unlocked_window.ctx, None, "MARTIN Hélène", parent=unlocked_window.files)
    rdv.open()
    rdv.place.setText("Maison des solidarités, bureau 2")
    rdv.comment.setPlainText("Apporter le dernier avis d'imposition")
    qtbot.waitUntil(rdv.isVisible, timeout=5000)
    modeless = QMessageBox(QMessageBox.Icon.Information, "Fil rouge", "Dossier de MARTIN Hélène", parent=rdv)
    modeless.setModal(False)
    modeless.show()
    qtbot.waitUntil(modeless.isVisible, timeout=5000)

    unlocked_window.lock()
    assert unlocked_window.locked and events == [True]
    assert not rdv.isVisible() and not modeless.isVisible()
    assert _visible_windows(unlocked_window) == []  # nothing but the lock screen is on screen
    assert unlocked_window.root.currentWidget() is unlocked_window.lock_screen
    assert set(map(id, unlocked_window.hidden_windows)) == {id(rdv), id(modeless)}
    # a dialog that appears while locked (a late result) is hidden too, and comes back with the others
    late = QMessageBox(QMessageBox.Icon.Information, "Fil rouge", "Résultat arrivé", parent=unlocked_window)
    late.setModal(False)
    late.show()
    qtbot.waitUntil(lambda: not late.isVisible(), timeout=5000)
    assert _visible_windows(unlocked_window) == []

    unlock(qtbot, unlocked_window)
    assert events == [True, False]
    assert rdv.isVisible() and modeless.isVisible() and late.isVisible()
    assert rdv.place.text() == "Maison des solidarités, bureau 2"
    assert rdv.comment.toPlainText() == "Apporter le dernier avis d'imposition"
    assert rdv.result() == 0 and unlocked_window.hidden_windows == []
    for w in (late, modeless):
        w.close()
    rdv.dirty = False
    rdv.reject()
