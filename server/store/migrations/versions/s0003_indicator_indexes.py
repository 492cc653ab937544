"""index for the département indicators: appointment (person_id, starts_at)

Revision ID: s0003
Revises: s0002
Create Date: 2026-11-23

The first-RDV delay looks up each person's earliest appointment; with 100,000 people on PostgreSQL this index
takes the month report from about 2.1 s to 1.3 s (benchmarks/bench_indicators.py). ``s0001`` builds tables from
the live definitions, so a fresh database already has it: create it only when it is missing.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "s0003"
down_revision = "s0002"
branch_labels = None
depends_on = None

NAME = "ix_appointment_person_starts"


def _exists() -> bool:
    return NAME in {i["name"] for i in sa.inspect(op.get_bind()).get_indexes("appointment")}


def upgrade() -> None:
    if not _exists():
        op.create_index(NAME, "appointment", ["person_id", "starts_at"])


def downgrade() -> None:
    if _exists():
        op.drop_index(NAME, table_name="appointment")
