"""« Restaurer une sauvegarde » : the backups of the profile (newest first) and the restore of one of them.

Offered by the lock screen when the vault cannot be opened (damaged, empty or missing file) and by the window
when the daily backup finds the vault damaged. The restore itself runs on the database worker through the
``restore(name)`` job the caller gives (it knows the key); the current vault is kept as a copy first.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QMessageBox,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.services.errors import VaultLockedError
from app.services.storage import backups
from app.services.storage import vault as vault_service
from app.services.storage.vault import ProfileInfo
from app.ui.kit import theme
from app.ui.kit.errors import show_error, user_message
from app.ui.kit.widgets import named
from app.ui.kit.worker import DbWorker, WorkerContext

NAME_ROLE = Qt.ItemDataRole.UserRole + 1
HEADERS = ("Date", "Type", "Taille")
EXPLAIN = (
    "Choisissez la sauvegarde à remettre en place. Le coffre actuel est conservé comme copie « avant "
    "restauration » (ou mis de côté s'il est illisible) : rien n'est effacé. Les modifications faites après "
    "la sauvegarde choisie ne figureront pas dans le coffre restauré ; celles déjà synchronisées reviendront "
    "du serveur du département à la prochaine synchronisation."
)


class RestoreDialog(QDialog):
    """Emits :attr:`restored` (the restore's result) once the copy is in place."""

    restored = Signal(object)

    def __init__(
        self,
        worker: DbWorker,
        info: ProfileInfo,
        restore: Callable[[str], Callable[[WorkerContext], Any]],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.worker, self.info, self.restore = worker, info, restore
        self.setWindowTitle("Restaurer une sauvegarde")
        self.setMinimumWidth(560)
        layout = QVBoxLayout(self)
        text = QLabel(EXPLAIN, wordWrap=True)
        layout.addWidget(text)
        self.table = QTreeWidget()
        self.table.setHeaderLabels(list(HEADERS))
        self.table.setRootIsDecorated(False)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.header().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.table.header().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.setAccessibleName("Sauvegardes")
        self.table.itemDoubleClicked.connect(lambda *_: self._restore())
        layout.addWidget(self.table, 1)
        self.status = named(QLabel(wordWrap=True), "muted")
        layout.addWidget(self.status)
        self.buttons = QDialogButtonBox()
        self.restore_button = self.buttons.addButton("Restaurer", QDialogButtonBox.ButtonRole.AcceptRole)
        self.restore_button.setIcon(theme.icon("fa6s.clock-rotate-left", "#ffffff"))
        self.restore_button.setProperty("primary", True)
        self.buttons.addButton("Annuler", QDialogButtonBox.ButtonRole.RejectRole)
        self.buttons.accepted.connect(self._restore)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.restore_button.setEnabled(False)
        self.table.itemSelectionChanged.connect(
            lambda: self.restore_button.setEnabled(bool(self.table.selectedItems()))
        )
        self.load()

    def load(self) -> None:
        info = self.info
        self.status.setText("Recherche des sauvegardes…")
        self.worker.submit(lambda _ctx: backups.list_backups(info), self._show, self._failed, owner=self)

    def _show(self, found: list[backups.BackupInfo]) -> None:
        self.table.clear()
        for b in found:
            item = QTreeWidgetItem(
                [b.created_at.strftime("%d/%m/%Y à %H:%M"), b.kind_label, f"{max(1, b.size // 1024)} Ko"]
            )
            item.setData(0, NAME_ROLE, b.name)
            self.table.addTopLevelItem(item)
        if found:
            first = self.table.topLevelItem(0)
            if first is not None:
                self.table.setCurrentItem(first)
            self.status.setText(theme.plural(len(found), "sauvegarde disponible", "sauvegardes disponibles"))
        else:
            self.status.setText(
                "Aucune sauvegarde pour ce profil. Si vous avez une copie du dossier du profil, remettez-la en "
                "place, ou adressez-vous à votre responsable : les données synchronisées sont sur le serveur."
            )

    def _restore(self) -> None:
        item = self.table.currentItem()
        if item is None or not self.restore_button.isEnabled():
            return
        name = str(item.data(0, NAME_ROLE))
        self.restore_button.setEnabled(False)
        self.status.setText("Vérification puis restauration de la sauvegarde…")
        self.worker.submit(self.restore(name), self._done, self._failed, writes=True, owner=self)

    def _done(self, result: Any) -> None:
        self.restored.emit(result)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self.status.setText("")
        self.restore_button.setEnabled(bool(self.table.selectedItems()))
        show_error(self, exc)


def restore_in_open_window(name: str) -> Callable[[WorkerContext], Any]:
    """The restore job of a window whose vault is open: closed, the copy put in place, opened again with the
    same key (the damaged vault is reopened as it was if the restore fails)."""

    def job(ctx: WorkerContext) -> backups.RestoreResult:
        vault = ctx.vault
        if vault is None:
            raise VaultLockedError()
        info, key = vault.info, vault.key
        ctx.set_vault(None)
        try:
            return backups.restore_backup(info, key, name)
        finally:
            ctx.set_vault(vault_service.open_with_key(info, key))

    return job


def offer_restore_after_damage(
    parent: QWidget, worker: DbWorker, info: ProfileInfo, exc: BaseException, on_restored: Callable[[], None]
) -> QMessageBox:
    """The daily backup found the open vault damaged: say so, and offer the backups."""
    box = QMessageBox(QMessageBox.Icon.Critical, "Coffre endommagé", user_message(exc), parent=parent)
    restore = box.addButton("Restaurer une sauvegarde…", QMessageBox.ButtonRole.AcceptRole)
    box.addButton("Plus tard", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(restore)

    def chosen() -> None:
        if box.clickedButton() is restore:
            dialog = RestoreDialog(worker, info, restore_in_open_window, parent)
            dialog.restored.connect(lambda _result: on_restored())
            dialog.open()

    box.finished.connect(lambda _r: chosen())
    box.open()
    return box
