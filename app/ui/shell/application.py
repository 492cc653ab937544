"""Entry point of the desktop client: ``run_gui(data_dir, profile)``."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from PySide6.QtCore import QLibraryInfo, QLocale, QSettings, QTranslator
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from app import APP_ID, APP_NAME, APP_USER_MODEL_ID
from app.models.errors import FilRougeError
from app.models.resources import resource_path
from app.services import errors
from app.services.storage import vault as vault_service
from app.ui.kit.collector import collect_on_the_ui_thread
from app.ui.kit.errors import install_excepthook, log_unexpected, user_message
from app.ui.kit.theme import apply_theme
from app.ui.kit.worker import DbWorker
from app.ui.shell.instance import acquire_instance_lock

log = logging.getLogger(__name__)
DEFAULT_PROFILE = "principal"


def setup_locale(app: QApplication) -> None:
    """French everywhere: default locale, and Qt's own dialogs translated when the catalogue exists."""
    QLocale.setDefault(QLocale(QLocale.Language.French, QLocale.Country.France))
    path = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    for catalogue in ("qtbase_fr", "qt_fr"):
        translator = QTranslator(app)
        if translator.load(catalogue, path):
            app.installTranslator(translator)


def set_windows_app_id() -> None:
    """Windows: the taskbar groups the windows under Fil rouge's own button and icon, the one its Start-menu
    shortcut carries (same AppUserModelID), instead of the executable's. Must run before the first window."""
    if sys.platform != "win32":
        return
    import ctypes

    try:
        ctypes.windll.shell32.SetCurrentProcessExplicitAppUserModelID(APP_USER_MODEL_ID)  # type: ignore[attr-defined]
    except (AttributeError, OSError):  # very old Windows: the default grouping is harmless
        log.info("AppUserModelID not set")


def make_application() -> QApplication:
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        set_windows_app_id()
        app = QApplication(sys.argv)
    # The database worker runs Python code too: hand the GIL back to the UI thread quickly (default 5 ms).
    sys.setswitchinterval(0.001)
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(APP_ID)
    app.setApplicationDisplayName(APP_NAME)
    app.setWindowIcon(QIcon(str(resource_path("icons", "fil-rouge.svg"))))
    setup_locale(app)
    apply_theme(app)
    install_excepthook()
    collect_on_the_ui_thread(app)  # never a collection on the database worker's thread (Qt wrappers)
    return app


def choose_profile(data_dir: Path, requested: str | None) -> tuple[str, vault_service.ProfileInfo | None]:
    """The profile to open: the one asked, else the last used, else the only/first existing one."""
    if requested:
        try:
            return requested, vault_service.read_profile(data_dir, requested)
        except errors.VaultNotFoundError:
            return requested, None
    profiles = vault_service.list_profiles(data_dir)
    last = QSettings().value("last_profile", "")
    for info in profiles:
        if info.name == last:
            return info.name, info
    if profiles:
        preferred = [p for p in profiles if p.name == DEFAULT_PROFILE] or profiles
        return preferred[0].name, preferred[0]
    return DEFAULT_PROFILE, None


def run_gui(data_dir: Path, profile: str | None = None) -> int:
    """Open the main window on an existing profile (or create one on first run). Returns the exit code."""
    from app.ui.shell.first_run import FirstRunDialog
    from app.ui.shell.main_window import MainWindow

    app = make_application()
    worker = DbWorker()
    try:
        try:
            name, info = choose_profile(Path(data_dir), profile)
            instance = acquire_instance_lock(Path(data_dir), name)  # held until the process ends
        except Exception as exc:
            _refuse(exc)
            return 1
        vault_open = False
        if info is None:
            dialog = FirstRunDialog(worker, Path(data_dir), name)
            if dialog.exec() != FirstRunDialog.DialogCode.Accepted or dialog.info is None:
                return 0
            info, vault_open = dialog.info, True
        QSettings().setValue("last_profile", info.name)
        window = MainWindow(worker, Path(data_dir), info, vault_open=vault_open)
        geometry = QSettings().value("main_window/geometry")
        if geometry is not None:
            window.restoreGeometry(geometry)
        window.show()
        code = app.exec()
        QSettings().setValue("main_window/geometry", window.saveGeometry())
        instance.unlock()
        return int(code)
    finally:
        worker.stop()


def _refuse(exc: BaseException) -> None:
    """Before any window: the reason in a modal box (a second window on a busy profile, an unreadable data
    folder), then the application ends."""
    from PySide6.QtWidgets import QMessageBox

    if not isinstance(exc, FilRougeError):
        log_unexpected(exc)
    box = QMessageBox(QMessageBox.Icon.Warning, APP_NAME, user_message(exc), QMessageBox.StandardButton.Ok)
    box.button(QMessageBox.StandardButton.Ok).setText("OK")
    box.exec()
