"""Device-local tables (never replicated) and the audit trail (replicated, append-only)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.tables.base import AppendOnly, Base


class OutboxOp(Base):
    """An operation waiting to be uploaded. Written in the same transaction as the business change."""

    __tablename__ = "outbox"

    device_seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    op_id: Mapped[str] = mapped_column(String(36), unique=True)
    table_name: Mapped[str] = mapped_column(String(60))
    row_id: Mapped[str] = mapped_column(String(36), index=True)
    base_revision: Mapped[int] = mapped_column(Integer, default=0)
    kind: Mapped[str] = mapped_column(String(10))  # enums.OpKind
    changed_fields: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class SyncState(Base):
    """Key/value state of the sync machinery (device id, next device_seq, feed cursor, last sync)."""

    __tablename__ = "sync_state"

    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[str] = mapped_column(Text, default="")


class Conflict(Base):
    """The same field changed on both sides: the server value stayed, ours waits here for the référent."""

    __tablename__ = "conflict"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    table_name: Mapped[str] = mapped_column(String(60))
    row_id: Mapped[str] = mapped_column(String(36), index=True)
    person_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    field: Mapped[str] = mapped_column(String(60))
    local_value: Mapped[Any] = mapped_column(JSON, nullable=True)
    server_value: Mapped[Any] = mapped_column(JSON, nullable=True)
    op_id: Mapped[str] = mapped_column(String(36), default="")
    detected_at: Mapped[datetime] = mapped_column(DateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    resolution: Mapped[str] = mapped_column(String(20), default="")


class LocalSetting(Base):
    """Settings of this profile (lock delay, lock PIN hash, current référent...). JSON values."""

    __tablename__ = "local_setting"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON, nullable=True)


class DeadlineState(Base):
    """Derived, device-local: the people whose stored deadlines (:class:`DeadlineItem`) are up to date.

    SQLite triggers (client migration 0007) delete a person's row as soon as a row their deadlines are computed
    from changes (person, orientation, référent, RDV, parcours, exit, prescription, contract, diagnostic),
    whoever wrote it; ``app.services.people.stored_deadlines`` recomputes the people without a row."""

    __tablename__ = "deadline_state"
    __table_args__ = (
        Index(
            "ix_deadline_state_person_next",
            "person_id",
            "next_due",
            "rules_key",
            "computed_on",
            "stale_after",
        ),
    )  # covering: scope joins

    person_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    rules_key: Mapped[str] = mapped_column(String(64))  # the rule table, vocabulary and logic they came from
    computed_on: Mapped[date] = mapped_column(Date)  # the facts were read as of this day
    stale_after: Mapped[date | None] = mapped_column(
        Date, nullable=True
    )  # a dated fact comes into force then
    next_due: Mapped[date | None] = mapped_column(Date, nullable=True, index=True)  # the earliest due date
    next_rule: Mapped[str] = mapped_column(String(60), default="")


class DeadlineItem(Base):
    """Derived, device-local: one open deadline of a person as the rule engine computed it (states are not
    stored: « bientôt » from ``alert_from``, « en retard » after ``due_date``, against the day it is read)."""

    __tablename__ = "deadline_item"
    __table_args__ = (Index("ix_deadline_item_urgency", "person_id", "due_date", "local_target"),)  # covering

    person_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    rule_id: Mapped[str] = mapped_column(String(60), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=0)  # index among the rule's versions in the table
    position: Mapped[int] = mapped_column(Integer, default=0)  # the engine's order for the person
    due_date: Mapped[date] = mapped_column(Date)
    alert_from: Mapped[date] = mapped_column(Date, index=True)  # due_date minus the rule's « bientôt » days
    local_target: Mapped[bool] = mapped_column(Boolean, default=False)  # an « objectif départemental »
    from_event: Mapped[str] = mapped_column(String(80), default="")
    from_date: Mapped[date] = mapped_column(Date)


class AuditEvent(AppendOnly, Base):
    """Who viewed, changed, printed or exported which file, when. Replicated to the département."""

    __tablename__ = "audit_event"

    at: Mapped[datetime] = mapped_column(DateTime, index=True)
    actor: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(30))  # enums.AuditAction
    person_id: Mapped[str | None] = mapped_column(ForeignKey("person.id"), nullable=True, index=True)
    object_table: Mapped[str] = mapped_column(String(60), default="")
    object_id: Mapped[str] = mapped_column(String(36), default="")
    detail: Mapped[str] = mapped_column(Text, default="")
