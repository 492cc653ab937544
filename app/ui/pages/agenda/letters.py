"""Convocations in the window (ADR 0035): :func:`open_letter` — the letter of one RDV in a preview, recorded as
sent once printed or saved (the entry point other pages reuse for « Convoquer ») — and :class:`LettersDialog`,
the letters of a day, a week or a collective session: one PDF to preview and print, or one PDF per letter in a
folder, with progress and « Annuler » (:class:`~app.ui.kit.jobs.LongJob`)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.services.agenda.convocations import batch, letters
from app.services.agenda.convocations.batch import LetterItem, LetterPlan, LettersResult
from app.ui.kit import theme
from app.ui.kit.errors import show_error
from app.ui.kit.jobs import JobControl, LongJob
from app.ui.kit.preview import PdfPreviewDialog
from app.ui.kit.widgets import fit_to_screen, named
from app.ui.kit.worker import WorkerContext
from app.ui.shell.plugins import UiContext

_KEEP: list[QDialog] = []  # previews opened by open_letter stay alive while shown


def open_letter(
    ctx: UiContext,
    parent: QWidget,
    appointment_id: str,
    person_id: str | None = None,
    *,
    kind: str = letters.AUTO,
    on_recorded: Callable[[str], None] | None = None,
) -> None:
    """Preview the letter of a RDV (its convocation or invitation; ``kind="relance"``: the relance after a
    no-show); printing or saving it records it as sent (timeline) and audits it. Errors go to ``show_error``."""

    def job(w: WorkerContext) -> bytes:
        return letters.preview_letter(w.db, appointment_id, kind=kind)

    def show(pdf: bytes) -> None:
        title = "lettre de relance" if kind == "relance" else "convocation"
        dialog = PdfPreviewDialog(ctx.worker, pdf, title, f"{title.replace(' ', '-')}.pdf", parent,
                                  on_output=lambda action: record(action))  # fmt: skip
        fit_to_screen(dialog, 900, 860)  # a 1366×768 laptop: the buttons stay above the taskbar
        _KEEP.append(dialog)
        dialog.finished.connect(lambda *_: _KEEP.remove(dialog) if dialog in _KEEP else None)
        dialog.open()

    def record(action: str) -> None:
        def save(w: WorkerContext) -> str:
            return letters.record_letter(w.db, appointment_id, kind=kind, action=action)

        def done(recorded: str) -> None:
            if person_id:
                ctx.changed(person_id)
            if on_recorded is not None:
                on_recorded(recorded)

        ctx.worker.submit(save, done, lambda e: show_error(parent, e), writes=True, owner=parent)

    ctx.worker.submit(job, show, lambda e: show_error(parent, e), owner=parent)


class LettersDialog(QDialog):
    """The letters of a plan (a day, a week, a session): who, which are already convoked, and the two outputs."""

    def __init__(self, ctx: UiContext, plan: LetterPlan, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.plan = ctx, plan
        self.setWindowTitle(title)
        self.job = LongJob(ctx.worker, self)
        self.job.progress.connect(self._progress)
        layout = QVBoxLayout(self)
        self.summary = named(QLabel(plan.summary() + "."), "h2")
        layout.addWidget(self.summary)
        self.again = QCheckBox("Inclure les rendez-vous déjà convoqués")
        self.again.toggled.connect(self._fill)
        layout.addWidget(self.again)
        self.list = QListWidget()
        self.list.setAccessibleName("Courriers à préparer")
        layout.addWidget(self.list, 1)
        self.progress = QProgressBar()
        self.progress.hide()
        self.state = named(QLabel(""), "muted")
        self.state.setWordWrap(True)
        layout.addWidget(self.progress)
        layout.addWidget(self.state)
        row = QHBoxLayout()
        self.preview_button = QPushButton(theme.icon("fa6s.print", "#ffffff"), "Aperçu et impression…")
        self.preview_button.setProperty("primary", True)
        self.preview_button.clicked.connect(self.preview)
        self.folder_button = QPushButton(theme.icon("fa6s.folder-open"), "Un PDF par courrier…")
        self.folder_button.clicked.connect(self.choose_folder)
        self.cancel_button = QPushButton("Annuler")
        self.cancel_button.clicked.connect(self.job.cancel)
        self.cancel_button.hide()
        self.close_button = QPushButton("Fermer")
        self.close_button.clicked.connect(self.reject)
        for w in (self.preview_button, self.folder_button):
            row.addWidget(w)
        row.addStretch(1)
        row.addWidget(self.cancel_button)
        row.addWidget(self.close_button)
        layout.addLayout(row)
        self.job.started.connect(lambda: self._busy(True))
        self.job.ended.connect(lambda: self._busy(False))
        self._fill()
        fit_to_screen(self, 640, 520)

    def items(self) -> tuple[LetterItem, ...]:
        return self.plan.items if self.again.isChecked() else self.plan.to_send

    def _fill(self, *_: object) -> None:
        self.list.clear()
        for item in self.items():
            text = item.label + ("  — déjà convoqué" if item.convoked else "")
            self.list.addItem(text)
        n = len(self.items())
        self.preview_button.setEnabled(n > 0)
        self.folder_button.setEnabled(n > 0)
        self.state.setText(
            "" if n else "Aucun courrier à préparer : tous les rendez-vous sont déjà convoqués."
        )

    def _busy(self, busy: bool) -> None:
        self.progress.setVisible(busy)
        self.cancel_button.setVisible(busy)
        for w in (self.preview_button, self.folder_button, self.again, self.close_button):
            w.setEnabled(not busy)

    def _progress(self, done: int, total: int, label: str) -> None:
        self.progress.setMaximum(max(total, 1))
        self.progress.setValue(done)
        if label:
            self.state.setText(f"{done + 1} / {total} — {label}")

    def preview(self) -> None:
        items = self.items()

        def job(w: WorkerContext, control: JobControl) -> tuple[bytes, tuple[LetterItem, ...]] | None:
            return batch.preview_letters(w.db, items, progress=control.progress, cancel=control.cancelled)

        self.job.start(job, self._show_preview, lambda e: show_error(self, e))

    def _show_preview(self, result: tuple[bytes, tuple[LetterItem, ...]] | None) -> None:
        if result is None:
            self.state.setText("Annulé : aucun courrier n'a été préparé.")
            return
        pdf, kept = result
        if not kept:
            self.state.setText("Aucun courrier n'a pu être préparé.")
            return
        self.state.setText(f"{theme.plural(len(kept), 'courrier prêt', 'courriers prêts')} : aperçu ouvert.")
        self.preview_dialog = PdfPreviewDialog(
            self.ctx.worker, pdf, "convocations", f"convocations-{date.today():%Y-%m-%d}.pdf", self,
            on_output=lambda action: self._record(kept, action),
        )  # fmt: skip
        fit_to_screen(self.preview_dialog, 900, 860)
        self.preview_dialog.open()

    def _record(self, kept: tuple[LetterItem, ...], action: str) -> None:
        def job(w: WorkerContext) -> int:
            return batch.record_letters(w.db, kept, action=action)

        def done(n: int) -> None:
            self.state.setText(f"{theme.plural(n, 'courrier noté', 'courriers notés')} dans l'historique.")
            for pid in {i.person_id for i in kept}:
                self.ctx.changed(pid)

        self.ctx.worker.submit(job, done, lambda e: show_error(self, e), writes=True, owner=self)

    def choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Dossier des convocations")
        if folder:
            self.write_folder(Path(folder))

    def write_folder(self, folder: Path) -> None:
        items = self.items()

        def job(w: WorkerContext, control: JobControl) -> LettersResult:
            return batch.render_letters(w.db, items, out_dir=folder, progress=control.progress,
                                        cancel=control.cancelled)  # fmt: skip

        def done(result: LettersResult) -> None:
            self.state.setText(result.message() + f" Dossier : {folder}")
            for pid in {i.person_id for i in result.done}:
                self.ctx.changed(pid)

        self.job.start(job, done, lambda e: show_error(self, e), writes=True)
