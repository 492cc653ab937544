"""Units of work: one user action, one transaction, and the lookups the write helpers share.

A **use case** is a service function decorated with :func:`use_case` (writes) or :func:`query` (reads). Its
body takes an open ``Session`` as first argument and never commits. Called with a
:class:`~app.services.storage.db.Database` — what the window's jobs and the commands do — it runs in a unit of
work of its own: one transaction, committed at the end or rolled back whole on any error. A caller that
composes several steps into one user action (a contract save and its objective links, the paper signature and
its scan, the demo profile) opens one unit of work and calls each step with ``.within(s, …)``: the steps then
share the caller's transaction and leave the commit to it. Changes made between two flushes of such a session
reach the outbox as one op per row (with the final values). Without relationships the flush does not order
inserts by foreign key, so every unit of work defers the foreign-key checks to the commit (``PRAGMA
defer_foreign_keys = ON``, see :func:`defer_foreign_keys`).

Input validation with French messages (dates, texts, codes) is :mod:`app.services.validation`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Concatenate, Generic, ParamSpec, TypeVar

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from app.models.tables.base import Synced
from app.services.errors import NotFoundError
from app.services.storage.db import Database

T = TypeVar("T", bound=Synced)
P = ParamSpec("P")
R = TypeVar("R")

_ROWS = "fil_rouge_rows"
_DEFERRED = "fil_rouge_fk_deferred"


@contextmanager
def unit_of_work(db: Database) -> Iterator[Session]:
    """One transaction for one user action: committed when the block ends, rolled back whole on any error."""
    with db.session() as s:
        defer_foreign_keys(s)
        yield s


@contextmanager
def read_only(db: Database) -> Iterator[Session]:
    """A read session (nothing is written; rolled back at the end)."""
    with db.read() as s:
        yield s


class UseCase(Generic[P, R]):
    """A write use case (see the module docstring): ``uc(db, …)`` runs it in its own unit of work,
    ``uc.within(s, …)`` inside the caller's."""

    def __init__(self, fn: Callable[Concatenate[Session, P], R]) -> None:
        self.fn = fn
        functools.update_wrapper(self, fn)

    def __call__(self, db: Database, /, *args: P.args, **kwargs: P.kwargs) -> R:
        _refuse_session(self.fn, db)
        with unit_of_work(db) as s:
            return self.within(s, *args, **kwargs)

    def within(self, s: Session, /, *args: P.args, **kwargs: P.kwargs) -> R:
        defer_foreign_keys(s)
        result = self.fn(s, *args, **kwargs)
        _keep(s, *s.new)
        return result


class Query(Generic[P, R]):
    """A read use case: ``q(db, …)`` in a read session of its own, ``q.within(s, …)`` in the caller's."""

    def __init__(self, fn: Callable[Concatenate[Session, P], R]) -> None:
        self.fn = fn
        functools.update_wrapper(self, fn)

    def __call__(self, db: Database, /, *args: P.args, **kwargs: P.kwargs) -> R:
        _refuse_session(self.fn, db)
        with read_only(db) as s:
            return self.fn(s, *args, **kwargs)

    def within(self, s: Session, /, *args: P.args, **kwargs: P.kwargs) -> R:
        return self.fn(s, *args, **kwargs)


def _refuse_session(fn: Callable[..., object], db: object) -> None:
    if isinstance(db, Session):  # a developer's slip: a second transaction must never open silently
        raise TypeError(f"{fn.__qualname__}() expects a Database; inside a unit of work call .within(s, …)")


def use_case(fn: Callable[Concatenate[Session, P], R]) -> UseCase[P, R]:
    """Decorate a write use case (its body takes the open ``Session``)."""
    return UseCase(fn)


def query(fn: Callable[Concatenate[Session, P], R]) -> Query[P, R]:
    """Decorate a read use case (its body takes the open ``Session``)."""
    return Query(fn)


def defer_foreign_keys(s: Session) -> None:
    """Check foreign keys at commit rather than per statement, for the current transaction only (SQLite).

    The models declare no relationships, so a flush does not order inserts by foreign key (a RDV event may
    be inserted before its RDV); the commit still refuses a dangling reference.
    """
    if s.in_transaction() and s.info.get(_DEFERRED) is s.get_transaction():
        return
    s.execute(text("PRAGMA defer_foreign_keys = ON"))
    s.info[_DEFERRED] = s.get_transaction()


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


def person_rows(s: Session, model: type[T], person_id: str, *order_by: Any) -> list[T]:
    """The person's live (not tombstoned) rows of ``model``, in ``order_by`` order (creation order by default)."""
    columns = model.__table__.c  # type: ignore[attr-defined]
    stmt = select(model).where(columns.person_id == person_id, columns.deleted_at.is_(None))
    return list(s.scalars(stmt.order_by(*(order_by or (columns.created_at,)))).all())
