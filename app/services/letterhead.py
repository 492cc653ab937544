"""What every printed document takes from the profile settings: the département's printed name and the DPO
contact. Works on a ``Database`` or inside a caller's open session (the PDF builders accept both)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from app.models.local import LocalSetting
from app.services import settings
from app.services._support import DbOrSession, reading


def _value(db: DbOrSession, setting: settings.Setting) -> Any:
    with reading(db) as s:
        value = s.execute(select(LocalSetting.value).where(LocalSetting.key == setting.key)).scalar()
    return setting.default if value is None else value


def department_name(db: DbOrSession) -> str:
    """« Conseil départemental de … » as set in Paramètres (the declared default otherwise)."""
    value = str(_value(db, settings.DEPARTMENT_NAME) or "").strip()
    return value or str(settings.DEPARTMENT_NAME.default)


def dpo_contact(db: DbOrSession) -> str:
    """How to reach the data protection officer ("" when not set: the documents say whom to ask)."""
    return str(_value(db, settings.DPO_CONTACT) or "").strip()
