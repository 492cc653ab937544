"""Contract use cases on top of :mod:`app.services.contracts.lifecycle`: the person's contracts, the editor model,
dates and overlap, the CE 15-hour rule, signatures, lifecycle actions, the PDF built from the database.

Content of a version (JSON): ``objective_ids``/``objectives`` (carnet objectives linked, titles kept as printed),
``actions`` (label, partner, start, end, hours_per_week), ``weekly_hours``, ``exemption_reason``,
``person_commitments``, ``next_rdv`` (ISO date-time), ``bilan_date``, ``observations``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time
from functools import cache
from pathlib import Path
from typing import Any

from dateutil.relativedelta import relativedelta
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models.enums import ContractKind, ContractStatus, Regime, SignatureMethod, Signer
from app.models.rules.engine import load_default_rules
from app.models.tables.carnet import Objective
from app.models.tables.contracts import Contract, Signature
from app.models.tables.people import Person, Referent
from app.models.vocabularies.loader import load_vocabularies
from app.services.casefile import documents
from app.services.casefile.carnet import tree as carnet
from app.services.contracts import lifecycle
from app.services.contracts.draft import (
    ContractDraft,
    draft_from_content,
    validate,
)
from app.services.contracts.lifecycle import (
    TRANSITIONS,
    ContractEventView,
    ContractLockedError,
    ContractVersionView,
)
from app.services.errors import ValidationError
from app.services.people.identity import current_referent_id, get_person
from app.services.storage.db import Database
from app.services.storage.uow import get_row, person_rows, query, unit_of_work, use_case
from app.services.validation import Checker, require_text

_S = ContractStatus
#: Statuses whose period blocks another contract of the same person.
VALID_STATUSES = frozenset({_S.SIGNED, _S.VALIDATED, _S.ACTIVE, _S.ENDED, _S.TERMINATED})
LOCKED_STATUSES = frozenset(set(ContractStatus) - {_S.DRAFT})
#: What the buttons say for each transition (department decisions included).
TRANSITION_LABELS: dict[str, str] = {
    _S.SIGNED: "Signer",
    _S.VALIDATED: "Valider (département)",
    _S.REJECTED: "Rejeter (département)",
    _S.ACTIVE: "Mettre en cours",
    _S.ENDED: "Terminer",
    _S.TERMINATED: "Résilier",
}


@cache
def rules_version() -> str:
    """Version of the rule table in force, stored on each new contract."""
    return load_default_rules().version


# --- views ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SignatureView:
    id: str
    version_no: int
    signer: str
    signer_name: str
    method: str
    strokes: tuple[tuple[tuple[float, float], ...], ...]
    signed_at: datetime
    place: str
    document_id: str | None = None  # the scanned signed page, for a signature « sur papier »


@dataclass(frozen=True)
class ContractView:
    id: str
    number: str
    kind: str
    kind_label: str
    regime: str
    status: str
    status_label: str
    is_renewal: bool
    amends_id: str | None
    start_date: date | None
    end_date: date | None
    duration_months: int
    current_version: int
    rules_version: str
    signed_on: date | None
    signed_place: str
    versions: tuple[ContractVersionView, ...] = ()
    events: tuple[ContractEventView, ...] = ()
    signatures: tuple[SignatureView, ...] = ()
    allowed: tuple[str, ...] = field(default=())

    @property
    def locked(self) -> bool:
        return self.status in LOCKED_STATUSES

    @property
    def draft(self) -> ContractDraft:
        content = self.versions[-1].content if self.versions else {}
        return draft_from_content(self.kind, self.duration_months, self.start_date, content)

    def signature_of(self, signer: str) -> SignatureView | None:
        mine = [s for s in self.signatures if s.signer == signer and s.version_no == self.current_version]
        return mine[-1] if mine else None


def _signatures(s: Any, contract_id: str) -> tuple[SignatureView, ...]:
    rows = s.scalars(
        select(Signature)
        .where(Signature.contract_id == contract_id)
        .order_by(Signature.signed_at, Signature.created_at)
    ).all()
    return tuple(
        SignatureView(
            r.id,
            r.version_no,
            r.signer,
            r.signer_name,
            r.method,
            tuple(tuple((float(x), float(y)) for x, y in st) for st in r.strokes or []),
            r.signed_at,
            r.place,
            r.document_id,
        )
        for r in rows
    )


def _view(s: Any, c: Contract) -> ContractView:
    vocab = load_vocabularies()
    return ContractView(
        c.id,
        c.number,
        c.kind,
        vocab.label("contract_kinds", c.kind),
        c.regime,
        c.status,
        vocab.label("contract_statuses", c.status),
        c.is_renewal,
        c.amends_contract_id,
        c.start_date,
        c.end_date,
        c.duration_months,
        c.current_version,
        c.rules_version,
        c.signed_on,
        c.signed_place,
        tuple(lifecycle.contract_versions.within(s, c.id)),
        tuple(lifecycle.contract_events.within(s, c.id)),
        _signatures(s, c.id),
        tuple(sorted(TRANSITIONS[c.status], key=list(TRANSITION_LABELS).index)),
    )


@query
def list_contracts(s: Session, person_id: str) -> list[ContractView]:
    """The person's contracts, most recent start first, with versions, events and signatures."""
    rows = person_rows(s, Contract, person_id)
    views = [_view(s, c) for c in rows]
    return sorted(views, key=lambda v: (v.start_date or date.max, v.number), reverse=True)


