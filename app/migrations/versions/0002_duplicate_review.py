"""duplicate_review: the référents' decisions about « doublons possibles » (synced, append-only)

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-06

Self-contained (one new table): if another revision lands first, renumber this one (``revision`` and
``down_revision``) — nothing here depends on the order.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "duplicate_review",
        sa.Column("person_id", sa.String(length=36), nullable=False),
        sa.Column("other_id", sa.String(length=36), nullable=False),
        sa.Column("decision", sa.String(length=30), nullable=False),
        sa.Column("identity", sa.JSON(), nullable=False),
        sa.Column("decided_by", sa.String(length=80), nullable=False),
        sa.Column("decided_at", sa.DateTime(), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("origin_device", sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_duplicate_review_person_id_person")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_duplicate_review")),
    )
    with op.batch_alter_table("duplicate_review", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_duplicate_review_other_id"), ["other_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_duplicate_review_person_id"), ["person_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("duplicate_review", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_duplicate_review_person_id"))
        batch_op.drop_index(batch_op.f("ix_duplicate_review_other_id"))

    op.drop_table("duplicate_review")
