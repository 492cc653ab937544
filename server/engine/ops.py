"""The op handlers of an upload: one function per op kind (insert / append / update / delete / purge / merge) in
:data:`OP_HANDLERS`, the per-field merge and the duplicate search. A new kind is one function and one entry.

:func:`apply_op` validates the op (:mod:`server.engine.validate`) and authorises it
(:mod:`server.engine.authorise`) before its handler runs: a malformed or refused op is an error result for that
op alone, recorded in the batch's audit events.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import and_, func, or_, select

from app.models.sync import wire as codec
from server.engine import merge as merge_ops
from server.engine import purge as purge_ops
from server.engine import shares
from server.engine.authorise import Refused
from server.engine.batch import Batch, FeedCounter
from server.engine.scope import APPEND_ONLY, SOURCE, SYNC_COLS
from server.engine.validate import CheckedOp, OpError, check_op
from server.store.db import utcnow
from server.store.tables import BUSINESS

DUP_ELSEWHERE_NIR = "Une personne avec ce NIR est déjà suivie ailleurs : contactez votre responsable."
DUP_ELSEWHERE_NAMES = (
    "Une personne avec les mêmes nom, prénom et date de naissance est déjà suivie ailleurs : "
    "contactez votre responsable."
)


def find_duplicates(b: Batch, row: dict[str, Any]) -> list[tuple[str, str | None, bool]]:
    """Live people other than ``row`` with the same NIR, or the same names and birth date:
    (id, référent, same NIR) each."""
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
    found = b.conn.execute(
        select(person.c.id, person.c.referent_id, person.c.nir).where(
            or_(*conds), person.c.id != row["id"], person.c.deleted_at.is_(None)
        )
    ).all()
    return sorted((r.id, r.referent_id, bool(row.get("nir")) and r.nir == row["nir"]) for r in found)


def _duplicates(b: Batch, row: dict[str, Any], out: dict[str, Any]) -> None:
    """Possible duplicates of a new person: ids only inside the device's scope, a message for the others."""
    found = find_duplicates(b, row)
    visible = [pid for pid, ref, _nir in found if b.policy.readable(ref)]
    elsewhere = [nir for _pid, ref, nir in found if not b.policy.readable(ref)]
    if visible:
        out["dup"] = visible
    if elsewhere:
        out["dup_msg"] = DUP_ELSEWHERE_NIR if any(elsewhere) else DUP_ELSEWHERE_NAMES


#: What an op handler gets: the batch, the checked op, the base revision to merge from, the feed counter, the
#: row as stored (or None), and the result stub (``i``, ``s``) it completes.
OpHandler = Callable[
    [Batch, CheckedOp, int, FeedCounter, dict[str, Any] | None, dict[str, Any]], dict[str, Any]
]


def apply_op(b: Batch, raw: dict[str, Any], seq: FeedCounter) -> dict[str, Any]:
    """Validate, authorise and apply one op (already sequenced); returns its result entry."""
    res: dict[str, Any] = {"i": raw.get("i"), "s": raw.get("s")}
    try:
        op = check_op(raw)
    except OpError as exc:
        b.refused(raw, "invalid", exc.message)
        return {**res, "st": "error", "code": "invalid", "msg": exc.message}
    existing = b.row(op.table, op.row_id)
    try:
        base = b.authoriser.check(op, existing, seq.value)
    except Refused as exc:
        b.refused(raw, exc.code, exc.message)
        out = {**res, "st": "error", "code": exc.code, "msg": exc.message}
        if existing is not None and b.authoriser.may_read(op.table, existing):
            keys = op.fields if op.kind not in ("delete", "purge", "merge") else {"deleted_at": None}
            out["sv"] = {k: codec.to_wire(existing.get(k)) for k in keys if k in existing}
        return out
    return OP_HANDLERS[op.kind](b, op, base, seq, existing, res)


def _create(b: Batch, op: CheckedOp, seq: FeedCounter, res: dict[str, Any]) -> dict[str, Any]:
    """A row the server does not know yet."""
    t, table = op.table, BUSINESS[op.table]
    dev = b.dev.id
    s = seq.next()
    row: dict[str, Any] = {c.name: None for c in table.columns}
    row.update(op.values)
    now = utcnow()
    row.update(id=op.row_id, revision=s, origin_device=dev, deleted_at=row.get("deleted_at"))
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
        message = f"Champs obligatoires manquants : {', '.join(missing)}."
        b.refused(op.fields | {"i": op.op_id, "s": op.seq, "t": t, "r": op.row_id}, "invalid", message)
        return {**res, "st": "error", "code": "invalid", "msg": message}
    b.put(t, row, {"*": [s, dev]}, s, new=True)
    out = {**res, "st": "applied", "rev": s}
    if t == "person":
        if b.find_duplicates:
            _duplicates(b, row, out)
        if row.get("referent_id"):
            b.scope_events.append(
                {"seq": s, "person_id": op.row_id, "old_referent": None, "new_referent": row["referent_id"]}
            )
    return out


