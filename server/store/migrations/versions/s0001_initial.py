"""initial server schema: business tables (client revision 0001, without foreign keys) and server tables

Revision ID: s0001
Revises:
Create Date: 2026-11-24

The business tables are created from the shared table definitions as they are at client schema 0001.
Any later change of a business table needs its own explicit server revision (never edit this one).
"""

from __future__ import annotations

from alembic import op

revision = "s0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    from server.store.tables import metadata

    metadata.create_all(op.get_bind())


def downgrade() -> None:
    from server.store.tables import metadata

    metadata.drop_all(op.get_bind())
