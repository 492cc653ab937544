"""Alerts page, caseload filters and the follow-up dialogs (orientation, exit, re-entry, sanction, référent) on
a real vault through the database worker (offscreen)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDoubleSpinBox, QLabel, QSpinBox

from app.services.casefile import rdv, sanctions
from app.services.demo import build as demo
from app.services.people import caseload, followup, parcours
from app.services.people import identity as people
from app.services.people.caseload import CaseloadQuery
from app.services.people.identity import PersonInput
from app.services.storage import vault as vault_service
from app.ui.caseload.page import CaseloadPage
from app.ui.pages.alerts.page import PID_ROLE, AlertsPage
from app.ui.person.exit_dialogs import EXIT_CONSEQUENCE, ExitDialog, ReentryDialog
from app.ui.person.parcours_dialogs import OrientationDialog, ReferentDialog
from app.ui.person.sanction_dialog import SanctionDialog
from tests.conftest import TEST_PASSPHRASE
from tests.ui.kit import idle, shot

TODAY = date.today()


@pytest.fixture
def case(vault):
    db = vault.db
    ref = people.upsert_referent(db, login="cm", first_name="Claire", last_name="Marchand", structure="MDS")
    other = people.upsert_referent(db, login="jd", first_name="Jean", last_name="Dupuis", structure="CCAS")
    people.set_current_referent(db, ref)

    def person(last, regime, track, days_ago):  # oriented since 2025: the plein-emploi regime (L.262-34 CASF)
        pid = people.create_person(
            db,
            PersonInput(
                last_name=last, first_name="Test", regime=regime, rsa_entry_date=TODAY - timedelta(400)
            ),
        )
        day = TODAY - timedelta(days=days_ago)
        parcours.open_parcours(db, pid, start_date=day, track=track)
        parcours.record_orientation(
            db, pid, track=track, decision_date=day, notification_date=day, organisme="MDS"
        )
        people.assign_referent(db, pid, ref, start_date=day)
        return pid

    ids = {
        "a": person("Alpha", "plein_emploi", "social", 90),
        "b": person("Bravo", "legacy", "emploi", (TODAY - date(2024, 11, 15)).days),  # oriented before 2025
        "c": person("Charlie", "plein_emploi", "emploi", 5),
    }
    at = datetime.combine(TODAY - timedelta(days=2), datetime.min.time()).replace(hour=10)
    rdv.add_appointment(db, ids["c"], starts_at=at, purpose="suivi", nature="physique", status="honore")
    return {"db": db, "ref": ref, "other": other, **ids}


def children(page: AlertsPage):
    model = page.model
    for i in range(model.rowCount()):
        group = model.index(i, 0)
        yield group, [model.index(j, 0, group) for j in range(model.rowCount(group))]


# --- alerts page --------------------------------------------------------------------------------------------


def test_alerts_page_groups_and_opens_at_the_right_tab(qtbot, qtmodeltester, ctx, case):
    page = AlertsPage(ctx)
    qtbot.addWidget(page)
    page.show()
    idle(qtbot, ctx)
    qtmodeltester.check(page.model)
    groups = page.groups
    assert groups and page.stack.currentWidget() is page.tree
    assert page.model.rowCount() == len(groups)
    for (item, lines), g in zip(children(page), groups, strict=True):
        assert g.label in item.data() and g.legal_basis in item.data(Qt.ItemDataRole.ToolTipRole)
        assert item.siblingAtColumn(1).data() in ("Délai légal", "Objectif départemental")
        assert len(lines) == len(g.lines)
        assert ("(objectif départemental)" in item.data()) == g.local_target  # never printed as a legal duty
        assert item.siblingAtColumn(1).data() == (
            "Objectif départemental" if g.local_target else "Délai légal"
        )
    assert {g.local_target for g in groups} == {True, False}
    by_tab = {g.tab: g for g in groups}
    target = by_tab.get("rdv") or by_tab.get("contrats") or groups[0]
    item = next(lines for it, lines in children(page) if target.label in it.data())[0]
    page.tree.setCurrentIndex(item)
    assert target.legal_basis in page.basis.text()  # the basis is shown, not only on hover
    assert page.actions_bar.buttons["rdv"].isEnabled()
    page._activated(item)
    assert ctx.opened[-1] == (item.data(PID_ROLE), target.tab)
    page.actions_bar.run("convoke")  # « Convoquer » opens the file at the Rendez-vous tab for now
    assert ctx.opened[-1] == (item.data(PID_ROLE), "rdv")
    page.late_only.setChecked(True)
    idle(qtbot, ctx)
    assert all(line.state == "en_retard" for g in page.groups for line in g.lines)
    late_people = {line.person_id for g in page.groups for line in g.lines}
    assert page.count.text().startswith(f"{len(late_people)} personne")  # the badge's count, said first


def test_alerts_page_empty_state(qtbot, ctx, vault):
    page = AlertsPage(ctx)
    qtbot.addWidget(page)
    page.show()
    idle(qtbot, ctx)
    assert page.stack.currentWidget() is page.empty
    assert "Aucune échéance" in page.empty.title.text()


# --- caseload filters ---------------------------------------------------------------------------------------


def test_caseload_filter_panel(qtbot, ctx, case):
    page = CaseloadPage(ctx.worker)
    qtbot.addWidget(page)
    page.show()
    page.refresh()
    idle(qtbot, ctx)

    def shown() -> set[str]:
        idle(qtbot, ctx)
        return {page.model.row_id(r) for r in range(page.model.rowCount())}

    a, b, c = case["a"], case["b"], case["c"]
    assert shown() == {a, b, c}
    panel = page.filters
    panel.track.setCurrentIndex(panel.track.findData("emploi"))
    assert shown() == {b, c}
    assert "Emploi" in page.count.text()
    panel.regime.setCurrentIndex(panel.regime.findData("legacy"))
    assert shown() == {b}
    panel.clear()
    assert shown() == {a, b, c}
    panel.flags["no_rdv_2_months"].setChecked(True)
    assert shown() == {a, b}
    panel.clear()
    panel.flags["without_contract"].setChecked(True)
    assert shown() == {a, b, c}
    panel.clear()
    panel.flags["late"].setChecked(True)
    assert a in shown()
    panel.clear()
    panel.flags["exited"].setChecked(True)
    assert shown() == set() and page.stack.currentWidget() is page.empty


# --- dialogs ------------------------------------------------------------------------------------------------


def test_reorientation_closes_the_previous_one(qtbot, ctx, case):
    db, a = case["db"], case["a"]
    dialog = OrientationDialog(ctx, followup.followup_context(db, a))
    qtbot.addWidget(dialog)
    assert dialog.reorientation and "sera <b>close</b>" in dialog.intro.text()
    dialog.track.setCurrentIndex(dialog.track.findData("socio_pro"))
    assert dialog.organisme.findText("France Travail") < 0  # organismes follow the track
    dialog.ep_opinion.setText("Avis favorable")
    dialog.save()
    idle(qtbot, ctx)
    history = parcours.orientation_history(db, a)
    assert [o.track for o in history] == ["social", "socio_pro"]
    assert history[0].ended_on == TODAY and history[1].is_reorientation and history[1].ep_opinion
    assert ctx.changes == [a]


def test_first_orientation_dialog(qtbot, ctx, case):
    db = case["db"]
    pid = people.create_person(db, PersonInput(last_name="Delta", first_name="Test", regime="plein_emploi"))
    dialog = OrientationDialog(ctx, followup.followup_context(db, pid))
    qtbot.addWidget(dialog)
    assert not dialog.reorientation
    dialog.track.setCurrentIndex(dialog.track.findData("emploi"))
    dialog.organisme.setCurrentText("France Travail")
    dialog.save()
    idle(qtbot, ctx)
    assert [(o.track, o.organisme) for o in parcours.orientation_history(db, pid)] == [
        ("emploi", "France Travail")
    ]


def test_exit_dialog_confirms_then_person_leaves_and_can_reenter(qtbot, ctx, case):
    db, a = case["db"], case["a"]
    dialog = ExitDialog(ctx, followup.followup_context(db, a))
    qtbot.addWidget(dialog)
    assert not dialog.reason.isEnabled()
    dialog.category.setCurrentIndex(dialog.category.findData("emploi_durable"))
    reasons = [dialog.reason.itemData(i) for i in range(dialog.reason.count())]
    assert reasons == ["cdi", "cdd_6_mois_plus", "creation_entreprise"]
    assert dialog.followup.isEnabled()
    dialog.followup.check.setChecked(True)
    assert dialog.followup.value() is not None
    dialog.category.setCurrentIndex(dialog.category.findData("autres"))
    assert not dialog.followup.isEnabled() and dialog.followup.value() is None
    dialog.reason.setCurrentIndex(dialog.reason.findData("demenagement"))
    dialog.save()  # first click: confirmation spelling out the consequence
    assert dialog.confirming and EXIT_CONSEQUENCE in dialog.confirm.text()
    assert not parcours.parcours_history(db, a)[-1].exit
    dialog.save()
    idle(qtbot, ctx)
    assert parcours.parcours_history(db, a)[-1].exit.reason == "demenagement"
    assert a not in caseload.list_ids(db, CaseloadQuery())
    reentry = ReentryDialog(ctx, followup.followup_context(db, a))
    qtbot.addWidget(reentry)
    assert "nouveau parcours" in reentry.intro.text()
    reentry.save()
    idle(qtbot, ctx)
    assert a in caseload.list_ids(db, CaseloadQuery()) and len(parcours.parcours_history(db, a)) == 2


def test_exit_dialog_needs_a_reason(qtbot, ctx, case):
    dialog = ExitDialog(ctx, followup.followup_context(case["db"], case["b"]))
    qtbot.addWidget(dialog)
    dialog.save()
    assert dialog.errors["category"].text() and not dialog.confirming


def test_sanction_dialog_has_no_amount_and_records_steps(qtbot, ctx, case):
    db, a = case["db"], case["a"]
    dialog = SanctionDialog(ctx, followup.followup_context(db, a), followup.sanction_procedures(db, a))
    qtbot.addWidget(dialog)
    assert not dialog.findChildren(QDoubleSpinBox)  # the only numbers are the decided share (%) and months
    assert sorted(s.suffix() for s in dialog.findChildren(QSpinBox)) == [" %", " mois"]
    labels = [w.text().lower() for w in dialog.findChildren(QLabel)]
    assert not any(t.startswith("montant") for t in labels)
    assert dialog.kind.currentData() == "manquement" and dialog.kind.count() == 1
    dialog.step_date.set_value(TODAY - timedelta(days=10))
    dialog.detail.setPlainText("RDV du bilan non honoré")
    dialog.save()
    idle(qtbot, ctx)
    procs = followup.sanction_procedures(db, a)
    assert len(procs) == 1
    again = SanctionDialog(ctx, followup.followup_context(db, a), procs)
    qtbot.addWidget(again)
    shown = [again.steps.topLevelItem(i) for i in range(again.steps.topLevelItemCount())]
    assert len(shown) == 5 and again.kind.currentData() == "courrier"  # every step, in order
    assert [it.isDisabled() for it in shown] == [False, True, True, True, True]
    again.save()
    idle(qtbot, ctx)
    assert [s.kind for s in followup.sanction_procedures(db, a)[0].steps] == ["manquement", "courrier"]


def test_sanction_decision_records_share_and_duration_within_the_law(qtbot, ctx, case):
    """A suppression needs the EP's opinion first; a first suspension lasts two months at most; a household's
    share is capped at 50 %; the decided facts show in the procedure's steps."""
    db, a = case["db"], case["a"]
    ref = sanctions.add_sanction_step(db, a, kind="manquement", step_date=TODAY - timedelta(days=40))
    sanctions.add_sanction_step(
        db, a, kind="courrier", step_date=TODAY - timedelta(days=35), procedure_id=ref.procedure_id
    )
    dialog = SanctionDialog(ctx, followup.followup_context(db, a), followup.sanction_procedures(db, a))
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.kind.setCurrentIndex(dialog.kind.findData("decision"))
    assert dialog.decision.isVisible() and not dialog.rate.isVisible() and not dialog.outcome.isVisible()
    dialog.decision.setCurrentIndex(dialog.decision.findData("suppression"))
    assert dialog.rate.isVisible() and dialog.months.maximum() == 4
    dialog.save()
    qtbot.waitUntil(lambda: bool(dialog.errors["decision"].text()), timeout=10_000)
    assert "équipe pluridisciplinaire" in dialog.errors["decision"].text() and dialog.isVisible()
    dialog.decision.setCurrentIndex(dialog.decision.findData("suspension"))
    assert dialog.months.maximum() == 2 and "premier manquement" in dialog.bounds.text()
    dialog.household.setChecked(True)
    assert dialog.rate.maximum() == 50
    dialog.rate.setValue(80)  # clamped by the field
    dialog.months.setValue(2)
    shot(dialog, "sanction_decision")
    dialog.save()
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=10_000)
    step = followup.sanction_procedures(db, a)[0].steps[-1]
    assert (step.decision, step.rate_percent, step.duration_months, step.household_cap) == (
        "suspension",
        50,
        2,
        True,
    )
    again = SanctionDialog(ctx, followup.followup_context(db, a), followup.sanction_procedures(db, a))
    qtbot.addWidget(again)
    texts = [again.steps.topLevelItem(i).text(2) for i in range(again.steps.topLevelItemCount())]
    assert any(t.startswith("Suspension (suspension-remobilisation) · 50 % · 2 mois") for t in texts)


