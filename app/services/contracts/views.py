"""The contracts as the screens and the commands read them: each contract with its versions, lifecycle events and
signatures, as frozen views (no ORM object leaves the service)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models.enums import ContractKind, ContractStatus
from app.models.rules.engine import load_default_rules
from app.models.rules.types import CaseFacts, resolve_events
from app.models.tables.contracts import Contract, Signature
from app.models.tables.people import Person
from app.models.vocabularies.loader import load_vocabularies
from app.services.contracts import lifecycle
from app.services.contracts.draft import ContractDraft, draft_from_content
from app.services.contracts.lifecycle import TRANSITIONS, ContractEventView, ContractVersionView
from app.services.storage import settings
from app.services.storage.uow import get_row, person_rows, query

CE_REPLACES_CER = "ce_replaces_cer"

#: Statuses whose period blocks another contract of the same person.
_S = ContractStatus
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
    amendment_no: int = 0  # « Avenant n° N au contrat n° {number} » when above 0
    out_of_law_from: date | None = (
        None  # a CER still running on the end of the transition: « hors délai légal »
    )

    @property
    def title(self) -> str:
        """« Avenant n° 1 au contrat n° CE-2026-… » or « Contrat n° … » (screens and lists)."""
        if self.amendment_no:
            return f"Avenant n° {self.amendment_no} au contrat n° {self.number}"
        return f"Contrat n° {self.number}"

    def out_of_law(self, today: date) -> bool:
        return self.out_of_law_from is not None and today >= self.out_of_law_from

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
        c.amendment_no,
        _out_of_law_from(s, c),
    )


#: Statuses of a contract that is running (a CER in one of them on the end of the transition is out of law).
RUNNING_STATUSES = frozenset({_S.SIGNED, _S.VALIDATED, _S.ACTIVE})


@query
def cer_transition_end(s: Session) -> date:
    """The day a CER still running is out of law: the due date of the ``ce_replaces_cer`` rule (1 January 2027;
    1 January 2028 for an overseas département, a setting)."""
    facts = CaseFacts(
        person_id="", regime="legacy", overseas=bool(settings.get.within(s, settings.OVERSEAS_DEPARTMENT))
    )
    rule = next(r for r in load_default_rules().rules if r.id == CE_REPLACES_CER)
    chosen = resolve_events(rule.from_events, facts, rule.from_pick)
    assert chosen is not None
    return rule.delay_for(facts).add_to(chosen[1])


def _out_of_law_from(s: Session, c: Contract) -> date | None:
    """For a CER still running on the end of the transition: that day (« hors délai légal » from then)."""
    if c.kind != ContractKind.CER or c.status not in RUNNING_STATUSES or c.end_date is None:
        return None
    end = cer_transition_end.within(s)
    return end if c.end_date >= end else None


@query
def list_contracts(s: Session, person_id: str) -> list[ContractView]:
    """The person's contracts, most recent start first, with versions, events and signatures."""
    rows = person_rows(s, Contract, person_id)
    views = [_view(s, c) for c in rows]
    return sorted(views, key=lambda v: (v.start_date or date.max, v.number), reverse=True)


@query
def get_contract(s: Session, contract_id: str) -> ContractView:
    return _view(s, get_row(s, Contract, contract_id, "Contrat"))


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
