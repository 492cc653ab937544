"""The FastAPI application: versioned JSON API under ``/api/v1`` (bodies may be zstd-compressed JSON)."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import signal
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from app.models.sync import wire as codec
from server import SERVER_VERSION
from server.admin import accounts as admin
from server.api import indicators as api_indicators
from server.engine import attachments as blobs
from server.engine import check as engine_check
from server.engine import download as engine_download
from server.engine import scope
from server.engine import upload as engine_upload
from server.store.db import ServerDB, get_meta, utcnow
from server.store.tables import devices, feed_counter, users

log = logging.getLogger("server")

#: Client schema versions (Alembic revisions of the vault) this server understands.
SCHEMA_MIN = "0001"
SCHEMA_MAX = "0001"
MAX_BATCH_OPS = 500
MAX_BATCH_BYTES = 256 * 1024


async def _body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if len(raw) > 8 * 1024 * 1024:
        raise scope.ProtocolError("too_large", "Requête trop volumineuse.", 413)
    if request.headers.get("content-encoding", "") == "zstd":
        if len(raw) > MAX_BATCH_BYTES + 4096:
            raise scope.ProtocolError("too_large", "Lot trop volumineux (256 Kio compressés au plus).", 413)
        raw = codec.decompress(raw)
    if not raw:
        return {}
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise scope.ProtocolError("bad_json", "Corps de requête illisible (JSON attendu).") from exc
    if not isinstance(data, dict):
        raise scope.ProtocolError("bad_json", "Corps de requête illisible (objet JSON attendu).")
    return data


def _respond(request: Request, obj: Any) -> Response:
    data = codec.dumps(obj)
    if "zstd" in request.headers.get("accept-encoding", "") and len(data) > 512:
        return Response(
            codec.compress(data), media_type="application/json", headers={"Content-Encoding": "zstd"}
        )
    return Response(data, media_type="application/json")


def _schema_ok(version: str) -> bool:
    return bool(version) and SCHEMA_MIN <= version <= SCHEMA_MAX


def create_app(database_url: str, *, migrate: bool = True) -> FastAPI:
    """The server over ``database_url`` (SQLite file or ``postgresql+psycopg://…``); runs migrations first."""
    sdb = ServerDB(database_url)
    if migrate:
        sdb.migrate()
    app = FastAPI(
        title="Fil rouge — serveur départemental",
        version=SERVER_VERSION,
        docs_url="/api/v1/docs",
        openapi_url="/api/v1/openapi.json",
    )
    app.state.sdb = sdb

    @app.exception_handler(scope.ProtocolError)
    async def _protocol_error(_request: Request, exc: scope.ProtocolError) -> JSONResponse:
        return JSONResponse({"code": exc.code, "message": exc.message}, status_code=exc.status)

    @app.exception_handler(admin.AdminError)
    async def _admin_error(_request: Request, exc: admin.AdminError) -> JSONResponse:
        return JSONResponse({"code": "refused", "message": str(exc)}, status_code=400)

    def authenticate(request: Request) -> scope.DeviceCtx:
        device_id = request.headers.get("x-device-id", "")
        auth = request.headers.get("authorization", "")
        token = auth[7:] if auth.lower().startswith("bearer ") else ""
        with sdb.read() as conn:
            row = conn.execute(
                select(devices.c.token_hash, devices.c.status).where(devices.c.id == device_id)
            ).first()
            if row is None or not token or row.token_hash != admin.sha256(token):
                raise scope.ProtocolError("unauthorized", "Poste inconnu ou jeton invalide.", 401)
            if row.status == "revoked":
                raise scope.ProtocolError(
                    "device_revoked", "Ce poste a été révoqué par l'administrateur.", 403
                )
            dev = scope.load_device(conn, device_id)
        assert dev is not None
        schema = request.headers.get("x-schema-version")
        if schema is not None and not _schema_ok(schema):
            raise _schema_error(schema)
        return dev

    async def call(fn: Callable[..., Any], *args: Any) -> Any:
        return await run_in_threadpool(fn, *args)

    @app.get("/api/v1/info", summary="Version du serveur et versions de schéma acceptées")
    async def info() -> dict[str, Any]:
        def _info() -> dict[str, Any]:
            with sdb.read() as conn:
                return {
                    "server_version": SERVER_VERSION,
                    "schema_min": SCHEMA_MIN,
                    "schema_max": SCHEMA_MAX,
                    "epoch": get_meta(conn, "epoch"),
                }

        return await call(_info)  # type: ignore[no-any-return]

    @app.post("/api/v1/enroll", summary="Enrôler un poste avec un code à usage unique")
    async def enroll(request: Request) -> Response:
        body = await _body(request)
        schema = str(body.get("schema_version", ""))
        if not _schema_ok(schema):
            raise _schema_error(schema)
        result = await call(
            admin.enroll,
            sdb,
            str(body.get("code", "")),
            str(body.get("device_id", "")),
            str(body.get("name", ""))[:200],
            str(body.get("app_version", ""))[:40],
            schema,
        )
        return _respond(request, result)

    @app.post("/api/v1/hello", summary="Présentation du poste : état, versions, époque du serveur")
    async def hello(request: Request) -> Response:
        body = await _body(request)
        dev = await call(authenticate, request)
        schema = str(body.get("schema_version", ""))
        if not _schema_ok(schema):
            raise _schema_error(schema)
        return _respond(request, await call(_hello, dev, body))

    def _hello(dev: scope.DeviceCtx, body: dict[str, Any]) -> dict[str, Any]:
        acked = int(body.get("acked_seq") or 0)
        cursor = int(body.get("cursor") or 0)
        client_epoch = str(body.get("epoch") or "")
        with sdb.write() as conn:
            d = conn.execute(select(devices).where(devices.c.id == dev.id)).first()
            assert d is not None
            last = int(conn.execute(select(feed_counter.c.last_seq)).scalar_one())
            restored = False
            if acked > d.next_seq - 1 or cursor > last:
                # The server went back in time (restored backup): new epoch, counter above what was seen.
                restored = True
                engine_check.mark_restored(conn, min_seq=cursor)
                log.warning(
                    "restore detected by device %s (acked %s > %s or cursor %s > %s)",
                    dev.id,
                    acked,
                    d.next_seq - 1,
                    cursor,
                    last,
                )
            next_seq = max(d.next_seq, acked + 1)
            conn.execute(
                devices.update()
                .where(devices.c.id == dev.id)
                .values(
                    next_seq=next_seq,
                    last_seen_at=utcnow(),
                    app_version=str(body.get("app_version", ""))[:40],
                    schema_version=str(body.get("schema_version", ""))[:40],
                )
            )
            epoch = get_meta(conn, "epoch")
            last = int(conn.execute(select(feed_counter.c.last_seq)).scalar_one())
            user = conn.execute(select(users).where(users.c.id == dev.user_id)).first()
        assert user is not None
        return {
            "server_version": SERVER_VERSION,
            "schema_min": SCHEMA_MIN,
            "schema_max": SCHEMA_MAX,
            "status": d.status,
            "epoch": epoch,
            "epoch_changed": bool(client_epoch) and client_epoch != epoch,
            "restored": restored,
            "last_seq": last,
            "next_seq": next_seq,
            "user": {
                "login": user.login,
                "name": user.name,
                "role": user.role,
                "referent_id": user.referent_id,
            },
            "limits": {"ops": MAX_BATCH_OPS, "bytes": MAX_BATCH_BYTES},
        }

    @app.post("/api/v1/upload", summary="Envoyer un lot d'opérations (appliqué en une transaction)")
    async def upload(request: Request) -> Response:
        body = await _body(request)
        dev = await call(authenticate, request)
        ops = body.get("ops")
        if not isinstance(ops, list) or len(ops) > MAX_BATCH_OPS:
            raise scope.ProtocolError("bad_batch", f"Lot invalide (au plus {MAX_BATCH_OPS} opérations).")
        if any(not isinstance(op, dict) for op in ops):
            raise scope.ProtocolError("bad_batch", "Lot invalide (opérations mal formées).")
        result = await call(engine_upload.apply_batch, sdb, dev.id, ops)
        if os.environ.get("FIL_ROUGE_TEST_FAULT") == "kill_after_commit":  # fault tests only
            os.kill(os.getpid(), signal.SIGKILL)
        return _respond(request, result)

    @app.post("/api/v1/download", summary="Changements après un curseur, pour le périmètre du poste")
    async def download(request: Request) -> Response:
        body = await _body(request)
        dev = await call(authenticate, request)
        limit = max(1, min(int(body.get("limit") or 2000), 5000))
        return _respond(
            request, await call(engine_download.download, sdb, dev, int(body.get("cursor") or 0), limit)
        )

    @app.post("/api/v1/check", summary="Empreintes par table (id, révision) du périmètre du poste")
    async def check(request: Request) -> Response:
        await _body(request)
        dev = await call(authenticate, request)
        return _respond(request, {"tables": await call(engine_check.scope_hashes, sdb, dev)})

    @app.post(
        "/api/v1/index", summary="Liste (id, révision) des tables demandées, pour une réparation ciblée"
    )
    async def index(request: Request) -> Response:
        body = await _body(request)
        dev = await call(authenticate, request)
        tables = [str(t) for t in body.get("tables") or []]
        return _respond(request, {"index": await call(engine_check.scope_index, sdb, dev, tables)})

    @app.post("/api/v1/rows", summary="Lignes complètes demandées par une réparation ciblée")
    async def rows(request: Request) -> Response:
        body = await _body(request)
        dev = await call(authenticate, request)
        wanted = body.get("rows") or {}
        if not isinstance(wanted, dict):
            raise scope.ProtocolError("bad_request", "Demande de lignes invalide.")
        return _respond(request, await call(engine_check.fetch_rows, sdb, dev, wanted))

    @app.get("/api/v1/attachments/{sha256}", summary="État d'un document : complet, taille, blocs reçus")
    async def attachment_status(sha256: str, request: Request) -> Response:
        await call(authenticate, request)
        return _respond(request, await call(blobs.status, sdb, sha256))

    @app.put(
        "/api/v1/attachments/{sha256}/chunks/{index}",
        summary="Envoyer un bloc (1 Mio au plus) d'un document ; en-têtes X-Attachment-Size et X-Chunk-SHA256",
    )
    async def attachment_put(sha256: str, index: int, request: Request) -> Response:
        dev = await call(authenticate, request)
        if int(request.headers.get("content-length") or 0) > blobs.CHUNK_SIZE:
            raise scope.ProtocolError("too_large", "Bloc trop volumineux (1 Mio au plus).", 413)
        data = await request.body()
        if len(data) > blobs.CHUNK_SIZE:
            raise scope.ProtocolError("too_large", "Bloc trop volumineux (1 Mio au plus).", 413)
        try:
            size = int(request.headers.get("x-attachment-size") or 0)
        except ValueError:
            size = 0
        chunk_sha = request.headers.get("x-chunk-sha256", "")
        return _respond(request, await call(blobs.put_chunk, sdb, dev, sha256, index, size, chunk_sha, data))

    @app.get(
        "/api/v1/attachments/{sha256}/chunks/{index}",
        summary="Lire un bloc d'un document complet référencé dans le périmètre du poste",
    )
    async def attachment_get(sha256: str, index: int, request: Request) -> Response:
        dev = await call(authenticate, request)
        data = await call(blobs.get_chunk, sdb, dev, sha256, index)
        return Response(
            data,
            media_type="application/octet-stream",
            headers={"X-Chunk-SHA256": hashlib.sha256(data).hexdigest()},
        )

    @app.post("/api/v1/retired", summary="Le poste en retrait a tout envoyé et s'est effacé")
    async def retired(request: Request) -> Response:
        await _body(request)
        dev = await call(authenticate, request)

        def _retire() -> None:
            with sdb.write() as conn:
                conn.execute(
                    devices.update().where(devices.c.id == dev.id).values(status="revoked", wiped_at=utcnow())
                )

        await call(_retire)
        return _respond(request, {"ok": True})

    api_indicators.register(app, sdb, authenticate)
    return app


def _schema_error(version: str) -> scope.ProtocolError:
    return scope.ProtocolError(
        "schema_mismatch",
        f"Version de données du poste ({version or 'inconnue'}) non prise en charge par le serveur "
        f"(versions acceptées : {SCHEMA_MIN} à {SCHEMA_MAX}). Mettez à jour l'application ou le serveur.",
        409,
    )
