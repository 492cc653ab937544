"""Document bytes on the server: content-addressed, uploaded in resumable chunks of 1 MiB.

A device uploads the chunks of a blob (any order, each one checked against its own SHA-256, a chunk already
there is acknowledged again without being rewritten); when the last one arrives the server checks the
SHA-256 of the whole blob and marks it complete — or throws every chunk away if it does not match. The blob
is stored as its chunks (``attachment_chunks.data``, bytea on PostgreSQL, BLOB on SQLite): a download reads
the same chunks. An upload op referencing an attachment is applied only once it is complete
(:func:`complete_set`, used by :func:`server.sync.apply_batch`); a device downloads only the attachments of
documents in its scope. Uploads abandoned half-way (no chunk for N days) are removed by
:func:`prune_incomplete` (``python -m server attachments prune``); a device that comes back starts them again.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, delete, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from server.engine.errors import ProtocolError
from server.engine.scope import DeviceCtx, scope_referents, visible_clause
from server.store.db import ServerDB, utcnow
from server.store.tables import BUSINESS, attachment_chunks, attachment_holders, attachments, row_feed

CHUNK_SIZE = 1024 * 1024
MAX_SIZE = 20 * 1024 * 1024  # the client refuses bigger documents (app.services.casefile.documents)
#: Business tables whose rows reference an attachment, and the column holding its SHA-256.
REFERENCES = {"document": "sha256"}
_HEX64 = re.compile(r"^[0-9a-f]{64}$")


def check_sha(sha: str) -> str:
    if not _HEX64.match(sha):
        raise ProtocolError("bad_sha256", "Empreinte de document invalide (SHA-256 hexadécimal attendu).")
    return sha


def chunk_count(size: int) -> int:
    return max(1, -(-size // CHUNK_SIZE))


def referenced(op: dict[str, Any]) -> str | None:
    """The attachment an upload op references (a new document, or a document whose bytes changed)."""
    col = REFERENCES.get(str(op.get("t")))
    fields = op.get("f")
    if col is None or not isinstance(fields, dict):
        return None
    value = fields.get(col)
    return value if isinstance(value, str) and _HEX64.match(value) else None


def complete_set(conn: Connection, shas: set[str]) -> set[str]:
    """Those of ``shas`` whose every chunk is on the server and checked."""
    out: set[str] = set()
    wanted = sorted(shas)
    for i in range(0, len(wanted), 500):
        out.update(
            conn.execute(
                select(attachments.c.sha256).where(
                    attachments.c.sha256.in_(wanted[i : i + 500]), attachments.c.complete.is_(True)
                )
            ).scalars()
        )
    return out


def _held(conn: Connection, dev: DeviceCtx, sha: str, chunks: int, created_by: str) -> bool:
    """The device sent every chunk of the blob itself (or created it), or a document of its scope uses it."""
    if created_by == dev.id:
        return True
    proven = conn.execute(
        select(func.count())
        .select_from(attachment_holders)
        .where(attachment_holders.c.sha256 == sha, attachment_holders.c.device_id == dev.id)
    ).scalar_one()
    return int(proven) >= chunks or in_scope(conn, dev, sha)


def usable_set(conn: Connection, dev: DeviceCtx, shas: set[str]) -> set[str]:
    """Those of ``shas`` an op of this device may reference: complete, and held by the device (so a device
    cannot reach the bytes of a document outside its scope by naming its hash)."""
    out: set[str] = set()
    for sha in sorted(complete_set(conn, shas)):
        row = conn.execute(
            select(attachments.c.chunks, attachments.c.created_by).where(attachments.c.sha256 == sha)
        ).one()
        if _held(conn, dev, sha, int(row.chunks), str(row.created_by)):
            out.add(sha)
    return out


def _proven(conn: Connection, dev: DeviceCtx, sha: str) -> list[int]:
    return sorted(
        conn.execute(
            select(attachment_holders.c.idx).where(
                attachment_holders.c.sha256 == sha, attachment_holders.c.device_id == dev.id
            )
        ).scalars()
    )


def _unknown(sha: str, received: list[int] | None = None) -> dict[str, Any]:
    return {"sha256": sha, "known": bool(received), "complete": False, "size": None, "chunks": None,
            "chunk_size": CHUNK_SIZE, "received": received or []}  # fmt: skip


def _device_status(conn: Connection, dev: DeviceCtx, sha: str) -> dict[str, Any]:
    """The blob's status as this device may see it: another device's upload is not revealed to it; it sees the
    chunks it sent itself until it holds the blob."""
    row = conn.execute(select(attachments).where(attachments.c.sha256 == sha)).first()
    if row is None:
        return _unknown(sha)
    if _held(conn, dev, sha, int(row.chunks), str(row.created_by)):
        return _status(conn, sha)
    return _unknown(sha, _proven(conn, dev, sha))


def _status(conn: Connection, sha: str) -> dict[str, Any]:
    row = conn.execute(select(attachments).where(attachments.c.sha256 == sha)).first()
    if row is None:
        return {"sha256": sha, "known": False, "complete": False, "size": None, "chunks": None,
                "chunk_size": CHUNK_SIZE, "received": []}  # fmt: skip
    received = (
        []
        if row.complete
        else sorted(
            conn.execute(select(attachment_chunks.c.idx).where(attachment_chunks.c.sha256 == sha)).scalars()
        )
    )
    return {"sha256": sha, "known": True, "complete": bool(row.complete), "size": row.size,
            "chunks": row.chunks, "chunk_size": CHUNK_SIZE, "received": received}  # fmt: skip


def status(sdb: ServerDB, dev: DeviceCtx, sha: str) -> dict[str, Any]:
    """Complete or not, size, chunk size and the indexes received so far (to resume an upload), as the device
    may see them (:func:`_device_status`)."""
    check_sha(sha)
    with sdb.read() as conn:
        return _device_status(conn, dev, sha)


def _insert_ignore(conn: Connection, table: Any, values: dict[str, Any]) -> bool:
    """Insert unless the primary key exists already; True when a row was inserted."""
    ins = pg_insert(table) if conn.dialect.name == "postgresql" else sqlite_insert(table)
    key = next(iter(table.primary_key.columns))
    # RETURNING, not rowcount: psycopg may report -1 for an INSERT … ON CONFLICT DO NOTHING.
    result = conn.execute(ins.values(**values).on_conflict_do_nothing().returning(key))
    return result.first() is not None


def put_chunk(
    sdb: ServerDB, dev: DeviceCtx, sha: str, idx: int, size: int, chunk_sha: str, data: bytes
) -> dict[str, Any]:
    """Store chunk ``idx`` of blob ``sha`` (of ``size`` bytes); idempotent. Returns the blob's status."""
    check_sha(sha)
    if not 0 < size <= MAX_SIZE:
        raise ProtocolError("bad_size", "Taille de document invalide (20 Mo au plus).")
    chunks = chunk_count(size)
    if not 0 <= idx < chunks:
        raise ProtocolError("bad_chunk", f"Numéro de bloc invalide ({idx}, le document en a {chunks}).")
    expected = min(CHUNK_SIZE, size - idx * CHUNK_SIZE)
    if len(data) != expected:
        raise ProtocolError(
            "chunk_size", f"Bloc {idx} de taille incorrecte ({len(data)} octets reçus, {expected} attendus)."
        )
    if hashlib.sha256(data).hexdigest() != chunk_sha.lower():
        raise ProtocolError("chunk_corrupt", f"Bloc {idx} altéré pendant le transfert : refusé, à renvoyer.")
    corrupt = False
    with sdb.write() as conn:
        now = utcnow()
        _insert_ignore(conn, attachments, {"sha256": sha, "size": size, "chunks": chunks, "received": 0,
                                           "complete": False, "created_by": dev.id, "created_at": now})  # fmt: skip
        stmt = select(attachments).where(attachments.c.sha256 == sha)
        if conn.dialect.name == "postgresql":
            stmt = stmt.with_for_update()
        row = conn.execute(stmt).one()
        if row.size != size:
            raise ProtocolError(
                "size_mismatch", "Taille annoncée différente de celle du document déjà en cours d'envoi.", 409
            )
        if _insert_ignore(
            conn, attachment_chunks, {"sha256": sha, "idx": idx, "data": data, "received_at": now}
        ):
            _prove(conn, dev, sha, idx)
            corrupt = _count_and_complete(conn, sha, chunks, now)
        elif _stored_chunk_hash(conn, sha, idx) == chunk_sha.lower():
            _prove(conn, dev, sha, idx)  # the same bytes as the chunk already here: this device holds them
        elif row.complete:
            raise ProtocolError(
                "chunk_mismatch", f"Bloc {idx} différent de celui du document enregistré : refusé.", 409
            )
        result = _device_status(conn, dev, sha)
    if corrupt:
        raise ProtocolError(
            "attachment_corrupt",
            "Le document reçu ne correspond pas à son empreinte : envoi à reprendre.",
            409,
        )
    return result


