"""The server API on SQLite and on PostgreSQL: enrolment, replay, merge, conflicts, scope, refusals."""

from __future__ import annotations

import uuid
import warnings
from collections.abc import Iterator
from typing import Any

import pytest

from server.admin.accounts import AdminError, add_user, new_enrolment_code, set_device_status
from server.api.app import create_app
from server.engine import check
from tests.server.api_devices import SCHEMA, Dev, person

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient


@pytest.fixture
def env(database_url: str) -> Iterator[tuple[TestClient, Any]]:
    app = create_app(database_url)
    sdb = app.state.sdb
    add_user(sdb, "alice", "Alice Martin", "referent", "Nord")
    add_user(sdb, "bob", "Bob Petit", "referent", "Nord")
    add_user(sdb, "chef", "Claire Chef", "team_leader", "Nord")
    try:
        yield TestClient(app), sdb
    finally:
        sdb.dispose()


def test_enrolment_code_is_one_time_and_token_is_hashed(env: tuple[TestClient, Any]) -> None:
    api, sdb = env
    code = new_enrolment_code(sdb, "alice")
    body = {"code": code, "device_id": str(uuid.uuid4()), "schema_version": SCHEMA}
    r = api.post("/api/v1/enroll", json=body)
    assert r.status_code == 200
    token = r.json()["token"]
    again = api.post("/api/v1/enroll", json={**body, "device_id": str(uuid.uuid4())})
    assert again.status_code == 400 and "déjà utilisé" in again.json()["message"]
    from sqlalchemy import select

    from server.store.tables import devices

    with sdb.read() as c:
        stored = c.execute(select(devices.c.token_hash)).scalars().all()
    assert token not in stored and len(stored[0]) == 64
    with pytest.raises(AdminError):
        add_user(sdb, "alice", "x", "referent")


def test_replay_same_payload_and_different_payload(env: tuple[TestClient, Any]) -> None:
    api, sdb = env
    a = Dev(api, sdb, "alice")
    pid = str(uuid.uuid4())
    op = a.op("person", pid, "insert", person(a.referent_id))
    first = a.upload(op)
    assert first[0]["st"] == "applied"
    replay = a.upload(op)  # lost answer: the same batch again
    assert replay[0]["st"] == "applied" and replay[0]["replay"] and replay[0]["rev"] == first[0]["rev"]
    tampered = {**op, "f": {**op["f"], "city": "Douai"}}
    bad = a.upload(tampered)
    assert bad[0]["st"] == "error" and "contenu différent" in bad[0]["msg"]
    status = check.global_status(sdb)
    assert status["tables"]["person"]["count"] == 1 and status["applied_ops"] == 1


def test_contiguous_device_seq_required(env: tuple[TestClient, Any]) -> None:
    api, sdb = env
    a = Dev(api, sdb, "alice")
    a.seq = 1  # skip seq 1
    res = a.upload(a.op("person", str(uuid.uuid4()), "insert", person(a.referent_id)))
    assert res[0]["st"] == "gap" and res[0]["expected"] == 1


def test_per_field_merge_and_conflicts(env: tuple[TestClient, Any]) -> None:
    api, sdb = env
    a, b = Dev(api, sdb, "alice"), Dev(api, sdb, "alice")
    pid = str(uuid.uuid4())
    rev = a.upload(a.op("person", pid, "insert", person(a.referent_id)))[0]["rev"]
    # different fields on both sides: merge
    assert a.upload(a.op("person", pid, "update", {"city": "Roubaix"}, rev))[0]["st"] == "applied"
    res = b.upload(b.op("person", pid, "update", {"phone": "0600000000"}, rev))[0]
    assert res["st"] == "applied"
    # same field on both sides: the server value stays, ours comes back as a conflict
    res = b.upload(b.op("person", pid, "update", {"city": "Douai"}, rev))[0]
    assert res["st"] == "conflict" and res["c"][0] == {"f": "city", "sv": "Roubaix", "mv": "Douai"}
    rows = a.download()["rows"]["person"]
    row = dict(zip(rows["c"], rows["r"][0], strict=True))
    assert row["city"] == "Roubaix" and row["phone"] == "0600000000"
    # append-only records never conflict
    nid = str(uuid.uuid4())
    note = {
        "person_id": pid,
        "kind": "entretien",
        "body": "x",
        "written_at": "2026-01-05T10:00:00",
        "author": "",
        "created_at": "2026-01-05T10:00:00",
    }
    assert a.upload(a.op("note", nid, "append", note))[0]["st"] == "applied"
    assert b.upload(b.op("note", nid, "append", note))[0]["st"] == "applied"
    assert b.upload(b.op("note", nid, "update", {"body": "y"}, 0))[0]["st"] == "error"
    # update after delete: conflict, nothing dropped
    cur = a.download()["cursor"]
    assert (
        a.upload(a.op("person", pid, "delete", {"deleted_at": "2026-02-01T00:00:00"}, cur))[0]["st"]
        == "applied"
    )
    res = b.upload(b.op("person", pid, "update", {"email": "x@y.fr"}, cur))[0]
    assert res["st"] == "conflict" and res["c"][0]["f"] == "__deleted__"


