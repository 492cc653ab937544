"""Shared ground of the sync client: constants and state keys, the report, the HTTP calls (JSON, errors typed
in French) and the local bookkeeping every step uses (outbox, sync state, conflict queue).

The steps build on :class:`ClientBase`: :mod:`.upload` (outbox batches and their answers), :mod:`.download`
(feed pages), :mod:`.repair` (check hashes, targeted repair), :mod:`.attachments` (document bytes);
:class:`~app.services.sync.client.SyncClient` puts them together. The HTTP session itself (TLS, proxy,
retries) is :mod:`.transport`.

**Two threads, one rule** (ADR 0015): the methods that touch the vault are *steps*, run through
:attr:`ClientBase.local` — on the same thread by default (``python -m app sync``), on the database worker in
the window (one short job per step) while the HTTP calls run on the sync's own thread. A step is one
transaction or one read; nothing waits on the network inside a step.
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, cast
from urllib.parse import urlsplit

from sqlalchemy import Connection, Table, func, select
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from app import __version__
from app.models.sync import wire as codec
from app.models.tables.base import SYNC_COLUMNS, synced_tables, utcnow
from app.models.tables.local import Conflict, OutboxOp, SyncState
from app.services.storage import keystore
from app.services.storage.db import DEVICE_SEQ_KEY, Database
from app.services.storage.vault import Vault
from app.services.sync.attachments import AttachmentSync
from app.services.sync.errors import (
    ATTACHMENT_ERRORS,
    AttachmentTransferError,
    ClientTooOldError,
    DeviceRevokedError,
    EnrolmentError,
    InsecureServerError,
    NotEnrolledError,
    SchemaMismatchError,
    ServerError,
    SyncError,
    UnauthorizedError,
)
from app.services.sync.transport import RETRY_DELAYS, ServerHttp, is_loopback

if TYPE_CHECKING:  # httpx loads with the first sync (transport), not with the pages that show its state
    import httpx

log = logging.getLogger("app.services.sync.client")
OUTBOX = cast(Table, OutboxOp.__table__)
SYNC_STATE = cast(Table, SyncState.__table__)
CONFLICT = cast(Table, Conflict.__table__)
T = TypeVar("T")

MAX_OPS = 500
MAX_BYTES = 256 * 1024
PAGE = 2000
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
#: Field of the server's ``hello``/``enroll``/``info`` answers: the oldest application version it accepts.
MIN_CLIENT_VERSION = "min_client_version"
STAGE_RETRY = "reconnexion"

#: Refusals whose message from the server is shown as is (restored server, too many tries, upload in progress).
SERVER_SAYS = frozenset({"cursor_ahead", "too_many_attempts", "busy"})

Progress = Callable[[str, int, int | None], None]
Cancel = Callable[[], bool]


class Local(Protocol):
    """Runs ``step(*args)`` where the vault lives and returns its result (``writes``: the step writes)."""

    def __call__(self, step: Callable[..., T], *args: Any, writes: bool = False) -> T: ...


def run_here(step: Callable[..., T], *args: Any, writes: bool = False) -> T:
    """The headless :class:`Local`: the step runs on the calling thread."""
    return step(*args)


@dataclass
class SyncReport:
    state: str = "ok"  # ok / error / revoked / retired / cancelled / outdated
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


def _checker(cancel: Cancel) -> Callable[[str], None]:
    def check(where: str) -> None:
        if cancel():
            raise _Cancelled(where)

    return check


def token_entry(profile_id: str) -> str:
    return f"device-token:{profile_id}"


def check_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme == "https" or (parts.scheme == "http" and is_loopback(parts.hostname or "")):
        return url.rstrip("/")
    raise InsecureServerError()


def version_key(version: str) -> tuple[tuple[int, ...], int, str]:
    """Semantic-version order: ``1.2.10`` > ``1.2.9``; a pre-release (``1.3.0-rc1``) before its release."""
    core, _, pre = version.strip().lstrip("vV").partition("-")
    numbers = []
    for part in core.split("+", 1)[0].split("."):
        digits = "".join(ch for ch in part if ch.isdigit())
        numbers.append(int(digits) if digits else 0)
    while len(numbers) < 3:
        numbers.append(0)
    return tuple(numbers), 0 if pre else 1, pre


def check_client_version(answer: dict[str, Any], current: str = __version__) -> None:
    """Raise :class:`ClientTooOldError` when the server's answer asks for a newer application."""
    required = answer.get(MIN_CLIENT_VERSION)
    if isinstance(required, str) and required.strip() and version_key(current) < version_key(required):
        raise ClientTooOldError(required.strip(), current)


