"""Upload: apply one batch of a device's ops in one transaction (device_seq order, idempotent replays, per-field
merge, conflicts, duplicates, ops held until their document bytes are complete).

Each op kind has its own handler in :data:`OP_HANDLERS` (insert / append / update / delete): a new kind is one
new function and one entry there.
"""

from __future__ import annotations

import json
import os
import signal
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection, and_, bindparam, func, or_, select

from app.models.sync import wire as codec
from server.engine import attachments as blobs
from server.engine import purge as purge_ops
from server.engine.scope import (
    APPEND_ONLY,
    CONVERTERS,
    PARENT,
    SOURCE,
    SYNC_COLS,
    DeviceCtx,
    ProtocolError,
    load_device,
    scope_referents,
)
from server.store.db import ServerDB, lock_counter, store_counter, utcnow
from server.store.tables import BUSINESS, applied_ops, devices, row_feed, scope_event


class _Batch:
    """In-memory state of one upload batch: rows and feed entries loaded once, written once at the end."""

    def __init__(
        self, conn: Connection, dev: DeviceCtx, ops: list[dict[str, Any]], *, find_duplicates: bool = True
    ) -> None:
        """``find_duplicates=False`` skips the per-person duplicate search on creation (one query each): for a
        writer that has already matched every row against the whole base, the server's orientation import."""
        self.conn = conn
        self.dev = dev
        self.find_duplicates = find_duplicates
        self.rows: dict[tuple[str, str], dict[str, Any] | None] = {}
        self.feed: dict[tuple[str, str], dict[str, Any] | None] = {}
        self.new_rows: set[tuple[str, str]] = set()
        self.dirty_rows: set[tuple[str, str]] = set()
        self.new_feed: set[tuple[str, str]] = set()
        self.dirty_feed: set[tuple[str, str]] = set()
        self.scope_events: list[dict[str, Any]] = []
        wanted: dict[str, set[str]] = defaultdict(set)
        for op in ops:
            t = op.get("t")
            if t in BUSINESS and isinstance(op.get("r"), str):
                wanted[t].add(op["r"])
                parent = PARENT.get(t)
                fields = op.get("f") or {}
                if parent and isinstance(fields.get(parent[1]), str):
                    wanted[parent[0]].add(fields[parent[1]])
        self._preload(wanted)

    def _preload(self, wanted: dict[str, set[str]]) -> None:
        for t, ids in wanted.items():
            table = BUSINESS[t]
            id_list = sorted(ids)
            for i in range(0, len(id_list), 500):
                chunk = id_list[i : i + 500]
                for row in self.conn.execute(select(table).where(table.c.id.in_(chunk))).mappings():
                    self.rows[(t, row["id"])] = dict(row)
                for fr in self.conn.execute(
                    select(row_feed).where(row_feed.c.table_name == t, row_feed.c.row_id.in_(chunk))
                ).mappings():
                    d = dict(fr)
                    d["field_revs"] = json.loads(d["field_revs"])
                    self.feed[(t, fr["row_id"])] = d
            for rid in ids:
                self.rows.setdefault((t, rid), None)
                self.feed.setdefault((t, rid), None)

    def row(self, t: str, rid: str) -> dict[str, Any] | None:
        key = (t, rid)
        if key not in self.rows:
            self._preload({t: {rid}})
        return self.rows[key]

    def feed_entry(self, t: str, rid: str) -> dict[str, Any] | None:
        key = (t, rid)
        if key not in self.feed:
            self._preload({t: {rid}})
        return self.feed[key]

    def person_of(self, t: str, row: dict[str, Any]) -> str | None:
        if t == "person":
            return str(row["id"])
        if "person_id" in row:
            return row["person_id"]
        parent = PARENT.get(t)
        if parent:
            pid = row.get(parent[1])
            if pid:
                entry = self.feed_entry(parent[0], pid)
                return entry["person_id"] if entry else None
        return None

    def put(self, t: str, row: dict[str, Any], revs: dict[str, Any], seq: int, *, new: bool) -> None:
        key = (t, row["id"])
        self.rows[key] = row
        if new:
            self.new_rows.add(key)
        elif key not in self.new_rows:
            self.dirty_rows.add(key)
        entry = self.feed.get(key)
        person_id = self.person_of(t, row)
        if entry is None:
            self.feed[key] = {
                "table_name": t,
                "row_id": row["id"],
                "seq": seq,
                "person_id": person_id,
                "origin_user": self.dev.user_id,
                "field_revs": revs,
            }
            self.new_feed.add(key)
        else:
            entry.update(seq=seq, person_id=person_id, field_revs=revs)
            if key not in self.new_feed:
                self.dirty_feed.add(key)

    def flush(self) -> None:
        """Write what the batch changed so far. Idempotent: a handler that must see the database as it is
        (e.g. an op kind working with SQL on many rows) flushes first, then calls :meth:`reload`."""
        by_table_new: dict[str, list[dict[str, Any]]] = defaultdict(list)
        by_table_dirty: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for t, rid in self.new_rows:
            by_table_new[t].append(self.rows[(t, rid)])  # type: ignore[arg-type]
        for t, rid in self.dirty_rows:
            by_table_dirty[t].append(self.rows[(t, rid)])  # type: ignore[arg-type]
        for t, rows in by_table_new.items():
            self.conn.execute(BUSINESS[t].insert(), rows)
        for t, rows in by_table_dirty.items():
            table = BUSINESS[t]
            cols = [c.name for c in table.columns if c.name != "id"]
            stmt = (
                table.update().where(table.c.id == bindparam("_id")).values({c: bindparam(c) for c in cols})
            )
            self.conn.execute(stmt, [{**{c: r[c] for c in cols}, "_id": r["id"]} for r in rows])
        if self.new_feed:
            created = [e for k in self.new_feed if (e := self.feed[k]) is not None]
            self.conn.execute(
                row_feed.insert(), [{**e, "field_revs": json.dumps(e["field_revs"])} for e in created]
            )
        if self.dirty_feed:
            stmt = (
                row_feed.update()
                .where(row_feed.c.table_name == bindparam("_t"), row_feed.c.row_id == bindparam("_r"))
                .values(seq=bindparam("seq"), person_id=bindparam("person_id"), field_revs=bindparam("fr"))
            )
            # New sequences are above every stored one: no transient clash on the unique index.
            entries = [e for k in self.dirty_feed if (e := self.feed[k]) is not None]
            self.conn.execute(
                stmt,
                [
                    {
                        "_t": e["table_name"],
                        "_r": e["row_id"],
                        "seq": e["seq"],
                        "person_id": e["person_id"],
                        "fr": json.dumps(e["field_revs"]),
                    }
                    for e in entries
                ],
            )
        if self.scope_events:
            self.conn.execute(scope_event.insert(), self.scope_events)
        for pending in (self.new_rows, self.dirty_rows, self.new_feed, self.dirty_feed):
            pending.clear()
        self.scope_events = []

    def reload(self) -> None:
        """Forget the cached rows and feed entries (after :meth:`flush`): later ops read them again."""
        self.rows.clear()
        self.feed.clear()


