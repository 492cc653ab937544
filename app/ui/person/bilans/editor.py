"""The bilan editor (ADR 0050): a new bilan pre-filled from the carnet and the contract, or a draft edited again.

Two columns so it fits a 1,280 × 720 screen: on the left the moment, the date, the contract reviewed and each
objective with how far it was reached; on the right what helped, what blocked, the person's own words, who took
part (a tripartite bilan: partner, prescriber, co-accompanying professional) and the recommendation. « Enregistrer »
keeps a draft (Ctrl+S); finalising is a separate step of the tab, once the bilan is held.
"""

from __future__ import annotations

from functools import partial

from PySide6.QtCore import Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QMenu,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from app.models.enums import BilanRecommendation, BilanResult, Track
from app.models.vocabularies.loader import load_vocabularies
from app.services.bilans import records
from app.services.bilans.prefill import BilanModel
from app.services.bilans.values import BilanInput, BilanView, ObjectiveReview, Participant
from app.services.people.identity import current_actor
from app.ui.kit import theme
from app.ui.kit.forms import DateField, FollowupDialog, Job, error_label
from app.ui.kit.worker import WorkerContext
from app.ui.shell.plugins import UiContext

ID_ROLE = Qt.ItemDataRole.UserRole
RESULTS = (BilanResult.REACHED, BilanResult.PARTLY, BilanResult.NOT_REACHED)


def _text_edit(placeholder: str, name: str, height: int = 62) -> QPlainTextEdit:
    edit = QPlainTextEdit(placeholderText=placeholder)
    edit.setAccessibleName(name)
    edit.setTabChangesFocus(True)
    edit.setFixedHeight(height)
    return edit


