"""A new bilan pre-filled from the file: the moment it is (contract ending, a year of parcours, exit), the
contract it reviews, each objective of the carnet with how far it looks reached, and who might take part (the
co-accompanying professionals, the partners of the actions). The référent corrects everything in the editor."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from dateutil.relativedelta import relativedelta
from sqlalchemy.orm import Session

from app.models.enums import ActionStatus, BilanKind, BilanResult, ObjectiveStatus, PersonStatus
from app.models.tables.carnet import Action, Objective, Prescription
from app.models.tables.contracts import Contract, ContractVersion
from app.models.tables.people import CoAccompaniment, Parcours, Person, Referent
from app.models.vocabularies.loader import load_vocabularies
from app.services.bilans.next_step import current_contract
from app.services.bilans.records import contract_label
from app.services.bilans.values import BilanInput, ObjectiveReview, Participant
from app.services.contracts.views import VALID_STATUSES
from app.services.people.deadlines import current_tracks
from app.services.storage.uow import get_row, person_rows, query, rows_of


@dataclass(frozen=True)
class ContractOption:
    id: str
    label: str


@dataclass(frozen=True)
class BilanModel:
    """What the bilan editor starts from."""

    person_id: str
    person_name: str
    draft: BilanInput
    contracts: tuple[ContractOption, ...]
    current_track: str | None
    suggested_participants: tuple[Participant, ...]
    exited: bool


def _result(o: Objective, actions: list[Action]) -> tuple[str, str]:
    """How far the objective looks reached, and why, from its status and its actions."""
    if o.status == ObjectiveStatus.ACHIEVED:
        return BilanResult.REACHED, ""
    if o.status == ObjectiveStatus.ABANDONED:
        return BilanResult.NOT_REACHED, "Objectif abandonné en cours de parcours."
    done = [a for a in actions if a.status == ActionStatus.DONE]
    live = [a for a in actions if a.status not in (ActionStatus.CANCELLED, ActionStatus.ABANDONED)]
    if done:
        return BilanResult.PARTLY, f"{len(done)} action(s) réalisée(s) sur {len(live) or len(done)}."
    return BilanResult.NOT_REACHED, ""


def _linked_ids(s: Session, contract: Contract | None) -> set[str]:
    if contract is None:
        return set()
    versions = rows_of(s, ContractVersion, contract_id=contract.id)
    latest = max(versions, key=lambda v: v.version_no, default=None)
    ids = set((latest.content or {}).get("objective_ids", []) if latest else [])
    return ids | {o.id for o in rows_of(s, Objective, contract_id=contract.id)}


def reviewed_objectives(s: Session, person_id: str, contract: Contract | None) -> tuple[ObjectiveReview, ...]:
    """The objectives a bilan reviews, pre-filled: those of the contract (when it names some), else every
    objective of the carnet."""
    vocab = load_vocabularies()
    objectives = person_rows(s, Objective, person_id, Objective.position, Objective.created_at)
    linked = _linked_ids(s, contract)
    chosen = [o for o in objectives if o.id in linked] or objectives
    actions = person_rows(s, Action, person_id)
    out = []
    for o in chosen:
        result, why = _result(o, [a for a in actions if a.objective_id == o.id])
        out.append(ObjectiveReview(o.title, result, vocab.label("carnet_themes", o.theme), why, o.id))
    return tuple(out)


def _kind(s: Session, person: Person, contract: Contract | None, today: date) -> str:
    if person.status == PersonStatus.EXITED:
        return BilanKind.EXIT
    if contract is not None and contract.end_date and contract.end_date <= today + relativedelta(months=3):
        return BilanKind.CONTRACT_END
    started = [p.start_date for p in rows_of(s, Parcours, person_id=person.id) if p.end_date is None]
    if started and max(started) <= today - relativedelta(months=10):
        return BilanKind.ONE_YEAR
    return BilanKind.STEP


def suggested_participants(s: Session, person_id: str) -> tuple[Participant, ...]:
    """Who might take part: the co-accompanying professionals, then the partners of actions and prescriptions."""
    vocab = load_vocabularies()
    out: list[Participant] = []
    for share in person_rows(s, CoAccompaniment, person_id):
        if share.end_date is not None:
            continue
        ref = s.get(Referent, share.referent_id)
        if ref is not None:
            role = vocab.entry("co_roles", share.role)
            label = role.get("short_label", role.label) if role else share.role
            out.append(Participant(f"{ref.first_name} {ref.last_name}", label, ref.structure))
    partners = [a.partner for a in person_rows(s, Action, person_id)]
    partners += [p.partner for p in person_rows(s, Prescription, person_id)]
    for name in dict.fromkeys(p.strip() for p in partners if p and p.strip()):
        out.append(Participant("", "Partenaire", name))
    return tuple(out)


@query
def bilan_model(s: Session, person_id: str, *, today: date | None = None) -> BilanModel:
    """A new bilan's editor values, pre-filled (nothing is written)."""
    day = today or date.today()
    person = get_row(s, Person, person_id, "Personne")
    contract = current_contract(s, person_id, day)
    kind = _kind(s, person, contract, day)
    reviewed = contract if kind in (BilanKind.CONTRACT_END, BilanKind.STEP) else None
    draft = BilanInput(
        kind=kind,
        held_on=day,
        contract_id=contract.id if contract is not None else None,
        objectives=reviewed_objectives(s, person_id, reviewed or contract),
    )
    options = tuple(
        ContractOption(c.id, contract_label(c))
        for c in sorted(
            (c for c in rows_of(s, Contract, person_id=person_id) if c.status in VALID_STATUSES),
            key=lambda c: (c.start_date or date.min, c.created_at),
            reverse=True,
        )
    )
    return BilanModel(
        person_id=person_id,
        person_name=f"{person.last_name.upper()} {person.first_name}",
        draft=draft,
        contracts=options,
        current_track=current_tracks(s, [person_id]).get(person_id),
        suggested_participants=suggested_participants(s, person_id),
        exited=person.status == PersonStatus.EXITED,
    )
