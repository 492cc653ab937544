"""Who sees what: the device context, its scope (référents whose caseloads it sees) and the SQL clause over
the feed that selects the rows visible to it; the replicated tables' shared facts (parents, converters)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, and_, or_, select
from sqlalchemy.sql.elements import ColumnElement

from app.models.coaccompaniment import DEFAULT_POLICY
from app.models.sync import wire as codec
from app.models.tables.base import Base, synced_tables
from server.engine import secretariat, shares
from server.store.tables import BUSINESS, devices, row_feed, users

SYNC_COLS = ("id", "created_at", "updated_at", "deleted_at", "revision", "origin_device")
APPEND_ONLY = frozenset(name for name, cls in synced_tables().items() if cls.__append_only__)
#: Tables whose rows hang off a person through a parent row rather than a person_id column.
PARENT = {
    "appointment_event": ("appointment", "appointment_id"),
    "contract_version": ("contract", "contract_id"),
    "contract_event": ("contract", "contract_id"),
    "signature": ("contract", "contract_id"),
}
#: Tables every device reads whole: the directory, the séances of the EP (no personal data, ADR 0041).
GLOBAL_TABLES = frozenset({"referent", "ep_seance"})
CONVERTERS = {name: codec.converters(t) for name, t in BUSINESS.items()}
SOURCE = {name: Base.metadata.tables[name] for name in BUSINESS}
#: Foreign keys of the client schema (table → [(column, referenced table)]): parents sent along with children.
FKS: dict[str, list[tuple[str, str]]] = {}


def _load_fks() -> None:
    for name in BUSINESS:
        FKS[name] = [
            (fk.parent.name, fk.column.table.name)
            for fk in Base.metadata.tables[name].foreign_keys
            if fk.column.table.name in BUSINESS
        ]


_load_fks()


@dataclass
class DeviceCtx:
    id: str
    user_id: str
    role: str
    referent_id: str | None
    team_id: str | None
    status: str
    #: Co-accompaniment (ADR 0052): the roles whose shares give access under the département's rules.
    share_roles: frozenset[str] = shares.readable_roles(DEFAULT_POLICY)


def scope_referents(conn: Connection, dev: DeviceCtx) -> list[str] | None:
    """The référent ids whose caseloads the device sees; None = the whole department (admin)."""
    if dev.role == "admin":
        return None
    if dev.role == "team_leader" and dev.team_id:
        ids = (
            conn.execute(
                select(users.c.referent_id).where(
                    users.c.team_id == dev.team_id, users.c.referent_id.isnot(None)
                )
            )
            .scalars()
            .all()
        )
        return sorted(set(ids) | ({dev.referent_id} if dev.referent_id else set()))
    return [dev.referent_id] if dev.referent_id else []


def visible_clause(dev: DeviceCtx, refs: list[str] | None) -> ColumnElement[bool]:
    person = BUSINESS["person"]
    f = row_feed.c
    if refs is None:
        return or_(f.table_name.isnot(None))
    ep = [secretariat.visible_rows()] if dev.role == secretariat.ROLE else []
    in_scope_persons = select(person.c.id).where(person.c.referent_id.in_(refs))
    scoped_households = select(person.c.household_id).where(
        person.c.referent_id.in_(refs), person.c.household_id.isnot(None)
    )
    return or_(
        f.table_name.in_(sorted(GLOBAL_TABLES)),
        and_(f.person_id.isnot(None), f.person_id.in_(in_scope_persons)),
        and_(f.table_name == "household", f.row_id.in_(scoped_households)),
        and_(
            f.person_id.is_(None),
            f.table_name.notin_([*GLOBAL_TABLES, "household"]),
            f.origin_user == dev.user_id,
        ),
        shares.visible_rows(refs, dev.share_roles),  # files shared with the device's référents (ADR 0052)
        *ep,
    )


def load_device(conn: Connection, device_id: str, *, lock: bool = False) -> DeviceCtx | None:
    stmt = (
        select(
            devices.c.id,
            devices.c.user_id,
            devices.c.status,
            users.c.role,
            users.c.referent_id,
            users.c.team_id,
        )
        .join(users, users.c.id == devices.c.user_id)
        .where(devices.c.id == device_id)
    )
    if lock and conn.dialect.name == "postgresql":
        stmt = stmt.with_for_update(of=devices)
    row = conn.execute(stmt).first()
    if row is None:
        return None
    return DeviceCtx(
        id=row.id,
        user_id=row.user_id,
        role=row.role,
        referent_id=row.referent_id,
        team_id=row.team_id,
        status=row.status,
        share_roles=shares.readable_roles(shares.load_policy(conn)),
    )
