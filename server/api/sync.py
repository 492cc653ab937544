"""Routes of the sync itself: ``hello``, ``upload``, ``download``, ``check``, ``index``, ``rows``, and
``escalate`` (a référent transmits refused ops to their team leader)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from starlette.concurrency import run_in_threadpool

from server.admin import audit
from server.api.body import ApiRoute, respond
from server.api.deps import authenticate, client_address, get_guard, get_sdb
from server.api.limits import Guard
from server.api.models import (
    DownloadRequest,
    EmptyRequest,
    EscalateRequest,
    HelloRequest,
    IndexRequest,
    RowsRequest,
    UploadRequest,
)
from server.engine import check as engine_check
from server.engine import download as engine_download
from server.engine import hello as engine_hello
from server.engine import upload as engine_upload
from server.engine.errors import ProtocolError
from server.engine.protocol import check_schema
from server.engine.scope import DeviceCtx
from server.store.db import ServerDB

router = APIRouter(prefix="/api/v1", route_class=ApiRoute, tags=["synchronisation"])
Device = Annotated[DeviceCtx, Depends(authenticate)]
Sdb = Annotated[ServerDB, Depends(get_sdb)]


async def upload_slot(request: Request, dev: Device) -> AsyncIterator[None]:
    """One of the device's concurrent upload slots, for the time of the request (429 when all are taken)."""
    guard: Guard = get_guard(request)
    guard.take_upload(dev.id)
    try:
        yield
    finally:
        guard.release_upload(dev.id)


Slot = Annotated[None, Depends(upload_slot)]


@router.post("/hello", summary="Présentation du poste : état, versions, époque du serveur")
async def hello(request: Request, body: HelloRequest, dev: Device, sdb: Sdb) -> Response:
    check_schema(body.schema_version)

    def run() -> dict[str, object]:
        try:
            return engine_hello.hello(
                sdb,
                dev,
                app_version=body.app_version,
                schema_version=body.schema_version,
                acked_seq=body.acked_seq,
                cursor=body.cursor,
                epoch=body.epoch or "",
                min_client_version=request.app.state.min_client_version,
            )
        except ProtocolError as exc:
            audit.record(
                sdb,
                "cursor_ahead",
                device_id=dev.id,
                user_id=dev.user_id,
                address=client_address(request),
                code=exc.code,
                detail=f"curseur {body.cursor}",
            )
            raise

    return respond(request, await run_in_threadpool(run))


@router.post("/upload", summary="Envoyer un lot d'opérations (appliqué en une transaction)")
async def upload(request: Request, body: UploadRequest, dev: Device, sdb: Sdb, _slot: Slot) -> Response:
    address = client_address(request)
    result = await run_in_threadpool(
        lambda: engine_upload.apply_batch(sdb, dev.id, body.ops, address=address)
    )
    worker = request.app.state.reminders
    if worker is not None and any(
        isinstance(op, dict) and op.get("t") == "appointment_reminder" for op in body.ops
    ):
        worker.notify()  # ADR 0036: a reminder due now leaves without waiting for the next round
    return respond(request, result)


@router.post(
    "/escalate",
    summary="Transmettre au responsable d'équipe des opérations refusées à ce poste (signalement)",
)
async def escalate(request: Request, body: EscalateRequest, dev: Device, sdb: Sdb) -> Response:
    address = client_address(request)
    count = await run_in_threadpool(
        lambda: audit.escalate(sdb, dev.id, dev.user_id, list(body.ops), address=address)
    )
    return respond(request, {"escalated": count})


@router.post("/download", summary="Changements après un curseur, pour le périmètre du poste")
async def download(request: Request, body: DownloadRequest, dev: Device, sdb: Sdb) -> Response:
    page = await run_in_threadpool(engine_download.download, sdb, dev, body.cursor, body.limit)
    return respond(request, page)


@router.post("/check", summary="Empreintes par table (id, révision) du périmètre du poste")
async def check(request: Request, dev: Device, sdb: Sdb, body: EmptyRequest | None = None) -> Response:
    return respond(request, {"tables": await run_in_threadpool(engine_check.scope_hashes, sdb, dev)})


@router.post("/index", summary="Liste (id, révision) des tables demandées, pour une réparation ciblée")
async def index(request: Request, body: IndexRequest, dev: Device, sdb: Sdb) -> Response:
    found = await run_in_threadpool(engine_check.scope_index, sdb, dev, list(body.tables))
    return respond(request, {"index": found})


@router.post("/rows", summary="Lignes complètes demandées par une réparation ciblée")
async def rows(request: Request, body: RowsRequest, dev: Device, sdb: Sdb) -> Response:
    wanted = {t: list(ids) for t, ids in body.rows.items()}
    return respond(request, await run_in_threadpool(engine_check.fetch_rows, sdb, dev, wanted))
