"""The database worker: one QThread that runs every service call, results back to the UI by signals.

Jobs are callables taking the :class:`WorkerContext` (the open vault and the caseload index). The UI thread
never waits on them: :meth:`DbWorker.submit` returns at once and the callbacks run on the UI thread when the
result arrives. A job marked ``writes=True`` invalidates the caseload index after it ran.

A thread that is neither the UI's nor the worker's (the sync transport, ADR 0015) hands its database steps
over with :meth:`DbWorker.call`, which waits for the result on *that* thread: each step is one short job, so
a form saved meanwhile is queued between two steps, never behind the whole sync.
"""

from __future__ import annotations

import itertools
import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from typing import Any, NamedTuple, TypeVar

import shiboken6
from PySide6.QtCore import QObject, QThread, Signal, Slot

from app.services.errors import VaultLockedError
from app.services.people.caseload import CaseloadIndex
from app.services.storage.vault import Vault

log = logging.getLogger(__name__)
T = TypeVar("T")
Job = Callable[["WorkerContext"], Any]
OnDone = Callable[[Any], None]
OnError = Callable[[BaseException], None]
_DIRECT = 0  # job id of a call() from another thread: no callback on the UI side


def _ignore(_value: Any) -> None:
    return None


@dataclass
class WorkerContext:
    """Lives on the worker thread; only jobs touch it."""

    vault: Vault | None = None
    _index: CaseloadIndex | None = field(default=None, repr=False)
    _owned: bool = field(default=True, repr=False)

    @property
    def db(self) -> Any:
        if self.vault is None:
            raise VaultLockedError()
        return self.vault.db

    @property
    def index(self) -> CaseloadIndex:
        if self._index is None or self._index.db is not self.db:
            self._index = CaseloadIndex(self.db)
        return self._index

    def set_vault(self, vault: Vault | None, *, owned: bool = True) -> None:
        """Work on ``vault`` from now on. The previous vault is closed if the worker owned it (it opened it);
        a vault lent by its opener (``owned=False``: tests, tools) is left open for its owner to close."""
        if self.vault is not None and self.vault is not vault and self._owned:
            self.vault.close()
        self.vault = vault
        self._owned = owned
        self._index = None

    def invalidate_index(self) -> None:
        if self._index is not None:
            self._index.invalidate()


class _Pending(NamedTuple):
    on_done: OnDone | None
    on_error: OnError | None
    owner: QObject | None


class _Executor(QObject):
    done = Signal(int, object)
    failed = Signal(int, object)

    def __init__(self, ctx: WorkerContext) -> None:
        super().__init__()
        self.ctx = ctx

    @Slot(int, object, bool)
    def run(self, job_id: int, job: Job, writes: bool) -> None:
        try:
            result = job(self.ctx)
        except BaseException as exc:
            if job_id != _DIRECT:
                self.failed.emit(job_id, exc)
        else:
            if job_id != _DIRECT:
                self.done.emit(job_id, result)
        finally:
            if writes:
                self.ctx.invalidate_index()


