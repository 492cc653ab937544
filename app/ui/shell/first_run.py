"""First run: create the profile's encrypted vault (keyring + lock code, or passphrase typed twice)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from app.services.storage import keystore, lock
from app.services.storage import vault as vault_service
from app.ui.kit.errors import user_message
from app.ui.kit.widgets import named
from app.ui.kit.worker import DbWorker, WorkerContext


def strength_hint(secret: str, passphrase: bool) -> str:
    """A plain-French hint on the strength of what is being typed (no score, no colour alone)."""
    minimum = vault_service.MIN_PASSPHRASE if passphrase else lock.MIN_CODE_LENGTH
    n = len(secret)
    if n == 0:
        return f"Au moins {minimum} caractères."
    if n < minimum:
        return f"Trop court : encore {minimum - n} caractère(s) au minimum."
    kinds = sum(any(f(c) for c in secret) for f in (str.islower, str.isupper, str.isdigit, str.isspace))
    if passphrase and (n >= 20 or (n >= 14 and kinds >= 3)):
        return "Solide."
    if not passphrase and n >= 8:
        return "Solide."
    return (
        "Acceptable — plus long serait plus sûr (plusieurs mots, par exemple)."
        if passphrase
        else "Acceptable."
    )


class FirstRunDialog(QDialog):
    """Creates the vault on the database worker; on success ``info`` is the new profile (vault open)."""

    def __init__(self, worker: DbWorker, data_dir: Path, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.worker, self.data_dir = worker, data_dir
        self.info: vault_service.ProfileInfo | None = None
        self.setWindowTitle("Fil rouge — premier démarrage")
        self.setMinimumWidth(520)
        layout = QVBoxLayout(self)
        intro = QLabel(
            "Bienvenue. Vos dossiers seront gardés <b>chiffrés</b> sur cet ordinateur. "
            "Choisissez comment protéger l'accès :",
            wordWrap=True,
        )
        layout.addWidget(intro)
        keyring_ok = keystore.secure_backend_available()
        self.keyring_mode = QRadioButton("Trousseau du système + code de verrouillage (recommandé)")
        self.pass_mode = QRadioButton("Phrase secrète (à saisir à chaque ouverture)")
        self.keyring_mode.setEnabled(keyring_ok)
        (self.keyring_mode if keyring_ok else self.pass_mode).setChecked(True)
        layout.addWidget(self.keyring_mode)
        layout.addWidget(self.pass_mode)
        if not keyring_ok:
            layout.addWidget(
                named(
                    QLabel(
                        "Aucun trousseau sécurisé n'est disponible sur ce poste : "
                        "la phrase secrète est nécessaire.",
                        wordWrap=True,
                    ),
                    "muted",
                )
            )
        form = QFormLayout()
        self.name = QLineEdit(name)
        self.secret = QLineEdit(echoMode=QLineEdit.EchoMode.Password)
        self.again = QLineEdit(echoMode=QLineEdit.EchoMode.Password)
        self.hint = named(QLabel(), "muted")
        form.addRow("Nom du profil", self.name)
        self.secret_label = QLabel()
        form.addRow(self.secret_label, self.secret)
        form.addRow("Confirmation", self.again)
        form.addRow("", self.hint)
        layout.addLayout(form)
        self.message = named(QLabel(wordWrap=True), "error")
        layout.addWidget(self.message)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Créer le dossier")
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("Quitter")
        self.buttons.accepted.connect(self._create)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        for w in (self.keyring_mode, self.pass_mode):
            w.toggled.connect(self._update)
        self.secret.textChanged.connect(self._update)
        self._update()

    @property
    def passphrase(self) -> bool:
        return self.pass_mode.isChecked()

    def _update(self) -> None:
        self.secret_label.setText("Phrase secrète" if self.passphrase else "Code de verrouillage")
        self.secret.setAccessibleName(self.secret_label.text())
        self.again.setAccessibleName(
            f"Confirmation {'de la phrase secrète' if self.passphrase else 'du code'}"
        )
        self.hint.setText(strength_hint(self.secret.text(), self.passphrase))

    def _create(self) -> None:
        secret, name = self.secret.text(), self.name.text().strip()
        minimum = vault_service.MIN_PASSPHRASE if self.passphrase else lock.MIN_CODE_LENGTH
        if len(secret) < minimum:
            self.message.setText(f"Au moins {minimum} caractères, s'il vous plaît.")
            return
        if secret != self.again.text():
            self.message.setText("Les deux saisies ne sont pas identiques.")
            return
        mode = vault_service.MODE_PASSPHRASE if self.passphrase else vault_service.MODE_KEYRING
        data_dir = self.data_dir

        def job(ctx: WorkerContext) -> vault_service.ProfileInfo:
            v = vault_service.create_vault(
                data_dir,
                name,
                mode=mode,
                passphrase=secret if mode == vault_service.MODE_PASSPHRASE else None,
            )
            ctx.set_vault(v)
            if mode == vault_service.MODE_KEYRING:
                lock.set_lock_code(v.db, secret)
            return v.info

        self.buttons.setEnabled(False)
        self.message.setText("")
        self.worker.submit(job, self._created, self._failed, writes=True, owner=self)

    def _created(self, info: vault_service.ProfileInfo) -> None:
        self.info = info
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self.buttons.setEnabled(True)
        self.message.setText(user_message(exc))
