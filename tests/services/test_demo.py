"""The demo profile: deterministic for a seed, varied, fully through the services (outbox), via the CLI."""

from __future__ import annotations

import io
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import distinct, func, select, text

from app.__main__ import main
from app.models.enums import ContractStatus, ExitCategory, Regime, Track
from app.models.identity.nir import nir_is_valid
from app.models.tables.base import synced_tables
from app.models.tables.carnet import Action
from app.models.tables.contracts import Contract, Signature
from app.models.tables.followup import Appointment
from app.models.tables.local import OutboxOp
from app.models.tables.people import CoAccompaniment, ExitRecord, Orientation, Person
from app.services.bilans import joint_review, records
from app.services.demo.build import populate_demo
from app.services.storage import vault as vault_service

DEMO_SECRET = "demo-fil-rouge"


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[vault_service.Vault, float, str]]:
    """``python -m app --data-dir TMP --passphrase-stdin --profile demo init --demo``, once for the module."""
    data_dir = tmp_path_factory.mktemp("demo")
    mp = pytest.MonkeyPatch()
    mp.setattr("sys.stdin", io.StringIO(f"{DEMO_SECRET}\n"))
    out = io.StringIO()
    mp.setattr("sys.stdout", out)
    started = time.perf_counter()
    try:
        code = main(
            ["--data-dir", str(data_dir), "--passphrase-stdin", "--profile", "demo", "init", "--demo"]
        )
    finally:
        mp.undo()
    elapsed = time.perf_counter() - started
    assert code == 0
    vault = vault_service.open_vault(Path(data_dir), "demo", passphrase=DEMO_SECRET)
    try:
        yield vault, elapsed, out.getvalue()
    finally:
        vault.close()


def _names(tmp_path: Path, name: str) -> list[tuple[str, str, str]]:
    vault = vault_service.create_vault(tmp_path, name, mode="passphrase", passphrase=DEMO_SECRET)
    try:
        populate_demo(vault, seed=7, size=8, today=date(2026, 11, 23))
        with vault.db.read() as s:
            rows = s.execute(
                select(Person.last_name, Person.first_name, Person.city).order_by(
                    Person.last_name, Person.first_name, Person.city
                )
            ).all()
        return [tuple(r) for r in rows]
    finally:
        vault.close()


def test_same_seed_same_people(tmp_path):
    first, second = _names(tmp_path, "a"), _names(tmp_path, "b")
    assert first == second and len(first) == 8


def test_cli_builds_the_demo_and_prints_a_french_summary(demo_run):
    vault, elapsed, printed = demo_run
    assert "Profil de démonstration « demo » créé : 95 personnes, 4 référents," in printed
    assert "rendez-vous" in printed and "contrats" in printed
    assert vault.info.demo
    assert elapsed < 120  # < 10 s on an idle machine; the bound only catches a runaway


def _values(vault, column) -> set[str]:
    with vault.db.read() as s:
        return set(s.scalars(select(column).distinct()).all())


def test_variety(demo_run):
    vault = demo_run[0]
    assert _values(vault, Contract.status) == {str(c) for c in ContractStatus}
    assert _values(vault, ExitRecord.category) == {str(c) for c in ExitCategory}
    assert _values(vault, Person.regime) == {str(r) for r in Regime}
    assert _values(vault, Contract.kind) == {"cer", "ce"}
    assert _values(vault, Orientation.track) == {str(t) for t in Track}
    assert {"honore", "non_honore", "excuse", "annule", "prevu"} <= _values(vault, Appointment.status)
    assert {"physique", "telephone", "visio", "visite_domicile"} <= _values(vault, Appointment.nature)
    with vault.db.read() as s:
        assert (
            s.scalar(
                select(func.count())
                .select_from(ExitRecord)
                .where(ExitRecord.in_job_followup_until.is_not(None))
            )
            >= 1
        )
        assert (
            s.scalar(select(func.count()).select_from(Orientation).where(Orientation.is_reorientation)) >= 1
        )
        assert s.scalar(select(func.count()).select_from(Person).where(Person.referent_id.is_(None))) >= 1
        nirs = s.scalars(select(Person.nir).where(Person.nir.is_not(None))).all()
        assert nirs and all(nir_is_valid(n) for n in nirs)
        shared = s.execute(
            text("select caf_number from person group by caf_number having count(*) > 1")
        ).all()
        assert shared  # couples share a CAF number
        assert s.scalar(select(func.count()).select_from(Signature).where(Signature.method == "pad")) > 0
        kinds = set(s.execute(text("select distinct kind from sanction_step")).scalars())
        assert kinds == {"manquement", "courrier", "avis_ep", "decision", "remobilisation"}
    # bilans as records (ADR 0050): finalised, of the contract's end and of exits, some tripartite, each
    # recommendation's step opened; joint diagnostics with France Travail (ADR 0051)
    bilans = [b for _name, b in records.all_bilans(vault.db)]
    assert len(bilans) >= 5 and all(b.final for b in bilans)
    assert {"fin_contrat", "sortie"} <= {b.kind for b in bilans} and any(b.tripartite for b in bilans)
    assert all(b.next_step_id for b in bilans if b.recommendation in ("renouvellement", "avenant", "sortie"))
    assert joint_review.all_joint_reviews(vault.db)
    with (
        vault.db.read() as s
    ):  # co-accompaniment (ADR 0052): a colleague beside the référent, an action confided
        assert s.scalar(select(func.count()).select_from(CoAccompaniment)) >= 1
        assert s.scalar(select(func.count()).select_from(Action).where(Action.assignee_id.is_not(None))) >= 1


