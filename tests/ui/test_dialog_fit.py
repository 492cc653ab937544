"""Issue #15: dialogs fit the screen and cut no text. At 1366×768 (and on the 800×800 offscreen screen of the
tests) a dialog is never taller or wider than the available area — its form scrolls instead — and with the
application's fonts no label, check box or button of the exit, change-of-référent and orientation dialogs is
cut."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication

from app.services.people import followup, parcours
from app.services.people import identity as people
from app.services.people.identity import PersonInput
from app.ui.kit.preview import PdfPreviewDialog
from app.ui.person.exit_dialogs import ExitDialog
from app.ui.person.parcours_dialogs import OrientationDialog, ReferentDialog
from tests.ui.kit import clipped_texts, idle, shot, themed


def _inside_the_screen(dialog) -> None:
    area = QGuiApplication.primaryScreen().availableGeometry()
    frame = dialog.frameGeometry()
    assert frame.width() <= area.width() and frame.height() <= area.height(), (frame, area)
    assert area.contains(frame.topLeft()), (frame, area)


@pytest.fixture
def person(vault) -> str:
    db = vault.db
    me = people.upsert_referent(db, login="cm", first_name="Claire", last_name="Marchand",
                                structure="Maison départementale des solidarités de l'Agglomération Sud")  # fmt: skip
    people.upsert_referent(db, login="kh", first_name="Karim", last_name="Haddad",
                           structure="MDS Agglomération Sud (Échirolles) — antenne de Pont-de-Claix")  # fmt: skip
    people.set_current_referent(db, me)
    pid = people.create_person(
        db, PersonInput(last_name="Barbier", first_name="Anne-Sophie", regime="plein_emploi")
    )
    parcours.open_parcours(db, pid, start_date=date(2026, 3, 1), track="emploi")
    parcours.record_orientation(db, pid, track="emploi", decision_date=date(2026, 3, 5),
                                organisme="France Travail — agence de Grenoble Bastille")  # fmt: skip
    return pid


def test_follow_up_dialogs_cut_no_text_with_the_application_fonts(qtbot, ctx, vault, person) -> None:
    context = followup.followup_context(vault.db, person)
    referents = followup.referent_choices(vault.db)
    with themed():
        for name, dialog in (
            ("orientation", OrientationDialog(ctx, context)),
            (
                "changement_referent",
                ReferentDialog(ctx, [person], [context.name], referents, context.referent_id),
            ),
            ("sortie", ExitDialog(ctx, context)),
        ):
            qtbot.addWidget(dialog)
            dialog.show()
            qtbot.waitExposed(dialog)
            for _ in range(3):
                QApplication.processEvents()
            shot(dialog, f"dialogue_{name}")
            assert clipped_texts(dialog) == [], name
            _inside_the_screen(dialog)
            dialog.dirty = False
            dialog.reject()


def test_the_pdf_preview_fits_the_screen(qtbot, ctx) -> None:
    """It asked for 900×860: on a 768-pixel-high laptop its buttons fell under the taskbar."""
    dialog = PdfPreviewDialog(ctx.worker, b"%PDF-1.4", "Aperçu — contrat", "contrat.pdf")
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    _inside_the_screen(dialog)
    idle(qtbot, ctx)


def test_a_scanned_page_fits_the_screen(qtbot) -> None:
    """It asked for 880×860."""
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice
    from PySide6.QtGui import QImage

    from app.ui.person.contracts.paper_signature import ImageViewDialog

    image = QImage(1240, 1754, QImage.Format.Format_RGB32)  # an A4 page at 150 dpi
    image.fill(0xFFFFFF)
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    dialog = ImageViewDialog("Page signée", bytes(data.data()))
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    _inside_the_screen(dialog)


def test_the_contract_editor_fits_the_screen(qtbot, ctx, vault, person) -> None:
    """It asked for 980×860; with the application's fonts its buttons stay on the screen."""
    from app.services.contracts import editor as contracts
    from app.ui.person.contracts.editor import ContractEditor
    from tests.conftest import set_letterhead

    set_letterhead(vault.db)
    with themed():
        dialog = ContractEditor(ctx, contracts.editor_model(vault.db, person))
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitExposed(dialog)
        _inside_the_screen(dialog)
        assert dialog.minimumSizeHint().height() <= dialog.height()
        dialog.dirty = False
        dialog.reject()
    idle(qtbot, ctx)


def test_the_main_window_fits_the_screen(qtbot, worker, data_dir, profile) -> None:
    """It asked for 1280×800, more than a 768-pixel-high laptop has."""
    from app.ui.shell.main_window import MainWindow

    window = MainWindow(worker, data_dir, profile)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.lock_screen.vault_open and worker.pending == 0, timeout=10_000)
    _inside_the_screen(window)
    window.close()
