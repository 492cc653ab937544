"""The EP secretariat's dialogs: a séance (when, where, who sits), and for one case on its agenda the hearing, the
EP's avis and the PCD's décision. Each shows the saisine it answers; nothing of the file is typed again."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from PySide6.QtCore import QDateTime, QTime
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QWidget,
)

from app.models.enums import EpDecision, EpMotive, EpOpinion, EpSeanceStatus
from app.models.law import SANCTION_MAX_MONTHS, SANCTION_MAX_RATE
from app.models.vocabularies.loader import load_vocabularies
from app.services.ep import decisions, seances
from app.services.ep.views import AgendaItem, SeanceView
from app.ui.kit import theme
from app.ui.kit.forms import DateField, FollowupDialog, Job, pydatetime, qdate
from app.ui.shell.plugins import UiContext

DECIDED_BY = "Le président du conseil départemental"


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _text_box(name: str, placeholder: str, height: int = 70) -> QPlainTextEdit:
    box = QPlainTextEdit(placeholderText=placeholder)
    box.setAccessibleName(name)
    box.setTabChangesFocus(True)
    box.setFixedHeight(height)
    return box


def parse_members(text: str) -> list[seances.Member]:
    """« Nom — qualité » per line (a dash, an en dash or a comma separates them)."""
    out = []
    for line in text.splitlines():
        for sep in (" — ", " – ", " - ", ","):
            if sep in line:
                name, quality = line.split(sep, 1)
                break
        else:
            name, quality = line, ""
        if name.strip():
            out.append(seances.Member(name.strip(), quality.strip()))
    return out


class SeanceDialog(FollowupDialog):
    """A new séance, or one changed (date, place, members, state)."""

    save_text = "Enregistrer la séance"
    saved_text = "Séance enregistrée"

    def __init__(
        self, ctx: UiContext, seance: SeanceView | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(
            ctx,
            "Séance de l'équipe pluridisciplinaire" if seance is None else f"Séance — {seance.label}",
            parent,
        )
        self.seance = seance
        self.setMinimumWidth(640)
        self.label = QLineEdit(placeholderText="Ex. : EP du territoire Nord")
        self.label.setAccessibleName("Nom de la séance")
        start = datetime.combine(date.today() + timedelta(days=21), datetime.min.time()).replace(hour=14)
        self.held_at = QDateTimeEdit(QDateTime(qdate(start.date()), QTime(start.hour, 0)))
        self.held_at.setCalendarPopup(True)
        self.held_at.setDisplayFormat("dd/MM/yyyy HH:mm")
        self.held_at.setAccessibleName("Date et heure de la séance")
        self.place = QLineEdit(placeholderText="Ex. : Maison du Département, salle 2")
        self.place.setAccessibleName("Lieu")
        self.address = QLineEdit(placeholderText="Adresse imprimée sur les convocations")
        self.address.setAccessibleName("Adresse")
        self.contact = QLineEdit(
            placeholderText="Courriel ou téléphone du secrétariat, imprimé sur les convocations"
        )
        self.contact.setAccessibleName("Contact du secrétariat")
        self.members = _text_box(
            "Membres de l'équipe pluridisciplinaire",
            "Un membre par ligne : Nom — qualité (ex. : Mme Diallo — conseillère France Travail)",
            96,
        )
        self.status = QComboBox()
        self.status.setAccessibleName("État de la séance")
        for entry in load_vocabularies().choices("ep_seance_statuses"):
            self.status.addItem(entry.label, entry.code)
        self.add_row("Nom", self.label, "label")
        self.add_row("Date et heure", self.held_at, "held_at")
        self.add_row("Lieu", self.place, "place")
        self.add_row("Adresse", self.address, "address")
        self.add_row("Contact", self.contact, "contact")
        self.add_row("Membres", self.members, "members")
        self.add_row("État", self.status, "status")
        self.finish_layout()
        if seance is not None:
            self.label.setText(seance.label)
            self.held_at.setDateTime(
                QDateTime(qdate(seance.held_at.date()), QTime(seance.held_at.hour, seance.held_at.minute))
            )
            self.place.setText(seance.place)
            self.address.setText(seance.address)
            self.contact.setText(seance.contact)
            self.members.setPlainText("\n".join(f"{n} — {q}" if q else n for n, q in seance.members))
            self.status.setCurrentIndex(max(0, self.status.findData(seance.status)))
        else:
            self.status.setCurrentIndex(max(0, self.status.findData(EpSeanceStatus.PLANNED.value)))
            self.status.setEnabled(False)
        for signal in (self.label.textChanged, self.place.textChanged, self.address.textChanged,
                       self.contact.textChanged, self.members.textChanged, self.held_at.dateTimeChanged):  # fmt: skip
            signal.connect(self.touched)
        self.dirty = False

    def write_job(self) -> Job | None:
        label, held_at, place = self.label.text(), pydatetime(self.held_at.dateTime()), self.place.text()
        address, contact = self.address.text(), self.contact.text()
        members = parse_members(self.members.toPlainText())
        if self.seance is None:
            return lambda w: seances.create_seance(
                w.db,
                label=label,
                held_at=held_at,
                place=place,
                address=address,
                contact=contact,
                members=members,
            )
        sid, status = self.seance.id, self.status.currentData()
        return lambda w: seances.update_seance(
            w.db, sid, label=label, held_at=held_at, place=place, address=address, contact=contact,
            members=members, status=status,
        )  # fmt: skip


class CaseDialog(FollowupDialog):
    """Base of the dialogs on one case: the saisine it answers, in the introduction."""

    def __init__(self, ctx: UiContext, title: str, item: AgendaItem, parent: QWidget | None = None) -> None:
        r = item.referral
        super().__init__(ctx, f"{title} — {r.person_name}", parent)
        self.item = item
        self.vocab = load_vocabularies()
        self.setMinimumWidth(640)
        proposed = f" ; parcours proposé : {_esc(r.proposed_track_label)}" if r.proposed_track_label else ""
        facts = "".join(f"<li>{_esc(f.kind_label)} : {_esc(f.text)}</li>" for f in r.facts)
        self.set_intro(
            f"<b>{_esc(r.motive_label)}</b> — saisine du {theme.fmt_date(r.referred_on)} par "
            f"{_esc(r.referred_by or r.referent_name or 'le référent')}{proposed}.<br>{_esc(r.summary)}"
            + (f"<ul style='margin:0'>{facts}</ul>" if facts else "")
        )

    def changed_ids(self) -> list[str | None]:
        return [self.item.referral.person_id]


class HearingDialog(CaseDialog):
    save_text = "Enregistrer l'audition"
    saved_text = "Audition enregistrée"

    def __init__(self, ctx: UiContext, item: AgendaItem, parent: QWidget | None = None) -> None:
        super().__init__(ctx, "Audition par l'EP", item, parent)
        self.attendance = QComboBox()
        self.attendance.setAccessibleName("Présence de la personne")
        self.attendance.addItem("Choisir…", "")
        for entry in self.vocab.choices("ep_attendances"):
            self.attendance.addItem(entry.label, entry.code)
        self.attendance.setCurrentIndex(max(0, self.attendance.findData(item.case.attendance)))
        self.observations = _text_box(
            "Observations de la personne", "Les observations présentées, oralement ou par écrit."
        )
        self.observations.setPlainText(item.case.observations)
        self.add_row("Présence", self.attendance, "attendance")
        self.add_row("Observations", self.observations, "observations")
        self.finish_layout()
        self.attendance.currentIndexChanged.connect(self.touched)
        self.observations.textChanged.connect(self.touched)
        self.dirty = False

    def write_job(self) -> Job | None:
        cid, att, obs = (
            self.item.case.id,
            self.attendance.currentData() or "",
            self.observations.toPlainText(),
        )
        return lambda w: decisions.record_hearing(w.db, cid, attendance=att, observations=obs)


class OpinionDialog(CaseDialog):
    save_text = "Enregistrer l'avis"
    saved_text = "Avis de l'EP enregistré"

    def __init__(self, ctx: UiContext, item: AgendaItem, parent: QWidget | None = None) -> None:
        super().__init__(ctx, "Avis de l'équipe pluridisciplinaire", item, parent)
        r = item.referral
        self.opinion = QComboBox()
        self.opinion.setAccessibleName("Avis de l'EP")
        self.opinion.addItem("Choisir l'avis…", "")
        for code in decisions.OPINIONS[r.motive]:
            self.opinion.addItem(self.vocab.label("ep_opinions", code), code)
        self.opinion_on = DateField(min(item.case.held_at.date(), date.today()))
        self.opinion_on.setAccessibleName("Date de l'avis")
        self.track = QComboBox()
        self.track.setAccessibleName("Parcours proposé par l'EP")
        for entry in self.vocab.choices("tracks"):
            self.track.addItem(entry.label, entry.code)
        self.track.setCurrentIndex(max(0, self.track.findData(r.proposed_track or "")))
        self.organisme = QLineEdit(r.proposed_organisme)
        self.organisme.setAccessibleName("Organisme proposé par l'EP")
        self.detail = _text_box("Motivation de l'avis", "Ce que l'EP retient, ses préconisations.")
        self.add_row("Avis", self.opinion, "opinion")
        self.add_row("Date", self.opinion_on, "opinion_on")
        self.add_row("Parcours", self.track, "track")
        self.add_row("Organisme", self.organisme, "organisme")
        self.add_row("Motivation", self.detail, "opinion_detail")
        self.finish_layout()
        self.opinion.currentIndexChanged.connect(self._changed)
        self.detail.textChanged.connect(self.touched)
        self._changed()
        self.dirty = False

    def _changed(self, *_: object) -> None:
        self.touched()
        shown = self.opinion.currentData() == EpOpinion.REORIENTATION
        for w in (self.track, self.organisme):
            self.show_row(w, shown)

    def write_job(self) -> Job | None:
        cid, opinion, day = self.item.case.id, self.opinion.currentData() or "", self.opinion_on.value()
        track, org, detail = self.track.currentData(), self.organisme.text(), self.detail.toPlainText()
        return lambda w: decisions.record_opinion(
            w.db, cid, opinion=opinion, opinion_on=day, track=track, organisme=org, detail=detail
        )


class DecisionDialog(CaseDialog):
    save_text = "Enregistrer la décision"
    saved_text = "Décision enregistrée ; elle part au référent à la prochaine synchronisation"

    def __init__(self, ctx: UiContext, item: AgendaItem, parent: QWidget | None = None) -> None:
        super().__init__(ctx, "Décision du président du conseil départemental", item, parent)
        r, c = item.referral, item.case
        self.decision = QComboBox()
        self.decision.setAccessibleName("Décision")
        self.decision.addItem("Choisir la décision…", "")
        for code in decisions.DECISIONS[r.motive]:
            self.decision.addItem(self.vocab.label("ep_decisions", code), code)
        self.decision_on = DateField(date.today())
        self.decision_on.setAccessibleName("Date de la décision")
        self.decided_by = QLineEdit(DECIDED_BY)
        self.decided_by.setAccessibleName("Décidé par")
        self.track = QComboBox()
        self.track.setAccessibleName("Parcours décidé")
        for entry in self.vocab.choices("tracks"):
            self.track.addItem(entry.label, entry.code)
        self.track.setCurrentIndex(max(0, self.track.findData(c.opinion_track or r.proposed_track or "")))
        self.organisme = QLineEdit(c.opinion_organisme or r.proposed_organisme)
        self.organisme.setAccessibleName("Organisme désigné")
        self.rate = QSpinBox()
        self.rate.setRange(0, SANCTION_MAX_RATE)
        self.rate.setSuffix(" %")
        self.rate.setAccessibleName("Quotité décidée, en pour cent")
        self.months = QSpinBox()
        self.months.setRange(0, SANCTION_MAX_MONTHS)
        self.months.setSuffix(" mois")
        self.months.setAccessibleName("Durée décidée, en mois")
        self.household = QCheckBox("Foyer de plus d'une personne ou majoration (50 % au plus)")
        self.detail = _text_box(
            "Précisions de la décision", "Références du courrier de décision, précisions."
        )
        self.add_row("Décision", self.decision, "decision")
        self.add_row("Date", self.decision_on, "decision_on")
        self.add_row("Décidé par", self.decided_by, "decided_by")
        self.add_row("Parcours", self.track, "track")
        self.add_row("Organisme", self.organisme, "organisme")
        self.add_row("Quotité", self.rate, "rate_percent")
        self.add_row("Durée", self.months, "duration_months")
        self.add_row("", self.household)
        self.add_row("Précisions", self.detail, "decision_detail")
        self.finish_layout()
        self.decision.currentIndexChanged.connect(self._changed)
        self.detail.textChanged.connect(self.touched)
        self._changed()
        self.dirty = False

    def _changed(self, *_: object) -> None:
        self.touched()
        code = self.decision.currentData()
        self.show_row(self.track, code == EpDecision.REORIENTATION)
        self.show_row(self.organisme, code == EpDecision.REORIENTATION)
        sanction = code in (EpDecision.SUSPENSION, EpDecision.SUPPRESSION)
        for w in (self.rate, self.months, self.household):
            self.show_row(w, sanction)

    def write_job(self) -> Job | None:
        cid, code = self.item.case.id, self.decision.currentData() or ""
        day, by, detail = self.decision_on.value(), self.decided_by.text(), self.detail.toPlainText()
        track, org = self.track.currentData(), self.organisme.text()
        facts = None
        if (
            code in (EpDecision.SUSPENSION, EpDecision.SUPPRESSION)
            and self.item.referral.motive == EpMotive.SANCTION
        ):
            facts = decisions.SanctionFacts(
                self.rate.value() or None, self.months.value() or None, self.household.isChecked()
            )
        return lambda w: decisions.record_decision(
            w.db, cid, decision=code, decision_on=day, decided_by=by, detail=detail, track=track,
            organisme=org, sanction=facts,
        )  # fmt: skip
