"""The joint diagnostic with France Travail (CASF L.262-31 in its 2025 wording; ADR 0051): for a person on the
social track whose contrat d'engagement was signed or revised six months ago (twelve with the difficulties of
D.262-65-2-1) and who cannot yet engage in a job search, France Travail and the référent unique review the
situation together. The record says who reviewed, what was found and the conclusion:

- « maintien »: the person stays on the social track and the CE is revised — the avenant draft of the CE in
  force is prepared at once (``revision_contract_id``); its signature starts the next period;
- « réorientation »: a new orientation is proposed to the PCD (``proposed_track``), who decides.

Recording it closes the « diagnostic conjoint » deadline and opens the next one (revision, or decision).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models.enums import ContractKind, ContractStatus, JointReviewConclusion, Track
from app.models.tables.base import new_id, utcnow
from app.models.tables.contracts import Contract
from app.models.tables.people import Person
from app.models.tables.reviews import JointReview
from app.models.vocabularies.loader import load_vocabularies
from app.services.bilans.next_step import current_contract
from app.services.bilans.records import author_names, contract_label
from app.services.bilans.values import long_text
from app.services.contracts import editor
from app.services.errors import ValidationError
from app.services.people.deadlines import current_tracks
from app.services.storage.uow import get_row, person_rows, query, rows_of, use_case
from app.services.validation import DATE_MESSAGE, Checker, optional_text, require_date, require_text

_C = JointReviewConclusion
SOCIAL_ONLY = (
    "Le diagnostic conjoint avec France Travail concerne les personnes orientées vers le parcours social "
    "(article L. 262-31 du code de l'action sociale et des familles)."
)


@dataclass(frozen=True)
class JointReviewInput:
    held_on: date | None
    ft_adviser: str
    conclusion: str
    ft_agency: str = ""
    person_present: bool = True
    job_search_ready: bool = False
    findings: str = ""
    proposed_track: str | None = None


@dataclass(frozen=True)
class JointReviewView:
    id: str
    person_id: str
    held_on: date
    ft_adviser: str
    ft_agency: str
    person_present: bool
    job_search_ready: bool
    findings: str
    conclusion: str
    conclusion_label: str
    proposed_track: str | None
    proposed_track_label: str
    contract_label: str
    revision_contract_id: str | None
    revision_label: str
    author: str
    author_name: str


def _clean(data: JointReviewInput, today: date) -> dict[str, object]:
    c = Checker()
    held = c.run("held_on", require_date, data.held_on, DATE_MESSAGE)
    if held is not None and held > today:
        c.add("held_on", "Le diagnostic conjoint s'enregistre une fois tenu : sa date est dans le futur.")
    adviser = c.run(
        "ft_adviser", require_text, data.ft_adviser, "Indiquez le conseiller France Travail.", 200
    )
    agency = c.run("ft_agency", optional_text, data.ft_agency, 200)
    findings = c.run("findings", long_text, data.findings)
    if data.conclusion not in set(_C):
        c.add("conclusion", "Indiquez la conclusion : maintien en parcours social, ou réorientation.")
    track = data.proposed_track or None
    if data.conclusion == _C.REORIENTATION:
        if track not in (Track.EMPLOI, Track.SOCIO_PRO):
            c.add("proposed_track", "Indiquez le parcours proposé : emploi ou socio-professionnel.")
    else:
        track = None
    c.raise_if_any()
    return {
        "held_on": held,
        "ft_adviser": adviser,
        "ft_agency": agency or "",
        "findings": findings or "",
        "person_present": bool(data.person_present),
        "job_search_ready": bool(data.job_search_ready),
        "conclusion": data.conclusion,
        "proposed_track": track,
    }


def _ce_in_force(s: Session, person_id: str, on: date) -> Contract | None:
    contract = current_contract(s, person_id, on)
    return contract if contract is not None and contract.kind == ContractKind.CE else None


def _revision(s: Session, contract: Contract, author: str) -> str:
    drafts = [
        c for c in rows_of(s, Contract, amends_contract_id=contract.id) if c.status == ContractStatus.DRAFT
    ]
    return drafts[0].id if drafts else editor.amend.within(s, contract.id, author=author)


@use_case
def record_joint_review(
    s: Session,
    person_id: str,
    data: JointReviewInput,
    *,
    author: str = "",
    prepare_revision: bool = True,
    today: date | None = None,
) -> str:
    """Record the joint diagnostic; on « maintien », prepare the avenant draft of the CE in force (when there is
    one and ``prepare_revision``). Returns the record's id."""
    values = _clean(data, today or date.today())
    get_row(s, Person, person_id, "Personne")
    if current_tracks(s, [person_id]).get(person_id) != Track.SOCIAL:
        raise ValidationError(SOCIAL_ONLY)
    held = values["held_on"]
    assert isinstance(held, date)
    contract = _ce_in_force(s, person_id, held)
    revision = None
    if data.conclusion == _C.KEEP_SOCIAL and prepare_revision and contract is not None:
        revision = _revision(s, contract, author)
    row = JointReview(
        id=new_id(),
        person_id=person_id,
        contract_id=contract.id if contract is not None else None,
        revision_contract_id=revision,
        author=author,
        **values,
    )
    s.add(row)
    return row.id