class DbWorker(QObject):
    """UI-side handle of the worker thread. ``error`` carries failures that have no ``on_error`` callback."""

    _request = Signal(int, object, bool)
    error = Signal(object)
    idle_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.ctx = WorkerContext()
        self._thread = QThread()
        self._thread.setObjectName("fil-rouge-db")
        self._exec = _Executor(self.ctx)
        self._exec.moveToThread(self._thread)
        self._request.connect(self._exec.run)
        self._exec.done.connect(self._on_done)
        self._exec.failed.connect(self._on_failed)
        self._ids = itertools.count(_DIRECT + 1)
        self._callbacks: dict[int, _Pending] = {}
        self._long_jobs = 0
        self._stopped = threading.Event()
        self._thread.start()

    @property
    def pending(self) -> int:
        """Jobs submitted from the UI whose callbacks have not run yet."""
        return len(self._callbacks)

    @property
    def vault_open(self) -> bool:
        """Whether the worker holds an open vault (a snapshot, for the UI thread and tests)."""
        return self.ctx.vault is not None

    @property
    def idle(self) -> bool:
        """No job waiting for its callbacks and no long job (import, purge, sync…) running."""
        return not self._callbacks and not self._long_jobs

    def long_job_started(self) -> None:
        """Called by :class:`~app.ui.kit.jobs.LongJob` (UI thread): the worker is not idle until it ends."""
        self._long_jobs += 1
        if self._long_jobs == 1 and not self._callbacks:
            self.idle_changed.emit(False)

    def long_job_ended(self) -> None:
        self._long_jobs = max(0, self._long_jobs - 1)
        if self.idle:
            self.idle_changed.emit(True)

    def submit(
        self,
        job: Job,
        on_done: OnDone | None = None,
        on_error: OnError | None = None,
        *,
        writes: bool = False,
        owner: QObject | None = None,
    ) -> int:
        """Queue ``job`` on the worker thread; callbacks run later on the UI thread (skipped if ``owner``,
        typically the widget asking, has been deleted meanwhile)."""
        job_id = next(self._ids)
        was_idle = self.idle
        self._callbacks[job_id] = _Pending(on_done, on_error, owner)
        if was_idle:
            self.idle_changed.emit(False)
        self._request.emit(job_id, job, writes)
        return job_id

    def lend_vault(self, vault: Vault | None) -> None:
        """Make the worker use ``vault``, which stays its caller's to close (tests, tools); queued like any
        job, so everything submitted afterwards sees it. ``None`` lets it go without closing it."""

        def _lend(ctx: WorkerContext) -> None:
            ctx.set_vault(vault, owned=False)

        self.submit(_lend)

    def call(self, job: Callable[[WorkerContext], T], *, writes: bool = False) -> T:
        """Run ``job`` on the worker thread and return its result (or raise its error) **to the calling
        thread**, which waits. For threads other than the UI's (the sync transport): the UI thread must never
        wait on the database. Called on the worker thread itself, the job simply runs there.

        Raises :class:`VaultLockedError` if the worker stops before the job could run (application exit)."""
        current = QThread.currentThread()
        if current is self._thread:
            result = job(self.ctx)
            if writes:
                self.ctx.invalidate_index()
            return result
        if current is self.thread():
            raise RuntimeError("DbWorker.call() would block the UI thread: use submit()")
        if self._stopped.is_set():
            raise VaultLockedError()
        future: Future[T] = Future()

        def _run(ctx: WorkerContext) -> None:
            if not future.set_running_or_notify_cancel():
                return
            try:
                future.set_result(job(ctx))
            except BaseException as exc:
                future.set_exception(exc)

        self._request.emit(_DIRECT, _run, writes)
        while True:
            try:
                return future.result(timeout=0.25)
            except FutureTimeout:
                if self._stopped.is_set() and future.cancel():
                    raise VaultLockedError() from None

    def _pop(self, job_id: int) -> tuple[OnDone | None, OnError | None]:
        on_done, on_error, owner = self._callbacks.pop(job_id, _Pending(None, None, None))
        if owner is not None and not shiboken6.isValid(owner):
            return _ignore, _ignore
        return on_done, on_error

    def _tell_if_idle(self) -> None:
        """After a job's callback ran (it may have asked for more: then the worker is not idle yet)."""
        if self.idle:
            self.idle_changed.emit(True)

    @Slot(int, object)
    def _on_done(self, job_id: int, result: Any) -> None:
        on_done, _ = self._pop(job_id)
        try:
            if on_done is not None:
                on_done(result)
        finally:
            self._tell_if_idle()

    @Slot(int, object)
    def _on_failed(self, job_id: int, exc: BaseException) -> None:
        _, on_error = self._pop(job_id)
        try:
            if on_error is not None:
                on_error(exc)
            else:
                self.error.emit(exc)
        finally:
            self._tell_if_idle()

    def stop(self) -> None:
        """Close the vault on the worker thread, then stop the thread (blocking: only at exit)."""
        if not self._thread.isRunning():
            return

        def _close(ctx: WorkerContext) -> None:
            try:
                ctx.set_vault(None)
            finally:
                QThread.currentThread().quit()

        self._request.emit(_DIRECT, _close, False)
        self._thread.wait(10_000)
        self._stopped.set()
