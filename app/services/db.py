"""Engine, sessions and the outbox guard.

Every business write goes through a :class:`Database` session. A ``before_flush`` hook turns each change of a
synced row into an outbox op **in the same transaction** (ARCHITECTURE.md, sync protocol §1): nothing can be
saved without its op, and a failed write leaves neither. The same hook enforces append-only tables and forbids
hard deletes of synced rows (tombstones only). Remote changes applied by the sync client set
``session.info["remote_apply"] = True`` so that they do not produce ops. The retention purge alone sets
``session.info["purging"] = True``: updates (append-only rows included) then write no op, except the
person's tombstone, recorded as one ``purge`` op.
"""

from __future__ import annotations

import errno
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from operator import itemgetter
from typing import Any

from sqlalchemy import Engine, Table, bindparam, event, inspect, select, text
from sqlalchemy.exc import DatabaseError, IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from app.models.base import SYNC_COLUMNS, Synced, utcnow
from app.models.enums import OpKind
from app.models.local import OutboxOp, SyncState
from app.services.errors import (
    AppendOnlyViolation,
    DiskFullError,
    HardDeleteForbidden,
    StorageError,
)

DEVICE_ID_KEY = "device_id"
DEVICE_SEQ_KEY = "next_device_seq"


def to_wire(value: Any) -> Any:
    """Serialise a column value for an op payload (JSON-compatible, stable)."""
    if isinstance(value, datetime):
        return value.isoformat(timespec="microseconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, bytes):
        return value.hex()
    return value


def row_values(obj: Synced, *, include_sync: bool = False) -> dict[str, Any]:
    """All column values of a mapped object, serialised for the wire."""
    mapper = inspect(type(obj))
    out: dict[str, Any] = {}
    for attr in mapper.column_attrs:
        key = attr.key
        if not include_sync and key in SYNC_COLUMNS and key != "created_at":
            continue
        out[key] = to_wire(getattr(obj, key))
    return out


def apply_defaults(obj: Synced) -> None:
    """Fill Python-side column defaults now, so an insert op carries the values the row will hold."""
    for column in inspect(type(obj)).columns:
        key = column.key
        if getattr(obj, key, None) is not None or column.default is None:
            continue
        default = column.default
        if getattr(default, "is_scalar", False):
            setattr(obj, key, default.arg)  # type: ignore[attr-defined]
        elif getattr(default, "is_callable", False):
            setattr(obj, key, default.arg(None))  # type: ignore[attr-defined]


def _changed_fields(obj: Synced) -> dict[str, Any]:
    state = inspect(obj)
    changed: dict[str, Any] = {}
    for attr in state.mapper.column_attrs:
        key = attr.key
        if key in SYNC_COLUMNS and key != "deleted_at":
            continue
        hist = state.attrs[key].history
        if hist.has_changes():
            changed[key] = to_wire(getattr(obj, key))
    return changed


class _OpRecorder:
    """Allocates a block of contiguous device sequence numbers inside the current transaction.

    One read and one write of the counter per flush, whatever the number of ops in it.
    """

    def __init__(self, session: Session) -> None:
        self.conn = session.connection()

    def _get(self, key: str) -> str | None:
        return self.conn.execute(select(SyncState.value).where(SyncState.key == key)).scalar()

    def device_id(self) -> str:
        return self._get(DEVICE_ID_KEY) or ""

    def reserve(self, count: int) -> int:
        """Reserve ``count`` sequence numbers; return the first one."""
        current = self._get(DEVICE_SEQ_KEY)
        first = int(current) if current else 1
        if current is None:
            self.conn.execute(_STATE.insert().values(key=DEVICE_SEQ_KEY, value=str(first + count)))
        else:
            self.conn.execute(
                _STATE.update().where(SyncState.key == DEVICE_SEQ_KEY).values(value=str(first + count))
            )
        return first


_STATE: Table = SyncState.__table__  # type: ignore[assignment]


def _record_ops(session: Session, _flush_context: Any, _instances: Any) -> None:
    if session.info.get("remote_apply"):
        return
    for obj in session.deleted:
        if isinstance(obj, Synced):
            raise HardDeleteForbidden()
    pending: list[tuple[Synced, OpKind, dict[str, Any]]] = []
    now = utcnow()
    for obj in session.new:
        if isinstance(obj, Synced):
            kind = OpKind.APPEND if obj.__append_only__ else OpKind.INSERT
            pending.append((obj, kind, {}))
    purging = session.info.get("purging", False)
    for obj in session.dirty:
        if not isinstance(obj, Synced) or not session.is_modified(obj, include_collections=False):
            continue
        if purging:  # retention purge (app.services.retention): rows, append-only ones included, are
            # scrubbed in place without ops; the person's tombstone becomes the one « purge » op (ADR 0005)
            if type(obj).__tablename__ == "person" and obj.deleted_at is not None:  # type: ignore[attr-defined]
                pending.append((obj, OpKind.PURGE, {"deleted_at": to_wire(obj.deleted_at)}))
            continue
        if obj.__append_only__:
            raise AppendOnlyViolation()
        changed = _changed_fields(obj)
        if not changed:
            continue
        deleted_now = "deleted_at" in changed and changed["deleted_at"] is not None
        pending.append((obj, OpKind.DELETE if deleted_now else OpKind.UPDATE, changed))
    if not pending:
        return
    recorder = _OpRecorder(session)
    device = session.info.get("device_id")
    if device is None:
        device = session.info["device_id"] = recorder.device_id()
    seq = recorder.reserve(len(pending))
    for obj, kind, changed in pending:
        if kind in (OpKind.INSERT, OpKind.APPEND):
            apply_defaults(obj)
            obj.created_at = obj.created_at or now
            obj.updated_at = now
            obj.revision = obj.revision or 0
            obj.origin_device = obj.origin_device or device
            payload = row_values(obj)
            base_revision = 0
        else:
            obj.updated_at = now
            payload = changed if kind == OpKind.UPDATE else {"deleted_at": changed["deleted_at"]}
            base_revision = obj.revision or 0
        session.add(
            OutboxOp(
                device_seq=seq,
                op_id=str(uuid.uuid4()),
                table_name=type(obj).__tablename__,  # type: ignore[attr-defined]
                row_id=obj.id,
                base_revision=base_revision,
                kind=str(kind),
                changed_fields=payload,
                created_at=now,
            )
        )
        seq += 1


def _table(cls: type[Synced]) -> Table:
    return cls.__table__  # type: ignore[attr-defined,no-any-return]


def _column_defaults(cls: type[Synced]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for column in inspect(cls).columns:
        default = column.default
        if default is None:
            continue
        if getattr(default, "is_scalar", False):
            out[column.key] = default.arg  # type: ignore[attr-defined]
        elif getattr(default, "is_callable", False) and column.key not in SYNC_COLUMNS:
            out[column.key] = default.arg  # marker: called per row below  # type: ignore[attr-defined]
    return out


def bulk_insert(session: Session, cls: type[Synced], rows: list[dict[str, Any]]) -> list[str]:
    """Insert many new rows of a synced table **and their outbox ops**, in the session's transaction.

    The fast path for large jobs (orientation-list import): Core ``executemany`` instead of one ORM flush per
    object, with exactly the ops the session hook would have written (``insert``/``append``, every column).
    Returns the ids. Never for remote changes (those produce no ops): use ``session(remote_apply=True)``.
    """
    if not rows:
        return []
    session.flush()  # anything pending goes first, in order
    now = utcnow()
    recorder = _OpRecorder(session)
    device = session.info.get("device_id")
    if device is None:
        device = session.info["device_id"] = recorder.device_id()
    defaults = _column_defaults(cls)
    columns = [c.key for c in inspect(cls).columns]
    full: list[dict[str, Any]] = []
    for row in rows:
        values = {}
        for key in columns:
            if key in row and row[key] is not None:
                values[key] = row[key]
            elif key in defaults:
                d = defaults[key]
                values[key] = d(None) if callable(d) else d
            else:
                values[key] = row.get(key)
        values["id"] = row.get("id") or str(uuid.uuid4())
        values.update(
            created_at=row.get("created_at") or now,
            updated_at=now,
            deleted_at=None,
            revision=0,
            origin_device=device,
        )
        full.append(values)
    _insert_many(session, _table(cls), full)
    kind = str(OpKind.APPEND if cls.__append_only__ else OpKind.INSERT)
    first = recorder.reserve(len(full))
    ops = [
        {
            "device_seq": first + i,
            "op_id": str(uuid.uuid4()),
            "table_name": _table(cls).name,
            "row_id": v["id"],
            "base_revision": 0,
            "kind": kind,
            "changed_fields": {
                k: val if type(val) in _PLAIN else to_wire(val)
                for k, val in v.items()
                if k not in SYNC_COLUMNS or k == "created_at"
            },
            "created_at": now,
        }
        for i, v in enumerate(full)
    ]
    _insert_many(session, _OUTBOX, ops)
    return [v["id"] for v in full]


_PLAIN = frozenset({str, int, float, bool, type(None)})


def _insert_many(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """``executemany`` of rows that all carry the same keys, the statement compiled once and each value run
    through its column type's own bind processor (SQLAlchemy's per-row parameter handling cost more than
    SQLite itself on the bulk path). Falls back to ``Connection.execute`` when a column would need a default."""
    conn = session.connection()
    dialect = conn.dialect
    compiled = table.insert().compile(dialect=dialect, column_keys=list(rows[0]))
    names = compiled.positiontup
    if names is None or set(names) != set(rows[0]):
        conn.execute(table.insert(), rows)
        return
    getter = itemgetter(*names)
    processed = [
        (i, p)
        for i, n in enumerate(names)
        if (p := table.c[n].type._cached_bind_processor(dialect)) is not None
    ]
    params = []
    for row in rows:
        values = list(getter(row)) if len(names) > 1 else [row[names[0]]]
        for i, p in processed:
            values[i] = p(values[i])
        params.append(tuple(values))
    conn.exec_driver_sql(compiled.string, params)


def bulk_update(session: Session, cls: type[Synced], changes: dict[str, dict[str, Any]]) -> int:
    """Apply ``{row_id: {field: value}}`` to existing rows of a synced table **and write their update ops**.

    Only the given fields are written and carried by the ops; ``base_revision`` is each row's revision.
    Append-only tables refuse it like the session hook does. Returns the number of rows updated.
    """
    if cls.__append_only__:
        raise AppendOnlyViolation()
    changes = {rid: c for rid, c in changes.items() if c}
    if not changes:
        return 0
    session.flush()
    table = _table(cls)
    revisions: dict[str, int] = {}
    ids = list(changes)
    for start in range(0, len(ids), 500):
        part = ids[start : start + 500]
        result = session.connection().execute(
            select(table.c.id, table.c.revision).where(table.c.id.in_(part))
        )
        revisions.update({row_id: rev for row_id, rev in result})
    now = utcnow()
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for rid, fields in changes.items():
        if rid not in revisions:
            continue
        keys = tuple(sorted(fields))
        groups.setdefault(keys, []).append({"_id": rid, **{f"_v_{k}": fields[k] for k in keys}})
    for keys, params in groups.items():
        stmt = (
            table.update()
            .where(table.c.id == bindparam("_id"))
            .values(updated_at=now, **{k: bindparam(f"_v_{k}") for k in keys})
        )
        session.connection().execute(stmt, params)
    recorder = _OpRecorder(session)
    present = [rid for rid in changes if rid in revisions]
    first = recorder.reserve(len(present))
    ops = []
    for i, rid in enumerate(present):
        payload = {k: to_wire(v) for k, v in changes[rid].items()}
        deleted = payload.get("deleted_at") is not None
        ops.append(
            {
                "device_seq": first + i,
                "op_id": str(uuid.uuid4()),
                "table_name": table.name,
                "row_id": rid,
                "base_revision": revisions[rid] or 0,
                "kind": str(OpKind.DELETE if deleted else OpKind.UPDATE),
                "changed_fields": {"deleted_at": payload["deleted_at"]} if deleted else payload,
                "created_at": now,
            }
        )
    session.connection().execute(_OUTBOX.insert(), ops)
    return len(present)


_OUTBOX: Table = OutboxOp.__table__  # type: ignore[assignment]


class Database:
    """Sessions over one engine. Services call :meth:`session` and commit or roll back as a unit."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._factory = sessionmaker(bind=engine, expire_on_commit=False, autoflush=True)
        event.listen(self._factory, "before_flush", _record_ops)

    @contextmanager
    def session(self, *, remote_apply: bool = False) -> Iterator[Session]:
        """A transaction: commits on success, rolls back on any error (typed as a FilRougeError)."""
        session = self._factory()
        session.info["remote_apply"] = remote_apply
        try:
            yield session
            session.commit()
        except IntegrityError:
            session.rollback()
            raise
        except (OperationalError, DatabaseError) as exc:
            session.rollback()
            raise translate_storage_error(exc) from exc
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only session (rolled back at the end)."""
        session = self._factory()
        try:
            yield session
        except (OperationalError, DatabaseError) as exc:
            raise translate_storage_error(exc) from exc
        finally:
            session.close()  # releases the connection (rolled back) without expiring loaded objects

    def get_state(self, key: str, default: str = "") -> str:
        with self.read() as s:
            value = s.execute(select(SyncState.value).where(SyncState.key == key)).scalar()
        return default if value is None else value

    def set_state(self, key: str, value: str) -> None:
        with self.session() as s:
            s.merge(SyncState(key=key, value=value))

    def dispose(self) -> None:
        self.engine.dispose()

    def checkpoint(self) -> None:
        with self.engine.connect() as conn:
            conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))


def translate_storage_error(exc: Exception) -> Exception:
    """Turn a low-level storage error into a typed, French one (disk full, unreadable file...)."""
    orig = getattr(exc, "orig", exc)
    msg = str(orig).lower()
    if "full" in msg or getattr(orig, "errno", None) == errno.ENOSPC or "sqlite_full" in msg:
        return DiskFullError()
    return StorageError(f"Le dossier n'a pas pu être lu ou écrit ({type(orig).__name__}).")
