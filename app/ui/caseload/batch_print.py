"""« Imprimer les contrats de la sélection… » (Ma file active, Ctrl+Maj+P).

The dialog first shows what will be output (« 12 contrats, 3 personnes sans contrat », the rule that picks each
person's contract, the list), then the user chooses « Imprimer » (one system print dialog, then every contract
to that printer), « Enregistrer dans un dossier » (one PDF per contract) or « Un seul PDF ». The work runs on
the database worker as a long job (:mod:`app.ui.kit.jobs`) with a progress dialog (« 12 / 40 — DUPONT Élodie ») whose « Annuler » stops between two
documents; the result says how many were done.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QPainter
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QProgressDialog,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from app.models.errors import FilRougeError
from app.services.contracts.batch import (
    RULE_TEXT,
    BatchItem,
    BatchPlan,
    BatchResult,
    plan_batch,
    render_batch,
)
from app.services.people.identity import current_actor
from app.ui.kit import theme
from app.ui.kit.errors import show_error
from app.ui.kit.jobs import JobControl, LongJob
from app.ui.kit.preview import paint_images, printer_dpi, render_images
from app.ui.kit.widgets import named
from app.ui.kit.worker import WorkerContext
from app.ui.shell.plugins import UiContext

MODE_PRINT, MODE_FILES, MODE_SINGLE = "print", "files", "single"
GO_LABELS = {MODE_PRINT: "Imprimer…", MODE_FILES: "Choisir le dossier…", MODE_SINGLE: "Enregistrer sous…"}
VERBS = {MODE_PRINT: "imprimés", MODE_FILES: "enregistrés", MODE_SINGLE: "enregistrés"}


class BatchPrintDialog(QDialog):
    """What will be output, the choice of output, and the run with its progress dialog."""

    def __init__(self, ctx: UiContext, person_ids: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.person_ids = ctx, list(person_ids)
        self.plan: BatchPlan | None = None
        self.outcome: BatchResult | None = None
        self.progress: QProgressDialog | None = None
        self.job = LongJob(ctx.worker, self)
        self.job.progress.connect(self._on_progress)
        self.setWindowTitle("Imprimer les contrats de la sélection")
        layout = QVBoxLayout(self)
        self.summary = named(QLabel("Recherche des contrats…"), "h2")
        self.rule = QLabel(RULE_TEXT, wordWrap=True)
        self.rule.setProperty("muted", True)
        self.list = QListWidget()
        self.list.setAccessibleName("Contrats à imprimer")
        self.missing = QLabel(wordWrap=True)
        self.missing.hide()
        layout.addWidget(self.summary)
        layout.addWidget(self.rule)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.missing)
        self.modes = QButtonGroup(self)
        self.mode_buttons: dict[str, QRadioButton] = {}
        for mode, text in (
            (MODE_PRINT, "Imprimer (une seule fois le choix de l'imprimante, puis tous les contrats)"),
            (MODE_FILES, "Enregistrer dans un dossier (un PDF par contrat : Contrat_NOM_Prénom_numéro.pdf)"),
            (MODE_SINGLE, "Un seul PDF avec tous les contrats"),
        ):
            button = QRadioButton(text)
            self.modes.addButton(button)
            self.mode_buttons[mode] = button
            layout.addWidget(button)
        self.mode_buttons[MODE_PRINT].setChecked(True)
        self.buttons = QDialogButtonBox()
        self.go_button = QPushButton(theme.icon("fa6s.print", "#ffffff"), GO_LABELS[MODE_PRINT])
        self.go_button.setProperty("primary", True)
        self.go_button.setDefault(True)
        self.go_button.setEnabled(False)
        self.go_button.clicked.connect(self.go)
        self.buttons.addButton(self.go_button, QDialogButtonBox.ButtonRole.ActionRole)
        close = self.buttons.addButton("Fermer", QDialogButtonBox.ButtonRole.RejectRole)
        close.clicked.connect(self.reject)
        layout.addWidget(self.buttons)
        for button in self.mode_buttons.values():
            button.toggled.connect(self._mode_changed)
        self.resize(640, 520)
        self._load()

    # --- plan ---------------------------------------------------------------------------------------------

    def _load(self) -> None:
        ids = self.person_ids

        def job(w: WorkerContext) -> BatchPlan:
            return plan_batch(w.db, ids)

        self.ctx.worker.submit(job, self._show_plan, lambda e: show_error(self, e), owner=self)

    def _show_plan(self, plan: BatchPlan) -> None:
        self.plan = plan
        selected = theme.plural(len(self.person_ids), "personne sélectionnée", "personnes sélectionnées")
        self.summary.setText(f"{plan.summary()} — {selected}")
        self.list.clear()
        for item in plan.items:
            row = QListWidgetItem(theme.icon("fa6s.file-signature"),
                                  f"{item.label}  ·  n° {item.number}  ·  {item.status_label}")  # fmt: skip
            if item.is_draft:
                row.setToolTip("Brouillon : le contrat n'est pas encore signé.")
            self.list.addItem(row)
        if plan.without_contract:
            names = ", ".join(plan.without_contract[:12]) + ("…" if len(plan.without_contract) > 12 else "")
            self.missing.setText(f"Sans contrat (rien ne sera imprimé pour elles) : {names}")
            self.missing.show()
        if not plan.items:
            self.list.addItem("Aucune des personnes sélectionnées n'a de contrat à imprimer.")
        self.go_button.setEnabled(bool(plan.items))

    def mode(self) -> str:
        return next(m for m, b in self.mode_buttons.items() if b.isChecked())

    def _mode_changed(self) -> None:
        mode = self.mode()
        icon = {MODE_PRINT: "fa6s.print", MODE_FILES: "fa6s.folder-open", MODE_SINGLE: "fa6s.file-pdf"}[mode]
        self.go_button.setText(GO_LABELS[mode])
        self.go_button.setIcon(theme.icon(icon, "#ffffff"))

    # --- run ----------------------------------------------------------------------------------------------

    def go(self) -> None:
        """Ask where (printer, folder or file), then run."""
        if self.plan is None or not self.plan.items or self.running:
            return
        mode = self.mode()
        if mode == MODE_PRINT:
            printer = QPrinter(QPrinter.PrinterMode.HighResolution)
            printer.setDocName("Contrats")
            dialog = QPrintDialog(printer, self)
            dialog.setWindowTitle(f"Imprimer {self.plan.summary().split(',')[0].lower()}")
            if dialog.exec() == QDialog.DialogCode.Accepted:
                self.start_print(printer)
        elif mode == MODE_FILES:
            folder = QFileDialog.getExistingDirectory(
                self, "Dossier où enregistrer les contrats", str(Path.home())
            )
            if folder and self.confirm_overwrite(Path(folder)):
                self.start_save(Path(folder), None)
        else:
            name = f"Contrats_{date.today():%Y-%m-%d}.pdf"
            path, _ = QFileDialog.getSaveFileName(
                self,
                "Enregistrer tous les contrats dans un PDF",
                str(Path.home() / name),
                "Documents PDF (*.pdf)",
            )
            if path:
                target = Path(path if path.lower().endswith(".pdf") else f"{path}.pdf")
                self.start_save(None, target)

    def existing_files(self, folder: Path) -> list[str]:
        """The file names of the plan already present in ``folder`` (they would be replaced)."""
        assert self.plan is not None
        return [i.file_name for i in self.plan.items if (folder / i.file_name).exists()]

    def confirm_overwrite(self, folder: Path) -> bool:
        existing = self.existing_files(folder)
        if not existing:
            return True
        n = len(existing)
        files = "un fichier du même nom existe" if n == 1 else f"{n} fichiers du même nom existent"
        replaced = "Il sera remplacé" if n == 1 else "Ils seront remplacés"
        answer = QMessageBox.question(
            self,
            "Remplacer des fichiers",
            f"Dans « {folder} », {files} déjà (par exemple « {existing[0]} »). "
            f"{replaced} par la version d'aujourd'hui. Continuer ?",
        )
        return answer == QMessageBox.StandardButton.Yes

    @property
    def running(self) -> bool:
        return self.job.running

    def _begin(self, title: str) -> None:
        assert self.plan is not None
        self.go_button.setEnabled(False)
        total = len(self.plan.items)
        progress = QProgressDialog(title, "Annuler", 0, total, self)
        progress.setWindowTitle(title)
        progress.setWindowModality(Qt.WindowModality.WindowModal)
        progress.setMinimumDuration(0)
        progress.setAutoClose(False)
        progress.setAutoReset(False)
        progress.setMinimumWidth(420)
        progress.canceled.disconnect()  # keep it open until the worker stops between two documents
        progress.canceled.connect(self.cancel)
        progress.setValue(0)
        progress.show()
        self.progress = progress

    def cancel(self) -> None:
        if self.job.cancel() and self.progress is not None:
            self.progress.setLabelText("Annulation : arrêt après le document en cours…")
            self.progress.setCancelButton(None)  # type: ignore[arg-type]

    def _on_progress(self, done: int, total: int, label: str) -> None:
        progress = self.progress
        if progress is None or self.job.cancel_requested:
            return
        progress.setMaximum(max(total, 1))
        if label:
            progress.setLabelText(f"{done + 1} / {total} — {label}")
        # Last: a window-modal dialog's setValue() runs the event loop, where the job may end and close it.
        progress.setValue(done)

    def start_print(self, printer: QPrinter) -> None:
        """Print every contract of the plan on ``printer`` (already set up by the print dialog)."""
        assert self.plan is not None
        plan = self.plan
        self._begin("Impression des contrats")

        def job(w: WorkerContext, control: JobControl) -> BatchResult:
            painter = QPainter()
            started = False

            def sink(_item: BatchItem, pdf: bytes) -> None:
                nonlocal started
                images = render_images(pdf, printer_dpi(printer))
                if not started and not painter.begin(printer):
                    raise PrinterError()
                paint_images(painter, printer, images, first=not started)
                started = True

            try:
                return render_batch(w.db, plan, None, actor=current_actor(w.db), on_document=sink,
                                    progress=control.progress, cancel=control.cancelled)  # fmt: skip
            finally:
                if painter.isActive():
                    painter.end()

        self.job.start(job, lambda r: self._finished(r, MODE_PRINT), self._failed)

    def start_save(self, folder: Path | None, single: Path | None) -> None:
        """One PDF per contract in ``folder``, or every contract in the one file ``single``."""
        assert self.plan is not None
        plan = self.plan
        self._begin("Enregistrement des contrats")

        def job(w: WorkerContext, control: JobControl) -> BatchResult:
            return render_batch(w.db, plan, folder, actor=current_actor(w.db), combine_to=single,
                                progress=control.progress, cancel=control.cancelled)  # fmt: skip

        mode = MODE_SINGLE if single is not None else MODE_FILES
        self.job.start(job, lambda r: self._finished(r, mode), self._failed)

    def _end(self) -> None:
        self.go_button.setEnabled(True)
        if self.progress is not None:
            self.progress.close()
            self.progress.deleteLater()
            self.progress = None

    def _failed(self, exc: BaseException) -> None:
        self._end()
        show_error(self, exc)

    def _finished(self, result: BatchResult, mode: str) -> None:
        self._end()
        self.outcome = result
        text = result.message(VERBS[mode])
        if mode == MODE_SINGLE and result.cancelled:
            text += " Aucun fichier n'a été écrit."
        if result.paths:
            where = result.paths[0].parent if mode == MODE_FILES else result.paths[0]
            text += f"\n\nEmplacement : {where}"
        if result.failed:
            details = "\n".join(f"– {item.label} : {reason}" for item, reason in result.failed[:8])
            text += f"\n\nNon traités :\n{details}"
        box = QMessageBox(
            QMessageBox.Icon.Warning if result.failed else QMessageBox.Icon.Information,
            "Contrats de la sélection",
            text,
            QMessageBox.StandardButton.Ok,
            self,
        )
        box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message_box = box
        box.open()


class PrinterError(FilRougeError):
    default_message = (
        "L'imprimante n'a pas pu être utilisée : vérifiez qu'elle est allumée et disponible, "
        "puis relancez l'impression."
    )


def open_batch_print(
    ctx: UiContext, person_ids: list[str], parent: QWidget | None
) -> BatchPrintDialog | None:
    """The dialog for the selected people, or a hint when nobody is selected."""
    if not person_ids:
        box = QMessageBox(
            QMessageBox.Icon.Information,
            "Imprimer les contrats",
            "Sélectionnez d'abord une ou plusieurs personnes dans la liste (Maj ou Ctrl + clic, Ctrl+A pour "
            "toutes), puis relancez « Imprimer les contrats de la sélection… » (Ctrl+Maj+P).",
            QMessageBox.StandardButton.Ok,
            parent,
        )
        box.open()
        return None
    dialog = BatchPrintDialog(ctx, person_ids, parent)
    dialog.open()
    return dialog
