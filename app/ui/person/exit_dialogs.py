"""Exit of accompaniment (sortie), re-entry, and the steps of a suspension-remobilisation procedure.

The exit asks for a confirmation inside the dialog that spells out the consequence; the sanction dialog records
dated facts only — there is never an amount field (the département decides and computes it)."""

from __future__ import annotations

from typing import Any

from dateutil.relativedelta import relativedelta
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLabel, QPlainTextEdit, QTreeWidget, QTreeWidgetItem, QWidget

from app.models.enums import SanctionStepKind
from app.models.vocabularies.loader import load_vocabularies
from app.services.casefile import sanctions
from app.services.people import parcours
from app.services.people.followup import FollowupContext, SanctionProcedure
from app.services.people.labels import TRACK_LABELS
from app.services.people.parcours import EMPLOYMENT_CATEGORIES
from app.ui.kit import theme
from app.ui.kit.forms import DateField, FollowupDialog, Job, OptionalDate
from app.ui.kit.widgets import named
from app.ui.shell.plugins import UiContext

TRACKS: dict[str, str] = {str(k): v for k, v in TRACK_LABELS.items()}  # by code

EXIT_CONSEQUENCE = "La personne sortira de votre file active ; son dossier reste consultable et une ré-entrée reste possible."
STEP_ORDER = [k.value for k in SanctionStepKind]


class ExitDialog(FollowupDialog):
    """« Sortie du dispositif »: category, then reason of that category, date, detail, in-job follow-up."""

    save_text = "Enregistrer la sortie…"

    def __init__(self, ctx: UiContext, person: FollowupContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, f"Sortie du dispositif — {person.name}", parent)
        self.person = person
        self.vocab = load_vocabularies()
        self.confirming = False
        self.category = QComboBox()
        self.category.setAccessibleName("Catégorie de sortie")
        self.category.addItem("Choisir une catégorie…", "")
        for entry in self.vocab.choices("exit_categories"):
            self.category.addItem(entry.label, entry.code)
        self.reason = QComboBox()
        self.reason.setAccessibleName("Motif de sortie")
        self.exit_date = DateField()
        self.detail = QPlainTextEdit(
            placeholderText="Précisions (employeur, formation…), sans donnée de santé"
        )
        self.detail.setFixedHeight(64)
        self.followup = OptionalDate("Oui, jusqu'au")
        self.followup.setToolTip("Après une sortie vers l'emploi, un suivi de 6 mois au plus peut continuer.")
        self.followup_hint = QLabel("Possible seulement après une sortie vers l'emploi (6 mois au plus).")
        self.followup_hint.setProperty("muted", True)
        self.add_row("Catégorie", self.category, "category")
        self.add_row("Motif", self.reason, "reason")
        self.add_row("Date de sortie", self.exit_date, "exit_date")
        self.add_row("Précisions", self.detail, "detail")
        self.add_row("Suivi dans l'emploi", self.followup, "in_job_followup_until")
        self.add_row("", self.followup_hint)
        self.confirm = named(QLabel(wordWrap=True), "error")
        self.confirm.setTextFormat(Qt.TextFormat.RichText)
        self.confirm.hide()
        self.layout_.addWidget(self.confirm)
        self.finish_layout()
        since = f" depuis le {theme.fmt_date(person.parcours_start)}" if person.parcours_start else ""
        track = TRACKS.get(person.track or "", "")
        self.set_intro(
            f"Fin de l'accompagnement{since}" + (f" (parcours {track.lower()})." if track else ".")
        )
        self.category.currentIndexChanged.connect(self._category_changed)
        self.followup.check.toggled.connect(self._default_followup)
        self._category_changed()
        for signal in (self.category.currentIndexChanged, self.reason.currentIndexChanged,
                       self.exit_date.dateChanged, self.detail.textChanged, self.followup.check.toggled):  # fmt: skip
            signal.connect(self._edited)

    def _category_changed(self, *_: object) -> None:
        category = self.category.currentData()
        self.reason.clear()
        if not category:
            self.reason.addItem("Choisissez d'abord la catégorie", "")
        for entry in self.vocab.exit_reasons_of(category) if category else []:
            self.reason.addItem(entry.label, entry.code)
        self.reason.setEnabled(bool(category))
        employment = category in EMPLOYMENT_CATEGORIES
        if not employment:
            self.followup.check.setChecked(False)
        self.followup.setEnabled(employment)
        self.followup_hint.setVisible(not employment)

    def _default_followup(self, on: bool) -> None:
        if on:
            self.followup.field.set_value(self.exit_date.value() + relativedelta(months=6))

    def _edited(self, *_: object) -> None:
        self.touched()
        if self.confirming:
            self.confirming = False
            self.confirm.hide()
            self.save_button.setText(self.save_text)

    def write_job(self) -> Job | None:
        category, reason = self.category.currentData(), self.reason.currentData()
        missing = {}
        if not category:
            missing["category"] = "Choisissez la catégorie de sortie."
        elif not reason:
            missing["reason"] = "Choisissez le motif de sortie."
        if missing:
            self.show_errors(missing)
            return None
        if not self.confirming:
            self.show_errors({})
            self.confirming = True
            label = self.reason.currentText()
            self.confirm.setText(
                f"<b>Confirmer la sortie de {self.person.name}</b> ({label}, le "
                f"{theme.fmt_date(self.exit_date.value())}) ?<br>{EXIT_CONSEQUENCE}"
            )
            self.confirm.show()
            self.save_button.setText("Confirmer la sortie")
            return None
        pid, values = self.person.person_id, self._values(category, reason)
        return lambda w: parcours.record_exit(w.db, pid, **values)

    def _values(self, category: str, reason: str) -> dict[str, Any]:
        return {
            "exit_date": self.exit_date.value(), "category": category, "reason": reason,
            "detail": self.detail.toPlainText(), "in_job_followup_until": self.followup.value(),
        }  # fmt: skip

    def _failed(self, exc: BaseException) -> None:
        self.confirming = False
        self.confirm.hide()
        self.save_button.setText(self.save_text)
        super()._failed(exc)

    def changed_ids(self) -> list[str | None]:
        return [self.person.person_id]


