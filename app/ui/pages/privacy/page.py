"""« Données personnelles » page: the access journal (who viewed, changed, printed or exported which file) and
the retention purge (preview with checkboxes, confirmation spelling out the consequence, progress and cancel
on the database worker, purge log). Services: :mod:`app.services.privacy.journal` and :mod:`app.services.privacy.retention`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.services.errors import VaultLockedError
from app.services.people.identity import current_actor
from app.services.privacy import journal as audit
from app.services.privacy import retention
from app.services.privacy.journal import AuditLine
from app.services.privacy.retention import PurgeCandidate, PurgeLog, PurgeLogEntry
from app.services.storage import settings
from app.ui.kit import theme
from app.ui.kit.errors import show_error
from app.ui.kit.forms import date_edit
from app.ui.kit.jobs import JobControl, LongJob
from app.ui.kit.widgets import EmptyState, named
from app.ui.kit.worker import WorkerContext
from app.ui.shell.plugins import UiContext

PID_ROLE = Qt.ItemDataRole.UserRole + 1
JOURNAL_HEADERS = ("Date", "Auteur", "Action", "Personne", "Objet", "Détail")
PREVIEW_HEADERS = ("Personne", "Dernier contact", "Motif")
LOG_HEADERS = ("Date", "Auteur", "Dossier", "Enregistrements effacés", "Fichiers supprimés")
NO_EVENTS = (
    "Aucun événement pour ces critères",
    "Élargissez la période ou retirez un filtre. Chaque ouverture de dossier, impression, export, affichage du NIR "
    "et chaque note, diagnostic ou contrat enregistré apparaît ici.",
)
NO_CANDIDATES = (
    "Personne à purger",
    "Aucun dossier clos n'a dépassé la durée de conservation. Les personnes dont le dernier contact est plus ancien "
    "que cette durée, et dont l'accompagnement est terminé, apparaîtront ici.",
)


def _item(text: str, pid: str | None = None) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
    if pid:
        item.setData(PID_ROLE, pid)
    return item


def _table(headers: tuple[str, ...], name: str) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(list(headers))
    table.setAccessibleName(name)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setAlternatingRowColors(True)
    table.verticalHeader().setVisible(False)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.horizontalHeader().setStretchLastSection(True)
    return table


def _qdate(d: date) -> QDate:
    return QDate(d.year, d.month, d.day)


def _pydate(q: QDate) -> date:
    return date(q.year(), q.month(), q.day())


class JournalTab(QWidget):
    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.lines: list[AuditLine] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 8, 0, 0)
        filters = QHBoxLayout()
        self.search = QLineEdit(placeholderText="Personne : nom, prénom ou n° allocataire")
        self.search.setClearButtonEnabled(True)
        self.search.setAccessibleName("Rechercher une personne")
        self.search.returnPressed.connect(self.reload)
        self.action = QComboBox()
        self.action.setAccessibleName("Action")
        self.action.addItem("Toutes les actions", None)
        for code in audit.ACTIONS:
            self.action.addItem(audit.action_label(code), code)
        self.action.currentIndexChanged.connect(lambda _i: self.reload())
        today = date.today()
        self.since = date_edit(_qdate(today - timedelta(days=30)))
        self.until = date_edit(_qdate(today))
        self.since.setAccessibleName("Du")
        self.until.setAccessibleName("Au")
        self.since.dateChanged.connect(lambda _d: self.reload())
        self.until.dateChanged.connect(lambda _d: self.reload())
        self.search_button = QPushButton(theme.icon("fa6s.magnifying-glass"), "Rechercher")
        self.search_button.clicked.connect(self.reload)
        filters.addWidget(self.search, 2)
        filters.addWidget(self.action, 1)
        filters.addWidget(QLabel("du"))
        filters.addWidget(self.since)
        filters.addWidget(QLabel("au"))
        filters.addWidget(self.until)
        filters.addWidget(self.search_button)
        layout.addLayout(filters)
        self.count = named(QLabel(), "muted")
        layout.addWidget(self.count)
        self.table = _table(JOURNAL_HEADERS, "Journal des accès")
        header = self.table.horizontalHeader()
        for col, width in ((0, 130), (1, 110), (2, 130), (3, 190), (4, 150)):
            self.table.setColumnWidth(col, width)
        header.setSectionResizeMode(5, QHeaderView.ResizeMode.Stretch)
        self.table.itemActivated.connect(self._activated)
        self.table.setToolTip("Double-cliquez (ou Entrée) sur une ligne pour ouvrir le dossier")
        self.empty = EmptyState("fa6s.list-check", *NO_EVENTS)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.table)
        self.stack.addWidget(self.empty)
        layout.addWidget(self.stack, 1)
        QShortcut(QKeySequence(QKeySequence.StandardKey.Find), self, self.search.setFocus)

    def reload(self) -> None:
        query = self.search.text()
        action = self.action.currentData()
        since, until = _pydate(self.since.date()), _pydate(self.until.date())

        def job(w: WorkerContext) -> list[AuditLine]:
            return audit.journal(
                w.db, person_query=query, action=action, since=since, until=until, limit=2000
            )

        self.ctx.worker.submit(job, self._show, self._failed, owner=self)

    def _failed(self, exc: BaseException) -> None:
        if not isinstance(exc, VaultLockedError):
            show_error(self, exc)

    def _show(self, lines: list[AuditLine]) -> None:
        self.lines = lines
        self.table.setRowCount(len(lines))
        for row, ln in enumerate(lines):
            pid = ln.person_id if ln.person_name != audit.PURGED_NAME else None
            cells = (
                theme.fmt_datetime(ln.at),
                ln.actor or "—",
                ln.action_label,
                ln.person_name or "—",
                ln.object_label or "—",
                ln.detail,
            )
            for col, text in enumerate(cells):
                self.table.setItem(row, col, _item(text, pid))
        n = len(lines)
        self.count.setText(
            theme.plural(n, "événement", "événements") + (" (les 2 000 plus récents)" if n >= 2000 else "")
        )
        self.stack.setCurrentWidget(self.table if lines else self.empty)

    def _activated(self, item: QTableWidgetItem) -> None:
        pid = item.data(PID_ROLE)
        if pid:
            self.ctx.open_person(pid, None)


class RetentionTab(QWidget):
    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.candidates: list[PurgeCandidate] = []
        self.confirm_box: QMessageBox | None = None
        self.on_done: Callable[[], None] | None = None  # after a purge (the journal reloads)
        self.job = LongJob(ctx.worker, self)
        self.job.progress.connect(self._progress)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 8, 0, 0)
        self.rule = QLabel(wordWrap=True)
        layout.addWidget(self.rule)
        top = QHBoxLayout()
        self.count = named(QLabel(), "muted")
        top.addWidget(self.count)
        top.addStretch(1)
        self.check_all = QPushButton("Tout cocher")
        self.check_all.clicked.connect(lambda: self._check_all(True))
        self.uncheck_all = QPushButton("Tout décocher")
        self.uncheck_all.clicked.connect(lambda: self._check_all(False))
        self.purge_button = QPushButton(theme.icon("fa6s.eraser"), "Purger…")
        self.purge_button.setToolTip("Effacer définitivement les dossiers cochés (confirmation demandée)")
        self.purge_button.clicked.connect(self.ask_purge)
        for w in (self.check_all, self.uncheck_all, self.purge_button):
            top.addWidget(w)
        layout.addLayout(top)
        self.preview = _table(PREVIEW_HEADERS, "Personnes à purger")
        self.preview.setColumnWidth(0, 240)
        self.preview.setColumnWidth(1, 130)
        self.preview.itemChanged.connect(lambda _i: self._update_button())
        self.empty = EmptyState("fa6s.circle-check", *NO_CANDIDATES)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.preview)
        self.stack.addWidget(self.empty)
        layout.addWidget(self.stack, 3)
        run = QHBoxLayout()
        self.progress = QProgressBar()
        self.progress.setVisible(False)
        self.progress.setFormat("%v / %m dossiers purgés")
        self.cancel_button = QPushButton(theme.icon("fa6s.xmark"), "Annuler")
        self.cancel_button.setToolTip(
            "S'arrêter après le dossier en cours : les dossiers déjà purgés le restent"
        )
        self.cancel_button.setVisible(False)
        self.cancel_button.clicked.connect(self.cancel)
        run.addWidget(self.progress, 1)
        run.addWidget(self.cancel_button)
        layout.addLayout(run)
        self.result = QLabel(wordWrap=True)
        self.result.setAccessibleName("Résultat de la dernière purge")
        self.result.setVisible(False)
        layout.addWidget(self.result)
        layout.addWidget(named(QLabel("Journal des purges"), "h2"))
        self.log = _table(LOG_HEADERS, "Journal des purges")
        for col, width in ((0, 130), (1, 110), (2, 110), (3, 200)):
            self.log.setColumnWidth(col, width)
        layout.addWidget(self.log, 2)
        self.log_empty = QLabel("Aucune purge n'a encore été faite sur ce poste.")
        self.log_empty.setProperty("muted", True)
        layout.addWidget(self.log_empty)
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, self.cancel)

    # --- loading ------------------------------------------------------------------------------------------

    def reload(self) -> None:
        if self.running:
            return
        if not self.candidates:
            self.count.setText("Recherche des dossiers dont la durée de conservation est dépassée…")

        def job(w: WorkerContext) -> tuple[int, list[PurgeCandidate], list[PurgeLogEntry]]:
            months = int(settings.get(w.db, settings.RETENTION_MONTHS))
            return months, retention.preview(w.db), retention.purge_log(w.db)

        self.ctx.worker.submit(job, self._show, self._failed, owner=self)

    def _failed(self, exc: BaseException) -> None:
        if not isinstance(exc, VaultLockedError):
            show_error(self, exc)

    def _show(self, result: tuple[int, list[PurgeCandidate], list[PurgeLogEntry]]) -> None:
        months, candidates, log = result
        years = f" ({months // 12} ans)" if months % 12 == 0 else ""
        self.rule.setText(
            f"Les données d'une personne sont conservées <b>{months} mois{years} après le dernier contact</b> "
            "(rendez-vous honoré, note, signature, sortie…), puis effacées, si son accompagnement est terminé. "
            "La durée se règle dans Paramètres. Cochez les dossiers à purger après les avoir vérifiés."
        )
        self.candidates = candidates
        self.preview.blockSignals(True)
        self.preview.setRowCount(len(candidates))
        for row, c in enumerate(candidates):
            name = _item(c.name, c.person_id)
            name.setFlags(name.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            name.setCheckState(Qt.CheckState.Checked)
            self.preview.setItem(row, 0, name)
            self.preview.setItem(row, 1, _item(theme.fmt_date(c.last_contact), c.person_id))
            self.preview.setItem(row, 2, _item(c.reason, c.person_id))
        self.preview.blockSignals(False)
        self.stack.setCurrentWidget(self.preview if candidates else self.empty)
        self.log.setRowCount(len(log))
        for row, e in enumerate(log):
            cells = (
                theme.fmt_datetime(e.at),
                e.actor,
                e.person_id[:8],
                str(e.total_rows),
                str(e.files),
            )
            for col, text in enumerate(cells):
                self.log.setItem(row, col, _item(text))
        self.log.setVisible(bool(log))
        self.log_empty.setVisible(not log)
        self._update_button()

    def checked_ids(self) -> list[str]:
        out = []
        for row in range(self.preview.rowCount()):
            item = self.preview.item(row, 0)
            if item is not None and item.checkState() == Qt.CheckState.Checked:
                out.append(item.data(PID_ROLE))
        return out

    def _check_all(self, on: bool) -> None:
        state = Qt.CheckState.Checked if on else Qt.CheckState.Unchecked
        for row in range(self.preview.rowCount()):
            item = self.preview.item(row, 0)
            if item is not None:
                item.setCheckState(state)

    def _update_button(self) -> None:
        n = len(self.checked_ids())
        self.count.setText(
            f"{theme.plural(len(self.candidates), 'dossier', 'dossiers')} à purger, {n} coché{'s' if n > 1 else ''}"
            if self.candidates
            else ""
        )
        self.purge_button.setEnabled(n > 0 and not self.running)
        self.check_all.setEnabled(bool(self.candidates) and not self.running)
        self.uncheck_all.setEnabled(bool(self.candidates) and not self.running)

    # --- purge ----------------------------------------------------------------------------------------------

    def ask_purge(self) -> None:
        ids = self.checked_ids()
        if not ids or self.running:
            return
        n = len(ids)
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            "Purger les dossiers",
            f"Effacer définitivement {theme.plural(n, 'dossier', 'dossiers')} ?\n\n"
            "Noms, NIR, coordonnées, notes, diagnostics, contrats, signatures et documents seront effacés de ce "
            "poste. L'effacement sera transmis au département à la prochaine synchronisation : il s'appliquera "
            "aussi sur le serveur et sur les autres postes.\n\n"
            "C'est irréversible : aucune sauvegarde de Fil rouge ne permet de retrouver ces données.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            self,
        )
        box.button(QMessageBox.StandardButton.Yes).setText(f"Purger {n} dossier{'s' if n > 1 else ''}")
        box.button(QMessageBox.StandardButton.Cancel).setText("Annuler")
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)

        def finished(result: int) -> None:
            if result == QMessageBox.StandardButton.Yes:
                self.start_purge(ids)

        box.finished.connect(finished)
        self.confirm_box = box
        box.open()

    @property
    def running(self) -> bool:
        return self.job.running

    def start_purge(self, ids: list[str]) -> None:
        if self.running:
            return
        self.result.setVisible(False)
        self.progress.setRange(0, len(ids))
        self.progress.setValue(0)
        self.progress.setVisible(True)
        self.cancel_button.setVisible(True)
        self.cancel_button.setEnabled(True)

        def job(w: WorkerContext, control: JobControl) -> PurgeLog:
            return retention.purge(
                w.db, ids, actor=current_actor(w.db), progress=control.progress, cancel=control.cancelled
            )

        self.job.start(job, self._purged, self._purge_failed, writes=True)
        self._update_button()

    def _progress(self, done: int, total: int, _label: str = "") -> None:
        self.progress.setMaximum(total)
        self.progress.setValue(done)

    def cancel(self) -> None:
        if self.job.cancel():
            self.cancel_button.setEnabled(False)

    def _end(self) -> None:
        self.progress.setVisible(False)
        self.cancel_button.setVisible(False)
        self.ctx.changed(None)
        self.reload()
        if self.on_done is not None:
            self.on_done()

    def _purge_failed(self, exc: BaseException) -> None:
        self._end()
        show_error(self, exc)

    def _purged(self, log: PurgeLog) -> None:
        self._end()
        n = len(log.people)
        text = (
            f"{theme.plural(n, 'dossier purgé', 'dossiers purgés')} : "
            f"{theme.plural(log.total_rows, 'enregistrement effacé', 'enregistrements effacés')}, "
            f"{theme.plural(log.files, 'fichier supprimé', 'fichiers supprimés')}."
        )
        if log.cancelled:
            text = (
                text + " Purge interrompue : les dossiers restants n'ont pas été touchés."
                if n
                else "Purge interrompue avant le premier dossier : aucun dossier n'a été touché."
            )
        self.result.setText(text)
        self.result.setVisible(True)


class PrivacyPage(QWidget):
    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 10, 10, 6)
        layout.setSpacing(8)
        top = QHBoxLayout()
        top.addWidget(named(QLabel("Données personnelles"), "title"))
        top.addStretch(1)
        refresh = QPushButton(theme.icon("fa6s.rotate"), "Actualiser")
        refresh.setToolTip("Recharger le journal et la liste (F5)")
        refresh.clicked.connect(self.reload)
        top.addWidget(refresh)
        layout.addLayout(top)
        self.tabs = QTabWidget()
        self.journal = JournalTab(ctx)
        self.retention = RetentionTab(ctx)
        self.retention.on_done = self.journal.reload
        self.tabs.addTab(self.journal, theme.icon("fa6s.list-check"), "Journal des accès")
        self.tabs.addTab(self.retention, theme.icon("fa6s.hourglass-half"), "Durée de conservation")
        layout.addWidget(self.tabs, 1)
        self.tabs.currentChanged.connect(lambda _i: self.reload())
        QShortcut(QKeySequence(QKeySequence.StandardKey.Refresh), self, self.reload)

    def reload(self) -> None:
        """Reload the visible tab only (the retention preview scans the whole caseload)."""
        if self.tabs.currentWidget() is self.retention:
            self.retention.reload()
        else:
            self.journal.reload()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.reload()


def create_page(ctx: UiContext) -> PrivacyPage:
    return PrivacyPage(ctx)
