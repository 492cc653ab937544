from __future__ import annotations

import io
import json
import shutil
import subprocess
from datetime import date, datetime

import icalendar
import pytest
from sqlalchemy import select

from app.models.tables.local import AuditEvent
from app.services.agenda import exports
from app.services.agenda import views as agenda
from app.services.casefile import rdv as rdv_mod
from app.services.errors import ValidationError
from app.services.people import identity as people
from app.services.people.identity import PersonInput
from tests.ui.factories import add_referent

MONDAY = date(2026, 11, 9)  # week holding the 11 November (Armistice)


@pytest.fixture
def setup(vault):
    rid = add_referent(vault)
    pid = people.create_person(
        vault.db, PersonInput(last_name="Lefèvre", first_name="Éloïse", regime="plein_emploi")
    )
    other = people.create_person(
        vault.db, PersonInput(last_name="Nguyen", first_name="Linh", regime="plein_emploi")
    )

    def rdv(who, at, minutes=45, **kw):
        kw.setdefault("purpose", "suivi")
        kw.setdefault("nature", "physique")
        return rdv_mod.add_appointment(
            vault.db, who, starts_at=at, duration_min=minutes, referent_id=rid, **kw
        )

    ids = {
        "a": rdv(pid, datetime(2026, 11, 9, 9, 0), place="Maison des solidarités"),
        "b": rdv(other, datetime(2026, 11, 9, 9, 30)),  # overlaps a
        "c": rdv(pid, datetime(2026, 11, 10, 14, 0), purpose="diagnostic", nature="telephone"),
        "d": rdv(other, datetime(2026, 11, 10, 14, 30), status="annule"),  # cancelled: no conflict
        "e": rdv(None, datetime(2026, 11, 12, 10, 0), collective=True, purpose="information_collective"),
        "f": rdv(pid, datetime(2026, 11, 17, 9, 0)),  # next week
    }
    return vault, rid, pid, ids


def test_week_starts_monday_with_holidays_and_conflicts(setup):
    vault, _rid, _pid, ids = setup
    week = agenda.week_agenda(vault.db, date(2026, 11, 12))
    assert week.start == MONDAY and len(week.days) == 7
    assert [d.day.weekday() for d in week.days] == list(range(7))
    assert week.days[2].holiday == "Armistice" and week.days[0].holiday is None
    assert week.count == 5
    by_id = {i.id: i for d in week.days for i in d.items}
    assert by_id[ids["a"]].conflict and by_id[ids["b"]].conflict
    assert not by_id[ids["c"]].conflict and not by_id[ids["d"]].conflict
    e = by_id[ids["e"]]
    assert e.collective and e.person_name == "Séance collective" and e.kind_label == "Collectif"
    c = by_id[ids["c"]]
    assert (c.purpose_label, c.nature_label, c.status_label) == ("Diagnostic", "Téléphone", "Prévu")
    assert week.days[0].title == "lundi 9 novembre 2026"


def test_day_and_person_lists(setup):
    vault, _rid, pid, ids = setup
    day = agenda.day_agenda(vault.db, MONDAY)
    assert [i.id for i in day.items] == [ids["a"], ids["b"]]
    assert day.items[0].person_name == "LEFÈVRE Éloïse"
    mine = agenda.person_appointments(vault.db, pid)
    assert [i.id for i in mine] == [ids["f"], ids["c"], ids["a"]]  # most recent first


def test_find_conflicts_before_saving(setup):
    vault, rid, _pid, ids = setup
    hits = agenda.find_conflicts(
        vault.db, starts_at=datetime(2026, 11, 9, 9, 40), duration_min=30, referent_id=rid
    )
    assert {h.id for h in hits} == {ids["a"], ids["b"]}
    assert not agenda.find_conflicts(
        vault.db, starts_at=datetime(2026, 11, 9, 10, 15), duration_min=30, referent_id=rid
    )
    # a cancelled RDV frees its slot; the RDV being edited does not conflict with itself
    assert not agenda.find_conflicts(
        vault.db, starts_at=datetime(2026, 11, 10, 14, 50), duration_min=10, referent_id=rid
    )
    hits = agenda.find_conflicts(
        vault.db,
        starts_at=datetime(2026, 11, 10, 14, 0),
        duration_min=45,
        referent_id=rid,
        exclude_id=ids["c"],
    )
    assert hits == []


def test_ics_parses_back(setup, tmp_path):
    vault, *_ = setup
    path = tmp_path / "semaine.ics"
    assert exports.export_ics(vault.db, MONDAY, date(2026, 11, 15), path) == 5
    cal = icalendar.Calendar.from_ical(path.read_bytes())
    events = list(cal.walk("VEVENT"))
    assert len(events) == 5
    first = events[0]
    assert str(first["summary"]) == "Suivi — LEFÈVRE Éloïse"
    assert str(first["location"]) == "Maison des solidarités"
    assert first.decoded("dtstart") == datetime(2026, 11, 9, 9, 0)
    assert first.decoded("dtend") == datetime(2026, 11, 9, 9, 45)
    assert sum(1 for e in events if str(e["status"]) == "CANCELLED") == 1
    with pytest.raises(ValidationError):
        exports.export_ics(vault.db, MONDAY, date(2026, 11, 1), path)


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils absent")
def test_day_pdf_text(setup, tmp_path):
    vault, *_ = setup
    path = tmp_path / "jour.pdf"
    assert exports.export_day_pdf(vault.db, MONDAY, path, department="Seine-Saint-Denis") == 2
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    flat = " ".join(text.split())
    assert "Agenda du Lundi 9 novembre 2026" in flat
    assert "LEFÈVRE Éloïse" in flat and "NGUYEN Linh" in flat
    assert "Maison des solidarités" in flat and "Chevauchement" in flat
    assert "09:00 – 09:45" in flat
    holiday = tmp_path / "ferie.pdf"
    assert exports.export_day_pdf(vault.db, date(2026, 11, 11), holiday) == 0
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(holiday), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Jour férié : Armistice" in text and "Aucun rendez-vous ce jour." in text


