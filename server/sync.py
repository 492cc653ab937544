"""The sync engine of the server: apply an upload batch, serve the download feed, compute check hashes.

Ordering comes only from device_seq (per device, contiguous) and the feed sequence (global, gap-free, a counter
row updated in the batch transaction). The revision of a row is the feed sequence of its last change; each
field remembers the revision and device of its own last change, which is what the per-field merge needs.
"""

from __future__ import annotations

import json
import os
import signal
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, and_, bindparam, func, or_, select
from sqlalchemy.sql.elements import ColumnElement

from app.models import wire as codec
from server.db import ServerDB, get_meta, lock_counter, set_meta, store_counter, utcnow
from server.tables import (
    BUSINESS,
    applied_ops,
    devices,
    row_feed,
    scope_event,
    users,
)

SYNC_COLS = ("id", "created_at", "updated_at", "deleted_at", "revision", "origin_device")
APPEND_ONLY = frozenset(
    name
    for name, cls in __import__("app.models.base", fromlist=["synced_tables"]).synced_tables().items()
    if cls.__append_only__
)
#: Tables whose rows hang off a person through a parent row rather than a person_id column.
PARENT = {
    "appointment_event": ("appointment", "appointment_id"),
    "contract_version": ("contract", "contract_id"),
    "contract_event": ("contract", "contract_id"),
    "signature": ("contract", "contract_id"),
}
GLOBAL_TABLES = frozenset({"referent"})
CONVERTERS = {name: codec.converters(t) for name, t in BUSINESS.items()}
SOURCE = {
    name: __import__("app.models.base", fromlist=["Base"]).Base.metadata.tables[name] for name in BUSINESS
}
#: Foreign keys of the client schema (table → [(column, referenced table)]): parents sent along with children.
FKS: dict[str, list[tuple[str, str]]] = {}


def _load_fks() -> None:
    from app.models.base import Base

    for name in BUSINESS:
        FKS[name] = [
            (fk.parent.name, fk.column.table.name)
            for fk in Base.metadata.tables[name].foreign_keys
            if fk.column.table.name in BUSINESS
        ]


_load_fks()


class ProtocolError(Exception):
    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


@dataclass
class DeviceCtx:
    id: str
    user_id: str
    role: str
    referent_id: str | None
    team_id: str | None
    status: str


# --------------------------------------------------------------------------------------------- scope


def scope_referents(conn: Connection, dev: DeviceCtx) -> list[str] | None:
    """The référent ids whose caseloads the device sees; None = the whole department (admin)."""
    if dev.role == "admin":
        return None
    if dev.role == "team_leader" and dev.team_id:
        ids = (
            conn.execute(
                select(users.c.referent_id).where(
                    users.c.team_id == dev.team_id, users.c.referent_id.isnot(None)
                )
            )
            .scalars()
            .all()
        )
        return sorted(set(ids) | ({dev.referent_id} if dev.referent_id else set()))
    return [dev.referent_id] if dev.referent_id else []


def visible_clause(dev: DeviceCtx, refs: list[str] | None) -> ColumnElement[bool]:
    person = BUSINESS["person"]
    f = row_feed.c
    if refs is None:
        return or_(f.table_name.isnot(None))
    in_scope_persons = select(person.c.id).where(person.c.referent_id.in_(refs))
    scoped_households = select(person.c.household_id).where(
        person.c.referent_id.in_(refs), person.c.household_id.isnot(None)
    )
    return or_(
        f.table_name.in_(sorted(GLOBAL_TABLES)),
        and_(f.person_id.isnot(None), f.person_id.in_(in_scope_persons)),
        and_(f.table_name == "household", f.row_id.in_(scoped_households)),
        and_(
            f.person_id.is_(None),
            f.table_name.notin_([*GLOBAL_TABLES, "household"]),
            f.origin_user == dev.user_id,
        ),
    )


# --------------------------------------------------------------------------------------------- upload


class _Batch:
    """In-memory state of one upload batch: rows and feed entries loaded once, written once at the end."""

    def __init__(self, conn: Connection, dev: DeviceCtx, ops: list[dict[str, Any]]) -> None:
        self.conn = conn
        self.dev = dev
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
            self.conn.execute(
                row_feed.insert(),
                [
                    {**self.feed[k], "field_revs": json.dumps(self.feed[k]["field_revs"])}  # type: ignore[index]
                    for k in self.new_feed
                ],
            )
        if self.dirty_feed:
            stmt = (
                row_feed.update()
                .where(row_feed.c.table_name == bindparam("_t"), row_feed.c.row_id == bindparam("_r"))
                .values(seq=bindparam("seq"), person_id=bindparam("person_id"), field_revs=bindparam("fr"))
            )
            # New sequences are above every stored one: no transient clash on the unique index.
            entries = [self.feed[k] for k in self.dirty_feed]
            self.conn.execute(
                stmt,
                [
                    {
                        "_t": e["table_name"],
                        "_r": e["row_id"],
                        "seq": e["seq"],
                        "person_id": e["person_id"],  # type: ignore[index]
                        "fr": json.dumps(e["field_revs"]),
                    }
                    for e in entries  # type: ignore[index]
                ],
            )
        if self.scope_events:
            self.conn.execute(scope_event.insert(), self.scope_events)


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


