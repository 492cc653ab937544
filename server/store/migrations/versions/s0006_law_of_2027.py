"""law of 2027 (client schema 0003): contract snapshots, avenant numbers, sanction decisions, retired exits

Revision ID: s0006
Revises: s0005
Create Date: 2026-12-06

The business side of client revision 0003: ``contract_snapshot`` (the frozen text of a signed contract),
``contract.amendment_no``, the decided facts of a sanction step; and the server's intermediate ``archive``
(:mod:`server.engine.archive`). ``s0001`` builds the tables from the live
definitions, so a fresh database has them already: each one is created only when missing.

Data: the people whose last exit has a retired reason (« radiation_suspension », « refus ») go back to the
caseload exactly as on the devices (client revision 0003, same derived ids): a new parcours the day after the
exit, person active. Every side makes the same change, so the check hashes still agree.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from app.models.data_fixes import reopen_after_retired_exits  # one definition for the client and the server

revision = "s0006"
down_revision = "s0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    inspector = sa.inspect(bind)
    tables = set(inspector.get_table_names())
    if "contract_snapshot" not in tables:
        op.create_table(
            "contract_snapshot",
            sa.Column("contract_id", sa.String(36), nullable=False),
            sa.Column("version_no", sa.Integer, nullable=False),
            sa.Column("taken_at", sa.DateTime, nullable=False),
            sa.Column("reason", sa.String(30), nullable=False),
            sa.Column("rules_version", sa.String(40), nullable=False),
            sa.Column("texts_version", sa.String(40), nullable=False),
            sa.Column("document", sa.JSON, nullable=False),
            sa.Column("id", sa.String(36), nullable=False),
            sa.Column("created_at", sa.DateTime, nullable=False),
            sa.Column("updated_at", sa.DateTime, nullable=False),
            sa.Column("deleted_at", sa.DateTime, nullable=True),
            sa.Column("revision", sa.Integer, nullable=False),
            sa.Column("origin_device", sa.String(36), nullable=False),
            sa.PrimaryKeyConstraint("id", name="pk_contract_snapshot"),
        )
    columns = {c["name"] for c in inspector.get_columns("contract")}
    if "amendment_no" not in columns:
        op.add_column("contract", sa.Column("amendment_no", sa.Integer, nullable=False, server_default="0"))
    steps = {c["name"] for c in inspector.get_columns("sanction_step")}
    for name, column in (
        ("decision", sa.Column("decision", sa.String(30), nullable=True)),
        ("rate_percent", sa.Column("rate_percent", sa.Integer, nullable=True)),
        ("duration_months", sa.Column("duration_months", sa.Integer, nullable=True)),
        ("household_cap", sa.Column("household_cap", sa.Boolean, nullable=False, server_default=sa.false())),
        ("outcome", sa.Column("outcome", sa.String(30), nullable=True)),
    ):
        if name not in steps:
            op.add_column("sanction_step", column)
    if "archive" not in tables:
        op.create_table(
            "archive",
            sa.Column("person_id", sa.String(36), primary_key=True),
            sa.Column("referent_id", sa.String(36), nullable=True),
            sa.Column("archived_at", sa.DateTime, nullable=False),
            sa.Column("eliminate_after", sa.Date, nullable=False),
            sa.Column("device_id", sa.String(64), nullable=False, server_default=""),
            sa.Column("payload", sa.Text, nullable=False),
        )
        op.create_index("ix_archive_eliminate_after", "archive", ["eliminate_after"])
    reopen_after_retired_exits(bind)


def downgrade() -> None:
    raise NotImplementedError("s0006 is not reversible (data of the law of 2027)")
