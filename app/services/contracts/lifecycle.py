"""Contract use cases (CER / contrat d'engagement): draft, versions, signatures, lifecycle.

Lifecycle (DOMAIN.md): brouillon → signé → validé / rejeté → en cours → terminé / résilié. The content lives in
append-only versions; once signed a contract is locked **at the service level**: saving a version or adding a
signature raises :class:`ContractLockedError` (an avenant or a new contract is the way).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from dateutil.relativedelta import relativedelta
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models.enums import ContractKind, ContractStatus, Regime, SignatureMethod, Signer
from app.models.errors import FilRougeError
from app.models.law import CE_ONLY_FROM
from app.models.tables.base import new_id, utcnow
from app.models.tables.contracts import Contract, ContractEvent, ContractVersion, Signature
from app.models.tables.people import Person
from app.services.errors import ValidationError
from app.services.people.identity import author_label, author_names
from app.services.storage.uow import get_row, query, rows_of, use_case
from app.services.validation import Checker, FieldError, check, optional_text, parse_date, require_choice

_S = ContractStatus
#: Allowed lifecycle transitions.
TRANSITIONS: dict[str, frozenset[str]] = {
    _S.DRAFT: frozenset({_S.SIGNED}),
    _S.SIGNED: frozenset({_S.VALIDATED, _S.REJECTED, _S.TERMINATED}),
    _S.VALIDATED: frozenset({_S.ACTIVE, _S.TERMINATED}),
    _S.ACTIVE: frozenset({_S.ENDED, _S.TERMINATED}),
    _S.REJECTED: frozenset(),
    _S.ENDED: frozenset(),
    _S.TERMINATED: frozenset(),
}
DURATIONS = frozenset({3, 6, 9, 12})


class ContractLockedError(FilRougeError):
    default_message = (
        "Ce contrat est signé : il ne peut plus être modifié. Faites un avenant ou un nouveau contrat."
    )


CER_CLOSED_MESSAGE = (
    "Depuis le 1er janvier 2025, seul le contrat d'engagement peut être conclu (loi n° 2023-1196 pour le "
    "plein emploi) : un CER ne peut plus commencer, être renouvelé ni modifié par avenant à partir de cette "
    "date. Préparez un contrat d'engagement."
)


class ContractTransitionError(FilRougeError):
    default_message = "Ce changement d'état du contrat n'est pas possible."


@dataclass(frozen=True)
class ContractVersionView:
    id: str
    version_no: int
    author: str
    saved_at: datetime
    content: dict[str, Any]


@dataclass(frozen=True)
class ContractEventView:
    id: str
    from_status: str
    to_status: str
    at: datetime
    author: str
    comment: str


def _at(value: datetime | None) -> datetime:
    return utcnow() if value is None else value.replace(tzinfo=None)


def _content(value: Mapping[str, Any] | None) -> dict[str, Any]:
    if value is not None and not isinstance(value, Mapping):
        raise FieldError("Le contenu du contrat est mal formé.")
    return dict(value or {})


def _duration(value: int) -> int:
    if value not in DURATIONS:
        raise FieldError("Durée du contrat : 3, 6, 9 ou 12 mois.")
    return value


def _number(kind: str, year: int, contract_id: str) -> str:
    """« CER-2026-3F2A9C1B »: unique without a counter, so two offline devices never hand out the same one."""
    return f"{kind.upper()}-{year}-{contract_id.replace('-', '')[:8].upper()}"


def _add_version(s: Session, contract: Contract, content: dict[str, Any], author: str, at: datetime) -> int:
    number = contract.current_version + 1
    s.add(
        ContractVersion(
            id=new_id(),
            contract_id=contract.id,
            version_no=number,
            author=author,
            saved_at=at,
            content=content,
        )
    )
    contract.current_version = number
    return number


def end_date(start: date | None, months: int) -> date | None:
    """End of a contract of ``months`` months starting on ``start``: the day before the same date ``months``
    later (1 Jan + 6 months → 30 Jun; 31 Jan + 1 month → 27 Feb)."""
    return None if start is None else start + relativedelta(months=months) - relativedelta(days=1)


@use_case
def create_contract(
    s: Session,
    person_id: str,
    *,
    kind: str,
    regime: str | None = None,
    start_date: date | str | None = None,
    duration_months: int = 6,
    content: Mapping[str, Any] | None = None,
    previous_contract_id: str | None = None,
    amends_contract_id: str | None = None,
    rules_version: str = "",
    author: str = "",
    saved_at: datetime | None = None,
) -> str:
    """A new draft with its first version. A renewal (``previous_contract_id``) without content copies the plan."""
    c = Checker()
    c.run(
        "kind", require_choice, kind, ContractKind, "Type de contrat inconnu (CER ou contrat d'engagement)."
    )
    if regime is not None:
        c.run("regime", require_choice, regime, Regime, "Régime inconnu.")
    start = c.run(
        "start_date", parse_date, start_date, "Date de début invalide (format attendu : JJ/MM/AAAA)."
    )
    c.run("duration_months", _duration, duration_months)
    body = c.run("content", _content, content)
    c.raise_if_any()
    at = _at(saved_at)
    follows = previous_contract_id is not None or amends_contract_id is not None
    if kind == ContractKind.CER and (
        (start or at.date()) >= CE_ONLY_FROM or (follows and at.date() >= CE_ONLY_FROM)
    ):
        raise ValidationError(fields={"kind": CER_CLOSED_MESSAGE})
    person = get_row(s, Person, person_id, "Personne")
    if previous_contract_id is not None:
        previous = get_row(s, Contract, previous_contract_id, "Contrat précédent")
        if content is None:
            body = _latest_content(s, previous.id)
    row_id = new_id()
    number, amendment_no = _number(kind, at.year, row_id), 0
    if amends_contract_id is not None:
        number, amendment_no = _avenant_number(s, get_row(s, Contract, amends_contract_id, "Contrat modifié"))
    row = Contract(
        id=row_id,
        person_id=person.id,
        number=number,
        amendment_no=amendment_no,
        kind=kind,
        regime=regime or (Regime.PLEIN_EMPLOI if kind == ContractKind.CE else Regime.LEGACY),
        rules_version=rules_version,
        is_renewal=previous_contract_id is not None,
        previous_contract_id=previous_contract_id,
        amends_contract_id=amends_contract_id,
        status=_S.DRAFT,
        start_date=start,
        end_date=end_date(start, duration_months),
        duration_months=duration_months,
        current_version=0,
    )
    s.add(row)
    _add_version(s, row, body or {}, author, at)
    s.add(
        ContractEvent(
            id=new_id(), contract_id=row.id, from_status="", to_status=_S.DRAFT, at=at, author=author
        )
    )
    return row.id


def _avenant_number(s: Session, amended: Contract) -> tuple[str, int]:
    """An avenant keeps the number of the contract it amends and takes the next avenant number of that
    contract (« Avenant n° 2 au contrat n° CE-2026-… »), counting the avenants already made on any device."""
    siblings = rows_of(s, Contract, person_id=amended.person_id, number=amended.number)
    return amended.number, max((c.amendment_no for c in siblings), default=0) + 1


def _latest_content(s: Session, contract_id: str) -> dict[str, Any]:
    version = max(
        rows_of(s, ContractVersion, contract_id=contract_id), key=lambda v: v.version_no, default=None
    )
    return dict(version.content) if version is not None else {}


def _draft(s: Session, contract_id: str) -> Contract:
    contract = get_row(s, Contract, contract_id, "Contrat")
    if contract.status != _S.DRAFT:
        raise ContractLockedError()
    return contract


@use_case
def save_contract_version(
    s: Session,
    contract_id: str,
    content: Mapping[str, Any],
    *,
    author: str = "",
    saved_at: datetime | None = None,
    start_date: date | str | None = None,
    duration_months: int | None = None,
) -> int:
    """Save the draft's content as a new version (the old ones stay). Refused once signed. Returns the number."""
    body = check("content", _content, content)
    start = check(
        "start_date", parse_date, start_date, "Date de début invalide (format attendu : JJ/MM/AAAA)."
    )
    if duration_months is not None:
        check("duration_months", _duration, duration_months)
    contract = _draft(s, contract_id)
    if start is not None and contract.start_date != start:
        contract.start_date = start
    if duration_months is not None and contract.duration_months != duration_months:
        contract.duration_months = duration_months
    end = end_date(contract.start_date, contract.duration_months)
    if contract.end_date != end:
        contract.end_date = end
    return _add_version(s, contract, body, author, _at(saved_at))


