"""Issue #15: the screens name the référent who wrote, not their login (« Camille Rousseau », not
« crousseau »): Contrats (versions, steps), Historique, Journal, and the other histories; the records keep the
login (audit trail, sync)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.models.tables.contracts import Contract, ContractEvent
from app.models.tables.people import Referent
from app.services.casefile import diagnostic, notes, timeline
from app.services.contracts import lifecycle
from app.services.demo.build import populate_demo
from app.services.people.identity import author_label, author_names
from app.services.privacy import journal
from app.services.storage.vault import Vault


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Vault:
    from app.services.storage import vault as vault_service
    from tests.conftest import TEST_PASSPHRASE

    v = vault_service.create_vault(
        tmp_path_factory.mktemp("names"),
        "demo",
        mode=vault_service.MODE_PASSPHRASE,
        passphrase=TEST_PASSPHRASE,
    )
    populate_demo(v, seed=2026)
    yield v
    v.close()


def test_screens_show_names_not_logins(demo: Vault) -> None:
    db = demo.db
    with db.read() as s:
        logins = {r.login: f"{r.first_name} {r.last_name}" for r in s.scalars(select(Referent))}
        event = s.scalars(select(ContractEvent).where(ContractEvent.author != "")).first()
        assert event is not None and event.author in logins  # the record keeps the login
        contract = s.get(Contract, event.contract_id)
        assert contract is not None
        pid = contract.person_id
    shown = [v.author for v in lifecycle.contract_versions(db, contract.id)]
    shown += [e.author for e in lifecycle.contract_events(db, contract.id)]
    assert logins[event.author] in shown and not set(shown) & set(logins)
    details = " ".join(f"{i.title} {i.detail}" for i in timeline.timeline(db, pid))
    assert "par " in details and not any(f"par {login}" in details for login in logins)
    lines = journal.journal(db, limit=500)
    actors = {line.actor for line in lines}
    assert actors & set(logins.values()) and not actors & set(logins)
    assert not {n.author for n in notes.list_notes(db, pid)} & set(logins)
    assert not {v.author for v in diagnostic.load(db, pid).versions} & set(logins)


def test_an_unknown_author_keeps_its_login_and_a_device_without_referent_says_so(demo: Vault) -> None:
    names = author_names(demo.db)
    assert author_label("inconnu42", names) == "inconnu42"
    assert author_label("local", names) == "ce poste (aucun référent connecté)"
    assert author_label("", names) == ""
