"""« Paramètres » page offscreen on a real vault: save, re-read from the service, field messages, secrets."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtWidgets import QComboBox, QLineEdit, QSpinBox

from app.services.storage import lock, settings
from app.ui.pages.settings.page import SettingsPage
from app.ui.pages.settings.widgets import SAVED_TEXT, SecretDialog
from tests.ui.conftest import LOCK_CODE, unlock


def run(qtbot, worker, job) -> Any:
    """Run ``job`` on the worker and wait for its result (what the service reads back)."""
    box: dict[str, Any] = {}
    worker.submit(job, lambda r: box.setdefault("r", r), lambda e: box.setdefault("e", e))
    qtbot.waitUntil(lambda: box != {}, timeout=10_000)
    if "e" in box:
        raise box["e"]
    return box["r"]


@pytest.fixture
def page(qtbot, unlocked_window) -> SettingsPage:
    found = unlocked_window.show_page("parametres")
    assert isinstance(found, SettingsPage)
    qtbot.waitUntil(lambda: found.view is not None and unlocked_window.worker.pending == 0, timeout=10_000)
    return found


def test_change_a_value_save_and_read_it_back(qtbot, window, page):
    section = page.followup_section
    spin = section.editors[settings.SOON_DAYS.key].widget
    assert isinstance(spin, QSpinBox) and spin.value() == 14
    assert not section.save_button.isEnabled()  # nothing changed yet
    page.tabs.setCurrentIndex(2)
    spin.setValue(21)
    assert section.save_button.isEnabled() and section.changes() == {settings.SOON_DAYS.key: 21}
    spin.setValue(14)
    assert not section.save_button.isEnabled()  # back to the saved value
    spin.setValue(30)
    section.save_button.click()
    qtbot.waitUntil(lambda: section.saved_label.text() == SAVED_TEXT, timeout=10_000)
    assert run(qtbot, window.worker, lambda w: settings.get(w.db, settings.SOON_DAYS)) == 30
    assert not section.save_button.isEnabled()
    # « Rétablir la valeur par défaut » puts 14 back in the field; saved, the stored value is forgotten
    section.resets[settings.SOON_DAYS.key].click()
    assert spin.value() == 14 and section.save_button.isEnabled()
    section.save_button.click()
    qtbot.waitUntil(lambda: not section.save_button.isEnabled(), timeout=10_000)
    qtbot.waitUntil(lambda: window.worker.pending == 0, timeout=10_000)
    assert run(qtbot, window.worker, lambda w: settings.get(w.db, settings.SOON_DAYS)) == 14


def test_invalid_value_is_explained_next_to_the_field_and_not_saved(qtbot, window, page):
    section = page.documents_section
    page.tabs.setCurrentIndex(1)
    name = section.editors[settings.DEPARTMENT_NAME.key].widget
    assert isinstance(name, QLineEdit) and name.text() == "Conseil départemental"
    name.setText("   ")
    error = section.errors[settings.DEPARTMENT_NAME.key]
    assert error.isVisible()
    assert error.text() == "« Nom du département imprimé sur les documents » ne peut pas être vide."
    section.save_button.click()
    qtbot.wait(200)
    assert window.worker.pending == 0 and section.saved_label.text() == ""
    stored = run(qtbot, window.worker, lambda w: settings.get(w.db, settings.DEPARTMENT_NAME))
    assert stored == "Conseil départemental"
    name.setText("Département de l'Isère")
    assert not error.isVisible()
    section.editors[settings.DPO_CONTACT.key].widget.setText("dpo@isere.example.org")
    section.save_button.click()
    qtbot.waitUntil(lambda: section.saved_label.text() == SAVED_TEXT, timeout=10_000)
    values = run(qtbot, window.worker, lambda w: settings.all_values(w.db))
    assert values["department_name"] == "Département de l'Isère"
    assert values["dpo_contact"] == "dpo@isere.example.org"


def test_saved_settings_reach_the_window_and_the_pages(qtbot, window, page):
    received: list[dict] = []
    window.page("agenda").settings_changed = received.append  # a page with the optional hook
    spin = page.lock_section.editors[settings.LOCK_DELAY_MINUTES.key].widget
    spin.setValue(3)
    page.lock_section.save_button.click()
    qtbot.waitUntil(lambda: window.lock_minutes == 3, timeout=10_000)
    assert window.idle._timer.interval() == 3 * 60_000
    auto = page.sync_section.editors[settings.SYNC_AUTO.key].widget
    assert auto.isChecked()
    auto.setChecked(False)
    page.sync_section.save_button.click()
    qtbot.waitUntil(lambda: len(received) == 2, timeout=10_000)
    assert received[-1]["sync_auto"] is False and received[-1]["lock_delay_minutes"] == 3
    assert run(qtbot, window.worker, lambda w: settings.get(w.db, settings.SYNC_AUTO)) is False


def test_unsaved_edits_survive_a_reload(qtbot, window, page):
    spin = page.followup_section.editors[settings.RETENTION_MONTHS.key].widget
    spin.setValue(36)
    page.reload()
    qtbot.waitUntil(lambda: window.worker.pending == 0, timeout=10_000)
    assert spin.value() == 36 and page.unsaved()


def test_current_referent_and_read_only_facts(qtbot, window, page):
    combo = page.followup_section.editors[settings.CURRENT_REFERENT_ID.key].widget
    assert isinstance(combo, QComboBox)
    assert combo.currentText() == "Claire Marchand — MDS de Saint-Denis"
    assert page.mode_label.text() == "Mode du coffre : <b>trousseau</b>"
    assert page.code_button.isVisibleTo(page) and not page.passphrase_button.isVisibleTo(page)
    about = page.about_fields.values
    assert about["Version"].text() and about["Table des règles"].text() != "—"
    assert about["Dossier du profil"].text().endswith("essai")
    assert about["Révision du schéma"].text() not in ("", "—")
    assert page.sync_fields.values["Serveur"].text() == "Poste non inscrit"
    assert page.seal_state.text() == "Aucun cachet : les contrats ne sont pas scellés."


def test_change_lock_code_checks_the_current_code(qtbot, window, page):
    page.change_lock_code()
    dialog = page.dialog
    assert isinstance(dialog, SecretDialog)
    dialog.old.setText("0000")
    dialog.new.setText("5678")
    dialog.confirm.setText("5679")
    dialog.save_button.click()
    assert dialog.errors["confirm"].text() == "Les deux saisies ne sont pas identiques."
    dialog.confirm.setText("5678")
    dialog.save_button.click()
    qtbot.waitUntil(lambda: dialog.errors["old"].isVisible(), timeout=10_000)
    assert dialog.errors["old"].text() == "Code actuel incorrect : le code n'a pas été changé."
    assert run(qtbot, window.worker, lambda w: lock.verify_lock_code(w.db, LOCK_CODE))
    dialog.old.setText(LOCK_CODE)
    dialog.save_button.click()
    qtbot.waitUntil(lambda: dialog.result() == dialog.DialogCode.Accepted, timeout=10_000)
    assert run(qtbot, window.worker, lambda w: lock.verify_lock_code(w.db, "5678"))
    assert not run(qtbot, window.worker, lambda w: lock.verify_lock_code(w.db, LOCK_CODE))


def test_passphrase_change_from_the_page_then_lock_and_unlock_with_it(qtbot, worker, data_dir):
    from app.services.storage import vault as vault_service
    from app.ui.shell.main_window import MainWindow
    from tests.ui.conftest import make_profile

    info = make_profile(data_dir, 2, mode=vault_service.MODE_PASSPHRASE)
    win = MainWindow(worker, data_dir, info)
    qtbot.addWidget(win)
    win.show()
    unlock(qtbot, win, "phrase secrète de test")
    page = win.show_page("parametres")
    assert isinstance(page, SettingsPage)
    qtbot.waitUntil(lambda: page.view is not None and worker.pending == 0, timeout=10_000)
    assert page.passphrase_button.isVisibleTo(page) and not page.code_button.isVisibleTo(page)
    page.change_passphrase()
    dialog = page.dialog
    assert isinstance(dialog, SecretDialog)
    dialog.old.setText("pas la bonne")
    dialog.new.setText("nouvelle phrase du coffre")
    dialog.confirm.setText("nouvelle phrase du coffre")
    dialog.save_button.click()
    qtbot.waitUntil(lambda: dialog.errors["old"].isVisible(), timeout=20_000)
    assert "rien n'a été changé" in dialog.errors["old"].text()
    dialog.old.setText("phrase secrète de test")
    dialog.save_button.click()
    qtbot.waitUntil(lambda: dialog.result() == dialog.DialogCode.Accepted, timeout=20_000)
    assert page.mode_text.text().startswith("Phrase secrète changée.")
    win.lock()
    screen = win.lock_screen
    screen.code.setText("phrase secrète de test")
    screen.button.click()
    qtbot.waitUntil(lambda: "incorrecte" in screen.message.text(), timeout=10_000)
    assert win.locked
    unlock(qtbot, win, "nouvelle phrase du coffre")
    assert run(qtbot, worker, lambda w: settings.get(w.db, settings.SOON_DAYS)) == 14
    win.close()


def test_seal_certificate_configured_shown_and_removed(qtbot, window, page, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    from app.ui.pages.settings.widgets import SealDialog
    from tests.services.certificates import make_p12

    p12 = make_p12(tmp_path, "mot de passe du cachet", days=400)
    page.tabs.setCurrentIndex(1)
    assert not page.seal_clear.isVisibleTo(page)
    page.configure_seal()
    dialog = page.dialog
    assert isinstance(dialog, SealDialog)
    dialog.path.setText(str(p12))
    dialog.password.setText("pas le bon")
    dialog.save_button.click()
    qtbot.waitUntil(lambda: dialog.errors["password"].isVisible(), timeout=10_000)
    assert dialog.isVisible() and dialog.errors["password"].text()  # the French reason, nothing stored
    assert run(qtbot, window.worker, lambda w: settings.get(w.db, settings.SEAL_CERTIFICATE_PATH)) is None
    dialog.password.setText("mot de passe du cachet")
    dialog.save_button.click()
    qtbot.waitUntil(lambda: dialog.result() == dialog.DialogCode.Accepted, timeout=10_000)
    text = page.seal_state.text()
    assert "Scellement Fil rouge" in text and "valable jusqu'au" in text and str(p12.resolve()) in text
    assert page.seal_clear.isVisibleTo(page) and page.seal_button.text() == "Remplacer le certificat…"
    stored = run(qtbot, window.worker, lambda w: settings.get(w.db, settings.SEAL_CERTIFICATE_PATH))
    assert stored == str(p12.resolve())
    assert not page.seal_problem.isVisibleTo(page)
    p12.rename(tmp_path / "ailleurs.p12")  # the file moved: said in red, not silently ignored
    page.reload()
    qtbot.waitUntil(lambda: page.seal_problem.isVisibleTo(page), timeout=10_000)
    assert page.seal_problem.text().startswith("Cachet inutilisable : ")
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    page.clear_seal()
    qtbot.waitUntil(lambda: page.seal_state.text().startswith("Aucun cachet"), timeout=10_000)
    assert run(qtbot, window.worker, lambda w: settings.get(w.db, settings.SEAL_CERTIFICATE_PATH)) is None


def test_the_connected_referent_stays_on_a_second_visit(qtbot, window, page):
    """Issue #15: the second visit switched « Référent connecté » to the first entry, silently; saving any other
    field of the section then changed the author of every later RDV, note and contract."""
    from app.services.people.identity import upsert_referent

    run(qtbot, window.worker, lambda w: upsert_referent(w.db, login="aarnaud", first_name="Alice",
                                                        last_name="Arnaud"))  # fmt: skip  # sorts first
    current = run(qtbot, window.worker, lambda w: settings.get(w.db, settings.CURRENT_REFERENT_ID))
    combo = page.followup_section.editors[settings.CURRENT_REFERENT_ID.key].widget
    assert isinstance(combo, QComboBox)
    for _visit in range(2):
        window.show_page("agenda")
        window.show_page("parametres")
        qtbot.waitUntil(lambda: window.worker.pending == 0, timeout=10_000)
        assert combo.count() == 2 and combo.currentData() == current
        assert combo.currentText() == "Claire Marchand — MDS de Saint-Denis"
        assert not page.followup_section.changes() and not page.unsaved()
    page.followup_section.editors[settings.SOON_DAYS.key].widget.setValue(21)
    page.followup_section.save_button.click()
    qtbot.waitUntil(lambda: page.followup_section.saved_label.text() == SAVED_TEXT, timeout=10_000)
    assert run(qtbot, window.worker, lambda w: settings.get(w.db, settings.CURRENT_REFERENT_ID)) == current
