"""« Aujourd'hui » (issue #15, point 1) on a real vault: the day's RDVs, the people to call back, the overdue items
graded (legal deadline past > departmental target past > this week), « Mes personnes » or everyone; and the same
list headless: ``python -m app today [--on DATE] [--json]``."""

from __future__ import annotations

import io
import json
from contextlib import redirect_stdout
from datetime import date, datetime, timedelta

import pytest

from app.__main__ import main
from app.models.rules.urgency import GRADE_CODES, Grade
from app.models.tables.contracts import Contract
from app.services.agenda import today as svc
from app.services.casefile import rdv
from app.services.people import identity as people
from app.services.people import parcours
from app.services.people.identity import PersonInput
from app.services.storage.vault import Vault
from tests.conftest import TEST_PASSPHRASE

TODAY = date.today()


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, datetime.min.time()).replace(hour=hour)


@pytest.fixture
def day(vault: Vault) -> dict[str, str]:
    db = vault.db
    me = people.upsert_referent(db, login="cm", first_name="Claire", last_name="Marchand")
    other = people.upsert_referent(db, login="jd", first_name="Jean", last_name="Dupuis")
    people.set_current_referent(db, me)

    def person(last: str, ref: str | None, days_ago: int, track: str = "social") -> str:
        pid = people.create_person(db, PersonInput(last_name=last, first_name="Test", regime="plein_emploi",
                                                   rsa_entry_date=TODAY - timedelta(days=400)))  # fmt: skip
        start = TODAY - timedelta(days=days_ago)
        parcours.open_parcours(db, pid, start_date=start, track=track)
        parcours.record_orientation(db, pid, track=track, decision_date=start, notification_date=start,
                                    organisme="MDS")  # fmt: skip
        if ref:
            people.assign_referent(db, pid, ref, start_date=start)
        return pid

    ids = {
        "seen": person("Alpha", me, 300),  # an RDV today
        "missed": person("Bravo", me, 300),  # missed 3 days ago, nothing planned: to call back
        "rebooked": person("Charlie", me, 300),  # missed 3 days ago, a RDV planned since: not to call
        "fresh": person("Delta", me, 45),  # oriented 45 days ago: the CE (1 month, legal) is past
        "theirs": person("Echo", other, 300),  # someone else's
        "signed": person("Foxtrot", me, 300, "emploi"),  # a CE in force: only departmental targets past
    }
    with db.session() as s:
        s.add(Contract(person_id=ids["signed"], number="CE-1", kind="ce", regime="plein_emploi", status="en_cours",
                       start_date=TODAY - timedelta(days=250), end_date=TODAY + timedelta(days=120),
                       signed_on=TODAY - timedelta(days=250)))  # fmt: skip
    rdv.add_appointment(db, ids["seen"], starts_at=_at(TODAY, 10), purpose="suivi", nature="physique",
                        place="MDS", referent_id=me)  # fmt: skip
    rdv.add_appointment(db, ids["theirs"], starts_at=_at(TODAY, 11), purpose="suivi", nature="telephone",
                        referent_id=other)  # fmt: skip
    for key in ("missed", "rebooked"):
        rdv.add_appointment(db, ids[key], starts_at=_at(TODAY - timedelta(days=3), 9), purpose="suivi",
                            nature="physique", referent_id=me, status="non_honore")  # fmt: skip
    rdv.add_appointment(db, ids["rebooked"], starts_at=_at(TODAY + timedelta(days=4), 9), purpose="suivi",
                        nature="physique", referent_id=me)  # fmt: skip
    return {"me": me, "other": other, **ids}


def test_the_day_of_my_people(vault: Vault, day: dict[str, str]) -> None:
    plan = svc.day_plan(vault.db, TODAY, referent_id=day["me"])
    assert [(line.person_id, line.at) for line in plan.rdvs] == [(day["seen"], _at(TODAY, 10))]
    assert plan.rdvs[0].label == "Suivi · Physique · MDS" and plan.rdvs[0].detail == "10:00"
    assert [line.person_id for line in plan.callbacks] == [day["missed"]]
    assert "non honoré" in plan.callbacks[0].label and plan.callbacks[0].tab == "rdv"
    ours = {day["seen"], day["missed"], day["rebooked"], day["fresh"], day["signed"]}
    assert {line.person_id for line in plan.lines()} <= ours  # never someone else's people
    assert len({line.person_id for line in plan.deadlines}) == len(plan.deadlines)  # one line per person
    rank = {code: g for g, code in GRADE_CODES.items()}
    keys = [(rank[line.grade], line.due) for line in plan.deadlines]
    assert keys == sorted(keys) and all(rank[line.grade] <= Grade.THIS_WEEK for line in plan.deadlines)
    fresh = next(line for line in plan.deadlines if line.person_id == day["fresh"])
    assert fresh.grade == GRADE_CODES[Grade.LEGAL_LATE] and not fresh.local_target
    assert "en retard de" in fresh.detail and "Délai légal" in fresh.detail
    signed = next(line for line in plan.deadlines if line.person_id == day["signed"])
    assert signed.local_target and signed.grade == GRADE_CODES[Grade.LOCAL_LATE]
    assert plan.deadlines.index(fresh) < plan.deadlines.index(signed)  # legal before departmental
    locals_ = [line for line in plan.deadlines if line.local_target]
    assert all(line.grade != GRADE_CODES[Grade.LEGAL_LATE] for line in locals_)
    assert all("Objectif départemental" in line.detail for line in locals_)


