"""Routes of a device's life: enrolment with a one-time code, and the end of a retirement."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from starlette.concurrency import run_in_threadpool

from server.admin import accounts as admin
from server.api.body import ApiRoute, respond
from server.api.deps import authenticate, get_sdb
from server.api.models import EmptyRequest, EnrolRequest
from server.engine import hello as engine_hello
from server.engine.protocol import check_schema
from server.engine.scope import DeviceCtx
from server.store.db import ServerDB

router = APIRouter(prefix="/api/v1", route_class=ApiRoute, tags=["postes"])


@router.post("/enroll", summary="Enrôler un poste avec un code à usage unique")
async def enroll(
    request: Request, body: EnrolRequest, sdb: Annotated[ServerDB, Depends(get_sdb)]
) -> Response:
    check_schema(body.schema_version)
    result = await run_in_threadpool(
        admin.enroll, sdb, body.code, body.device_id, body.name, body.app_version, body.schema_version
    )
    return respond(request, result)


@router.post("/retired", summary="Le poste en retrait a tout envoyé et s'est effacé")
async def retired(
    request: Request,
    dev: Annotated[DeviceCtx, Depends(authenticate)],
    sdb: Annotated[ServerDB, Depends(get_sdb)],
    body: EmptyRequest | None = None,
) -> Response:
    await run_in_threadpool(engine_hello.retire, sdb, dev)
    return respond(request, {"ok": True})