class ReentryDialog(FollowupDialog):
    """« Ré-entrée dans le dispositif » of a person who left: a new parcours, the old one is kept."""

    save_text = "Enregistrer la ré-entrée"

    def __init__(self, ctx: UiContext, person: FollowupContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, f"Ré-entrée dans le dispositif — {person.name}", parent)
        self.person = person
        left = f" le {theme.fmt_date(person.last_exit)}" if person.last_exit else ""
        self.set_intro(
            f"La personne est sortie de l'accompagnement{left}. La ré-entrée ouvre un nouveau parcours : "
            "elle revient dans votre file active, l'historique du parcours précédent est conservé."
        )
        self.track = QComboBox()
        self.track.addItem("Selon la prochaine orientation", "")
        for entry in load_vocabularies().choices("tracks"):
            self.track.addItem(entry.label, entry.code)
        self.start = DateField()
        self.add_row("Date de ré-entrée", self.start, "start_date")
        self.add_row("Parcours", self.track, "track")
        self.finish_layout()

    def write_job(self) -> Job:
        pid, start, track = self.person.person_id, self.start.value(), self.track.currentData()
        return lambda w: parcours.open_parcours(w.db, pid, start_date=start, track=track)

    def changed_ids(self) -> list[str | None]:
        return [self.person.person_id]


