"""Download: feed pages after the cursor, each applied with its cursor in one local transaction (Core bulk
upserts, our values kept for fields with pending ops); people who left the scope are removed once their
ops are uploaded, and document bytes no live document uses any more leave the vault. Each page is one
database step (:attr:`~.base.ClientBase.local`): the next page is asked for once it is committed."""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

from sqlalchemy import Connection, delete, select, update
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from app.models.sync import wire as codec
from app.models.tables.local import SyncState
from app.services.storage.hygiene import clean_values
from app.services.storage.merging import follow_merges
from app.services.sync.attachments import drop_orphans
from app.services.sync.base import (
    K_CURSOR,
    K_LEAVE,
    PAGE,
    PARENT,
    Cancel,
    ClientBase,
    Progress,
    SyncReport,
    _Cancelled,
    log,
)


class DownloadMixin(ClientBase):
    def _download(self, report: SyncReport, progress: Progress, cancel: Cancel) -> None:
        progress("réception", report.downloaded, None)  # waiting for the first page: say so
        while True:
            if cancel():
                raise _Cancelled("download")
            cursor = int(self.local(self.state, K_CURSOR, "0") or 0)
            page = self._post("download", {"cursor": cursor, "limit": PAGE})
            n = self.local(self.apply_page, page, writes=True)
            report.downloaded += n
            report.left_scope += len(page.get("leave") or [])
            progress("réception", report.downloaded, None)
            if not page.get("more"):
                self.local(self._drop_orphan_blobs, writes=True)
                self.local(self._follow_merges, writes=True)
                return

    def _follow_merges(self) -> None:
        """A row added offline to a record merged since (on another device) joins the person kept; one more
        ``merge`` op makes the département do the same (ADR 0025). Sent at the next sync."""
        with self.db.session() as s:
            moved = follow_merges(s)
        if moved:
            log.info("%d row(s) of merged records re-pointed after download", moved)

    def _drop_orphan_blobs(self) -> None:
        """Once the feed is applied: bytes of documents tombstoned on the server (a person purged on another
        device, ADR 0005) leave the vault, with the chunks of their unfinished downloads."""
        with self.db.session(remote_apply=True) as s:
            removed = drop_orphans(s.connection())
        if removed:
            log.info("%d document blob(s) no live document uses were removed", removed)

    def apply_page(self, page: dict[str, Any]) -> int:
        """Apply one downloaded page and its cursor in one local transaction (Core bulk upserts)."""
        rows = page.get("rows") or {}
        count = 0
        with self.db.session(remote_apply=True) as s:
            conn = s.connection()
            conn.exec_driver_sql("PRAGMA defer_foreign_keys = ON")
            count = self._upsert_rows(conn, rows)
            leave = list(page.get("leave") or [])
            prior = json.loads(
                conn.execute(select(SyncState.value).where(SyncState.key == K_LEAVE)).scalar() or "[]"
            )
            if leave or prior:
                kept = self._leave_scope(conn, sorted(set(prior) | set(leave)))
                self._set_state(conn, K_LEAVE, json.dumps(kept))
            self._set_state(conn, K_CURSOR, str(int(page["cursor"])))
        return count

    def _upsert_rows(self, conn: Connection, rows: dict[str, Any]) -> int:
        pending = self._pending_fields(conn) if rows else {}
        count = 0
        for name, cls in self.tables.items():
            block = rows.get(name)
            if not block:
                continue
            table = cls.__table__  # type: ignore[attr-defined]
            cols = list(block["c"])
            conv = codec.converters(table)
            conv_list = [conv.get(c) for c in cols]
            plain: list[dict[str, Any]] = []
            for values in block["r"]:
                d = clean_values(  # text hygiene of what the server sends, as for every local write
                    cls,
                    {
                        c: (f(v) if f is not None and v is not None else v)
                        for c, f, v in zip(cols, conv_list, values, strict=True)
                    },
                )
                keep = pending.get((name, d["id"]))
                if keep:  # local edits not yet acknowledged: keep our values of those fields
                    exists = conn.execute(select(table.c.id).where(table.c.id == d["id"])).first()
                    if exists:
                        upd = {k: v for k, v in d.items() if k not in keep and k != "id"}
                        conn.execute(update(table).where(table.c.id == d["id"]).values(upd))
                        count += 1
                        continue
                plain.append(d)
            if plain:
                stmt = sqlite_insert(table)
                stmt = stmt.on_conflict_do_update(
                    index_elements=["id"], set_={c: stmt.excluded[c] for c in cols if c != "id"}
                )
                conn.execute(stmt, plain)
                count += len(plain)
        return count

    def _leave_scope(self, conn: Connection, persons: list[str]) -> list[str]:
        """Remove people reassigned away (and everything hanging off them) once their ops are uploaded."""
        if not persons:
            return []
        pending = self._pending_fields(conn)
        person_rows = self._person_rows(conn, persons)
        kept = []
        for pid in persons:
            if any((t, rid) in pending for t, rid in person_rows.get(pid, [])):
                kept.append(pid)
        gone = [p for p in persons if p not in kept]
        if gone:
            person_table = self.tables["person"].__table__  # type: ignore[attr-defined]
            households = set(
                conn.execute(select(person_table.c.household_id).where(person_table.c.id.in_(gone))).scalars()
            )
            by_table: dict[str, list[str]] = defaultdict(list)
            for pid in gone:
                for t, rid in person_rows.get(pid, []):
                    by_table[t].append(rid)
            for name in reversed(list(self.tables)):
                ids = by_table.get(name)
                if ids:
                    t = self.tables[name].__table__  # type: ignore[attr-defined]
                    for i in range(0, len(ids), 500):
                        conn.execute(delete(t).where(t.c.id.in_(ids[i : i + 500])))
            person = self.tables["person"].__table__  # type: ignore[attr-defined]
            household = self.tables["household"].__table__  # type: ignore[attr-defined]
            for hid in households - {None}:
                if conn.execute(select(person.c.id).where(person.c.household_id == hid)).first() is None:
                    conn.execute(delete(household).where(household.c.id == hid))
            drop_orphans(conn)  # their documents' bytes leave with them
        return kept

    def _person_rows(self, conn: Connection, persons: list[str]) -> dict[str, list[tuple[str, str]]]:
        out: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for pid in persons:
            out[pid].append(("person", pid))
        for name, cls in self.tables.items():
            t = cls.__table__  # type: ignore[attr-defined]
            if "person_id" in t.c and name != "person":
                for rid, pid in conn.execute(select(t.c.id, t.c.person_id).where(t.c.person_id.in_(persons))):
                    out[pid].append((name, rid))
        for name, (parent, col) in PARENT.items():
            t = self.tables[name].__table__  # type: ignore[attr-defined]
            pt = self.tables[parent].__table__  # type: ignore[attr-defined]
            for rid, pid in conn.execute(
                select(t.c.id, pt.c.person_id)
                .join(pt, pt.c.id == t.c[col])
                .where(pt.c.person_id.in_(persons))
            ):
                out[pid].append((name, rid))
        return out
