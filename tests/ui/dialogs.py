"""How to open each dialog class of ``app.ui`` for the accessibility audit, the way the application does where it
is simple (a tab's action), with real data of the demo caseload otherwise.

:data:`DIALOGS`: name → (the class expected, opener). A dialog class missing here fails
``test_every_dialog_class_is_audited``: add an opener (or, if it can never be shown, an entry in
:data:`EXEMPT` saying why).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication, QDialog, QWidget
from sqlalchemy import select

from app.models.indicators.period import Period
from app.models.tables.contracts import Contract
from app.models.tables.people import Person
from app.services.agenda.calendar import AgendaItem
from app.services.bilans.records import all_bilans
from app.services.bilans.values import BilanView
from app.services.contracts.document import render_pdf
from app.services.ep import referrals as ep_referrals
from app.services.ep import seances as ep_seances
from app.services.ep import views as ep_views
from app.services.ep.views import AgendaItem as EpAgendaItem
from app.services.people.coaccompaniment import ShareView
from app.services.sync.view import QueueItem
from app.ui.caseload.batch_print import BatchPrintDialog, open_batch_print
from app.ui.kit.preview import PdfPreviewDialog
from app.ui.pages.agenda.letters import LettersDialog
from app.ui.pages.agenda.session_dialog import SessionDialog
from app.ui.pages.ep.dialogs import DecisionDialog, HearingDialog, OpinionDialog, SeanceDialog
from app.ui.pages.indicators.dialogs import PeopleDialog
from app.ui.pages.settings.widgets import SealDialog, SecretDialog
from app.ui.pages.sync.conflicts import EditValueDialog
from app.ui.person.bilans.dialogs import FinaliseDialog, JointReviewDialog
from app.ui.person.bilans.editor import BilanDialog
from app.ui.person.carnet.dialogs import ActionDialog, ObjectiveDialog, OutcomeDialog, PrescriptionDialog
from app.ui.person.coaccompaniment import CoAccompanimentCard, EndShareDialog, ShareDialog
from app.ui.person.contracts.editor import ContractEditor
from app.ui.person.contracts.paper_signature import ImageViewDialog, PaperSignatureDialog
from app.ui.person.contracts.signature_pad import SignatureDialog
from app.ui.person.documents.dialogs import DocumentDialog, NoteDialog
from app.ui.person.ep.dialogs import ReferralDialog, WithdrawDialog
from app.ui.person.exit_dialogs import ExitDialog, ReentryDialog
from app.ui.person.page import PersonPage
from app.ui.person.parcours_dialogs import OrientationDialog, ReferentDialog, open_followup_dialog
from app.ui.person.rdv.dialogs import AppointmentDialog, FollowUpDialog, StatusDialog
from app.ui.person.rdv.reminders import ReminderDialog
from app.ui.person.sanction_dialog import SanctionDialog
from app.ui.shell.first_run import FirstRunDialog
from app.ui.shell.plugins import page_factories
from app.ui.shell.restore_dialog import RestoreDialog
from tests.ui.kit import idle

#: Dialog classes not opened by the audit, and why.
EXEMPT: dict[str, str] = {
    "app.ui.pages.ep.dialogs.CaseDialog": "the frame of the dialogs on one EP case: audited through each of them",
    "app.ui.kit.forms.FollowupDialog": "the frame of the follow-up dialogs: audited through each of them",
}


class DialogEnv:
    """What the openers share: the test's qtbot, the page context, the vault, a followed person and their file."""

    def __init__(self, qtbot: Any, ctx: Any, vault: Any, person_id: str, tmp_path: Path) -> None:
        self.qtbot, self.ctx, self.vault, self.person_id, self.tmp_path = (
            qtbot,
            ctx,
            vault,
            person_id,
            tmp_path,
        )
        self._page: PersonPage | None = None
        self._settings: QWidget | None = None
        self._pages: dict[str, QWidget] = {}

    @staticmethod
    def classes() -> list[type[QDialog]]:
        return [cls for cls, _opener in DIALOGS.values()]

    # --- helpers -----------------------------------------------------------------------------------------------

    def page(self) -> PersonPage:
        if self._page is None:
            self._page = PersonPage(self.ctx.worker, self.person_id, ctx=self.ctx)
            self.qtbot.addWidget(self._page)
            self._page.resize(1280, 720)
            self._page.show()
            idle(self.qtbot, self.ctx)
        return self._page

    def tab(self, key: str) -> Any:
        page = self.page()
        page.select_tab(key)
        idle(self.qtbot, self.ctx)
        return page.tab_widgets[key]

    def settings(self) -> Any:
        if self._settings is None:
            self._settings = page_factories()["parametres"](self.ctx)
            self.qtbot.addWidget(self._settings)
            self._settings.show()
            idle(self.qtbot, self.ctx)
        return self._settings

    def agenda(self) -> Any:
        return self.page_of("agenda")

    def page_of(self, key: str) -> Any:
        """The navigation page ``key`` (as discovered by the plugins), shown."""
        if key not in self._pages:
            page = page_factories()[key](self.ctx)
            self.qtbot.addWidget(page)
            page.resize(1280, 720)
            page.show()
            idle(self.qtbot, self.ctx)
            self._pages[key] = page
        return self._pages[key]

    def opened(self, action: Callable[[], object]) -> QDialog:
        """Run ``action`` and return the dialog it showed."""
        before = set(visible_dialogs())
        action()
        idle(self.qtbot, self.ctx)
        self.qtbot.waitUntil(lambda: bool(set(visible_dialogs()) - before), timeout=5000)
        return next(d for d in visible_dialogs() if d not in before)

    def shown(self, dialog: QDialog) -> QDialog:
        self.qtbot.addWidget(dialog)
        dialog.open()
        idle(self.qtbot, self.ctx)
        return dialog

    def close(self, dialog: QDialog) -> None:
        """Close without the « Abandonner la saisie ? » question (nothing was typed, but be safe)."""
        if hasattr(dialog, "dirty"):
            dialog.dirty = False
        dialog.done(QDialog.DialogCode.Rejected)
        dialog.hide()
        QApplication.processEvents()

    def read(self, query: Any) -> Any:
        with self.vault.db.read() as s:
            return s.scalar(query)

    def rdv_item(self) -> AgendaItem:
        tab = self.tab("rdv")
        return next(i for i in tab.items)

    def select_rdv(self) -> Any:
        tab = self.tab("rdv")
        item = self.rdv_item()
        tab.select_item(item.id)
        return tab

    def contract_id(self) -> str:
        return str(self.read(select(Contract.id).where(Contract.person_id == self.person_id).limit(1)))

    def exited_person(self) -> str:
        return str(self.read(select(Person.id).where(Person.status == "exited").limit(1)))

    def followup(self, kind: str, person_id: str | None = None) -> QDialog:
        page = self.page()
        return self.opened(lambda: open_followup_dialog(kind, self.ctx, person_id or self.person_id, page))

    def prescription(self) -> Any:
        tree = self.tab("carnet").tree_data
        for group in tree.themes:
            for objective in group.objectives:
                for action in objective.actions:
                    if action.prescriptions:
                        return action.prescriptions[0]
        return tree.other_prescriptions[0]

    def png(self) -> bytes:
        image = QImage(120, 160, QImage.Format.Format_RGB32)
        image.fill(Qt.GlobalColor.white)
        data = QByteArray()
        buffer = QBuffer(data)
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        image.save(buffer, "PNG")
        return bytes(data.data())

    def pdf(self) -> bytes:
        return render_pdf(self.vault.db, self.contract_id(), actor="", audit=None, seal=False)


