"""A hostile device with its own valid token (bob, team Sud) against alice's file (team Nord), on SQLite and
PostgreSQL: for every op kind and every route, reads, writes, deletes, reassignments and probes outside its scope
are refused, change nothing on the server, reveal nothing, and are in the audit log."""

from __future__ import annotations

import hashlib
import os
import uuid
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select

from server.admin import audit
from server.admin.accounts import add_user, new_enrolment_code
from server.api.app import create_app
from server.engine.authorise import DEPARTEMENT_WRITES
from server.engine.check import global_status
from server.store.db import ServerDB, set_meta
from server.store.tables import BUSINESS
from tests.server.api_devices import SCHEMA, T0, Dev, note, person

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

NIR = "185057512345678"


@dataclass
class AliceFile:
    """Everything alice's device put on the server, by table."""

    person: str
    household: str
    note: str
    appointment: str
    event: str
    contract: str
    version: str
    objective: str
    document: str
    sha: str
    collective: str  # an appointment without a person


@dataclass
class World:
    api: TestClient
    sdb: ServerDB
    alice: Dev
    bob: Dev
    chef_nord: Dev
    chef_sud: Dev
    alain: Dev  # another référent of team Nord
    file: AliceFile
    bob_person: str


def _upload_blob(dev: Dev, data: bytes) -> str:
    sha = hashlib.sha256(data).hexdigest()
    r = dev.api.put(
        f"/api/v1/attachments/{sha}/chunks/0",
        content=data,
        headers={**dev.headers, "X-Attachment-Size": str(len(data)), "X-Chunk-SHA256": sha},
    )
    assert r.status_code == 200 and r.json()["complete"], r.text
    return sha


def _alice_file(a: Dev) -> AliceFile:
    ids = {k: str(uuid.uuid4()) for k in ("p", "h", "n", "ap", "ev", "c", "cv", "o", "d", "col")}
    sha = _upload_blob(a, os.urandom(3000))
    results = a.upload(
        a.op("household", ids["h"], "insert", {"caf_number": "1234567", "label": "Foyer"}),
        a.op("person", ids["p"], "insert", person(a.referent_id, nir=NIR, household_id=ids["h"])),
        a.op("note", ids["n"], "append", note(ids["p"])),
        a.op("appointment", ids["ap"], "insert",
             {"person_id": ids["p"], "starts_at": T0, "purpose": "suivi", "nature": "physique"}),
        a.op("appointment_event", ids["ev"], "append", {"appointment_id": ids["ap"], "status": "prevu", "at": T0}),
        a.op("contract", ids["c"], "insert", {"person_id": ids["p"], "number": "C-1", "kind": "ce", "regime": "legacy"}),
        a.op("contract_version", ids["cv"], "append",
             {"contract_id": ids["c"], "version_no": 1, "saved_at": T0, "content": {"objectifs": []}}),
        a.op("objective", ids["o"], "insert", {"person_id": ids["p"], "theme": "emploi", "title": "Trouver un emploi"}),
        a.op("document", ids["d"], "insert", {"person_id": ids["p"], "kind": "cv", "title": "CV", "sha256": sha}),
        a.op("appointment", ids["col"], "insert",
             {"person_id": None, "starts_at": T0, "purpose": "atelier", "nature": "physique", "collective": True}),
    )  # fmt: skip
    assert [r["st"] for r in results] == ["applied"] * 10, results
    return AliceFile(ids["p"], ids["h"], ids["n"], ids["ap"], ids["ev"], ids["c"], ids["cv"], ids["o"],
                     ids["d"], sha, ids["col"])  # fmt: skip


