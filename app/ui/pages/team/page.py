"""« Mon équipe »: the team leader's view (ADR 0042). The load of each référent of the team (click one to list its
people), the team's people with a reassignment in bulk of those ticked (the file follows the person), the cases
waiting for the équipe pluridisciplinaire, and the team's figures of last month."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QIcon, QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QLabel,
    QPushButton,
    QSplitter,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.services.ep import access
from app.services.ep.views import ReferralView
from app.services.errors import ValidationError
from app.services.people.followup import ReferentChoice
from app.services.reporting.formatting import format_value
from app.services.team.load import HEADLINE, ReferentLoad, TeamPerson, TeamView, team_view
from app.ui.kit import theme
from app.ui.kit.errors import show_error
from app.ui.kit.widgets import LineLabel, named, tool_row
from app.ui.kit.worker import WorkerContext
from app.ui.person.parcours_dialogs import ReferentDialog
from app.ui.shell.plugins import UiContext

ROW_ROLE = Qt.ItemDataRole.UserRole
NOT_LEADER = (
    "Consultation : la réaffectation des personnes entre référents est faite par le responsable d'équipe "
    "(ou le département)."
)
ALL = "__all__"


def load_team(w: WorkerContext) -> tuple[access.SignedIn, TeamView]:
    return access.signed_in(w.db), team_view(w.db)


class TeamPage(QWidget):
    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.view: TeamView | None = None
        self.may_reassign = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 10, 10, 6)
        layout.setSpacing(8)
        self.headline = named(LineLabel(), "muted")
        refresh = QPushButton(theme.icon("fa6s.rotate"), "Actualiser")
        refresh.setToolTip("Relire la charge de l'équipe (F5)")
        refresh.clicked.connect(self.reload)
        QShortcut(
            QKeySequence("F5"), self, self.reload, context=Qt.ShortcutContext.WidgetWithChildrenShortcut
        )
        layout.addLayout(tool_row([named(QLabel("Mon équipe"), "title"), self.headline], [refresh]))
        self.figures = named(QLabel(wordWrap=True), "muted")
        self.figures.setAccessibleName("Indicateurs de l'équipe, mois dernier")
        layout.addWidget(self.figures)
        self.notice = named(QLabel(NOT_LEADER, wordWrap=True), "muted")
        self.notice.hide()
        layout.addWidget(self.notice)
        self.loads = QTreeWidget()
        self.loads.setHeaderLabels(
            [
                "Référent",
                "Structure",
                "Personnes",
                "En retard",
                "Sans contrat en cours",
                "Saisines EP",
                "RDV (4 sem.)",
            ]
        )
        self.loads.setRootIsDecorated(False)
        self.loads.setAccessibleName("Charge de chaque référent de l'équipe")
        self.loads.itemSelectionChanged.connect(self._load_selected)
        for c, width in ((0, 210), (1, 190), (2, 90), (3, 90), (4, 160), (5, 100)):
            self.loads.setColumnWidth(c, width)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.loads)
        lower = QSplitter(Qt.Orientation.Horizontal)
        lower.addWidget(self._people_pane())
        lower.addWidget(self._ep_pane())
        lower.setSizes([760, 560])
        split.addWidget(lower)
        split.setSizes([190, 420])
        layout.addWidget(split, 1)

    def showEvent(self, event: QShowEvent) -> None:
        """Read the data each time the page is shown (never before the vault is unlocked)."""
        super().showEvent(event)
        self.reload()

    def _people_pane(self) -> QWidget:
        pane = QWidget()
        col = QVBoxLayout(pane)
        col.setContentsMargins(0, 0, 0, 0)
        self.people_title = named(QLabel("Personnes de l'équipe"), "section")
        self.filter = QComboBox()
        self.filter.setAccessibleName("Référent affiché")
        self.filter.currentIndexChanged.connect(self._show_people)
        self.reassign_button = QPushButton(theme.icon("fa6s.people-arrows"), "Réaffecter la sélection…")
        self.reassign_button.setToolTip("Confier les personnes cochées à un autre référent de l'équipe")
        self.reassign_button.clicked.connect(self.reassign_checked)
        col.addLayout(tool_row([self.people_title], [self.filter, self.reassign_button]))
        self.people = QTreeWidget()
        self.people.setHeaderLabels(["Personne", "Référent", "Échéance", "Contrat"])
        self.people.setRootIsDecorated(False)
        self.people.setAccessibleName("Personnes de l'équipe (cochez pour réaffecter)")
        self.people.itemActivated.connect(
            lambda item, _c: self.ctx.open_person(item.data(0, ROW_ROLE).id, None)
        )
        for c, width in ((0, 220), (1, 190), (2, 110)):
            self.people.setColumnWidth(c, width)
        col.addWidget(self.people, 1)
        return pane

    def _ep_pane(self) -> QWidget:
        pane = QWidget()
        col = QVBoxLayout(pane)
        col.setContentsMargins(0, 0, 0, 0)
        self.ep_title = named(QLabel("En attente de l'équipe pluridisciplinaire"), "section")
        col.addWidget(self.ep_title)
        self.ep = QTreeWidget()
        self.ep.setHeaderLabels(["Personne", "Motif", "État", "Décision attendue avant"])
        self.ep.setRootIsDecorated(False)
        self.ep.setAccessibleName("Dossiers de l'équipe en attente de l'EP")
        self.ep.itemActivated.connect(
            lambda item, _c: self.ctx.open_person(item.data(0, ROW_ROLE).person_id, "ep")
        )
        for c, width in ((0, 170), (1, 150), (2, 140)):
            self.ep.setColumnWidth(c, width)
        col.addWidget(self.ep, 1)
        return pane

    # --- data -------------------------------------------------------------------------------------------------

    def reload(self) -> None:
        self.ctx.worker.submit(load_team, self._show, lambda e: show_error(self, e), owner=self)

    def _show(self, loaded: tuple[access.SignedIn, TeamView]) -> None:
        who, view = loaded
        self.view = view
        self.may_reassign = who.team_leader or who.role == access.ROLE_ADMIN or not who.enrolled
        self.notice.setVisible(not self.may_reassign)
        late = sum(x.late for x in view.loads)
        self.headline.setText(
            f"{'Équipe ' + view.team if view.team else 'Toutes les équipes de ce poste'} — "
            f"{theme.plural(view.total, 'personne suivie', 'personnes suivies')}, {late} avec une échéance dépassée"
        )
        self._show_figures(view)
        self.loads.clear()
        late_icon = theme.icon("fa6s.triangle-exclamation", theme.LATE)
        self.loads.addTopLevelItems([self._load_item(load, late_icon) for load in view.loads])
        keep = self.filter.currentData()
        self.filter.blockSignals(True)
        self.filter.clear()
        self.filter.addItem("Tous les référents", ALL)
        for load in view.loads:
            self.filter.addItem(load.name, load.referent_id or "")
        self.filter.setCurrentIndex(max(0, self.filter.findData(keep)))
        self.filter.blockSignals(False)
        self._show_people()
        self._show_ep(view.waiting_ep)

    def _show_figures(self, view: TeamView) -> None:
        if view.report is None:
            self.figures.setText("")
            return
        figures = {f.key: f for f in view.report.figures}
        parts = [f"{figures[k].label} : {format_value(figures[k])}" for k in HEADLINE if k in figures]
        self.figures.setText(f"{view.report.period.label} — " + " · ".join(parts))

    @staticmethod
    def _load_item(load: ReferentLoad, late_icon: QIcon) -> QTreeWidgetItem:
        name = load.name + (" (responsable)" if load.team_leader else "")
        item = QTreeWidgetItem([name, load.structure, str(load.people), str(load.late), str(load.without_contract),
                                str(load.ep_open), str(load.rdv_4_weeks)])  # fmt: skip
        item.setData(0, ROW_ROLE, load)
        if load.late:
            item.setIcon(3, late_icon)
        for c in range(2, 7):
            item.setTextAlignment(c, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return item

    def _load_selected(self) -> None:
        item = self.loads.currentItem()
        if item is not None:
            load: ReferentLoad = item.data(0, ROW_ROLE)
            self.filter.setCurrentIndex(max(0, self.filter.findData(load.referent_id or "")))

    def shown_people(self) -> list[TeamPerson]:
        if self.view is None:
            return []
        chosen = self.filter.currentData()
        if chosen in (None, ALL):
            return list(self.view.people)
        return [p for p in self.view.people if (p.referent_id or "") == chosen]

    def _show_people(self, *_: object) -> None:
        """The people of the team (or of the chosen référent): the items made first, added in one go (one
        layout pass, one icon), not one by one."""
        self.people.clear()
        shown = self.shown_people()
        late_icon = theme.icon("fa6s.triangle-exclamation", theme.LATE)
        items = []
        for p in shown:
            item = QTreeWidgetItem([p.name, p.referent or "Sans référent", "En retard" if p.late else "",
                                    "En cours" if p.has_contract else "Aucun"])  # fmt: skip
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(0, Qt.CheckState.Unchecked)
            item.setData(0, ROW_ROLE, p)
            if p.late:
                item.setIcon(2, late_icon)
            items.append(item)
        self.people.addTopLevelItems(items)
        self.people_title.setText(f"Personnes de l'équipe ({len(shown)})")
        self.reassign_button.setEnabled(self.may_reassign and bool(shown))

    def _show_ep(self, rows: list[ReferralView]) -> None:
        self.ep.clear()
        items = []
        for r in rows:
            item = QTreeWidgetItem([r.person_name, r.motive_label, r.status_label, theme.fmt_date(r.due_on)])
            item.setData(0, ROW_ROLE, r)
            item.setToolTip(0, f"Référent : {r.referent_name}")
            items.append(item)
        self.ep.addTopLevelItems(items)
        self.ep_title.setText(f"En attente de l'équipe pluridisciplinaire ({len(rows)})")

    def checked_people(self) -> list[TeamPerson]:
        out = []
        for i in range(self.people.topLevelItemCount()):
            item = self.people.topLevelItem(i)
            if item is not None and item.checkState(0) == Qt.CheckState.Checked:
                out.append(item.data(0, ROW_ROLE))
        return out

    def reassign_checked(self) -> None:
        chosen = self.checked_people()
        if not chosen:
            show_error(self, ValidationError("Cochez d'abord les personnes à confier à un autre référent."))
            return
        assert self.view is not None
        team = [ReferentChoice(x.referent_id, x.name, x.structure) for x in self.view.loads if x.referent_id]
        common = {p.referent_id for p in chosen}
        current = common.pop() if len(common) == 1 else None
        dialog = ReferentDialog(
            self.ctx, [p.id for p in chosen], [p.name for p in chosen], team, current, self
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(self.reload)
        dialog.open()


def create_page(ctx: UiContext) -> QWidget:
    return TeamPage(ctx)
