"""The op handlers of an upload: one function per op kind (insert / append / update / delete / purge) in
:data:`OP_HANDLERS`, the per-field merge and the duplicate search. A new kind is one function and one entry.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import and_, func, or_, select

from app.models.sync import wire as codec
from server.engine import purge as purge_ops
from server.engine.batch import Batch, FeedCounter
from server.engine.scope import APPEND_ONLY, CONVERTERS, SOURCE, SYNC_COLS, scope_referents
from server.store.db import utcnow
from server.store.tables import BUSINESS


def convert_fields(t: str, fields: dict[str, Any]) -> dict[str, Any]:
    """Wire values of ``fields`` of table ``t`` as the Python values its columns expect."""
    conv = CONVERTERS[t]
    return {k: (conv[k](v) if k in conv and v is not None else v) for k, v in fields.items()}


def find_duplicates(b: Batch, row: dict[str, Any]) -> list[str]:
    """Live people other than ``row`` with the same NIR, or the same names and birth date."""
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


#: What an op handler gets: the batch, the op's table, row id, fields and base revision, the feed counter, and
#: the result stub (``i``, ``s``) it completes.
OpHandler = Callable[[Batch, str, str, dict[str, Any], int, FeedCounter, dict[str, Any]], dict[str, Any]]


def apply_op(b: Batch, op: dict[str, Any], seq: FeedCounter) -> dict[str, Any]:
    """Apply one op (already sequenced) to the batch; returns its result entry."""
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
    b: Batch, t: str, rid: str, fields: dict[str, Any], seq: FeedCounter, res: dict[str, Any]
) -> dict[str, Any]:
    """A row the server does not know yet."""
    table = BUSINESS[t]
    dev = b.dev.id
    s = seq.next()
    row: dict[str, Any] = {c.name: None for c in table.columns}
    row.update(convert_fields(t, fields))
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
        dups = find_duplicates(b, row) if b.find_duplicates else []
        if dups:
            out["dup"] = dups
        if row.get("referent_id"):
            b.scope_events.append(
                {"seq": s, "person_id": rid, "old_referent": None, "new_referent": row["referent_id"]}
            )
    return out


def _op_insert(
    b: Batch, t: str, rid: str, fields: dict[str, Any], base: int, seq: FeedCounter, res: dict[str, Any]
) -> dict[str, Any]:
    existing = b.row(t, rid)
    if existing is None:
        return _create(b, t, rid, fields, seq, res)
    if t in APPEND_ONLY:  # re-append is idempotent
        return {**res, "st": "applied", "rev": existing["revision"]}
    # The row exists already (re-upload after a server restore): merge from base 0.
    return _merge(b, t, rid, existing, {k: v for k, v in fields.items() if k not in SYNC_COLS}, 0, seq, res)


def _op_append(
    b: Batch, t: str, rid: str, fields: dict[str, Any], base: int, seq: FeedCounter, res: dict[str, Any]
) -> dict[str, Any]:
    existing = b.row(t, rid)
    if existing is None:
        return _create(b, t, rid, fields, seq, res)
    if t in APPEND_ONLY:
        return {**res, "st": "applied", "rev": existing["revision"]}
    return _merge(b, t, rid, existing, fields, base, seq, res)


def _op_update(
    b: Batch, t: str, rid: str, fields: dict[str, Any], base: int, seq: FeedCounter, res: dict[str, Any]
) -> dict[str, Any]:
    existing = b.row(t, rid)
    if existing is None:
        return {**res, "st": "missing", "msg": "Enregistrement inconnu du serveur."}
    if t in APPEND_ONLY:
        return {**res, "st": "error", "msg": "Enregistrement en ajout seul : modification refusée."}
    return _merge(b, t, rid, existing, fields, base, seq, res)


def _op_delete(
    b: Batch, t: str, rid: str, fields: dict[str, Any], base: int, seq: FeedCounter, res: dict[str, Any]
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
        deleted_at=convert_fields(t, {"deleted_at": fields.get("deleted_at")})["deleted_at"] or utcnow(),
        revision=s,
        updated_at=utcnow(),
    )
    revs["deleted_at"] = [s, b.dev.id]
    b.put(t, row, revs, s, new=False)
    return {**res, "st": "applied", "rev": s}


def _field_revs(b: Batch, t: str, rid: str) -> dict[str, Any]:
    entry = b.feed_entry(t, rid) or {"field_revs": {"*": [0, ""]}}
    return dict(entry["field_revs"])


def _merge(
    b: Batch,
    t: str,
    rid: str,
    existing: dict[str, Any],
    fields: dict[str, Any],
    base: int,
    seq: FeedCounter,
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
    conv = convert_fields(t, fields)
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
    b: Batch, t: str, rid: str, fields: dict[str, Any], base: int, seq: FeedCounter, res: dict[str, Any]
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
