"""Benchmark of the encrypted vault (not a test: it prints figures, ratios first).

1. Batched insert of 50,000 ``person`` rows in one transaction, into the SQLCipher vault and into a plain
   SQLite file with the same schema (Alembic), same pragmas, same rows: rows/s and the ratio.
2. The same through the ORM session with the outbox guard (what a form save does), on 5,000 rows.
3. Opening a vault: keyring mode (raw 32-byte key, no KDF) vs passphrase mode (scrypt n=2^15, r=8, p=1).

    .venv/bin/python benchmarks/bench_vault.py [--rows 50000] [--orm-rows 5000] [--opens 10]

Reference (ARCHITECTURE.md, STACK.md): ~35k rows/s encrypted vs ~70k/s plain; ~0.3 ms to key a raw-key
connection vs ~110 ms with a passphrase; the download apply target is ≥ 50 % of a raw batched insert.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import keyring  # noqa: E402
import keyring.backend  # noqa: E402
import keyring.errors  # noqa: E402
from sqlalchemy import Engine, create_engine, event, func, insert, select  # noqa: E402

from app.models.tables.base import new_id, utcnow  # noqa: E402
from app.models.tables.people import Person  # noqa: E402
from app.services.storage import migrate  # noqa: E402
from app.services.storage import vault as vault_service  # noqa: E402

PASSPHRASE = "banc d'essai du coffre"
LAST = ["Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau"]
FIRST = ["Léa", "Hugo", "Chloé", "Lucas", "Inès", "Nathan", "Zoé", "Théo", "Manon", "Éloïse"]
CITIES = ["Lille", "Roubaix", "Tourcoing", "Douai", "Valenciennes", "Dunkerque", "Cambrai", "Lens"]


class _MemoryKeyring(keyring.backend.KeyringBackend):
    """Stands in for the OS keyring, so keyring mode can be measured anywhere."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.store.pop((service, username), None) is None:
            raise keyring.errors.PasswordDeleteError("absent")


def make_rows(n: int, seed: int = 42) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    now = utcnow()
    rows = []
    for i in range(n):
        rows.append(
            {
                "id": new_id(),
                "created_at": now,
                "updated_at": now,
                "deleted_at": None,
                "revision": 0,
                "origin_device": "bench",
                "nir": f"{rng.choice('12')}{rng.randint(10**13, 10**14 - 1)}",
                "caf_number": f"{rng.randint(10**6, 10**7 - 1)}",
                "household_id": None,
                "civility": rng.choice(["M.", "Mme"]),
                "sex": rng.choice("FM"),
                "last_name": rng.choice(LAST),
                "birth_name": "",
                "first_name": rng.choice(FIRST),
                "birth_date": date(1950 + rng.randint(0, 55), rng.randint(1, 12), rng.randint(1, 28)),
                "address_line": f"{rng.randint(1, 200)} rue de la République",
                "address_extra": "",
                "postal_code": f"59{rng.randint(0, 999):03d}",
                "city": rng.choice(CITIES),
                "phone": f"06{rng.randint(0, 10**8 - 1):08d}",
                "email": f"personne{i}@exemple.fr",
                "rsa_entry_date": date(2015 + rng.randint(0, 10), rng.randint(1, 12), 1),
                "regime": rng.choice(["legacy", "france_travail"]),
                "status": "active",
                "referent_id": None,
                "health_data_consent": False,
                "last_contact_date": None,
            }
        )
    columns = {c.key for c in Person.__table__.columns}
    return [{k: v for k, v in r.items() if k in columns} for r in rows]


def plain_engine(path: Path) -> Engine:
    """Plain SQLite with the vault's pragmas and transaction handling, for a like-for-like baseline."""
    engine = create_engine(f"sqlite:///{path}", connect_args={"check_same_thread": False, "timeout": 10})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode = WAL")
        cur.execute("PRAGMA foreign_keys = ON")
        cur.execute("PRAGMA synchronous = NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN")

    return engine


def batched_insert(engine: Engine, rows: list[dict[str, Any]], batch: int = 5000) -> float:
    start = time.perf_counter()
    with engine.begin() as conn:
        for i in range(0, len(rows), batch):
            conn.execute(insert(Person.__table__), rows[i : i + batch])
    elapsed = time.perf_counter() - start
    with engine.connect() as conn:
        count = conn.execute(select(func.count()).select_from(Person.__table__)).scalar_one()
    assert count == len(rows), (count, len(rows))
    return elapsed


def dbapi_insert(engine: Engine, rows: list[dict[str, Any]]) -> float:
    """The same rows straight through the DB-API (``executemany``): the storage engine's own cost."""
    cols = list(rows[0])
    sql = f"INSERT INTO person ({', '.join(cols)}) VALUES ({', '.join('?' for _ in cols)})"
    tuples = [
        tuple(
            v.isoformat(sep=" ") if hasattr(v, "hour") else v.isoformat() if isinstance(v, date) else v
            for v in (r[c] for c in cols)
        )
        for r in rows
    ]
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        cur.execute("DELETE FROM person")
        start = time.perf_counter()
        cur.execute("BEGIN")
        cur.executemany(sql, tuples)
        cur.execute("COMMIT")
        elapsed = time.perf_counter() - start
        cur.close()
    finally:
        raw.close()
    return elapsed


