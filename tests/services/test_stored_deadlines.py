"""Deadlines kept in the vault (issue #15, point 6): the same as the rule engine's, recomputed only for the people
whose facts changed — whatever wrote the change — and on the day a dated fact comes into force."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select, text

from app.models.rules.engine import load_default_rules
from app.models.tables.followup import Appointment
from app.models.tables.local import DeadlineItem, DeadlineState
from app.models.tables.people import Person
from app.services.people import alerts, deadline_journal, followup, status, stored_deadlines
from app.services.storage.vault import Vault
from tests.services.test_alerts import ON, populate


def _direct(vault: Vault, on: date) -> dict[str, list[dict]]:
    result = alerts.caseload_deadlines(vault.db, on, load_default_rules())
    out: dict[str, list[dict]] = {}
    for d in result.deadlines:
        out.setdefault(d.person_id, []).append(asdict(d))
    for items in out.values():
        items.sort(key=lambda d: (d["due_date"], d["rule_id"]))
    return out


def _stored(vault: Vault, on: date) -> dict[str, list[dict]]:
    found = stored_deadlines.deadlines_of(vault.db, today=on)
    return {pid: sorted((asdict(d) for d in items), key=lambda d: (d["due_date"], d["rule_id"]))
            for pid, items in found.items() if items}  # fmt: skip


def _states(vault: Vault) -> set[str]:
    with vault.db.read() as s:
        return set(s.scalars(select(DeadlineState.person_id)))


def test_every_fact_table_has_its_triggers_at_head(vault: Vault) -> None:
    with vault.db.read() as s:
        names = set(s.scalars(text("SELECT name FROM sqlite_master WHERE type = 'trigger'")))
    for table in stored_deadlines.FACT_TABLES:
        assert {f"trg_deadline_{table}_{op}" for op in ("ins", "upd", "del")} <= names, table
    assert {"trg_deadline_person_upd", "trg_deadline_person_del"} <= names


#: Tables with a ``person_id`` the deadlines are not computed from (checked against ``alerts._read_tables``).
NOT_FACTS = {
    "action", "appointment_letter", "appointment_reminder", "audit_event", "co_accompaniment", "conflict",
    "deadline_item", "deadline_state", "document", "duplicate_review", "ep_referral_fact", "note", "objective",
    "sanction_step",
}  # fmt: skip


def test_every_table_about_a_person_is_classified() -> None:
    """A new table about a person (bilans and joint reviews came with rule table 2027.2) is either a fact of the
    deadlines — in FACT_TABLES, with its triggers in a migration — or listed here as not one; and every table the
    facts are read from is in FACT_TABLES."""
    import app.models.tables  # noqa: F401  (registers every table)
    from app.models.tables.base import Base

    about_a_person = {t.name for t in Base.metadata.tables.values() if "person_id" in t.c}
    assert about_a_person - NOT_FACTS == set(stored_deadlines.FACT_TABLES)
    names = {
        n
        for f in (alerts._read_tables, alerts._read_reviews, alerts._ep_pending)
        for n in f.__code__.co_names
    }
    read = {m.local_table.name for m in Base.registry.mappers if m.class_.__name__ in names}
    assert read & about_a_person <= set(stored_deadlines.FACT_TABLES), read


def test_stored_deadlines_are_the_engines(vault: Vault) -> None:
    populate(vault)
    assert _stored(vault, ON) == _direct(vault, ON)
    assert stored_deadlines.refresh(vault.db, today=ON) == 0  # nothing changed: nothing computed again
    alerts_now = [asdict(d) for d in stored_deadlines.alert_deadlines(vault.db, today=ON)]
    expected = [asdict(d) for d in alerts.caseload_deadlines(vault.db, ON, load_default_rules()).alerts()]
    assert sorted(alerts_now, key=str) == sorted(expected, key=str) and alerts_now


def test_a_change_recomputes_that_person_only_whoever_writes_it(vault: Vault) -> None:
    ids = populate(vault)
    stored_deadlines.refresh(vault.db, today=ON)
    assert _states(vault) == {ids["a"], ids["b"], ids["c"]}  # the deleted person has none
    with vault.db.session() as s:  # a service-like write: an honoured RDV for B
        s.add(Appointment(person_id=ids["b"], starts_at=datetime(2026, 11, 20, 10), purpose="suivi",
                          nature="physique", status="honore"))  # fmt: skip
    assert _states(vault) == {ids["a"], ids["c"]}
    assert stored_deadlines.refresh(vault.db, today=ON) == 1
    assert _stored(vault, ON) == _direct(vault, ON)
    with vault.db.engine.begin() as conn:  # a raw write, as the sync download applies rows
        conn.execute(text("UPDATE person SET status = 'exited' WHERE id = :id"), {"id": ids["a"]})
        conn.execute(text("UPDATE person SET phone = '0600000000' WHERE id = :id"), {"id": ids["c"]})
    assert _states(vault) == {ids["b"], ids["c"]}  # a phone number is not a fact of the deadlines
    assert stored_deadlines.refresh(vault.db, today=ON) == 1
    assert _stored(vault, ON) == _direct(vault, ON)


def test_a_dated_fact_recomputes_the_person_on_its_day(vault: Vault) -> None:
    ids = populate(vault)  # A has an honoured RDV on 30/11 and an orientation decided on 01/12
    stored_deadlines.refresh(vault.db, today=ON)
    with vault.db.read() as s:
        state = s.get(DeadlineState, ids["a"])
    assert state is not None and state.stale_after == date(2026, 11, 30)
    assert stored_deadlines.refresh(vault.db, today=date(2026, 11, 29)) == 0
    day = date(2026, 11, 30)
    assert stored_deadlines.refresh(vault.db, today=day) == 1
    assert _stored(vault, day) == _direct(vault, day)
    later = date(2026, 12, 1)
    assert _stored(vault, later) == _direct(vault, later)


def test_states_follow_the_day_without_recomputing(vault: Vault) -> None:
    ids = populate(vault)
    stored_deadlines.refresh(vault.db, today=ON)
    b = stored_deadlines.deadlines_of(vault.db, [ids["b"]], today=ON)[ids["b"]]
    first = b[0]
    before = first.due_date - timedelta(days=1)
    assert stored_deadlines.state_of(first.due_date, first.due_date, before) == "a_faire"
    assert stored_deadlines.state_of(first.due_date, before, before) == "bientot"
    assert (
        stored_deadlines.state_of(first.due_date, before, first.due_date + timedelta(days=1)) == "en_retard"
    )


def test_another_rule_table_recomputes_everyone(vault: Vault, monkeypatch: pytest.MonkeyPatch) -> None:
    populate(vault)
    stored_deadlines.refresh(vault.db, today=ON)
    monkeypatch.setattr(stored_deadlines, "LOGIC", "autre")
    assert stored_deadlines.refresh(vault.db, today=ON) == 3


def test_a_person_deleted_takes_its_deadlines_along(vault: Vault) -> None:
    ids = populate(vault)
    stored_deadlines.refresh(vault.db, today=ON)
    with vault.db.engine.begin() as conn:  # a person leaving the scope is removed locally
        for table in ("orientation", "referent_assignment", "parcours", "appointment", "prescription",
                      "contract", "diagnostic_version"):  # fmt: skip
            conn.execute(text(f"DELETE FROM {table} WHERE person_id = :id"), {"id": ids["a"]})
        conn.execute(text("DELETE FROM person WHERE id = :id"), {"id": ids["a"]})
    with vault.db.read() as s:
        assert not s.scalars(select(DeadlineItem).where(DeadlineItem.person_id == ids["a"])).all()
    assert ids["a"] not in stored_deadlines.deadlines_of(vault.db, today=ON)


def test_the_caseload_and_the_alerts_read_the_store(vault: Vault) -> None:
    ids = populate(vault)
    today = date.today()
    groups = followup.alert_groups(vault.db, today)
    with vault.db.read() as s:
        assert s.scalar(select(DeadlineState.person_id).where(DeadlineState.person_id == ids["b"]))
    direct = alerts.caseload_deadlines(vault.db, today, load_default_rules()).alerts()
    assert sum(len(g.lines) for g in groups) == len(direct)
    late = status.status_info(vault.db, mine_only=False).late
    with vault.db.read() as s:
        active = set(
            s.scalars(select(Person.id).where(Person.status == "active", Person.deleted_at.is_(None)))
        )
    assert late == len({d.person_id for d in direct if d.state == "en_retard" and d.person_id in active})


def test_the_overseas_setting_recomputes_everyone(vault: Vault) -> None:
    from app.services.storage import settings

    populate(vault)
    stored_deadlines.refresh(vault.db, today=ON)
    settings.set_value(vault.db, settings.OVERSEAS_DEPARTMENT, True)
    assert stored_deadlines.refresh(vault.db, today=ON) == 3
    assert _stored(vault, ON) == _direct(vault, ON)


def test_local_targets_are_stored_as_such(vault: Vault) -> None:
    populate(vault)
    found = [d for items in stored_deadlines.deadlines_of(vault.db, today=ON).values() for d in items]
    assert {d.local_target for d in found} == {True, False}
    with vault.db.read() as s:
        stored = {(i.person_id, i.rule_id): i.local_target for i in s.scalars(select(DeadlineItem))}
    assert all(stored[(d.person_id, d.rule_id)] == d.local_target for d in found)


@pytest.mark.parametrize("by_ids", [False, True])
def test_the_week_s_most_urgent_is_the_one_graded_on_every_deadline(vault: Vault, by_ids: bool) -> None:
    """« Aujourd'hui » grades stored rows and builds only the chosen deadline: the same choice, and the same
    count of others, as grading every deadline of the person (most_urgent over the engine's deadlines)."""
    from app.models.rules.urgency import Grade, grade, most_urgent

    populate(vault)
    for on in (ON, ON + timedelta(days=40), ON + timedelta(days=400)):
        expected = {}
        for pid, items in stored_deadlines.deadlines_of(vault.db, today=on).items():
            first = most_urgent(items, on)
            if first is not None and grade(first, on) <= Grade.THIS_WEEK:
                others = sum(1 for d in items if d is not first and grade(d, on) <= Grade.THIS_WEEK)
                expected[pid] = (asdict(first), others)
        ids = [*expected, "absent"] if by_ids else None
        got = stored_deadlines.most_urgent_within_the_week(vault.db, ids, today=on)
        assert {pid: (asdict(d), n) for pid, (d, n) in got.items()} == expected
        assert expected, on  # the data has overdue or near deadlines on each of these days


def test_after_a_write_the_list_s_urgency_is_patched_not_read_again(
    vault: Vault, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The index of « Ma file active » keeps its urgency map across writes: the people whose deadlines were
    recomputed since are read again, the others are not (at 100,000 people reading everyone cost most of a
    second after each write) — and the result is the map read whole."""
    from app.services.people import caseload
    from app.services.people.caseload import CaseloadIndex, CaseloadQuery

    populate(vault)
    today = date.today()
    index = CaseloadIndex(vault.db)
    index.urgency()
    seen = deadline_journal.generation(vault.db)
    with vault.db.read() as s:
        pid = s.scalars(select(Person.id).where(Person.deleted_at.is_(None))).first()
    with vault.db.session() as s:  # a fact of that person changes (the store's triggers mark them stale)
        s.add(Appointment(person_id=pid, starts_at=datetime.combine(today - timedelta(days=1), datetime.min.time()),
                          duration_min=30, purpose="suivi", nature="physique", status="honore"))  # fmt: skip
    index.invalidate()

    def everyone(*_a, **_k):
        raise AssertionError("read whole after a write of one person")

    monkeypatch.setattr(caseload.stored_deadlines, "urgency_of_everyone", everyone)
    patched = dict(index.urgency())
    monkeypatch.undo()
    assert deadline_journal.recomputed_since(vault.db, seen) == {pid}  # that person only was read again
    assert patched == stored_deadlines.urgency_of_everyone(vault.db, today=today)
    assert index.ids(CaseloadQuery(sort="urgency"))  # the list sorts with it