def _convert(t: str, fields: dict[str, Any]) -> dict[str, Any]:
    conv = CONVERTERS[t]
    return {k: (conv[k](v) if k in conv and v is not None else v) for k, v in fields.items()}


def _find_duplicates(b: _Batch, row: dict[str, Any]) -> list[str]:
    person = BUSINESS["person"]
    conds = []
    if row.get("nir"):
        conds.append(person.c.nir == row["nir"])
    if row.get("birth_date") and row.get("last_name") and row.get("first_name"):
        conds.append(
            and_(
                func.lower(person.c.last_name) == str(row["last_name"]).lower(),
                func.lower(person.c.first_name) == str(row["first_name"]).lower(),
                person.c.birth_date == row["birth_date"],
            )
        )
    if not conds:
        return []
    found = (
        b.conn.execute(
            select(person.c.id).where(or_(*conds), person.c.id != row["id"], person.c.deleted_at.is_(None))
        )
        .scalars()
        .all()
    )
    return sorted(found)


class _Seq:
    def __init__(self, value: int) -> None:
        self.value = value

    def next(self) -> int:
        self.value += 1
        return self.value


#: What an op handler gets: the batch, the op's table, row id, fields and base revision, the feed counter, and
#: the result stub (``i``, ``s``) it completes.
OpHandler = Callable[["_Batch", str, str, dict[str, Any], int, "_Seq", dict[str, Any]], dict[str, Any]]


