"""What the status bar and the navigation badges show: sync state, the référent signed in, and the counts of
the scope (« Mes personnes » or « Tous les référents »): people followed and people with an overdue deadline — the
same count as the Alertes page's headline."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, or_, select

from app.models.enums import PersonStatus
from app.models.errors import FilRougeError
from app.models.tables.local import Conflict, OutboxOp, SyncState
from app.models.tables.people import Person, Referent
from app.services.people import duplicates, stored_deadlines
from app.services.people.caseload import EAGER_DEADLINES_MAX, CaseloadIndex
from app.services.storage import settings
from app.services.storage.db import Database

#: ``sync_state`` key holding the server's address once the device is enrolled (app.services.sync.base.K_URL).
SERVER_URL_KEY = "server_url"
WIPED_KEY = "wiped"


@dataclass(frozen=True)
class StatusInfo:
    last_sync_at: str
    pending_changes: int
    open_conflicts: int
    referent: str
    people: int  # people of the scope's active caseload
    late: int | None  # of them, with an overdue deadline (None: still being computed on a large caseload)
    duplicates: int | None = 0  # « doublons possibles » waiting for a decision (None: not counted yet)
    referent_id: str | None = None  # the référent signed in on this device
    enrolled: bool = False  # the device is enrolled with a department server (else nothing is sent)
    mine_only: bool = True  # the counts are of « Mes personnes » (else of everyone the device holds)


def _scope_count(db: Database, referent_id: str | None) -> int:
    q = (
        select(func.count())
        .select_from(Person)
        .where(Person.deleted_at.is_(None), Person.status == PersonStatus.ACTIVE)
    )
    if referent_id is not None:
        q = q.where(or_(Person.referent_id == referent_id, Person.referent_id.is_(None)))
    with db.read() as s:
        return int(s.scalar(q) or 0)


def late_count(db: Database, referent_id: str | None, people: int) -> int | None:
    """People of the scope's active caseload with an overdue deadline, from the deadlines kept in the vault;
    None while a large caseload's are still computed for the first time (the window does it in the
    background) or without a usable rule table."""
    try:
        if (
            people > EAGER_DEADLINES_MAX
            and len(stored_deadlines.stale_ids(db, date.today())) > stored_deadlines.CHUNK
        ):
            return None
        return stored_deadlines.late_people(db, referent_id=referent_id)
    except FilRougeError:
        return None


def status_info(
    db: Database, index: CaseloadIndex | None = None, *, mine_only: bool = True, count_duplicates: bool = True
) -> StatusInfo:
    """What the status bar and the navigation badges show, for « Mes personnes » (``mine_only``, when a
    référent is signed in) or everyone. Without ``count_duplicates``, the « doublons possibles » only if already
    known (the first status after unlocking: finding the pairs of a large caseload takes seconds, and the list
    waits for this status to know whose people to show)."""
    ref_id = settings.get(db, settings.CURRENT_REFERENT_ID)
    with db.read() as s:
        last = s.scalar(select(SyncState.value).where(SyncState.key == "last_sync")) or ""
        pending = int(s.scalar(select(func.count()).select_from(OutboxOp)) or 0)
        conflicts = int(
            s.scalar(select(func.count()).select_from(Conflict).where(Conflict.resolved_at.is_(None))) or 0
        )
        ref = s.get(Referent, ref_id) if ref_id else None
        url = s.scalar(select(SyncState.value).where(SyncState.key == SERVER_URL_KEY)) or ""
        wiped = s.scalar(select(SyncState.value).where(SyncState.key == WIPED_KEY)) or ""
    scope = ref.id if ref is not None and mine_only else None
    people = _scope_count(db, scope) if scope is not None else (index or CaseloadIndex(db)).count()
    name = f"{ref.first_name} {ref.last_name}" if ref else ""
    return StatusInfo(
        last,
        pending,
        conflicts,
        name,
        people,
        late_count(db, scope, people),
        duplicates.count_open(db) if count_duplicates else duplicates.known_open_count(db),
        ref.id if ref else None,
        bool(url) and not wiped,
        scope is not None,
    )
