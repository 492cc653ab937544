"""Benchmark: deadlines and alerts of a 100,000-person caseload — the rule engine run for everyone (what every
alert list cost before issue #15) against the deadlines kept in the vault and recomputed per person.

Prints, with the ratios to the targets first (issue #15: alerts of 100,000 people < 3 s; sort by urgency (next deadline)
< 1 s):

* the engine for everyone: facts (batched reads) + engine, as the Alertes page did on each visit;
* the store, cold: every deadline computed and written once (a first start, or a new rule table) — in one
  pass, and by chunks of 2,000 as the window does in the background;
* the store, warm: the Alertes page's data (``followup.alert_groups``), the late count of the badge, the sort of
  « Ma file active » by next deadline (index built, then re-sorted after a write);
* after 100 people changed (RDV honoured, written in SQL as the sync applies rows): the same figures, the
  triggers having marked those 100 people only.

Run: .venv/bin/python benchmarks/bench_alerts.py [--people N]
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
import uuid
from datetime import date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.models.rules.engine import compute_deadlines
from app.services.people import alerts, followup, stored_deadlines
from app.services.people.caseload import CaseloadIndex, CaseloadQuery
from app.services.storage import vault as vault_service
from benchmarks.bench_caseload import populate

ALERTS_TARGET, SORT_TARGET = 3.0, 1.0


class Clock:
    def __enter__(self) -> Clock:
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self.wall
        self.cpu = time.process_time() - self.cpu

    def __str__(self) -> str:
        return f"{self.wall:6.2f} s wall {self.cpu:6.2f} s CPU"


def line(label: str, clock: Clock, target: float | None = None) -> None:
    ratio = f"  (×{clock.wall / target:.2f} of {target:g} s)" if target else ""
    print(f"  {label:<52} {clock}{ratio}")


def engine_for_everyone(v: vault_service.Vault, today: date) -> None:
    rules = alerts.load_rules_or_fail()
    with Clock() as facts_clock:
        facts = alerts.case_facts(v.db, today)
    with Clock() as engine_clock:
        deadlines = [d for f in facts for d in compute_deadlines(f, rules, today)]
    urgent = [d for d in deadlines if d.state != "a_faire"]
    line("engine for everyone: facts (batched reads)", facts_clock)
    line("engine for everyone: rule engine", engine_clock)
    total = facts_clock.wall + engine_clock.wall
    print(f"  {'engine for everyone: total':<52} {total:6.2f} s wall  (×{total / ALERTS_TARGET:.2f} of 3 s)")
    print(f"  deadlines / alerts: {len(deadlines):,} / {len(urgent):,}")


def change_people(v: vault_service.Vault, count: int, seed: int = 3) -> None:
    """``count`` people get an honoured RDV today, in SQL (as the sync download applies rows)."""
    with v.db.engine.begin() as conn:
        ids = [r[0] for r in conn.exec_driver_sql("SELECT id FROM person").fetchall()]
        chosen = random.Random(seed).sample(ids, count)
        now = datetime.now().isoformat(sep=" ")
        conn.exec_driver_sql(
            "INSERT INTO appointment (id, person_id, referent_id, starts_at, duration_min, purpose, nature, "
            "place, status, collective, comment, created_at, updated_at, revision, origin_device) "
            "VALUES (?, ?, NULL, ?, 45, 'suivi', 'physique', '', 'honore', 0, '', ?, ?, 0, 'bench')",
            [(str(uuid.uuid4()), pid, now, now, now) for pid in chosen],
        )


def warm_figures(v: vault_service.Vault, today: date, label: str) -> None:
    with Clock() as c:
        groups = followup.alert_groups(v.db, today)
    lines = sum(len(g.lines) for g in groups)
    line(f"{label}: Alertes page data ({lines:,} lines)", c, ALERTS_TARGET)
    with Clock() as c:
        late = stored_deadlines.late_people(v.db, today=today)
    line(f"{label}: late count of the badge ({late:,} people)", c)
    index = CaseloadIndex(v.db)
    index.ids(CaseloadQuery())  # the index by name, built as the list shows
    with Clock() as c:
        index.ids(CaseloadQuery(sort="urgency"))
    line(f"{label}: sort by urgency (next deadline) (index built)", c, SORT_TARGET)
    index.invalidate()  # what a write job does
    index.ids(CaseloadQuery())
    with Clock() as c:
        index.ids(CaseloadQuery(sort="urgency"))
    line(f"{label}: sort by urgency (next deadline) after a write", c, SORT_TARGET)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=100_000)
    args = parser.parse_args()
    import keyring

    from tests.conftest import MemoryKeyring

    keyring.set_keyring(MemoryKeyring())
    today = date.today()
    with tempfile.TemporaryDirectory(prefix="fil-rouge-bench-") as tmp:
        v = vault_service.create_vault(Path(tmp), "stress", mode=vault_service.MODE_KEYRING)
        populate(v, args.people)
        print(f"Alerts benchmark — {args.people:,} people, encrypted vault ({datetime.now():%d/%m/%Y %H:%M})")
        engine_for_everyone(v, today)
        with Clock() as c:
            n = stored_deadlines.refresh(v.db, today=today)
        line(f"store, cold, one pass ({n:,} people computed and written)", c)
        with v.db.engine.begin() as conn:
            conn.exec_driver_sql("DELETE FROM deadline_state")
        with Clock() as c:
            chunks = 0
            while stored_deadlines.refresh(v.db, today=today, limit=stored_deadlines.CHUNK):
                chunks += 1
        line(f"store, cold, by {chunks} chunks of {stored_deadlines.CHUNK:,} (window, background)", c)
        warm_figures(v, today, "warm")
        change_people(v, 100)
        with Clock() as c:
            n = stored_deadlines.refresh(v.db, today=today)
        line(f"after 100 people changed: refresh ({n} people recomputed)", c)
        change_people(v, 100, seed=4)
        warm_figures(v, today, "100 changed")
        tomorrow = today + timedelta(days=1)
        with Clock() as c:
            n = stored_deadlines.refresh(v.db, today=tomorrow)
        line(f"the next day: refresh ({n} people with a dated fact)", c)
        v.close()


if __name__ == "__main__":
    main()
