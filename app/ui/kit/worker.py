"""The database worker: one QThread that runs every service call, results back to the UI by signals.

Jobs are callables taking the :class:`WorkerContext` (the open vault and the caseload index). The UI thread
never waits on them: :meth:`DbWorker.submit` returns at once and the callbacks run on the UI thread when the
result arrives. A job marked ``writes=True`` invalidates the caseload index after it ran.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, QThread, Signal, Slot

from app.services.errors import VaultLockedError
from app.services.people.caseload import CaseloadIndex
from app.services.storage.vault import Vault

log = logging.getLogger(__name__)
Job = Callable[["WorkerContext"], Any]


@dataclass
class WorkerContext:
    """Lives on the worker thread; only jobs touch it."""

    vault: Vault | None = None
    _index: CaseloadIndex | None = field(default=None, repr=False)

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

    def set_vault(self, vault: Vault | None) -> None:
        if self.vault is not None and self.vault is not vault:
            self.vault.close()
        self.vault = vault
        self._index = None


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
            self.failed.emit(job_id, exc)
        else:
            self.done.emit(job_id, result)
        finally:
            if writes and self.ctx._index is not None:
                self.ctx._index.invalidate()


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
        self._ids = itertools.count(1)
        self._callbacks: dict[
            int, tuple[Callable[[Any], None] | None, Callable[[BaseException], None] | None]
        ] = {}
        self._thread.start()

    @property
    def pending(self) -> int:
        return len(self._callbacks)

    def submit(
        self,
        job: Job,
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
        *,
        writes: bool = False,
        owner: QObject | None = None,
    ) -> int:
        """Queue ``job`` on the worker thread; callbacks run later on the UI thread (skipped if ``owner``,
        typically the widget asking, has been deleted meanwhile)."""
        job_id = next(self._ids)
        self._callbacks[job_id] = (on_done, on_error, owner)
        if len(self._callbacks) == 1:
            self.idle_changed.emit(False)
        self._request.emit(job_id, job, writes)
        return job_id

    def _pop(self, job_id: int) -> tuple[Any, Any]:
        on_done, on_error, owner = self._callbacks.pop(job_id, (None, None, None))
        if not self._callbacks:
            self.idle_changed.emit(True)
        if owner is not None and not shiboken6.isValid(owner):
            return (lambda _r: None), (lambda _e: None)
        return on_done, on_error

    @Slot(int, object)
    def _on_done(self, job_id: int, result: Any) -> None:
        on_done, _ = self._pop(job_id)
        if on_done is not None:
            on_done(result)

    @Slot(int, object)
    def _on_failed(self, job_id: int, exc: BaseException) -> None:
        _, on_error = self._pop(job_id)
        if on_error is not None:
            on_error(exc)
        else:
            self.error.emit(exc)

    def stop(self) -> None:
        """Close the vault on the worker thread, then stop the thread (blocking: only at exit)."""
        if not self._thread.isRunning():
            return

        def _close(ctx: WorkerContext) -> None:
            try:
                ctx.set_vault(None)
            finally:
                QThread.currentThread().quit()

        self._request.emit(0, _close, False)
        self._thread.wait(10_000)
