"""Benchmark: deadlines and alerts of a 100,000-person caseload, computed on a worker thread.

Prints (not asserted): the time to gather the facts (batched reads), to run the rule engine over every
person, the total, and the time until the first page of alerts (the 100 most urgent) is ready to show.
Run: .venv/bin/python benchmarks/bench_alerts.py [--people N]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.models.rules.engine import compute_deadlines
from app.services.people import alerts
from app.services.storage import vault as vault_service
from benchmarks.bench_caseload import populate

FIRST_PAGE = 100


def run(v: vault_service.Vault, today: date) -> dict[str, float]:
    """What the database worker does for the Alertes page: facts, engine, sort, first page."""
    figures: dict[str, float] = {}
    t0 = time.perf_counter()
    rules = alerts.load_rules_or_fail()
    facts = alerts.case_facts(v.db, today)
    t1 = time.perf_counter()
    deadlines = [d for f in facts for d in compute_deadlines(f, rules, today)]
    t2 = time.perf_counter()
    urgent = sorted((d for d in deadlines if d.state != "a_faire"), key=lambda d: (d.due_date, d.person_id))
    first_page = urgent[:FIRST_PAGE]
    t3 = time.perf_counter()
    figures.update(
        facts=t1 - t0,
        engine=t2 - t1,
        first_page=t3 - t0,
        people=len(facts),
        deadlines=len(deadlines),
        alerts=len(urgent),
        shown=len(first_page),
    )
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=100_000)
    args = parser.parse_args()
    import keyring

    from tests.conftest import MemoryKeyring

    keyring.set_keyring(MemoryKeyring())
    with tempfile.TemporaryDirectory(prefix="fil-rouge-bench-") as tmp:
        v = vault_service.create_vault(Path(tmp), "stress", mode=vault_service.MODE_KEYRING)
        populate(v, args.people)
        result: dict[str, float] = {}
        worker = threading.Thread(target=lambda: result.update(run(v, date.today())), name="db-worker")
        t = time.perf_counter()
        worker.start()
        worker.join()
        wall = time.perf_counter() - t
        v.close()
    n = int(result["people"])
    print(f"Alerts benchmark — {n:,} people, encrypted vault, computed on a worker thread")
    print(f"  facts (batched reads)      {result['facts']:.2f} s  ({n / result['facts']:,.0f} people/s)")
    print(f"  rule engine                {result['engine']:.2f} s  ({n / result['engine']:,.0f} people/s)")
    print(f"  deadlines / alerts         {int(result['deadlines']):,} / {int(result['alerts']):,}")
    print(f"  first {FIRST_PAGE} alerts ready      {result['first_page']:.2f} s after the job started")
    print(f"  whole job on the worker    {wall:.2f} s (the UI thread never waits on it)")


if __name__ == "__main__":
    main()
