"""The main window: assembles the lock screen, the navigation, the pages and the status bar. No logic of its own
beyond locking: everything is hidden behind the lock screen (the workspace, and every open dialog or other
window of the application), but stays alive so nothing typed is lost; the dialogs come back after unlocking."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import shiboken6
from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QHBoxLayout,
    QMainWindow,
    QStackedWidget,
    QToolTip,
    QWidget,
)

from app.models.vocabularies.loader import load_vocabularies
from app.services.errors import VaultDamagedError
from app.services.people import status, stored_deadlines
from app.services.storage import backups, lock
from app.services.storage.vault import ProfileInfo
from app.ui.kit import theme
from app.ui.kit.a11y import set_status_line
from app.ui.kit.errors import show_error, user_message
from app.ui.kit.keyboard import follow_in_tab_order
from app.ui.kit.widgets import FittingScroll, NavList, fit_to_screen, size_by_current_page
from app.ui.kit.worker import DbWorker, WorkerContext
from app.ui.shell.file_tabs import FileTabs
from app.ui.shell.idle import IdleWatcher
from app.ui.shell.lock_screen import LockScreen
from app.ui.shell.other_pages import PAGES, PlaceholderPage
from app.ui.shell.plugins import UiContext, page_plugins
from app.ui.shell.restore_dialog import offer_restore_after_damage
from app.ui.shell.status_bar import StatusBar

#: The navigation, in order: « Aujourd'hui » first, then « Ma file active » (the list and the open files), then
#: the other pages. Ctrl+1 … Ctrl+9, Ctrl+0 show them.
FILE_KEY = "file"
NAV_KEYS: tuple[str, ...] = ("aujourdhui", FILE_KEY, *(k for k in PAGES if k != "aujourdhui"))
NAV = tuple(("Ma file active", "fa6s.users") if k == FILE_KEY else PAGES[k][:2] for k in NAV_KEYS)
NAV_TODAY, NAV_FILE, NAV_ALERTS, NAV_DUPLICATES, NAV_SYNC = (
    NAV_KEYS.index(k) for k in ("aujourdhui", FILE_KEY, "alertes", "doublons", "sync")
)
#: The workspace behind the lock screen is built this long after the window appears (the lock screen paints
#: first; the user types the code meanwhile), or at once when something asks for it.
WORKSPACE_DELAY_MS = 120
STATUS_REFRESH_MS = 60_000
NAV_SHARE = 0.25  # the navigation's full width at most this share of the window's, else icons only


def late_text(n: int) -> str:
    """What the Alertes badge counts, in the words of the Alertes page's headline."""
    return theme.plural(n, "personne a une échéance dépassée", "personnes ont une échéance dépassée")


def _warm_caches(_ctx: WorkerContext) -> None:
    """Read the vocabularies once (cached for the process) off the UI thread, while the lock screen waits."""
    load_vocabularies()


def _depth(widget: QWidget) -> int:
    n, parent = 0, widget.parentWidget()
    while parent is not None:
        n, parent = n + 1, parent.parentWidget()
    return n