def _strokes(value: list[Any]) -> list[Any]:
    try:
        ok = bool(value) and all(
            len(stroke) >= 2 and all(0.0 <= float(x) <= 1.0 and 0.0 <= float(y) <= 1.0 for x, y in stroke)
            for stroke in value
        )
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise FieldError("La signature tracée est vide ou illisible.")
    return [[[round(float(x), 4), round(float(y), 4)] for x, y in stroke] for stroke in value]


@use_case
def add_signature(
    s: Session,
    contract_id: str,
    *,
    signer: str,
    signer_name: str,
    method: str = SignatureMethod.PAD,
    strokes: list[Any] | None = None,
    document_id: str | None = None,
    signed_at: datetime | None = None,
    place: str = "",
) -> str:
    """Sign the current version of a draft: pad strokes (normalised 0..1) or paper with the scanned page."""
    c = Checker()
    c.run("signer", require_choice, signer, Signer, "Signataire inconnu.")
    c.run("method", require_choice, method, SignatureMethod, "Mode de signature inconnu.")
    clean = c.run("strokes", _strokes, strokes or []) if method == SignatureMethod.PAD else []
    if method == SignatureMethod.PAPER and not document_id:
        c.add("document_id", "Joignez la page signée numérisée.")
    c.raise_if_any()
    contract = _draft(s, contract_id)
    row = Signature(
        id=new_id(),
        contract_id=contract.id,
        version_no=contract.current_version,
        signer=signer,
        signer_name=optional_text(signer_name),
        method=method,
        strokes=clean or [],
        document_id=document_id,
        signed_at=_at(signed_at),
        place=optional_text(place),
    )
    s.add(row)
    return row.id


