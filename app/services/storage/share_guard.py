"""Co-accompaniment on the device (ADR 0052): what this profile may write in a file shared with it, checked
before anything reaches the outbox — the same rule the server applies, so that a co-accompanying professional
is told at once instead of having the change refused at the next sync.

A file is *shared with this profile* when an active ``co_accompaniment`` row names the signed-in référent and the
person is not theirs. In such a file, a write access allows the records of the shared work
(:data:`app.models.coaccompaniment.SHARED_WRITABLE`), a read access nothing; the audit trail of one's own views
and prints is always allowed. The département's rules per role come from the server's last ``hello``
(``share_policy`` in ``sync_state``; the defaults before the first sync). Remote changes (sync) and the retention
purge are not checked: they are the server's own word.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from app.models.coaccompaniment import (
    SHARED_AUDIT,
    SHARED_PERSON_FIELDS,
    SHARED_WRITABLE,
    effective_access,
    parse_policy,
)
from app.models.errors import FilRougeError
from app.models.tables.base import Base, Synced
from app.models.tables.local import LocalSetting, SyncState
from app.models.tables.people import CoAccompaniment, Person

POLICY_KEY = "share_policy"
CURRENT_REFERENT_KEY = "current_referent_id"
_CACHE = "fil_rouge_shared_files"
SYNC_COLUMNS = frozenset({"id", "created_at", "updated_at", "deleted_at", "revision", "origin_device"})
#: Tables whose rows reach their person through a parent row.
_PARENTS = {
    "appointment_event": ("appointment", "appointment_id"),
    "contract_version": ("contract", "contract_id"),
    "contract_event": ("contract", "contract_id"),
    "signature": ("contract", "contract_id"),
    "contract_snapshot": ("contract", "contract_id"),
}


class SharedFileError(FilRougeError):
    default_message = "Ce dossier est partagé avec vous en co-accompagnement : cette modification reste du ressort du référent."


READ_ONLY_MESSAGE = (
    "Ce dossier est partagé avec vous en lecture seule (co-accompagnement) : vous pouvez le consulter, pas le "
    "modifier. Demandez au référent de la personne."
)


def me(session: Session) -> str | None:
    """The signed-in référent of this profile (the local setting, else the enrolled user's)."""
    setting = session.get(LocalSetting, CURRENT_REFERENT_KEY)
    if setting is not None and setting.value:
        return str(setting.value)
    user = session.execute(select(SyncState.value).where(SyncState.key == "sync_user")).scalar()
    try:
        value = json.loads(user).get("referent_id") if user else None
    except (ValueError, AttributeError):
        value = None
    return str(value) if value else None


def policy(session: Session) -> dict[str, str]:
    raw = session.execute(select(SyncState.value).where(SyncState.key == POLICY_KEY)).scalar()
    return parse_policy(raw)


def shared_with_me(session: Session) -> dict[str, str]:
    """Person → access (« lecture », « ecriture », « aucun ») of the files shared with this profile."""
    who = me(session)
    if who is None:
        return {}
    caps = policy(session)
    out: dict[str, str] = {}
    rows = session.execute(
        select(CoAccompaniment.person_id, CoAccompaniment.role, CoAccompaniment.access)
        .join(Person, Person.id == CoAccompaniment.person_id)
        .where(
            CoAccompaniment.referent_id == who,
            CoAccompaniment.deleted_at.is_(None),
            CoAccompaniment.end_date.is_(None),
            (Person.referent_id != who) | Person.referent_id.is_(None),
        )
    )
    for pid, role, access in rows:
        level = effective_access(access, role, caps)
        if out.get(pid) != "ecriture":
            out[pid] = level
    return out


def _person_of(session: Session, obj: Synced) -> str | None:
    table = type(obj).__tablename__  # type: ignore[attr-defined]
    if table == "person":
        return obj.id
    pid = getattr(obj, "person_id", None)
    if pid is not None or table not in _PARENTS:
        return pid
    parent_table, column = _PARENTS[table]
    parent_id = getattr(obj, column, None)
    if parent_id is None:
        return None
    parent = Base.metadata.tables[parent_table]
    found = session.execute(select(parent.c.person_id).where(parent.c.id == parent_id)).scalar()
    return str(found) if found else None


def _changed(obj: Synced) -> set[str]:
    """The business columns of ``obj`` changed in this flush (the sync columns left out)."""
    state = inspect(obj)
    return {a.key for a in state.attrs if a.key not in SYNC_COLUMNS and a.history.has_changes()}


def refuse_writes_outside_the_share(session: Session, _flush_context: Any, _instances: Any) -> None:
    """``before_flush`` hook: a change of a file shared with this profile that the share does not allow
    raises :class:`SharedFileError` (the whole unit of work is rolled back; nothing reaches the outbox)."""
    if session.info.get("remote_apply") or session.info.get("purging"):
        return
    changed = [o for o in (*session.new, *session.dirty) if isinstance(o, Synced)]
    if not changed:
        return
    shared = session.info.get(_CACHE)
    if shared is None:
        with session.no_autoflush:
            shared = session.info[_CACHE] = shared_with_me(session)
    if not shared:
        return
    for obj in changed:
        table = type(obj).__tablename__  # type: ignore[attr-defined]
        if table in SHARED_AUDIT:
            continue
        with session.no_autoflush:
            access = shared.get(_person_of(session, obj) or "")
        if access is None:
            continue
        if access != "ecriture":
            raise SharedFileError(READ_ONLY_MESSAGE)
        if table == "person" and obj not in session.new and _changed(obj) <= SHARED_PERSON_FIELDS:
            continue  # the last contact's date a note or an RDV honoured moves forward
        if table not in SHARED_WRITABLE:
            raise SharedFileError()
