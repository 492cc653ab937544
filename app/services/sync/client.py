"""The batch sync client (no Qt): enrolment, upload of the outbox, download of the feed, check and repair.

One :meth:`SyncClient.sync` call: hello → upload (batches, acknowledged before outbox rows are deleted) →
download (pages applied in one local transaction with their cursor) → check (per-table hashes over
(id, revision)) → targeted repair of differing rows. Ordering comes only from ``device_seq`` and the server's
feed sequence; the device clock is never used to order anything.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, cast
from urllib.parse import urlsplit

import httpx
from sqlalchemy import Connection, Table, delete, func, select, text, update
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from app import __version__
from app.models import wire as codec
from app.models.base import SYNC_COLUMNS, synced_tables, utcnow
from app.models.local import Conflict, OutboxOp, SyncState
from app.services import keystore, migrate
from app.services.db import DEVICE_SEQ_KEY
from app.services.errors import FilRougeError, KeyringUnavailableError
from app.services.sync.attachments import AttachmentSync, referenced
from app.services.sync.errors import (
    ATTACHMENT_ERRORS,
    AttachmentTransferError,
    DeviceRevokedError,
    EnrolmentError,
    InsecureServerError,
    NetworkError,
    NotEnrolledError,
    SchemaMismatchError,
    ServerError,
    SyncError,
    UnauthorizedError,
)
from app.services.vault import Vault

log = logging.getLogger(__name__)
OUTBOX = cast(Table, OutboxOp.__table__)
SYNC_STATE = cast(Table, SyncState.__table__)
CONFLICT = cast(Table, Conflict.__table__)

MAX_OPS = 500
MAX_BYTES = 256 * 1024
PAGE = 2000
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
PARENT = {
    "appointment_event": ("appointment", "appointment_id"),
    "contract_version": ("contract", "contract_id"),
    "contract_event": ("contract", "contract_id"),
    "signature": ("contract", "contract_id"),
}
K_URL, K_USER, K_CURSOR, K_ACKED, K_EPOCH, K_LAST = (
    "server_url",
    "sync_user",
    "feed_cursor",
    "acked_seq",
    "server_epoch",
    "last_sync",
)
K_WIPED, K_LEAVE, K_TOKEN = "wiped", "pending_leave", "device_token"

Progress = Callable[[str, int, int | None], None]
Cancel = Callable[[], bool]


@dataclass
class SyncReport:
    state: str = "ok"  # ok / error / revoked / retired / cancelled
    message: str = ""
    uploaded: int = 0
    downloaded: int = 0
    conflicts: int = 0
    duplicates: int = 0
    repaired: int = 0
    pending: int = 0
    left_scope: int = 0
    bytes_sent: int = 0
    bytes_received: int = 0
    documents_sent: int = 0
    documents_received: int = 0
    documents_missing: int = 0  # documents whose bytes are not on the server yet

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class _Cancelled(Exception):
    where: str = ""


@dataclass
class _Tables:
    tables: dict[str, Any] = field(default_factory=dict)


def _pause_for_kill(conn: Connection, next_cursor: int) -> None:
    """Fault tests: say where we are (the committed cursor, the page being applied), then wait to be killed."""
    committed = int(conn.execute(select(SyncState.value).where(SyncState.key == K_CURSOR)).scalar() or 0)
    mark = Path(os.environ["FIL_ROUGE_TEST_MARK"])
    mark.write_text(json.dumps({"committed": committed, "applying": next_cursor}))
    time.sleep(120)


def _checker(cancel: Cancel) -> Callable[[str], None]:
    def check(where: str) -> None:
        if cancel():
            raise _Cancelled(where)

    return check


def token_entry(profile_id: str) -> str:
    return f"device-token:{profile_id}"


def check_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme == "https" or (parts.scheme == "http" and (parts.hostname or "") in LOCAL_HOSTS):
        return url.rstrip("/")
    raise InsecureServerError()


class SyncClient:
    """Sync one open vault with the department server at ``base_url``.

    ``transport`` may be an ``httpx`` transport or a ready ``httpx.Client`` (tests: FastAPI's TestClient).
    ``on_wipe(message)`` is called before local data is erased (revocation, end of retirement).
    """

    def __init__(
        self,
        vault: Vault,
        base_url: str | None = None,
        transport: Any = None,
        *,
        on_wipe: Callable[[str], None] | None = None,
        timeout: float = 30.0,
    ) -> None:
        self.vault = vault
        self.db = vault.db
        url = base_url or self.db.get_state(K_URL)
        self.base_url = check_url(url) if url else ""
        if isinstance(transport, httpx.Client):
            self._http = transport
        else:
            self._http = httpx.Client(transport=transport, timeout=timeout, verify=True)
        self.on_wipe = on_wipe
        self.tables = synced_tables()
        self.schema_version = migrate.head_revision()
        self.bytes_sent = 0
        self.bytes_received = 0
        self.blobs = AttachmentSync(self)
        self._pages_applied = 0

    # ------------------------------------------------------------------ HTTP

    @property
    def device_id(self) -> str:
        return self.vault.device_id

    def _token(self) -> str:
        token = None
        if keystore.secure_backend_available():
            token = keystore.load_secret(token_entry(self.vault.info.profile_id))
        token = token or self.db.get_state(K_TOKEN)  # passphrase mode without a keyring: inside the vault
        if not token:
            raise NotEnrolledError()
        return token

    def _post(self, path: str, body: dict[str, Any], *, auth: bool = True) -> dict[str, Any]:
        raw = codec.compress(codec.dumps(body))
        headers = {"Content-Type": "application/json", "Content-Encoding": "zstd"}
        return self._json(self.request("POST", path, content=raw, headers=headers, auth=auth))

    @staticmethod
    def _json(resp: httpx.Response) -> dict[str, Any]:
        try:
            data = json.loads(resp.content)
        except ValueError as exc:
            raise ServerError(resp.status_code, "réponse illisible") from exc
        if not isinstance(data, dict):
            raise ServerError(resp.status_code, "réponse illisible")
        return data

    def get_json(self, path: str) -> dict[str, Any]:
        return self._json(self.request("GET", path))

    def request(
        self,
        method: str,
        path: str,
        *,
        content: bytes = b"",
        headers: dict[str, str] | None = None,
        auth: bool = True,
    ) -> httpx.Response:
        """One call to ``/api/v1/<path>``; a status other than 200 becomes a typed French error."""
        if not self.base_url:
            raise NotEnrolledError()
        all_headers = {"Accept-Encoding": "zstd", "X-Schema-Version": self.schema_version, **(headers or {})}
        if auth:
            all_headers["Authorization"] = f"Bearer {self._token()}"
            all_headers["X-Device-Id"] = self.device_id
        try:
            resp = self._http.request(
                method, f"{self.base_url}/api/v1/{path}", content=content or None, headers=all_headers
            )
            body = resp.content
        except httpx.HTTPError as exc:
            raise NetworkError() from exc
        self.bytes_sent += len(content)
        self.bytes_received += int(resp.headers.get("content-length") or len(body))
        if resp.status_code == 200:
            return resp
        detail: dict[str, Any] = {}
        with contextlib.suppress(ValueError):
            detail = json.loads(body)
        code = detail.get("code") if isinstance(detail, dict) else None
        if resp.status_code == 403 and code == "device_revoked":
            raise DeviceRevokedError()
        if resp.status_code == 409 and code == "schema_mismatch":
            raise SchemaMismatchError(f"{detail.get('message')} Rien n'a été envoyé ni perdu.")
        if resp.status_code == 401:
            raise UnauthorizedError()
        if resp.status_code == 400 and code == "refused" and path == "enroll":
            raise EnrolmentError(str(detail.get("message")))
        if code in ATTACHMENT_ERRORS and isinstance(detail, dict):
            raise AttachmentTransferError(f"{detail.get('message')} Rien n'a été perdu, l'envoi reprendra.")
        raise ServerError(resp.status_code)

    # ------------------------------------------------------------------ enrolment

    def enroll(self, code: str, device_name: str = "") -> dict[str, Any]:
        """Enrol this device with a one-time code; the token goes to the OS keyring."""
        if not self.base_url:
            raise NotEnrolledError("Indiquez l'adresse du serveur (--server).")
        result = self._post(
            "enroll",
            {
                "code": code,
                "device_id": self.device_id,
                "name": device_name or f"poste {self.device_id[:8]}",
                "app_version": __version__,
                "schema_version": self.schema_version,
            },
            auth=False,
        )
        in_vault = ""
        try:
            if not keystore.secure_backend_available():
                raise KeyringUnavailableError()
            keystore.store_secret(token_entry(self.vault.info.profile_id), str(result["token"]))
        except KeyringUnavailableError:
            in_vault = str(result["token"])  # no OS keyring: kept in the encrypted vault itself
        with self.db.session(remote_apply=True) as s:
            if in_vault:
                s.merge(SyncState(key=K_TOKEN, value=in_vault))
            for key, value in (
                (K_URL, self.base_url),
                (K_USER, json.dumps(result["user"])),
                (K_EPOCH, str(result.get("epoch") or "")),
                (K_CURSOR, "0"),
                (K_ACKED, "0"),
            ):
                s.merge(SyncState(key=key, value=value))
        return dict(result["user"])

    # ------------------------------------------------------------------ sync

    def sync(self, progress: Progress | None = None, cancel: Cancel | None = None) -> SyncReport:
        """One full round. Never raises for expected failures: the report carries a French message."""
        report = SyncReport()
        self.bytes_sent = self.bytes_received = 0
        self.blobs = AttachmentSync(self)
        try:
            self._sync(report, progress or (lambda *_: None), cancel or (lambda: False))
        except DeviceRevokedError as exc:
            self._wipe(exc.message, reason="revoked")
            report.state = "revoked"
            report.message = (
                "Ce poste a été révoqué par l'administrateur : les données locales ont été effacées."
            )
        except _Cancelled:
            report.state = "cancelled"
            report.message = (
                "Synchronisation interrompue : ce qui a été reçu est enregistré, le reste suivra."
            )
        except FilRougeError as exc:
            report.state = "error"
            report.message = exc.message
        report.pending = self.pending_count() if report.state not in ("revoked", "retired") else 0
        report.bytes_sent, report.bytes_received = self.bytes_sent, self.bytes_received
        report.documents_sent, report.documents_received = self.blobs.sent, self.blobs.received
        return report

    def _sync(self, report: SyncReport, progress: Progress, cancel: Cancel) -> None:
        if self.db.get_state(K_WIPED):
            raise SyncError(
                "Ce dossier a été effacé après une révocation : il ne peut plus être synchronisé."
            )
        hello = self._hello()
        if hello.get("restored") or hello.get("epoch_changed"):
            log.warning("server restored or new epoch: reconciling")
        self._upload(report, progress, cancel)
        self._download(report, progress, cancel)
        for _ in range(3):
            if not self._check_and_repair(report):
                break
            self._upload(report, progress, cancel)
            self._download(report, progress, cancel)
        report.documents_missing = self.blobs.fetch_missing(progress, _checker(cancel))
        if hello.get("status") == "retiring" and self.pending_count() == 0:
            self._post("retired", {})
            self._wipe(
                "Ce poste est retiré du service : les données locales vont être effacées.", reason="retired"
            )
            report.state = "retired"
            report.message = "Poste retiré : tout a été envoyé au serveur, puis les données locales effacées."
            return
        with self.db.session(remote_apply=True) as s:
            s.merge(SyncState(key=K_LAST, value=utcnow().isoformat(timespec="seconds")))

    def _hello(self) -> dict[str, Any]:
        hello = self._post(
            "hello",
            {
                "app_version": __version__,
                "schema_version": self.schema_version,
                "acked_seq": int(self.db.get_state(K_ACKED, "0") or 0),
                "cursor": int(self.db.get_state(K_CURSOR, "0") or 0),
                "epoch": self.db.get_state(K_EPOCH),
            },
        )
        if hello.get("status") == "revoked":
            raise DeviceRevokedError()
        with self.db.session(remote_apply=True) as s:
            s.merge(SyncState(key=K_EPOCH, value=str(hello.get("epoch") or "")))
            s.merge(SyncState(key=K_USER, value=json.dumps(hello.get("user") or {})))
        return hello

    # ------------------------------------------------------------------ upload

    def pending_count(self) -> int:
        with self.db.read() as s:
            return int(s.execute(select(func.count()).select_from(OutboxOp)).scalar_one())

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
        total = self.pending_count()
        done = 0
        lost_blobs: set[str] = set()
        while True:
            if cancel():
                raise _Cancelled("upload")
            ops, _ = self._next_batch()
            if not ops:
                return
            # The bytes of referenced documents first: an op never reaches the server before them.
            shas = {sha for op in ops if (sha := referenced(op.table_name, op.changed_fields))}
            self.blobs.ensure_uploaded(shas, progress, _checker(cancel))
            resp = self._post("upload", {"ops": [self._wire_op(op) for op in ops]})
            acked = self._ack(ops, resp, report)
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
                    if res.get("dup"):
                        report.duplicates += 1
                        self._add_conflict(conn, op, "__doublon__", None, res["dup"])
                elif st == "missing" and table is not None:
                    self._enqueue_full_row(conn, op.table_name, op.row_id)
                    report.repaired += 1
                elif st == "error":
                    self._add_conflict(conn, op, "__rejet__", op.changed_fields, res.get("msg"))
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

    def _add_conflict(self, conn: Connection, op: OutboxOp, f: str, mine: Any, theirs: Any) -> None:
        person_id = None
        table = self.tables.get(op.table_name)
        if op.table_name == "person":
            person_id = op.row_id
        elif table is not None and "person_id" in table.__table__.c:  # type: ignore[attr-defined]
            t = table.__table__  # type: ignore[attr-defined]
            person_id = conn.execute(select(t.c.person_id).where(t.c.id == op.row_id)).scalar()
        conn.execute(
            CONFLICT.insert().values(
                id=str(uuid.uuid4()),
                table_name=op.table_name,
                row_id=op.row_id,
                person_id=person_id,
                field=f,
                local_value=mine,
                server_value=theirs,
                op_id=op.op_id,
                detected_at=utcnow(),
                resolution="",
            )
        )

    @staticmethod
    def _pending_fields(conn: Connection, exclude: set[int] | None = None) -> dict[tuple[str, str], set[str]]:
        out: dict[tuple[str, str], set[str]] = defaultdict(set)
        for seq, t, rid, fields in conn.execute(
            select(OutboxOp.device_seq, OutboxOp.table_name, OutboxOp.row_id, OutboxOp.changed_fields)
        ):
            if exclude and seq in exclude:
                continue
            out[(t, rid)] |= set((fields or {}).keys()) | {"__pending__"}
        return out

    def _set_state(self, conn: Connection, key: str, value: str) -> None:
        stmt = sqlite_insert(SYNC_STATE).values(key=key, value=value)
        conn.execute(stmt.on_conflict_do_update(index_elements=["key"], set_={"value": value}))

    def _enqueue(
        self, conn: Connection, table: str, row_id: str, kind: str, base: int, fields: dict[str, Any]
    ) -> None:
        """Queue a repair op (same contiguous device_seq counter as the session hook)."""
        current = conn.execute(select(SyncState.value).where(SyncState.key == DEVICE_SEQ_KEY)).scalar()
        seq = int(current) if current else 1
        self._set_state(conn, DEVICE_SEQ_KEY, str(seq + 1))
        conn.execute(
            OUTBOX.insert().values(
                device_seq=seq,
                op_id=str(uuid.uuid4()),
                table_name=table,
                row_id=row_id,
                base_revision=base,
                kind=kind,
                changed_fields=json.loads(codec.dumps(fields)),
                created_at=utcnow(),
            )
        )

    def _row_wire(self, conn: Connection, table: str, row_id: str) -> dict[str, Any] | None:
        t = self.tables[table].__table__  # type: ignore[attr-defined]
        row = conn.execute(select(t).where(t.c.id == row_id)).mappings().first()
        if row is None:
            return None
        return {k: codec.to_wire(v) for k, v in row.items()}

    def _enqueue_full_row(self, conn: Connection, table: str, row_id: str) -> None:
        row = self._row_wire(conn, table, row_id)
        if row is None:
            return
        fields = {k: v for k, v in row.items() if k not in SYNC_COLUMNS or k in ("created_at", "deleted_at")}
        kind = "append" if self.tables[table].__append_only__ else "insert"
        self._enqueue(conn, table, row_id, kind, 0, fields)

    # ------------------------------------------------------------------ download

    def _download(self, report: SyncReport, progress: Progress, cancel: Cancel) -> None:
        while True:
            if cancel():
                raise _Cancelled("download")
            cursor = int(self.db.get_state(K_CURSOR, "0") or 0)
            page = self._post("download", {"cursor": cursor, "limit": PAGE})
            n = self.apply_page(page)
            report.downloaded += n
            report.left_scope += len(page.get("leave") or [])
            progress("réception", report.downloaded, None)
            if not page.get("more"):
                return

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
            if os.environ.get("FIL_ROUGE_TEST_FAULT") == "pause_mid_apply" and self._pages_applied:
                _pause_for_kill(conn, int(page["cursor"]))  # fault tests only: killed here, mid-transaction
            self._set_state(conn, K_CURSOR, str(int(page["cursor"])))
        self._pages_applied += 1
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
                d = {
                    c: (f(v) if f is not None and v is not None else v)
                    for c, f, v in zip(cols, conv_list, values, strict=True)
                }
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

    # ------------------------------------------------------------------ check and repair

    def local_hashes(self) -> dict[str, dict[str, Any]]:
        out = {}
        with self.db.read() as s:
            for name, cls in self.tables.items():
                t = cls.__table__  # type: ignore[attr-defined]
                pairs = [(r[0], int(r[1])) for r in s.execute(select(t.c.id, t.c.revision))]
                out[name] = {"count": len(pairs), "hash": codec.table_hash(pairs)}
        return out

    def _check_and_repair(self, report: SyncReport) -> bool:
        """Compare per-table hashes; repair differing rows. True when ops were queued (upload again)."""
        if self.pending_count():
            return False
        server = self._post("check", {})["tables"]
        local = self.local_hashes()
        bad = [t for t in self.tables if server.get(t, {}).get("hash") != local[t]["hash"]]
        if not bad:
            return False
        index = self._post("index", {"tables": bad})["index"]
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
        if not fetch:
            return False
        got = self._post("rows", {"rows": fetch})
        queued = False
        with self.db.session(remote_apply=True) as s:
            conn = s.connection()
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
            for t, ids in (got.get("unknown") or {}).items():  # the server lost them: upload them again
                for rid in ids:
                    self._enqueue_full_row(conn, t, rid)
                    queued = True
                    report.repaired += 1
        return queued

    # ------------------------------------------------------------------ wipe and status

    def _wipe(self, message: str, reason: str) -> None:
        if self.on_wipe is not None:
            self.on_wipe(message)
        with self.db.session(remote_apply=True) as s:
            conn = s.connection()
            conn.exec_driver_sql("PRAGMA defer_foreign_keys = ON")
            for name in reversed(list(self.tables)):
                conn.execute(delete(self.tables[name].__table__))  # type: ignore[attr-defined]
            conn.execute(delete(SYNC_STATE).where(SYNC_STATE.c.key == K_TOKEN))
            for extra in ("outbox", "conflict", "attachment"):
                conn.execute(text(f"DELETE FROM {extra}"))
            self._set_state(conn, K_WIPED, reason)
        try:
            keystore.delete_secret(token_entry(self.vault.info.profile_id))
        except FilRougeError:
            log.warning("could not delete the device token")
        raw = self.db.engine.raw_connection()
        try:
            raw.driver_connection.execute("VACUUM")  # type: ignore[union-attr]  # drop freed pages
        except Exception:
            log.warning("vacuum after wipe failed")
        finally:
            raw.close()
        log.warning("local data wiped (%s)", reason)

    def status(self) -> dict[str, Any]:
        with self.db.read() as s:
            conflicts = int(
                s.execute(
                    select(func.count()).select_from(Conflict).where(Conflict.resolved_at.is_(None))
                ).scalar_one()
            )
        user = json.loads(self.db.get_state(K_USER) or "{}")
        return {
            "enrolled": bool(self.db.get_state(K_URL)),
            "server": self.db.get_state(K_URL),
            "device_id": self.device_id,
            "user": user,
            "pending_ops": self.pending_count(),
            "last_sync": self.db.get_state(K_LAST) or None,
            "cursor": int(self.db.get_state(K_CURSOR, "0") or 0),
            "acked_seq": int(self.db.get_state(K_ACKED, "0") or 0),
            "open_conflicts": conflicts,
            "wiped": self.db.get_state(K_WIPED) or None,
            "tables": self.local_hashes(),
        }

    def close(self) -> None:
        self._http.close()