@query
def get_contract(s: Session, contract_id: str) -> ContractView:
    return _view(s, get_row(s, Contract, contract_id, "Contrat"))


# --- editor model --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ObjectiveChoice:
    id: str
    theme_label: str
    title: str
    status_label: str


@dataclass(frozen=True)
class EditorModel:
    person_id: str
    person_name: str
    contract_id: str | None
    number: str
    locked: bool
    draft: ContractDraft
    objectives: tuple[ObjectiveChoice, ...]
    previous_contract_id: str | None = None


@query
def editor_model(s: Session, person_id: str, contract_id: str | None = None) -> EditorModel:
    """Values for the editor: the contract's latest version, or a new draft (kind from the person's regime)."""
    person = get_person.within(s, person_id)
    tree = carnet.load_carnet.within(s, person_id)
    choices = tuple(
        ObjectiveChoice(o.id, group.label, o.title, o.status_label)
        for group in tree.themes
        for o in group.objectives
    )
    name = f"{person.last_name.upper()} {person.first_name}"
    if contract_id is None:
        kind = ContractKind.CE if person.regime == Regime.PLEIN_EMPLOI else ContractKind.CER
        draft = ContractDraft(kind=kind, start_date=date.today())
        return EditorModel(person_id, name, None, "", False, draft, choices)
    view = get_contract.within(s, contract_id)
    return EditorModel(person_id, name, view.id, view.number, view.locked, view.draft, choices)


# --- writes: each public function is one unit of work ---------------------------------------------------------


def check_overlap(
    s: Session, person_id: str, start: date | None, end: date | None, ignore: Sequence[str | None] = ()
) -> None:
    """Refuse a period overlapping another valid contract of the person (ValidationError on start_date)."""
    if start is None or end is None:
        return
    rows = s.scalars(
        select(Contract).where(
            Contract.person_id == person_id,
            Contract.deleted_at.is_(None),
            Contract.status.in_(VALID_STATUSES),
        )
    ).all()
    for c in rows:
        if c.id in ignore or c.start_date is None or c.end_date is None:
            continue
        if c.start_date <= end and start <= c.end_date:
            raise ValidationError(
                fields={
                    "start_date": (
                        f"Cette période chevauche le contrat n° {c.number} (du {c.start_date:%d/%m/%Y} "
                        f"au {c.end_date:%d/%m/%Y}). Choisissez une date de début après le {c.end_date:%d/%m/%Y}."
                    )
                }
            )


