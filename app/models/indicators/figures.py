"""Indicators (DOMAIN.md, "Indicators"): the figures of a period, written once as SQLAlchemy Core queries.

The same builders run on the client vault (SQLCipher, ``Base.metadata.tables``) and on the département server
(PostgreSQL or SQLite, ``server.store.tables.BUSINESS``): the server's business tables are column-for-column copies of
the client's. Every figure is computed in SQL (aggregates, window functions for medians); Python only turns
the few aggregate rows into :class:`Figure` / :class:`Breakdown` values. Definitions: ``docs/indicators.md``.

Each figure reads one *population* (a ``SELECT`` with the same columns for all: ``row_id``, ``person_id``,
``day``, ``at``, ``value``, ``hit``, ``applies``, ``code``, ``code2``); its value is an aggregate over the
population and the people behind it are the population's rows filtered the same way, so the count of a figure
and the length of its list always agree.

No database is opened here: :func:`run_report` and :func:`people_rows` are given an ``execute`` callable
(a session's or a connection's ``execute``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Date,
    DateTime,
    Integer,
    Select,
    String,
    Table,
    and_,
    case,
    cast,
    exists,
    extract,
    false,
    func,
    literal,
    null,
    or_,
    select,
    true,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from app.models.enums import AppointmentStatus, ContractStatus
from app.models.french import MONTHS_FR
from app.models.rules.types import PICK_FIRST, REGIME_BOTH, Duration, RuleSet
from app.models.vocabularies.loader import Vocabularies

Tables = Mapping[str, Table]
Execute = Callable[[Any], Any]

# --- periods --------------------------------------------------------------------------------------------

PERIOD_KINDS = ("month", "quarter", "year")
PERIOD_HINT = "attendu : 2026-10 (mois), 2026-T4 (trimestre) ou 2026 (année)"
_MONTH_RE = re.compile(r"^(\d{4})-(\d{1,2})$")
_QUARTER_RE = re.compile(r"^(\d{4})-?[TtQq]([1-4])$")
_YEAR_RE = re.compile(r"^(\d{4})$")


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class Period:
    """A reporting period ``[start, end)``: a calendar month, quarter or year (``end`` is exclusive)."""

    kind: str  # "month" | "quarter" | "year"
    start: date
    end: date

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        start = date(year, month, 1)
        return cls("month", start, _add_months(start, 1))

    @classmethod
    def quarter(cls, year: int, quarter: int) -> Period:
        start = date(year, 3 * (quarter - 1) + 1, 1)
        return cls("quarter", start, _add_months(start, 3))

    @classmethod
    def year(cls, year: int) -> Period:
        return cls("year", date(year, 1, 1), date(year + 1, 1, 1))

    @classmethod
    def containing(cls, day: date, kind: str = "month") -> Period:
        if kind == "quarter":
            return cls.quarter(day.year, (day.month - 1) // 3 + 1)
        if kind == "year":
            return cls.year(day.year)
        return cls.month(day.year, day.month)

    @property
    def last_day(self) -> date:
        return self.end - timedelta(days=1)

    @property
    def code(self) -> str:
        """The text :func:`parse_period` reads back: ``2026-10``, ``2026-T4``, ``2026``."""
        if self.kind == "month":
            return f"{self.start.year}-{self.start.month:02d}"
        if self.kind == "quarter":
            return f"{self.start.year}-T{(self.start.month - 1) // 3 + 1}"
        return str(self.start.year)

    @property
    def label(self) -> str:
        """« octobre 2026 », « 4e trimestre 2026 », « année 2026 »."""
        if self.kind == "month":
            return f"{MONTHS_FR[self.start.month - 1]} {self.start.year}"
        if self.kind == "quarter":
            q = (self.start.month - 1) // 3 + 1
            return f"{'1er' if q == 1 else f'{q}e'} trimestre {self.start.year}"
        return f"année {self.start.year}"

    def previous(self) -> Period:
        if self.kind == "month":
            return Period.containing(_add_months(self.start, -1), "month")
        if self.kind == "quarter":
            return Period.containing(_add_months(self.start, -3), "quarter")
        return Period.year(self.start.year - 1)


def parse_period_text(text: str) -> Period:
    """``2026-10`` → month, ``2026-T4`` / ``2026-Q4`` → quarter, ``2026`` → year; ``ValueError`` (French)."""
    value = (text or "").strip()
    if m := _MONTH_RE.match(value):
        month = int(m.group(2))
        if 1 <= month <= 12:
            return Period.month(int(m.group(1)), month)
    elif m := _QUARTER_RE.match(value):
        return Period.quarter(int(m.group(1)), int(m.group(2)))
    elif m := _YEAR_RE.match(value):
        return Period.year(int(m.group(1)))
    raise ValueError(f"Période « {value} » invalide ({PERIOD_HINT}).")


# --- results --------------------------------------------------------------------------------------------

UNIT_COUNT = "nombre"
UNIT_PERCENT = "pourcentage"
UNIT_DAYS = "jours"
UNIT_MONTHS = "mois"


@dataclass(frozen=True)
class Figure:
    """One figure of the report. ``numerator``/``denominator`` give the counts behind a rate or a median."""

    key: str
    section: str
    label: str
    value: float | int | None
    unit: str  # "nombre" | "pourcentage" | "jours" | "mois"
    numerator: int | None
    denominator: int | None
    drillable: bool
    note: str = ""

    @property
    def display(self) -> str:
        """The value as printed: « 12 », « 41,7 % », « 18 jours », « 9,5 mois », « — » when undefined."""
        if self.value is None:
            return "—"
        if self.unit == UNIT_PERCENT:
            return f"{fmt_number(self.value)} %"
        if self.unit == UNIT_DAYS:
            return f"{fmt_number(self.value)} jour{'s' if self.value >= 2 else ''}"
        if self.unit == UNIT_MONTHS:
            return f"{fmt_number(self.value)} mois"
        return fmt_number(self.value)


@dataclass(frozen=True)
class Breakdown:
    """Counts by code (``rows``: code, French label, count), in vocabulary order."""

    key: str
    section: str
    label: str
    rows: list[tuple[str, str, int]]

    @property
    def total(self) -> int:
        return sum(r[2] for r in self.rows)


@dataclass(frozen=True)
class Report:
    period: Period
    scope: str
    generated_at: datetime
    figures: list[Figure]
    breakdowns: list[Breakdown]

    def figure(self, key: str) -> Figure:
        for f in self.figures:
            if f.key == key:
                return f
        raise KeyError(key)

    def breakdown(self, key: str) -> Breakdown:
        for b in self.breakdowns:
            if b.key == key:
                return b
        raise KeyError(key)

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data (counts only: no person appears in a report)."""
        return {
            "periode": {
                "code": self.period.code,
                "libelle": self.period.label,
                "type": self.period.kind,
                "debut": self.period.start.isoformat(),
                "fin_exclue": self.period.end.isoformat(),
            },
            "perimetre": self.scope,
            "genere_le": self.generated_at.isoformat(timespec="seconds"),
            "indicateurs": [
                {
                    "cle": f.key,
                    "rubrique": f.section,
                    "libelle": f.label,
                    "valeur": f.value,
                    "unite": f.unit,
                    "numerateur": f.numerator,
                    "denominateur": f.denominator,
                    "note": f.note,
                }
                for f in self.figures
            ],
            "repartitions": [
                {
                    "cle": b.key,
                    "rubrique": b.section,
                    "libelle": b.label,
                    "lignes": [{"code": c, "libelle": lab, "nombre": n} for c, lab, n in b.rows],
                }
                for b in self.breakdowns
            ],
        }


