"""Co-accompaniment on the server (ADR 0052): a person's file shared with a second professional.

A ``co_accompaniment`` row names a professional of the directory (``referent_id``), their role and the access
the référent asked. The département decides per role the most a share gives (``python -m server policy
--partage``, :mod:`app.models.coaccompaniment`): the lower of the two is the share's access. An active share
(no ``end_date``, not deleted) of ``lecture`` or ``ecriture`` puts the person's whole file in the professional's
scope: their devices download it, check it, and (``ecriture``) write the records of the shared work in it.

Scope changes travel like a reassignment: every change of a share (made, ended, re-pointed, capped by a new
policy) writes a :data:`~server.store.tables.share_event` at its feed sequence for the professionals concerned;
their next download sends the whole file when the person is visible to them now, or names it in ``leave`` when
it is not any more (:func:`adjust_download`). Everything here is separate from the référent and team rules of
:mod:`server.engine.scope` and :mod:`server.engine.authorise`, which call it at a few marked places.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import Connection, Select, and_, or_, select
from sqlalchemy.sql.elements import ColumnElement

from app.models.coaccompaniment import LEVELS, NO_ACCESS, effective_access, parse_policy
from server.store.db import get_meta, lock_counter, set_meta, store_counter, utcnow
from server.store.tables import BUSINESS, row_feed, share_event

SHARE_TABLE = "co_accompaniment"
#: ``server_meta`` key of the département's rules per role (JSON ``{role: level}``).
SHARE_POLICY = "share_policy"
#: Columns whose change may change who sees the file.
SCOPE_FIELDS = ("person_id", "referent_id", "role", "access", "end_date", "deleted_at")


def load_policy(conn: Connection) -> dict[str, str]:
    return parse_policy(get_meta(conn, SHARE_POLICY))


def readable_roles(policy: Mapping[str, str]) -> frozenset[str]:
    """Roles whose shares give at least a read access (every request is at least « lecture »)."""
    return frozenset(role for role, level in policy.items() if level != NO_ACCESS)


def _active(co: Any) -> ColumnElement[bool]:
    return and_(co.c.deleted_at.is_(None), co.c.end_date.is_(None))


def shared_people(refs: Iterable[str], roles: Iterable[str]) -> Select[Any]:
    """Ids of the people shared with one of ``refs`` by an active share of a readable role."""
    co = BUSINESS[SHARE_TABLE]
    return select(co.c.person_id).where(
        co.c.referent_id.in_(list(refs)), co.c.role.in_(list(roles)), _active(co)
    )


def visible_rows(refs: list[str], roles: Iterable[str]) -> ColumnElement[bool]:
    """Feed rows of the files shared with ``refs`` (and their households): added to the référent's scope."""
    f = row_feed.c
    person = BUSINESS["person"]
    people = shared_people(refs, roles)
    households = select(person.c.household_id).where(
        person.c.id.in_(people), person.c.household_id.isnot(None)
    )
    return or_(
        and_(f.person_id.isnot(None), f.person_id.in_(people)),
        and_(f.table_name == "household", f.row_id.in_(households)),
    )


def access_by_person(conn: Connection, refs: Iterable[str], policy: Mapping[str, str]) -> dict[str, str]:
    """Person → the best access the device's référents have through active shares (none: absent)."""
    co = BUSINESS[SHARE_TABLE]
    out: dict[str, str] = {}
    rows = conn.execute(
        select(co.c.person_id, co.c.role, co.c.access).where(co.c.referent_id.in_(list(refs)), _active(co))
    )
    for pid, role, access in rows:
        level = effective_access(access, role, policy)
        if level != NO_ACCESS and LEVELS.index(level) > LEVELS.index(out.get(pid, NO_ACCESS)):
            out[pid] = level
    return out


# --- scope changes -------------------------------------------------------------------------------------------


