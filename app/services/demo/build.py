"""The demo profile (``python -m app --profile demo init --demo``): a caseload of about 95 people.

**Every person, address, phone number, CAF number and NIR here is fictitious**, drawn from word lists with a
fixed seed (``random.Random(seed)``): the same seed and the same ``today`` give the same caseload. Dates are
relative to ``today``. Everything is written through the services (one transaction per person), so the outbox
fills exactly as in real use. The variety is planned (:mod:`app.services.demo.people`): both regimes, the three
tracks, réorientations, RDVs of every objet, nature and status, notes of every kind, diagnostic versions, carnet
objectives and actions, prescriptions, contracts in every state with versions, events and pad signatures, exits of
every category (one with an in-job follow-up, one re-entry), two sanction procedures, bilans (fin de contrat and
sortie, some tripartite) and joint diagnostics with France Travail, and overdue situations on purpose (no RDV for months, no contract past the deadline, contract ending soon, no référent).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, datetime, time, timedelta

from dateutil.relativedelta import relativedelta
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models.enums import (
    AppointmentStatus,
    AuditAction,
    BilanRecommendation,
    ContractKind,
    ContractStatus,
    Track,
)
from app.models.tables.contracts import Contract
from app.models.tables.followup import Appointment
from app.models.tables.people import Person, Referent
from app.services.contracts.editor import renew
from app.services.contracts.views import get_contract
from app.services.demo import casefile as df
from app.services.demo import contracts as dc
from app.services.demo import convocations, data
from app.services.demo import reviews as dr
from app.services.demo.ep import populate_ep
from app.services.demo.people import Demo, Plan, create_identity, create_referents, make_plans, regime_at
from app.services.people import identity as people
from app.services.people import parcours
from app.services.storage import audit, settings
from app.services.storage.db import Database
from app.services.storage.vault import Vault

Handler = Callable[[Session, Demo, df.FileState, date], None]


def _first_rdv(demo: Demo, notified: date) -> date:
    return notified + timedelta(days=demo.rng.randint(5, 14))


def _contract_start(demo: Demo, st: df.FileState, fallback: date) -> date:
    base = st.honoured[0] if st.honoured else fallback
    return min(base + timedelta(days=demo.rng.randint(10, 30)), demo.today - timedelta(days=1))


def _signature_rdv(s: Session, demo: Demo, st: df.FileState, day: date) -> None:
    if day < demo.today:
        df.add_rdv(s, demo, st, day, "signature_contrat", AppointmentStatus.HONOURED)


def _regular(s: Session, demo: Demo, st: df.FileState, notified: date) -> None:
    scenario = st.plan.scenario
    last = demo.days_ago(75, 240) if scenario == "no_contact" else demo.today
    df.follow_up(
        s,
        demo,
        st,
        _first_rdv(demo, notified),
        last,
        0 if scenario == "no_contact" else demo.rng.randint(1, 2),
    )
    start = _contract_start(demo, st, notified)
    if scenario == "reorientation":  # decided after the first interviews; the contracts follow it
        moved = st.plan.entry + timedelta(days=demo.rng.randint(25, 45))
        df.reorient(s, demo, st, moved)
        start = max(
            start, min(moved + timedelta(days=demo.rng.randint(12, 25)), demo.today - timedelta(days=1))
        )
    if scenario.startswith("sanction"):
        complete = scenario == "sanction_full"
        dc.sanction(s, demo, st, demo.days_ago(150, 250) if complete else demo.days_ago(40, 60), complete)
    _signature_rdv(s, demo, st, start)
    cid = dc.chain(s, demo, st, start, None, ending_soon=scenario == "ending_soon")
    dc.carnet(s, demo, st, cid, start, closed=False)
    view = get_contract.within(s, cid)
    if view.kind == ContractKind.CE and view.start_date is not None:
        dr.joint_review_if_due(s, demo, st, view.start_date)  # social track (ADR 0051)
    if scenario == "avenant":
        dc.amend(s, demo, st, cid)
    _contract_end_work(s, demo, st, cid, late=scenario == "ending_soon")


def _contract_end_work(s: Session, demo: Demo, st: df.FileState, cid: str, *, late: bool) -> None:
    """What a référent does as a contract nears its end: the bilan two months before, the renewal drafted in
    the last month (the « ending soon » people are left behind on purpose)."""
    end = get_contract.within(s, cid).end_date
    if end is None or late:
        return
    bilan_due = end - relativedelta(months=2)
    if bilan_due <= demo.today and demo.rng.random() < 0.95:
        day = max(bilan_due - timedelta(days=demo.rng.randint(0, 20)), demo.today - timedelta(days=60))
        day = min(day, demo.today - timedelta(days=1))
        df.add_rdv(s, demo, st, day, "bilan", AppointmentStatus.HONOURED)
        recommended = dr.contract_bilan(s, demo, st, cid, day)  # the bilan recorded (ADR 0050)
        if recommended in (BilanRecommendation.RENEWAL, BilanRecommendation.REORIENTATION):
            return  # the renewal drafted by the bilan, or the département deciding a réorientation
    if end - relativedelta(months=1) <= demo.today and demo.rng.random() < 0.95:
        renew.within(s, cid, author=(st.ref or demo.me).login)


def _legacy_awaiting_ce(s: Session, demo: Demo, st: df.FileState, notified: date) -> None:
    """Accompanied since 2024 under the former regime: a CER signed in 2024 and ended, no contrat d'engagement
    yet, so the « remplacement du CER » deadline of 1 January 2027 is coming."""
    df.follow_up(s, demo, st, _first_rdv(demo, notified), demo.today, 1)
    start = max(_contract_start(demo, st, notified), demo.today.replace(year=2024, month=1, day=8))
    start = min(start, date(2024, 12, 2))
    cid = dc.draft(s, demo, st, dc.choose_plan(demo), start, 12)
    dc.lifecycle(s, demo, st, cid, start, start + relativedelta(months=12) - timedelta(days=1), None)
    dc.carnet(s, demo, st, cid, start, closed=False)


def _no_contract(s: Session, demo: Demo, st: df.FileState, notified: date) -> None:
    """Newcomers (within the deadline) and people past the contract deadline: RDVs, no contract yet."""
    df.follow_up(s, demo, st, _first_rdv(demo, notified), demo.today, 1)
    if st.plan.scenario == "no_contract_late":
        dc.carnet(s, demo, st, None, notified, closed=False)


def _special(s: Session, demo: Demo, st: df.FileState, notified: date) -> None:
    df.follow_up(s, demo, st, _first_rdv(demo, notified), demo.today, 1)
    state = {
        "draft": ContractStatus.DRAFT,
        "signed": ContractStatus.SIGNED,
        "validated": ContractStatus.VALIDATED,
        "rejected": ContractStatus.REJECTED,
    }[st.plan.scenario]
    cid = dc.special(s, demo, st, state)
    dc.carnet(s, demo, st, cid, demo.today - timedelta(days=10), closed=False)


def _exit(s: Session, demo: Demo, st: df.FileState, notified: date) -> None:
    when = demo.days_ago(30, 90) if st.plan.scenario == "exit_followup" else demo.days_ago(15, 160)
    df.follow_up(s, demo, st, _first_rdv(demo, notified), when, 0)
    start = _contract_start(demo, st, notified)
    cid = dc.chain(s, demo, st, start, when) if start < when else None
    dc.carnet(s, demo, st, cid, start, closed=True)
    df.leave(s, demo, st, when, st.plan.scenario)
    if st.plan.scenario != "exit_other":
        dr.exit_bilan(s, demo, st, when)


def _reentry(s: Session, demo: Demo, st: df.FileState, notified: date) -> None:
    """A sortie « sans nouvelles » a year ago, then a re-entry: a new parcours, the history kept."""
    left = demo.days_ago(380, 500)
    df.follow_up(s, demo, st, _first_rdv(demo, notified), left, 0)
    dc.chain(s, demo, st, _contract_start(demo, st, notified), left)
    df.leave(s, demo, st, left, "reentry")
    back = demo.days_ago(90, 200)
    parcours.open_parcours.within(s, st.ident.person_id, start_date=back, track=st.track)
    notified = df.orient(s, demo, st, back)
    st.honoured = []
    df.follow_up(s, demo, st, _first_rdv(demo, notified), demo.today, 1)
    start = _contract_start(demo, st, notified)
    dc.carnet(s, demo, st, dc.chain(s, demo, st, start, None), start, closed=False)


def _nothing(s: Session, demo: Demo, st: df.FileState, notified: date) -> None:
    """Oriented, no référent yet (overdue after 7 days): nothing else happened."""


_HANDLERS: dict[str, Handler] = {
    "newcomer": _no_contract,
    "no_contract_late": _no_contract,
    "draft": _special,
    "signed": _special,
    "validated": _special,
    "rejected": _special,
    "reentry": _reentry,
    "no_referent": _nothing,
    "legacy_awaiting_ce": _legacy_awaiting_ce,
}


def _build_person(s: Session, demo: Demo, plan: Plan) -> df.FileState:
    ident = create_identity(s, demo, plan)
    track = demo.rng.choices(list(Track), weights=[35, 35, 30])[0]
    st = df.FileState(plan, ident, track, regime=regime_at(plan.entry))
    notified = df.start_file(s, demo, st)
    handler = _exit if plan.scenario.startswith("exit") else _HANDLERS.get(plan.scenario, _regular)
    handler(s, demo, st, notified)
    if not plan.scenario.startswith("exit"):
        dr.co_accompany(s, demo, st)  # a colleague beside the référent (ADR 0052)
    return st


def _team_move(db: Database, demo: Demo, followed: list[df.FileState]) -> None:
    """The team leader hands over part of a colleague's caseload to the current user, in one go."""
    day = demo.today - timedelta(days=30)
    moving = [
        st.ident.person_id
        for st in followed
        if st.ref and st.ref.login == "slefevre" and st.assigned_on and st.assigned_on <= day
    ][:6]
    if moving:
        people.assign_referent(
            db,
            moving,
            demo.me.id,
            start_date=day,
            reason="Réorganisation de l'équipe : reprise de suivi",
            assigned_by="jmoreau",
        )


