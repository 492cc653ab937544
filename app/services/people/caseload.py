"""Read side of the caseload ("Ma file active") and of the person page. Returns frozen dataclasses only.

List flow (a lazy table model, like Anki's browser): :class:`CaseloadIndex` answers "which ids, in which
order, for this search and sort" from a compact in-memory index (built once per data version, so searching
100,000 people stays under a frame or two); :func:`fetch_rows` then loads only the rows on screen, by pages.
Whoever writes must call :meth:`CaseloadIndex.invalidate` (the UI's database worker does it after any write
job). The person page reads live in :mod:`app.services.casefile.overview`.

Deadlines come from the rule engine, kept in the vault per person (:mod:`app.services.people.stored_deadlines`):
each row shows the deadline to act on first (:mod:`app.models.rules.urgency`), and the list sorts by urgency by
default. Should the rule file be unusable, the column falls back to the earliest *known* dated item (next
planned appointment, end of the current contract), and a warning is logged. Nothing is invented.

The scope: ``CaseloadQuery.referent_id`` set (« Mes personnes ») keeps the people of that référent and those
without one; None (« Tous les référents ») keeps everyone the device holds.
"""

from __future__ import annotations

import logging
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import accumulate
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from app.models.enums import PersonStatus
from app.models.errors import FilRougeError
from app.models.rules.urgency import Grade
from app.models.tables.people import Orientation, Person, Referent
from app.models.text import fold, fold_column
from app.services.people import activity, deadline_journal, stored_deadlines
from app.services.people.activity import ContractSummary
from app.services.people.deadlines import Deadline, current_tracks, next_deadlines
from app.services.people.filters import filter_ids
from app.services.people.labels import (
    REGIME_SHORT,
    TRACK_LABELS,
    TRACK_SHORT,
    label,
)
from app.services.storage.db import Database

log = logging.getLogger(__name__)

SORT_KEYS = (
    "urgency",
    "name",
    "next_rdv",
    "contract",
    "last_contact",
    "first_name",
    "caf_number",
    "city",
    "track",
    "regime",
    "referent",
)
PAGE_SIZE = 100


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
    next_due: Deadline | None  # the deadline to act on first
    last_contact: date | None
    referent_id: str | None = None
    next_rdv: datetime | None = None
    contract: ContractSummary | None = None

    @property
    def display_name(self) -> str:
        """« ARNAUD Awa »."""
        return f"{self.last_name.upper()} {self.first_name}"

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
    sort: str = "urgency"
    descending: bool = False
    include_exited: bool = False
    filters: Any = None  # app.services.people.filters.CaseloadFilters (filter bar), None: no filter
    #: « Mes personnes »: this référent's people and those without one. None: everyone (« Tous les référents »).
    referent_id: str | None = None


# --- deadlines ----------------------------------------------------------------------------------------


# --- list rows ------------------------------------------------------------------------------------------


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
            Person.referent_id,
        )
        .outerjoin(Referent, Referent.id == Person.referent_id)
        .where(Person.deleted_at.is_(None))
    )
    if not include_exited:
        q = q.where(Person.status == PersonStatus.ACTIVE)
    return q


def _load_rows(
    db: Database, person_ids: Sequence[str], include_exited: bool, *, known: dict[str, Deadline] | None = None
) -> list[CaseloadRow]:
    today = date.today()
    with db.read() as s:
        raw = s.execute(_base_rows(include_exited).where(Person.id.in_(person_ids))).all()
        tracks = current_tracks(s, person_ids)
        rdvs = activity.next_rdvs(s, person_ids, today)
        contracts = activity.contracts(s, person_ids)
    dues = known if known is not None else next_deadlines(db, person_ids)
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
            referent_id=r[10],
            next_rdv=rdvs.get(r[0]),
            contract=contracts.get(r[0]),
        )
        for r in raw
    ]


def fetch_rows(
    db: Database, ids: Sequence[str], dues: dict[str, Deadline] | None = None
) -> list[CaseloadRow]:
    """The rows for ``ids``, in the same order (ids no longer present are skipped), each with the deadline to
    act on first (``dues`` when given, else read from the deadlines kept in the vault), its next RDV and
    contract."""
    found: dict[str, CaseloadRow] = {}
    for start in range(0, len(ids), 500):
        chunk = list(ids[start : start + 500])
        found.update((r.id, r) for r in _load_rows(db, chunk, include_exited=True, known=dues))
    return [found[i] for i in ids if i in found]


# --- the in-memory index --------------------------------------------------------------------------------

