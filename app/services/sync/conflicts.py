"""The conflict queue: same field changed on both sides (server value kept), ops the server refused, possible
duplicates.

Resolutions: ``keep_theirs`` (just mark resolved), ``keep_mine`` (a new op re-applies our value), ``edit``
(a new op with the value the référent typed). Ops are written by a normal session, so they go through the
outbox like any user change.

A refused op (``__rejet__``: outside the device's scope, against the reassignment rules, malformed…) has already
been undone on this device when it reaches the queue (the server's values put back, a refused new record
removed with what hangs off it — its values stay in the queue). Its way out: ``discard`` (« Abandonner ma
modification »: nothing more happens) or ``escalate`` (« Transmettre au responsable »: at the next sync the
server records that the référent transmitted this refusal; the team leader sees it — when, who, which kind of
record, the reason — on their « Synchronisation » page for 30 days. Nothing is changed in any file: the leader
acts on it, e.g. by assigning the person).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, delete, select, update

from app.models.sync import wire as codec
from app.models.tables.base import Base, synced_tables, utcnow
from app.models.tables.local import Conflict
from app.services.errors import NotFoundError, ValidationError
from app.services.storage.vault import Vault

CHOICES = ("keep_mine", "keep_theirs", "edit", "discard", "escalate")
REFUSAL = "__rejet__"
SPECIAL = {"__doublon__": "doublon possible", REFUSAL: "modification refusée", "__deleted__": "supprimé"}
#: Resolution of a refusal the référent transmits, until the server has recorded it; then ``escalated``.
ESCALATE, ESCALATED = "escalate", "escalated"
#: ``sync_state`` key: the refusals the team of a team leader transmitted (from the server's ``hello``).
K_TEAM_REFUSALS = "team_refusals"


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
        if (c.field == REFUSAL) != (choice in ("discard", "escalate")) and choice != "keep_theirs":
            raise ValidationError(f"Choix « {choice} » impossible pour cet élément de la file.")
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
        c.resolution = ESCALATE if choice == "escalate" else choice


def pending_escalations(conn: Connection) -> list[str]:
    """Op ids of the refusals the référent chose to transmit, not yet recorded by the server."""
    return list(conn.execute(select(Conflict.op_id).where(Conflict.resolution == ESCALATE)).scalars())


def mark_escalated(conn: Connection, op_ids: list[str]) -> None:
    conn.execute(
        update(Conflict)
        .where(Conflict.op_id.in_(op_ids), Conflict.resolution == ESCALATE)
        .values(resolution=ESCALATED)
    )


def _children() -> dict[str, list[tuple[str, str]]]:
    """Per synced table, the (table, column) of the synced rows that reference it."""
    out: dict[str, list[tuple[str, str]]] = {}
    for name in synced_tables():
        for fk in Base.metadata.tables[name].foreign_keys:
            out.setdefault(fk.column.table.name, []).append((name, fk.parent.name))
    return out


def discard_rows(conn: Connection, table: str, row_id: str) -> int:
    """Remove a local row the server refused, and the local rows that hang off it (children first), without ops.
    Their values stay in the refusal queue (the refused ops' payloads). Returns how many rows went."""
    tables = synced_tables()
    children = _children()
    seen: set[tuple[str, str]] = set()
    order: list[tuple[str, str]] = []

    def visit(t: str, rid: str) -> None:
        if (t, rid) in seen:
            return
        seen.add((t, rid))
        for child, column in children.get(t, []):
            ct = tables[child].__table__  # type: ignore[attr-defined]
            for cid in conn.execute(select(ct.c.id).where(ct.c[column] == rid)).scalars():
                visit(child, cid)
        order.append((t, rid))

    visit(table, row_id)
    gone = 0
    for t, rid in order:
        tt = tables[t].__table__  # type: ignore[attr-defined]
        gone += conn.execute(delete(tt).where(tt.c.id == rid)).rowcount or 0
    return gone
