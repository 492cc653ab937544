"""Appointments (RDV) and their status history, collective sessions, convocation letters and reminders, notes and
sanction steps."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.tables.base import AppendOnly, Base, Synced


class Appointment(Synced, Base):
    """A rendez-vous. ``person_id`` is empty for a collective session (atelier, information collective): its
    participants each have their own RDV pointing at it through ``session_id`` (ADR 0037), with their own status,
    convocation and reminders. ``capacity`` is the number of seats of a session (None: not limited)."""

    __tablename__ = "appointment"

    person_id: Mapped[str | None] = mapped_column(ForeignKey("person.id"), nullable=True, index=True)
    referent_id: Mapped[str | None] = mapped_column(ForeignKey("referent.id"), nullable=True)
    starts_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    duration_min: Mapped[int] = mapped_column(Integer, default=45)
    purpose: Mapped[str] = mapped_column(
        String(40)
    )  # objet: vocabulary code (diagnostic, signature_contrat...)
    nature: Mapped[str] = mapped_column(String(20))  # enums.AppointmentNature
    place: Mapped[str] = mapped_column(String(200), default="")
    collective: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(20), default="prevu")  # enums.AppointmentStatus
    comment: Mapped[str] = mapped_column(Text, default="")
    session_id: Mapped[str | None] = mapped_column(ForeignKey("appointment.id"), nullable=True, index=True)
    capacity: Mapped[int | None] = mapped_column(Integer, nullable=True)


class AppointmentEvent(AppendOnly, Base):
    """History of an appointment: each status change, kept forever."""

    __tablename__ = "appointment_event"

    appointment_id: Mapped[str] = mapped_column(ForeignKey("appointment.id"), index=True)
    status: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column(DateTime)
    author: Mapped[str] = mapped_column(String(80), default="")
    comment: Mapped[str] = mapped_column(Text, default="")


class Note(AppendOnly, Base):
    """A typed note. Append-only: a correction is a new note referencing the one it corrects."""

    __tablename__ = "note"

    person_id: Mapped[str] = mapped_column(ForeignKey("person.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))  # enums.NoteKind
    body: Mapped[str] = mapped_column(Text)
    author: Mapped[str] = mapped_column(String(80), default="")
    written_at: Mapped[datetime] = mapped_column(DateTime)
    corrects_note_id: Mapped[str | None] = mapped_column(ForeignKey("note.id"), nullable=True)


class SanctionStep(AppendOnly, Base):
    """One dated step of a suspension-remobilisation procedure. Facts and dates only, never an amount."""

    __tablename__ = "sanction_step"

    person_id: Mapped[str] = mapped_column(ForeignKey("person.id"), index=True)
    procedure_id: Mapped[str] = mapped_column(String(36), index=True)  # groups the steps of one procedure
    kind: Mapped[str] = mapped_column(String(30))  # enums.SanctionStepKind
    step_date: Mapped[date] = mapped_column(Date)
    detail: Mapped[str] = mapped_column(Text, default="")
    document_id: Mapped[str | None] = mapped_column(ForeignKey("document.id"), nullable=True)
    author: Mapped[str] = mapped_column(String(80), default="")
    # Decided facts of a « décision » step (never computed): enums.SanctionDecision, the share suspended or
    # suppressed (%), the duration (months), whether the household cap applied (CASF R.262-68-6).
    decision: Mapped[str | None] = mapped_column(String(30), nullable=True)
    rate_percent: Mapped[int | None] = mapped_column(Integer, nullable=True)
    duration_months: Mapped[int | None] = mapped_column(Integer, nullable=True)
    household_cap: Mapped[bool] = mapped_column(Boolean, default=False)
    # Of an « issue du RAPO » step: enums.RapoOutcome.
    outcome: Mapped[str | None] = mapped_column(String(30), nullable=True)


class AppointmentLetter(AppendOnly, Base):
    """A convocation, invitation or relance letter sent for a RDV (ADR 0035): what was sent, when, by whom, from
    which template version. The letter itself is printed again from the RDV and the template when needed."""

    __tablename__ = "appointment_letter"

    appointment_id: Mapped[str] = mapped_column(ForeignKey("appointment.id"), index=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("person.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # enums.LetterKind
    template: Mapped[str] = mapped_column(String(60), default="")  # « suivi@2026.1 »
    sent_on: Mapped[date] = mapped_column(Date)
    author: Mapped[str] = mapped_column(String(80), default="")


class AppointmentReminder(Synced, Base):
    """A reminder of a RDV by e-mail or SMS, queued on the laptop and sent by the département server (ADR 0036).

    The laptop writes what the message needs and nothing more (when, where, which service, a number to call) and
    ``cancelled_at`` when the RDV is cancelled or moved; the server alone writes ``state``, ``sent_at`` and
    ``failure`` (server/engine/authorise.py refuses them from a device). ``due_at`` and ``rdv_at`` are local
    wall-clock times, like ``Appointment.starts_at``. The recipient's address is read on the server from the
    person's row when the message leaves, never copied here.
    """

    __tablename__ = "appointment_reminder"

    appointment_id: Mapped[str] = mapped_column(ForeignKey("appointment.id"), index=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("person.id"), index=True)
    channel: Mapped[str] = mapped_column(String(10))  # enums.ReminderChannel (courriel / sms)
    due_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    rdv_at: Mapped[datetime] = mapped_column(DateTime)
    place: Mapped[str] = mapped_column(String(200), default="")
    service: Mapped[str] = mapped_column(String(200), default="")
    reply_phone: Mapped[str] = mapped_column(String(40), default="")
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    state: Mapped[str] = mapped_column(String(20), default="a_envoyer")  # enums.ReminderState (server-owned)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    failure: Mapped[str] = mapped_column(String(300), default="")
