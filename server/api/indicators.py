"""``GET /api/v1/indicators``: département indicators (anonymised counts) for administrators and team leaders.

Wired in :func:`server.api.app.create_app` by ``api_indicators.register(app, sdb, authenticate)``. An administrator
may ask for the whole département or filter it (``team``, ``organisme``, ``territoire``); a team leader only ever
gets their own team; a référent is refused (their own figures are computed on their laptop).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from app.models.indicators.period import parse_period_text
from server.engine.indicators import Filters, department_report
from server.engine.scope import DeviceCtx, ProtocolError
from server.store.db import ServerDB
from server.store.tables import teams

ROLES_ALLOWED = ("admin", "team_leader")


def indicators_for(
    sdb: ServerDB,
    dev: DeviceCtx,
    period: str,
    *,
    team: str | None = None,
    organisme: str | None = None,
    territoire: str | None = None,
) -> dict[str, Any]:
    """The report as JSON data, within what the device's user may see (French ProtocolError otherwise)."""
    if dev.role not in ROLES_ALLOWED:
        raise ProtocolError(
            "forbidden", "Les indicateurs du département sont réservés aux responsables d'équipe.", 403
        )
    try:
        wanted = parse_period_text(period)
    except ValueError as exc:
        raise ProtocolError("bad_request", str(exc), 400) from exc
    if dev.role == "team_leader":
        with sdb.read() as conn:
            own = conn.execute(select(teams.c.name).where(teams.c.id == dev.team_id)).scalar()
        if own is None:
            raise ProtocolError("forbidden", "Aucune équipe n'est rattachée à votre compte.", 403)
        if team not in (None, "", own):
            raise ProtocolError("forbidden", f"Vous ne voyez que les indicateurs de l'équipe « {own} ».", 403)
        team = str(own)
    report = department_report(sdb, wanted, Filters(team or None, organisme or None, territoire or None))
    return report.as_dict()


def register(app: FastAPI, sdb: ServerDB, authenticate: Callable[[Request], DeviceCtx]) -> None:
    """Add the route to ``app`` (``authenticate``: the app's device authentication)."""

    @app.get("/api/v1/indicators", summary="Indicateurs d'une période (comptes anonymes)")
    async def indicators(
        request: Request,
        period: str,
        team: str | None = None,
        organisme: str | None = None,
        territoire: str | None = None,
    ) -> dict[str, Any]:
        dev = await run_in_threadpool(authenticate, request)
        result: dict[str, Any] = await run_in_threadpool(
            lambda: indicators_for(sdb, dev, period, team=team, organisme=organisme, territoire=territoire)
        )
        return result