_FAR = "9999-12-31"
_SEP = (
    "\x01"  # below every printable character: "dupont\x01…" sorts before "dupont-martin\x01…", as tuples do
)
#: Up to this many people, the deadlines kept in the vault are brought up to date before the list sorts by
#: urgency (at once: a few hundred milliseconds at most); above it (stress sizes, a first start computing them
#: all), the sort uses what is already computed — the others come last until the window has computed them in
#: the background, then the list is sorted again.
EAGER_DEADLINES_MAX = 2000
#: A search term found on more than 1/16 of the rows is matched by a scan of the lines instead of ``find``.
_FIND_SHARE = 16
#: Sort key of the people whose deadlines are not computed yet (after every grade).
_UNKNOWN_GRADE = "8"


def _raw_rows(s: Session, q: Select) -> list[tuple[Any, ...]]:  # type: ignore[type-arg]
    """Plain DB-API tuples for ``q`` (no SQLAlchemy row or type processing: dates stay ISO strings). The
    statement only holds literals of this module (enum values), rendered inline."""
    sql = str(q.compile(dialect=s.get_bind().dialect, compile_kwargs={"literal_binds": True}))
    cursor = s.connection().connection.cursor()
    try:
        cursor.execute(sql)
        return list(cursor.fetchall())
    finally:
        cursor.close()


@dataclass
class _Part:
    """The index of one population (active caseload, or everyone including the people who left).

    Columns are parallel lists (row ``i`` of each). Search runs on ``blob``, the folded searchable text of
    every row joined by newlines (``starts[i]``: offset of row ``i``), so a rare term costs one C-level
    ``str.find`` per hit. Sort orders are built on first use, as lists of row numbers."""

    ids: list[str]
    columns: dict[str, list[Any]]
    lines: list[str]
    blob: str
    starts: list[int]
    orders: dict[str, list[int]] = field(default_factory=dict)
    ranks: dict[str, list[int]] = field(default_factory=dict)

    def match(self, term: str) -> list[int]:
        """Row numbers (ascending) whose searchable text contains ``term`` (already folded, no newline)."""
        starts, find = self.starts, self.blob.find
        limit = len(starts) // _FIND_SHARE + 8
        hits: list[int] = []
        pos = find(term)
        while pos >= 0:
            row = bisect_right(starts, pos) - 1
            hits.append(row)
            if len(hits) > limit:  # a common term: one pass over the lines is cheaper than many finds
                return [i for i, line in enumerate(self.lines) if term in line]
            nxt = row + 1
            pos = find(term, starts[nxt]) if nxt < len(starts) else -1
        return hits


def _build_part(db: Database, include_exited: bool) -> _Part:
    with db.read() as s:
        raw = _raw_rows(s, _base_rows(include_exited))
        ordered = select(Orientation.person_id, Orientation.track).where(Orientation.deleted_at.is_(None))
        ordered = ordered.order_by(Orientation.decision_date, Orientation.created_at)
        tracks = dict(_raw_rows(s, ordered))  # later decisions overwrite earlier ones
    cols = list(zip(*raw, strict=True)) if raw else [()] * 11
    ids = list(cols[0])
    last, first, birth, city = (fold_column(cols[i]) for i in (1, 2, 9, 4))
    caf = [c or "" for c in cols[3]]
    names = [f"{a}{_SEP}{b}{_SEP}{c}" for a, b, c in zip(last, first, ids, strict=True)]
    lines = [f"{a} {b} {c} {d} {e}" for a, b, c, d, e in zip(last, birth, first, caf, city, strict=True)]
    starts = [0, *accumulate(len(line) + 1 for line in lines)][:-1] if lines else []
    columns: dict[str, list[Any]] = {
        "name": names,
        "first": first,
        "caf": caf,
        "city": city,
        "regime": list(cols[5]),
        "ref_last": list(cols[6]),
        "ref_first": list(cols[7]),
        "last_contact": list(cols[8]),
        "referent_id": list(cols[10]),
        "track": [tracks.get(i, "") for i in ids],
    }
    return _Part(ids, columns, lines, "\n".join(lines), starts)


#: Beyond this many people recomputed since the urgency map was made, it is read again whole.
PATCH_MAX = 5_000


