"""What a contract prints, as plain values: :class:`ContractDocument`, and its JSON form.

A signed contract is evidence (DOMAIN.md, « The contract document »): what it printed at signature is stored as
the JSON of its :class:`ContractDocument` — case data **and** the legal wording of ``resources/contract/texts.yaml``
— so that every later print is the signed text, byte for byte, whatever changed in the file, the settings or
the application since. :func:`document_to_json` and :func:`document_from_json` are exact inverses.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from functools import cache
from typing import Any, Literal

import yaml

from app.models.resources import resource_path
from app.services.contracts.draft import ActionDraft as ActionLine  # the editor's action line, printed as is
from app.services.printing.base import AppointmentLine, PdfResourceError
from app.services.printing.signature import InvalidSignatureError, clean_strokes

ContractKind = Literal["cer", "ce"]
SignatureMethod = Literal["pad", "papier"]
DURATIONS = (3, 6, 9, 12)
REGIMES = ("legacy", "plein_emploi")
#: Format of the stored JSON (bump when a field changes meaning; older snapshots stay readable).
SNAPSHOT_FORMAT = 1


class ContractDocumentError(ValueError):
    """The contract data cannot be printed as given (French message)."""


@cache
def load_texts() -> dict[str, Any]:
    """The legal wording (``resources/contract/texts.yaml``), parsed once."""
    path = resource_path("contract", "texts.yaml")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise PdfResourceError(f"Textes du contrat illisibles : {path}") from exc
    if not isinstance(data, dict) or len(data.get("sections", ())) != 14:
        raise PdfResourceError(f"Textes du contrat incomplets : {path}")
    return data


@dataclass(frozen=True)
class PersonBlock:
    """The person accompanied. Deliberately no NIR."""

    name: str
    birth_date: date | None
    address_lines: tuple[str, ...] = ()
    caf_number: str = ""


@dataclass(frozen=True)
class ReferentBlock:
    name: str
    structure: str
    phone: str = ""
    email: str = ""


@dataclass(frozen=True)
class OrientationBlock:
    track_label: str  # « Socio-professionnelle »
    decided_on: date | None
    organisme: str


@dataclass(frozen=True)
class SignatureBlock:
    """One signature: pad strokes (normalised 0..1 points, y downwards) or « papier » with a scan on file."""

    signer_label: str  # « La personne accompagnée », « Le référent »
    method: SignatureMethod
    strokes: tuple[tuple[tuple[float, float], ...], ...] = ()
    signed_at: datetime | None = None
    place: str = ""

    def __post_init__(self) -> None:
        if self.method not in ("pad", "papier"):
            raise ContractDocumentError(f"Mode de signature inconnu : {self.method}")
        try:
            clean_strokes(self.strokes)
        except InvalidSignatureError as exc:
            raise ContractDocumentError(str(exc)) from exc


@dataclass(frozen=True)
class OfferBlock:
    """The elements of the offre raisonnable d'emploi (C. trav. L.5411-6-1)."""

    jobs: str
    area: str
    salary: str
    search_acts: str = ""


@dataclass(frozen=True)
class HoursBlock:
    """The weekly activity of a CE (C. trav. L.5411-6): its regime, the ground or the reason as printed."""

    regime: str  # enums.HoursRegime
    ground_label: str = ""  # « sans durée »: the label of the ground of the closed list
    reason: str = ""  # « minorée »: why


@dataclass(frozen=True)
class ValidationBlock:
    """The département's validation of a signed contract: who and when (from the contract's events)."""

    on: date
    by: str = ""


