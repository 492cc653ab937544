"""``GET /api/v1/indicators``: département indicators (anonymised counts) for administrators and team leaders
(the rules are :func:`server.engine.indicators.indicators_for`)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from starlette.concurrency import run_in_threadpool

from server.api.body import ApiRoute
from server.api.deps import authenticate, get_sdb
from server.engine.indicators import indicators_for
from server.engine.scope import DeviceCtx
from server.store.db import ServerDB

#: Any text but the NUL character (PostgreSQL refuses it).
NO_NUL = "^[^\\x00]*$"
router = APIRouter(prefix="/api/v1", route_class=ApiRoute, tags=["indicateurs"])


@router.get("/indicators", summary="Indicateurs d'une période (comptes anonymes)")
async def indicators(
    dev: Annotated[DeviceCtx, Depends(authenticate)],
    sdb: Annotated[ServerDB, Depends(get_sdb)],
    period: Annotated[
        str, Query(min_length=1, max_length=20, pattern=NO_NUL, description="2026-10, 2026-T4 ou 2026")
    ],
    team: Annotated[str | None, Query(max_length=100, pattern=NO_NUL)] = None,
    organisme: Annotated[str | None, Query(max_length=100, pattern=NO_NUL)] = None,
    territoire: Annotated[str | None, Query(max_length=10, pattern=NO_NUL)] = None,
) -> dict[str, Any]:
    return await run_in_threadpool(
        lambda: indicators_for(sdb, dev, period, team=team, organisme=organisme, territoire=territoire)
    )
