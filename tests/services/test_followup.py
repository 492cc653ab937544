"""Follow-up read helpers: alerts grouped by rule, caseload filters, sanction procedures, dialog context."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from app.services.casefile import rdv, sanctions
from app.services.people import caseload, filters, followup, parcours
from app.services.people import identity as people
from app.services.people.caseload import CaseloadQuery
from app.services.people.filters import CaseloadFilters
from app.services.people.identity import PersonInput

TODAY = date.today()


@pytest.fixture
def case(vault):
    db = vault.db
    ref = people.upsert_referent(db, login="cm", first_name="Claire", last_name="Marchand", structure="MDS")
    other = people.upsert_referent(db, login="jd", first_name="Jean", last_name="Dupuis", structure="CCAS")

    def person(last, regime, track, oriented_days_ago, **kw):
        pid = people.create_person(
            db,
            PersonInput(
                last_name=last, first_name="Test", regime=regime, rsa_entry_date=TODAY - timedelta(400)
            ),
        )
        parcours.open_parcours(db, pid, start_date=TODAY - timedelta(days=oriented_days_ago), track=track)
        day = TODAY - timedelta(days=oriented_days_ago)
        parcours.record_orientation(db, pid, track=track, decision_date=day, notification_date=day)
        people.assign_referent(db, pid, ref, start_date=day)
        return pid

    a = person("Alpha", "plein_emploi", "social", 90)
    b = person("Bravo", "legacy", "emploi", (TODAY - date(2024, 11, 15)).days)  # oriented before the 2025 law
    c = person("Charlie", "plein_emploi", "emploi", 5)
    rdv.add_appointment(
        db,
        c,
        starts_at=datetime.combine(TODAY - timedelta(days=2), datetime.min.time()).replace(hour=10),
        purpose="suivi",
        nature="physique",
        status="honore",
    )
    return {"db": db, "ref": ref, "other": other, "a": a, "b": b, "c": c}


def test_alert_groups_by_rule_with_basis(case):
    groups = followup.alert_groups(case["db"])
    assert groups, "a caseload oriented 90 days ago has overdue items"
    rule_ids = [g.rule_id for g in groups]
    assert len(rule_ids) == len(set(rule_ids))
    for g in groups:
        assert g.label and g.legal_basis
        assert [line.due_date for line in g.lines] == sorted(line.due_date for line in g.lines)
    late = followup.alert_groups(case["db"], late_only=True)
    assert all(line.state == "en_retard" for g in late for line in g.lines)
    assert sum(g.late for g in groups) == sum(len(g.lines) for g in late)


def test_tab_for_rule():
    assert followup.tab_for_rule("first_rdv") == "rdv"
    assert followup.tab_for_rule("contract_ce") == "contrats"
    assert followup.tab_for_rule("orientation") is None


def _ids(db, **kw):
    return set(
        caseload.list_ids(
            db, CaseloadQuery(filters=CaseloadFilters(**kw), include_exited=kw.get("exited", False))
        )
    )


def test_filters(case):
    db, a, b, c = case["db"], case["a"], case["b"], case["c"]
    assert _ids(db, track="emploi") == {b, c}
    assert _ids(db, regime="legacy") == {b}  # an orientation decided since 2025 is under the new regime
    assert _ids(db, without_contract=True) == {a, b, c}
    assert _ids(db, no_rdv_2_months=True) == {a, b}
    late = _ids(db, late=True)
    assert a in late and late <= {a, b, c}
    assert _ids(db, exited=True) == set()
    parcours.record_exit(db, a, exit_date=TODAY, category="autres", reason="demenagement")
    assert _ids(db, exited=True) == {a}
    assert a not in _ids(db, track="social") | set(caseload.list_ids(db, CaseloadQuery()))
    assert filters.filter_summary(CaseloadFilters(track="social", late=True)) == "Social · en retard"


def test_sanction_procedures_and_context(case):
    db, a = case["db"], case["a"]
    first = sanctions.add_sanction_step(
        db, a, kind="manquement", step_date=TODAY - timedelta(days=30), detail="RDV"
    )
    sanctions.add_sanction_step(
        db, a, kind="courrier", step_date=TODAY - timedelta(days=20), procedure_id=first.procedure_id
    )
    procs = followup.sanction_procedures(db, a)
    assert len(procs) == 1 and [s.kind for s in procs[0].steps] == ["manquement", "courrier"]
    assert not procs[0].closed
    ctx = followup.followup_context(db, a)
    assert ctx.track == "social" and not ctx.exited and ctx.referent_id == case["ref"]
    assert {r.id for r in followup.referent_choices(db)} == {case["ref"], case["other"]}
