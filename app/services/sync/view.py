"""Read helpers for the « Synchronisation » page (no Qt): a cheap overview, the conflict queue with French labels,
the automatic-sync preference and the parsing of a value typed to resolve a conflict by « Modifier… »."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import func, select

from app.models.identity.nir import mask_nir
from app.models.tables.base import synced_tables
from app.models.tables.local import Conflict, OutboxOp
from app.models.tables.people import Person, Referent
from app.services.errors import ValidationError
from app.services.storage import settings
from app.services.storage.vault import Vault
from app.services.sync import base
from app.services.sync.conflicts import K_TEAM_REFUSALS, REFUSAL, list_conflicts

#: Device-local preference (to be declared in app.services.storage.settings.ALL_SETTINGS).
AUTO_SYNC = settings.SYNC_AUTO

TABLE_LABELS = {
    "person": "Identité", "appointment": "Rendez-vous", "note": "Note", "objective": "Objectif",
    "action": "Action", "prescription": "Prescription", "contract": "Contrat", "contract_version": "Contrat",
    "diagnostic_version": "Diagnostic", "sanction_step": "Sanction", "referent": "Référent",
    "referent_assignment": "Changement de référent", "household": "Foyer", "document": "Document",
    "appointment_event": "Rendez-vous", "contract_event": "Contrat", "signature": "Signature",
    "exit_record": "Sortie du dispositif", "orientation": "Orientation", "parcours": "Parcours",
    "audit_event": "Journal d'accès", "ep_referral": "Saisine de l'EP", "ep_referral_fact": "Saisine de l'EP",
    "ep_seance": "Séance de l'EP", "ep_case": "Avis et décision (EP)",
}  # fmt: skip
FIELD_LABELS = {
    "last_name": "Nom", "first_name": "Prénom", "birth_name": "Nom de naissance", "birth_date": "Date de naissance",
    "phone": "Téléphone", "email": "Courriel", "city": "Commune", "postal_code": "Code postal",
    "address_line": "Adresse", "last_contact_date": "Dernier contact", "referent_id": "Référent",
    "nir": "NIR", "regime": "Régime", "track": "Parcours", "status": "Statut", "starts_at": "Début",
    "place": "Lieu", "purpose": "Objet", "nature": "Nature", "title": "Intitulé", "theme": "Thème",
    "due_date": "Échéance", "body": "Texte", "__doublon__": "Doublon possible", "start_date": "Date de début",
    "reason": "Motif", "assigned_by": "Désigné par", "kind": "Type", "written_at": "Écrit le",
    "__deleted__": "Supprimé sur le serveur", "__rejet__": "Modification refusée",
}  # fmt: skip
#: Fields never shown in clear in the conflict queue (and not editable there: the value is masked).
MASKED_FIELDS = frozenset({"nir"})


@dataclass(frozen=True)
class SyncOverview:
    enrolled: bool
    server: str
    user: str
    last_sync: datetime | None
    pending: int
    open_conflicts: int
    wiped: str
    auto_sync: bool


@dataclass(frozen=True)
class QueueItem:
    """One open conflict, ready to show: who, what (French labels), my value and the server's (as text)."""

    id: str
    person_id: str | None
    person: str
    table: str
    field: str
    field_name: str
    kind: str
    mine: str
    theirs: str
    editable: bool
    reason: str = ""  # a refusal's reason, or the server's message about a duplicate elsewhere


@dataclass(frozen=True)
class TeamRefusal:
    """A refusal a référent of the team transmitted to their team leader (seen on the leader's device)."""

    at: datetime
    who: str
    what: str
    reason: str
    person: str  # the person's name when their file is on this device, else ""


def overview(vault: Vault) -> SyncOverview:
    """What the page shows, without the per-table hashes of ``SyncClient.status`` (cheap)."""
    db = vault.db
    with db.read() as s:
        pending = int(s.scalar(select(func.count()).select_from(OutboxOp)) or 0)
        conflicts = int(
            s.scalar(select(func.count()).select_from(Conflict).where(Conflict.resolved_at.is_(None))) or 0
        )
    user = json.loads(db.get_state(base.K_USER) or "{}") or {}
    last = db.get_state(base.K_LAST)
    return SyncOverview(
        enrolled=bool(db.get_state(base.K_URL)) and not db.get_state(base.K_WIPED),
        server=db.get_state(base.K_URL),
        user=str(user.get("name") or user.get("login") or ""),
        last_sync=datetime.fromisoformat(last) if last else None,
        pending=pending,
        open_conflicts=conflicts,
        wiped=db.get_state(base.K_WIPED),
        auto_sync=bool(settings.get(db, AUTO_SYNC)),
    )


def set_auto_sync(vault: Vault, on: bool) -> None:
    settings.set_value(vault.db, AUTO_SYNC, bool(on))


def show_value(value: Any, field: str = "") -> str:
    """A stored/wire value as the référent reads it (dates dd/mm/yyyy, « (vide) »).

    A NIR (``field`` « nir », or a « nir » key of a dict of values) is never shown in clear: only its last
    three characters (:func:`~app.models.identity.nir.mask_nir`).
    """
    if value is None or value == "":
        return "(vide)"
    if field in MASKED_FIELDS:
        return mask_nir(str(value))
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, str) and len(value) >= 10 and value[4] == "-" and value[7] == "-":
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return value
        return parsed.strftime("%d/%m/%Y à %H:%M" if len(value) > 10 else "%d/%m/%Y")
    if isinstance(value, dict):
        return ", ".join(f"{FIELD_LABELS.get(k, k)} : {show_value(v, k)}" for k, v in value.items())
    return str(value)