def test_the_team_sees_everyone_and_another_day(vault: Vault, day: dict[str, str]) -> None:
    team = svc.day_plan(vault.db, TODAY)
    assert {line.person_id for line in team.rdvs} == {day["seen"], day["theirs"]}
    earlier = svc.day_plan(vault.db, TODAY - timedelta(days=3), referent_id=day["me"])
    assert {line.person_id for line in earlier.rdvs} == {day["missed"], day["rebooked"]}
    assert all("non honoré" in line.detail for line in earlier.rdvs)
    assert [line.person_id for line in earlier.callbacks] == [
        day["missed"]
    ]  # Charlie has a RDV planned since


def test_today_command_text_and_json(
    vault: Vault, day: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    data_dir, name = vault.info.directory.parent.parent, vault.info.name
    vault.close()

    def run(*args: str) -> str:
        out = io.StringIO()
        stdin = io.StringIO(TEST_PASSPHRASE + "\n")
        with redirect_stdout(out), pytest.MonkeyPatch.context() as mp:
            mp.setattr("sys.stdin", stdin)
            code = main(
                ["--data-dir", str(data_dir), "--profile", name, "--passphrase-stdin", "today", *args]
            )
        assert code == 0
        return out.getvalue()

    text = run()
    assert text.startswith(f"Aujourd'hui, {TODAY:%d/%m/%Y} — vos personnes et celles sans référent")
    for title in ("Rendez-vous du jour (1)", "À rappeler (1)", "Délais légaux dépassés"):
        assert title in text
    data = json.loads(run("--json"))
    assert data["on"] == TODAY.isoformat() and data["scope"] == "mes_personnes"
    for line in data["lines"]:
        assert {"person_id", "kind", "grade", "due_date", "label"} <= set(line)
    kinds = [line["kind"] for line in data["lines"]]
    assert kinds[0] == "rdv" and "rappel" in kinds and "echeance" in kinds
    team = json.loads(run("--json", "--equipe", "--on", (TODAY - timedelta(days=3)).isoformat()))
    assert team["scope"] == "equipe" and team["on"] == (TODAY - timedelta(days=3)).isoformat()
    bad = io.StringIO()
    with redirect_stdout(bad), pytest.raises(SystemExit):
        main(["--data-dir", str(data_dir), "--profile", name, "today", "--on", "31/12/2026"])
    assert "date « 31/12/2026 » invalide" in capsys.readouterr().err


def test_the_file_header_names_the_item_the_lists_put_first(vault: Vault, day: dict[str, str]) -> None:
    """Oriented 45 days ago: the first RDV (a departmental target, 15 days) is older than the contrat
    d'engagement (a legal deadline, one month); the header showed the older local target, « Aujourd'hui » and
    « Ma file active » the legal deadline."""
    from app.services.casefile import overview

    urgent = overview.person_header(vault.db, day["fresh"]).urgent
    plan = svc.day_plan(vault.db, TODAY, referent_id=day["me"])
    first = next(line for line in plan.deadlines if line.person_id == day["fresh"])
    assert urgent is not None and not urgent.local_target
    assert (urgent.label, urgent.due) == (first.label, first.due)


def test_the_days_rdvs_say_whether_they_were_convoked(vault: Vault, day: dict[str, str]) -> None:
    """The convocation's state beside each RDV of the day (ADR 0035's letters): « Non convoqué », then
    « Convoqué le … » once the letter is recorded."""
    from app.services.agenda.convocations import letters

    plan = svc.day_plan(vault.db, TODAY, referent_id=day["me"])
    assert plan.rdvs[0].convocation.startswith("Non convoqué")
    letters.record_letter(vault.db, plan.rdvs[0].rdv_id, today=TODAY - timedelta(days=2))
    plan = svc.day_plan(vault.db, TODAY, referent_id=day["me"])
    assert plan.rdvs[0].convocation.startswith(f"Convoqué le {TODAY - timedelta(days=2):%d/%m/%Y}")