@dataclass(frozen=True)
class ContractDocument:
    """Everything printed on a contract. ``department`` is the full printed name (« Département du Nord »).

    ``situation`` holds (label, value) lines from the diagnostic, with no health detail;
    ``health_constraint`` is printed as « Contrainte de santé : oui/non » only when not None
    (None = the person did not agree to mention it). ``texts`` is the legal wording printed (the content of
    ``texts.yaml`` when the document was made: a signed contract keeps the wording it was signed with).
    """

    department: str
    organisme: str
    kind: ContractKind
    regime: str
    number: str
    is_renewal: bool
    start_date: date
    end_date: date
    duration_months: int
    person: PersonBlock
    referent: ReferentBlock
    orientation: OrientationBlock
    situation: tuple[tuple[str, str], ...] = ()
    health_constraint: bool | None = None
    objectives: tuple[str, ...] = ()
    actions: tuple[ActionLine, ...] = ()
    hours: HoursBlock | None = None
    offer: OfferBlock | None = None
    commitments_text: str = ""
    next_rdv: AppointmentLine | None = None
    bilan_date: date | None = None
    person_observations: str = ""
    dpo_contact: str = ""
    retention_months: int = 24
    rules_version: str = ""
    person_signature: SignatureBlock | None = None
    referent_signature: SignatureBlock | None = None
    issued_on: date | None = None
    amendment_no: int = 0  # « Avenant n° N au contrat n° {number} » when above 0
    validation: ValidationBlock | None = None
    texts: Mapping[str, Any] = field(default_factory=load_texts)

    def __post_init__(self) -> None:
        if self.kind not in ("cer", "ce"):
            raise ContractDocumentError(f"Type de contrat inconnu : {self.kind}")
        if self.regime not in REGIMES:
            raise ContractDocumentError(f"Régime inconnu : {self.regime}")
        if self.duration_months not in DURATIONS:
            raise ContractDocumentError("La durée du contrat doit être de 3, 6, 9 ou 12 mois.")
        if self.end_date < self.start_date:
            raise ContractDocumentError("La date de fin précède la date de début.")

    @property
    def weekly_hours(self) -> float:
        return sum(a.hours_per_week or 0.0 for a in self.actions)

    @property
    def texts_version(self) -> str:
        return str(self.texts.get("version", ""))


# --- JSON form ------------------------------------------------------------------------------------------------

_DATES = {
    "birth_date", "decided_on", "start_date", "end_date", "bilan_date", "issued_on", "on", "start", "end",
}  # fmt: skip
_MOMENTS = {"signed_at", "at"}
_NESTED: dict[str, type] = {
    "person": PersonBlock,
    "referent": ReferentBlock,
    "orientation": OrientationBlock,
    "hours": HoursBlock,
    "offer": OfferBlock,
    "next_rdv": AppointmentLine,
    "person_signature": SignatureBlock,
    "referent_signature": SignatureBlock,
    "validation": ValidationBlock,
}


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    if hasattr(value, "__dataclass_fields__"):
        return {f.name: _plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (tuple, list)):
        return [_plain(v) for v in value]
    return value


def document_to_json(doc: ContractDocument) -> dict[str, Any]:
    """The document as JSON-compatible data (what a snapshot stores)."""
    data = _plain(doc)
    data["format"] = SNAPSHOT_FORMAT
    return data


def _tuples(value: Any) -> Any:
    return tuple(_tuples(v) for v in value) if isinstance(value, list) else value


def _revive(cls: type, data: Mapping[str, Any]) -> Any:
    known = {f.name for f in fields(cls)}
    kwargs: dict[str, Any] = {}
    for key, value in data.items():
        if key not in known:
            continue
        if value is None:
            kwargs[key] = None
        elif key in _DATES:
            kwargs[key] = date.fromisoformat(value)
        elif key in _MOMENTS:
            kwargs[key] = datetime.fromisoformat(value)
        elif key in _NESTED:
            kwargs[key] = _revive(_NESTED[key], value)
        elif key == "actions":
            kwargs[key] = tuple(_revive(ActionLine, a) for a in value)
        elif key == "texts":
            kwargs[key] = value
        else:
            kwargs[key] = _tuples(value)
    return cls(**kwargs)


def document_from_json(data: Mapping[str, Any]) -> ContractDocument:
    """The document a snapshot stored (``ContractDocumentError`` when it cannot be read back)."""
    try:
        doc = _revive(ContractDocument, data)
    except (TypeError, ValueError, KeyError) as exc:
        raise ContractDocumentError(
            f"Le texte figé de ce contrat est illisible ({type(exc).__name__})."
        ) from exc
    assert isinstance(doc, ContractDocument)
    return doc
