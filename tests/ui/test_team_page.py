"""« Mon équipe » over a real vault: the load per référent of the team (the other team's caseload left out), the
cases waiting for the EP, the team's figures, the reassignment in bulk of the people ticked (the file follows:
RDVs, saisine stay attached), and a référent's enrolled device reading without reassigning. Screenshot."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from app.models.tables.local import SyncState
from app.services.casefile import rdv
from app.services.ep import referrals, views
from app.services.people import identity as people
from app.services.people import parcours
from app.services.people.identity import PersonInput
from app.services.sync.base import K_USER
from app.services.team.load import team_view
from app.ui.pages.team.page import TeamPage
from app.ui.person.parcours_dialogs import ReferentDialog
from tests.ui.kit import idle, shot
from tests.ui.test_ep_screens import close_box

TODAY = date.today()


@pytest.fixture
def team(vault):
    db = vault.db
    chef = people.upsert_referent(db, login="jm", first_name="Julie", last_name="Moreau", structure="MDS Nord",
                                  team="Nord", is_team_leader=True)  # fmt: skip
    claire = people.upsert_referent(
        db, login="cm", first_name="Claire", last_name="Marchand", structure="MDS Nord", team="Nord"
    )
    sam = people.upsert_referent(
        db, login="sl", first_name="Sam", last_name="Lefort", structure="CCAS", team="Nord"
    )
    other = people.upsert_referent(
        db, login="jd", first_name="Jean", last_name="Dupuis", structure="CCAS Sud", team="Sud"
    )
    people.set_current_referent(db, chef)

    def person(last: str, ref: str, days_ago: int = 120) -> str:
        pid = people.create_person(db, PersonInput(last_name=last, first_name="Test", regime="plein_emploi"))
        day = TODAY - timedelta(days=days_ago)
        parcours.open_parcours(db, pid, start_date=day, track="socio_pro")
        parcours.record_orientation(db, pid, track="socio_pro", decision_date=day, notification_date=day)
        people.assign_referent(db, pid, ref, start_date=day)
        return pid

    ids = {n: person(n, claire) for n in ("Alpha", "Bravo", "Charlie", "Delta")}
    ids["Echo"] = person("Echo", sam)
    ids["Sud"] = person("Sudiste", other)
    rdv.add_appointment(db, ids["Alpha"], starts_at=datetime.combine(TODAY + timedelta(days=3), datetime.min.time()).replace(hour=10),
                        purpose="suivi", nature="physique")  # fmt: skip
    ids["saisine"] = referrals.refer(db, ids["Bravo"], motive="reorientation", referred_on=TODAY - timedelta(days=3),
                                     summary="Orientation sociale à examiner.", proposed_track="social")  # fmt: skip
    return {"db": db, "chef": chef, "claire": claire, "sam": sam, "other": other, **ids}


def test_team_view_counts_the_team_only(team):
    view = team_view(team["db"])
    loads = {x.name: x for x in view.loads}
    assert view.team == "Nord" and next(iter(loads)) == "Julie Moreau"  # the team leader first
    assert "Jean Dupuis" not in loads and view.total == 5
    claire = loads["Claire Marchand"]
    assert (claire.people, claire.without_contract, claire.ep_open, claire.rdv_4_weeks) == (4, 4, 1, 1)
    assert claire.late >= 4  # no first RDV within 15 days, no contract within the target
    assert [r.id for r in view.waiting_ep] == [team["saisine"]]
    assert view.report is not None and view.report.figure("file_active").value is not None


def test_the_leader_reassigns_in_bulk_and_the_file_follows(qtbot, team, ctx):
    page = TeamPage(ctx)
    qtbot.addWidget(page)
    page.resize(1366, 740)
    page.show()
    idle(qtbot, ctx)
    assert page.may_reassign and page.loads.topLevelItemCount() == 3
    page.loads.setCurrentItem(page.loads.topLevelItem(1))  # Claire: her four people
    assert page.people.topLevelItemCount() == 4
    page.reassign_checked()  # nothing ticked: said in French, nothing opened
    close_box("Cochez d'abord")
    for i in (0, 1):
        page.people.topLevelItem(i).setCheckState(0, Qt.CheckState.Checked)
    shot(page, "team-page", small_screen=True)
    page.reassign_checked()
    dialog = next(
        w for w in QApplication.topLevelWidgets() if isinstance(w, ReferentDialog) and w.isVisible()
    )
    choices = [dialog.referent.itemText(i) for i in range(dialog.referent.count())]
    assert choices == [
        "Julie Moreau — MDS Nord",
        "Sam Lefort — CCAS",
    ]  # the team, not the other one, not Claire
    dialog.referent.setCurrentIndex(1)
    dialog.reason.setPlainText("Rééquilibrage des files actives.")
    dialog.save()
    idle(qtbot, ctx)
    loads = {x.name: x for x in team_view(team["db"]).loads}
    assert (loads["Claire Marchand"].people, loads["Sam Lefort"].people) == (2, 3)
    moved = {p.id for p in team_view(team["db"]).people if p.referent == "Sam Lefort"}
    assert {team["Alpha"], team["Bravo"]} <= moved
    [r] = views.referrals(team["db"], person_id=team["Bravo"])  # the saisine followed the person
    assert r.referent_name == "Sam Lefort"
    assert page.loads.topLevelItem(2).text(2) == "3"  # the page reloaded


def test_a_referent_reads_the_team_page_without_reassigning(qtbot, team, ctx, vault):
    with vault.db.session() as s:
        s.merge(SyncState(key=K_USER, value=json.dumps({"role": "referent", "login": "cm", "name": "Claire",
                                                         "referent_id": team["claire"]})))  # fmt: skip
    page = TeamPage(ctx)
    qtbot.addWidget(page)
    page.show()
    idle(qtbot, ctx)
    assert not page.may_reassign and page.notice.isVisible() and not page.reassign_button.isEnabled()
