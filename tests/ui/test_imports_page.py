"""« Imports » page on a real vault through the database worker, offscreen: preview (simulation), import with
progress, cancel, report table (filter, export, open the person), history, refused files, drag and drop."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from sqlalchemy import func, select

from app.models.orientation_list.report import Outcome
from app.models.tables.people import Orientation, Person
from app.services.storage import vault as vault_service
from app.ui.pages.imports.page import (
    STAGE_HOME,
    STAGE_PREVIEW,
    STAGE_REPORT,
    ImportsPage,
)
from app.ui.pages.imports.report import changed_text
from app.ui.shell.plugins import UiContext
from tests.ui.kit import idle, shot

DATA = Path(__file__).parents[1] / "services" / "data" / "imports"
WAIT = 20_000
HEAD = "NIR;N° allocataire CAF;Nom;Prénom;Date de naissance;Type d'orientation;Date d'orientation;Colonne X"


def make_page(qtbot, ctx: UiContext) -> ImportsPage:
    page = ImportsPage(ctx)
    qtbot.addWidget(page)
    page.resize(1180, 760)
    page.show()
    qtbot.waitUntil(lambda: ctx.worker.pending == 0, timeout=WAIT)
    return page


def count(v: vault_service.Vault, model: type) -> int:
    with v.db.read() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def many(path: Path, n: int) -> Path:
    rows = [f";{1000000 + i};Nom{i};Prénom{i};01/01/1980;Sociale;03/02/2025;x" for i in range(n)]
    path.write_text("\n".join([HEAD, *rows]) + "\n", encoding="cp1252")
    return path


def test_empty_state_then_preview_import_report_and_history(
    qtbot, ctx: UiContext, vault: vault_service.Vault, tmp_path: Path
) -> None:
    page = make_page(qtbot, ctx)
    assert page.stack.currentIndex() == STAGE_HOME
    assert page.empty.isVisibleTo(page) and not page.history_tree.isVisibleTo(page)
    assert "liste des personnes orientées" in page.empty.text.text()
    shot(page, "imports_empty")

    page.open_file(DATA / "orientations_erreurs.csv")
    idle(qtbot, page)
    assert page.stack.currentIndex() == STAGE_PREVIEW
    detected = page.detected.text()
    assert "UTF-8" in detected and "« ; »" in detected
    assert "<b>Date de naissance</b>, <b>Type d'orientation</b> (type d'orientation)" not in detected
    assert "<b>Date de naissance</b>" in detected and "<b>N° allocataire CAF</b>" in detected
    assert "sexe, " in detected  # absent optional field listed
    sim = page.simulation.text()
    assert "<b>3</b> personnes créées" in sim and "<b>6</b> lignes rejetées" in sim
    assert "ligne 4 : date de naissance « 31/02/1980 » invalide" in sim
    assert count(vault, Person) == 0  # a simulation writes nothing
    assert page.import_button.isEnabled()
    shot(page, "imports_preview")

    page.import_button.click()
    idle(qtbot, page)
    assert page.stack.currentIndex() == STAGE_REPORT
    assert count(vault, Person) == 3  # the row with an unusable NIR is imported without it (a warning)
    assert ctx.changes == [None]
    assert page.summary.text().startswith("« orientations_erreurs.csv » importé — 9 lignes : 3 créées")
    # rejected rows first: the filter starts on « Rejetées »
    assert page.outcome_filter.currentText() == "Rejetées"
    assert page.model.rowCount() == 6
    assert (
        page.model.index(0, 4).data()
        == "ligne 3 : 7 champs au lieu de 8 (séparateur ou guillemets mal placés ?)"
    )
    shot(page, "imports_report_rejected")
    page.outcome_filter.setCurrentIndex(0)
    assert page.model.rowCount() == 9 and page.shown.text() == "9 lignes"
    page.search.setText("lefèvre")
    assert page.model.rowCount() == 1
    assert page.model.index(0, 2).data() == "LEFÈVRE Élodie"
    page.search.clear()
    shot(page, "imports_report_all")

    created = page.model.index(0, 1)
    assert created.data() == str(Outcome.CREATED)
    page.table.doubleClicked.emit(created)
    pid = page.model.result(0).person_id
    assert ctx.opened == [(pid, None)]
    page.table.doubleClicked.emit(page.model.index(1, 1))  # a rejected row opens nothing
    assert len(ctx.opened) == 1

    target = tmp_path / "compte-rendu.csv"
    page.export_report(target)
    qtbot.waitUntil(lambda: target.exists() and "enregistré" in page.summary_detail.text(), timeout=WAIT)
    rows = list(csv.reader(io.StringIO(target.read_bytes().decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:2] == ["Ligne", "Résultat"] and len(rows) == 10

    page.done_button.click()
    idle(qtbot, page)
    assert page.stack.currentIndex() == STAGE_HOME
    assert page.history_tree.topLevelItemCount() == 1
    item = page.history_tree.topLevelItem(0)
    assert [item.text(0), item.text(2), item.text(3), item.text(6)] == [
        "orientations_erreurs.csv",
        "9",
        "3",
        "6",
    ]
    shot(page, "imports_history")

    # the same file again: nothing to write, « Importer » is disabled
    page.open_file(DATA / "orientations_erreurs.csv")
    idle(qtbot, page)
    assert "<b>0</b> personne créée" in page.simulation.text()
    assert "déjà à jour" in page.simulation.text()
    assert not page.import_button.isEnabled()


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("pas_un_csv.csv", "classeur Excel (.xlsx)"),
        ("entete_seule.csv", "aucune ligne de données"),
        ("colonnes_manquantes.csv", "obligatoire"),
    ],
)
def test_refused_files_show_a_french_message(
    qtbot, ctx: UiContext, vault: vault_service.Vault, name: str, message: str
) -> None:
    page = make_page(qtbot, ctx)
    page.open_file(DATA / name)
    idle(qtbot, page)
    assert page.stack.currentIndex() == STAGE_HOME
    assert page.error.isVisibleTo(page)
    assert page.error.text().startswith(f"Fichier refusé — « {name} » : ")
    assert message in page.error.text()
    assert "Traceback" not in page.error.text()
    if name == "pas_un_csv.csv":
        shot(page, "imports_refused")


def test_drop_a_cp1252_file_then_cancel_leaves_nothing(
    qtbot, ctx: UiContext, vault: vault_service.Vault, tmp_path: Path
) -> None:
    page = make_page(qtbot, ctx)
    path = many(tmp_path / "liste_février.csv", 6000)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    event = QDropEvent(
        QPointF(20, 20),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    page.dropEvent(event)
    assert page.running == "preview"
    shot(page, "imports_running")
    idle(qtbot, page)
    assert page.stack.currentIndex() == STAGE_PREVIEW
    assert "Windows-1252" in page.detected.text()
    assert "Colonnes ignorées (1" in page.detected.text() and "Colonne X" in page.detected.text()
    assert "<b>6000</b> personnes créées" in page.simulation.text()

    page.start_import()
    assert page.running == "import"
    page.cancel_button.click()  # at once: the worker checks the flag every 1,000 rows and between batches
    assert not page.cancel_button.isEnabled()
    shot(page, "imports_cancelling")
    idle(qtbot, page)
    assert page.stack.currentIndex() == STAGE_PREVIEW  # back to the preview, ready to try again
    assert page.error.text() == "Import annulé — Import annulé : rien n'a été enregistré."
    assert count(vault, Person) == count(vault, Orientation) == 0
    assert ctx.changes == []


def test_changed_fields_are_named_in_french() -> None:
    assert changed_text(("phone", "orientation.organisme", "referent_id")) == "téléphone, organisme, référent"


def test_in_the_main_window_ctrl_i_page_and_caseload_refresh(qtbot, unlocked_window, monkeypatch) -> None:
    from app.ui.kit.widgets import BADGE_ROLE
    from app.ui.shell.main_window import NAV_FILE, NAV_KEYS

    badge = lambda: unlocked_window.nav.item(NAV_FILE).data(BADGE_ROLE)  # noqa: E731
    qtbot.waitUntil(lambda: badge() == 40, timeout=WAIT)
    unlocked_window.nav.setCurrentRow(NAV_KEYS.index("imports"))
    page = unlocked_window.pages.currentWidget()
    assert isinstance(page, ImportsPage)
    qtbot.waitUntil(lambda: unlocked_window.worker.pending == 0, timeout=WAIT)
    before = badge()
    asked: list[str] = []

    def fake_dialog(parent, title, start, filters):  # type: ignore[no-untyped-def]
        asked.append(title)
        return str(DATA / "orientations_utf8.csv"), filters

    monkeypatch.setattr("app.ui.pages.imports.page.QFileDialog.getOpenFileName", fake_dialog)
    page.setFocus()
    qtbot.keyClick(page, Qt.Key.Key_I, Qt.KeyboardModifier.ControlModifier)
    assert asked == ["Importer la liste d'orientation"]
    idle(qtbot, page)
    assert page.stack.currentIndex() == STAGE_PREVIEW
    page.import_button.click()
    idle(qtbot, page)
    assert page.stack.currentIndex() == STAGE_REPORT
    qtbot.waitUntil(lambda: badge() != before, timeout=WAIT)
    assert badge() == before + 4 == 44
    shot(unlocked_window, "imports_in_window")
