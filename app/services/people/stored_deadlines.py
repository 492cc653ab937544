"""Every person's open deadlines kept in the vault, recomputed only for the people whose facts changed.

Running the rule engine over a whole caseload takes seconds at stress sizes (100,000 people: about 2 s to read
the facts, 6 s of engine). The caseload's sort by next deadline, the late count and the « Aujourd'hui » and
« Alertes » pages read instead the tables ``deadline_item`` (every open deadline: rule, version, due date, the
day it turns « bientôt ») and ``deadline_state`` (for whom they are up to date, and the next due date).

A person's ``deadline_state`` row disappears, through SQLite triggers (client migration 0007), as soon as a row
their facts are read from changes — whoever wrote it: a form, an import, the sync, a merge, a purge. Before any
read, :func:`refresh` recomputes the people without a row, those computed under another rule table (the key
covers the rule file, the diagnostic vocabulary that marks « difficultés particulières » and :data:`LOGIC`),
and those with a dated fact coming into force (``stale_after``: a contract signed in advance starts, a
parcours ends on a future date). States (à faire, bientôt, en retard) are not stored: they follow from the dates
and the day the deadlines are read.

Only today's deadlines with the shipped rule table are stored; ``alerts --on DATE`` or a département override
file compute directly (:func:`app.services.people.alerts.caseload_deadlines`).
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Connection

from app.models.enums import AppointmentStatus, PersonStatus
from app.models.rules.engine import Deadline, compute_deadlines, default_rules_path, rules_dir
from app.models.rules.types import STATE_LABELS, STATE_LATE, STATE_SOON, STATE_TODO, Rule, RuleSet
from app.models.rules.urgency import WEEK_DAYS, Grade, grade_of, is_local
from app.services.people import alerts
from app.services.people import deadline_journal as journal
from app.services.storage import settings
from app.services.storage.db import Database

#: Bump when :mod:`app.services.people.alerts` or the engine computes facts or deadlines differently: every
#: stored deadline is then computed again (the rule file and the vocabulary are in the key by their content).
LOGIC = "2026-12-13"  # bilans, joint reviews and EP saisines are facts
#: People computed per transaction (the rest of the store stays readable meanwhile).
CHUNK = 2000
#: The tables (with their ``person_id``) whose rows trigger a recomputation: client migration 0007 creates
#: their triggers; ``tests/services/test_stored_deadlines.py`` checks that the vault at head has them all.
FACT_TABLES = (
    "orientation",
    "referent_assignment",
    "appointment",
    "parcours",
    "exit_record",
    "prescription",
    "contract",
    "diagnostic_version",
    "bilan",
    "joint_review",
    "ep_referral",
    "ep_case",
)
#: Dated facts: (table, column, extra condition). A row dated after the day of the computation is left out of
#: the facts (``alerts._read_tables``); the person is computed again on that day.
_DATED = (
    ("orientation", "decision_date", ""),
    ("orientation", "notification_date", ""),
    ("referent_assignment", "start_date", ""),
    ("appointment", "starts_at", f"AND status = '{AppointmentStatus.HONOURED}'"),
    ("parcours", "start_date", ""),
    ("parcours", "end_date", ""),
    ("exit_record", "exit_date", ""),
    ("prescription", "prescribed_on", ""),
    ("contract", "signed_on", ""),
    ("contract", "start_date", ""),
    ("diagnostic_version", "recorded_at", ""),
    ("bilan", "held_on", ""),
    ("joint_review", "held_on", ""),
    ("ep_referral", "referred_on", ""),
    ("ep_referral", "withdrawn_on", ""),
    ("ep_case", "decision_on", ""),
)
_ITEM_COLUMNS = (
    "person_id, rule_id, version, position, due_date, alert_from, from_event, from_date, local_target"
)


# --- the rule table and its key -------------------------------------------------------------------------


@dataclass(frozen=True)
class Rules:
    """The shipped rule table and the key the stored deadlines computed under it carry."""

    key: str
    ruleset: RuleSet

    @functools.cached_property
    def _versions(self) -> dict[tuple[str, int], Rule]:
        return {
            (rule_id, i): rule
            for rule_id in self.ruleset.rule_ids()
            for i, rule in enumerate(self.ruleset.versions_of(rule_id))
        }

    def version(self, rule_id: str, index: int) -> Rule | None:
        return self._versions.get((rule_id, index))

    def known_versions(self) -> Mapping[tuple[str, int], Rule]:
        """(rule id, version index) → rule, for every version of the table."""
        return self._versions


def _fingerprint() -> str:
    digest = hashlib.sha256(LOGIC.encode())
    for path in (default_rules_path(), rules_dir().parent / "vocabularies" / "diagnostic_items.yaml"):
        try:
            digest.update(path.read_bytes())
        except OSError:
            digest.update(b"-")
    return digest.hexdigest()[:40]


@functools.lru_cache(maxsize=4)
def _rules_for(key: str) -> Rules:
    return Rules(key, alerts.load_rules_or_fail())


def current_rules() -> Rules:
    """The shipped rule table (read again when its file changed); :class:`alerts.RulesUnavailableError` when
    it cannot be used."""
    return _rules_for(_fingerprint())


# --- refresh ----------------------------------------------------------------------------------------------


def _raw(conn: Connection, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    """Rows as plain tuples from the driver's cursor, on ``conn``'s connection and transaction (SQLAlchemy's
    row objects cost about a second per 200,000 rows)."""
    cursor = conn.connection.cursor()
    try:
        cursor.execute(sql, tuple(params))
        return list(cursor.fetchall())
    finally:
        cursor.close()


def _chunks(ids: Sequence[str], size: int = 500) -> Iterable[Sequence[str]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def facts_key(db: Database) -> str:
    """The key of the stored deadlines: the rule table's, with the settings the facts read (an overseas
    département: the CER → CE transition lasts 3 years) — a change recomputes everyone."""
    overseas = bool(settings.get(db, settings.OVERSEAS_DEPARTMENT))
    return f"{current_rules().key[:56]}{'+dom' if overseas else ''}"


def stale_ids(db: Database, today: date, person_ids: Sequence[str] | None = None) -> list[str]:
    """People whose stored deadlines are missing or out of date (none of them deleted)."""
    key = facts_key(db)
    sql = (
        "SELECT p.id FROM person p LEFT JOIN deadline_state s INDEXED BY ix_deadline_state_person_next "
        "ON s.person_id = p.id WHERE p.deleted_at IS NULL AND (s.person_id IS NULL OR s.rules_key != ? OR s.computed_on > ? "
        "OR s.stale_after <= ?)"
    )
    day = today.isoformat()
    with db.engine.connect() as conn:
        if person_ids is None:
            return [r[0] for r in _raw(conn, sql, (key, day, day))]
        out: list[str] = []
        for chunk in _chunks(list(dict.fromkeys(person_ids))):
            marks = ",".join("?" * len(chunk))
            out += [r[0] for r in _raw(conn, f"{sql} AND p.id IN ({marks})", (key, day, day, *chunk))]
        return out


def _next_changes(conn: Connection, today: date, ids: Sequence[str] | None) -> dict[str, date]:
    """Per person (of ``ids``, else everyone), the first day after ``today`` on which a dated fact of theirs
    comes into force."""
    scope = ""
    if ids is not None:
        conn.exec_driver_sql("CREATE TEMP TABLE IF NOT EXISTS deadline_scope (id TEXT PRIMARY KEY)")
        conn.exec_driver_sql("DELETE FROM deadline_scope")
        conn.exec_driver_sql("INSERT INTO deadline_scope (id) VALUES (?)", [(i,) for i in ids])
        scope = "AND {col} IN (SELECT id FROM deadline_scope)"
    parts = [
        f"SELECT person_id AS pid, substr({column}, 1, 10) AS d FROM {table} "
        f"WHERE deleted_at IS NULL AND {column} IS NOT NULL {extra} {scope.format(col='person_id')}"
        for table, column, extra in _DATED
    ]
    parts.append(
        "SELECT id AS pid, last_contact_date AS d FROM person WHERE last_contact_date IS NOT NULL "
        + scope.format(col="id")
    )
    sql = f"SELECT pid, MIN(d) FROM ({' UNION ALL '.join(parts)}) WHERE d > ? GROUP BY pid"
    return {pid: date.fromisoformat(d) for pid, d in _raw(conn, sql, (today.isoformat(),)) if pid}


def _version_index(rules: Rules, d: Deadline) -> tuple[int, int]:
    """The version of ``d``'s rule that produced it (same texts, valid at its starting event) and its
    « bientôt » days."""
    versions = rules.ruleset.versions_of(d.rule_id)
    for i, rule in enumerate(versions):
        if rule.valid_on(d.from_date) and (rule.label, rule.legal_basis, rule.source) == (
            d.label,
            d.legal_basis,
            d.source,
        ):
            soon = rules.ruleset.soon_days if rule.soon_days is None else rule.soon_days
            return i, soon
    return 0, rules.ruleset.soon_days


def _compute(
    db: Database, rules: Rules, today: date, ids: Sequence[str] | None
) -> tuple[list[tuple[Any, ...]], dict[str, tuple[str | None, str]]]:
    items: list[tuple[Any, ...]] = []
    nexts: dict[str, tuple[str | None, str]] = {}
    for facts in alerts.case_facts(db, today, ids):
        found = compute_deadlines(facts, rules.ruleset, today)
        pid = facts.person_id
        nexts[pid] = (found[0].due_date.isoformat(), found[0].rule_id) if found else (None, "")
        for position, d in enumerate(found):
            version, soon = _version_index(rules, d)
            due = d.due_date
            items.append(
                (pid, d.rule_id, version, position, due.isoformat(), (due - timedelta(days=soon)).isoformat(),
                 d.from_event[:80], d.from_date.isoformat(), int(is_local(d)))
            )  # fmt: skip
    return items, nexts


def _store(
    conn: Connection,
    key: str,
    today: date,
    ids: Sequence[str],
    computed: tuple[list[tuple[Any, ...]], dict[str, tuple[str | None, str]]],
    changes: dict[str, date],
) -> None:
    items, nexts = computed
    for chunk in _chunks(ids):
        marks = ",".join("?" * len(chunk))
        conn.exec_driver_sql(f"DELETE FROM deadline_item WHERE person_id IN ({marks})", tuple(chunk))
        conn.exec_driver_sql(f"DELETE FROM deadline_state WHERE person_id IN ({marks})", tuple(chunk))
    if items:
        conn.exec_driver_sql(
            f"INSERT INTO deadline_item ({_ITEM_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", items
        )
    day = today.isoformat()
    states = [
        (
            pid,
            key,
            day,
            changes[pid].isoformat() if pid in changes else None,
            *nexts.get(pid, (None, "")),
        )
        for pid in ids
    ]
    if states:
        conn.exec_driver_sql(
            "INSERT INTO deadline_state (person_id, rules_key, computed_on, stale_after, next_due, next_rule) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            states,
        )


def refresh(
    db: Database,
    person_ids: Sequence[str] | None = None,
    *,
    today: date | None = None,
    limit: int | None = None,
) -> int:
    """Recompute the stale people (among ``person_ids``; at most ``limit`` of them); returns how many.

    Each chunk of :data:`CHUNK` people is one transaction. A caseload mostly stale (a first start, a new rule
    table) is computed in one pass over all the facts rather than by lists of ids."""
    today = today or date.today()
    rules = current_rules()
    key = facts_key(db)
    stale = stale_ids(db, today, person_ids)
    if limit is not None:
        stale = stale[:limit]
    if not stale:
        return 0
    if person_ids is None and limit is None and len(stale) > CHUNK:  # one pass over the facts of the vault
        wanted = set(stale)
        items, nexts = _compute(db, rules, today, None)
        computed = ([i for i in items if i[0] in wanted], {k: v for k, v in nexts.items() if k in wanted})
        with db.engine.begin() as conn:
            _store(conn, key, today, stale, computed, _next_changes(conn, today, None))
        journal.record(db, stale)
        return len(stale)
    for start in range(0, len(stale), CHUNK):
        chunk = stale[start : start + CHUNK]
        computed = _compute(db, rules, today, chunk)
        with db.engine.begin() as conn:
            _store(conn, key, today, chunk, computed, _next_changes(conn, today, chunk))
        journal.record(db, chunk)
    return len(stale)


# --- reading ----------------------------------------------------------------------------------------------


def state_of(due: date, alert_from: date, today: date) -> str:
    """« en_retard » after the due date, « bientot » from ``alert_from``, else « a_faire »."""
    if due < today:
        return STATE_LATE
    return STATE_SOON if alert_from <= today else STATE_TODO


def _deadline(rules: Rules, row: Sequence[Any], today: date) -> Deadline | None:
    pid, rule_id, version, _position, due_s, alert_s, from_event, from_s, _local = row
    rule = rules.version(rule_id, int(version))
    if rule is None:
        return None
    due, alert_from = date.fromisoformat(due_s), date.fromisoformat(alert_s)
    state = state_of(due, alert_from, today)
    return Deadline(
        person_id=pid,
        rule_id=rule_id,
        rules_version=rules.ruleset.version,
        label=rule.label,
        due_date=due,
        state=state,
        state_label=STATE_LABELS[state],
        days_left=(due - today).days,
        legal_basis=rule.legal_basis,
        source=rule.source,
        from_event=from_event,
        from_date=date.fromisoformat(from_s),
        local_target=rule.local_target,
    )


def _living(conn: Connection) -> set[str]:
    """Ids of the people not deleted (a sequential scan: cheaper than one lookup per deadline)."""
    return {r[0] for r in _raw(conn, "SELECT id FROM person WHERE deleted_at IS NULL")}


def _scan_items(conn: Connection, where: str = "", params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    """Rows of ``deadline_item`` read in table order. Conditions on a date are written ``+column`` so that
    SQLite scans the table instead of fetching most of its rows one by one through the index."""
    return _raw(conn, f"SELECT {_ITEM_COLUMNS} FROM deadline_item {where}", params)


def _item_rows(
    db: Database, person_ids: Sequence[str] | None, due_before: date | None
) -> list[tuple[Any, ...]]:
    """The stored items of ``person_ids`` (every living person when None), due before ``due_before`` when
    given, as driver tuples in ``_ITEM_COLUMNS`` order, sorted by person then file order."""
    rows: list[tuple[Any, ...]] = []
    due = [due_before.isoformat()] if due_before is not None else []
    with db.engine.connect() as conn:
        if person_ids is None:
            living = _living(conn)
            rows = [r for r in _scan_items(conn, "WHERE +due_date < ?" if due else "", due) if r[0] in living]
        else:
            for chunk in _chunks(list(dict.fromkeys(person_ids))):
                marks = ",".join("?" * len(chunk))
                rows += _raw(
                    conn,
                    f"SELECT {', '.join('i.' + c.strip() for c in _ITEM_COLUMNS.split(','))} "
                    "FROM deadline_item i JOIN person p ON p.id = i.person_id "
                    f"WHERE p.deleted_at IS NULL AND i.person_id IN ({marks})"
                    + (" AND +i.due_date < ?" if due else ""),
                    [*chunk, *due],
                )
    rows.sort(key=lambda r: (r[0], r[3]))
    return rows


def deadlines_of(
    db: Database,
    person_ids: Sequence[str] | None = None,
    *,
    today: date | None = None,
    due_before: date | None = None,
) -> dict[str, list[Deadline]]:
    """Every open deadline of each person (all people when ``person_ids`` is None), most urgent first; with
    ``due_before``, only those due before that day."""
    today = today or date.today()
    refresh(db, person_ids, today=today)
    rules = current_rules()
    out: dict[str, list[Deadline]] = {}
    for row in _item_rows(db, person_ids, due_before):
        if (d := _deadline(rules, row, today)) is not None:
            out.setdefault(d.person_id, []).append(d)
    return out


def most_urgent_within_the_week(
    db: Database, person_ids: Sequence[str] | None = None, *, today: date | None = None
) -> dict[str, tuple[Deadline, int]]:
    """For « Aujourd'hui »: each person's most urgent deadline among the overdue and the week's (a legal
    deadline past, then a departmental target past, then due within :data:`WEEK_DAYS` days; the earliest due
    date, then file order), with how many other deadlines of theirs are overdue or due this week. Graded on
    the stored rows; only the chosen one is made a :class:`Deadline` (at 100,000 people, a quarter of a
    million rows, most of them overdue in a stress test)."""
    today = today or date.today()
    refresh(db, person_ids, today=today)
    rules = current_rules()
    known = rules.known_versions()
    best: dict[str, tuple[tuple[Grade, str], tuple[Any, ...]]] = {}
    counts: dict[str, int] = {}
    for row in _item_rows(db, person_ids, today + timedelta(days=WEEK_DAYS)):
        pid, rule_id, version, _position, due_s = row[:5]
        rule = known.get((rule_id, int(version)))
        if rule is None:
            continue
        key = (grade_of(date.fromisoformat(due_s), rule.local_target, today), due_s)
        counts[pid] = counts.get(pid, 0) + 1
        held = best.get(pid)
        if held is None or key < held[0]:  # rows come in file order: the first of equals stays
            best[pid] = (key, row)
    out: dict[str, tuple[Deadline, int]] = {}
    for pid, (_key, row) in best.items():
        if (d := _deadline(rules, row, today)) is not None:
            out[pid] = (d, counts[pid] - 1)
    return out


def next_of_everyone(db: Database, *, today: date | None = None) -> dict[str, Deadline]:
    """The next deadline of every person who has one (the first in the engine's order)."""
    today = today or date.today()
    refresh(db, today=today)
    rules = current_rules()
    with db.engine.connect() as conn:
        living = _living(conn)
        rows = _scan_items(conn, "WHERE position = 0")
    return {row[0]: d for row in rows if row[0] in living and (d := _deadline(rules, row, today)) is not None}


def alert_deadlines(db: Database, *, today: date | None = None) -> list[Deadline]:
    """Every « bientôt » or « en retard » deadline of the vault, by due date then person."""
    today = today or date.today()
    refresh(db, today=today)
    rules = current_rules()
    with db.engine.connect() as conn:
        living = _living(conn)
        rows = _scan_items(conn, "WHERE +alert_from <= ?", (today.isoformat(),))
    found = [d for row in rows if row[0] in living and (d := _deadline(rules, row, today)) is not None]
    found.sort(key=lambda d: (d.due_date, d.person_id))
    return found


def _scope(referent_id: str | None, alias: str = "p") -> tuple[str, tuple[str, ...]]:
    """SQL condition (and its parameters) of « Mes personnes »: this référent's people and those without one."""
    if referent_id is None:
        return "", ()
    return f" AND ({alias}.referent_id = ? OR {alias}.referent_id IS NULL)", (referent_id,)


def late_people(db: Database, *, today: date | None = None, referent_id: str | None = None) -> int:
    """People of the active caseload (of ``referent_id``'s scope) with at least one overdue deadline (their
    next one is past)."""
    today = today or date.today()
    refresh(db, today=today)
    scope, params = _scope(referent_id)
    sql = (
        "SELECT count(*) FROM deadline_state s JOIN person p ON p.id = s.person_id "
        f"WHERE p.deleted_at IS NULL AND p.status = '{PersonStatus.ACTIVE}' AND s.next_due < ?{scope}"
    )
    with db.engine.connect() as conn:
        return int(_raw(conn, sql, (today.isoformat(), *params))[0][0])


def urgency_of_everyone(
    db: Database, *, today: date | None = None, fresh: bool = True
) -> dict[str, tuple[Grade, date]]:
    """Per person: the grade of their most urgent deadline and its due date (a legal deadline past, else a
    departmental target past, else the earliest; ``Grade.NONE`` and today for who has none) — the sort of « Ma
    file active » by urgency, in one aggregate query. ``fresh=False``: what is computed already (the people
    not computed yet are left out)."""
    today = today or date.today()
    if fresh:
        refresh(db, today=today)
    return urgency_of(db, None, today=today)


def urgency_of(
    db: Database, person_ids: Sequence[str] | None, *, today: date
) -> dict[str, tuple[Grade, date]]:
    """:func:`urgency_of_everyone` for ``person_ids`` (everyone when None), as stored (no refresh): the people
    deleted or not computed yet are left out."""
    day = today.isoformat()
    sql = (
        "SELECT person_id, MIN(CASE WHEN local_target = 0 AND due_date < ? THEN due_date END), "
        "MIN(CASE WHEN local_target != 0 AND due_date < ? THEN due_date END), MIN(due_date) "
        "FROM deadline_item {where} GROUP BY person_id"
    )
    with db.engine.connect() as conn:
        if person_ids is None:
            living = _living(conn)
            rows = _raw(conn, sql.format(where=""), (day, day))
            computed = {r[0] for r in _raw(conn, "SELECT person_id FROM deadline_state")}
        else:
            living, computed, rows = set(), set(), []
            for chunk in _chunks(list(dict.fromkeys(person_ids))):
                marks = ",".join("?" * len(chunk))
                living |= {
                    r[0]
                    for r in _raw(
                        conn, f"SELECT id FROM person WHERE deleted_at IS NULL AND id IN ({marks})", chunk
                    )
                }
                computed |= {
                    r[0]
                    for r in _raw(
                        conn, f"SELECT person_id FROM deadline_state WHERE person_id IN ({marks})", chunk
                    )
                }
                rows += _raw(conn, sql.format(where=f"WHERE person_id IN ({marks})"), (day, day, *chunk))
    out: dict[str, tuple[Grade, date]] = {pid: (Grade.NONE, today) for pid in computed & living}
    for pid, legal_late, local_late, first in rows:
        if pid not in living or pid not in computed:
            continue
        if legal_late is not None:
            out[pid] = (Grade.LEGAL_LATE, date.fromisoformat(legal_late))
        elif local_late is not None:
            out[pid] = (Grade.LOCAL_LATE, date.fromisoformat(local_late))
        else:
            due = date.fromisoformat(first)
            out[pid] = (grade_of(due, False, today), due)
    return out


@dataclass(frozen=True)
class AlertRow:
    """One « bientôt » or « en retard » deadline with the person's name, as the Alertes page lists it."""

    person_id: str
    last_name: str
    first_name: str
    rule: Rule
    due_date: date
    state: str
    local_target: bool


def alert_rows(
    db: Database, *, today: date | None = None, late_only: bool = False, referent_id: str | None = None
) -> list[AlertRow]:
    """Every « bientôt » (or only « en retard ») deadline of the people not deleted (of ``referent_id``'s
    scope), names joined, by rule then due date then name: what the Alertes page shows (two sequential scans,
    joined here)."""
    today = today or date.today()
    refresh(db, today=today)
    rules = current_rules()
    condition = "+due_date < ?" if late_only else "+alert_from <= ?"
    scope, params = _scope(referent_id, "person")
    with db.engine.connect() as conn:
        names = {
            pid: (last, first)
            for pid, last, first in _raw(
                conn, f"SELECT id, last_name, first_name FROM person WHERE deleted_at IS NULL{scope}", params
            )
        }
        rows = _raw(
            conn,
            f"SELECT person_id, rule_id, version, due_date, alert_from, local_target FROM deadline_item "
            f"WHERE {condition}",
            (today.isoformat(),),
        )
    day = today.isoformat()  # ISO dates compare as text: no parsing to tell the state
    versions: dict[tuple[str, int], Rule | None] = {}
    kept = []
    for pid, rule_id, version, due_s, alert_s, local in rows:
        name = names.get(pid)
        if name is None:
            continue
        key = (rule_id, int(version))
        if key not in versions:
            versions[key] = rules.version(rule_id, key[1])
        if versions[key] is not None:
            kept.append((rule_id, due_s, name[0], name[1], pid, key, alert_s, local))
    kept.sort()
    out = []
    for _rule_id, due_s, last, first, pid, key, alert_s, local in kept:
        state = STATE_LATE if due_s < day else STATE_SOON if alert_s <= day else STATE_TODO
        rule = versions[key]
        assert rule is not None
        out.append(AlertRow(pid, last, first, rule, date.fromisoformat(due_s), state, bool(local)))
    return out
