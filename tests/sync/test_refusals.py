"""Refused ops on real devices: the refusal queue with its reason and its way out, the device kept in the
server's state (nothing diverges, nothing loops), duplicates elsewhere, « demo churn », and the revocation wipe
in passphrase mode without a keyring."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import delete, select

from app.commands.sync import churn
from app.models.tables.followup import Note
from app.models.tables.local import Conflict
from app.models.tables.people import Person, Referent
from app.services.storage import vault as vault_service
from app.services.sync import view as sync_view
from app.services.sync.client import K_WIPED, SyncClient
from app.services.sync.conflicts import list_conflicts, resolve_conflict
from server.admin import audit
from server.admin.accounts import set_device_status
from server.engine.check import global_status
from tests.conftest import TEST_PASSPHRASE
from tests.sync.harness import Device, Server, make_device


def converged(server: Server, *devices: Device) -> None:
    srv = global_status(server.sdb)["tables"]
    for d in devices:
        st = d.client.status()
        assert st["pending_ops"] == 0
        for name, t in st["tables"].items():
            assert t["hash"] == srv[name]["hash"], (d.name, name)


def test_a_refused_reassignment_is_undone_queued_and_can_be_transmitted(
    server: Server, data_dir: Path
) -> None:
    a = make_device(server, data_dir, "a", "alice")
    bob = make_device(server, data_dir, "b", "bob")
    chef = make_device(server, data_dir, "chef", "chef")
    pid = a.add_person(city="Lille")
    assert a.sync().state == "ok"
    a.edit_person(pid, referent_id=bob.referent_id, city="Douai")  # not hers to give to a colleague
    r = a.sync()
    assert r.state == "ok" and r.conflicts == 1 and r.pending == 0
    p = a.persons()[pid]
    assert p["referent_id"] == a.referent_id and p["city"] == "Lille"  # the server's values are back
    converged(server, a)
    assert a.sync().conflicts == 0  # no loop: nothing is sent again
    [item] = sync_view.conflict_queue(a.vault)
    assert item.field == "__rejet__" and item.kind == "modification refusée"
    assert "confie une personne à son équipe" in item.reason and "Douai" in item.mine
    assert item.person == "DURAND Léa"
    resolve_conflict(a.vault, item.id, "escalate")
    assert list_conflicts(a.vault) == []
    assert a.sync().state == "ok"
    assert [e.login for e in audit.entries(server.sdb, kinds=["escalated"])] == ["alice"]
    assert chef.sync().state == "ok"
    [seen] = sync_view.team_refusals(chef.vault)
    assert seen.who == "Alice Test" and seen.what == "Identité" and seen.person == "DURAND Léa"
    assert "confie une personne" in seen.reason
    assert sync_view.team_refusals(bob.vault) == []


def test_a_refused_new_record_leaves_the_device_with_its_values_kept_in_the_queue(
    server: Server, data_dir: Path
) -> None:
    a = make_device(server, data_dir, "a", "alice")
    b = make_device(server, data_dir, "b", "bob")
    intruder = b.add_person(last="Intrus", first="Paul", referent_id=a.referent_id)  # into alice's caseload
    b.add_note(intruder, "note de bob")
    kept = b.add_person(last="Petit", first="Zoé")
    r = b.sync()
    assert r.state == "ok" and r.conflicts == 2 and r.pending == 0
    assert b.person(intruder) is None and b.count(Note) == 0 and b.person(kept) is not None
    converged(server, b)
    items = sync_view.conflict_queue(b.vault)
    assert [i.person for i in items] == ["INTRUS Paul", "(personne inconnue sur ce poste)"]
    assert "Intrus" in items[0].mine and "note de bob" in items[1].mine
    for item in items:
        resolve_conflict(b.vault, item.id, "discard")
    assert b.sync().state == "ok" and sync_view.conflict_queue(b.vault) == []
    assert intruder not in a.persons() and a.sync().state == "ok" and intruder not in a.persons()


def test_a_duplicate_elsewhere_is_a_message_without_an_id(server: Server, data_dir: Path) -> None:
    a = make_device(server, data_dir, "a", "alice")
    b = make_device(server, data_dir, "b", "bob")
    theirs = a.add_person(last="Nguyen", first="Minh", nir="185057512345678")
    assert a.sync().state == "ok"
    b.add_person(last="Nguyen", first="Minh", nir="185057512345678")
    r = b.sync()
    assert r.state == "ok" and r.duplicates == 1
    [item] = sync_view.conflict_queue(b.vault)
    assert item.reason == "Une personne avec ce NIR est déjà suivie ailleurs : contactez votre responsable."
    with b.vault.db.read() as s:
        stored = s.scalars(select(Conflict.server_value)).one()
    assert theirs not in json.dumps(stored)


def test_demo_churn_files_new_people_under_the_device_s_own_referent(server: Server, data_dir: Path) -> None:
    a = make_device(server, data_dir, "a", "alice")
    a.add_person()
    assert a.sync().state == "ok"
    b = make_device(server, data_dir, "b", "bob")
    with b.vault.db.session(remote_apply=True) as s:  # another directory entry, first in any order
        s.add(Referent(id="00000000-0000-4000-8000-000000000000", login="zz", first_name="Z", last_name="Z"))
    churn(b.vault, 40, 3)
    referents = {p["referent_id"] for p in b.persons().values()}
    assert referents == {b.referent_id}
    with b.vault.db.session(remote_apply=True) as s:
        s.execute(delete(Referent).where(Referent.login == "zz"))
    r = b.sync()
    assert r.state == "ok" and r.conflicts == 0 and r.pending == 0


def test_revocation_wipes_in_passphrase_mode_without_a_keyring(
    server: Server, data_dir: Path, no_keyring: Any
) -> None:
    vault = vault_service.create_vault(
        data_dir, "p", mode=vault_service.MODE_PASSPHRASE, passphrase=TEST_PASSPHRASE
    )
    wiped: list[str] = []
    client = SyncClient(
        vault,
        server.base,
        httpx.Client(transport=server.client()._transport),
        on_wipe=wiped.append,  # type: ignore[attr-defined]
    )
    client.enroll(server.code("alice"), "portable")
    assert client.sync().state == "ok"
    with vault.db.session() as s:
        for i in range(200):
            s.add(
                Person(
                    last_name=f"Nom{i}",
                    first_name="Léa",
                    regime="legacy",
                    referent_id=client.status()["user"]["referent_id"],
                    city="Lille " * 40,
                )
            )
    assert client.sync().state == "ok"
    set_device_status(server.sdb, vault.device_id, "revoked")
    r = client.sync()
    assert r.state == "revoked" and "révoqué" in r.message and wiped
    assert vault.db.get_state(K_WIPED) == "revoked"
    with vault.db.read() as s:
        assert s.scalars(select(Person)).all() == []
    raw = vault.db.engine.raw_connection()
    try:
        free = raw.driver_connection.execute("PRAGMA freelist_count").fetchone()[0]  # type: ignore[union-attr]
    finally:
        raw.close()
    assert free == 0  # vacuumed: the freed pages holding the names are gone from the file
    assert sync_view.overview(vault).wiped == "revoked"
    vault.close()
