"""Upload: the outbox in batches (≤ 500 ops, ≤ 256 KiB compressed), document bytes first, and the server's
answer applied in one local transaction — only then are outbox rows deleted.

An op the server refuses (``error`` with a ``code``: outside the scope, reassignment rule, malformed…) goes to the
refusal queue with its reason, and is undone here so that this device keeps the server's state: the server's
values of the refused fields are put back, a refused new record is removed with what hangs off it
(:func:`~app.services.sync.conflicts.discard_rows`). Refusals the référent transmits to their team leader are
sent after the batches (``escalate``).

Reading a batch and applying an answer are database steps (:attr:`~.base.ClientBase.local`); the HTTP call
runs between them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, delete, select, update

from app.models.sync import wire as codec
from app.models.tables.local import OutboxOp, SyncState
from app.services.sync import conflicts as queue
from app.services.sync.attachments import referenced
from app.services.sync.base import (
    K_ACKED,
    MAX_BYTES,
    MAX_OPS,
    OUTBOX,
    Cancel,
    ClientBase,
    Progress,
    SyncReport,
    _Cancelled,
    _checker,
)
from app.services.sync.errors import ServerError, SyncError


class UploadMixin(ClientBase):
    def _next_batch(self) -> tuple[list[OutboxOp], bytes]:
        with self.db.read() as s:
            ops = list(s.scalars(select(OutboxOp).order_by(OutboxOp.device_seq).limit(MAX_OPS)))
        while True:
            body = codec.compress(codec.dumps({"ops": [self._wire_op(op) for op in ops]}))
            if len(body) <= MAX_BYTES or len(ops) <= 1:
                return ops, body
            ops = ops[: max(1, len(ops) // 2)]

    @staticmethod
    def _wire_op(op: OutboxOp) -> dict[str, Any]:
        return {
            "i": op.op_id,
            "s": op.device_seq,
            "t": op.table_name,
            "r": op.row_id,
            "b": op.base_revision,
            "k": op.kind,
            "f": op.changed_fields,
        }

    def _upload(self, report: SyncReport, progress: Progress, cancel: Cancel) -> None:
        total = self.local(self.pending_count)
        done = 0
        lost_blobs: set[str] = set()
        while True:
            if cancel():
                raise _Cancelled("upload")
            ops, _ = self.local(self._next_batch)
            if not ops:
                self._send_escalations()
                return
            # The bytes of referenced documents first: an op never reaches the server before them.
            shas = {sha for op in ops if (sha := referenced(op.table_name, op.changed_fields))}
            self.blobs.ensure_uploaded(shas, progress, _checker(cancel))
            resp = self._post("upload", {"ops": [self._wire_op(op) for op in ops]})
            acked = self.local(self._ack, ops, resp, report, writes=True)
            done += acked
            report.uploaded += acked
            progress("envoi", done, total)
            waiting = {
                str(r.get("sha")) for r in resp.get("results") or [] if r.get("st") == "wait_attachment"
            }
            if waiting and not waiting <= lost_blobs:
                lost_blobs |= waiting  # the server lost them (restored backup): send them again
                self.blobs.forget(waiting)
                continue
            if acked == 0:
                raise SyncError(
                    "Le serveur n'a accepté aucune opération du lot (ordre rompu) : "
                    "rien n'a été perdu, les modifications restent en attente."
                )

    def _ack(self, ops: list[OutboxOp], resp: dict[str, Any], report: SyncReport) -> int:
        """Apply the server's answer in one local transaction; only then are outbox rows deleted."""
        by_id = {op.op_id: op for op in ops}
        results = resp.get("results") or []
        acked = 0
        max_seq = 0
        with self.db.session(remote_apply=True) as s:
            conn = s.connection()
            later = self._pending_fields(conn, exclude={op.device_seq for op in ops})
            for res in results:
                op = by_id.get(res.get("i"))
                st = res.get("st")
                if op is None or st in ("gap", "wait_attachment"):
                    continue
                table = self.tables.get(op.table_name)
                if st in ("applied", "conflict") and table is not None:
                    rev = int(res.get("rev") or 0)
                    t = table.__table__  # type: ignore[attr-defined]
                    conn.execute(
                        update(t).where(t.c.id == op.row_id, t.c.revision < rev).values(revision=rev)
                    )
                    for c in res.get("c") or []:
                        report.conflicts += 1
                        self._record_conflict(conn, op, c, later)
                    if res.get("dup") or res.get("dup_msg"):
                        report.duplicates += 1
                        theirs = (
                            res.get("dup")
                            if not res.get("dup_msg")
                            else {"ids": res.get("dup") or [], "message": res["dup_msg"]}
                        )
                        self._add_conflict(conn, op, "__doublon__", None, theirs)
                elif st == "missing" and table is not None:
                    self._enqueue_full_row(conn, op.table_name, op.row_id)
                    report.repaired += 1
                elif st == "error":
                    self._refused(conn, op, res, later)
                    report.conflicts += 1
                conn.execute(delete(OUTBOX).where(OutboxOp.device_seq == op.device_seq))
                acked += 1
                max_seq = max(max_seq, op.device_seq)
            if max_seq:
                current = int(
                    conn.execute(select(SyncState.value).where(SyncState.key == K_ACKED)).scalar() or 0
                )
                self._set_state(conn, K_ACKED, str(max(current, max_seq)))
        return acked

    def _refused(
        self, conn: Connection, op: OutboxOp, res: dict[str, Any], later: dict[tuple[str, str], set[str]]
    ) -> None:
        """The server refused ``op``: into the refusal queue with its reason, then undone on this device."""
        code = res.get("code")
        reason = {"message": res.get("msg"), "code": code or "", "kind": op.kind} if code else res.get("msg")
        self._add_conflict(conn, op, queue.REFUSAL, op.changed_fields, reason)
        cls = self.tables.get(op.table_name)
        if not code or cls is None:  # an older server's error: the record stays as it is
            return
        table = cls.__table__  # type: ignore[attr-defined]
        sv = res.get("sv")
        if isinstance(sv, dict):  # the row is ours to see: the server's values come back
            pending = later.get((op.table_name, op.row_id), set())
            conv = codec.converters(table)
            values = {
                f: (conv[f](v) if f in conv and v is not None else v)
                for f, v in sv.items()
                if f in table.c and f not in pending and f != "id"
            }
            if values:
                conn.execute(update(table).where(table.c.id == op.row_id).values(values))
        elif op.kind in ("insert", "append"):  # a new record the server will not take
            queue.discard_rows(conn, op.table_name, op.row_id)

    def _send_escalations(self) -> None:
        """Refusals the référent chose to transmit to their team leader: recorded by the server."""
        op_ids = self.local(self._pending_escalations)
        if not op_ids:
            return
        try:
            self._post("escalate", {"ops": op_ids})
        except ServerError as exc:
            if exc.status != 404:  # a server without this route keeps them for later
                raise
            return
        self.local(self._mark_escalated, op_ids, writes=True)

    def _pending_escalations(self) -> list[str]:
        with self.db.read() as s:
            return list(queue.pending_escalations(s.connection())[:MAX_OPS])

    def _mark_escalated(self, op_ids: list[str]) -> None:
        with self.db.session(remote_apply=True) as s:
            queue.mark_escalated(s.connection(), op_ids)

    def _record_conflict(
        self, conn: Connection, op: OutboxOp, c: dict[str, Any], later: dict[tuple[str, str], set[str]]
    ) -> None:
        """Same field changed on both sides: the server value stays (here too), ours goes to the queue."""
        f = str(c.get("f"))
        self._add_conflict(conn, op, f, c.get("mv"), c.get("sv"))
        table = self.tables[op.table_name].__table__  # type: ignore[attr-defined]
        pending = later.get((op.table_name, op.row_id), set())
        conv = codec.converters(table)
        if f == "__deleted__":
            value = c.get("sv")
            conn.execute(
                update(table)
                .where(table.c.id == op.row_id)
                .values(deleted_at=conv["deleted_at"](value) if value else None)
            )
        elif f in table.c and f not in pending:
            value = c.get("sv")
            conn.execute(
                update(table)
                .where(table.c.id == op.row_id)
                .values({f: conv[f](value) if f in conv and value is not None else value})
            )
