"""Qt model conformance, the error path, the first-run dialog and the strength hint."""

from __future__ import annotations

import logging

from PySide6.QtWidgets import QMessageBox

from app.models.errors import FilRougeError
from app.services.errors import WrongKeyError
from app.services.people import deadlines
from app.services.storage import vault as vault_service
from app.ui.caseload.model import CaseloadModel
from app.ui.kit import errors
from app.ui.shell.first_run import FirstRunDialog, strength_hint
from tests.ui.kit import shot


def test_caseload_model_passes_qtmodeltester(qtbot, qtmodeltester, unlocked_window):
    model = unlocked_window.files.caseload.model
    assert isinstance(model, CaseloadModel) and model.rowCount() == 40
    qtmodeltester.check(model, force_py=True)
    qtbot.waitUntil(lambda: unlocked_window.worker.pending == 0, timeout=5000)


def test_show_error_is_french_and_never_a_traceback(qtbot, caplog):
    errors.show_error(None, WrongKeyError())
    box = next(w for w in qtbot_top_levels() if isinstance(w, QMessageBox))
    assert box.text() == WrongKeyError.default_message
    box.close()
    with caplog.at_level(logging.ERROR, logger="app.ui"):
        try:
            secret_name = "Zéphyrine " + "Quincampoix"
            raise KeyError(secret_name)
        except KeyError as exc:
            errors.show_error(None, exc)
    boxes = [w for w in qtbot_top_levels() if isinstance(w, QMessageBox) and w.isVisible()]
    assert boxes[-1].text() == errors.GENERIC_MESSAGE
    assert "Traceback" not in boxes[-1].text()
    assert "Quincampoix" not in caplog.text and "KeyError" in caplog.text
    for b in boxes:
        b.close()
    assert errors.user_message(FilRougeError("Message clair.")) == "Message clair."


def qtbot_top_levels():
    from PySide6.QtWidgets import QApplication

    return QApplication.topLevelWidgets()


def test_strength_hint():
    assert strength_hint("", True) == "Au moins 8 caractères."
    assert strength_hint("abc", True).startswith("Trop court")
    assert strength_hint("abcdefghi", True).startswith("Acceptable")
    assert strength_hint("trois mots bien choisis", True) == "Solide."
    assert strength_hint("12", False).startswith("Trop court")


def test_first_run_creates_a_passphrase_profile(qtbot, worker, data_dir, no_keyring):
    dialog = FirstRunDialog(worker, data_dir, "principal")
    qtbot.addWidget(dialog)
    assert dialog.pass_mode.isChecked() and not dialog.keyring_mode.isEnabled()
    dialog.secret.setText("une phrase assez longue")
    dialog.again.setText("une phrase différente")
    dialog._create()
    assert dialog.message.text() == "Les deux saisies ne sont pas identiques."
    dialog.again.setText("une phrase assez longue")
    dialog._create()
    qtbot.waitUntil(lambda: dialog.info is not None, timeout=10_000)
    assert dialog.info.mode == vault_service.MODE_PASSPHRASE
    assert vault_service.read_profile(data_dir, "principal").name == "principal"


