"""The populations the figures read: one ``SELECT`` per population, all with the same columns (``row_id``,
``person_id``, ``day``, ``at``, ``value``, ``hit``, ``applies``, ``code``…), within a :class:`Scope` (référents,
teams, organismes, territory), over the client's or the server's tables."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
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
    false,
    func,
    literal,
    null,
    or_,
    select,
    true,
)

from app.models.enums import AppointmentStatus, ContractStatus, EpOpinion
from app.models.indicators.sql import Tables, day_of, days_between, latest_start_reaching, within
from app.models.indicators.targets import Target, Targets
from app.models.rules.types import REGIME_BOTH, Duration


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

    # équipe pluridisciplinaire ------------------------------------------------------------------------
    def ep_referrals(self) -> Select[Any]:
        """Saisines of the équipe pluridisciplinaire made in the period (withdrawn ones too); ``code`` motive."""
        r = self.t["ep_referral"]
        return select(*self._shape(r.c.id, r.c.person_id, day=r.c.referred_on, code=r.c.motive)).where(
            r.c.deleted_at.is_(None),
            r.c.referred_on >= self.start,
            r.c.referred_on < self.end,
            self._person_ok(r.c.person_id),
        )

    def _ep_cases(self, day_col: str, *conds: ColumnElement[bool]) -> Select[Any]:
        """Cases of the EP whose ``day_col`` (opinion_on, decision_on) is in the period, with the days from
        their saisine; ``hit``: within the ``ep_decision`` target of the rule table; ``code`` the motive."""
        c, r = self.t["ep_case"], self.t["ep_referral"]
        day = c.c[day_col]
        due = self.targets.ep_decision if self.targets else Duration(1, "m")
        return (
            select(
                *self._shape(
                    c.c.id,
                    c.c.person_id,
                    day=day,
                    value=days_between(day, r.c.referred_on),
                    hit=self._flag(within(r.c.referred_on, day, due)),
                    code=r.c.motive,
                    code2=func.coalesce(c.c.decision, ""),
                )
            )
            .select_from(c.join(r, r.c.id == c.c.referral_id))
            .where(
                c.c.deleted_at.is_(None),
                r.c.deleted_at.is_(None),
                day >= self.start,
                day < self.end,
                self._person_ok(c.c.person_id),
                *conds,
            )
        )

    def ep_opinions(self) -> Select[Any]:
        """Avis of the EP given in the period (an adjournment is not an avis)."""
        c = self.t["ep_case"]
        return self._ep_cases(
            "opinion_on", c.c.opinion.is_not(None), c.c.opinion != EpOpinion.POSTPONED.value
        )

    def ep_decisions(self) -> Select[Any]:
        """Décisions of the PCD after an avis of the EP, dated in the period; ``code2`` the décision."""
        return self._ep_cases("decision_on", self.t["ep_case"].c.decision.is_not(None))

    def population(self, name: str) -> Select[Any]:
        return getattr(self, name)()  # type: ignore[no-any-return]
