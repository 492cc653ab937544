"""Retention at stress size: the purge preview over 100,000 people, and the purge of 50 full files.

Compares the preview (one grouped query per source of « last contact », see app.services.privacy.retention) with a plain
scan of the same ``person`` rows in the same run, then times the purge per person (scrub + tombstone of every
row of the file, blobs, outbox, audit event, one transaction each).

Usage: ``python benchmarks/bench_retention.py [--people 100000] [--purge 50]``. Prints figures; not a timed test.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import select, update

from app.models.tables.base import new_id, utcnow
from app.models.tables.followup import Note
from app.models.tables.people import Person
from app.services.privacy import retention
from app.services.storage import vault as vault_service
from benchmarks.bench_caseload import populate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--purge", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-retention-") as tmp:
        v = vault_service.create_vault(
            Path(tmp), "bench", mode=vault_service.MODE_PASSPHRASE, passphrase="x" * 16
        )
        try:
            t0 = time.perf_counter()
            populate(v, args.people)
            old = date.today() - timedelta(days=3 * 365)
            with v.db.engine.begin() as conn:  # every tenth person: exited three years ago
                ids = conn.execute(select(Person.id)).scalars().all()
                due = ids[::10]
                for i in range(0, len(due), 500):
                    conn.execute(update(Person).where(Person.id.in_(due[i : i + 500])).values(
                        status="exited", last_contact_date=old, created_at=utcnow() - timedelta(days=4 * 365)))  # fmt: skip
            with v.db.session() as s:  # a few notes in the files to purge (ORM: they get their ops)
                for pid in due[: args.purge]:
                    for k in range(5):
                        s.add(Note(id=new_id(), person_id=pid, kind="entretien", body=f"Note {k} du dossier",
                                   author="bench", written_at=utcnow() - timedelta(days=4 * 365)))  # fmt: skip
            print(
                f"setup: {args.people} people in {time.perf_counter() - t0:.1f} s, {len(due)} past the retention"
            )

            t0 = time.perf_counter()
            with v.db.read() as s:
                rows = s.execute(select(Person.id, Person.last_contact_date, Person.status)).all()
            scan = time.perf_counter() - t0
            t0 = time.perf_counter()
            found = retention.preview(v.db)
            preview = time.perf_counter() - t0
            assert len(found) == len(due), (len(found), len(due))
            print(f"preview / plain person scan: {preview / scan:.1f}x")
            print(f"preview: {preview * 1000:.0f} ms for {len(rows)} people ({len(found)} candidates)")
            print(f"plain scan of person: {scan * 1000:.0f} ms")

            t0 = time.perf_counter()
            log = retention.purge(v.db, [c.person_id for c in found[: args.purge]], actor="bench")
            elapsed = time.perf_counter() - t0
            print(f"purge: {elapsed / len(log.people) * 1000:.0f} ms per person ({len(log.people)} people, "
                  f"{log.total_rows} rows scrubbed)")  # fmt: skip
        finally:
            v.close()


if __name__ == "__main__":
    main()
