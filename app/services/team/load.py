"""The team leader's view (ADR 0042): the team's caseload and the load of each référent (people followed, people
with an overdue deadline, people without a contract in force, saisines of the EP in progress, RDVs in the next
four weeks), the cases waiting for the équipe pluridisciplinaire, the people of the team for a reassignment in
bulk (:func:`app.services.people.identity.assign_referent`: the whole file follows the person, on every device,
by the server's scope events), and the team's indicators for the last month.

The team is the team of the signed-in team leader (the directory's ``team``); on a device never enrolled, every
référent of the device."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from app.models.enums import AppointmentStatus, ContractStatus, PersonStatus
from app.models.indicators.compute import ReportContext, build_report
from app.models.indicators.period import Period
from app.models.indicators.populations import Scope
from app.models.indicators.results import Report
from app.models.tables.base import Base
from app.models.tables.contracts import Contract
from app.models.tables.followup import Appointment
from app.models.tables.people import Person, Referent
from app.models.vocabularies.loader import load_vocabularies
from app.services.ep import access, views
from app.services.ep.views import ReferralView
from app.services.people import alerts
from app.services.reporting.indicators import current_period
from app.services.storage.db import Database
from app.services.storage.uow import read_only

IN_FORCE = (ContractStatus.SIGNED, ContractStatus.VALIDATED, ContractStatus.ACTIVE)
#: Headline figures of the team's month (keys of app.models.indicators.definitions).
HEADLINE = ("file_active", "entretiens", "taux_contractualisation", "delai_rdv_dans_cible", "ep_saisines",
            "ep_decision_dans_cible")  # fmt: skip


@dataclass(frozen=True)
class TeamPerson:
    id: str
    name: str
    referent_id: str | None
    referent: str
    late: bool
    has_contract: bool


@dataclass(frozen=True)
class ReferentLoad:
    referent_id: str | None  # None: people of the team not assigned yet
    name: str
    structure: str
    team_leader: bool
    people: int = 0
    late: int = 0
    without_contract: int = 0
    ep_open: int = 0
    rdv_4_weeks: int = 0


@dataclass(frozen=True)
class TeamView:
    team: str
    loads: list[ReferentLoad]
    people: list[TeamPerson]
    waiting_ep: list[ReferralView]
    report: Report | None
    referent_ids: tuple[str, ...] = field(default=())

    @property
    def total(self) -> int:
        return sum(x.people for x in self.loads)


@dataclass(frozen=True)
class Member:
    id: str
    name: str
    structure: str
    team_leader: bool


def _team(db: Database) -> tuple[str, list[Member]]:
    """The signed-in user's team and its members (team leaders first); every référent when no team is known."""
    who = access.signed_in(db)
    with read_only(db) as s:
        refs = list(s.scalars(select(Referent).where(Referent.deleted_at.is_(None))).all())
        me = s.get(Referent, who.referent_id) if who.referent_id else None
        team = me.team if me is not None and me.team else ""
        chosen = [r for r in refs if r.team == team] if team else refs
        members = [
            Member(r.id, f"{r.first_name} {r.last_name}".strip(), r.structure, r.is_team_leader)
            for r in chosen
        ]
    return team, sorted(members, key=lambda m: (not m.team_leader, m.name))


def _people(db: Database, ref_ids: set[str], today: date) -> list[TeamPerson]:
    result = alerts.caseload_deadlines(db, today, alerts.load_rules_or_fail())
    late = {d.person_id for d in result.alerts() if d.state == "en_retard"}
    with read_only(db) as s:
        rows = s.execute(
            select(Person.id, Person.last_name, Person.first_name, Person.referent_id).where(
                Person.deleted_at.is_(None), Person.status != PersonStatus.EXITED
            )
        ).all()
        names = {r.id: f"{r.first_name} {r.last_name}" for r in s.scalars(select(Referent)).all()}
        contracted = set(
            s.scalars(
                select(Contract.person_id).where(
                    Contract.deleted_at.is_(None),
                    Contract.status.in_([str(c) for c in IN_FORCE]),
                    (Contract.end_date.is_(None)) | (Contract.end_date >= today),
                )
            ).all()
        )
    out = [
        TeamPerson(
            r.id,
            f"{r.last_name.upper()} {r.first_name}",
            r.referent_id,
            names.get(r.referent_id or "", ""),
            r.id in late,
            r.id in contracted,
        )
        for r in rows
        if r.referent_id is None or r.referent_id in ref_ids
    ]
    return sorted(out, key=lambda p: (p.referent, p.name))


def _rdvs(db: Database, today: date) -> Counter[str]:
    start = datetime.combine(today, time.min)
    with read_only(db) as s:
        rows = s.scalars(
            select(Appointment.person_id).where(
                Appointment.deleted_at.is_(None),
                Appointment.person_id.is_not(None),
                Appointment.starts_at >= start,
                Appointment.starts_at < start + timedelta(days=28),
                Appointment.status.is_(None) | (Appointment.status == AppointmentStatus.PLANNED),
            )
        ).all()
    return Counter(str(p) for p in rows)


def team_report(db: Database, ref_ids: tuple[str, ...], label: str, period: Period) -> Report:
    """Every figure of ``period`` for the team's caseloads."""
    with read_only(db) as s:
        return build_report(
            s.execute, Base.metadata.tables, period, ReportContext.load(alerts.load_rules_or_fail(), load_vocabularies()),
            scope=Scope(referent_ids=ref_ids), scope_label=label,
        )  # fmt: skip


def team_view(db: Database, today: date | None = None) -> TeamView:
    today = today or date.today()
    team, members = _team(db)
    ref_ids = {r.id for r in members}
    people = _people(db, ref_ids, today)
    rdvs = _rdvs(db, today)
    open_ep = [r for r in views.referrals(db, open_only=True) if any(p.id == r.person_id for p in people)]
    ep_by_person = Counter(r.person_id for r in open_ep)
    grouped: dict[str | None, list[TeamPerson]] = defaultdict(list)
    for p in people:
        grouped[p.referent_id].append(p)
    loads = []
    for r in members:
        mine = grouped.get(r.id, [])
        loads.append(_load(r.id, r.name, r.structure, r.team_leader, mine, rdvs, ep_by_person))
    if grouped.get(None):
        loads.append(_load(None, "Sans référent", "", False, grouped[None], rdvs, ep_by_person))
    ids = tuple(sorted(ref_ids))
    period = current_period("month", today.replace(day=1) - timedelta(days=1))
    report = (
        team_report(db, ids, f"Équipe {team}" if team else "Toutes les équipes de ce poste", period)
        if ids
        else None
    )
    waiting = [r for r in open_ep if r.status in ("en_attente", "ajournee", "inscrite", "avis_rendu")]
    return TeamView(team, loads, people, waiting, report, ids)


def _load(rid: str | None, name: str, structure: str, leader: bool, mine: list[TeamPerson],
          rdvs: Counter[str], ep: Counter[str]) -> ReferentLoad:  # fmt: skip
    return ReferentLoad(
        rid, name, structure, leader, people=len(mine), late=sum(p.late for p in mine),
        without_contract=sum(not p.has_contract for p in mine), ep_open=sum(ep[p.id] for p in mine),
        rdv_4_weeks=sum(rdvs[p.id] for p in mine),
    )  # fmt: skip
