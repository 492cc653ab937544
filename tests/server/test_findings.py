"""One test per finding of issue #18 that is not an op outside the scope (those are in test_hostile.py):
unvalidated fields, a hello from the future, resources before authentication, enrolment, cut uploads."""

from __future__ import annotations

import logging
import socket
import time
import tracemalloc
import uuid
import warnings
from collections.abc import Iterator
from typing import Any

import pytest
import zstandard

from app.models.sync import wire as codec
from server.admin import audit
from server.admin.accounts import AdminError, add_user, new_enrolment_code
from server.api.app import create_app
from server.api.limits import Limits
from server.engine.check import global_status
from tests.server.api_devices import SCHEMA, Dev, person
from tests.sync.harness import ThreadedServer

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def env(database_url: str) -> Iterator[tuple[TestClient, Any, Clock]]:
    clock = Clock()
    limits = Limits(
        auth_failures_per_address=8, auth_failures_per_device=4, enrol_failures_per_address=6,
        enrol_failures_per_device=3, window_s=600, uploads_per_device=1,
    )  # fmt: skip
    app = create_app(database_url, limits=limits, clock=clock)
    sdb = app.state.sdb
    add_user(sdb, "alice", "Alice Martin", "referent", "Nord")
    add_user(sdb, "bob", "Bob Petit", "referent", "Sud")
    try:
        yield TestClient(app, raise_server_exceptions=False), sdb, clock
    finally:
        sdb.dispose()


def test_unvalidated_fields_are_errors_per_op_never_500(env) -> None:
    api, sdb, _ = env
    a = Dev(api, sdb, "alice")
    pid = str(uuid.uuid4())
    ok = a.op("person", pid, "insert", person(a.referent_id))
    bad = [
        {**a.op("person", pid, "update", {"city": "Douai"}), "b": "abc"},
        a.op("person", str(uuid.uuid4()), "insert", person(a.referent_id, birth_date="notadate")),
        a.op("person", str(uuid.uuid4()), "insert", person(a.referent_id, last_name={"x": 1})),
        a.op("person", str(uuid.uuid4()), "insert", person(a.referent_id, city="a\x00b")),
        a.op("person", str(uuid.uuid4()), "insert", person(a.referent_id, last_name="x" * 500)),
        a.op("note", str(uuid.uuid4()), "append", {"person_id": pid, "kind": 5, "body": "b", "written_at": "x"}),
        a.op("person", pid, "update", {"last_name": None}),
        a.op("person", "pas-un-uuid", "insert", person(a.referent_id)),
        {**a.op("person", pid, "update", {"city": "Douai"}), "k": "explode"},
        {**a.op("person", pid, "update", {"city": "Douai"}), "zz": 1},
        a.op("nulle_part", pid, "update", {"city": "Douai"}),
    ]  # fmt: skip
    after = a.op("person", pid, "update", {"city": "Roubaix"}, 1)
    results = a.upload(ok, *bad, after)
    assert results[0]["st"] == "applied"
    for res in results[1:-1]:
        assert res["st"] == "error" and res["code"] == "invalid" and res["msg"], res
    assert "date invalide" in results[2]["msg"] and "texte attendu" in results[3]["msg"]
    assert results[-1]["st"] == "applied"  # one malformed op never blocks the rest of the outbox
    assert len(audit.entries(sdb, kinds=["op_invalid"])) == len(bad)
    # Malformed requests: a 4xx with a French JSON message.
    for path, body in [
        ("hello", {"schema_version": SCHEMA, "acked_seq": "abc"}),
        ("hello", {"schema_version": SCHEMA, "cursor": "abc"}),
        ("hello", {"schema_version": SCHEMA, "cursor": 2**63 - 1}),
        ("download", {"limit": "x"}),
        ("download", {"cursor": -1}),
        ("rows", {"rows": {"person": 5}}),
        ("rows", {"rows": {"pas_une_table": []}}),
        ("index", {"tables": ["person"], "inconnu": True}),
        ("upload", {"ops": "non"}),
        ("upload", {"ops": [{}] * 501}),
    ]:
        r = a.post(path, body)
        assert r.status_code == 422, (path, body, r.text)
        assert r.json()["code"] == "invalid_request" and r.json()["message"].startswith("Requête invalide"), (
            r.text
        )


def test_a_hello_from_the_future_never_breaks_the_others(env) -> None:
    api, sdb, _ = env
    a, b = Dev(api, sdb, "alice"), Dev(api, sdb, "bob")
    epoch = global_status(sdb)["epoch"]
    assert a.post("hello", {"schema_version": SCHEMA, "cursor": 9223372036854775807}).status_code == 422
    r = a.post("hello", {"schema_version": SCHEMA, "cursor": 2**31 - 1})
    assert r.status_code == 409 and r.json()["code"] == "cursor_ahead"
    assert "python -m server restored" in r.json()["message"]
    assert global_status(sdb)["epoch"] == epoch and global_status(sdb)["last_seq"] < 100
    assert b.one("person", str(uuid.uuid4()), "insert", person(b.referent_id))["st"] == "applied"
    assert [e.device_id for e in audit.entries(sdb, kinds=["cursor_ahead"])] == [a.id]
    # An acknowledged seq ahead only moves that device's own counter.
    hello = a.post("hello", {"schema_version": SCHEMA, "acked_seq": 41}).json()
    assert hello["next_seq"] == 42 and hello["min_client_version"] and hello["escalations"] == []


