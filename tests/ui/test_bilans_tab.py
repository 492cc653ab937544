"""« Bilans » tab on a real vault, offscreen (ADR 0050, 0051): a bilan pre-filled from the carnet, saved as a draft,
finalised (its renewal draft made, the deadlines closed), previewed as the PDF the person keeps; the exit asked
when a bilan recommends it; the joint diagnostic with France Travail of a person on the social track."""

from __future__ import annotations

from datetime import date

import pytest
from dateutil.relativedelta import relativedelta

from app.services.bilans import records
from app.services.bilans.values import BilanInput, Participant
from app.services.contracts import views
from app.services.people import alerts
from app.ui.kit.preview import PdfPreviewDialog
from app.ui.person.bilans.dialogs import FinaliseDialog, JointReviewDialog
from app.ui.person.bilans.editor import BilanDialog
from app.ui.person.bilans.tab import BilansTab
from tests.services.bilan_factory import make_file
from tests.ui.kit import idle, shot

RULES = alerts.load_rules_or_fail()


def open_rules(db, pid: str) -> set[str]:  # type: ignore[no-untyped-def]
    return {d.rule_id for d in alerts.caseload_deadlines(db, date.today(), RULES, [pid]).deadlines}


def make_tab(qtbot, ctx, pid: str) -> BilansTab:  # type: ignore[no-untyped-def]
    tab = BilansTab(ctx, pid)
    qtbot.addWidget(tab)
    tab.resize(1280, 700)
    tab.show()
    idle(qtbot, ctx)
    return tab


@pytest.fixture
def file(letterhead):  # type: ignore[no-untyped-def]
    """A CE of six months ending in three weeks (its bilan and its « fin de contrat » are due)."""
    start = date.today() - relativedelta(months=6) + relativedelta(days=21)
    return make_file(letterhead.db, start=start, oriented=start - relativedelta(months=1))


def test_a_bilan_from_draft_to_the_pdf(qtbot, ctx, vault, file):  # type: ignore[no-untyped-def]
    tab = make_tab(qtbot, ctx, file.person)
    assert tab.stack.currentWidget() is tab.empty and not tab.review_button.isVisible()
    shot(tab, "bilans-empty")
    tab.new_button.click()
    dialog = tab.dialog
    assert isinstance(dialog, BilanDialog)
    assert dialog.objectives.rowCount() == 3 and dialog.kind.currentData() == "fin_contrat"
    assert [o.result for o in dialog.objectives.values()] == ["atteint", "partiel", "non_atteint"]
    assert dialog.contract.currentData() == file.contract and not dialog.track.isEnabled()
    # a tripartite bilan: the partners of the carnet's actions are suggested
    assert ("", "Partenaire", "AFPA Bobigny") in [
        (p.name, p.role, p.structure) for p in dialog.model.suggested_participants
    ]
    dialog._add_participant(Participant("Karim Benali", "Prescripteur", "AFPA Bobigny"))
    dialog.helped.setPlainText("Le soutien de l'AFPA.")
    dialog.words.setPlainText("J'ai repris confiance.")
    dialog.recommendation.setCurrentIndex(dialog.recommendation.findData("reorientation"))
    assert dialog.track.isEnabled()
    dialog.save_button.click()  # a réorientation without its track is refused next to the field
    idle(qtbot, ctx)
    assert dialog.isVisible() and "parcours" in dialog.errors["recommended_track"].text()
    shot(dialog, "bilan-editor-error")
    dialog.recommendation.setCurrentIndex(dialog.recommendation.findData("renouvellement"))
    shot(dialog, "bilan-editor", small_screen=False)
    assert dialog.width() <= 1280 and dialog.sizeHint().height() <= 720
    dialog.save_button.click()
    idle(qtbot, ctx)
    assert not dialog.isVisible() and ctx.changes == [file.person]
    tab.reload()
    idle(qtbot, ctx)
    (bilan,) = records.list_bilans(vault.db, file.person)
    assert (bilan.status, bilan.tripartite, bilan.recommendation) == ("brouillon", True, "renouvellement")
    assert tab.finalise_button.isEnabled() and "Brouillon" in tab.detail.toPlainText()
    shot(tab, "bilans-draft", small_screen=True)

    tab.finalise()
    final = tab.dialog
    assert isinstance(final, FinaliseDialog) and "projet du contrat suivant" in final.intro.text()
    shot(final, "bilan-finalise")
    final.save_button.click()
    idle(qtbot, ctx)
    tab.reload()
    idle(qtbot, ctx)
    (bilan,) = records.list_bilans(vault.db, file.person)
    assert bilan.final and bilan.next_step_table == "contract"
    assert views.get_contract(vault.db, bilan.next_step_id).status == "brouillon"
    assert not {"bilan", "contract_end_warning"} & open_rules(vault.db, file.person)
    assert not tab.edit_button.isEnabled() and "Projet de renouvellement" in tab.detail.toPlainText()
    shot(tab, "bilans-final", small_screen=True)

    tab.preview()
    qtbot.waitUntil(
        lambda: isinstance(tab.dialog, PdfPreviewDialog) and bool(tab.dialog.pages), timeout=20_000
    )
    shot(tab.dialog, "bilan-pdf-preview")
    tab.dialog.accept()
    idle(qtbot, ctx)  # nothing of the preview left running when the tab goes


