"""The équipe pluridisciplinaire's screens on real widgets over a real vault: the référent's saisine from the
person's « EP » tab (the facts of the file ticked, nothing retyped), the secretariat's page (séance created,
saisines put on its agenda, convocation, hearing, avis, décision) and what a référent's enrolled device may not
do there. Screenshots: saisine dialog and tab, séance dialog, the EP page, the decision dialog."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from app.models.tables.local import SyncState
from app.services.casefile import notes, rdv, sanctions
from app.services.ep import facts, referrals, seances, views
from app.services.sync.base import K_USER
from app.ui.kit.forms import FollowupDialog
from app.ui.kit.preview import PdfPreviewDialog
from app.ui.pages.ep.dialogs import DecisionDialog, HearingDialog, OpinionDialog, SeanceDialog, parse_members
from app.ui.pages.ep.page import EpPage, chain_summary
from app.ui.person.ep.dialogs import ReferralContext, ReferralDialog
from app.ui.person.ep.tab import EpTab
from tests.services import test_contracts
from tests.ui.kit import idle, shot

person = test_contracts.person  # oriented socio_pro on 02/09/2026, référent Clémence Marchand-Éloi
TODAY = date.today()
PAST = datetime.combine(TODAY - timedelta(days=2), datetime.min.time()).replace(hour=9, minute=30)


@pytest.fixture
def breach(vault, person):
    pid, _rid = person
    rdv.add_appointment(
        vault.db,
        pid,
        starts_at=PAST - timedelta(days=30),
        purpose="suivi",
        nature="physique",
        status="non_honore",
    )
    notes.add_note(
        vault.db, pid, kind="courrier", body="Courrier de relance.", written_at=PAST - timedelta(days=29)
    )
    step = sanctions.add_sanction_step(
        vault.db, pid, kind="manquement", step_date=(PAST - timedelta(days=28)).date()
    )
    return step.procedure_id


def close_box(text: str) -> None:
    [box] = [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()]
    assert text in box.text()
    box.done(0)


def _dialog(cls):
    found = [w for w in QApplication.topLevelWidgets() if isinstance(w, cls) and w.isVisible()]
    assert found, cls.__name__
    return found[-1]


def test_the_referent_seizes_the_ep_from_the_file(qtbot, vault, ctx, person, breach):
    pid, _ = person
    choices = {
        m: facts.fact_choices(vault.db, pid, m) for m in ("reorientation", "sanction", "situation_complexe")
    }
    dialog = ReferralDialog(ctx, ReferralContext(pid, "LEFÈVRE Éloïse", choices, breach))
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.save()
    idle(qtbot, ctx)
    assert dialog.errors["motive"].text() and dialog.errors["summary"].text()
    dialog.motive.setCurrentIndex(dialog.motive.findData("sanction"))
    ticked = [
        dialog.facts.topLevelItem(i).checkState(0) == Qt.CheckState.Checked
        for i in range(dialog.facts.topLevelItemCount())
    ]
    assert sum(ticked) == 4 and not dialog.track.isVisible() and dialog.procedure.isVisible()
    dialog.summary.setPlainText("Deux rendez-vous manqués sans motif, pas de réponse au courrier de relance.")
    shot(dialog, "ep-saisine-dialog")
    dialog.save()
    idle(qtbot, ctx)
    [r] = views.referrals(vault.db, person_id=pid)
    assert r.motive == "sanction" and r.procedure_id == breach and len(r.facts) == 4

    tab = EpTab(ctx, pid)
    qtbot.addWidget(tab)
    tab.resize(1100, 560)
    tab.show()
    idle(qtbot, ctx)
    assert tab.tree.topLevelItemCount() == 1 and "En attente" in tab.tree.topLevelItem(0).text(2)
    assert "Courrier du" in tab.detail.text() and tab.withdraw_button.isEnabled()
    shot(tab, "ep-tab")


def _desk(vault, pid, breach):
    """A saisine waiting and a séance two days ago with another case decided: what the secretariat works on."""
    rid = referrals.refer(
        vault.db, pid, motive="sanction", referred_on=PAST.date() - timedelta(days=20),
        summary="Deux rendez-vous manqués sans motif.", procedure_id=breach,
        facts=[referrals.FactRef(c.kind, c.row_id) for c in facts.fact_choices(vault.db, pid, "sanction") if c.suggested],
    )  # fmt: skip
    return rid


def test_the_secretariat_builds_the_seance_and_records_avis_and_decision(
    qtbot, vault, ctx, person, breach, tmp_path
):
    pid, _ = person
    rid = _desk(vault, pid, breach)
    page = EpPage(ctx)
    qtbot.addWidget(page)
    page.resize(1366, 740)
    page.show()
    idle(qtbot, ctx)
    assert page.may_act and page.waiting.topLevelItemCount() == 1
    assert "Aucune séance" in page.seance_detail.text()

    page.new_seance.click()
    dialog = _dialog(SeanceDialog)
    dialog.label.setText("EP du territoire Nord")
    dialog.place.setText("Maison du Département, salle 2")
    dialog.address.setText("12 rue Gabriel-Péri, 93200 Saint-Denis")
    dialog.contact.setText("ep.nord@departement.example — 01 00 00 00 00")
    dialog.members.setPlainText(
        "Mme Diallo — conseillère France Travail\nM. Petit, représentant des bénéficiaires du RSA"
    )
    shot(dialog, "ep-seance-dialog")
    dialog.save()
    idle(qtbot, ctx)
    [s] = views.seances(vault.db)
    assert s.members == (
        ("Mme Diallo", "conseillère France Travail"),
        ("M. Petit", "représentant des bénéficiaires du RSA"),
    )

    page.schedule_checked()  # nothing ticked: refused, said in French
    close_box("Cochez d'abord")
    page.waiting.topLevelItem(0).setCheckState(0, Qt.CheckState.Checked)
    page.schedule_checked()
    idle(qtbot, ctx)
    assert page.agenda.topLevelItemCount() == 1 and page.waiting.topLevelItemCount() == 0
    assert page.buttons["convocation"].isEnabled() and not page.buttons["opinion"].isEnabled()
    page.act("convocation")
    idle(qtbot, ctx)
    preview = _dialog(PdfPreviewDialog)
    assert preview.pdf.startswith(b"%PDF")
    preview.close()
    idle(qtbot, ctx)
    assert page.current_case().case.convened_on == TODAY
    shot(page, "ep-page", small_screen=True)

    # The séance took place (moved to two days ago): hearing, avis, décision.
    seances.update_seance(vault.db, s.id, label=s.label, held_at=PAST, place=s.place, address=s.address,
                          contact=s.contact, members=[seances.Member(n, q) for n, q in s.members])  # fmt: skip
    page.reload()
    idle(qtbot, ctx)
    page.act("hearing")
    hearing = _dialog(HearingDialog)
    hearing.attendance.setCurrentIndex(hearing.attendance.findData("assistee"))
    hearing.observations.setPlainText("Problème de garde d'enfant ; accompagnée d'une amie.")
    hearing.save()
    idle(qtbot, ctx)
    page.act("opinion")
    opinion = _dialog(OpinionDialog)
    assert [opinion.opinion.itemData(i) for i in range(1, opinion.opinion.count())] == [
        "sanction",
        "pas_de_sanction",
        "ajournement",
    ]
    opinion.opinion.setCurrentIndex(opinion.opinion.findData("sanction"))
    opinion.detail.setPlainText("Suspension de 30 % pendant un mois proposée.")
    opinion.save()
    idle(qtbot, ctx)
    page.act("decision")
    decision = _dialog(DecisionDialog)
    decision.decision.setCurrentIndex(decision.decision.findData("suspension"))
    assert decision.rate.isVisible() and not decision.track.isVisible()
    decision.rate.setValue(30)
    decision.months.setValue(1)
    shot(decision, "ep-decision-dialog")
    decision.save()
    idle(qtbot, ctx)
    [r] = views.referrals(vault.db, person_id=pid)
    assert r.id == rid and r.status == "decidee"
    assert r.decided_case.consequence == "Suspension (suspension-remobilisation) · 30 % · 1 mois"
    assert "1 décision" in page.summary.text() and "100 % dans l'objectif" in page.summary.text()
    shot(page, "ep-page-decided")


def test_an_enrolled_referent_reads_the_page_without_acting(qtbot, vault, ctx, person, breach):
    pid, _ = person
    _desk(vault, pid, breach)
    with vault.db.session() as s:
        s.merge(SyncState(key=K_USER, value=json.dumps({"role": "referent", "login": "cm", "name": "C. M."})))
    page = EpPage(ctx)
    qtbot.addWidget(page)
    page.show()
    idle(qtbot, ctx)
    assert not page.may_act and page.notice.isVisible()
    assert not page.new_seance.isEnabled() and not page.schedule_button.isEnabled()


def test_members_and_chain_summary_parse_and_count():
    assert parse_members("A — x\nB - y\n\nC") == [
        seances.Member("A", "x"),
        seances.Member("B", "y"),
        seances.Member("C", ""),
    ]
    assert chain_summary([], TODAY) == "0 saisine en cours"


def test_every_ep_dialog_is_a_followup_dialog():
    """They inherit the form's shared behaviour (Ctrl+S, error lines, discard question)."""
    for cls in (ReferralDialog, SeanceDialog, HearingDialog, OpinionDialog, DecisionDialog):
        assert issubclass(cls, FollowupDialog)
