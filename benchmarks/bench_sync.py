"""Sync benchmarks (not a test): prints figures and ratios against ARCHITECTURE.md's targets.

    .venv/bin/python benchmarks/bench_sync.py [--rows 20000] [--ops 5000] [--persons 1000]

1. download apply rate vs a raw batched insert into the same encrypted vault (≥ 50 %, ≥ 5,000 rows/s);
2. server upload apply on PostgreSQL with per-op authorisation (≥ 2,000 ops/s, ≥ 80 % of the 2,136 ops/s measured
   before it; the same run also measures it without authorisation); a throwaway cluster is started when initdb
   exists;
3. first sync of a 1,000-person caseload on loopback (< 5 s), uvicorn on 127.0.0.1;
4. compressed bytes per op on the wire (≤ 150);
5. document bytes: upload and download rate of 1 MiB chunks (MiB/s), loopback, uvicorn on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import tempfile
import time
import uuid
from datetime import date, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import keyring
import sqlalchemy as sa

from app.models.sync import wire as codec
from app.models.tables.followup import Note
from app.models.tables.people import Person
from app.services.storage import vault as vault_service
from app.services.sync.client import SyncClient
from tests.conftest import MemoryKeyring


def fake_page(n: int, referent_id: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    table = Person.__table__
    cols = [c.name for c in table.columns]
    rows = []
    for i in range(n):
        rows.append(
            {
                "id": str(uuid.uuid4()),
                "nir": None,
                "caf_number": f"{i:07d}",
                "household_id": None,
                "civility": "Mme",
                "sex": "F",
                "last_name": f"Nom{i}",
                "birth_name": "",
                "first_name": "Léa",
                "birth_date": date(1980, 1, 1),
                "address_line": f"{i} rue des Lilas",
                "address_extra": "",
                "postal_code": "59000",
                "city": "Lille",
                "phone": "0600000000",
                "email": "",
                "rsa_entry_date": None,
                "regime": "legacy",
                "status": "active",
                "referent_id": referent_id,
                "health_data_consent": False,
                "last_contact_date": None,
                "created_at": datetime(2026, 1, 1),
                "updated_at": datetime(2026, 1, 1),
                "deleted_at": None,
                "revision": i + 1,
                "origin_device": "bench",
            }
        )
    page = {
        "cursor": n,
        "more": False,
        "leave": [],
        "rows": {"person": {"c": cols, "r": [[codec.to_wire(r[c]) for c in cols] for r in rows]}},
    }
    return page, rows


def bench_download_apply(n: int) -> None:
    keyring.set_keyring(MemoryKeyring())
    with tempfile.TemporaryDirectory() as tmp:
        v = vault_service.create_vault(Path(tmp), "bench", mode="keyring")
        ref = str(uuid.uuid4())
        with v.db.engine.begin() as c:
            from app.models.tables.people import Referent

            c.execute(
                sa.insert(Referent.__table__).values(
                    id=ref,
                    login="r",
                    first_name="R",
                    last_name="R",
                    created_at=datetime(2026, 1, 1),
                    updated_at=datetime(2026, 1, 1),
                )
            )
        page, rows = fake_page(n, ref)
        t0 = time.perf_counter()
        with v.db.engine.begin() as c:
            c.execute(sa.insert(Person.__table__), rows)
        raw = n / (time.perf_counter() - t0)
        with v.db.engine.begin() as c:
            c.execute(sa.delete(Person.__table__))
        client = SyncClient(v, "http://127.0.0.1:1")
        t0 = time.perf_counter()
        client.apply_page(page)
        ours = n / (time.perf_counter() - t0)
        v.close()
    print(
        f"download apply : {ours:,.0f} rows/s ; raw batched insert {raw:,.0f} rows/s ; "
        f"ratio {ours / raw:.0%} (targets ≥ 5,000 rows/s and ≥ 50 %)"
    )


#: Server upload apply on PostgreSQL measured on the reference machine before per-op authorisation (issue #18).
SERVER_BASELINE = 2136


def _server_batches(ops: int, referent_id: str) -> list[list[dict[str, Any]]]:
    """Batches of 500 ops: person inserts (the first batch, then one op in three), notes, person updates."""
    seq = 0
    pids: list[str] = []
    batches = []
    for b in range(ops // 500):
        batch = []
        for _ in range(500):
            seq += 1
            if b == 0 or seq % 3 == 0:
                pid = str(uuid.uuid4())
                pids.append(pid)
                f = {"last_name": "Nom", "first_name": "Léa", "regime": "legacy", "referent_id": referent_id,
                     "city": "Lille", "created_at": "2026-01-01T00:00:00"}  # fmt: skip
                batch.append(
                    {"i": str(uuid.uuid4()), "s": seq, "t": "person", "r": pid, "b": 0, "k": "insert", "f": f}
                )
            elif seq % 3 == 1:
                f = {"person_id": pids[seq % len(pids)], "kind": "appel", "body": "Appel de suivi",
                     "written_at": "2026-01-01T00:00:00"}  # fmt: skip
                batch.append({"i": str(uuid.uuid4()), "s": seq, "t": "note", "r": str(uuid.uuid4()), "b": 0,
                              "k": "append", "f": f})  # fmt: skip
            else:
                batch.append({"i": str(uuid.uuid4()), "s": seq, "t": "person", "r": pids[seq % len(pids)], "b": 0,
                              "k": "update", "f": {"phone": f"06{seq:08d}"}})  # fmt: skip
        batches.append(batch)
    return batches


def _server_rate(url: str, ops: int, *, authorise: bool) -> float:
    """ops/s of ``apply_batch`` on a fresh server database; ``authorise=False`` swaps the device's policy for
    the trusted one (what the server did before issue #18), for a same-run comparison."""
    from unittest import mock

    from server.admin.accounts import add_user
    from server.engine import batch as batch_mod
    from server.engine.authorise import Policy
    from server.engine.upload import apply_batch
    from server.store.db import ServerDB
    from server.store.tables import devices

    sdb = ServerDB(url)
    sdb.migrate()
    user = add_user(sdb, "bench", "Bench Mark", "referent", "Nord")
    dev = str(uuid.uuid4())
    with sdb.write() as c:
        c.execute(devices.insert().values(id=dev, user_id=user["id"], token_hash="x", status="active", next_seq=1,
                                          created_at=datetime(2026, 1, 1)))  # fmt: skip
    batches = _server_batches(ops, user["referent_id"])
    trusted = mock.patch.object(batch_mod.Policy, "load", lambda _conn, d: Policy.trusted_server(d))
    t0 = time.perf_counter()
    with trusted if not authorise else contextlib.nullcontext():
        for batch in batches:
            results = apply_batch(sdb, dev, batch)["results"]
            assert all(r["st"] == "applied" for r in results), results[:3]
    rate = sum(len(b) for b in batches) / (time.perf_counter() - t0)
    sdb.dispose()
    return rate


def bench_server_apply(ops: int) -> None:
    from sqlalchemy import text

    from tests.postgres import pg_url

    gen = pg_url.__wrapped__()  # type: ignore[attr-defined]
    try:
        url = next(gen)
    except BaseException as exc:
        print(f"server apply on PostgreSQL : skipped ({exc})")
        return
    try:
        admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
        rates = {}
        for authorise in (False, True, False, True):  # interleaved: the machine's load hits both alike
            name = f"bench_{uuid.uuid4().hex[:8]}"
            with admin.connect() as c:
                c.execute(text(f"CREATE DATABASE {name}"))
            rate = _server_rate(url.rsplit("/", 1)[0] + "/" + name, ops, authorise=authorise)
            rates[authorise] = max(rates.get(authorise, 0.0), rate)
        admin.dispose()
        on, off = rates[True], rates[False]
        print(
            f"server apply on PostgreSQL, authorisation on : {on:,.0f} ops/s over {ops} ops in batches of 500 "
            f"(target ≥ 2,000) ; same run without it {off:,.0f} ops/s, ratio {on / off:.0%} ; "
            f"vs the {SERVER_BASELINE:,} ops/s baseline before #18 : {on / SERVER_BASELINE:.0%} (target ≥ 80 %)"
        )
    finally:
        for _ in gen:
            pass


def bench_first_sync(persons: int) -> None:
    import httpx

    from server.admin.accounts import add_user, new_enrolment_code
    from server.api.app import create_app
    from tests.sync.harness import ThreadedServer

    keyring.set_keyring(MemoryKeyring())
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(f"sqlite:///{tmp}/srv.db")
        sdb = app.state.sdb
        add_user(sdb, "alice", "Alice Martin", "referent")
        with ThreadedServer(app) as ts:
            src = vault_service.create_vault(Path(tmp) / "a", "src", mode="keyring")
            c1 = SyncClient(src, ts.url)
            c1.enroll(new_enrolment_code(sdb, "alice"))
            c1.sync()
            ref = c1.status()["user"]["referent_id"]
            with src.db.session() as s:
                for i in range(persons):
                    p = Person(
                        last_name=f"Nom{i}",
                        first_name="Léa",
                        regime="legacy",
                        city="Lille",
                        referent_id=ref,
                        birth_date=date(1980, 1, 1 + i % 28),
                    )
                    s.add(p)
                    s.flush()
                    for k in range(3):
                        s.add(
                            Note(
                                person_id=p.id,
                                kind="appel",
                                body=f"Appel de suivi numéro {k}",
                                written_at=datetime(2026, 1, 1),
                            )
                        )
            n_ops = c1.pending_count()
            r = c1.sync()
            print(
                f"wire size : {r.bytes_sent / n_ops:.0f} compressed bytes per op sent "
                f"({n_ops} ops: person inserts and notes; target ≤ 150)"
            )
            dst = vault_service.create_vault(Path(tmp) / "b", "dst", mode="keyring")
            c2 = SyncClient(dst, ts.url, httpx.HTTPTransport())
            c2.enroll(new_enrolment_code(sdb, "alice"))
            t0 = time.perf_counter()
            r2 = c2.sync()
            dt = time.perf_counter() - t0
            print(
                f"first sync of a {persons}-person caseload ({r2.downloaded} rows) on loopback : {dt:.2f} s "
                f"(target < 5 s) ; {r2.bytes_received / max(1, r2.downloaded):.0f} bytes per row received"
            )
            src.close()
            dst.close()
        sdb.dispose()


def bench_attachments(mib: int) -> None:
    import os

    from app.services.casefile import documents
    from server.admin.accounts import add_user, new_enrolment_code
    from server.api.app import create_app
    from tests.sync.harness import ThreadedServer

    keyring.set_keyring(MemoryKeyring())
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(f"sqlite:///{tmp}/srv.db")
        sdb = app.state.sdb
        add_user(sdb, "alice", "Alice Martin", "referent")
        with ThreadedServer(app) as ts:
            src = vault_service.create_vault(Path(tmp) / "a", "src", mode="keyring")
            c1 = SyncClient(src, ts.url)
            c1.enroll(new_enrolment_code(sdb, "alice"))
            c1.sync()
            ref = c1.status()["user"]["referent_id"]
            with src.db.session() as s:
                p = Person(last_name="Nom", first_name="Léa", regime="legacy", referent_id=ref)
                s.add(p)
                s.flush()
                pid = p.id
            count = max(1, mib // 10)
            for i in range(count):
                data = os.urandom(mib * 1024 * 1024 // count)
                documents.add_document(src.db, pid, kind="cv", title=f"Scan {i}", data=data)
            t0 = time.perf_counter()
            r1 = c1.sync()
            up = time.perf_counter() - t0
            dst = vault_service.create_vault(Path(tmp) / "b", "dst", mode="keyring")
            c2 = SyncClient(dst, ts.url)
            c2.enroll(new_enrolment_code(sdb, "alice"))
            t1 = time.perf_counter()
            r2 = c2.sync()
            down = time.perf_counter() - t1
            assert r1.documents_sent == count and r2.documents_received == count, (r1, r2)
            print(
                f"documents : {mib} MiB in {count} files, upload {mib / up:.1f} MiB/s ({up:.2f} s), "
                f"download {mib / down:.1f} MiB/s ({down:.2f} s), 1 MiB chunks, loopback"
            )
            src.close()
            dst.close()
        sdb.dispose()


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--rows", type=int, default=20000)
    p.add_argument("--ops", type=int, default=5000)
    p.add_argument("--persons", type=int, default=1000)
    p.add_argument("--mib", type=int, default=40, help="document bytes for the attachment benchmark")
    p.add_argument("--documents-only", action="store_true", help="only the attachment benchmark")
    p.add_argument("--server-only", action="store_true", help="only the server apply benchmark")
    a = p.parse_args()
    if a.documents_only:
        bench_attachments(a.mib)
        return 0
    if a.server_only:
        bench_server_apply(a.ops)
        return 0
    bench_download_apply(a.rows)
    bench_first_sync(a.persons)
    bench_server_apply(a.ops)
    bench_attachments(a.mib)
    return 0


if __name__ == "__main__":
    sys.exit(main())
