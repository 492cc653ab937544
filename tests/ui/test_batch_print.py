"""« Imprimer les contrats de la sélection… »: the plan shown, files, one PDF, printing to a PDF printer, cancel
between documents, and the action of Ma file active (offscreen, real vault and worker)."""

from __future__ import annotations

import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtPrintSupport import QPrinter

from app.services.contracts import editor as contracts
from app.services.contracts.draft import ActionDraft, ContractDraft
from app.services.people import identity as people
from app.services.people.identity import PersonInput
from app.ui.caseload.batch_print import BatchPrintDialog
from tests.ui.factories import add_referent
from tests.ui.kit import shot

needs_poppler = pytest.mark.skipif(shutil.which("pdfinfo") is None, reason="poppler-utils absent")
NAMES = [("Dupont", "Élodie"), ("Bernard", "Amine"), ("Petit", "Léa"), ("Roux", "Hugo"), ("Zola", "Marc")]


@pytest.fixture
def ids(vault) -> list[str]:
    """Five people; the first four have a draft CE, the last none."""
    add_referent(vault)
    out = []
    for n, (last, first) in enumerate(NAMES):
        pid = people.create_person(
            vault.db, PersonInput(last_name=last, first_name=first, regime="plein_emploi")
        )
        if n < 4:
            actions = (ActionDraft("Atelier CV", "Mission locale", None, None, 16),)
            contracts.create(vault.db, pid, ContractDraft("ce", 6, date(2027, 1, 1), actions=actions))
        out.append(pid)
    return out


def dialog_for(qtbot, ctx, ids) -> BatchPrintDialog:
    dialog = BatchPrintDialog(ctx, ids)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.plan is not None, timeout=10_000)
    return dialog


def finished(qtbot, dialog: BatchPrintDialog) -> None:
    qtbot.waitUntil(lambda: dialog.outcome is not None and not dialog.running, timeout=60_000)


def pages(path: Path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


def test_plan_is_shown_before_anything_is_done(qtbot, ctx, ids):
    dialog = dialog_for(qtbot, ctx, ids)
    assert (
        dialog.summary.text()
        == "4 contrats (dont 4 brouillons), 1 personne sans contrat — 5 personnes sélectionnées"
    )
    assert dialog.list.count() == 4 and dialog.list.item(0).text().startswith("BERNARD Amine")
    assert "ZOLA Marc" in dialog.missing.text() and dialog.go_button.isEnabled()
    assert dialog.go_button.text() == "Imprimer…"
    dialog.mode_buttons["files"].setChecked(True)
    assert dialog.go_button.text() == "Choisir le dossier…"
    shot(dialog, "batch_print_dialog")
    empty = dialog_for(qtbot, ctx, [ids[-1]])
    assert not empty.go_button.isEnabled() and "Aucun contrat" in empty.summary.text()


@needs_poppler
def test_save_files_and_single_pdf(qtbot, ctx, ids, tmp_path):
    dialog = dialog_for(qtbot, ctx, ids)
    folder = tmp_path / "contrats"
    folder.mkdir()
    dialog.start_save(folder, None)
    assert dialog.progress is not None and dialog.running
    finished(qtbot, dialog)
    files = sorted(folder.glob("*.pdf"))
    assert [f.name.split("_")[1] for f in files] == ["BERNARD", "DUPONT", "PETIT", "ROUX"]
    assert "4 contrats enregistrés." in dialog.message_box.text() and dialog.progress is None
    assert dialog.existing_files(folder) == [i.file_name for i in dialog.plan.items]  # a new run would ask
    assert dialog.existing_files(tmp_path) == []
    dialog.message_box.close()
    dialog.outcome = None
    single = tmp_path / "tous.pdf"
    dialog.start_save(None, single)
    finished(qtbot, dialog)
    assert pages(single) == sum(pages(f) for f in files)
    assert str(single) in dialog.message_box.text()


@needs_poppler
def test_print_every_contract_to_the_chosen_printer(qtbot, ctx, vault, ids, tmp_path):
    dialog = dialog_for(qtbot, ctx, ids)
    out = tmp_path / "imprime.pdf"
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(out))
    labels: list[str] = []
    dialog.job.progress.connect(  # the dialog may be closed by then: its setValue() runs the event loop
        lambda _d, _t, _l: labels.append(dialog.progress.labelText()) if dialog.progress else None
    )
    dialog.start_print(printer)
    finished(qtbot, dialog)
    assert len(dialog.outcome.done) == 4 and "4 contrats imprimés." in dialog.message_box.text()
    assert "1 / 4 — BERNARD Amine" in labels
    saved = tmp_path / "ref"
    saved.mkdir()
    from app.services.contracts.batch import render_batch

    reference = render_batch(vault.db, dialog.plan, saved, actor="t")
    assert pages(out) == sum(pages(p) for p in reference.paths)


def test_cancel_stops_between_documents(qtbot, ctx, ids, tmp_path):
    dialog = dialog_for(qtbot, ctx, ids)
    folder = tmp_path / "contrats"
    folder.mkdir()

    def cancel_after_first(done: int, _total: int, _label: str) -> None:
        if done >= 1 and not dialog.job.cancel_requested:
            shot(dialog.progress, "batch_print_progress")
            dialog.cancel()

    dialog.job.progress.connect(cancel_after_first)
    dialog.start_save(folder, None)
    finished(qtbot, dialog)
    result = dialog.outcome
    assert result.cancelled and 1 <= len(result.done) < 4
    assert len(list(folder.glob("*.pdf"))) == len(result.done)
    assert dialog.message_box.text().startswith(f"Annulé : {len(result.done)} contrat")
    assert dialog.go_button.isEnabled()
    shot(dialog.message_box, "batch_print_cancelled")


def test_caseload_action_opens_the_dialog(qtbot, unlocked_window):

    page = unlocked_window.files.caseload
    action = page.print_contracts_action
    assert action.shortcut().toString() == "Ctrl+Shift+P" and action in page.view.actions()
    page.view.clearSelection()
    action.trigger()
    assert page.batch_dialog is None  # nothing selected: a hint, no dialog
    page.view.selectAll()
    action.trigger()
    dialog = page.batch_dialog
    assert isinstance(dialog, BatchPrintDialog) and len(dialog.person_ids) == 40
    qtbot.waitUntil(lambda: dialog.plan is not None, timeout=10_000)
    assert dialog.plan.items and dialog.plan.without_contract
    assert dialog.summary.text().endswith("40 personnes sélectionnées")
    shot(unlocked_window, "caseload_with_print_button")
    shot(dialog, "batch_print_caseload")
    dialog.reject()
