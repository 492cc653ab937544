"""équipe pluridisciplinaire (client schema 0006): saisines, their facts, séances, cases

Revision ID: s0009
Revises: s0008
Create Date: 2026-12-06

The client's synced tables of ADR 0040 — ``ep_referral``, ``ep_referral_fact``, ``ep_seance``, ``ep_case`` —
without foreign keys like every business table here, indexed on ``person_id`` as the others (and the cases on
their séance and saisine, which the secretariat's scope reads). ``s0001`` builds tables from the live
definitions, so a fresh database already has them: each one is created only when missing. Self-contained: if
another revision lands first, renumber this one.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "s0009"
down_revision = "s0008"
branch_labels = None
depends_on = None

#: table → (column, type, nullable), as in client revision 0006.
COLUMNS: dict[str, list[tuple[str, Any, bool]]] = {
    "ep_referral": [
        ("person_id", sa.String(36), False),
        ("motive", sa.String(30), False),
        ("referred_on", sa.Date(), False),
        ("referred_by", sa.String(200), False),
        ("summary", sa.Text(), False),
        ("proposed_track", sa.String(20), True),
        ("proposed_organisme", sa.String(200), False),
        ("procedure_id", sa.String(36), True),
        ("withdrawn_on", sa.Date(), True),
        ("withdrawn_reason", sa.Text(), False),
        ("id", sa.String(36), False),
        ("created_at", sa.DateTime(), False),
        ("updated_at", sa.DateTime(), False),
        ("deleted_at", sa.DateTime(), True),
        ("revision", sa.Integer(), False),
        ("origin_device", sa.String(36), False),
    ],
    "ep_referral_fact": [
        ("person_id", sa.String(36), False),
        ("referral_id", sa.String(36), False),
        ("kind", sa.String(30), False),
        ("orientation_id", sa.String(36), True),
        ("contract_id", sa.String(36), True),
        ("appointment_id", sa.String(36), True),
        ("note_id", sa.String(36), True),
        ("sanction_step_id", sa.String(36), True),
        ("document_id", sa.String(36), True),
        ("id", sa.String(36), False),
        ("created_at", sa.DateTime(), False),
        ("updated_at", sa.DateTime(), False),
        ("deleted_at", sa.DateTime(), True),
        ("revision", sa.Integer(), False),
        ("origin_device", sa.String(36), False),
    ],
    "ep_seance": [
        ("label", sa.String(200), False),
        ("held_at", sa.DateTime(), False),
        ("place", sa.String(200), False),
        ("address", sa.String(300), False),
        ("contact", sa.String(200), False),
        ("members", sa.JSON(), False),
        ("status", sa.String(20), False),
        ("id", sa.String(36), False),
        ("created_at", sa.DateTime(), False),
        ("updated_at", sa.DateTime(), False),
        ("deleted_at", sa.DateTime(), True),
        ("revision", sa.Integer(), False),
        ("origin_device", sa.String(36), False),
    ],
    "ep_case": [
        ("person_id", sa.String(36), False),
        ("referral_id", sa.String(36), False),
        ("seance_id", sa.String(36), False),
        ("position", sa.Integer(), False),
        ("convened_on", sa.Date(), True),
        ("attendance", sa.String(30), False),
        ("observations", sa.Text(), False),
        ("opinion", sa.String(30), True),
        ("opinion_on", sa.Date(), True),
        ("opinion_track", sa.String(20), True),
        ("opinion_organisme", sa.String(200), False),
        ("opinion_detail", sa.Text(), False),
        ("opinion_step_id", sa.String(36), True),
        ("decision", sa.String(30), True),
        ("decision_on", sa.Date(), True),
        ("decided_by", sa.String(200), False),
        ("decision_detail", sa.Text(), False),
        ("orientation_id", sa.String(36), True),
        ("decision_step_id", sa.String(36), True),
        ("id", sa.String(36), False),
        ("created_at", sa.DateTime(), False),
        ("updated_at", sa.DateTime(), False),
        ("deleted_at", sa.DateTime(), True),
        ("revision", sa.Integer(), False),
        ("origin_device", sa.String(36), False),
    ],
}
#: Indexes: (name, table, column).
INDEXES = (
    ("ix_ep_referral_person_id", "ep_referral", "person_id"),
    ("ix_ep_referral_fact_person_id", "ep_referral_fact", "person_id"),
    ("ix_ep_referral_fact_referral_id", "ep_referral_fact", "referral_id"),
    ("ix_ep_case_person_id", "ep_case", "person_id"),
    ("ix_ep_case_referral_id", "ep_case", "referral_id"),
    ("ix_ep_case_seance_id", "ep_case", "seance_id"),
)


def upgrade() -> None:
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    created = set()
    for table, columns in COLUMNS.items():
        if table in existing:
            continue
        op.create_table(
            table,
            *(sa.Column(name, kind, nullable=nullable) for name, kind, nullable in columns),
            sa.PrimaryKeyConstraint("id", name=f"pk_{table}"),
        )
        created.add(table)
    for name, table, column in INDEXES:
        if table in created:
            op.create_index(name, table, [column])


def downgrade() -> None:
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    for table in reversed(list(COLUMNS)):
        if table in existing:
            op.drop_table(table)
