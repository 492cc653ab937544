"""Bulk writes for large imports: many rows of one table in one statement, with each row's outbox op written
in the same transaction exactly as the session hook would (:mod:`app.services.storage.db`); checked by
``tests/services/test_bulk_writes.py``. Ids come from ``new_ids``; values are converted once per column."""

from __future__ import annotations

import json
from datetime import date, datetime
from operator import itemgetter
from typing import Any

from sqlalchemy import JSON, Table, bindparam, inspect, select
from sqlalchemy.orm import Session

from app.models.enums import OpKind
from app.models.sync.wire import to_wire
from app.models.tables.base import SYNC_COLUMNS, Synced, new_ids, utcnow
from app.models.tables.local import OutboxOp
from app.services.errors import AppendOnlyViolation
from app.services.storage.db import OpRecorder

_OUTBOX: Table = OutboxOp.__table__  # type: ignore[assignment]


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
    recorder = OpRecorder(session)
    device = session.info.get("device_id")
    if device is None:
        device = session.info["device_id"] = recorder.device_id()
    defaults = _column_defaults(cls)
    columns = [c.key for c in inspect(cls).columns]
    known = frozenset(columns)
    # Every row starts as a copy of this template (columns in table order, static defaults filled in);
    # the row's non-None values go on top, then the callable defaults of what is still missing.
    template = {k: None if callable(defaults.get(k)) else defaults.get(k) for k in columns}
    dynamic = [(k, d) for k, d in defaults.items() if callable(d)]
    sync_values = {"deleted_at": None, "revision": 0, "origin_device": device}
    missing_ids = iter(new_ids(sum(1 for row in rows if not row.get("id"))))
    full: list[dict[str, Any]] = []
    for row in rows:
        values = template.copy()
        for key, value in row.items():
            if value is not None and key in known:
                values[key] = value
        for key, d in dynamic:
            if row.get(key) is None:
                values[key] = d(None)
        values["id"] = row.get("id") or next(missing_ids)
        values["created_at"] = row.get("created_at") or now
        values["updated_at"] = now
        values.update(sync_values)
        full.append(values)
    table = _table(cls)
    _insert_many(session, table, full)
    kind = str(OpKind.APPEND if cls.__append_only__ else OpKind.INSERT)
    first = recorder.reserve(len(full))
    payload_keys = [k for k in columns if k not in SYNC_COLUMNS or k == "created_at"]
    payloads = _payloads(table, payload_keys, full)
    ops = [
        {
            "device_seq": first + i,
            "op_id": op_id,
            "table_name": table.name,
            "row_id": v["id"],
            "base_revision": 0,
            "kind": kind,
            "changed_fields": payload,
            "created_at": now,
        }
        for i, (v, op_id, payload) in enumerate(zip(full, new_ids(len(full)), payloads, strict=True))
    ]
    _insert_many(session, _OUTBOX, ops)
    return [v["id"] for v in full]


_PLAIN = frozenset({str, int, float, bool, type(None)})


