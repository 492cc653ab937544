"""Documents tab (notes + documents + feuille de route) and Historique tab on a real vault, offscreen."""

from __future__ import annotations

from datetime import datetime

import pytest
from PySide6.QtGui import QColor, QImage

from app.services.casefile import documents, rdv
from app.services.casefile import notes as notes_mod
from app.services.people import identity as people
from app.services.people.identity import PersonInput
from tests.ui.kit import idle


@pytest.fixture
def pid(vault) -> str:
    pid = people.create_person(vault.db, PersonInput(last_name="Moreau", first_name="Léa", regime="legacy"))
    notes_mod.add_note(vault.db, pid, kind="appel", body="Appel : RDV décalé au jeudi.",
                     written_at=datetime(2026, 3, 2, 9))  # fmt: skip
    return pid


def make_tab(qtbot, ctx, cls, pid):
    tab = cls(ctx, pid)
    qtbot.addWidget(tab)
    tab.resize(1200, 700)
    tab.show()
    idle(qtbot, ctx)
    return tab


def test_notes_new_with_warning_and_correction(qtbot, ctx, vault, pid):
    from app.ui.person.documents.tab import DocumentsTab

    tab = make_tab(qtbot, ctx, DocumentsTab, pid)
    assert tab.note_tree.topLevelItemCount() == 1 and tab.docs_empty.isVisibleTo(tab)
    tab.new_note()
    dialog = tab.dialog
    dialog.body.setPlainText("Elle parle de son traitement pour la dépression.")
    qtbot.waitUntil(lambda: dialog.warning.isVisibleTo(dialog), timeout=2000)
    assert "santé" in dialog.warning.text()
    dialog.body.setPlainText("Entretien : projet de formation d'aide-soignante.")
    dialog.check_sensitive()
    assert not dialog.warning.isVisibleTo(dialog)
    dialog.save_button.click()
    idle(qtbot, ctx)
    tab.reload()
    idle(qtbot, ctx)
    assert tab.note_tree.topLevelItemCount() == 2
    # correct the first note: the original stays, struck out and marked
    original = next(n for n in tab.notes if n.kind == "appel")
    tab.note_tree.setCurrentItem(tab.note_tree.topLevelItem(tab.notes.index(original)))
    assert tab.correct_button.isEnabled() and "Appel : RDV décalé" in tab.preview.text.toPlainText()
    tab.correct_note()
    fix = tab.dialog
    assert fix.body.toPlainText() == original.body
    fix.save_button.click()  # unchanged text is refused, next to the field
    assert "identique" in fix.errors["body"].text()
    fix.body.setPlainText("Appel : RDV décalé au vendredi.")
    fix.save_button.click()
    idle(qtbot, ctx)
    tab.reload()
    idle(qtbot, ctx)
    notes = {n.id: n for n in notes_mod.list_notes(vault.db, pid)}
    assert notes[original.id].corrected_by is not None and len(notes) == 3
    row = tab.note_tree.topLevelItem(next(i for i, n in enumerate(tab.notes) if n.id == original.id))
    assert row.font(2).strikeOut() and row.text(2).startswith("[corrigée le ")


