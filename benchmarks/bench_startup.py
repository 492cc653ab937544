"""Benchmark of start-up (not a test: it prints figures, ratios to the targets first).

1. ``--version``: a fresh interpreter running ``python -m app --version`` (or the bundle's executable), CPU
   time of the whole process (user + system, from ``resource.getrusage(RUSAGE_CHILDREN)``) and wall time;
   a bare ``python -c pass`` is measured too, as the floor the interpreter itself costs.
2. Lock screen: a fresh interpreter opens the window (offscreen) on an existing passphrase-mode profile, the
   way ``python -m app`` does, until the lock screen is shown and painted once; it prints its own CPU time
   (``time.process_time()``, which counts from the process start, interpreter included) and the heaviest
   modules are listed as proof of what was (not) imported: pyHanko, reportlab, openpyxl.

    .venv/bin/python benchmarks/bench_startup.py [--runs 5] [--exe dist/fil-rouge/fil-rouge-cli]

Each is run once first, not counted, so that the bytecode caches exist (``PYTHONDONTWRITEBYTECODE`` is
dropped for the children): an installed app or a bundle does not compile its sources at every start.

Targets (ARCHITECTURE.md): lock screen < 1 s of CPU, ``--version`` < 0.3 s.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PASSPHRASE = "banc d'essai du démarrage"
HEAVY = ("pyhanko", "reportlab", "openpyxl", "sqlalchemy", "alembic", "httpx", "holidays")

# Runs in the child: the real run_gui() with QApplication.exec replaced by « paint once, report, quit ».
LOCK_SCREEN_PROBE = r"""
import sys, time
from PySide6.QtWidgets import QApplication

def _exec(self=None):
    app = QApplication.instance()
    for _ in range(3):
        app.processEvents()
    window = next(w for w in app.topLevelWidgets() if type(w).__name__ == "MainWindow")
    locked = window.root.currentWidget() is window.lock_screen
    heavy = sorted({m.split(".")[0] for m in sys.modules} & set(sys.argv[3].split(",")))
    print(f"{time.process_time():.3f} {locked} {','.join(heavy) or '-'}")
    return 0

QApplication.exec = _exec
from app.__main__ import main
sys.exit(main(["--data-dir", sys.argv[1], "--profile", sys.argv[2]]))
"""


def _env(data_dir: Path) -> dict[str, str]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", FIL_ROUGE_DATA_DIR=str(data_dir))
    env.setdefault("PYTHONPATH", str(ROOT))
    # An installed app or a bundle has its bytecode compiled: measure that, not the compiler (first run warms).
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def _child_cpu(cmd: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """(CPU seconds, wall seconds, stdout) of one child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True, stdin=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, wall, done.stdout


def bench_version(runs: int, env: dict[str, str], exe: str | None) -> None:
    command = [exe, "--version"] if exe else [sys.executable, "-m", "app", "--version"]
    floor = [_child_cpu([sys.executable, "-c", "pass"], env)[0] for _ in range(runs)]
    cpus, walls = [], []
    _child_cpu(command, env)  # warm-up: writes the bytecode caches
    for _ in range(runs):
        cpu, wall, out = _child_cpu(command, env)
        cpus.append(cpu)
        walls.append(wall)
    cpu = statistics.median(cpus)
    print(f"--version CPU / 0.3 s target: {cpu / 0.3:.2f}  ({out.strip()})")
    print(
        f"--version CPU median: {cpu * 1000:.0f} ms (min {min(cpus) * 1000:.0f}, max {max(cpus) * 1000:.0f})"
    )
    print(f"--version wall median: {statistics.median(walls) * 1000:.0f} ms")
    print(f"bare interpreter (python -c pass) CPU median: {statistics.median(floor) * 1000:.0f} ms")


def bench_lock_screen(runs: int, env: dict[str, str], data_dir: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "app", "--data-dir", str(data_dir), "--profile", "banc", "--passphrase-stdin",
         "init"],
        input=PASSPHRASE + "\n", env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    cpus, walls = [], []
    probe = [sys.executable, "-c", LOCK_SCREEN_PROBE, str(data_dir), "banc", ",".join(HEAVY)]
    _child_cpu(probe, env)  # warm-up
    for _ in range(runs):
        _, wall, out = _child_cpu(probe, env)
        own_cpu, locked, heavy = out.split()
        cpus.append(float(own_cpu))
        walls.append(wall)
    cpu = statistics.median(cpus)
    print(f"lock screen CPU / 1 s target: {cpu:.2f}  (lock screen shown: {locked})")
    print(
        f"lock screen CPU median: {cpu * 1000:.0f} ms (min {min(cpus) * 1000:.0f}, max {max(cpus) * 1000:.0f})"
    )
    print(f"lock screen wall median: {statistics.median(walls) * 1000:.0f} ms")
    print(f"heavy packages imported before the lock screen: {heavy}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--exe", default=None, help="an executable to time for --version instead of python -m app"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-startup-") as tmp:
        env = _env(Path(tmp))
        bench_version(args.runs, env, args.exe)
        bench_lock_screen(args.runs, env, Path(tmp))


if __name__ == "__main__":
    main()