def _raise(errors: dict[str, str]) -> None:
    if errors:
        raise ValidationError(fields=errors)


def link_objectives(s: Session, contract_id: str, objective_ids: Sequence[str]) -> None:
    """Attach the carnet objectives the contract prints to it (part of the contract's unit of work)."""
    for oid in objective_ids:
        row = s.get(Objective, oid)
        if row is not None and row.contract_id != contract_id:
            row.contract_id = contract_id


@use_case
def create(
    s: Session,
    person_id: str,
    draft: ContractDraft,
    *,
    author: str = "",
    previous_contract_id: str | None = None,
    amends_contract_id: str | None = None,
) -> str:
    """A new draft contract (first version) and its objective links, after validation and the overlap check."""
    _raise(validate(draft))
    check_overlap(s, person_id, draft.start_date, draft.end_date, ignore=(amends_contract_id,))
    cid = lifecycle.create_contract.within(
        s,
        person_id,
        kind=draft.kind,
        start_date=draft.start_date,
        duration_months=draft.duration_months,
        content=draft.content(),
        previous_contract_id=previous_contract_id,
        amends_contract_id=amends_contract_id,
        rules_version=rules_version(),
        author=author,
    )
    link_objectives(s, cid, draft.objective_ids)
    return cid


@use_case
def save(s: Session, contract_id: str, draft: ContractDraft, *, author: str = "") -> int:
    """Save the editor values as a new version of a draft and link its objectives, in one transaction;
    refused once signed (ContractLockedError)."""
    row = get_row(s, Contract, contract_id, "Contrat")
    if row.status in LOCKED_STATUSES:
        raise ContractLockedError()
    _raise(validate(draft))
    check_overlap(
        s, row.person_id, draft.start_date, draft.end_date, ignore=(contract_id, row.amends_contract_id)
    )
    number = lifecycle.save_contract_version.within(
        s,
        contract_id,
        draft.content(),
        author=author,
        start_date=draft.start_date,
        duration_months=draft.duration_months,
    )
    link_objectives(s, contract_id, draft.objective_ids)
    return number


@use_case
def renew(s: Session, contract_id: str, *, author: str = "") -> str:
    """Renewal: a new draft starting the day after, same duration, copying the previous plan."""
    previous = get_contract.within(s, contract_id)
    person_id = get_row(s, Contract, contract_id, "Contrat").person_id
    start = previous.end_date + relativedelta(days=1) if previous.end_date else date.today()
    draft = previous.draft
    draft = ContractDraft(
        **{
            **asdict(draft),
            "start_date": start,
            "actions": draft.actions,
            "next_rdv": None,
            "bilan_date": None,
            "observations": "",
        }
    )
    return create.within(s, person_id, draft, author=author, previous_contract_id=contract_id)


@use_case
def amend(s: Session, contract_id: str, *, author: str = "") -> str:
    """Avenant: a new draft amending a signed contract, same period and plan, to be edited then signed."""
    target = get_contract.within(s, contract_id)
    person_id = get_row(s, Contract, contract_id, "Contrat").person_id
    return create.within(s, person_id, target.draft, author=author, amends_contract_id=contract_id)


@use_case
def sign(
    s: Session,
    contract_id: str,
    *,
    signer: str,
    signer_name: str,
    strokes: list[Any] | None = None,
    place: str = "",
    at: datetime | None = None,
    method: str = SignatureMethod.PAD,
    document_id: str | None = None,
    author: str = "",
) -> bool:
    """Record one signature (CE rule checked first). When both parties signed, the contract becomes « signé ».
    Returns True when the contract is now signed."""
    view = get_contract.within(s, contract_id)
    if view.locked:
        raise ContractLockedError()
    _raise(validate(view.draft, for_signature=True))
    if not place.strip():
        raise ValidationError(fields={"place": "Indiquez le lieu de la signature."})
    lifecycle.add_signature.within(
        s,
        contract_id,
        signer=signer,
        signer_name=signer_name,
        method=method,
        strokes=strokes,
        document_id=document_id,
        signed_at=at,
        place=place,
    )
    done = {
        sig.signer
        for sig in get_contract.within(s, contract_id).signatures
        if sig.version_no == view.current_version
    }
    if done >= {str(x) for x in Signer}:
        lifecycle.transition_contract.within(s, contract_id, _S.SIGNED, at=at, author=author, place=place)
        return True
    return False


