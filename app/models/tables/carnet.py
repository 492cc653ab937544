"""Diagnostic versions, carnet de bord (objectives, actions), prescriptions, documents and attachments."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, DateTime, Float, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.tables.base import AppendOnly, Base, Synced


class DiagnosticVersion(AppendOnly, Base):
    """One version of the diagnostic socio-professionnel. Every save adds a version (author, date)."""

    __tablename__ = "diagnostic_version"

    person_id: Mapped[str] = mapped_column(ForeignKey("person.id"), index=True)
    version_no: Mapped[int] = mapped_column(Integer)
    author: Mapped[str] = mapped_column(String(80), default="")
    recorded_at: Mapped[datetime] = mapped_column(DateTime)
    source: Mapped[str] = mapped_column(String(20), default="referent")  # caf / referent
    health_constraint: Mapped[bool] = mapped_column(Boolean, default=False)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # section code → item code → value


class Objective(Synced, Base):
    """An objective of the carnet de bord, under a theme, possibly linked to a contract."""

    __tablename__ = "objective"

    person_id: Mapped[str] = mapped_column(ForeignKey("person.id"), index=True)
    theme: Mapped[str] = mapped_column(String(40))  # vocabulary code
    title: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(20), default="en_cours")  # enums.ObjectiveStatus
    consent: Mapped[bool] = mapped_column(Boolean, default=False)
    consent_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    contract_id: Mapped[str | None] = mapped_column(ForeignKey("contract.id"), nullable=True)
    position: Mapped[int] = mapped_column(Integer, default=0)


class Action(Synced, Base):
    """An action under an objective (partner, dates, expected hours per week for the plan d'action)."""

    __tablename__ = "action"

    person_id: Mapped[str] = mapped_column(ForeignKey("person.id"), index=True)
    objective_id: Mapped[str] = mapped_column(ForeignKey("objective.id"), index=True)
    label: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(20), default="prevue")  # enums.ActionStatus
    partner: Mapped[str] = mapped_column(String(200), default="")
    start_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    end_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    hours_per_week: Mapped[float] = mapped_column(Float, default=0.0)
    comment: Mapped[str] = mapped_column(Text, default="")
    #: Who carries the action: the référent or a co-accompanying professional (ADR 0052); empty: the référent.
    assignee_id: Mapped[str | None] = mapped_column(ForeignKey("referent.id"), nullable=True)


class Prescription(Synced, Base):
    """Sending the person to an action (PMSMP, formation, IAE/SIAE, ACI...) and its outcome."""

    __tablename__ = "prescription"

    person_id: Mapped[str] = mapped_column(ForeignKey("person.id"), index=True)
    action_id: Mapped[str | None] = mapped_column(ForeignKey("action.id"), nullable=True)
    kind: Mapped[str] = mapped_column(String(40))  # vocabulary code
    partner: Mapped[str] = mapped_column(String(200), default="")
    prescribed_on: Mapped[date] = mapped_column(Date)
    outcome: Mapped[str] = mapped_column(String(20), default="en_attente")  # enums.PrescriptionOutcome
    outcome_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    comment: Mapped[str] = mapped_column(Text, default="")


class Document(Synced, Base):
    """A document of the file (scan, PDF, photo). Its bytes are an :class:`Attachment` found by SHA-256."""

    __tablename__ = "document"

    person_id: Mapped[str] = mapped_column(ForeignKey("person.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))  # vocabulary code
    title: Mapped[str] = mapped_column(String(300))
    file_name: Mapped[str] = mapped_column(String(300), default="")
    mime_type: Mapped[str] = mapped_column(String(100), default="application/octet-stream")
    size: Mapped[int] = mapped_column(Integer, default=0)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    document_date: Mapped[date | None] = mapped_column(Date, nullable=True)


class Attachment(Base):
    """Content-addressed bytes, stored inside the encrypted vault. Synced by chunks, not through the outbox."""

    __tablename__ = "attachment"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    uploaded: Mapped[bool] = mapped_column(Boolean, default=False)
