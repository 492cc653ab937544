"""The équipe pluridisciplinaire (CASF L.262-39): saisines, the facts they carry by reference, séances and the
cases on their agenda with the EP's avis and the président du conseil départemental's décision.

A saisine (:class:`EpReferral`) is written by the person's référent; its facts (:class:`EpReferralFact`) point
to rows of the file (a missed RDV, a letter, the contract…), never copies. A séance (:class:`EpSeance`) and the
cases on its agenda (:class:`EpCase`) are written by the département's EP secretariat; the décision's
consequence (a new orientation, the « avis EP » and « décision » steps of a sanction procedure) is written in
the same unit of work and named by the case (ADR 0040).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.tables.base import AppendOnly, Base, Synced


class EpReferral(Synced, Base):
    """A saisine of the équipe pluridisciplinaire by the référent: the motive, the référent's reasons, what
    is proposed (a track for a réorientation, the procedure for a sanction). Withdrawn, it stays in the file."""

    __tablename__ = "ep_referral"

    person_id: Mapped[str] = mapped_column(ForeignKey("person.id"), index=True)
    motive: Mapped[str] = mapped_column(String(30))  # enums.EpMotive
    referred_on: Mapped[date] = mapped_column(Date)
    referred_by: Mapped[str] = mapped_column(String(200), default="")  # the référent, as printed
    summary: Mapped[str] = mapped_column(Text, default="")  # the référent's reasons (no health detail)
    proposed_track: Mapped[str | None] = mapped_column(String(20), nullable=True)  # enums.Track
    proposed_organisme: Mapped[str] = mapped_column(String(200), default="")
    procedure_id: Mapped[str | None] = mapped_column(String(36), nullable=True)  # sanction_step.procedure_id
    withdrawn_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    withdrawn_reason: Mapped[str] = mapped_column(Text, default="")


class EpReferralFact(AppendOnly, Base):
    """One fact a saisine carries, by reference to the row of the file (exactly one of the ids is set)."""

    __tablename__ = "ep_referral_fact"

    person_id: Mapped[str] = mapped_column(ForeignKey("person.id"), index=True)
    referral_id: Mapped[str] = mapped_column(ForeignKey("ep_referral.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))  # enums.EpFactKind
    orientation_id: Mapped[str | None] = mapped_column(ForeignKey("orientation.id"), nullable=True)
    contract_id: Mapped[str | None] = mapped_column(ForeignKey("contract.id"), nullable=True)
    appointment_id: Mapped[str | None] = mapped_column(ForeignKey("appointment.id"), nullable=True)
    note_id: Mapped[str | None] = mapped_column(ForeignKey("note.id"), nullable=True)
    sanction_step_id: Mapped[str | None] = mapped_column(ForeignKey("sanction_step.id"), nullable=True)
    document_id: Mapped[str | None] = mapped_column(ForeignKey("document.id"), nullable=True)


class EpSeance(Synced, Base):
    """A meeting of an équipe pluridisciplinaire: when, where, who sits on it. No personal data of the people
    examined: the agenda is made of :class:`EpCase` rows."""

    __tablename__ = "ep_seance"

    label: Mapped[str] = mapped_column(String(200))  # « EP du territoire Nord »
    held_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    place: Mapped[str] = mapped_column(String(200), default="")
    address: Mapped[str] = mapped_column(String(300), default="")
    contact: Mapped[str] = mapped_column(String(200), default="")  # the secretariat, printed on letters
    members: Mapped[list[Any]] = mapped_column(JSON, default=list)  # [{"name": …, "quality": …}, …]
    status: Mapped[str] = mapped_column(String(20), default="prevue")  # enums.EpSeanceStatus


class EpCase(Synced, Base):
    """One saisine on the agenda of one séance: the convocation, how the person was heard, the EP's avis and
    the PCD's décision, with the rows the décision wrote (orientation, sanction steps)."""

    __tablename__ = "ep_case"

    person_id: Mapped[str] = mapped_column(ForeignKey("person.id"), index=True)
    referral_id: Mapped[str] = mapped_column(ForeignKey("ep_referral.id"), index=True)
    seance_id: Mapped[str] = mapped_column(ForeignKey("ep_seance.id"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    convened_on: Mapped[date | None] = mapped_column(Date, nullable=True)  # convocation printed
    attendance: Mapped[str] = mapped_column(String(30), default="")  # enums.EpAttendance
    observations: Mapped[str] = mapped_column(Text, default="")  # the person's observations, as heard
    opinion: Mapped[str | None] = mapped_column(String(30), nullable=True)  # enums.EpOpinion
    opinion_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    opinion_track: Mapped[str | None] = mapped_column(String(20), nullable=True)
    opinion_organisme: Mapped[str] = mapped_column(String(200), default="")
    opinion_detail: Mapped[str] = mapped_column(Text, default="")
    opinion_step_id: Mapped[str | None] = mapped_column(ForeignKey("sanction_step.id"), nullable=True)
    decision: Mapped[str | None] = mapped_column(String(30), nullable=True)  # enums.EpDecision
    decision_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    decided_by: Mapped[str] = mapped_column(String(200), default="")
    decision_detail: Mapped[str] = mapped_column(Text, default="")
    orientation_id: Mapped[str | None] = mapped_column(ForeignKey("orientation.id"), nullable=True)
    decision_step_id: Mapped[str | None] = mapped_column(ForeignKey("sanction_step.id"), nullable=True)
