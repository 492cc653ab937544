"""Writing the audit trail: who viewed, changed, printed or exported which file (append-only rows, synced).

The journal as the team leader reads it is :mod:`app.services.privacy.journal`.
"""

from __future__ import annotations

from datetime import datetime

from app.models.enums import AuditAction
from app.models.tables.base import new_id
from app.models.tables.local import AuditEvent
from app.services.casefile.rdv import _moment
from app.services.storage.uow import (
    Checker,
    DbOrSession,
    optional_text,
    require_choice,
    require_text,
    transaction,
)


def record_audit(
    db: DbOrSession,
    *,
    actor: str,
    action: str,
    person_id: str | None = None,
    object_table: str = "",
    object_id: str = "",
    detail: str = "",
    at: datetime | None = None,
) -> str:
    """Add an audit-trail entry: who viewed, changed, printed or exported which file."""
    c = Checker()
    c.run("actor", require_text, actor, "L'auteur est obligatoire.", 80)
    c.run("action", require_choice, action, AuditAction, "Action d'audit inconnue.")
    when = c.run("at", _moment, at, "Date invalide.")
    c.raise_if_any()
    with transaction(db) as s:
        row = AuditEvent(
            id=new_id(),
            at=when,
            actor=actor,
            action=action,
            person_id=person_id,
            object_table=object_table,
            object_id=object_id,
            detail=optional_text(detail, 2000),
        )
        s.add(row)
        return row.id
