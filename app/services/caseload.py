"""Read side of the caseload ("Ma file active") and of the person page. Returns frozen dataclasses only.

List flow (a lazy table model, like Anki's browser): :class:`CaseloadIndex` answers "which ids, in which
order, for this search and sort" from a compact in-memory index (built once per data version, so searching
100,000 people stays under a frame or two); :func:`fetch_rows` then loads only the rows on screen, by pages.
Whoever writes must call :meth:`CaseloadIndex.invalidate` (the UI's database worker does it after any write
job). The person page reads live in :mod:`app.services.person_page`.

Deadlines come from the rule engine (``app.models.rules`` through :mod:`app.services.alerts`): the next due
item of each person and its state. Should the engine be missing or its rule file unusable, the column falls
back to the earliest *known* dated item (next planned appointment, end of the current contract), and a
warning is logged. Nothing is invented.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from app.models.contracts import Contract
from app.models.enums import AppointmentStatus, ContractStatus, PersonStatus, Regime, Track
from app.models.followup import Appointment
from app.models.local import Conflict, OutboxOp, SyncState
from app.models.people import Orientation, Person, Referent
from app.services import settings
from app.services.db import Database
from app.services.errors import FilRougeError

log = logging.getLogger(__name__)

TRACK_LABELS = {Track.EMPLOI: "Emploi", Track.SOCIO_PRO: "Socio-professionnel", Track.SOCIAL: "Social"}
TRACK_SHORT = {Track.EMPLOI: "Emploi", Track.SOCIO_PRO: "Socio-pro", Track.SOCIAL: "Social"}
REGIME_LABELS = {Regime.LEGACY: "Ancien régime (CER)", Regime.PLEIN_EMPLOI: "Plein emploi (CE)"}
REGIME_SHORT = {Regime.LEGACY: "CER", Regime.PLEIN_EMPLOI: "Plein emploi"}
CONTRACT_STATUS_LABELS = {
    ContractStatus.DRAFT: "Brouillon",
    ContractStatus.SIGNED: "Signé",
    ContractStatus.VALIDATED: "Validé",
    ContractStatus.REJECTED: "Rejeté",
    ContractStatus.ACTIVE: "En cours",
    ContractStatus.ENDED: "Terminé",
    ContractStatus.TERMINATED: "Résilié",
}
LIVE_CONTRACT = (ContractStatus.SIGNED, ContractStatus.VALIDATED, ContractStatus.ACTIVE)
SORT_KEYS = (
    "name",
    "first_name",
    "caf_number",
    "city",
    "track",
    "regime",
    "referent",
    "next_due",
    "last_contact",
)
PAGE_SIZE = 100


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

    @property
    def state_label(self) -> str:
        return DUE_STATE_LABELS[self.state]


@dataclass(frozen=True)
class CaseloadRow:
    id: str
    last_name: str
    first_name: str
    caf_number: str
    city: str
    track: str
    regime: str
    referent: str
    next_due: Deadline | None
    last_contact: date | None

    @property
    def track_label(self) -> str:
        return label(TRACK_LABELS, self.track)

    @property
    def track_short(self) -> str:
        return label(TRACK_SHORT, self.track)

    @property
    def regime_label(self) -> str:
        return label(REGIME_SHORT, self.regime)


@dataclass(frozen=True)
class CaseloadQuery:
    search: str = ""
    sort: str = "name"
    descending: bool = False
    include_exited: bool = False
    filters: Any = None  # app.services.followup.CaseloadFilters (filter panel), None: no filter


def label(table: dict[Any, str], code: str | None) -> str:
    return table.get(code, code or "") if code else ""


# --- text folding for search and French ordering ------------------------------------------------------

_FOLD = str.maketrans(
    {
        **dict.fromkeys("àâäáãå", "a"),
        "ç": "c",
        **dict.fromkeys("éèêë", "e"),
        **dict.fromkeys("îïíì", "i"),
        **dict.fromkeys("ôöóòõ", "o"),
        **dict.fromkeys("ùûüú", "u"),
        "ÿ": "y",
        "ñ": "n",
        "œ": "oe",
        "æ": "ae",
        "’": "'",
    }
)


def fold(text: str | None) -> str:
    """Lower case without accents: « Hélène Lefèvre » → « helene lefevre » (search and sort key)."""
    return (text or "").lower().translate(_FOLD)


# --- deadlines ----------------------------------------------------------------------------------------


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
        out[pid] = Deadline(text, when, _state(when, today, soon_days))
    for pid, end in s.execute(ends.group_by(Contract.person_id)):
        if end is None:
            continue
        if pid not in out or end < out[pid].due:
            out[pid] = Deadline("Fin de contrat", end, _state(end, today, soon_days))
    return out


_RULES: dict[str, Any] = {}


def person_deadlines(db: Database, person_ids: Sequence[str] | None) -> dict[str, list[Deadline]] | None:
    """Every open deadline per person from the rule engine, earliest first; None when it is unavailable."""
    try:
        from app.services import alerts
    except ImportError:
        return None
    try:
        if "rules" not in _RULES:
            _RULES["rules"] = alerts.load_rules_or_fail()
        result = alerts.caseload_deadlines(db, date.today(), _RULES["rules"], person_ids)
    except FilRougeError as exc:
        log.warning("rule engine unavailable (%s): known dates used instead", type(exc).__name__)
        return None
    out: dict[str, list[Deadline]] = {}
    for d in result.deadlines:  # ordered by due date
        out.setdefault(d.person_id, []).append(
            Deadline(d.label, d.due_date, DueState(d.state), d.rule_id, d.legal_basis)
        )
    return out


def next_deadlines(db: Database, person_ids: Sequence[str] | None) -> dict[str, Deadline]:
    """The next due item per person: from the rule engine, else from known dates (see module doc)."""
    by_rule = person_deadlines(db, person_ids)
    if by_rule is not None:
        return {pid: items[0] for pid, items in by_rule.items() if items}
    soon = int(settings.get(db, settings.SOON_DAYS))
    with db.read() as s:
        return known_deadlines(s, person_ids, date.today(), soon)


# --- list rows ------------------------------------------------------------------------------------------


def current_tracks(s: Session, person_ids: Sequence[str] | None) -> dict[str, str]:
    q = select(Orientation.person_id, Orientation.track).where(Orientation.deleted_at.is_(None))
    if person_ids is not None:
        q = q.where(Orientation.person_id.in_(person_ids))
    q = q.order_by(Orientation.decision_date, Orientation.created_at)
    return dict(s.execute(q).all())  # later decisions overwrite earlier ones


def _base_rows(include_exited: bool) -> Select:  # type: ignore[type-arg]
    q = (
        select(
            Person.id,
            Person.last_name,
            Person.first_name,
            Person.caf_number,
            Person.city,
            Person.regime,
            Referent.last_name,
            Referent.first_name,
            Person.last_contact_date,
            Person.birth_name,
        )
        .outerjoin(Referent, Referent.id == Person.referent_id)
        .where(Person.deleted_at.is_(None))
    )
    if not include_exited:
        q = q.where(Person.status == PersonStatus.ACTIVE)
    return q


def _load_rows(
    db: Database,
    person_ids: Sequence[str] | None,
    include_exited: bool,
    *,
    deadlines: bool = True,
    known: dict[str, Deadline] | None = None,
) -> list[CaseloadRow]:
    with db.read() as s:
        q = _base_rows(include_exited)
        if person_ids is not None:
            q = q.where(Person.id.in_(person_ids))
        raw = s.execute(q).all()
        tracks = current_tracks(s, person_ids)
    dues = known if known is not None else (next_deadlines(db, person_ids) if deadlines else {})
    return [
        CaseloadRow(
            id=r[0],
            last_name=r[1],
            first_name=r[2],
            caf_number=r[3] or "",
            city=r[4] or "",
            track=tracks.get(r[0], ""),
            regime=r[5] or "",
            referent=f"{r[7]} {r[6]}" if r[6] else "",
            next_due=dues.get(r[0]),
            last_contact=r[8],
        )
        for r in raw
    ]


def fetch_rows(
    db: Database, ids: Sequence[str], dues: dict[str, Deadline] | None = None
) -> list[CaseloadRow]:
    """The rows for ``ids``, in the same order (ids no longer present are skipped). ``dues``: next
    deadlines already computed (by the index), else they are computed for these ids."""
    found: dict[str, CaseloadRow] = {}
    for start in range(0, len(ids), 500):
        chunk = list(ids[start : start + 500])
        found.update((r.id, r) for r in _load_rows(db, chunk, include_exited=True, known=dues))
    return [found[i] for i in ids if i in found]


# --- the in-memory index --------------------------------------------------------------------------------

_FAR = "9999-12-31"
#: Up to this many people, deadlines are computed with the index (sort by deadline and the late count are
#: then instant); above it (stress sizes), only when the list is sorted by deadline.
EAGER_DEADLINES_MAX = 2000


@dataclass
class _Entry:
    id: str
    haystack: str
    keys: dict[str, Any] = field(default_factory=dict)


def _entry(row: CaseloadRow, birth_name: str) -> _Entry:
    name = (fold(row.last_name), fold(row.first_name), row.id)
    keys = {
        "name": name,
        "first_name": (fold(row.first_name), *name),
        "caf_number": (row.caf_number or "~", *name),
        "city": (fold(row.city) or "~", *name),
        "track": (row.track_label or "~", *name),
        "regime": (row.regime_label or "~", *name),
        "referent": (fold(row.referent) or "~", *name),
        "last_contact": (row.last_contact.isoformat() if row.last_contact else "", *name),
    }
    hay = " ".join(
        (fold(row.last_name), fold(birth_name), fold(row.first_name), row.caf_number, fold(row.city))
    )
    return _Entry(row.id, hay, keys)


class CaseloadIndex:
    """Ordered ids for a search and a sort, answered from memory; rebuilt lazily after :meth:`invalidate`."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._entries: dict[bool, list[_Entry]] = {}
        self._orders: dict[tuple[bool, str], list[_Entry]] = {}
        self._dues: dict[str, Deadline] | None = None

    def invalidate(self) -> None:
        self._entries.clear()
        self._orders.clear()
        self._dues = None

    def _all(self, include_exited: bool) -> list[_Entry]:
        if include_exited not in self._entries:
            with self.db.read() as s:
                q = select(Person.id, Person.birth_name).where(Person.deleted_at.is_(None))
                births = dict(s.execute(q).all())
            rows = _load_rows(self.db, None, include_exited, deadlines=False)
            self._entries[include_exited] = [_entry(r, births.get(r.id, "")) for r in rows]
            if len(rows) <= EAGER_DEADLINES_MAX:
                self._deadlines()
        return self._entries[include_exited]

    def _deadlines(self) -> dict[str, Deadline]:
        if self._dues is None:
            self._dues = next_deadlines(self.db, None)
        return self._dues

    def _sort_key(self, sort: str) -> Any:
        if sort != "next_due":
            return lambda e: e.keys[sort]
        dues = self._deadlines()

        def key(e: _Entry) -> tuple[Any, ...]:
            due = dues.get(e.id)
            return (due.due.isoformat() if due else _FAR, *e.keys["name"])

        return key

    def ids(self, query: CaseloadQuery) -> list[str]:
        sort = query.sort if query.sort in SORT_KEYS else "name"
        key = (query.include_exited, sort)
        if key not in self._orders:
            self._orders[key] = sorted(self._all(query.include_exited), key=self._sort_key(sort))
        ordered = self._orders[key]
        if query.filters is not None and query.filters.active():
            from app.services.followup import filter_ids

            allowed = filter_ids(self.db, query.filters, self._deadlines)
            ordered = [e for e in ordered if e.id in allowed]
        terms = fold(query.search).split()
        for term in terms:  # one pass per term: no per-row generator (100,000 rows)
            ordered = [e for e in ordered if term in e.haystack]
        out = [e.id for e in ordered]
        if query.descending:
            out.reverse()
        return out

    def count(self, include_exited: bool = False) -> int:
        return len(self._all(include_exited))

    def rows(self, ids: Sequence[str]) -> list[CaseloadRow]:
        """:func:`fetch_rows`, reusing the deadlines the index already computed."""
        return fetch_rows(self.db, ids, self._dues)

    def late_count(self) -> int | None:
        """People of the active caseload whose next deadline is past (None: not computed at this size)."""
        entries = self._all(False)
        if self._dues is None:
            return None
        return sum(1 for e in entries if (d := self._dues.get(e.id)) and d.state == DueState.LATE)


