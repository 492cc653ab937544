"""The conflict queue: one card per open conflict (the same field changed here and on the server), refused
change or possible duplicate, with « Garder ma valeur », « Garder la valeur du serveur » and « Modifier… » — or,
for a change the server refused, its reason, « Abandonner ma modification » and « Transmettre au responsable ».
A team leader also sees the refusals their team transmitted. Resolutions run on the database worker; after each
one the person's file and the status bar are refreshed."""

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
from app.services.sync.view import QueueItem, TeamRefusal
from app.ui.kit import theme
from app.ui.kit.errors import show_error
from app.ui.kit.keyboard import save_shortcut
from app.ui.kit.widgets import Card, EmptyState, named
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
        self.error = named(QLabel(wordWrap=True), "error")
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
        save_shortcut(self, self.accept)
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


ESCALATE_TIP = (
    "Signale ce refus à votre responsable d'équipe à la prochaine synchronisation : il voit la date, votre nom, "
    "le type d'enregistrement et le motif dans sa page Synchronisation. Rien n'est modifié dans le dossier ; "
    "c'est lui qui peut, par exemple, vous attribuer la personne."
)


class TeamRefusalsCard(Card):
    """For a team leader: the refusals the référents of the team transmitted (last 30 days)."""

    def __init__(self, refusals: list[TeamRefusal]) -> None:
        super().__init__()
        layout = QVBoxLayout(self)
        head = QHBoxLayout()
        ico = QLabel()
        ico.setPixmap(theme.icon("fa6s.share", theme.ACCENT).pixmap(QSize(18, 18)))
        head.addWidget(ico)
        head.addWidget(QLabel(f"<b>Refus transmis par votre équipe</b> ({len(refusals)})"), 1)
        layout.addLayout(head)
        for r in refusals[:10]:
            who = f"{r.who} — " if r.who else ""
            person = f" ({r.person})" if r.person else ""
            line = QLabel(f"{theme.fmt_datetime(r.at)} · {who}{r.what}{person} : {r.reason}", wordWrap=True)
            line.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            layout.addWidget(line)
        note = QLabel(
            "Ces modifications n'ont pas été enregistrées par le serveur. Voyez avec le référent ; pour confier "
            "une personne à un référent de l'équipe, utilisez « Changer de référent… » dans la file active.",
            wordWrap=True,
        )
        note.setProperty("muted", True)
        layout.addWidget(note)


class ConflictCard(Card):
    """One conflict: who, which field, both values side by side, the three choices."""

    def __init__(self, item: QueueItem, act: Callable[[QueueItem, str], None]) -> None:
        super().__init__()
        self.item = item
        layout = QVBoxLayout(self)
        head = QHBoxLayout()
        ico = QLabel()
        icon_name, colour = {
            "__doublon__": ("fa6s.clone", theme.SOON),
            "__rejet__": ("fa6s.ban", theme.LATE),
        }.get(item.field, ("fa6s.code-compare", theme.SOON))
        ico.setPixmap(theme.icon(icon_name, colour).pixmap(QSize(18, 18)))
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
            if item.reason:
                layout.addWidget(QLabel(f"<b>{item.reason}</b>", wordWrap=True))
        elif item.field == "__rejet__":
            self._refusal(layout)
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

    def _refusal(self, layout: QVBoxLayout) -> None:
        item = self.item
        reason = QLabel(f"<b>{item.reason or item.theirs}</b>", wordWrap=True)
        layout.addWidget(reason)
        typed = QLabel(f"Ce que vous aviez saisi : {item.mine}", wordWrap=True)
        typed.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(typed)
        note = QLabel(
            "Cette modification n'a pas été enregistrée par le serveur : ce poste a été remis dans l'état du "
            "serveur. Ce que vous aviez saisi reste lisible ici.",
            wordWrap=True,
        )
        note.setProperty("muted", True)
        layout.addWidget(note)

    def _buttons(self, act: Callable[[QueueItem, str], None]) -> QHBoxLayout:
        row = QHBoxLayout()
        row.addStretch(1)
        self.buttons: dict[str, QPushButton] = {}
        if self.item.field == "__rejet__":
            choices = [("discard", "Abandonner ma modification", "fa6s.trash-can"),
                       ("escalate", "Transmettre au responsable", "fa6s.share")]  # fmt: skip
        elif self.item.field == "__doublon__":
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
            if key == "escalate":
                button.setToolTip(ESCALATE_TIP)
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
        self.team_card: TeamRefusalsCard | None = None
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
        def job(ctx: WorkerContext) -> tuple[list[QueueItem], list[TeamRefusal]]:
            vault = vault_of(ctx)
            return sync_view.conflict_queue(vault), sync_view.team_refusals(vault)

        self.ctx.worker.submit(job, lambda r: self._show(*r), lambda exc: show_error(self, exc), owner=self)

    def _show(self, items: list[QueueItem], team: list[TeamRefusal] | None = None) -> None:
        self.items = items
        for old in [*self.cards, *([self.team_card] if self.team_card else [])]:
            old.setParent(None)
            old.deleteLater()
        self.team_card = TeamRefusalsCard(team) if team else None
        self.cards = [ConflictCard(item, self.act) for item in items]
        shown: list[Card] = [*([self.team_card] if self.team_card else []), *self.cards]
        for i, card in enumerate(shown):
            self.list.insertWidget(i, card)
        self.empty.setVisible(not shown)
        self.scroller.setVisible(bool(shown))
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
