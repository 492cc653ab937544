"""Writing a plan in **one** transaction, in batches, through the bulk write path of app.services.storage.bulk.

``bulk_insert`` / ``bulk_update`` write each row's outbox op in the same transaction, exactly as the session
hook does for single writes (docs/decisions/0004), but with one ``executemany`` per batch instead of one ORM
flush per object. Cancelling between two batches raises :class:`ImportCancelled` inside the transaction: it
is rolled back and nothing is half-imported.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from app.models.orientation_list.errors import ImportCancelled
from app.models.orientation_list.planner import Plan, RowPlan, assignment_row, audit_row
from app.models.tables.base import Synced
from app.models.tables.local import AuditEvent
from app.models.tables.people import Household, Orientation, Parcours, Person, ReferentAssignment
from app.services.storage.bulk import bulk_insert, bulk_update

BATCH = 2000
T = TypeVar("T", bound=Synced)


def _chunks(items: Sequence[Any], size: int) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class Applier:
    def __init__(
        self,
        s: Session,
        plan: Plan,
        actor: str,
        progress: Callable[[int], None],
        cancelled: Callable[[], bool],
    ) -> None:
        self.s, self.plan, self.actor = s, plan, actor
        self.progress, self.cancelled = progress, cancelled
        self.today = date.today()

    def run(self) -> None:
        self._check_cancel()
        households = [{"id": hid, "caf_number": caf} for caf, hid in self.plan.new_households.items()]
        for part in _chunks(households, BATCH):
            bulk_insert(self.s, Household, list(part))
            self._check_cancel()
        rows = [r for r in self.plan.rows if r.has_writes]
        done = len(self.plan.rows) - len(rows)
        self.progress(done)
        for part in _chunks(rows, BATCH):
            self._batch(part)
            done += len(part)
            self.progress(done)
            self._check_cancel()

    def _check_cancel(self) -> None:
        if self.cancelled():
            raise ImportCancelled()

    def _batch(self, rows: Sequence[RowPlan]) -> None:
        s = self.s
        bulk_insert(
            s, Person, [{"id": r.person_id, **r.new_person} for r in rows if r.new_person is not None]
        )
        updated = [r for r in rows if r.new_person is None]
        bulk_update(s, Person, {r.person_id: dict(r.person_changes) for r in updated if r.person_changes})
        bulk_insert(s, AuditEvent, [audit_row(r, self.actor) for r in updated])
        orientation_changes: dict[str, dict[str, Any]] = {}
        for r in rows:
            if r.close_orientation is not None:
                orientation_changes.setdefault(r.close_orientation[0], {})["ended_on"] = r.close_orientation[
                    1
                ]
            if r.orientation_changes is not None:
                orientation_changes.setdefault(r.orientation_changes[0], {}).update(r.orientation_changes[1])
        bulk_update(s, Orientation, orientation_changes)
        bulk_insert(s, Orientation, [dict(r.new_orientation) for r in rows if r.new_orientation is not None])
        bulk_update(
            s,
            Parcours,
            {r.parcours_track[0]: {"track": r.parcours_track[1]} for r in rows if r.parcours_track},
        )
        bulk_insert(
            s,
            ReferentAssignment,
            [assignment_row(r, self.actor, self.today) for r in rows if r.referent_id is not None],
        )
