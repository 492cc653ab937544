"""Running the figures of a period: the aggregates of each population, the figures and breakdowns, the people
behind a figure, and the whole report. No database is opened here: functions are given an ``execute``
callable (a session's or a connection's ``execute``)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Date,
    Select,
    cast,
    func,
    null,
    or_,
    select,
)

from app.models.indicators.definitions import (
    BREAKDOWN_KEYS,
    BREAKDOWNS,
    FIGURE_KEYS,
    FIGURES,
    KIND_COUNT,
    KIND_HITS,
    KIND_MEAN_MONTHS,
    KIND_MEDIAN,
    KIND_RATE,
    BreakdownDef,
    FigureDef,
    Where,
    breakdown_def,
    figure_def,
)
from app.models.indicators.period import (
    Period,
)
from app.models.indicators.populations import (
    GROUP_COLUMNS,
    MONTH_DAYS,
    Queries,
    Scope,
)
from app.models.indicators.results import (
    Breakdown,
    Figure,
    Report,
)
from app.models.indicators.sql import (
    Execute,
    Tables,
)
from app.models.indicators.targets import (
    Targets,
    _duration_fr,
    targets_from_rules,
)
from app.models.rules.types import RuleSet
from app.models.vocabularies.loader import Vocabularies

# --- results --------------------------------------------------------------------------------------------


# --- targets (from the rule table) ----------------------------------------------------------------------


# --- populations ----------------------------------------------------------------------------------------


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
        if fd.key == "ep_decision_dans_cible":
            return (
                f"cible : {_duration_fr(self.targets.ep_decision)} après la saisine (objectif départemental)"
            )
        if fd.key == "ep_delai_avis_median":
            return "avis rendus dans la période (hors ajournements)"
        if fd.key == "ep_delai_decision_median":
            return "décisions prises dans la période"
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