def test_documents_add_preview_export_and_roadmap(qtbot, ctx, vault, pid, tmp_path):
    from app.ui.person.documents.tab import DocumentsTab

    image = QImage(120, 80, QImage.Format.Format_RGB32)
    image.fill(QColor("#336699"))
    src = tmp_path / "justificatif_domicile.png"
    image.save(str(src))
    tab = make_tab(qtbot, ctx, DocumentsTab, pid)
    tab.add_document(src)
    dialog = tab.dialog
    assert dialog.title.text() == "Justificatif domicile"
    dialog.save_button.click()
    assert dialog.errors["kind"].isVisibleTo(dialog)  # type not chosen yet
    dialog.kind.setCurrentIndex(dialog.kind.findData("justificatif_domicile"))
    dialog.save_button.click()
    idle(qtbot, ctx)
    tab.reload()
    idle(qtbot, ctx)
    assert tab.doc_tree.topLevelItemCount() == 1
    assert tab.doc_tree.topLevelItem(0).text(0) == "Justificatif de domicile"
    tab.doc_tree.setCurrentItem(tab.doc_tree.topLevelItem(0))
    idle(qtbot, ctx)
    assert (
        tab.preview.stack.currentWidget() is tab.preview.scroller and not tab.preview.image.pixmap().isNull()
    )
    assert tab.export_button.isVisibleTo(tab) and not tab.correct_button.isVisibleTo(tab)
    tab.export_document(tmp_path / "copie.png")
    idle(qtbot, ctx)
    assert (tmp_path / "copie.png").read_bytes() == src.read_bytes() and "exporté" in tab.feedback.text()
    tab.print_roadmap(tmp_path / "feuille.pdf")
    idle(qtbot, ctx)
    assert (tmp_path / "feuille.pdf").read_bytes().startswith(b"%PDF")
    assert "Feuille de route enregistrée" in tab.feedback.text()


def test_too_big_document_says_so_in_the_dialog(qtbot, ctx, pid, tmp_path):
    from app.ui.person.documents.tab import DocumentsTab

    big = tmp_path / "scan.pdf"
    with big.open("wb") as f:
        f.truncate(documents.MAX_DOCUMENT_BYTES + 10)
    tab = make_tab(qtbot, ctx, DocumentsTab, pid)
    tab.add_document(big)
    dialog = tab.dialog
    dialog.kind.setCurrentIndex(dialog.kind.findData("autre"))
    dialog.save_button.click()
    idle(qtbot, ctx)
    assert "20 Mo" in dialog.errors["data"].text() and dialog.isVisible() and dialog.save_button.isEnabled()
    dialog.saving = True
    dialog.reject()


def test_history_filters_searches_and_opens_the_tab(qtbot, ctx, vault, pid):
    from app.ui.person.history.tab import HistoryTab

    rdv.add_appointment(vault.db, pid, starts_at=datetime(2026, 3, 5, 10), purpose="suivi", nature="physique")
    documents.add_document(vault.db, pid, kind="cv", title="CV", data=b"cv", document_date="04/03/2026")
    tab = make_tab(qtbot, ctx, HistoryTab, pid)
    assert [tab.tree.topLevelItem(i).text(1) for i in range(3)] == ["Rendez-vous", "Document", "Note"]
    tab.kind.setCurrentIndex(tab.kind.findData("document"))
    assert tab.tree.topLevelItemCount() == 1 and tab.count.text() == "1 sur 3 événements"
    tab.kind.setCurrentIndex(0)
    tab.search.setText("decale")  # accents and case ignored
    assert tab.tree.topLevelItemCount() == 1
    tab.tree.setCurrentItem(tab.tree.topLevelItem(0))
    tab.open_selected()
    assert ctx.opened == [(pid, "documents")]
    tab.search.setText("introuvable")
    assert tab.stack.currentWidget() is tab.empty and "ne correspond" in tab.empty.title.text()


def test_dropping_a_file_opens_the_document_dialog(qtbot, ctx, pid, tmp_path):
    from PySide6.QtCore import QMimeData, QPoint, Qt, QUrl
    from PySide6.QtGui import QDropEvent

    from app.ui.person.documents.tab import DocumentsTab

    src = tmp_path / "courrier_caf.pdf"
    src.write_bytes(b"%PDF-1.4 essai")
    tab = make_tab(qtbot, ctx, DocumentsTab, pid)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(src))])
    event = QDropEvent(QPoint(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier)  # fmt: skip
    tab.dropEvent(event)
    assert tab.dialog is not None and tab.dialog.title.text() == "Courrier caf"
    tab.dialog.saving = True
    tab.dialog.reject()
