"""« Synchronisation » page: enrolment of this device, state (server, last sync, pending changes, online or
not), « Synchroniser maintenant » (Ctrl+Shift+S) with progress and « Annuler », the last report, the automatic
sync toggle, the conflict queue. A revoked or retired device gets a modal warning before its data is wiped."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.services.sync import view as sync_view
from app.services.sync.base import SyncReport
from app.services.sync.errors import EnrolmentError, InsecureServerError
from app.services.sync.view import SyncOverview
from app.ui.kit import theme
from app.ui.kit.a11y import Level, announce
from app.ui.kit.errors import show_error, user_message
from app.ui.kit.widgets import Card, EmptyState, named
from app.ui.pages.sync.conflicts import ConflictQueue
from app.ui.pages.sync.controller import SyncController, vault_of
from app.ui.shell.plugins import UiContext


def ago_text(when: datetime | None, now: datetime | None = None) -> str:
    """« Synchronisé il y a 5 min », « … à l'instant », « … le 23/11/2026 à 09:12 », « jamais »."""
    if when is None:
        return "Jamais synchronisé"
    now = now or datetime.now(UTC).replace(tzinfo=None)
    minutes = int((now - when).total_seconds() // 60)
    if minutes < 1:
        return "Synchronisé à l'instant"
    if minutes < 60:
        return f"Synchronisé il y a {minutes} min"
    if minutes < 24 * 60:
        return f"Synchronisé il y a {minutes // 60} h"
    local = when.replace(tzinfo=UTC).astimezone().replace(tzinfo=None)
    return f"Synchronisé le {theme.fmt_datetime(local)}"


def report_text(report: SyncReport) -> str:
    text = (
        f"{theme.plural(report.uploaded, 'envoyée', 'envoyées')}, {theme.plural(report.downloaded, 'reçue', 'reçues')}"
        f", {theme.plural(report.conflicts, 'conflit', 'conflits')}, {report.pending} en attente"
    )
    if report.documents_sent:
        text += f", {theme.plural(report.documents_sent, 'document envoyé', 'documents envoyés')}"
    if report.documents_received:
        text += f", {theme.plural(report.documents_received, 'document reçu', 'documents reçus')}"
    if report.documents_missing:
        text += (
            f", {theme.plural(report.documents_missing, 'document', 'documents')} pas encore disponible"
            f"{'s' if report.documents_missing > 1 else ''} sur le serveur"
        )
    return text


class EnrolForm(Card):
    """Server address + one-time code; messages next to the fields."""

    def __init__(self, page: SyncPage) -> None:
        super().__init__()
        self.page = page
        layout = QVBoxLayout(self)
        layout.addWidget(named(QLabel("Inscrire ce poste auprès du serveur départemental"), "h2"))
        intro = QLabel(
            "Demandez à l'administrateur un code d'inscription à usage unique. Le poste enverra ensuite vos "
            "modifications et recevra les dossiers de votre file active.",
            wordWrap=True,
        )
        intro.setProperty("muted", True)
        layout.addWidget(intro)
        form = QFormLayout()
        self.url = QLineEdit(placeholderText="https://fil-rouge.departement.fr")
        self.url_error = named(QLabel(wordWrap=True), "error")
        self.code = QLineEdit(placeholderText="code fourni par l'administrateur")
        self.code_error = named(QLabel(wordWrap=True), "error")
        form.addRow("Adresse du serveur", self.url)
        form.addRow("", self.url_error)
        form.addRow("Code d'inscription", self.code)
        form.addRow("", self.code_error)
        layout.addLayout(form)
        self.button = QPushButton(theme.icon("fa6s.link", "white"), "Inscrire ce poste")
        self.button.setProperty("primary", True)
        self.button.clicked.connect(self.submit)
        self.code.returnPressed.connect(self.submit)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.button)
        layout.addLayout(row)
        self.clear_errors()

    def clear_errors(self) -> None:
        for label in (self.url_error, self.code_error):
            label.clear()
            label.hide()

    def error(self, label: QLabel, text: str) -> None:
        label.setText(text)
        label.show()

    def submit(self) -> None:
        self.clear_errors()
        url, code = self.url.text().strip(), self.code.text().strip()
        if not url:
            self.error(self.url_error, "Indiquez l'adresse du serveur.")
        if not code:
            self.error(self.code_error, "Indiquez le code d'inscription.")
        if url and code:
            self.button.setEnabled(False)
            self.page.enroll(url, code)