class CaseloadIndex:
    """Ordered ids for a search and a sort, answered from memory; rebuilt lazily after :meth:`invalidate`."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._parts: dict[bool, _Part] = {}
        self._urgency: dict[str, tuple[Grade, date]] | None = None
        #: The day the urgency map was made for, the deadline store's generation it has seen, and whether a write
        #: happened since (the store may have people to recompute).
        self._urgency_day: date | None = None
        self._urgency_seen = 0
        self._written = False

    def invalidate(self) -> None:
        """A write happened: the rows are read again at the next query; the urgency map is kept and patched
        with the people whose deadlines were recomputed since (at 100,000 people, reading everyone's again
        cost most of a second after each write)."""
        self._parts.clear()
        self._written = True

    def is_built(self, include_exited: bool = False) -> bool:
        """Whether :meth:`ids` answers from memory right away (else its first call builds the index)."""
        return include_exited in self._parts

    def _part(self, include_exited: bool) -> _Part:
        if include_exited not in self._parts:
            self._parts[include_exited] = _build_part(self.db, include_exited)
        return self._parts[include_exited]

    def urgency(self) -> dict[str, tuple[Grade, date]]:
        """Person → (grade of their most urgent deadline, its due date), from the deadlines kept in the vault
        (brought up to date first, except on a large caseload still being computed: see EAGER_DEADLINES_MAX)."""
        today = date.today()
        if self._urgency is not None and self._urgency_day == today:
            if self._written and self._may_refresh(today):
                stored_deadlines.refresh(self.db, today=today)  # the people the write made stale
            self._written = False
            changed = deadline_journal.recomputed_since(self.db, self._urgency_seen)
            if changed is not None and len(changed) <= PATCH_MAX:
                self._urgency_seen = deadline_journal.generation(self.db)
                if changed:
                    fresh = stored_deadlines.urgency_of(self.db, list(changed), today=today)
                    for pid in changed:
                        if pid in fresh:
                            self._urgency[pid] = fresh[pid]
                        else:
                            self._urgency.pop(pid, None)
                return self._urgency
        self._written = False
        try:
            fresh_all = self._may_refresh(today)
            seen = deadline_journal.generation(self.db)
            self._urgency = stored_deadlines.urgency_of_everyone(self.db, today=today, fresh=fresh_all)
            self._urgency_seen = (
                seen  # people recomputed by that refresh are read there (read again: harmless)
            )
            self._urgency_day = today
        except FilRougeError:  # no usable rule table: the known dates
            known = next_deadlines(self.db, None)
            self._urgency = {pid: (Grade(d.grade), d.due) for pid, d in known.items()}
            self._urgency_day = None  # computed again at the next call
        return self._urgency

    def _may_refresh(self, today: date) -> bool:
        """Whether the stale people are recomputed before the list: always on a small caseload; on a large one
        (computed in the background) only when few are stale (a write, not a first start)."""
        if self.count(True) <= EAGER_DEADLINES_MAX:
            return True
        return len(stored_deadlines.stale_ids(self.db, today)) <= PAGE_SIZE

    def late_ids(self) -> set[str]:
        """People with an overdue deadline (a legal deadline or a departmental target)."""
        return {pid for pid, (grade, _due) in self.urgency().items() if grade <= Grade.LOCAL_LATE}

    def _keys(self, part: _Part, sort: str) -> list[str]:
        c, names = part.columns, part.columns["name"]
        if sort == "name":
            return names
        if sort == "first_name":
            return [f"{a}{_SEP}{n}" for a, n in zip(c["first"], names, strict=True)]
        if sort == "urgency":
            urgency = self.urgency()
            return [
                f"{u[0]:d}{u[1].isoformat()}{_SEP}{n}"
                if (u := urgency.get(i))
                else f"{_UNKNOWN_GRADE}{_SEP}{n}"
                for i, n in zip(part.ids, names, strict=True)
            ]
        if sort in ("next_rdv", "contract"):
            with self.db.engine.connect() as conn:
                dated = (
                    activity.next_rdv_keys(conn, date.today())
                    if sort == "next_rdv"
                    else activity.contract_end_keys(conn)
                )
            return [f"{dated.get(i) or '~'}{_SEP}{n}" for i, n in zip(part.ids, names, strict=True)]
        if sort == "last_contact":
            return [f"{d or ''}{_SEP}{n}" for d, n in zip(c["last_contact"], names, strict=True)]
        if sort == "referent":
            refs = fold_column(
                [f"{f} {la}" if la else "" for f, la in zip(c["ref_first"], c["ref_last"], strict=True)]
            )
            return [f"{r or '~'}{_SEP}{n}" for r, n in zip(refs, names, strict=True)]
        if sort == "track":
            values = [label(TRACK_LABELS, t) for t in c["track"]]
        elif sort == "regime":
            values = [label(REGIME_SHORT, r) for r in c["regime"]]
        else:  # caf_number, city
            values = c["caf" if sort == "caf_number" else "city"]
        return [f"{v or '~'}{_SEP}{n}" for v, n in zip(values, names, strict=True)]

    def _order(self, part: _Part, sort: str) -> list[int]:
        if sort not in part.orders:
            keys = self._keys(part, sort)
            part.orders[sort] = sorted(range(len(keys)), key=keys.__getitem__)
        return part.orders[sort]

    def _rank(self, part: _Part, sort: str) -> list[int]:
        if sort not in part.ranks:
            rank = [0] * len(part.ids)
            for pos, row in enumerate(self._order(part, sort)):
                rank[row] = pos
            part.ranks[sort] = rank
        return part.ranks[sort]

    def _rows(self, part: _Part, query: CaseloadQuery) -> list[int] | None:
        """Row numbers kept by the search and the scope (None: every row)."""
        rows: list[int] | None = None
        for term in fold(query.search).split():
            rows = part.match(term) if rows is None else [i for i in rows if term in part.lines[i]]
            if not rows:
                return []
        if query.referent_id is not None:
            refs, mine = part.columns["referent_id"], query.referent_id
            rows = [i for i in (range(len(refs)) if rows is None else rows) if refs[i] in (mine, None)]
        return rows

    def ids(self, query: CaseloadQuery) -> list[str]:
        sort = query.sort if query.sort in SORT_KEYS else "urgency"
        part = self._part(query.include_exited)
        rows = self._rows(part, query)
        if rows == []:
            return []
        order = self._order(part, sort)
        if rows is None:
            ordered = order
        elif len(rows) * 8 < len(order):  # few hits: sort them by their rank
            ordered = sorted(rows, key=self._rank(part, sort).__getitem__)
        else:  # many hits: keep the full order, drop the others
            mask = bytearray(len(order))
            for i in rows:
                mask[i] = 1
            ordered = [i for i in order if mask[i]]
        all_ids = part.ids
        out = [all_ids[i] for i in ordered]
        if query.filters is not None and query.filters.active():
            allowed = filter_ids(self.db, query.filters, self.late_ids)
            out = [i for i in out if i in allowed]
        if query.descending:
            out.reverse()
        return out

    def count(self, include_exited: bool = False) -> int:
        """People in the list; from the database while the index is not built (no build for a count)."""
        if include_exited in self._parts:
            return len(self._parts[include_exited].ids)
        return people_count(self.db, include_exited)

    def rows(self, ids: Sequence[str]) -> list[CaseloadRow]:
        """:func:`fetch_rows`: the page's rows with their most urgent deadline, next RDV and contract."""
        return fetch_rows(self.db, ids)


