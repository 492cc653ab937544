"""What every printed document takes from the profile settings: the département's printed name and the DPO
contact. Works on a ``Database`` or inside a caller's open session (the PDF builders accept both)."""

from __future__ import annotations

from app.services.settings import store as settings
from app.services.storage.uow import DbOrSession


def department_name(db: DbOrSession) -> str:
    """« Conseil départemental de … » as set in Paramètres (the declared default otherwise)."""
    value = str(settings.get(db, settings.DEPARTMENT_NAME) or "").strip()
    return value or str(settings.DEPARTMENT_NAME.default)


def dpo_contact(db: DbOrSession) -> str:
    """How to reach the data protection officer ("" when not set: the documents say whom to ask)."""
    return str(settings.get(db, settings.DPO_CONTACT) or "").strip()