def _prove(conn: Connection, dev: DeviceCtx, sha: str, idx: int) -> None:
    _insert_ignore(conn, attachment_holders, {"sha256": sha, "device_id": dev.id, "idx": idx})


def _stored_chunk_hash(conn: Connection, sha: str, idx: int) -> str:
    data = conn.execute(
        select(attachment_chunks.c.data).where(
            attachment_chunks.c.sha256 == sha, attachment_chunks.c.idx == idx
        )
    ).scalar()
    return hashlib.sha256(bytes(data)).hexdigest() if data is not None else ""


def _count_and_complete(conn: Connection, sha: str, chunks: int, now: datetime) -> bool:
    """Count the chunks of ``sha``; when all are there, check the whole hash: complete it, or throw every chunk
    away (True: corrupt) when they belong to different blobs claiming the same hash."""
    received = int(
        conn.execute(
            select(func.count()).select_from(attachment_chunks).where(attachment_chunks.c.sha256 == sha)
        ).scalar_one()
    )
    values: dict[str, Any] = {"received": received}
    corrupt = False
    if received == chunks:
        if _whole_hash(conn, sha, chunks) == sha:
            values.update(complete=True, completed_at=now)
        else:
            conn.execute(attachment_chunks.delete().where(attachment_chunks.c.sha256 == sha))
            conn.execute(attachment_holders.delete().where(attachment_holders.c.sha256 == sha))
            values["received"] = 0
            corrupt = True
    conn.execute(attachments.update().where(attachments.c.sha256 == sha).values(**values))
    return corrupt


