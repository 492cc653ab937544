"""Helpers shared by the write services: transactions, lookups and input validation with French messages.

A service function takes a :class:`~app.services.storage.db.Database` and owns its transaction. A caller that must
compose several use cases atomically (the demo profile, an import) may pass an open ``Session`` instead: the
service then works inside that transaction and leaves the flush and the commit to the caller. Changes made
between two flushes of such a session reach the outbox as one op per row (with the final values). Without
relationships the flush does not order inserts by foreign key, so every service transaction defers the
foreign-key checks to the commit (``PRAGMA defer_foreign_keys = ON``, see :func:`defer_foreign_keys`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from enum import StrEnum
from typing import ParamSpec, TypeVar, cast

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from app.models.tables.base import Synced
from app.services.errors import NotFoundError, ValidationError
from app.services.storage.db import Database

DbOrSession = Database | Session
T = TypeVar("T", bound=Synced)
P = ParamSpec("P")
R = TypeVar("R")

_ROWS = "fil_rouge_rows"
_DEFERRED = "fil_rouge_fk_deferred"
_CODE_RE = re.compile(r"^[a-z0-9_]{1,40}$")
DATE_MESSAGE = "Date invalide (format attendu : JJ/MM/AAAA)."
_DATE_RE = re.compile(r"^\s*(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})\s*$")
_ISO_RE = re.compile(r"^\s*(\d{4})-(\d{2})-(\d{2})\s*$")


class FieldError(Exception):
    """Raised by a field validator; collected into one :class:`ValidationError`."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@contextmanager
def transaction(target: DbOrSession) -> Iterator[Session]:
    """The session to work in: a new transaction on a ``Database``, or the caller's open ``Session``."""
    if isinstance(target, Session):
        defer_foreign_keys(target)
        yield target
        _keep(target, *target.new)
        return
    with target.session() as session:
        defer_foreign_keys(session)
        yield session


def defer_foreign_keys(s: Session) -> None:
    """Check foreign keys at commit rather than per statement, for the current transaction only (SQLite).

    The models declare no relationships, so a flush does not order inserts by foreign key (a RDV event may
    be inserted before its RDV); the commit still refuses a dangling reference.
    """
    if s.in_transaction() and s.info.get(_DEFERRED) is s.get_transaction():
        return
    s.execute(text("PRAGMA defer_foreign_keys = ON"))
    s.info[_DEFERRED] = s.get_transaction()


@contextmanager
def reading(target: DbOrSession) -> Iterator[Session]:
    """A read session (the caller's own when a ``Session`` is given)."""
    if isinstance(target, Session):
        yield target
        return
    with target.read() as session:
        yield session


def _keep(s: Session, *rows: object) -> None:
    """Remember the rows a session wrote or read, by (class, id), for the session's lifetime.

    The identity map is weak and ignores pending rows: a composed transaction (several use cases in one
    session) would otherwise reload, or flush to find, the rows it has just written.
    """
    cache: dict[tuple[type, str], object] = s.info.setdefault(_ROWS, {})
    for row in rows:
        if isinstance(row, Synced):
            cache[(type(row), row.id)] = row


def get_row(s: Session, model: type[T], row_id: str | None, what: str) -> T:
    """The live (non-tombstoned) row or a French :class:`NotFoundError` (``what``: « Personne »...)."""
    row: T | None = None
    if row_id:
        row = s.info.get(_ROWS, {}).get((model, row_id))
        if row is None:
            with s.no_autoflush:
                row = s.get(model, row_id)
    if row is None or row.deleted_at is not None:
        raise NotFoundError(f"{what} introuvable.")
    _keep(s, row)
    return row


def rows_of(s: Session, model: type[T], **equals: object) -> list[T]:
    """Live rows of ``model`` whose columns equal ``equals``: stored ones and the session's pending ones.

    Never flushes, so a composed transaction keeps accumulating its changes (see the module docstring).
    """
    with s.no_autoflush:
        rows = list(s.scalars(select(model).filter_by(**equals)).all())
    seen = {id(r) for r in rows}
    rows += [
        r
        for r in s.new
        if isinstance(r, model) and id(r) not in seen and all(getattr(r, k) == v for k, v in equals.items())
    ]
    _keep(s, *rows)
    return [r for r in rows if r.deleted_at is None]


def parse_date(value: date | str | None, message: str) -> date | None:
    """A date from a ``date`` or text « JJ/MM/AAAA » (ISO accepted); ``None``/empty stays ``None``."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    m = _DATE_RE.match(value)
    parts = (m.group(3), m.group(2), m.group(1)) if m else None
    if parts is None and (iso := _ISO_RE.match(value)):
        parts = (iso.group(1), iso.group(2), iso.group(3))
    if parts is None:
        raise FieldError(message)
    try:
        return date(int(parts[0]), int(parts[1]), int(parts[2]))
    except ValueError:
        raise FieldError(message) from None


def require_date(value: date | str | None, message: str) -> date:
    parsed = parse_date(value, message)
    if parsed is None:
        raise FieldError(message)
    return parsed


def require_text(value: str | None, message: str, max_len: int = 200) -> str:
    """Stripped, whitespace-collapsed, non-empty text of at most ``max_len`` characters."""
    clean = " ".join((value or "").split())
    if not clean:
        raise FieldError(message)
    if len(clean) > max_len:
        raise FieldError(f"Texte trop long ({max_len} caractères au plus).")
    return clean


def optional_text(value: str | None, max_len: int = 200) -> str:
    clean = " ".join((value or "").split())
    if len(clean) > max_len:
        raise FieldError(f"Texte trop long ({max_len} caractères au plus).")
    return clean


def require_code(value: str, message: str) -> str:
    """A vocabulary code as stored (lower-case letters, digits and ``_``, at most 40 characters)."""
    if not _CODE_RE.match(value or ""):
        raise FieldError(message)
    return value


def require_choice(value: str, choices: type[StrEnum] | dict[str, str] | frozenset[str], message: str) -> str:
    """``value`` if it is one of the codes of an enum, a vocabulary (code → label) or a set."""
    codes = {str(c) for c in choices} if isinstance(choices, type) else set(choices)
    if value not in codes:
        raise FieldError(message)
    return value


def fmt_date(d: date) -> str:
    return d.strftime("%d/%m/%Y")


class Checker:
    """Collects field errors, then raises one :class:`ValidationError` listing them all."""

    def __init__(self) -> None:
        self.errors: dict[str, str] = {}

    def ok(self) -> bool:
        return not self.errors

    def add(self, field: str, message: str) -> None:
        self.errors.setdefault(field, message)

    def run(self, field: str, func: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R | None:
        """Call ``func(*args)``; on :class:`FieldError` record it under ``field`` and return ``None``."""
        try:
            return func(*args, **kwargs)
        except FieldError as exc:
            self.add(field, exc.message)
            return None

    def raise_if_any(self) -> None:
        if self.errors:
            raise ValidationError(fields=self.errors)


def check(field: str, func: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
    """Validate one field: return the cleaned value or raise a one-field :class:`ValidationError`."""
    checker = Checker()
    value = checker.run(field, func, *args, **kwargs)
    checker.raise_if_any()
    return cast(R, value)
