"""People, households, référents, orientations, référent assignments, parcours and exits."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, DateTime, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.tables.base import AppendOnly, Base, Synced


class Household(Synced, Base):
    """A CAF household (foyer). Couples share one CAF number, so the number alone never identifies a person."""

    __tablename__ = "household"

    caf_number: Mapped[str] = mapped_column(String(20), index=True, default="")
    label: Mapped[str] = mapped_column(String(200), default="")


class Referent(Synced, Base):
    """A counsellor (référent unique) or team leader known to this device."""

    __tablename__ = "referent"

    login: Mapped[str] = mapped_column(String(80), index=True)
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    structure: Mapped[str] = mapped_column(String(200), default="")
    team: Mapped[str] = mapped_column(String(100), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    email: Mapped[str] = mapped_column(String(200), default="")
    is_team_leader: Mapped[bool] = mapped_column(Boolean, default=False)


class Person(Synced, Base):
    """A person receiving the RSA and accompanied by a référent.

    ``nir`` is stored inside the encrypted vault like every other column; it is never displayed in full
    (see :func:`app.models.identity.nir.mask_nir`), never written to a file name or a log.
    """

    __tablename__ = "person"
    __table_args__ = (
        Index("ix_person_names", "last_name", "first_name"),
        Index("ix_person_birth", "birth_date", "first_name"),
    )

    nir: Mapped[str | None] = mapped_column(String(15), nullable=True, index=True)
    caf_number: Mapped[str] = mapped_column(String(20), default="", index=True)
    household_id: Mapped[str | None] = mapped_column(ForeignKey("household.id"), nullable=True)
    civility: Mapped[str] = mapped_column(String(10), default="")  # "M." / "Mme"
    sex: Mapped[str] = mapped_column(String(1), default="")  # "F" / "M"
    last_name: Mapped[str] = mapped_column(String(100))
    birth_name: Mapped[str] = mapped_column(String(100), default="")
    first_name: Mapped[str] = mapped_column(String(100))
    birth_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    address_line: Mapped[str] = mapped_column(String(200), default="")
    address_extra: Mapped[str] = mapped_column(String(200), default="")
    postal_code: Mapped[str] = mapped_column(String(10), default="")
    city: Mapped[str] = mapped_column(String(100), default="", index=True)
    phone: Mapped[str] = mapped_column(String(40), default="")
    email: Mapped[str] = mapped_column(String(200), default="")
    rsa_entry_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    regime: Mapped[str] = mapped_column(String(20))  # enums.Regime
    status: Mapped[str] = mapped_column(String(20), default="active")  # enums.PersonStatus
    referent_id: Mapped[str | None] = mapped_column(ForeignKey("referent.id"), nullable=True, index=True)
    health_data_consent: Mapped[bool] = mapped_column(Boolean, default=False)
    last_contact_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    # RDV reminders (ADR 0036): the channel the person chose (enums.ReminderChannel) and the day they agreed.
    # No reminder leaves without both; « aucun » is the default.
    reminder_channel: Mapped[str] = mapped_column(String(10), default="aucun", server_default="aucun")
    reminder_consent_on: Mapped[date | None] = mapped_column(Date, nullable=True)


class Orientation(Synced, Base):
    """A decision of the PCD sending the person to a track and an organisme. A réorientation closes the previous one."""

    __tablename__ = "orientation"

    person_id: Mapped[str] = mapped_column(ForeignKey("person.id"), index=True)
    track: Mapped[str] = mapped_column(String(20))  # enums.Track
    organisme: Mapped[str] = mapped_column(String(200), default="")
    regime: Mapped[str] = mapped_column(String(20))
    right_opened_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    decision_date: Mapped[date] = mapped_column(Date)
    notification_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    ep_opinion: Mapped[str] = mapped_column(Text, default="")
    ep_opinion_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    is_reorientation: Mapped[bool] = mapped_column(Boolean, default=False)
    ended_on: Mapped[date | None] = mapped_column(Date, nullable=True)


class ReferentAssignment(AppendOnly, Base):
    """One entry of the référent history: from ``start_date`` the person is followed by ``referent_id``.

    Append-only: the current référent is the latest assignment; a change adds a row.
    """

    __tablename__ = "referent_assignment"

    person_id: Mapped[str] = mapped_column(ForeignKey("person.id"), index=True)
    referent_id: Mapped[str] = mapped_column(ForeignKey("referent.id"), index=True)
    start_date: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text, default="")
    assigned_by: Mapped[str] = mapped_column(String(80), default="")


class Parcours(Synced, Base):
    """One accompaniment period. Ends with an exit; a re-entry opens a new parcours."""

    __tablename__ = "parcours"

    person_id: Mapped[str] = mapped_column(ForeignKey("person.id"), index=True)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    track: Mapped[str] = mapped_column(String(20), default="")


class ExitRecord(AppendOnly, Base):
    """A sortie: the category and reason of the end of a parcours (DOMAIN.md, seed 001)."""

    __tablename__ = "exit_record"

    person_id: Mapped[str] = mapped_column(ForeignKey("person.id"), index=True)
    parcours_id: Mapped[str | None] = mapped_column(ForeignKey("parcours.id"), nullable=True)
    exit_date: Mapped[date] = mapped_column(Date)
    category: Mapped[str] = mapped_column(String(30))  # enums.ExitCategory
    reason: Mapped[str] = mapped_column(String(60))  # vocabulary code
    detail: Mapped[str] = mapped_column(Text, default="")
    in_job_followup_until: Mapped[date | None] = mapped_column(Date, nullable=True)


class DuplicateReview(AppendOnly, Base):
    """A référent's decision about a « doublon possible »: two records of the vault are the same person (the
    other one was merged into ``person_id``) or two different people (never proposed again, on any device).

    ``person_id`` is the record kept (« même personne ») or one of the pair; ``other_id`` the record merged or
    the other one. ``identity`` keeps what the merged record said (names, birth date, identifiers): the
    history of the merge, and what lets a later list spelling that identity find the person kept. It is
    personal data (:mod:`app.models.personal_data`), scrubbed with the kept person's file.
    """

    __tablename__ = "duplicate_review"

    person_id: Mapped[str] = mapped_column(ForeignKey("person.id"), index=True)
    other_id: Mapped[str] = mapped_column(String(36), index=True)
    decision: Mapped[str] = mapped_column(String(30))  # enums.DuplicateDecision
    identity: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    decided_by: Mapped[str] = mapped_column(String(80), default="")
    decided_at: Mapped[datetime] = mapped_column(DateTime)


class CoAccompaniment(Synced, Base):
    """A second professional on a person's file (co-accompaniment, seed 002): a CIP, a social worker, a
    France Travail adviser or a partner, known in the directory (``referent``). ``access`` is what the
    référent asks (« lecture » / « écriture »); the département's scope rules on the server cap it per role
    (ADR 0052). Active while ``end_date`` is empty: ending it (a date, today or before) removes the access."""

    __tablename__ = "co_accompaniment"

    person_id: Mapped[str] = mapped_column(ForeignKey("person.id"), index=True)
    referent_id: Mapped[str] = mapped_column(ForeignKey("referent.id"), index=True)
    role: Mapped[str] = mapped_column(String(40))  # enums.CoRole
    access: Mapped[str] = mapped_column(String(20), default="lecture")  # enums.ShareAccess
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    purpose: Mapped[str] = mapped_column(Text, default="")
    added_by: Mapped[str] = mapped_column(String(80), default="")
