"""The département's side of a retention purge: the ``purge`` op of a device (ADR 0005).

A device that purges a person uploads one op ``{"k": "purge", "t": "person", "r": <person id>}`` after the
ordinary ops of that file. :func:`apply_purge` scrubs the same personal columns as the device
(:mod:`app.models.personal_data`) in every business row of that person, tombstones them (the audit trail
stays, scrubbed), forgets the document bytes no other file uses, and gives every touched row a new feed
sequence so that every other device in scope downloads the scrubbed version and loses the personal data too.
When the département set an intermediate archive period, the file is first copied into the archive
(:mod:`server.engine.archive`), out of every device's reach.

Pure function over an open write connection: the caller (the upload batch of :mod:`server.sync`) owns the
transaction and the feed counter (``next_seq``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, delete, func, select

from app.models.personal_data import CHILD_TABLES, KEPT_TABLES, PERSON_TABLES, scrubbed_values
from server.engine.archive import archive_before_purge
from server.store.db import utcnow
from server.store.tables import BUSINESS, attachment_chunks, attachment_holders, attachments, row_feed

PURGE_KIND = "purge"


@dataclass
class PurgeResult:
    person_id: str
    rows: dict[str, int] = field(default_factory=dict)  # table → rows scrubbed
    files: int = 0  # attachments whose bytes were deleted
    revision: int = 0  # feed sequence given to the person row
    found: bool = True
    archived: bool = False  # copied into the intermediate archive first (server.engine.archive)


def _bump_feed(
    conn: Connection,
    table: str,
    row_id: str,
    person_id: str | None,
    seq: int,
    device_id: str,
    fields: list[str],
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
    for f in fields:
        revs[f] = [seq, device_id]
    conn.execute(
        row_feed.update()
        .where(row_feed.c.table_name == table, row_feed.c.row_id == row_id)
        .values(seq=seq, field_revs=json.dumps(revs))
    )


def _rows_of(conn: Connection, person_id: str) -> dict[str, list[dict[str, Any]]]:
    rows: dict[str, list[dict[str, Any]]] = {}
    for name in PERSON_TABLES:
        t = BUSINESS[name]
        rows[name] = [dict(r) for r in conn.execute(select(t).where(t.c.person_id == person_id)).mappings()]
    for child, (parent, column) in CHILD_TABLES.items():
        ids = [r["id"] for r in rows[parent]]
        t = BUSINESS[child]
        found: list[dict[str, Any]] = []
        for i in range(0, len(ids), 500):
            found += [
                dict(r) for r in conn.execute(select(t).where(t.c[column].in_(ids[i : i + 500]))).mappings()
            ]
        rows[child] = found
    return rows


def apply_purge(
    conn: Connection,
    person_id: str,
    *,
    next_seq: Callable[[], int],
    device_id: str,
    deleted_at: datetime | None = None,
) -> PurgeResult:
    """Scrub and tombstone every business row of ``person_id``; each touched row gets ``next_seq()``."""
    now = utcnow()
    when = deleted_at or now
    result = PurgeResult(person_id)
    person_t = BUSINESS["person"]
    person = conn.execute(select(person_t).where(person_t.c.id == person_id)).mappings().first()
    if person is None:
        result.found = False
        return result
    rows = _rows_of(conn, person_id)
    digests = {r["sha256"] for r in rows["document"] if r.get("sha256")}
    result.archived = archive_before_purge(conn, dict(person), rows, digests, device_id=device_id)

    def scrub(table: str, row: dict[str, Any], owner: str | None) -> None:
        values = scrubbed_values(table)
        if table not in KEPT_TABLES and row.get("deleted_at") is None:
            values["deleted_at"] = when
        seq = next_seq()
        t = BUSINESS[table]
        conn.execute(t.update().where(t.c.id == row["id"]).values(**values, revision=seq, updated_at=now))
        _bump_feed(conn, table, row["id"], owner, seq, device_id, sorted(values))
        result.rows[table] = result.rows.get(table, 0) + 1

    for table, found in rows.items():
        for row in found:
            scrub(table, row, person_id)
    household_id = person.get("household_id")
    if household_id:
        others = conn.scalar(
            select(func.count())
            .select_from(person_t)
            .where(
                person_t.c.household_id == household_id,
                person_t.c.id != person_id,
                person_t.c.deleted_at.is_(None),
            )
        )
        hh_t = BUSINESS["household"]
        household = conn.execute(select(hh_t).where(hh_t.c.id == household_id)).mappings().first()
        if household is not None and not others:
            scrub("household", dict(household), None)
    doc_t = BUSINESS["document"]
    for digest in sorted(digests):
        still_used = conn.scalar(
            select(func.count())
            .select_from(doc_t)
            .where(and_(doc_t.c.sha256 == digest, doc_t.c.person_id != person_id))
        )
        if still_used:
            continue
        conn.execute(delete(attachment_chunks).where(attachment_chunks.c.sha256 == digest))
        conn.execute(delete(attachment_holders).where(attachment_holders.c.sha256 == digest))
        if conn.execute(delete(attachments).where(attachments.c.sha256 == digest)).rowcount:
            result.files += 1
    scrub("person", dict(person), person_id)
    result.revision = (
        conn.scalar(
            select(row_feed.c.seq).where(row_feed.c.table_name == "person", row_feed.c.row_id == person_id)
        )
        or 0
    )
    return result


def apply_purge_op(
    conn: Connection,
    device_id: str,
    op: dict[str, Any],
    next_seq: Callable[[], int],
    scope: list[str] | None,
) -> dict[str, Any]:
    """One uploaded ``purge`` op → its result entry (same shape as the other ops' results).

    ``scope`` is the list of référent ids the device may act on (``None``: the whole département).
    """
    res: dict[str, Any] = {"i": op.get("i"), "s": op.get("s")}
    pid = op.get("r")
    if op.get("t") != "person" or not isinstance(pid, str):
        return {**res, "st": "error", "msg": "Purge invalide : elle porte sur une personne."}
    person_t = BUSINESS["person"]
    owner = conn.execute(select(person_t.c.referent_id).where(person_t.c.id == pid)).first()
    if owner is None:  # never uploaded: nothing to purge here (not « missing », which would make the device
        return {**res, "st": "applied", "rev": 0, "purged": {}, "files": 0}  # re-send the scrubbed row)
    if scope is not None and owner.referent_id not in scope:
        return {
            **res,
            "st": "error",
            "msg": "Cette personne n'est pas dans votre file active : purge refusée.",
        }
    raw = (op.get("f") or {}).get("deleted_at")
    when = None
    if isinstance(raw, str):
        try:
            when = datetime.fromisoformat(raw)
        except ValueError:
            when = None
    done = apply_purge(conn, pid, next_seq=next_seq, device_id=device_id, deleted_at=when)
    return {**res, "st": "applied", "rev": done.revision, "purged": done.rows, "files": done.files}
