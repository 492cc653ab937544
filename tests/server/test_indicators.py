"""Département indicators on the server (SQLite and PostgreSQL): the client's hand-built dataset, copied row for
row into the server's business tables, gives the same numbers as the client; ``python -m server report``."""

from __future__ import annotations

import json
import uuid
from datetime import date, datetime

import pytest
from sqlalchemy import select

from app.models.tables.base import Base, synced_tables
from app.services.reporting import indicators as client_indicators
from server.__main__ import main
from server.engine.indicators import Filters, department_report, grouped_reports
from server.store.db import ServerDB
from server.store.tables import BUSINESS, teams, users
from tests.services.test_indicators import (
    EXPECTED_R,
    EXPECTED_R_BREAKDOWNS,
    OCTOBER,
    build_dataset,
    check_report,
)

#: The whole département: R's caseload plus Jules (followed by O), worked out by hand.
EXPECTED_ALL = {
    **EXPECTED_R,
    # Jules entered on 05/10.
    "entres": (5, 5, None),
    "file_active": (11, 11, None),
    # Jules: oriented 05/10, 1st RDV 06/10 (1 day). Delays 1, 5, 18, 21 → (5 + 18) / 2 = 11.5; 4 of 5.
    "delai_rdv_median": (11.5, 4, 5),
    # Jules is within 15 days: 3 / 5 = 60 %.
    "delai_rdv_dans_cible": (60.0, 3, 5),
    # Jules has no contract: same two delays, out of 5 orientations; 1 / 5 in target.
    "delai_contrat_median": (32.5, 2, 5),
    "delai_contrat_dans_cible": (20.0, 1, 5),
    # 3 contracts out of 11 people in the file active: 27.27 → 27.3 %.
    "taux_contractualisation": (27.3, 3, 11),
    # + Jules's honoured RDV of 06/10: 7 entretiens, 2 missed out of 10 due RDVs.
    "entretiens": (7, 7, None),
    "taux_absence": (20.0, 2, 10),
    # + Jules's SIAE prescription of 06/10.
    "prescriptions": (4, 4, None),
}
EXPECTED_ALL_BREAKDOWNS = {
    **EXPECTED_R_BREAKDOWNS,
    "entretiens_objet": {"premier_rdv": 3, "diagnostic": 1, "suivi": 2, "bilan": 1},
    "entretiens_nature": {"physique": 4, "telephone": 1, "visio": 1, "visite_domicile": 1},
    "entretiens_lieu": {"MDS Nord": 3, "": 1, "Visio": 1, "Domicile": 1, "CCAS": 1},
    "prescriptions_type": {"pmsmp": 1, "siae": 2, "formation": 1},
    "prescriptions_suite": {"accepte": 1, "en_attente": 2, "entre": 1},
}


def _copy_vault_to_server(db, sdb: ServerDB) -> None:
    with db.read() as s:
        data = {
            name: [dict(r._mapping) for r in s.execute(select(Base.metadata.tables[name]))]
            for name in synced_tables()
        }
    with sdb.write() as conn:
        for name, rows in data.items():
            if rows:
                conn.execute(BUSINESS[name].insert(), rows)


def _clone(conn, table: str, row_id: str, **changes) -> str:
    t = BUSINESS[table]
    row = dict(conn.execute(select(t).where(t.c.id == row_id)).one()._mapping)
    row.update(id=str(uuid.uuid4()), **changes)
    conn.execute(t.insert().values(row))
    return str(row["id"])


def _tombstones(sdb: ServerDB, ids: dict[str, str]) -> None:
    """Deleted rows that would change every figure if they were counted."""
    now = datetime(2026, 11, 1, 12)
    pa, ap = BUSINESS["parcours"], BUSINESS["appointment"]
    with sdb.write() as conn:
        ada_parcours = conn.execute(select(pa.c.id).where(pa.c.person_id == ids["Ada"])).scalar_one()
        ada_rdv = conn.execute(select(ap.c.id).where(ap.c.person_id == ids["Ada"])).scalars().first()
        # a deleted person entering in October, with a live parcours
        ghost = _clone(conn, "person", ids["Ada"], last_name="Fantôme", first_name="Zoé", deleted_at=now)
        _clone(conn, "parcours", ada_parcours, person_id=ghost, start_date=date(2026, 10, 3))
        # a deleted parcours and a deleted honoured RDV of a live person
        _clone(conn, "parcours", ada_parcours, start_date=date(2026, 10, 4), deleted_at=now)
        _clone(
            conn, "appointment", ada_rdv, starts_at=datetime(2026, 10, 9, 9), status="honore", deleted_at=now
        )


def _teams(sdb: ServerDB, ids: dict[str, str]) -> None:
    with sdb.write() as conn:
        for team, login, ref in (("Nord", "cr", ids["R"]), ("Sud", "po", ids["O"]), ("Vide", "x", None)):
            tid = str(uuid.uuid4())
            conn.execute(teams.insert().values(id=tid, name=team))
            conn.execute(
                users.insert().values(
                    id=str(uuid.uuid4()),
                    login=login,
                    name=login,
                    role="referent",
                    team_id=tid,
                    referent_id=ref,
                    created_at=datetime(2026, 1, 1),
                )
            )