class _ShowGuard(QObject):
    """While locked: a window that appears (a dialog opened by a late result) is hidden at once."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if (
            event.type() == QEvent.Type.Show
            and isinstance(obj, QWidget)
            and obj.isWindow()
            and obj is not self.window
            and self.window.locked
        ):
            QTimer.singleShot(0, lambda w=obj: self.window.hide_window(w))
        return False


class MainWindow(QMainWindow):
    #: True when the window locks itself (data hidden), False once unlocked.
    lock_changed = Signal(bool)

    def __init__(
        self,
        worker: DbWorker,
        data_dir: Path,
        info: ProfileInfo,
        *,
        vault_open: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.worker, self.info = worker, info
        self.setWindowTitle("Fil rouge")
        fit_to_screen(self, 1280, 800)  # a 1366×768 laptop: within its available area
        self.locked = True
        self._ready = False
        self._saved_focus: QWidget | None = None
        self._hidden_windows: list[QWidget] = []
        self._active_window: QWidget | None = None
        self._show_guard = _ShowGuard(self)
        self.lock_minutes = 10

        self.root = QStackedWidget()
        self.setCentralWidget(self.root)
        self.lock_screen = LockScreen(worker, data_dir, info, vault_open=vault_open)
        self.root.addWidget(self.lock_screen)
        self._workspace: QWidget | None = None
        self._settled = False  # the first screens after unlocking are filled (then the background jobs run)
        self._pages: dict[str, QWidget] = {}  # pages built so far, by key
        self._last_status: status.StatusInfo | None = None
        self._slots: dict[str, QWidget] = {}  # empty stand-ins of the pages not built yet
        self.ctx = UiContext(
            worker=self.worker,
            open_person=self.open_person,
            refresh_status=self.refresh_status,
            changed=self.data_changed,
            settings_changed=self.settings_changed,
            show_page=self.show_page,
            scope_referent=lambda: self.files.caseload.scope_referent(),
        )
        QTimer.singleShot(WORKSPACE_DELAY_MS, self._ensure_workspace)
        worker.submit(_warm_caches)  # on the worker while the lock screen waits: the pages then find them
        self.status = StatusBar(info.mode_label)
        self.setStatusBar(self.status)
        self.status.hide()
        set_status_line(self.status.message)

        self.idle = IdleWatcher(self.lock_minutes * 60_000, self)
        self.idle.idle.connect(self.lock)
        self._status_timer = QTimer(self, interval=STATUS_REFRESH_MS)
        self._status_timer.timeout.connect(self.refresh_status)
        self._shortcuts()
        self.lock_screen.unlocked.connect(self._on_unlocked)
        worker.error.connect(lambda exc: show_error(self, exc))
        self.root.setCurrentWidget(self.lock_screen)
        self.lock_screen.prepare()

    # --- workspace and pages (built when first needed) --------------------------------------------------------

    @property
    def workspace(self) -> QWidget:
        return self._ensure_workspace()

    @property
    def nav(self) -> NavList:
        self._ensure_workspace()
        return self._nav

    @property
    def pages(self) -> QStackedWidget:
        self._ensure_workspace()
        return self._stack

    @property
    def files(self) -> FileTabs:
        self._ensure_workspace()
        return self._files

    def _ensure_workspace(self) -> QWidget:
        if self._workspace is None:
            self._workspace = self._build_workspace()
            self.root.addWidget(self._workspace)
            if not self.locked:
                self.root.setCurrentWidget(self._workspace)
        return self._workspace

    def _build_workspace(self) -> QWidget:
        """The navigation and a stand-in per page; « Ma file active » (the list) is built now, the other pages
        on their first visit (or right after unlocking, for those that work in the background)."""
        box = QWidget()
        layout = QHBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        self._nav = NavList()
        for label, icon_name in NAV:
            self._nav.add_page(icon_name, label)
        self._stack = QStackedWidget()
        self._files = FileTabs(self.worker, ctx=self.ctx)
        plugins = page_plugins()
        for key in NAV_KEYS:
            if key == FILE_KEY:
                self._stack.addWidget(self._files)
            elif key in plugins:
                self._slots[key] = QWidget()  # replaced by the page on its first visit
                self._stack.addWidget(self._slots[key])
            else:
                self._pages[key] = PlaceholderPage(key)
                self._stack.addWidget(self._pages[key])
        self._nav.currentRowChanged.connect(self._show_row)
        self._nav.setCurrentRow(NAV_TODAY if "aujourdhui" in plugins else NAV_FILE)
        self._files.person_loaded.connect(lambda _pid: self.refresh_status())
        self._files.caseload.scope_changed.connect(self.refresh_status)
        edge = QFrame()  # the navigation's right edge
        edge.setFrameShape(QFrame.Shape.VLine)
        edge.setObjectName("separator")
        layout.addWidget(self._nav)
        layout.addWidget(edge)
        # a page wider than the window (200 % text, a small screen) scrolls: it never widens the window
        layout.addWidget(FittingScroll(self._stack), 1)
        size_by_current_page(self._stack)
        return box

    def page(self, key: str) -> QWidget:
        """The page of ``key`` (a key of NAV_KEYS; « file »: Ma file active), built now if it was not yet."""
        self._ensure_workspace()
        return self._page(key)

    def _page(self, key: str) -> QWidget:
        if key == FILE_KEY:
            return self._files
        if key not in self._pages:
            slot = self._slots.pop(key)
            index = self._stack.indexOf(slot)
            page = page_plugins()[key].create(self.ctx)
            hook = getattr(page, "update_status", None)
            if hook is not None and self._last_status is not None:  # the figures the others already have
                hook(self._last_status, self.lock_minutes)
            current = self._stack.currentIndex()
            self._stack.insertWidget(index, page)
            self._stack.removeWidget(slot)
            slot.deleteLater()
            self._stack.setCurrentIndex(current)
            follow_in_tab_order(self._nav, page)  # Tab from the navigation goes into the page
            self._pages[key] = page
        return self._pages[key]

    def built_pages(self) -> list[QWidget]:
        """The pages built so far (their hooks are called; the others will read fresh data when built)."""
        return list(self._pages.values())

    def show_page(self, key: str) -> QWidget:
        """Show the page of ``key`` in the navigation (and return it)."""
        page = self.page(key)
        self.nav.setCurrentRow(NAV_KEYS.index(key))
        return page

    def _show_row(self, row: int) -> None:
        if 0 <= row < len(NAV_KEYS):
            self._page(NAV_KEYS[row])
            self._stack.setCurrentIndex(row)

    def _build_pages_at_unlock(self) -> None:
        for key, plugin in page_plugins().items():
            if plugin.at_unlock and key in self._slots:
                self.page(key)

    def _shortcuts(self) -> None:
        def add(keys: str | QKeySequence.StandardKey, slot: Any) -> None:
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.activated.connect(lambda: None if self.locked else slot())

        add("Ctrl+F", self.focus_search)
        add("Ctrl+W", lambda: self.files.close_current())
        add("Ctrl+Tab", lambda: self.files.cycle(1))
        add("Ctrl+Shift+Tab", lambda: self.files.cycle(-1))
        add("Ctrl+L", self.lock)
        for i in range(min(len(NAV), 10)):  # Ctrl+1 … Ctrl+9, Ctrl+0
            add(f"Ctrl+{(i + 1) % 10}", lambda i=i: self.nav.setCurrentRow(i))

    # --- lock -------------------------------------------------------------------------------------------------

    def lock(self) -> None:
        """Hide every piece of data behind the lock screen; keep the workspace (and what was typed) alive.

        Open dialogs and other windows of the application are hidden too (not closed: their content stays) and
        shown again after unlocking; menus and pop-ups are closed.
        """
        if self.locked:
            return
        focus = QApplication.focusWidget()
        self._saved_focus = focus if focus is not None and self.workspace.isAncestorOf(focus) else None
        active = QApplication.activeWindow()
        self._active_window = active if active is not None and active is not self else None
        self.locked = True
        self.idle.disarm()
        self._status_timer.stop()
        self.status.hide()
        self.root.setCurrentWidget(self.lock_screen)
        self._hide_other_windows()
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self._show_guard)
        self.lock_changed.emit(True)
        self.lock_screen.prepare()

    def _hide_other_windows(self) -> None:
        QToolTip.hideText()
        popup = QApplication.activePopupWidget()
        while popup is not None:  # menus, combo lists, calendar pop-ups
            popup.close()
            next_popup = QApplication.activePopupWidget()
            popup = None if next_popup is popup else next_popup
        windows = [w for w in QApplication.topLevelWidgets() if w is not self and w.isVisible()]
        for window in sorted(windows, key=_depth, reverse=True):  # a question over a dialog first
            self.hide_window(window)

    def hide_window(self, window: QWidget) -> None:
        """Hide ``window`` while locked and remember to show it again (a dialog keeps what was typed)."""
        if not self.locked or window is self or not window.isVisible():
            return
        if window.windowType() in (Qt.WindowType.Popup, Qt.WindowType.ToolTip):
            window.close()
            return
        window.hide()
        if window not in self._hidden_windows:
            self._hidden_windows.append(window)

    @property
    def hidden_windows(self) -> list[QWidget]:
        return list(self._hidden_windows)

    def _show_hidden_windows(self) -> None:
        windows = [w for w in self._hidden_windows if shiboken6.isValid(w)]  # some may be deleted meanwhile
        self._hidden_windows = []
        for window in sorted(windows, key=_depth):  # a dialog before the question asked over it
            window.show()
        active = self._active_window
        self._active_window = None
        if active is not None and active in windows:
            active.raise_()
            active.activateWindow()

    def _on_unlocked(self) -> None:
        self.locked = False
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self._show_guard)
        self.root.setCurrentWidget(self.workspace)
        self.status.show()
        if not self._ready:
            self._ready = True
            self._first_unlock()
        elif self._saved_focus is not None:
            self._saved_focus.setFocus()
        self._show_hidden_windows()
        self.lock_changed.emit(False)
        self.refresh_status()
        self.idle.arm()
        self._status_timer.start()

    def _first_unlock(self) -> None:
        """The start page (« Aujourd'hui ») loads first; then the list, the background pages, the backup."""
        current = self.pages.currentWidget()
        if current is self.files:
            self.files.caseload.view.setFocus()
        elif current is not None:
            focus = getattr(current, "focus_default", None)
            if focus is not None:
                focus()
        self._build_pages_at_unlock()  # the list loads with the first status (it knows whose people to show)
        self._when_screens_filled(self._background_after_unlock)

    def _background_after_unlock(self) -> None:
        self._settled = True
        self.daily_backup()
        self.compute_deadlines()
        self.refresh_status()  # with the « doublons possibles » counted this time

    def _when_screens_filled(self, then: Callable[[], None]) -> None:
        """Run ``then`` once the database worker has done what the first screens asked for (it runs one job at a
        time: the day's backup — seconds on a large vault — would otherwise come before the list's first rows)."""
        if self.worker.idle:
            then()
            return

        def idle(now_idle: bool) -> None:
            if now_idle:
                self.worker.idle_changed.disconnect(idle)
                then()

        self.worker.idle_changed.connect(idle)

    def compute_deadlines(self) -> None:
        """Bring the deadlines kept in the vault up to date in the background, a chunk of people per job (the
        first start on a large caseload computes them all: other jobs run between the chunks); the badges
        follow once done."""

        def job(ctx: WorkerContext) -> int:
            return stored_deadlines.refresh(ctx.db, limit=stored_deadlines.CHUNK) if ctx.vault else 0

        def done(count: int) -> None:
            if count >= stored_deadlines.CHUNK:
                self.compute_deadlines()
            elif count:  # the last chunk: the badges count, the list sorts by urgency with everyone
                self.refresh_status()
                if self.files.caseload.asked:
                    self.files.caseload.refresh()

        self.worker.submit(job, done, lambda _exc: None, writes=False, owner=self)

    def daily_backup(self) -> None:
        """The day's encrypted backup, once a day after unlocking; it also checks every page of the vault. It
        copies the vault, changes nothing in it: not a write (the list's index stays)."""
        self.worker.submit(
            lambda ctx: backups.daily_backup(ctx.vault) if ctx.vault is not None else None,
            None,
            self._backup_failed,
            owner=self,
        )

    def _backup_failed(self, exc: BaseException) -> None:
        if isinstance(exc, VaultDamagedError):
            self.damage_box = offer_restore_after_damage(
                self, self.worker, self.info, exc, lambda: self.data_changed(None)
            )
        else:
            self.status.showMessage(
                f"La sauvegarde du jour n'a pas pu être faite : {user_message(exc)}", 60_000
            )

    def set_lock_minutes(self, minutes: int) -> None:
        self.lock_minutes = minutes
        self.idle.set_timeout_ms(minutes * 60_000)

    # --- status ------------------------------------------------------------------------------------------

    def refresh_status(self) -> None:
        if self.locked:
            return

        mine_only = self.files.caseload.mine_only
        settled = self._settled  # after unlocking, the first status leaves the duplicates for later

        def job(ctx: WorkerContext) -> tuple[status.StatusInfo, int]:
            info = status.status_info(ctx.db, ctx.index, mine_only=mine_only, count_duplicates=settled)
            return info, lock.lock_delay_seconds(ctx.db) // 60

        self.worker.submit(job, self._show_status, self._status_failed, owner=self)

    def _status_failed(self, _exc: BaseException) -> None:
        if not self.files.caseload.asked:  # the list still shows, of everyone
            self.files.caseload.set_referent(None)

    def _show_status(self, result: tuple[status.StatusInfo, int]) -> None:
        info, minutes = result
        self._last_status = info
        if minutes != self.lock_minutes:
            self.set_lock_minutes(minutes)
        self.status.update_status(info)
        self.files.caseload.set_referent(info.referent_id, info.referent)
        whose = "(les vôtres et celles sans référent)" if info.mine_only else "(tous référents)"
        self.nav.set_badge(
            NAV_FILE,
            info.people,
            f"{theme.plural(info.people, 'personne suivie', 'personnes suivies')} {whose}",
        )
        late = info.late or 0
        self.nav.set_badge(NAV_ALERTS, late, f"{late_text(late)} {whose}", alert=True)
        if info.duplicates is not None:  # else not counted yet: the badge stays until the next status
            self.nav.set_badge(
                NAV_DUPLICATES,
                info.duplicates,
                f"{info.duplicates} doublons possibles à examiner",
                alert=True,
            )
        if info.enrolled:
            waiting = info.pending_changes + info.open_conflicts
            tip = f"{info.pending_changes} modifications en attente, {info.open_conflicts} conflits"
        else:  # nothing is sent before the device is enrolled: no count to worry about
            waiting, tip = 0, ""
        self.nav.set_badge(NAV_SYNC, waiting, tip)
        for page in self.built_pages():
            hook = getattr(page, "update_status", None)
            if hook is not None:
                hook(info, self.lock_minutes)

    def open_person(self, person_id: str, tab: str | None = None) -> None:
        """Show the person's file (opening it if needed), at ``tab`` when given (a key of person_tabs)."""
        self.nav.setCurrentRow(NAV_FILE)
        page = self.files.open_person(person_id)
        if tab:
            page.select_tab(tab)

    def data_changed(self, person_id: str | None = None) -> None:
        """A write happened: refresh the list, the open file of that person, the badges."""
        self.files.caseload.refresh()
        for page in self.files.person_pages():
            if person_id is None or page.person_id == person_id:
                page.reload()
        self.refresh_status()

    def settings_changed(self, values: dict[str, Any]) -> None:
        """« Paramètres » saved: the lock delay applies now; pages with a ``settings_changed`` hook follow."""
        minutes = values.get("lock_delay_minutes")
        if isinstance(minutes, int) and minutes != self.lock_minutes:
            self.set_lock_minutes(minutes)
        for page in self.built_pages():
            hook = getattr(page, "settings_changed", None)
            if hook is not None:
                hook(values)

    def focus_search(self) -> None:
        self.nav.setCurrentRow(NAV_FILE)
        self.files.setCurrentIndex(0)
        self.files.caseload.focus_search()

    def resizeEvent(self, event: Any) -> None:
        """A narrow window, or large text: the navigation shows its icons only (labels in tooltips)."""
        super().resizeEvent(event)
        if (
            getattr(self, "_workspace", None) is not None
        ):  # not self.nav: a resize must not build the workspace
            self._nav.set_compact(self._nav.full_width() > self.width() * NAV_SHARE)

    def closeEvent(self, event: Any) -> None:
        if not self.locked and self._workspace is not None and not self.files.confirm_close_all():
            event.ignore()
            return
        self.idle.disarm()
        self.idle.detach()
        self._status_timer.stop()
        super().closeEvent(event)
