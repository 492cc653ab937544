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
from typing import Any

from sqlalchemy import Engine, Table, event, inspect, select, text
from sqlalchemy.exc import DatabaseError, IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from app.models.enums import OpKind
from app.models.sync.wire import to_wire
from app.models.tables.base import SYNC_COLUMNS, Synced, utcnow
from app.models.tables.local import OutboxOp, SyncState
from app.services.errors import (
    AppendOnlyViolation,
    DiskFullError,
    HardDeleteForbidden,
    StorageError,
)
from app.services.storage.hygiene import clean_session_texts
from app.services.storage.outputs import discard_outputs, forget_outputs
from app.services.storage.share_guard import refuse_writes_outside_the_share

DEVICE_ID_KEY = "device_id"
DEVICE_SEQ_KEY = "next_device_seq"


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


class OpRecorder:
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
        if purging:  # retention purge (app.services.privacy.retention): rows, append-only ones included, are
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
    recorder = OpRecorder(session)
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


def record_op(
    session: Session, table: str, row_id: str, kind: OpKind, payload: dict[str, Any], base_revision: int = 0
) -> None:
    """Write one op the session hook cannot infer from a row change, in the session's transaction and in
    device order after everything flushed so far: the ``merge`` op of a duplicate merge (ADR 0025), whose
    row re-pointing is done in SQL and must not become one op per row."""
    session.flush()
    recorder = OpRecorder(session)
    if session.info.get("device_id") is None:
        session.info["device_id"] = recorder.device_id()
    session.add(
        OutboxOp(
            device_seq=recorder.reserve(1),
            op_id=str(uuid.uuid4()),
            table_name=table,
            row_id=row_id,
            base_revision=base_revision,
            kind=str(kind),
            changed_fields=payload,
            created_at=utcnow(),
        )
    )
    session.flush()


class Database:
    """Sessions over one engine. Services call :meth:`session` and commit or roll back as a unit."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._factory = sessionmaker(bind=engine, expire_on_commit=False, autoflush=True)
        event.listen(self._factory, "before_flush", clean_session_texts)
        event.listen(self._factory, "before_flush", refuse_writes_outside_the_share)  # ADR 0052
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
            discard_outputs(session)
            raise
        except (OperationalError, DatabaseError) as exc:
            session.rollback()
            discard_outputs(session)
            raise translate_storage_error(exc) from exc
        except BaseException:
            session.rollback()
            discard_outputs(session)
            raise
        finally:
            forget_outputs(session)
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
