"""The download feed: rows changed after a cursor, for the device's scope, one page at a time; a person who
enters the scope comes with their whole file, one who leaves it is named in ``leave``; parents referenced by
foreign keys come along so a page applies on its own."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.sql.elements import ColumnElement

from app.models.sync import wire as codec
from server.engine import secretariat, shares
from server.engine.scope import FKS, GLOBAL_TABLES, DeviceCtx, scope_referents, visible_clause
from server.store.db import ServerDB
from server.store.tables import BUSINESS, feed_counter, row_feed, scope_event


def rows_by_key(conn: Connection, keys: dict[str, set[str]]) -> dict[str, dict[str, Any]]:
    """The rows named by ``keys`` (table → ids), columnar: ``{table: {"c": columns, "r": rows}}``."""
    out: dict[str, dict[str, Any]] = {}
    for t, ids in keys.items():
        if not ids:
            continue
        table = BUSINESS[t]
        cols = [c.name for c in table.columns]
        rows: list[list[Any]] = []
        id_list = sorted(ids)
        for i in range(0, len(id_list), 500):
            for r in conn.execute(select(*table.c).where(table.c.id.in_(id_list[i : i + 500]))):
                rows.append([codec.to_wire(v) for v in r])
        out[t] = {"c": cols, "r": rows}
    return out


def download(sdb: ServerDB, dev: DeviceCtx, cursor: int, limit: int = 2000) -> dict[str, Any]:
    """Changes after ``cursor`` for the device's scope, one page; parents of sent rows come along."""
    with sdb.read() as conn:
        last = int(conn.execute(select(feed_counter.c.last_seq)).scalar_one())
        refs = scope_referents(conn, dev)
        vis = visible_clause(dev, refs)
        page = conn.execute(
            select(row_feed.c.table_name, row_feed.c.row_id, row_feed.c.seq)
            .where(row_feed.c.seq > cursor, row_feed.c.seq <= last, vis)
            .order_by(row_feed.c.seq)
            .limit(limit)
        ).all()
        more = len(page) >= limit
        upper = page[-1].seq if more else last
        keys: dict[str, set[str]] = defaultdict(set)
        for r in page:
            keys[r.table_name].add(r.row_id)
        leave: list[str] = []
        if refs is not None:
            events = conn.execute(
                select(scope_event)
                .where(scope_event.c.seq > cursor, scope_event.c.seq <= upper)
                .order_by(scope_event.c.seq)
            ).all()
            first: dict[str, Any] = {}
            final: dict[str, Any] = {}
            for e in events:
                first.setdefault(e.person_id, e.old_referent)
                final[e.person_id] = e.new_referent
            refset = set(refs)
            entering = [p for p in final if final[p] in refset and first[p] not in refset]
            leave = [p for p in final if first[p] in refset and final[p] not in refset]
            entering, leave = shares.adjust_download(
                conn, refs, dev.share_roles, (cursor, upper), entering, leave
            )
            if dev.role == secretariat.ROLE:  # people just seized to the EP, with their file (ADR 0041)
                _add_person_files(conn, secretariat.entering(conn, (cursor, upper)), keys, vis)
            if entering:
                _add_person_files(conn, entering, keys)
        add_parents(conn, keys, None if refs is None else vis)
        rows = rows_by_key(conn, keys)
    return {"cursor": upper, "more": more, "rows": rows, "leave": sorted(leave), "last_seq": last}


def _add_person_files(
    conn: Connection, persons: list[str], keys: dict[str, set[str]], vis: ColumnElement[bool] | None = None
) -> None:
    """The rows of these people's files (those ``vis`` lets through, when given)."""
    for i in range(0, len(persons), 200):
        chunk = persons[i : i + 200]
        stmt = select(row_feed.c.table_name, row_feed.c.row_id).where(row_feed.c.person_id.in_(chunk))
        for r in conn.execute(stmt if vis is None else stmt.where(vis)):
            keys[r.table_name].add(r.row_id)


def _visible(conn: Connection, t: str, ids: set[str], vis: ColumnElement[bool] | None) -> set[str]:
    if vis is None or t in GLOBAL_TABLES:
        return ids
    out: set[str] = set()
    id_list = sorted(ids)
    for i in range(0, len(id_list), 500):
        out.update(
            conn.execute(
                select(row_feed.c.row_id).where(
                    row_feed.c.table_name == t, row_feed.c.row_id.in_(id_list[i : i + 500]), vis
                )
            ).scalars()
        )
    return out


def add_parents(conn: Connection, keys: dict[str, set[str]], vis: ColumnElement[bool] | None = None) -> None:
    """Add the rows that sent rows reference (foreign keys), so the device can insert them in one page — only
    those visible to the device (``vis``): a reference never carries a row out of another scope."""
    frontier = {t: set(ids) for t, ids in keys.items()}
    for _ in range(4):
        needed: dict[str, set[str]] = defaultdict(set)
        for t, ids in frontier.items():
            fks = FKS.get(t) or []
            if not fks or not ids:
                continue
            table = BUSINESS[t]
            cols = [table.c[c] for c, _ in fks]
            id_list = sorted(ids)
            for i in range(0, len(id_list), 500):
                for r in conn.execute(select(*cols).where(table.c.id.in_(id_list[i : i + 500]))):
                    for (_, ref_table), value in zip(fks, r, strict=True):
                        if value and value not in keys[ref_table]:
                            needed[ref_table].add(value)
        needed = {t: kept for t, ids in needed.items() if (kept := _visible(conn, t, ids, vis))}
        if not needed:
            return
        for t, ids in needed.items():
            keys[t] |= ids
        frontier = defaultdict(set, needed)