def orm_insert(vault: vault_service.Vault, rows: list[dict[str, Any]]) -> float:
    start = time.perf_counter()
    with vault.db.session() as s:
        for r in rows:
            s.add(Person(**{k: v for k, v in r.items() if k != "id"}))
    return time.perf_counter() - start


def timed(fn: Callable[[], Any], repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def ms(values: list[float]) -> str:
    return f"median {statistics.median(values) * 1000:.1f} ms (min {min(values) * 1000:.1f}, max {max(values) * 1000:.1f})"


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--orm-rows", type=int, default=5_000)
    parser.add_argument("--opens", type=int, default=10)
    args = parser.parse_args()
    keyring.set_keyring(_MemoryKeyring())
    rows = make_rows(args.rows)

    with tempfile.TemporaryDirectory(prefix="fil-rouge-bench-") as tmp:
        data = Path(tmp)
        print(f"== Batched insert of {args.rows:,} person rows, one transaction")
        vault = vault_service.create_vault(data, "chiffre", mode=vault_service.MODE_KEYRING)
        vault_engine = vault.db.engine
        t_enc = batched_insert(vault_engine, rows)
        vault.close()
        plain = plain_engine(data / "plain.db")
        migrate.upgrade(plain)
        t_plain = batched_insert(plain, rows)
        plain.dispose()
        enc_rate, plain_rate = args.rows / t_enc, args.rows / t_plain
        print(f"  SQLCipher vault : {t_enc:6.2f} s  {enc_rate:9,.0f} rows/s")
        print(f"  plain SQLite    : {t_plain:6.2f} s  {plain_rate:9,.0f} rows/s")
        print(f"  ratio encrypted/plain throughput: {enc_rate / plain_rate:.2f}")
        size = (data / "profiles" / "chiffre" / "vault.db").stat().st_size
        print(f"  vault file: {size / 1e6:.1f} MB")

        print("== Same rows through the DB-API executemany (no SQLAlchemy type processing)")
        vault = vault_service.open_vault(data, "chiffre")
        d_enc = dbapi_insert(vault.db.engine, rows)
        vault.close()
        plain = plain_engine(data / "plain.db")
        d_plain = dbapi_insert(plain, rows)
        plain.dispose()
        print(f"  SQLCipher vault : {d_enc:6.2f} s  {args.rows / d_enc:9,.0f} rows/s")
        print(f"  plain SQLite    : {d_plain:6.2f} s  {args.rows / d_plain:9,.0f} rows/s")
        print(f"  ratio encrypted/plain throughput: {d_plain / d_enc:.2f}")

        print(f"== ORM session with the outbox guard, {args.orm_rows:,} rows in one transaction")
        vault = vault_service.open_vault(data, "chiffre")
        t_orm = orm_insert(vault, rows[: args.orm_rows])
        vault.close()
        orm_rate = args.orm_rows / t_orm
        print(
            f"  {t_orm:6.2f} s  {orm_rate:9,.0f} rows/s (+1 outbox op each)  ratio to raw batched: "
            f"{orm_rate / enc_rate:.2f}"
        )

        print(f"== Opening a vault ({args.opens} times each)")
        vault_service.create_vault(
            data, "phrase", mode=vault_service.MODE_PASSPHRASE, passphrase=PASSPHRASE
        ).close()

        def open_keyring() -> None:
            vault_service.open_vault(data, "chiffre").close()

        def open_passphrase() -> None:
            vault_service.open_vault(data, "phrase", passphrase=PASSPHRASE).close()

        info = vault_service.read_profile(data, "phrase")
        salt = info.salt_path.read_bytes()
        t_key = timed(open_keyring, args.opens)
        t_pass = timed(open_passphrase, args.opens)
        t_kdf = timed(lambda: vault_service.derive_key(PASSPHRASE, salt, info.kdf), args.opens)
        raw_key = bytes.fromhex(
            keyring.get_password(
                "fil-rouge", f"vault:{vault_service.read_profile(data, 'chiffre').profile_id}"
            )
            or ""
        )

        def key_connection() -> None:
            engine = vault_service.make_engine(data / "profiles" / "chiffre" / "vault.db", raw_key)
            with engine.connect():
                pass
            engine.dispose()

        t_conn = timed(key_connection, args.opens)
        print(f"  keyring mode (raw key)      : {ms(t_key)}")
        print(f"  passphrase mode (scrypt+raw): {ms(t_pass)}")
        print(f"  of which scrypt alone       : {ms(t_kdf)}")
        print(f"  keyed connection alone      : {ms(t_conn)} (raw key, pragmas, probe; no Alembic check)")
        print(f"  ratio passphrase/keyring open: {statistics.median(t_pass) / statistics.median(t_key):.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