def test_reassign_many(qtbot, ctx, case):
    db = case["db"]
    ids = [case["a"], case["b"]]
    dialog = ReferentDialog(
        ctx, ids, ["Test ALPHA", "Test BRAVO"], followup.referent_choices(db), case["ref"]
    )
    qtbot.addWidget(dialog)
    assert dialog.referent.count() == 1 and dialog.referent.currentData() == case["other"]
    dialog.reason.setPlainText("Rééquilibrage des files actives")
    dialog.save()
    idle(qtbot, ctx)
    for pid in ids:
        history = people.referent_history(db, pid)
        assert [h.referent_id for h in history] == [case["ref"], case["other"]]
    assert people.referent_history(db, case["c"])[-1].referent_id == case["ref"]
    assert ctx.changes == [None]


def test_caseload_multi_selection_for_reassignment(qtbot, ctx, case):
    page = CaseloadPage(ctx.worker)
    qtbot.addWidget(page)
    page.show()
    page.refresh()
    idle(qtbot, ctx)
    page.view.selectAll()
    ids, names = page.selected_people()
    assert set(ids) == {case["a"], case["b"], case["c"]} and len(names) == 3
    assert any(a.text() == "Changer de référent…" for a in page.view.actions())


# --- demo vault ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_vault(tmp_path_factory):
    root = tmp_path_factory.mktemp("demo")
    v = vault_service.create_vault(
        root, "demo", mode=vault_service.MODE_PASSPHRASE, passphrase=TEST_PASSPHRASE
    )
    demo.populate_demo(v, seed=2026)
    yield v
    v.close()