@pytest.fixture
def world(database_url: str) -> Iterator[World]:
    app = create_app(database_url)
    sdb = app.state.sdb
    add_user(sdb, "alice", "Alice Martin", "referent", "Nord")
    add_user(sdb, "alain", "Alain Nord", "referent", "Nord")
    add_user(sdb, "chefnord", "Claire Chef", "team_leader", "Nord")
    add_user(sdb, "bob", "Bob Petit", "referent", "Sud")
    add_user(sdb, "chefsud", "Sam Chef", "team_leader", "Sud")
    api = TestClient(app)
    devs = {login: Dev(api, sdb, login) for login in ("alice", "bob", "chefnord", "chefsud", "alain")}
    file = _alice_file(devs["alice"])
    b = devs["bob"]
    bob_person = str(uuid.uuid4())
    assert b.one("person", bob_person, "insert", person(b.referent_id, last_name="Petit"))["st"] == "applied"
    try:
        yield World(
            api, sdb, devs["alice"], b, devs["chefnord"], devs["chefsud"], devs["alain"], file, bob_person
        )
    finally:
        sdb.dispose()


def _fingerprints(sdb: ServerDB) -> dict[str, str]:
    return {t: v["hash"] for t, v in global_status(sdb)["tables"].items()}


def _refused(result: dict[str, Any], *, readable: bool = False) -> None:
    assert result["st"] == "error" and result["code"], result
    if not readable:
        assert "sv" not in result, result  # nothing of a row outside the scope comes back


def _alice_values(w: World) -> Any:
    p = BUSINESS["person"]
    with w.sdb.read() as c:
        return c.execute(select(p).where(p.c.id == w.file.person)).mappings().one()


def hostile_ops(w: World) -> list[tuple[str, str, str, dict[str, Any], int]]:
    """(table, row, kind, fields, base) bob tries on alice's file: every op kind, every kind of row."""
    f, b = w.file, w.bob
    new = lambda: str(uuid.uuid4())  # noqa: E731
    return [
        ("person", f.person, "update", {"referent_id": b.referent_id, "city": "Ailleurs"}, 2**31 - 1),
        ("person", f.person, "update", {"phone": "0600000000"}, 1),
        ("person", f.person, "delete", {"deleted_at": T0}, 1),
        ("person", f.person, "purge", {"deleted_at": T0}, 0),
        ("person", f.person, "insert", person(b.referent_id), 0),  # re-insert of her id: a merge, refused
        ("person", new(), "insert", person(w.alice.referent_id, last_name="Intrus"), 0),  # into her caseload
        ("note", new(), "append", note(f.person), 0),
        ("note", f.note, "append", note(f.person, body="autre"), 0),
        ("objective", f.objective, "update", {"title": "Volé"}, 1),
        ("objective", f.objective, "delete", {"deleted_at": T0}, 1),
        ("objective", new(), "insert", {"person_id": f.person, "theme": "emploi", "title": "x"}, 0),
        ("appointment", f.appointment, "update", {"place": "Ailleurs"}, 1),
        ("appointment", f.collective, "update", {"place": "Ailleurs"}, 1),  # without a person: hers
        ("appointment_event", new(), "append", {"appointment_id": f.appointment, "status": "annule", "at": T0}, 0),
        ("contract_version", new(), "append",
         {"contract_id": f.contract, "version_no": 2, "saved_at": T0, "content": {}}, 0),
        ("household", f.household, "update", {"label": "Volé"}, 1),
        ("document", f.document, "update", {"title": "Volé"}, 1),
        ("referent", w.alice.referent_id, "update", {"email": "pirate@exemple.fr"}, 1),
        ("referent", b.referent_id, "update", {"is_team_leader": True, "team": "Nord"}, 1),
        ("referent", new(), "insert", {"login": "faux", "first_name": "F", "last_name": "X"}, 0),
        # bob's own person, pointed at alice's rows
        ("person", w.bob_person, "update", {"household_id": f.household}, 1),
        ("note", new(), "append", note(w.bob_person, corrects_note_id=f.note), 0),
        ("objective", new(), "insert",
         {"person_id": w.bob_person, "contract_id": f.contract, "theme": "emploi", "title": "x"}, 0),
        ("note", new(), "update", {"person_id": f.person}, 0),  # unknown row: « missing », nothing written
    ]  # fmt: skip


