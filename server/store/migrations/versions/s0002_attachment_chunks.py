"""attachments as binary chunks: size, chunk count, completion; chunk bytes as LargeBinary (bytea)

Revision ID: s0002
Revises: s0001
Create Date: 2026-11-23

The two attachment tables of s0001 were never written to (attachments were not synced yet): they are
replaced. ``s0001`` creates the tables from the live definitions, so a fresh database already has the new
shape: this revision only acts when it finds the old one (a base64 text ``data`` column).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "s0002"
down_revision = "s0001"
branch_labels = None
depends_on = None


def _old_shape() -> bool:
    cols = {c["name"] for c in sa.inspect(op.get_bind()).get_columns("attachments")}
    return "chunks" not in cols


def upgrade() -> None:
    if not _old_shape():
        return
    op.drop_table("attachment_chunks")
    op.drop_table("attachments")
    op.create_table(
        "attachments",
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("chunks", sa.Integer, nullable=False),
        sa.Column("received", sa.Integer, nullable=False),
        sa.Column("complete", sa.Boolean, nullable=False),
        sa.Column("created_by", sa.String(36), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("completed_at", sa.DateTime, nullable=True),
        sa.PrimaryKeyConstraint("sha256", name="pk_attachments"),
    )
    op.create_table(
        "attachment_chunks",
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("idx", sa.Integer, nullable=False, autoincrement=False),
        sa.Column("data", sa.LargeBinary, nullable=False),
        sa.Column("received_at", sa.DateTime, nullable=False),
        sa.PrimaryKeyConstraint("sha256", "idx", name="pk_attachment_chunks"),
    )


def downgrade() -> None:
    op.drop_table("attachment_chunks")
    op.drop_table("attachments")
    op.create_table(
        "attachments",
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("received", sa.Integer, nullable=False),
        sa.Column("complete", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.PrimaryKeyConstraint("sha256", name="pk_attachments"),
    )
    op.create_table(
        "attachment_chunks",
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("idx", sa.Integer, nullable=False, autoincrement=False),
        sa.Column("data", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("sha256", "idx", name="pk_attachment_chunks"),
    )
