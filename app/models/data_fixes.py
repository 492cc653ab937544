"""Data changes that the client migrations and the server migrations both apply, in one definition: every side
makes exactly the same rows (ids derived from the data), so the devices and the server still agree.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa

#: Exit reasons retired by the law of 2027 (a sanction or a refusal to engage is not an exit: CASF L.262-37).
RETIRED_EXIT_REASONS = ("radiation_suspension", "refus")
#: Namespace of the ids of the parcours reopened (client 0003, server s0006): the same id on every side.
REOPEN_NAMESPACE = uuid.UUID("8f5b3f8e-3c1e-4f4e-9a57-2027c0de0002")


def reopen_after_retired_exits(conn: sa.Connection) -> int:
    """Give back to the caseload the people whose last exit has a retired reason; returns how many."""
    rows = conn.execute(
        sa.text(
            "SELECT e.id, e.person_id, e.exit_date, e.parcours_id, e.reason FROM exit_record e "
            "JOIN person p ON p.id = e.person_id "
            "WHERE e.deleted_at IS NULL AND p.deleted_at IS NULL AND p.status = 'exited' "
            "ORDER BY e.person_id, e.exit_date, e.created_at"
        )
    ).all()
    last: dict[str, tuple[str, date | str, str | None, str]] = {}
    for exit_id, person_id, exit_date, parcours_id, reason in rows:
        last[person_id] = (exit_id, exit_date, parcours_id, reason)
    now = datetime.now(UTC).replace(tzinfo=None)
    reopened = 0
    for person_id, (exit_id, exit_date, parcours_id, reason) in last.items():
        if reason not in RETIRED_EXIT_REASONS:
            continue
        day = date.fromisoformat(exit_date[:10]) if isinstance(exit_date, str) else exit_date
        track = None
        if parcours_id:
            track = conn.execute(
                sa.text("SELECT track FROM parcours WHERE id = :id"), {"id": parcours_id}
            ).scalar()
        conn.execute(
            sa.text(
                "INSERT INTO parcours (id, person_id, start_date, end_date, track, created_at, updated_at, "
                "deleted_at, revision, origin_device) VALUES (:id, :person, :start, NULL, :track, :now, :now, "
                "NULL, 0, '')"
            ),
            {
                "id": str(uuid.uuid5(REOPEN_NAMESPACE, exit_id)),
                "person": person_id,
                "start": day + timedelta(days=1),
                "track": track or "",
                "now": now,
            },
        )
        conn.execute(sa.text("UPDATE person SET status = 'active' WHERE id = :id"), {"id": person_id})
        reopened += 1
    return reopened
