"""Writing a plan through the ORM, in **one** transaction, flushed in batches.

Every write goes through the session, so the outbox op of each change is written by the session hook in the
same transaction (docs/decisions/0004). Cancelling between two batches raises :class:`ImportCancelled`
inside the transaction: it is rolled back and nothing is half-imported.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models.base import Synced, new_id, utcnow
from app.models.enums import AuditAction
from app.models.local import AuditEvent
from app.models.people import Household, Orientation, Parcours, Person, ReferentAssignment
from app.services.imports.errors import ImportCancelled
from app.services.imports.planner import Plan, RowPlan
from app.services.imports.report import Outcome

BATCH = 1000
AUDIT_PREFIX = "Import de la liste d'orientation ; champs modifiés : "
ASSIGNMENT_REASON = "Désignation reçue avec la liste d'orientation du département"
T = TypeVar("T", bound=Synced)


def _chunks(items: Sequence[T] | Sequence[RowPlan], size: int) -> Iterable[Sequence]:  # type: ignore[type-arg]
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _load(s: Session, model: type[T], ids: Iterable[str]) -> dict[str, T]:
    wanted = list(set(ids))
    out: dict[str, T] = {}
    for start in range(0, len(wanted), 500):
        part = wanted[start : start + 500]
        out.update({o.id: o for o in s.scalars(select(model).where(model.id.in_(part)))})
    return out


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
        households = [Household(id=hid, caf_number=caf) for caf, hid in self.plan.new_households.items()]
        for part in _chunks(households, BATCH):
            self.s.add_all(part)
            self.s.flush()
            self._check_cancel()
        rows = [r for r in self.plan.rows if r.outcome != Outcome.UNCHANGED]
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
        people = _load(s, Person, (r.person_id for r in rows if r.new_person is None))
        orientation_ids = [r.close_orientation[0] for r in rows if r.close_orientation]
        orientation_ids += [r.orientation_changes[0] for r in rows if r.orientation_changes]
        orientations = _load(s, Orientation, orientation_ids)
        parcours = _load(s, Parcours, (r.parcours_track[0] for r in rows if r.parcours_track))
        s.add_all([Person(id=r.person_id, **r.new_person) for r in rows if r.new_person is not None])
        s.flush()  # people before the rows that refer to them (no ORM relationship orders them)
        for r in rows:
            if r.new_person is None:
                self._update_person(people[r.person_id], r)
            self._orientation(r, orientations, parcours)
            if r.referent_id is not None:
                s.add(
                    ReferentAssignment(
                        id=new_id(),
                        person_id=r.person_id,
                        referent_id=r.referent_id,
                        start_date=self.today,
                        reason=ASSIGNMENT_REASON,
                        assigned_by=self.actor,
                    )
                )
        s.flush()

    def _update_person(self, person: Person, r: RowPlan) -> None:
        for name, value in r.person_changes.items():
            setattr(person, name, value)
        self.s.add(
            AuditEvent(
                id=new_id(),
                at=utcnow(),
                actor=self.actor,
                action=str(AuditAction.CHANGE),
                person_id=person.id,
                object_table="person",
                object_id=person.id,
                detail=AUDIT_PREFIX + ", ".join(r.changed),
            )
        )

    def _orientation(
        self, r: RowPlan, orientations: dict[str, Orientation], parcours: dict[str, Parcours]
    ) -> None:
        if r.close_orientation is not None:
            orientations[r.close_orientation[0]].ended_on = r.close_orientation[1]
        if r.orientation_changes is not None:
            target = orientations[r.orientation_changes[0]]
            for name, value in r.orientation_changes[1].items():
                setattr(target, name, value)
        if r.new_orientation is not None:
            self.s.add(Orientation(**r.new_orientation))
        if r.parcours_track is not None:
            parcours[r.parcours_track[0]].track = r.parcours_track[1]
