"""The référent's dialogs of the équipe pluridisciplinaire: the saisine (motive, what is proposed, the référent's
reasons, the facts of the file ticked — the likely ones come ticked, nothing is retyped) and its withdrawal."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSizePolicy,
    QTreeWidget,
    QTreeWidgetItem,
    QWidget,
)

from app.models.enums import EpMotive
from app.models.vocabularies.loader import load_vocabularies
from app.services.ep import facts, referrals, views
from app.services.ep.facts import FactChoice
from app.ui.kit import theme
from app.ui.kit.forms import DateField, FollowupDialog, Job
from app.ui.kit.widgets import named
from app.ui.kit.worker import WorkerContext
from app.ui.shell.plugins import UiContext

FACT_ROLE = Qt.ItemDataRole.UserRole


@dataclass(frozen=True)
class ReferralContext:
    """What the saisine dialog offers: the facts of the file for each motive, the running sanction procedure."""

    person_id: str
    person_name: str
    choices: dict[str, list[FactChoice]]
    procedure_id: str | None


def load_referral_context(w: WorkerContext, person_id: str) -> ReferralContext:
    choices = {m.value: facts.fact_choices(w.db, person_id, m.value) for m in EpMotive}
    name = views.person_name(w.db, person_id)
    return ReferralContext(person_id, name, choices, referrals.open_procedure(w.db, person_id))


class ReferralDialog(FollowupDialog):
    """« Saisir l'équipe pluridisciplinaire » for one person."""

    save_text = "Saisir l'EP"
    saved_text = "Saisine de l'équipe pluridisciplinaire enregistrée"

    def __init__(self, ctx: UiContext, data: ReferralContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, f"Saisine de l'équipe pluridisciplinaire — {data.person_name}", parent)
        self.data = data
        self.vocab = load_vocabularies()
        self.setMinimumWidth(720)
        self.set_intro(
            "L'équipe pluridisciplinaire est consultée avant une réorientation et avant une suspension ou une "
            "suppression du RSA (article L. 262-39 du code de l'action sociale et des familles). Cochez les "
            "éléments du dossier à lui transmettre : ils sont joints tels qu'ils sont dans le dossier, sans "
            "être recopiés. La saisine part au secrétariat de l'EP à la prochaine synchronisation."
        )
        self.motive = QComboBox()
        self.motive.setAccessibleName("Motif de la saisine")
        self.motive.addItem("Choisir le motif…", "")
        for entry in self.vocab.choices("ep_motives"):
            self.motive.addItem(entry.label, entry.code)
            self.motive.setItemData(
                self.motive.count() - 1, str(entry.attrs.get("help", "")), Qt.ItemDataRole.ToolTipRole
            )
        self.referred_on = DateField()
        self.referred_on.setAccessibleName("Date de la saisine")
        self.track = QComboBox()
        self.track.setAccessibleName("Parcours proposé")
        self.track.addItem("Choisir le parcours proposé…", "")
        for entry in self.vocab.choices("tracks"):
            self.track.addItem(entry.label, entry.code)
        self.organisme = QLineEdit(placeholderText="Ex. : CCAS de Saint-Denis, France Travail…")
        self.organisme.setAccessibleName("Organisme proposé")
        self.procedure = named(QLabel(wordWrap=True), "muted")
        self.procedure.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.summary = QPlainTextEdit(
            placeholderText="Ce que vous demandez à l'EP et pourquoi (sans détail de santé)."
        )
        self.summary.setAccessibleName("Exposé de la demande")
        self.summary.setTabChangesFocus(True)
        self.summary.setFixedHeight(84)
        self.facts = QTreeWidget()
        self.facts.setHeaderLabels(["Élément du dossier", "Date", "Détail"])
        self.facts.setRootIsDecorated(False)
        self.facts.setAccessibleName("Éléments du dossier joints à la saisine (cochés)")
        self.facts.setMinimumHeight(170)
        self.facts.setColumnWidth(0, 190)
        self.facts.setColumnWidth(1, 86)
        self.add_row("Motif", self.motive, "motive")
        self.add_row("Date", self.referred_on, "referred_on")
        self.add_row("Parcours proposé", self.track, "proposed_track")
        self.add_row("Organisme", self.organisme, "proposed_organisme")
        self.add_row("Procédure", self.procedure, "procedure_id")
        self.add_row("Exposé", self.summary, "summary")
        self.add_row("Éléments joints", self.facts, "facts")
        self.finish_layout()
        self.motive.currentIndexChanged.connect(self._motive_changed)
        for signal in (self.summary.textChanged, self.organisme.textChanged, self.track.currentIndexChanged):
            signal.connect(self.touched)
        self.facts.itemChanged.connect(self.touched)
        self._motive_changed()
        self.dirty = False

    def _motive_changed(self, *_: object) -> None:
        motive = self.motive.currentData() or ""
        self.show_row(self.track, motive in (EpMotive.REORIENTATION, EpMotive.COMPLEX))
        self.show_row(self.organisme, motive in (EpMotive.REORIENTATION, EpMotive.COMPLEX))
        self.show_row(self.procedure, motive == EpMotive.SANCTION)
        self.procedure.setText(
            "La saisine porte sur la procédure de sanction en cours (ses étapes sont jointes)."
            if self.data.procedure_id
            else "Aucune procédure de sanction en cours : enregistrez d'abord le manquement constaté "
            "(Synthèse › « Sanction… »)."
        )
        self.facts.clear()
        for choice in self.data.choices.get(motive or EpMotive.COMPLEX, []):
            item = QTreeWidgetItem([choice.kind_label, theme.fmt_date(choice.day), choice.text])
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(0, Qt.CheckState.Checked if choice.suggested else Qt.CheckState.Unchecked)
            item.setData(0, FACT_ROLE, choice)
            item.setToolTip(2, choice.text)
            self.facts.addTopLevelItem(item)
        self.fit_height()

    def chosen(self) -> list[referrals.FactRef]:
        out = []
        for i in range(self.facts.topLevelItemCount()):
            item = self.facts.topLevelItem(i)
            if item is not None and item.checkState(0) == Qt.CheckState.Checked:
                choice: FactChoice = item.data(0, FACT_ROLE)
                out.append(referrals.FactRef(choice.kind, choice.row_id))
        return out

    def write_job(self) -> Job | None:
        pid, motive = self.data.person_id, self.motive.currentData() or ""
        day, summary, chosen = self.referred_on.value(), self.summary.toPlainText(), self.chosen()
        track, organisme = self.track.currentData() or None, self.organisme.text()
        procedure = self.data.procedure_id if motive == EpMotive.SANCTION else None

        def job(w: WorkerContext) -> str:
            return referrals.refer(
                w.db, pid, motive=motive, referred_on=day, summary=summary, facts=chosen,
                proposed_track=track, proposed_organisme=organisme, procedure_id=procedure,
            )  # fmt: skip

        return job

    def changed_ids(self) -> list[str | None]:
        return [self.data.person_id]


