"""Deadline alerts of the caseload: builds :class:`CaseFacts` from the vault, runs the rule engine.

Facts are read with one query per table for the whole caseload (never one query per person), as of a date:
rows dated after it are ignored, so ``alerts --on 2026-03-01`` shows what was due then. The engine itself is
pure (:mod:`app.models.rules.engine`); this module only gathers the facts and returns frozen dataclasses.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import Session

from app.models.enums import (
    AppointmentStatus,
    BilanKind,
    BilanRecommendation,
    BilanStatus,
    ContractKind,
    ContractStatus,
    JointReviewConclusion,
    PersonStatus,
)
from app.models.errors import FilRougeError
from app.models.rules.engine import Deadline, compute_deadlines, load_default_rules, rules_dir
from app.models.rules.types import STATE_LATE, STATE_SOON, CaseFacts, RuleFileError, RuleSet
from app.models.tables.carnet import DiagnosticVersion, Prescription
from app.models.tables.contracts import Contract
from app.models.tables.ep import EpCase, EpReferral
from app.models.tables.followup import Appointment
from app.models.tables.people import ExitRecord, Orientation, Parcours, Person, ReferentAssignment
from app.models.tables.reviews import Bilan, JointReview
from app.services.storage import settings
from app.services.storage.db import Database

#: A contract counts once signed, whatever happened to it afterwards (drafts and rejected ones do not).
SIGNED_STATUSES = frozenset(
    {
        ContractStatus.SIGNED,
        ContractStatus.VALIDATED,
        ContractStatus.ACTIVE,
        ContractStatus.ENDED,
        ContractStatus.TERMINATED,
    }
)
#: Appointment purposes that review the situation (bilan of a contract, réexamen of a social orientation).
REVIEW_PURPOSES = frozenset({"bilan", "renouvellement", "equipe_pluridisciplinaire"})
#: Bilans that close the « bilan » deadline (a bilan d'étape does not: it reviews, it does not conclude).
CONCLUDING_BILANS = frozenset({BilanKind.CONTRACT_END, BilanKind.ONE_YEAR, BilanKind.EXIT})
#: What a bilan may decide instead of a renewal: the contract's end is then prepared.
OTHER_WAYS = frozenset({BilanRecommendation.REORIENTATION, BilanRecommendation.EXIT})
TRANSITION_DAY = date(2025, 1, 1)
ALERT_STATES = frozenset({STATE_SOON, STATE_LATE})


class RulesUnavailableError(FilRougeError):
    """A rule file cannot be used; the message names the file and the line."""

    default_message = "La table des échéances est illisible."


@dataclass(frozen=True)
class CaseloadAlerts:
    """The deadlines of a caseload as of a date, with the rule-table version that produced them."""

    on: date
    rules_version: str
    people: int
    deadlines: tuple[Deadline, ...]

    def alerts(self) -> list[Deadline]:
        """Only what needs attention: « Bientôt » and « En retard »."""
        return [d for d in self.deadlines if d.state in ALERT_STATES]


def load_rules_or_fail(override: Path | None = None) -> RuleSet:
    """The shipped rules merged with a département override, as a typed, French error when unusable."""
    try:
        return load_default_rules(override)
    except RuleFileError as exc:
        raise RulesUnavailableError(exc.message) from exc


# --- particular difficulties (diagnostic) -------------------------------------------------------------


@lru_cache(maxsize=1)
def difficulty_markers() -> dict[str, frozenset[str] | None]:
    """Diagnostic items that establish particular difficulties: item code → marked choice codes
    (``None`` for a yes/no item). Read from ``resources/vocabularies/diagnostic_items.yaml``."""
    path = rules_dir().parent / "vocabularies" / "diagnostic_items.yaml"
    try:
        items = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    except (OSError, yaml.YAMLError):
        return {}
    out: dict[str, frozenset[str] | None] = {}
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict) or not item.get("particular_difficulty"):
            continue
        choices = item.get("choices") or []
        marked = frozenset(
            str(c.get("code")) for c in choices if isinstance(c, dict) and c.get("particular_difficulty")
        )
        out[str(item.get("code"))] = marked if item.get("type") in ("choice", "multi") else None
    return out


def has_particular_difficulties(
    health_constraint: bool, data: Mapping[str, Any], markers: Mapping[str, frozenset[str] | None]
) -> bool:
    """True when the diagnostic records a health constraint or any item marked ``particular_difficulty``."""
    if health_constraint:
        return True
    for section in data.values() if isinstance(data, Mapping) else ():
        if not isinstance(section, Mapping):
            continue
        for code, value in section.items():
            if code not in markers:
                continue
            marked = markers[code]
            if marked is None and value is True:
                return True
            values = value if isinstance(value, list) else [value]
            if marked and any(isinstance(v, str) and v in marked for v in values):
                return True
    return False


# --- facts ------------------------------------------------------------------------------------------


def _day(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value


def _group(rows: Iterable[Any]) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = defaultdict(list)
    for row in rows:
        out[row[0]].append(row)
    return out


@dataclass(frozen=True)
class _Tables:
    people: list[Any]
    orientations: dict[str, list[Any]]
    assignments: dict[str, list[Any]]
    appointments: dict[str, list[Any]]
    parcours: dict[str, list[Any]]
    exits: dict[str, list[Any]]
    prescriptions: dict[str, list[Any]]
    contracts: dict[str, list[Any]]
    drafts: dict[str, list[Any]]  # person → start dates of their contract drafts (a renewal being prepared)
    diagnostics: dict[str, list[Any]]
    bilans: dict[str, list[Any]]  # finalised bilans: (person, held_on, kind, recommendation)
    reviews: dict[str, list[Any]]  # joint reviews: (person, held_on, conclusion, created_at)
    ep_pending: dict[str, date] = field(default_factory=dict)  # person → oldest saisine of the EP undecided


def _read_reviews(s: Session, on: date, scoped: Any) -> tuple[list[Any], list[Any]]:
    """Finalised bilans and joint reviews held on or before ``on`` (ADR 0050, 0051)."""
    b = Bilan
    bilans = s.execute(
        scoped(
            select(b.person_id, b.held_on, b.kind, b.recommendation).where(
                b.deleted_at.is_(None), b.status == BilanStatus.FINAL, b.held_on <= on
            ),
            b.person_id,
        )
    ).all()
    j = JointReview
    reviews = s.execute(
        scoped(
            select(j.person_id, j.held_on, j.conclusion, j.created_at).where(
                j.deleted_at.is_(None), j.held_on <= on
            ),
            j.person_id,
        )
    ).all()
    return list(bilans), list(reviews)


def _ep_pending(s: Session, on: date, person_ids: Sequence[str] | None) -> dict[str, date]:
    """Per person, the oldest saisine of the équipe pluridisciplinaire made by ``on``, neither withdrawn nor
    decided by then (rule ``ep_decision``)."""
    r, c = EpReferral, EpCase
    decided = exists().where(
        c.referral_id == r.id, c.deleted_at.is_(None), c.decision.is_not(None), c.decision_on <= on
    )
    q = (
        select(r.person_id, func.min(r.referred_on))
        .where(
            r.deleted_at.is_(None),
            r.referred_on <= on,
            or_(r.withdrawn_on.is_(None), r.withdrawn_on > on),
            ~decided,
        )
        .group_by(r.person_id)
    )
    if person_ids is not None:
        q = q.where(r.person_id.in_(person_ids))
    return {pid: day for pid, day in s.execute(q)}


def _read_tables(s: Session, on: date, person_ids: Sequence[str] | None) -> _Tables:
    """One query per table for all the people concerned; rows dated after ``on`` are left out."""

    def scoped(q: Any, col: Any) -> Any:
        return q if person_ids is None else q.where(col.in_(person_ids))

    people = s.execute(
        scoped(
            select(
                Person.id,
                Person.regime,
                Person.status,
                Person.referent_id,
                Person.rsa_entry_date,
                Person.last_contact_date,
            ).where(Person.deleted_at.is_(None)),
            Person.id,
        )
    ).all()
    o = Orientation
    orientations = s.execute(
        scoped(
            select(
                o.person_id, o.decision_date, o.created_at, o.track, o.notification_date, o.right_opened_date
            ).where(o.deleted_at.is_(None), o.decision_date <= on),
            o.person_id,
        )
    ).all()
    ra = ReferentAssignment
    assignments = s.execute(
        scoped(
            select(ra.person_id, ra.start_date).where(ra.deleted_at.is_(None), ra.start_date <= on),
            ra.person_id,
        )
    ).all()
    a = Appointment
    appointments = s.execute(
        scoped(
            select(a.person_id, a.starts_at, a.purpose).where(
                a.deleted_at.is_(None),
                a.person_id.is_not(None),
                a.status == AppointmentStatus.HONOURED,
                a.starts_at < datetime.combine(on, datetime.max.time()),
            ),
            a.person_id,
        )
    ).all()
    p = Parcours
    parcours = s.execute(
        scoped(
            select(p.person_id, p.start_date, p.end_date, p.track).where(
                p.deleted_at.is_(None), p.start_date <= on
            ),
            p.person_id,
        )
    ).all()
    e = ExitRecord
    exits = s.execute(
        scoped(select(e.person_id, e.exit_date).where(e.deleted_at.is_(None), e.exit_date <= on), e.person_id)
    ).all()
    pr = Prescription
    prescriptions = s.execute(
        scoped(
            select(pr.person_id, pr.prescribed_on).where(pr.deleted_at.is_(None), pr.prescribed_on <= on),
            pr.person_id,
        )
    ).all()
    c = Contract
    contracts = s.execute(
        scoped(
            select(c.person_id, c.start_date, c.end_date, c.signed_on, c.kind, c.created_at).where(
                c.deleted_at.is_(None), c.status.in_(SIGNED_STATUSES)
            ),
            c.person_id,
        )
    ).all()
    drafts = s.execute(
        scoped(
            select(c.person_id, c.start_date).where(
                c.deleted_at.is_(None), c.status == ContractStatus.DRAFT, c.start_date.is_not(None)
            ),
            c.person_id,
        )
    ).all()
    d = DiagnosticVersion
    diagnostics = s.execute(
        scoped(
            select(d.person_id, d.version_no, d.health_constraint, d.data, d.recorded_at).where(
                d.deleted_at.is_(None), d.recorded_at < datetime.combine(on, datetime.max.time())
            ),
            d.person_id,
        )
    ).all()
    bilans, reviews = _read_reviews(s, on, scoped)
    return _Tables(
        people=list(people),
        orientations=_group(orientations),
        assignments=_group(assignments),
        appointments=_group(appointments),
        parcours=_group(parcours),
        exits=_group(exits),
        prescriptions=_group(prescriptions),
        contracts=_group(contracts),
        drafts=_group(drafts),
        diagnostics=_group(diagnostics),
        bilans=_group(bilans),
        reviews=_group(reviews),
        ep_pending=_ep_pending(s, on, person_ids),
    )


def _contract_facts(rows: Sequence[Any], drafts: Sequence[Any], on: date) -> dict[str, Any]:
    """Current contract = the signed one starting last (a renewal signed in advance takes over). A renewal is
    prepared when a draft starts after it."""
    signed = [r for r in rows if (r[3] or r[1] or date.min) <= on]
    if not signed:
        return {}
    current = max(signed, key=lambda r: (r[1] or date.min, r[5]))
    ce_dates = [r[3] or r[1] for r in signed if r[4] == ContractKind.CE and (r[3] or r[1])]
    begins = current[1] or date.min
    return {
        "contract_kind": current[4],
        "contract_start": current[1],
        "contract_end": current[2],
        "contract_signed": current[3] or current[1],
        "ce_signed": max(ce_dates) if ce_dates else None,
        "renewal_prepared": any(d[1] is not None and d[1] > begins for d in drafts),
    }


def _orientation_facts(rows: Sequence[Any], on: date) -> dict[str, Any]:
    """Current orientation = the latest decision (ties: the last recorded)."""
    right_opened = [r[5] for r in rows if r[5] is not None]
    current = max(rows, key=lambda r: (r[1], r[2]), default=None)
    return {
        "track": current[3] if current else None,
        "orientation_decision": current[1] if current else None,
        "orientation_notified": current[4] if current and current[4] and current[4] <= on else None,
        "right_opened": max(right_opened) if right_opened else None,
    }


def _contact_facts(
    rows: Sequence[Any], person_last_contact: date | None, anchor: date | None, on: date
) -> dict[str, Any]:
    """First honoured RDV since ``anchor`` (current orientation), last contact, last review."""
    honoured = sorted(_day(r[1]) for r in rows)
    since_anchor = [d for d in honoured if anchor is None or d >= anchor]
    contacts = [
        d for d in (honoured[-1] if honoured else None, person_last_contact) if d is not None and d <= on
    ]
    reviews = [_day(r[1]) for r in rows if r[2] in REVIEW_PURPOSES]
    return {
        "first_rdv_honoured": since_anchor[0] if since_anchor else None,
        "last_contact": max(contacts) if contacts else None,
        "last_review": max(reviews) if reviews else None,
    }


def _review_facts(
    bilans: Sequence[Any], reviews: Sequence[Any], contract_start: date | None
) -> dict[str, Any]:
    """Last concluding bilan, last joint review and its conclusion, last réorientation asked, and whether the
    current contract's bilan decided another way than a renewal."""
    done = [r[1] for r in bilans if r[2] in CONCLUDING_BILANS]
    asked = [r[1] for r in bilans if r[3] == BilanRecommendation.REORIENTATION]
    asked += [r[1] for r in reviews if r[2] == JointReviewConclusion.REORIENTATION]
    last = max(reviews, key=lambda r: (r[1], r[3]), default=None)
    decided = contract_start is not None and any(
        r[1] >= contract_start and r[3] in OTHER_WAYS for r in bilans
    )
    return {
        "bilan_done": max(done) if done else None,
        "joint_review": last[1] if last else None,
        "joint_review_outcome": last[2] if last else None,
        "reorientation_requested": max(asked) if asked else None,
        "next_step_decided": decided,
    }