def test_every_op_kind_outside_the_scope_is_refused_and_changes_nothing(world: World) -> None:
    w, b = world, world.bob
    before, alice_before = _fingerprints(w.sdb), _alice_values(w)
    attempts = hostile_ops(w)
    results = b.upload(*[b.op(t, r, k, f, base) for t, r, k, f, base in attempts])
    for (t, r, k, _f, _b), res in zip(attempts, results, strict=True):
        if k == "update" and t == "note":
            assert res["st"] == "missing"
        else:  # the directory is public, and bob's own person is his: their values may come back
            _refused(res, readable=t == "referent" or r == w.bob_person)
        assert "Alice" not in str(res) and NIR not in str(res)
    assert _fingerprints(w.sdb) == before  # nothing of anyone changed (bob's own rows neither)
    assert _alice_values(w) == alice_before
    # The refusals are in the audit log, with bob's device and user.
    logged = [e for e in audit.entries(w.sdb, kinds=["op_refused"]) if e.device_id == b.id]
    assert len(logged) == len(attempts) - 1 and {e.login for e in logged} == {"bob"}
    # The rest of bob's outbox goes on: his next op is applied.
    assert b.one("note", str(uuid.uuid4()), "append", note(w.bob_person))["st"] == "applied"


def test_read_routes_show_nothing_outside_the_scope(world: World) -> None:
    w, b, f = world, world.bob, world.file
    page = b.download()
    text = str(page)
    for rid in (f.person, f.note, f.appointment, f.household, f.document, f.collective, f.sha):
        assert rid not in text
    assert NIR not in text and "Durand" not in text
    wanted = {
        "person": [f.person],
        "note": [f.note],
        "household": [f.household],
        "appointment": [f.collective],
    }
    rows = b.post("rows", {"rows": wanted}).json()
    assert rows["rows"] == {} and f.person not in str(rows["rows"])
    index = b.post("index", {"tables": ["person", "note", "document"]}).json()["index"]
    assert {rid for pairs in index.values() for rid, _rev in pairs} == {w.bob_person}
    hashes = b.post("check", {}).json()["tables"]
    assert hashes["note"]["count"] == 0 and hashes["person"]["count"] == 1
    # Document bytes: not readable, and the server does not even say the blob exists.
    assert b.get(f"attachments/{f.sha}").json() == {
        "sha256": f.sha, "known": False, "complete": False, "size": None, "chunks": None,
        "chunk_size": 1024 * 1024, "received": [],
    }  # fmt: skip
    assert b.get(f"attachments/{f.sha}/chunks/0").status_code == 404
    # Indicators: a référent gets none; the leader of Sud never gets Nord's.
    assert b.get("indicators", params={"period": "2026-01"}).status_code == 403
    r = w.chef_sud.get("indicators", params={"period": "2026-01", "team": "Nord"})
    assert r.status_code == 403 and "« Sud »" in r.json()["message"]


def test_a_document_named_by_its_hash_is_not_reachable_without_its_bytes(world: World) -> None:
    w, b, f = world, world.bob, world.file
    doc = b.op("document", str(uuid.uuid4()), "insert",
               {"person_id": w.bob_person, "kind": "cv", "title": "CV", "sha256": f.sha})  # fmt: skip
    res = b.upload(doc)[0]
    assert res["st"] == "wait_attachment"  # as if the server had nothing: bob must send the bytes himself
    garbage = os.urandom(3000)
    r = b.api.put(
        f"/api/v1/attachments/{f.sha}/chunks/0",
        content=garbage,
        headers={
            **b.headers,
            "X-Attachment-Size": "3000",
            "X-Chunk-SHA256": hashlib.sha256(garbage).hexdigest(),
        },
    )
    assert r.status_code == 409 and r.json()["code"] == "chunk_mismatch"
    assert b.upload(doc)[0]["st"] == "wait_attachment"
    assert b.get(f"attachments/{f.sha}/chunks/0").status_code == 404


