"""The long-job helper and the worker's cross-thread call (app/ui/kit/jobs.py, app/ui/kit/worker.py), on a real
vault and a real worker thread."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtWidgets import QWidget

from app.services.errors import VaultLockedError
from app.services.people import identity as people
from app.services.people.identity import PersonInput
from app.services.sync import view as sync_view
from app.ui.kit.jobs import JobControl, LongJob
from app.ui.kit.worker import DbWorker, WorkerContext
from tests.ui.kit import idle


class Owner(QWidget):
    pass


def test_long_job_on_the_worker_reports_progress_then_its_result(qtbot, ctx) -> None:
    owner = Owner()
    qtbot.addWidget(owner)
    job = LongJob(ctx.worker, owner)
    seen: list[tuple[int, int, str]] = []
    job.progress.connect(lambda d, t, label: seen.append((d, t, label)))
    results: list[object] = []
    threads: list[str] = []

    def work(w: WorkerContext, control: JobControl) -> int:
        threads.append(threading.current_thread().name)
        for i in range(3):
            control.progress(i, 3, f"étape {i}")
        control.progress(3, None)
        return people.create_person(w.db, PersonInput(last_name="Long", first_name="Job", regime="legacy"))

    assert job.start(work, results.append, writes=True)
    assert job.running and not ctx.worker.idle
    assert not job.start(work)  # one at a time
    idle(qtbot, ctx)
    assert not job.running and len(results) == 1
    assert seen == [(0, 3, "étape 0"), (1, 3, "étape 1"), (2, 3, "étape 2"), (3, -1, "")]
    assert threads != [threading.current_thread().name]


def test_cancel_is_seen_by_the_job_and_errors_come_back(qtbot, ctx) -> None:
    owner = Owner()
    qtbot.addWidget(owner)
    job = LongJob(ctx.worker, owner)
    gate = threading.Event()
    ctx.worker.submit(lambda _w: gate.wait(10))  # hold the worker: the cancel lands before the job starts
    outcome: list[object] = []
    assert job.start(lambda _w, control: control.cancelled(), outcome.append)
    assert job.cancel() and not job.cancel()  # the second press does nothing
    assert job.cancel_requested
    gate.set()
    idle(qtbot, ctx)
    assert outcome == [True]

    errors: list[BaseException] = []
    job.start(lambda _w, _c: 1 / 0, outcome.append, errors.append)
    idle(qtbot, ctx)
    assert isinstance(errors[0], ZeroDivisionError) and not job.cancel_requested
    unhandled: list[BaseException] = []
    ctx.worker.error.connect(unhandled.append)
    job.start(lambda _w, _c: [][0])
    idle(qtbot, ctx)
    assert isinstance(unhandled[0], IndexError)


def test_a_thread_job_hands_its_database_steps_to_the_worker(qtbot, ctx, vault) -> None:
    owner = Owner()
    qtbot.addWidget(owner)
    job = LongJob(ctx.worker, owner)
    names: dict[str, str] = {}
    results: list[object] = []

    def work(control: JobControl) -> int:
        names["job"] = threading.current_thread().name

        def step(w: WorkerContext) -> int:
            names["step"] = threading.current_thread().name
            return sync_view.overview(w.vault).pending

        control.progress(1, 2, "réseau")
        return ctx.worker.call(step)

    job.start_thread(work, results.append, name="essai-réseau")
    idle(qtbot, ctx)
    assert results == [sync_view.overview(vault).pending]
    assert names["job"] == "essai-réseau"
    assert names["step"] not in ("essai-réseau", threading.current_thread().name)  # the worker's thread
    with pytest.raises(RuntimeError, match="block the UI thread"):
        ctx.worker.call(lambda _w: None)


def test_a_call_from_a_thread_after_the_worker_stopped_fails_cleanly(qtbot) -> None:
    worker = DbWorker()
    worker.stop()
    failures: list[BaseException] = []

    def run() -> None:
        try:
            worker.call(lambda _w: 1)
        except VaultLockedError as exc:
            failures.append(exc)

    t = threading.Thread(target=run)
    t.start()
    t.join(5)
    assert not t.is_alive() and len(failures) == 1


def test_a_job_whose_owner_is_deleted_leaves_the_worker_idle(qtbot, ctx) -> None:
    owner = Owner()
    job = LongJob(ctx.worker, owner)
    gate = threading.Event()
    called: list[object] = []
    job.start_thread(lambda _c: gate.wait(10), called.append)
    assert not ctx.worker.idle
    owner.deleteLater()
    qtbot.waitUntil(lambda: ctx.worker.idle, timeout=5000)
    gate.set()
    qtbot.wait(100)
    assert called == []  # its page is gone: nothing is called back
