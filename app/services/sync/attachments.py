"""Document bytes over the sync: content-addressed, resumable chunks (server side: :mod:`server.engine.attachments`).

Upload: before a batch is sent, every attachment its ops reference (a document's ``sha256``) and that is not
known complete on the server is uploaded; the server's list of received chunks says where to resume. An op is
never sent before its attachment is complete (the server refuses it anyway: ``wait_attachment``).

Download: after the feed, the bytes of every live document without a local blob are fetched chunk by chunk.
Each chunk is committed to the vault as soon as it arrives (``sync_state``, key ``dl:<sha>:<index>``, base64
— encrypted like everything else, never beside the vault), so an interrupted download resumes where it
stopped; the blob becomes an :class:`~app.models.tables.carnet.Attachment` only once its whole SHA-256 is checked.

The public methods of :class:`AttachmentSync` run on the sync's thread; each read or write of the vault is
one database step (:attr:`~app.services.sync.base.ClientBase.local`).
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, delete, select, update

from app.models.tables.base import utcnow
from app.models.tables.carnet import Attachment, Document
from app.models.tables.local import OutboxOp, SyncState
from app.services.sync.errors import AttachmentTransferError

if TYPE_CHECKING:
    from app.services.storage.db import Database
    from app.services.sync.base import ClientBase

#: Business tables whose rows reference an attachment, and the column holding its SHA-256.
REFERENCES = {"document": "sha256"}
PARTIAL = "dl:"
STAGE_UP = "documents-envoi"
STAGE_DOWN = "documents-réception"

Progress = Callable[[str, int, int | None], None]
CheckCancel = Callable[[str], None]


def referenced(table: str, fields: dict[str, Any] | None) -> str | None:
    col = REFERENCES.get(table)
    value = (fields or {}).get(col) if col else None
    return value if isinstance(value, str) and value else None


def drop_orphans(conn: Connection) -> int:
    """Remove the local blobs no live document references any more, and the chunks of downloads nobody needs.

    A blob goes once the server has it (``uploaded``) and neither a live (non-tombstoned) document nor a
    pending op references it: the documents of people who left the scope, and those of a person purged on
    another device (their rows arrive scrubbed and tombstoned, ADR 0005). A pending op still naming the SHA-256
    keeps it, so the upload never looks for bytes that are gone. Returns the number of blobs removed.
    """
    live = set(conn.execute(select(Document.sha256).where(Document.deleted_at.is_(None))).scalars())
    outbox = conn.execute(
        select(OutboxOp.table_name, OutboxOp.changed_fields).where(OutboxOp.table_name.in_(list(REFERENCES)))
    )
    keep = live | {sha for table, fields in outbox if (sha := referenced(table, fields))}
    candidates = conn.execute(select(Attachment.sha256).where(Attachment.uploaded.is_(True))).scalars()
    gone = [sha for sha in candidates if sha not in keep]
    for i in range(0, len(gone), 500):
        conn.execute(delete(Attachment).where(Attachment.sha256.in_(gone[i : i + 500])))
    wanted = {sha[:48] for sha in keep}
    stale = [
        key
        for key in conn.execute(select(SyncState.key).where(SyncState.key.startswith(PARTIAL))).scalars()
        if key[len(PARTIAL) :].split(":", 1)[0] not in wanted
    ]
    for i in range(0, len(stale), 500):
        conn.execute(delete(SyncState).where(SyncState.key.in_(stale[i : i + 500])))
    return len(gone)


def wipe_partials(conn: Connection) -> None:
    """Chunks of unfinished downloads (document bytes) leave with everything else on a wipe."""
    conn.execute(delete(SyncState).where(SyncState.key.startswith(PARTIAL)))


def _partial_key(sha: str, idx: int) -> str:
    return f"{PARTIAL}{sha[:48]}:{idx}"  # sync_state keys hold 60 characters


def _chunks(size: int, chunk_size: int) -> int:
    return max(1, -(-size // chunk_size))


class AttachmentSync:
    """Uploads and downloads the blobs of one sync client (its HTTP session and vault)."""

    def __init__(self, client: ClientBase) -> None:
        self.client = client
        self.local = client.local
        self.sent = 0  # blobs completed by this device during the sync
        self.received = 0

    @property
    def db(self) -> Database:
        return self.client.db  # guarded: only inside a step

    def _status(self, sha: str) -> dict[str, Any]:
        return self.client.get_json(f"attachments/{sha}")

    def _set_uploaded(self, shas: Iterable[str], value: bool) -> None:
        with self.db.session(remote_apply=True) as s:
            s.execute(update(Attachment).where(Attachment.sha256.in_(list(shas))).values(uploaded=value))

    def forget(self, shas: Iterable[str]) -> None:
        """The server does not have these blobs (restored backup): upload them again."""
        self.local(self._set_uploaded, shas, False, writes=True)

    # ------------------------------------------------------------------ upload

    def ensure_uploaded(self, shas: set[str], progress: Progress, check_cancel: CheckCancel) -> None:
        """Make sure each of ``shas`` is complete on the server (resuming from its received chunks)."""
        if not shas:
            return
        local = self.local(self._local_blobs, shas)
        todo = sorted(sha for sha in shas if not local.get(sha, (0, False))[1])
        plans: list[tuple[str, dict[str, Any]]] = []
        done_already = []
        for sha in todo:
            st = self._status(sha)
            if st.get("complete"):
                done_already.append(sha)
            elif sha not in local:
                raise AttachmentTransferError(
                    "Le contenu d'un document à envoyer manque sur ce poste et sur le serveur : "
                    "rien n'a été perdu, les modifications restent en attente."
                )
            else:
                plans.append((sha, st))
        if done_already:
            self.local(self._set_uploaded, done_already, True, writes=True)
        total = 0
        for sha, st in plans:
            n = _chunks(local[sha][0], int(st["chunk_size"]))
            total += n - len(set(st.get("received") or []) & set(range(n)))
        done = 0
        for sha, st in plans:
            data = self.local(self._blob, sha)
            size, cs = len(data), int(st["chunk_size"])
            have = set(st.get("received") or [])
            result: dict[str, Any] = st
            for i in range(_chunks(size, cs)):
                if i in have:
                    continue
                check_cancel(STAGE_UP)
                chunk = data[i * cs : (i + 1) * cs]
                resp = self.client.request(
                    "PUT",
                    f"attachments/{sha}/chunks/{i}",
                    content=chunk,
                    headers={
                        "Content-Type": "application/octet-stream",
                        "X-Attachment-Size": str(size),
                        "X-Chunk-SHA256": hashlib.sha256(chunk).hexdigest(),
                    },
                )
                result = self.client._json(resp)
                done += 1
                progress(STAGE_UP, done, total)
            if not result.get("complete"):
                result = self._status(sha)
            if not result.get("complete"):
                raise AttachmentTransferError()
            self.local(self._set_uploaded, [sha], True, writes=True)
            self.sent += 1

    def _local_blobs(self, shas: set[str]) -> dict[str, tuple[int, bool]]:
        with self.db.read() as s:
            return {
                r.sha256: (int(r.size), bool(r.uploaded))
                for r in s.execute(
                    select(Attachment.sha256, Attachment.size, Attachment.uploaded).where(
                        Attachment.sha256.in_(sorted(shas))
                    )
                )
            }

    def _blob(self, sha: str) -> bytes:
        with self.db.read() as s:
            return bytes(s.execute(select(Attachment.data).where(Attachment.sha256 == sha)).scalar_one())

    # ------------------------------------------------------------------ download

    def missing(self) -> list[str]:
        """SHA-256 of live local documents whose bytes are not in the vault (a database step)."""
        with self.db.read() as s:
            return sorted(
                s.execute(
                    select(Document.sha256)
                    .where(
                        Document.deleted_at.is_(None),
                        Document.sha256.notin_(select(Attachment.sha256)),
                    )
                    .distinct()
                ).scalars()
            )

    def fetch_missing(self, progress: Progress, check_cancel: CheckCancel) -> int:
        """Download the blobs of documents now in scope; returns how many are still missing afterwards."""
        wanted = self.local(self.missing)
        if not wanted:
            return 0
        plans: list[tuple[str, dict[str, Any], set[int]]] = []
        for sha in wanted:
            st = self._status(sha)
            if not st.get("complete"):
                continue  # not (yet) on the server: the uploader's next sync sends it
            plans.append((sha, st, self.local(self._partial_indexes, sha)))
        total = sum(int(st["chunks"]) - len(have) for _, st, have in plans)
        done = 0
        for sha, st, have in plans:
            n, size = int(st["chunks"]), int(st["size"])
            for i in range(n):
                if i in have:
                    continue
                check_cancel(STAGE_DOWN)
                resp = self.client.request("GET", f"attachments/{sha}/chunks/{i}")
                data = resp.content
                if hashlib.sha256(data).hexdigest() != resp.headers.get("x-chunk-sha256", ""):
                    raise AttachmentTransferError(
                        "Un bloc de document a été altéré pendant le transfert : "
                        "rien n'a été perdu, il sera demandé à nouveau."
                    )
                self.local(self._keep_chunk, sha, i, data, writes=True)
                done += 1
                progress(STAGE_DOWN, done, total)
            self.local(self._assemble, sha, n, size, writes=True)
            self.received += 1
        return len(self.local(self.missing))

    def _keep_chunk(self, sha: str, idx: int, data: bytes) -> None:
        with self.db.session(remote_apply=True) as s:
            s.merge(SyncState(key=_partial_key(sha, idx), value=base64.b64encode(data).decode()))

    def _partial_indexes(self, sha: str) -> set[int]:
        prefix = _partial_key(sha, 0)[:-1]
        with self.db.read() as s:
            keys = s.execute(select(SyncState.key).where(SyncState.key.startswith(prefix))).scalars()
            return {int(k[len(prefix) :]) for k in keys}

    def _assemble(self, sha: str, n: int, size: int) -> None:
        """Join the chunks, check the whole SHA-256, store the blob and drop the chunks in one transaction."""
        keys = [_partial_key(sha, i) for i in range(n)]
        with self.db.session(remote_apply=True) as s:
            parts = dict(
                s.execute(select(SyncState.key, SyncState.value).where(SyncState.key.in_(keys))).all()
            )
            data = b"".join(base64.b64decode(parts.get(k, "")) for k in keys)
            s.execute(delete(SyncState).where(SyncState.key.in_(keys)))
            if len(data) != size or hashlib.sha256(data).hexdigest() != sha:
                ok = False
            else:
                ok = True
                if s.get(Attachment, sha) is None:
                    s.add(Attachment(sha256=sha, size=size, data=data, created_at=utcnow(), uploaded=True))
        if not ok:  # the chunks were dropped: the next sync fetches them again
            raise AttachmentTransferError(
                "Un document reçu ne correspond pas à son empreinte : "
                "rien n'a été perdu, il sera demandé à nouveau."
            )
