"""A référent's day with the keyboard alone (RGAA 12.8–12.11, 7.5): only QTest key events, sent to the widget that
has the focus, as a keyboard does. Each journey goes through without a trap (Tab always leaves, within a bounded
number of presses) and each result is announced (:func:`app.ui.kit.a11y.announce`) and kept in the status bar.

* unlock → search → open a file → add an RDV → save;
* draft a contract → save;
* open the first alert.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QAbstractButton, QApplication, QDialog, QWidget
from sqlalchemy import select

from app.models.enums import ContractStatus
from app.models.tables.contracts import Contract
from app.models.tables.followup import Appointment
from app.services.storage import vault as vault_service
from app.ui.kit.keyboard import is_input
from app.ui.person.contracts.editor import ContractEditor
from app.ui.person.rdv.dialogs import AppointmentDialog
from app.ui.shell.main_window import NAV_ALERTS, NAV_FILE
from tests.ui.kit import idle

Ctrl, Shift = Qt.KeyboardModifier.ControlModifier, Qt.KeyboardModifier.ShiftModifier
MAX_TABS = 60  # a journey that needs more presses to reach a control has a trap or a lost control


class Keyboard:
    """Keys to the focused widget, the way a keyboard sends them; ``waits`` on the worker after each."""

    def __init__(self, qtbot, window: QWidget) -> None:
        self.qtbot, self.window = qtbot, window

    @property
    def focus(self) -> QWidget:
        widget = QApplication.focusWidget()
        assert widget is not None, "le focus est perdu (aucun élément ne l'a)"
        return widget

    def press(self, key: Qt.Key, modifiers: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
        QTest.keyClick(self.focus, key, modifiers)
        self.settle()

    def type(self, text: str) -> None:
        for char in text:  # one key at a time, to the widget focused at that moment
            QTest.keyClick(self.focus, char)
        self.settle()

    def settle(self) -> None:
        QApplication.processEvents()
        idle(self.qtbot, self.window)

    def tab_to(self, wanted: Callable[[QWidget], bool], what: str, back: bool = False) -> QWidget:
        """Tab (or Shift+Tab) until ``wanted(focus)``: fails if it takes more than :data:`MAX_TABS` presses."""
        for _ in range(MAX_TABS):
            if wanted(self.focus):
                return self.focus
            self.press(
                Qt.Key.Key_Backtab if back else Qt.Key.Key_Tab,
                Shift if back else Qt.KeyboardModifier.NoModifier,
            )
        raise AssertionError(
            f"{what} : pas atteint en {MAX_TABS} appuis sur Tab (piège ou élément inaccessible)"
        )


def button(text: str) -> Callable[[QWidget], bool]:
    return lambda w: isinstance(w, QAbstractButton) and w.text().replace("&", "").startswith(text)


def to_tab(kb: Keyboard, page: QWidget, key: str) -> None:
    """Right arrow on the tab bar until the tab of ``key`` is shown (it is built when first shown)."""
    for _ in range(page.tabs.count()):
        if page.tabs.currentWidget() is page.tab_widgets.get(key):
            return
        kb.press(Qt.Key.Key_Right)
    assert page.tabs.currentWidget() is page.tab_widgets.get(key), f"onglet {key} pas atteint aux flèches"


def dialog_of(widget: QWidget) -> QDialog | None:
    window = widget.window()
    return window if isinstance(window, QDialog) else None


def test_unlock_search_open_a_file_add_an_rdv_and_save(qtbot, window, data_dir, profile, announcements):
    kb = Keyboard(qtbot, window)
    window.activateWindow()
    qtbot.waitActive(window)
    assert kb.focus is window.lock_screen.code
    kb.type("1234")
    kb.press(Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not window.locked, timeout=10_000)
    qtbot.waitUntil(lambda: not window.files.caseload.model.loading, timeout=10_000)
    kb.settle()

    kb.press(Qt.Key.Key_F, Ctrl)  # search
    assert kb.focus is window.files.caseload.search
    name = window.files.caseload.model.row_data(0).last_name
    kb.type(name)
    qtbot.waitUntil(
        lambda: not window.files.caseload.model.loading and window.files.caseload.model.rowCount() > 0
    )
    kb.press(Qt.Key.Key_Return)  # to the list
    assert kb.focus is window.files.caseload.view
    kb.press(Qt.Key.Key_Return)  # open the file
    page = window.files.currentWidget()
    qtbot.waitUntil(lambda: getattr(page, "summary", None) is not None, timeout=10_000)
    assert page.summary.header.display_name.upper().startswith(name.upper())
    assert any(text.startswith("Dossier de ") and text.endswith(" ouvert") for text, _ in announcements)

    assert page.tabs.isAncestorOf(kb.focus)  # the tab bar: the arrows choose the tab
    to_tab(kb, page, "rdv")
    kb.tab_to(button("Nouveau rendez-vous"), "« Nouveau rendez-vous »")
    kb.press(Qt.Key.Key_Space)
    dialog = dialog_of(kb.focus)
    assert isinstance(dialog, AppointmentDialog)
    assert kb.focus is dialog.date  # the first field
    kb.type("28122026")  # the sections of the date fill one after the other
    kb.press(Qt.Key.Key_Tab)
    assert kb.focus is dialog.time
    kb.type("1430")
    kb.tab_to(lambda w: w is dialog.place, "Lieu")
    kb.type("Maison des solidarités, bureau 2")
    kb.tab_to(lambda w: w is dialog.comment, "Commentaire")
    kb.type("Premier entretien.")
    kb.press(Qt.Key.Key_Tab)  # Tab leaves the comment: no tab character in it
    assert kb.focus is not dialog.comment and dialog.comment.toPlainText() == "Premier entretien."
    kb.press(Qt.Key.Key_S, Ctrl)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=10_000)
    if dialog.conflicts_seen:  # an overlap is announced, then Ctrl+S again confirms (not in this data)
        kb.press(Qt.Key.Key_S, Ctrl)
    assert announcements[-1] == ("Rendez-vous enregistré", "done")
    assert window.status.message.text().endswith("Rendez-vous enregistré")
    v = vault_service.open_vault(data_dir, profile.name)
    try:
        with v.db.read() as s:
            rdv = s.scalars(select(Appointment).where(Appointment.place.startswith("Maison des"))).one()
        assert (rdv.person_id, rdv.starts_at.strftime("%d/%m/%Y %H:%M")) == (
            page.person_id,
            "28/12/2026 14:30",
        )
        assert rdv.comment == "Premier entretien."
    finally:
        v.close()


def test_draft_a_contract_and_save_it(qtbot, unlocked_window, data_dir, profile, announcements):
    window = unlocked_window
    kb = Keyboard(qtbot, window)
    window.activateWindow()
    qtbot.waitActive(window)
    kb.press(
        Qt.Key(Qt.Key.Key_1.value + NAV_FILE), Ctrl
    )  # « Ma file active » (the window opens on « Aujourd'hui »)
    window.files.caseload.view.setFocus()
    kb.press(Qt.Key.Key_Return)  # the first person of the list
    page = window.files.currentWidget()
    qtbot.waitUntil(lambda: getattr(page, "summary", None) is not None, timeout=10_000)
    to_tab(kb, page, "contrats")
    # the first person by urgency may have a contract already: « Renouveler » drafts the next one
    new = page.tab_widgets["contrats"].new_button.text()
    kb.tab_to(button(new), f"« {new} »")
    kb.press(Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: isinstance(dialog_of(QApplication.focusWidget() or window), ContractEditor))
    kb.settle()
    editor = dialog_of(kb.focus)
    assert isinstance(editor, ContractEditor) and is_input(kb.focus)  # the first field, not a button
    kb.tab_to(button("Ajouter une action"), "« Ajouter une action »")
    kb.press(Qt.Key.Key_Space)
    kb.press(Qt.Key.Key_Backtab, Shift)  # back to the plan d'action, on its new row
    assert kb.focus is editor.action_table
    kb.press(Qt.Key.Key_End, Ctrl)  # the last row…
    kb.press(Qt.Key.Key_Home)  # …its first cell
    assert editor.action_table.currentRow() == editor.action_table.rowCount() - 1
    kb.type("Atelier CV")
    kb.press(Qt.Key.Key_Return)
    kb.press(Qt.Key.Key_Right)
    kb.type("France Travail")
    kb.press(Qt.Key.Key_Return)
    kb.press(Qt.Key.Key_Tab)  # Tab leaves the table at once (no cell-by-cell walk)
    assert kb.focus is not editor.action_table
    kb.press(Qt.Key.Key_S, Ctrl)
    qtbot.waitUntil(
        lambda: editor.saved_version == 1 or any(e.isVisible() for e in editor.errors.values()),
        timeout=10_000,
    )
    assert editor.saved_version == 1, [t for t, _ in announcements]
    assert announcements[-1] == ("Contrat : version 1 enregistrée", "done")
    v = vault_service.open_vault(data_dir, profile.name)
    try:
        with v.db.read() as s:
            contract = s.scalars(select(Contract).where(Contract.person_id == page.person_id)).one()
        assert contract.status == ContractStatus.DRAFT
    finally:
        v.close()
    editor.reject()


def test_open_the_first_alert(qtbot, unlocked_window, announcements):
    window = unlocked_window
    kb = Keyboard(qtbot, window)
    window.activateWindow()
    qtbot.waitActive(window)
    kb.press(
        Qt.Key(Qt.Key.Key_1.value + NAV_FILE), Ctrl
    )  # « Ma file active » (the window opens on « Aujourd'hui »)
    window.files.caseload.view.setFocus()
    kb.press(Qt.Key(Qt.Key.Key_1.value + NAV_ALERTS), Ctrl)  # « Alertes »
    alerts = window.pages.currentWidget()
    qtbot.waitUntil(lambda: getattr(alerts, "loaded_once", False), timeout=10_000)
    kb.settle()
    tree = kb.tab_to(lambda w: w is alerts.tree, "la liste des alertes")
    kb.press(Qt.Key.Key_Return)  # unfold the first rule
    kb.press(Qt.Key.Key_Down)  # its first person
    person = tree.currentIndex().siblingAtColumn(0).data()
    kb.press(Qt.Key.Key_Return)  # open the file
    page = window.files.currentWidget()
    qtbot.waitUntil(lambda: getattr(page, "summary", None) is not None, timeout=10_000)
    assert window.pages.currentWidget() is window.files
    assert person.upper().startswith(page.summary.header.display_name.split()[0].upper())
    assert announcements[-1] == (f"Dossier de {page.summary.header.display_name} ouvert", "info")


def test_a_refused_save_is_announced_and_the_focus_goes_to_the_field_in_error(qtbot, ctx, announcements):
    """RGAA 11.10, 7.5: the messages of a refused save are written under their field, said at once (a warning),
    and the focus goes to the first field in error — not left on the button."""
    dialog = AppointmentDialog(ctx, None, "Martin Paul")
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.isAncestorOf(QApplication.focusWidget()), timeout=2000)
    dialog.save_button.setFocus()
    dialog.show_errors({"duration_min": "La durée doit être comprise entre 5 et 480 minutes."})
    assert QApplication.focusWidget() is dialog.duration
    assert dialog.errors["duration_min"].isVisibleTo(dialog)
    assert announcements[-1] == (
        "Non enregistré : La durée doit être comprise entre 5 et 480 minutes.",
        "warning",
    )
