"""One helper for long jobs (import, purge, batch print, sync): progress, cancel, and the result or the error on
the UI thread — like Anki's ``CollectionOp``/``QueryOp``, one progress path for every page.

A :class:`LongJob` runs its function either on the database worker (:meth:`LongJob.start`: the job gets the
:class:`~app.ui.kit.worker.WorkerContext`) or on a thread of its own (:meth:`LongJob.start_thread`: network
work, which hands its database steps to the worker with :meth:`~app.ui.kit.worker.DbWorker.call`). Either way
the function also gets a :class:`JobControl` to report progress and to see whether « Annuler » was pressed;
services take ``progress=control.progress, cancel=control.cancelled``. Progress arrives on the UI thread as
``progress(done, total, label)`` (``total`` -1 when unknown); callbacks are skipped once ``owner`` is deleted.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, Signal

from app.ui.kit.worker import DbWorker, OnDone, OnError, WorkerContext

log = logging.getLogger(__name__)


class JobControl:
    """What the job sees on its thread: :meth:`progress` to report, :meth:`cancelled` to poll."""

    def __init__(self, emit: Callable[[int, int, str], None], flag: threading.Event) -> None:
        self._emit = emit
        self._flag = flag

    def progress(self, done: int, total: int | None = -1, label: str = "") -> None:
        """``done`` out of ``total`` (``None`` or -1: unknown), with an optional label (« DUPONT Élodie »)."""
        try:
            self._emit(int(done), -1 if total is None else int(total), label)
        except RuntimeError:  # the page went away meanwhile: nobody to tell
            log.debug("progress after the job's owner was deleted")

    def cancelled(self) -> bool:
        return self._flag.is_set()


class _Relay(QObject):
    """Lives on the UI thread; its signals carry what a job thread reports (queued connections)."""

    progress = Signal(int, int, str)
    done = Signal(object)
    failed = Signal(object)


class LongJob(QObject):
    """Runs one long job at a time for ``owner`` (a page or a dialog); see the module docstring.

    ``progress(done, total, label)``, ``started()`` and ``ended()`` are signals; ``on_done``/``on_error`` are
    given to each start. :meth:`cancel` asks the running job to stop at its next check.
    """

    progress = Signal(int, int, str)
    started = Signal()
    ended = Signal()

    def __init__(self, worker: DbWorker, owner: QObject) -> None:
        super().__init__(owner)
        self.worker = worker
        self.owner = owner
        self._state = state = {"running": False}
        self._flag = threading.Event()
        # Deleted while running (its page closed): the worker must not stay « busy » for ever.
        self.destroyed.connect(lambda *_: worker.long_job_ended() if state["running"] else None)
        self._relay = _Relay(self)
        self._relay.progress.connect(self.progress)
        self._relay.done.connect(self._finish_done)
        self._relay.failed.connect(self._finish_failed)
        self._on_done: OnDone | None = None
        self._on_error: OnError | None = None

    @property
    def running(self) -> bool:
        return self._state["running"]

    @property
    def cancel_requested(self) -> bool:
        return self._flag.is_set()

    def _begin(self, on_done: OnDone | None, on_error: OnError | None) -> JobControl | None:
        if self.running:
            return None
        self._state["running"] = True
        self._flag = threading.Event()
        self._on_done, self._on_error = on_done, on_error
        self.worker.long_job_started()
        self.started.emit()
        return JobControl(self._relay.progress.emit, self._flag)

    def start(
        self,
        job: Callable[[WorkerContext, JobControl], Any],
        on_done: OnDone | None = None,
        on_error: OnError | None = None,
        *,
        writes: bool = False,
    ) -> bool:
        """Run ``job(ctx, control)`` on the database worker. False (nothing started) while one runs."""
        control = self._begin(on_done, on_error)
        if control is None:
            return False
        self.worker.submit(
            lambda ctx: job(ctx, control),
            self._relay.done.emit,
            self._relay.failed.emit,
            writes=writes,
            owner=self,
        )
        return True

    def start_thread(
        self,
        job: Callable[[JobControl], Any],
        on_done: OnDone | None = None,
        on_error: OnError | None = None,
        *,
        name: str = "fil-rouge-job",
    ) -> bool:
        """Run ``job(control)`` on a thread of its own (never the database's): for network transfers, whose
        database steps go through :meth:`DbWorker.call`. False (nothing started) while one runs."""
        control = self._begin(on_done, on_error)
        if control is None:
            return False
        relay = self._relay

        def _run() -> None:
            try:
                result = job(control)
            except BaseException as exc:
                outcome: tuple[Callable[[Any], None], Any] = (relay.failed.emit, exc)
            else:
                outcome = (relay.done.emit, result)
            try:
                outcome[0](outcome[1])
            except RuntimeError:  # the owner (and the relay with it) is gone: the application closed
                log.debug("long job ended after its owner was deleted")

        threading.Thread(target=_run, name=name, daemon=True).start()
        return True

    def cancel(self) -> bool:
        """Ask the running job to stop at its next check. True when this call made the request."""
        if not self.running or self._flag.is_set():
            return False
        self._flag.set()
        return True

    def _end(self) -> tuple[OnDone | None, OnError | None]:
        self._state["running"] = False
        callbacks = self._on_done, self._on_error
        self._on_done = self._on_error = None
        self.worker.long_job_ended()
        self.ended.emit()
        if not shiboken6.isValid(self.owner):
            return None, None
        return callbacks

    def _finish_done(self, result: Any) -> None:
        on_done, _ = self._end()
        if on_done is not None:
            on_done(result)

    def _finish_failed(self, exc: BaseException) -> None:
        _, on_error = self._end()
        if on_error is not None:
            on_error(exc)
        else:
            self.worker.error.emit(exc)
