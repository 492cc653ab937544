"""The conflict queue: one card per open conflict (the same field changed here and on the server) or possible
duplicate, with « Garder ma valeur », « Garder la valeur du serveur » and « Modifier… ». Resolutions run on the
database worker; after each one the person's file and the status bar are refreshed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from app.services.errors import ValidationError
from app.services.sync import view as sync_view
from app.services.sync.conflicts import resolve_conflict
from app.services.sync.view import QueueItem
from app.ui.kit import theme
from app.ui.kit.errors import show_error
from app.ui.kit.widgets import Card, EmptyState
from app.ui.kit.worker import WorkerContext
from app.ui.pages.sync.controller import vault_of
from app.ui.shell.plugins import UiContext


class EditValueDialog(QDialog):
    """Type the value to keep; the message of an invalid value shows under the field."""

    def __init__(self, item: QueueItem, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Modifier la valeur")
        self.setMinimumWidth(460)
        self.item = item
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"<b>{item.person}</b> — {item.table} · {item.field_name}"))
        hint = QLabel(f"Ma valeur : {item.mine}<br>Valeur du serveur : {item.theirs}", wordWrap=True)
        hint.setProperty("muted", True)
        layout.addWidget(hint)
        self.value = QLineEdit("" if item.mine == "(vide)" else item.mine)
        self.value.setPlaceholderText("Nouvelle valeur (jj/mm/aaaa pour une date)")
        self.value.setAccessibleName(item.field_name)
        layout.addWidget(self.value)
        self.error = QLabel(objectName="error", wordWrap=True)
        self.error.hide()
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Enregistrer cette valeur")
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("Annuler")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self._initial = self.value.text()

    def show_error(self, message: str) -> None:
        self.error.setText(message)
        self.error.show()
        self.value.setFocus()

    def reject(self) -> None:
        if self.value.text() != self._initial:
            answer = QMessageBox.question(
                self, "Abandonner la saisie ?", "La valeur saisie sera perdue. Abandonner ?",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.No,
            )  # fmt: skip
            if answer != QMessageBox.StandardButton.Yes:
                return
        super().reject()


class ConflictCard(Card):
    """One conflict: who, which field, both values side by side, the three choices."""

    def __init__(self, item: QueueItem, act: Callable[[QueueItem, str], None]) -> None:
        super().__init__()
        self.item = item
        layout = QVBoxLayout(self)
        head = QHBoxLayout()
        ico = QLabel()
        icon_name = "fa6s.clone" if item.field == "__doublon__" else "fa6s.code-compare"
        ico.setPixmap(theme.icon(icon_name, theme.SOON).pixmap(QSize(18, 18)))
        head.addWidget(ico)
        title = QLabel(f"<b>{item.person}</b> — {item.table} · {item.field_name}")
        head.addWidget(title, 1)
        layout.addLayout(head)
        if item.field == "__doublon__":
            text = QLabel(
                "Cette personne a peut-être été créée deux fois (même NIR, ou mêmes nom, prénom et date de "
                "naissance). Les deux fiches sont conservées : vérifiez-les.",
                wordWrap=True,
            )
            layout.addWidget(text)
        else:
            grid = QGridLayout()
            for col, (label, value) in enumerate(
                (("Ma valeur", item.mine), ("Valeur du serveur", item.theirs))
            ):
                name = QLabel(label)
                name.setProperty("muted", True)
                shown = QLabel(value, wordWrap=True)
                shown.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
                grid.addWidget(name, 0, col)
                grid.addWidget(shown, 1, col)
            grid.setColumnStretch(2, 1)
            grid.setColumnMinimumWidth(0, 260)
            layout.addLayout(grid)
        layout.addLayout(self._buttons(act))

    def _buttons(self, act: Callable[[QueueItem, str], None]) -> QHBoxLayout:
        row = QHBoxLayout()
        row.addStretch(1)
        self.buttons: dict[str, QPushButton] = {}
        if self.item.field == "__doublon__":
            choices = [("open", "Ouvrir le dossier", "fa6s.folder-open"),
                       ("keep_theirs", "Marquer comme vérifié", "fa6s.check")]  # fmt: skip
        else:
            choices = [("keep_mine", "Garder ma valeur", "fa6s.laptop"),
                       ("keep_theirs", "Garder la valeur du serveur", "fa6s.server")]  # fmt: skip
            if self.item.editable:
                choices.append(("edit", "Modifier…", "fa6s.pen"))
        for key, label, icon_name in choices:
            button = QPushButton(theme.icon(icon_name), label)
            button.clicked.connect(lambda _=False, k=key: act(self.item, k))
            row.addWidget(button)
            self.buttons[key] = button
        return row


class ConflictQueue(QWidget):
    """Cards of the open conflicts; ``resolved`` after each resolution, ``loaded(count)`` after each load."""

    resolved = Signal(str)
    loaded = Signal(int)

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.items: list[QueueItem] = []
        self.cards: list[ConflictCard] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.empty = EmptyState(
            "fa6s.circle-check", "Aucun conflit à traiter",
            "Quand la même information a été modifiée sur ce poste et sur le serveur, les deux valeurs "
            "apparaissent ici pour que vous choisissiez celle à garder.",
        )  # fmt: skip
        layout.addWidget(self.empty)
        self.scroller = QScrollArea(widgetResizable=True)
        self.scroller.setFrameShape(QScrollArea.Shape.NoFrame)
        self.body = QWidget()
        self.list = QVBoxLayout(self.body)
        self.list.setContentsMargins(0, 0, 0, 0)
        self.list.addStretch(1)
        self.scroller.setWidget(self.body)
        layout.addWidget(self.scroller, 1)
        self.scroller.hide()

    def reload(self) -> None:
        self.ctx.worker.submit(lambda ctx: sync_view.conflict_queue(vault_of(ctx)), self._show,
                               lambda exc: show_error(self, exc), owner=self)  # fmt: skip

    def _show(self, items: list[QueueItem]) -> None:
        self.items = items
        for card in self.cards:
            card.setParent(None)
            card.deleteLater()
        self.cards = [ConflictCard(item, self.act) for item in items]
        for i, card in enumerate(self.cards):
            self.list.insertWidget(i, card)
        self.empty.setVisible(not items)
        self.scroller.setVisible(bool(items))
        self.loaded.emit(len(items))

    def act(self, item: QueueItem, choice: str) -> None:
        if choice == "open":
            if item.person_id:
                self.ctx.open_person(item.person_id, None)
            return
        if choice == "edit":
            self._edit(item)
            return
        self._resolve(item, choice, None)

    def _edit(self, item: QueueItem, dialog: EditValueDialog | None = None) -> None:
        dialog = dialog or EditValueDialog(item, self)
        dialog.accepted.connect(lambda: self._submit_edit(item, dialog))
        dialog.open()

    def _submit_edit(self, item: QueueItem, dialog: EditValueDialog) -> None:
        text = dialog.value.text()

        def job(ctx: WorkerContext) -> None:
            value = sync_view.parse_edit(vault_of(ctx), item.id, text)
            resolve_conflict(vault_of(ctx), item.id, "edit", value)

        def failed(exc: BaseException) -> None:
            if isinstance(exc, ValidationError):
                dialog.show_error(exc.fields.get("value") or exc.message)
                dialog.open()
            else:
                show_error(self, exc)

        self.ctx.worker.submit(job, lambda _r: self._after(item), failed, writes=True, owner=self)

    def _resolve(self, item: QueueItem, choice: str, value: Any) -> None:
        self.ctx.worker.submit(
            lambda ctx: resolve_conflict(vault_of(ctx), item.id, choice, value),
            lambda _r: self._after(item), lambda exc: show_error(self, exc), writes=True, owner=self,
        )  # fmt: skip

    def _after(self, item: QueueItem) -> None:
        self.ctx.changed(item.person_id)
        self.ctx.refresh_status()
        self.resolved.emit(item.id)
        self.reload()
