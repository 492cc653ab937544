"""convocations, reminders and collective sessions (client revision 0004; ADR 0035, 0036, 0037)

Revision ID: s0007
Revises: s0006
Create Date: 2026-12-06

The client's new synced tables ``appointment_letter`` and ``appointment_reminder`` (without foreign keys, like
every business table here), the columns ``appointment.session_id`` / ``capacity`` and ``person.reminder_channel``
/ ``reminder_consent_on``, and the index the reminder dispatcher reads (state, due_at). ``s0001`` builds tables
from the live definitions, so a fresh database already has all of it: each piece is created only when missing.
Self-contained: if another revision lands first, renumber this one.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "s0007"
down_revision = "s0006"
branch_labels = None
depends_on = None

SYNC_COLUMNS = (
    ("id", sa.String(36), False),
    ("created_at", sa.DateTime(), False),
    ("updated_at", sa.DateTime(), False),
    ("deleted_at", sa.DateTime(), True),
    ("revision", sa.Integer(), False),
    ("origin_device", sa.String(36), False),
)
DUE_INDEX = "ix_appointment_reminder_state_due"


def _inspector() -> sa.Inspector:
    return sa.inspect(op.get_bind())


def _columns(table: str) -> set[str]:
    return {c["name"] for c in _inspector().get_columns(table)}


def _sync_columns() -> list[sa.Column]:
    return [sa.Column(name, kind, nullable=nullable) for name, kind, nullable in SYNC_COLUMNS]


def _create_letters() -> None:
    op.create_table(
        "appointment_letter",
        sa.Column("appointment_id", sa.String(36), nullable=False),
        sa.Column("person_id", sa.String(36), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("template", sa.String(60), nullable=False),
        sa.Column("sent_on", sa.Date(), nullable=False),
        sa.Column("author", sa.String(80), nullable=False),
        *_sync_columns(),
        sa.PrimaryKeyConstraint("id", name="pk_appointment_letter"),
    )
    op.create_index("ix_appointment_letter_person_id", "appointment_letter", ["person_id"])


def _create_reminders() -> None:
    op.create_table(
        "appointment_reminder",
        sa.Column("appointment_id", sa.String(36), nullable=False),
        sa.Column("person_id", sa.String(36), nullable=False),
        sa.Column("channel", sa.String(10), nullable=False),
        sa.Column("due_at", sa.DateTime(), nullable=False),
        sa.Column("rdv_at", sa.DateTime(), nullable=False),
        sa.Column("place", sa.String(200), nullable=False),
        sa.Column("service", sa.String(200), nullable=False),
        sa.Column("reply_phone", sa.String(40), nullable=False),
        sa.Column("cancelled_at", sa.DateTime(), nullable=True),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.Column("failure", sa.String(300), nullable=False),
        *_sync_columns(),
        sa.PrimaryKeyConstraint("id", name="pk_appointment_reminder"),
    )
    op.create_index("ix_appointment_reminder_person_id", "appointment_reminder", ["person_id"])


def upgrade() -> None:
    tables = set(_inspector().get_table_names())
    if "appointment_letter" not in tables:
        _create_letters()
    if "appointment_reminder" not in tables:
        _create_reminders()
    if DUE_INDEX not in {i["name"] for i in _inspector().get_indexes("appointment_reminder")}:
        op.create_index(DUE_INDEX, "appointment_reminder", ["state", "due_at"])
    appointment = _columns("appointment")
    with op.batch_alter_table("appointment") as batch:
        if "session_id" not in appointment:
            batch.add_column(sa.Column("session_id", sa.String(36), nullable=True))
        if "capacity" not in appointment:
            batch.add_column(sa.Column("capacity", sa.Integer(), nullable=True))
    person = _columns("person")
    with op.batch_alter_table("person") as batch:
        if "reminder_channel" not in person:
            batch.add_column(
                sa.Column("reminder_channel", sa.String(10), nullable=False, server_default="aucun")
            )
        if "reminder_consent_on" not in person:
            batch.add_column(sa.Column("reminder_consent_on", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("person") as batch:
        batch.drop_column("reminder_consent_on")
        batch.drop_column("reminder_channel")
    with op.batch_alter_table("appointment") as batch:
        batch.drop_column("capacity")
        batch.drop_column("session_id")
    op.drop_table("appointment_reminder")
    op.drop_table("appointment_letter")
