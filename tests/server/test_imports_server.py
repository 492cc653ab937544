"""Server-side orientation-list import, on SQLite and PostgreSQL: same report as the client, idempotent,
couples stay two people, and what it writes reaches an enrolled device's vault through a normal sync."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.models.tables.local import AuditEvent
from app.models.tables.people import Household, Orientation, Person
from server.__main__ import main as server_main
from server.engine.check import global_status
from server.engine.imports import ServerImportError, import_orientations_server
from server.store.tables import BUSINESS, row_feed, scope_event
from tests.sync.harness import Server, make_device, make_server

DATA = Path(__file__).parents[1] / "services" / "data" / "imports"
HEAD = "NIR;N° allocataire CAF;Nom;Prénom;Date de naissance;Sexe;Téléphone;Type d'orientation;Date d'orientation;Référent"


def nir(body: str) -> str:
    return body + f"{97 - int(body) % 97:02d}"


NIR_A = nir("2800575123456")


def csv_bytes(*rows: str) -> bytes:
    return ("\n".join([HEAD, *rows]) + "\n").encode("utf-8")


COUPLE = csv_bytes(
    f"{NIR_A};1234567;Lefèvre;Élodie;12/05/1980;F;06 11 22 33 44;Sociale;03/02/2025;",
    ";1234567;Lefèvre;Jérôme;01/01/1979;M;;Professionnelle;03/02/2025;",
    ";7654321;Martin;Paul;01/02/1980;M;;Socio-professionnelle;10/01/2025;bob",
)


@pytest.fixture
def srv(database_url: str) -> Iterator[Server]:
    s = make_server(database_url)
    s.add_user("alice")
    s.add_user("bob")
    try:
        yield s
    finally:
        s.sdb.dispose()


def rows(srv: Server, table: str) -> list[dict]:
    t = BUSINESS[table]
    with srv.sdb.read() as c:
        return [dict(r) for r in c.execute(select(t)).mappings()]


def test_couple_stays_two_people_in_one_household_and_reimport_changes_nothing(srv: Server) -> None:
    report = import_orientations_server(srv.sdb, COUPLE, referent_login="alice")
    assert [str(r.outcome) for r in report.results] == ["créé", "créé", "créé"]
    people = {p["first_name"]: p for p in rows(srv, "person")}
    assert set(people) == {"Élodie", "Jérôme", "Paul"}
    assert people["Élodie"]["household_id"] == people["Jérôme"]["household_id"] is not None
    assert people["Paul"]["household_id"] != people["Élodie"]["household_id"]
    alice = _referent(srv, "alice")
    assert people["Élodie"]["referent_id"] == people["Jérôme"]["referent_id"] == alice
    assert people["Paul"]["referent_id"] == _referent(srv, "bob")  # named in the file: wins over --referent
    assert {p["origin_device"] for p in people.values()} == {"server"}
    assert len(rows(srv, "household")) == 2 and len(rows(srv, "orientation")) == 3
    with srv.sdb.read() as c:
        feed = c.execute(select(func.count()).select_from(row_feed)).scalar_one()
        scopes = c.execute(select(func.count()).select_from(scope_event)).scalar_one()
        seqs = sorted(c.execute(select(row_feed.c.seq)).scalars())
    assert scopes == 3 and feed >= 3 + 2 + 3  # people, households, orientations (+ référent rows)
    assert seqs == list(range(1, len(seqs) + 1))  # gap-free feed
    counter = global_status(srv.sdb)

    again = import_orientations_server(srv.sdb, COUPLE, referent_login="alice")
    assert [str(r.outcome) for r in again.results] == ["inchangé"] * 3
    with srv.sdb.read() as c:
        assert sorted(c.execute(select(row_feed.c.seq)).scalars()) == seqs  # nothing written
    assert global_status(srv.sdb) == counter


def _referent(srv: Server, login: str) -> str:
    from server.store.tables import users

    with srv.sdb.read() as c:
        return str(c.execute(select(users.c.referent_id).where(users.c.login == login)).scalar_one())


def test_changed_row_updates_only_what_changed_with_history(srv: Server) -> None:
    import_orientations_server(srv.sdb, COUPLE, referent_login="alice")
    before = {p["first_name"]: p for p in rows(srv, "person")}
    changed = csv_bytes(
        f"{NIR_A};1234567;Lefèvre;Élodie;12/05/1980;F;07 00 00 00 01;Professionnelle;01/03/2025;",
        ";1234567;Lefèvre;Jérôme;01/01/1979;M;;Professionnelle;03/02/2025;",
    )
    report = import_orientations_server(srv.sdb, changed)
    assert [str(r.outcome) for r in report.results] == ["mis à jour", "inchangé"]
    assert report.results[0].changed_fields == ("phone", "orientation")
    after = {p["first_name"]: p for p in rows(srv, "person")}
    assert after["Élodie"]["phone"] == "07 00 00 00 01"
    assert after["Élodie"]["revision"] > before["Élodie"]["revision"]
    assert after["Jérôme"]["revision"] == before["Jérôme"]["revision"]
    orientations = sorted(
        (o for o in rows(srv, "orientation") if o["person_id"] == after["Élodie"]["id"]),
        key=lambda o: o["decision_date"],
    )
    assert [(o["track"], str(o["ended_on"])) for o in orientations] == [
        ("social", "2025-03-01"),
        ("emploi", "None"),
    ]
    audits = rows(srv, "audit_event")
    assert len(audits) == 1 and audits[0]["detail"].endswith("phone, orientation")
    assert "07 00" not in audits[0]["detail"]


def test_people_reach_the_devices_in_whose_scope_they_fall(
    srv: Server, data_dir: Path, memory_keyring
) -> None:
    a = make_device(srv, data_dir, "a", "alice")
    b = make_device(srv, data_dir, "b", "bob")
    import_orientations_server(srv.sdb, COUPLE, referent_login="alice")
    assert a.sync().state == "ok" and b.sync().state == "ok"
    with a.vault.db.read() as s:
        names = sorted(s.scalars(select(Person.first_name)))
        assert s.scalar(select(func.count()).select_from(Household)) == 1
        assert s.scalar(select(func.count()).select_from(Orientation)) == 2
    assert names == sorted(["Élodie", "Jérôme"])
    with b.vault.db.read() as s:
        assert list(s.scalars(select(Person.first_name))) == ["Paul"]
    # a change imported on the server arrives too, and the device's own edits are not lost
    pid = next(p for p, v in a.persons().items() if v["last_name"] == "Lefèvre" and v["phone"])
    a.edit_person(pid, city="Saint-Denis")
    assert a.sync().state == "ok"
    import_orientations_server(
        srv.sdb, csv_bytes(f"{NIR_A};1234567;Lefèvre;Élodie;12/05/1980;F;07 00 00 00 01;Sociale;03/02/2025;")
    )
    assert a.sync().state == "ok"
    assert a.persons()[pid]["phone"] == "07 00 00 00 01" and a.persons()[pid]["city"] == "Saint-Denis"
    with a.vault.db.read() as s:
        assert s.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.person_id == pid)) >= 1


def test_refusals_and_dry_run(srv: Server) -> None:
    with pytest.raises(ServerImportError, match="inconnu du serveur"):
        import_orientations_server(srv.sdb, COUPLE, referent_login="personne")
    report = import_orientations_server(srv.sdb, COUPLE, dry_run=True)
    assert report.dry_run and report.created == 3 and rows(srv, "person") == []
    bad = import_orientations_server(srv.sdb, DATA / "orientations_erreurs.csv")
    assert (bad.created, bad.rejected) == (3, 6)  # an unusable NIR is a warning, not a rejection
    assert bad.results[1].reason == "ligne 3 : 7 champs au lieu de 8 (séparateur ou guillemets mal placés ?)"


def test_cli_json_is_shaped_like_the_client(srv: Server, tmp_path: Path, capsys, vault) -> None:
    from app.services.imports.service import import_orientations

    path = tmp_path / "liste.csv"
    path.write_bytes(COUPLE)
    code = server_main(["--database", srv.url, "import", "orientations", str(path), "--json"])
    out = json.loads(capsys.readouterr().out)
    client = import_orientations(vault.db, path).as_dict()
    assert code == 0
    assert set(out) == set(client) and set(out["lignes"][0]) == set(client["lignes"][0])
    assert [r["resultat"] for r in out["lignes"]] == [r["resultat"] for r in client["lignes"]] == ["créé"] * 3
    (tmp_path / "x.xlsx").write_bytes((DATA / "pas_un_csv.csv").read_bytes())
    code = server_main(["--database", srv.url, "import", "orientations", str(tmp_path / "x.xlsx")])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("Erreur : Ce fichier est un classeur Excel")
    code = server_main(
        ["--database", srv.url, "import", "orientations", str(DATA / "orientations_erreurs.csv")]
    )
    out_text = capsys.readouterr().out
    assert (
        code == 1
        and "9 lignes : 2 créées, 1 mise à jour" in out_text
        and "  ligne 9 : date d'orientation manquante" in out_text
    )
