"""The conflict queue: same field changed on both sides (server value kept), rejected ops, possible duplicates.

Resolutions: ``keep_theirs`` (just mark resolved), ``keep_mine`` (a new op re-applies our value), ``edit``
(a new op with the value the référent typed). Ops are written by a normal session, so they go through the
outbox like any user change.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from app.models.sync import wire as codec
from app.models.tables.base import synced_tables, utcnow
from app.models.tables.local import Conflict
from app.services.errors import NotFoundError, ValidationError
from app.services.storage.vault import Vault

CHOICES = ("keep_mine", "keep_theirs", "edit")
SPECIAL = {"__doublon__": "doublon possible", "__rejet__": "modification refusée", "__deleted__": "supprimé"}


@dataclass(frozen=True)
class ConflictView:
    id: str
    table_name: str
    row_id: str
    person_id: str | None
    field: str
    kind: str  # champ / doublon possible / modification refusée / supprimé
    local_value: Any
    server_value: Any
    resolved: bool
    resolution: str


def _view(c: Conflict) -> ConflictView:
    return ConflictView(
        id=c.id,
        table_name=c.table_name,
        row_id=c.row_id,
        person_id=c.person_id,
        field=c.field,
        kind=SPECIAL.get(c.field, "champ"),
        local_value=c.local_value,
        server_value=c.server_value,
        resolved=c.resolved_at is not None,
        resolution=c.resolution,
    )


def list_conflicts(vault: Vault, *, include_resolved: bool = False) -> list[ConflictView]:
    with vault.db.read() as s:
        stmt = select(Conflict).order_by(Conflict.detected_at)
        if not include_resolved:
            stmt = stmt.where(Conflict.resolved_at.is_(None))
        return [_view(c) for c in s.scalars(stmt)]


def list_duplicates(vault: Vault) -> list[ConflictView]:
    """People possibly created twice (same NIR, or same names and birth date): merge proposals."""
    return [c for c in list_conflicts(vault) if c.field == "__doublon__"]


def resolve_conflict(vault: Vault, conflict_id: str, choice: str, value: Any = None) -> None:
    if choice not in CHOICES:
        raise ValidationError(f"Choix inconnu : {choice}.")
    with vault.db.session() as s:
        c = s.get(Conflict, conflict_id)
        if c is None or c.resolved_at is not None:
            raise NotFoundError("Ce conflit n'existe pas ou a déjà été traité.")
        if (choice != "keep_theirs" and c.field not in SPECIAL) or (
            c.field == "__deleted__" and choice != "keep_theirs"
        ):
            cls = synced_tables().get(c.table_name)
            obj = s.get(cls, c.row_id) if cls is not None else None
            if obj is None:
                raise NotFoundError("L'enregistrement concerné n'existe plus sur ce poste.")
            conv = codec.converters(cls.__table__)  # type: ignore[union-attr]
            if c.field == "__deleted__":
                obj.deleted_at = None
                changes = c.local_value if choice == "keep_mine" else value
                for k, v in dict(changes or {}).items():
                    setattr(obj, k, conv[k](v) if k in conv and v is not None else v)
            else:
                new = c.local_value if choice == "keep_mine" else value
                setattr(obj, c.field, conv[c.field](new) if c.field in conv and new is not None else new)
        c.resolved_at = utcnow()
        c.resolution = choice
