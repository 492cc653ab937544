"""Finalising a bilan (the consequence spelled out, the exit asked when the bilan recommends it) and recording the
joint diagnostic with France Travail (ADR 0050, 0051)."""

from __future__ import annotations

from html import escape

from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QLineEdit,
    QPlainTextEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from app.models.enums import BilanRecommendation, JointReviewConclusion, Track
from app.models.vocabularies.loader import load_vocabularies
from app.services.bilans import joint_review, records
from app.services.bilans.joint_review import JointReviewInput
from app.services.bilans.values import BilanView, ExitChoice
from app.services.people.identity import current_actor
from app.ui.kit.forms import DateField, FollowupDialog, Job
from app.ui.shell.plugins import UiContext

_R = BilanRecommendation
CONSEQUENCES: dict[str, str] = {
    _R.RENEWAL: "le projet du contrat suivant sera préparé avec le plan d'action actuel (onglet Contrats), et "
    "l'échéance « fin de contrat » sera considérée comme préparée",
    _R.AMENDMENT: "un projet d'avenant au contrat sera préparé (onglet Contrats)",
    _R.REORIENTATION: "la réorientation sera demandée au département, qui a un mois pour décider (échéance "
    "« réorientation demandée »)",
    _R.EXIT: "la sortie de l'accompagnement sera enregistrée : la personne quittera votre file active",
    _R.CONTINUE: "le parcours continue sans changement",
}


class FinaliseDialog(FollowupDialog):
    """« Finaliser le bilan »: what will happen, then the exit's category and reason when it recommends the exit."""

    save_text = "Finaliser le bilan"
    saved_text = "Bilan finalisé"
    discard_text = "Le bilan reste un brouillon."

    def __init__(self, ctx: UiContext, bilan: BilanView, exited: bool, parent: QWidget | None = None) -> None:
        super().__init__(ctx, f"Finaliser le bilan — {bilan.title}", parent)
        self.bilan = bilan
        self.vocab = load_vocabularies()
        rec = bilan.recommendation or _R.CONTINUE
        self.asks_exit = rec == _R.EXIT and not exited
        what = CONSEQUENCES.get(rec, "")
        label = escape(bilan.recommendation_label or "Poursuite sans changement")
        self.set_intro(
            f"<b>Préconisation : {label}</b>.<br>Une fois finalisé, le bilan est verrouillé : il ne peut plus être "
            f"modifié et s'imprime tel quel. En le finalisant, {escape(what)}."
        )
        self.category = QComboBox()
        self.category.setAccessibleName("Catégorie de sortie")
        self.reason = QComboBox()
        self.reason.setAccessibleName("Motif de sortie")
        self.exit_detail = QLineEdit(placeholderText="Employeur, formation… (sans donnée de santé)")
        self.exit_detail.setAccessibleName("Précisions sur la sortie")
        if self.asks_exit:
            self.category.addItem("Choisir une catégorie…", "")
            for entry in self.vocab.choices("exit_categories"):
                self.category.addItem(entry.label, entry.code)
            self.category.currentIndexChanged.connect(self._category_changed)
            self._category_changed()
            self.add_row("Catégorie de sortie", self.category, "category")
            self.add_row("Motif", self.reason, ("reason", "exit"))
            self.add_row("Précisions", self.exit_detail, "detail")
        self.finish_layout()
        self.dirty = False
        if self.asks_exit:
            self.category.setFocus()

    def _category_changed(self, *_: object) -> None:
        category = self.category.currentData()
        self.reason.clear()
        if not category:
            self.reason.addItem("Choisissez d'abord la catégorie", "")
        for entry in self.vocab.exit_reasons_of(category) if category else []:
            self.reason.addItem(entry.label, entry.code)
        self.reason.setEnabled(bool(category))

    def write_job(self) -> Job | None:
        choice = None
        if self.asks_exit:
            category, reason = self.category.currentData(), self.reason.currentData()
            if not category or not reason:
                key = "category" if not category else "reason"
                self.show_errors({key: "Choisissez la catégorie et le motif de la sortie."})
                return None
            choice = ExitChoice(category, reason, detail=self.exit_detail.text())
        bid = self.bilan.id
        return lambda w: records.finalise_bilan(w.db, bid, author=current_actor(w.db), exit_choice=choice)

    def changed_ids(self) -> list[str | None]:
        return [self.bilan.person_id]


