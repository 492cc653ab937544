"""Bilans and joint reviews with France Travail: the records that close a contract, a year of parcours or a
social-track period, and say what comes next (ADR 0050, 0051)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, DateTime, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.tables.base import Base, Synced


class Bilan(Synced, Base):
    """A bilan of the parcours (seeds 000, 001, 002): what was reached, what helped and what blocked, the
    person's own words, who took part, and a recommendation that opens the next step.

    Edited while « brouillon »; once « finalisé » it is locked (the service refuses any change) and prints as
    is. ``objectives`` holds, per objective of the carnet reviewed, ``{"objective_id", "theme", "title",
    "result", "comment"}`` (a copy: later edits of the carnet do not change a bilan). ``participants`` holds
    ``{"name", "role", "structure"}`` of the other people present (a tripartite bilan: partner, prescriber).
    ``next_step_table`` / ``next_step_id`` name what the recommendation opened (a contract draft, an exit).
    """

    __tablename__ = "bilan"

    person_id: Mapped[str] = mapped_column(ForeignKey("person.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # enums.BilanKind
    contract_id: Mapped[str | None] = mapped_column(ForeignKey("contract.id"), nullable=True)
    held_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default="brouillon")  # enums.BilanStatus
    objectives: Mapped[list[Any]] = mapped_column(JSON, default=list)
    helped: Mapped[str] = mapped_column(Text, default="")
    blocked: Mapped[str] = mapped_column(Text, default="")
    person_words: Mapped[str] = mapped_column(Text, default="")
    participants: Mapped[list[Any]] = mapped_column(JSON, default=list)
    recommendation: Mapped[str | None] = mapped_column(String(20), nullable=True)  # BilanRecommendation
    recommended_track: Mapped[str | None] = mapped_column(String(20), nullable=True)  # enums.Track
    recommendation_detail: Mapped[str] = mapped_column(Text, default="")
    next_step_table: Mapped[str] = mapped_column(String(40), default="")
    next_step_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    author: Mapped[str] = mapped_column(String(80), default="")
    finalised_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class JointReview(Synced, Base):
    """The joint diagnostic of France Travail and the référent unique (CASF L.262-31 in its 2025 wording) for
    a person on the social track whose contrat d'engagement ran six months (twelve with the difficulties of
    D.262-65-2-1): who reviewed, whether the person can now engage in a job search, what was found, and the
    conclusion — maintien en parcours social with a revised CE (its avenant draft in ``revision_contract_id``),
    or a réorientation (``proposed_track``) for the PCD to decide."""

    __tablename__ = "joint_review"

    person_id: Mapped[str] = mapped_column(ForeignKey("person.id"), index=True)
    contract_id: Mapped[str | None] = mapped_column(ForeignKey("contract.id"), nullable=True)
    held_on: Mapped[date] = mapped_column(Date)
    ft_adviser: Mapped[str] = mapped_column(String(200), default="")
    ft_agency: Mapped[str] = mapped_column(String(200), default="")
    person_present: Mapped[bool] = mapped_column(Boolean, default=True)
    job_search_ready: Mapped[bool] = mapped_column(Boolean, default=False)
    findings: Mapped[str] = mapped_column(Text, default="")
    conclusion: Mapped[str] = mapped_column(String(20))  # enums.JointReviewConclusion
    proposed_track: Mapped[str | None] = mapped_column(String(20), nullable=True)  # enums.Track
    revision_contract_id: Mapped[str | None] = mapped_column(ForeignKey("contract.id"), nullable=True)
    author: Mapped[str] = mapped_column(String(80), default="")
