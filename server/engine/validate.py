"""Validation of one uploaded op: its envelope (pydantic) and every field value against its column.

A malformed op is an error **for that op** (:class:`OpError`, French reason): the batch goes on, the device's
outbox is never blocked. Values come out converted (dates, datetimes as naive UTC) and safe for both databases:
strings within their column's length and without NUL, integers within PostgreSQL ``integer``, finite floats,
bounded JSON.
"""

from __future__ import annotations

import json
import math
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import JSON, Boolean, Column, Date, DateTime, Float, Integer, String, Text

from server.engine.scope import SOURCE
from server.store.tables import BUSINESS

MAX_INT = 2**31 - 1
MAX_TEXT = 100_000
MAX_JSON_BYTES = 64 * 1024
#: Columns an op may never set: the server owns them.
SERVER_OWNED = frozenset({"id", "revision", "origin_device"})
KINDS = ("insert", "append", "update", "delete", "purge", "merge")
#: The fields of a ``merge`` op (ADR 0025): not columns — the person kept, and when.
MERGE_FIELDS = frozenset({"into", "deleted_at"})
HEX64 = re.compile(r"^[0-9a-f]{64}$")


class OpError(Exception):
    """An op that cannot be applied as sent; ``message`` is French and names the problem."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class _Envelope(BaseModel):
    model_config = ConfigDict(extra="forbid")

    i: str = Field(min_length=36, max_length=36)
    s: int = Field(ge=1, le=MAX_INT)
    t: str = Field(max_length=60)
    r: str = Field(min_length=36, max_length=36)
    b: int = Field(default=0, ge=0, le=MAX_INT)
    k: Literal["insert", "append", "update", "delete", "purge", "merge"]
    f: dict[str, Any] = Field(default_factory=dict, max_length=200)


_ENVELOPE_FIELDS = {
    "i": "identifiant d'opération",
    "s": "numéro d'ordre",
    "t": "table",
    "r": "identifiant d'enregistrement",
    "b": "révision de base",
    "k": "type d'opération",
    "f": "champs",
}


@dataclass(frozen=True)
class CheckedOp:
    """An op whose envelope and values were checked: ``fields`` as sent (wire), ``values`` converted."""

    op_id: str
    seq: int
    table: str
    row_id: str
    base: int
    kind: str
    fields: dict[str, Any]
    values: dict[str, Any]


def sequence_of(op: Any) -> tuple[str, int] | None:
    """The op id and device seq of a raw op, or None when they are unusable (the op cannot even be placed)."""
    if not isinstance(op, dict):
        return None
    op_id, seq = op.get("i"), op.get("s")
    if not isinstance(op_id, str) or not 0 < len(op_id) <= 36 or "\x00" in op_id:
        return None
    if not isinstance(seq, int) or isinstance(seq, bool) or not 1 <= seq <= MAX_INT:
        return None
    return op_id, seq


def _uuid(value: str, what: str) -> str:
    try:
        uuid.UUID(value)
    except ValueError as exc:
        raise OpError(f"Opération mal formée : {what} invalide (UUID attendu).") from exc
    return value


def check_op(op: dict[str, Any]) -> CheckedOp:
    """Check one raw op; OpError with a French reason otherwise."""
    try:
        env = _Envelope.model_validate(op)
    except ValidationError as exc:
        first = exc.errors()[0]
        key = str(first["loc"][0]) if first.get("loc") else ""
        what = _ENVELOPE_FIELDS.get(key, f"clé « {key} » inconnue" if key else "contenu")
        raise OpError(f"Opération mal formée : {what} invalide.") from exc
    _uuid(env.r, "identifiant d'enregistrement")
    if env.k == "merge":
        return _merge_op(env)
    if env.t not in BUSINESS:
        raise OpError(f"Opération invalide : table « {env.t[:60]} » inconnue.")
    source = SOURCE[env.t]
    unknown = sorted(k for k in env.f if k not in source.c or k in SERVER_OWNED)
    if unknown:
        raise OpError(f"Champs inconnus : {', '.join(k[:60] for k in unknown[:10])}.")
    values = {name: convert_value(source.c[name], value) for name, value in env.f.items()}
    if env.k == "update":
        emptied = sorted(k for k, v in values.items() if v is None and not source.c[k].nullable)
        if emptied:
            raise OpError(f"Champs obligatoires vidés : {', '.join(emptied)}.")
    sha = values.get("sha256") if env.t == "document" else None
    if sha is not None and not HEX64.match(sha):
        raise OpError("Champ « sha256 » : empreinte de document invalide (SHA-256 hexadécimal attendu).")
    if env.k == "purge" and env.t != "person":
        raise OpError("Purge invalide : elle porte sur une personne.")
    return CheckedOp(env.i, env.s, env.t, env.r, env.b, env.k, env.f, values)


def _merge_op(env: _Envelope) -> CheckedOp:
    """A duplicate merged into another person: ``{"into": kept id, "deleted_at": when}`` on a person."""
    if env.t != "person":
        raise OpError("Fusion invalide : elle porte sur deux personnes.")
    unknown = sorted(k for k in env.f if k not in MERGE_FIELDS)
    if unknown:
        raise OpError(f"Champs inconnus : {', '.join(k[:60] for k in unknown[:10])}.")
    into = env.f.get("into")
    if not isinstance(into, str):
        raise OpError("Fusion invalide : le dossier conservé manque.")
    _uuid(into, "dossier conservé")
    if into == env.r:
        raise OpError("Fusion invalide : un dossier ne peut pas être fusionné avec lui-même.")
    values = {"into": into}
    if env.f.get("deleted_at") is not None:
        values["deleted_at"] = convert_value(SOURCE["person"].c["deleted_at"], env.f["deleted_at"])
    return CheckedOp(env.i, env.s, env.t, env.r, env.b, env.k, env.f, values)


def _text(column: Column[Any], value: Any, limit: int) -> str:
    if not isinstance(value, str):
        raise OpError(f"Champ « {column.name} » : texte attendu.")
    if len(value) > limit:
        raise OpError(f"Champ « {column.name} » : texte trop long ({limit} caractères au plus).")
    if "\x00" in value:
        raise OpError(f"Champ « {column.name} » : caractère nul refusé.")
    return value


def _integer(column: Column[Any], value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not -MAX_INT - 1 <= value <= MAX_INT:
        raise OpError(f"Champ « {column.name} » : nombre entier attendu.")
    return value


def _float(column: Column[Any], value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise OpError(f"Champ « {column.name} » : nombre attendu.")
    return float(value)


def _boolean(column: Column[Any], value: Any) -> bool:
    if not isinstance(value, bool):
        raise OpError(f"Champ « {column.name} » : vrai/faux attendu.")
    return value


def _date(column: Column[Any], value: Any) -> date:
    if not isinstance(value, str) or len(value) > 40:
        raise OpError(f"Champ « {column.name} » : date attendue (AAAA-MM-JJ).")
    try:
        return date.fromisoformat(value[:10])
    except ValueError as exc:
        raise OpError(f"Champ « {column.name} » : date invalide (AAAA-MM-JJ attendu).") from exc


def _datetime(column: Column[Any], value: Any) -> datetime:
    if not isinstance(value, str) or len(value) > 40:
        raise OpError(f"Champ « {column.name} » : date et heure attendues (ISO 8601).")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise OpError(f"Champ « {column.name} » : date et heure invalides (ISO 8601 attendu).") from exc
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment


def _json(column: Column[Any], value: Any) -> Any:
    if len(json.dumps(value, ensure_ascii=False)) > MAX_JSON_BYTES:
        raise OpError(f"Champ « {column.name} » : contenu trop volumineux.")
    return value


def _checker(column: Column[Any]) -> Callable[[Column[Any], Any], Any]:
    kind = column.type
    if isinstance(kind, String) and not isinstance(kind, Text) and kind.length:
        limit = kind.length
        return lambda c, v: _text(c, v, limit)
    if isinstance(kind, String):  # Text and unbounded strings
        return lambda c, v: _text(c, v, MAX_TEXT)
    if isinstance(kind, Boolean):
        return _boolean
    if isinstance(kind, Integer):
        return _integer
    if isinstance(kind, Float):
        return _float
    if isinstance(kind, DateTime):
        return _datetime
    if isinstance(kind, Date):
        return _date
    if isinstance(kind, JSON):
        return _json
    raise TypeError(f"column type not handled: {column.table.name}.{column.name} {kind!r}")


_CHECKERS: dict[tuple[str, str], Callable[[Column[Any], Any], Any]] = {
    (name, c.name): _checker(c) for name, table in SOURCE.items() for c in table.columns
}


def convert_value(column: Column[Any], value: Any) -> Any:
    """The Python value of a wire value for ``column`` (None stays None), or OpError."""
    if value is None:
        return None
    return _CHECKERS[(column.table.name, column.name)](column, value)