def list_ids(db: Database, query: CaseloadQuery) -> list[str]:
    """One-shot ordered ids (no cache kept): for commands and tests."""
    return CaseloadIndex(db).ids(query)


def list_rows(db: Database, query: CaseloadQuery | None = None) -> list[CaseloadRow]:
    """Every row of the caseload, ordered (for the ``caseload`` command and exports)."""
    return fetch_rows(db, list_ids(db, query or CaseloadQuery()))


# --- status bar and navigation badges -----------------------------------------------------------------


@dataclass(frozen=True)
class StatusInfo:
    last_sync_at: str
    pending_changes: int
    open_conflicts: int
    referent: str
    people: int
    late: int | None


def status_info(db: Database, index: CaseloadIndex | None = None) -> StatusInfo:
    """What the status bar and the navigation badges show."""
    ref_id = settings.get(db, settings.CURRENT_REFERENT_ID)
    with db.read() as s:
        last = s.scalar(select(SyncState.value).where(SyncState.key == "last_sync")) or ""
        pending = int(s.scalar(select(func.count()).select_from(OutboxOp)) or 0)
        conflicts = int(
            s.scalar(select(func.count()).select_from(Conflict).where(Conflict.resolved_at.is_(None))) or 0
        )
        ref = s.get(Referent, ref_id) if ref_id else None
    index = index or CaseloadIndex(db)
    name = f"{ref.first_name} {ref.last_name}" if ref else ""
    return StatusInfo(last, pending, conflicts, name, index.count(), index.late_count())