def people_count(db: Database, include_exited: bool = False) -> int:
    """How many people the list holds (one SQL count)."""
    q = select(func.count()).select_from(Person).where(Person.deleted_at.is_(None))
    if not include_exited:
        q = q.where(Person.status == PersonStatus.ACTIVE)
    with db.read() as s:
        return int(s.scalar(q) or 0)


def first_rows(
    db: Database, limit: int = PAGE_SIZE, *, deadlines: bool = True, referent_id: str | None = None
) -> tuple[int, list[CaseloadRow]]:
    """The total and the first ``limit`` rows of the active caseload by name (of the scope: ``referent_id``),
    straight from SQL: what the list shows while the index is built (SQL orders by the raw name, so an
    accented initial may sit a few rows off until the index answers). ``deadlines=False``: rows without their
    deadline (faster)."""
    where = [Person.deleted_at.is_(None), Person.status == PersonStatus.ACTIVE]
    if referent_id is not None:
        where.append(or_(Person.referent_id == referent_id, Person.referent_id.is_(None)))
    q = (
        select(Person.id)
        .where(*where)
        .order_by(func.lower(Person.last_name), func.lower(Person.first_name), Person.id)
        .limit(limit)
    )
    with db.read() as s:
        ids = list(s.scalars(q))
        total = int(s.scalar(select(func.count()).select_from(Person).where(*where)) or 0)
    return total, fetch_rows(db, ids, None if deadlines else {})


def list_ids(db: Database, query: CaseloadQuery) -> list[str]:
    """One-shot ordered ids (no cache kept): for commands and tests."""
    return CaseloadIndex(db).ids(query)


def list_rows(db: Database, query: CaseloadQuery | None = None) -> list[CaseloadRow]:
    """Every row of the caseload, ordered (for the ``caseload`` command and exports)."""
    return fetch_rows(db, list_ids(db, query or CaseloadQuery()))
