"""Every screen instant: the real main window (offscreen, the application's theme and fonts) on the demo profile.

Measures, with ratios to the targets of ARCHITECTURE.md / issue #15 printed first:

* opening a person's file (10 people, each opened for the first time): the UI-thread time of the call that
  builds the page, the longest single UI-thread block until the file is shown and painted (the worker's query
  runs meanwhile), and the wall time until it is on screen — targets < 150 ms, no block > 50 ms;
* a person file's tab shown for the first time (built when first shown): the longest block;
* every page of the navigation, first visit and second visit: the UI-thread time of the switch, painted —
  target < 100 ms;
* a keystroke in « Ma file active »'s search → the filtered list painted.

A block is one pass of the event loop (``processEvents``), which may run several events in a row: the figure is
an upper bound. CPU is the UI thread's own (``time.thread_time``), wall includes what the worker thread takes
from the GIL meanwhile.

    .venv/bin/python benchmarks/bench_screens.py [--people 10] [--size 1366x768]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

OPEN_TARGET, BLOCK_TARGET, SWITCH_TARGET, KEY_TARGET = 0.150, 0.050, 0.100, 0.050


class Loop:
    """Runs the event loop by single passes and remembers the longest one (wall and UI-thread CPU)."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.worst = 0.0
        self.worst_cpu = 0.0

    def reset(self) -> None:
        self.worst = self.worst_cpu = 0.0

    def spin(self) -> None:
        wall, cpu = time.perf_counter(), time.thread_time()
        self.app.processEvents()
        self.worst = max(self.worst, time.perf_counter() - wall)
        self.worst_cpu = max(self.worst_cpu, time.thread_time() - cpu)

    def until(self, cond: Callable[[], bool], timeout: float = 60.0) -> None:
        end = time.perf_counter() + timeout
        while not cond():
            self.spin()
            if time.perf_counter() > end:
                raise TimeoutError
            time.sleep(0.0005)

    def settle(self, worker: Any) -> None:
        self.until(lambda: worker.idle)
        for _ in range(3):
            self.spin()


def ms(seconds: float) -> str:
    return f"{seconds * 1000:6.1f} ms"


def ratio(seconds: float, target: float) -> str:
    return f"×{seconds / target:.2f}"