def fmt_number(value: float | int) -> str:
    """French number: thousands separated by a space, decimal comma, at most one decimal."""
    if isinstance(value, int) or float(value).is_integer():
        return f"{int(value):,}".replace(",", "\u202f")
    return f"{value:,.1f}".replace(",", "\u202f").replace(".", ",")


# --- portable SQL helpers -------------------------------------------------------------------------------


class days_between(FunctionElement[int]):
    """Whole days from ``earlier`` to ``later`` (dates or timestamps; the time of day is ignored)."""

    type = Integer()
    name = "days_between"
    inherit_cache = True


@compiles(days_between)
def _days_between_default(element: days_between, compiler: SQLCompiler, **kw: Any) -> str:
    later, earlier = list(element.clauses)
    return (
        f"(CAST({compiler.process(later, **kw)} AS DATE) - CAST({compiler.process(earlier, **kw)} AS DATE))"
    )


@compiles(days_between, "sqlite")
def _days_between_sqlite(element: days_between, compiler: SQLCompiler, **kw: Any) -> str:
    later, earlier = list(element.clauses)
    return (
        f"CAST(julianday(date({compiler.process(later, **kw)})) "
        f"- julianday(date({compiler.process(earlier, **kw)})) AS INTEGER)"
    )


class day_of(FunctionElement[date]):
    """The calendar date of a timestamp column."""

    type = Date()
    name = "day_of"
    inherit_cache = True


@compiles(day_of)
def _day_of_default(element: day_of, compiler: SQLCompiler, **kw: Any) -> str:
    (arg,) = list(element.clauses)
    return f"CAST({compiler.process(arg, **kw)} AS DATE)"


@compiles(day_of, "sqlite")
def _day_of_sqlite(element: day_of, compiler: SQLCompiler, **kw: Any) -> str:
    (arg,) = list(element.clauses)
    return f"date({compiler.process(arg, **kw)})"


def _month_index(col: ColumnElement[Any]) -> ColumnElement[int]:
    return cast(extract("year", col), Integer) * 12 + cast(extract("month", col), Integer)


def within(start: ColumnElement[Any], event: ColumnElement[Any], due: Duration) -> ColumnElement[bool]:
    """``event <= start + due`` in SQL, exactly as :meth:`Duration.add_to` (months clamp to the month end).

    Days and weeks compare a day difference. For months and years: ``event`` falls in an earlier month than
    the due month, or in the due month on a day not after ``start``'s day (which is exactly the clamped
    due date, since no day of the due month exceeds its last day).
    """
    if due.unit in ("d", "w"):
        days = due.amount * (7 if due.unit == "w" else 1)
        return days_between(event, start) <= days
    months = due.amount * (12 if due.unit == "y" else 1)
    diff = _month_index(event) - _month_index(start)
    return or_(
        diff < months,
        and_(diff == months, cast(extract("day", event), Integer) <= cast(extract("day", start), Integer)),
    )


def latest_start_reaching(day: date, due: Duration) -> date:
    """The latest date ``s`` with ``s + due <= day`` (``+`` clamps months as :meth:`Duration.add_to`)."""
    guess: date = day - due.delta()
    while due.add_to(guess) > day:
        guess -= timedelta(days=1)
    while due.add_to(guess + timedelta(days=1)) <= day:
        guess += timedelta(days=1)
    return guess


# --- targets (from the rule table) ----------------------------------------------------------------------

#: Rule events a target can start from, and the orientation column that carries each.
_ORIENTATION_EVENTS = {"orientation_decision": "decision_date", "orientation_notified": "notification_date"}


@dataclass(frozen=True)
class Target:
    """One version of a delay rule, as usable in SQL: regime, tracks, validity, starting events and delay."""

    rule_id: str
    regime: str
    tracks: tuple[str, ...] | None
    valid_from: date | None
    valid_to: date | None
    from_columns: tuple[str, ...]  # orientation columns, first known wins
    due: Duration