KIND_LABELS = {"insert": "création", "append": "ajout", "update": "modification", "delete": "suppression",
               "purge": "purge"}  # fmt: skip


def _reason(value: Any) -> str:
    """The server's words about a refusal or a duplicate elsewhere (a dict from a recent server, else text)."""
    if isinstance(value, dict):
        return str(value.get("message") or "")
    return value if isinstance(value, str) else ""


def _display_name(value: Any) -> str | None:
    """The name typed in a refused new person (their record is no longer on this device)."""
    if isinstance(value, dict) and value.get("last_name"):
        return f"{str(value['last_name']).upper()} {value.get('first_name') or ''}".strip()
    return None


#: Fields of a refused record not worth showing (ids, bookkeeping dates).
HIDDEN_IN_REFUSAL = frozenset({"created_at", "updated_at", "deleted_at"})


def _typed(value: Any, referents: dict[str, str]) -> str:
    """What the référent had typed in a refused change: labelled fields, référents by name, no raw ids."""
    if not isinstance(value, dict):
        return show_value(value)
    shown = {}
    for k, v in value.items():
        if k in HIDDEN_IN_REFUSAL or (k.endswith("_id") and k != "referent_id"):
            continue
        shown[k] = referents.get(str(v), v) if k == "referent_id" else v
    return show_value(shown) if shown else "(rien d'autre que des liens entre enregistrements)"


def _item(c: Any, names: dict[str, str], referents: dict[str, str]) -> QueueItem:
    pid = c.person_id or (c.row_id if c.table_name == "person" else None)
    unknown = _display_name(c.local_value) if c.table_name == "person" else None
    person = names.get(pid or "") or unknown or "(personne inconnue sur ce poste)"
    reason = _reason(c.server_value) if c.field in (REFUSAL, "__doublon__") else ""
    field_name = FIELD_LABELS.get(c.field, c.field.replace("_", " "))
    if c.field == REFUSAL and isinstance(c.server_value, dict):
        field_name = f"{field_name} ({KIND_LABELS.get(str(c.server_value.get('kind')), 'modification')})"
    return QueueItem(
        id=c.id, person_id=pid, person=person, table=TABLE_LABELS.get(c.table_name, c.table_name), field=c.field,
        field_name=field_name, kind=c.kind,
        mine=_typed(c.local_value, referents) if c.field == REFUSAL else show_value(c.local_value, c.field),
        theirs=reason if c.field == REFUSAL else show_value(c.server_value, c.field),
        editable=c.kind == "champ" and c.field not in MASKED_FIELDS, reason=reason,
    )  # fmt: skip


def conflict_queue(vault: Vault) -> list[QueueItem]:
    """Open conflicts, refusals and possible duplicates, oldest first, with the person's name."""
    items = list_conflicts(vault)
    ids = {c.person_id for c in items if c.person_id} | {c.row_id for c in items if c.table_name == "person"}
    with vault.db.read() as s:
        names = {
            p.id: f"{p.last_name.upper()} {p.first_name}"
            for p in s.scalars(select(Person).where(Person.id.in_(ids)))
        }
        referents = {r.id: f"{r.first_name} {r.last_name}".strip() for r in s.scalars(select(Referent))}
    return [_item(c, names, referents) for c in items]


def team_refusals(vault: Vault) -> list[TeamRefusal]:
    """What the référents of this team leader's team transmitted (from the last sync), newest first."""
    raw = json.loads(vault.db.get_state(K_TEAM_REFUSALS) or "[]") or []
    ids = {str(r.get("row_id")) for r in raw if r.get("table") == "person" and r.get("row_id")}
    with vault.db.read() as s:
        names = {
            p.id: f"{p.last_name.upper()} {p.first_name}"
            for p in s.scalars(select(Person).where(Person.id.in_(ids)))
        }
    out = []
    for r in raw:
        try:  # the server's UTC time, shown in local time
            at = (
                datetime.fromisoformat(str(r.get("at"))).replace(tzinfo=UTC).astimezone().replace(tzinfo=None)
            )
        except ValueError:
            continue
        out.append(
            TeamRefusal(
                at=at,
                who=str(r.get("name") or r.get("login") or ""),
                what=TABLE_LABELS.get(str(r.get("table")), str(r.get("table") or "")),
                reason=str(r.get("reason") or ""),
                person=names.get(str(r.get("row_id")), "") if r.get("table") == "person" else "",
            )
        )
    return out


def parse_edit(vault: Vault, conflict_id: str, text: str) -> Any:
    """The value typed by the référent for « Modifier… », converted for the field's column."""
    with vault.db.read() as s:
        c = s.get(Conflict, conflict_id)
        table = synced_tables().get(c.table_name) if c is not None else None
        column = table.__table__.columns.get(c.field) if table is not None and c is not None else None  # type: ignore[attr-defined]
    text = text.strip()
    if not text:
        return None
    if column is not None and column.type.python_type in (date, datetime):
        try:
            day = datetime.strptime(text[:10], "%d/%m/%Y")
        except ValueError as exc:
            raise ValidationError(fields={"value": "Date attendue au format jj/mm/aaaa."}) from exc
        return day.date().isoformat() if column.type.python_type is date else day.isoformat()
    return text
