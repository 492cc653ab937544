"""Département indicators: the figures of :mod:`app.models.indicators.compute` over every replicated record.

The same SQL builders as the client run on the server's business tables (:data:`server.store.tables.BUSINESS`),
for the whole département or filtered by team (users/teams → their référents), organisme (an orientation
towards it in force during the period) or territory (postal-code prefix). Output is **anonymised counts
only**: no list of people leaves the server. Definitions: ``docs/indicators.md``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, select

from app.models.indicators.compute import ReportContext, build_report
from app.models.indicators.period import Period, parse_period_text
from app.models.indicators.populations import Scope
from app.models.indicators.results import Report
from app.models.rules.engine import load_default_rules
from app.models.rules.types import RuleFileError
from app.models.vocabularies.entries import VocabularyError
from app.models.vocabularies.loader import load_vocabularies
from server.admin.accounts import AdminError
from server.engine.errors import ProtocolError
from server.engine.scope import DeviceCtx
from server.store.db import ServerDB
from server.store.tables import BUSINESS, teams, users

DEPARTMENT_SCOPE = "Tout le département"
GROUP_BY = ("equipe", "organisme")


@dataclass(frozen=True)
class Filters:
    """Optional filters of a département report (``None`` = no filter)."""

    team: str | None = None
    organisme: str | None = None
    territory: str | None = None


def load_context(rules_override: Path | None = None, vocab_override: Path | None = None) -> ReportContext:
    """Targets from the rule table (with the département's override file) and labels from the vocabularies."""
    try:
        return ReportContext.load(
            load_default_rules(rules_override), load_vocabularies(override_dir=vocab_override)
        )
    except RuleFileError as exc:
        raise AdminError(exc.message) from exc
    except VocabularyError as exc:
        raise AdminError(str(exc)) from exc


@contextmanager
def snapshot(sdb: ServerDB) -> Iterator[Connection]:
    """A read transaction where every query sees the same data (REPEATABLE READ on PostgreSQL)."""
    if sdb.is_sqlite:
        with sdb.read() as conn:
            yield conn
        return
    with sdb.engine.connect() as conn:
        conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            # Just-in-time compilation of these short aggregate queries costs more than it saves (seconds of
            # LLVM code generation for a query that runs in tens of milliseconds).
            conn.exec_driver_sql("SET LOCAL jit = off")
            # Room for the per-person hash aggregates of a whole département without spilling to disk.
            conn.exec_driver_sql("SET LOCAL work_mem = '64MB'")
            yield conn


def team_referents(conn: Connection, name: str) -> tuple[str, ...]:
    """The référent ids of the users of team ``name``; AdminError (French) when the team does not exist."""
    tid = conn.execute(select(teams.c.id).where(teams.c.name == name)).scalar()
    if tid is None:
        known = ", ".join(conn.execute(select(teams.c.name).order_by(teams.c.name)).scalars()) or "aucune"
        raise AdminError(f"Équipe « {name} » inconnue (équipes : {known}).")
    rows = conn.execute(
        select(users.c.referent_id).where(users.c.team_id == tid, users.c.referent_id.is_not(None))
    ).scalars()
    return tuple(sorted({str(r) for r in rows}))


def _scope(conn: Connection, filters: Filters) -> tuple[Scope, str]:
    parts = [DEPARTMENT_SCOPE]
    referents: tuple[str, ...] | None = None
    if filters.team:
        referents = team_referents(conn, filters.team)
        parts.append(f"équipe {filters.team}")
    if filters.organisme:
        parts.append(f"organisme {filters.organisme}")
    if filters.territory:
        parts.append(f"codes postaux {filters.territory}…")
    label = parts[0] if len(parts) == 1 else f"{parts[0]} — " + ", ".join(parts[1:])
    return Scope(referents, filters.organisme or None, filters.territory or None), label


def department_report(
    sdb: ServerDB, period: Period, filters: Filters | None = None, *, context: ReportContext | None = None
) -> Report:
    """Every figure and breakdown of ``period`` for the département (or the filtered part of it)."""
    ctx = context or load_context()
    with snapshot(sdb) as conn:
        scope, label = _scope(conn, filters or Filters())
        return build_report(conn.execute, BUSINESS, period, ctx, scope=scope, scope_label=label)


def group_names(sdb: ServerDB, by: str) -> list[str]:
    """The teams (``equipe``) or the organismes of the orientations (``organisme``), sorted."""
    with sdb.read() as conn:
        if by == "equipe":
            return [str(n) for n in conn.execute(select(teams.c.name).order_by(teams.c.name)).scalars()]
        if by == "organisme":
            o = BUSINESS["orientation"]
            rows = conn.execute(
                select(o.c.organisme).where(o.c.deleted_at.is_(None), o.c.organisme != "").distinct()
            ).scalars()
            return sorted(str(r) for r in rows)
    raise AdminError(f"Regroupement « {by} » inconnu (possibles : {', '.join(GROUP_BY)}).")


def grouped_reports(
    sdb: ServerDB,
    period: Period,
    by: str,
    filters: Filters | None = None,
    *,
    context: ReportContext | None = None,
) -> list[tuple[str, Report]]:
    """One report per team or organisme (the other filters still apply)."""
    ctx = context or load_context()
    base = filters or Filters()
    out: list[tuple[str, Report]] = []
    for name in group_names(sdb, by):
        f = Filters(
            team=name if by == "equipe" else base.team,
            organisme=name if by == "organisme" else base.organisme,
            territory=base.territory,
        )
        out.append((name, department_report(sdb, period, f, context=ctx)))
    return out


#: Roles that may ask the API for département figures (a référent computes their own on their laptop).
ROLES_ALLOWED = ("admin", "team_leader")


def indicators_for(
    sdb: ServerDB,
    dev: DeviceCtx,
    period: str,
    *,
    team: str | None = None,
    organisme: str | None = None,
    territoire: str | None = None,
) -> dict[str, Any]:
    """The report as JSON data, within what the device's user may see (French ProtocolError otherwise).

    An administrator may ask for the whole département or filter it; a team leader only ever gets their own
    team; a référent is refused."""
    if dev.role not in ROLES_ALLOWED:
        raise ProtocolError(
            "forbidden", "Les indicateurs du département sont réservés aux responsables d'équipe.", 403
        )
    try:
        wanted = parse_period_text(period)
    except ValueError as exc:
        raise ProtocolError("bad_request", str(exc), 400) from exc
    if dev.role == "team_leader":
        with sdb.read() as conn:
            own = conn.execute(select(teams.c.name).where(teams.c.id == dev.team_id)).scalar()
        if own is None:
            raise ProtocolError("forbidden", "Aucune équipe n'est rattachée à votre compte.", 403)
        if team not in (None, "", own):
            raise ProtocolError("forbidden", f"Vous ne voyez que les indicateurs de l'équipe « {own} ».", 403)
        team = str(own)
    report = department_report(sdb, wanted, Filters(team or None, organisme or None, territoire or None))
    return report.as_dict()
