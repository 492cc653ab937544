"""deadline store: every person's open deadlines kept in the vault, invalidated by triggers

``deadline_state`` (for whom the stored deadlines are up to date) and ``deadline_item`` (the deadlines) are
device-local and derived: never synced, rebuilt from the facts at any time (an empty store is simply computed
again). Triggers delete a person's ``deadline_state`` row when a row their deadlines are computed from is
inserted, changed or deleted — by a form, an import, the sync, a merge or a purge alike — so that
``app.services.people.stored_deadlines`` recomputes that person only (issue #15: sort by next deadline and the
alerts of 100,000 people without running the rule engine for everyone).

Self-contained: if another revision lands first, renumber this one (``revision`` and ``down_revision``).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-11
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

#: The tables the deadline facts are read from (``app.services.people.alerts._read_tables``), each with its
#: ``person_id`` column. Frozen here: a later revision that adds a fact table adds its triggers.
FACT_TABLES = (
    "orientation",
    "referent_assignment",
    "appointment",
    "parcours",
    "exit_record",
    "prescription",
    "contract",
    "diagnostic_version",
    "bilan",
    "joint_review",
    "ep_referral",
    "ep_case",
)
#: Covering indexes for the joins person → deadline_state (the late count, the alerts, the stale people): the
#: one on person is client-only (not in the shared table model).
PERSON_SCOPE_INDEX = "ix_person_scope"
STATE_SCOPE_INDEX = "ix_deadline_state_person_next"
STATE_SCOPE_COLUMNS = ("person_id", "next_due", "rules_key", "computed_on", "stale_after")
#: Covering the urgency of everyone (one aggregate per person, in person order: no temporary sort).
ITEM_URGENCY_INDEX = "ix_deadline_item_urgency"
ITEM_URGENCY_COLUMNS = ("person_id", "due_date", "local_target")
#: The person's own columns the facts use (an edited phone number does not touch the deadlines).
PERSON_FACT_COLUMNS = ("regime", "status", "referent_id", "rsa_entry_date", "last_contact_date", "deleted_at")


def _triggers() -> list[tuple[str, str]]:
    forget = "DELETE FROM deadline_state WHERE person_id = {who};"
    out = []
    for table in FACT_TABLES:
        out += [
            (
                f"trg_deadline_{table}_ins",
                f"AFTER INSERT ON {table} BEGIN {forget.format(who='NEW.person_id')} END",
            ),
            (
                f"trg_deadline_{table}_upd",
                f"AFTER UPDATE ON {table} BEGIN {forget.format(who='NEW.person_id')} "
                f"{forget.format(who='OLD.person_id')} END",
            ),
            (
                f"trg_deadline_{table}_del",
                f"AFTER DELETE ON {table} BEGIN {forget.format(who='OLD.person_id')} END",
            ),
        ]
    columns = ", ".join(PERSON_FACT_COLUMNS)
    out += [
        (
            "trg_deadline_person_upd",
            f"AFTER UPDATE OF {columns} ON person BEGIN {forget.format(who='NEW.id')} END",
        ),
        (
            "trg_deadline_person_del",
            f"AFTER DELETE ON person BEGIN {forget.format(who='OLD.id')} "
            "DELETE FROM deadline_item WHERE person_id = OLD.id; END",
        ),
    ]
    return out


def upgrade() -> None:
    op.create_table(
        "deadline_state",
        sa.Column("person_id", sa.String(length=36), nullable=False),
        sa.Column("rules_key", sa.String(length=64), nullable=False),
        sa.Column("computed_on", sa.Date(), nullable=False),
        sa.Column("stale_after", sa.Date(), nullable=True),
        sa.Column("next_due", sa.Date(), nullable=True),
        sa.Column("next_rule", sa.String(length=60), nullable=False),
        sa.PrimaryKeyConstraint("person_id", name=op.f("pk_deadline_state")),
    )
    with op.batch_alter_table("deadline_state", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_deadline_state_next_due"), ["next_due"], unique=False)
        batch_op.create_index(STATE_SCOPE_INDEX, [*STATE_SCOPE_COLUMNS], unique=False)
    # Covering indexes for the scope joins of the late count and the alerts (person → state): the wide person
    # rows are not read (100,000 people: 1.7 s → 0.05 s of CPU). Client-only, like the store.
    op.create_index(PERSON_SCOPE_INDEX, "person", ["id", "status", "deleted_at", "referent_id"], unique=False)
    op.create_table(
        "deadline_item",
        sa.Column("person_id", sa.String(length=36), nullable=False),
        sa.Column("rule_id", sa.String(length=60), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("alert_from", sa.Date(), nullable=False),
        sa.Column("local_target", sa.Boolean(), nullable=False),
        sa.Column("from_event", sa.String(length=80), nullable=False),
        sa.Column("from_date", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("person_id", "rule_id", name=op.f("pk_deadline_item")),
    )
    with op.batch_alter_table("deadline_item", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_deadline_item_alert_from"), ["alert_from"], unique=False)
        batch_op.create_index(ITEM_URGENCY_INDEX, [*ITEM_URGENCY_COLUMNS], unique=False)
    for name, body in _triggers():
        op.execute(f"CREATE TRIGGER {name} {body}")


def downgrade() -> None:
    for name, _body in _triggers():
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    with op.batch_alter_table("deadline_item", schema=None) as batch_op:
        batch_op.drop_index(ITEM_URGENCY_INDEX)
        batch_op.drop_index(batch_op.f("ix_deadline_item_alert_from"))
    op.drop_table("deadline_item")
    op.drop_index(PERSON_SCOPE_INDEX, table_name="person")
    with op.batch_alter_table("deadline_state", schema=None) as batch_op:
        batch_op.drop_index(STATE_SCOPE_INDEX)
        batch_op.drop_index(batch_op.f("ix_deadline_state_next_due"))
    op.drop_table("deadline_state")