class ObjectivesTable(QTableWidget):
    """One row per objective reviewed: title (editable; its theme in the tooltip), result, comment."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, 3, parent)
        self.vocab = load_vocabularies()
        self.setHorizontalHeaderLabels(["Objectif", "Atteinte", "Commentaire"])
        self.setAccessibleName("Objectifs passés en revue")
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setTabKeyNavigation(False)
        self.setWordWrap(True)
        self.verticalHeader().hide()
        header = self.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Fixed)
        self.setColumnWidth(1, 150)

    def add(self, o: ObjectiveReview) -> None:
        row = self.rowCount()
        self.insertRow(row)
        title = QTableWidgetItem(o.title)
        title.setData(ID_ROLE, (o.objective_id, o.theme))
        title.setToolTip(" — ".join(x for x in (o.title, o.theme) if x))
        self.setItem(row, 0, title)
        result = QComboBox()
        result.setAccessibleName(f"Atteinte de l'objectif « {o.title or 'nouveau'} »")
        for code in RESULTS:
            result.addItem(self.vocab.label("bilan_results", code), code)
        result.setCurrentIndex(max(0, result.findData(o.result)))
        self.setCellWidget(row, 1, result)
        comment = QTableWidgetItem(o.comment)
        comment.setToolTip(o.comment)
        self.setItem(row, 2, comment)
        self.resizeRowToContents(row)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.resizeRowsToContents()  # long titles wrap on two lines rather than being cut

    def values(self) -> tuple[ObjectiveReview, ...]:
        out = []
        for row in range(self.rowCount()):
            title, combo, comment = self.item(row, 0), self.cellWidget(row, 1), self.item(row, 2)
            objective_id, theme_label = (title.data(ID_ROLE) if title else None) or (None, "")
            out.append(
                ObjectiveReview(
                    title=title.text() if title else "",
                    result=combo.currentData() if isinstance(combo, QComboBox) else BilanResult.NOT_REACHED,
                    theme=theme_label,
                    comment=comment.text() if comment else "",
                    objective_id=objective_id,
                )
            )
        return tuple(out)


class ParticipantsTable(QTableWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, 3, parent)
        self.setHorizontalHeaderLabels(["Nom", "Rôle", "Structure"])
        self.setAccessibleName("Autres participants au bilan")
        self.setTabKeyNavigation(False)
        self.verticalHeader().hide()
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)

    def add(self, p: Participant) -> None:
        row = self.rowCount()
        self.insertRow(row)
        for col, text in enumerate((p.name, p.role, p.structure)):
            self.setItem(row, col, QTableWidgetItem(text))

    def values(self) -> tuple[Participant, ...]:
        def cell(row: int, col: int) -> str:
            item = self.item(row, col)
            return item.text() if item else ""

        return tuple(Participant(cell(r, 0), cell(r, 1), cell(r, 2)) for r in range(self.rowCount()))


def _buttons(*pairs: tuple[str, str, str]) -> tuple[QHBoxLayout, list[QPushButton]]:
    row = QHBoxLayout()
    row.setContentsMargins(0, 0, 0, 0)
    made = []
    for text, icon, tip in pairs:
        button = QPushButton(theme.icon(icon), text)
        button.setToolTip(tip)
        button.setAutoDefault(False)
        row.addWidget(button)
        made.append(button)
    row.addStretch(1)
    return row, made


class BilanDialog(FollowupDialog):
    """« Nouveau bilan » / « Bilan (brouillon) »: saves a draft; the tab finalises it."""

    save_text = "Enregistrer le brouillon"
    saved_text = "Bilan enregistré (brouillon)"

    def __init__(
        self,
        ctx: UiContext,
        model: BilanModel,
        existing: BilanView | None = None,
        parent: QWidget | None = None,
    ) -> None:
        title = "Nouveau bilan" if existing is None else f"{existing.kind_label} (brouillon)"
        super().__init__(ctx, f"{title} — {model.person_name}", parent)
        self.model, self.existing = model, existing
        self.vocab = load_vocabularies()
        self.setMinimumWidth(1060)
        data = existing.input() if existing is not None else model.draft
        columns = QHBoxLayout()
        columns.setSpacing(18)
        self.left, self.right = QFormLayout(), QFormLayout()
        for form in (self.left, self.right):
            form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
            holder = QWidget()
            holder.setLayout(form)
            form.setContentsMargins(0, 0, 0, 0)
            columns.addWidget(holder, 5 if form is self.left else 4)
        body = QWidget()
        body.setLayout(columns)
        self.form.addRow(body)
        self._left_column(data)
        self._right_column(data)
        self.finish_layout()
        self.set_intro(
            "Le bilan mesure l'atteinte des objectifs et prépare la suite. Les objectifs sont repris du carnet de "
            "bord ; corrigez leur atteinte. « Enregistrer » garde un brouillon : vous le finaliserez une fois le "
            "bilan tenu."
        )
        self._recommendation_changed()
        for signal in (self.kind.currentIndexChanged, self.held_on.dateChanged, self.contract.currentIndexChanged,
                       self.objectives.itemChanged, self.participants.itemChanged, self.helped.textChanged,
                       self.blocked.textChanged, self.words.textChanged, self.recommendation.currentIndexChanged,
                       self.track.currentIndexChanged, self.detail.textChanged):  # fmt: skip
            signal.connect(self.touched)
        self.kind.setFocus()

    def _row(self, form: QFormLayout, label: str, widget: QWidget | QHBoxLayout, key: str = "") -> None:
        form.addRow(label, widget)
        if key and key not in self.errors:
            self.errors[key] = error_label()
            form.addRow("", self.errors[key])

    def _left_column(self, data: BilanInput) -> None:
        self.kind = QComboBox()
        self.kind.setAccessibleName("Moment du bilan")
        for entry in self.vocab.choices("bilan_kinds"):
            self.kind.addItem(entry.label, entry.code)
        self.kind.setCurrentIndex(max(0, self.kind.findData(data.kind)))
        self.held_on = DateField(data.held_on)
        self.held_on.setAccessibleName("Date du bilan")
        self.contract = QComboBox()
        self.contract.setAccessibleName("Contrat concerné")
        self.contract.addItem("Aucun contrat", None)
        for option in self.model.contracts:
            self.contract.addItem(option.label, option.id)
        self.contract.setCurrentIndex(max(0, self.contract.findData(data.contract_id)))
        self.objectives = ObjectivesTable()
        self.objectives.setMinimumHeight(230)
        for o in data.objectives:
            self.objectives.add(o)
        buttons, (add, remove) = _buttons(
            ("Ajouter un objectif", "fa6s.plus", "Un objectif qui n'est pas dans le carnet"),
            ("Retirer", "fa6s.minus", "Retirer l'objectif sélectionné du bilan (le carnet ne change pas)"),
        )
        add.clicked.connect(self._add_objective)
        remove.clicked.connect(lambda: self._remove(self.objectives))
        self._row(self.left, "Moment", self.kind, "kind")
        self._row(self.left, "Date", self.held_on, "held_on")
        self._row(self.left, "Contrat", self.contract, "contract_id")
        self._row(self.left, "Objectifs", self.objectives, "objectives")
        self._row(self.left, "", buttons)

    def _right_column(self, data: BilanInput) -> None:
        self.helped = _text_edit(
            "Ce qui a aidé la personne (partenaires, démarches, soutiens…)", "Ce qui a aidé"
        )
        self.blocked = _text_edit("Ce qui a freiné (sans donnée de santé)", "Ce qui a freiné")
        self.words = _text_edit("Les mots de la personne, tels qu'elle les dit", "Paroles de la personne")
        self.helped.setPlainText(data.helped)
        self.blocked.setPlainText(data.blocked)
        self.words.setPlainText(data.person_words)
        self.participants = ParticipantsTable()
        self.participants.setFixedHeight(96)
        for p in data.participants:
            self.participants.add(p)
        buttons, (add, remove) = _buttons(
            (
                "Ajouter…",
                "fa6s.user-plus",
                "Un partenaire, un prescripteur, un professionnel en co-accompagnement",
            ),
            ("Retirer", "fa6s.user-minus", "Retirer le participant sélectionné"),
        )
        menu = QMenu(add)
        for p in self.model.suggested_participants:
            label = " — ".join(x for x in (p.name, p.role, p.structure) if x)
            menu.addAction(label, partial(self._add_participant, p))
        menu.addAction("Autre participant", lambda: self._add_participant(Participant("")))
        add.setMenu(menu)
        remove.clicked.connect(lambda: self._remove(self.participants))
        self.recommendation = QComboBox()
        self.recommendation.setAccessibleName("Préconisation")
        self.recommendation.addItem("À décider", None)
        for entry in self.vocab.choices("bilan_recommendations"):
            self.recommendation.addItem(entry.label, entry.code)
            self.recommendation.setItemData(self.recommendation.count() - 1, entry.get("help", ""),
                                            Qt.ItemDataRole.ToolTipRole)  # fmt: skip
        self.recommendation.setCurrentIndex(max(0, self.recommendation.findData(data.recommendation)))
        self.recommendation.currentIndexChanged.connect(self._recommendation_changed)
        self.track = QComboBox()
        self.track.setAccessibleName("Parcours proposé")
        self.track.addItem("Choisir le parcours…", None)
        for code in Track:
            if code != self.model.current_track:
                self.track.addItem(self.vocab.label("tracks", code), code.value)
        self.track.setCurrentIndex(max(0, self.track.findData(data.recommended_track)))
        self.detail = _text_edit("Précisions sur la suite proposée", "Précisions sur la préconisation", 50)
        self.detail.setPlainText(data.recommendation_detail)
        self._row(self.right, "Ce qui a aidé", self.helped, "helped")
        self._row(self.right, "Ce qui a freiné", self.blocked, "blocked")
        self._row(self.right, "Ses mots", self.words, "person_words")
        self._row(self.right, "Participants", self.participants, "participants")
        self._row(self.right, "", buttons)
        self._row(self.right, "Préconisation", self.recommendation, "recommendation")
        self._row(self.right, "Parcours proposé", self.track, "recommended_track")
        self._row(self.right, "Précisions", self.detail, "recommendation_detail")

    # --- edits --------------------------------------------------------------------------------------------

    def _add_objective(self) -> None:
        self.objectives.add(ObjectiveReview("", BilanResult.NOT_REACHED))
        row = self.objectives.rowCount() - 1
        self.objectives.setCurrentCell(row, 0)
        self._edit(self.objectives, row)
        self.touched()

    def _add_participant(self, p: Participant) -> None:
        self.participants.add(p)
        row = self.participants.rowCount() - 1
        self.participants.setCurrentCell(row, 0)
        if not p.name:
            self._edit(self.participants, row)
        self.touched()

    @staticmethod
    def _edit(table: QTableWidget, row: int) -> None:
        item = table.item(row, 0)
        if item is not None:
            table.editItem(item)

    def _remove(self, table: QTableWidget) -> None:
        rows = sorted({i.row() for i in table.selectedIndexes()}, reverse=True)
        for row in rows or ([table.currentRow()] if table.currentRow() >= 0 else []):
            table.removeRow(row)
        self.touched()

    def _recommendation_changed(self, *_: object) -> None:
        reorientation = self.recommendation.currentData() == BilanRecommendation.REORIENTATION
        self.track.setEnabled(reorientation)
        if not reorientation:
            self.track.setCurrentIndex(0)
            self.errors["recommended_track"].hide()

    # --- saving -------------------------------------------------------------------------------------------

    def values(self) -> BilanInput:
        return BilanInput(
            kind=self.kind.currentData(),
            held_on=self.held_on.value(),
            contract_id=self.contract.currentData(),
            objectives=self.objectives.values(),
            helped=self.helped.toPlainText(),
            blocked=self.blocked.toPlainText(),
            person_words=self.words.toPlainText(),
            participants=self.participants.values(),
            recommendation=self.recommendation.currentData(),
            recommended_track=self.track.currentData(),
            recommendation_detail=self.detail.toPlainText(),
        )

    def write_job(self) -> Job | None:
        data, pid = self.values(), self.model.person_id
        if self.existing is None:
            return lambda w: records.create_bilan(w.db, pid, data, author=current_actor(w.db))
        bid = self.existing.id

        def save(w: WorkerContext) -> str:
            records.save_bilan(w.db, bid, data)
            return bid

        return save

    def changed_ids(self) -> list[str | None]:
        return [self.model.person_id]
