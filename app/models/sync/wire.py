"""Wire encoding shared by the endpoints: JSON (optionally zstd-compressed) and column value conversion.

One module for both ends: the client (:mod:`app.services.sync`) and the department server (:mod:`server`)
import it, so the two can never disagree on the encoding.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import zstandard
from sqlalchemy import Boolean, Date, DateTime, Table

_ZC = zstandard.ZstdCompressor(level=6)
_ZD = zstandard.ZstdDecompressor()


def dumps(obj: Any) -> bytes:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"), default=to_wire).encode("utf-8")


def compress(data: bytes) -> bytes:
    return _ZC.compress(data)


def decompress(data: bytes) -> bytes:
    return _ZD.decompress(data, max_output_size=64 * 1024 * 1024)


def to_wire(value: Any) -> Any:
    """A column value as it travels in an op payload and a download page (JSON-compatible, stable): ISO dates
    and date-times (microseconds), floats for decimals, hex for bytes."""
    if isinstance(value, datetime):
        return value.isoformat(timespec="microseconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, bytes):
        return value.hex()
    return value


def _conv_datetime(v: Any) -> Any:
    return datetime.fromisoformat(v) if isinstance(v, str) else v


def _conv_date(v: Any) -> Any:
    return date.fromisoformat(v[:10]) if isinstance(v, str) else v


def _conv_bool(v: Any) -> Any:
    return bool(v) if v is not None else None


def converters(table: Table) -> dict[str, Callable[[Any], Any]]:
    """Per column, the function turning a wire value into the Python value the column expects."""
    out: dict[str, Callable[[Any], Any]] = {}
    for col in table.columns:
        if isinstance(col.type, DateTime):
            out[col.name] = _conv_datetime
        elif isinstance(col.type, Date):
            out[col.name] = _conv_date
        elif isinstance(col.type, Boolean):
            out[col.name] = _conv_bool
    return out


def table_hash(pairs: Iterable[tuple[str, int]]) -> str:
    """The check hash of a table: SHA-256 over the sorted "id:revision" lines (same on both sides)."""
    h = hashlib.sha256()
    for row_id, rev in sorted(pairs):
        h.update(f"{row_id}:{int(rev)}\n".encode())
    return h.hexdigest()


def payload_hash(op: dict[str, Any]) -> str:
    """Identity of an op's content, to tell a replay from a different payload under the same op_id."""
    core = {k: op.get(k) for k in ("s", "t", "r", "b", "k", "f")}
    return hashlib.sha256(json.dumps(core, sort_keys=True, separators=(",", ":")).encode()).hexdigest()
