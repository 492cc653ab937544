"""Read models of the équipe pluridisciplinaire for the screens and ``python -m app ep list``: saisines with
their facts (read from the rows they name), their passages at séances, the avis and the décision, their state
and the delays against the target of the rule table (``ep_decision``: one month, an objectif départemental);
séances with their agenda."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models.enums import EpOpinion
from app.models.indicators.targets import targets_from_rules
from app.models.rules.types import Duration
from app.models.tables.ep import EpCase, EpReferral, EpReferralFact, EpSeance
from app.models.tables.followup import SanctionStep
from app.models.tables.people import Orientation, Person, Referent
from app.models.vocabularies.loader import Vocabularies, load_vocabularies
from app.services.ep.facts import describe
from app.services.people.alerts import load_rules_or_fail
from app.services.storage.uow import get_row, query

STATUS_LABELS = {
    "retiree": "Retirée",
    "en_attente": "En attente d'une séance",
    "ajournee": "Ajournée, en attente d'une séance",
    "inscrite": "Inscrite à une séance",
    "avis_rendu": "Avis rendu, décision attendue",
    "decidee": "Décidée",
}
#: States in which a saisine still waits for the EP or the PCD.
OPEN_STATES = frozenset({"en_attente", "ajournee", "inscrite", "avis_rendu"})


@dataclass(frozen=True)
class FactView:
    kind: str
    kind_label: str
    day: date | None
    text: str


@dataclass(frozen=True)
class CaseView:
    id: str
    referral_id: str
    seance_id: str
    seance_label: str
    held_at: datetime
    position: int
    convened_on: date | None
    attendance: str
    attendance_label: str
    observations: str
    opinion: str | None
    opinion_label: str
    opinion_on: date | None
    opinion_track: str | None
    opinion_organisme: str
    opinion_detail: str
    decision: str | None
    decision_label: str
    decision_on: date | None
    decided_by: str
    decision_detail: str
    consequence: (
        str  # what the décision wrote in the file: « Parcours social — … », « Suspension · 50 % · 2 mois »
    )


@dataclass(frozen=True)
class ReferralView:
    id: str
    person_id: str
    person_name: str
    referent_name: str
    motive: str
    motive_label: str
    referred_on: date
    referred_by: str
    summary: str
    proposed_track: str | None
    proposed_track_label: str
    proposed_organisme: str
    procedure_id: str | None
    withdrawn_on: date | None
    withdrawn_reason: str
    status: str
    due_on: date  # saisine + the target of the rule table
    facts: tuple[FactView, ...] = ()
    cases: tuple[CaseView, ...] = ()

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def open(self) -> bool:
        return self.status in OPEN_STATES

    @property
    def current_case(self) -> CaseView | None:
        return self.cases[-1] if self.cases else None

    @property
    def decided_case(self) -> CaseView | None:
        return next((c for c in self.cases if c.decision), None)

    @property
    def opinion_case(self) -> CaseView | None:
        return next((c for c in reversed(self.cases) if c.opinion and c.opinion != EpOpinion.POSTPONED), None)

    @property
    def days_to_opinion(self) -> int | None:
        c = self.opinion_case
        return (c.opinion_on - self.referred_on).days if c and c.opinion_on else None

    @property
    def days_to_decision(self) -> int | None:
        c = self.decided_case
        return (c.decision_on - self.referred_on).days if c and c.decision_on else None

    def late(self, today: date) -> bool:
        """Past the target: decided after it, or still undecided after it (a withdrawn saisine never is)."""
        c = self.decided_case
        if c is not None and c.decision_on is not None:
            return c.decision_on > self.due_on
        return self.open and today > self.due_on


@dataclass(frozen=True)
class AgendaItem:
    case: CaseView
    referral: ReferralView


@dataclass(frozen=True)
class SeanceView:
    id: str
    label: str
    held_at: datetime
    place: str
    address: str
    contact: str
    members: tuple[tuple[str, str], ...]
    status: str
    status_label: str
    items: tuple[AgendaItem, ...] = field(default=())

    @property
    def examined(self) -> int:
        return sum(1 for i in self.items if i.case.opinion)

    @property
    def decided(self) -> int:
        return sum(1 for i in self.items if i.case.decision)


def ep_target() -> Duration:
    """Saisine → décision target, from the rule table (rule ``ep_decision``)."""
    return targets_from_rules(load_rules_or_fail()).ep_decision


def _consequence(s: Session, c: EpCase, v: Vocabularies) -> str:
    if c.orientation_id:
        o = s.get(Orientation, c.orientation_id)
        if o is not None:
            return f"Parcours {v.label('tracks', o.track).lower()}" + (
                f" — {o.organisme}" if o.organisme else ""
            )
    if c.decision_step_id:
        st = s.get(SanctionStep, c.decision_step_id)
        if st is not None and st.decision:
            parts = [v.label("sanction_decisions", st.decision)]
            parts += [f"{st.rate_percent} %"] if st.rate_percent is not None else []
            parts += [f"{st.duration_months} mois"] if st.duration_months is not None else []
            parts += ["foyer : 50 % au plus"] if st.household_cap else []
            return " · ".join(parts)
    return ""


def _case_view(s: Session, c: EpCase, seance: EpSeance | None, v: Vocabularies) -> CaseView:
    return CaseView(
        id=c.id, referral_id=c.referral_id, seance_id=c.seance_id,
        seance_label=seance.label if seance else "Séance inconnue sur ce poste",
        held_at=seance.held_at if seance else datetime.min, position=c.position, convened_on=c.convened_on,
        attendance=c.attendance, attendance_label=v.label("ep_attendances", c.attendance) if c.attendance else "",
        observations=c.observations, opinion=c.opinion,
        opinion_label=v.label("ep_opinions", c.opinion) if c.opinion else "", opinion_on=c.opinion_on,
        opinion_track=c.opinion_track, opinion_organisme=c.opinion_organisme, opinion_detail=c.opinion_detail,
        decision=c.decision, decision_label=v.label("ep_decisions", c.decision) if c.decision else "",
        decision_on=c.decision_on, decided_by=c.decided_by, decision_detail=c.decision_detail,
        consequence=_consequence(s, c, v),
    )  # fmt: skip


def _status(r: EpReferral, cases: list[CaseView]) -> str:
    if any(c.decision for c in cases):
        return "decidee"
    if r.withdrawn_on is not None:
        return "retiree"
    if not cases:
        return "en_attente"
    last = cases[-1]
    if last.opinion is None:
        return "inscrite"
    if last.opinion == EpOpinion.POSTPONED:
        return "ajournee"
    return "avis_rendu"


def _names(s: Session, person: Person | None) -> tuple[str, str]:
    if person is None:
        return "Personne inconnue sur ce poste", ""
    ref = s.get(Referent, person.referent_id) if person.referent_id else None
    referent = f"{ref.first_name} {ref.last_name}" if ref else ""
    return f"{person.last_name.upper()} {person.first_name}", referent


def referral_view(s: Session, r: EpReferral, target: Duration, v: Vocabularies | None = None) -> ReferralView:
    v = v or load_vocabularies()
    person_name, referent_name = _names(s, s.get(Person, r.person_id))
    facts = s.scalars(
        select(EpReferralFact).where(EpReferralFact.referral_id == r.id, EpReferralFact.deleted_at.is_(None))
    ).all()
    fact_views = []
    for f in facts:
        day, text = describe(s, f, v)
        fact_views.append(FactView(f.kind, v.label("ep_fact_kinds", f.kind), day, text))
    fact_views.sort(key=lambda f: (f.day or date.min, f.kind))
    rows = s.scalars(select(EpCase).where(EpCase.referral_id == r.id, EpCase.deleted_at.is_(None))).all()
    seances = {c.seance_id: s.get(EpSeance, c.seance_id) for c in rows}
    cases = [_case_view(s, c, seances[c.seance_id], v) for c in rows]
    cases.sort(key=lambda c: (c.held_at, c.position))
    return ReferralView(
        id=r.id, person_id=r.person_id, person_name=person_name, referent_name=referent_name, motive=r.motive,
        motive_label=v.label("ep_motives", r.motive), referred_on=r.referred_on, referred_by=r.referred_by,
        summary=r.summary, proposed_track=r.proposed_track,
        proposed_track_label=v.label("tracks", r.proposed_track) if r.proposed_track else "",
        proposed_organisme=r.proposed_organisme, procedure_id=r.procedure_id, withdrawn_on=r.withdrawn_on,
        withdrawn_reason=r.withdrawn_reason, status=_status(r, cases), due_on=target.add_to(r.referred_on),
        facts=tuple(fact_views), cases=tuple(cases),
    )  # fmt: skip


@query
def referrals(s: Session, *, person_id: str | None = None, open_only: bool = False) -> list[ReferralView]:
    """Saisines of the device (of one person), oldest first; ``open_only``: those still waiting."""
    stmt = select(EpReferral).where(EpReferral.deleted_at.is_(None))
    if person_id is not None:
        stmt = stmt.where(EpReferral.person_id == person_id)
    target, v = ep_target(), load_vocabularies()
    out = [referral_view(s, r, target, v) for r in s.scalars(stmt.order_by(EpReferral.referred_on)).all()]
    return [r for r in out if r.open] if open_only else out


@query
def waiting_referrals(s: Session) -> list[ReferralView]:
    """Saisines waiting for a séance (new or adjourned), oldest first: what the secretariat puts on an agenda."""
    return [r for r in referrals.within(s) if r.status in ("en_attente", "ajournee")]


def _seance_view(s: Session, row: EpSeance, target: Duration, v: Vocabularies) -> SeanceView:
    cases = s.scalars(
        select(EpCase)
        .where(EpCase.seance_id == row.id, EpCase.deleted_at.is_(None))
        .order_by(EpCase.position)
    ).all()
    items = []
    for c in cases:
        referral = s.get(EpReferral, c.referral_id)
        if referral is not None:
            items.append(AgendaItem(_case_view(s, c, row, v), referral_view(s, referral, target, v)))
    members = tuple((str(m.get("name", "")), str(m.get("quality", ""))) for m in row.members or [])
    return SeanceView(
        row.id, row.label, row.held_at, row.place, row.address, row.contact, members, row.status,
        v.label("ep_seance_statuses", row.status), tuple(items),
    )  # fmt: skip


@query
def seances(s: Session) -> list[SeanceView]:
    """Every séance known to the device, the most recent first."""
    target, v = ep_target(), load_vocabularies()
    rows = s.scalars(
        select(EpSeance).where(EpSeance.deleted_at.is_(None)).order_by(EpSeance.held_at.desc())
    ).all()
    return [_seance_view(s, row, target, v) for row in rows]


@query
def seance(s: Session, seance_id: str) -> SeanceView:
    return _seance_view(s, get_row(s, EpSeance, seance_id, "Séance"), ep_target(), load_vocabularies())


@query
def agenda_item(s: Session, case_id: str) -> AgendaItem:
    """One case with its saisine (the context of the hearing, avis and décision dialogs)."""
    case = get_row(s, EpCase, case_id, "Dossier de séance")
    seance_row = s.get(EpSeance, case.seance_id)
    referral = get_row(s, EpReferral, case.referral_id, "Saisine")
    v = load_vocabularies()
    return AgendaItem(_case_view(s, case, seance_row, v), referral_view(s, referral, ep_target(), v))


@query
def person_name(s: Session, person_id: str) -> str:
    """« NOM Prénom » of the person, as the EP screens show it."""
    return _names(s, s.get(Person, person_id))[0]
