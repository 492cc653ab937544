"""audit log of the server, and the chunks each device proved it holds

Revision ID: s0004
Revises: s0003
Create Date: 2026-12-08

``audit_log``: refused and malformed ops, failed authentications and enrolments, enrolments, reassignments,
refusals transmitted to a team leader (ADR 0010). ``attachment_holders``: (document, device, chunk) a device sent
and that matched, so that a device references or reads a document only once it holds it. ``s0001`` builds the
tables from the live definitions, so a fresh database has them already: create each one only when missing.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "s0004"
down_revision = "s0003"
branch_labels = None
depends_on = None


def _tables() -> set[str]:
    return set(sa.inspect(op.get_bind()).get_table_names())


def upgrade() -> None:
    existing = _tables()
    if "audit_log" not in existing:
        op.create_table(
            "audit_log",
            sa.Column("id", sa.Integer, nullable=False, autoincrement=True),
            sa.Column("at", sa.DateTime, nullable=False),
            sa.Column("kind", sa.String(30), nullable=False),
            sa.Column("device_id", sa.String(64), nullable=True),
            sa.Column("user_id", sa.String(36), nullable=True),
            sa.Column("address", sa.String(64), nullable=False),
            sa.Column("table_name", sa.String(60), nullable=True),
            sa.Column("row_id", sa.String(36), nullable=True),
            sa.Column("op_id", sa.String(36), nullable=True),
            sa.Column("code", sa.String(40), nullable=False),
            sa.Column("detail", sa.Text, nullable=False),
            sa.PrimaryKeyConstraint("id", name="pk_audit_log"),
        )
        op.create_index("ix_audit_log_at", "audit_log", ["at"])
        op.create_index("ix_audit_log_op_id", "audit_log", ["op_id"])
        op.create_index("ix_audit_log_kind_at", "audit_log", ["kind", "at"])
    if "attachment_holders" not in existing:
        op.create_table(
            "attachment_holders",
            sa.Column("sha256", sa.String(64), nullable=False),
            sa.Column("device_id", sa.String(36), nullable=False),
            sa.Column("idx", sa.Integer, nullable=False, autoincrement=False),
            sa.PrimaryKeyConstraint("sha256", "device_id", "idx", name="pk_attachment_holders"),
        )


def downgrade() -> None:
    existing = _tables()
    if "attachment_holders" in existing:
        op.drop_table("attachment_holders")
    if "audit_log" in existing:
        op.drop_table("audit_log")
