"""Check and repair: per-table hashes over (id, revision) against the server's; for differing tables, the
index, then the differing rows fetched, out-of-scope ones removed, rows the server lost queued again."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select, update

from app.models.sync import wire as codec
from app.models.tables.base import SYNC_COLUMNS
from app.models.tables.local import OutboxOp
from app.services.sync.attachments import drop_orphans
from app.services.sync.base import SyncReport
from app.services.sync.download import DownloadMixin


class RepairMixin(DownloadMixin):
    def local_hashes(self) -> dict[str, dict[str, Any]]:
        out = {}
        with self.db.read() as s:
            for name, cls in self.tables.items():
                t = cls.__table__  # type: ignore[attr-defined]
                pairs = [(r[0], int(r[1])) for r in s.execute(select(t.c.id, t.c.revision))]
                out[name] = {"count": len(pairs), "hash": codec.table_hash(pairs)}
        return out

    def _check_and_repair(self, report: SyncReport) -> bool:
        """Compare per-table hashes; repair differing rows. True when ops were queued (upload again).

        Three database steps around the HTTP calls: hashes, the rows to fetch, then the repair itself in one
        transaction — skipped (True: upload, download and check again) if ops were written meanwhile."""
        if self.local(self.pending_count):
            return False
        server = self._post("check", {})["tables"]
        local = self.local(self.local_hashes)
        bad = [t for t in self.tables if server.get(t, {}).get("hash") != local[t]["hash"]]
        if not bad:
            return False
        index = self._post("index", {"tables": bad})["index"]
        fetch, newer_here = self.local(self._repair_plan, bad, index)
        if not fetch:
            return False
        got = self._post("rows", {"rows": fetch})
        return bool(self.local(self._repair, got, newer_here, report, writes=True))

    def _repair_plan(
        self, bad: list[str], index: dict[str, Any]
    ) -> tuple[dict[str, list[str]], dict[str, dict[str, int]]]:
        """The rows to fetch per table, and those where this device holds a newer revision than the server."""
        fetch: dict[str, list[str]] = {}
        newer_here: dict[str, dict[str, int]] = {}
        with self.db.read() as s:
            for t in bad:
                srv = {rid: int(rev) for rid, rev in index.get(t, [])}
                table = self.tables[t].__table__  # type: ignore[attr-defined]
                mine = {r[0]: int(r[1]) for r in s.execute(select(table.c.id, table.c.revision))}
                want = [rid for rid, rev in srv.items() if mine.get(rid, -1) < rev]
                want += [rid for rid in mine if rid not in srv]
                newer = {rid: srv[rid] for rid, rev in mine.items() if rid in srv and rev > srv[rid]}
                want += list(newer)
                if want:
                    fetch[t] = want
                if newer:
                    newer_here[t] = newer
        return fetch, newer_here

    def _repair(self, got: dict[str, Any], newer_here: dict[str, dict[str, int]], report: SyncReport) -> bool:
        queued = False
        with self.db.session(remote_apply=True) as s:
            conn = s.connection()
            if conn.execute(select(OutboxOp.device_seq).limit(1)).first() is not None:
                return True  # a change was saved since the hashes: it goes first, the check comes again
            conn.exec_driver_sql("PRAGMA defer_foreign_keys = ON")
            server_rows = got.get("rows") or {}
            newer_rows: dict[str, dict[str, dict[str, Any]]] = {}
            for t, block in list(server_rows.items()):
                keep = newer_here.get(t, {})
                if not keep:
                    continue
                cols = block["c"]
                remaining = []
                for values in block["r"]:
                    d = dict(zip(cols, values, strict=True))
                    if d["id"] in keep:
                        newer_rows.setdefault(t, {})[d["id"]] = d
                    else:
                        remaining.append(values)
                block["r"] = remaining
            report.repaired += self._upsert_rows(conn, server_rows)
            # The server lost our newer version of these rows (restored backup): send the differences again.
            for t, rows_by_id in newer_rows.items():
                for rid, srv_row in rows_by_id.items():
                    mine = self._row_wire(conn, t, rid) or {}
                    diff: dict[str, Any] = {
                        k: v for k, v in mine.items() if k not in SYNC_COLUMNS and srv_row.get(k) != v
                    }
                    if mine.get("deleted_at") != srv_row.get("deleted_at"):
                        diff["deleted_at"] = mine.get("deleted_at")
                    if diff and not self.tables[t].__append_only__:
                        self._enqueue(conn, t, rid, "update", int(srv_row["revision"]), diff)
                        queued = True
                    table = self.tables[t].__table__  # type: ignore[attr-defined]
                    conn.execute(
                        update(table).where(table.c.id == rid).values(revision=int(srv_row["revision"]))
                    )
                    report.repaired += 1
            hidden = got.get("hidden") or {}
            if hidden.get("person"):
                self._leave_scope(conn, list(hidden["person"]))
            for t, ids in hidden.items():
                table = self.tables[t].__table__  # type: ignore[attr-defined]
                conn.execute(delete(table).where(table.c.id.in_(ids)))
            if hidden:
                drop_orphans(conn)
            for t, ids in (got.get("unknown") or {}).items():  # the server lost them: upload them again
                for rid in ids:
                    self._enqueue_full_row(conn, t, rid)
                    queued = True
                    report.repaired += 1
        return queued
