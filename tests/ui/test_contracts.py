"""Contracts tab, editor, signature pad and PDF preview on a real vault through the database worker (offscreen)."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QScrollArea, QWidget

from app.services.casefile.carnet import edits as carnet_edits
from app.services.contracts import editor as contracts
from app.services.contracts import views
from app.services.contracts.draft import ActionDraft, ContractDraft
from app.services.people import identity as people
from app.services.people.identity import PersonInput
from app.ui.kit.preview import PdfPreviewDialog
from app.ui.person.contracts.editor import ContractEditor
from app.ui.person.contracts.signature_pad import SignatureDialog, SignaturePad
from app.ui.person.contracts.tab import ContractsTab
from tests.conftest import set_letterhead
from tests.ui.factories import add_referent
from tests.ui.kit import idle, shot


@pytest.fixture
def pid(vault) -> str:
    add_referent(vault)
    set_letterhead(vault.db)  # the département's name and DPO, without which nothing can be signed
    person = people.create_person(
        vault.db, PersonInput(last_name="Lefèvre", first_name="Éloïse", regime="plein_emploi")
    )
    carnet_edits.add_objective(vault.db, person, theme="emploi", title="Retrouver un emploi de cariste")
    return person


def editor(qtbot, ctx, vault, pid, contract_id=None) -> ContractEditor:
    dialog = ContractEditor(ctx, contracts.editor_model(vault.db, pid, contract_id))
    qtbot.addWidget(dialog)
    return dialog


def draw(qtbot, pad: SignaturePad) -> None:
    QTest.mousePress(pad, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, QPoint(30, 100))
    for x in range(40, 400, 30):
        QTest.mouseMove(pad, QPoint(x, 60 + (x % 90)))
    QTest.mouseRelease(pad, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, QPoint(410, 90))


def test_editor_validation_messages_and_versions(qtbot, ctx, vault, pid):
    dialog = editor(qtbot, ctx, vault, pid)
    assert dialog.kind.currentData() == "ce"  # from the regime
    dialog.start.setDate(date(2027, 1, 1))
    assert "30/06/2027" in dialog.end_label.text()
    dialog._append_action(ActionDraft("", "France Travail", None, None, 6))
    assert "moins de 15 h" in dialog.total.text() and "moins de 15 h" in dialog.ce_terms.hint.text()
    assert [dialog.kind.itemData(n) for n in range(dialog.kind.count())] == ["ce"]  # no new CER since 2025
    dialog.save()
    assert dialog.errors["actions"].isVisible() or not dialog.errors["actions"].isHidden()
    assert "intitulé" in dialog.errors["actions"].text()
    dialog.action_table.item(0, 0).setText("Atelier CV")
    dialog.action_table.item(0, 4).setText("six")
    dialog.save()
    assert "heures par semaine" in dialog.errors["actions"].text()
    dialog.action_table.item(0, 4).setText("7,5")
    dialog.objectives.item(0).setCheckState(Qt.CheckState.Checked)
    dialog.save()
    qtbot.waitUntil(lambda: dialog.contract_id is not None, timeout=10_000)
    assert dialog.errors["actions"].isHidden() and not dialog.dirty
    dialog.commitments.setPlainText("Venir aux ateliers")
    dialog.save()
    qtbot.waitUntil(lambda: dialog.saved_version == 2, timeout=10_000)
    view = views.get_contract(vault.db, dialog.contract_id)
    assert view.current_version == 2 and view.draft.weekly_hours == 7.5
    assert (
        view.draft.objectives == ("Retrouver un emploi de cariste",)
        and view.draft.commitments == "Venir aux ateliers"
    )


def test_editor_reports_overlap_next_to_the_start_date(qtbot, ctx, vault, pid):
    first = contracts.create(
        vault.db,
        pid,
        ContractDraft("ce", 6, date(2027, 1, 1), actions=(ActionDraft("A", hours_per_week=20),)),
    )
    for signer in ("personne", "referent"):
        contracts.sign(
            vault.db, first, signer=signer, signer_name="X", strokes=[[[0, 0], [1, 1]]], place="Ici"
        )
    dialog = editor(qtbot, ctx, vault, pid)
    dialog.start.setDate(date(2027, 3, 1))
    dialog.save()
    qtbot.waitUntil(lambda: not dialog.errors["start_date"].isHidden(), timeout=10_000)
    assert "chevauche" in dialog.errors["start_date"].text() and dialog.contract_id is None
    dialog.dirty = False  # closing at teardown would ask


def test_signature_pad_strokes(qtbot):
    dialog = SignatureDialog("La personne accompagnée", "Éloïse Lefèvre")
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.validate()
    assert "vide" in dialog.pad_error.text() and dialog.result() == 0
    draw(qtbot, dialog.pad)
    strokes = dialog.pad.strokes()
    assert len(strokes) == 1 and len(strokes[0]) > 5
    assert all(0 <= x <= 1 and 0 <= y <= 1 for x, y in strokes[0])
    dialog.place.setText("Saint-Denis")
    shot(dialog, "signature_pad")
    dialog.clear_button.click()
    assert dialog.pad.is_empty()


def test_signing_both_parties_locks_the_contract(qtbot, ctx, vault, pid, tmp_path):
    draft = ContractDraft(
        "ce", 6, date(2027, 1, 1), actions=(ActionDraft("Atelier CV", "Mission locale", None, None, 16),)
    )
    cid = contracts.create(vault.db, pid, draft)
    tab = ContractsTab(ctx, pid)
    qtbot.addWidget(tab)
    tab.resize(1280, 800)
    tab.show()
    qtbot.waitUntil(lambda: bool(tab.items), timeout=10_000)
    tab.sign()
    for _ in range(2):
        qtbot.waitUntil(
            lambda: isinstance(tab.dialog, SignatureDialog) and tab.dialog.isVisible(), timeout=10_000
        )
        dialog = tab.dialog
        draw(qtbot, dialog.pad)
        dialog.place.setText("Saint-Denis")
        dialog.ok_button.click()
        idle(qtbot, ctx)
    qtbot.waitUntil(lambda: tab.items and tab.items[0].status == "signe", timeout=10_000)
    view = views.get_contract(vault.db, cid)
    assert view.locked and len(view.signatures) == 2 and view.signed_place == "Saint-Denis"
    assert {s.signer_name for s in view.signatures} == {"Éloïse Lefèvre", "Claire Marchand"}
    locked = editor(qtbot, ctx, vault, pid, cid)
    assert locked.readonly and not locked.save_button.isEnabled() and not locked.banner.isHidden()
    shot(tab, "contracts_tab_signed")


def test_preview_renders_pages_and_saves(qtbot, ctx, vault, pid, tmp_path):
    from app.services.contracts.document import render_pdf

    cid = contracts.create(vault.db, pid, ContractDraft("ce", 3, date(2027, 1, 1)))
    pdf = render_pdf(vault.db, cid, actor="test")
    outputs: list[str] = []
    dialog = PdfPreviewDialog(ctx.worker, pdf, "contrat", "contrat.pdf", on_output=outputs.append)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: bool(dialog.pages), timeout=20_000)
    assert len(dialog.pages) >= 3 and dialog.print_button.isEnabled()
    dialog.write_to(str(tmp_path / "copie"))
    assert (tmp_path / "copie.pdf").read_bytes() == pdf and outputs == ["export"]


def test_editor_hides_behind_the_lock_and_keeps_its_text(qtbot, ctx, vault, pid):
    window = QWidget()
    window.locked = False  # type: ignore[attr-defined]
    qtbot.addWidget(window)
    dialog = ContractEditor(ctx, contracts.editor_model(vault.db, pid), window)
    dialog.show()
    dialog.observations.setPlainText("Je souhaite travailler le matin.")
    window.locked = True  # type: ignore[attr-defined]
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=3000)
    window.locked = False  # type: ignore[attr-defined]
    qtbot.waitUntil(dialog.isVisible, timeout=3000)
    assert dialog.observations.toPlainText() == "Je souhaite travailler le matin." and dialog.dirty
    dialog.dirty = False


def test_tab_preview_is_audited_only_when_saved(qtbot, ctx, vault, pid, tmp_path):
    from app.models.tables.local import AuditEvent

    contracts.create(vault.db, pid, ContractDraft("ce", 6, date(2027, 1, 1)))
    tab = ContractsTab(ctx, pid)
    qtbot.addWidget(tab)
    qtbot.waitUntil(lambda: bool(tab.items), timeout=10_000)
    tab.preview()
    qtbot.waitUntil(
        lambda: isinstance(tab.dialog, PdfPreviewDialog) and bool(tab.dialog.pages), timeout=20_000
    )

    def audit() -> list[str]:
        with vault.db.read() as s:
            return [a.action for a in s.query(AuditEvent).filter_by(object_table="contract").all()]

    assert audit() == []
    tab.dialog.write_to(str(tmp_path / "contrat.pdf"))
    idle(qtbot, ctx)
    assert audit() == ["export"]


def _scan_pdf(tmp_path) -> str:
    """Any one-page PDF stands for the scanned signed page."""
    from app.services.casefile.roadmap_layout import RoadmapDocument, render_roadmap

    path = tmp_path / "page_signee.pdf"
    path.write_bytes(
        render_roadmap(RoadmapDocument("Éloïse Lefèvre", "Claire Marchand", "MDS", date.today()))
    )
    return str(path)


def test_paper_signature_flow(qtbot, ctx, vault, pid, tmp_path):
    from PySide6.QtCore import QMimeData, QPointF, QUrl
    from PySide6.QtGui import QDropEvent

    from app.ui.person.contracts.paper_signature import PaperSignatureDialog

    draft = ContractDraft(
        "ce", 6, date(2027, 1, 1), actions=(ActionDraft("Atelier CV", "Mission locale", None, None, 16),)
    )
    cid = contracts.create(vault.db, pid, draft)
    tab = ContractsTab(ctx, pid)
    qtbot.addWidget(tab)
    tab.resize(1280, 800)
    tab.show()
    qtbot.waitUntil(lambda: bool(tab.items), timeout=10_000)
    assert tab.paper_box.isHidden()
    tab.paper()
    dialog = tab.dialog
    assert isinstance(dialog, PaperSignatureDialog) and dialog.isVisible()
    assert dialog.place.text()  # defaults to the référent's office
    # nothing chosen, no place: two messages, the dialog stays open
    dialog.place.clear()
    dialog.ok_button.click()
    assert not dialog.scan_error.isHidden() and "PDF, JPEG ou PNG" in dialog.scan_error.text()
    assert not dialog.place_error.isHidden() and dialog.isVisible()
    # a wrong type dropped is refused at once
    wrong = tmp_path / "notes.txt"
    wrong.write_text("x")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(wrong))])
    drop = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.NoButton,
                      Qt.KeyboardModifier.NoModifier)  # fmt: skip
    dialog.zone.dropEvent(drop)
    assert "ni un PDF" in dialog.scan_error.text()
    mime.setUrls([QUrl.fromLocalFile(_scan_pdf(tmp_path))])
    dialog.zone.dropEvent(drop)
    assert dialog.scan_error.isHidden() and "page_signee.pdf" in dialog.zone.text.text()
    dialog.place.setText("Saint-Denis")
    shot(dialog, "paper_signature_dialog")
    dialog.ok_button.click()
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=10_000)
    qtbot.waitUntil(lambda: bool(tab.items) and tab.items[0].status == "signe", timeout=10_000)
    view = views.get_contract(vault.db, cid)
    assert {s.method for s in view.signatures} == {"papier"} and view.signed_place == "Saint-Denis"
    assert not tab.paper_box.isHidden()
    assert tab.paper_label.text().startswith(f"Signé sur papier le {date.today():%d/%m/%Y} à Saint-Denis")
    shot(tab, "contracts_tab_paper")
    tab.view_scan()
    qtbot.waitUntil(
        lambda: isinstance(tab.dialog, PdfPreviewDialog) and bool(tab.dialog.pages), timeout=20_000
    )


def test_paper_signature_refused_keeps_the_dialog(qtbot, ctx, vault, pid, tmp_path):
    """The service refuses (CE below 15 h without a reason): the message shows, the dialog keeps its input."""
    from app.ui.kit import errors as ui_errors
    from app.ui.person.contracts.paper_signature import PaperSignatureDialog

    draft = ContractDraft("ce", 6, date(2027, 1, 1), actions=(ActionDraft("Atelier CV", "", None, None, 4),))
    contracts.create(vault.db, pid, draft)
    shown: list[str] = []
    original = ui_errors.show_error
    import app.ui.person.contracts.tab as tab_module

    tab_module.show_error = lambda _w, e: shown.append(str(e))  # type: ignore[assignment]
    try:
        tab = ContractsTab(ctx, pid)
        qtbot.addWidget(tab)
        qtbot.waitUntil(lambda: bool(tab.items), timeout=10_000)
        tab.paper()
        dialog = tab.dialog
        assert isinstance(dialog, PaperSignatureDialog)
        dialog.zone.set_path(_scan_pdf(tmp_path))
        dialog.place.setText("Bobigny")
        dialog.ok_button.click()
        qtbot.waitUntil(lambda: bool(shown), timeout=10_000)
    finally:
        tab_module.show_error = original
    assert "15" in shown[0]
    assert dialog.isVisible() and dialog.ok_button.isEnabled() and dialog.place.text() == "Bobigny"
    assert dialog.zone.path is not None and views.get_contract(vault.db, tab.items[0].id).signatures == ()
    dialog.reject()


def test_preview_with_a_broken_seal_still_shows_the_contract(
    qtbot, ctx, vault, pid, tmp_path, memory_keyring
):
    import app.ui.person.contracts.tab as tab_module
    from app.services.settings import seal as seal_config
    from tests.services.certificates import make_p12

    contracts.create(vault.db, pid, ContractDraft("ce", 6, date(2027, 1, 1)))
    seal_config.configure_seal(vault.db, make_p12(tmp_path, "secret"), "secret")
    memory_keyring.store.clear()  # the password has gone from the keyring
    shown: list[str] = []
    original = tab_module.show_error
    tab_module.show_error = lambda _w, e: shown.append(str(e))  # type: ignore[assignment]
    try:
        tab = ContractsTab(ctx, pid)
        qtbot.addWidget(tab)
        qtbot.waitUntil(lambda: bool(tab.items), timeout=10_000)
        tab.preview()
        qtbot.waitUntil(
            lambda: isinstance(tab.dialog, PdfPreviewDialog) and bool(tab.dialog.pages), timeout=20_000
        )
    finally:
        tab_module.show_error = original
    assert shown and "trousseau" in shown[0] and "sans cachet" in shown[0]
    assert b"/ByteRange" not in tab.dialog.pdf


def test_editor_ce_terms_hours_and_offre_raisonnable(qtbot, ctx, vault, pid):
    """The CE's weekly activity (a choice among three; the legal list of grounds for « sans durée ») and the offre
    raisonnable d'emploi, saved with the contract; a signed contract shows them read-only."""
    dialog = editor(qtbot, ctx, vault, pid)
    dialog.show()
    terms = dialog.ce_terms
    assert terms.isVisible() and not terms.ground.isVisible() and not terms.reason.isVisible()
    terms.regime.setCurrentIndex(terms.regime.findData("minoree"))
    assert terms.reason.isVisible() and not terms.ground.isVisible()
    terms.regime.setCurrentIndex(terms.regime.findData("sans_duree"))
    assert terms.ground.isVisible() and not terms.reason.isVisible()
    assert terms.ground.count() == 5  # « Choisir… » and the four grounds of L. 5411-6: never free text
    dialog._append_action(ActionDraft("Soins et démarches de santé", "", None, None, 0))
    dialog.save()
    qtbot.waitUntil(lambda: not terms.errors["hours_ground"].isHidden(), timeout=10_000)
    assert "L. 5411-6" in terms.errors["hours_ground"].text() and dialog.contract_id is None
    terms.ground.setCurrentIndex(1)
    assert not terms.jobs.isEnabled()
    terms.salaried.setChecked(True)
    assert terms.jobs.isEnabled() and terms.acts.isEnabled()
    terms.jobs.setText("Cariste, CDI ou intérim, temps plein")
    terms.area.setText("Bobigny et 30 minutes autour")
    terms.salary.setText("SMIC")
    terms.acts.setPlainText("Deux candidatures par semaine")
    dialog.resize(1010, 740)  # what fits a 1366×768 screen
    shot(dialog, "contract_editor_top")
    dialog.findChild(QScrollArea).ensureWidgetVisible(terms.offer)
    shot(dialog, "contract_editor_ce_terms")
    dialog.save()
    qtbot.waitUntil(lambda: dialog.contract_id is not None, timeout=10_000)
    saved = views.get_contract(vault.db, dialog.contract_id).draft
    assert (saved.hours_regime, saved.hours_ground) == ("sans_duree", terms.ground.itemData(1))
    assert (saved.salaried_goal, saved.ore_area) == (True, "Bobigny et 30 minutes autour")
    for signer in ("personne", "referent"):
        contracts.sign(
            vault.db,
            dialog.contract_id,
            signer=signer,
            signer_name="X",
            strokes=[[[0, 0], [1, 1]]],
            place="Bobigny",
        )
    signed = editor(qtbot, ctx, vault, pid, dialog.contract_id)
    assert signed.readonly and not signed.ce_terms.regime.isEnabled() and signed.ce_terms.acts.isReadOnly()
    assert signed.ce_terms.jobs.text() == "Cariste, CDI ou intérim, temps plein"


def test_editor_of_a_cer_of_2024_explains_the_law(qtbot, ctx, vault, pid):
    """A CER begun before 2025 opens as it is (its type offered), with the note that what follows is a CE."""
    cid = contracts.create(vault.db, pid, ContractDraft("cer", 12, date(2024, 6, 1)))
    dialog = editor(qtbot, ctx, vault, pid, cid)
    kinds = [dialog.kind.itemData(n) for n in range(dialog.kind.count())]
    assert kinds == ["cer", "ce"] or kinds == ["ce", "cer"]
    assert dialog.kind.currentData() == "cer" and not dialog.ce_terms.isVisibleTo(dialog)
    assert "avant 2025" in dialog.kind_note.text() and "contrat d'engagement" in dialog.kind_note.text()
