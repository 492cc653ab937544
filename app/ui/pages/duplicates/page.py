"""« Doublons possibles »: two files that may be the same person, side by side, and the référent's decision.

The list on the left holds every pair waiting (:func:`app.services.people.duplicates.list_duplicates`); the
comparison on the right shows both files field by field, differences marked (« ≠ » and bold, never colour
alone), with what each file holds (orientations, RDV, notes…). « Même personne » merges the other file into
the one kept — its whole history follows, the values ticked in the table are kept — after a confirmation
spelling out the consequence; « Personnes différentes » records that they are two people: the pair is never
proposed again, here or on another device. Both decisions are in the audit trail and synchronised.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QFont, QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QRadioButton,
    QSplitter,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.services.errors import VaultLockedError
from app.services.people import duplicates, merge
from app.services.people.duplicates import FIELD_LABELS, DuplicateView
from app.services.people.identity import current_actor
from app.ui.kit import theme
from app.ui.kit.errors import show_error
from app.ui.kit.widgets import EmptyState, named, tool_row
from app.ui.kit.worker import WorkerContext
from app.ui.shell.other_pages import PAGES
from app.ui.shell.plugins import UiContext

FIELD_ROLE = Qt.ItemDataRole.UserRole + 1
CHOICE_ROLE = Qt.ItemDataRole.UserRole + 2  # True on the cells whose value can be chosen
DIFF_BRUSH = QBrush(QColor("#fdf3e1"))
STATUS_LABELS = {"active": "suivi en cours", "exited": "sorti", "archived": "archivé"}
HINT = (
    "Ces dossiers se ressemblent sans correspondre exactement (même NIR, ou mêmes nom, prénom et date de "
    "naissance, ou même n° allocataire, prénom et date de naissance). Comparez-les, puis décidez : rien n'a été "
    "fusionné ni modifié sans vous."
)


def _choice(item: QTableWidgetItem) -> bool:
    return bool(item.data(CHOICE_ROLE))


class ComparisonTable(QTableWidget):
    """Field | file 1 | file 2; for each field that differs, the value to keep is ticked (one per row)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, 3, parent)
        self.setAccessibleName("Comparaison des deux dossiers")
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.verticalHeader().hide()
        self.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.view: DuplicateView | None = None
        self.kept = 1
        self._updating = False
        self.itemChanged.connect(self._exclusive)

    def show_pair(self, view: DuplicateView, kept: int) -> None:
        self.view = view
        self._updating = True
        self.clear()
        a, b = view.first, view.second
        self.setHorizontalHeaderLabels(
            [
                "Champ",
                f"Dossier 1 — créé le {theme.fmt_date(a.created_at)}",
                f"Dossier 2 — créé le {theme.fmt_date(b.created_at)}",
            ]
        )
        rows: list[tuple[str, str, str, str | None]] = [
            (FIELD_LABELS[f], a.values[f], b.values[f], f) for f in FIELD_LABELS if a.values[f] or b.values[f]
        ]
        rows += [
            ("Référent", a.referent or "—", b.referent or "—", None),
            ("Statut", STATUS_LABELS.get(a.status, a.status), STATUS_LABELS.get(b.status, b.status), None),
            (
                "Dernier contact",
                theme.fmt_date(a.last_contact_date) or "—",
                theme.fmt_date(b.last_contact_date) or "—",
                None,
            ),
            ("Historique", a.history_text, b.history_text, None),
        ]
        self.setRowCount(len(rows))
        bold = QFont(self.font())
        bold.setBold(True)
        for r, (label, left, right, field) in enumerate(rows):
            differs = field is not None and field in view.differing
            head = QTableWidgetItem(("≠ " if differs else "") + label)
            if differs:
                head.setFont(bold)
                head.setToolTip("Les deux dossiers diffèrent : cochez la valeur à garder.")
            self.setItem(r, 0, head)
            for col, text in ((1, left), (2, right)):
                cell = QTableWidgetItem(text or "—")
                cell.setData(FIELD_ROLE, field)
                if differs:
                    cell.setBackground(DIFF_BRUSH)
                    if text:
                        cell.setFlags(cell.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                        cell.setCheckState(Qt.CheckState.Unchecked)
                        cell.setData(CHOICE_ROLE, True)
                self.setItem(r, col, cell)
        self._updating = False
        self.set_kept(kept)
        self.resizeRowsToContents()

    def set_kept(self, kept: int) -> None:
        """Tick the kept file's values, or the other's where the kept file has none."""
        self.kept = kept
        other = 3 - kept
        self._updating = True
        for r in range(self.rowCount()):
            mine, theirs = self.item(r, kept), self.item(r, other)
            if mine is None or theirs is None or not (_choice(mine) or _choice(theirs)):
                continue
            take_theirs = not _choice(mine)
            if _choice(mine):
                mine.setCheckState(Qt.CheckState.Unchecked if take_theirs else Qt.CheckState.Checked)
            if _choice(theirs):
                theirs.setCheckState(Qt.CheckState.Checked if take_theirs else Qt.CheckState.Unchecked)
        self._updating = False

    def _exclusive(self, item: QTableWidgetItem) -> None:
        if (
            self._updating
            or item.column() not in (1, 2)
            or not (item.flags() & Qt.ItemFlag.ItemIsUserCheckable)
        ):
            return
        self._updating = True
        other = self.item(item.row(), 3 - item.column())
        checked = item.checkState() == Qt.CheckState.Checked
        if other is not None and other.flags() & Qt.ItemFlag.ItemIsUserCheckable:
            other.setCheckState(Qt.CheckState.Unchecked if checked else Qt.CheckState.Checked)
        elif not checked:
            item.setCheckState(Qt.CheckState.Checked)  # the only value: it stays
        self._updating = False

    def taken(self) -> list[str]:
        """The fields whose ticked value is the other file's (they go to the kept one)."""
        other = 3 - self.kept
        out = []
        for r in range(self.rowCount()):
            cell = self.item(r, other)
            if cell is not None and _choice(cell) and cell.checkState() == Qt.CheckState.Checked:
                out.append(str(cell.data(FIELD_ROLE)))
        return out


class DuplicatesPage(QWidget):
    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.views: list[DuplicateView] = []
        self._notice = ""
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 10, 10, 6)
        layout.setSpacing(10)
        top = QHBoxLayout()
        top.addWidget(named(QLabel("Doublons possibles"), "title"))
        top.addSpacing(16)
        self.count = named(QLabel(), "muted")
        top.addWidget(self.count, 0, Qt.AlignmentFlag.AlignBottom)
        top.addStretch(1)
        refresh = QPushButton(theme.icon("fa6s.rotate"), "Actualiser")
        refresh.setToolTip("Rechercher de nouveau les doublons possibles (F5)")
        refresh.clicked.connect(self.reload)
        top.addWidget(refresh)
        layout.addLayout(top)
        hint = QLabel(HINT, wordWrap=True)
        hint.setProperty("muted", True)
        layout.addWidget(hint)
        self.stack = QStackedWidget()
        self.stack.addWidget(self._build_work())
        self.empty = EmptyState("fa6s.circle-check", *PAGES["doublons"][2:])
        self.stack.addWidget(self.empty)
        layout.addWidget(self.stack, 1)
        QShortcut(QKeySequence(QKeySequence.StandardKey.Refresh), self, self.reload)

    def _build_work(self) -> QWidget:
        split = QSplitter(Qt.Orientation.Horizontal)
        self.pairs = QListWidget()
        self.pairs.setAccessibleName("Paires à examiner")
        self.pairs.setMinimumWidth(260)
        self.pairs.setWordWrap(True)
        self.pairs.currentRowChanged.connect(self._select)
        split.addWidget(self.pairs)
        right = QWidget()
        box = QVBoxLayout(right)
        box.setContentsMargins(6, 0, 0, 0)
        self.reason = QLabel(wordWrap=True)
        bold = QFont(self.reason.font())
        bold.setBold(True)
        self.reason.setFont(bold)
        box.addWidget(self.reason)
        self.table = ComparisonTable()
        box.addWidget(self.table, 1)
        how = QLabel(
            "Pour chaque différence (≠), cochez la valeur à garder. Le dossier conservé reçoit tout l'historique "
            "de l'autre (orientations, rendez-vous, notes, contrats, documents, journal).",
            wordWrap=True,
        )
        how.setProperty("muted", True)
        box.addWidget(how)
        keep: list[QWidget] = [QLabel("Dossier à conserver :")]
        self.keep_group = QButtonGroup(self)
        for n in (1, 2):
            radio = QRadioButton(f"Dossier {n}")
            self.keep_group.addButton(radio, n)
            keep.append(radio)
        self.keep_group.idToggled.connect(lambda n, on: self.table.set_kept(n) if on else None)
        opens: list[QWidget] = []
        for n in (1, 2):
            button = QPushButton(theme.icon("fa6s.folder-open"), f"Ouvrir le dossier {n}")
            button.clicked.connect(lambda _c=False, n=n: self._open(n))
            opens.append(button)
        box.addLayout(tool_row(keep, opens))  # rows that wrap (200 % text)
        self.status = named(QLabel(wordWrap=True), "muted")
        self.different_button = QPushButton(theme.icon("fa6s.user-xmark"), "&Personnes différentes")
        self.different_button.setToolTip(
            "Ce sont deux personnes : la paire ne sera plus proposée, sur aucun poste"
        )
        self.different_button.clicked.connect(self.declare_different)
        self.merge_button = QPushButton(
            theme.icon("fa6s.code-merge", "#ffffff"), "&Même personne : fusionner…"
        )
        self.merge_button.setProperty("primary", True)
        self.merge_button.setToolTip("Rattacher tout l'historique de l'autre dossier au dossier conservé")
        self.merge_button.clicked.connect(self.confirm_merge)
        box.addWidget(self.status)
        box.addLayout(tool_row([], [self.different_button, self.merge_button]))
        split.addWidget(right)
        split.setStretchFactor(1, 3)
        split.setSizes([300, 900])
        return split

    # --- loading ------------------------------------------------------------------------------------------

    def reload(self) -> None:
        self.ctx.worker.submit(
            lambda w: duplicates.list_duplicates(w.db), self._show, self._failed, owner=self
        )

    def _failed(self, exc: BaseException) -> None:
        if not isinstance(exc, VaultLockedError):
            show_error(self, exc)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.reload()

    def update_status(self, info: Any, lock_minutes: int) -> None:
        if self.isVisible() and getattr(info, "duplicates", None) != len(self.views):
            self.reload()

    def _show(self, views: list[DuplicateView]) -> None:
        current = (
            self.views[self.pairs.currentRow()].key
            if 0 <= self.pairs.currentRow() < len(self.views)
            else None
        )
        self.views = views
        self.pairs.blockSignals(True)
        self.pairs.clear()
        for v in views:
            item = QListWidgetItem(f"{v.first.name}  ·  {v.second.name}\n{v.reason}")
            item.setIcon(theme.icon("fa6s.people-arrows"))
            item.setToolTip(v.reason)
            self.pairs.addItem(item)
        self.pairs.blockSignals(False)
        if not views:
            self.count.setText(self._notice)
            self._notice = ""
            self.stack.setCurrentWidget(self.empty)
            return
        self.count.setText(theme.plural(len(views), "paire à examiner", "paires à examiner"))
        self.stack.setCurrentIndex(0)
        keys = [v.key for v in views]
        self.pairs.setCurrentRow(keys.index(current) if current in keys else 0)
        self._select(self.pairs.currentRow())

    def _select(self, row: int) -> None:
        if not 0 <= row < len(self.views):
            return
        view = self.views[row]
        self.reason.setText(f"Doublon possible : {view.reason}.")
        kept = 2 if sum(view.second.history.values()) > sum(view.first.history.values()) else 1
        self.table.show_pair(view, kept)
        self.keep_group.button(kept).setChecked(True)
        self.status.setText(self._notice)
        self._notice = ""
        for button in (self.merge_button, self.different_button):
            button.setEnabled(True)

    def _current(self) -> DuplicateView | None:
        row = self.pairs.currentRow()
        return self.views[row] if 0 <= row < len(self.views) else None

    def _open(self, n: int) -> None:
        view = self._current()
        if view is not None:
            self.ctx.open_person((view.first if n == 1 else view.second).id, None)

    # --- decisions ----------------------------------------------------------------------------------------

    def declare_different(self) -> None:
        view = self._current()
        if view is None:
            return
        a, b = view.first.id, view.second.id
        self._busy("Enregistrement : personnes différentes…")
        self.ctx.worker.submit(
            lambda w: merge.declare_different(w.db, a, b, actor=current_actor(w.db)),
            lambda _r: self._decided(
                "Enregistré : deux personnes différentes. Cette paire ne sera plus proposée."
            ),
            self._decision_failed,
            writes=True,
            owner=self,
        )

    def confirm_merge(self) -> None:
        view = self._current()
        if view is None:
            return
        kept_n = self.table.kept
        kept, other = (view.first, view.second) if kept_n == 1 else (view.second, view.first)
        taken = [FIELD_LABELS[f].lower() for f in self.table.taken()]
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Fusionner les deux dossiers",
            f"Le dossier {3 - kept_n} ({other.name}) sera fusionné dans le dossier {kept_n} ({kept.name}).",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            self,
        )
        box.setInformativeText(
            f"Tout son historique ({other.history_text}) sera rattaché au dossier conservé, puis il sera "
            "supprimé. "
            + (f"Valeurs reprises du dossier fusionné : {', '.join(taken)}. " if taken else "")
            + "La décision est enregistrée dans le journal et transmise au département ; elle ne peut pas être "
            "annulée ici."
        )
        box.button(QMessageBox.StandardButton.Yes).setText("Fusionner")
        box.button(QMessageBox.StandardButton.Cancel).setText("Annuler")
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.accepted.connect(lambda: self.merge(kept.id, other.id, self.table.taken()))
        box.open()
        self._confirm = box

    def merge(self, kept_id: str, merged_id: str, take: list[str]) -> None:
        self._busy("Fusion des dossiers…")

        def job(w: WorkerContext) -> merge.MergeResult:
            return merge.merge_people(w.db, kept_id, merged_id, actor=current_actor(w.db), take=take)

        def done(result: merge.MergeResult) -> None:
            rows = sum(result.rows.values())
            self._decided(
                f"Dossiers fusionnés : {theme.plural(rows, 'ligne rattachée', 'lignes rattachées')}."
            )

        self.ctx.worker.submit(job, done, self._decision_failed, writes=True, owner=self)

    def _busy(self, text: str) -> None:
        self.status.setText(text)
        for button in (self.merge_button, self.different_button):
            button.setEnabled(False)

    def _decided(self, text: str) -> None:
        self._notice = text
        self.status.setText(text)
        self.reload()
        self.ctx.changed(None)

    def _decision_failed(self, exc: BaseException) -> None:
        self.status.setText("")
        for button in (self.merge_button, self.different_button):
            button.setEnabled(True)
        show_error(self, exc)


def create_page(ctx: UiContext) -> DuplicatesPage:
    return DuplicatesPage(ctx)