class ClientBase:
    """One open vault and its HTTP session with the department server at ``base_url``.

    ``transport`` may be an ``httpx`` transport or a ready ``httpx.Client`` (tests: FastAPI's TestClient).
    ``on_wipe(message)`` is called before local data is erased (revocation, end of retirement), on the sync's
    thread. ``local`` runs the database steps (default: here); ``retry_delays`` the pauses between attempts
    after a connection error (``()``: no retry).
    """

    def __init__(
        self,
        vault: Vault,
        base_url: str | None = None,
        transport: Any = None,
        *,
        on_wipe: Callable[[str], None] | None = None,
        timeout: float = 30.0,
        local: Local | None = None,
        retry_delays: tuple[float, ...] = RETRY_DELAYS,
    ) -> None:
        self.vault = vault
        self.local: Local = local or run_here
        # With steps run elsewhere (the window's database worker), this thread must never touch the vault.
        self._transport_thread = threading.get_ident() if local is not None else None
        url, self.device_id = self.local(lambda: (base_url or self.db.get_state(K_URL), vault.device_id))
        self.base_url = check_url(url) if url else ""
        self.profile_id = vault.info.profile_id
        self.http = ServerHttp(self.base_url, transport, timeout=timeout, retry_delays=retry_delays)
        self.http.pause = self._pause
        self.http.on_retry = lambda attempt, attempts: self._progress(STAGE_RETRY, attempt, attempts)
        self.on_wipe = on_wipe
        self.app_version = __version__
        self.tables = synced_tables()
        from app.services.storage import migrate  # Alembic: loaded by the first sync, not with the pages

        self.schema_version = migrate.head_revision()
        self.bytes_sent = 0
        self.bytes_received = 0
        self.blobs = AttachmentSync(self)
        self._token: str | None = None
        self._cancel: Cancel = lambda: False
        self._progress: Progress = lambda *_: None

    @property
    def db(self) -> Database:
        """The vault's database, for the steps only: on the thread making the HTTP calls, when the steps run
        elsewhere, it raises (a database call there would bypass the worker: ADR 0015)."""
        if self._transport_thread is not None and threading.get_ident() == self._transport_thread:
            raise RuntimeError("the sync touched the vault outside a step of ClientBase.local (ADR 0015)")
        return self.vault.db

    def state(self, key: str, default: str = "") -> str:
        """One ``sync_state`` value (a step)."""
        return self.db.get_state(key, default)

    # ------------------------------------------------------------------ HTTP

    def _pause(self, seconds: float) -> None:
        """Wait before a new attempt, answering « Annuler » within a tenth of a second."""
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            if self._cancel():
                raise _Cancelled("retry")
            time.sleep(min(0.1, left))

    def token(self) -> str:
        """The device token: OS keyring, else inside the vault (passphrase mode without a keyring)."""
        if self._token is None:
            token = None
            if keystore.secure_backend_available():
                token = keystore.load_secret(token_entry(self.profile_id))
            token = token or self.local(self.state, K_TOKEN)
            if not token:
                raise NotEnrolledError()
            self._token = token
        return self._token

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
        """One call to ``/api/v1/<path>``; a status other than 200 becomes a typed French error.

        Connection errors are retried (:mod:`.transport`); the enrolment only when nothing reached the
        server (its code is single-use)."""
        if not self.base_url:
            raise NotEnrolledError()
        all_headers = {"Accept-Encoding": "zstd", "X-Schema-Version": self.schema_version, **(headers or {})}
        if auth:
            all_headers["Authorization"] = f"Bearer {self.token()}"
            all_headers["X-Device-Id"] = self.device_id
        resp = self.http.send(
            method,
            f"{self.base_url}/api/v1/{path}",
            content=content or None,
            headers=all_headers,
            replayable=path != "enroll",
        )
        body = resp.content
        self.bytes_sent += len(content)
        self.bytes_received += int(resp.headers.get("content-length") or len(body))
        if resp.status_code == 200:
            return resp
        detail: dict[str, Any] = {}
        with contextlib.suppress(ValueError):
            detail = json.loads(body)
        code = detail.get("code") if isinstance(detail, dict) else None
        if isinstance(detail, dict):
            check_client_version(detail, self.app_version)  # a server refusing old clients says which version
        if resp.status_code == 403 and code == "device_revoked":
            raise DeviceRevokedError()
        if resp.status_code == 409 and code == "schema_mismatch":
            raise SchemaMismatchError(f"{detail.get('message')} Rien n'a été envoyé ni perdu.")
        if resp.status_code == 401:
            raise UnauthorizedError()
        if resp.status_code == 400 and code == "refused" and path == "enroll":
            raise EnrolmentError(str(detail.get("message")))
        if code in SERVER_SAYS and isinstance(detail, dict):  # the server's French message says it all
            raise SyncError(str(detail.get("message")))
        if code in ATTACHMENT_ERRORS and isinstance(detail, dict):
            raise AttachmentTransferError(f"{detail.get('message')} Rien n'a été perdu, l'envoi reprendra.")
        raise ServerError(resp.status_code)

    # ------------------------------------------------------------------ local bookkeeping

    def pending_count(self) -> int:
        with self.db.read() as s:
            return int(s.execute(select(func.count()).select_from(OutboxOp)).scalar_one())

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