def visible_dialogs() -> list[QDialog]:
    return [w for w in QApplication.topLevelWidgets() if isinstance(w, QDialog) and w.isVisible()]


def _document(env: DialogEnv) -> QDialog:
    path = env.tmp_path / "justificatif.pdf"
    path.write_bytes(env.pdf())
    return env.opened(lambda: env.tab("documents").add_document(path))


def _a_bilan(env: DialogEnv) -> BilanView:
    """A bilan of the demo (any person's: the dialog only shows it)."""
    bilans = all_bilans(env.vault.db)
    assert bilans, "la démo n'a aucun bilan"
    return bilans[0][1]


def _shares(env: DialogEnv) -> CoAccompanimentCard:
    card = env.page().synthesis.shares
    assert card is not None
    return card


def _a_share(env: DialogEnv) -> ShareView:
    """A running co-accompaniment of the person (the dialog only names it and asks for a date)."""
    return ShareView(
        id="share-1", person_id=env.person_id, referent_id="ref-2", name="Karim Benali", structure="France Travail",
        role="conseiller_france_travail", role_label="Conseiller France Travail", access="lecture",
        effective="lecture", effective_label="lecture seule", start_date=date(2026, 11, 2), end_date=None,
        purpose="Diagnostic conjoint", added_by="claire",
    )  # fmt: skip


