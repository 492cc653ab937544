"""Diagnostic and carnet tabs on a real vault through the database worker (offscreen)."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QShortcut
from PySide6.QtWidgets import QComboBox, QRadioButton

from app.services.casefile import diagnostic
from app.services.casefile.carnet import edits as carnet_edits
from app.services.casefile.carnet import tree as carnet
from app.services.people import identity as people
from app.services.people.identity import PersonInput
from tests.ui.kit import idle, shot


@pytest.fixture
def pid(vault) -> str:
    return people.create_person(
        vault.db, PersonInput(last_name="Nguyen", first_name="Linh", regime="plein_emploi")
    )


def test_diagnostic_tab_saves_versions_and_shows_diff(qtbot, ctx, vault, pid):
    from app.ui.person.diagnostic.tab import DiagnosticTab

    diagnostic.save(vault.db, pid, {"logement": {"logement_stabilite": "precaire"}}, author="mdupont")
    tab = DiagnosticTab(ctx, pid)
    qtbot.addWidget(tab)
    tab.resize(1200, 700)
    tab.show()
    tab.activateWindow()
    qtbot.waitExposed(tab)
    idle(qtbot, ctx)
    assert "Version 1" in tab.status.text() and not tab.save_button.isEnabled()
    combo = tab.form.editors[("logement", "logement_stabilite")].widget
    assert isinstance(combo, QComboBox) and combo.currentData() == "precaire"
    combo.setCurrentIndex(combo.findData("stable"))
    health = tab.form.editors[("sante", "contrainte_sante")].widget
    next(b for b in health.findChildren(QRadioButton) if b.text() == "Oui").setChecked(True)
    assert tab.has_unsaved_changes() and "non enregistrées" in tab.status.text()
    tab.reload()  # a reload (another tab wrote) keeps what was typed
    idle(qtbot, ctx)
    assert combo.currentData() == "stable"
    combo.setFocus()
    qtbot.keyClick(combo, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    idle(qtbot, ctx)
    idle(qtbot, ctx)
    state = diagnostic.load(vault.db, pid)
    assert state.current_number == 2 and state.values["logement"]["logement_stabilite"] == "stable"
    assert diagnostic.diagnostic_versions(vault.db, pid)[-1].health_constraint is True
    assert ctx.changes == [pid] and not tab.has_unsaved_changes()
    assert tab.versions.count() == 2
    texts = [tab.diff.item(i).text() for i in range(tab.diff.count())]
    assert "Logement — stabilité du logement : Précaire → Stable" in texts
    assert "Santé — contrainte de santé : non renseigné → oui" in texts or any(
        "santé : non" in t for t in texts
    )


def test_sensitive_warning_is_shown_but_does_not_block(qtbot, ctx, vault, pid):
    from app.ui.person.diagnostic.tab import DiagnosticTab

    tab = DiagnosticTab(ctx, pid)
    qtbot.addWidget(tab)
    idle(qtbot, ctx)
    assert "Aucun diagnostic" in tab.status.text()
    editor = tab.form.editors[("logement", "commentaire_logement")]
    editor.widget.setPlainText("Sort d'une hospitalisation en psychiatrie")
    assert tab.form.warnings() and "sensible" not in tab.form.warnings()[0][:0]
    assert "ne notez que ce qui est nécessaire" in tab.form.warnings()[0]
    tab.save()
    idle(qtbot, ctx)
    idle(qtbot, ctx)
    assert diagnostic.load(vault.db, pid).current_number == 1
    editor.widget.setPlainText("Logement trop petit")
    assert not tab.form.warnings()
    tab.dirty = False


def carnet_tab(qtbot, ctx, pid):
    from app.ui.person.carnet.tab import CarnetTab

    tab = CarnetTab(ctx, pid)
    qtbot.addWidget(tab)
    tab.resize(1200, 700)
    idle(qtbot, ctx)
    return tab


def test_carnet_model_passes_modeltester(qtbot, qtmodeltester, ctx, vault, pid):
    oid = carnet_edits.add_objective(vault.db, pid, theme="emploi", title="Retrouver un emploi", consent=True)
    aid = carnet_edits.add_action(
        vault.db, oid, label="Atelier CV", partner="Cap Emploi", start_date=date(2026, 10, 5)
    )
    carnet_edits.add_prescription(vault.db, pid, kind="pmsmp", prescribed_on=date(2026, 10, 6), action_id=aid)
    carnet_edits.add_prescription(vault.db, pid, kind="siae", prescribed_on=date(2026, 10, 7))
    tab = carnet_tab(qtbot, ctx, pid)
    qtmodeltester.check(tab.model)
    assert tab.stack.currentWidget() is tab.view
    top = [tab.model.index(r, 0).data() for r in range(tab.model.rowCount())]
    assert top == ["Emploi (1 objectif)", "Prescriptions hors plan d'action"]
    assert tab.select(aid) and tab.new_action.isEnabled()


def test_carnet_empty_then_quick_entry_and_dialogs(qtbot, ctx, vault, pid):
    from app.ui.person.carnet.dialogs import ActionDialog, ObjectiveDialog, OutcomeDialog, PrescriptionDialog

    tab = carnet_tab(qtbot, ctx, pid)
    assert tab.stack.currentWidget() is tab.empty
    tab.quick.setText("plomberie : fuite")
    tab.quick.returnPressed.emit()
    idle(qtbot, ctx)
    assert "inconnu" in tab.quick_error.text() and tab.quick.text() == "plomberie : fuite"
    tab.quick.setText("Logement : trouver un T2")
    tab.quick.returnPressed.emit()
    idle(qtbot, ctx)
    idle(qtbot, ctx)
    assert tab.quick.text() == "" and tab.stack.currentWidget() is tab.view
    [objective] = carnet.load_carnet(vault.db, pid).themes[0].objectives
    assert tab.selected() == ("objective", objective.id)
    # new objective through the dialog (Ctrl+N path)
    tab.add_objective()
    dialog = tab.dialog
    assert isinstance(dialog, ObjectiveDialog)
    dialog.save()  # empty title: error next to the field, dialog stays open
    idle(qtbot, ctx)
    assert dialog.isVisible() and "obligatoire" in dialog.errors["title"].text()
    dialog.title.setText("Ouvrir les droits APL")
    dialog.consent.setChecked(True)
    dialog.save()
    idle(qtbot, ctx)
    idle(qtbot, ctx)
    assert not dialog.isVisible()
    logement = carnet.load_carnet(vault.db, pid).themes[0]
    assert [o.title for o in logement.objectives] == ["trouver un T2", "Ouvrir les droits APL"]
    assert logement.objectives[1].consent and logement.objectives[1].consent_date is not None
    # new action on the selected objective, then a prescription on it
    tab.select(objective.id)
    tab.add_action()
    assert isinstance(tab.dialog, ActionDialog)
    tab.dialog.label.setText("Dossier DALO")
    tab.dialog.partner.setText("ADIL")
    tab.dialog.save()
    idle(qtbot, ctx)
    idle(qtbot, ctx)
    action = carnet.load_carnet(vault.db, pid).objective(objective.id).actions[0]
    assert action.partner == "ADIL" and tab.selected() == ("action", action.id)
    tab.add_prescription()
    assert isinstance(tab.dialog, PrescriptionDialog)
    tab.dialog.kind.setCurrentIndex(tab.dialog.kind.findData("aci"))
    tab.dialog.save()
    idle(qtbot, ctx)
    idle(qtbot, ctx)
    [presc] = carnet.load_carnet(vault.db, pid).objective(objective.id).actions[0].prescriptions
    assert presc.kind == "aci" and presc.outcome == "en_attente"
    # status change (what the context menu and Ctrl+E trigger)
    tab.select(action.id)
    tab.set_status("action", action.id, "en_cours")
    idle(qtbot, ctx)
    idle(qtbot, ctx)
    assert tab.view.currentIndex().siblingAtColumn(1).data() == "En cours"
    # a prescription's outcome opens the outcome dialog: its date, today by default, never in the future
    tab.set_status("prescription", presc.id, "accepte")
    dialog = tab.dialog
    assert isinstance(dialog, OutcomeDialog) and dialog.outcome.currentData() == "accepte"
    assert dialog.day.value() == date.today() and dialog.day.maximumDate().toPython() == date.today()
    assert dialog.day.displayFormat() == "dd/MM/yyyy"
    dialog.outcome.setCurrentIndex(dialog.outcome.findData("en_attente"))
    assert not dialog.day.isEnabled()
    dialog.outcome.setCurrentIndex(dialog.outcome.findData("accepte"))
    dialog.save()
    idle(qtbot, ctx)
    idle(qtbot, ctx)
    updated = carnet.load_carnet(vault.db, pid).objective(objective.id).actions[0]
    assert updated.status == "en_cours" and updated.prescriptions[0].outcome == "accepte"
    assert updated.prescriptions[0].outcome_date == date.today()
    tab.select(presc.id)
    assert tab.view.currentIndex().siblingAtColumn(1).data() == f"Accepté le {date.today():%d/%m/%Y}"


def test_typing_in_the_tree_adds_an_objective(qtbot, ctx, vault, pid):
    from app.ui.person.carnet.model import KIND_ROLE, NEW_OBJECTIVE

    carnet_edits.add_objective(vault.db, pid, theme="mobilite", title="Passer le permis B")
    tab = carnet_tab(qtbot, ctx, pid)
    hits = tab.model.match(
        tab.model.index(0, 0),
        KIND_ROLE,
        NEW_OBJECTIVE,
        1,
        Qt.MatchFlag.MatchExactly | Qt.MatchFlag.MatchRecursive,
    )
    tab.model.setData(hits[0], "Obtenir une aide au transport")
    idle(qtbot, ctx)
    idle(qtbot, ctx)
    titles = [o.title for o in carnet.load_carnet(vault.db, pid).themes[0].objectives]
    assert titles == ["Passer le permis B", "Obtenir une aide au transport"]


def test_shortcuts_and_status_menu(qtbot, ctx, vault, pid):
    from app.ui.person.carnet.dialogs import ObjectiveDialog

    oid = carnet_edits.add_objective(vault.db, pid, theme="emploi", title="Retrouver un emploi")
    tab = carnet_tab(qtbot, ctx, pid)
    tab.show()
    qtbot.waitExposed(tab)
    tab.select(oid)
    shortcuts = {s.key().toString(): s for s in tab.findChildren(QShortcut)}
    shortcuts |= {s.key().toString(): s for s in tab.view.findChildren(QShortcut)}
    assert {"Ctrl+N", "Ctrl+Shift+N", "Ctrl+E", "F2", "Del", "Ctrl+Z"} <= set(shortcuts)
    shortcuts["Ctrl+E"].activated.emit()  # offscreen windows are never active: trigger the shortcut itself
    labels = [a.text() for a in tab.menu.actions()]
    assert labels == ["En cours", "Atteint", "Abandonné", "", "Modifier…", "Supprimer…"]
    assert [a.isChecked() for a in tab.menu.actions()][:3] == [True, False, False]
    tab.menu.actions()[1].trigger()
    idle(qtbot, ctx)
    idle(qtbot, ctx)
    assert carnet.load_carnet(vault.db, pid).objective(oid).status == "atteint"
    tab.menu.close()
    shortcuts["Ctrl+N"].activated.emit()
    assert isinstance(tab.dialog, ObjectiveDialog)
    tab.dialog.close()


def answer_with(monkeypatch, role, seen: list[str]) -> None:
    """The user clicks the button of ``role`` in the next message boxes (their text is kept in ``seen``)."""
    from PySide6.QtWidgets import QMessageBox

    def answer(box: QMessageBox) -> int:
        seen.append(f"{box.text()} | {box.informativeText()}")
        next(b for b in box.buttons() if box.buttonRole(b) == role).click()
        return 0

    monkeypatch.setattr(QMessageBox, "exec", answer)


def test_edit_an_objective_with_f2_and_an_action_by_double_click(qtbot, ctx, vault, pid):
    from app.ui.person.carnet.dialogs import ActionDialog, ObjectiveDialog

    oid = carnet_edits.add_objective(vault.db, pid, theme="emploi", title="Retrouver un emploi")
    aid = carnet_edits.add_action(vault.db, oid, label="Atelier CV", start_date=date(2026, 10, 5))
    tab = carnet_tab(qtbot, ctx, pid)
    tab.show()
    qtbot.waitExposed(tab)
    tab.select(oid)
    assert tab.edit_button.isEnabled() and tab.remove_button.isEnabled()
    f2 = next(s for s in tab.view.findChildren(QShortcut) if s.key().toString() == "F2")
    f2.activated.emit()
    dialog = tab.dialog
    assert isinstance(dialog, ObjectiveDialog) and dialog.windowTitle() == "Modifier l'objectif"
    assert dialog.title.text() == "Retrouver un emploi" and dialog.theme.currentData() == "emploi"
    dialog.title.setText("")
    dialog.save()
    idle(qtbot, ctx)
    assert dialog.isVisible() and "obligatoire" in dialog.errors["title"].text()
    assert dialog.title.text() == ""  # nothing typed is lost: the dialog stays as the user left it
    dialog.title.setText("Retrouver un emploi dans la logistique")
    dialog.theme.setCurrentIndex(dialog.theme.findData("formation"))
    dialog.save()
    idle(qtbot, ctx)
    idle(qtbot, ctx)
    assert not dialog.isVisible()
    obj = carnet.load_carnet(vault.db, pid).objective(oid)
    assert (obj.title, obj.theme) == ("Retrouver un emploi dans la logistique", "formation")
    assert tab.selected() == ("objective", oid) and ctx.changes[-1] == pid
    assert tab.model.index(0, 0).data() == "Formation (1 objectif)"
    # double-click on the action opens its dialog, filled in
    tab.select(aid)
    tab.view.doubleClicked.emit(tab.view.currentIndex())
    dialog = tab.dialog
    assert isinstance(dialog, ActionDialog) and dialog.label.text() == "Atelier CV"
    assert dialog.start.date().toPython() == date(2026, 10, 5)
    dialog.partner.setText("Cap Emploi")
    dialog.save()
    idle(qtbot, ctx)
    idle(qtbot, ctx)
    action = carnet.load_carnet(vault.db, pid).objective(oid).actions[0]
    assert (action.label, action.partner, action.start_date) == (
        "Atelier CV",
        "Cap Emploi",
        date(2026, 10, 5),
    )
    shot(tab, "carnet_after_edit")


def test_closing_an_edit_dialog_asks_only_when_something_changed(qtbot, ctx, vault, pid, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    oid = carnet_edits.add_objective(vault.db, pid, theme="emploi", title="Retrouver un emploi")
    tab = carnet_tab(qtbot, ctx, pid)
    asked: list[str] = []

    def question(_parent, title, text, *_a):
        asked.append(text)
        return QMessageBox.StandardButton.Cancel

    monkeypatch.setattr(QMessageBox, "question", question)
    tab.select(oid)
    tab.edit_selected()
    dialog = tab.dialog
    dialog.reject()  # nothing changed: closes without asking
    assert asked == [] and not dialog.isVisible()
    tab.edit_selected()
    dialog = tab.dialog
    dialog.status.setCurrentIndex(dialog.status.findData("atteint"))
    dialog.reject()
    assert len(asked) == 1 and dialog.isVisible()  # « Annuler » in the question: the change is still there
    assert dialog.status.currentData() == "atteint"
    dialog.save()
    idle(qtbot, ctx)
    idle(qtbot, ctx)
    assert not dialog.isVisible() and carnet.load_carnet(vault.db, pid).objective(oid).status == "atteint"


def test_delete_an_action_then_undo(qtbot, ctx, vault, pid, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    oid = carnet_edits.add_objective(vault.db, pid, theme="emploi", title="Retrouver un emploi")
    aid = carnet_edits.add_action(vault.db, oid, label="Atelier CV")
    carnet_edits.add_prescription(vault.db, pid, kind="pmsmp", prescribed_on=date(2026, 10, 6), action_id=aid)
    tab = carnet_tab(qtbot, ctx, pid)
    tab.show()
    qtbot.waitExposed(tab)
    seen: list[str] = []
    answer_with(monkeypatch, QMessageBox.ButtonRole.RejectRole, seen)  # « Annuler » first: nothing happens
    tab.select(aid)
    delete = next(s for s in tab.view.findChildren(QShortcut) if s.key().toString() == "Del")
    delete.activated.emit()
    idle(qtbot, ctx)
    assert seen[0].startswith("Supprimer l'action « Atelier CV » ? | Sa prescription est conservée")
    assert carnet.load_carnet(vault.db, pid).objective(oid).actions
    answer_with(monkeypatch, QMessageBox.ButtonRole.DestructiveRole, seen)
    delete.activated.emit()
    idle(qtbot, ctx)
    idle(qtbot, ctx)
    tree = carnet.load_carnet(vault.db, pid)
    assert not tree.objective(oid).actions and tree.other_prescriptions  # the prescription stays
    assert tab.undo_bar.isVisible() and tab.undo_label.text() == "Action supprimée — « Atelier CV »"
    assert tab.undo_timer.isActive() and tab.undo_timer.interval() == 10_000
    shot(tab, "carnet_undo_bar")
    tab.undo_button.click()
    idle(qtbot, ctx)
    idle(qtbot, ctx)
    assert not tab.undo_bar.isVisible()
    assert [a.id for a in carnet.load_carnet(vault.db, pid).objective(oid).actions] == [aid]
    assert tab.selected() == ("action", aid)


def test_delete_an_objective_names_its_actions_and_the_undo_bar_goes_after_10_s(
    qtbot, ctx, vault, pid, monkeypatch
):
    from PySide6.QtWidgets import QMessageBox

    oid = carnet_edits.add_objective(vault.db, pid, theme="emploi", title="Retrouver un emploi")
    carnet_edits.add_action(vault.db, oid, label="Atelier CV")
    carnet_edits.add_action(vault.db, oid, label="Job dating")
    tab = carnet_tab(qtbot, ctx, pid)
    tab.show()
    qtbot.waitExposed(tab)
    seen: list[str] = []
    answer_with(monkeypatch, QMessageBox.ButtonRole.DestructiveRole, seen)
    tab.select(oid)
    tab.remove_button.click()
    idle(qtbot, ctx)
    idle(qtbot, ctx)
    assert seen == [
        "Supprimer l'objectif « Retrouver un emploi » et ses 2 actions ? | Les actions « Atelier CV », "
        "« Job dating » sont supprimées avec lui. Vous pourrez annuler pendant 10 secondes."
    ]
    assert carnet.load_carnet(vault.db, pid).is_empty and tab.stack.currentWidget() is tab.empty
    assert tab.undo_label.text() == "Objectif supprimé avec 2 actions — « Retrouver un emploi »"
    tab.undo_timer.timeout.emit()  # the 10 seconds are over
    assert not tab.undo_bar.isVisible()
    tab.undo_removal()  # Ctrl+Z after the delay: nothing to undo any more
    idle(qtbot, ctx)
    assert carnet.load_carnet(vault.db, pid).is_empty


def test_closing_a_file_with_an_unsaved_diagnostic_asks(qtbot, ctx, vault, pid, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    from app.ui.shell.file_tabs import FileTabs

    files = FileTabs(ctx.worker, ctx=ctx)
    qtbot.addWidget(files)
    page = files.open_person(pid)
    idle(qtbot, ctx)
    tab = page.tab("diagnostic")
    tab.dirty = True
    answers: list[str] = []

    def answer(box: QMessageBox) -> int:  # the user clicks « Annuler » in the real dialog
        answers.append(box.windowTitle())
        cancel = next(b for b in box.buttons() if box.buttonRole(b) == QMessageBox.ButtonRole.RejectRole)
        cancel.click()
        return 0

    monkeypatch.setattr(QMessageBox, "exec", answer)
    files.close_tab(files.indexOf(page))
    assert answers == ["Diagnostic non enregistré"]
    assert page in files.person_pages() and page.tabs.currentWidget() is tab
    tab.dirty = False
    files.close_tab(files.indexOf(page))
    assert page not in files.person_pages()
