"""The FastAPI application: versioned JSON API under ``/api/v1`` (bodies may be zstd-compressed JSON).

:func:`create_app` only assembles: the database, the error handlers and the routers (sync, devices, attachments,
indicators, info). Authentication is the :func:`server.api.deps.authenticate` dependency; bodies are pydantic
models (:mod:`server.api.models`) read with bounds (:mod:`server.api.body`).
"""

from __future__ import annotations

from fastapi import FastAPI

from server import SERVER_VERSION
from server.api import attachments, devices, errors, indicators, info, sync
from server.store.db import ServerDB


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
    errors.install(app)
    for module in (info, devices, sync, attachments, indicators):
        app.include_router(module.router)
    return app