def _an_ep_case(env: DialogEnv) -> EpAgendaItem:
    """A case on the agenda of a séance (a saisine of the person put on a séance in twelve days, made once: a
    small demo has none); the dialogs show its saisine."""
    for seance in ep_views.seances(env.vault.db):
        if seance.items:
            return seance.items[0]
    today = date.today()
    referral = ep_referrals.refer(
        env.vault.db, env.person_id, motive="reorientation", referred_on=today - timedelta(days=9),
        summary="Reprise d'emploi à temps partiel : suivi par France Travail proposé.",
        proposed_track="emploi", proposed_organisme="France Travail",
    )  # fmt: skip
    seance = ep_seances.create_seance(
        env.vault.db, label="EP du territoire Sud", held_at=datetime.combine(today + timedelta(days=12), time(9, 30)),
        place="Centre administratif, salle du conseil",
    )  # fmt: skip
    ep_seances.schedule(env.vault.db, seance, [referral])
    return _an_ep_case(env)


def _this_month() -> Period:
    return Period.month(date.today().year, date.today().month)


def _queue_item() -> QueueItem:
    return QueueItem(
        id="q1", person_id=None, person="DUPONT Marie", table="Personne", field="phone", field_name="Téléphone",
        kind="conflict", mine="06 00 00 00 01", theirs="06 00 00 00 02", editable=True,
    )  # fmt: skip


