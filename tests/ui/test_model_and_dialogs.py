"""Qt model conformance, the error path, the first-run dialog and the strength hint."""

from __future__ import annotations

import logging

from PySide6.QtWidgets import QMessageBox

from app.services import vault as vault_service
from app.services.errors import FilRougeError, WrongKeyError
from app.ui import errors
from app.ui.caseload_model import CaseloadModel
from app.ui.first_run import FirstRunDialog, strength_hint
from tests.ui.conftest import unlock


def test_caseload_model_passes_qtmodeltester(qtbot, qtmodeltester, window):
    unlock(qtbot, window)
    model = window.files.caseload.model
    assert isinstance(model, CaseloadModel) and model.rowCount() == 40
    qtmodeltester.check(model, force_py=True)
    qtbot.waitUntil(lambda: window.worker.pending == 0, timeout=5000)


def test_show_error_is_french_and_never_a_traceback(qtbot, caplog):
    errors.show_error(None, WrongKeyError())
    box = next(w for w in qtbot_top_levels() if isinstance(w, QMessageBox))
    assert box.text() == WrongKeyError.default_message
    box.close()
    with caplog.at_level(logging.ERROR, logger="app.ui"):
        try:
            secret_name = "Zéphyrine " + "Quincampoix"
            raise KeyError(secret_name)
        except KeyError as exc:
            errors.show_error(None, exc)
    boxes = [w for w in qtbot_top_levels() if isinstance(w, QMessageBox) and w.isVisible()]
    assert boxes[-1].text() == errors.GENERIC_MESSAGE
    assert "Traceback" not in boxes[-1].text()
    assert "Quincampoix" not in caplog.text and "KeyError" in caplog.text
    for b in boxes:
        b.close()
    assert errors.user_message(FilRougeError("Message clair.")) == "Message clair."


def qtbot_top_levels():
    from PySide6.QtWidgets import QApplication

    return QApplication.topLevelWidgets()


def test_strength_hint():
    assert strength_hint("", True) == "Au moins 8 caractères."
    assert strength_hint("abc", True).startswith("Trop court")
    assert strength_hint("abcdefghi", True).startswith("Acceptable")
    assert strength_hint("trois mots bien choisis", True) == "Solide."
    assert strength_hint("12", False).startswith("Trop court")


def test_first_run_creates_a_passphrase_profile(qtbot, worker, data_dir, no_keyring):
    dialog = FirstRunDialog(worker, data_dir, "principal")
    qtbot.addWidget(dialog)
    assert dialog.pass_mode.isChecked() and not dialog.keyring_mode.isEnabled()
    dialog.secret.setText("une phrase assez longue")
    dialog.again.setText("une phrase différente")
    dialog._create()
    assert dialog.message.text() == "Les deux saisies ne sont pas identiques."
    dialog.again.setText("une phrase assez longue")
    dialog._create()
    qtbot.waitUntil(lambda: dialog.info is not None, timeout=10_000)
    assert dialog.info.mode == vault_service.MODE_PASSPHRASE
    assert vault_service.read_profile(data_dir, "principal").name == "principal"