def _person_facts(
    person: Any, t: _Tables, on: date, markers: Mapping[str, frozenset[str] | None]
) -> CaseFacts:
    pid, regime, status, referent_id, rsa_entry, last_contact = person
    orientation = _orientation_facts(t.orientations.get(pid, []), on)
    parcours_rows = t.parcours.get(pid, [])
    parcours = max(parcours_rows, key=lambda r: r[1], default=None)
    start = parcours[1] if parcours else None
    anchor = orientation["orientation_decision"] or start
    prescribed = sorted(r[1] for r in t.prescriptions.get(pid, []) if start is None or r[1] >= start)
    assigned = [r[1] for r in t.assignments.get(pid, [])]
    diag = max(t.diagnostics.get(pid, []), key=lambda r: r[1], default=None)
    exited = any(start is None or r[1] >= start for r in t.exits.get(pid, []))
    exited = exited or (parcours is not None and parcours[2] is not None and parcours[2] <= on)
    exited = exited or (parcours is None and status == PersonStatus.EXITED)
    if orientation["track"] is None and parcours is not None:
        orientation["track"] = parcours[3] or None
    contract = _contract_facts(t.contracts.get(pid, []), t.drafts.get(pid, []), on)
    reviews = _review_facts(t.bilans.get(pid, []), t.reviews.get(pid, []), contract.get("contract_start"))
    return CaseFacts(
        person_id=pid,
        regime=regime,
        rsa_entry=rsa_entry,
        referent_assigned=max(assigned) if assigned else None,
        parcours_start=start,
        first_prescription=prescribed[0] if prescribed else None,
        has_referent=referent_id is not None or bool(assigned),
        particular_difficulties=diag is not None
        and has_particular_difficulties(bool(diag[2]), diag[3] or {}, markers),
        accompanied_on_2025_01_01=any(
            r[1] <= TRANSITION_DAY and (r[2] is None or r[2] >= TRANSITION_DAY) for r in parcours_rows
        ),
        exited=exited,
        ep_referral_pending=t.ep_pending.get(pid),
        **orientation,
        **_contact_facts(t.appointments.get(pid, []), last_contact, anchor, on),
        **contract,
        **reviews,
    )


def case_facts(db: Database, on: date, person_ids: Sequence[str] | None = None) -> list[CaseFacts]:
    """The engine's facts for every person of the vault (or ``person_ids``) as of ``on``; batched reads."""
    markers = difficulty_markers()
    with db.read() as s:
        tables = _read_tables(s, on, person_ids)
        overseas = bool(settings.get.within(s, settings.OVERSEAS_DEPARTMENT))
    return [replace(_person_facts(p, tables, on, markers), overseas=overseas) for p in tables.people]


def caseload_deadlines(
    db: Database, on: date, rules: RuleSet, person_ids: Sequence[str] | None = None
) -> CaseloadAlerts:
    """Every open deadline of the caseload as of ``on``, ordered by due date then person."""
    facts = case_facts(db, on, person_ids)
    deadlines = [d for f in facts for d in compute_deadlines(f, rules, on)]
    deadlines.sort(key=lambda d: (d.due_date, d.person_id))
    return CaseloadAlerts(on=on, rules_version=rules.version, people=len(facts), deadlines=tuple(deadlines))