DIALOGS: dict[str, tuple[type[QDialog], Callable[[DialogEnv], QDialog]]] = {
    "Nouveau rendez-vous": (AppointmentDialog, lambda e: e.opened(e.tab("rdv").new_appointment)),
    "Rappels des rendez-vous": (ReminderDialog, lambda e: e.opened(e.tab("rdv").edit_reminders)),
    "Séance collective": (SessionDialog, lambda e: e.opened(e.agenda().new_collective)),
    "Convocations de la semaine": (LettersDialog, lambda e: e.opened(e.agenda().convoke)),
    "Nouveau bilan": (BilanDialog, lambda e: e.opened(e.tab("bilans").new_bilan)),
    "Finaliser le bilan": (
        FinaliseDialog,
        lambda e: e.shown(FinaliseDialog(e.ctx, _a_bilan(e), False, e.page())),
    ),
    "Diagnostic conjoint": (JointReviewDialog, lambda e: e.opened(e.tab("bilans").new_review)),
    "Co-accompagnement": (ShareDialog, lambda e: e.opened(lambda: _shares(e).add())),
    "Fin du co-accompagnement": (
        EndShareDialog,
        lambda e: e.shown(EndShareDialog(e.ctx, _a_share(e), e.page())),
    ),
    "Saisine de l'EP": (ReferralDialog, lambda e: e.opened(e.tab("ep").open_referral)),
    "Retrait d'une saisine": (
        WithdrawDialog,
        lambda e: e.shown(
            WithdrawDialog(e.ctx, e.person_id, "saisine-1", "sanction, du 02/11/2026", e.page())
        ),
    ),
    "Séance de l'EP": (SeanceDialog, lambda e: e.opened(lambda: e.page_of("ep").new_seance.click())),
    "Audition par l'EP": (HearingDialog, lambda e: e.shown(HearingDialog(e.ctx, _an_ep_case(e), e.page()))),
    "Avis de l'EP": (OpinionDialog, lambda e: e.shown(OpinionDialog(e.ctx, _an_ep_case(e), e.page()))),
    "Décision sur l'avis de l'EP": (
        DecisionDialog,
        lambda e: e.shown(DecisionDialog(e.ctx, _an_ep_case(e), e.page())),
    ),
    "Statut du rendez-vous": (StatusDialog, lambda e: e.opened(e.select_rdv().change_status)),
    "Rendez-vous non honoré": (
        FollowUpDialog,
        lambda e: e.opened(lambda: e.tab("rdv").propose_follow_up(e.rdv_item())),
    ),
    "Nouvel objectif": (ObjectiveDialog, lambda e: e.opened(e.tab("carnet").add_objective)),
    "Nouvelle action": (
        ActionDialog,
        lambda e: e.shown(
            ActionDialog(e.ctx, e.person_id, "objectif", "Trouver un logement", e.tab("carnet"))
        ),
    ),
    "Nouvelle prescription": (
        PrescriptionDialog,
        lambda e: e.shown(PrescriptionDialog(e.ctx, e.person_id, None, None, e.tab("carnet"))),
    ),
    "Résultat de la prescription": (
        OutcomeDialog,
        lambda e: e.shown(OutcomeDialog(e.ctx, e.person_id, e.prescription(), None, e.tab("carnet"))),
    ),
    "Orientation": (OrientationDialog, lambda e: e.followup("orientation")),
    "Changer de référent": (ReferentDialog, lambda e: e.followup("referent")),
    "Sortie du dispositif": (ExitDialog, lambda e: e.followup("exit")),
    "Ré-entrée": (ReentryDialog, lambda e: e.followup("exit", e.exited_person())),
    "Sanction": (SanctionDialog, lambda e: e.followup("sanction")),
    "Contrat": (ContractEditor, lambda e: e.opened(lambda: e.tab("contrats").open_editor(None))),
    "Signature": (
        SignatureDialog,
        lambda e: e.shown(SignatureDialog("La personne accompagnée", "Marie DUPONT", "", e.tab("contrats"))),
    ),
    "Signature sur papier": (
        PaperSignatureDialog,
        lambda e: e.shown(PaperSignatureDialog("2026-0001", "Marie DUPONT", "Grenoble", e.tab("contrats"))),
    ),
    "Image d'un scan": (
        ImageViewDialog,
        lambda e: e.shown(ImageViewDialog("Contrat signé", e.png(), e.page())),
    ),
    "Aperçu PDF": (
        PdfPreviewDialog,
        lambda e: e.shown(PdfPreviewDialog(e.ctx.worker, e.pdf(), "contrat", "contrat.pdf", e.page())),
    ),
    "Nouvelle note": (NoteDialog, lambda e: e.opened(e.tab("documents").new_note)),
    "Ajouter un document": (DocumentDialog, _document),
    "Imprimer les contrats": (
        BatchPrintDialog,
        lambda e: e.opened(lambda: open_batch_print(e.ctx, [e.person_id], e.page())),
    ),
    "Premier lancement": (
        FirstRunDialog,
        lambda e: e.shown(FirstRunDialog(e.ctx.worker, e.tmp_path / "neuf", "neuf")),
    ),
    "Restaurer une sauvegarde": (
        RestoreDialog,
        lambda e: e.shown(RestoreDialog(e.ctx.worker, e.vault.info, lambda _n: lambda _w: None, e.page())),
    ),
    "Personnes derrière un indicateur": (
        PeopleDialog,
        lambda e: e.shown(PeopleDialog(e.ctx, _this_month(), "file_active", "File active", parent=e.page())),
    ),
    "Changer le code de verrouillage": (SecretDialog, lambda e: e.opened(e.settings().change_lock_code)),
    "Cachet du département": (SealDialog, lambda e: e.opened(e.settings().configure_seal)),
    "Modifier une valeur en conflit": (
        EditValueDialog,
        lambda e: e.shown(EditValueDialog(_queue_item(), e.page())),
    ),
}
