"""Server schema: the replicated business tables (copied from :mod:`app.models`, without foreign keys) and
the server-only tables (users, teams, devices, enrolment codes, applied ops, the feed).

Business tables carry no foreign keys on the server: ops arrive from many devices in device order, a child may
reach the server before a parent another device has not uploaded yet, and integrity is the devices' business.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
)

import app.models.tables  # noqa: F401 - registers every table on Base.metadata
from app.models.tables.base import NAMING_CONVENTION, Base, synced_tables

metadata = MetaData(naming_convention=NAMING_CONVENTION)


def _copy_business_tables() -> dict[str, Table]:
    out: dict[str, Table] = {}
    for name in synced_tables():
        src = Base.metadata.tables[name]
        cols = [
            Column(
                c.name,
                c.type,
                primary_key=c.primary_key,
                nullable=c.nullable if not c.primary_key else False,
                # a column added later with a database default keeps it (rows written before it knew the column)
                server_default=c.server_default.arg if c.server_default is not None else None,  # type: ignore[attr-defined]
            )
            for c in src.columns
        ]
        table = Table(name, metadata, *cols)
        for col in ("person_id", "referent_id", "household_id", "referral_id", "seance_id"):
            if col in table.c:
                Index(f"ix_{name}_{col}", table.c[col])
        out[name] = table
    return out


BUSINESS: dict[str, Table] = _copy_business_tables()

#: Indexes for the département indicators (docs/indicators.md), added by revision s0003.
INDICATOR_INDEXES = (
    Index(
        "ix_appointment_person_starts",
        BUSINESS["appointment"].c.person_id,
        BUSINESS["appointment"].c.starts_at,
    ),
)

#: The reminder dispatcher's look-up of due reminders (ADR 0036), added by revision s0007.
REMINDER_INDEXES = (
    Index(
        "ix_appointment_reminder_state_due",
        BUSINESS["appointment_reminder"].c.state,
        BUSINESS["appointment_reminder"].c.due_at,
    ),
)

server_meta = Table(
    "server_meta",
    metadata,
    Column("key", String(60), primary_key=True),
    Column("value", Text, nullable=False, default=""),
)

feed_counter = Table(
    "feed_counter",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("last_seq", Integer, nullable=False, default=0),
)

teams = Table(
    "teams",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("name", String(100), nullable=False, unique=True),
)

users = Table(
    "users",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("login", String(80), nullable=False, unique=True),
    Column("name", String(200), nullable=False, default=""),
    Column("role", String(20), nullable=False),  # referent / team_leader / admin
    Column("team_id", String(36), nullable=True),
    Column("referent_id", String(36), nullable=True),
    Column("created_at", DateTime, nullable=False),
)

devices = Table(
    "devices",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("user_id", String(36), nullable=False, index=True),
    Column("name", String(200), nullable=False, default=""),
    Column("token_hash", String(64), nullable=False, index=True),
    Column("status", String(10), nullable=False, default="active"),  # active / retiring / revoked
    Column("next_seq", Integer, nullable=False, default=1),
    Column("app_version", String(40), nullable=False, default=""),
    Column("schema_version", String(40), nullable=False, default=""),
    Column("created_at", DateTime, nullable=False),
    Column("last_seen_at", DateTime, nullable=True),
    Column("wiped_at", DateTime, nullable=True),
)

enrolment_codes = Table(
    "enrolment_codes",
    metadata,
    Column("code_hash", String(64), primary_key=True),
    Column("user_id", String(36), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("expires_at", DateTime, nullable=False),
    Column("used_at", DateTime, nullable=True),
    Column("device_id", String(36), nullable=True),
)

applied_ops = Table(
    "applied_ops",
    metadata,
    Column("op_id", String(36), primary_key=True),
    Column("device_id", String(36), nullable=False),
    Column("device_seq", Integer, nullable=False),
    Column("payload_hash", String(64), nullable=False),
    Column("result", Text, nullable=False),
    Column("applied_at", DateTime, nullable=False),
    Index("ix_applied_ops_device_seq", "device_id", "device_seq"),
)

#: One entry per business row: the feed sequence of its last change (= its revision), the person it hangs
#: off (scope), the user who created it and, per field, the revision and device of its last change (merge).
row_feed = Table(
    "row_feed",
    metadata,
    Column("table_name", String(60), primary_key=True),
    Column("row_id", String(36), primary_key=True),
    Column("seq", Integer, nullable=False, unique=True),
    Column("person_id", String(36), nullable=True, index=True),
    Column("origin_user", String(36), nullable=False, default=""),
    Column("field_revs", Text, nullable=False, default="{}"),
)

#: A person's référent changed at ``seq``: devices of the old scope get "leave", of the new one the whole file.
scope_event = Table(
    "scope_event",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("person_id", String(36), primary_key=True),
    Column("old_referent", String(36), nullable=True),
    Column("new_referent", String(36), nullable=True),
)

#: Content-addressed document bytes, uploaded in chunks of :data:`CHUNK_SIZE` (resumable, any order). The
#: blob is its chunks: once every chunk is there, the whole SHA-256 is checked and ``complete`` is set; an op
#: referencing an attachment is applied only when it is complete (see :mod:`server.engine.attachments`).
attachments = Table(
    "attachments",
    metadata,
    Column("sha256", String(64), primary_key=True),
    Column("size", Integer, nullable=False),
    Column("chunks", Integer, nullable=False),
    Column("received", Integer, nullable=False, default=0),
    Column("complete", Boolean, nullable=False, default=False),
    Column("created_by", String(36), nullable=False, default=""),
    Column("created_at", DateTime, nullable=False),
    Column("completed_at", DateTime, nullable=True),
)

attachment_chunks = Table(
    "attachment_chunks",
    metadata,
    Column("sha256", String(64), primary_key=True),
    Column("idx", Integer, primary_key=True, autoincrement=False),
    Column("data", LargeBinary, nullable=False),
    Column("received_at", DateTime, nullable=False),
)


#: The server's audit log (ADR 0010): refused and malformed ops, failed authentications and enrolments,
#: enrolments, reassignments, refusals a référent transmitted to their team leader. Ids and French reasons only:
#: never a value of a person's file. Added by revision s0004.
audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime, nullable=False, index=True),
    Column("kind", String(30), nullable=False),
    Column("device_id", String(64), nullable=True),
    Column("user_id", String(36), nullable=True),
    Column("address", String(64), nullable=False, default=""),
    Column("table_name", String(60), nullable=True),
    Column("row_id", String(36), nullable=True),
    Column("op_id", String(36), nullable=True, index=True),
    Column("code", String(40), nullable=False, default=""),
    Column("detail", Text, nullable=False, default=""),
    Index("ix_audit_log_kind_at", "kind", "at"),
)

#: Which device proved it holds which chunk of a document (it sent the same bytes): a device may reference a
#: document in an op, or read its status, only once it holds every chunk or a document of its scope uses it.
#: Added by revision s0004.
attachment_holders = Table(
    "attachment_holders",
    metadata,
    Column("sha256", String(64), primary_key=True),
    Column("device_id", String(36), primary_key=True),
    Column("idx", Integer, primary_key=True, autoincrement=False),
)

#: The intermediate archive (« archivage intermédiaire », CNIL délibération n° 2023-095, référentiel des durées de
#: conservation du secteur social et médico-social): when a retention purge reaches the server and the
#: département set an archive duration, the person's rows and documents are kept here, out of every device's
#: reach, until ``eliminate_after``; then ``python -m server archive eliminate`` deletes them. Revision s0006.
archive = Table(
    "archive",
    metadata,
    Column("person_id", String(36), primary_key=True),
    Column("referent_id", String(36), nullable=True),
    Column("archived_at", DateTime, nullable=False),
    Column("eliminate_after", Date, nullable=False, index=True),
    Column("device_id", String(64), nullable=False, default=""),
    Column("payload", Text, nullable=False),  # JSON: rows per table, documents' bytes in base64
)

#: Co-accompaniment (ADR 0052): a share of a person's file with a second professional began, changed or ended at
#: ``seq`` for ``referent_id``: their devices get the whole file, or a « leave », at their next download.
#: Added by revision s0008.
share_event = Table(
    "share_event",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("person_id", String(36), primary_key=True),
    Column("referent_id", String(36), primary_key=True),
    Index("ix_share_event_referent_seq", "referent_id", "seq"),
)
