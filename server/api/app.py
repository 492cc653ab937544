"""The FastAPI application: versioned JSON API under ``/api/v1`` (bodies may be zstd-compressed JSON).

:func:`create_app` only assembles: the database, the error handlers and the routers (sync, devices, attachments,
indicators, info). Authentication is the :func:`server.api.deps.authenticate` dependency; bodies are pydantic
models (:mod:`server.api.models`) read with bounds (:mod:`server.api.body`).
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI

from server import MIN_CLIENT_VERSION, SERVER_VERSION
from server.api import attachments, devices, errors, indicators, info, sync
from server.api.limits import Guard, Limits
from server.engine.reminders.senders import Sender
from server.engine.reminders.worker import ReminderWorker
from server.store.db import ServerDB


def create_app(
    database_url: str,
    *,
    migrate: bool = True,
    limits: Limits | None = None,
    min_client_version: str = MIN_CLIENT_VERSION,
    clock: Callable[[], float] = time.monotonic,
    senders: dict[str, Sender] | None = None,
) -> FastAPI:
    """The server over ``database_url`` (SQLite file or ``postgresql+psycopg://…``); runs migrations first.

    ``limits``: failed attempts and concurrent uploads (:class:`server.api.limits.Limits`); ``min_client_version``:
    announced to devices; ``clock``: of the rate limits (tests); ``senders``: how reminders leave, by channel
    (ADR 0036) — their worker runs while the application is served (none: reminders wait on the server)."""
    sdb = ServerDB(database_url)
    if migrate:
        sdb.migrate()
    worker = ReminderWorker(sdb, senders) if senders else None

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if worker is not None:
            worker.start()
            worker.notify()  # reminders that fell due while the server was down
        try:
            yield
        finally:
            if worker is not None:
                worker.stop()

    app = FastAPI(
        lifespan=lifespan,
        title="Fil rouge — serveur départemental",
        version=SERVER_VERSION,
        docs_url="/api/v1/docs",
        openapi_url="/api/v1/openapi.json",
    )
    app.state.sdb = sdb
    app.state.guard = Guard(limits, clock)
    app.state.min_client_version = min_client_version
    app.state.reminders = worker
    errors.install(app)
    for module in (info, devices, sync, attachments, indicators):
        app.include_router(module.router)
    return app