def _op_insert(
    b: Batch, op: CheckedOp, base: int, seq: FeedCounter, existing: dict[str, Any] | None, res: dict[str, Any]
) -> dict[str, Any]:
    if existing is None:
        return _create(b, op, seq, res)
    if op.table in APPEND_ONLY:  # re-append is idempotent
        return {**res, "st": "applied", "rev": existing["revision"]}
    # The row exists already (re-upload after a server restore): merge from base 0.
    keep = {k: v for k, v in op.fields.items() if k not in SYNC_COLS}
    return _merge(b, op, existing, keep, 0, seq, res)


def _op_append(
    b: Batch, op: CheckedOp, base: int, seq: FeedCounter, existing: dict[str, Any] | None, res: dict[str, Any]
) -> dict[str, Any]:
    if existing is None:
        return _create(b, op, seq, res)
    if op.table in APPEND_ONLY:
        return {**res, "st": "applied", "rev": existing["revision"]}
    return _merge(b, op, existing, op.fields, base, seq, res)


def _op_update(
    b: Batch, op: CheckedOp, base: int, seq: FeedCounter, existing: dict[str, Any] | None, res: dict[str, Any]
) -> dict[str, Any]:
    if existing is None:
        return {**res, "st": "missing", "msg": "Enregistrement inconnu du serveur."}
    if op.table in APPEND_ONLY:
        return {**res, "st": "error", "msg": "Enregistrement en ajout seul : modification refusée."}
    return _merge(b, op, existing, op.fields, base, seq, res)


def _op_delete(
    b: Batch, op: CheckedOp, base: int, seq: FeedCounter, existing: dict[str, Any] | None, res: dict[str, Any]
) -> dict[str, Any]:
    if existing is None:
        return {**res, "st": "missing", "msg": "Enregistrement inconnu du serveur."}
    if op.table in APPEND_ONLY:
        return {**res, "st": "error", "msg": "Enregistrement en ajout seul : modification refusée."}
    if existing["deleted_at"] is not None:
        return {**res, "st": "applied", "rev": existing["revision"]}
    revs = _field_revs(b, op.table, op.row_id)
    s = seq.next()
    row = dict(existing)
    row.update(deleted_at=op.values.get("deleted_at") or utcnow(), revision=s, updated_at=utcnow())
    revs["deleted_at"] = [s, b.dev.id]
    b.put(op.table, row, revs, s, new=False)
    return {**res, "st": "applied", "rev": s}


def _field_revs(b: Batch, t: str, rid: str) -> dict[str, Any]:
    entry = b.feed_entry(t, rid) or {"field_revs": {"*": [0, ""]}}
    return dict(entry["field_revs"])


def _merge(
    b: Batch,
    op: CheckedOp,
    existing: dict[str, Any],
    fields: dict[str, Any],
    base: int,
    seq: FeedCounter,
    res: dict[str, Any],
) -> dict[str, Any]:
    """Per-field merge: a field conflicts only when another device changed it after ``base`` to another value."""
    t, rid, dev = op.table, op.row_id, b.dev.id
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
    columns = SOURCE[t].c
    star = revs.get("*", [0, ""])
    for f in fields:
        v = op.values[f]
        if v is None and not columns[f].nullable:
            continue  # a required column is never emptied by a merge
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
            b.reassigned(rid, s, existing.get("referent_id"), changes["referent_id"])
    return out


def _op_purge(
    b: Batch, op: CheckedOp, base: int, seq: FeedCounter, existing: dict[str, Any] | None, res: dict[str, Any]
) -> dict[str, Any]:
    """Retention purge of one person (ADR 0005): scrub and tombstone every row of the file in SQL.

    Earlier ops of the batch are written first so the scrub sees them, and the batch cache is dropped
    afterwards so later ops read the scrubbed rows, not a stale copy.
    """
    b.flush()
    raw = {"i": res["i"], "s": res["s"], "t": op.table, "r": op.row_id, "f": op.fields}
    refs = None if b.policy.write_refs is None else sorted(b.policy.write_refs)
    out = purge_ops.apply_purge_op(b.conn, b.dev.id, raw, seq.next, refs)
    if out.get("st") == "applied" and out.get(
        "rev"
    ):  # the professionals it was shared with leave it (ADR 0052)
        shares.touch_person(b.conn, op.row_id, seq.value)
    b.reload()
    return out


def _op_merge(
    b: Batch, op: CheckedOp, base: int, seq: FeedCounter, existing: dict[str, Any] | None, res: dict[str, Any]
) -> dict[str, Any]:
    """A duplicate merged into another person (ADR 0025): every row of the merged record re-pointed to the kept
    one and the record purged, in SQL, after the rows the batch holds; the cache is dropped afterwards."""
    b.flush()
    raw = {"i": res["i"], "s": res["s"], "t": op.table, "r": op.row_id, "f": op.fields}
    refs = None if b.policy.write_refs is None else sorted(b.policy.write_refs)
    out = merge_ops.apply_merge_op(b.conn, b.dev.id, raw, seq.next, refs)
    if out.get("st") == "applied" and out.get("rev"):  # shares of either record show the kept file (ADR 0052)
        for person in (op.row_id, str(op.values["into"])):
            shares.touch_person(b.conn, person, seq.value)
    b.reload()
    return out


#: One handler per op kind: a new kind is one function here and one entry.
OP_HANDLERS: dict[str, OpHandler] = {
    "insert": _op_insert,
    "append": _op_append,
    "update": _op_update,
    "delete": _op_delete,
    "purge": _op_purge,
    "merge": _op_merge,
}
