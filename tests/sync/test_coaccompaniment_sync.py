"""Co-accompaniment end to end on real devices (ADR 0052): alice (team Nord) shares her person's file with karim,
a CIP of team Sud, and with carole, a France Travail adviser; both receive the file at their next sync; karim's
note reaches alice; what the share does not allow is refused on the device before it reaches the outbox (and the
server would refuse it too); ending the share takes the file back from karim's laptop."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.models.tables.followup import Note
from app.models.tables.local import OutboxOp
from app.models.tables.people import Person
from app.services.casefile import notes
from app.services.people import coaccompaniment
from app.services.storage.share_guard import READ_ONLY_MESSAGE, SharedFileError
from server.engine import shares
from tests.sync.harness import Server, make_device


def outbox(device) -> int:  # type: ignore[no-untyped-def]
    with device.vault.db.read() as s:
        return int(s.scalar(select(func.count()).select_from(OutboxOp)) or 0)


def test_a_shared_file_travels_and_the_device_tells_what_the_share_allows(
    server: Server, data_dir: Path
) -> None:
    server.add_user("karim", team="Sud")
    server.add_user("carole", team="France Travail")
    alice = make_device(server, data_dir, "a", "alice")
    karim = make_device(server, data_dir, "k", "karim")
    carole = make_device(server, data_dir, "c", "carole")
    pid = alice.add_person(last="Lefèvre", first="Éloïse")
    alice.add_note(pid, "Premier entretien")
    assert alice.sync().state == "ok"
    assert karim.sync().state == "ok" and karim.person(pid) is None  # another team: nothing yet

    share = coaccompaniment.add_co_accompaniment(
        alice.vault.db, pid, referent_id=karim.referent_id, role="cip", access="ecriture",
        purpose="Appui à la recherche d'emploi", added_by="alice",
    )  # fmt: skip
    coaccompaniment.add_co_accompaniment(
        alice.vault.db,
        pid,
        referent_id=carole.referent_id,
        role="conseiller_france_travail",
        access="ecriture",
    )
    with pytest.raises(Exception, match="accompagne déjà"):
        coaccompaniment.add_co_accompaniment(alice.vault.db, pid, referent_id=karim.referent_id, role="cip")
    assert alice.sync().state == "ok"

    # karim: the whole file arrives; he writes a note (the shared work), not the person's identity
    assert karim.sync().state == "ok"
    assert karim.person(pid) is not None and karim.count(Note) == 1
    place = coaccompaniment.my_place(karim.vault.db, pid)
    assert (place.kind, place.access, place.read_only) == ("partage", "ecriture", False)
    assert "Dossier partagé avec vous (CIP)" in place.banner
    notes.add_note(karim.vault.db, pid, kind="entretien", body="Entretien CIP : CV refait.", author="karim")
    before = outbox(karim)
    with pytest.raises(SharedFileError, match="du ressort du référent"):
        karim.edit_person(pid, city="Ailleurs")
    with pytest.raises(SharedFileError):
        coaccompaniment.end_co_accompaniment(karim.vault.db, share)
    assert outbox(karim) == before  # nothing refused reached the outbox
    assert karim.sync().state == "ok" and karim.sync().conflicts == 0
    assert alice.sync().state == "ok" and alice.count(Note) == 2

    # carole: France Travail is capped at « lecture » by the département (the default rules): she reads only
    assert carole.sync().state == "ok" and carole.person(pid) is not None
    assert coaccompaniment.my_place(carole.vault.db, pid).read_only
    with pytest.raises(SharedFileError) as refused:
        notes.add_note(carole.vault.db, pid, kind="entretien", body="Note France Travail")
    assert refused.value.message == READ_ONLY_MESSAGE
    views = {v.referent_id: v for v in coaccompaniment.list_co_accompaniments(alice.vault.db, pid)}
    assert (views[carole.referent_id].access, views[carole.referent_id].effective) == ("ecriture", "lecture")

    # the département lowers the CIP role to « lecture »: karim's device learns it at its next sync
    with server.sdb.write() as conn:
        shares.set_policy(conn, {"cip": "lecture"})
    assert karim.sync().state == "ok" and coaccompaniment.my_place(karim.vault.db, pid).read_only
    with pytest.raises(SharedFileError, match="lecture seule"):
        notes.add_note(karim.vault.db, pid, kind="entretien", body="Encore une note")

    # alice ends karim's share: his next sync takes the file back; carole keeps hers
    coaccompaniment.end_co_accompaniment(alice.vault.db, share, end_date=date.today())
    assert alice.sync().state == "ok"
    assert karim.sync().state == "ok"
    with karim.vault.db.read() as s:
        assert s.get(Person, pid) is None and s.scalar(select(func.count()).select_from(Note)) == 0
    assert carole.sync().state == "ok" and carole.person(pid) is not None
