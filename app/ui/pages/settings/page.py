"""« Paramètres » page: one tab per section (Sécurité, Documents, Suivi, Synchronisation, À propos).

Each section is a form of the settings declared in :mod:`app.services.storage.settings` (label, default, bounds come
from there): the message of a wrong value shows under its field as you type, « Enregistrer » (Ctrl+S) is
enabled only when something changed, « Rétablir la valeur par défaut » puts the declared default back in the
field (saved with the rest). Secrets (lock code, passphrase, seal password) have their own dialogs, which check
the current secret first. Every read and write runs on the database worker.
"""

from __future__ import annotations

import html
from typing import Any

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices, QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QLabel,
    QMessageBox,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.services.errors import VaultLockedError
from app.services.settings import view as settings_view
from app.services.settings.seal import SealStatus
from app.services.settings.view import KEYRING_TEXT, SettingsView
from app.services.storage import settings
from app.ui.kit import theme
from app.ui.kit.errors import show_error
from app.ui.kit.forms import FollowupDialog, Job
from app.ui.kit.widgets import FieldGrid, named
from app.ui.kit.worker import WorkerContext
from app.ui.pages.settings.widgets import (
    SealDialog,
    SecretDialog,
    Section,
    button_row,
    scroll_column,
    titled_card,
)
from app.ui.shell.plugins import UiContext


