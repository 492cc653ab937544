"""« Équipe pluridisciplinaire »: the secretariat's desk (ADR 0040, 0041). The séances (left), the agenda of the
one selected with each case's convocation, hearing, avis and décision (right), and the saisines that arrived by
sync waiting for a séance (below), with the delay of the chain against the one-month target.

The secretariat (and a device not enrolled, where the user holds every role) acts here; a référent or a team
leader sees the same lists read-only — the server refuses their writes of séances and cases anyway."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QLabel,
    QPushButton,
    QSplitter,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.models.enums import EpOpinion, EpSeanceStatus
from app.services.ep import access, seances, views
from app.services.ep.views import AgendaItem, ReferralView, SeanceView
from app.services.errors import ValidationError
from app.ui.kit import theme
from app.ui.kit.errors import show_error
from app.ui.kit.forms import FollowupDialog
from app.ui.kit.preview import PdfPreviewDialog
from app.ui.kit.widgets import LineLabel, named, tool_row
from app.ui.kit.worker import WorkerContext
from app.ui.pages.ep.dialogs import DecisionDialog, HearingDialog, OpinionDialog, SeanceDialog
from app.ui.shell.plugins import UiContext

ROW_ROLE = Qt.ItemDataRole.UserRole
READ_ONLY = (
    "Consultation : les séances, les avis et les décisions sont enregistrés par le secrétariat de l'équipe "
    "pluridisciplinaire ; ils arrivent ici par la synchronisation."
)


@dataclass(frozen=True)
class EpDesk:
    """What the page shows, read in one go on the worker."""

    who: access.SignedIn
    seances: list[SeanceView]
    waiting: list[ReferralView]
    referrals: list[ReferralView]


def load_desk(w: WorkerContext) -> EpDesk:
    return EpDesk(
        access.signed_in(w.db), views.seances(w.db), views.waiting_referrals(w.db), views.referrals(w.db)
    )


def chain_summary(rows: list[ReferralView], today: date) -> str:
    """« 3 saisines en cours (1 au-delà de l'objectif) · 5 décidées en 24 jours en médiane, 80 % dans l'objectif »."""
    open_rows = [r for r in rows if r.open]
    late_open = sum(1 for r in open_rows if r.late(today))
    days = sorted(r.days_to_decision for r in rows if r.days_to_decision is not None)
    parts = [theme.plural(len(open_rows), "saisine en cours", "saisines en cours")
             + (f" ({late_open} au-delà de l'objectif d'un mois)" if late_open else "")]  # fmt: skip
    if days:
        median = (
            days[len(days) // 2] if len(days) % 2 else (days[len(days) // 2 - 1] + days[len(days) // 2]) // 2
        )
        within = sum(1 for r in rows if r.days_to_decision is not None and not r.late(today))
        parts.append(
            f"{theme.plural(len(days), 'décision', 'décisions')} en {median} jours en médiane après la saisine, "
            f"{round(100 * within / len(days))} % dans l'objectif"
        )
    return " · ".join(parts)


def _case_state(item: AgendaItem) -> tuple[str, str, str, str]:
    c = item.case
    convened = f"éditée le {theme.fmt_date(c.convened_on)}" if c.convened_on else "à éditer"
    return (
        convened,
        c.attendance_label or "—",
        c.opinion_label or "—",
        (f"{c.decision_label} ({theme.fmt_date(c.decision_on)})" if c.decision else "—"),
    )


class EpPage(QWidget):
    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.desk: EpDesk | None = None
        self.may_act = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 10, 10, 6)
        layout.setSpacing(8)
        self.who = named(LineLabel(), "muted")
        self.refresh_button = QPushButton(theme.icon("fa6s.rotate"), "Actualiser")
        self.refresh_button.setToolTip("Relire les séances et les saisines (F5)")
        self.refresh_button.clicked.connect(self.reload)
        QShortcut(
            QKeySequence("F5"), self, self.reload, context=Qt.ShortcutContext.WidgetWithChildrenShortcut
        )
        layout.addLayout(
            tool_row([named(QLabel("Équipe pluridisciplinaire"), "title"), self.who], [self.refresh_button])
        )  # rows that wrap (200 % text)
        self.summary = named(QLabel(wordWrap=True), "muted")
        self.summary.setAccessibleName("Délais de la chaîne saisine, avis, décision")
        layout.addWidget(self.summary)
        self.notice = named(QLabel(READ_ONLY, wordWrap=True), "muted")
        self.notice.hide()
        layout.addWidget(self.notice)
        split = QSplitter(Qt.Orientation.Vertical)
        upper = QSplitter(Qt.Orientation.Horizontal)
        upper.addWidget(self._seance_pane())
        upper.addWidget(self._agenda_pane())
        upper.setSizes([420, 900])
        split.addWidget(upper)
        split.addWidget(self._waiting_pane())
        split.setSizes([380, 220])
        layout.addWidget(split, 1)

    def showEvent(self, event: QShowEvent) -> None:
        """Read the data each time the page is shown (never before the vault is unlocked)."""
        super().showEvent(event)
        self.reload()

    # --- layout -----------------------------------------------------------------------------------------------

    def _seance_pane(self) -> QWidget:
        pane = QWidget()
        col = QVBoxLayout(pane)
        col.setContentsMargins(0, 0, 0, 0)
        self.new_seance = QPushButton(theme.icon("fa6s.plus"), "Nouvelle séance…")
        self.new_seance.clicked.connect(lambda: self._open(SeanceDialog(self.ctx, None, self)))
        self.edit_seance = QPushButton(theme.icon("fa6s.pen"), "Modifier…")
        self.edit_seance.clicked.connect(self.open_edit_seance)
        col.addLayout(tool_row([named(QLabel("Séances"), "section")], [self.new_seance, self.edit_seance]))
        self.seance_list = QTreeWidget()
        self.seance_list.setHeaderLabels(["Date", "Séance", "Dossiers", "État"])
        self.seance_list.setRootIsDecorated(False)
        self.seance_list.setAccessibleName("Séances de l'équipe pluridisciplinaire")
        self.seance_list.itemSelectionChanged.connect(self._seance_selected)
        for c, width in ((0, 140), (1, 150), (2, 74)):
            self.seance_list.setColumnWidth(c, width)
        self.seance_list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        col.addWidget(self.seance_list, 1)
        return pane

    def _agenda_pane(self) -> QWidget:
        pane = QWidget()
        col = QVBoxLayout(pane)
        col.setContentsMargins(0, 0, 0, 0)
        self.agenda_title = named(QLabel("Ordre du jour"), "section")
        col.addWidget(self.agenda_title)
        self.seance_detail = named(QLabel(wordWrap=True), "muted")
        col.addWidget(self.seance_detail)
        self.buttons: dict[str, QPushButton] = {}
        for key, text, icon, tip in (
            (
                "convocation",
                "Convocation…",
                "fa6s.envelope",
                "Aperçu, impression de la convocation de la personne",
            ),
            ("hearing", "Audition…", "fa6s.comments", "Présence et observations de la personne"),
            ("opinion", "Avis…", "fa6s.scale-balanced", "Avis de l'équipe pluridisciplinaire"),
            ("decision", "Décision…", "fa6s.gavel", "Décision du président du conseil départemental"),
            (
                "unschedule",
                "Retirer de l'ordre du jour",
                "fa6s.xmark",
                "La saisine attendra une autre séance",
            ),
            (
                "open",
                "Ouvrir le dossier",
                "fa6s.folder-open",
                "Ouvrir le dossier de la personne à l'onglet EP",
            ),
        ):
            b = QPushButton(theme.icon(icon), text)
            b.setToolTip(tip)
            b.clicked.connect(lambda _=False, k=key: self.act(k))
            self.buttons[key] = b
        col.addLayout(tool_row([], list(self.buttons.values())))
        self.agenda = QTreeWidget()
        self.agenda.setHeaderLabels(
            ["N°", "Personne", "Motif", "Convocation", "Audition", "Avis", "Décision"]
        )
        self.agenda.setRootIsDecorated(False)
        self.agenda.setAccessibleName("Ordre du jour de la séance")
        self.agenda.itemSelectionChanged.connect(self._case_selected)
        self.agenda.itemActivated.connect(lambda *_: self.act("open"))
        for c, width in ((0, 34), (1, 160), (2, 150), (3, 135), (4, 130), (5, 150)):
            self.agenda.setColumnWidth(c, width)
        col.addWidget(self.agenda, 1)
        return pane

    def _waiting_pane(self) -> QWidget:
        pane = QWidget()
        col = QVBoxLayout(pane)
        col.setContentsMargins(0, 0, 0, 0)
        self.waiting_title = named(QLabel("Saisines en attente d'une séance"), "section")
        self.schedule_button = QPushButton(
            theme.icon("fa6s.calendar-plus"), "Inscrire à la séance sélectionnée"
        )
        self.schedule_button.setToolTip("Mettre les saisines cochées à l'ordre du jour de la séance choisie")
        self.schedule_button.clicked.connect(self.schedule_checked)
        col.addLayout(tool_row([self.waiting_title], [self.schedule_button]))
        self.waiting = QTreeWidget()
        self.waiting.setHeaderLabels(
            ["Saisie le", "Personne", "Référent", "Motif", "Décision attendue avant", "Éléments joints"]
        )
        self.waiting.setRootIsDecorated(False)
        self.waiting.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.waiting.setAccessibleName("Saisines en attente d'une séance (cochez pour inscrire)")
        self.waiting.itemActivated.connect(self._waiting_activated)
        for c, width in ((0, 100), (1, 190), (2, 160), (3, 230), (4, 150)):
            self.waiting.setColumnWidth(c, width)
        col.addWidget(self.waiting, 1)
        return pane

    # --- data -------------------------------------------------------------------------------------------------

    def reload(self) -> None:
        self.ctx.worker.submit(load_desk, self._show, lambda e: show_error(self, e), owner=self)

    def _show(self, desk: EpDesk) -> None:
        keep = self.current_seance()
        self.desk = desk
        who = desk.who
        self.may_act = who.role in (access.ROLE_SECRETARIAT, access.ROLE_ADMIN) or not who.enrolled
        role = who.role_label if who.enrolled else "Poste non relié au serveur du département"
        self.who.setText(" — ".join(x for x in (role, who.name) if x))
        self.notice.setVisible(not self.may_act)
        self.summary.setText(chain_summary(desk.referrals, date.today()))
        self.seance_list.clear()
        for s in desk.seances:
            item = QTreeWidgetItem(
                [theme.fmt_datetime(s.held_at), s.label, f"{s.decided}/{len(s.items)}", s.status_label]
            )
            item.setData(0, ROW_ROLE, s)
            item.setToolTip(1, f"{s.label} — {s.place}")
            self.seance_list.addTopLevelItem(item)
            if keep is not None and s.id == keep.id:
                self.seance_list.setCurrentItem(item)
        first = self.seance_list.topLevelItem(0)
        if self.seance_list.currentItem() is None and first is not None:
            self.seance_list.setCurrentItem(first)
        self._show_waiting(desk.waiting)
        self._seance_selected()

    def _show_waiting(self, rows: list[ReferralView]) -> None:
        self.waiting.clear()
        today = date.today()
        for r in rows:
            due = theme.fmt_date(r.due_on) + (" (dépassée)" if r.late(today) else "")
            item = QTreeWidgetItem([theme.fmt_date(r.referred_on), r.person_name, r.referent_name,
                                    r.motive_label + (" — ajournée" if r.status == "ajournee" else ""), due,
                                    str(len(r.facts))])  # fmt: skip
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(0, Qt.CheckState.Unchecked)
            item.setData(0, ROW_ROLE, r)
            item.setToolTip(1, r.summary)
            if r.late(today):
                item.setIcon(4, theme.icon("fa6s.triangle-exclamation", theme.LATE))
            self.waiting.addTopLevelItem(item)
        self.waiting_title.setText(f"Saisines en attente d'une séance ({len(rows)})")

    def current_seance(self) -> SeanceView | None:
        item = self.seance_list.currentItem()
        return item.data(0, ROW_ROLE) if item is not None else None

    def current_case(self) -> AgendaItem | None:
        item = self.agenda.currentItem()
        return item.data(0, ROW_ROLE) if item is not None else None

    def _seance_selected(self) -> None:
        s = self.current_seance()
        self.agenda.clear()
        if s is None:
            self.agenda_title.setText("Ordre du jour")
            self.seance_detail.setText("Aucune séance : créez la première avec « Nouvelle séance… ».")
        else:
            self.agenda_title.setText(f"Ordre du jour — {s.label}, {theme.fmt_datetime(s.held_at)}")
            members = ", ".join(f"{n} ({q})" if q else n for n, q in s.members)
            self.seance_detail.setText(
                " · ".join(
                    x
                    for x in (
                        ", ".join(y for y in (s.place, s.address) if y),
                        s.status_label,
                        f"Membres : {members}" if members else "",
                    )
                    if x
                )
            )
            for it in s.items:
                convened, heard, opinion, decision = _case_state(it)
                row = QTreeWidgetItem([str(it.case.position), it.referral.person_name, it.referral.motive_label,
                                       convened, heard, opinion, decision])  # fmt: skip
                row.setData(0, ROW_ROLE, it)
                for col in range(1, 6):
                    row.setToolTip(col, row.text(col))
                row.setToolTip(6, it.case.consequence or decision)
                self.agenda.addTopLevelItem(row)
            first = self.agenda.topLevelItem(0)
            if first is not None:
                self.agenda.setCurrentItem(first)
        self._case_selected()

    def _case_selected(self) -> None:
        s, it = self.current_seance(), self.current_case()
        act = self.may_act
        planned = s is not None and s.status == EpSeanceStatus.PLANNED
        self.new_seance.setEnabled(act)
        self.edit_seance.setEnabled(act and s is not None)
        self.schedule_button.setEnabled(act and planned and self.waiting.topLevelItemCount() > 0)
        c = it.case if it else None
        undecided = c is not None and not c.decision
        opined = c is not None and c.opinion not in (None, EpOpinion.POSTPONED)
        today = date.today()
        self.buttons["convocation"].setEnabled(
            act and c is not None and c.opinion is None and c.held_at.date() >= today
        )
        self.buttons["hearing"].setEnabled(act and undecided)
        self.buttons["opinion"].setEnabled(
            act and c is not None and c.opinion is None and c.held_at.date() <= today
        )
        self.buttons["decision"].setEnabled(act and undecided and opined)
        self.buttons["unschedule"].setEnabled(act and c is not None and c.opinion is None)
        self.buttons["open"].setEnabled(it is not None)

    # --- actions ----------------------------------------------------------------------------------------------

    def _open(self, dialog: FollowupDialog) -> None:
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(self.reload)
        dialog.open()

    def open_edit_seance(self) -> None:
        s = self.current_seance()
        if s is not None:
            self._open(SeanceDialog(self.ctx, s, self))

    def act(self, key: str) -> None:
        it = self.current_case()
        if it is None:
            return
        if key == "open":
            self.ctx.open_person(it.referral.person_id, "ep")
        elif key == "hearing":
            self._open(HearingDialog(self.ctx, it, self))
        elif key == "opinion":
            self._open(OpinionDialog(self.ctx, it, self))
        elif key == "decision":
            self._open(DecisionDialog(self.ctx, it, self))
        elif key == "convocation":
            self.show_convocation(it)
        elif key == "unschedule":
            cid = it.case.id
            self.ctx.worker.submit(
                lambda w: seances.unschedule(w.db, cid), lambda _r: self._written(it.referral.person_id),
                lambda e: show_error(self, e), writes=True, owner=self,
            )  # fmt: skip

    def show_convocation(self, it: AgendaItem) -> None:
        from app.services.ep import convocation  # reportlab, when a letter is asked for

        cid = it.case.id
        name = "convocation-EP-" + "-".join(it.referral.person_name.split()) + ".pdf"

        def shown(pdf: bytes) -> None:
            self.preview = PdfPreviewDialog(
                self.ctx.worker, pdf, f"convocation de {it.referral.person_name}", name, self
            )
            self.preview.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            self.preview.open()
            self._written(it.referral.person_id)

        self.ctx.worker.submit(
            lambda w: convocation.print_convocation(w.db, cid), shown, lambda e: show_error(self, e),
            writes=True, owner=self,
        )  # fmt: skip

    def checked_referrals(self) -> list[str]:
        out = []
        for i in range(self.waiting.topLevelItemCount()):
            item = self.waiting.topLevelItem(i)
            if item is not None and item.checkState(0) == Qt.CheckState.Checked:
                out.append(item.data(0, ROW_ROLE).id)
        return out

    def schedule_checked(self) -> None:
        s, ids = self.current_seance(), self.checked_referrals()
        if s is None:
            return
        if not ids:
            show_error(self, ValidationError("Cochez d'abord les saisines à inscrire à l'ordre du jour."))
            return
        sid = s.id
        self.ctx.worker.submit(
            lambda w: seances.schedule(w.db, sid, ids), lambda _r: self._written(None),
            lambda e: show_error(self, e), writes=True, owner=self,
        )  # fmt: skip

    def _waiting_activated(self, item: QTreeWidgetItem, _col: int) -> None:
        r: ReferralView = item.data(0, ROW_ROLE)
        self.ctx.open_person(r.person_id, "ep")

    def _written(self, person_id: str | None) -> None:
        self.ctx.changed(person_id)
        self.reload()


def create_page(ctx: UiContext) -> QWidget:
    return EpPage(ctx)