def _raw(port: int, head: str, body: bytes = b"") -> bytes:
    """One HTTP/1.1 request over a socket; the status line and headers of the answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(head.encode() + body)
        s.settimeout(5)
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
    return data


def test_authentication_comes_before_the_body(env) -> None:
    api, sdb, _ = env
    a = Dev(api, sdb, "alice")
    with ThreadedServer(api.app) as ts:
        # Headers announce 50 MB and no byte of body follows: the server answers 401 from the headers alone.
        head = (
            "POST /api/v1/upload HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            "Content-Encoding: zstd\r\nContent-Length: 50000000\r\n"
            f"X-Device-Id: {a.id}\r\nAuthorization: Bearer faux\r\n\r\n"
        )
        started = time.perf_counter()
        answer = _raw(ts.port, head)
        assert answer.startswith(b"HTTP/1.1 401"), answer[:80]
        assert time.perf_counter() - started < 3
        # Authenticated, the announced size alone is refused before reading.
        good = head.replace("Bearer faux", f"Bearer {a.token}")
        assert _raw(ts.port, good).startswith(b"HTTP/1.1 413")
    # A garbage zstd body: 401 without a token, 400 with one — never a 500.
    garbage = b"\x28\xb5\x2f\xfd" + b"garbage" * 10
    r = api.post(
        "/api/v1/hello",
        content=garbage,
        headers={"Content-Encoding": "zstd", "Content-Type": "application/json"},
    )
    assert r.status_code == 401
    r = api.post(
        "/api/v1/hello",
        content=garbage,
        headers={**a.headers, "Content-Encoding": "zstd", "Content-Type": "application/json"},
    )
    assert r.status_code == 400 and r.json()["code"] == "bad_encoding"


def test_a_zstd_bomb_is_stopped_at_the_decompressed_limit(env) -> None:
    api, sdb, _ = env
    a = Dev(api, sdb, "alice")
    bomb = zstandard.ZstdCompressor(level=19).compress(b"[" + b" " * (300 * 1024 * 1024) + b"]")
    assert len(bomb) < 64 * 1024  # a few KB that inflate to 300 MB
    headers = {**a.headers, "Content-Encoding": "zstd", "Content-Type": "application/json"}
    r = api.post("/api/v1/hello", content=bomb, headers={**headers, "Authorization": "Bearer faux"})
    assert r.status_code == 401  # refused before any inflating
    tracemalloc.start()
    try:
        r = api.post("/api/v1/hello", content=bomb, headers=headers)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert r.status_code == 413 and "décompressée" in r.json()["message"]
    assert peak < 40 * 1024 * 1024, peak  # bounded by the 8 MiB limit, not by the bomb


def test_failed_authentications_are_rate_limited_and_logged(env) -> None:
    api, sdb, clock = env
    a = Dev(api, sdb, "alice")
    bad = {**a.headers, "Authorization": "Bearer faux"}
    codes = [api.post("/api/v1/check", json={}, headers=bad).status_code for _ in range(6)]
    assert codes == [401, 401, 401, 401, 429, 429]  # 4 per device id
    r = api.post("/api/v1/check", json={}, headers=a.headers)
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0  # that device id waits, token or not
    assert "réessayez dans" in r.json()["message"]
    clock.now += 601
    assert api.post("/api/v1/check", json={}, headers=a.headers).status_code == 200
    logged = audit.entries(sdb, kinds=["auth_failed", "rate_limited"])
    assert [e.kind for e in logged] == ["auth_failed"] * 4 + ["rate_limited"]
    assert {e.device_id for e in logged} == {a.id} and all(e.address for e in logged)
    # Per address: other device ids from the same address are stopped too.
    clock.now += 601
    others = [api.post("/api/v1/check", json={}, headers={**bad, "X-Device-Id": str(uuid.uuid4())}).status_code
              for _ in range(10)]  # fmt: skip
    assert others.count(401) == 8 and others[-1] == 429


def test_enrolment_guesses_are_rate_limited_and_a_lost_answer_can_be_fetched_again(env) -> None:
    api, sdb, clock = env
    device = str(uuid.uuid4())
    tries = [
        api.post(
            "/api/v1/enroll", json={"code": f"FAUX-{i:05d}", "device_id": device, "schema_version": SCHEMA}
        )
        for i in range(5)
    ]
    assert [r.status_code for r in tries] == [400, 400, 400, 429, 429]
    assert len(audit.entries(sdb, kinds=["enrol_failed"])) == 3
    clock.now += 601
    code = new_enrolment_code(sdb, "alice")
    body = {"code": code, "device_id": device, "schema_version": SCHEMA}
    first = api.post("/api/v1/enroll", json=body)
    assert first.status_code == 200
    again = api.post("/api/v1/enroll", json=body)  # the first answer was lost on the way
    assert again.status_code == 200 and again.json()["token"] != first.json()["token"]
    token = again.json()["token"]
    headers = {"Authorization": f"Bearer {token}", "X-Device-Id": device, "X-Schema-Version": SCHEMA}
    assert api.post("/api/v1/hello", json={"schema_version": SCHEMA}, headers=headers).status_code == 200
    # Once the device has been seen, the code is spent for good; another device never gets it.
    assert api.post("/api/v1/enroll", json=body).status_code == 400
    assert api.post("/api/v1/enroll", json={**body, "device_id": str(uuid.uuid4())}).status_code == 400
    kinds = [e.kind for e in audit.entries(sdb, kinds=["enrolled", "enrol_replayed"])]
    assert kinds == ["enrolled", "enrol_replayed"]


def test_enrolment_code_lifetimes_are_bounded(env) -> None:
    _api, sdb, _ = env
    for days in (-5, 0, 31, 100000):
        with pytest.raises(AdminError, match="entre 1 et 30 jours"):
            new_enrolment_code(sdb, "alice", days=days)
    assert len(new_enrolment_code(sdb, "alice", days=30)) == 11


def test_days_on_the_command_line(database_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    from server.__main__ import main

    assert main(["--database", database_url, "user", "add", "alice"]) == 0
    for days in ("-5", "100000", "x"):
        with pytest.raises(SystemExit):
            main(["--database", database_url, "device", "code", "--user", "alice", "--days", days])
        assert "--days" in capsys.readouterr().err


def test_concurrent_uploads_of_one_device_are_limited(env) -> None:
    api, sdb, _ = env
    a = Dev(api, sdb, "alice")
    guard = api.app.state.guard
    guard.take_upload(a.id)  # an upload of this device is in progress
    try:
        r = a.post("upload", {"ops": []})
        assert r.status_code == 429 and r.json()["code"] == "busy"
        assert Dev(api, sdb, "bob").post("upload", {"ops": []}).status_code == 200  # others are not held
    finally:
        guard.release_upload(a.id)
    assert a.post("upload", {"ops": []}).status_code == 200


def test_a_cut_upload_is_not_logged_as_an_asgi_exception(env, caplog: pytest.LogCaptureFixture) -> None:
    api, sdb, _ = env
    a = Dev(api, sdb, "alice")
    body = codec.compress(
        codec.dumps({"ops": [a.op("person", str(uuid.uuid4()), "insert", person(a.referent_id))]})
    )
    with caplog.at_level(logging.INFO), ThreadedServer(api.app) as ts:
        head = (
            "POST /api/v1/upload HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Encoding: zstd\r\n"
            f"Content-Length: {len(body)}\r\nX-Device-Id: {a.id}\r\nAuthorization: Bearer {a.token}\r\n\r\n"
        )
        with socket.create_connection(("127.0.0.1", ts.port)) as s:
            s.sendall(head.encode() + body[: len(body) // 2])  # then the connection is cut
        deadline = time.time() + 5
        while "client disconnected" not in caplog.text and time.time() < deadline:
            time.sleep(0.05)
    assert "client disconnected during POST /api/v1/upload" in caplog.text
    assert "Exception in ASGI application" not in caplog.text and "ClientDisconnect" not in caplog.text
    assert global_status(sdb)["applied_ops"] == 0


def test_audit_and_policy_commands(env, database_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    import json

    from server.__main__ import main

    api, sdb, _ = env
    a = Dev(api, sdb, "alice")
    a.one("person", str(uuid.uuid4()), "insert", person(None, last_name="X", city="a\x00"))  # malformed
    api.post("/api/v1/check", json={}, headers={**a.headers, "Authorization": "Bearer faux"})
    assert main(["--database", database_url, "audit", "--since", "1"]) == 0
    out = capsys.readouterr().out
    assert "opération mal formée" in out and "authentification refusée" in out and "alice" in out
    assert main(["--database", database_url, "audit", "--kind", "auth_failed", "--json"]) == 0
    events = json.loads(capsys.readouterr().out)
    assert [e["kind"] for e in events] == ["auth_failed"] and events[0]["device_id"] == a.id
    assert main(["--database", database_url, "audit", "--since", "2999-01-01"]) == 0
    assert "Aucun événement" in capsys.readouterr().out
    assert main(["--database", database_url, "policy"]) == 0
    assert "Rôle département : lecture seule." in capsys.readouterr().out
    assert main(["--database", database_url, "policy", "--departement", "ecriture"]) == 0
    assert "Rôle département : lecture et écriture." in capsys.readouterr().out