def _whole_hash(conn: Connection, sha: str, chunks: int) -> str:
    h = hashlib.sha256()
    for i in range(chunks):
        data = conn.execute(
            select(attachment_chunks.c.data).where(
                attachment_chunks.c.sha256 == sha, attachment_chunks.c.idx == i
            )
        ).scalar()
        if data is None:
            return ""
        h.update(bytes(data))
    return h.hexdigest()


def in_scope(conn: Connection, dev: DeviceCtx, sha: str) -> bool:
    """A document row visible to the device references ``sha``."""
    document = BUSINESS["document"]
    stmt = (
        select(document.c.id)
        .join(row_feed, and_(row_feed.c.table_name == "document", row_feed.c.row_id == document.c.id))
        .where(document.c.sha256 == sha, visible_clause(dev, scope_referents(conn, dev)))
        .limit(1)
    )
    return conn.execute(stmt).first() is not None


def get_chunk(sdb: ServerDB, dev: DeviceCtx, sha: str, idx: int) -> bytes:
    """Chunk ``idx`` of a complete blob referenced by a document in the device's scope."""
    check_sha(sha)
    with sdb.read() as conn:
        row = conn.execute(select(attachments).where(attachments.c.sha256 == sha)).first()
        if row is None or not row.complete or not in_scope(conn, dev, sha):
            raise ProtocolError("not_found", "Document introuvable pour ce poste.", 404)
        if not 0 <= idx < row.chunks:
            raise ProtocolError(
                "bad_chunk", f"Numéro de bloc invalide ({idx}, le document en a {row.chunks})."
            )
        data = conn.execute(
            select(attachment_chunks.c.data).where(
                attachment_chunks.c.sha256 == sha, attachment_chunks.c.idx == idx
            )
        ).scalar()
    if data is None:
        raise ProtocolError("not_found", "Document introuvable pour ce poste.", 404)
    return bytes(data)


