"""Appointments (RDV) and their status history, notes and sanction steps."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.tables.base import AppendOnly, Base, Synced


class Appointment(Synced, Base):
    """A rendez-vous. ``person_id`` is empty for a collective session recorded without participants."""

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
