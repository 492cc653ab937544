"""Runs the sync on a thread of its own (progress, cancel), warns before a wipe, and syncs automatically.

The HTTP transfers run on the sync's thread (:meth:`~app.ui.kit.jobs.LongJob.start_thread`); every database
step of the client is one short job on :class:`~app.ui.kit.worker.DbWorker` (:meth:`DbWorker.call`), so a form
saved during a sync waits for one step at most, never for the network (ADR 0015). The wipe warning waits for
« Compris » on the sync's thread too. Automatic sync: every ``POLL_MS`` (and when Qt reports that the network
came back) the server's ``/api/v1/info`` is asked with ``QNetworkAccessManager`` — asynchronous, so the UI
thread never waits — and a sync starts when it answers and changes are pending.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar

from PySide6.QtCore import QObject, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtNetwork import QNetworkAccessManager, QNetworkProxyFactory, QNetworkReply, QNetworkRequest
from PySide6.QtWidgets import QWidget

from app.services.errors import VaultLockedError
from app.services.storage.vault import Vault
from app.services.sync import view as sync_view
from app.services.sync.base import STAGE_RETRY, SyncReport
from app.services.sync.client import SyncClient
from app.services.sync.errors import ClientTooOldError
from app.services.sync.transport import RETRY_DELAYS
from app.services.sync.view import SyncOverview
from app.ui.kit.jobs import JobControl, LongJob
from app.ui.kit.worker import DbWorker, OnDone, OnError, WorkerContext

T = TypeVar("T")
POLL_MS = 5 * 60_000
PING_TIMEOUT_MS = 4_000
WIPE_ACK_TIMEOUT_S = 300.0  # the sync's thread waits this long for « Compris » before wiping anyway
STAGES = {
    "envoi": "Envoi des modifications",
    "réception": "Réception des changements",
    "documents-envoi": "Envoi des documents (blocs de 1 Mo)",
    "documents-réception": "Réception des documents (blocs de 1 Mo)",
    STAGE_RETRY: "Connexion interrompue, nouvelle tentative",
}
SHORTCUT = "Ctrl+Shift+S"  # « Synchroniser maintenant », anywhere in the main window


def vault_of(ctx: WorkerContext) -> Vault:
    """The open vault (VaultLockedError while none is open)."""
    if ctx.vault is None:
        raise VaultLockedError()
    return ctx.vault


class WorkerSteps:
    """The sync client's :class:`~app.services.sync.base.Local`: each step is one job on the database worker,
    run only while ``vault`` is still the worker's (locked or switched meanwhile: VaultLockedError)."""

    def __init__(self, worker: DbWorker) -> None:
        self.worker = worker
        self.vault = worker.call(vault_of)

    def __call__(self, step: Callable[..., T], *args: Any, writes: bool = False) -> T:
        vault = self.vault

        def job(ctx: WorkerContext) -> T:
            if ctx.vault is not vault:
                raise VaultLockedError()
            return step(*args)

        return self.worker.call(job, writes=writes)

    def client(self, url: str | None = None, **kw: Any) -> SyncClient:
        return SyncClient(self.vault, url, local=self, **kw)

    def overview(self) -> SyncOverview:
        return self(sync_view.overview, self.vault)


