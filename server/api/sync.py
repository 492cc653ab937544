"""Routes of the sync itself: ``hello``, ``upload``, ``download``, ``check``, ``index``, ``rows``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from starlette.concurrency import run_in_threadpool

from server.api.body import ApiRoute, respond
from server.api.deps import authenticate, get_sdb
from server.api.models import (
    DownloadRequest,
    EmptyRequest,
    HelloRequest,
    IndexRequest,
    RowsRequest,
    UploadRequest,
)
from server.engine import check as engine_check
from server.engine import download as engine_download
from server.engine import hello as engine_hello
from server.engine import upload as engine_upload
from server.engine.protocol import check_schema
from server.engine.scope import DeviceCtx
from server.store.db import ServerDB

router = APIRouter(prefix="/api/v1", route_class=ApiRoute, tags=["synchronisation"])
Device = Annotated[DeviceCtx, Depends(authenticate)]
Sdb = Annotated[ServerDB, Depends(get_sdb)]


@router.post("/hello", summary="Présentation du poste : état, versions, époque du serveur")
async def hello(request: Request, body: HelloRequest, dev: Device, sdb: Sdb) -> Response:
    check_schema(body.schema_version)
    answer = await run_in_threadpool(
        lambda: engine_hello.hello(
            sdb,
            dev,
            app_version=body.app_version,
            schema_version=body.schema_version,
            acked_seq=body.acked_seq,
            cursor=body.cursor,
            epoch=body.epoch or "",
        )
    )
    return respond(request, answer)


@router.post("/upload", summary="Envoyer un lot d'opérations (appliqué en une transaction)")
async def upload(request: Request, body: UploadRequest, dev: Device, sdb: Sdb) -> Response:
    result = await run_in_threadpool(engine_upload.apply_batch, sdb, dev.id, body.ops)
    return respond(request, result)


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
