"""Diagnostic and carnet tabs on a real vault through the database worker (offscreen)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QRadioButton

from app.services import diagnostic, people, records
from app.services.people import PersonInput
from app.ui.plugins import UiContext
from app.ui.worker import DbWorker


@pytest.fixture
def ctx(vault) -> Iterator[UiContext]:
    worker = DbWorker()
    worker.ctx.vault = vault
    changed: list[str | None] = []
    context = UiContext(worker, lambda *_a: None, lambda: None, changed.append)
    context.changes = changed  # type: ignore[attr-defined]
    yield context
    worker.ctx.vault = None
    worker.stop()


@pytest.fixture
def pid(vault) -> str:
    return people.create_person(
        vault.db, PersonInput(last_name="Nguyen", first_name="Linh", regime="plein_emploi")
    )


def idle(qtbot, ctx) -> None:
    qtbot.waitUntil(lambda: ctx.worker.pending == 0, timeout=5000)


def test_diagnostic_tab_saves_versions_and_shows_diff(qtbot, ctx, vault, pid):
    from app.ui.person_tabs.diagnostic import DiagnosticTab

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
    assert records.diagnostic_versions(vault.db, pid)[-1].health_constraint is True
    assert ctx.changes == [pid] and not tab.has_unsaved_changes()
    assert tab.versions.count() == 2
    texts = [tab.diff.item(i).text() for i in range(tab.diff.count())]
    assert "Logement — stabilité du logement : Précaire → Stable" in texts
    assert "Santé — contrainte de santé : non renseigné → oui" in texts or any(
        "santé : non" in t for t in texts
    )


def test_sensitive_warning_is_shown_but_does_not_block(qtbot, ctx, vault, pid):
    from app.ui.person_tabs.diagnostic import DiagnosticTab

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
