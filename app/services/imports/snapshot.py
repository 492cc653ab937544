"""What the planner needs from the vault, loaded in a few set-based queries (no per-row query)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models.local import LocalSetting
from app.models.people import Household, Orientation, Parcours, Person, Referent
from app.services.imports.matching import Candidate, PersonIndex
from app.services.imports.text import fold

#: Person columns an import may compare and write.
PERSON_FIELDS = (
    "nir",
    "caf_number",
    "civility",
    "last_name",
    "birth_name",
    "first_name",
    "birth_date",
    "sex",
    "address_line",
    "address_extra",
    "postal_code",
    "city",
    "phone",
    "email",
    "rsa_entry_date",
    "household_id",
    "referent_id",
    "regime",
)
CURRENT_REFERENT_KEY = "current_referent_id"


@dataclass
class OrientationState:
    id: str
    track: str
    decision_date: date
    notification_date: date | None
    organisme: str
    ended_on: date | None


@dataclass
class Snapshot:
    people: dict[str, dict[str, Any]] = field(default_factory=dict)
    index: PersonIndex = field(default_factory=PersonIndex)
    orientations: dict[str, list[OrientationState]] = field(default_factory=lambda: defaultdict(list))
    open_parcours: dict[str, tuple[str, str]] = field(default_factory=dict)  # person → (parcours id, track)
    households: dict[str, str] = field(default_factory=dict)  # CAF number → household id
    household_caf: dict[str, str] = field(default_factory=dict)  # household id → CAF number
    referents: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))  # folded key → ids
    actor: str = "import"

    def referent_ids(self, label: str) -> list[str]:
        return sorted(set(self.referents.get(fold(label), [])))


def load_snapshot(s: Session) -> Snapshot:
    snap = Snapshot()
    cols = [getattr(Person, f) for f in PERSON_FIELDS]
    for row in s.execute(select(Person.id, *cols).where(Person.deleted_at.is_(None))):
        values = dict(zip(PERSON_FIELDS, row[1:], strict=True))
        snap.people[row[0]] = values
        snap.index.add(candidate(row[0], values))
    _load_orientations(s, snap)
    for pid, parcours_id, track in s.execute(
        select(Parcours.person_id, Parcours.id, Parcours.track).where(
            Parcours.end_date.is_(None), Parcours.deleted_at.is_(None)
        )
    ):
        snap.open_parcours[pid] = (parcours_id, track)
    for hid, caf in s.execute(
        select(Household.id, Household.caf_number)
        .where(Household.deleted_at.is_(None), Household.caf_number != "")
        .order_by(Household.created_at)
    ):
        snap.households.setdefault(caf, hid)
        snap.household_caf[hid] = caf
    _load_referents(s, snap)
    return snap


def _load_orientations(s: Session, snap: Snapshot) -> None:
    o = Orientation
    query = select(o.person_id, o.id, o.track, o.decision_date, o.notification_date, o.organisme, o.ended_on)
    for pid, oid, track, decided, notified, organisme, ended in s.execute(
        query.where(o.deleted_at.is_(None)).order_by(o.decision_date, o.created_at)
    ):
        snap.orientations[pid].append(OrientationState(oid, track, decided, notified, organisme, ended))


def _load_referents(s: Session, snap: Snapshot) -> None:
    current = s.get(LocalSetting, CURRENT_REFERENT_KEY)
    r = Referent
    for rid, login, first, last in s.execute(
        select(r.id, r.login, r.first_name, r.last_name).where(r.deleted_at.is_(None))
    ):
        for key in (login, f"{first} {last}", f"{last} {first}"):
            if fold(key):
                snap.referents[fold(key)].append(rid)
        if current is not None and current.value == rid and login:
            snap.actor = str(login)[:80]


def candidate(person_id: str, values: dict[str, Any]) -> Candidate:
    return Candidate(
        id=person_id,
        nir=values.get("nir") or None,
        caf_number=values.get("caf_number") or "",
        first_name=values.get("first_name") or "",
        last_name=values.get("last_name") or "",
        birth_date=values.get("birth_date"),
    )
