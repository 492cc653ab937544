"""duplicate_review: the référents' decisions about « doublons possibles » (client revision 0002)

Revision ID: s0005
Revises: s0004
Create Date: 2026-12-06

The client's synced table ``duplicate_review`` (decisions « même personne » / « personnes différentes »,
append-only), without foreign keys like every business table here, indexed on ``person_id`` as the others.
``s0001`` builds tables from the live definitions, so a fresh database already has it: create it only when
it is missing. Self-contained: if another revision lands first, renumber this one.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "s0005"
down_revision = "s0004"
branch_labels = None
depends_on = None

TABLE = "duplicate_review"


def _exists() -> bool:
    return TABLE in sa.inspect(op.get_bind()).get_table_names()


def upgrade() -> None:
    if _exists():
        return
    op.create_table(
        TABLE,
        sa.Column("person_id", sa.String(36), nullable=False),
        sa.Column("other_id", sa.String(36), nullable=False),
        sa.Column("decision", sa.String(30), nullable=False),
        sa.Column("identity", sa.JSON(), nullable=False),
        sa.Column("decided_by", sa.String(80), nullable=False),
        sa.Column("decided_at", sa.DateTime(), nullable=False),
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("origin_device", sa.String(36), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_duplicate_review"),
    )
    op.create_index("ix_duplicate_review_person_id", TABLE, ["person_id"])


def downgrade() -> None:
    if _exists():
        op.drop_index("ix_duplicate_review_person_id", table_name=TABLE)
        op.drop_table(TABLE)