def _apply_op(b: _Batch, op: dict[str, Any], seq: _Seq) -> dict[str, Any]:
    t, rid, kind = op.get("t"), op.get("r"), op.get("k")
    fields = op.get("f") or {}
    res: dict[str, Any] = {"i": op["i"], "s": op["s"]}
    handler = OP_HANDLERS.get(str(kind))
    if t not in BUSINESS or not isinstance(rid, str) or handler is None:
        return {**res, "st": "error", "msg": "Opération invalide (table ou type inconnu)."}
    table = BUSINESS[t]
    unknown = [k for k in fields if k not in table.c or k in ("id", "revision", "origin_device")]
    if unknown or not isinstance(fields, dict):
        return {**res, "st": "error", "msg": f"Champs inconnus : {', '.join(sorted(unknown))}."}
    return handler(b, t, rid, fields, int(op.get("b") or 0), seq, res)


def _create(
    b: _Batch, t: str, rid: str, fields: dict[str, Any], seq: _Seq, res: dict[str, Any]
) -> dict[str, Any]:
    """A row the server does not know yet."""
    table = BUSINESS[t]
    dev = b.dev.id
    s = seq.next()
    row: dict[str, Any] = {c.name: None for c in table.columns}
    row.update(_convert(t, fields))
    now = utcnow()
    row.update(id=rid, revision=s, origin_device=dev, deleted_at=row.get("deleted_at"))
    row["created_at"] = row.get("created_at") or now
    row["updated_at"] = row.get("updated_at") or row["created_at"]
    missing = []
    for c in SOURCE[t].columns:
        if row.get(c.name) is None and not c.nullable:
            if c.default is not None and c.default.is_scalar:
                row[c.name] = c.default.arg  # type: ignore[attr-defined]
            else:
                missing.append(c.name)
    if missing:
        seq.value -= 1
        return {**res, "st": "error", "msg": f"Champs obligatoires manquants : {', '.join(missing)}."}
    b.put(t, row, {"*": [s, dev]}, s, new=True)
    out = {**res, "st": "applied", "rev": s}
    if t == "person":
        dups = _find_duplicates(b, row) if b.find_duplicates else []
        if dups:
            out["dup"] = dups
        if row.get("referent_id"):
            b.scope_events.append(
                {"seq": s, "person_id": rid, "old_referent": None, "new_referent": row["referent_id"]}
            )
    return out


def _op_insert(
    b: _Batch, t: str, rid: str, fields: dict[str, Any], base: int, seq: _Seq, res: dict[str, Any]
) -> dict[str, Any]:
    existing = b.row(t, rid)
    if existing is None:
        return _create(b, t, rid, fields, seq, res)
    if t in APPEND_ONLY:  # re-append is idempotent
        return {**res, "st": "applied", "rev": existing["revision"]}
    # The row exists already (re-upload after a server restore): merge from base 0.
    return _merge(b, t, rid, existing, {k: v for k, v in fields.items() if k not in SYNC_COLS}, 0, seq, res)


def _op_append(
    b: _Batch, t: str, rid: str, fields: dict[str, Any], base: int, seq: _Seq, res: dict[str, Any]
) -> dict[str, Any]:
    existing = b.row(t, rid)
    if existing is None:
        return _create(b, t, rid, fields, seq, res)
    if t in APPEND_ONLY:
        return {**res, "st": "applied", "rev": existing["revision"]}
    return _merge(b, t, rid, existing, fields, base, seq, res)


