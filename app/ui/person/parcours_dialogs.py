"""Follow-up dialogs of a case file: orientation / réorientation and change of référent (one person or many).
Exit, re-entry and sanction steps live in :mod:`app.ui.person.exit_dialogs`; :func:`open_followup_dialog`
loads what a dialog needs on the worker, then opens it. Writes go through :mod:`app.services.people.identity`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLineEdit, QPlainTextEdit, QPushButton, QWidget

from app.models.vocabularies.loader import load_vocabularies
from app.services.people import followup, parcours
from app.services.people import identity as people
from app.services.people.followup import FollowupContext, ReferentChoice, SanctionProcedure
from app.services.people.labels import TRACK_LABELS
from app.ui.kit import theme
from app.ui.kit.forms import DateField, FollowupDialog, Job, OptionalDate
from app.ui.kit.widgets import FlowRow
from app.ui.kit.worker import WorkerContext
from app.ui.shell.plugins import UiContext

TRACKS: dict[str, str] = {str(k): v for k, v in TRACK_LABELS.items()}  # by code


class OrientationDialog(FollowupDialog):
    """« Orientation » (first) or « Réorientation »: the orientation in force is shown and will be closed."""

    def __init__(self, ctx: UiContext, person: FollowupContext, parent: QWidget | None = None) -> None:
        self.person = person
        self.reorientation = bool(person.track)
        self.save_text = "Enregistrer la réorientation" if self.reorientation else "Enregistrer l'orientation"
        kind = "Réorientation" if self.reorientation else "Orientation"
        super().__init__(ctx, f"{kind} — {person.name}", parent)
        vocab = load_vocabularies()
        self.track = QComboBox()
        for entry in vocab.choices("tracks"):
            self.track.addItem(entry.label, entry.code)
        self.organisme = QComboBox(editable=True)
        line = self.organisme.lineEdit()
        assert line is not None  # editable
        line.setPlaceholderText("Organisme référent désigné")
        self._organismes = [(e.label, list(e.get("tracks") or [])) for e in vocab.choices("organismes")]
        self.decision = DateField()
        self.notification = OptionalDate("Notifiée le")
        self.notification.check.setChecked(True)
        self.ep_opinion = QLineEdit(placeholderText="Ex. : avis favorable à la réorientation (facultatif)")
        self.ep_date = OptionalDate("Avis rendu le")
        self.reason = QPlainTextEdit(
            placeholderText="Motif de la décision (facultatif, sans donnée de santé)"
        )
        self.reason.setFixedHeight(70)
        self.add_row("Parcours", self.track, "track")
        self.add_row("Organisme", self.organisme, "organisme")
        self.add_row("Date de décision", self.decision, "decision_date")
        self.add_row("Notification", self.notification, "notification_date")
        self.add_row("Avis de l'EP", self.ep_opinion, "ep_opinion")
        self.add_row("", self.ep_date, "ep_opinion_date")
        self.add_row("Motif", self.reason, "reason")
        self.finish_layout()
        self._intro()
        self.track.currentIndexChanged.connect(self._fill_organismes)
        if self.reorientation:
            self.track.setCurrentIndex(max(0, self.track.findData(person.track)))
        self._fill_organismes()
        for signal in (self.track.currentIndexChanged, self.organisme.currentTextChanged,
                       self.decision.dateChanged, self.ep_opinion.textChanged, self.reason.textChanged):  # fmt: skip
            signal.connect(self.touched)

    def _intro(self) -> None:
        p = self.person
        if not self.reorientation:
            self.set_intro(
                "Première orientation de la personne : le parcours choisi deviendra son parcours actuel."
            )
            return
        track = TRACKS.get(p.track, p.track).lower()
        org = f" — {p.organisme}" if p.organisme else ""
        since = f", décidée le {theme.fmt_date(p.decision_date)}" if p.decision_date else ""
        self.set_intro(
            f"<b>Orientation en cours :</b> parcours {track}{org}{since}.<br>"
            "Elle sera <b>close</b> à la date de la nouvelle décision ; l'historique des orientations est conservé."
        )

    def _fill_organismes(self, *_: object) -> None:
        track, text = self.track.currentData(), self.organisme.currentText()
        self.organisme.blockSignals(True)
        self.organisme.clear()
        for label, tracks in self._organismes:
            if not tracks or track in tracks:
                self.organisme.addItem(label)
        if not text and self.reorientation and track == self.person.track:
            text = self.person.organisme  # the organisme in force stays proposed for the same track
        same = self.reorientation and track == self.person.track
        if same and text and text == self.person.organisme and self.organisme.findText(text) < 0:
            self.organisme.insertItem(0, text)
        if text and self.organisme.findText(text) >= 0:
            self.organisme.setCurrentText(text)
        elif self.organisme.count():
            self.organisme.setCurrentIndex(0)
        self.organisme.blockSignals(False)

    def write_job(self) -> Job:
        pid = self.person.person_id
        values = {
            "track": self.track.currentData(), "organisme": self.organisme.currentText().strip(),
            "decision_date": self.decision.value(), "notification_date": self.notification.value(),
            "ep_opinion": self.ep_opinion.text(), "ep_opinion_date": self.ep_date.value(),
            "reason": self.reason.toPlainText(),
        }  # fmt: skip
        return lambda w: parcours.record_orientation(w.db, pid, **values)

    def changed_ids(self) -> list[str | None]:
        return [self.person.person_id]


class ReferentDialog(FollowupDialog):
    """« Changer de référent » for one person (person page) or many (a team leader's multi-selection)."""

    save_text = "Changer de référent"

    def __init__(
        self, ctx: UiContext, person_ids: Sequence[str], names: Sequence[str], referents: Sequence[ReferentChoice],
        current_referent: str | None = None, parent: QWidget | None = None,
    ) -> None:  # fmt: skip
        self.person_ids = list(person_ids)
        many = len(self.person_ids) > 1
        title = (
            f"Changer de référent — {theme.plural(len(person_ids), 'personne', 'personnes')}"
            if many
            else (f"Changer de référent — {names[0] if names else ''}")
        )
        super().__init__(ctx, title, parent)
        self.referent = QComboBox()
        for r in referents:
            if r.id != current_referent:
                self.referent.addItem(f"{r.name} — {r.structure}" if r.structure else r.name, r.id)
        self.start = DateField()
        self.reason = QPlainTextEdit(
            placeholderText="Ex. : rééquilibrage des files actives, départ du référent…"
        )
        self.reason.setFixedHeight(70)
        self.add_row("Nouveau référent", self.referent, "referent_id")
        self.add_row("À compter du", self.start, "start_date")
        self.add_row("Motif", self.reason, ["reason", "person_ids"])
        self.finish_layout()
        shown = ", ".join(names[:6]) + (f" et {len(names) - 6} autres" if len(names) > 6 else "")
        self.set_intro(
            (f"<b>{len(names)} personnes :</b> {shown}.<br>" if many else "")
            + "Le dossier suit la personne : diagnostic, carnet, rendez-vous et contrats restent attachés. "
            "L'historique des référents est conservé."
        )
        self.reason.textChanged.connect(self.touched)
        self.referent.currentIndexChanged.connect(self.touched)

    def write_job(self) -> Job | None:
        rid = self.referent.currentData()
        if not rid:
            self.show_errors({"referent_id": "Aucun autre référent n'est connu sur ce poste."})
            return None
        ids, start, reason = self.person_ids, self.start.value(), self.reason.toPlainText()
        return lambda w: people.assign_referent(w.db, ids, rid, start_date=start, reason=reason)

    def changed_ids(self) -> list[str | None]:
        return list(self.person_ids) if len(self.person_ids) == 1 else [None]


# --- opening from the person page or the caseload ------------------------------------------------------


@dataclass(frozen=True)
class DialogData:
    person: FollowupContext
    referents: list[ReferentChoice]
    procedures: list[SanctionProcedure]


def load_dialog_data(w: WorkerContext, person_id: str) -> DialogData:
    db = w.db
    return DialogData(
        followup.followup_context(db, person_id), followup.referent_choices(db),
        followup.sanction_procedures(db, person_id),
    )  # fmt: skip


def build_dialog(
    kind: str, ctx: UiContext, data: DialogData, parent: QWidget | None = None
) -> FollowupDialog:
    """``kind``: orientation, referent, exit (re-entry when the person already left), sanction."""
    from app.ui.person.exit_dialogs import ExitDialog, ReentryDialog
    from app.ui.person.sanction_dialog import SanctionDialog

    p = data.person
    if kind == "orientation":
        return OrientationDialog(ctx, p, parent)
    if kind == "referent":
        return ReferentDialog(ctx, [p.person_id], [p.name], data.referents, p.referent_id, parent)
    if kind == "exit":
        return ReentryDialog(ctx, p, parent) if p.exited else ExitDialog(ctx, p, parent)
    return SanctionDialog(ctx, p, data.procedures, parent)


def _open(dialog: FollowupDialog) -> None:
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()


def open_followup_dialog(kind: str, ctx: UiContext, person_id: str, parent: QWidget) -> None:
    """Load the person's follow-up context on the worker, then open the dialog (window-modal, non-blocking:
    the lock can hide it and bring it back)."""
    from app.ui.kit.errors import show_error

    def opened(data: DialogData) -> None:
        _open(build_dialog(kind, ctx, data, parent))

    ctx.worker.submit(
        lambda w: load_dialog_data(w, person_id), opened, lambda exc: show_error(parent, exc), owner=parent
    )


def open_reassign_many(
    ctx: UiContext, person_ids: Sequence[str], names: Sequence[str], parent: QWidget
) -> None:
    """A team leader's reassignment of the selected people."""
    from app.ui.kit.errors import show_error

    ids, shown = list(person_ids), list(names)
    ctx.worker.submit(
        lambda w: followup.referent_choices(w.db),
        lambda refs: _open(ReferentDialog(ctx, ids, shown, refs, None, parent)),
        lambda exc: show_error(parent, exc),
        owner=parent,
    )


class FollowupActions(QWidget):
    """Toolbar of the Synthèse tab: « Orientation… », « Changer de référent… », « Sortie du dispositif… »
    (« Ré-entrée… » once the person left), « Sanction… »."""

    ACTIONS = (
        (
            "orientation",
            "Orientation…",
            "fa6s.signs-post",
            "Orientation ou réorientation (décision du département)",
        ),
        (
            "referent",
            "Changer de référent…",
            "fa6s.people-arrows",
            "Désigner un autre référent ; l'historique est gardé",
        ),
        ("exit", "Sortie du dispositif…", "fa6s.door-open", "Enregistrer la fin de l'accompagnement"),
        (
            "sanction",
            "Sanction…",
            "fa6s.scale-balanced",
            "Étapes de la procédure de suspension-remobilisation",
        ),
    )

    def __init__(self, ctx: UiContext, person_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        row = FlowRow(self)  # wraps when the room is short (200 % text)
        self.buttons: dict[str, QPushButton] = {}
        for kind, text, icon, tip in self.ACTIONS:
            button = QPushButton(theme.icon(icon), text)
            button.setToolTip(tip)
            button.clicked.connect(lambda _=False, k=kind: open_followup_dialog(k, ctx, person_id, self))
            self.buttons[kind] = button
            row.addWidget(button)

    def set_exited(self, exited: bool) -> None:
        exit_button = self.buttons["exit"]
        exit_button.setText("Ré-entrée dans le dispositif…" if exited else "Sortie du dispositif…")
        exit_button.setIcon(theme.icon("fa6s.door-closed" if exited else "fa6s.door-open"))
        for kind in ("orientation", "sanction"):
            self.buttons[kind].setEnabled(not exited)
