"""Contract PDF timing: median of 20 single renders and a batch of 100 (not a test; prints ratios).

Targets: < 300 ms per contract, < 20 s for a batch of 100. Run: ``.venv/bin/python benchmarks/bench_pdf.py``.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from reportlab.lib import rl_accel

from app.services.pdf import render_contract, render_roadmap
from tests.services.test_pdf_contract import sample_contract
from tests.services.test_pdf_roadmap import sample_roadmap

SINGLE_TARGET_S = 0.300
BATCH_TARGET_S = 20.0
BATCH = 100


def _median_ms(func: Callable[[], object], runs: int = 20) -> tuple[float, float]:
    """Median wall-clock and CPU (this process) time of ``runs`` calls, in ms."""
    wall, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        func()
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return statistics.median(wall) * 1000, statistics.median(cpu) * 1000


def _line(label: str, value: tuple[float, float], target_ms: float) -> None:
    wall, cpu = value
    print(
        f"{label:<40} wall {wall:8.1f} ms  cpu {cpu:8.1f} ms  target {target_ms:6.0f} ms"
        f"  ratio {wall / target_ms:5.2f} (cpu {cpu / target_ms:4.2f})"
    )


def main() -> None:
    accel = getattr(rl_accel.instanceStringWidthTTF, "__module__", "") != rl_accel.__name__
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs; reportlab C accelerator: {accel}")
    docs = {kind: sample_contract(kind) for kind in ("ce", "cer")}
    long_doc = sample_contract("ce", actions=40)
    start = time.perf_counter()
    render_contract(docs["ce"])  # first call: font registration, text loading
    print(f"first render (fonts, texts)                {(time.perf_counter() - start) * 1000:9.1f} ms")
    _line(
        "contract CE, median of 20", _median_ms(lambda: render_contract(docs["ce"])), SINGLE_TARGET_S * 1000
    )
    _line(
        "contract CER, median of 20", _median_ms(lambda: render_contract(docs["cer"])), SINGLE_TARGET_S * 1000
    )
    _line(
        "contract CE, 40 actions, median of 20",
        _median_ms(lambda: render_contract(long_doc)),
        SINGLE_TARGET_S * 1000,
    )
    roadmap = sample_roadmap(6)
    _line(
        "feuille de route, median of 20", _median_ms(lambda: render_roadmap(roadmap)), SINGLE_TARGET_S * 1000
    )
    start, start_cpu = time.perf_counter(), time.process_time()
    total_bytes = 0
    for i in range(BATCH):
        total_bytes += len(render_contract(docs["ce" if i % 2 else "cer"]))
    batch = ((time.perf_counter() - start) * 1000, (time.process_time() - start_cpu) * 1000)
    _line(f"batch of {BATCH} contracts (CE/CER)", batch, BATCH_TARGET_S * 1000)
    print(f"average size {total_bytes / BATCH / 1024:.0f} KiB per contract")


if __name__ == "__main__":
    main()
