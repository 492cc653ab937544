"""Python's garbage collector runs on the UI thread only (app/ui/kit/collector.py): a cycle holding a Qt widget's
wrapper freed on the database worker's thread crashed a full test run inside SQLAlchemy on that thread."""

from __future__ import annotations

import gc
import threading

from app.ui.kit.collector import collect_on_the_ui_thread


class Node:
    def __init__(self) -> None:
        self.me = self  # a cycle: only the collector frees it


def test_a_busy_worker_thread_never_collects_the_ui_thread_does(qapp) -> None:
    collector = collect_on_the_ui_thread(qapp)
    assert not gc.isenabled()
    collections: list[str] = []

    def seen(phase: str, _info: dict) -> None:
        if phase == "start":
            collections.append(threading.current_thread().name)

    gc.callbacks.append(seen)
    try:
        worker = threading.Thread(
            target=lambda: [Node() for _ in range(20 * collector.threshold[0])], name="fil-rouge-db"
        )
        worker.start()
        worker.join()
        assert "fil-rouge-db" not in collections  # 20 × the threshold allocated there, no collection there
        assert gc.get_count()[0] > collector.threshold[0]
        assert collector.check() >= collector.threshold[0]  # the UI thread's timer frees them
        assert collections and set(collections) == {threading.main_thread().name}
        assert gc.get_count()[0] < collector.threshold[0]
    finally:
        gc.callbacks.remove(seen)