class JointReviewDialog(FollowupDialog):
    """« Diagnostic conjoint avec France Travail » (CASF L.262-31): who, what was found, the conclusion."""

    save_text = "Enregistrer le diagnostic conjoint"
    saved_text = "Diagnostic conjoint enregistré"

    def __init__(
        self, ctx: UiContext, person_id: str, person_name: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(ctx, f"Diagnostic conjoint avec France Travail — {person_name}", parent)
        self.person_id = person_id
        self.setMinimumWidth(680)
        vocab = load_vocabularies()
        self.set_intro(
            "Six mois après la signature ou la révision du contrat d'engagement (douze en cas de difficultés "
            "particulières), France Travail et le référent examinent ensemble la situation de la personne "
            "orientée vers le parcours social (article L. 262-31 du code de l'action sociale et des familles)."
        )
        self.held_on = DateField()
        self.held_on.setAccessibleName("Date du diagnostic conjoint")
        self.adviser = QLineEdit(placeholderText="Prénom et nom")
        self.adviser.setAccessibleName("Conseiller France Travail")
        self.agency = QLineEdit(placeholderText="Agence France Travail")
        self.agency.setAccessibleName("Agence France Travail")
        self.present = QCheckBox("La personne était présente")
        self.present.setChecked(True)
        self.ready = QCheckBox("Elle peut s'engager dans une recherche d'emploi")
        self.findings = QPlainTextEdit(placeholderText="Constats partagés (sans donnée de santé)")
        self.findings.setAccessibleName("Constats")
        self.findings.setTabChangesFocus(True)
        self.findings.setFixedHeight(80)
        conclusions = QWidget()
        row = QVBoxLayout(conclusions)
        row.setContentsMargins(0, 0, 0, 0)
        self.group = QButtonGroup(self)
        self.keep = QRadioButton(vocab.label("joint_review_conclusions", JointReviewConclusion.KEEP_SOCIAL))
        self.reorient = QRadioButton("Réorientation proposée")
        for n, button in enumerate((self.keep, self.reorient)):
            self.group.addButton(button, n)
            row.addWidget(button)
        self.keep.setChecked(True)
        self.track = QComboBox()
        self.track.setAccessibleName("Parcours proposé")
        self.track.addItem("Choisir le parcours…", None)
        for code in (Track.EMPLOI, Track.SOCIO_PRO):
            self.track.addItem(vocab.label("tracks", code), code.value)
        self.prepare = QCheckBox("Préparer le projet d'avenant du contrat en cours")
        self.prepare.setToolTip(
            "Le contrat d'engagement en cours est révisé par un avenant (onglet Contrats)"
        )
        self.prepare.setChecked(True)
        self.add_row("Date", self.held_on, "held_on")
        self.add_row("Conseiller France Travail", self.adviser, "ft_adviser")
        self.add_row("Agence", self.agency, "ft_agency")
        self.add_row("", self.present)
        self.add_row("", self.ready)
        self.add_row("Constats", self.findings, "findings")
        self.add_row("Conclusion", conclusions, "conclusion")
        self.add_row("Parcours proposé", self.track, "proposed_track")
        self.add_row("", self.prepare)
        self.finish_layout()
        self.keep.toggled.connect(self._conclusion_changed)
        self._conclusion_changed()
        for signal in (self.held_on.dateChanged, self.adviser.textChanged, self.agency.textChanged,
                       self.findings.textChanged, self.keep.toggled, self.track.currentIndexChanged):  # fmt: skip
            signal.connect(self.touched)
        self.held_on.setFocus()

    def _conclusion_changed(self, *_: object) -> None:
        keep = self.keep.isChecked()
        self.track.setEnabled(not keep)
        self.prepare.setEnabled(keep)

    def write_job(self) -> Job | None:
        keep = self.keep.isChecked()
        data = JointReviewInput(
            held_on=self.held_on.value(),
            ft_adviser=self.adviser.text(),
            ft_agency=self.agency.text(),
            person_present=self.present.isChecked(),
            job_search_ready=self.ready.isChecked(),
            findings=self.findings.toPlainText(),
            conclusion=JointReviewConclusion.KEEP_SOCIAL if keep else JointReviewConclusion.REORIENTATION,
            proposed_track=None if keep else self.track.currentData(),
        )
        pid, prepare = self.person_id, keep and self.prepare.isChecked()
        return lambda w: joint_review.record_joint_review(
            w.db, pid, data, author=current_actor(w.db), prepare_revision=prepare
        )

    def changed_ids(self) -> list[str | None]:
        return [self.person_id]