@dataclass(frozen=True)
class Targets:
    """The delays the indicators measure against, read from the rule table (never hard-coded)."""

    first_rdv: tuple[Target, ...]
    contract: tuple[Target, ...]
    no_prescription: Duration
    rules_version: str = ""

    def note(self, which: str) -> str:
        """« cible : 15 jours après la notification de l'orientation (à défaut, la décision) »."""
        items = self.first_rdv if which == "first_rdv" else self.contract
        if not items:
            return "aucune cible dans la table des règles"
        delays = " ou ".join(dict.fromkeys(_duration_fr(t.due) for t in items))
        starts = list(dict.fromkeys(t.from_columns for t in items))
        if len(starts) == 1:
            return f"cible : {delays} après {_from_fr(starts[0])}"
        return f"cible : {delays} après l'orientation, selon le régime et le parcours"


def _from_fr(columns: tuple[str, ...]) -> str:
    names = {"decision_date": "la décision", "notification_date": "la notification"}
    first = names[columns[0]]
    if len(columns) == 1:
        return f"{first} d'orientation"
    rest = ", ".join(names[c] for c in columns[1:])
    return f"{first} de l'orientation (à défaut, {rest})"


def _duration_fr(d: Duration) -> str:
    unit = {"d": ("jour", "jours"), "w": ("semaine", "semaines"), "m": ("mois", "mois"), "y": ("an", "ans")}
    one, many = unit[d.unit]
    return f"{d.amount} {one if abs(d.amount) < 2 else many}"


FIRST_RDV_RULES = ("first_rdv",)
CONTRACT_RULES = ("contract_pro", "contract_social", "contract_ce")
NO_PRESCRIPTION_RULE = "no_prescription"


def targets_from_rules(rules: RuleSet) -> Targets:
    """Every version of the first-RDV and first-contract rules that starts from an orientation event."""

    def collect(ids: Iterable[str]) -> tuple[Target, ...]:
        out: list[Target] = []
        for rule_id in ids:
            for rule in rules.versions_of(rule_id):
                cols = tuple(
                    _ORIENTATION_EVENTS[e.name] for e in rule.from_events if e.name in _ORIENTATION_EVENTS
                )
                if (
                    len(cols) != len(rule.from_events)
                    or any(e.offset is not None for e in rule.from_events)
                    or (len(cols) > 1 and rule.from_pick != PICK_FIRST)
                ):
                    continue  # starts from an event the indicators do not know: no target from this rule
                tracks: tuple[str, ...] | None = None
                for name, expected in rule.applies_when.items:
                    if name == "track" and isinstance(expected, tuple):
                        tracks = expected
                out.append(
                    Target(rule.id, rule.regime, tracks, rule.valid_from, rule.valid_to, cols, rule.due_in)
                )
        return tuple(out)

    no_presc = next(iter(rules.versions_of(NO_PRESCRIPTION_RULE)), None)
    return Targets(
        first_rdv=collect(FIRST_RDV_RULES),
        contract=collect(CONTRACT_RULES),
        no_prescription=no_presc.due_in if no_presc is not None else Duration(3, "m"),
        rules_version=rules.version,
    )