def test_a_bilan_recommending_the_exit_asks_for_it(qtbot, ctx, vault, file):  # type: ignore[no-untyped-def]
    bid = records.create_bilan(
        vault.db,
        file.person,
        BilanInput(kind="sortie", held_on=date.today(), helped="Un CDI trouvé.", recommendation="sortie"),
    )
    tab = make_tab(qtbot, ctx, file.person)
    tab.select(bid)
    tab.finalise()
    dialog = tab.dialog
    assert isinstance(dialog, FinaliseDialog) and dialog.asks_exit
    dialog.save_button.click()
    assert "catégorie et le motif" in dialog.errors["category"].text() and dialog.isVisible()
    dialog.category.setCurrentIndex(dialog.category.findData("emploi_durable"))
    dialog.reason.setCurrentIndex(dialog.reason.findData("cdi"))
    shot(dialog, "bilan-finalise-exit")
    dialog.save_button.click()
    idle(qtbot, ctx)
    assert records.get_bilan(vault.db, bid).next_step_table == "exit_record"
    assert open_rules(vault.db, file.person) == set()


def test_the_joint_review_of_the_social_track(qtbot, ctx, vault, letterhead):  # type: ignore[no-untyped-def]
    start = date.today() - relativedelta(months=6)
    social = make_file(vault.db, track="social", start=start, oriented=start - relativedelta(months=1))
    assert "social_review" in open_rules(vault.db, social.person)
    tab = make_tab(qtbot, ctx, social.person)
    assert tab.review_button.isVisible()
    tab.new_review()
    dialog = tab.dialog
    assert (
        isinstance(dialog, JointReviewDialog) and dialog.prepare.isEnabled() and not dialog.track.isEnabled()
    )
    dialog.save_button.click()
    idle(qtbot, ctx)
    assert "conseiller France Travail" in dialog.errors["ft_adviser"].text()
    dialog.adviser.setText("Nadia Ferhat")
    dialog.agency.setText("France Travail Saint-Denis")
    dialog.findings.setPlainText("Logement stabilisé ; la recherche d'emploi n'est pas encore possible.")
    shot(dialog, "joint-review")
    dialog.save_button.click()
    idle(qtbot, ctx)
    assert not dialog.isVisible()
    tab.reload()
    idle(qtbot, ctx)
    got = open_rules(vault.db, social.person)
    assert "social_review" not in got and "ce_revision_after_review" in got
    assert tab.tree.topLevelItemCount() == 1 and "Avenant n° 1" in tab.detail.toPlainText()
    assert tab.summary.text() == "Aucun bilan, 1 diagnostic conjoint"
    assert not tab.preview_button.isEnabled()
    shot(tab, "bilans-joint-review", small_screen=True)
