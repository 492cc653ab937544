"""« Données personnelles » page and the person header (offscreen, real vault through the database worker):
journal rows and filters, the purge preview, confirmation and purge, the audited NIR reveal, the access export."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QMessageBox
from sqlalchemy import select

from app.models.tables.local import AuditEvent
from app.models.tables.people import Person
from app.services.storage import settings
from app.ui.pages.privacy.page import PID_ROLE, PrivacyPage
from app.ui.person.page import PersonPage
from tests.services.privacy_factory import build
from tests.ui.kit import idle, shot


@pytest.fixture
def case(vault):
    c = build(vault)
    settings.set_value(vault.db, settings.CURRENT_REFERENT_ID, c.referent)
    return c


def texts(table, col: int) -> list[str]:
    return [table.item(r, col).text() for r in range(table.rowCount())]


def test_journal_shows_filters_and_opens_the_person(qtbot, ctx, case):
    page = PrivacyPage(ctx)
    qtbot.addWidget(page)
    page.resize(1200, 700)
    page.show()
    idle(qtbot, ctx)
    journal = page.journal
    # last 30 days: only the sanction steps (the breach and the closing decision), recorded today (their rows'
    # creation time)
    assert texts(journal.table, 2) == ["Modification", "Modification"]
    assert all("sanction" in journal.table.item(r, 5).text() for r in range(2))
    journal.since.setDate(QDate(2020, 1, 1))
    idle(qtbot, ctx)
    actions = texts(journal.table, 2)
    assert "Export" in actions and "Modification" in actions
    row = actions.index("Export")
    assert journal.table.item(row, 3).text() == "QUÉRANGAL Zéphyrine"
    assert journal.table.item(row, 4).text() == "Document"
    journal.action.setCurrentIndex(journal.action.findData("export"))
    idle(qtbot, ctx)
    assert texts(journal.table, 2) == ["Export"]
    journal.search.setText("zephyrine")  # accents and case ignored
    journal.reload()
    idle(qtbot, ctx)
    assert journal.table.rowCount() == 1
    journal.search.setText("Personne inexistante")
    journal.reload()
    idle(qtbot, ctx)
    assert journal.stack.currentWidget() is journal.empty
    journal.search.setText("")
    journal.action.setCurrentIndex(0)
    idle(qtbot, ctx)
    shot(page, "privacy-journal")
    journal._activated(journal.table.item(row, 0))
    assert ctx.opened[-1][0] == journal.table.item(row, 0).data(PID_ROLE)


def test_purge_preview_confirm_and_log(qtbot, ctx, vault, case):
    page = PrivacyPage(ctx)
    qtbot.addWidget(page)
    page.resize(1200, 700)
    page.show()
    page.tabs.setCurrentWidget(page.retention)
    idle(qtbot, ctx)
    tab = page.retention
    assert texts(tab.preview, 0) == ["QUÉRANGAL Zéphyrine", "MARTIN Eugène"]
    assert "24 mois (2 ans) après le dernier contact" in tab.rule.text()
    assert tab.log_empty.isVisibleTo(page) and tab.purge_button.isEnabled()
    shot(page, "privacy-retention")
    tab.preview.item(1, 0).setCheckState(Qt.CheckState.Unchecked)  # keep Eugène
    assert tab.checked_ids() == [case.full] and "1 coché" in tab.count.text()
    tab.ask_purge()
    box = tab.confirm_box
    assert box is not None and "1 dossier" in box.text()
    assert "irréversible" in box.text() and "département" in box.text()
    shot(box, "privacy-confirm")
    box.done(QMessageBox.StandardButton.Cancel)  # cancelled: nothing happens
    idle(qtbot, ctx)
    with vault.db.read() as s:
        assert s.get(Person, case.full).deleted_at is None
    tab.ask_purge()
    tab.confirm_box.done(QMessageBox.StandardButton.Yes)
    idle(qtbot, ctx)
    qtbot.waitUntil(lambda: not tab.running and ctx.worker.pending == 0, timeout=10_000)
    with vault.db.read() as s:
        assert s.get(Person, case.full).deleted_at is not None
        assert s.get(Person, case.just_over).deleted_at is None
    assert texts(tab.preview, 0) == ["MARTIN Eugène"]
    assert tab.log.rowCount() == 1 and tab.log.item(0, 1).text() == "cmarchand"
    assert int(tab.log.item(0, 3).text()) > 10
    assert tab.result.text().startswith("1 dossier purgé : ") and "1 fichier supprimé" in tab.result.text()
    assert ctx.changes  # the other pages are told
    shot(page, "privacy-after-purge")


def test_nir_reveal_is_audited_and_masks_again(qtbot, ctx, vault, case):
    page = PersonPage(ctx.worker, case.full, ctx=None)
    qtbot.addWidget(page)
    page.resize(1200, 700)
    page.show()
    idle(qtbot, ctx)
    header = page.header
    assert header.nir.text() == "••••••••••••601"
    page.toggle_nir()
    idle(qtbot, ctx)
    assert header.nir.text().startswith("2 85 05 75 123 456 01") and "masqué dans 30 s" in header.nir.text()
    shot(page, "person-nir-revealed")
    with vault.db.read() as s:
        events = s.scalars(select(AuditEvent).where(AuditEvent.action == "affichage_nir")).all()
    assert [(e.person_id, e.actor) for e in events] == [(case.full, "cmarchand")]
    for _ in range(30):
        page._tick_nir()
    assert header.nir.text() == "••••••••••••601" and not page.nir_timer.isActive()


def test_person_without_nir_has_nothing_to_reveal(qtbot, ctx, case):
    page = PersonPage(ctx.worker, case.just_over, ctx=None)
    qtbot.addWidget(page)
    idle(qtbot, ctx)
    assert page.header.nir.text() == "Non renseigné" and not page.header.nir_button.isEnabled()


def test_access_export_from_the_person_page(qtbot, ctx, vault, case, tmp_path):
    page = PersonPage(ctx.worker, case.full, ctx=None)
    qtbot.addWidget(page)
    page.show()
    idle(qtbot, ctx)
    page.export_access(tmp_path / "acces")
    assert not page.header.export_button.isEnabled()
    idle(qtbot, ctx)
    assert page.header.export_button.isEnabled()
    box = page.export_box
    assert box is not None and "NIR en clair" in box.text()
    pdfs = list((tmp_path / "acces").glob("donnees-*.pdf"))
    assert len(pdfs) == 1 and pdfs[0].name.endswith(f"{case.full[:8]}.pdf")
    assert date.today().isoformat() in pdfs[0].name
    box.done(QMessageBox.StandardButton.Close)


def test_cancel_stops_the_purge_before_the_next_file(qtbot, ctx, vault, case):
    import threading

    page = PrivacyPage(ctx)
    qtbot.addWidget(page)
    page.tabs.setCurrentWidget(page.retention)
    page.show()
    idle(qtbot, ctx)
    tab = page.retention
    gate = threading.Event()
    ctx.worker.submit(lambda _w: gate.wait(10))  # hold the worker so that the cancel lands first
    tab.start_purge([case.full, case.just_over])
    assert tab.progress.isVisible() and tab.cancel_button.isVisible() and not tab.purge_button.isEnabled()
    tab.cancel()
    assert not tab.cancel_button.isEnabled()
    shot(page, "privacy-purge-cancelling")
    gate.set()
    qtbot.waitUntil(lambda: not tab.running and ctx.worker.pending == 0, timeout=10_000)
    assert tab.result.text() == "Purge interrompue avant le premier dossier : aucun dossier n'a été touché."
    assert not tab.progress.isVisible()
    with vault.db.read() as s:
        assert (
            s.get(Person, case.full).deleted_at is None and s.get(Person, case.just_over).deleted_at is None
        )