def test_duplicate_person_flagged(env: tuple[TestClient, Any]) -> None:
    api, sdb = env
    a, b = Dev(api, sdb, "alice"), Dev(api, sdb, "alice")
    a.upload(a.op("person", str(uuid.uuid4()), "insert", person(a.referent_id, nir="185057512345678")))
    res = b.upload(
        b.op("person", str(uuid.uuid4()), "insert", person(b.referent_id, first_name="LÉA".lower()))
    )
    assert res[0]["st"] == "applied" and len(res[0]["dup"]) == 1


def test_scope_and_leave_scope(env: tuple[TestClient, Any]) -> None:
    api, sdb = env
    a, b, chef = Dev(api, sdb, "alice"), Dev(api, sdb, "bob"), Dev(api, sdb, "chef")
    pid = str(uuid.uuid4())
    rev = a.upload(a.op("person", pid, "insert", person(a.referent_id)))[0]["rev"]
    a.upload(
        a.op(
            "note",
            str(uuid.uuid4()),
            "append",
            {"person_id": pid, "kind": "appel", "body": "b", "written_at": "2026-01-05T10:00:00"},
        )
    )
    assert "person" not in b.download()["rows"]
    assert len(chef.download()["rows"]["person"]["r"]) == 1
    cur_a = a.download()["cursor"]
    cur_b = b.download()["cursor"]
    # A référent hands the person to the team (its leader); the leader assigns her to bob.
    refused = a.upload(a.op("person", pid, "update", {"referent_id": b.referent_id}, rev))[0]
    assert refused["st"] == "error" and refused["code"] == "reassign_rule"
    assert refused["sv"] == {"referent_id": a.referent_id}  # her own row: the server value to put back
    handed = a.upload(a.op("person", pid, "update", {"referent_id": chef.referent_id}, rev))[0]
    assert handed["st"] == "applied"
    assigned = chef.upload(chef.op("person", pid, "update", {"referent_id": b.referent_id}, handed["rev"]))
    assert assigned[0]["st"] == "applied"
    page_a = a.download(cur_a)
    assert page_a["leave"] == [pid]
    page_b = b.download(cur_b)
    assert len(page_b["rows"]["person"]["r"]) == 1 and len(page_b["rows"]["note"]["r"]) == 1


def test_schema_mismatch_and_revocation(env: tuple[TestClient, Any]) -> None:
    api, sdb = env
    a = Dev(api, sdb, "alice")
    r = a.post("hello", {"schema_version": "0999"}, schema="0999")
    assert r.status_code == 409 and "Version de données" in r.json()["message"]
    assert a.post("hello", {"schema_version": SCHEMA}).json()["status"] == "active"
    set_device_status(sdb, a.id, "revoked")
    r = a.post("hello", {"schema_version": SCHEMA})
    assert r.status_code == 403 and r.json()["code"] == "device_revoked"
    r = api.post("/api/v1/hello", json={}, headers={"Authorization": "Bearer x", "X-Device-Id": a.id})
    assert r.status_code == 401


def test_openapi_and_status(env: tuple[TestClient, Any]) -> None:
    api, sdb = env
    assert "/api/v1/upload" in api.get("/api/v1/openapi.json").json()["paths"]
    st = check.global_status(sdb)
    assert st["tables"]["referent"]["count"] == 2 + 1 and st["last_seq"] == 3


def test_indicators_route_over_http(env: tuple[TestClient, Any]) -> None:
    """``GET /api/v1/indicators``: a team leader gets their team's anonymised counts, a référent is refused."""
    api, sdb = env
    a = Dev(api, sdb, "alice")
    pid = str(uuid.uuid4())
    a.upload(a.op("person", pid, "insert", person(a.referent_id)))
    chef = Dev(api, sdb, "chef")

    def get(dev: Dev, period: str) -> Any:
        return api.get(
            "/api/v1/indicators",
            params={"period": period},
            headers={"Authorization": f"Bearer {dev.token}", "X-Device-Id": dev.id},
        )

    r = get(chef, "2026-10")
    assert r.status_code == 200, r.text
    body = r.json()
    assert "Nord" in body["perimetre"] and body["indicateurs"]
    assert "Durand" not in r.text  # counts only, never names
    r = get(a, "2026-10")
    assert r.status_code == 403
    r = get(chef, "2026-13")
    assert r.status_code == 400 and "invalide" in r.json()["message"]
