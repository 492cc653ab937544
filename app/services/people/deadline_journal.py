"""Who had their stored deadlines recomputed (:mod:`app.services.people.stored_deadlines`), for the readers that
keep figures in memory — the list's urgency map patches those people instead of reading everyone again after a
write. One journal per open vault, in this process; a reader too far behind reads everything again."""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from typing import Any

from app.services.storage.db import Database

#: The last batches of people recomputed, per engine: (generation, ids). Older batches are forgotten: a reader
#: further behind reads everything again.
JOURNAL_BATCHES = 256
_journals: weakref.WeakKeyDictionary[Any, tuple[list[int], list[tuple[int, tuple[str, ...]]]]] = (
    weakref.WeakKeyDictionary()
)


def _journal(db: Database) -> tuple[list[int], list[tuple[int, tuple[str, ...]]]]:
    return _journals.setdefault(db.engine, ([0], []))


def generation(db: Database) -> int:
    """A number that grows each time people's deadlines are recomputed in this vault (in this process)."""
    return _journal(db)[0][0]


def recomputed_since(db: Database, since: int) -> set[str] | None:
    """The people recomputed after ``generation() == since`` (None: too far behind, the journal forgot)."""
    counter, batches = _journal(db)
    if since == counter[0]:
        return set()
    if not batches or batches[0][0] > since + 1:
        return None
    return {pid for gen, ids in batches if gen > since for pid in ids}


def record(db: Database, ids: Sequence[str]) -> None:
    """``ids`` were recomputed (called by ``stored_deadlines.refresh`` once their deadlines are stored)."""
    counter, batches = _journal(db)
    counter[0] += 1
    batches.append((counter[0], tuple(ids)))
    del batches[:-JOURNAL_BATCHES]
