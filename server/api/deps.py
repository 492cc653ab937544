"""Dependencies of the API routes: the server database and the device authentication (from headers only)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Header, Request
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from server.admin import accounts as admin
from server.admin import audit
from server.api.limits import Guard
from server.engine.errors import ProtocolError
from server.engine.protocol import check_schema
from server.engine.scope import DeviceCtx, load_device
from server.store.db import ServerDB
from server.store.tables import devices


def get_sdb(request: Request) -> ServerDB:
    """The server database of the application serving ``request``."""
    sdb: ServerDB = request.app.state.sdb
    return sdb


def get_guard(request: Request) -> Guard:
    guard: Guard = request.app.state.guard
    return guard


def client_address(request: Request) -> str:
    """The client's address as uvicorn sees it (the proxy's, unless uvicorn trusts its forwarded headers)."""
    return (request.client.host if request.client else "")[:64]


def bearer(value: str) -> str:
    return value[7:].strip() if value[:7].lower() == "bearer " else ""


def check_token(sdb: ServerDB, device_id: str, token: str) -> DeviceCtx:
    """The device whose token this is; ProtocolError 401 (unknown) or 403 (revoked) otherwise."""
    with sdb.read() as conn:
        row = conn.execute(
            select(devices.c.token_hash, devices.c.status).where(devices.c.id == device_id)
        ).first()
        if row is None or not token or row.token_hash != admin.sha256(token):
            raise ProtocolError("unauthorized", "Poste inconnu ou jeton invalide.", 401)
        if row.status == "revoked":
            raise ProtocolError("device_revoked", "Ce poste a été révoqué par l'administrateur.", 403)
        dev = load_device(conn, device_id)
    if dev is None:  # deleted between the two reads
        raise ProtocolError("unauthorized", "Poste inconnu ou jeton invalide.", 401)
    return dev


def _failed(sdb: ServerDB, guard: Guard, device_id: str, address: str, exc: ProtocolError) -> None:
    """Count and log a refused token (until its address or device is blocked: then once, « rate_limited »)."""
    blocked = [guard.auth_address.fail(address), guard.auth_device.fail(device_id)]
    audit.record(sdb, "auth_failed", device_id=device_id, address=address, code=exc.code, detail=exc.message)
    if any(blocked):
        audit.record(
            sdb,
            "rate_limited",
            device_id=device_id,
            address=address,
            code="auth",
            detail="Authentifications refusées : adresse ou poste bloqué pour un temps.",
        )


async def authenticate_request(request: Request) -> DeviceCtx:
    """Authenticate the device of ``request`` from its headers alone (``X-Device-Id``, bearer token,
    ``X-Schema-Version``); called by :class:`server.api.body.ApiRoute` before the body is read.

    Too many refused tokens from one address or for one device id: 429 until the window passes."""
    device_id = request.headers.get("x-device-id", "")[:64]
    token = bearer(request.headers.get("authorization", ""))[:200]
    sdb, guard, address = get_sdb(request), get_guard(request), client_address(request)
    guard.check((guard.auth_address, address), (guard.auth_device, device_id))
    try:
        dev = await run_in_threadpool(check_token, sdb, device_id, token)
    except ProtocolError as exc:
        if exc.status == 401:
            await run_in_threadpool(_failed, sdb, guard, device_id, address, exc)
        raise
    schema = request.headers.get("x-schema-version")
    if schema is not None:
        check_schema(schema[:40])
    return dev


async def authenticate(
    request: Request,
    x_device_id: Annotated[str, Header(description="Identifiant du poste enrôlé")] = "",
    authorization: Annotated[str, Header(description="« Bearer <jeton du poste> »")] = "",
    x_schema_version: Annotated[
        str | None, Header(description="Version de données (révision Alembic) du poste")
    ] = None,
) -> DeviceCtx:
    """The authenticated device (already checked by the route before the body was read)."""
    dev = getattr(request.state, "device", None)
    if isinstance(dev, DeviceCtx):
        return dev
    dev = await authenticate_request(request)
    request.state.device = dev
    return dev
