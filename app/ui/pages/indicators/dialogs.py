"""« Personnes concernées »: the people behind one figure or one breakdown row of the indicators page.

The list is computed on the database worker (:func:`app.services.reporting.indicators.people_behind`); double-click or
Enter opens the person's file; « Exporter CSV » / « Exporter Excel » write the list (audited per person, it is
personal data).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.services.people.identity import current_actor
from app.services.reporting import export as indicators_export
from app.ui.kit import theme
from app.ui.kit.errors import show_error
from app.ui.kit.widgets import EmptyState, fit_to_screen, named
from app.ui.kit.worker import WorkerContext
from app.ui.shell.plugins import UiContext

if TYPE_CHECKING:
    from app.models.indicators.period import Period
    from app.services.reporting.indicators import PersonLine

PID_ROLE = Qt.ItemDataRole.UserRole + 1
HEADERS = ("Nom", "Prénom", "N° allocataire", "Commune", "Détail")


def safe_file_name(text: str) -> str:
    """« Sorties — octobre 2026 » → « sorties-octobre-2026 » (for a suggested file name)."""
    out = "".join(c.lower() if c.isalnum() else "-" for c in text)
    while "--" in out:
        out = out.replace("--", "-")
    return out.strip("-")[:80] or "export"


class PeopleDialog(QDialog):
    """The people behind ``key`` (and ``code`` for a breakdown row) over ``period``."""

    def __init__(
        self,
        ctx: UiContext,
        period: Period,
        key: str,
        title: str,
        *,
        code: str | None = None,
        referent_id: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.ctx, self.period, self.key, self.code, self.referent_id = ctx, period, key, code, referent_id
        self.subject = f"{title} — {period.label}"
        self.lines: list[PersonLine] = []
        self.setWindowTitle(f"Personnes concernées — {title}")
        layout = QVBoxLayout(self)
        heading = named(QLabel(title, wordWrap=True), "h2")
        layout.addWidget(heading)
        self.count = named(QLabel("Recherche des personnes…"), "muted")
        layout.addWidget(self.count)
        self.table = QTableWidget(0, len(HEADERS))
        self.table.setHorizontalHeaderLabels(list(HEADERS))
        self.table.setAccessibleName("Personnes concernées")
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)
        self.table.setSortingEnabled(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        for col, width in ((0, 150), (1, 130), (2, 120), (3, 150)):
            self.table.setColumnWidth(col, width)
        self.table.itemActivated.connect(lambda item: self.open_row(item.row()))
        self.empty = EmptyState(
            "fa6s.user-slash",
            "Aucune personne derrière ce chiffre",
            "Aucune personne de votre file active n'est comptée ici sur cette période.",
        )
        self.stack = QStackedWidget()
        self.stack.addWidget(self.table)
        self.stack.addWidget(self.empty)
        layout.addWidget(self.stack, 1)
        buttons = QHBoxLayout()
        hint = named(QLabel("Double-cliquez (ou Entrée) pour ouvrir le dossier.", wordWrap=True), "muted")
        buttons.addWidget(hint, 1)
        self.csv_button = QPushButton(theme.icon("fa6s.file-csv"), "Exporter CSV")
        self.csv_button.setToolTip("Exporter la liste au format CSV (Ctrl+Maj+E)")
        self.xlsx_button = QPushButton(theme.icon("fa6s.file-excel"), "Exporter Excel")
        self.xlsx_button.setToolTip("Exporter la liste au format Excel (Ctrl+E)")
        close = QPushButton("Fermer")
        for button, slot in ((self.csv_button, lambda: self.export(".csv")),
                             (self.xlsx_button, lambda: self.export(".xlsx")), (close, self.accept)):  # fmt: skip
            button.setAutoDefault(False)
            button.clicked.connect(slot)
            buttons.addWidget(button)
        layout.addLayout(buttons)
        QShortcut(QKeySequence("Ctrl+E"), self, lambda: self.export(".xlsx"))
        QShortcut(QKeySequence("Ctrl+Shift+E"), self, lambda: self.export(".csv"))
        self._set_exports(False)
        fit_to_screen(self, 820, 520)
        self.load()

    # --- loading ------------------------------------------------------------------------------------------

    def load(self) -> None:
        from app.services.reporting import indicators

        period, key, code, referent = self.period, self.key, self.code, self.referent_id

        def job(w: WorkerContext) -> list[PersonLine]:
            return indicators.people_behind(w.db, period, key, referent_id=referent, code=code)

        self.ctx.worker.submit(job, self.show_lines, self._failed, owner=self)

    def _failed(self, exc: BaseException) -> None:
        self.count.setText("La liste n'a pas pu être calculée.")
        show_error(self, exc)

    def show_lines(self, lines: list[PersonLine]) -> None:
        self.lines = list(lines)
        self.table.setSortingEnabled(False)
        self.table.setRowCount(len(lines))
        for row, p in enumerate(lines):
            for col, text in enumerate((p.last_name, p.first_name, p.caf_number, p.commune, p.detail)):
                item = QTableWidgetItem(text or "")
                item.setData(PID_ROLE, p.person_id)
                self.table.setItem(row, col, item)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.count.setText(theme.plural(len(lines), "personne", "personnes") + f" — {self.period.label}")
        self.stack.setCurrentWidget(self.table if lines else self.empty)
        self._set_exports(bool(lines))
        if lines:
            self.table.selectRow(0)
            self.table.setFocus()

    def _set_exports(self, enabled: bool) -> None:
        self.csv_button.setEnabled(enabled)
        self.xlsx_button.setEnabled(enabled)

    # --- actions ------------------------------------------------------------------------------------------

    def open_row(self, row: int) -> None:
        item = self.table.item(row, 0)
        pid = item.data(PID_ROLE) if item is not None else None
        if pid:
            self.ctx.open_person(pid, None)

    def export(self, ext: str) -> None:
        if not self.lines:
            return
        kind = "CSV (*.csv)" if ext == ".csv" else "Classeur Excel (*.xlsx)"
        name = f"personnes-{safe_file_name(self.subject)}{ext}"
        path, _ = QFileDialog.getSaveFileName(self, "Exporter la liste des personnes", name, kind)
        if path:
            self.write(Path(path if path.lower().endswith(ext) else path + ext))

    def write(self, path: Path) -> None:
        lines, subject = list(self.lines), self.subject
        self.count.setText(f"Export en cours : {path.name}…")

        def job(w: WorkerContext) -> int:
            return indicators_export.export_people(
                w.db, lines, path, actor=current_actor(w.db), subject=subject
            )

        def done(count: int) -> None:
            self.count.setText(f"Exporté : {path} ({theme.plural(count, 'personne', 'personnes')}).")

        self.ctx.worker.submit(job, done, lambda exc: show_error(self, exc), writes=True, owner=self)