def _op_update(
    b: _Batch, t: str, rid: str, fields: dict[str, Any], base: int, seq: _Seq, res: dict[str, Any]
) -> dict[str, Any]:
    existing = b.row(t, rid)
    if existing is None:
        return {**res, "st": "missing", "msg": "Enregistrement inconnu du serveur."}
    if t in APPEND_ONLY:
        return {**res, "st": "error", "msg": "Enregistrement en ajout seul : modification refusée."}
    return _merge(b, t, rid, existing, fields, base, seq, res)


def _op_delete(
    b: _Batch, t: str, rid: str, fields: dict[str, Any], base: int, seq: _Seq, res: dict[str, Any]
) -> dict[str, Any]:
    existing = b.row(t, rid)
    if existing is None:
        return {**res, "st": "missing", "msg": "Enregistrement inconnu du serveur."}
    if t in APPEND_ONLY:
        return {**res, "st": "error", "msg": "Enregistrement en ajout seul : modification refusée."}
    if existing["deleted_at"] is not None:
        return {**res, "st": "applied", "rev": existing["revision"]}
    revs = _field_revs(b, t, rid)
    s = seq.next()
    row = dict(existing)
    row.update(
        deleted_at=_convert(t, {"deleted_at": fields.get("deleted_at")})["deleted_at"] or utcnow(),
        revision=s,
        updated_at=utcnow(),
    )
    revs["deleted_at"] = [s, b.dev.id]
    b.put(t, row, revs, s, new=False)
    return {**res, "st": "applied", "rev": s}


def _field_revs(b: _Batch, t: str, rid: str) -> dict[str, Any]:
    entry = b.feed_entry(t, rid) or {"field_revs": {"*": [0, ""]}}
    return dict(entry["field_revs"])


def _merge(
    b: _Batch,
    t: str,
    rid: str,
    existing: dict[str, Any],
    fields: dict[str, Any],
    base: int,
    seq: _Seq,
    res: dict[str, Any],
) -> dict[str, Any]:
    """Per-field merge: a field conflicts only when another device changed it after ``base`` to another value."""
    dev = b.dev.id
    revs = _field_revs(b, t, rid)
    if existing["deleted_at"] is not None and fields.get("deleted_at", existing["deleted_at"]) is not None:
        return {
            **res,
            "st": "conflict",
            "rev": existing["revision"],
            "c": [{"f": "__deleted__", "sv": codec.to_wire(existing["deleted_at"]), "mv": fields}],
        }
    conflicts = []
    changes: dict[str, Any] = {}
    conv = _convert(t, fields)
    star = revs.get("*", [0, ""])
    for f, v in conv.items():
        current = existing.get(f)
        if codec.to_wire(current) == codec.to_wire(v):
            continue
        last = revs.get(f, star)
        if last[0] > base and last[1] != dev:
            conflicts.append({"f": f, "sv": codec.to_wire(current), "mv": fields[f]})
            continue
        changes[f] = v
    out: dict[str, Any] = {**res, "st": "conflict" if conflicts else "applied", "rev": existing["revision"]}
    if conflicts:
        out["c"] = conflicts
    if changes:
        s = seq.next()
        row = dict(existing)
        row.update(changes)
        row.update(revision=s, updated_at=utcnow())
        for f in changes:
            revs[f] = [s, dev]
        b.put(t, row, revs, s, new=False)
        out["rev"] = s
        if (
            t == "person"
            and "referent_id" in changes
            and existing.get("referent_id") != changes["referent_id"]
        ):
            b.scope_events.append(
                {
                    "seq": s,
                    "person_id": rid,
                    "old_referent": existing.get("referent_id"),
                    "new_referent": changes["referent_id"],
                }
            )
    return out


def _op_purge(
    b: _Batch, t: str, rid: str, fields: dict[str, Any], base: int, seq: _Seq, res: dict[str, Any]
) -> dict[str, Any]:
    """Retention purge of one person (ADR 0005): scrub and tombstone every row of the file in SQL.

    Earlier ops of the batch are written first so the scrub sees them, and the batch cache is dropped
    afterwards so later ops read the scrubbed rows, not a stale copy.
    """
    b.flush()
    op = {"i": res["i"], "s": res["s"], "t": t, "r": rid, "f": fields}
    out = purge_ops.apply_purge_op(b.conn, b.dev.id, op, seq.next, scope_referents(b.conn, b.dev))
    b.reload()
    return out


