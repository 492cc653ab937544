"""Check and repair: per-table hashes over (id, revision) of the device's scope, the index of a table, the
rows a repair asks for; the department-wide status; marking a restored database (new epoch)."""

from __future__ import annotations

import uuid
from collections import defaultdict
from typing import Any

from sqlalchemy import Connection, and_, func, select

from app.models.sync import wire as codec
from server.engine.download import add_parents, rows_by_key
from server.engine.scope import DeviceCtx, scope_referents, visible_clause
from server.store.db import ServerDB, get_meta, lock_counter, set_meta, store_counter
from server.store.tables import BUSINESS, applied_ops, attachments, devices, feed_counter, row_feed


def scope_pairs(conn: Connection, dev: DeviceCtx, table_name: str) -> list[tuple[str, int]]:
    table = BUSINESS[table_name]
    refs = scope_referents(conn, dev)
    stmt = (
        select(table.c.id, table.c.revision)
        .join(row_feed, and_(row_feed.c.table_name == table_name, row_feed.c.row_id == table.c.id))
        .where(visible_clause(dev, refs))
    )
    return [(r[0], int(r[1])) for r in conn.execute(stmt)]


def scope_hashes(sdb: ServerDB, dev: DeviceCtx) -> dict[str, dict[str, Any]]:
    with sdb.read() as conn:
        out = {}
        for t in BUSINESS:
            pairs = scope_pairs(conn, dev, t)
            out[t] = {"count": len(pairs), "hash": codec.table_hash(pairs)}
        return out


def scope_index(sdb: ServerDB, dev: DeviceCtx, tables: list[str]) -> dict[str, list[tuple[str, int]]]:
    with sdb.read() as conn:
        return {t: scope_pairs(conn, dev, t) for t in tables if t in BUSINESS}


def fetch_rows(sdb: ServerDB, dev: DeviceCtx, wanted: dict[str, list[str]]) -> dict[str, Any]:
    """Rows asked for by a repair: visible ones in full, the others reported hidden (out of scope) or unknown."""
    with sdb.read() as conn:
        refs = scope_referents(conn, dev)
        vis = visible_clause(dev, refs)
        keys: dict[str, set[str]] = defaultdict(set)
        hidden: dict[str, list[str]] = {}
        unknown: dict[str, list[str]] = {}
        for t, ids in wanted.items():
            if t not in BUSINESS:
                continue
            ids = list(ids)[:5000]
            present = {
                r.row_id: bool(r.v)
                for r in conn.execute(
                    select(row_feed.c.row_id, vis.label("v")).where(
                        row_feed.c.table_name == t, row_feed.c.row_id.in_(ids)
                    )
                )
            }
            for rid in ids:
                if rid not in present:
                    unknown.setdefault(t, []).append(rid)
                elif present[rid]:
                    keys[t].add(rid)
                else:
                    hidden.setdefault(t, []).append(rid)
        add_parents(conn, keys, None if refs is None else vis)
        return {"rows": rows_by_key(conn, keys), "hidden": hidden, "unknown": unknown}


def global_status(sdb: ServerDB) -> dict[str, Any]:
    with sdb.read() as conn:
        tables = {}
        for t, table in BUSINESS.items():
            pairs = [(r[0], int(r[1])) for r in conn.execute(select(table.c.id, table.c.revision))]
            tables[t] = {"count": len(pairs), "hash": codec.table_hash(pairs)}
        return {
            "epoch": get_meta(conn, "epoch"),
            "last_seq": int(conn.execute(select(feed_counter.c.last_seq)).scalar_one()),
            "tables": tables,
            "devices": {
                r.status: r.n
                for r in conn.execute(
                    select(devices.c.status, func.count().label("n")).group_by(devices.c.status)
                )
            },
            "applied_ops": int(conn.execute(select(func.count()).select_from(applied_ops)).scalar_one()),
            "attachments": {
                ("complete" if r.complete else "incomplete"): {"count": int(r.n), "bytes": int(r.size or 0)}
                for r in conn.execute(
                    select(
                        attachments.c.complete,
                        func.count().label("n"),
                        func.sum(attachments.c.size).label("size"),
                    ).group_by(attachments.c.complete)
                )
            },
        }


def mark_restored(conn: Connection, min_seq: int = 0, margin: int = 0) -> str:
    """The database went back in time (backup restored): new epoch, feed counter above anything seen."""
    epoch = str(uuid.uuid4())
    set_meta(conn, "epoch", epoch)
    current = lock_counter(conn)
    store_counter(conn, max(current, min_seq) + margin)
    return epoch
