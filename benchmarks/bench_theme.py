"""What the theme costs on screen: opening a person's file and switching pages, with the application's theme and
with bare Fusion (no palette, no style, no style sheet) in the same run, on a demo caseload, offscreen with the
real main window and its database worker.

For each variant, in its own fresh process (a style sheet set once stays for the life of a QApplication):
  * opening a person's file (from « Ma file active », the way Entrée does) until it is loaded (its header and
    synthesis received from the worker) and painted: wall time, and the longest UI-thread block meanwhile
    (a 1 ms heartbeat timer: the longest gap between two ticks), median and worst over N people;
  * the first and the second visit of every navigation page, until painted: wall time and longest block;
  * the same with the application font doubled (« 200 % text »), which re-lays out every widget.

The ratio printed first is the theme's cost relative to bare Fusion (1.00: the theme costs nothing), then the
ratios to the targets of ARCHITECTURE.md (open a file < 150 ms, no block > 50 ms; page switch < 100 ms).

Usage: ``python benchmarks/bench_theme.py [--people 10] [--variant theme|fusion]``. Prints figures; not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VARIANTS = ("theme", "fusion")
OPEN_TARGET_MS, BLOCK_TARGET_MS, SWITCH_TARGET_MS = 150.0, 50.0, 100.0


def _child(variant: str, people: int, data_dir: Path, double_font: bool) -> dict:
    """Runs in a fresh process: the measures of one variant, as a dict."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    sys.path.insert(0, str(ROOT))
    import keyring
    from PySide6.QtCore import QElapsedTimer, QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    from app.services.storage import vault as vault_service
    from app.ui.kit.worker import DbWorker
    from app.ui.shell.application import make_application
    from tests.conftest import MemoryKeyring

    keyring.set_keyring(MemoryKeyring())
    store = json.loads((data_dir / "keyring.json").read_text())
    keyring.get_keyring().store.update({tuple(k.split("\x00")): v for k, v in store.items()})  # type: ignore[attr-defined]
    if variant == "theme":
        app = make_application()
    else:
        app = QApplication.instance() or QApplication(sys.argv)
        app.setStyle("Fusion")
    if double_font:
        font = app.font()
        font.setPointSizeF(font.pointSizeF() * 2)
        app.setFont(font)
    from app.ui.shell.main_window import MainWindow

    worker = DbWorker()
    info = vault_service.read_profile(data_dir, "banc")
    window = MainWindow(worker, data_dir, info)
    window.resize(1366, 768)
    window.show()

    def run(action, done, limit_s: float = 20.0) -> tuple[float, float]:
        """(wall ms of ``action`` until ``done()`` and a paint, longest UI-thread block in ms)."""
        loop = QEventLoop()
        clock, beat = QElapsedTimer(), QElapsedTimer()
        gaps: list[float] = []
        heart = QTimer(interval=1)

        def tick() -> None:
            gaps.append(beat.nsecsElapsed() / 1e6)
            beat.restart()
            if done():
                heart.stop()
                window.repaint()  # the screen shows it: painting is part of the cost
                gaps.append(beat.nsecsElapsed() / 1e6)
                loop.quit()
            elif clock.elapsed() > limit_s * 1000:
                raise SystemExit("délai dépassé")

        heart.timeout.connect(tick)

        def start() -> None:
            clock.start()
            beat.start()
            heart.start()
            action()

        QTimer.singleShot(0, start)
        loop.exec()
        return clock.nsecsElapsed() / 1e6, max(gaps)

    def settle() -> None:
        deadline = time.monotonic() + 20
        while not worker.idle and time.monotonic() < deadline:
            app.processEvents()
            time.sleep(0.002)
        for _ in range(3):
            app.processEvents()

    settle()
    window.lock_screen.code.setText("1234")
    window.lock_screen.button.click()
    deadline = time.monotonic() + 30
    while (window.locked or window.files.caseload.model.loading) and time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.002)
    settle()
    model = window.files.caseload.model
    ids = [pid for r in range(min(model.rowCount(), people)) if (pid := model.row_id(r))]
    opens: list[tuple[float, float]] = []
    opened: list = []

    def loaded() -> bool:
        return bool(opened) and opened[-1].summary is not None and worker.idle

    for pid in [ids[0], *ids]:  # the first one (imports, first polish of each class) is not counted
        window.nav.setCurrentRow(0)
        window.files.setCurrentIndex(0)
        settle()
        opened.clear()
        opens.append(run(lambda pid=pid: opened.append(window.files.open_person(pid)), loaded))
        window.files.close_current()
        settle()
    opens = opens[1:]
    switches: dict[str, list[tuple[float, float]]] = {"first": [], "second": []}
    for visit in ("first", "second"):
        for row in range(1, window.nav.count()):
            window.nav.setCurrentRow(0)
            settle()
            switches[visit].append(run(lambda row=row: window.nav.setCurrentRow(row), lambda: worker.idle))
            settle()
    window.close()
    worker.stop()
    return {"open": opens, "first": switches["first"], "second": switches["second"]}


