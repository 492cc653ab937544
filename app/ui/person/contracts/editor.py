"""Contract editor dialog: type, duration, dates, objectives from the carnet, plan d'action, the CE terms (weekly
activity and offre raisonnable d'emploi, :mod:`.ce_terms`), commitments, follow-up, observations. Ctrl+S saves a new version; a signed contract
opens read-only. The dialog stays alive (hidden) while the application is locked: nothing typed is lost."""

from __future__ import annotations

from datetime import date, datetime

from PySide6.QtCore import QDate, QDateTime, Qt, QTime, QTimer
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.models.enums import ContractKind, HoursRegime
from app.models.vocabularies.loader import load_vocabularies
from app.services.contracts import draft as draft_mod
from app.services.contracts import editor as contracts
from app.services.contracts import lifecycle
from app.services.contracts.draft import ActionDraft, ContractDraft
from app.services.errors import ValidationError
from app.services.people.identity import current_actor
from app.ui.kit import theme
from app.ui.kit.a11y import announce
from app.ui.kit.errors import show_error
from app.ui.kit.forms import date_edit, pydate, pydatetime
from app.ui.kit.widgets import fit_to_screen, named
from app.ui.kit.worker import WorkerContext
from app.ui.person.contracts.ce_terms import FIELDS as CE_FIELDS
from app.ui.person.contracts.ce_terms import CeTermsBox
from app.ui.shell.plugins import UiContext

ACTION_COLUMNS = ("Intitulé de l'action", "Partenaire", "Début", "Fin", "Heures / sem.")
REGIME_NOTES: dict[str, str] = {
    HoursRegime.REDUCED: "durée minorée",
    HoursRegime.NONE: "sans durée hebdomadaire (liste légale)",
}
FIELDS = ("kind", "duration_months", "start_date", "actions", "bilan_date", "content")


def _qdate(d: date) -> QDate:
    return QDate(d.year, d.month, d.day)


def _parse_day(text: str) -> date | None:
    text = text.strip()
    if not text:
        return None
    return datetime.strptime(text, "%d/%m/%Y").date()


def _error() -> QLabel:
    label = named(QLabel(wordWrap=True), "error")
    label.hide()
    return label