class WithdrawDialog(FollowupDialog):
    """« Retirer la saisine » (the person re-engaged, the situation changed…): it stays in the file."""

    save_text = "Retirer la saisine"
    saved_text = "Saisine retirée"

    def __init__(
        self, ctx: UiContext, person_id: str, referral_id: str, what: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(ctx, "Retirer la saisine de l'équipe pluridisciplinaire", parent)
        self.person_id, self.referral_id = person_id, referral_id
        self.set_intro(f"Saisine : {what}. Elle reste dans le dossier, marquée retirée.")
        self.on = DateField(date.today())
        self.on.setAccessibleName("Date du retrait")
        self.reason = QPlainTextEdit(placeholderText="Ex. : la personne a signé son contrat d'engagement.")
        self.reason.setAccessibleName("Motif du retrait")
        self.reason.setTabChangesFocus(True)
        self.reason.setFixedHeight(70)
        self.add_row("Date", self.on, "withdrawn_on")
        self.add_row("Motif", self.reason, "withdrawn_reason")
        self.finish_layout()
        self.reason.textChanged.connect(self.touched)

    def write_job(self) -> Job | None:
        rid, day, reason = self.referral_id, self.on.value(), self.reason.toPlainText()
        return lambda w: referrals.withdraw(w.db, rid, on=day, reason=reason)

    def changed_ids(self) -> list[str | None]:
        return [self.person_id]
