"""Diagnostic tab: the form by section, « Enregistrer une nouvelle version » (Ctrl+S), the version history and
a readable diff between two versions. Unsaved changes survive tab switches and reloads; closing asks."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app.services.casefile import diagnostic
from app.services.casefile.diagnostic import DiagnosticState, DiffLine
from app.services.errors import ValidationError
from app.ui.kit import theme
from app.ui.kit.a11y import announce
from app.ui.kit.errors import show_error
from app.ui.kit.widgets import named, tool_row
from app.ui.kit.worker import WorkerContext
from app.ui.person.diagnostic.form import DiagnosticForm
from app.ui.shell.plugins import UiContext

_CHANGE_ICONS = {"added": "fa6s.plus", "changed": "fa6s.pen", "removed": "fa6s.minus"}


class DiagnosticTab(QWidget):
    def __init__(self, ctx: UiContext, person_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.person_id = ctx, person_id
        self.state: DiagnosticState | None = None
        self.dirty = False
        self.saving = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 10, 10, 10)
        self.status_icon = QLabel()
        self.status = QLabel("Chargement du diagnostic…")
        self.status.setAccessibleName("État du diagnostic")
        self.save_button = QPushButton(
            theme.icon("fa6s.floppy-disk", "#ffffff"), "Enregistrer une nouvelle version"
        )
        self.save_button.setProperty("primary", True)
        self.save_button.setToolTip("Enregistrer une nouvelle version du diagnostic (Ctrl+S)")
        self.save_button.clicked.connect(self.save)
        self.save_button.setEnabled(False)
        QShortcut(
            QKeySequence.StandardKey.Save,
            self,
            self.save,
            context=Qt.ShortcutContext.WidgetWithChildrenShortcut,
        )
        layout.addLayout(tool_row([self.status_icon, self.status], [self.save_button]))
        split = QSplitter()
        self.form = DiagnosticForm()
        self.form.changed.connect(self._edited)
        split.addWidget(self.form)
        split.addWidget(self._history_panel())
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        split.setSizes([760, 420])
        layout.addWidget(split, 1)
        self.reload()

    def _history_panel(self) -> QWidget:
        panel = QWidget()
        col = QVBoxLayout(panel)
        col.setContentsMargins(8, 0, 0, 0)
        col.addWidget(named(QLabel("Versions"), "h2"))
        hint = QLabel(
            "Sélectionnez une version pour voir ce qu'elle a changé, ou deux versions (Ctrl+clic) "
            "pour les comparer.",
            wordWrap=True,
        )
        hint.setProperty("muted", True)
        col.addWidget(hint)
        self.versions = QListWidget()
        self.versions.setAccessibleName("Historique des versions")
        self.versions.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.versions.itemSelectionChanged.connect(self._compare)
        self.versions.setMaximumHeight(190)
        self.versions.setWordWrap(True)
        col.addWidget(self.versions)
        self.diff_title = named(QLabel("Modifications", wordWrap=True), "h2")
        col.addWidget(self.diff_title)
        self.diff = QListWidget()
        self.diff.setAccessibleName("Modifications entre versions")
        self.diff.setWordWrap(True)
        self.diff.setIconSize(QSize(12, 12))
        col.addWidget(self.diff, 1)
        return panel

    # --- loading ------------------------------------------------------------------------------------------

    def reload(self) -> None:
        pid = self.person_id
        self.ctx.worker.submit(
            lambda c: diagnostic.load(c.db, pid), self._loaded, self._load_failed, owner=self
        )

    def _load_failed(self, exc: BaseException) -> None:
        self.status.setText("Diagnostic indisponible.")
        show_error(self, exc)

    def _loaded(self, state: DiagnosticState) -> None:
        self.state = state
        if not self.dirty:
            self.form.set_values(state.values)
        self.versions.blockSignals(True)
        self.versions.clear()
        for v in reversed(state.versions):
            origin = " · transmis par la CAF" if v.source == "caf" else ""
            item = QListWidgetItem(
                theme.icon("fa6s.file-lines"),
                f"Version {v.number} — {theme.fmt_datetime(v.recorded_at)} — {v.author or 'auteur inconnu'}{origin}",
            )
            item.setData(Qt.ItemDataRole.UserRole, v.number)
            self.versions.addItem(item)
        self.versions.blockSignals(False)
        if self.versions.count():
            self.versions.setCurrentRow(0)
        else:
            self._show_diff(
                [], "Aucune version enregistrée : remplissez le formulaire puis enregistrez (Ctrl+S)."
            )
        self._update_status()

    def _update_status(self) -> None:
        state = self.state
        if self.dirty:
            icon, text = ("fa6s.pen-to-square", theme.SOON), "Modifications non enregistrées"
        elif state and state.versions:
            last = state.versions[-1]
            icon = ("fa6s.circle-check", theme.OK)
            text = f"Version {last.number} du {theme.fmt_date(last.recorded_at)}, par {last.author or 'auteur inconnu'}"
        else:
            icon, text = ("fa6s.circle-info", theme.MUTED), "Aucun diagnostic enregistré pour l'instant"
        self.status_icon.setPixmap(theme.icon(*icon).pixmap(18, 18))
        self.status.setText(text)
        self.save_button.setEnabled(self.dirty and not self.saving)

    def _edited(self) -> None:
        self.dirty = True
        self._update_status()

    # --- diff ---------------------------------------------------------------------------------------------

    def _compare(self) -> None:
        numbers = sorted(int(i.data(Qt.ItemDataRole.UserRole)) for i in self.versions.selectedItems())
        if not numbers:
            return
        older, newer = (numbers[0], numbers[-1]) if len(numbers) > 1 else (numbers[0] - 1, numbers[0])
        title = (
            f"De la version {older} à la version {newer}" if older else f"Version {newer} (première version)"
        )
        pid = self.person_id

        def job(c: WorkerContext) -> list[DiffLine]:
            return diagnostic.version_diff(c.db, pid, older, newer)

        self.ctx.worker.submit(
            job, lambda lines: self._show_diff(lines, title), lambda e: show_error(self, e), owner=self
        )

    def _show_diff(self, lines: list[DiffLine], title: str) -> None:
        self.diff_title.setText(title)
        self.diff.clear()
        if not lines and self.versions.count():
            self.diff.addItem(QListWidgetItem("Aucune différence entre ces versions."))
        elif not lines:
            self.diff.addItem(QListWidgetItem(title))
        for line in lines:
            item = QListWidgetItem(theme.icon(_CHANGE_ICONS[line.change]), line.text)
            item.setToolTip({"added": "Ajouté", "changed": "Modifié", "removed": "Retiré"}[line.change])
            self.diff.addItem(item)

    # --- saving -------------------------------------------------------------------------------------------

    def save(self) -> None:
        if not self.dirty or self.saving:
            return
        values, pid = self.form.values(), self.person_id
        self.saving = True
        self._update_status()
        self.ctx.worker.submit(
            lambda c: diagnostic.save(c.db, pid, values),
            lambda n: self._saved(values),
            self._save_failed,
            writes=True,
            owner=self,
        )

    def _saved(self, values: dict[str, Any]) -> None:
        self.saving = False
        self.dirty = self.form.values() != values  # typed during the save: still to be saved
        self.ctx.changed(self.person_id)  # reloads this tab too
        announce("Diagnostic enregistré (nouvelle version)", source=self)
        self.reload()

    def _save_failed(self, exc: BaseException) -> None:
        self.saving = False
        self._update_status()
        if isinstance(exc, ValidationError) and exc.fields:
            exc = ValidationError("Le diagnostic n'a pas été enregistré : " + " ".join(exc.fields.values()))
        show_error(self, exc)

    # --- closing ------------------------------------------------------------------------------------------

    def has_unsaved_changes(self) -> bool:
        return self.dirty

    def confirm_close(self) -> bool:
        """Ask before discarding unsaved changes; True if the page may close."""
        if not self.dirty:
            return True
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Diagnostic non enregistré",
            "Le diagnostic a des modifications non enregistrées. Les enregistrer comme nouvelle version "
            "avant de fermer ?",
            parent=self,
        )
        save = box.addButton("Enregistrer", QMessageBox.ButtonRole.AcceptRole)
        drop = box.addButton("Abandonner les modifications", QMessageBox.ButtonRole.DestructiveRole)
        box.addButton("Annuler", QMessageBox.ButtonRole.RejectRole)
        box.exec()
        if box.clickedButton() is save:
            self.save()
            return True
        return box.clickedButton() is drop


def create_tab(ctx: UiContext, person_id: str) -> DiagnosticTab:
    return DiagnosticTab(ctx, person_id)