def events_for(before: Mapping[str, Any] | None, after: Mapping[str, Any], seq: int) -> list[dict[str, Any]]:
    """The share events of one change of a ``co_accompaniment`` row (none when nothing of its scope changed)."""
    if before is not None and all(before.get(k) == after.get(k) for k in SCOPE_FIELDS):
        return []
    pairs = {(after.get("person_id"), after.get("referent_id"))}
    if before is not None:
        pairs.add((before.get("person_id"), before.get("referent_id")))
    return [{"seq": seq, "person_id": p, "referent_id": r} for p, r in sorted(pairs, key=str) if p and r]


def touch_person(conn: Connection, person_id: str, seq: int) -> None:
    """A person's file was purged or merged at ``seq``: every professional it was ever shared with gets a scope
    event (their devices leave a purged file, receive the file a merge gave them)."""
    co = BUSINESS[SHARE_TABLE]
    refs = set(conn.execute(select(co.c.referent_id).where(co.c.person_id == person_id)).scalars())
    if refs:
        conn.execute(
            share_event.insert(), [{"seq": seq, "person_id": person_id, "referent_id": r} for r in refs]
        )


def adjust_download(
    conn: Connection,
    refs: list[str],
    roles: Iterable[str],
    window: tuple[int, int],
    entering: list[str],
    leave: list[str],
) -> tuple[list[str], list[str]]:
    """The people entering and leaving a device's scope between its cursor and the page's upper bound, with
    the shares: a person a share event touched comes whole when visible now, and leaves when not; a person the
    référent rules make leave stays when a share still shows it."""
    cursor, upper = window
    touched = set(
        conn.execute(
            select(share_event.c.person_id).where(
                share_event.c.referent_id.in_(refs), share_event.c.seq > cursor, share_event.c.seq <= upper
            )
        ).scalars()
    )
    candidates = sorted(touched | set(leave))
    if not candidates:
        return entering, leave
    person = BUSINESS["person"]
    visible: set[str] = set()
    for i in range(0, len(candidates), 500):
        chunk = candidates[i : i + 500]
        visible |= set(
            conn.execute(
                select(person.c.id).where(
                    person.c.id.in_(chunk),
                    or_(person.c.referent_id.in_(refs), person.c.id.in_(shared_people(refs, roles))),
                )
            ).scalars()
        )
    entering = entering + sorted(p for p in touched if p in visible and p not in entering)
    return entering, sorted(p for p in candidates if p not in visible)


def set_policy(conn: Connection, changes: Mapping[str, str]) -> dict[str, str]:
    """Store the département's new rules; the shares whose visibility they change get a new feed sequence and a
    share event each, so the devices concerned receive or leave the files at their next sync. Returns the
    rules in force."""
    before = load_policy(conn)
    after = {**before, **changes}
    set_meta(conn, SHARE_POLICY, _json(after))
    flipped = [r for r in after if (before[r] == NO_ACCESS) != (after[r] == NO_ACCESS)]
    if flipped:
        _restamp(conn, flipped)
    return after


def _json(policy: Mapping[str, str]) -> str:
    return json.dumps(dict(sorted(policy.items())))


def _restamp(conn: Connection, roles: list[str]) -> None:
    """Give the active shares of ``roles`` a new revision (the feed stays gap-free) and a share event each."""
    co = BUSINESS[SHARE_TABLE]
    rows = list(
        conn.execute(
            select(co.c.id, co.c.person_id, co.c.referent_id).where(co.c.role.in_(roles), _active(co))
        )
    )
    if not rows:
        return
    seq = lock_counter(conn)
    now = utcnow()
    for rid, pid, ref in rows:
        seq += 1
        conn.execute(co.update().where(co.c.id == rid).values(revision=seq, updated_at=now))
        conn.execute(
            row_feed.update()
            .where(row_feed.c.table_name == SHARE_TABLE, row_feed.c.row_id == rid)
            .values(seq=seq)
        )
        conn.execute(share_event.insert().values(seq=seq, person_id=pid, referent_id=ref))
    store_counter(conn, seq)