class SyncController(QObject):
    """One per page. Signals carry plain values; ``wipe_warning`` must be answered by :meth:`ack_wipe`."""

    started = Signal()
    progress = Signal(str, int, int)  # stage label, done, total (-1: unknown)
    finished = Signal(object, object)  # SyncReport, SyncOverview
    overview_ready = Signal(object)  # SyncOverview
    reachability = Signal(bool)  # the last ping: server answered or not
    wipe_warning = Signal(str)  # message; the wipe waits for ack_wipe()
    failed = Signal(object)  # exception (unexpected)
    shortcut_pressed = Signal()  # Ctrl+Shift+S somewhere in the window (the page decides whether to sync)

    def __init__(self, worker: DbWorker, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.worker = worker
        self.job = LongJob(worker, self)
        self.job.progress.connect(lambda done, total, label: self.progress.emit(label, done, total))
        self.online: bool | None = None
        self.last: SyncOverview | None = None
        self.retry_delays: tuple[float, ...] = RETRY_DELAYS
        self._wipe_ack = threading.Event()
        self._nam = QNetworkAccessManager(self)
        QNetworkProxyFactory.setUseSystemConfiguration(True)  # the ping goes the way the sync goes
        self._ping_reply: QNetworkReply | None = None
        self.shortcut: QShortcut | None = None
        self.timer = QTimer(self)
        self.timer.setInterval(POLL_MS)
        self.timer.timeout.connect(self.poll)
        self._watch_network()

    @property
    def running(self) -> bool:
        """A sync (or an enrolment) is under way."""
        return self.job.running

    # --- shortcut ------------------------------------------------------------------------------------------

    def bind_shortcut(self, window: QWidget) -> None:
        """Ctrl+Shift+S anywhere in ``window`` (the main window once the page sits in it), not only on the page.

        A shortcut owned by a hidden widget (the page behind another one) never fires, hence one owned by the
        window; it stays quiet while the window is locked or a modal dialog is up (window context).
        """
        if self.shortcut is not None:
            if self.shortcut.parent() is window:
                return
            self.shortcut.setEnabled(False)
            self.shortcut.deleteLater()
        self.shortcut = QShortcut(QKeySequence(SHORTCUT), window)
        self.shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
        self.shortcut.activated.connect(
            lambda: None if getattr(window, "locked", False) else self.shortcut_pressed.emit()
        )

    # --- overview ------------------------------------------------------------------------------------------

    def load(self) -> None:
        self.worker.submit(lambda ctx: sync_view.overview(vault_of(ctx)), self._got_overview,
                           self._load_failed, owner=self)  # fmt: skip

    def _load_failed(self, exc: BaseException) -> None:
        if not isinstance(exc, VaultLockedError):  # not open yet: update_status() loads again after unlock
            self.failed.emit(exc)

    def _got_overview(self, ov: SyncOverview) -> None:
        self.last = ov
        self.overview_ready.emit(ov)

    # --- enrolment and one sync ---------------------------------------------------------------------------

    def enroll(self, url: str, code: str, on_done: OnDone, on_error: OnError) -> bool:
        """Enrol this device (HTTP on the sync's thread); ``on_done(overview)`` or ``on_error(exc)``."""

        def run(_control: JobControl) -> SyncOverview:
            steps = WorkerSteps(self.worker)
            client = steps.client(url, retry_delays=self.retry_delays)
            try:
                client.enroll(code)
            except ClientTooOldError:
                pass  # enrolled all the same: the sync that follows says « Mise à jour nécessaire »
            finally:
                client.close()
            return steps.overview()

        return self.job.start_thread(run, on_done, on_error, name="fil-rouge-enroll")

    def sync_now(self) -> bool:
        """Start a sync unless one runs; False when nothing was started."""
        if self.running:
            return False
        self._wipe_ack.clear()
        self.job.start_thread(self._run, self._done, self._error, name="fil-rouge-sync")
        self.started.emit()
        self.progress.emit("Connexion au serveur", 0, -1)
        return True

    def cancel(self) -> None:
        self.job.cancel()

    def ack_wipe(self) -> None:
        self._wipe_ack.set()

    def _run(self, control: JobControl) -> tuple[SyncReport, SyncOverview]:
        """On the sync's thread: HTTP here, each database step a short job on the worker."""

        def on_progress(stage: str, done: int, total: int | None) -> None:
            control.progress(done, total, STAGES.get(stage, stage))

        def on_wipe(message: str) -> None:
            self.wipe_warning.emit(message)
            self._wipe_ack.wait(WIPE_ACK_TIMEOUT_S)  # this thread waits, the database worker does not

        steps = WorkerSteps(self.worker)
        client = steps.client(on_wipe=on_wipe, retry_delays=self.retry_delays)
        try:
            report = client.sync(on_progress, control.cancelled)
        finally:
            client.close()
        return report, steps.overview()

    def _done(self, result: tuple[SyncReport, SyncOverview]) -> None:
        report, ov = result
        self.last = ov
        if report.state == "error":
            self.online = False
        elif report.state in ("ok", "outdated"):
            self.online = True
        self.finished.emit(report, ov)

    def _error(self, exc: BaseException) -> None:
        self.failed.emit(exc)

    # --- automatic sync ------------------------------------------------------------------------------------

    def set_auto(self, on: bool) -> None:
        if on:
            self.timer.start()
        else:
            self.timer.stop()

    def poll(self) -> None:
        """Ask the server's ``/api/v1/info`` (asynchronously); sync if it answers and changes wait."""
        ov = self.last
        if ov is None or not ov.enrolled or not ov.server or self.running or self._ping_reply is not None:
            return
        request = QNetworkRequest(QUrl(f"{ov.server}/api/v1/info"))
        request.setTransferTimeout(PING_TIMEOUT_MS)
        self._ping_reply = self._nam.get(request)
        self._ping_reply.finished.connect(self._pinged)

    def _pinged(self) -> None:
        reply, self._ping_reply = self._ping_reply, None
        if reply is None:
            return
        ok = reply.error() == QNetworkReply.NetworkError.NoError
        reply.deleteLater()
        came_back = ok and self.online is False
        self.online = ok
        self.reachability.emit(ok)
        ov = self.last
        if ok and ov is not None and ov.auto_sync and (ov.pending > 0 or came_back or ov.last_sync is None):
            self.sync_now()

    def _watch_network(self) -> None:
        """When the OS tells us the network is back, poll at once (if a backend exists here)."""
        try:
            from PySide6.QtNetwork import QNetworkInformation

            if not QNetworkInformation.loadDefaultBackend():
                return
            info: Any = QNetworkInformation.instance()
        except (ImportError, RuntimeError, AttributeError):
            return
        if info is not None:
            info.reachabilityChanged.connect(self._on_reachability)

    def _on_reachability(self, value: Any) -> None:
        from PySide6.QtNetwork import QNetworkInformation

        if value == QNetworkInformation.Reachability.Online and self.timer.isActive():
            QTimer.singleShot(2_000, self.poll)
