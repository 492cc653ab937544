"""Moving a person's rows to another person, in SQL: the core of a duplicate merge (ADR 0025).

:func:`repoint_rows` is what « même personne » does to the merged record's history on this device (no op per
row: the ``merge`` op tells the département, which does the same on its copy). :func:`follow_merges` keeps the
devices converging when a merge crosses an edit: a row added offline to the merged record on another device
(a note typed before the merge arrived) reaches this vault after the merge; the merge is then applied again
to it here, and one more ``merge`` op asks the département to do the same. Called after each download.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.models.enums import DuplicateDecision, OpKind
from app.models.personal_data import PERSON_TABLES
from app.models.sync.wire import to_wire
from app.models.tables.base import Base
from app.models.tables.local import Conflict
from app.models.tables.people import DuplicateReview, Person
from app.services.storage.db import record_op


def repoint_rows(s: Session, kept_id: str, merged_id: str) -> dict[str, int]:
    """Every row of ``merged_id`` in the person tables (append-only and tombstoned ones included) now belongs
    to ``kept_id``; its sync conflicts follow. Returns the rows moved per table."""
    counts: dict[str, int] = {}
    for name in PERSON_TABLES:
        t = Base.metadata.tables[name]
        result: Any = s.execute(update(t).where(t.c.person_id == merged_id).values(person_id=kept_id))
        if result.rowcount:
            counts[name] = int(result.rowcount)
    s.execute(update(Conflict).where(Conflict.person_id == merged_id).values(person_id=kept_id))
    return counts


def _has_rows(s: Session, person_id: str) -> bool:
    for name in PERSON_TABLES:
        t = Base.metadata.tables[name]
        if s.scalar(select(t.c.id).where(t.c.person_id == person_id).limit(1)) is not None:
            return True
    return False


def follow_merges(s: Session) -> int:
    """Re-point the rows that reached an already merged record since its merge; returns how many moved."""
    merges = s.execute(
        select(DuplicateReview.person_id, DuplicateReview.other_id).where(
            DuplicateReview.decision == str(DuplicateDecision.SAME), DuplicateReview.deleted_at.is_(None)
        )
    ).all()
    into = {merged: kept for kept, merged in merges}
    moved = 0
    for merged, kept in into.items():
        target, seen = kept, {merged}
        while target in into and target not in seen:  # a record merged into one merged later
            seen.add(target)
            target = into[target]
        if not _has_rows(s, merged):
            continue
        counts = repoint_rows(s, target, merged)
        moved += sum(counts.values())
        person = s.get(Person, merged)
        when = to_wire(person.deleted_at) if person is not None else None
        record_op(s, "person", merged, OpKind.MERGE, {"into": target, "deleted_at": when},
                  person.revision if person is not None else 0)  # fmt: skip
    return moved