#: One handler per op kind: a new kind is one function here and one entry.
OP_HANDLERS: dict[str, OpHandler] = {
    "insert": _op_insert,
    "append": _op_append,
    "update": _op_update,
    "delete": _op_delete,
    "purge": _op_purge,
}


def apply_batch(sdb: ServerDB, device_id: str, ops: list[dict[str, Any]]) -> dict[str, Any]:
    """Apply one batch in one transaction. Returns per-op results and the device's next expected seq."""
    with sdb.write() as conn:
        dev = load_device(conn, device_id, lock=True)
        if dev is None or dev.status == "revoked":
            raise ProtocolError("device_revoked", "Ce poste a été révoqué.", 403)
        next_seq = int(conn.execute(select(devices.c.next_seq).where(devices.c.id == device_id)).scalar_one())
        counter = _Seq(lock_counter(conn))
        start = counter.value
        ids = [op.get("i") for op in ops if isinstance(op.get("i"), str)]
        known: dict[str, Any] = {}
        for i in range(0, len(ids), 500):
            for r in conn.execute(select(applied_ops).where(applied_ops.c.op_id.in_(ids[i : i + 500]))):
                known[r.op_id] = r
        needed = {sha for op in ops if (sha := blobs.referenced(op))}
        complete = blobs.complete_set(conn, needed) if needed else set()
        batch = _Batch(conn, dev, ops)
        results: list[dict[str, Any]] = []
        records: list[dict[str, Any]] = []
        now = utcnow()
        for idx, op in enumerate(ops):
            op_id, s = op.get("i"), op.get("s")
            if not isinstance(op_id, str) or not isinstance(s, int):
                results.append({"i": op_id, "s": s, "st": "error", "msg": "Opération mal formée."})
                continue
            ph = codec.payload_hash(op)
            prior = known.get(op_id)
            if prior is not None:
                if prior.payload_hash == ph and prior.device_id == device_id:
                    results.append({**json.loads(prior.result), "replay": True})
                else:
                    if s == next_seq:
                        next_seq += 1
                    results.append(
                        {
                            "i": op_id,
                            "s": s,
                            "st": "error",
                            "msg": (
                                "Le même identifiant d'opération a déjà été reçu avec un contenu différent : "
                                "opération refusée."
                            ),
                        }
                    )
                continue
            if s < next_seq:
                results.append(
                    {
                        "i": op_id,
                        "s": s,
                        "st": "error",
                        "msg": "Numéro d'ordre déjà utilisé par une autre opération de ce poste.",
                    }
                )
                continue
            if s > next_seq:
                for rest in ops[idx:]:
                    results.append(
                        {"i": rest.get("i"), "s": rest.get("s"), "st": "gap", "expected": next_seq}
                    )
                break
            sha = blobs.referenced(op)
            if sha is not None and sha not in complete:
                # Its document bytes are not all here yet: this op and the following ones wait.
                for rest in ops[idx:]:
                    results.append(
                        {"i": rest.get("i"), "s": rest.get("s"), "st": "wait_attachment", "sha": sha}
                    )
                break
            result = _apply_op(batch, op, counter)
            records.append(
                {
                    "op_id": op_id,
                    "device_id": device_id,
                    "device_seq": s,
                    "payload_hash": ph,
                    "result": json.dumps(result),
                    "applied_at": now,
                }
            )
            known[op_id] = None
            results.append(result)
            next_seq += 1
        batch.flush()
        if os.environ.get("FIL_ROUGE_TEST_FAULT") == "kill_mid_batch":  # fault tests only
            os.kill(os.getpid(), signal.SIGKILL)
        if records:
            conn.execute(applied_ops.insert(), records)
        if counter.value != start:
            store_counter(conn, counter.value)
        conn.execute(
            devices.update().where(devices.c.id == device_id).values(next_seq=next_seq, last_seen_at=now)
        )
    return {"results": results, "next_seq": next_seq, "last_seq": counter.value}