def test_every_row_of_every_synced_table_has_its_op(demo_run):
    vault = demo_run[0]
    with vault.db.read() as s:
        used = {}
        for name, model in synced_tables().items():
            n = s.scalar(select(func.count()).select_from(model))
            if n:
                used[name] = n
        with_ops = dict(
            s.execute(
                select(OutboxOp.table_name, func.count(distinct(OutboxOp.row_id))).group_by(
                    OutboxOp.table_name
                )
            ).all()
        )
        seqs = s.scalars(select(OutboxOp.device_seq).order_by(OutboxOp.device_seq)).all()
    assert with_ops == used
    assert {"person", "appointment", "contract", "contract_event", "signature", "note", "exit_record"} <= set(
        used
    )
    assert seqs == list(range(1, len(seqs) + 1))


def test_demo_lock_code(demo_run):
    lock = pytest.importorskip("app.services.storage.lock")
    assert lock.verify_lock_code(demo_run[0].db, DEMO_SECRET)


def test_demo_has_consents_reminders_letters_and_collective_sessions(demo_run):
    from app.models.tables.followup import AppointmentLetter, AppointmentReminder
    from app.services.agenda import views as agenda
    from app.services.casefile import sessions

    vault = demo_run[0]
    with vault.db.read() as s:
        channels = dict(
            s.execute(select(Person.reminder_channel, func.count()).group_by(Person.reminder_channel)).all()
        )
        states = dict(
            s.execute(
                select(AppointmentReminder.state, func.count()).group_by(AppointmentReminder.state)
            ).all()
        )
        kinds = set(s.scalars(select(AppointmentLetter.kind)))
        failures = set(s.execute(select(AppointmentReminder.channel, AppointmentReminder.failure)
                                 .where(AppointmentReminder.state == "echec")).all())  # fmt: skip
        session_ids = s.scalars(
            select(Appointment.id).where(Appointment.collective.is_(True), Appointment.person_id.is_(None))
        ).all()
    assert channels.get("sms", 0) > 5 and channels.get("courriel", 0) > 3 and channels["aucun"] > 20
    assert states.get("envoye", 0) > 3 and states.get("echec", 0) >= 1 and states.get("a_envoyer", 0) > 3
    assert {"convocation", "relance"} <= kinds
    assert all(
        ("SMS" in why) == (channel == "sms") for channel, why in failures
    )  # each failure its channel's
    views = [sessions.session_view(vault.db, sid) for sid in session_ids]
    assert len(views) == 3 and all(v.participants for v in views)
    assert all(v.starts_at.weekday() < 5 for v in views)
    held = next(v for v in views if v.status == "honore")
    assert {p.status for p in held.participants} <= {"honore", "excuse", "non_honore"}
    assert any(v.seated == v.capacity for v in views)  # one session is full
    assert all(i.is_session for d in agenda.week_agenda(vault.db, views[1].starts_at.date()).days for i in d.items
               if i.collective and i.person_id is None)  # fmt: skip


def test_the_demo_holds_a_realistic_ep_set(demo_run):
    """Two séances (one held, decided; one coming, with a person convened), saisines of every motive and state,
    some decided past the one-month target, the décisions' consequences written in the files."""
    from app.services.ep import views

    vault = demo_run[0]
    rows = views.referrals(vault.db)
    assert {"decidee", "inscrite", "en_attente", "retiree"} <= {r.status for r in rows}
    assert {r.motive for r in rows} == {"reorientation", "sanction", "situation_complexe"}
    assert all(r.facts for r in rows)
    coming, held = views.seances(vault.db)
    assert (held.status, held.decided, len(held.items)) == ("tenue", 3, 4)
    assert coming.status == "prevue" and any(i.case.convened_on for i in coming.items)
    decided = [r for r in rows if r.days_to_decision is not None]
    assert any(r.late(date.today()) for r in decided) and any(not r.late(date.today()) for r in decided)
    assert any(c.consequence.startswith("Parcours social") for r in decided for c in r.cases)
