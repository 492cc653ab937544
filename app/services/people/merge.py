"""A référent's decision about a « doublon possible »: two different people, or the same person (merge).

**Personnes différentes**: a :class:`~app.models.tables.people.DuplicateReview` row (synced, append-only) and
one audit event per file; the pair is never proposed again on any device.

**Même personne** (ADR 0025), in one transaction:

1. the kept record takes the fields the référent chose from the other one, and every field it lacks;
2. every row of the merged record (orientations, RDV, notes, contracts, documents, audit trail… the tables
   of :data:`app.models.personal_data.PERSON_TABLES`, tombstoned rows included) is re-pointed to the kept
   one **in SQL**: append-only rows keep their content, author and date — the history is kept, only its owner
   changes. This writes no op per row: one ``merge`` op tells the département, which re-points the same rows
   on its side and sends them to the other devices;
3. the person now has one current orientation (the latest decision; the others are closed on its date) and
   one open parcours (the earliest; a second open one is tombstoned);
4. the merged record is scrubbed and tombstoned like a purged one (its identity is kept in the decision row,
   which is scrubbed with the kept person's file);
5. the decision row and an audit event on the kept file record who decided, when.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from app.models.enums import AuditAction, DuplicateDecision, OpKind
from app.models.identity.matching import IDENTITY_KEYS, identity_record, pair_key
from app.models.personal_data import scrubbed_values
from app.models.sync.wire import to_wire
from app.models.tables.base import new_id, utcnow
from app.models.tables.people import DuplicateReview, Household, Orientation, Parcours, Person
from app.services.errors import ValidationError
from app.services.people.duplicates import FIELD_LABELS, decided_pairs
from app.services.storage import audit
from app.services.storage.db import record_op
from app.services.storage.merging import repoint_rows
from app.services.storage.uow import get_row, use_case

DIFFERENT_DETAIL = "Doublon possible examiné : personnes différentes (dossier {other})"
MERGE_DETAIL = "Doublon possible examiné : même personne ; le dossier {other} a été fusionné dans celui-ci ({rows} ligne(s) rattachée(s))"
#: Fields that travel with the CAF number when it is taken from the merged record.
_WITH_CAF = ("household_id",)


@dataclass(frozen=True)
class MergeResult:
    kept_id: str
    merged_id: str
    rows: dict[str, int]  # table → rows re-pointed
    taken: tuple[str, ...]  # fields the kept record took from the merged one


def _pair(s: Session, first_id: str, second_id: str) -> tuple[Person, Person]:
    if first_id == second_id:
        raise ValidationError("Un dossier ne peut pas être comparé à lui-même.")
    return get_row(s, Person, first_id, "Personne"), get_row(s, Person, second_id, "Personne")


def _refuse_if_decided(s: Session, a: str, b: str) -> None:
    if pair_key(a, b) in decided_pairs(s):
        raise ValidationError("Ces deux dossiers ont déjà été examinés : la décision a été enregistrée.")


@use_case
def declare_different(s: Session, first_id: str, second_id: str, *, actor: str) -> str:
    """Record that two records are two different people; returns the decision id."""
    a, b = _pair(s, first_id, second_id)
    _refuse_if_decided(s, a.id, b.id)
    low, high = sorted((a.id, b.id))
    row = DuplicateReview(
        id=new_id(),
        person_id=low,
        other_id=high,
        decision=str(DuplicateDecision.DIFFERENT),
        identity={},
        decided_by=actor or "local",
        decided_at=utcnow(),
    )
    s.add(row)
    for pid, other in ((low, high), (high, low)):
        audit.record_audit.within(
            s, actor=actor or "local", action=AuditAction.CHANGE, person_id=pid, object_table="person",
            object_id=pid, detail=DIFFERENT_DETAIL.format(other=other),
        )  # fmt: skip
    return row.id


def _take(kept: Person, merged: Person, take: Iterable[str]) -> tuple[str, ...]:
    chosen = set(take)
    unknown = chosen - set(FIELD_LABELS)
    if unknown:
        raise ValidationError(f"Champ inconnu : {', '.join(sorted(unknown))}.")
    taken = []
    for f in FIELD_LABELS:
        mine, theirs = getattr(kept, f), getattr(merged, f)
        if theirs in (None, "") or mine == theirs:
            continue
        if f in chosen or mine in (None, ""):
            setattr(kept, f, theirs)
            taken.append(f)
            if f == "caf_number":
                for extra in _WITH_CAF:
                    setattr(kept, extra, getattr(merged, extra))
    if merged.status == "active" and kept.status != "active":
        kept.status = "active"
    if kept.referent_id is None and merged.referent_id is not None:
        kept.referent_id = merged.referent_id
    return tuple(taken)


def _one_current_orientation(s: Session, person_id: str) -> None:
    current = list(
        s.scalars(
            select(Orientation)
            .where(Orientation.person_id == person_id, Orientation.ended_on.is_(None))
            .where(Orientation.deleted_at.is_(None))
            .order_by(Orientation.decision_date, Orientation.created_at)
        )
    )
    for older in current[:-1]:
        older.ended_on = current[-1].decision_date


def _one_open_parcours(s: Session, person_id: str) -> None:
    open_ = list(
        s.scalars(
            select(Parcours)
            .where(
                Parcours.person_id == person_id, Parcours.end_date.is_(None), Parcours.deleted_at.is_(None)
            )
            .order_by(Parcours.start_date, Parcours.created_at)
        )
    )
    for later in open_[1:]:
        later.deleted_at = utcnow()


def _scrub_merged(s: Session, merged_id: str, household_id: str | None, when: Any) -> None:
    """Blank and tombstone the merged record in SQL, and its household when no live person uses it any more
    (what the département does on the ``merge`` op: no other op is written for them)."""
    s.execute(
        update(Person).where(Person.id == merged_id).values(**scrubbed_values("person"), deleted_at=when)
    )
    if not household_id:
        return
    users = s.scalar(
        select(func.count())
        .select_from(Person)
        .where(Person.household_id == household_id, Person.deleted_at.is_(None))
    )
    if not users:
        s.execute(
            update(Household)
            .where(Household.id == household_id, Household.deleted_at.is_(None))
            .values(**scrubbed_values("household"), deleted_at=when)
        )


@use_case
def merge_people(
    s: Session, kept_id: str, merged_id: str, *, actor: str, take: Iterable[str] = ()
) -> MergeResult:
    """« Même personne »: merge ``merged_id`` into ``kept_id`` (module docstring). ``take``: fields of
    :data:`~app.services.people.duplicates.FIELD_LABELS` whose value comes from the merged record."""
    kept, merged = _pair(s, kept_id, merged_id)
    _refuse_if_decided(s, kept.id, merged.id)
    identity = identity_record({c: getattr(merged, c) for c in (*IDENTITY_KEYS, *FIELD_LABELS)})
    taken = _take(kept, merged, take)
    s.flush()  # the kept record's changes: one ordinary update op, before the merge op
    when = utcnow()
    base_revision, household_id = merged.revision or 0, merged.household_id
    counts = repoint_rows(s, kept.id, merged.id)
    _scrub_merged(s, merged.id, household_id, when)
    s.expire_all()  # the rows changed in SQL are read again
    payload = {"into": kept_id, "deleted_at": to_wire(when)}
    record_op(s, "person", merged_id, OpKind.MERGE, payload, base_revision)
    _one_current_orientation(s, kept_id)
    _one_open_parcours(s, kept_id)
    s.add(
        DuplicateReview(
            id=new_id(),
            person_id=kept_id,
            other_id=merged_id,
            decision=str(DuplicateDecision.SAME),
            identity=identity,
            decided_by=actor or "local",
            decided_at=when,
        )
    )
    audit.record_audit.within(
        s, actor=actor or "local", action=AuditAction.CHANGE, person_id=kept_id, object_table="person",
        object_id=kept_id, detail=MERGE_DETAIL.format(other=merged_id, rows=sum(counts.values())),
    )  # fmt: skip
    return MergeResult(kept_id, merged_id, counts, taken)
