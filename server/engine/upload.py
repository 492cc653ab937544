"""Upload: apply one batch of a device's ops in one transaction (device_seq order, idempotent replays, ops held
until their document bytes are complete); each op goes through :mod:`server.engine.ops`.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from app.models.sync import wire as codec
from server.engine import attachments as blobs
from server.engine.batch import Batch, FeedCounter
from server.engine.errors import ProtocolError
from server.engine.ops import apply_op
from server.engine.scope import load_device
from server.store.db import ServerDB, lock_counter, store_counter, utcnow
from server.store.tables import applied_ops, devices


def apply_batch(sdb: ServerDB, device_id: str, ops: list[dict[str, Any]]) -> dict[str, Any]:
    """Apply one batch in one transaction. Returns per-op results and the device's next expected seq."""
    with sdb.write() as conn:
        dev = load_device(conn, device_id, lock=True)
        if dev is None or dev.status == "revoked":
            raise ProtocolError("device_revoked", "Ce poste a été révoqué.", 403)
        next_seq = int(conn.execute(select(devices.c.next_seq).where(devices.c.id == device_id)).scalar_one())
        counter = FeedCounter(lock_counter(conn))
        start = counter.value
        ids = [op.get("i") for op in ops if isinstance(op.get("i"), str)]
        known: dict[str, Any] = {}
        for i in range(0, len(ids), 500):
            for r in conn.execute(select(applied_ops).where(applied_ops.c.op_id.in_(ids[i : i + 500]))):
                known[r.op_id] = r
        needed = {sha for op in ops if (sha := blobs.referenced(op))}
        complete = blobs.complete_set(conn, needed) if needed else set()
        batch = Batch(conn, dev, ops)
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
            result = apply_op(batch, op, counter)
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
        if records:
            conn.execute(applied_ops.insert(), records)
        if counter.value != start:
            store_counter(conn, counter.value)
        conn.execute(
            devices.update().where(devices.c.id == device_id).values(next_seq=next_seq, last_seen_at=now)
        )
    return {"results": results, "next_seq": next_seq, "last_seq": counter.value}
