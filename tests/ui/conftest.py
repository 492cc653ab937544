"""The UI test kit's fixtures (helpers in :mod:`tests.ui.kit`): a database worker; ``ctx``, a page context over
it and the test's vault (``ctx_for(vault)`` for another vault); a real keyring-mode profile with people and
the main window on it, locked (``window``) or unlocked (``unlocked_window``). The idle wait and screenshots
are :func:`tests.ui.kit.idle` and :func:`tests.ui.kit.shot`."""

from __future__ import annotations

import gc
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import keyring
import pytest

from app.services.storage import lock
from app.services.storage import vault as vault_service
from app.ui.kit.worker import DbWorker
from tests.conftest import MemoryKeyring
from tests.sync.harness import Server, ThreadedServer, make_server
from tests.ui.factories import add_people, add_referent
from tests.ui.kit import RecordingContext, recording_context

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


@pytest.fixture(scope="session", autouse=True)
def _theme(qapp) -> None:
    """Every UI test runs with the application's theme, as a user sees it: the style gives the widgets their
    keyboard behaviour (Tab leaves a text area or a table) and their roles (headings, muted text…)."""
    from app.ui.kit import theme

    theme.apply_theme(qapp, high_contrast=False)


@pytest.fixture(scope="session", autouse=True)
def _collect_on_the_ui_thread(qapp) -> None:
    """As in the application: no garbage collection on the database worker's thread (make_application)."""
    from app.ui.kit.collector import collect_on_the_ui_thread

    collect_on_the_ui_thread(qapp)


@pytest.fixture(scope="session", autouse=True)
def _settings_of_the_tests(tmp_path_factory) -> None:
    """Device preferences (QSettings: columns, scope, window geometry) go to a throwaway folder, never to the
    tester's own configuration."""
    from PySide6.QtCore import QSettings

    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(
        QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path_factory.mktemp("qsettings"))
    )


@pytest.fixture(autouse=True)
def _fresh_settings() -> None:
    """Each test starts from the default preferences."""
    from PySide6.QtCore import QSettings

    QSettings().clear()


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


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item: pytest.Item) -> Iterator[None]:
    """Before the fixtures close the test's widgets, forget unsaved edits: a test that failed halfway leaves a
    dirty editor, whose close would ask « Abandonner la saisie ? » in a modal box nobody answers (a hang, not
    a failure)."""
    from PySide6.QtWidgets import QApplication

    if QApplication.instance() is not None:
        for widget in QApplication.allWidgets():
            if isinstance(getattr(widget, "dirty", None), bool):
                widget.dirty = False  # type: ignore[attr-defined]
    yield
    # Once the fixtures have closed the test's widgets: their deferred deletions done and the Python wrappers
    # freed now, at a quiet point. Left to the garbage collector, they were freed inside whatever later test
    # allocated enough (once in a full run: a crash inside the next test's QWidget constructor).
    from PySide6.QtCore import QCoreApplication, QEvent

    if QApplication.instance() is not None:
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)
    gc.collect()
    # What survived is frozen (out of the collector's reach): the next collection, here or automatic, looks only
    # at the objects made since. Without it each collection walked the whole heap of the session so far (over a
    # second per UI test at the end of a full run). Frozen objects are never freed by the collector, only when
    # their count of references drops: at worst a cycle made before this point is not freed (memory only).
    gc.freeze()


@pytest.fixture
def announcements() -> Iterator[list[tuple[str, str]]]:
    """What :func:`app.ui.kit.a11y.announce` said during the test: (text, level)."""
    from app.ui.kit.a11y import announcer

    said: list[tuple[str, str]] = []

    def record(text: str, level: str) -> None:
        said.append((text, level))

    announcer().announced.connect(record)
    yield said
    announcer().announced.disconnect(record)


@pytest.fixture
def worker() -> Iterator[DbWorker]:
    w = DbWorker()
    yield w
    w.stop()


@pytest.fixture
def ctx_for(worker: DbWorker) -> Iterator[Callable[[vault_service.Vault], RecordingContext]]:
    """``ctx_for(vault)``: a page context whose worker works on ``vault`` (lent: the test closes it). The worker
    stops before the vault fixtures close it."""
    made: list[DbWorker] = []

    def make(vault: vault_service.Vault) -> RecordingContext:
        w = worker if not made else DbWorker()
        made.append(w)
        w.lend_vault(vault)
        return recording_context(w)

    yield make
    for w in made:
        w.stop()


@pytest.fixture
def ctx(vault, ctx_for) -> RecordingContext:
    """The page context over the test's ``vault`` (tests/conftest.py) and the ``worker`` (``vault`` first:
    torn down last, after the worker stopped)."""
    return ctx_for(vault)


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[tuple[Server, str]]:
    """A real department server (uvicorn on 127.0.0.1, SQLite) for the sync pages: (server, its URL)."""
    srv = make_server(f"sqlite:///{tmp_path_factory.mktemp('srv') / 'server.db'}")
    with ThreadedServer(srv.app) as running:
        yield srv, running.url
    srv.sdb.dispose()


@pytest.fixture
def login(server, request) -> str:
    """A user of ``server`` named after the test."""
    name = request.node.name.replace("test_", "")[:20]
    server[0].add_user(name)
    return name


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


@pytest.fixture
def unlocked_window(qtbot, window):
    """The main window on the 40-person profile, unlocked, its caseload loaded."""
    unlock(qtbot, window)
    return window


def unlock(qtbot, win, code: str = LOCK_CODE) -> None:
    win.lock_screen.code.setText(code)
    win.lock_screen.button.click()
    qtbot.waitUntil(lambda: not win.locked, timeout=10_000)
    qtbot.waitUntil(lambda: win.worker.pending == 0 and not win.files.caseload.model.loading, timeout=10_000)