def test_first_page_shows_while_the_index_is_built(qtbot, worker, data_dir):
    """Large caseload: the first page by name comes from SQL and is on screen (« Chargement… n / total »)
    before the full list replaces it; the page count and the search then work on the full index."""
    from app.services.people.caseload import PAGE_SIZE
    from app.ui.caseload.page import CaseloadPage
    from tests.ui.conftest import make_profile

    total = PAGE_SIZE + 150
    make_profile(data_dir, total, mode=vault_service.MODE_PASSPHRASE)
    worker.submit(
        lambda ctx: ctx.set_vault(
            vault_service.open_vault(data_dir, "essai", passphrase="phrase secrète de test")
        )
    )
    page = CaseloadPage(worker)
    qtbot.addWidget(page)
    page.resize(1200, 700)
    page.show()
    seen: list[tuple[object, ...]] = []
    page.model.progress.connect(
        lambda shown, n: seen.append(
            (shown, n, page.model.rowCount(), page.model.partial, page.model.loading, page.count.text())
        )
    )
    page.refresh()
    qtbot.waitUntil(lambda: not page.model.loading, timeout=20_000)
    assert seen == [
        (
            PAGE_SIZE,
            total,
            PAGE_SIZE,
            (PAGE_SIZE, total),
            True,
            f"Chargement… {PAGE_SIZE} / {total} personnes suivies",
        )
    ]
    assert page.model.rowCount() == total and page.model.partial is None
    assert page.count.text() == f"{total} personnes suivies (tous référents)"  # no référent known here
    from app.ui.caseload.page import _plural

    assert _plural(100_000, "personne suivie", "personnes suivies") == "100\u202f000 personnes suivies"
    qtbot.waitUntil(lambda: worker.pending == 0, timeout=10_000)
    # once built, a reload answers from the index: no second partial state
    page.model._ids = []
    page.refresh()
    qtbot.waitUntil(lambda: not page.model.loading and worker.pending == 0, timeout=10_000)
    assert len(seen) == 1 and page.model.rowCount() == total
    # search: accents and case folded (« Céline » found by « celine »), debounced keystrokes
    page.search.setText("celine")
    qtbot.waitUntil(lambda: page.model.query.search == "celine" and not page.model.loading, timeout=10_000)
    n = page.model.rowCount()
    assert 0 < n < total
    qtbot.waitUntil(lambda: page.model.row_data(n - 1) is not None, timeout=10_000)
    assert {page.model.row_data(r).first_name for r in range(n)} == {"Céline"}
    shot(page, "caseload_search")


def test_each_row_shows_the_deadline_to_act_on_first(qtbot, worker, data_dir):
    """« Prochaine action »: the most urgent deadline (a legal one past before a departmental target past),
    « en retard de N j », the same the services give; the list is sorted by urgency by default."""
    from datetime import date

    from app.ui.caseload.model import DUE_COLUMN, action_text
    from tests.ui.conftest import make_profile

    make_profile(data_dir, 12, mode=vault_service.MODE_PASSPHRASE)
    opened: list[vault_service.Vault] = []

    def open_vault(ctx):
        opened.append(vault_service.open_vault(data_dir, "essai", passphrase="phrase secrète de test"))
        ctx.set_vault(opened[0])

    worker.submit(open_vault)
    model = CaseloadModel(worker)
    model.reload()
    qtbot.waitUntil(lambda: not model.loading and worker.pending == 0, timeout=20_000)
    assert model.query.sort == "urgency" and model.rowCount() == 12
    dues = deadlines.next_deadlines(opened[0].db, [model.row_id(r) for r in range(12)])
    today = date.today()
    grades = []
    for r in range(12):
        due = dues.get(model.row_id(r))
        assert model.row_data(r).next_due == due
        assert model.index(r, DUE_COLUMN).data() == (action_text(due, today) if due else "Aucune échéance")
        grades.append((due.grade, due.due) if due else (9, today))
    assert grades == sorted(grades) and any(dues.values())


def test_fast_typing_skips_the_stale_searches_on_the_worker(qtbot, worker, data_dir, monkeypatch):
    from app.services.people.caseload import CaseloadIndex
    from tests.ui.conftest import make_profile

    make_profile(data_dir, 30, mode=vault_service.MODE_PASSPHRASE)
    worker.submit(
        lambda ctx: ctx.set_vault(
            vault_service.open_vault(data_dir, "essai", passphrase="phrase secrète de test")
        )
    )
    model = CaseloadModel(worker)
    model.reload()
    qtbot.waitUntil(lambda: not model.loading and worker.pending == 0, timeout=20_000)
    searched: list[str] = []
    real_ids = CaseloadIndex.ids
    monkeypatch.setattr(CaseloadIndex, "ids", lambda self, q: searched.append(q.search) or real_ids(self, q))
    for text in ("c", "ce", "cel", "celi", "celine"):
        model.set_search(text)
    qtbot.waitUntil(lambda: not model.loading and worker.pending == 0, timeout=20_000)
    assert searched[-1] == "celine" and len(searched) < 5  # the older keystrokes were skipped
    assert model.rowCount() > 0 and {model.row_data(r).first_name for r in range(model.rowCount())} == {
        "Céline"
    }
