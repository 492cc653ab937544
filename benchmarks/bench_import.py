"""Benchmark: import a 100,000-row orientation list into a fresh encrypted vault (target < 30 s).

Not a test. Prints the time, rows/s and the ratio to the target, the split between reading + planning
(parse, validate, match against the prefetched snapshot) and applying (bulk writes + outbox ops in one
transaction), in wall-clock and in CPU time (on a shared machine, compare the CPU figures), then re-imports
the same file (idempotence: zero writes) and times that too.

    .venv/bin/python benchmarks/bench_import.py [--rows 100000] [--keep DIR] [--server]
"""

from __future__ import annotations

import argparse
import random
import shutil
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import func, select

from app.models.tables.local import OutboxOp
from app.services.imports.service import import_orientations
from app.services.storage import vault as vault_service

TARGET_S = 30.0
REFERENCE_CALIBRATION = 0.06
TRACKS = ["Professionnelle", "Socio-professionnelle", "Sociale"]
FIRST = [
    "Élodie",
    "Jérôme",
    "Zoé",
    "Karim",
    "Fatou",
    "Léa",
    "Mathéo",
    "Inès",
    "Noé",
    "Chloé",
    "Yanis",
    "Aïcha",
]
LAST = ["Martin", "Lefèvre", "Nguyễn", "Diallo", "Bernard", "Durand", "Moreau", "Ça-Ira", "Petit", "Roux"]
HEAD = (
    "NIR;N° allocataire CAF;Nom;Nom de naissance;Prénom;Date de naissance;Sexe;Adresse;Code postal;Commune;"
    "Téléphone;Email;Date d'entrée RSA;Date d'orientation;Date de notification;Type d'orientation;Organisme;Référent"
)


def _nir(sex: str, born: date, serial: int) -> str:
    body = f"{'2' if sex == 'F' else '1'}{born:%y%m}93{serial % 1000:03d}{serial // 1000 % 1000:03d}"
    return body + f"{97 - int(body) % 97:02d}"


def generate(path: Path, rows: int, seed: int = 2026) -> None:
    """Synthetic list: 30 % couples sharing a CAF number, 80 % with a NIR, mixed regimes and tracks."""
    rnd = random.Random(seed)
    lines = [HEAD]
    caf = 1000000
    i = 0
    while i < rows:
        caf += 1
        for _member in range(2 if rnd.random() < 0.3 and i + 1 < rows else 1):
            sex = rnd.choice("FM")
            born = date(1960, 1, 1) + timedelta(days=rnd.randrange(0, 40 * 365))
            decided = date(2024, 6, 1) + timedelta(days=rnd.randrange(0, 500))
            nir = _nir(sex, born, i) if rnd.random() < 0.8 else ""
            lines.append(
                ";".join(
                    [
                        nir,
                        str(caf),
                        f"{rnd.choice(LAST)}{i}",
                        "",
                        rnd.choice(FIRST),
                        f"{born:%d/%m/%Y}",
                        sex,
                        f"{rnd.randrange(1, 200)} rue de la République",
                        "93200",
                        "Saint-Denis",
                        f"06 {rnd.randrange(10, 99)} {rnd.randrange(10, 99)} {rnd.randrange(10, 99)} {rnd.randrange(10, 99)}",
                        "",
                        f"{decided - timedelta(days=40):%d/%m/%Y}",
                        f"{decided:%d/%m/%Y}",
                        f"{decided + timedelta(days=7):%d/%m/%Y}",
                        rnd.choice(TRACKS),
                        "MDS Saint-Denis",
                        "",
                    ]
                )
            )
            i += 1
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def calibrate() -> float:
    """CPU seconds for a fixed pure-Python loop (≈ 0.06 s on a 2023 laptop): to compare runs across machines.
    The best of three, in CPU time: another process on the machine does not inflate it."""
    best = float("inf")
    for _ in range(3):
        start = time.process_time()
        sum(i * i for i in range(1_000_000))
        best = min(best, time.process_time() - start)
    return best


def _ops(v: vault_service.Vault) -> int:
    with v.db.read() as s:
        return int(s.scalar(select(func.count()).select_from(OutboxOp)) or 0)