def _collective_and_audit(db: Database, demo: Demo, followed: list[df.FileState]) -> None:
    convocations.populate(db, demo, followed)  # sessions, consents, reminders, letters (ADR 0035–0037)
    with db.session() as s:
        for st in demo.rng.sample(followed, min(12, len(followed))):
            pid = st.ident.person_id
            action = demo.rng.choice(
                (AuditAction.VIEW, AuditAction.VIEW, AuditAction.PRINT, AuditAction.EXPORT)
            )
            audit.record_audit.within(
                s,
                actor=demo.me.login,
                action=action,
                person_id=pid,
                object_table="person",
                object_id=pid,
                at=datetime.combine(demo.today, time(8, 30)),
            )


def _set_demo_lock_code(db: Database) -> None:
    try:
        from app.services.storage import lock
    except ImportError:  # the lock service is not there yet
        return
    lock.set_lock_code(db, lock.DEMO_CODE)


def _summary(db: Database) -> str:
    with db.read() as s:

        def count(model: type[Person] | type[Referent] | type[Appointment] | type[Contract]) -> int:
            return s.scalar(select(func.count()).select_from(model).where(model.deleted_at.is_(None))) or 0

        return (
            f"{count(Person)} personnes, {count(Referent)} référents, {count(Appointment)} rendez-vous, "
            f"{count(Contract)} contrats"
        )


def populate_demo(vault: Vault, seed: int = 2026, size: int = 95, today: date | None = None) -> str:
    """Fill a new vault with the fictitious demo caseload; returns a French summary of what was made."""
    db = vault.db
    rng = random.Random(seed)
    with db.session() as s:
        demo = Demo(rng, today or date.today(), create_referents(s))
        settings.set_value.within(s, settings.DEPARTMENT_NAME, data.DEPARTMENT_NAME)
        settings.set_value.within(s, settings.DPO_CONTACT, data.DPO_CONTACT)
    followed = []
    for plan in make_plans(rng, demo.today, size):
        with db.session() as s:
            followed.append(_build_person(s, demo, plan))
    _team_move(db, demo, followed)
    _collective_and_audit(db, demo, followed)
    populate_ep(db, demo, followed)
    _set_demo_lock_code(db)
    return _summary(db)
