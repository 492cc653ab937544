"""The département's side of a duplicate merge: the ``merge`` op of a device (ADR 0025).

A référent who decides that two records are the same person merges one into the other on the device; the
device uploads, in this order, the kept record's ordinary update, **one** op
``{"k": "merge", "t": "person", "r": <merged id>, "f": {"into": <kept id>, "deleted_at": …}}``, then the
decision row and the audit event (ordinary appends). :func:`apply_merge` re-points every business row of the
merged person (the tables of :data:`app.models.personal_data.PERSON_TABLES`, append-only ones included,
tombstoned ones too: the history is kept) to the kept one in SQL, moves their feed entries with them, gives
each a new feed sequence so every device in scope downloads them under the kept person, then scrubs and
tombstones the merged record exactly like a retention purge (:func:`server.engine.purge.apply_purge`: its
household too when no live person uses it). Replaying the op re-points rows that reached the merged record
since (an edit made offline on another device) and changes nothing else.

Pure function over an open write connection: the caller (the upload batch, :mod:`server.engine.ops`, after
:mod:`server.engine.validate` and :mod:`server.engine.authorise` checked the op) owns the transaction and the
feed counter, and flushes its pending rows first.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from app.models.personal_data import CHILD_TABLES, PERSON_TABLES
from server.engine.purge import apply_purge
from server.store.db import utcnow
from server.store.tables import BUSINESS, row_feed

MERGE_KIND = "merge"


def _repoint_feed(
    conn: Connection, table: str, row_id: str, person_id: str, seq: int, device_id: str
) -> None:
    entry = conn.execute(
        select(row_feed.c.field_revs).where(row_feed.c.table_name == table, row_feed.c.row_id == row_id)
    ).first()
    if entry is None:
        conn.execute(
            row_feed.insert().values(
                table_name=table, row_id=row_id, seq=seq, person_id=person_id, origin_user="",
                field_revs=json.dumps({"*": [seq, device_id]}),
            )
        )  # fmt: skip
        return
    revs = json.loads(entry.field_revs or "{}")
    revs["person_id"] = [seq, device_id]
    conn.execute(
        row_feed.update()
        .where(row_feed.c.table_name == table, row_feed.c.row_id == row_id)
        .values(seq=seq, person_id=person_id, field_revs=json.dumps(revs))
    )


def apply_merge(
    conn: Connection,
    merged_id: str,
    kept_id: str,
    *,
    next_seq: Callable[[], int],
    device_id: str,
    deleted_at: datetime | None = None,
) -> dict[str, int]:
    """Re-point every row of ``merged_id`` to ``kept_id`` and purge the merged record; returns the counts of
    rows re-pointed per table (each re-pointed row, and each child row of a re-pointed parent, gets
    ``next_seq()``)."""
    now = utcnow()
    counts: dict[str, int] = {}
    moved: dict[str, list[str]] = {}
    for name in PERSON_TABLES:
        t = BUSINESS[name]
        ids = list(conn.execute(select(t.c.id).where(t.c.person_id == merged_id)).scalars())
        for rid in ids:
            seq = next_seq()
            conn.execute(
                t.update().where(t.c.id == rid).values(person_id=kept_id, revision=seq, updated_at=now)
            )
            _repoint_feed(conn, name, rid, kept_id, seq, device_id)
        if ids:
            counts[name] = len(ids)
            moved[name] = ids
    for child, (parent, column) in CHILD_TABLES.items():
        parents = moved.get(parent, [])
        t = BUSINESS[child]
        for i in range(0, len(parents), 500):
            for rid in conn.execute(select(t.c.id).where(t.c[column].in_(parents[i : i + 500]))).scalars():
                seq = next_seq()
                conn.execute(t.update().where(t.c.id == rid).values(revision=seq))
                _repoint_feed(conn, child, rid, kept_id, seq, device_id)
    person = BUSINESS["person"]
    if conn.execute(select(person.c.deleted_at).where(person.c.id == merged_id)).scalar() is None:
        apply_purge(conn, merged_id, next_seq=next_seq, device_id=device_id, deleted_at=deleted_at)
    return counts


def apply_merge_op(
    conn: Connection,
    device_id: str,
    op: dict[str, Any],
    next_seq: Callable[[], int],
    scope: list[str] | None,
) -> dict[str, Any]:
    """One uploaded ``merge`` op → its result entry (the shape of the other ops' results).

    ``scope``: the référent ids the device may act on (``None``: the whole département); both records must
    be inside it. A merged record the server never received is nothing to do (« applied »)."""
    res: dict[str, Any] = {"i": op.get("i"), "s": op.get("s")}
    merged_id, fields = op.get("r"), op.get("f") or {}
    kept_id = fields.get("into")
    if op.get("t") != "person" or not isinstance(merged_id, str) or not isinstance(kept_id, str):
        return {**res, "st": "error", "msg": "Fusion invalide : elle porte sur deux personnes."}
    if merged_id == kept_id:
        return {
            **res,
            "st": "error",
            "msg": "Fusion invalide : un dossier ne peut pas être fusionné avec lui-même.",
        }
    person = BUSINESS["person"]
    owners = {
        r.id: r
        for r in conn.execute(
            select(person.c.id, person.c.referent_id).where(person.c.id.in_([merged_id, kept_id]))
        )
    }
    if kept_id not in owners:
        return {**res, "st": "error", "msg": "Fusion refusée : le dossier conservé est inconnu du serveur."}
    if scope is not None and any(o.referent_id not in scope for o in owners.values()):
        return {
            **res,
            "st": "error",
            "msg": "Ces dossiers ne sont pas tous dans votre file active : fusion refusée.",
        }
    if merged_id not in owners:
        return {**res, "st": "applied", "rev": 0, "merged": {}}
    raw = fields.get("deleted_at")
    when = None
    if isinstance(raw, str):
        try:
            when = datetime.fromisoformat(raw)
        except ValueError:
            when = None
    counts = apply_merge(conn, merged_id, kept_id, next_seq=next_seq, device_id=device_id, deleted_at=when)
    rev = conn.scalar(select(person.c.revision).where(person.c.id == merged_id)) or 0
    return {**res, "st": "applied", "rev": int(rev), "merged": counts}
