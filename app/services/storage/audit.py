"""Writing the audit trail: who viewed, changed, printed or exported which file (append-only rows, synced).

The journal as the team leader reads it is :mod:`app.services.privacy.journal`.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from app.models.enums import AuditAction
from app.models.tables.base import new_id
from app.models.tables.local import AuditEvent
from app.services.storage.uow import use_case
from app.services.validation import Checker, optional_text, require_choice, require_moment, require_text


@use_case
def record_audit(
    s: Session,
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
    when = c.run("at", require_moment, at, "Date invalide.")
    c.raise_if_any()
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
