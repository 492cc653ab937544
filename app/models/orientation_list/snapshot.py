"""What the planner needs from the vault, loaded in a few set-based queries (no per-row query)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Connection, Table, select
from sqlalchemy.orm import Session

from app.models.enums import DuplicateDecision
from app.models.identity.matching import Candidate, PersonIndex, alias_candidates
from app.models.orientation_list.columns import IDENTITY_FIELDS
from app.models.tables.base import Base
from app.models.tables.local import LocalSetting
from app.models.text import fold

#: Person columns an import may compare and write.
PERSON_FIELDS = (*IDENTITY_FIELDS, "household_id", "referent_id", "regime")
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


#: The tables read, by name: the vault's by default; the server passes its own copies (same columns).
SNAPSHOT_TABLES = ("person", "orientation", "parcours", "household", "referent", "duplicate_review")


def load_snapshot(s: Session) -> Snapshot:
    """The snapshot of the vault; the actor is the login of the profile's current référent."""
    current = s.get(LocalSetting, CURRENT_REFERENT_KEY)
    tables = {name: Base.metadata.tables[name] for name in SNAPSHOT_TABLES}
    return load_snapshot_from(s, tables, actor_referent_id=None if current is None else current.value)


def load_snapshot_from(
    conn: Session | Connection, tables: dict[str, Table], *, actor_referent_id: str | None = None
) -> Snapshot:
    """Same snapshot from any database holding tables with the vault's columns (the département server)."""
    snap = Snapshot()
    person = tables["person"].c
    cols = [person[f] for f in PERSON_FIELDS]
    for row in conn.execute(select(person.id, *cols).where(person.deleted_at.is_(None))):
        values = dict(zip(PERSON_FIELDS, row[1:], strict=True))
        snap.people[row[0]] = values
        snap.index.add(candidate(row[0], values))
    _load_aliases(conn, tables["duplicate_review"], snap)
    _load_orientations(conn, tables["orientation"], snap)
    p = tables["parcours"].c
    for pid, parcours_id, track in conn.execute(
        select(p.person_id, p.id, p.track).where(p.end_date.is_(None), p.deleted_at.is_(None))
    ):
        snap.open_parcours[pid] = (parcours_id, track)
    h = tables["household"].c
    for hid, caf in conn.execute(
        select(h.id, h.caf_number).where(h.deleted_at.is_(None), h.caf_number != "").order_by(h.created_at)
    ):
        snap.households.setdefault(caf, hid)
        snap.household_caf[hid] = caf
    _load_referents(conn, tables["referent"], snap, actor_referent_id)
    return snap


def _load_aliases(conn: Session | Connection, table: Table, snap: Snapshot) -> None:
    """The identities merged into a live person (« même personne » decisions) become aliases of it."""
    r = table.c
    merges = conn.execute(
        select(r.person_id, r.other_id, r.identity).where(
            r.decision == str(DuplicateDecision.SAME), r.deleted_at.is_(None)
        )
    ).all()
    for c in alias_candidates(
        [(kept, merged, identity) for kept, merged, identity in merges], set(snap.people)
    ):
        snap.index.add(c)


def _load_orientations(conn: Session | Connection, table: Table, snap: Snapshot) -> None:
    o = table.c
    query = select(o.person_id, o.id, o.track, o.decision_date, o.notification_date, o.organisme, o.ended_on)
    for pid, oid, track, decided, notified, organisme, ended in conn.execute(
        query.where(o.deleted_at.is_(None)).order_by(o.decision_date, o.created_at)
    ):
        snap.orientations[pid].append(OrientationState(oid, track, decided, notified, organisme, ended))


def _load_referents(
    conn: Session | Connection, table: Table, snap: Snapshot, actor_referent_id: str | None
) -> None:
    r = table.c
    for rid, login, first, last in conn.execute(
        select(r.id, r.login, r.first_name, r.last_name).where(r.deleted_at.is_(None))
    ):
        for key in (login, f"{first} {last}", f"{last} {first}"):
            if fold(key):
                snap.referents[fold(key)].append(rid)
        if actor_referent_id is not None and actor_referent_id == rid and login:
            snap.actor = str(login)[:80]


def candidate(person_id: str, values: dict[str, Any]) -> Candidate:
    return Candidate(
        id=person_id,
        nir=values.get("nir") or None,
        caf_number=values.get("caf_number") or "",
        first_name=values.get("first_name") or "",
        last_name=values.get("last_name") or "",
        birth_date=values.get("birth_date"),
        birth_name=values.get("birth_name") or "",
    )
