"""``GET /api/v1/info``: what anyone may know before enrolling (versions, epoch)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool

from server.api.body import ApiRoute
from server.api.deps import get_sdb
from server.engine import hello as engine_hello
from server.store.db import ServerDB

router = APIRouter(prefix="/api/v1", route_class=ApiRoute, tags=["serveur"])


@router.get("/info", summary="Version du serveur et versions de schéma acceptées")
async def info(request: Request, sdb: Annotated[ServerDB, Depends(get_sdb)]) -> dict[str, Any]:
    return await run_in_threadpool(engine_hello.info, sdb, request.app.state.min_client_version)