def _check_signed(s: Session, contract: Contract) -> None:
    signers = {
        sig.signer
        for sig in rows_of(s, Signature, contract_id=contract.id)
        if sig.version_no == contract.current_version
    }
    if signers != {str(x) for x in Signer}:
        raise ContractTransitionError("Le contrat doit être signé par la personne et par le référent.")


@use_case
def transition_contract(
    s: Session,
    contract_id: str,
    to_status: str,
    *,
    at: datetime | None = None,
    author: str = "",
    comment: str = "",
    place: str = "",
) -> str:
    """Move the contract along its lifecycle; appends a :class:`ContractEvent`. Returns the event id."""
    check("to_status", require_choice, to_status, ContractStatus, "État de contrat inconnu.")
    when = _at(at)
    contract = get_row(s, Contract, contract_id, "Contrat")
    if to_status not in TRANSITIONS[contract.status]:
        raise ContractTransitionError(
            f"Passage impossible de l'état « {contract.status} » à l'état « {to_status} »."
        )
    if to_status == _S.SIGNED:
        _check_signed(s, contract)
        contract.signed_on = when.date()
        contract.signed_place = optional_text(place)
    if to_status == _S.ACTIVE and contract.start_date is None:
        contract.start_date = when.date()
        contract.end_date = end_date(contract.start_date, contract.duration_months)
    if to_status == _S.TERMINATED and contract.end_date is not None and when.date() < contract.end_date:
        contract.end_date = when.date()
    event = ContractEvent(
        id=new_id(),
        contract_id=contract.id,
        from_status=contract.status,
        to_status=to_status,
        at=when,
        author=author,
        comment=optional_text(comment, 2000),
    )
    contract.status = to_status
    s.add(event)
    return event.id


@query
def contract_versions(s: Session, contract_id: str) -> list[ContractVersionView]:
    rows = s.scalars(
        select(ContractVersion)
        .where(ContractVersion.contract_id == contract_id)
        .order_by(ContractVersion.version_no)
    ).all()
    names = author_names.within(s)
    return [
        ContractVersionView(v.id, v.version_no, author_label(v.author, names), v.saved_at, dict(v.content))
        for v in rows
    ]


@query
def contract_events(s: Session, contract_id: str) -> list[ContractEventView]:
    rows = s.scalars(
        select(ContractEvent)
        .where(ContractEvent.contract_id == contract_id)
        .order_by(ContractEvent.at, ContractEvent.created_at)
    ).all()
    names = author_names.within(s)
    return [
        ContractEventView(e.id, e.from_status, e.to_status, e.at, author_label(e.author, names), e.comment)
        for e in rows
    ]