def _payloads(table: Table, keys: list[str], rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The insert-op payload of each row (``keys`` of the row, through :func:`to_wire`), column by column:
    only columns of other types than text, numbers and booleans can hold values to_wire() converts."""
    columns: list[Any] | None = (
        list(zip(*map(itemgetter(*keys), rows), strict=True)) if len(keys) > 1 else None
    )
    if columns is None:
        return [{keys[0]: to_wire(row[keys[0]])} for row in rows]
    for i, key in enumerate(keys):
        if _python_type(table.c[key].type) not in _PLAIN:
            columns[i] = _wire_column(columns[i])
    return [dict(zip(keys, values, strict=True)) for values in zip(*columns, strict=True)]


_TEMPORAL = frozenset({date, datetime, type(None)})


def _wire_column(values: tuple[Any, ...]) -> list[Any]:
    """:func:`to_wire` of one column; the text of a date or naive datetime is made once per distinct value."""
    try:
        distinct = set(values)
    except TypeError:  # unhashable values (JSON columns)
        return list(map(to_wire, values))
    if all(type(v) in _TEMPORAL and getattr(v, "tzinfo", None) is None for v in distinct):
        text_of = {v: to_wire(v) for v in distinct}
        return list(map(text_of.__getitem__, values))
    return list(map(to_wire, values))


class _WireCache:
    """:func:`to_wire` for one bulk call, remembering the text of dates (the same few hundred dates repeat
    across thousands of rows; a naive ``datetime`` is only cached when it carries no time zone)."""

    def __init__(self) -> None:
        self.seen: dict[Any, Any] = {}

    def __call__(self, value: Any) -> Any:
        kind = type(value)
        if kind in _PLAIN:
            return value
        if kind is date or (kind is datetime and value.tzinfo is None):
            out = self.seen.get(value)
            if out is None:
                out = self.seen[value] = to_wire(value)
            return out
        return to_wire(value)


def _insert_many(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """``executemany`` of rows that all carry the same keys, the statement compiled once and each value run
    through its column type's own bind processor (SQLAlchemy's per-row parameter handling cost more than
    SQLite itself on the bulk path), column by column: the text of a date or time is made once per distinct
    value (the same dates and the same « now » repeat on every row), op payloads go straight through the JSON
    encoder. Falls back to ``Connection.execute`` when a column would need a default."""
    conn = session.connection()
    dialect = conn.dialect
    compiled = table.insert().compile(dialect=dialect, column_keys=list(rows[0]))
    names = compiled.positiontup
    if names is None or set(names) != set(rows[0]):
        conn.execute(table.insert(), rows)
        return
    getter = itemgetter(*names)
    params = [(row[names[0]],) for row in rows] if len(names) == 1 else list(map(getter, rows))
    columns: list[Any] | None = None
    for i, n in enumerate(names):
        process = table.c[n].type._cached_bind_processor(dialect)
        if process is None:
            continue
        if columns is None:
            columns = list(zip(*params, strict=True))
        column_type = table.c[n].type
        if isinstance(column_type, JSON):
            columns[i] = _json_column(process, columns[i])
        else:
            columns[i] = _process_column(process, columns[i], _python_type(column_type) in (date, datetime))
    if columns is not None:
        params = list(zip(*columns, strict=True))
    conn.exec_driver_sql(compiled.string, params)


def _python_type(column_type: Any) -> Any:
    try:
        return column_type.python_type
    except NotImplementedError:
        return None


_JSON_ENCODER = json.JSONEncoder()  # json.dumps() with its default arguments, without the call overhead


def _json_column(process: Any, values: tuple[Any, ...]) -> list[Any]:
    """The bind-processed values of a JSON column (op payloads): dicts straight through the JSON encoder
    when it writes exactly what the column type's own processor writes (checked on the first one); the
    type's processor looked its ``NULL`` marker up through a slow attribute hook on every value."""
    first = next((v for v in values if type(v) is dict), None)
    if first is None or process(first) != _JSON_ENCODER.encode(first):
        return list(map(process, values))
    encode = _JSON_ENCODER.encode
    return [encode(v) if type(v) is dict else process(v) for v in values]


def _process_column(process: Any, values: tuple[Any, ...], is_temporal: bool) -> list[Any]:
    """The bind-processed values of one column. Dates and times are processed once per distinct value (a
    few hundred dates and one « now » across thousands of rows), unless a time zone is involved: aware
    datetimes equal across zones would share one text."""
    if is_temporal:
        distinct = set(values)
        if all(getattr(v, "tzinfo", None) is None for v in distinct):
            text_of = {v: process(v) for v in distinct}
            return list(map(text_of.__getitem__, values))
    return list(map(process, values))


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
    recorder = OpRecorder(session)
    present = [rid for rid in changes if rid in revisions]
    first = recorder.reserve(len(present))
    ops = []
    wire = _WireCache()
    for i, (rid, op_id) in enumerate(zip(present, new_ids(len(present)), strict=True)):
        payload = {k: wire(v) for k, v in changes[rid].items()}
        deleted = payload.get("deleted_at") is not None
        ops.append(
            {
                "device_seq": first + i,
                "op_id": op_id,
                "table_name": table.name,
                "row_id": rid,
                "base_revision": revisions[rid] or 0,
                "kind": str(OpKind.DELETE if deleted else OpKind.UPDATE),
                "changed_fields": {"deleted_at": payload["deleted_at"]} if deleted else payload,
                "created_at": now,
            }
        )
    _insert_many(session, _OUTBOX, ops)
    return len(present)