def test_a_device_holding_the_same_bytes_may_use_them(world: World) -> None:
    """The same scan in two caseloads: bob proves he holds it by sending it, then his document is applied."""
    w, b = world, world.bob
    data = os.urandom(2000)
    sha = _upload_blob(w.alice, data)
    assert b.get(f"attachments/{sha}").json()["complete"] is False
    assert _upload_blob(b, data) == sha  # every chunk matches the stored one
    doc = {"person_id": w.bob_person, "kind": "cv", "title": "CV", "sha256": sha}
    assert b.one("document", str(uuid.uuid4()), "insert", doc)["st"] == "applied"
    assert b.get(f"attachments/{sha}/chunks/0").content == data


def test_duplicate_detection_never_reveals_an_id_outside_the_scope(world: World) -> None:
    w, b = world, world.bob
    res = b.one("person", str(uuid.uuid4()), "insert", person(b.referent_id, nir=NIR, last_name="Autre"))
    assert res["st"] == "applied" and "dup" not in res
    assert (
        res["dup_msg"] == "Une personne avec ce NIR est déjà suivie ailleurs : contactez votre responsable."
    )
    assert w.file.person not in str(res)
    same_names = b.one("person", str(uuid.uuid4()), "insert", person(b.referent_id))
    assert "dup" not in same_names and "mêmes nom, prénom et date de naissance" in same_names["dup_msg"]
    # Inside the scope, the id is given (a merge proposal).
    a = w.alice
    mine = a.one("person", str(uuid.uuid4()), "insert", person(a.referent_id, nir=NIR))
    assert mine["dup"] == [w.file.person] and "dup_msg" in mine  # bob's copy is elsewhere


def test_reassignment_rules(world: World) -> None:
    w, f = world, world.file
    a, chef, alain = w.alice, w.chef_nord, w.alain

    def rev() -> int:
        return int(_alice_values(w)["revision"])

    # A référent may not give a person to another référent, even of her team, nor to another team's leader.
    _r = a.one("person", f.person, "update", {"referent_id": alain.referent_id}, rev())
    assert _r["code"] == "reassign_rule" and _r["sv"] == {"referent_id": a.referent_id}
    assert a.one("person", f.person, "update", {"referent_id": w.chef_sud.referent_id}, rev())["code"] == (
        "reassign_rule"
    )
    assert a.one("person", f.person, "update", {"referent_id": str(uuid.uuid4())}, rev())["code"] == (
        "unknown_referent"
    )
    # She hands her to the team: to her team leader.
    assert a.one("person", f.person, "update", {"referent_id": chef.referent_id}, rev())["st"] == "applied"
    # The leader of Sud cannot touch her; the leader of Nord cannot send her to Sud…
    assert w.chef_sud.one("person", f.person, "update", {"referent_id": w.chef_sud.referent_id}, rev())[
        "code"
    ] == ("out_of_scope")
    assert (
        chef.one("person", f.person, "update", {"referent_id": w.bob.referent_id}, rev())["code"]
        == "reassign_rule"
    )
    # …but assigns her to a référent of the team.
    assert (
        chef.one("person", f.person, "update", {"referent_id": alain.referent_id}, rev())["st"] == "applied"
    )
    assert f.person in alain.ids("person") and f.person not in a.ids("person")
    moves = [e for e in audit.entries(w.sdb, kinds=["reassigned"]) if e.row_id == f.person]
    assert [e.login for e in moves] == ["alice", "chefnord"]


def test_the_departement_role_reads_everything_and_writes_only_when_configured(world: World) -> None:
    w, f = world, world.file
    add_user(w.sdb, "dept", "Département", "admin")
    d = Dev(w.api, w.sdb, "dept")
    assert f.person in d.ids("person")
    res = d.one("person", f.person, "update", {"city": "Grenoble"}, _alice_values(w)["revision"])
    assert res["code"] == "read_only" and res["sv"] == {"city": "Lille"}
    with w.sdb.write() as c:
        set_meta(c, DEPARTEMENT_WRITES, "1")
    res = d.one(
        "person", f.person, "update", {"referent_id": w.bob.referent_id}, _alice_values(w)["revision"]
    )
    assert res["st"] == "applied" and f.person in w.bob.ids("person")