def _apply_op(b: _Batch, op: dict[str, Any], seq: _Seq) -> dict[str, Any]:
    t, rid, kind = op.get("t"), op.get("r"), op.get("k")
    base = int(op.get("b") or 0)
    fields = op.get("f") or {}
    res: dict[str, Any] = {"i": op["i"], "s": op["s"]}
    if t not in BUSINESS or not isinstance(rid, str) or kind not in ("insert", "update", "delete", "append"):
        return {**res, "st": "error", "msg": "Opération invalide (table ou type inconnu)."}
    table = BUSINESS[t]
    unknown = [k for k in fields if k not in table.c or k in ("id", "revision", "origin_device")]
    if unknown or not isinstance(fields, dict):
        return {**res, "st": "error", "msg": f"Champs inconnus : {', '.join(sorted(unknown))}."}
    dev = b.dev.id
    existing = b.row(t, rid)
    append_only = t in APPEND_ONLY
    if kind in ("insert", "append") and existing is None:
        s = seq.next()
        row = {c.name: None for c in table.columns}
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
            dups = _find_duplicates(b, row)
            if dups:
                out["dup"] = dups
            if row.get("referent_id"):
                b.scope_events.append(
                    {"seq": s, "person_id": rid, "old_referent": None, "new_referent": row["referent_id"]}
                )
        return out
    if existing is None:
        return {**res, "st": "missing", "msg": "Enregistrement inconnu du serveur."}
    if append_only:
        if kind in ("insert", "append"):
            return {**res, "st": "applied", "rev": existing["revision"]}
        return {**res, "st": "error", "msg": "Enregistrement en ajout seul : modification refusée."}
    entry = b.feed_entry(t, rid) or {"field_revs": {"*": [0, ""]}}
    revs: dict[str, Any] = dict(entry["field_revs"])
    if kind == "delete":
        if existing["deleted_at"] is not None:
            return {**res, "st": "applied", "rev": existing["revision"]}
        s = seq.next()
        row = dict(existing)
        row.update(
            deleted_at=_convert(t, {"deleted_at": fields.get("deleted_at")})["deleted_at"] or utcnow(),
            revision=s,
            updated_at=utcnow(),
        )
        revs["deleted_at"] = [s, dev]
        b.put(t, row, revs, s, new=False)
        return {**res, "st": "applied", "rev": s}
    if kind == "insert":  # the row exists already (re-upload after a server restore): merge from base 0
        base = 0
        fields = {k: v for k, v in fields.items() if k not in SYNC_COLS}
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


def load_device(conn: Connection, device_id: str, *, lock: bool = False) -> DeviceCtx | None:
    stmt = (
        select(
            devices.c.id,
            devices.c.user_id,
            devices.c.status,
            users.c.role,
            users.c.referent_id,
            users.c.team_id,
        )
        .join(users, users.c.id == devices.c.user_id)
        .where(devices.c.id == device_id)
    )
    if lock and conn.dialect.name == "postgresql":
        stmt = stmt.with_for_update(of=devices)
    row = conn.execute(stmt).first()
    if row is None:
        return None
    return DeviceCtx(
        id=row.id,
        user_id=row.user_id,
        role=row.role,
        referent_id=row.referent_id,
        team_id=row.team_id,
        status=row.status,
    )


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
        from server import attachments as blobs  # imports this module

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


# --------------------------------------------------------------------------------------------- download


def _fetch_rows(conn: Connection, keys: dict[str, set[str]]) -> dict[str, dict[str, Any]]:
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
        from server.tables import feed_counter

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
            if entering:
                _add_person_files(conn, entering, keys)
        _add_parents(conn, keys)
        rows = _fetch_rows(conn, keys)
    return {"cursor": upper, "more": more, "rows": rows, "leave": sorted(leave), "last_seq": last}


def _add_person_files(conn: Connection, persons: list[str], keys: dict[str, set[str]]) -> None:
    for i in range(0, len(persons), 200):
        chunk = persons[i : i + 200]
        for r in conn.execute(
            select(row_feed.c.table_name, row_feed.c.row_id).where(row_feed.c.person_id.in_(chunk))
        ):
            keys[r.table_name].add(r.row_id)


def _add_parents(conn: Connection, keys: dict[str, set[str]]) -> None:
    """Add the rows that sent rows reference (foreign keys), so the device can insert them in one page."""
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
        if not needed:
            return
        for t, ids in needed.items():
            keys[t] |= ids
        frontier = needed


# --------------------------------------------------------------------------------------------- check


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
        _add_parents(conn, keys)
        return {"rows": _fetch_rows(conn, keys), "hidden": hidden, "unknown": unknown}


def global_status(sdb: ServerDB) -> dict[str, Any]:
    from server.tables import feed_counter

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
        }


def mark_restored(conn: Connection, min_seq: int = 0, margin: int = 0) -> str:
    """The database went back in time (backup restored): new epoch, feed counter above anything seen."""
    import uuid

    epoch = str(uuid.uuid4())
    set_meta(conn, "epoch", epoch)
    current = lock_counter(conn)
    store_counter(conn, max(current, min_seq) + margin)
    return epoch
