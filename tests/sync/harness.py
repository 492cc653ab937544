"""Test harness: an in-process server (TestClient, or uvicorn in a thread), devices with real vaults."""

from __future__ import annotations

import socket
import threading
import time
import warnings
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select

from app.models.tables.followup import Note
from app.models.tables.people import Person
from app.services.storage import vault as vault_service
from app.services.sync.client import SyncClient
from server.admin.accounts import add_user, new_enrolment_code
from server.api.app import create_app
from server.store.db import ServerDB
from tests.vaults import copy_vault, shared_template

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

BASE = "http://127.0.0.1"


def endpoint_of(request: httpx.Request) -> str:
    """``upload``, ``download``…; document chunks: ``put-chunk-2``, ``get-chunk-0``; their status: ``attachment``."""
    parts = request.url.path.split("/")
    if "attachments" in parts:
        if "chunks" in parts:
            return f"{request.method.lower()}-chunk-{parts[-1]}"
        return "attachment"
    return parts[-1]


class CountingTransport(httpx.BaseTransport):
    """Sits right in front of the server: counts the requests that reached it, by endpoint."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.seen: list[str] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(endpoint_of(request))
        return self.inner.handle_request(request)


class FaultyTransport(httpx.BaseTransport):
    """Wraps a transport; ``plan`` maps an endpoint to a fault: 'drop_request' or 'drop_answer'."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.plan: dict[str, list[str]] = {}
        self.calls: list[str] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        endpoint = endpoint_of(request)
        self.calls.append(endpoint)
        faults = self.plan.get(endpoint) or []
        fault = faults.pop(0) if faults else None
        if fault == "drop_request":
            raise httpx.ConnectError("coupure simulée", request=request)
        if fault == "corrupt_body":  # one byte flipped on the way, headers untouched
            body = bytearray(request.read())
            body[len(body) // 2] ^= 0xFF
            headers = {k: v for k, v in request.headers.items() if k.lower() != "content-length"}
            request = httpx.Request(request.method, request.url, headers=headers, content=bytes(body))
        response = self.inner.handle_request(request)
        if fault == "drop_answer":
            response.read()
            raise httpx.ReadError("réponse perdue (simulée)", request=request)
        if fault == "http_502":
            return httpx.Response(502, content=b"bad gateway", request=request)
        return response


@dataclass
class Server:
    url: str
    app: Any
    sdb: ServerDB
    base: str = BASE
    _client: TestClient | None = None

    def client(self) -> TestClient:
        if self._client is None:
            self._client = TestClient(self.app)
        return self._client

    def add_user(self, login: str, role: str = "referent", team: str | None = None) -> dict[str, Any]:
        return add_user(self.sdb, login, login.capitalize() + " Test", role, team)

    def code(self, login: str) -> str:
        return new_enrolment_code(self.sdb, login)


def make_server(url: str) -> Server:
    app = create_app(url)
    return Server(url=url, app=app, sdb=app.state.sdb)


@dataclass
class Device:
    name: str
    vault: vault_service.Vault
    client: SyncClient
    transport: FaultyTransport
    wiped: list[str] = field(default_factory=list)

    @property
    def referent_id(self) -> str:
        return str(self.client.status()["user"]["referent_id"])

    def sync(self) -> Any:
        return self.client.sync()

    def add_person(self, last: str = "Durand", first: str = "Léa", **kw: Any) -> str:
        with self.vault.db.session() as s:
            p = Person(
                last_name=last,
                first_name=first,
                regime="legacy",
                birth_date=kw.pop("birth_date", date(1985, 5, 17)),
                referent_id=kw.pop("referent_id", self.referent_id),
                **kw,
            )
            s.add(p)
            s.flush()
            return p.id

    def edit_person(self, pid: str, **fields: Any) -> None:
        with self.vault.db.session() as s:
            p = s.get(Person, pid)
            assert p is not None
            for k, v in fields.items():
                setattr(p, k, v)

    def add_note(self, pid: str, body: str = "Entretien") -> str:
        from app.models.tables.base import utcnow

        with self.vault.db.session() as s:
            n = Note(person_id=pid, kind="entretien", body=body, written_at=utcnow())
            s.add(n)
            s.flush()
            return n.id

    def person(self, pid: str) -> Person | None:
        with self.vault.db.read() as s:
            return s.get(Person, pid)

    def persons(self) -> dict[str, dict[str, Any]]:
        with self.vault.db.read() as s:
            return {
                p.id: {
                    "city": p.city,
                    "phone": p.phone,
                    "last_name": p.last_name,
                    "revision": p.revision,
                    "referent_id": p.referent_id,
                    "deleted_at": p.deleted_at,
                }
                for p in s.scalars(select(Person))
            }

    def count(self, model: Any) -> int:
        with self.vault.db.read() as s:
            return len(s.scalars(select(model.id)).all())


class StepThread:
    """Runs each database step of a sync client on one other thread, as the window's database worker does
    (ADR 0015): the fault tests then exercise the two-thread mode, where the client's ``db`` refuses any use
    outside a step. A step calling a step runs inline, like ``DbWorker.call`` on its own thread."""

    def __init__(self) -> None:
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="steps")
        self.steps = 0

    def __call__(self, step: Callable[..., Any], *args: Any, writes: bool = False) -> Any:
        self.steps += 1
        if threading.current_thread().name.startswith("steps"):
            return step(*args)
        return self.pool.submit(step, *args).result()


STEPS = StepThread()


def make_device(
    server: Server,
    data_dir: Path,
    name: str,
    login: str,
    http: Callable[[], httpx.BaseTransport] | None = None,
) -> Device:
    # a keyring-mode vault as create_vault makes it (own profile id, key and device id), copied from a template
    vault = copy_vault(shared_template(vault_service.MODE_KEYRING), data_dir, name)
    inner = http() if http else server.client()._transport  # type: ignore[attr-defined]
    transport = FaultyTransport(inner)
    wiped: list[str] = []
    # No retry: each fault below is a cut that outlasts the client's retries (tests/sync/test_network.py
    # shows a short cut retried away).
    client = SyncClient(
        vault,
        server.base,
        httpx.Client(transport=transport, timeout=10),
        on_wipe=wiped.append,
        retry_delays=(),
        local=STEPS,
    )
    client.enroll(server.code(login), name)
    first = client.sync()
    assert first.state == "ok", first.message
    return Device(name=name, vault=vault, client=client, transport=transport, wiped=wiped)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ThreadedServer:
    """uvicorn in a thread on 127.0.0.1 (real sockets, for proxy and TLS tests)."""

    def __init__(self, app: Any, *, tls: tuple[Path, Path] | None = None) -> None:
        """``tls``: (certificate chain, key) files: the server speaks HTTPS."""
        import uvicorn

        self.port = free_port()
        self.scheme = "https" if tls else "http"
        extra: dict[str, Any] = {"ssl_certfile": str(tls[0]), "ssl_keyfile": str(tls[1])} if tls else {}
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="error", **extra)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> ThreadedServer:
        self.thread.start()
        deadline = time.time() + 10
        while not self.server.started and time.time() < deadline:
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.should_exit = True
        self.thread.join(5)

    @property
    def url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}"
