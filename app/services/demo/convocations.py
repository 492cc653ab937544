"""The demo's convocations, reminders and collective sessions (ADR 0035–0037): about half of the people agreed to
reminders (SMS when they have a mobile, else e-mail), so their coming RDVs have reminders queued; past RDVs show
reminders the département server sent or failed to send (as a sync would have brought them); coming RDVs of the
next days are convoked, some missed ones have their relance; three collective sessions with participants — one
held (attendance recorded), one this week (convoked), one full in three weeks.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import select

from app.models.enums import AppointmentStatus, ReminderChannel, ReminderState
from app.models.reminders import email_address, mobile_number
from app.models.tables.base import new_id
from app.models.tables.followup import Appointment, AppointmentReminder
from app.models.tables.people import Person
from app.services.agenda.convocations import letters
from app.services.casefile import reminders, sessions
from app.services.demo import casefile as df
from app.services.demo import data
from app.services.demo.people import Demo
from app.services.storage import settings
from app.services.storage.db import Database

#: Paramètres › Documents of the demo: the service that writes letters and reminders, and its address (the
#: référent signs; fictitious address).
LETTER_SERVICE = "Direction de l'insertion et de l'emploi — MDS Agglomération Sud"
LETTER_ADDRESS = "12 avenue des Alpes — 38130 Échirolles"
#: A failure as the server words it, by channel (an e-mail refused, an SMS the gateway turned down).
FAILURES = {
    ReminderChannel.EMAIL: "adresse refusée par le serveur de messagerie",
    ReminderChannel.SMS: "passerelle SMS : numéro non attribué",
}


def _letterhead(db: Database) -> None:
    with db.session() as s:
        settings.set_value.within(s, settings.LETTER_SERVICE, LETTER_SERVICE)
        settings.set_value.within(s, settings.LETTER_ADDRESS, LETTER_ADDRESS)


def _consents(db: Database, demo: Demo, followed: list[df.FileState]) -> list[str]:
    """About half of the people with a contact agreed to reminders; returns their ids."""
    agreed = []
    with db.session() as s:
        for st in followed:
            person = s.get(Person, st.ident.person_id)
            if person is None or person.status != "active" or demo.rng.random() > 0.55:
                continue
            has_email, has_mobile = (
                email_address(person.email) is not None,
                mobile_number(person.phone) is not None,
            )
            if not (has_email or has_mobile):
                continue
            prefers_email = has_email and (not has_mobile or demo.rng.random() < 0.35)
            channel = ReminderChannel.EMAIL if prefers_email else ReminderChannel.SMS
            consent = demo.today - timedelta(days=demo.rng.randint(20, 300))
            now = datetime.combine(demo.today, time(8, 0))
            reminders.set_reminder_preference.within(s, person.id, channel, consent_on=consent, now=now)
            agreed.append(person.id)
    return agreed


def _past_reminders(db: Database, demo: Demo, agreed: list[str]) -> None:
    """Reminders of the past month's RDVs: queued on the laptop (their op in the outbox, as always), then in the
    state the server wrote back — sent, or failed with its reason — applied as a download would (no op)."""
    since = datetime.combine(demo.today - timedelta(days=30), time.min)
    outcomes: list[tuple[str, datetime, bool, str]] = []
    with db.session() as s:
        person_channel = dict(
            s.execute(select(Person.id, Person.reminder_channel).where(Person.id.in_(agreed))).all()
        )
        rows = s.scalars(
            select(Appointment).where(
                Appointment.person_id.in_(agreed), Appointment.starts_at >= since,
                Appointment.starts_at < datetime.combine(demo.today, time.min), Appointment.deleted_at.is_(None),
            )
        ).all()  # fmt: skip
        for n, rdv in enumerate(rows):
            due = datetime.combine(rdv.starts_at.date() - timedelta(days=2), time(9, 0))
            rid, channel = new_id(), person_channel[rdv.person_id or ""]
            s.add(
                AppointmentReminder(
                    id=rid, appointment_id=rdv.id, person_id=rdv.person_id, channel=channel,
                    due_at=due, rdv_at=rdv.starts_at, place=rdv.place or "par téléphone",
                    service=LETTER_SERVICE,
                )
            )  # fmt: skip
            outcomes.append((rid, due, n % 9 == 4, channel))
    with db.session(remote_apply=True) as s:
        for rid, due, failed, channel in outcomes:
            row = s.get(AppointmentReminder, rid)
            assert row is not None
            row.state = ReminderState.FAILED if failed else ReminderState.SENT
            row.sent_at = None if failed else due + timedelta(minutes=demo.rng.randint(0, 4))
            row.failure = FAILURES[ReminderChannel(channel)] if failed else ""


def _letters(db: Database, demo: Demo) -> None:
    """Convocations of the RDVs of the coming ten days (most of them) and the relance of some no-shows."""
    soon = datetime.combine(demo.today + timedelta(days=10), time.min)
    with db.session() as s:
        coming = s.scalars(
            select(Appointment).where(
                Appointment.person_id.is_not(None), Appointment.status == AppointmentStatus.PLANNED,
                Appointment.starts_at >= datetime.combine(demo.today, time.min), Appointment.starts_at < soon,
                Appointment.session_id.is_(None),
            )
        ).all()  # fmt: skip
        for rdv in coming:
            if demo.rng.random() < 0.7:
                sent = max(demo.today - timedelta(days=demo.rng.randint(3, 12)), rdv.created_at.date())
                letters.record_letter.within(s, rdv.id, actor=demo.me.login, today=min(sent, demo.today))
        missed = s.scalars(
            select(Appointment).where(
                Appointment.person_id.is_not(None), Appointment.status == AppointmentStatus.MISSED,
                Appointment.starts_at >= datetime.combine(demo.today - timedelta(days=60), time.min),
            )
        ).all()  # fmt: skip
        for rdv in missed[::2]:
            letters.record_letter.within(s, rdv.id, kind="relance", actor=demo.me.login,
                                         today=min(rdv.starts_at.date() + timedelta(days=2), demo.today))  # fmt: skip


def _sessions(db: Database, demo: Demo, followed: list[df.FileState]) -> None:
    active = [st.ident.person_id for st in followed if not st.plan.scenario.startswith("exit")]
    plan = (
        (
            -20,
            "information_collective",
            "Information collective : le contrat d'engagement et les 15 heures.",
            14,
            9,
        ),
        (3, "atelier", "Atelier CV et lettre de motivation.", 8, 6),
        (23, "information_collective", "Information collective : les partenaires du territoire.", 10, 10),
    )
    for days, purpose, comment, capacity, count in plan:
        day = demo.today + timedelta(days=days)
        if day.weekday() >= 5:  # sessions are held on weekdays: the Monday after
            day += timedelta(days=7 - day.weekday())
        with db.session() as s:
            sid = sessions.create_session.within(
                s, starts_at=datetime.combine(day, time(9, 30)), purpose=purpose, place=data.PLACES[1],
                duration_min=120, capacity=capacity, referent_id=demo.me.id, comment=comment, author=demo.me.login,
            )  # fmt: skip
            who = demo.rng.sample(active, min(count, len(active)))
            parts = sessions.add_participants.within(s, sid, who, author=demo.me.login)
            if days < 0:
                statuses = {
                    p: demo.rng.choice(("honore", "honore", "honore", "excuse", "non_honore")) for p in parts
                }
                sessions.record_attendance.within(s, sid, statuses, author=demo.me.login,
                                                  at=datetime.combine(day, time(12, 0)))  # fmt: skip
            elif days < 10:
                for p in parts:
                    letters.record_letter.within(
                        s, p, actor=demo.me.login, today=demo.today - timedelta(days=5)
                    )


def populate(db: Database, demo: Demo, followed: list[df.FileState]) -> None:
    """Letterhead, consents, reminders (queued, sent, failed), letters and collective sessions of the demo."""
    _letterhead(db)
    agreed = _consents(db, demo, followed)
    _past_reminders(db, demo, agreed)
    _letters(db, demo)
    _sessions(db, demo, followed)