def test_demo_shows_alerts_of_several_kinds(qtbot, ctx_for, demo_vault):
    context = ctx_for(demo_vault)
    page = AlertsPage(context)
    qtbot.addWidget(page)
    page.resize(1280, 800)
    page.show()
    idle(qtbot, context)
    assert len({g.rule_id for g in page.groups}) >= 3
    shot(page, "alerts_page")
    pid = page.groups[0].lines[0].person_id
    dialog = ExitDialog(context, followup.followup_context(demo_vault.db, pid))
    qtbot.addWidget(dialog)
    dialog.category.setCurrentIndex(dialog.category.findData("emploi_durable"))
    dialog.followup.check.setChecked(True)
    dialog.save()
    dialog.show()
    shot(dialog, "exit_dialog")
    first = sanctions.add_sanction_step(
        demo_vault.db,
        pid,
        kind="manquement",
        step_date=TODAY - timedelta(days=21),
        detail="RDV non honoré",
    )
    sanctions.add_sanction_step(
        demo_vault.db, pid, kind="courrier", step_date=TODAY - timedelta(days=14),
        procedure_id=first.procedure_id, detail="Invitation à présenter des observations sous 10 jours",
    )  # fmt: skip
    procs = followup.sanction_procedures(demo_vault.db, pid)
    sanction = SanctionDialog(context, followup.followup_context(demo_vault.db, pid), procs)
    assert sanction.kind.currentData() == "avis_ep"
    qtbot.addWidget(sanction)
    sanction.show()
    shot(sanction, "sanction_dialog")
    dialog.dirty = sanction.dirty = False
    from app.ui.person.page import PersonPage

    person = PersonPage(context.worker, pid, ctx=context)
    qtbot.addWidget(person)
    person.resize(1280, 800)
    person.show()
    idle(qtbot, context)
    assert person.synthesis.action_bar is not None
    assert person.synthesis.action_bar.buttons["exit"].text() == "Sortie du dispositif…"
    person.reload()  # the Synthèse is rebuilt, not duplicated
    idle(qtbot, context)
    shot(person, "person_synthesis_actions")
    orientation = OrientationDialog(context, followup.followup_context(demo_vault.db, pid))
    qtbot.addWidget(orientation)
    orientation.show()
    shot(orientation, "orientation_dialog")
    page = CaseloadPage(context.worker)
    qtbot.addWidget(page)
    page.resize(1280, 800)
    page.show()
    page.filters.flags["without_contract"].setChecked(True)
    idle(qtbot, context)
    assert "sans contrat" in page.count.text()
    shot(page, "caseload_filters")
