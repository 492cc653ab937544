"""Contract PDF timing (not a test; prints ratios to the targets, wall and CPU time).

Two parts: the renderer alone (median of 20 renders, a batch of 100 in memory), then the real path from a
temporary SQLCipher vault of 100 people with a contract each: ``build_document`` (database reads), ``render_pdf``
(reads + render), the batch of 100 saved one file per contract with its audit events (``render_batch``), and
the same 100 concatenated into one PDF. Targets: < 300 ms per contract, < 20 s for a batch of 100.
Wall time on a loaded machine is well above CPU time: compare the ``cpu`` ratio. Run:
``.venv/bin/python benchmarks/bench_pdf.py [--people 100]``.
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

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from reportlab.lib import rl_accel

from app.services.casefile.roadmap_layout import render_roadmap
from app.services.contracts.layout import render_contract
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


def _make_vault(root: Path, n: int) -> tuple[object, list[str], list[str]]:
    """A passphrase vault with ``n`` people, each oriented, with a diagnostic and a CE contract."""
    from datetime import date

    from app.services.casefile import diagnostic
    from app.services.contracts import editor as contracts
    from app.services.contracts.draft import ActionDraft, ContractDraft
    from app.services.people import identity as people
    from app.services.people import parcours
    from app.services.people.identity import PersonInput
    from app.services.storage import vault as vault_service

    v = vault_service.create_vault(
        root, "bench", mode=vault_service.MODE_PASSPHRASE, passphrase="phrase de banc"
    )
    ref = people.upsert_referent(v.db, login="cmarchand", first_name="Claire", last_name="Marchand",
                                 structure="MDS de Saint-Denis")  # fmt: skip
    person_ids, contract_ids = [], []
    for i in range(n):
        pid = people.create_person(
            v.db,
            PersonInput(last_name=f"Durand{i:03d}", first_name="Élodie", regime="plein_emploi",
                        address_line=f"{i + 1} rue des Écoles", postal_code="93200", city="Saint-Denis"),
        )  # fmt: skip
        people.assign_referent(v.db, pid, ref, start_date="01/09/2026")
        parcours.record_orientation(v.db, pid, track="socio_pro", decision_date="02/09/2026", organisme="MDS")
        diagnostic.save(v.db, pid, {"logement": {"logement_type": "locataire_prive"}}, author="cmarchand")
        actions = (ActionDraft("Atelier CV", "Mission locale", None, None, 8),
                   ActionDraft("Stage en entreprise", "Entreprise Martin", None, None, 8))  # fmt: skip
        draft = ContractDraft("ce", 6, date(2027, 1, 1), objectives=("Retrouver un emploi",), actions=actions)
        contract_ids.append(contracts.create(v.db, pid, draft))
        person_ids.append(pid)
    return v, person_ids, contract_ids


def database_part(n: int) -> None:
    from app.services.contracts.batch import plan_batch, render_batch
    from app.services.contracts.document import build_document, render_pdf
    from app.services.printing.combine import concatenate

    with tempfile.TemporaryDirectory(prefix="bench-pdf-") as tmp:
        start = time.perf_counter()
        v, person_ids, contract_ids = _make_vault(Path(tmp), n)
        print(f"vault with {n} people and contracts built in {time.perf_counter() - start:.1f} s")
        db = v.db  # type: ignore[attr-defined]
        try:
            ids = iter(contract_ids * 2)
            _line("build_document (database), median of 20", _median_ms(lambda: build_document(db, next(ids))),
                  SINGLE_TARGET_S * 1000)  # fmt: skip
            ids = iter(contract_ids * 2)
            _line("render_pdf (database + render), median 20",
                  _median_ms(lambda: render_pdf(db, next(ids), actor="bench", audit=None)),
                  SINGLE_TARGET_S * 1000)  # fmt: skip
            out = Path(tmp) / "contrats"
            out.mkdir()
            start, start_cpu = time.perf_counter(), time.process_time()
            plan = plan_batch(db, person_ids)
            result = render_batch(db, plan, out, actor="bench")
            wall, cpu = (time.perf_counter() - start) * 1000, (time.process_time() - start_cpu) * 1000
            assert len(result.done) == n, result.message()
            _line(
                f"render_batch of {n}, one file each + audit", (wall, cpu), BATCH_TARGET_S * 1000 * n / BATCH
            )
            pdfs = [p.read_bytes() for p in result.paths]
            start, start_cpu = time.perf_counter(), time.process_time()
            merged = concatenate(pdfs)
            wall, cpu = (time.perf_counter() - start) * 1000, (time.process_time() - start_cpu) * 1000
            print(
                f"concatenate {n} into one PDF ({len(merged) // 1024} KiB)  wall {wall:8.1f} ms  cpu {cpu:8.1f} ms"
            )
        finally:
            v.close()  # type: ignore[attr-defined]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--people", type=int, default=BATCH, help="people (contracts) in the database part")
    parser.add_argument("--no-database", action="store_true", help="only time the renderer")
    args = parser.parse_args()
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
    with tempfile.TemporaryDirectory(prefix="bench-seal-") as tmp:
        from app.services.printing.seal import load_sealer, seal_with
        from tests.services.certificates import make_p12

        signer = load_sealer(make_p12(Path(tmp), "banc"), "banc")
        data = render_contract(docs["ce"])
        _line("PAdES seal of one contract, median of 20", _median_ms(lambda: seal_with(data, signer)),
              SINGLE_TARGET_S * 1000)  # fmt: skip
    start, start_cpu = time.perf_counter(), time.process_time()
    total_bytes = 0
    for i in range(BATCH):
        total_bytes += len(render_contract(docs["ce" if i % 2 else "cer"]))
    batch = ((time.perf_counter() - start) * 1000, (time.process_time() - start_cpu) * 1000)
    _line(f"batch of {BATCH} contracts (CE/CER)", batch, BATCH_TARGET_S * 1000)
    print(f"average size {total_bytes / BATCH / 1024:.0f} KiB per contract")
    if not args.no_database:
        database_part(args.people)


if __name__ == "__main__":
    main()
