"""The in-memory state of one upload batch: rows and feed entries loaded once, written once at the end, and the
feed counter the batch takes its sequence numbers from."""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

from sqlalchemy import Connection, bindparam, select

from server.admin import audit
from server.engine import shares
from server.engine.authorise import Authoriser, Policy
from server.engine.scope import FKS, PARENT, DeviceCtx
from server.store.tables import BUSINESS, row_feed, scope_event, share_event


def _id_like(value: Any) -> bool:
    """A value worth looking up as a row id (anything else cannot match a stored id)."""
    return isinstance(value, str) and 0 < len(value) <= 36 and "\x00" not in value


class Batch:
    """In-memory state of one upload batch: rows and feed entries loaded once, written once at the end."""

    def __init__(
        self,
        conn: Connection,
        dev: DeviceCtx,
        ops: list[dict[str, Any]],
        *,
        find_duplicates: bool = True,
        policy: Policy | None = None,
        address: str = "",
    ) -> None:
        """``find_duplicates=False`` skips the per-person duplicate search on creation (one query each): for a
        writer that has already matched every row against the whole base, the server's orientation import.
        ``policy``: who may write what (loaded from the database when not given); ``address``: the client's, for
        the audit log."""
        self.conn = conn
        self.dev = dev
        self.find_duplicates = find_duplicates
        self.policy = policy or Policy.load(conn, dev)
        self.authoriser = Authoriser(self, self.policy)
        self.address = address
        self.audit: list[dict[str, Any]] = []
        self.rows: dict[tuple[str, str], dict[str, Any] | None] = {}
        self.feed: dict[tuple[str, str], dict[str, Any] | None] = {}
        self.new_rows: set[tuple[str, str]] = set()
        self.dirty_rows: set[tuple[str, str]] = set()
        self.new_feed: set[tuple[str, str]] = set()
        self.dirty_feed: set[tuple[str, str]] = set()
        self.scope_events: list[dict[str, Any]] = []
        self.share_events: list[dict[str, Any]] = []  # co-accompaniment scope changes (ADR 0052)
        wanted: dict[str, set[str]] = defaultdict(set)
        for op in ops:
            t = op.get("t") if isinstance(op, dict) else None
            if t in BUSINESS and _id_like(op.get("r")):
                wanted[t].add(op["r"])
                raw_fields = op.get("f")
                fields: dict[str, Any] = raw_fields if isinstance(raw_fields, dict) else {}
                for column, ref_table in FKS.get(t, ()):
                    if _id_like(fields.get(column)):
                        wanted[ref_table].add(fields[column])
        self._preload(wanted)
        self._preload_owners()

    def _preload_owners(self) -> None:
        """The people (and parents) the loaded rows hang off: authorisation reads them for every op."""
        parents: dict[str, set[str]] = defaultdict(set)
        for (t, _rid), row in list(self.rows.items()):
            if row is not None and t in PARENT and _id_like(row.get(PARENT[t][1])):
                parents[PARENT[t][0]].add(row[PARENT[t][1]])
        self._preload({t: {i for i in ids if (t, i) not in self.rows} for t, ids in parents.items()})
        people = {
            row["person_id"]
            for (t, _rid), row in self.rows.items()
            if row is not None and t != "person" and _id_like(row.get("person_id"))
        }
        self._preload({"person": {p for p in people if ("person", p) not in self.rows}})

    def _preload(self, wanted: dict[str, set[str]]) -> None:
        for t, ids in wanted.items():
            if not ids:
                continue
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
        if t == shares.SHARE_TABLE:
            self.share_events += shares.events_for(self.rows.get(key), row, seq)
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

    def refused(self, op: dict[str, Any], code: str, message: str) -> None:
        """Note a malformed or refused op for the audit log (written with the batch)."""
        self.audit.append(
            audit.event(
                "op_invalid" if code == "invalid" else "op_refused",
                device_id=self.dev.id,
                user_id=self.dev.user_id,
                address=self.address,
                table_name=op.get("t"),
                row_id=op.get("r"),
                op_id=op.get("i"),
                code=code,
                detail=message,
            )
        )

    def reassigned(self, person_id: str, seq: int, old: str | None, new: str | None) -> None:
        """A person changed référent at ``seq``: scope event for the feed, event for the audit log."""
        self.scope_events.append(
            {"seq": seq, "person_id": person_id, "old_referent": old, "new_referent": new}
        )
        self.audit.append(
            audit.event(
                "reassigned",
                device_id=self.dev.id,
                user_id=self.dev.user_id,
                address=self.address,
                table_name="person",
                row_id=person_id,
                detail=f"{old or '-'} → {new or '-'}",
            )
        )

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
        if self.share_events:
            self.conn.execute(share_event.insert(), self.share_events)
        if self.audit:
            audit.write(self.conn, self.audit)
            self.audit = []
        for pending in (self.new_rows, self.dirty_rows, self.new_feed, self.dirty_feed):
            pending.clear()
        self.scope_events = []
        self.share_events = []

    def reload(self) -> None:
        """Forget the cached rows and feed entries (after :meth:`flush`): later ops read them again."""
        self.rows.clear()
        self.feed.clear()


class FeedCounter:
    """The feed counter of one write transaction: every change takes the next sequence number."""

    def __init__(self, value: int) -> None:
        self.value = value

    def next(self) -> int:
        self.value += 1
        return self.value
