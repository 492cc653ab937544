"""Upload: apply one batch of a device's ops in one transaction (device_seq order, idempotent replays, ops held
until their document bytes are complete); each op goes through :mod:`server.engine.ops`.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Connection, select

from app.models.sync import wire as codec
from server.engine import attachments as blobs
from server.engine.batch import Batch, FeedCounter
from server.engine.errors import ProtocolError
from server.engine.ops import apply_op
from server.engine.scope import load_device
from server.engine.validate import sequence_of
from server.store.db import ServerDB, lock_counter, store_counter, utcnow
from server.store.tables import applied_ops, devices

SAME_ID_OTHER_PAYLOAD = (
    "Le même identifiant d'opération a déjà été reçu avec un contenu différent : opération refusée."
)


def _error(op: Any, message: str, **extra: Any) -> dict[str, Any]:
    op = op if isinstance(op, dict) else {}
    return {"i": op.get("i"), "s": op.get("s"), "st": "error", "msg": message, **extra}


def _known_ops(conn: Connection, ops: list[Any]) -> dict[str, Any]:
    ids = [placed[0] for op in ops if (placed := sequence_of(op))]
    known: dict[str, Any] = {}
    for i in range(0, len(ids), 500):
        for r in conn.execute(select(applied_ops).where(applied_ops.c.op_id.in_(ids[i : i + 500]))):
            known[r.op_id] = r
    return known


def apply_batch(sdb: ServerDB, device_id: str, ops: list[Any], *, address: str = "") -> dict[str, Any]:
    """Apply one batch in one transaction. Returns per-op results and the device's next expected seq.

    Every op is placed by its device seq, then validated and authorised on its own: a malformed or refused op
    gets an error result (its seq is consumed, the refusal is in the audit log) and the batch goes on."""
    with sdb.write() as conn:
        dev = load_device(conn, device_id, lock=True)
        if dev is None or dev.status == "revoked":
            raise ProtocolError("device_revoked", "Ce poste a été révoqué.", 403)
        next_seq = int(conn.execute(select(devices.c.next_seq).where(devices.c.id == device_id)).scalar_one())
        counter = FeedCounter(lock_counter(conn))
        start = counter.value
        known = _known_ops(conn, ops)
        batch = Batch(conn, dev, ops, address=address)
        needed = {sha for op in ops if (sha := blobs.referenced(op))}
        usable = blobs.usable_set(conn, dev, needed) if needed else set()
        results: list[dict[str, Any]] = []
        records: list[dict[str, Any]] = []
        now = utcnow()
        for idx, op in enumerate(ops):
            placed = sequence_of(op)
            if placed is None:
                results.append(_error(op, "Opération mal formée : identifiant ou numéro d'ordre invalide."))
                continue
            op_id, s = placed
            ph = codec.payload_hash(op)
            prior = known.get(op_id)
            if prior is not None:
                if prior.payload_hash == ph and prior.device_id == device_id:
                    results.append({**json.loads(prior.result), "replay": True})
                else:
                    if s == next_seq:
                        next_seq += 1
                    results.append(_error(op, SAME_ID_OTHER_PAYLOAD))
                continue
            if s < next_seq:
                results.append(_error(op, "Numéro d'ordre déjà utilisé par une autre opération de ce poste."))
                continue
            if s > next_seq:
                for rest in ops[idx:]:
                    results.append(
                        {"i": rest.get("i"), "s": rest.get("s"), "st": "gap", "expected": next_seq}
                    )
                break
            sha = blobs.referenced(op)
            if sha is not None and sha not in usable:
                # Its document bytes are not all here (from this device) yet: this op and the following wait.
                for rest in ops[idx:]:
                    results.append(
                        {"i": rest.get("i"), "s": rest.get("s"), "st": "wait_attachment", "sha": sha}
                    )
                break
            result = apply_op(batch, op, counter)
            records.append(
                {"op_id": op_id, "device_id": device_id, "device_seq": s, "payload_hash": ph,
                 "result": json.dumps(result), "applied_at": now}
            )  # fmt: skip
            known[op_id] = None
            results.append(result)
            next_seq += 1
        batch.flush()
        if records:
            conn.execute(applied_ops.insert(), records)
        if counter.value != start:
            store_counter(conn, counter.value)
        conn.execute(
            devices.update().where(devices.c.id == device_id).values(next_seq=next_seq, last_seen_at=now)
        )
    return {"results": results, "next_seq": next_seq, "last_seq": counter.value}