@pytest.fixture
def server(vault, database_url):
    ids = build_dataset(vault.db)
    sdb = ServerDB(database_url)
    sdb.migrate()
    _copy_vault_to_server(vault.db, sdb)
    _tombstones(sdb, ids)
    _teams(sdb, ids)
    try:
        yield sdb, ids, database_url, vault
    finally:
        sdb.dispose()


def test_department_figures(server):
    sdb, _ids, _url, _vault = server
    report = department_report(sdb, OCTOBER)
    assert report.scope == "Tout le département"
    check_report(report, EXPECTED_ALL, EXPECTED_ALL_BREAKDOWNS)


def test_team_report_equals_the_client_report(server):
    sdb, ids, _url, vault = server
    team = department_report(sdb, OCTOBER, Filters(team="Nord"))
    assert team.scope == "Tout le département — équipe Nord"
    check_report(team, EXPECTED_R, EXPECTED_R_BREAKDOWNS)
    client = client_indicators.compute(vault.db, OCTOBER, referent_id=ids["R"])
    assert team.figures == client.figures
    assert team.breakdowns == client.breakdowns
    # Quarter and year too: client and server agree figure for figure.
    for code in ("2026-T4", "2026", "2026-09"):
        period = client_indicators.parse_period(code)
        assert (
            department_report(sdb, period, Filters(team="Nord")).figures
            == client_indicators.compute(vault.db, period).figures
        ), code


def test_filters_and_groups(server):
    sdb, _ids, _url, _vault = server
    for filters in (Filters(organisme="france_travail"), Filters(territory="38000"), Filters(team="Sud")):
        r = department_report(sdb, OCTOBER, filters)
        assert (r.figure("entres").value, r.figure("file_active").value, r.figure("prescriptions").value) == (
            1,
            1,
            1,
        )
    nobody = department_report(sdb, OCTOBER, Filters(team="Vide"))
    assert nobody.figure("file_active").value == 0
    assert nobody.figure("delai_rdv_median").value is None
    assert nobody.figure("taux_absence").value is None
    by_team = grouped_reports(sdb, OCTOBER, "equipe")
    assert [(name, r.figure("file_active").value) for name, r in by_team] == [
        ("Nord", 10),
        ("Sud", 1),
        ("Vide", 0),
    ]


def test_cli_report_json_and_table(server, capsys):
    _sdb, _ids, url, _vault = server
    assert main(["--database", url, "report", "--period", "2026-10", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["periode"]["libelle"] == "octobre 2026"
    got = {f["cle"]: (f["valeur"], f["numerateur"], f["denominateur"]) for f in data["indicateurs"]}
    assert got == EXPECTED_ALL
    assert "Zoé" not in json.dumps(data) and "Arnaud" not in json.dumps(data)  # counts only

    assert main(["--database", url, "report", "--period", "2026-10", "--equipe", "Nord"]) == 0
    out = capsys.readouterr().out
    assert "Indicateurs — octobre 2026 (du 01/10/2026 au 31/10/2026)" in out
    assert "Périmètre : Tout le département — équipe Nord" in out
    assert "1er rendez-vous dans le délai cible" in out and "50 %" in out and "2 sur 4" in out

    assert main(["--database", url, "report", "--period", "2026-10", "--par", "equipe", "--json"]) == 0
    groups = json.loads(capsys.readouterr().out)["groupes"]
    assert [g["groupe"] for g in groups] == ["Nord", "Sud", "Vide"]


def test_cli_report_errors(server, capsys):
    _sdb, _ids, url, _vault = server
    assert main(["--database", url, "report", "--period", "octobre"]) == 2
    assert "Période « octobre » invalide" in capsys.readouterr().err
    assert main(["--database", url, "report", "--period", "2026-10", "--team", "Ouest"]) == 2
    assert "Équipe « Ouest » inconnue (équipes : Nord, Sud, Vide)." in capsys.readouterr().err


def test_api_rules_by_role(server):
    from server.engine.errors import ProtocolError
    from server.engine.indicators import indicators_for
    from server.engine.scope import DeviceCtx

    sdb, ids, _url, _vault = server
    with sdb.read() as conn:
        nord = conn.execute(select(teams.c.id).where(teams.c.name == "Nord")).scalar_one()

    def device(role, team_id=None):
        return DeviceCtx(
            id="d1", user_id="u1", role=role, referent_id=ids["R"], team_id=team_id, status="active"
        )

    data = indicators_for(sdb, device("admin"), "2026-10")
    assert {
        f["cle"]: (f["valeur"], f["numerateur"], f["denominateur"]) for f in data["indicateurs"]
    } == EXPECTED_ALL
    # A team leader always gets their own team, and nothing else.
    leader = indicators_for(sdb, device("team_leader", nord), "2026-10")
    assert leader["perimetre"] == "Tout le département — équipe Nord"
    assert {
        f["cle"]: (f["valeur"], f["numerateur"], f["denominateur"]) for f in leader["indicateurs"]
    } == EXPECTED_R
    with pytest.raises(ProtocolError) as err:
        indicators_for(sdb, device("team_leader", nord), "2026-10", team="Sud")
    assert err.value.status == 403 and "« Nord »" in err.value.message
    with pytest.raises(ProtocolError) as err:
        indicators_for(sdb, device("referent"), "2026-10")
    assert err.value.status == 403
    with pytest.raises(ProtocolError) as err:
        indicators_for(sdb, device("admin"), "2026-13")
    assert err.value.status == 400 and "Période « 2026-13 » invalide" in err.value.message
