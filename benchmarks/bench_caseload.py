"""Caseload list at stress size: 100,000 people in an encrypted vault (Core bulk inserts).

Measures, offscreen, with the real main window and its database worker:
  * time to the first rows of « Ma file active » after unlocking (first page by name from SQL while the
    index is built), then to the full list;
  * time from a search keystroke (debounce excluded) to the filtered result in the model;
  * the worst UI-thread stall while scrolling through the list (pages fetched on demand);
  * the service-level costs behind them (index build split, search p50/p95 over 200 random queries with
    the ratio to the 100 ms target, sorts, page fetch), in wall and CPU time.

Targets (ARCHITECTURE.md, issue #15), ratios printed: first rows < 1 s, search < 100 ms, sort by any column
(« Prochaine action », the urgency, included) < 1 s, keystroke → screen < 50 ms, scroll frames ≤ 16 ms. The
deadlines kept in the vault (ADR 0030) are computed once before the figures (timed), as on any day after the
first start.

Usage: ``python benchmarks/bench_caseload.py [--people 100000]``. Prints figures; not a timed test.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
import uuid
from datetime import date, datetime, timedelta
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.models.tables.base import utcnow
from app.models.tables.people import Orientation, Person, Referent
from app.services.demo import data as demo_data
from app.services.people import caseload, stored_deadlines
from app.services.storage import lock
from app.services.storage import vault as vault_service

# The demo profile's fictitious names and communes (one list for the demo, the benchmarks and the stress data).
LAST = list(demo_data.LAST_NAMES)
FIRST = list(demo_data.FEMALE_FIRST + demo_data.MALE_FIRST)
CITIES = sorted({name for name, _postal in demo_data.COMMUNES})


def populate(v: vault_service.Vault, n: int, seed: int = 7) -> None:
    """Bulk Core inserts (no ORM unit of work, no outbox: a stress fixture, not business writes)."""
    rng = random.Random(seed)
    now = utcnow()
    ref_id = str(uuid.uuid4())
    base = {"created_at": now, "updated_at": now, "revision": 0, "origin_device": "bench"}
    with v.db.engine.begin() as conn:
        conn.execute(
            Referent.__table__.insert(),
            [
                {
                    **base,
                    "id": ref_id,
                    "login": "bench",
                    "first_name": "Claire",
                    "last_name": "Marchand",
                    "structure": "",
                    "team": "",
                    "phone": "",
                    "email": "",
                    "is_team_leader": False,
                }
            ],
        )
        batch_p, batch_o = [], []
        for i in range(n):
            pid = str(uuid.uuid4())
            batch_p.append(
                {
                    **base,
                    "id": pid,
                    "nir": None,
                    "caf_number": f"{rng.randrange(10**6, 10**7)}",
                    "household_id": None,
                    "civility": "",
                    "sex": "",
                    "last_name": rng.choice(LAST) + ("" if i % 3 else "-" + rng.choice(LAST)),
                    "birth_name": "",
                    "first_name": rng.choice(FIRST),
                    "birth_date": date(1960, 1, 1) + timedelta(days=rng.randrange(15000)),
                    "address_line": "",
                    "address_extra": "",
                    "postal_code": "93000",
                    "city": rng.choice(CITIES),
                    "phone": "",
                    "email": "",
                    "rsa_entry_date": None,
                    "regime": rng.choice(["legacy", "plein_emploi"]),
                    "status": "active",
                    "referent_id": ref_id,
                    "health_data_consent": False,
                    "last_contact_date": date.today() - timedelta(days=rng.randrange(200)),
                }
            )
            batch_o.append(
                {
                    **base,
                    "id": str(uuid.uuid4()),
                    "person_id": pid,
                    "track": rng.choice(["emploi", "socio_pro", "social"]),
                    "organisme": "",
                    "regime": "legacy",
                    "right_opened_date": None,
                    "decision_date": date.today() - timedelta(days=rng.randrange(400)),
                    "notification_date": None,
                    "ep_opinion": "",
                    "ep_opinion_date": None,
                    "reason": "",
                    "is_reorientation": False,
                    "ended_on": None,
                }
            )
            if len(batch_p) == 5000:
                conn.execute(Person.__table__.insert(), batch_p)
                conn.execute(Orientation.__table__.insert(), batch_o)
                batch_p, batch_o = [], []
        if batch_p:
            conn.execute(Person.__table__.insert(), batch_p)
            conn.execute(Orientation.__table__.insert(), batch_o)
    lock.set_lock_code(v.db, "1234")


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f} ms"


class Clock:
    """Wall and CPU time of a block (the machine may be busy: CPU time is the fairer figure)."""

    def __enter__(self) -> Clock:
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self.wall
        self.cpu = time.process_time() - self.cpu

    def __str__(self) -> str:
        return f"{ms(self.wall)} wall {ms(self.cpu)} CPU"


def random_queries(rng: random.Random, count: int) -> list[str]:
    """What people type: the start of a name, a first name, a commune, a n° allocataire, or two words."""
    out = []
    for _ in range(count):
        kind = rng.random()
        if kind < 0.45:
            word = rng.choice(LAST)
        elif kind < 0.7:
            word = rng.choice(FIRST)
        elif kind < 0.85:
            word = rng.choice(CITIES)
        else:
            word = str(rng.randrange(10**6, 10**7))
        text = word[: rng.randint(2, max(2, len(word)))]
        if rng.random() < 0.2:
            text += " " + rng.choice(FIRST)[: rng.randint(1, 4)]
        out.append(text)
    return out


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p * (len(ordered) - 1)))]


SORT_TARGET, KEY_TARGET, FRAME_TARGET = 1.0, 0.050, 0.016


def service_figures(v: vault_service.Vault, n: int) -> None:
    with Clock() as c:
        computed = stored_deadlines.refresh(v.db)
    print(f"  deadlines kept in the vault, computed once ({computed} people)  {c}")
    with Clock() as c:
        total, first = caseload.first_rows(v.db)
    print(f"  first rows by name from SQL ({len(first)} of {total})    {c}  target 1 s: ×{c.wall / 1.0:.2f}")
    index = caseload.CaseloadIndex(v.db)
    with Clock() as c:
        part = caseload._build_part(v.db, False)
    print(f"  index build: query + decode + fold   {c}")
    index._parts[False] = part
    with Clock() as c:
        index._order(part, "name")
    print(f"  index build: sort by name            {c}")
    index.invalidate()
    with Clock() as c:
        index.ids(caseload.CaseloadQuery())
    print(f"  index build, total ({n} people)    {c}")
    for term in ("martin", "dubois cel", "bourgoin", "9999", "e"):
        with Clock() as c:
            ids = index.ids(caseload.CaseloadQuery(search=term))
        print(f"  search « {term:<12} » {len(ids):>7} ids {c}")
    walls, cpus = [], []
    for text in random_queries(random.Random(11), 200):
        with Clock() as c:
            index.ids(caseload.CaseloadQuery(search=text))
        walls.append(c.wall)
        cpus.append(c.cpu)
    for name, values in (("wall", walls), ("CPU ", cpus)):
        p50, p95 = percentile(values, 0.5), percentile(values, 0.95)
        print(
            f"  search, 200 random queries, {name}  p50 {ms(p50)} (×{p50 / 0.1:.2f})  "
            f"p95 {ms(p95)} (×{p95 / 0.1:.2f})  max {ms(max(values))}  target 100 ms"
        )
    for sort in ("urgency", "next_rdv", "contract", "city", "last_contact"):
        with Clock() as c:
            index.ids(caseload.CaseloadQuery(sort=sort, descending=True))
        print(f"  first sort by {sort:<14}           {c}  target 1 s: ×{c.wall / SORT_TARGET:.2f}")
    index.invalidate()  # what a write job does: the index is built again at the next query
    with Clock() as c:
        index.ids(caseload.CaseloadQuery(sort="name"))
    print(f"  after a write: index by name again   {c}")
    with Clock() as c:
        index.ids(caseload.CaseloadQuery(sort="urgency"))
    print(f"  after a write: then sort by urgency  {c}  target 1 s: ×{c.wall / SORT_TARGET:.2f}")
    ids = index.ids(caseload.CaseloadQuery())
    for label, chunk in (
        ("page of 200 (top)", ids[:200]),
        ("page of 200 (middle)", ids[n // 2 : n // 2 + 200]),
    ):
        with Clock() as c:
            caseload.fetch_rows(v.db, chunk)
        print(f"  fetch {label:<24}     {c}")


def ui_figures(data_dir: Path, n: int) -> None:
    from PySide6.QtCore import QElapsedTimer
    from PySide6.QtWidgets import QApplication

    from app.ui.kit.worker import DbWorker
    from app.ui.shell.application import make_application
    from app.ui.shell.main_window import MainWindow

    app = make_application()
    worker = DbWorker()
    info = vault_service.read_profile(data_dir, "stress")
    win = MainWindow(worker, data_dir, info)
    win.resize(1280, 800)
    win.show()

    def wait(cond, timeout: float = 600.0) -> None:
        end = time.perf_counter() + timeout
        while not cond():
            app.processEvents()
            time.sleep(0.001)
            if time.perf_counter() > end:
                raise TimeoutError

    wait(lambda: win.lock_screen.vault_open)
    page = win.files.caseload
    t = time.perf_counter()
    win.lock_screen.code.setText("1234")
    win.lock_screen.button.click()
    wait(lambda: not win.locked)
    win.show_page("file")  # the window opens on « Aujourd'hui »: the list is its second page
    wait(lambda: page.model.rowCount() > 0)
    app.processEvents()
    page.view.viewport().repaint()
    first = time.perf_counter() - t
    print(
        f"  unlock → first rows on screen ({page.model.rowCount()})  {ms(first)}  "
        f"target 1 s: ×{first:.2f}  (« {page.count.text()} »)"
    )
    wait(lambda: page.model.rowCount() == n)
    app.processEvents()
    page.view.viewport().repaint()
    print(
        f"  unlock → full list of {n} rows       {ms(time.perf_counter() - t)}  (index built on the worker)"
    )
    wait(lambda: worker.pending == 0)
    keys = []
    for term in ("martin", "martin marie", "grenoble", "e", ""):
        page.search.setText(term)
        page._debounce.stop()
        t = time.perf_counter()
        page.model.set_search(term)
        wait(lambda q=term: not page.model.loading and page.model.query.search == q)
        page.view.viewport().repaint()
        keys.append(time.perf_counter() - t)
        print(
            f"  search « {term:<12} » → {page.model.rowCount():>7} rows on screen {ms(keys[-1])}  "
            f"target 50 ms: ×{keys[-1] / KEY_TARGET:.2f}"
        )
    print(f"  keystroke → screen (debounce excluded), worst {ms(max(keys))}  ×{max(keys) / KEY_TARGET:.2f}")
    # scrolling: jump page by page through the first 20,000 rows and to the end; worst UI-thread frame
    bar = page.view.verticalScrollBar()
    timer, worst, worst_cpu, frames = QElapsedTimer(), 0, 0.0, 0
    steps = [*list(range(0, min(n, 20000), 700)), n - 1]
    for row in steps:
        for jump in (True, False):  # the jump (rows shown as « … »), then the page arriving from the worker
            timer.start()
            cpu = time.thread_time()
            if jump:
                bar.setValue(row)
            page.view.viewport().repaint()
            app.processEvents()
            worst = max(worst, timer.elapsed())
            worst_cpu = max(worst_cpu, time.thread_time() - cpu)
            if jump:
                frames += 1
                wait(lambda: worker.pending == 0)
    print(
        f"  scrolling: {frames} jumps, worst UI-thread frame {worst} ms wall (×{worst / 1000 / FRAME_TARGET:.2f}), "
        f"{ms(worst_cpu).strip()} UI-thread CPU (target 16 ms: ×{worst_cpu / FRAME_TARGET:.2f})"
    )
    win.close()
    worker.stop()
    QApplication.processEvents()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=100_000)
    args = parser.parse_args()
    import keyring

    from tests.conftest import MemoryKeyring

    keyring.set_keyring(MemoryKeyring())
    with tempfile.TemporaryDirectory(prefix="fil-rouge-bench-") as tmp:
        data_dir = Path(tmp)
        v = vault_service.create_vault(data_dir, "stress", mode=vault_service.MODE_KEYRING)
        t = time.perf_counter()
        populate(v, args.people)
        took = time.perf_counter() - t
        print(f"Caseload benchmark — {args.people} people, encrypted vault ({datetime.now():%d/%m/%Y %H:%M})")
        print(f"  bulk insert (people + orientations) {ms(took)}  ({args.people / took:,.0f} people/s)")
        print("Services (database worker side):")
        service_figures(v, args.people)
        v.close()
        print("Main window (offscreen):")
        ui_figures(data_dir, args.people)


if __name__ == "__main__":
    main()
