"""A device restored from one of its backups keeps synchronising: what it had sent since the backup comes
back from the département, and its next changes are accepted (ADR 0026)."""

from __future__ import annotations

from pathlib import Path

from app.services.storage import backups
from app.services.storage import vault as vault_service
from tests.sync.harness import Server, make_device


def test_a_restored_device_gets_back_what_it_sent_and_keeps_sending(server: Server, data_dir: Path) -> None:
    a = make_device(server, data_dir, "a", "alice")
    first = a.add_person(last="Avant", first="Sauvegarde")
    assert a.sync().state == "ok"
    made = backups.take_backup(a.vault.info, a.vault.db.engine, a.vault.key)
    later = a.add_person(last="Après", first="Sauvegarde")
    a.add_note(first, "Note envoyée après la sauvegarde")
    assert a.sync().state == "ok"
    info, key = a.vault.info, a.vault.key
    a.vault.close()
    backups.restore_backup(info, key, made.name)
    a.vault = vault_service.open_with_key(info, key)
    a.client.vault = a.vault  # the client's database is its vault's
    new = a.add_person(last="Nouveau", first="Dossier")
    r = a.sync()
    assert r.state == "ok", r.message
    assert r.conflicts == 0, r.message
    persons = a.persons()
    assert {first, later, new} <= set(persons)
