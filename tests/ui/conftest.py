"""UI fixtures: a real keyring-mode profile with people, a database worker, the main window."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest

from app.services.storage import lock
from app.services.storage import vault as vault_service
from app.ui.kit.worker import DbWorker
from tests.conftest import MemoryKeyring
from tests.ui.factories import add_people, add_referent

LOCK_CODE = "1234"


def make_profile(
    data_dir: Path, people: int, *, mode: str = vault_service.MODE_KEYRING
) -> vault_service.ProfileInfo:
    passphrase = "phrase secrète de test" if mode == vault_service.MODE_PASSPHRASE else None
    v = vault_service.create_vault(data_dir, "essai", mode=mode, passphrase=passphrase)
    try:
        if mode == vault_service.MODE_KEYRING:
            lock.set_lock_code(v.db, LOCK_CODE)
        ref = add_referent(v)
        if people:
            add_people(v, people, ref)
        return v.info
    finally:
        v.close()


@pytest.fixture(autouse=True)
def _hide_leftover_windows() -> Iterator[None]:
    """Hide the top-level windows a test leaves open (non-modal dialogs, previews): shortcuts follow the active
    window, so a window left over by one test would keep the keyboard focus in the next one. ``hide()``, not
    ``close()``: a close could ask « Abandonner la saisie ? » in a modal box nobody answers.

    Before the test, a modifier key left « pressed » by an earlier simulated shortcut (its release went to a
    widget that had gone) is released, or the next Alt+→ would arrive as Shift+Alt+→."""
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication, QWidget

    if QApplication.instance() is not None and QGuiApplication.keyboardModifiers():
        sink = QWidget()
        sink.show()  # a shown window: the release goes through the window system, which keeps the state
        for key in (Qt.Key.Key_Shift, Qt.Key.Key_Control, Qt.Key.Key_Alt, Qt.Key.Key_Meta):
            QTest.keyRelease(sink, key)
        sink.close()
        sink.deleteLater()
    yield

    app = QApplication.instance()
    if app is None:
        return
    for widget in QApplication.topLevelWidgets():
        if widget.isVisible():
            widget.hide()


@pytest.fixture
def worker() -> Iterator[DbWorker]:
    w = DbWorker()
    yield w
    w.stop()


@pytest.fixture(scope="session")
def profile_template(tmp_path_factory) -> tuple[Path, dict]:
    """One keyring profile with 40 people, built once; each test gets a copy (creation costs ~2 s)."""
    backend = MemoryKeyring()
    previous = keyring.get_keyring()
    keyring.set_keyring(backend)
    try:
        root = tmp_path_factory.mktemp("template")
        make_profile(root, 40)
    finally:
        keyring.set_keyring(previous)
    return root, dict(backend.store)


@pytest.fixture
def profile(data_dir: Path, memory_keyring, profile_template) -> vault_service.ProfileInfo:
    root, store = profile_template
    shutil.copytree(root / "profiles", data_dir / "profiles")
    memory_keyring.store.update(store)
    return vault_service.read_profile(data_dir, "essai")


@pytest.fixture
def window(qtbot, worker, data_dir, profile):
    from app.ui.shell.main_window import MainWindow

    win = MainWindow(worker, data_dir, profile)
    qtbot.addWidget(win)
    win.resize(1280, 800)
    win.show()
    qtbot.waitUntil(lambda: win.lock_screen.vault_open and worker.pending == 0, timeout=10_000)
    yield win
    win.close()


def unlock(qtbot, win, code: str = LOCK_CODE) -> None:
    win.lock_screen.code.setText(code)
    win.lock_screen.button.click()
    qtbot.waitUntil(lambda: not win.locked, timeout=10_000)
    qtbot.waitUntil(lambda: win.worker.pending == 0 and not win.files.caseload.model.loading, timeout=10_000)
