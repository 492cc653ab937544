"""Carnet de bord tab: themes → objectives → actions → prescriptions in one tree.

« Nouvel objectif » (Ctrl+N), « Nouvelle action » (Ctrl+Shift+N) on the selected objective, « Nouvelle
prescription » on the selected action, status change from the context menu or Ctrl+E; quick entry
« thème : objectif » in a one-line field, or typing on the « Ajouter… » rows of the tree then Enter.
« Modifier… » (F2 or double-click) opens the objective or action dialog, or the outcome dialog of a
prescription; « Supprimer… » (Suppr) asks, naming what goes with it, then shows « … supprimé — Annuler »
for 10 seconds (Ctrl+Z), like a mail client: the undo restores the tombstoned rows.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QModelIndex, QPoint, Qt, QTimer
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QMessageBox,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.models.vocabularies.loader import load_vocabularies
from app.services.casefile.carnet import edits as records_carnet
from app.services.casefile.carnet import tree as carnet
from app.services.casefile.carnet.edits import Removal
from app.services.casefile.carnet.tree import CarnetTree, ObjectiveItem
from app.services.errors import ValidationError
from app.ui.kit import theme
from app.ui.kit.a11y import Level, announce
from app.ui.kit.errors import show_error
from app.ui.kit.widgets import EmptyState, FlowRow, named
from app.ui.kit.worker import WorkerContext
from app.ui.person.carnet.dialogs import ActionDialog, ObjectiveDialog, OutcomeDialog, PrescriptionDialog
from app.ui.person.carnet.model import (
    ID_ROLE,
    KIND_ROLE,
    NEW_ACTION,
    NEW_OBJECTIVE,
    PARENT_ROLE,
    STATUS_ICONS,
    STATUS_KINDS,
    AdderDelegate,
    CarnetModel,
    CarnetTreeView,
    quoted,
)
from app.ui.shell.plugins import UiContext

UNDO_MS = 10_000


class CarnetTab(QWidget):
    def __init__(self, ctx: UiContext, person_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.person_id = ctx, person_id
        self.tree_data: CarnetTree | None = None
        self.pending_select = ""
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 10, 10, 10)
        layout.addLayout(self._toolbar())
        self.quick_error = named(QLabel(wordWrap=True), "error")
        self.quick_error.hide()
        layout.addWidget(self.quick_error)
        layout.addWidget(self._undo_bar())
        self.stack = QStackedWidget()
        self.empty = EmptyState(
            "fa6s.book-open",
            "Carnet de bord vide",
            "Ajoutez un premier objectif : « Nouvel objectif » (Ctrl+N), ou tapez « thème : objectif » "
            "dans le champ ci-dessus puis Entrée (par exemple « Logement : trouver un T2 »).",
        )
        self.view = CarnetTreeView()
        self.view.setAccessibleName("Carnet de bord : thèmes, objectifs, actions")
        self.model = CarnetModel(self)
        self.model.on_add = self._typed_in_tree
        self.view.setModel(self.model)
        self.view.setAlternatingRowColors(True)
        self.view.setItemDelegate(AdderDelegate(self.view))
        triggers = QAbstractItemView.EditTrigger
        self.view.setEditTriggers(triggers.DoubleClicked | triggers.EditKeyPressed | triggers.AnyKeyPressed)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._context_menu)
        self.view.doubleClicked.connect(self._double_clicked)
        self.view.selectionModel().currentChanged.connect(lambda *_: self._update_buttons())
        self.stack.addWidget(self.empty)
        self.stack.addWidget(self.view)
        layout.addWidget(self.stack, 1)
        self._shortcuts()
        self._update_buttons()
        self.reload()

    def _toolbar(self) -> QHBoxLayout:
        bar = QHBoxLayout()
        self.quick = QLineEdit(placeholderText="Saisie rapide : « thème : objectif » puis Entrée")
        self.quick.setAccessibleName("Saisie rapide d'un objectif")
        self.quick.setMinimumWidth(self.quick.fontMetrics().averageCharWidth() * 24)  # the buttons wrap first
        self.quick.returnPressed.connect(self.quick_add)
        bar.addWidget(self.quick, 1)
        self.new_objective = QPushButton(theme.icon("fa6s.plus", "#ffffff"), "Nouvel objectif")
        self.new_objective.setProperty("primary", True)
        self.new_objective.setToolTip("Nouvel objectif (Ctrl+N)")
        self.new_objective.clicked.connect(self.add_objective)
        self.new_action = QPushButton(theme.icon("fa6s.list-check"), "Nouvelle action")
        self.new_action.setToolTip("Nouvelle action sur l'objectif sélectionné (Ctrl+Maj+N)")
        self.new_action.clicked.connect(self.add_action)
        self.new_prescription = QPushButton(theme.icon("fa6s.share-from-square"), "Nouvelle prescription")
        self.new_prescription.setToolTip("Prescrire la personne sur une action (sélectionnez l'action)")
        self.new_prescription.clicked.connect(self.add_prescription)
        self.status_button = QPushButton(theme.icon("fa6s.arrows-rotate"), "Statut…")
        self.status_button.setToolTip("Changer le statut de l'élément sélectionné (Ctrl+E ou clic droit)")
        self.status_button.clicked.connect(
            lambda: self._context_menu(self.view.visualRect(self.view.currentIndex()).center())
        )
        self.edit_button = QPushButton(theme.icon("fa6s.pen"), "")
        self.edit_button.setAccessibleName("Modifier…")
        self.edit_button.setToolTip("Modifier l'élément sélectionné (F2 ou double-clic)")
        self.edit_button.clicked.connect(self.edit_selected)
        self.remove_button = QPushButton(theme.icon("fa6s.trash-can"), "")
        self.remove_button.setAccessibleName("Supprimer…")
        self.remove_button.setToolTip("Supprimer l'objectif ou l'action sélectionné (Suppr)")
        self.remove_button.clicked.connect(self.remove_selected)
        buttons = (
            QWidget()
        )  # they wrap under each other when the room is short (200 % text); the field stretches
        row = FlowRow(buttons)
        for b in (
            self.new_objective,
            self.new_action,
            self.new_prescription,
            self.status_button,
            self.edit_button,
            self.remove_button,
        ):
            row.addWidget(b)
        bar.addWidget(buttons, 0, Qt.AlignmentFlag.AlignTop)
        return bar

    def _undo_bar(self) -> QFrame:
        self.undo_bar = named(QFrame(), "undo")
        self.undo_bar.setStyleSheet(
            f"QFrame#undo {{ background: {theme.ACCENT_SOFT}; border: 1px solid {theme.ACCENT};"
            " border-radius: 6px; }"
        )
        self.undo_bar.setAccessibleName("Suppression annulable")
        row = QHBoxLayout(self.undo_bar)
        row.setContentsMargins(10, 4, 6, 4)
        icon = QLabel()
        icon.setPixmap(theme.icon("fa6s.trash-can").pixmap(16, 16))
        row.addWidget(icon)
        self.undo_label = QLabel()
        row.addWidget(self.undo_label, 1)
        self.undo_button = QPushButton(theme.icon("fa6s.rotate-left"), "Annuler")
        self.undo_button.setToolTip("Rétablir ce qui vient d'être supprimé (Ctrl+Z)")
        self.undo_button.clicked.connect(self.undo_removal)
        row.addWidget(self.undo_button)
        self.undo_timer = QTimer(self, singleShot=True, interval=UNDO_MS)
        self.undo_timer.timeout.connect(self._hide_undo)
        self.last_removal: Removal | None = None
        self.undo_bar.hide()
        return self.undo_bar

    def _shortcuts(self) -> None:
        scope = Qt.ShortcutContext.WidgetWithChildrenShortcut
        QShortcut(QKeySequence("Ctrl+N"), self, self.add_objective, context=scope)
        QShortcut(QKeySequence("Ctrl+Shift+N"), self, self.add_action, context=scope)
        QShortcut(QKeySequence("Ctrl+E"), self, self.status_button.click, context=scope)
        QShortcut(
            QKeySequence("F2"), self.view, self.edit_selected, context=Qt.ShortcutContext.WidgetShortcut
        )
        QShortcut(
            QKeySequence(QKeySequence.StandardKey.Delete),
            self.view,
            self.remove_selected,
            context=Qt.ShortcutContext.WidgetShortcut,
        )
        QShortcut(QKeySequence(QKeySequence.StandardKey.Undo), self, self.undo_removal, context=scope)

    # --- loading ------------------------------------------------------------------------------------------

    def reload(self) -> None:
        pid = self.person_id
        self.ctx.worker.submit(
            lambda c: carnet.load_carnet(c.db, pid), self._loaded, lambda e: show_error(self, e), owner=self
        )

    def _loaded(self, tree: CarnetTree) -> None:
        current = self.selected()
        self.tree_data = tree
        self.model.blockSignals(True)
        self.model.fill(tree)
        self.model.blockSignals(False)
        self.model.layoutChanged.emit()
        self.view.expandAll()
        self.view.setColumnWidth(0, 440)
        self.view.setColumnWidth(1, 190)
        self.view.setColumnWidth(2, 330)
        self.stack.setCurrentWidget(self.empty if tree.is_empty else self.view)
        if not (self.pending_select and self.select(self.pending_select)) and current[1]:
            self.select(current[1])
        self.pending_select = ""
        self._update_buttons()

    # --- selection ----------------------------------------------------------------------------------------

    def selected(self) -> tuple[str, str]:
        index = self.view.currentIndex().siblingAtColumn(0)
        return (index.data(KIND_ROLE) or "", index.data(ID_ROLE) or "") if index.isValid() else ("", "")

    def select(self, item_id: str) -> bool:
        hits = self.model.match(
            self.model.index(0, 0),
            ID_ROLE,
            item_id,
            1,
            Qt.MatchFlag.MatchExactly | Qt.MatchFlag.MatchRecursive,
        )
        if hits:
            self.view.setCurrentIndex(hits[0])
        return bool(hits)

    def _selected_objective(self) -> ObjectiveItem | None:
        kind, item_id = self.selected()
        index = self.view.currentIndex().siblingAtColumn(0)
        if kind == NEW_ACTION:
            item_id = index.data(PARENT_ROLE)
        elif kind in ("action", "prescription"):
            while index.isValid() and index.data(KIND_ROLE) != "objective":
                index = index.parent()
            item_id = index.data(ID_ROLE) if index.isValid() else ""
        return self.tree_data.objective(item_id) if self.tree_data and item_id else None

    def _update_buttons(self) -> None:
        kind, _ = self.selected()
        self.new_action.setEnabled(self._selected_objective() is not None)
        self.status_button.setEnabled(kind in STATUS_KINDS)
        self.edit_button.setEnabled(kind in STATUS_KINDS)
        self.remove_button.setEnabled(kind in ("objective", "action"))

    # --- writes -------------------------------------------------------------------------------------------

    def _write(
        self,
        job: Callable[[WorkerContext], Any],
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
        said: str = "Carnet de bord enregistré",
    ) -> None:
        def done(result: Any) -> None:
            if on_done is not None:
                on_done(result)
            announce(said, source=self)
            if isinstance(result, str):
                self.pending_select = result
            self.ctx.changed(self.person_id)
            self.reload()

        self.ctx.worker.submit(
            job, done, on_error or (lambda e: show_error(self, e)), writes=True, owner=self
        )

    def _open(self, dialog: Any) -> None:
        """Show a carnet dialog; once it saved, select what it created and reload the tree."""

        def saved() -> None:
            if isinstance(dialog.result_value, str):
                self.pending_select = dialog.result_value
            self.reload()

        self.dialog = dialog
        dialog.accepted.connect(saved)
        dialog.open()

    def _contracts(self) -> list[tuple[str, str]]:
        return [(c.id, c.label) for c in self.tree_data.contracts] if self.tree_data else []

    def add_objective(self) -> None:
        kind, item_id = self.selected()
        theme_code = item_id if kind == "theme" else None
        self._open(ObjectiveDialog(self.ctx, self.person_id, self._contracts(), theme_code, self))

    def add_action(self) -> None:
        objective = self._selected_objective()
        if objective is None:
            return
        people = self.tree_data.assignees if self.tree_data else ()
        self._open(
            ActionDialog(self.ctx, self.person_id, objective.id, objective.title, self, assignees=people)
        )

    def add_prescription(self) -> None:
        kind, item_id = self.selected()
        action_id = item_id if kind == "action" else None
        label = self.view.currentIndex().siblingAtColumn(0).data() if action_id else None
        self._open(PrescriptionDialog(self.ctx, self.person_id, action_id, label, self))

    def _find(self, kind: str, item_id: str) -> Any:
        """The loaded item (objective, action or prescription) of that id, or None."""
        if self.tree_data is None:
            return None
        prescriptions = list(self.tree_data.other_prescriptions)
        for group in self.tree_data.themes:
            for o in group.objectives:
                if kind == "objective" and o.id == item_id:
                    return o
                for a in o.actions:
                    if kind == "action" and a.id == item_id:
                        return a
                    prescriptions += a.prescriptions
        return next((p for p in prescriptions if kind == "prescription" and p.id == item_id), None)

    def _double_clicked(self, index: QModelIndex) -> None:
        if index.siblingAtColumn(0).data(KIND_ROLE) in STATUS_KINDS:  # « Ajouter… » rows edit in place
            self.edit_selected()

    def edit_selected(self, outcome: str | None = None) -> None:
        """« Modifier… » (F2, double-click): the dialog of the selected objective, action or prescription."""
        kind, item_id = self.selected()
        index = self.view.currentIndex().siblingAtColumn(0)
        if kind in (NEW_OBJECTIVE, NEW_ACTION):
            self.view.edit(index)
            return
        item = self._find(kind, item_id)
        if item is None:
            return
        if kind == "objective":
            self._open(
                ObjectiveDialog(self.ctx, self.person_id, self._contracts(), parent=self, objective=item)
            )
        elif kind == "action":
            objective = self.tree_data.objective(item.objective_id) if self.tree_data else None
            title = objective.title if objective else ""
            people = self.tree_data.assignees if self.tree_data else ()
            self._open(ActionDialog(self.ctx, self.person_id, item.objective_id, title, self, action=item,
                                    assignees=people))  # fmt: skip
        elif kind == "prescription":
            self._open(OutcomeDialog(self.ctx, self.person_id, item, outcome, self))

    # --- removal and undo ---------------------------------------------------------------------------------

    def removal_text(self, kind: str, item: Any) -> tuple[str, str]:
        """The question and the details of the confirmation: what goes with ``item`` and what stays."""
        where = "sous « Prescriptions hors plan d'action »"
        undo = "Vous pourrez annuler pendant 10 secondes."
        if kind == "action":
            n = len(item.prescriptions)
            kept = (
                f"Sa prescription est conservée (rangée {where}). "
                if n == 1
                else f"Ses {n} prescriptions sont conservées (rangées {where}). "
                if n
                else ""
            )
            return f"Supprimer l'action « {item.label} » ?", kept + undo
        actions = [a.label for a in item.actions]
        question = f"Supprimer l'objectif « {item.title} »"
        details = ""
        if len(actions) == 1:
            question += " et son action ?"
            details = f"L'action {quoted(actions)} est supprimée avec lui. "
        elif actions:
            question += f" et ses {len(actions)} actions ?"
            details = f"Les actions {quoted(actions)} sont supprimées avec lui. "
        else:
            question += " ?"
        n = sum(len(a.prescriptions) for a in item.actions)
        if n == 1:
            details += f"La prescription liée est conservée (rangée {where}). "
        elif n:
            details += f"Les {n} prescriptions liées sont conservées (rangées {where}). "
        if item.contract_label:
            details += f"Le contrat {item.contract_label} garde son texte : l'objectif y reste lisible. "
        return question, details + undo

    def confirm_removal(self, title: str, question: str, details: str) -> bool:
        box = QMessageBox(QMessageBox.Icon.Warning, title, question, parent=self)
        box.setInformativeText(details)
        remove = box.addButton("Supprimer", QMessageBox.ButtonRole.DestructiveRole)
        remove.setIcon(theme.icon("fa6s.trash-can"))
        cancel = box.addButton("Annuler", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(cancel)
        box.exec()
        return box.clickedButton() is remove

    def remove_selected(self) -> None:
        """« Supprimer… » (Suppr): confirm, naming the children, then tombstone and offer the undo."""
        kind, item_id = self.selected()
        if kind not in ("objective", "action"):
            return
        item = self._find(kind, item_id)
        if item is None:
            return
        title = "Supprimer l'objectif ?" if kind == "objective" else "Supprimer l'action ?"
        if not self.confirm_removal(title, *self.removal_text(kind, item)):
            return
        if kind == "objective":
            count = len(item.actions)
            job: Callable[[WorkerContext], Any] = lambda c: records_carnet.remove_objective(  # noqa: E731
                c.db, item_id, with_actions=count
            )
        else:
            job = lambda c: records_carnet.remove_action(c.db, item_id)  # noqa: E731

        def failed(exc: BaseException) -> None:  # e.g. an action added meanwhile: show the tree as it is now
            show_error(self, exc)
            self.reload()

        self._write(job, self._removed, failed)

    def _removed(self, removal: Removal) -> None:
        self.last_removal = removal
        self.undo_label.setText(f"{removal.message} — « {removal.label} »")
        self.undo_button.setEnabled(True)
        self.undo_bar.show()
        self.undo_timer.start()

    def _hide_undo(self) -> None:
        self.undo_timer.stop()
        self.undo_bar.hide()
        self.last_removal = None

    def undo_removal(self) -> None:
        """« Annuler » on the undo bar (Ctrl+Z): restore what the last removal tombstoned."""
        removal = self.last_removal
        if removal is None or not self.undo_bar.isVisibleTo(self):
            return
        self.undo_button.setEnabled(False)
        restore = (
            records_carnet.restore_objective if removal.kind == "objective" else records_carnet.restore_action
        )

        def failed(exc: BaseException) -> None:
            self.undo_button.setEnabled(True)
            show_error(self, exc)

        def done(_r: Any) -> None:
            self._hide_undo()
            self.pending_select = removal.id

        self._write(lambda c: restore(c.db, removal.id), done, failed)

    def quick_add(self) -> None:
        text, pid = self.quick.text(), self.person_id
        self.quick_error.hide()

        def failed(exc: BaseException) -> None:
            if isinstance(exc, ValidationError) and "quick" in exc.fields:
                self.quick_error.setText(exc.fields["quick"])
                self.quick_error.show()
                announce(exc.fields["quick"], Level.WARNING, source=self.quick_error)
            else:
                show_error(self, exc)

        self._write(
            lambda c: carnet.quick_add_objective(c.db, pid, text), lambda _r: self.quick.clear(), failed,
            said=f"Objectif ajouté au carnet : {text}",
        )  # fmt: skip

    def _typed_in_tree(self, kind: str, parent_id: str, text: str) -> None:
        pid = self.person_id
        if kind == NEW_OBJECTIVE:
            self._write(lambda c: records_carnet.add_objective(c.db, pid, theme=parent_id, title=text))
        else:
            self._write(lambda c: records_carnet.add_action(c.db, parent_id, label=text))

    def set_status(self, kind: str, item_id: str, status: str) -> None:
        """A new status; a prescription's outcome goes through the outcome dialog (its date)."""
        if kind == "prescription":
            if self.selected() != (kind, item_id):
                self.select(item_id)
            self.edit_selected(status)
            return
        if kind == "objective":
            self._write(lambda c: records_carnet.set_objective_status(c.db, item_id, status))
        else:
            self._write(lambda c: records_carnet.set_action_status(c.db, item_id, status))

    def _context_menu(self, pos: QPoint) -> None:
        index = self.view.indexAt(pos) if pos is not None else QModelIndex()
        if index.isValid():
            self.view.setCurrentIndex(index)
        kind, item_id = self.selected()
        if kind not in STATUS_KINDS:
            return
        menu = QMenu(self)
        current = self.view.currentIndex().siblingAtColumn(1).data()
        for entry in load_vocabularies().choices(STATUS_KINDS[kind]):
            action = menu.addAction(theme.icon(STATUS_ICONS.get(entry.code, "fa6s.circle")), entry.label)
            action.setCheckable(True)
            action.setChecked(current is not None and current.startswith(entry.label))
            action.triggered.connect(lambda _=False, code=entry.code: self.set_status(kind, item_id, code))
        menu.addSeparator()
        edit = menu.addAction(
            theme.icon("fa6s.pen"), "Date du résultat…" if kind == "prescription" else "Modifier…"
        )
        edit.setShortcut(QKeySequence("F2"))
        edit.triggered.connect(lambda _=False: self.edit_selected())
        if kind in ("objective", "action"):
            remove = menu.addAction(theme.icon("fa6s.trash-can"), "Supprimer…")
            remove.setShortcut(QKeySequence(QKeySequence.StandardKey.Delete))
            remove.triggered.connect(lambda _=False: self.remove_selected())
        self.menu = menu
        menu.popup(self.view.viewport().mapToGlobal(pos))


def create_tab(ctx: UiContext, person_id: str) -> CarnetTab:
    return CarnetTab(ctx, person_id)