class SettingsPage(QWidget):
    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.view: SettingsView | None = None
        self.dialog: FollowupDialog | None = None
        outer = QVBoxLayout(self)
        outer.setContentsMargins(24, 18, 24, 12)
        outer.addWidget(named(QLabel("Paramètres"), "title"))
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        outer.addWidget(self.tabs, 1)
        self.sections: list[Section] = []
        self._security_tab()
        self._documents_tab()
        self._followup_tab()
        self._sync_tab()
        self._about_tab()
        QShortcut(QKeySequence("Ctrl+S"), self, self.save_current,
                  context=Qt.ShortcutContext.WidgetWithChildrenShortcut)  # fmt: skip

    def _section(self, title: str, intro: str, keys: list[settings.Setting]) -> Section:
        section = Section(self, title, intro, keys)
        self.sections.append(section)
        return section

    def _security_tab(self) -> None:
        self.lock_section = self._section(
            "Verrouillage automatique",
            "Sans action au clavier ni à la souris pendant ce délai, Fil rouge se verrouille : les dossiers "
            "ouverts et les fenêtres de saisie sont masqués, rien de ce qui est saisi n'est perdu.",
            [settings.LOCK_DELAY_MINUTES],
        )
        vault, box = titled_card("Protection du coffre")
        self.mode_label = QLabel("Chargement…", wordWrap=True)
        self.mode_text = QLabel(wordWrap=True)
        self.mode_text.setProperty("muted", True)
        box.addWidget(self.mode_label)
        box.addWidget(self.mode_text)
        self.code_button = QPushButton(theme.icon("fa6s.key"), "Changer le code de verrouillage…")
        self.code_button.clicked.connect(self.change_lock_code)
        self.passphrase_button = QPushButton(theme.icon("fa6s.key"), "Changer la phrase secrète…")
        self.passphrase_button.clicked.connect(self.change_passphrase)
        box.addLayout(button_row(self.code_button, self.passphrase_button))
        self.code_button.hide()
        self.passphrase_button.hide()
        self.tabs.addTab(scroll_column(self.lock_section, vault), theme.icon("fa6s.lock"), "Sécurité")

    def _documents_tab(self) -> None:
        self.documents_section = self._section(
            "Documents imprimés",
            "Ces informations figurent sur les contrats, les feuilles de route, les convocations et les "
            "exports. Sans signataire, le référent signe lui-même les convocations.",
            [
                settings.DEPARTMENT_NAME,
                settings.DPO_CONTACT,
                settings.LETTER_SERVICE,
                settings.LETTER_ADDRESS,
                settings.LETTER_SIGNATORY_NAME,
                settings.LETTER_SIGNATORY_TITLE,
            ],
        )
        self.documents_section.editors[settings.DPO_CONTACT.key].widget.setToolTip(
            "Ex. : dpo@departement.fr — 01 23 45 67 89"
        )
        seal, box = titled_card("Cachet électronique du département")
        self.seal_state = QLabel("Chargement…", wordWrap=True)
        self.seal_state.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.seal_problem = named(QLabel(wordWrap=True), "error")
        self.seal_problem.hide()
        box.addWidget(self.seal_state)
        box.addWidget(self.seal_problem)
        self.seal_button = QPushButton(theme.icon("fa6s.stamp"), "Configurer le cachet…")
        self.seal_button.clicked.connect(self.configure_seal)
        self.seal_clear = QPushButton(theme.icon("fa6s.trash-can"), "Retirer le cachet")
        self.seal_clear.clicked.connect(self.clear_seal)
        box.addLayout(button_row(self.seal_button, self.seal_clear))
        self.tabs.addTab(
            scroll_column(self.documents_section, seal), theme.icon("fa6s.file-lines"), "Documents"
        )

    def _followup_tab(self) -> None:
        self.followup_section = self._section(
            "Suivi des personnes",
            "Ces délais règlent les alertes et la file active. Le référent connecté est l'auteur des rendez-vous, "
            "notes et contrats saisis sur ce poste.",
            [
                settings.CURRENT_REFERENT_ID,
                settings.DURABLE_EMPLOYMENT_MONTHS,
                settings.SOON_DAYS,
                settings.RETENTION_MONTHS,
                settings.OVERSEAS_DEPARTMENT,
                settings.REMINDER_DAYS_BEFORE,
            ],
        )
        self.no_referent = QLabel(
            "Aucun référent n'est encore connu sur ce poste : il apparaîtra après la première synchronisation.",
            wordWrap=True,
        )
        self.no_referent.setProperty("muted", True)
        self.no_referent.hide()
        self.followup_section.box.insertWidget(2, self.no_referent)
        self.tabs.addTab(scroll_column(self.followup_section), theme.icon("fa6s.list-check"), "Suivi")

    def _sync_tab(self) -> None:
        self.sync_section = self._section(
            "Synchronisation avec le département",
            "L'inscription du poste et la synchronisation à la demande se font sur la page « Synchronisation ».",
            [settings.SYNC_AUTO],
        )
        self.sync_fields = FieldGrid(1)
        self.sync_section.box.insertWidget(self.sync_section.box.count() - 1, self.sync_fields)
        self.tabs.addTab(scroll_column(self.sync_section), theme.icon("fa6s.rotate"), "Synchronisation")

    def _about_tab(self) -> None:
        card, box = titled_card("À propos de Fil rouge")
        self.about_fields = FieldGrid(1)
        box.addWidget(self.about_fields)
        self.logs_button = QPushButton(theme.icon("fa6s.folder-open"), "Ouvrir le dossier des journaux")
        self.logs_button.setToolTip("Les journaux ne contiennent ni nom, ni NIR, ni texte saisi.")
        self.logs_button.clicked.connect(self.open_logs)
        box.addLayout(button_row(self.logs_button))
        self.tabs.addTab(scroll_column(card), theme.icon("fa6s.circle-info"), "À propos")

    # --- loading ---------------------------------------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.reload()

    def reload(self) -> None:
        def job(w: WorkerContext) -> SettingsView:
            if w.vault is None:
                raise VaultLockedError()
            return settings_view.load(w.vault)

        self.ctx.worker.submit(job, self.show_view, self._load_failed, owner=self)

    def _load_failed(self, exc: BaseException) -> None:
        if not isinstance(exc, VaultLockedError):
            show_error(self, exc)

    def show_view(self, view: SettingsView) -> None:
        self.view = view
        combo = self.followup_section.editors[settings.CURRENT_REFERENT_ID.key].widget
        assert isinstance(combo, QComboBox)
        if not self.followup_section.changes():
            # Refilled with the saved référent selected: left on the first entry, the field would differ from
            # the saved value, count as an edit, and be saved with any other field of the section.
            saved = view.values.get(settings.CURRENT_REFERENT_ID.key)
            combo.blockSignals(True)
            combo.clear()
            if saved is None:
                combo.addItem("— Choisissez le référent qui utilise ce poste —", None)
            for ref in view.referents:
                combo.addItem(ref.label, ref.id)
            combo.setCurrentIndex(max(0, combo.findData(saved)))
            combo.blockSignals(False)
        combo.setEnabled(bool(view.referents))
        self.no_referent.setVisible(not view.referents)
        for section in self.sections:
            section.load(view.values)
        passphrase = view.passphrase_mode
        self.mode_label.setText(f"Mode du coffre : <b>{view.vault_mode_label}</b>")
        self.mode_text.setText(settings_view.KEYRING_TEXT.get(view.vault_mode, ""))
        self.code_button.setVisible(not passphrase)
        self.passphrase_button.setVisible(passphrase)
        self.show_seal(view.seal)
        self.sync_fields.set_fields(
            [
                ("Serveur", view.server_url if view.enrolled else "Poste non inscrit"),
                ("Identifiant du poste", view.device_id),
            ]
        )
        a = view.about
        self.about_fields.set_fields(
            [
                ("Version", a.version),
                ("Profil", a.profile_name),
                ("Dossier du profil", a.profile_path),
                ("Révision du schéma", a.schema_revision),
                ("Table des règles", a.rules_version),
                ("Dossier des journaux", a.log_dir),
            ]
        )

    def show_seal(self, seal: SealStatus) -> None:
        """The seal's one-sentence summary (service wording), the file in grey, the problem in red."""
        path = (
            f"<br><span style='color: {theme.MUTED}'>{html.escape(seal.path, quote=False)}</span>"
            if seal.path
            else ""
        )
        sentence = "" if seal.problem else html.escape(seal.summary, quote=False)
        self.seal_state.setText(sentence + path if sentence else path.removeprefix("<br>"))
        self.seal_problem.setText(seal.summary if seal.problem else "")
        self.seal_problem.setVisible(bool(seal.problem))
        self.seal_button.setText("Remplacer le certificat…" if seal.configured else "Configurer le cachet…")
        self.seal_clear.setVisible(seal.configured)

    def values_saved(self, values: dict[str, Any]) -> None:
        """A section saved: the other sections take the new values (their unsaved edits are kept)."""
        for section in self.sections:
            section.load(values)
        self.ctx.settings_changed(values)  # lock delay, automatic sync
        self.ctx.changed(None)  # alert windows: the lists and the badges follow

    def save_current(self) -> None:
        for section in self.sections:
            if section.isVisible() and section.changes():
                section.save()

    def unsaved(self) -> bool:
        return any(section.changes() for section in self.sections)

    # --- actions ---------------------------------------------------------------------------------------------

    def change_lock_code(self) -> None:
        has_code = self.view is None or self.view.has_lock_code

        def make(old: str, new: str) -> Job:
            return lambda w: settings_view.change_lock_code(w.db, old, new)

        self.dialog = SecretDialog(
            self, "Changer le code de verrouillage", ("Code actuel", "Nouveau code", "Nouveau code (confirmation)"),
            "Le code de verrouillage est demandé pour reprendre après un verrouillage. "
            "Au moins 4 caractères.",
            make, ask_old=has_code,
        )  # fmt: skip
        self.dialog.accepted.connect(lambda: self._done("Code de verrouillage changé."))
        self.dialog.open()

    def change_passphrase(self) -> None:
        def make(old: str, new: str) -> Job:
            def job(w: WorkerContext) -> None:
                if w.vault is None:
                    raise VaultLockedError()
                settings_view.change_passphrase(w.vault, old, new)

            return job

        self.dialog = SecretDialog(
            self, "Changer la phrase secrète",
            ("Phrase secrète actuelle", "Nouvelle phrase secrète", "Nouvelle phrase (confirmation)"),
            "Le coffre est chiffré de nouveau avec la nouvelle phrase secrète (quelques secondes). "
            "Si l'ancienne phrase est incorrecte, rien n'est changé. Au moins 8 caractères ; "
            "<b>sans elle, le dossier ne peut pas être ouvert</b>.",
            make,
        )  # fmt: skip
        self.dialog.accepted.connect(lambda: self._done("Phrase secrète changée."))
        self.dialog.open()

    def _done(self, text: str) -> None:
        self.mode_text.setText(f"{text} {KEYRING_TEXT.get(self.view.vault_mode, '') if self.view else ''}")

    def configure_seal(self) -> None:
        current = self.view.seal.path if self.view is not None else ""
        dialog = SealDialog(self, current)
        self.dialog = dialog
        dialog.accepted.connect(lambda: self.show_seal(dialog.result_value))
        dialog.open()

    def clear_seal(self) -> None:
        answer = QMessageBox.question(
            self, "Retirer le cachet ?",
            "Les prochains contrats seront imprimés sans cachet électronique. Le fichier du certificat n'est "
            "pas supprimé et pourra être configuré de nouveau.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )  # fmt: skip
        if answer != QMessageBox.StandardButton.Yes:
            return
        self.ctx.worker.submit(
            lambda w: settings_view.clear_seal(w.db), self.show_seal, lambda e: show_error(self, e),
            writes=True, owner=self,
        )  # fmt: skip

    def open_logs(self) -> None:
        if self.view is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(self.view.about.log_dir))


def create_page(ctx: UiContext) -> QWidget:
    return SettingsPage(ctx)