class SyncPage(QWidget):
    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.overview: SyncOverview | None = None
        self.controller = SyncController(ctx.worker, self)
        self.wipe_box: QMessageBox | None = None
        self.last_report: SyncReport | None = None
        outer = QVBoxLayout(self)
        outer.setContentsMargins(24, 18, 24, 18)
        outer.addWidget(named(QLabel("Synchronisation"), "title"))
        self.stack = QStackedWidget()
        outer.addWidget(self.stack, 1)
        self.enrol = EnrolForm(self)
        enrol_box = QWidget()
        box = QVBoxLayout(enrol_box)
        box.addWidget(self.enrol)
        box.addStretch(1)
        self.stack.addWidget(enrol_box)
        self.stack.addWidget(self._build_enrolled())
        self.wiped = EmptyState("fa6s.user-slash", "Poste retiré", "")
        self.stack.addWidget(self.wiped)
        self._connect()
        self.controller.load()

    # --- layout ----------------------------------------------------------------------------------------------

    def _build_enrolled(self) -> QWidget:
        box = QWidget()
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        top = QHBoxLayout()
        top.addWidget(self._state_card(), 3)
        top.addWidget(self._report_card(), 2)
        layout.addLayout(top)
        self.queue_title = named(QLabel("Conflits et refus à traiter"), "h2")
        layout.addWidget(self.queue_title)
        self.queue = ConflictQueue(self.ctx)
        layout.addWidget(self.queue, 1)
        return box

    def _state_card(self) -> Card:
        card = Card()
        layout = QVBoxLayout(card)
        row = QHBoxLayout()
        self.state_icon = QLabel()
        self.state = named(QLabel(), "h2")
        row.addWidget(self.state_icon)
        row.addWidget(self.state, 1)
        layout.addLayout(row)
        self.details = QLabel(wordWrap=True)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.details)
        buttons = QHBoxLayout()
        self.sync_button = QPushButton(theme.icon("fa6s.rotate", "white"), "Synchroniser maintenant")
        self.sync_button.setProperty("primary", True)
        self.sync_button.setToolTip("Ctrl+Maj+S")
        self.cancel_button = QPushButton(theme.icon("fa6s.xmark"), "Annuler")
        self.cancel_button.hide()
        buttons.addWidget(self.sync_button)
        buttons.addWidget(self.cancel_button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        self.stage = QLabel()
        self.stage.setProperty("muted", True)
        self.bar = QProgressBar()
        self.bar.setTextVisible(False)
        self.bar.setMaximumHeight(8)
        layout.addWidget(self.stage)
        layout.addWidget(self.bar)
        self.stage.hide()
        self.bar.hide()
        self.auto = QCheckBox("Synchroniser automatiquement quand le serveur répond (toutes les 5 minutes)")
        layout.addWidget(self.auto)
        return card

    def _report_card(self) -> Card:
        card = Card()
        layout = QVBoxLayout(card)
        layout.addWidget(named(QLabel("Dernière synchronisation"), "h2"))
        self.report = QLabel("Pas encore de synchronisation depuis l'ouverture.", wordWrap=True)
        self.report.setProperty("muted", True)
        self.report_message = QLabel(wordWrap=True)
        layout.addWidget(self.report)
        layout.addWidget(self.report_message)
        layout.addStretch(1)
        return card

    def _connect(self) -> None:
        c = self.controller
        c.overview_ready.connect(self.show_overview)
        c.started.connect(self._started)
        c.progress.connect(self._progress)
        c.finished.connect(self._finished)
        c.failed.connect(self._failed)
        c.reachability.connect(lambda _ok: self._show_state())
        c.wipe_warning.connect(self._warn_wipe)
        self.sync_button.clicked.connect(self.sync_now)
        self.cancel_button.clicked.connect(self._cancel)
        self.auto.toggled.connect(self._toggle_auto)
        self.queue.loaded.connect(self._queue_loaded)
        c.shortcut_pressed.connect(self.sync_now)
        c.bind_shortcut(
            self.window()
        )  # the page alone; the main window once it holds the page (update_status)

    # --- state -----------------------------------------------------------------------------------------------

    def show_overview(self, ov: SyncOverview) -> None:
        self.overview = ov
        if ov.wiped:
            title, why = (
                ("Poste révoqué : données effacées", "Ce poste a été révoqué par l'administrateur")
                if ov.wiped == "revoked"
                else (
                    "Poste retiré : données effacées",
                    "Ce poste a été retiré du service par l'administrateur",
                )
            )
            self.wiped.set_text(
                title,
                f"{why} : ses données locales ont été effacées. "
                "Les données envoyées auparavant restent sur le serveur départemental.",
            )
            self.stack.setCurrentWidget(self.wiped)
            return
        if not ov.enrolled:
            self.stack.setCurrentIndex(0)
            return
        self.stack.setCurrentIndex(1)
        self.auto.blockSignals(True)
        self.auto.setChecked(ov.auto_sync)
        self.auto.blockSignals(False)
        self.controller.set_auto(ov.auto_sync)
        self._show_state()
        self.queue.reload()

    def _show_state(self) -> None:
        ov = self.overview
        if ov is None:
            return
        pending = ov.pending
        waiting = "aucune modification en attente" if not pending else theme.plural(
            pending, "modification en attente", "modifications en attente")  # fmt: skip
        if self.controller.running:
            text, icon_name, colour = "Synchronisation en cours…", "fa6s.rotate", theme.ACCENT
        elif self.controller.online is False:
            text, icon_name, colour = f"Hors ligne — {waiting}", "fa6s.plug-circle-xmark", theme.LATE
        elif ov.open_conflicts:
            text, icon_name, colour = (
                f"{ago_text(ov.last_sync)} — "
                + theme.plural(ov.open_conflicts, "conflit à traiter", "conflits à traiter"),
                "fa6s.code-compare",
                theme.SOON,
            )
        elif pending or ov.last_sync is None:
            text, icon_name, colour = (
                f"{ago_text(ov.last_sync)} — {waiting}",
                "fa6s.cloud-arrow-up",
                theme.SOON,
            )
        else:
            text, icon_name, colour = f"{ago_text(ov.last_sync)} — à jour", "fa6s.cloud", theme.OK
        self.state.setText(text)
        self.state_icon.setPixmap(theme.icon(icon_name, colour).pixmap(QSize(22, 22)))
        user = f"<br>Compte : {ov.user}" if ov.user else ""
        self.details.setText(
            f"Serveur : {ov.server}{user}<br>Modifications en attente : {pending}"
            f"<br>Conflits à traiter : {ov.open_conflicts}"
        )

    def settings_changed(self, values: dict[str, Any]) -> None:
        """« Paramètres » saved: automatic sync follows at once (the checkbox is refreshed by the reload)."""
        if "sync_auto" in values:
            self.controller.set_auto(bool(values["sync_auto"]))
        if not self.controller.running:
            self.controller.load()

    def update_status(self, info: Any, lock_minutes: int) -> None:
        """Status-bar hook: the pending count or the conflicts changed elsewhere → reload the overview."""
        self.controller.bind_shortcut(self.window())
        ov = self.overview
        if self.controller.running:
            return
        if ov is None or (info.pending_changes, info.open_conflicts) != (ov.pending, ov.open_conflicts):
            self.controller.load()
        else:
            self._show_state()

    def _queue_loaded(self, count: int) -> None:
        self.queue_title.setText("Conflits et refus à traiter" + (f" ({count})" if count else ""))

    # --- actions ---------------------------------------------------------------------------------------------

    def enroll(self, url: str, code: str) -> None:
        self.controller.enroll(url, code, self._enrolled, self._enrol_failed)

    def _enrolled(self, ov: SyncOverview) -> None:
        self.enrol.button.setEnabled(True)
        self.enrol.code.clear()
        self.show_overview(ov)
        self.controller.last = ov
        self.sync_now()

    def _enrol_failed(self, exc: BaseException) -> None:
        self.enrol.button.setEnabled(True)
        if isinstance(exc, InsecureServerError):
            self.enrol.error(self.enrol.url_error, user_message(exc))
        elif isinstance(exc, EnrolmentError):
            self.enrol.error(self.enrol.code_error, user_message(exc))
        else:
            self.enrol.error(self.enrol.url_error, user_message(exc))

    def sync_now(self) -> None:
        if self.overview is not None and self.overview.enrolled:
            self.controller.sync_now()

    def _cancel(self) -> None:
        self.controller.cancel()
        self.cancel_button.setEnabled(False)
        self.stage.setText("Annulation… (le lot en cours se termine)")

    def _toggle_auto(self, on: bool) -> None:
        self.controller.set_auto(on)
        self.ctx.worker.submit(lambda ctx: sync_view.set_auto_sync(vault_of(ctx), on), None,
                               lambda exc: show_error(self, exc), writes=True, owner=self)  # fmt: skip

    def _started(self) -> None:
        announce("Synchronisation en cours… (page Synchronisation pour suivre ou annuler)", Level.INFO)
        self.sync_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.cancel_button.show()
        self.stage.show()
        self.bar.show()
        self.bar.setRange(0, 0)
        self._show_state()

    def _progress(self, stage: str, done: int, total: int) -> None:
        if total > 0:
            self.bar.setRange(0, total)
            self.bar.setValue(min(done, total))
            self.stage.setText(f"{stage} : {done} / {total}")
        else:
            self.bar.setRange(0, 0)
            self.stage.setText(f"{stage}…" if not done else f"{stage} : {done}")

    def _finished(self, report: SyncReport, ov: SyncOverview) -> None:
        self.sync_button.setEnabled(True)
        self.cancel_button.hide()
        self.bar.setRange(0, 1)
        self.bar.setValue(1)
        self.stage.setText("Terminé")
        self.stage.setVisible(report.state == "ok")
        self.bar.setVisible(report.state == "ok")
        self.report.setText(report_text(report))
        done = "Synchronisation réussie."
        if report.conflicts:
            done += (
                " "
                + theme.plural(report.conflicts, "conflit à traiter", "conflits à traiter")
                + " ci-dessous."
            )
        self.report_message.setText(report.message or done)
        self.report_message.setObjectName("error" if report.state in ("error", "outdated") else "")
        self.report_message.style().unpolish(self.report_message)
        self.report_message.style().polish(self.report_message)
        self.last_report = report
        outcome = "terminée" if report.state == "ok" else "interrompue"
        text = f"Synchronisation {outcome} : {report_text(report)}."
        if report.state != "ok" and report.message:
            text += f" {report.message}"
        announce(text, Level.DONE if report.state == "ok" else Level.WARNING, source=self.report_message)
        self.show_overview(ov)
        self.ctx.changed(None)

    def _failed(self, exc: BaseException) -> None:
        self.sync_button.setEnabled(True)
        self.cancel_button.hide()
        self.bar.hide()
        self.stage.hide()
        show_error(self, exc)

    def _warn_wipe(self, message: str) -> None:
        """The service is about to erase this device's data: say it plainly, then let it go on."""
        box = QMessageBox(
            QMessageBox.Icon.Warning, "Effacement des données de ce poste", message, parent=self
        )
        box.setInformativeText(
            "Tous les dossiers, notes et rendez-vous enregistrés sur ce poste vont être effacés. Ce qui a déjà "
            "été envoyé reste sur le serveur départemental ; un nouveau poste pourra le récupérer."
        )
        box.addButton("Compris", QMessageBox.ButtonRole.AcceptRole)
        box.finished.connect(lambda _r: self.controller.ack_wipe())
        self.wipe_box = box
        box.open()


def create_page(ctx: UiContext) -> QWidget:
    return SyncPage(ctx)
