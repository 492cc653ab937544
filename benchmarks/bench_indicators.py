"""Indicator benchmarks (not a test): prints figures and the ratio to the target of issue #8.

    .venv/bin/python benchmarks/bench_indicators.py [--people 100000] [--caseload 20000] [--no-server]

1. département report over ``--people`` people on PostgreSQL (target < 2 s for a month), generated directly
   into the server's business tables with COPY: parcours, orientations, RDVs, contracts, prescriptions, exits
   spread over 2024–2026; then the quarter and the year, and the same month per team (10 teams). Timed without
   and then with the date indexes listed in ``EXTRA_INDEXES`` (created here, to measure; not a migration);
2. client report (own caseload) in an encrypted vault: the demo profile (95 people) and a ``--caseload`` of
   20,000 people generated the same way, plus the list of people behind the biggest figure.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import keyring
import sqlalchemy as sa

import app.models.tables  # noqa: F401 - registers every table
from app.models.indicators.period import Period
from app.models.tables.base import Base
from app.services.demo import data as demo_data
from tests.conftest import MemoryKeyring

PERIOD = Period.month(2026, 10)
TODAY = date(2026, 11, 20)
TARGET_S = 2.0
TEAMS = 10
REFERENTS_PER_TEAM = 100

#: Indexes the report's date ranges can use (measured here; the migration is the sync helper's business). Those
#: the migrated schema already has (a server migration made them) are left out of the « extra » run.
EXTRA_INDEXES = (
    ("ix_parcours_start_date", "parcours", ("start_date",)),
    ("ix_parcours_end_date", "parcours", ("end_date",)),
    ("ix_orientation_decision_date", "orientation", ("decision_date",)),
    ("ix_appointment_starts_at", "appointment", ("starts_at",)),
    ("ix_prescription_prescribed_on", "prescription", ("prescribed_on",)),
    ("ix_exit_record_exit_date", "exit_record", ("exit_date",)),
    ("ix_contract_person_signed", "contract", ("person_id", "signed_on")),
    ("ix_appointment_person_starts", "appointment", ("person_id", "starts_at")),
)

LAST = list(demo_data.LAST_NAMES)
FIRST = list(demo_data.FEMALE_FIRST + demo_data.MALE_FIRST)
COMMUNES = list(demo_data.COMMUNES)
ORGANISMES = ["france_travail", "cap_emploi", "mds", "ccas", "agence_locale_insertion", "association"]
PURPOSES = ["premier_rdv", "diagnostic", "signature_contrat", "suivi", "suivi", "suivi", "bilan", "atelier"]
NATURES = ["physique", "physique", "physique", "telephone", "visio", "visite_domicile"]
PLACES = ["MDS Nord — bureau 2", "Antenne Sud", "Mairie — permanence", "Domicile", ""]
STATUSES = ["honore"] * 14 + ["non_honore"] * 3 + ["excuse"] * 2 + ["annule"]
KINDS = [
    "pmsmp",
    "formation",
    "formation_qualifiante",
    "siae",
    "aci",
    "iod",
    "atelier_collectif",
    "coaching_emploi",
]
OUTCOMES = ["en_attente", "accepte", "refuse", "entre", "abandonne", "termine"]
EXITS = [
    ("emploi_durable", "cdi"),
    ("emploi_durable", "cdd_6_mois_plus"),
    ("emploi_transition", "cdd_moins_6_mois"),
    ("sortie_positive", "formation_qualifiante"),
    ("autres", "demenagement"),
    ("autres", "sans_nouvelles"),
]


def _template(table: str) -> dict[str, Any]:
    """Every column of ``table``: its scalar default, else None (nullable) or an empty value."""
    out: dict[str, Any] = {}
    for c in Base.metadata.tables[table].columns:
        default = c.default.arg if c.default is not None and not callable(c.default.arg) else None
        if default is not None:
            out[c.name] = default
        elif c.nullable:
            out[c.name] = None
        else:
            out[c.name] = "" if isinstance(c.type, sa.String) else None
    out.update(
        created_at=datetime(2026, 1, 1), updated_at=datetime(2026, 1, 1), revision=1, origin_device="bench"
    )
    return out


def generate(n: int, referent_ids: list[str], seed: int = 8) -> dict[str, list[dict[str, Any]]]:
    """Realistic caseloads: one parcours per person (15 % ended by a sortie), its orientation, 3–8 RDVs,
    a signed contract for 4 people out of 5, 0–3 prescriptions."""
    rng = random.Random(seed)
    t = {
        name: _template(name)
        for name in (
            "person",
            "orientation",
            "parcours",
            "appointment",
            "contract",
            "prescription",
            "exit_record",
        )
    }
    rows: dict[str, list[dict[str, Any]]] = {name: [] for name in t}
    first_day = date(2024, 1, 1)
    span = (TODAY - first_day).days
    for i in range(n):
        pid = str(uuid.uuid4())
        commune, postal = COMMUNES[i % len(COMMUNES)]
        regime = "plein_emploi" if rng.random() < 0.6 else "legacy"
        rows["person"].append(
            {
                **t["person"],
                "id": pid,
                "last_name": rng.choice(LAST),
                "first_name": rng.choice(FIRST),
                "caf_number": f"{rng.randrange(10**6, 10**7)}",
                "city": commune,
                "postal_code": postal,
                "regime": regime,
                "referent_id": referent_ids[i % len(referent_ids)],
            }
        )
        start = first_day + timedelta(days=rng.randrange(span))
        decision = start - timedelta(days=rng.randrange(0, 20))
        track = rng.choice(["emploi", "socio_pro", "social"])
        end: date | None = None
        if rng.random() < 0.15:
            end = start + timedelta(days=rng.randrange(30, 700))
            if end >= TODAY:
                end = None
        parcours_id = str(uuid.uuid4())
        rows["orientation"].append(
            {
                **t["orientation"],
                "id": str(uuid.uuid4()),
                "person_id": pid,
                "track": track,
                "organisme": rng.choice(ORGANISMES),
                "regime": regime,
                "decision_date": decision,
                "notification_date": decision + timedelta(days=rng.randrange(0, 15))
                if rng.random() < 0.7
                else None,
                "ended_on": end,
            }
        )
        rows["parcours"].append(
            {
                **t["parcours"],
                "id": parcours_id,
                "person_id": pid,
                "start_date": start,
                "end_date": end,
                "track": track,
            }
        )
        last = min(end or TODAY, TODAY)
        days = max((last - decision).days, 1)
        for _ in range(rng.randrange(3, 9)):
            day = decision + timedelta(days=rng.randrange(days))
            status = "prevu" if day >= TODAY else rng.choice(STATUSES)
            rows["appointment"].append(
                {
                    **t["appointment"],
                    "id": str(uuid.uuid4()),
                    "person_id": pid,
                    "referent_id": referent_ids[i % len(referent_ids)],
                    "starts_at": datetime.combine(day, dtime(9 + rng.randrange(8), 15)),
                    "purpose": rng.choice(PURPOSES),
                    "nature": rng.choice(NATURES),
                    "place": rng.choice(PLACES),
                    "status": status,
                }
            )
        if rng.random() < 0.8:
            signed = decision + timedelta(days=rng.randrange(5, 90))
            if signed < TODAY:
                months = rng.choice([6, 12])
                cend = signed + timedelta(days=30 * months)
                rows["contract"].append(
                    {
                        **t["contract"],
                        "id": str(uuid.uuid4()),
                        "person_id": pid,
                        "number": f"C{i}",
                        "kind": "ce" if regime == "plein_emploi" else "cer",
                        "regime": regime,
                        "status": "en_cours" if cend > TODAY else "termine",
                        "start_date": signed,
                        "end_date": cend,
                        "duration_months": months,
                        "signed_on": signed,
                    }
                )
        for _ in range(rng.choice([0, 0, 1, 1, 2, 3])):
            day = start + timedelta(days=rng.randrange(max((last - start).days, 1)))
            rows["prescription"].append(
                {
                    **t["prescription"],
                    "id": str(uuid.uuid4()),
                    "person_id": pid,
                    "kind": rng.choice(KINDS),
                    "prescribed_on": day,
                    "outcome": rng.choice(OUTCOMES),
                }
            )
        if end is not None:
            category, reason = rng.choice(EXITS)
            rows["exit_record"].append(
                {
                    **t["exit_record"],
                    "id": str(uuid.uuid4()),
                    "person_id": pid,
                    "parcours_id": parcours_id,
                    "exit_date": end,
                    "category": category,
                    "reason": reason,
                }
            )
    return rows


def _copy(conn: sa.Connection, table: sa.Table, rows: list[dict[str, Any]]) -> None:
    cols = [c.name for c in table.columns]
    dbapi = conn.connection.driver_connection
    with dbapi.cursor() as cur, cur.copy(f"COPY {table.name} ({', '.join(cols)}) FROM STDIN") as copy:  # type: ignore[union-attr]
        for r in rows:
            copy.write_row([r[c] for c in cols])


def _timed(label: str, fn: Any, repeat: int = 3) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t0)
    return best, result


def _pg() -> Iterator[str]:
    from tests.postgres import pg_url

    yield from pg_url.__wrapped__()  # type: ignore[attr-defined]


def bench_server(n: int) -> None:
    from server.engine.indicators import Filters, department_report, grouped_reports, load_context
    from server.store.db import ServerDB
    from server.store.tables import BUSINESS, teams, users

    gen = _pg()
    try:
        url = next(gen)
    except BaseException as exc:
        print(f"département report on PostgreSQL : skipped ({exc})")
        return
    try:
        sdb = ServerDB(url)
        sdb.migrate()
        refs = [str(uuid.uuid4()) for _ in range(TEAMS * REFERENTS_PER_TEAM)]
        t0 = time.perf_counter()
        data = generate(n, refs)
        gen_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        with sdb.write() as conn:
            for name, rows in data.items():
                _copy(conn, BUSINESS[name], rows)
            for k in range(TEAMS):
                tid = str(uuid.uuid4())
                conn.execute(teams.insert().values(id=tid, name=f"Équipe {k + 1:02d}"))
                conn.execute(
                    users.insert(),
                    [
                        {
                            "id": str(uuid.uuid4()),
                            "login": f"u{k}-{j}",
                            "name": "",
                            "role": "referent",
                            "team_id": tid,
                            "referent_id": refs[k * REFERENTS_PER_TEAM + j],
                            "created_at": datetime(2026, 1, 1),
                        }
                        for j in range(REFERENTS_PER_TEAM)
                    ],
                )
        with sdb.engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("VACUUM ANALYZE")
        load_s = time.perf_counter() - t0
        total = sum(len(r) for r in data.values())
        print(
            f"data : {n:,} people, {total:,} rows (generated in {gen_s:.1f} s, COPY + ANALYZE {load_s:.1f} s)"
        )
        print("  " + ", ".join(f"{k} {len(v):,}" for k, v in data.items()))
        ctx = load_context()

        def run(label: str) -> None:
            s, report = _timed(label, lambda: department_report(sdb, PERIOD, context=ctx))
            print(
                f"{label} month {PERIOD.code} : {s:.2f} s ; {n / s:,.0f} people/s ; "
                f"ratio to the 2 s target {s / TARGET_S:.2f} (file active {report.figure('file_active').value:,})"
            )
            for code in ("2026-T4", "2026"):
                period = Period.quarter(2026, 4) if "T" in code else Period.year(2026)
                s, _ = _timed(label, lambda p=period: department_report(sdb, p, context=ctx), repeat=1)
                print(f"{label} {code} : {s:.2f} s")
            s, _ = _timed(
                label, lambda: department_report(sdb, PERIOD, Filters(team="Équipe 01"), context=ctx)
            )
            print(f"{label} one team ({REFERENTS_PER_TEAM} référents) : {s:.2f} s")
            s, _ = _timed(label, lambda: grouped_reports(sdb, PERIOD, "equipe", context=ctx), repeat=1)
            print(f"{label} per team ({TEAMS} reports) : {s:.2f} s")

        with sdb.engine.connect() as conn:
            present = set(conn.exec_driver_sql("SELECT indexname FROM pg_indexes").scalars())
        extra = [(name, table, cols) for name, table, cols in EXTRA_INDEXES if name not in present]
        already = sorted(name for name, _t, _c in EXTRA_INDEXES if name in present)
        if already:  # e.g. ix_appointment_person_starts, made a migration by s0003
            print(f"  already in the migrated schema (not extra): {', '.join(already)}")
        run("without extra indexes")
        with sdb.write() as conn:
            for name, table, cols in extra:
                conn.exec_driver_sql(f"CREATE INDEX {name} ON {table} ({', '.join(cols)})")
        with sdb.engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")
        run("with extra indexes   ")
        sdb.dispose()
    finally:
        gen.close()


def bench_client(caseload: int) -> None:
    from app.services.demo.build import populate_demo
    from app.services.people.identity import set_current_referent, upsert_referent
    from app.services.reporting import indicators
    from app.services.storage import vault as vault_service

    keyring.set_keyring(MemoryKeyring())
    with tempfile.TemporaryDirectory() as tmp:
        v = vault_service.create_vault(Path(tmp) / "demo", "demo", mode=vault_service.MODE_KEYRING)
        populate_demo(v, today=TODAY)
        s, report = _timed("demo", lambda: indicators.compute(v.db, PERIOD))
        print(
            f"client report, demo caseload ({report.figure('file_active').value} in file active) : {s * 1000:.0f} ms"
        )
        v.close()

        v = vault_service.create_vault(Path(tmp) / "big", "big", mode=vault_service.MODE_KEYRING)
        ref = upsert_referent(v.db, login="bench", first_name="Claire", last_name="Marchand")
        set_current_referent(v.db, ref)
        data = generate(caseload, [ref], seed=9)
        with v.db.engine.begin() as conn:
            for name, rows in data.items():
                for k in range(0, len(rows), 5000):
                    conn.execute(Base.metadata.tables[name].insert(), rows[k : k + 5000])
        s, report = _timed("big", lambda: indicators.compute(v.db, PERIOD))
        print(f"client report, {caseload:,}-person caseload : {s:.2f} s")
        s, lines = _timed("behind", lambda: indicators.people_behind(v.db, PERIOD, "file_active"))
        print(f"people behind « file active » ({len(lines):,} lines) : {s:.2f} s")
        v.close()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--people", type=int, default=100_000)
    p.add_argument("--caseload", type=int, default=20_000)
    p.add_argument("--no-server", action="store_true")
    p.add_argument("--no-client", action="store_true")
    args = p.parse_args()
    if not args.no_server:
        bench_server(args.people)
    if not args.no_client:
        bench_client(args.caseload)


if __name__ == "__main__":
    main()