#: What a scanned signed page may be.
PAPER_SCAN_TYPES = {"application/pdf": "PDF", "image/jpeg": "JPEG", "image/png": "PNG"}


def sign_on_paper(
    db: Database,
    contract_id: str,
    path: Path | str,
    *,
    signed_on: date,
    place: str,
    actor: str = "",
) -> str:
    """The contract was signed on paper by both parties: store the scanned signed page (PDF, JPEG or PNG) as a
    « Contrat signé » document, record both signatures « sur papier » pointing to it and make the contract
    « signé », all in one transaction. Returns the document id."""
    c = Checker()
    where = c.run("place", require_text, place, "Indiquez le lieu de la signature.", 200)
    if signed_on > date.today():
        c.add("signed_on", "La date de signature ne peut pas être dans le futur.")
    mime = documents.guess_mime(Path(path).name)
    if mime not in PAPER_SCAN_TYPES:
        c.add("path", "Joignez la page signée au format PDF, JPEG ou PNG.")
    c.raise_if_any()
    data = documents.read_file(path)  # read before the transaction: a file error leaves nothing half-done
    # the hour is not asked: now (stored as for a pad signature) when signed today, noon for an earlier day
    at = None if signed_on == date.today() else datetime.combine(signed_on, time(12))
    with unit_of_work(db) as s:
        view = get_contract.within(s, contract_id)
        if view.locked:
            raise ContractLockedError()
        _raise(validate(view.draft, for_signature=True))
        contract = get_row(s, Contract, contract_id, "Contrat")
        person = get_row(s, Person, contract.person_id, "Personne")
        ref_id = person.referent_id or current_referent_id.within(s)
        ref = s.get(Referent, ref_id) if ref_id else None
        referent_name = f"{ref.first_name} {ref.last_name}" if ref is not None else ""
        document_id = documents.add_document.within(
            s,
            person.id,
            kind="contrat_signe",
            title=f"Contrat n° {contract.number} signé",
            data=data,
            file_name=Path(path).name,
            mime_type=mime,
            document_date=signed_on,
        )
        for signer, name in (
            (Signer.PERSON, f"{person.first_name} {person.last_name}"),
            (Signer.REFERENT, referent_name),
        ):
            sign.within(
                s,
                contract_id,
                signer=signer,
                signer_name=name,
                method=SignatureMethod.PAPER,
                document_id=document_id,
                at=at,
                place=where or "",
                author=actor,
            )
    return document_id


@use_case
def transition(s: Session, contract_id: str, to_status: str, *, comment: str = "", author: str = "") -> str:
    """A lifecycle step allowed by :mod:`.lifecycle` (département decisions included)."""
    return lifecycle.transition_contract.within(s, contract_id, to_status, comment=comment, author=author)


@dataclass(frozen=True)
class PersonContract:
    person_id: str
    person_name: str
    contract: ContractView


@query
def all_contracts(s: Session, person_id: str | None = None) -> list[PersonContract]:
    """Contracts of one person or of everyone (for the ``contracts`` command), by person name."""
    stmt = select(Person.id, Person.last_name, Person.first_name).where(
        Person.deleted_at.is_(None), Person.id.in_(select(Contract.person_id))
    )
    if person_id is not None:
        get_row(s, Person, person_id, "Personne")
        stmt = stmt.where(Person.id == person_id)
    rows = sorted(s.execute(stmt).all(), key=lambda r: (r[1].lower(), r[2].lower()))
    return [
        PersonContract(pid, f"{last.upper()} {first}", c)
        for pid, last, first in rows
        for c in list_contracts.within(s, pid)
    ]