def open_files(win: Any, loop: Loop, worker: Any, count: int) -> None:
    model = win.files.caseload.model
    ids = [model.row_id(r) for r in range(0, model.rowCount(), max(1, model.rowCount() // count))][:count]
    calls, blocks, walls, cpus = [], [], [], []
    for pid in ids:
        loop.settle(worker)
        loop.reset()
        wall, cpu = time.perf_counter(), time.thread_time()
        win.open_person(pid)
        calls.append(time.perf_counter() - wall)
        page = win.files.currentWidget()
        loop.until(lambda p=page: p.summary is not None)
        page.repaint()
        loop.settle(worker)
        walls.append(time.perf_counter() - wall)
        cpus.append(time.thread_time() - cpu)
        blocks.append(max(loop.worst, calls[-1]))
    med = statistics.median
    print(
        f"  open a file: build call median {ms(med(calls))} ({ratio(med(calls), OPEN_TARGET)} of 150 ms), "
        f"max {ms(max(calls))}"
    )
    print(
        f"  open a file: on screen, wall median {ms(med(walls))} ({ratio(med(walls), OPEN_TARGET)}), "
        f"UI-thread CPU median {ms(med(cpus))}"
    )
    print(
        f"  open a file: longest UI-thread block median {ms(med(blocks))} ({ratio(med(blocks), BLOCK_TARGET)} "
        f"of 50 ms), worst {ms(max(blocks))} ({ratio(max(blocks), BLOCK_TARGET)})"
    )
    page = win.files.currentWidget()
    worst: list[tuple[float, str]] = []
    for i in range(1, page.tabs.count()):
        loop.settle(worker)
        loop.reset()
        wall = time.perf_counter()
        page.tabs.setCurrentIndex(i)
        call = time.perf_counter() - wall
        page.repaint()
        loop.settle(worker)
        worst.append((max(call, loop.worst), page.tabs.tabText(i)))
    block, name = max(worst)
    print(f"  first view of each tab: longest block {ms(block)} ({ratio(block, BLOCK_TARGET)}) on « {name} »")


def switch_pages(win: Any, loop: Loop, worker: Any) -> None:
    rows = range(win.nav.count())
    for visit in ("first", "second"):
        figures = []
        for row in [*rows[1:], 0]:
            loop.settle(worker)
            loop.reset()
            wall, cpu = time.perf_counter(), time.thread_time()
            win.nav.setCurrentRow(row)
            win.repaint()
            switch, switch_cpu = time.perf_counter() - wall, time.thread_time() - cpu
            loop.settle(worker)  # the page's data arrives from the worker and is shown
            figures.append((switch, switch_cpu, loop.worst, win.nav.item(row).text()))
        wall, cpu, _block, name = max(figures)
        block, _w, _c, block_name = max((f[2], f[0], f[1], f[3]) for f in figures)
        print(
            f"  page switch, {visit} visit: worst {ms(wall)} wall ({ratio(wall, SWITCH_TARGET)} of 100 ms), "
            f"{ms(cpu)} UI CPU, on « {name} »; median {ms(statistics.median(f[0] for f in figures))}; "
            f"then longest block while its data is shown {ms(block)} ({ratio(block, BLOCK_TARGET)} of 50 ms) "
            f"on « {block_name} »"
        )


def keystrokes(win: Any, loop: Loop, worker: Any) -> None:
    win.show_page("file")  # « Ma file active » shown (the first page is « Aujourd'hui »)
    win.files.setCurrentIndex(0)
    page = win.files.caseload
    loop.settle(worker)
    figures = []
    for text in ("m", "ma", "mar", "mart", ""):
        page.search.setText(text)
        page._debounce.stop()
        wall = time.perf_counter()
        page.model.set_search(text)
        loop.until(lambda q=text: not page.model.loading and page.model.query.search == q)
        page.view.viewport().repaint()
        figures.append(time.perf_counter() - wall)
    worst = max(figures)
    print(
        f"  keystroke → list painted (debounce excluded): worst {ms(worst)} ({ratio(worst, KEY_TARGET)} of 50 ms)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=10, help="files opened")
    parser.add_argument("--size", default="1366x768")
    args = parser.parse_args()
    width, height = (int(x) for x in args.size.split("x"))
    import keyring

    from app.services.demo.build import populate_demo
    from app.services.storage import lock
    from app.services.storage import vault as vault_service
    from tests.conftest import MemoryKeyring

    keyring.set_keyring(MemoryKeyring())
    with tempfile.TemporaryDirectory(prefix="fil-rouge-bench-") as tmp:
        data_dir = Path(tmp)
        v = vault_service.create_vault(data_dir, "demo", mode=vault_service.MODE_KEYRING, demo=True)
        populate_demo(v)
        v.close()
        from app.ui.kit.worker import DbWorker
        from app.ui.shell.application import make_application
        from app.ui.shell.main_window import MainWindow

        app = make_application()
        loop = Loop(app)
        worker = DbWorker()
        t = time.perf_counter()
        win = MainWindow(worker, data_dir, vault_service.read_profile(data_dir, "demo"))
        build = time.perf_counter() - t
        win.resize(width, height)
        win.show()
        print(f"Screens benchmark — demo profile, {width}×{height}, theme applied")
        print(f"  main window built behind the lock screen: {ms(build)}")
        loop.until(lambda: win.lock_screen.vault_open)
        loop.settle(worker)
        t = time.perf_counter()
        win.lock_screen.code.setText(lock.DEMO_CODE)
        win.lock_screen.button.click()
        loop.until(lambda: not win.locked and win.files.caseload.model.rowCount() > 0)
        loop.settle(worker)
        print(f"  unlock → first page painted: {ms(time.perf_counter() - t)}")
        open_files(win, loop, worker, args.people)
        switch_pages(win, loop, worker)
        keystrokes(win, loop, worker)
        win.close()
        worker.stop()


if __name__ == "__main__":
    main()
