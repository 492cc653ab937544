"""What a line about a person lets the référent do at once, from « Aujourd'hui » and « Alertes »: open the file,
plan a RDV, write a note, convoke — each a button and a shortcut, on the line selected.

:func:`convoke` is the one place the « Convoquer » action goes through: the convocation letters belong to the
convocations service (ADR 0035): the letter of the line's RDV or of the person's next planned RDV, else the RDV
to plan first.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QDialog, QPushButton, QWidget

from app.services.agenda.views import next_planned_rdv
from app.ui.kit import theme
from app.ui.kit.errors import show_error
from app.ui.kit.widgets import FlowRow
from app.ui.kit.worker import WorkerContext
from app.ui.shell.plugins import UiContext


@dataclass(frozen=True)
class Target:
    """The person a line is about, the tab where its matter is dealt with, the RDV it concerns if any."""

    person_id: str
    name: str
    tab: str | None = None
    rdv_id: str | None = None


#: (key, label, icon, shortcut, tooltip)
ACTIONS = (
    ("open", "Ouvrir le dossier", "fa6s.folder-open", "Return", "Ouvrir le dossier de la personne (Entrée)"),
    ("rdv", "Planifier un RDV…", "fa6s.calendar-plus", "Ctrl+R", "Planifier un rendez-vous (Ctrl+R)"),
    ("note", "Nouvelle note…", "fa6s.pen-to-square", "Ctrl+Shift+M", "Écrire une note (Ctrl+Maj+M)"),
    (
        "convoke",
        "Convoquer…",
        "fa6s.envelope-open-text",
        "Ctrl+Shift+C",
        "Convoquer la personne à un rendez-vous (Ctrl+Maj+C)",
    ),
)


def open_file(ctx: UiContext, target: Target) -> None:
    ctx.open_person(target.person_id, target.tab)


def plan_rdv(ctx: UiContext, target: Target, parent: QWidget) -> QDialog:
    from app.ui.person.rdv.dialogs import AppointmentDialog

    dialog = AppointmentDialog(ctx, target.person_id, target.name, parent=parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    return dialog


def write_note(ctx: UiContext, target: Target, parent: QWidget) -> QDialog:
    from app.ui.person.documents.dialogs import NoteDialog

    dialog = NoteDialog(ctx, target.person_id, parent=parent)
    dialog.setWindowTitle(f"Nouvelle note — {target.name}")
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    return dialog


def convoke(ctx: UiContext, target: Target, parent: QWidget) -> QDialog | None:
    """« Convoquer »: the letter of the line's RDV, else of the person's next planned RDV (its preview: printing
    or saving records it as sent, ADR 0035); without a planned RDV, the RDV to plan first — its letter follows
    once it is saved."""
    from app.ui.pages.agenda.letters import open_letter

    if target.rdv_id:
        open_letter(ctx, parent, target.rdv_id, target.person_id)
        return None

    def job(w: WorkerContext) -> str | None:
        return next_planned_rdv(w.db, target.person_id)

    def found(rdv_id: str | None) -> None:
        if rdv_id:
            open_letter(ctx, parent, rdv_id, target.person_id)
            return
        dialog = plan_rdv(ctx, target, parent)
        dialog.setWindowTitle(f"Planifier le RDV à convoquer — {target.name}")
        dialog.accepted.connect(lambda: _letter_of_saved(ctx, parent, dialog, target))

    ctx.worker.submit(job, found, lambda exc: show_error(parent, exc), owner=parent)
    return None


def _letter_of_saved(ctx: UiContext, parent: QWidget, dialog: QDialog, target: Target) -> None:
    from app.ui.pages.agenda.letters import open_letter

    rdv_id = getattr(dialog, "saved_id", None)
    if rdv_id:
        open_letter(ctx, parent, rdv_id, target.person_id)


class PersonActions(QWidget):
    """The buttons (and shortcuts, within ``scope``) acting on the line ``current()`` returns."""

    def __init__(
        self,
        ctx: UiContext,
        current: Callable[[], Target | None],
        scope: QWidget,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.ctx, self.current = ctx, current
        self.dialog: QDialog | None = None
        row = FlowRow(self)  # the buttons wrap rather than widen the page (200 % text)
        self.buttons: dict[str, QPushButton] = {}
        for key, text, icon, keys, tip in ACTIONS:
            button = QPushButton(theme.icon(icon), text)
            button.setToolTip(tip)
            button.clicked.connect(lambda _=False, key=key: self.run(key))
            self.buttons[key] = button
            row.addWidget(button)
            if key != "open":  # Entrée: the list's own activation (a shortcut would take it from the fields)
                QShortcut(QKeySequence(keys), scope, lambda key=key: self.run(key),
                          context=Qt.ShortcutContext.WidgetWithChildrenShortcut)  # fmt: skip
        self.refresh()

    def refresh(self) -> None:
        """Enable the buttons when a person's line is selected."""
        on = self.current() is not None
        for button in self.buttons.values():
            button.setEnabled(on)

    def run(self, key: str) -> None:
        target = self.current()
        if target is None:
            return
        if key == "open":
            open_file(self.ctx, target)
        elif key == "rdv":
            self.dialog = plan_rdv(self.ctx, target, self)
        elif key == "note":
            self.dialog = write_note(self.ctx, target, self)
        else:
            self.dialog = convoke(self.ctx, target, self)