def _audits(db, action: str) -> list[AuditEvent]:
    with db.read() as s:
        return list(s.scalars(select(AuditEvent).where(AuditEvent.action == action)).all())


def test_day_pdf_audits_each_person_listed_once(setup, tmp_path):
    vault, _rid, pid, _ids = setup
    other = next(i.person_id for i in agenda.day_agenda(vault.db, MONDAY).items if i.person_id != pid)
    rdv_mod.add_appointment(
        vault.db,
        pid,
        starts_at=datetime(2026, 11, 9, 16, 0),
        duration_min=30,
        purpose="suivi",
        nature="physique",
    )  # a second RDV of the same person the same day: still one event for her
    assert exports.export_day_pdf(vault.db, MONDAY, tmp_path / "jour.pdf") == 3
    printed = _audits(vault.db, "impression")
    assert sorted(e.person_id for e in printed) == sorted([pid, other])
    assert {e.actor for e in printed} == {"cmarchand"}  # the signed-in référent
    assert {e.object_table for e in printed} == {"person"}
    assert all(e.object_id == e.person_id for e in printed)
    assert {e.detail for e in printed} == {"Agenda du lundi 9 novembre 2026 (PDF)"}
    assert _audits(vault.db, "export") == []
    # a day with only a collective session without participants names nobody: nothing audited
    exports.export_day_pdf(vault.db, date(2026, 11, 12), tmp_path / "jeudi.pdf", actor="autre")
    assert len(_audits(vault.db, "impression")) == 2


def test_ics_export_audits_each_person_listed_once(setup, tmp_path):
    vault, _rid, pid, _ids = setup
    exports.export_ics(vault.db, MONDAY, date(2026, 11, 15), tmp_path / "s.ics", actor="jdupont")
    exported = _audits(vault.db, "export")
    assert len(exported) == 2 and pid in {e.person_id for e in exported}
    assert {e.actor for e in exported} == {"jdupont"}
    assert {e.detail for e in exported} == {"Agenda du 09/11/2026 au 15/11/2026 (.ics)"}
    with pytest.raises(ValidationError):  # nothing written, nothing audited
        exports.export_ics(vault.db, MONDAY, date(2026, 11, 1), tmp_path / "x.ics")
    assert len(_audits(vault.db, "export")) == 2


def run_cli(data_dir, monkeypatch, *args: str) -> int:
    from app.__main__ import main
    from tests.conftest import TEST_PASSPHRASE

    monkeypatch.setattr("sys.stdin", io.StringIO(TEST_PASSPHRASE + "\n"))
    return main(["--data-dir", str(data_dir), "--profile", "test", "--passphrase-stdin", "agenda", *args])


def test_cli_week_json_and_files(setup, data_dir, tmp_path, monkeypatch, capsys):
    _vault, _rid, _pid, ids = setup
    ics, pdf = tmp_path / "s.ics", tmp_path / "j.pdf"
    args = ("--on", "2026-11-11", "--week", "--json", "--ics", str(ics), "--pdf", str(pdf))
    assert run_cli(data_dir, monkeypatch, *args) == 0
    out = json.loads(capsys.readouterr().out)
    assert (out["from"], out["to"]) == ("2026-11-09", "2026-11-15")
    assert out["days"][2]["holiday"] == "Armistice"
    assert (
        out["days"][0]["appointments"][0]["id"] == ids["a"] and out["days"][0]["appointments"][0]["conflict"]
    )
    assert len(list(icalendar.Calendar.from_ical(ics.read_bytes()).walk("VEVENT"))) == 5
    assert pdf.read_bytes().startswith(b"%PDF")
    assert len(_audits(_vault.db, "export")) == 2  # the week's .ics names two people
    assert _audits(_vault.db, "impression") == []  # Wednesday 11 (holiday) lists nobody
    assert run_cli(data_dir, monkeypatch, "--on", "2026-11-09") == 0
    text = capsys.readouterr().out
    assert text.startswith("Agenda du 09/11/2026 — 2 rendez-vous")
    assert "LEFÈVRE Éloïse" in text and "Chevauchement" in text
    monday = tmp_path / "lundi.pdf"
    assert run_cli(data_dir, monkeypatch, "--on", "2026-11-09", "--pdf", str(monday)) == 0
    assert f"PDF écrit : {monday}" in capsys.readouterr().out
    assert {e.actor for e in _audits(_vault.db, "impression")} == {"cmarchand"}
    assert len(_audits(_vault.db, "impression")) == 2
