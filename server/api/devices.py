"""Routes of a device's life: enrolment with a one-time code, and the end of a retirement."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from starlette.concurrency import run_in_threadpool

from server.admin import accounts as admin
from server.admin import audit
from server.api.body import ApiRoute, respond
from server.api.deps import authenticate, client_address, get_guard, get_sdb
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
    guard, address = get_guard(request), client_address(request)
    guard.check((guard.enrol_address, address), (guard.enrol_device, body.device_id))
    replay = timedelta(seconds=guard.limits.enrol_replay_s)

    def run() -> dict[str, Any]:
        try:
            return admin.enroll(
                sdb,
                body.code,
                body.device_id,
                body.name,
                body.app_version,
                body.schema_version,
                address=address,
                replay=replay,
            )
        except admin.AdminError as exc:
            blocked = [guard.enrol_address.fail(address), guard.enrol_device.fail(body.device_id)]
            audit.record(sdb, "enrol_failed", device_id=body.device_id, address=address, detail=str(exc))
            if any(blocked):
                audit.record(
                    sdb,
                    "rate_limited",
                    device_id=body.device_id,
                    address=address,
                    code="enrol",
                    detail="Enrôlements refusés : adresse ou poste bloqué pour un temps.",
                )
            raise

    return respond(request, await run_in_threadpool(run))


@router.post("/retired", summary="Le poste en retrait a tout envoyé et s'est effacé")
async def retired(
    request: Request,
    dev: Annotated[DeviceCtx, Depends(authenticate)],
    sdb: Annotated[ServerDB, Depends(get_sdb)],
    body: EmptyRequest | None = None,
) -> Response:
    await run_in_threadpool(engine_hello.retire, sdb, dev)
    return respond(request, {"ok": True})