class ContractEditor(QDialog):
    """Edit a draft (or create one) for ``model.person_id``; ``previous_id`` makes a new draft a renewal."""

    def __init__(self, ctx: UiContext, model: contracts.EditorModel, parent: QWidget | None = None,
                 is_renewal: bool = False) -> None:  # fmt: skip
        super().__init__(parent)
        self.ctx, self.model = ctx, model
        self.contract_id = model.contract_id
        self.saved_version = 0
        self.readonly = model.locked
        self.dirty = False
        title = f"Contrat n° {model.number}" if model.number else "Nouveau contrat"
        self.setWindowTitle(f"{title} — {model.person_name}")
        self.errors = {k: _error() for k in FIELDS}
        self._build(model, is_renewal)
        self._name_fields()
        self.load(model.draft)
        self.dirty = False
        self._watch_changes()
        self._apply_readonly()
        QShortcut(QKeySequence.StandardKey.Save, self, self.save)
        self._lock_timer = QTimer(self)
        self._lock_timer.setInterval(400)
        self._lock_timer.timeout.connect(self._follow_lock)
        self._lock_timer.start()
        self._hidden_by_lock = False
        fit_to_screen(self, 980, 860)

    # --- layout -------------------------------------------------------------------------------------------

    def _build(self, model: contracts.EditorModel, is_renewal: bool) -> None:
        vocab = load_vocabularies()
        outer = QVBoxLayout(self)
        self.banner = QLabel(wordWrap=True)
        self.banner.setStyleSheet(f"background: {theme.ACCENT_SOFT}; padding: 8px; border-radius: 4px;")
        self.banner.setVisible(model.locked)
        self.banner.setText("🔒 Contrat signé : il est verrouillé et s'ouvre en lecture seule. "
                            "Pour le modifier, faites un avenant ou un nouveau contrat.")  # fmt: skip
        outer.addWidget(self.banner)
        scroll = QScrollArea(widgetResizable=True)
        body = QWidget()
        form = QFormLayout(body)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.kind = QComboBox()
        self.kind.setAccessibleName("Type de contrat")
        for entry in vocab.choices("contract_kinds"):  # a CER only to read or finish one begun before 2025
            if entry.code == ContractKind.CE or entry.code == model.draft.kind:
                self.kind.addItem(entry.label, entry.code)
        self.kind_note = named(QLabel(wordWrap=True), "muted")
        self.kind_note.setText("Depuis le 1er janvier 2025, tout nouveau contrat est un contrat d'engagement "
                               "(article L. 262-34 du code de l'action sociale et des familles).")  # fmt: skip
        kind_box = QVBoxLayout()
        kind_box.addWidget(self.kind)
        kind_box.addWidget(self.kind_note)
        if model.number and model.draft.kind != ContractKind.CE:
            self.kind_note.setText("Contrat d'engagement réciproque conclu avant 2025 : il reste consultable ; "
                                   "un renouvellement ou un avenant se fait en contrat d'engagement.")  # fmt: skip
        self.nature = QLabel("Renouvellement" if is_renewal else "Contrat initial")
        self.duration = QComboBox()
        for months in sorted(lifecycle.DURATIONS):
            self.duration.addItem(f"{months} mois", months)
        self.start = date_edit()
        self.end_label = named(QLabel(), "muted")
        dates = QHBoxLayout()
        dates.addWidget(self.start)
        dates.addWidget(self.end_label, 1)
        self.objectives = QListWidget()
        self.objectives.setMaximumHeight(min(130, 28 * max(1, len(model.objectives)) + 8))
        for choice in model.objectives:
            item = QListWidgetItem(f"{choice.theme_label} — {choice.title} ({choice.status_label.lower()})")
            item.setData(Qt.ItemDataRole.UserRole, (choice.id, choice.title))
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.objectives.addItem(item)
        self.no_objective = named(QLabel("Aucun objectif dans le carnet de bord : ajoutez-en depuis l'onglet "
                                   "« Carnet de bord ».", wordWrap=True), "muted")  # fmt: skip
        self.no_objective.setVisible(not model.objectives)
        self.objectives.setVisible(bool(model.objectives))
        obj_box = QVBoxLayout()
        obj_box.addWidget(self.objectives)
        obj_box.addWidget(self.no_objective)
        rows: list[tuple[str, object, str | None]] = [
            ("Type de contrat", kind_box, "kind"), ("Nature", self.nature, None),
            ("Durée", self.duration, "duration_months"), ("Début", dates, "start_date"),
            ("Objectifs", obj_box, None), ("Plan d'action", self._actions_box(), "actions"),
        ]  # fmt: skip
        self.ce_terms = CeTermsBox()
        self.social_track = model.social_track
        self.commitments = QPlainTextEdit(
            placeholderText="Engagements complémentaires convenus avec la personne"
        )
        self.next_rdv_on = QCheckBox("Fixé le")
        self.next_rdv = QDateTimeEdit(calendarPopup=True, displayFormat="dd/MM/yyyy HH:mm")
        self.bilan_on = QCheckBox("Prévu le")
        self.bilan = date_edit()
        self.observations = QPlainTextEdit(placeholderText="Ce que la personne souhaite dire sur son contrat")
        for box in (self.commitments, self.observations):
            box.setFixedHeight(70)
        rows += [("Engagements", self.commitments, "content"),
                 ("Prochain rendez-vous", self._pair(self.next_rdv_on, self.next_rdv), None),
                 ("Bilan", self._pair(self.bilan_on, self.bilan), "bilan_date"),
                 ("Observations de la personne", self.observations, None)]  # fmt: skip
        for label, widget, key in rows:
            form.addRow(label, widget)  # type: ignore[call-overload]
            if key:
                form.addRow("", self.errors[key])
            if key == "actions":
                form.addRow(self.ce_terms)
        scroll.setWidget(body)
        outer.addWidget(scroll, 1)
        outer.addLayout(self._buttons())

    def _pair(self, check: QCheckBox, edit: QWidget) -> QHBoxLayout:
        box = QHBoxLayout()
        box.addWidget(check)
        box.addWidget(edit)
        box.addStretch(1)
        check.toggled.connect(edit.setEnabled)
        edit.setEnabled(False)
        return box

    def _name_fields(self) -> None:
        """Names for the fields that share a row or have no label of their own (a screen reader says them)."""
        for widget, name in (
            (self.start, "Début du contrat"), (self.objectives, "Objectifs du carnet à inclure"),
            (self.action_table, "Plan d'action"), (self.next_rdv_on, "Prochain rendez-vous fixé"),
            (self.next_rdv, "Date du prochain rendez-vous"), (self.bilan_on, "Bilan prévu"),
            (self.bilan, "Date du bilan"),
        ):  # fmt: skip
            widget.setAccessibleName(name)

    def _actions_box(self) -> QVBoxLayout:
        box = QVBoxLayout()
        self.action_table = QTableWidget(0, len(ACTION_COLUMNS))
        self.action_table.setHorizontalHeaderLabels(ACTION_COLUMNS)
        header = self.action_table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for col, width in ((1, 180), (2, 100), (3, 100), (4, 115)):
            self.action_table.setColumnWidth(col, width)
        self.action_table.verticalHeader().setVisible(False)
        self.action_table.setMinimumHeight(150)
        self.action_table.setToolTip(
            "Dates au format JJ/MM/AAAA ; heures par semaine en chiffres (ex. : 7,5)"
        )
        row = QHBoxLayout()
        self.add_action = QPushButton(theme.icon("fa6s.plus"), "Ajouter une action")
        self.remove_action = QPushButton(theme.icon("fa6s.trash-can"), "Retirer l'action")
        self.add_action.clicked.connect(lambda: self._append_action(ActionDraft("")))
        self.remove_action.clicked.connect(self._remove_action)
        self.total = QLabel()
        self.total.setWordWrap(True)
        row.addWidget(self.add_action)
        row.addWidget(self.remove_action)
        row.addStretch(1)
        box.addWidget(self.action_table)
        box.addLayout(row)
        box.addWidget(self.total)
        return box

    def _buttons(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.state = named(QLabel(), "muted")
        self.save_button = QPushButton(theme.icon("fa6s.floppy-disk", "#ffffff"), "Enregistrer une version")
        self.save_button.setProperty("primary", True)
        self.save_button.setToolTip("Enregistrer une nouvelle version du contrat (Ctrl+S)")
        self.save_button.clicked.connect(self.save)
        self.close_button = QPushButton("Fermer")
        self.close_button.clicked.connect(self.reject)
        for b in (self.save_button, self.close_button):
            b.setAutoDefault(False)
        row.addWidget(self.state, 1)
        row.addWidget(self.save_button)
        row.addWidget(self.close_button)
        return row

    # --- values -------------------------------------------------------------------------------------------

    def load(self, draft: ContractDraft) -> None:
        self.kind.setCurrentIndex(max(0, self.kind.findData(draft.kind)))
        self.duration.setCurrentIndex(max(0, self.duration.findData(draft.duration_months)))
        self.start.setDate(_qdate(draft.start_date or date.today()))
        for n in range(self.objectives.count()):
            item = self.objectives.item(n)
            oid, title = item.data(Qt.ItemDataRole.UserRole)
            checked = oid in draft.objective_ids or (not draft.objective_ids and title in draft.objectives)
            item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
        self.action_table.setRowCount(0)
        for action in draft.actions:
            self._append_action(action)
        self.ce_terms.load(draft)
        self.commitments.setPlainText(draft.commitments)
        self.next_rdv_on.setChecked(draft.next_rdv is not None)
        rdv = draft.next_rdv or datetime.combine(date.today(), datetime.min.time()).replace(hour=9)
        self.next_rdv.setDateTime(QDateTime(_qdate(rdv.date()), QTime(rdv.hour, rdv.minute)))
        self.bilan_on.setChecked(draft.bilan_date is not None)
        self.bilan.setDate(_qdate(draft.bilan_date or date.today()))
        self.observations.setPlainText(draft.observations)
        self._refresh()

    def _append_action(self, a: ActionDraft) -> None:
        row = self.action_table.rowCount()
        self.action_table.insertRow(row)
        hours = "" if a.hours_per_week is None else f"{a.hours_per_week:g}".replace(".", ",")
        values = (a.label, a.partner, theme.fmt_date(a.start) if a.start else "",
                  theme.fmt_date(a.end) if a.end else "", hours)  # fmt: skip
        for col, text in enumerate(values):
            self.action_table.setItem(row, col, QTableWidgetItem(text))
        self._refresh()

    def _remove_action(self) -> None:
        row = self.action_table.currentRow()
        if row >= 0:
            self.action_table.removeRow(row)
            self._touched()

    def _cell(self, row: int, col: int) -> str:
        item = self.action_table.item(row, col)
        return item.text().strip() if item else ""

    def action_drafts(self) -> tuple[tuple[ActionDraft, ...], str]:
        """The table's actions and the first input error (French), if any."""
        out, problem = [], ""
        for row in range(self.action_table.rowCount()):
            label, partner = self._cell(row, 0), self._cell(row, 1)
            try:
                start, end = _parse_day(self._cell(row, 2)), _parse_day(self._cell(row, 3))
            except ValueError:
                problem = problem or f"Action n° {row + 1} : date invalide (format attendu : JJ/MM/AAAA)."
                start = end = None
            hours_text = self._cell(row, 4).replace(",", ".").replace("h", "").strip()
            try:
                hours = float(hours_text) if hours_text else None
            except ValueError:
                problem = problem or f"Action n° {row + 1} : heures par semaine en chiffres (ex. : 7,5)."
                hours = None
            if label or partner or hours_text:
                out.append(ActionDraft(label, partner, start, end, hours))
        return tuple(out), problem

    def draft(self) -> ContractDraft:
        chosen = [self.objectives.item(n).data(Qt.ItemDataRole.UserRole) for n in range(self.objectives.count())
                  if self.objectives.item(n).checkState() == Qt.CheckState.Checked]  # fmt: skip
        rdv = pydatetime(self.next_rdv.dateTime()) if self.next_rdv_on.isChecked() else None
        return ContractDraft(
            kind=self.kind.currentData(), duration_months=self.duration.currentData(),
            start_date=pydate(self.start.date()), objective_ids=tuple(c[0] for c in chosen),
            objectives=tuple(c[1] for c in chosen), actions=self.action_drafts()[0],
            **self.ce_terms.values(), commitments=self.commitments.toPlainText(),
            next_rdv=rdv, bilan_date=pydate(self.bilan.date()) if self.bilan_on.isChecked() else None,
            observations=self.observations.toPlainText(),
        )  # fmt: skip

    # --- behaviour ----------------------------------------------------------------------------------------

    def _watch_changes(self) -> None:
        for signal in (self.kind.currentIndexChanged, self.duration.currentIndexChanged, self.start.dateChanged,
                       self.objectives.itemChanged, self.action_table.itemChanged, self.ce_terms.changed,
                       self.commitments.textChanged, self.next_rdv_on.toggled, self.next_rdv.dateTimeChanged,
                       self.bilan_on.toggled, self.bilan.dateChanged, self.observations.textChanged):  # fmt: skip
            signal.connect(self._touched)

    def _touched(self, *_: object) -> None:
        self.dirty = True
        self._refresh()

    def _refresh(self) -> None:
        draft = self.draft()
        end = draft.end_date
        self.end_label.setText(
            f"→ fin le {theme.fmt_date(end)} ({draft.duration_months} mois)" if end else ""
        )
        is_ce = draft.is_ce
        standard = draft.hours_regime == HoursRegime.STANDARD
        below = draft.below_ce_hours and standard
        total = f"Total : {draft.weekly_hours:g} h par semaine".replace(".", ",")
        if is_ce:
            total += ((" — moins de 15 h" if below else " — 15 h atteintes") if standard
                      else " — " + REGIME_NOTES.get(draft.hours_regime, ""))  # fmt: skip
        icon = "⚠ " if below else ("✔ " if is_ce and standard else "")
        self.total.setText(icon + total)
        self.total.setStyleSheet(f"color: {theme.SOON if below else theme.INK}; font-weight: 600;")
        self.ce_terms.setVisible(is_ce)
        if is_ce:
            self.ce_terms.refresh(draft.weekly_hours, self.social_track)
        self.state.setText(self.state.text() if not self.dirty else "Modifications non enregistrées")

    def _apply_readonly(self) -> None:
        if not self.readonly:
            return
        self.ce_terms.set_readonly()
        for w in (self.kind, self.duration, self.start, self.next_rdv_on, self.next_rdv,
                  self.bilan_on, self.bilan, self.add_action, self.remove_action, self.save_button):  # fmt: skip
            w.setEnabled(False)
        for box in (self.commitments, self.observations):
            box.setReadOnly(True)
        self.action_table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        for n in range(self.objectives.count()):
            item = self.objectives.item(n)
            item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsUserCheckable)
        self.state.setText("Lecture seule")

    def show_errors(self, fields: dict[str, str]) -> None:
        for key, label in self.errors.items():
            label.setVisible(key in fields)
            label.setText(fields.get(key, ""))
        self.ce_terms.show_errors({k: v for k, v in fields.items() if k in CE_FIELDS})

    def validate(self) -> bool:
        draft = self.draft()
        errors = draft_mod.validate(draft)
        problem = self.action_drafts()[1]
        if problem:
            errors.setdefault("actions", problem)
        self.show_errors(errors)
        return not errors

    def save(self) -> None:
        if self.readonly or not self.validate():
            return
        draft, cid, pid = self.draft(), self.contract_id, self.model.person_id
        previous = self.model.previous_contract_id

        def job(w: WorkerContext) -> tuple[str, int]:
            author = current_actor(w.db)
            if cid is None:
                new_id = contracts.create(w.db, pid, draft, author=author, previous_contract_id=previous)
                return new_id, 1
            return cid, contracts.save(w.db, cid, draft, author=author)

        self.save_button.setEnabled(False)
        self.ctx.worker.submit(job, self._saved, self._save_failed, writes=True, owner=self)

    def _saved(self, result: tuple[str, int]) -> None:
        self.contract_id, self.saved_version = result
        self.dirty = False
        self.save_button.setEnabled(True)
        self.show_errors({})
        self.state.setText(f"Version {self.saved_version} enregistrée à {datetime.now():%H:%M}.")
        announce(f"Contrat : version {self.saved_version} enregistrée", source=self.state)
        self.ctx.changed(self.model.person_id)

    def _save_failed(self, exc: BaseException) -> None:
        self.save_button.setEnabled(not self.readonly)
        if isinstance(exc, ValidationError) and exc.fields:
            known = set(self.errors) | set(CE_FIELDS)
            self.show_errors({k if k in known else "content": v for k, v in exc.fields.items()})
        else:
            show_error(self, exc)

    # --- closing and locking ------------------------------------------------------------------------------

    def _confirm_discard(self) -> bool:
        if not self.dirty or self.readonly:
            return True
        answer = QMessageBox.question(
            self, "Modifications non enregistrées",
            "Le contrat a été modifié depuis le dernier enregistrement. Fermer sans enregistrer ? "
            "Les modifications seront perdues.",
        )  # fmt: skip
        return answer == QMessageBox.StandardButton.Yes

    def reject(self) -> None:
        if self._confirm_discard():
            self._lock_timer.stop()
            super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._confirm_discard():
            self._lock_timer.stop()
            event.accept()
        else:
            event.ignore()

    def _follow_lock(self) -> None:
        """Hide while the main window is locked (the data stays out of sight), show again once unlocked."""
        parent = self.parentWidget()
        locked = bool(getattr(parent.window(), "locked", False)) if parent is not None else False
        if locked and self.isVisible():
            self._hidden_by_lock = True
            self.hide()
        elif not locked and self._hidden_by_lock:
            self._hidden_by_lock = False
            self.show()
