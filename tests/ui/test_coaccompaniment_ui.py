"""Co-accompaniment in the window, on a real vault, offscreen (ADR 0052): the Synthèse's block with « Ajouter un
professionnel… » (the département's cap told before saving), « Terminer… », an action of the carnet confided to
the co-accompanying professional, and the same file seen from that professional's profile (read only here)."""

from __future__ import annotations

from datetime import date

import pytest

from app.services.casefile.carnet import edits, tree
from app.services.errors import ValidationError
from app.services.people import coaccompaniment
from app.services.people import identity as people
from app.ui.person.carnet.dialogs import ActionDialog
from app.ui.person.coaccompaniment import CoAccompanimentCard, EndShareDialog, ShareDialog
from app.ui.person.page import PersonPage
from tests.services.bilan_factory import make_file
from tests.ui.kit import idle, shot


@pytest.fixture
def file(letterhead):  # type: ignore[no-untyped-def]
    f = make_file(letterhead.db)
    karim = people.upsert_referent(letterhead.db, login="kbenali", first_name="Karim", last_name="Benali",
                                   structure="France Travail Saint-Denis", team="France Travail")  # fmt: skip
    return f, karim


def test_share_a_file_confide_an_action_and_end_it(qtbot, ctx, vault, file):  # type: ignore[no-untyped-def]
    f, karim = file
    page = PersonPage(ctx.worker, f.person, ctx=ctx)
    qtbot.addWidget(page)
    page.resize(1366, 768)
    page.show()
    idle(qtbot, ctx)
    card = page.synthesis.shares
    assert card is not None and card.empty.isVisible() and not card.tree.isVisible()
    card.add()
    dialog = card.dialog
    assert isinstance(dialog, ShareDialog)
    assert [dialog.who.itemData(i) for i in range(1, dialog.who.count())] == [
        karim
    ]  # not the référent herself
    dialog.save_button.click()  # nobody chosen: said next to the field
    idle(qtbot, ctx)
    assert "professionnel" in dialog.errors["referent_id"].text()
    dialog.who.setCurrentIndex(1)
    dialog.role.setCurrentIndex(dialog.role.findData("conseiller_france_travail"))
    assert "plafonné par le département" in dialog.cap.text() and "lecture seule" in dialog.cap.text()
    dialog.purpose.setText("Diagnostic conjoint et offres d'emploi")
    shot(dialog, "coaccompaniment-add")
    dialog.save_button.click()
    idle(qtbot, ctx)
    assert not dialog.isVisible()
    idle(qtbot, ctx)
    assert card.tree.topLevelItemCount() == 1
    row = card.tree.topLevelItem(0)
    assert row is not None and row.text(2) == "lecture seule (plafonné)" and "Karim Benali" in row.text(0)
    page.tabs.setCurrentIndex(0)
    shot(page, "coaccompaniment-synthese", small_screen=True)

    # an action of the carnet confided to him; a stranger to the file is refused
    carnet = tree.load_carnet(vault.db, f.person)
    assert [label for _id, label in carnet.assignees] == [
        "Clémence Marchand (référent)",
        "Karim Benali (France Travail)",
    ]
    objective = carnet.themes[0].objectives[0]
    action = ActionDialog(ctx, f.person, objective.id, objective.title, assignees=carnet.assignees)
    qtbot.addWidget(action)
    action.label.setText("Préparer le diagnostic conjoint")
    action.assignee.setCurrentIndex(action.assignee.findData(karim))
    shot(action, "carnet-action-assignee")
    action.save_button.click()
    idle(qtbot, ctx)
    found = [a for o in tree.load_carnet(vault.db, f.person).themes[0].objectives for a in o.actions]
    assert ("Préparer le diagnostic conjoint", karim, "Karim Benali (France Travail)") in [
        (a.label, a.assignee_id, a.assignee) for a in found
    ]
    stranger = people.upsert_referent(vault.db, login="x", first_name="Xavier", last_name="Inconnu")
    with pytest.raises(ValidationError, match="co-accompagnement en cours"):
        edits.add_action(vault.db, objective.id, label="Hors dossier", assignee_id=stranger)

    # ending it: said first, then his access ends (the action keeps his name)
    card.tree.setCurrentItem(card.tree.topLevelItem(0))
    assert card.end_button.isEnabled()
    card.end()
    end = card.dialog
    assert isinstance(end, EndShareDialog) and "n'aura plus accès au dossier" in end.intro.text()
    end.save_button.click()
    idle(qtbot, ctx)
    idle(qtbot, ctx)
    row = card.tree.topLevelItem(0)
    assert row is not None and row.text(2) == "terminé" and not card.end_button.isEnabled()
    assert [a for _i, a in tree.load_carnet(vault.db, f.person).assignees] == ["Clémence Marchand (référent)"]


def test_the_file_seen_from_the_professional_it_is_shared_with(qtbot, ctx, vault, file):  # type: ignore[no-untyped-def]
    f, karim = file
    coaccompaniment.add_co_accompaniment(vault.db, f.person, referent_id=karim, role="conseiller_france_travail",
                                         access="lecture", start_date=date.today())  # fmt: skip
    people.set_current_referent(vault.db, karim)  # this profile is now Karim's
    card = CoAccompanimentCard(ctx, f.person)
    qtbot.addWidget(card)
    card.resize(1100, 260)
    card.show()
    card.reload()
    idle(qtbot, ctx)
    assert card.banner.isVisible() and "lecture seule (France Travail)" in card.banner.text()
    assert "Clémence Marchand" in card.banner.text()
    assert not card.add_button.isVisible() and not card.end_button.isVisible()
    shot(card, "coaccompaniment-shared-with-me")
