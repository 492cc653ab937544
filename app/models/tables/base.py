"""Declarative base, naming convention and the sync metadata every synced table carries.

Every synced table has ``id`` (UUID made on the device), ``created_at``, ``updated_at`` (UTC),
``deleted_at`` (tombstone), ``revision`` (server-assigned, 0 until acknowledged) and ``origin_device``
(see ARCHITECTURE.md, "Records"). Append-only tables set ``__append_only__ = True``: the session guard
in :mod:`app.services.storage.db` refuses to update or delete their rows.
"""

from __future__ import annotations

import os
import threading
import uuid
from datetime import UTC, datetime
from typing import ClassVar

from sqlalchemy import DateTime, Integer, MetaData, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

#: Columns managed by the sync machinery; never part of a business "changed_fields" set.
SYNC_COLUMNS = frozenset({"id", "created_at", "updated_at", "deleted_at", "revision", "origin_device"})


def utcnow() -> datetime:
    """Current UTC time as a naive datetime (the convention of every timestamp column)."""
    return datetime.now(UTC).replace(tzinfo=None)


def new_id() -> str:
    """A new record id (UUID4, as text so it travels unchanged in JSON)."""
    return str(uuid.uuid4())


_HEX_VARIANT = {d: "89ab"[int(d, 16) & 3] for d in "0123456789abcdef"}


def new_ids(count: int) -> list[str]:
    """``count`` random RFC 4122 version-4 UUIDs as text, like ``str(uuid.uuid4())`` (same randomness source,
    ``os.urandom``) but from one system call and without building ``UUID`` objects: on the bulk path the
    ids of the rows and ops cost more than a tenth of the write time."""
    raw = os.urandom(16 * count).hex()
    variant = _HEX_VARIANT
    return [
        f"{raw[i : i + 8]}-{raw[i + 8 : i + 12]}-4{raw[i + 13 : i + 16]}-"
        f"{variant[raw[i + 16]]}{raw[i + 17 : i + 20]}-{raw[i + 20 : i + 32]}"
        for i in range(0, 32 * count, 32)
    ]


_ID_POOL: list[str] = []
_ID_POOL_LOCK = threading.Lock()


def fast_id() -> str:
    """One new UUID4 text id, drawn from a pool refilled 4,096 at a time by :func:`new_ids` (for code that
    makes ids one by one in a loop, like the import planner)."""
    with _ID_POOL_LOCK:
        if not _ID_POOL:
            _ID_POOL.extend(new_ids(4096))
        return _ID_POOL.pop()


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Synced:
    """Mixin: the sync metadata of ARCHITECTURE.md. Subclasses are replicated through the outbox."""

    __synced__: ClassVar[bool] = True
    __append_only__: ClassVar[bool] = False

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, nullable=False)
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    revision: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    origin_device: Mapped[str] = mapped_column(String(36), default="", nullable=False)


class AppendOnly(Synced):
    """Mixin for records that are never updated in place (notes, versions, signatures, audit...)."""

    __append_only__: ClassVar[bool] = True


def synced_tables() -> dict[str, type[Synced]]:
    """Map table name → mapped class for every synced table, in dependency order."""
    out: dict[str, type[Synced]] = {}
    by_table = {
        m.class_.__tablename__: m.class_  # type: ignore[attr-defined]
        for m in Base.registry.mappers
        if issubclass(m.class_, Synced)
    }
    for table in Base.metadata.sorted_tables:
        if table.name in by_table:
            out[table.name] = by_table[table.name]
    return out