def _summary(pairs: list[tuple[float, float]]) -> tuple[float, float, float, float]:
    walls, blocks = [p[0] for p in pairs], [p[1] for p in pairs]
    return statistics.median(walls), max(walls), statistics.median(blocks), max(blocks)


def _make_profile(data_dir: Path) -> None:
    sys.path.insert(0, str(ROOT))
    import keyring

    from app.services.demo.build import populate_demo
    from app.services.storage import lock
    from app.services.storage import vault as vault_service
    from tests.conftest import MemoryKeyring

    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    v = vault_service.create_vault(data_dir, "banc", mode=vault_service.MODE_KEYRING)
    try:
        populate_demo(v, size=30)
        lock.set_lock_code(v.db, "1234")
    finally:
        v.close()
    (data_dir / "keyring.json").write_text(json.dumps({"\x00".join(k): v for k, v in backend.store.items()}))


def _print(variant: str, label: str, result: dict, base: dict | None) -> None:
    o_med, o_max, ob_med, ob_max = _summary(result["open"])
    print(
        f"[{label}] open a file, median wall / {OPEN_TARGET_MS:.0f} ms target: {o_med / OPEN_TARGET_MS:.2f}"
    )
    if base is not None:
        b_med = _summary(base["open"])[0]
        print(
            f"[{label}] open a file, theme / bare Fusion: {o_med / b_med:.2f}  ({o_med:.0f} / {b_med:.0f} ms)"
        )
    print(
        f"[{label}] open a file: median {o_med:.0f} ms, worst {o_max:.0f} ms; longest UI block median "
        f"{ob_med:.0f} ms, worst {ob_max:.0f} ms (/ {BLOCK_TARGET_MS:.0f} ms target: {ob_max / BLOCK_TARGET_MS:.2f})"
    )
    for visit in ("first", "second"):
        s_med, s_max, _sb_med, sb_max = _summary(result[visit])
        print(
            f"[{label}] page switch, {visit} visit: median {s_med:.0f} ms, worst {s_max:.0f} ms "
            f"(/ {SWITCH_TARGET_MS:.0f} ms target: {s_max / SWITCH_TARGET_MS:.2f}); longest UI block worst "
            f"{sb_max:.0f} ms"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--people", type=int, default=10)
    parser.add_argument("--variant", choices=VARIANTS, default=None, help="one variant only")
    parser.add_argument("--child", nargs=3, metavar=("VARIANT", "DATA_DIR", "DOUBLE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        variant, data_dir, double = args.child
        print(json.dumps(_child(variant, args.people, Path(data_dir), double == "1")))
        return
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT))
    with tempfile.TemporaryDirectory(prefix="bench-theme-") as tmp:
        data_dir = Path(tmp)
        _make_profile(data_dir)
        results: dict[tuple[str, bool], dict] = {}
        for double in (False, True):
            for variant in [args.variant] if args.variant else list(VARIANTS):
                out = subprocess.run(
                    [sys.executable, __file__, "--people", str(args.people), "--child", variant, str(data_dir),
                     "1" if double else "0"],
                    env=env, capture_output=True, text=True, check=True,
                )  # fmt: skip
                results[(variant, double)] = json.loads(out.stdout.strip().splitlines()[-1])
        for double in (False, True):
            for variant in [args.variant] if args.variant else list(VARIANTS):
                base = results.get(("fusion", double)) if variant == "theme" else None
                label = f"{variant}{', 200 % text' if double else ''}"
                _print(variant, label, results[(variant, double)], base)


if __name__ == "__main__":
    main()
