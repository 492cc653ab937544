"""Co-accompaniment through the real API (ADR 0052): alice (team Nord) shares her person's file with bob, a CIP
of team Sud, and with carole, a France Travail adviser; the server decides what each may read and write from the
département's rules, sends the file when a share begins and takes it back when it ends — on SQLite and
PostgreSQL."""

from __future__ import annotations

import uuid
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from server.admin.accounts import add_user
from server.api.app import create_app
from server.engine import shares
from server.store.db import ServerDB
from tests.server.api_devices import SCHEMA, T0, Dev, note, person

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient


@dataclass
class World:
    api: TestClient
    sdb: ServerDB
    alice: Dev  # référent, team Nord
    bob: Dev  # CIP, team Sud
    carole: Dev  # France Travail adviser, team « France Travail »
    dave: Dev  # référent of team Sud, not shared with
    chef_sud: Dev  # bob's team leader
    person: str
    contract: str
    note: str


def _new() -> str:
    return str(uuid.uuid4())


@pytest.fixture
def world(database_url: str) -> Iterator[World]:
    app = create_app(database_url)
    sdb = app.state.sdb
    for login, name, role, team in (
        ("alice", "Alice Martin", "referent", "Nord"),
        ("bob", "Bob Petit", "referent", "Sud"),
        ("carole", "Carole Durand", "referent", "France Travail"),
        ("dave", "Dave Sud", "referent", "Sud"),
        ("chefsud", "Sam Chef", "team_leader", "Sud"),
    ):
        add_user(sdb, login, name, role, team)
    api = TestClient(app)
    devs = {login: Dev(api, sdb, login) for login in ("alice", "bob", "carole", "dave", "chefsud")}
    a = devs["alice"]
    pid, cid, nid = _new(), _new(), _new()
    results = a.upload(
        a.op("person", pid, "insert", person(a.referent_id)),
        a.op("note", nid, "append", note(pid, body="Premier entretien")),
        a.op("contract", cid, "insert", {"person_id": pid, "number": "CE-1", "kind": "ce", "regime": "plein_emploi"}),
    )  # fmt: skip
    assert [r["st"] for r in results] == ["applied"] * 3
    try:
        yield World(api, sdb, a, devs["bob"], devs["carole"], devs["dave"], devs["chefsud"], pid, cid, nid)
    finally:
        sdb.dispose()


def share(w: World, dev: Dev, role: str, access: str = "ecriture") -> str:
    sid = _new()
    fields = {"person_id": w.person, "referent_id": dev.referent_id, "role": role, "access": access,
              "start_date": "2026-12-01", "purpose": "Appui à la recherche d'emploi", "added_by": "alice"}  # fmt: skip
    assert w.alice.one("co_accompaniment", sid, "insert", fields)["st"] == "applied"
    return sid


def ids(page: dict[str, Any], table: str) -> set[str]:
    block = page["rows"].get(table)
    return {r[block["c"].index("id")] for r in block["r"]} if block else set()


def test_a_write_share_across_teams_reads_the_file_and_writes_the_shared_work_only(world: World) -> None:
    w, bob = world, world.bob
    cursor = bob.download()["cursor"]
    assert w.person not in str(bob.download())
    sid = share(w, bob, "cip")
    page = bob.download(cursor)  # the whole file comes at once, the earlier rows included
    assert (
        w.person in ids(page, "person")
        and w.note in ids(page, "note")
        and w.contract in ids(page, "contract")
    )
    assert sid in ids(page, "co_accompaniment")
    allowed = [
        ("note", _new(), "append", note(w.person, body="Entretien CIP : CV refait")),
        ("appointment", _new(), "insert", {"person_id": w.person, "starts_at": T0, "purpose": "suivi",
                                           "nature": "physique", "referent_id": bob.referent_id}),
        ("objective", (oid := _new()), "insert", {"person_id": w.person, "theme": "emploi", "title": "Cariste",
                                                  "contract_id": w.contract}),
        ("action", _new(), "insert", {"person_id": w.person, "objective_id": oid, "label": "CACES",
                                      "assignee_id": bob.referent_id}),
        ("bilan", _new(), "insert", {"person_id": w.person, "kind": "etape", "held_on": "2026-12-03", "objectives": [],
                                     "participants": [{"name": "Alice Martin", "role": "Référente"}]}),
        ("audit_event", _new(), "append", {"at": T0, "actor": "bob", "action": "consultation",
                                           "person_id": w.person}),
    ]  # fmt: skip
    results = bob.upload(*[bob.op(*a) for a in allowed])
    assert [r["st"] for r in results] == ["applied"] * len(allowed), results
    refused = [
        ("person", w.person, "update", {"city": "Ailleurs"}, 1),
        ("person", w.person, "update", {"referent_id": bob.referent_id}, 1),
        ("contract", w.contract, "update", {"status": "signe"}, 1),
        ("contract", _new(), "insert", {"person_id": w.person, "number": "CE-2", "kind": "ce", "regime": "x"}, 0),
        ("orientation", _new(), "insert", {"person_id": w.person, "track": "emploi", "regime": "plein_emploi",
                                           "decision_date": "2026-12-02"}, 0),
        ("referent_assignment", _new(), "append", {"person_id": w.person, "referent_id": bob.referent_id,
                                                   "start_date": "2026-12-02"}, 0),
        ("joint_review", _new(), "insert", {"person_id": w.person, "held_on": "2026-12-02", "conclusion": "maintien"}, 0),
        ("co_accompaniment", sid, "update", {"access": "ecriture", "role": "travailleur_social"}, 1),
        ("co_accompaniment", _new(), "insert", {"person_id": w.person, "referent_id": w.dave.referent_id,
                                                "role": "partenaire", "start_date": "2026-12-02"}, 0),
        ("exit_record", _new(), "append", {"person_id": w.person, "exit_date": "2026-12-02",
                                           "category": "autres", "reason": "demenagement"}, 0),
    ]  # fmt: skip
    for (t, *_), res in zip(refused, bob.upload(*[bob.op(*x) for x in refused]), strict=True):
        assert res["st"] == "error" and res["code"] == "out_of_scope", (t, res)
    # of the person, his notes and RDVs move only the last contact's date forward
    block = bob.download()["rows"]["person"]
    rev = next(r[block["c"].index("revision")] for r in block["r"] if w.person in r)
    got = bob.one("person", w.person, "update", {"last_contact_date": "2026-12-03"}, base=rev)
    assert got["st"] == "applied", got
    mixed = bob.one(
        "person", w.person, "update", {"last_contact_date": "2026-12-04", "phone": "06"}, base=rev
    )
    assert mixed["code"] == "out_of_scope"
    # alice receives bob's work; dave (bob's team, not shared) sees nothing of it
    assert len(ids(w.alice.download(), "note")) == 2
    assert w.person not in str(w.dave.download())
    assert w.dave.one("note", _new(), "append", note(w.person))["code"] == "out_of_scope"
    # bob's team leader sees what bob's shares show (his team's caseloads and their shares)
    assert w.person in ids(w.chef_sud.download(), "person")


