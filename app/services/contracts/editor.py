"""Contract use cases on top of :mod:`app.services.contracts.lifecycle`: the person's contracts, the editor model,
dates and overlap, the CE 15-hour rule, signatures, lifecycle actions, the PDF built from the database.

Content of a version (JSON): ``objective_ids``/``objectives`` (carnet objectives linked, titles kept as printed),
``actions`` (label, partner, start, end, hours_per_week), ``weekly_hours``, the CE terms (``hours_regime``,
``hours_ground``, ``hours_reason``, ``salaried_goal``, ``ore_jobs``, ``ore_area``, ``ore_salary``, ``search_acts``;
see :mod:`app.services.contracts.draft`), ``person_commitments``, ``next_rdv`` (ISO date-time), ``bilan_date``, ``observations``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime, time
from functools import cache
from pathlib import Path
from typing import Any

from dateutil.relativedelta import relativedelta
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models.enums import ContractKind, ContractStatus, Regime, SignatureMethod, Signer, Track
from app.models.law import CE_ONLY_FROM
from app.models.rules.engine import load_default_rules
from app.models.tables.carnet import Objective
from app.models.tables.contracts import Contract
from app.models.tables.people import Person, Referent
from app.services.casefile import documents
from app.services.casefile.carnet import tree as carnet
from app.services.contracts import lifecycle
from app.services.contracts.draft import (
    ContractDraft,
    validate,
)
from app.services.contracts.lifecycle import (
    CER_CLOSED_MESSAGE,
    ContractLockedError,
)
from app.services.contracts.views import (
    LOCKED_STATUSES,
    VALID_STATUSES,
    get_contract,
)
from app.services.errors import ValidationError
from app.services.people.deadlines import current_tracks
from app.services.people.identity import current_referent_id, get_person
from app.services.settings import letterhead
from app.services.storage.db import Database
from app.services.storage.uow import get_row, query, rows_of, unit_of_work, use_case
from app.services.validation import Checker, require_text

_S = ContractStatus


@cache
def rules_version() -> str:
    """Version of the rule table in force, stored on each new contract."""
    return load_default_rules().version


# --- views ---------------------------------------------------------------------------------------------------


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
    social_track: bool = False  # oriented to the social track: no offre raisonnable d'emploi (L.5411-6-1, II)


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
    social = current_tracks(s, [person_id]).get(person_id, "") == Track.SOCIAL
    if contract_id is None:  # since 1 January 2025, every new contract is a contrat d'engagement
        draft = ContractDraft(kind=ContractKind.CE, start_date=date.today())
        return EditorModel(person_id, name, None, "", False, draft, choices, social_track=social)
    view = get_contract.within(s, contract_id)
    return EditorModel(
        person_id, name, view.id, view.number, view.locked, view.draft, choices, social_track=social
    )


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


def _amended_chain(s: Session, amended_id: str | None) -> tuple[str, ...]:
    """The contract an avenant amends and its other avenants (same number): the avenant takes their place."""
    if amended_id is None:
        return ()
    amended = get_row(s, Contract, amended_id, "Contrat modifié")
    return tuple(c.id for c in rows_of(s, Contract, person_id=amended.person_id, number=amended.number))


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
    check_overlap(
        s, person_id, draft.start_date, draft.end_date, ignore=_amended_chain(s, amends_contract_id)
    )
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
            # a renewal from 1 January 2025 is a contrat d'engagement, whatever the contract renewed
            "kind": ContractKind.CE if start >= CE_ONLY_FROM else draft.kind,
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
    """Avenant: a new draft amending a signed contract, same period and plan, to be edited then signed. It
    keeps the amended contract's number (« Avenant n° N au contrat n° … »). A CER cannot be amended any more."""
    target = get_contract.within(s, contract_id)
    if target.kind == ContractKind.CER and date.today() >= CE_ONLY_FROM:
        raise ValidationError(CER_CLOSED_MESSAGE)
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
    _check_letterhead(s)
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
        from app.services.contracts.document import freeze  # reportlab: at the signature, not with the tab

        lifecycle.transition_contract.within(s, contract_id, _S.SIGNED, at=at, author=author, place=place)
        freeze.within(s, contract_id, reason="signature")
        if view.kind == ContractKind.CE:
            _enter_plein_emploi(s, contract_id)
        return True
    return False


def _enter_plein_emploi(s: Session, contract_id: str) -> None:
    """A person of the legacy regime moves to the plein-emploi regime with their first signed CE."""
    person = get_row(s, Person, get_row(s, Contract, contract_id, "Contrat").person_id, "Personne")
    if person.regime != Regime.PLEIN_EMPLOI:
        person.regime = Regime.PLEIN_EMPLOI


def _check_letterhead(s: Session) -> None:
    """The personal-data notice printed on the contract must name the controller and the DPO's contact."""
    missing = letterhead.missing_for_signature.within(s)
    if missing:
        raise ValidationError(
            "Le contrat ne peut pas être signé : la notice de protection des données imprimée sur le contrat "
            f"doit indiquer {' et '.join(missing)}. Renseignez-les dans Paramètres › Documents."
        )


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
