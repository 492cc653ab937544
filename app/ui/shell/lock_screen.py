"""The lock screen: opens the vault and guards it (lock code in keyring mode, passphrase otherwise).

Shown at start and after the idle delay; the workspace stays alive behind it, so nothing typed is lost.
Failed tries impose a growing delay (:class:`app.services.storage.lock.FailureDelay`) shown as a countdown.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from app.models.errors import FilRougeError
from app.services.errors import VaultDamagedError, VaultMissingError, WrongKeyError
from app.services.storage import backups, lock
from app.services.storage import vault as vault_service
from app.ui.kit import theme
from app.ui.kit.errors import log_unexpected, user_message
from app.ui.kit.widgets import Card, named
from app.ui.kit.worker import DbWorker, WorkerContext

CARD_WIDTH = 440
MODE_CHECK = "check"
MODE_DEFINE = "define"


def _set_lock_code(ctx: WorkerContext, secret: str) -> bool:
    lock.set_lock_code(ctx.db, secret)
    return True


class _Message(QLabel):
    """The error line under the field: as tall as its text needs at the card's width (a long message, such as
    a damaged vault's, is never cut; the fixed-width card does not pass the height on by itself)."""

    def __init__(self, width: int) -> None:
        super().__init__(wordWrap=True)
        self.setObjectName("error")
        self._width = width

    def setText(self, text: str) -> None:
        super().setText(text)
        self.setMinimumHeight(self.heightForWidth(self._width) if text else 0)