# ------------------------------------------------------------------------------------------ abandoned uploads


@dataclass(frozen=True)
class PruneResult:
    """What :func:`prune_incomplete` removed (or would remove, on a dry run)."""

    days: int
    before: datetime  # last activity older than this (UTC)
    attachments: int  # incomplete blobs
    chunks: int  # their chunks, plus chunks left without a blob
    bytes: int  # size of those chunks
    dry_run: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "before": self.before.isoformat(timespec="seconds")}


def _chunk_stats(conn: Connection, where: Any) -> dict[str, tuple[datetime, int, int]]:
    """sha256 → (last chunk received, chunk count, bytes) for the chunks matching ``where``."""
    rows = conn.execute(
        select(
            attachment_chunks.c.sha256,
            func.max(attachment_chunks.c.received_at),
            func.count(),
            func.coalesce(func.sum(func.length(attachment_chunks.c.data)), 0),
        )
        .where(where)
        .group_by(attachment_chunks.c.sha256)
    ).all()
    return {sha: (last, int(n), int(size)) for sha, last, n, size in rows}


def prune_incomplete(
    sdb: ServerDB, days: int = 7, *, now: datetime | None = None, dry_run: bool = False
) -> PruneResult:
    """Delete the attachments still incomplete whose last activity (creation or latest chunk) is older than
    ``days`` days, with their chunks, and chunks older than that left without an attachment row.

    Complete attachments are never touched (purged ones go with :mod:`server.engine.purge`). A device whose upload is
    removed finds the blob unknown at its next sync and sends it again from the first chunk. On PostgreSQL the
    candidate rows are locked first, so a chunk arriving meanwhile is seen and keeps its upload.
    """
    if days < 1:
        raise ValueError("days must be at least 1")
    before = (now or utcnow()) - timedelta(days=days)
    with sdb.write() as conn:
        stmt = select(attachments.c.sha256).where(
            attachments.c.complete.is_(False), attachments.c.created_at < before
        )
        if conn.dialect.name == "postgresql":
            stmt = stmt.with_for_update()
        candidates = list(conn.execute(stmt).scalars())
        stale: list[str] = []
        chunks = size = 0
        for i in range(0, len(candidates), 500):
            batch = candidates[i : i + 500]
            stats = _chunk_stats(conn, attachment_chunks.c.sha256.in_(batch))
            for sha in batch:
                last, n, nbytes = stats.get(sha, (None, 0, 0))
                if last is None or last < before:
                    stale.append(sha)
                    chunks += n
                    size += nbytes
        known = select(attachments.c.sha256)
        loose = {
            sha: st
            for sha, st in _chunk_stats(conn, attachment_chunks.c.sha256.notin_(known)).items()
            if st[0] < before
        }
        chunks += sum(n for _, n, _ in loose.values())
        size += sum(b for _, _, b in loose.values())
        if not dry_run:
            doomed = stale + sorted(loose)
            for i in range(0, len(doomed), 500):
                conn.execute(
                    delete(attachment_chunks).where(attachment_chunks.c.sha256.in_(doomed[i : i + 500]))
                )
            for i in range(0, len(stale), 500):
                conn.execute(delete(attachments).where(attachments.c.sha256.in_(stale[i : i + 500])))
            for i in range(0, len(doomed), 500):
                conn.execute(
                    delete(attachment_holders).where(attachment_holders.c.sha256.in_(doomed[i : i + 500]))
                )
    return PruneResult(
        days=days, before=before, attachments=len(stale), chunks=chunks, bytes=size, dry_run=dry_run
    )
