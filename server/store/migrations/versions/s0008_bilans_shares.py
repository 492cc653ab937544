"""bilans, joint reviews, co-accompaniment (client revision 0005) and the share events of the feed

Revision ID: s0008
Revises: s0007
Create Date: 2026-12-06

The client's synced tables ``bilan`` (ADR 0050), ``joint_review`` (ADR 0051) and ``co_accompaniment`` (ADR 0052),
without foreign keys like every business table here, indexed on their person (and référent) as the others;
``action.assignee_id``; and the server's ``share_event`` (a co-accompaniment began or ended for a référent, at a
feed sequence: their devices get the whole file, or leave it). ``s0001`` builds the tables from the live
definitions, so a fresh database has them already: each one is created only when missing. Self-contained: if
another revision lands first, renumber this one.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "s0008"
down_revision = "s0007"
branch_labels = None
depends_on = None


def _sync_columns() -> list[sa.Column[object]]:
    return [
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("origin_device", sa.String(36), nullable=False),
    ]


def _bilan() -> None:
    op.create_table(
        "bilan",
        sa.Column("person_id", sa.String(36), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("contract_id", sa.String(36), nullable=True),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("objectives", sa.JSON(), nullable=False),
        sa.Column("helped", sa.Text(), nullable=False),
        sa.Column("blocked", sa.Text(), nullable=False),
        sa.Column("person_words", sa.Text(), nullable=False),
        sa.Column("participants", sa.JSON(), nullable=False),
        sa.Column("recommendation", sa.String(20), nullable=True),
        sa.Column("recommended_track", sa.String(20), nullable=True),
        sa.Column("recommendation_detail", sa.Text(), nullable=False),
        sa.Column("next_step_table", sa.String(40), nullable=False),
        sa.Column("next_step_id", sa.String(36), nullable=True),
        sa.Column("author", sa.String(80), nullable=False),
        sa.Column("finalised_at", sa.DateTime(), nullable=True),
        *_sync_columns(),
        sa.PrimaryKeyConstraint("id", name="pk_bilan"),
    )
    op.create_index("ix_bilan_person_id", "bilan", ["person_id"])


def _joint_review() -> None:
    op.create_table(
        "joint_review",
        sa.Column("person_id", sa.String(36), nullable=False),
        sa.Column("contract_id", sa.String(36), nullable=True),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("ft_adviser", sa.String(200), nullable=False),
        sa.Column("ft_agency", sa.String(200), nullable=False),
        sa.Column("person_present", sa.Boolean(), nullable=False),
        sa.Column("job_search_ready", sa.Boolean(), nullable=False),
        sa.Column("findings", sa.Text(), nullable=False),
        sa.Column("conclusion", sa.String(20), nullable=False),
        sa.Column("proposed_track", sa.String(20), nullable=True),
        sa.Column("revision_contract_id", sa.String(36), nullable=True),
        sa.Column("author", sa.String(80), nullable=False),
        *_sync_columns(),
        sa.PrimaryKeyConstraint("id", name="pk_joint_review"),
    )
    op.create_index("ix_joint_review_person_id", "joint_review", ["person_id"])


def _co_accompaniment() -> None:
    op.create_table(
        "co_accompaniment",
        sa.Column("person_id", sa.String(36), nullable=False),
        sa.Column("referent_id", sa.String(36), nullable=False),
        sa.Column("role", sa.String(40), nullable=False),
        sa.Column("access", sa.String(20), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("added_by", sa.String(80), nullable=False),
        *_sync_columns(),
        sa.PrimaryKeyConstraint("id", name="pk_co_accompaniment"),
    )
    op.create_index("ix_co_accompaniment_person_id", "co_accompaniment", ["person_id"])
    op.create_index("ix_co_accompaniment_referent_id", "co_accompaniment", ["referent_id"])


def _share_event() -> None:
    op.create_table(
        "share_event",
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("person_id", sa.String(36), nullable=False),
        sa.Column("referent_id", sa.String(36), nullable=False),
        sa.PrimaryKeyConstraint("seq", "person_id", "referent_id", name="pk_share_event"),
    )
    op.create_index("ix_share_event_referent_seq", "share_event", ["referent_id", "seq"])


def upgrade() -> None:
    inspector = sa.inspect(op.get_bind())
    tables = set(inspector.get_table_names())
    for name, create in (
        ("bilan", _bilan),
        ("joint_review", _joint_review),
        ("co_accompaniment", _co_accompaniment),
        ("share_event", _share_event),
    ):
        if name not in tables:
            create()
    if "assignee_id" not in {c["name"] for c in inspector.get_columns("action")}:
        op.add_column("action", sa.Column("assignee_id", sa.String(36), nullable=True))


def downgrade() -> None:
    raise NotImplementedError("s0008 is not reversible (records of the référents)")
