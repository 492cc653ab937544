"""Collective sessions (ADR 0037): capacity, participants with their own RDV and status, attendance recorded once
for all, the session moved with its participants (reminders following), cancelled with them, one line in the
agenda with its seats, one convocation per participant."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from app.models.tables.followup import AppointmentReminder
from app.services.agenda import views as agenda
from app.services.agenda.convocations import batch, letters
from app.services.casefile import reminders, sessions
from app.services.casefile.timeline import timeline
from app.services.errors import ValidationError
from app.services.people import identity as people
from app.services.people.identity import PersonInput
from tests.ui.factories import add_referent

AT = datetime.now().replace(hour=9, minute=30, second=0, microsecond=0) + timedelta(days=10)


@pytest.fixture
def setup(vault):
    rid = add_referent(vault)
    ids = [
        people.create_person(vault.db, PersonInput(last_name=n, first_name=f, regime="plein_emploi", email=e))
        for n, f, e in (
            ("Lefèvre", "Éloïse", "eloise@example.org"),
            ("Nguyen", "Linh", ""),
            ("Roux", "Jade", ""),
        )
    ]
    sid = sessions.create_session(vault.db, starts_at=AT, purpose="atelier", place="MDS, salle 3",
                                  duration_min=120, capacity=2, referent_id=rid)  # fmt: skip
    return vault, sid, ids


def test_capacity_and_each_participant_has_a_rdv_of_their_own(setup):
    vault, sid, (a, b, c) = setup
    added = sessions.add_participants(vault.db, sid, [a, b, a])
    assert len(added) == 2
    with pytest.raises(ValidationError, match="Séance complète : 0 place libre pour 1 personne"):
        sessions.add_participants(vault.db, sid, [c])
    assert sessions.add_participants(vault.db, sid, [a]) == []  # already registered: nothing, no error
    view = sessions.session_view(vault.db, sid)
    assert view.seats_label == "2 / 2 places" and [p.name for p in view.participants] == [
        "LEFÈVRE Éloïse",
        "NGUYEN Linh",
    ]
    day = agenda.day_agenda(vault.db, AT.date())
    assert [i.person_name for i in day.items] == ["Séance collective (2 / 2 places)"]  # one line, no conflict
    assert not day.items[0].conflict and day.items[0].is_session
    mine = agenda.person_appointments(vault.db, a)
    assert [(i.purpose, i.session_id, i.collective) for i in mine] == [("atelier", sid, True)]
    sessions.remove_participant(vault.db, added[1])
    assert sessions.session_view(vault.db, sid).seats_label == "1 / 2 places"
    assert sessions.add_participants(vault.db, sid, [c])  # a seat freed
    with pytest.raises(ValidationError, match="capacité trop petite"):
        sessions.update_session(vault.db, sid, starts_at=AT, purpose="atelier", nature="physique", capacity=1)


def test_moving_the_session_moves_its_participants_and_their_reminders(setup):
    vault, sid, (a, b, _c) = setup
    reminders.set_reminder_preference(vault.db, a, "courriel")
    sessions.add_participants(vault.db, sid, [a, b])
    later = AT + timedelta(days=1, hours=2)
    sessions.update_session(vault.db, sid, starts_at=later, purpose="atelier", nature="physique",
                            place="Mairie, salle du conseil", duration_min=90, capacity=2)  # fmt: skip
    for pid in (a, b):
        (rdv,) = agenda.person_appointments(vault.db, pid)
        assert (rdv.starts_at, rdv.place, rdv.duration_min) == (later, "Mairie, salle du conseil", 90)
    with vault.db.read() as s:
        rows = s.scalars(select(AppointmentReminder).order_by(AppointmentReminder.created_at)).all()
    cancelled = [(r.cancelled_at is not None, r.rdv_at, r.place) for r in rows]
    assert cancelled == [(True, AT, "MDS, salle 3"), (False, later, "Mairie, salle du conseil")]


def test_attendance_recorded_once_for_all_and_letters_one_per_participant(setup, tmp_path):
    vault, sid, (a, b, _c) = setup
    pa, pb = sessions.add_participants(vault.db, sid, [a, b])
    plan = batch.plan_session(vault.db, sid)
    assert [i.appointment_id for i in plan.items] == [pa, pb]
    result = batch.render_letters(vault.db, plan.items, combine_to=tmp_path / "seance.pdf")
    assert len(result.done) == 2
    letter = letters.build_letter(vault.db, pa)
    assert "séance collective" in " ".join(letter.paragraphs)
    assert [label for label, _ in letter.details] == ["Date", "Lieu", "Avec"]  # no title: no « Séance » line
    sessions.update_session(vault.db, sid, starts_at=AT, purpose="atelier", nature="physique", place="MDS, salle 3",
                            capacity=2, comment="Atelier CV et lettre de motivation.\nSalle réservée.")  # fmt: skip
    assert sessions.session_view(vault.db, sid).title == "Atelier CV et lettre de motivation"
    assert letters.build_letter(vault.db, pa).details[1] == ("Séance", "Atelier CV et lettre de motivation")
    changed = sessions.record_attendance(vault.db, sid, {pa: "honore", pb: "non_honore"}, at=AT)
    assert changed == 2
    view = sessions.session_view(vault.db, sid)
    assert view.status == "honore" and {p.status for p in view.participants} == {"honore", "non_honore"}
    assert people.get_person(vault.db, a).last_contact_date == AT.date()
    assert letters.relance_proposal(vault.db, pb) is not None  # the absent one gets a relance proposed
    with pytest.raises(ValidationError):
        sessions.record_attendance(vault.db, sid, {pa: "prevu"})
    assert [i.kind for i in timeline(vault.db, b, kinds=["rdv", "courrier_rdv", "rdv_statut"])] == [
        "courrier_rdv", "rdv", "rdv_statut",
    ]  # fmt: skip


def test_cancelling_the_session_cancels_its_participants(setup):
    vault, sid, (a, b, _c) = setup
    sessions.add_participants(vault.db, sid, [a, b])
    assert sessions.cancel_session(vault.db, sid) == 2
    assert {i.status for i in agenda.person_appointments(vault.db, a)} == {"annule"}
    with pytest.raises(ValidationError, match="annulée"):
        sessions.add_participants(vault.db, sid, [a])
    assert sessions.find_people(vault.db, "lefe") and sessions.find_people(vault.db, "") == []
    assert date.today() < AT.date()


def test_agenda_json_gives_each_participants_own_rdv(setup, data_dir, capsys):
    """Headless: the session's line names its « Intitulé » and each participant's RDV id (``pdf convocation``)."""
    import io
    import json
    import sys

    from app.__main__ import main

    vault, sid, (a, b, _c) = setup
    added = sessions.add_participants(vault.db, sid, [a, b])
    sessions.update_session(vault.db, sid, starts_at=AT, purpose="atelier", nature="physique",
                            place="MDS, salle 3", capacity=2, comment="Atelier CV")  # fmt: skip
    vault.close()
    sys.stdin = io.StringIO("phrase secrète de test\n")
    try:
        argv = ["--data-dir", str(data_dir), "--profile", "test", "--passphrase-stdin", "agenda", "--json",
                "--on", AT.date().isoformat()]  # fmt: skip
        assert main(argv) == 0
    finally:
        sys.stdin = sys.__stdin__
    (line,) = json.loads(capsys.readouterr().out)["days"][0]["appointments"]
    assert (line["id"], line["title"], line["participants"], line["capacity"]) == (sid, "Atelier CV", 2, 2)
    assert [(p["id"], p["person"], p["status"], p["convocation"]) for p in line["participant_rdvs"]] == [
        (added[0], "LEFÈVRE Éloïse", "prevu", "Non convoqué"), (added[1], "NGUYEN Linh", "prevu", "Non convoqué"),
    ]  # fmt: skip
