"""Imports page: the département's monthly orientation list (CSV) — choose or drop a file, see what was
detected and what the import would do (a simulation), import it with a progress bar and « Annuler », then the
report line by line (filterable, exportable as CSV; double-click opens the person), and the past imports.

Every step runs on the database worker as a long job (:mod:`app.ui.kit.jobs`: progress, « Annuler »); cancelling
rolls the import back entirely.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import (
    QModelIndex,
    Qt,
)
from PySide6.QtGui import (
    QDragEnterEvent,
    QDropEvent,
    QKeySequence,
    QShortcut,
    QShowEvent,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.models.errors import FilRougeError
from app.models.orientation_list.errors import ImportCancelled
from app.models.orientation_list.report import ImportReport, Outcome
from app.services.errors import VaultLockedError
from app.services.imports.service import (
    FileInfo,
    HistoryEntry,
    describe_file,
    import_history,
    import_orientations,
    person_names,
)
from app.ui.kit import theme
from app.ui.kit.errors import show_error, user_message
from app.ui.kit.jobs import JobControl, LongJob
from app.ui.kit.widgets import Card, named, tool_row
from app.ui.kit.worker import WorkerContext
from app.ui.pages.imports.history import HistoryPane
from app.ui.pages.imports.report import ReportModel
from app.ui.pages.imports.texts import detected_html, report_detail, simulation_html
from app.ui.shell.plugins import UiContext

OUTCOME_FILTERS = (
    ("Toutes les lignes", None),
    ("Créées", Outcome.CREATED),
    ("Mises à jour", Outcome.UPDATED),
    ("Inchangées", Outcome.UNCHANGED),
    ("Rejetées", Outcome.REJECTED),
    ("Doublons possibles", Outcome.DUPLICATE),
)
STAGE_HOME, STAGE_PREVIEW, STAGE_RUNNING, STAGE_REPORT = range(4)


class ImportsPage(QWidget):
    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.path: Path | None = None
        self.info: FileInfo | None = None
        self.preview: ImportReport | None = None
        self.report: ImportReport | None = None
        self.history: list[HistoryEntry] = []
        self.running: str | None = None  # "preview" or "import" while a job runs
        self.job = LongJob(ctx.worker, self)
        self.job.progress.connect(self._progress)
        self.setAcceptDrops(True)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 10, 10, 6)
        layout.setSpacing(10)
        self.subtitle = named(QLabel("Liste mensuelle d'orientation du département"), "muted")
        self.choose_button = QPushButton(theme.icon("fa6s.file-import"), "Importer un fichier…")
        self.choose_button.setToolTip("Choisir la liste d'orientation reçue du département (Ctrl+I)")
        self.choose_button.clicked.connect(self.choose_file)
        layout.addLayout(tool_row([named(QLabel("Imports"), "title"), self.subtitle], [self.choose_button]))
        self.error = named(QLabel(wordWrap=True), "error")
        self.error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error.hide()
        layout.addWidget(self.error)

        self.stack = QStackedWidget()
        self.stack.addWidget(self._build_home())
        self.stack.addWidget(self._build_preview())
        self.stack.addWidget(self._build_running())
        self.stack.addWidget(self._build_report())
        layout.addWidget(self.stack, 1)
        QShortcut(QKeySequence("Ctrl+I"), self, self.choose_file)

    # --- building ------------------------------------------------------------------------------------------

    def _build_home(self) -> QWidget:
        self.home = HistoryPane()
        self.empty, self.history_tree = self.home.empty, self.home.tree  # what the tests and shortcuts reach
        return self.home

    def _build_preview(self) -> QWidget:
        page = QWidget()
        v = QVBoxLayout(page)
        v.setContentsMargins(0, 0, 0, 0)
        v.setSpacing(10)
        card = Card()
        c = QVBoxLayout(card)
        c.setContentsMargins(14, 12, 14, 12)
        self.file_title = named(QLabel(), "h2")
        c.addWidget(self.file_title)
        self.detected = QLabel(wordWrap=True)
        self.detected.setTextFormat(Qt.TextFormat.RichText)
        self.detected.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        c.addWidget(self.detected)
        v.addWidget(card)
        sim = Card()
        s = QVBoxLayout(sim)
        s.setContentsMargins(14, 12, 14, 12)
        s.addWidget(named(QLabel("Ce que l'import ferait (simulation, rien n'est encore enregistré)"), "h2"))
        self.simulation = QLabel(wordWrap=True)
        self.simulation.setTextFormat(Qt.TextFormat.RichText)
        s.addWidget(self.simulation)
        v.addWidget(sim)
        buttons = QHBoxLayout()
        self.other_button = QPushButton("Choisir un autre fichier…")
        self.other_button.clicked.connect(self.choose_file)
        self.back_button = QPushButton("Abandonner")
        self.back_button.setToolTip("Revenir aux imports précédents sans rien importer")
        self.back_button.clicked.connect(self.show_home)
        self.import_button = QPushButton(theme.icon("fa6s.file-import", "white"), "Importer")
        self.import_button.setProperty("primary", True)
        self.import_button.setToolTip(
            "Enregistrer les créations et mises à jour dans votre dossier (Ctrl+Entrée)"
        )
        self.import_button.clicked.connect(self.start_import)
        QShortcut(QKeySequence("Ctrl+Return"), self.import_button, self.start_import)
        buttons.addWidget(self.other_button)
        buttons.addWidget(self.back_button)
        buttons.addStretch(1)
        buttons.addWidget(self.import_button)
        v.addLayout(buttons)
        v.addStretch(1)
        return page

    def _build_running(self) -> QWidget:
        page = QWidget()
        v = QVBoxLayout(page)
        v.addStretch(2)
        self.run_title = named(QLabel(alignment=Qt.AlignmentFlag.AlignCenter), "h2")
        v.addWidget(self.run_title)
        self.bar = QProgressBar()
        self.bar.setFixedWidth(520)
        self.bar.setFormat("%p %")
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.bar)
        row.addStretch(1)
        v.addLayout(row)
        self.run_stage = QLabel(alignment=Qt.AlignmentFlag.AlignCenter)
        self.run_stage.setProperty("muted", True)
        v.addWidget(self.run_stage)
        self.cancel_button = QPushButton(theme.icon("fa6s.xmark"), "Annuler")
        self.cancel_button.setToolTip("Arrêter : rien ne sera enregistré (Échap)")
        self.cancel_button.clicked.connect(self.cancel)
        QShortcut(QKeySequence(Qt.Key.Key_Escape), page, self.cancel)
        row2 = QHBoxLayout()
        row2.addStretch(1)
        row2.addWidget(self.cancel_button)
        row2.addStretch(1)
        v.addLayout(row2)
        v.addStretch(3)
        return page

    def _build_report(self) -> QWidget:
        page = QWidget()
        v = QVBoxLayout(page)
        v.setContentsMargins(0, 0, 0, 0)
        self.summary = named(QLabel(wordWrap=True), "h2")
        v.addWidget(self.summary)
        self.summary_detail = QLabel(wordWrap=True)
        self.summary_detail.setProperty("muted", True)
        v.addWidget(self.summary_detail)
        bar = QHBoxLayout()
        self.outcome_filter = QComboBox()
        self.outcome_filter.setAccessibleName("Filtrer par résultat")
        for label, _o in OUTCOME_FILTERS:
            self.outcome_filter.addItem(label)
        self.outcome_filter.currentIndexChanged.connect(lambda _i: self._apply_filter())
        self.search = QLineEdit(placeholderText="Rechercher (ligne, personne, motif…)")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(lambda _t: self._apply_filter())
        self.shown = named(QLabel(), "muted")
        self.export_button = QPushButton(theme.icon("fa6s.file-csv"), "Exporter le compte rendu (CSV)")
        self.export_button.setToolTip(
            "Enregistrer le compte rendu ligne par ligne (séparateur « ; », s'ouvre dans Excel) — sans nom "
            "ni NIR : les numéros de ligne renvoient au fichier du département"
        )
        self.export_button.clicked.connect(lambda: self.export_report())
        self.done_button = QPushButton("Terminer")
        self.done_button.setToolTip("Revenir à la liste des imports")
        self.done_button.clicked.connect(self.show_home)
        bar.addWidget(self.outcome_filter)
        bar.addWidget(self.search, 1)
        bar.addWidget(self.shown)
        bar.addStretch(0)
        bar.addWidget(self.export_button)
        bar.addWidget(self.done_button)
        v.addLayout(bar)
        self.model = ReportModel(self)
        self.table = QTableView()
        self.table.setAccessibleName("Compte rendu ligne par ligne")
        self.table.setModel(self.model)
        self.table.setAlternatingRowColors(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(26)
        self.table.setWordWrap(False)
        h = self.table.horizontalHeader()
        h.setStretchLastSection(True)
        for col, width in ((0, 70), (1, 130), (2, 220), (3, 260)):
            self.table.setColumnWidth(col, width)
        self.table.activated.connect(self._activated)
        self.table.doubleClicked.connect(self._activated)
        v.addWidget(self.table, 1)
        return page

    # --- home and history ----------------------------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self.stack.currentIndex() == STAGE_HOME:
            self.reload()

    def reload(self) -> None:
        def job(w: WorkerContext) -> list[HistoryEntry]:
            return import_history(w.db)

        self.ctx.worker.submit(job, self._show_history, self._failed_quietly, owner=self)

    def _failed_quietly(self, exc: BaseException) -> None:
        if not isinstance(exc, VaultLockedError):
            show_error(self, exc)

    def _show_history(self, entries: list[HistoryEntry]) -> None:
        self.history = entries
        self.home.show_entries(entries)

    def show_home(self) -> None:
        self.path = self.info = self.preview = None
        self.error.hide()
        self.stack.setCurrentIndex(STAGE_HOME)
        self.reload()

    # --- choosing a file -----------------------------------------------------------------------------------

    def choose_file(self) -> None:
        if self.running:
            return
        start = str(self.path.parent) if self.path else str(Path.home())
        path, _ = QFileDialog.getOpenFileName(
            self,
            "Importer la liste d'orientation",
            start,
            "Fichiers CSV (*.csv *.txt);;Tous les fichiers (*)",
        )
        if path:
            self.open_file(Path(path))

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        urls = event.mimeData().urls()
        if not self.running and urls and urls[0].isLocalFile():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        urls = event.mimeData().urls()
        if urls and urls[0].isLocalFile():
            event.acceptProposedAction()
            self.open_file(Path(urls[0].toLocalFile()))

    def open_file(self, path: Path) -> None:
        """Check the file and simulate the import (nothing is written), then show the preview."""
        if self.running:
            return
        self.path = path
        self.error.hide()
        self._begin("preview", f"Analyse de « {path.name} »…")

        def job(w: WorkerContext, control: JobControl) -> tuple[FileInfo, ImportReport]:
            info = describe_file(path)
            report = import_orientations(
                w.db, path, dry_run=True, progress=control.progress, cancel=control.cancelled
            )
            return info, report

        self.job.start(job, self._show_preview, self._failed)

    def _show_preview(self, result: tuple[FileInfo, ImportReport]) -> None:
        self.running = None
        self.choose_button.setEnabled(True)
        self.info, self.preview = result
        info, sim = result
        self.file_title.setText(
            f"« {info.file_name} » — {theme.plural(info.rows, 'ligne', 'lignes')} de données"
        )
        self.detected.setText(detected_html(info))
        self.simulation.setText(simulation_html(sim))
        self.import_button.setEnabled(bool(sim.created or sim.updated or sim.duplicates))
        self.stack.setCurrentIndex(STAGE_PREVIEW)
        if self.import_button.isEnabled():
            self.import_button.setFocus()

    # --- importing -----------------------------------------------------------------------------------------

    def start_import(self) -> None:
        if self.running or self.path is None or not self.import_button.isEnabled():
            return
        path = self.path
        self._begin("import", f"Import de « {path.name} »…")

        def job(w: WorkerContext, control: JobControl) -> tuple[ImportReport, dict[str, str]]:
            report = import_orientations(w.db, path, progress=control.progress, cancel=control.cancelled)
            ids = [r.person_id for r in report.results if r.person_id]
            return report, person_names(w.db, ids)

        self.job.start(job, self._show_report, self._failed, writes=True)

    def _begin(self, kind: str, title: str) -> None:
        self.running = kind
        self.run_title.setText(title)
        self.run_stage.setText("Lecture et vérification des lignes…")
        self.bar.setRange(0, 0)
        self.cancel_button.setEnabled(True)
        self.choose_button.setEnabled(False)
        self.stack.setCurrentIndex(STAGE_RUNNING)
        self.cancel_button.setFocus()

    def _progress(self, done: int, total: int, _label: str = "") -> None:
        if not self.running or total <= 0:
            return
        self.bar.setRange(0, total)
        self.bar.setValue(done)
        half = total // 2
        if self.running == "import" and done > half:
            self.run_stage.setText(
                f"Enregistrement : {done - half} / {half} lignes (annulable : rien ne sera enregistré)"
            )
        else:
            self.run_stage.setText(f"Vérification : {min(done, half)} / {half} lignes")

    def cancel(self) -> None:
        if self.running and self.job.cancel():
            self.cancel_button.setEnabled(False)
            self.run_stage.setText("Annulation en cours…")

    def _failed(self, exc: BaseException) -> None:
        kind, self.running = self.running, None
        self.choose_button.setEnabled(True)
        if isinstance(exc, ImportCancelled) and kind == "import" and self.preview is not None:
            self.stack.setCurrentIndex(STAGE_PREVIEW)
        else:
            self.stack.setCurrentIndex(STAGE_HOME)
            self.reload()
        if isinstance(exc, FilRougeError):
            title = "Import annulé" if isinstance(exc, ImportCancelled) else "Fichier refusé"
            name = f"« {self.path.name} » : " if self.path and kind == "preview" else ""
            self.error.setText(f"{title} — {name}{user_message(exc)}")
            self.error.show()
        else:
            show_error(self, exc)

    def _show_report(self, result: tuple[ImportReport, dict[str, str]]) -> None:
        self.running = None
        self.choose_button.setEnabled(True)
        report, names = result
        self.report = report
        self.summary.setText(f"« {report.file_name} » importé — {report.summary()}.")
        self.summary_detail.setText(report_detail(report))
        self.model.set_report(report, names)
        preferred = 4 if report.rejected else 0
        self.outcome_filter.setCurrentIndex(preferred)
        self.search.clear()
        self._apply_filter()
        self.stack.setCurrentIndex(STAGE_REPORT)
        self.table.setFocus()
        self.ctx.changed(None)

    # --- report --------------------------------------------------------------------------------------------

    def _apply_filter(self) -> None:
        outcome = OUTCOME_FILTERS[self.outcome_filter.currentIndex()][1]
        self.model.set_filter(outcome, self.search.text())
        n, total = self.model.rowCount(), len(self.model.results)
        self.shown.setText(f"{n} / {total} lignes" if n != total else theme.plural(total, "ligne", "lignes"))

    def _activated(self, index: QModelIndex) -> None:
        if not index.isValid():
            return
        r = self.model.result(index.row())
        if r.person_id and r.outcome != Outcome.REJECTED:
            self.ctx.open_person(r.person_id, None)

    def export_report(self, path: Path | None = None) -> None:
        report = self.report
        if report is None:
            return
        if path is None:
            stem = Path(report.file_name).stem
            chosen, _ = QFileDialog.getSaveFileName(
                self,
                "Exporter le compte rendu",
                str(Path.home() / f"compte-rendu_{stem}.csv"),
                "Fichiers CSV (*.csv)",
            )
            if not chosen:
                return
            path = Path(chosen)
        target = path

        def job(_w: WorkerContext) -> Path:
            try:
                return report.write_csv(target)
            except OSError as exc:
                raise FilRougeError(
                    f"Le compte rendu n'a pas pu être enregistré dans « {target.name} » ({exc.strerror})."
                ) from exc

        def done(written: Path) -> None:
            self.summary_detail.setText(f"Compte rendu enregistré : {written}")

        self.ctx.worker.submit(job, done, lambda exc: show_error(self, exc), owner=self)


def create_page(ctx: UiContext) -> ImportsPage:
    return ImportsPage(ctx)


__all__ = ["ImportsPage", "create_page"]
