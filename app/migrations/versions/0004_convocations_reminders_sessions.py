"""convocations, reminders and collective sessions (ADR 0035, 0036, 0037)

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06

New synced tables ``appointment_letter`` (letters sent for a RDV, append-only) and ``appointment_reminder``
(reminders by e-mail or SMS sent by the département server); on ``appointment`` the session a participant's RDV
belongs to and a session's capacity; on ``person`` the reminder channel and the day of the consent (« aucun »
for everyone already there). Self-contained: if another revision lands first, renumber this one.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "appointment_letter",
        sa.Column("appointment_id", sa.String(length=36), nullable=False),
        sa.Column("person_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("template", sa.String(length=60), nullable=False),
        sa.Column("sent_on", sa.Date(), nullable=False),
        sa.Column("author", sa.String(length=80), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("origin_device", sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(
            ["appointment_id"],
            ["appointment.id"],
            name=op.f("fk_appointment_letter_appointment_id_appointment"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_appointment_letter_person_id_person")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appointment_letter")),
    )
    with op.batch_alter_table("appointment_letter", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_appointment_letter_appointment_id"), ["appointment_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_appointment_letter_person_id"), ["person_id"], unique=False)

    op.create_table(
        "appointment_reminder",
        sa.Column("appointment_id", sa.String(length=36), nullable=False),
        sa.Column("person_id", sa.String(length=36), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("due_at", sa.DateTime(), nullable=False),
        sa.Column("rdv_at", sa.DateTime(), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=False),
        sa.Column("service", sa.String(length=200), nullable=False),
        sa.Column("reply_phone", sa.String(length=40), nullable=False),
        sa.Column("cancelled_at", sa.DateTime(), nullable=True),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.Column("failure", sa.String(length=300), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("origin_device", sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(
            ["appointment_id"],
            ["appointment.id"],
            name=op.f("fk_appointment_reminder_appointment_id_appointment"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_appointment_reminder_person_id_person")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appointment_reminder")),
    )
    with op.batch_alter_table("appointment_reminder", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_appointment_reminder_appointment_id"), ["appointment_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_appointment_reminder_due_at"), ["due_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_appointment_reminder_person_id"), ["person_id"], unique=False)

    with op.batch_alter_table("appointment", schema=None) as batch_op:
        batch_op.add_column(sa.Column("session_id", sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column("capacity", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_appointment_session_id"), ["session_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_appointment_session_id_appointment"), "appointment", ["session_id"], ["id"]
        )

    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("reminder_channel", sa.String(length=10), nullable=False, server_default="aucun")
        )
        batch_op.add_column(sa.Column("reminder_consent_on", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.drop_column("reminder_consent_on")
        batch_op.drop_column("reminder_channel")

    with op.batch_alter_table("appointment", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_appointment_session_id_appointment"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_appointment_session_id"))
        batch_op.drop_column("capacity")
        batch_op.drop_column("session_id")

    with op.batch_alter_table("appointment_reminder", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_appointment_reminder_person_id"))
        batch_op.drop_index(batch_op.f("ix_appointment_reminder_due_at"))
        batch_op.drop_index(batch_op.f("ix_appointment_reminder_appointment_id"))

    op.drop_table("appointment_reminder")
    with op.batch_alter_table("appointment_letter", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_appointment_letter_person_id"))
        batch_op.drop_index(batch_op.f("ix_appointment_letter_appointment_id"))

    op.drop_table("appointment_letter")