class Timing:
    """Wall-clock and CPU seconds (this process) of an import, split at the end of reading + planning."""

    def __init__(self, total: float, planned: float, cpu: float, cpu_planned: float) -> None:
        self.total, self.planned, self.cpu, self.cpu_planned = total, planned, cpu, cpu_planned

    def split(self) -> str:
        return (
            f"wall {self.total:.1f} s = read+plan {self.planned:.1f} s + apply {self.total - self.planned:.1f} s; "
            f"CPU {self.cpu:.1f} s = read+plan {self.cpu_planned:.1f} s + apply {self.cpu - self.cpu_planned:.1f} s"
        )


def timed_import(v: vault_service.Vault, path: Path, rows: int) -> tuple[Timing, object]:
    marks: dict[str, tuple[float, float]] = {}

    def progress(done: int, total: int) -> None:
        if done >= rows and "planned" not in marks:
            marks["planned"] = (time.perf_counter(), time.process_time())

    start, cpu_start = time.perf_counter(), time.process_time()
    report = import_orientations(v.db, path, progress=progress)
    end, cpu_end = time.perf_counter(), time.process_time()
    planned, cpu_planned = marks.get("planned", (end, cpu_end))
    return Timing(end - start, planned - start, cpu_end - cpu_start, cpu_planned - cpu_start), report


def _bench_server(work: Path, csv_path: Path, rows: int) -> None:
    from server.engine.imports import import_orientations_server
    from server.store.db import ServerDB

    sdb = ServerDB(f"sqlite:///{work / 'server.db'}")
    sdb.migrate()
    try:
        start = time.perf_counter()
        report = import_orientations_server(sdb, csv_path)
        total = time.perf_counter() - start
        print(f"server import: {report.summary()}; {total:.1f} s; {rows / total:,.0f} rows/s")
        start = time.perf_counter()
        report = import_orientations_server(sdb, csv_path)
        print(f"server re-import: {report.summary()}; {time.perf_counter() - start:.1f} s")
    finally:
        sdb.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument(
        "--keep", type=Path, default=None, help="keep the vault and the CSV in this directory"
    )
    parser.add_argument(
        "--server", action="store_true", help="also time the server-side import (SQLite) of the same file"
    )
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="fil-rouge-bench-import-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        calibration = calibrate()
        print(
            f"calibration: pure-Python loop {calibration:.3f} s (≈ {REFERENCE_CALIBRATION} s on a 2023 laptop)"
        )
        csv_path = work / "orientations.csv"
        t0 = time.perf_counter()
        generate(csv_path, args.rows)
        print(
            f"generated {args.rows:,} rows ({csv_path.stat().st_size / 1e6:.1f} MB) in {time.perf_counter() - t0:.1f} s"
        )
        v = vault_service.create_vault(
            work, "bench", mode=vault_service.MODE_PASSPHRASE, passphrase="banc d'essai"
        )
        try:
            timing, report = timed_import(v, csv_path, args.rows)
            total = timing.total
            ops = _ops(v)
            print(f"first import : {report.summary()}")  # type: ignore[attr-defined]
            print(
                f"  {timing.split()}; {args.rows / total:,.0f} rows/s; {ops:,} outbox ops "
                f"({(total - timing.planned) / max(ops, 1) * 1e6:.0f} µs/op)"
            )
            if timing.cpu < 0.8 * total:
                print(
                    "  (the CPU time is well below the wall time: the machine is busy, compare the CPU figures)"
                )
            scaled = total * 100_000 / args.rows
            print(
                f"  ratio to target (100,000 rows < {TARGET_S:.0f} s): {scaled / TARGET_S:.2f}"
                f"{'' if args.rows == 100_000 else f' (extrapolated: {scaled:.1f} s for 100,000 rows)'}"
                f" — {'OK' if scaled < TARGET_S else 'MISSED'}"
            )
            laptop = timing.cpu * 100_000 / args.rows * REFERENCE_CALIBRATION / calibration
            print(
                f"  CPU time scaled by the calibration to the reference laptop: about {laptop:.0f} s for "
                "100,000 rows (indicative only: SQLCipher and I/O do not scale like the Python loop)"
            )
            timing2, report2 = timed_import(v, csv_path, args.rows)
            print(
                f"re-import    : {report2.summary()}; {timing2.split()}; "  # type: ignore[attr-defined]
                f"{args.rows / timing2.total:,.0f} rows/s; new outbox ops: {_ops(v) - ops}"
            )
        finally:
            v.close()
        if args.server:
            _bench_server(work, csv_path, args.rows)
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