class LockScreen(QWidget):
    """Emits :attr:`unlocked` once the right code or passphrase was given (vault open on the worker)."""

    unlocked = Signal()

    def __init__(
        self,
        worker: DbWorker,
        data_dir: Path,
        info: vault_service.ProfileInfo,
        *,
        vault_open: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.worker, self.data_dir, self.info = worker, data_dir, info
        self.vault_open = vault_open
        self.mode = MODE_CHECK
        self.delay = lock.FailureDelay()
        self._busy = False
        self._countdown = QTimer(self, interval=250)
        self._countdown.timeout.connect(self._tick)
        self._build()

    @property
    def passphrase_mode(self) -> bool:
        return self.info.mode == vault_service.MODE_PASSPHRASE

    def _build(self) -> None:
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        card = Card()
        card.setFixedWidth(CARD_WIDTH)
        box = QVBoxLayout(card)
        box.setContentsMargins(32, 28, 32, 28)
        box.setSpacing(10)
        logo = QLabel(alignment=Qt.AlignmentFlag.AlignCenter)
        logo.setPixmap(theme.icon("fa6s.lock", theme.ACCENT).pixmap(QSize(40, 40)))
        box.addWidget(logo)
        box.addWidget(named(QLabel("Fil rouge", alignment=Qt.AlignmentFlag.AlignCenter), "title"))
        self.profile_label = named(QLabel(alignment=Qt.AlignmentFlag.AlignCenter), "muted")
        self.profile_label.setText(f"Profil « {self.info.name} » · coffre : {self.info.mode_label}")
        box.addWidget(self.profile_label)
        box.addSpacing(8)
        self.prompt = QLabel(wordWrap=True)
        box.addWidget(self.prompt)
        self.code = self._secret_field()
        self.prompt.setBuddy(self.code)
        box.addWidget(self.code)
        self.confirm_label = QLabel("Confirmez le code")
        self.confirm = self._secret_field()
        self.confirm_label.setBuddy(self.confirm)
        box.addWidget(self.confirm_label)
        box.addWidget(self.confirm)
        self.message = _Message(CARD_WIDTH - 64)
        self.message.setAccessibleName("Message")
        box.addWidget(self.message)
        row = QHBoxLayout()
        self.restore_button = QPushButton(theme.icon("fa6s.clock-rotate-left"), "Restaurer une sauvegarde…")
        self.restore_button.setToolTip("Remettre en place une copie de sauvegarde du coffre")
        self.restore_button.clicked.connect(self.offer_restore)
        self.restore_button.hide()
        row.addWidget(self.restore_button)
        row.addStretch(1)
        self.button = QPushButton(theme.icon("fa6s.unlock", "#ffffff"), "Déverrouiller")
        self.button.setProperty("primary", True)
        self.button.setDefault(True)
        self.button.clicked.connect(self._submit)
        row.addWidget(self.button)
        box.addLayout(row)
        self.hint = named(QLabel(wordWrap=True), "muted")
        self.hint.setVisible(self.info.demo)  # its text once the worker knows the demo secret still opens it
        box.addWidget(self.hint)
        outer.addWidget(card, 0, Qt.AlignmentFlag.AlignHCenter)
        outer.addStretch(2)
        self.code.returnPressed.connect(self._submit)
        self.confirm.returnPressed.connect(self._submit)
        self._set_mode(MODE_CHECK)

    def _secret_field(self) -> QLineEdit:
        field = QLineEdit(echoMode=QLineEdit.EchoMode.Password)
        field.setMinimumHeight(34)
        show = QAction(theme.icon("fa6s.eye"), "Afficher", field)
        show.setCheckable(True)
        show.toggled.connect(
            lambda on: field.setEchoMode(QLineEdit.EchoMode.Normal if on else QLineEdit.EchoMode.Password)
        )
        field.addAction(show, QLineEdit.ActionPosition.TrailingPosition)
        return field

    def _set_mode(self, mode: str) -> None:
        self.mode = mode
        define = mode == MODE_DEFINE
        self.confirm.setVisible(define)
        self.confirm_label.setVisible(define)
        if define:
            self.prompt.setText("Choisissez un code de verrouillage (au moins 4 caractères) :")
            self.button.setText("Enregistrer le code")
        elif self.passphrase_mode:
            self.prompt.setText("Phrase secrète du dossier :")
            self.button.setText("Déverrouiller")
        else:
            self.prompt.setText("Code de verrouillage :")
            self.button.setText("Déverrouiller")
        self.code.setAccessibleName(self.prompt.text().rstrip(" :"))

    # --- flow -------------------------------------------------------------------------------------------

    def prepare(self) -> None:
        """Called each time the screen is shown: clear the fields, open the vault if the key needs no secret."""
        self.code.clear()
        self.confirm.clear()
        self.message.clear()
        self.code.setFocus()
        if self.info.demo and not self.hint.text():
            self._ask_demo_hint()
        if self.passphrase_mode or self.vault_open:
            self._set_busy(False)
            return
        self._set_busy(True, "Ouverture du dossier…")
        data_dir, name, demo = self.data_dir, self.info.name, self.info.demo

        def job(ctx: WorkerContext) -> bool:
            ctx.set_vault(vault_service.open_vault(data_dir, name))
            if demo and not lock.has_lock_code(ctx.db):
                lock.set_lock_code(ctx.db, lock.DEMO_CODE)
            return lock.has_lock_code(ctx.db)

        self.worker.submit(job, self._opened, self._fatal, owner=self)

    def _ask_demo_hint(self) -> None:
        """A demo profile says its secret only when it is still the demo's (a vault made with another
        passphrase, or whose code was changed, says nothing of it); a passphrase is named a passphrase."""
        info = self.info

        def job(ctx: WorkerContext) -> str:
            if info.mode == vault_service.MODE_PASSPHRASE:
                known = vault_service.opens_with(info, lock.DEMO_CODE)
                return f"la phrase secrète est « {lock.DEMO_CODE} »" if known else ""
            if ctx.vault is None:  # keyring mode: asked again once the vault is open
                return "?"
            return (
                f"le code de verrouillage est « {lock.DEMO_CODE} »"
                if lock.verify_lock_code(ctx.db, lock.DEMO_CODE)
                else ""
            )

        def done(secret: str) -> None:
            if secret == "?":
                return
            base = "Profil de démonstration (personnes fictives)"
            self.hint.setText(f"{base} : {secret}." if secret else f"{base}.")

        self.worker.submit(job, done, lambda _exc: None, owner=self)

    def _opened(self, has_code: bool) -> None:
        self.vault_open = True
        if self.info.demo and not self.hint.text():
            self._ask_demo_hint()
        self._set_busy(False)
        self._set_mode(MODE_CHECK if has_code else MODE_DEFINE)
        self.code.setFocus()

    def _fatal(self, exc: BaseException) -> None:
        if not isinstance(exc, FilRougeError):
            log_unexpected(exc)
        self._set_busy(False)
        self.message.setText(user_message(exc))
        self.button.setEnabled(False)
        self.code.setEnabled(False)
        self.restore_button.setVisible(isinstance(exc, VaultDamagedError | VaultMissingError))

    # --- restore (a damaged, empty or missing vault file) -----------------------------------------------

    def offer_restore(self) -> None:
        """« Restaurer une sauvegarde… »: the key comes from the keyring, or from the passphrase typed."""
        from app.ui.shell.restore_dialog import RestoreDialog

        secret = self.code.text() if self.passphrase_mode else None
        if self.passphrase_mode and not secret:
            self.message.setText(
                "Saisissez d'abord la phrase secrète du coffre : elle ouvre aussi ses sauvegardes."
            )
            self.code.setFocus()
            return
        info = self.info

        def restore(name: str) -> Any:
            def job(ctx: WorkerContext) -> bool:
                key = vault_service.key_for(info, secret)
                backups.restore_backup(info, key, name)
                ctx.set_vault(vault_service.open_with_key(info, key))
                return lock.has_lock_code(ctx.db)

            return job

        dialog = RestoreDialog(self.worker, info, restore, self)
        dialog.restored.connect(self._restored)
        dialog.open()

    def _restored(self, has_code: bool) -> None:
        self.restore_button.hide()
        self.message.clear()
        self.code.setEnabled(True)
        if self.passphrase_mode:  # the passphrase typed opened the restored vault: that is the unlocking
            self._checked(True)
        else:
            self._opened(has_code)

    def _submit(self) -> None:
        if self._busy or not self.button.isEnabled():
            return
        if self.delay.remaining() > 0:
            self._tick()
            return
        secret = self.code.text()
        if not secret:
            self.message.setText(
                "Saisissez votre code." if not self.passphrase_mode else "Saisissez la phrase secrète."
            )
            return
        if self.mode == MODE_DEFINE:
            self._define(secret)
            return
        self._set_busy(True, "Vérification…")
        self.worker.submit(self._check_job(secret), self._checked, self._failed, owner=self)

    def _check_job(self, secret: str) -> Any:
        data_dir, name = self.data_dir, self.info.name
        if not self.passphrase_mode:
            return lambda ctx: lock.verify_lock_code(ctx.db, secret)
        if self.vault_open:
            return lambda ctx: ctx.vault.check_passphrase(secret)

        def open_job(ctx: WorkerContext) -> bool:
            ctx.set_vault(vault_service.open_vault(data_dir, name, passphrase=secret))
            return True

        return open_job

    def _define(self, secret: str) -> None:
        if secret != self.confirm.text():
            self.message.setText("Les deux codes ne sont pas identiques.")
            self.confirm.setFocus()
            return
        try:
            lock.validate_code(secret)
        except FilRougeError as exc:
            self.message.setText(exc.message)
            return
        self._set_busy(True, "Enregistrement…")
        self.worker.submit(lambda ctx: _set_lock_code(ctx, secret), self._checked, self._failed, writes=True)

    def _checked(self, ok: bool) -> None:
        self._set_busy(False)
        if not ok:
            self._failed(WrongKeyError("Code incorrect." if not self.passphrase_mode else None))
            return
        self.vault_open = True
        self.delay.reset()
        self.code.clear()
        self.confirm.clear()
        self.message.clear()
        self._set_mode(MODE_CHECK)
        self.unlocked.emit()

    def _failed(self, exc: BaseException) -> None:
        self._set_busy(False)
        if not isinstance(exc, WrongKeyError):
            if not isinstance(exc, FilRougeError):
                log_unexpected(exc)
            self.message.setText(user_message(exc))
            self.restore_button.setVisible(isinstance(exc, VaultDamagedError | VaultMissingError))
            return
        wait = self.delay.record_failure()
        text = (
            "Code incorrect."
            if not self.passphrase_mode
            else "Phrase secrète incorrecte : le dossier n'a pas été ouvert."
        )
        self.message.setText(text)
        self.code.selectAll()
        self.code.setFocus()
        if wait > 0:
            self._countdown.start()
            self._tick()

    def _tick(self) -> None:
        left = self.delay.remaining()
        if left <= 0:
            self._countdown.stop()
            self.code.setEnabled(True)
            self.button.setEnabled(True)
            self.code.setFocus()
            if "patientez" in self.message.text():
                self.message.setText("Vous pouvez réessayer.")
            return
        self.code.setEnabled(False)
        self.button.setEnabled(False)
        self.message.setText(
            f"Trop d'essais incorrects : patientez encore {int(left + 0.999)} s avant de réessayer."
        )

    def _set_busy(self, busy: bool, text: str = "") -> None:
        self._busy = busy
        self.button.setEnabled(not busy and self.delay.remaining() <= 0)
        self.code.setEnabled(not busy and self.delay.remaining() <= 0)
        if busy:
            self.button.setText(text)
        else:
            self._set_mode(self.mode)