@use_case
def remove_joint_review(s: Session, review_id: str) -> None:
    """Remove a joint review recorded by mistake (the avenant draft it prepared stays a draft of its own)."""
    get_row(s, JointReview, review_id, "Diagnostic conjoint").deleted_at = utcnow()


@query
def list_joint_reviews(s: Session, person_id: str) -> list[JointReviewView]:
    """The person's joint reviews, most recent first."""
    rows = person_rows(s, JointReview, person_id, JointReview.held_on.desc(), JointReview.created_at.desc())
    return _views(s, rows)


@query
def all_joint_reviews(s: Session, person_id: str | None = None) -> list[tuple[str, JointReviewView]]:
    """Every joint review of the vault (or of one person) with the person's name, most recent first."""
    stmt = select(JointReview, Person.last_name, Person.first_name).join(
        Person, Person.id == JointReview.person_id
    )
    stmt = stmt.where(JointReview.deleted_at.is_(None), Person.deleted_at.is_(None))
    if person_id is not None:
        get_row(s, Person, person_id, "Personne")
        stmt = stmt.where(JointReview.person_id == person_id)
    rows = s.execute(stmt.order_by(JointReview.held_on.desc(), JointReview.created_at.desc())).all()
    views = _views(s, [r[0] for r in rows])
    return [(f"{last.upper()} {first}", v) for (_r, last, first), v in zip(rows, views, strict=True)]


def _views(s: Session, rows: Sequence[JointReview]) -> list[JointReviewView]:
    vocab, names = load_vocabularies(), author_names(s)
    out = []
    for r in rows:
        reviewed = s.get(Contract, r.contract_id) if r.contract_id else None
        revision = s.get(Contract, r.revision_contract_id) if r.revision_contract_id else None
        revised = ""
        if revision is not None:
            state = vocab.label("contract_statuses", revision.status).lower()
            revised = f"{contract_label(revision)} — {state}"
        out.append(
            JointReviewView(
                id=r.id,
                person_id=r.person_id,
                held_on=r.held_on,
                ft_adviser=r.ft_adviser,
                ft_agency=r.ft_agency,
                person_present=r.person_present,
                job_search_ready=r.job_search_ready,
                findings=r.findings,
                conclusion=r.conclusion,
                conclusion_label=vocab.label("joint_review_conclusions", r.conclusion),
                proposed_track=r.proposed_track,
                proposed_track_label=vocab.label("tracks", r.proposed_track),
                contract_label=contract_label(reviewed),
                revision_contract_id=r.revision_contract_id,
                revision_label=revised,
                author=r.author,
                author_name=names.get(r.author, r.author),
            )
        )
    return out