# --- scope ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """Whose people are counted. ``None`` fields do not filter.

    ``referent_ids``: the person's current référent (``person.referent_id``) is one of them;
    ``organisme``: an orientation towards this organisme was in force during the period;
    ``territory``: the person's postal code starts with this text (a commune's code, or a prefix).
    """

    referent_ids: tuple[str, ...] | None = None
    organisme: str | None = None
    territory: str | None = None


# --- populations ----------------------------------------------------------------------------------------

POPULATION_COLUMNS = (
    "row_id",
    "person_id",
    "day",
    "at",
    "value",
    "hit",
    "applies",
    "code",
    "code2",
    "code3",
    "flag3",
    "flag4",
)
#: Columns the stats of a population are grouped by (few distinct values each).
GROUP_COLUMNS = ("code", "code2", "code3", "hit", "applies", "flag3", "flag4")

#: Prescription outcomes, appointment statuses and contract statuses the figures rely on.
HONOURED = AppointmentStatus.HONOURED.value
DUE_STATUSES = (
    AppointmentStatus.HONOURED.value,
    AppointmentStatus.EXCUSED.value,
    AppointmentStatus.MISSED.value,
)
VALID_CONTRACT_STATUSES = (
    ContractStatus.SIGNED.value,
    ContractStatus.VALIDATED.value,
    ContractStatus.ACTIVE.value,
    ContractStatus.ENDED.value,
    ContractStatus.TERMINATED.value,  # résilié: its end date is the termination date
)
SIGNED_CONTRACT_EXCLUDED = (ContractStatus.DRAFT.value, ContractStatus.REJECTED.value)
MONTH_DAYS = 30.4375  # mean length of a month, to express a duration in days as months


class Queries:
    """Builds the populations of one period and scope over a set of tables (client or server)."""

    def __init__(
        self,
        tables: Tables,
        start: date,
        end: date,
        scope: Scope | None = None,
        targets: Targets | None = None,
        dynamic_categories: Sequence[str] = (),
    ) -> None:
        self.t = tables
        self.start = start
        self.end = end
        self.start_at = datetime.combine(start, time())
        self.end_at = datetime.combine(end, time())
        self.scope = scope or Scope()
        self.targets = targets
        self.dynamic_categories = tuple(dynamic_categories)

    # columns helpers -------------------------------------------------------------------------------
    def _person_ok(self, person_id: ColumnElement[Any]) -> ColumnElement[bool]:
        """The person exists (not tombstoned) and is in the scope (aliases: never correlated by accident)."""
        p = self.t["person"].alias("scope_person")
        conds: list[ColumnElement[bool]] = [p.c.id == person_id, p.c.deleted_at.is_(None)]
        if self.scope.referent_ids is not None:
            conds.append(p.c.referent_id.in_(self.scope.referent_ids) if self.scope.referent_ids else false())
        if self.scope.territory:
            conds.append(p.c.postal_code.startswith(self.scope.territory, autoescape=True))
        if self.scope.organisme:
            o = self.t["orientation"].alias("scope_orientation")
            conds.append(
                exists(
                    select(o.c.id).where(
                        o.c.person_id == p.c.id,
                        o.c.deleted_at.is_(None),
                        o.c.organisme == self.scope.organisme,
                        o.c.decision_date < self.end,
                        or_(o.c.ended_on.is_(None), o.c.ended_on >= self.start),
                    )
                )
            )
        return exists(select(p.c.id).where(*conds))

    @staticmethod
    def _shape(
        row_id: ColumnElement[Any],
        person_id: ColumnElement[Any],
        day: ColumnElement[Any] | None = None,
        at: ColumnElement[Any] | None = None,
        value: ColumnElement[Any] | None = None,
        hit: ColumnElement[Any] | None = None,
        applies: ColumnElement[Any] | None = None,
        code: ColumnElement[Any] | None = None,
        code2: ColumnElement[Any] | None = None,
        code3: ColumnElement[Any] | None = None,
        flag3: ColumnElement[Any] | None = None,
        flag4: ColumnElement[Any] | None = None,
    ) -> list[ColumnElement[Any]]:
        return [
            row_id.label("row_id"),
            person_id.label("person_id"),
            (day if day is not None else cast(null(), Date)).label("day"),
            (at if at is not None else cast(null(), DateTime)).label("at"),
            (value if value is not None else cast(null(), Integer)).label("value"),
            (hit if hit is not None else literal(1, Integer)).label("hit"),
            (applies if applies is not None else literal(1, Integer)).label("applies"),
            (code if code is not None else literal("", String)).label("code"),
            (code2 if code2 is not None else literal("", String)).label("code2"),
            (code3 if code3 is not None else literal("", String)).label("code3"),
            (flag3 if flag3 is not None else literal(1, Integer)).label("flag3"),
            (flag4 if flag4 is not None else literal(1, Integer)).label("flag4"),
        ]

    @staticmethod
    def _flag(cond: ColumnElement[bool]) -> ColumnElement[int]:
        return case((cond, 1), else_=0)

    # file active ---------------------------------------------------------------------------------
    def parcours_people(self) -> Select[Any]:
        """People with a parcours overlapping the period (the file active), one row each, with flags:
        ``flag3`` present on the first day, ``flag4`` entered in the period, ``applies`` oriented before the
        end, ``hit`` a valid contract covering a day of the period."""
        pa, o, c = self.t["parcours"], self.t["orientation"], self.t["contract"]
        present = and_(
            pa.c.start_date < self.start, or_(pa.c.end_date.is_(None), pa.c.end_date >= self.start)
        )
        valid = select(c.c.person_id).where(
            c.c.deleted_at.is_(None),
            c.c.status.in_(VALID_CONTRACT_STATUSES),
            c.c.signed_on.is_not(None),
            c.c.start_date < self.end,
            or_(c.c.end_date.is_(None), c.c.end_date >= self.start),
        )
        oriented = select(o.c.person_id).where(o.c.deleted_at.is_(None), o.c.decision_date < self.end)
        # Uncorrelated IN (subquery): PostgreSQL hashes each subquery once and probes it per row (a
        # correlated EXISTS in the select list would run once per row and per use).
        return (
            select(
                *self._shape(
                    pa.c.person_id,
                    pa.c.person_id,
                    day=func.min(pa.c.start_date),
                    hit=func.max(self._flag(pa.c.person_id.in_(valid))),
                    applies=func.max(self._flag(pa.c.person_id.in_(oriented))),
                    flag3=func.max(self._flag(present)),
                    flag4=func.max(self._flag(pa.c.start_date >= self.start)),
                )
            )
            .where(
                pa.c.deleted_at.is_(None),
                pa.c.start_date < self.end,
                or_(pa.c.end_date.is_(None), pa.c.end_date >= self.start),
                self._person_ok(pa.c.person_id),
            )
            .group_by(pa.c.person_id)
        )

    def exits(self) -> Select[Any]:
        ex = self.t["exit_record"]
        dynamic = ex.c.category.in_(self.dynamic_categories) if self.dynamic_categories else false()
        return select(
            *self._shape(
                ex.c.id,
                ex.c.person_id,
                day=ex.c.exit_date,
                hit=self._flag(dynamic),
                code=ex.c.category,
                code2=ex.c.reason,
            )
        ).where(
            ex.c.deleted_at.is_(None),
            ex.c.exit_date >= self.start,
            ex.c.exit_date < self.end,
            self._person_ok(ex.c.person_id),
        )

    def parcours_length(self) -> Select[Any]:
        """Parcours ended in the period, with their length in days (start → end)."""
        pa = self.t["parcours"]
        return select(
            *self._shape(
                pa.c.id, pa.c.person_id, day=pa.c.end_date, value=days_between(pa.c.end_date, pa.c.start_date)
            )
        ).where(
            pa.c.deleted_at.is_(None),
            pa.c.end_date >= self.start,
            pa.c.end_date < self.end,
            self._person_ok(pa.c.person_id),
        )

    # delays ---------------------------------------------------------------------------------------
    def _target_hit(
        self, targets: Sequence[Target], first: ColumnElement[Any], o: Any
    ) -> tuple[ColumnElement[int], ColumnElement[int]]:
        """(hit, applies): the event is within the delay of the rule version that applies to the orientation."""
        applies_any: list[ColumnElement[bool]] = []
        hits: list[ColumnElement[bool]] = []
        for target in targets:
            conds: list[ColumnElement[bool]] = []
            if target.regime != REGIME_BOTH:
                conds.append(o.c.regime == target.regime)
            if target.tracks is not None:
                conds.append(o.c.track.in_(target.tracks))
            if target.valid_from is not None:
                conds.append(o.c.decision_date >= target.valid_from)
            if target.valid_to is not None:
                conds.append(o.c.decision_date <= target.valid_to)
            cond = and_(true(), *conds)
            start = (
                func.coalesce(*[o.c[c] for c in target.from_columns])
                if len(target.from_columns) > 1
                else o.c[target.from_columns[0]]
            )
            applies_any.append(cond)
            hits.append(and_(cond, first.is_not(None), within(start, first, target.due)))
        if not applies_any:
            return literal(0, Integer), literal(0, Integer)
        return self._flag(or_(*hits)), self._flag(or_(*applies_any))

    def _orientations_in_period(self) -> Any:
        o = self.t["orientation"]
        return o, [
            o.c.deleted_at.is_(None),
            o.c.decision_date >= self.start,
            o.c.decision_date < self.end,
            self._person_ok(o.c.person_id),
        ]

    def _first_after_decision(
        self, event: ColumnElement[Any], table: Table, *conds: ColumnElement[bool]
    ) -> Any:
        """Orientations decided in the period with the earliest ``event`` of ``table`` on or after the decision
        (``first``), by an outer join grouped per orientation (computed once, never re-run per use)."""
        o, where = self._orientations_in_period()
        cols = [o.c.id, o.c.person_id, o.c.decision_date, o.c.notification_date, o.c.regime, o.c.track]
        join = and_(
            table.c.person_id == o.c.person_id,
            table.c.deleted_at.is_(None),
            event >= o.c.decision_date,
            *conds,
        )
        return (
            select(*cols, func.min(event).label("first"))
            .select_from(o.outerjoin(table, join))
            .where(*where)
            .group_by(*cols)
            .subquery("orient")
        )

    def first_rdv(self) -> Select[Any]:
        """Orientations decided in the period, with the first honoured RDV on or after the decision."""
        a = self.t["appointment"]
        inner = self._first_after_decision(a.c.starts_at, a, a.c.status == HONOURED)
        hit, applies = self._target_hit(self.targets.first_rdv if self.targets else (), inner.c.first, inner)
        return select(
            *self._shape(
                inner.c.id,
                inner.c.person_id,
                day=inner.c.decision_date,
                at=inner.c.first,
                value=days_between(inner.c.first, inner.c.decision_date),
                hit=hit,
                applies=applies,
                code=inner.c.track,
            )
        )

    def first_contract(self) -> Select[Any]:
        """Orientations decided in the period, with the first contract signed on or after the decision."""
        c = self.t["contract"]
        inner = self._first_after_decision(
            c.c.signed_on, c, c.c.signed_on.is_not(None), c.c.status.not_in(SIGNED_CONTRACT_EXCLUDED)
        )
        hit, applies = self._target_hit(self.targets.contract if self.targets else (), inner.c.first, inner)
        return select(
            *self._shape(
                inner.c.id,
                inner.c.person_id,
                day=inner.c.decision_date,
                value=days_between(inner.c.first, inner.c.decision_date),
                hit=hit,
                applies=applies,
                code=inner.c.track,
            ),
            inner.c.first.label("event_day"),
        )

    # appointments ---------------------------------------------------------------------------------
    def appointments(self) -> Select[Any]:
        """Individual RDVs dated in the period that were due to take place (honoured, excused, missed):
        ``applies`` honoured, ``hit`` missed; ``code`` objet, ``code2`` nature, ``code3`` place."""
        a = self.t["appointment"]
        return select(
            *self._shape(
                a.c.id,
                a.c.person_id,
                day=day_of(a.c.starts_at),
                at=a.c.starts_at,
                hit=self._flag(a.c.status == AppointmentStatus.MISSED.value),
                applies=self._flag(a.c.status == HONOURED),
                code=a.c.purpose,
                code2=a.c.nature,
                code3=func.trim(func.coalesce(a.c.place, "")),
            )
        ).where(
            a.c.deleted_at.is_(None),
            a.c.person_id.is_not(None),
            a.c.status.in_(DUE_STATUSES),
            a.c.starts_at >= self.start_at,
            a.c.starts_at < self.end_at,
            self._person_ok(a.c.person_id),
        )

    # prescriptions --------------------------------------------------------------------------------
    def prescriptions(self) -> Select[Any]:
        pr = self.t["prescription"]
        return select(
            *self._shape(pr.c.id, pr.c.person_id, day=pr.c.prescribed_on, code=pr.c.kind, code2=pr.c.outcome)
        ).where(
            pr.c.deleted_at.is_(None),
            pr.c.prescribed_on >= self.start,
            pr.c.prescribed_on < self.end,
            self._person_ok(pr.c.person_id),
        )

    def without_prescription(self) -> Select[Any]:
        """People in a parcours on the last day that started at least the rule's delay before it,
        flagged when no prescription is dated from the parcours start to the end of the period."""
        pa, pr = self.t["parcours"], self.t["prescription"]
        last = self.end - timedelta(days=1)
        due = self.targets.no_prescription if self.targets else Duration(3, "m")
        latest_start = latest_start_reaching(last, due)
        # The latest prescription of each person before the end of the period: none on or after the
        # parcours start means none in the parcours (a 1:1 join, no per-row subquery).
        latest = (
            select(pr.c.person_id, func.max(pr.c.prescribed_on).label("last_on"))
            .where(pr.c.deleted_at.is_(None), pr.c.prescribed_on < self.end)
            .group_by(pr.c.person_id)
            .subquery("latest_prescription")
        )
        none = or_(latest.c.last_on.is_(None), latest.c.last_on < pa.c.start_date)
        return (
            select(*self._shape(pa.c.id, pa.c.person_id, day=pa.c.start_date, hit=self._flag(none)))
            .select_from(pa.outerjoin(latest, latest.c.person_id == pa.c.person_id))
            .where(
                pa.c.deleted_at.is_(None),
                pa.c.start_date <= latest_start,
                or_(pa.c.end_date.is_(None), pa.c.end_date > last),
                self._person_ok(pa.c.person_id),
            )
        )

    def population(self, name: str) -> Select[Any]:
        return getattr(self, name)()  # type: ignore[no-any-return]


# --- figure definitions ---------------------------------------------------------------------------------

SECTION_ACTIVE = "File active"
SECTION_DELAYS = "Délais"
SECTION_CONTRACTS = "Contractualisation"
SECTION_INTERVIEWS = "Entretiens"
SECTION_PRESCRIPTIONS = "Prescriptions"
SECTION_EXITS = "Sorties et parcours"

KIND_COUNT = "count"  # number of rows
KIND_HITS = "hits"  # number of rows with ``hit``, out of the rows
KIND_RATE = "rate"  # % of the rows with ``hit``
KIND_MEDIAN = "median"  # median of ``value`` over the population (rows that have one)
KIND_MEAN_MONTHS = "mean_months"  # mean of ``value`` (days) over the rows, in months

Where = tuple[tuple[str, int], ...]  # flag column → required value (0/1)
HONOURED_ONLY: Where = (("applies", 1),)
TARGETED: Where = (("applies", 1),)


@dataclass(frozen=True)
class FigureDef:
    """A figure: the rows of ``population`` matching ``where`` (flags), aggregated by ``kind``."""

    key: str
    section: str
    label: str
    population: str
    kind: str
    unit: str
    where: Where = ()
    note: str = ""


FIGURES: tuple[FigureDef, ...] = (
    FigureDef(
        "presents_debut",
        SECTION_ACTIVE,
        "Présents au début de la période",
        "parcours_people",
        KIND_COUNT,
        UNIT_COUNT,
        (("flag3", 1),),
    ),
    FigureDef(
        "entres",
        SECTION_ACTIVE,
        "Entrés dans la période",
        "parcours_people",
        KIND_COUNT,
        UNIT_COUNT,
        (("flag4", 1),),
    ),
    FigureDef(
        "file_active",
        SECTION_ACTIVE,
        "File active (présents + entrés)",
        "parcours_people",
        KIND_COUNT,
        UNIT_COUNT,
    ),
    FigureDef("sortis", SECTION_ACTIVE, "Sorties dans la période", "exits", KIND_COUNT, UNIT_COUNT),
    FigureDef(
        "delai_rdv_median",
        SECTION_DELAYS,
        "Délai orientation → 1er rendez-vous honoré (médiane)",
        "first_rdv",
        KIND_MEDIAN,
        UNIT_DAYS,
    ),
    FigureDef(
        "delai_rdv_dans_cible",
        SECTION_DELAYS,
        "1er rendez-vous dans le délai cible",
        "first_rdv",
        KIND_RATE,
        UNIT_PERCENT,
        TARGETED,
    ),
    FigureDef(
        "delai_contrat_median",
        SECTION_DELAYS,
        "Délai orientation → 1er contrat signé (médiane)",
        "first_contract",
        KIND_MEDIAN,
        UNIT_DAYS,
    ),
    FigureDef(
        "delai_contrat_dans_cible",
        SECTION_DELAYS,
        "1er contrat signé dans le délai cible",
        "first_contract",
        KIND_RATE,
        UNIT_PERCENT,
        TARGETED,
    ),
    FigureDef(
        "taux_contractualisation",
        SECTION_CONTRACTS,
        "Taux de contractualisation",
        "parcours_people",
        KIND_RATE,
        UNIT_PERCENT,
        (("applies", 1),),  # oriented before the end of the period
    ),
    FigureDef(
        "entretiens",
        SECTION_INTERVIEWS,
        "Entretiens réalisés (rendez-vous honorés)",
        "appointments",
        KIND_COUNT,
        UNIT_COUNT,
        HONOURED_ONLY,
    ),
    FigureDef(
        "taux_absence",
        SECTION_INTERVIEWS,
        "Taux d'absence aux rendez-vous (non honorés)",
        "appointments",
        KIND_RATE,
        UNIT_PERCENT,
    ),
    FigureDef(
        "prescriptions",
        SECTION_PRESCRIPTIONS,
        "Prescriptions dans la période",
        "prescriptions",
        KIND_COUNT,
        UNIT_COUNT,
    ),
    FigureDef(
        "sans_prescription",
        SECTION_PRESCRIPTIONS,
        "Sans prescription au-delà du délai",
        "without_prescription",
        KIND_HITS,
        UNIT_COUNT,
    ),
    FigureDef(
        "duree_parcours_moyenne",
        SECTION_EXITS,
        "Durée moyenne des parcours terminés",
        "parcours_length",
        KIND_MEAN_MONTHS,
        UNIT_MONTHS,
    ),
    FigureDef(
        "taux_sortie_positive",
        SECTION_EXITS,
        "Taux de sorties dynamiques (emploi ou sortie positive)",
        "exits",
        KIND_RATE,
        UNIT_PERCENT,
    ),
)


@dataclass(frozen=True)
class BreakdownDef:
    """Counts of the rows of ``population`` matching ``where``, by the values of ``column``."""

    key: str
    section: str
    label: str
    population: str
    column: str  # "code", "code2" or "code3"
    vocabulary: str | None  # kind of resources/vocabularies/<kind>.yaml for the labels, None = raw text
    where: Where = ()


BREAKDOWNS: tuple[BreakdownDef, ...] = (
    BreakdownDef(
        "entretiens_objet",
        SECTION_INTERVIEWS,
        "Entretiens par objet",
        "appointments",
        "code",
        "appointment_purposes",
        HONOURED_ONLY,
    ),
    BreakdownDef(
        "entretiens_nature",
        SECTION_INTERVIEWS,
        "Entretiens par nature",
        "appointments",
        "code2",
        "appointment_natures",
        HONOURED_ONLY,
    ),
    BreakdownDef(
        "entretiens_lieu",
        SECTION_INTERVIEWS,
        "Entretiens par lieu",
        "appointments",
        "code3",
        None,
        HONOURED_ONLY,
    ),
    BreakdownDef(
        "prescriptions_type",
        SECTION_PRESCRIPTIONS,
        "Prescriptions par type",
        "prescriptions",
        "code",
        "prescription_kinds",
    ),
    BreakdownDef(
        "prescriptions_suite",
        SECTION_PRESCRIPTIONS,
        "Prescriptions par suite donnée",
        "prescriptions",
        "code2",
        "prescription_outcomes",
    ),
    BreakdownDef(
        "sorties_categorie", SECTION_EXITS, "Sorties par catégorie", "exits", "code", "exit_categories"
    ),
    BreakdownDef("sorties_motif", SECTION_EXITS, "Sorties par motif", "exits", "code2", "exit_reasons"),
)

FIGURE_KEYS = frozenset(f.key for f in FIGURES)
BREAKDOWN_KEYS = frozenset(b.key for b in BREAKDOWNS)


def figure_def(key: str) -> FigureDef:
    for f in FIGURES:
        if f.key == key:
            return f
    raise KeyError(key)


def breakdown_def(key: str) -> BreakdownDef:
    for b in BREAKDOWNS:
        if b.key == key:
            return b
    raise KeyError(key)


# --- running -------------------------------------------------------------------------------------------


def _median_of(values: Any) -> Any:
    """The median of ``values.c.value`` (mean of the two middle values for an even count), with window
    functions (SQLite ≥ 3.25 and PostgreSQL), as a scalar subquery."""
    ranked = (
        select(
            values.c.value.label("v"),
            func.row_number().over(order_by=values.c.value).label("rn"),
            func.count().over().label("cnt"),
        )
        .where(values.c.value.is_not(None))
        .subquery("ranked")
    )
    return (
        select(func.avg(ranked.c.v))
        .where(or_(ranked.c.rn == (ranked.c.cnt + 1) // 2, ranked.c.rn == (ranked.c.cnt + 2) // 2))
        .scalar_subquery()
    )


def stats_query(pop: Select[Any], with_median: bool = False) -> Select[Any]:
    """Row counts of a population per group of :data:`GROUP_COLUMNS` (codes and flags), with the count and the
    sum of ``value``: figures and breakdowns add these (few) groups up, so one statement serves them all.

    With ``with_median``, each row also carries the median of ``value`` over the whole population; the
    population is then a CTE read twice (PostgreSQL materialises it once).
    """
    pop_cte = pop.cte("pop")
    keys = [pop_cte.c[name] for name in GROUP_COLUMNS]
    cols: list[Any] = [
        *keys,
        func.count().label("n"),
        func.count(pop_cte.c.value).label("valued"),
        func.coalesce(func.sum(pop_cte.c.value), 0).label("total"),
    ]
    if with_median:
        cols.append(_median_of(pop_cte).label("median"))
    return select(*cols).group_by(*keys)


@dataclass(frozen=True)
class Group:
    keys: dict[str, Any]
    n: int
    valued: int
    total: float


@dataclass(frozen=True)
class Stats:
    """The grouped aggregates of one population, and the median of its ``value`` when asked."""

    groups: list[Group] = field(default_factory=list)
    median: float | None = None

    def select(self, where: Where = (), *extra: tuple[str, int]) -> list[Group]:
        conds = (*where, *extra)
        return [g for g in self.groups if all(int(g.keys[k]) == v for k, v in conds)]

    def count(self, where: Where = (), *extra: tuple[str, int]) -> int:
        return sum(g.n for g in self.select(where, *extra))

    def by(self, column: str, where: Where = ()) -> dict[str, int]:
        out: dict[str, int] = {}
        for g in self.select(where):
            code = str(g.keys[column] or "")
            out[code] = out.get(code, 0) + g.n
        return out


def population_stats(execute: Execute, queries: Queries, name: str, with_median: bool = False) -> Stats:
    """Run :func:`stats_query` for one population (one statement)."""
    rows = execute(stats_query(queries.population(name), with_median)).all()
    groups = [
        Group({k: getattr(r, k) for k in GROUP_COLUMNS}, int(r.n), int(r.valued), float(r.total))
        for r in rows
    ]
    median = rows[0].median if with_median and rows else None
    return Stats(groups, None if median is None else float(median))


def _pct(num: int, den: int) -> float | None:
    return None if den == 0 else round(100.0 * num / den, 1)


def all_stats(execute: Execute, queries: Queries) -> dict[str, Stats]:
    """The stats of every population used by :data:`FIGURES` and :data:`BREAKDOWNS`."""
    medians = {fd.population for fd in FIGURES if fd.kind == KIND_MEDIAN}
    names = list(dict.fromkeys([fd.population for fd in FIGURES] + [bd.population for bd in BREAKDOWNS]))
    return {name: population_stats(execute, queries, name, name in medians) for name in names}


def make_figures(
    stats: Mapping[str, Stats], note_for: Callable[[FigureDef], str] | None = None
) -> list[Figure]:
    """Every figure of :data:`FIGURES` from the population stats."""
    out: list[Figure] = []
    for fd in FIGURES:
        s = stats[fd.population]
        rows = s.select(fd.where)
        n = sum(g.n for g in rows)
        hits = s.count(fd.where, ("hit", 1))
        valued = sum(g.valued for g in rows)
        value: float | int | None
        num: int | None
        den: int | None
        if fd.kind == KIND_COUNT:
            value, num, den = n, n, None
        elif fd.kind == KIND_HITS:
            value, num, den = hits, hits, n
        elif fd.kind == KIND_RATE:
            num, den = hits, n
            value = _pct(num, den)
        elif fd.kind == KIND_MEDIAN:
            value = None if s.median is None else round(s.median, 1)
            num, den = valued, n
        else:  # KIND_MEAN_MONTHS
            total = sum(g.total for g in rows)
            value = round(total / valued / MONTH_DAYS, 1) if valued else None
            num, den = valued, None
        note = note_for(fd) if note_for else fd.note
        out.append(Figure(fd.key, fd.section, fd.label, value, fd.unit, num, den, True, note))
    return out


def make_breakdowns(
    stats: Mapping[str, Stats],
    label_for: Callable[[BreakdownDef, str], str],
    order_for: Callable[[BreakdownDef], list[str]],
) -> list[Breakdown]:
    """Every breakdown of :data:`BREAKDOWNS`; codes of ``order_for`` come first (zero rows kept)."""
    out: list[Breakdown] = []
    for bd in BREAKDOWNS:
        counts = stats[bd.population].by(bd.column, bd.where)
        codes = order_for(bd)
        ordered = list(codes) + sorted(c for c in counts if c not in codes)
        rows = [(c, label_for(bd, c), counts.get(c, 0)) for c in ordered]
        out.append(Breakdown(bd.key, bd.section, bd.label, rows))
    return out


def behind_query(queries: Queries, key: str, code: str | None = None) -> Select[Any]:
    """The population rows behind a figure (or one row of a breakdown), joined to the person, sorted by name."""
    p = queries.t["person"]
    conds: list[ColumnElement[bool]] = []
    if key in FIGURE_KEYS:
        fd = figure_def(key)
        pop = queries.population(fd.population).subquery("pop")
        conds += [pop.c[k] == v for k, v in fd.where]
        if fd.kind in (KIND_HITS, KIND_RATE):
            conds.append(pop.c.hit == 1)
        if fd.kind in (KIND_MEDIAN, KIND_MEAN_MONTHS):
            conds.append(pop.c.value.is_not(None))
    elif key in BREAKDOWN_KEYS:
        bd = breakdown_def(key)
        pop = queries.population(bd.population).subquery("pop")
        conds += [pop.c[k] == v for k, v in bd.where]
        if code is not None:
            conds.append(pop.c[bd.column] == code)
    else:
        raise KeyError(key)
    extra = [pop.c.event_day] if "event_day" in pop.c else [cast(null(), Date).label("event_day")]
    return (
        select(
            pop.c.person_id,
            p.c.last_name,
            p.c.first_name,
            p.c.caf_number,
            p.c.city,
            p.c.postal_code,
            pop.c.day,
            pop.c.at,
            pop.c.value,
            pop.c.hit,
            pop.c.code,
            pop.c.code2,
            pop.c.code3,
            *extra,
        )
        .join(p, p.c.id == pop.c.person_id)
        .where(*conds)
        .order_by(p.c.last_name, p.c.first_name, pop.c.day, pop.c.row_id)
    )


# --- assembling a report --------------------------------------------------------------------------------

NO_PLACE_LABEL = "Lieu non précisé"


@dataclass(frozen=True)
class ReportContext:
    """What turns codes into French and sets the targets: the rule table and the vocabularies."""

    targets: Targets
    vocab: Vocabularies

    @classmethod
    def load(cls, rules: RuleSet, vocab: Vocabularies) -> ReportContext:
        return cls(targets_from_rules(rules), vocab)

    @property
    def dynamic_categories(self) -> tuple[str, ...]:
        """Exit categories flagged ``dynamic: true`` in ``exit_categories.yaml`` (emploi ou sortie positive)."""
        return tuple(e.code for e in self.vocab.entries("exit_categories") if e.get("dynamic"))

    def queries(self, tables: Tables, period: Period, scope: Scope | None = None) -> Queries:
        return Queries(tables, period.start, period.end, scope, self.targets, self.dynamic_categories)

    def note(self, fd: FigureDef) -> str:
        if fd.key == "delai_rdv_dans_cible":
            return self.targets.note("first_rdv")
        if fd.key == "delai_contrat_dans_cible":
            return self.targets.note("contract")
        if fd.key == "sans_prescription":
            return f"délai : {_duration_fr(self.targets.no_prescription)} après l'entrée"
        if fd.key in ("delai_rdv_median", "delai_contrat_median"):
            return "personnes orientées dans la période"
        return fd.note

    def label(self, kind: str | None, code: str) -> str:
        if kind is None:
            return code or NO_PLACE_LABEL
        return self.vocab.label(kind, code) or "Non précisé"

    def order(self, bd: BreakdownDef) -> list[str]:
        if bd.vocabulary is None:
            return []
        return [e.code for e in self.vocab.choices(bd.vocabulary)]


def build_report(
    execute: Execute,
    tables: Tables,
    period: Period,
    context: ReportContext,
    *,
    scope: Scope | None = None,
    scope_label: str = "",
    now: datetime | None = None,
) -> Report:
    """Every figure and breakdown of ``period`` over ``tables`` (client vault or server), as a :class:`Report`."""
    stats = all_stats(execute, context.queries(tables, period, scope))
    figures = make_figures(stats, context.note)
    breakdowns = make_breakdowns(stats, lambda bd, code: context.label(bd.vocabulary, code), context.order)
    return Report(period, scope_label, now or datetime.now(), figures, breakdowns)
