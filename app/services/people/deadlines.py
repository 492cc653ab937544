"""Each person's next due item for the caseload list: from the rule engine (:mod:`.alerts`), or from the
known dates when the rule table cannot be loaded; « en retard / bientôt / à faire »."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models.enums import AppointmentStatus
from app.models.errors import FilRougeError
from app.models.rules.engine import LEGAL_DEADLINE_LABEL, LOCAL_TARGET_LABEL
from app.models.tables.contracts import Contract
from app.models.tables.followup import Appointment
from app.models.tables.people import Orientation
from app.services.people.labels import LIVE_CONTRACT
from app.services.storage import settings
from app.services.storage.db import Database

log = logging.getLogger(__name__)


class DueState(StrEnum):
    LATE = "en_retard"
    SOON = "bientot"
    TODO = "a_faire"


DUE_STATE_LABELS = {DueState.LATE: "En retard", DueState.SOON: "Bientôt", DueState.TODO: "À faire"}


@dataclass(frozen=True)
class Deadline:
    label: str
    due: date
    state: DueState
    rule_id: str = ""
    legal_basis: str = ""
    local_target: bool = False  # an « objectif départemental », not a legal deadline
    grade: int = 4  # app.models.rules.urgency.Grade as of the day it was read (4: « à venir »)

    @property
    def state_label(self) -> str:
        return DUE_STATE_LABELS[self.state]

    @property
    def nature_label(self) -> str:
        return LOCAL_TARGET_LABEL if self.local_target else LEGAL_DEADLINE_LABEL

    def days_late(self, today: date | None = None) -> int:
        """Days past the due date (0 when not overdue)."""
        return max(0, ((today or date.today()) - self.due).days)


def _state(due: date, today: date, soon_days: int) -> DueState:
    if due < today:
        return DueState.LATE
    return DueState.SOON if due <= today + timedelta(days=soon_days) else DueState.TODO


def known_deadlines(
    s: Session, person_ids: Sequence[str] | None, today: date, soon_days: int
) -> dict[str, Deadline]:
    """Earliest known dated item per person: planned appointment or end of the live contract."""
    rdv = select(Appointment.person_id, func.min(Appointment.starts_at)).where(
        Appointment.status == AppointmentStatus.PLANNED,
        Appointment.deleted_at.is_(None),
        Appointment.person_id.is_not(None),
    )
    ends = select(Contract.person_id, func.min(Contract.end_date)).where(
        Contract.status.in_(LIVE_CONTRACT), Contract.deleted_at.is_(None), Contract.end_date.is_not(None)
    )
    if person_ids is not None:
        rdv = rdv.where(Appointment.person_id.in_(person_ids))
        ends = ends.where(Contract.person_id.in_(person_ids))
    out: dict[str, Deadline] = {}
    for pid, starts in s.execute(rdv.group_by(Appointment.person_id)):
        if pid is None or starts is None:
            continue
        when = starts.date() if isinstance(starts, datetime) else starts
        text = "Rendez-vous à clôturer" if when < today else "Rendez-vous prévu"
        out[pid] = Deadline(text, when, _state(when, today, soon_days), grade=_grade(when, today))
    for pid, end in s.execute(ends.group_by(Contract.person_id)):
        if end is None:
            continue
        if pid not in out or end < out[pid].due:
            out[pid] = Deadline(
                "Fin de contrat", end, _state(end, today, soon_days), grade=_grade(end, today)
            )
    return out


def _grade(due: date, today: date) -> int:
    from app.models.rules.urgency import grade_of

    return int(grade_of(due, False, today))


def _caseload_deadline(d: Any, today: date) -> Deadline:
    from app.models.rules.urgency import grade, is_local

    return Deadline(
        d.label, d.due_date, DueState(d.state), d.rule_id, d.legal_basis, is_local(d), int(grade(d, today))
    )


def person_deadlines(db: Database, person_ids: Sequence[str] | None) -> dict[str, list[Deadline]] | None:
    """Every open deadline per person from the rule engine, earliest first; None when it is unavailable.

    Read from the deadlines kept in the vault (:mod:`.stored_deadlines`), recomputed first for the people
    whose facts changed."""
    from app.services.people import stored_deadlines

    today = date.today()
    try:
        found = stored_deadlines.deadlines_of(db, person_ids, today=today)
    except FilRougeError as exc:
        log.warning("rule engine unavailable (%s): known dates used instead", type(exc).__name__)
        return None
    return {pid: [_caseload_deadline(d, today) for d in items] for pid, items in found.items()}


def next_deadlines(db: Database, person_ids: Sequence[str] | None) -> dict[str, Deadline]:
    """The deadline to act on first, per person (:func:`app.models.rules.urgency.most_urgent`: a legal deadline
    past, then a departmental target past, then the earliest): from the rule engine, else from known dates."""
    from app.models.rules.urgency import most_urgent
    from app.services.people import stored_deadlines

    today = date.today()
    try:
        found = stored_deadlines.deadlines_of(db, person_ids, today=today)
        return {
            pid: _caseload_deadline(first, today)
            for pid, items in found.items()
            if (first := most_urgent(items, today)) is not None
        }
    except FilRougeError as exc:
        log.warning("rule engine unavailable (%s): known dates used instead", type(exc).__name__)
    soon = int(settings.get(db, settings.SOON_DAYS))
    with db.read() as s:
        return known_deadlines(s, person_ids, today, soon)


def current_tracks(s: Session, person_ids: Sequence[str] | None) -> dict[str, str]:
    q = select(Orientation.person_id, Orientation.track).where(Orientation.deleted_at.is_(None))
    if person_ids is not None:
        q = q.where(Orientation.person_id.in_(person_ids))
    q = q.order_by(Orientation.decision_date, Orientation.created_at)
    return dict(s.execute(q).all())  # later decisions overwrite earlier ones