class SanctionDialog(FollowupDialog):
    """A dated step of a suspension-remobilisation procedure; the procedure's steps shown in order."""

    save_text = "Enregistrer l'étape"

    def __init__(
        self, ctx: UiContext, person: FollowupContext, procedures: list[SanctionProcedure],
        parent: QWidget | None = None,
    ) -> None:  # fmt: skip
        super().__init__(ctx, f"Procédure de suspension-remobilisation — {person.name}", parent)
        self.person, self.procedures = person, procedures
        self.vocab = load_vocabularies()
        self.setMinimumWidth(680)
        self.set_intro(
            "L'application enregistre les faits et les étapes de la procédure (décret du 30 mai 2025). "
            "<b>Elle ne calcule aucun montant</b> : la décision et son montant relèvent du président du "
            "conseil départemental."
        )
        self.steps = QTreeWidget()
        self.steps.setHeaderLabels(["Étape", "Date", "Précisions"])
        self.steps.setRootIsDecorated(False)
        self.steps.setFixedHeight(128)
        self.steps.setColumnWidth(0, 330)
        self.steps.setColumnWidth(1, 86)
        self.steps.setAccessibleName("Étapes de la procédure, dans l'ordre")
        self.procedure = QComboBox()
        self.kind = QComboBox()
        self.step_date = DateField()
        self.detail = QPlainTextEdit(
            placeholderText="Ex. : RDV du 02/11 non honoré sans motif ; courrier envoyé…"
        )
        self.detail.setFixedHeight(64)
        self.add_row("Procédure", self.procedure, "procedure_id")
        self.form.addRow(self.steps)
        self.add_row("Étape", self.kind, "kind")
        self.add_row("Date", self.step_date, "step_date")
        self.add_row("Précisions", self.detail, "detail")
        self.finish_layout()
        open_ones = [p for p in procedures if not p.closed]
        for p in procedures:
            state = "close" if p.closed else "en cours"
            self.procedure.addItem(f"Procédure ouverte le {theme.fmt_date(p.started)} ({state})", p.id)
        self.procedure.addItem("Nouvelle procédure (constat d'un manquement)", "")
        current = open_ones[-1].id if open_ones else ""
        self.procedure.setCurrentIndex(self.procedure.findData(current))
        self.procedure.currentIndexChanged.connect(self._procedure_changed)
        self._procedure_changed()
        self.detail.textChanged.connect(self.touched)

    def current_procedure(self) -> SanctionProcedure | None:
        pid = self.procedure.currentData()
        return next((p for p in self.procedures if p.id == pid), None)

    def _procedure_changed(self, *_: object) -> None:
        proc = self.current_procedure()
        self.steps.clear()
        done = {st.kind for st in proc.steps} if proc else set()
        for st in proc.steps if proc else ():
            item = QTreeWidgetItem([self.vocab.label("sanction_steps", st.kind), theme.fmt_date(st.step_date),
                                    st.detail])  # fmt: skip
            item.setIcon(0, theme.icon("fa6s.circle-check", theme.OK))
            item.setToolTip(0, item.text(0))
            item.setToolTip(2, st.detail)
            self.steps.addTopLevelItem(item)
        for code in STEP_ORDER if proc else ():
            if code not in done:  # the steps still to come, in the order of the procedure
                item = QTreeWidgetItem([self.vocab.label("sanction_steps", code), "—", "À venir"])
                item.setIcon(0, theme.icon("fa6s.circle"))
                item.setToolTip(0, item.text(0))
                item.setDisabled(True)
                self.steps.addTopLevelItem(item)
        self.steps.setVisible(proc is not None)
        self.kind.clear()
        for code in STEP_ORDER if proc else [SanctionStepKind.BREACH.value]:
            self.kind.addItem(self.vocab.label("sanction_steps", code), code)
        following = next((c for c in STEP_ORDER if c not in done), STEP_ORDER[-1]) if proc else STEP_ORDER[0]
        self.kind.setCurrentIndex(max(0, self.kind.findData(following)))

    def write_job(self) -> Job:
        pid, proc = self.person.person_id, self.procedure.currentData() or None
        kind, day, detail = self.kind.currentData(), self.step_date.value(), self.detail.toPlainText()
        return lambda w: sanctions.add_sanction_step(
            w.db, pid, kind=kind, step_date=day, procedure_id=proc, detail=detail
        )

    def changed_ids(self) -> list[str | None]:
        return [self.person.person_id]