def test_own_directory_entry_contact_fields_only(world: World) -> None:
    a = world.alice
    rev = 1
    assert (
        a.one("referent", a.referent_id, "update", {"phone": "0320000000", "email": "a@exemple.fr"}, rev)[
            "st"
        ]
        == "applied"
    )
    locked = a.one("referent", a.referent_id, "update", {"is_team_leader": True}, rev)
    assert locked["code"] == "directory" and locked["sv"] == {"is_team_leader": False}


def test_other_routes_cannot_act_for_another_device(world: World) -> None:
    w, a, b = world, world.alice, world.bob
    refused = a.one("person", str(uuid.uuid4()), "insert", person(b.referent_id))
    assert refused["code"] == "out_of_scope"
    # bob cannot transmit alice's refusals, nor retire her device, nor enrol with a used code.
    assert b.post("escalate", {"ops": [refused["i"]]}).json() == {"escalated": 0}
    assert a.post("escalate", {"ops": [refused["i"]]}).json() == {"escalated": 1}
    assert a.post("escalate", {"ops": [refused["i"]]}).json() == {"escalated": 0}  # once
    r = w.api.post("/api/v1/retired", json={}, headers={**b.headers, "X-Device-Id": a.id})
    assert r.status_code == 401
    assert a.post("hello", {"schema_version": SCHEMA}).json()["status"] == "active"
    code = new_enrolment_code(w.sdb, "alice")
    assert (
        w.api.post(
            "/api/v1/enroll", json={"code": code, "device_id": str(uuid.uuid4()), "schema_version": SCHEMA}
        ).status_code
        == 200
    )
    again = w.api.post("/api/v1/enroll", json={"code": code, "device_id": b.id, "schema_version": SCHEMA})
    assert again.status_code == 400
    # The leader of Nord sees what alice transmitted; the leader of Sud does not.
    seen = w.chef_nord.post("hello", {"schema_version": SCHEMA}).json()["escalations"]
    assert [(e["login"], e["code"]) for e in seen] == [("alice", "out_of_scope")]
    assert w.chef_sud.post("hello", {"schema_version": SCHEMA}).json()["escalations"] == []
    assert a.post("hello", {"schema_version": SCHEMA}).json()["escalations"] == []


def test_a_reference_written_before_the_rules_never_carries_a_row_out_of_its_scope(world: World) -> None:
    """A link to alice's note in bob's file (as an older server let a device write): bob's download and repair
    send his note without hers."""
    w, b, f = world, world.bob, world.file
    nid = str(uuid.uuid4())
    assert b.one("note", nid, "append", note(w.bob_person))["st"] == "applied"
    notes = BUSINESS["note"]
    with w.sdb.write() as c:
        c.execute(notes.update().where(notes.c.id == nid).values(corrects_note_id=f.note))
    assert b.ids("note") == {nid}  # his note, not hers
    block = b.post("rows", {"rows": {"note": [nid]}}).json()["rows"]["note"]
    assert [r[block["c"].index("id")] for r in block["r"]] == [nid]


def test_a_person_created_without_a_referent_is_her_creator_s_until_assigned(world: World) -> None:
    """Created, then given a référent in a second step (as the client's identity form does): the creator may
    only give her one of their own caseloads."""
    w, b = world, world.bob
    pid = str(uuid.uuid4())
    rev = b.one("person", pid, "insert", person(None, last_name="Nouvelle"))["rev"]
    assert w.alice.one("person", pid, "update", {"city": "Volé"}, rev)["code"] == "out_of_scope"
    assert b.one("person", pid, "update", {"referent_id": w.alice.referent_id}, rev)["code"] == "out_of_scope"
    assert b.one("person", pid, "update", {"referent_id": b.referent_id}, rev)["st"] == "applied"
    assert pid in b.ids("person") and pid not in w.alice.ids("person")