def test_the_departements_rules_cap_a_share_and_ending_it_takes_the_file_back(world: World) -> None:
    w, carole, bob = world, world.carole, world.bob
    share(w, carole, "conseiller_france_travail", "ecriture")  # the département caps this role: read only
    start = carole.download()
    assert w.person in ids(start, "person")
    res = carole.one("note", _new(), "append", note(w.person, body="Note France Travail"))
    assert (res["st"], res["code"]) == ("error", "out_of_scope")
    viewed = {"at": T0, "actor": "carole", "action": "consultation", "person_id": w.person}
    assert carole.one("audit_event", _new(), "append", viewed)["st"] == "applied"  # her views are audited
    # refused on a row she may read: the server's values come back to her device (to put them back)
    refused = carole.one("contract", w.contract, "update", {"number": "CE-VOLE"}, base=1)
    assert (refused["code"], refused["sv"]) == ("out_of_scope", {"number": "CE-1"})

    # the département sets the CIP role to « aucun »: bob's share gives nothing any more, his device leaves
    sid = share(w, bob, "cip", "lecture")
    cursor = bob.download()["cursor"]
    with w.sdb.write() as conn:
        assert shares.set_policy(conn, {"cip": "aucun"})["cip"] == "aucun"
    page = bob.download(cursor)
    assert page["leave"] == [w.person] and w.person not in ids(page, "person")
    with w.sdb.write() as conn:
        shares.set_policy(conn, {"cip": "ecriture"})
    page = bob.download(page["cursor"])
    assert page["leave"] == [] and w.note in ids(page, "note")  # back whole
    assert bob.one("note", _new(), "append", note(w.person))["code"] == "out_of_scope"  # asked « lecture »

    # alice ends the share: bob's next download names the person in « leave »; his writes are refused
    cursor = bob.download()["cursor"]
    assert (
        w.alice.one("co_accompaniment", sid, "update", {"end_date": "2026-12-05"}, base=10**6)["st"]
        == "error"
    )
    assert (
        w.alice.one("co_accompaniment", sid, "update", {"end_date": "2026-12-05"}, base=0)["st"] == "applied"
    )
    page = bob.download(cursor)
    assert page["leave"] == [w.person]
    assert bob.one("audit_event", _new(), "append", {**viewed, "actor": "bob"})["code"] == "out_of_scope"
    # carole's share still runs
    assert w.person not in carole.download(start["cursor"])["leave"]


def test_policy_command_sets_the_caps_per_role(
    world: World, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from server.__main__ import main

    assert main(["--database", database_url, "policy"]) == 0
    out = capsys.readouterr().out
    assert "Conseiller en insertion professionnelle (CIP) : lecture et écriture" in out
    assert "Conseiller France Travail : lecture seule" in out
    assert (
        main(
            [
                "--database",
                database_url,
                "policy",
                "--partage",
                "partenaire=aucun",
                "--partage",
                "cip=lecture",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "Partenaire : aucun accès" in out and "(CIP) : lecture seule" in out
    assert main(["--database", database_url, "policy", "--partage", "stagiaire=ecriture"]) == 2
    assert "Réglage refusé" in capsys.readouterr().err
    assert main(["--database", database_url, "policy", "--partage", "cip=tout"]) == 2
    # the devices learn the rules at their next hello
    answer = world.bob.post("hello", {"schema_version": SCHEMA}).json()
    assert answer["share_policy"] == {
        "cip": "lecture", "conseiller_france_travail": "lecture", "partenaire": "aucun", "travailleur_social": "ecriture",
    }  # fmt: skip
