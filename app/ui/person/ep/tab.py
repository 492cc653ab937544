"""« EP » tab of a person's file: the saisines of the équipe pluridisciplinaire, each with its state and its
target date (rule ``ep_decision``), the facts it carries (read from the rows of the file), its passages at
séances with the hearing, the avis and the décision with what it changed in the file. The référent seizes the
EP and withdraws a saisine here; the secretariat's part arrives by sync (ADR 0040)."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.services.ep import views
from app.services.ep.views import CaseView, ReferralView
from app.ui.kit import theme
from app.ui.kit.errors import show_error
from app.ui.kit.widgets import EmptyState, named
from app.ui.kit.worker import WorkerContext
from app.ui.person.ep.dialogs import ReferralDialog, WithdrawDialog, load_referral_context
from app.ui.shell.plugins import UiContext

ROW_ROLE = Qt.ItemDataRole.UserRole
EMPTY_TEXT = (
    "Avant une réorientation ou une sanction, saisissez l'équipe pluridisciplinaire : la saisine, les éléments "
    "du dossier joints, la séance, l'avis et la décision du président du conseil départemental apparaîtront ici."
)
#: status → (icon, colour)
STATUS_ICONS = {
    "en_attente": ("fa6s.hourglass-half", theme.SOON),
    "ajournee": ("fa6s.hourglass-half", theme.SOON),
    "inscrite": ("fa6s.calendar-check", theme.ACCENT),
    "avis_rendu": ("fa6s.comments", theme.ACCENT),
    "decidee": ("fa6s.gavel", theme.OK),
    "retiree": ("fa6s.ban", theme.MUTED),
}


def case_lines(c: CaseView) -> list[str]:
    """The passage of a saisine at one séance, in French lines."""
    lines = [f"Séance « {c.seance_label} » du {theme.fmt_datetime(c.held_at)}"]
    if c.convened_on:
        lines.append(f"Convocation éditée le {theme.fmt_date(c.convened_on)}")
    if c.attendance_label:
        lines.append(f"Audition : {c.attendance_label}" + (f" — {c.observations}" if c.observations else ""))
    if c.opinion:
        extra = " — ".join(x for x in (c.opinion_organisme, c.opinion_detail) if x)
        lines.append(
            f"Avis du {theme.fmt_date(c.opinion_on)} : {c.opinion_label}" + (f" ({extra})" if extra else "")
        )
    if c.decision:
        lines.append(
            f"Décision du {theme.fmt_date(c.decision_on)} ({c.decided_by}) : {c.decision_label}"
            + (f" — {c.consequence}" if c.consequence else "")
        )
    return lines


def delay_text(r: ReferralView, today: date) -> str:
    if r.days_to_decision is not None:
        verdict = "dans l'objectif" if not r.late(today) else "au-delà de l'objectif"
        return f"décidée en {r.days_to_decision} jours ({verdict} du {theme.fmt_date(r.due_on)})"
    if r.open:
        late = " — en retard" if r.late(today) else ""
        return f"décision attendue avant le {theme.fmt_date(r.due_on)} (objectif départemental){late}"
    return ""


class EpTab(QWidget):
    def __init__(self, ctx: UiContext, person_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.person_id = ctx, person_id
        self.rows: list[ReferralView] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 10, 10, 10)
        top = QHBoxLayout()
        self.refer_button = QPushButton(theme.icon("fa6s.people-group", "#ffffff"), "Saisir l'EP…")
        self.refer_button.setProperty("primary", True)
        self.refer_button.setToolTip(
            "Saisir l'équipe pluridisciplinaire (réorientation, manquement, situation complexe)"
        )
        self.refer_button.clicked.connect(self.open_referral)
        self.withdraw_button = QPushButton(theme.icon("fa6s.ban"), "Retirer la saisine…")
        self.withdraw_button.setToolTip("Retirer la saisine sélectionnée (elle reste dans le dossier)")
        self.withdraw_button.clicked.connect(self.open_withdraw)
        self.count = named(QLabel("Chargement…"), "muted")
        top.addWidget(self.refer_button)
        top.addWidget(self.withdraw_button)
        top.addWidget(self.count, 1)
        layout.addLayout(top)
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["Saisine", "Motif", "État", "Délai"])
        self.tree.setRootIsDecorated(False)
        self.tree.setAccessibleName("Saisines de l'équipe pluridisciplinaire")
        self.tree.itemSelectionChanged.connect(self._selection)
        self.detail = QLabel(wordWrap=True)
        self.detail.setTextFormat(Qt.TextFormat.RichText)
        self.detail.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.detail.setAccessibleName("Détail de la saisine")
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.tree)
        split.addWidget(self.detail)
        split.setSizes([160, 300])
        self.empty = EmptyState("fa6s.people-group", "Aucune saisine de l'EP", EMPTY_TEXT)
        self.stack = QStackedWidget()
        self.stack.addWidget(split)
        self.stack.addWidget(self.empty)
        layout.addWidget(self.stack, 1)
        self.reload()

    def reload(self) -> None:
        pid = self.person_id
        self.ctx.worker.submit(
            lambda w: views.referrals(w.db, person_id=pid),
            self._show,
            lambda e: show_error(self, e),
            owner=self,
        )

    def _show(self, rows: list[ReferralView]) -> None:
        self.rows = list(reversed(rows))
        self.tree.clear()
        today = date.today()
        for r in self.rows:
            item = QTreeWidgetItem(
                [theme.fmt_date(r.referred_on), r.motive_label, r.status_label, delay_text(r, today)]
            )
            name, colour = STATUS_ICONS.get(r.status, ("fa6s.circle", theme.MUTED))
            if r.late(today):
                colour = theme.LATE
            item.setIcon(2, theme.icon(name, colour))
            item.setData(0, ROW_ROLE, r)
            item.setToolTip(3, delay_text(r, today))
            self.tree.addTopLevelItem(item)
        for col, width in ((0, 100), (1, 260), (2, 230)):
            self.tree.setColumnWidth(col, width)
        open_ = sum(1 for r in self.rows if r.open)
        self.count.setText(
            f"{theme.plural(len(self.rows), 'saisine', 'saisines')}, dont {open_} en cours"
            if self.rows
            else ""
        )
        self.stack.setCurrentIndex(0 if self.rows else 1)
        first = self.tree.topLevelItem(0)
        if first is not None:
            self.tree.setCurrentItem(first)
        self._selection()

    def selected(self) -> ReferralView | None:
        rows = self.tree.selectedItems()
        return rows[0].data(0, ROW_ROLE) if rows else None

    def _selection(self) -> None:
        r = self.selected()
        self.withdraw_button.setEnabled(r is not None and r.open)
        self.detail.setText(self.detail_html(r) if r else "")

    @staticmethod
    def detail_html(r: ReferralView) -> str:
        def esc(text: str) -> str:
            return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

        parts = [f"<b>{esc(r.motive_label)}</b> — saisine du {theme.fmt_date(r.referred_on)}"
                 + (f" par {esc(r.referred_by)}" if r.referred_by else "")]  # fmt: skip
        if r.proposed_track_label:
            org = f" — {esc(r.proposed_organisme)}" if r.proposed_organisme else ""
            parts.append(f"Parcours proposé : {esc(r.proposed_track_label)}{org}")
        parts.append(esc(r.summary))
        if r.facts:
            items = "".join(f"<li>{esc(f.kind_label)} : {esc(f.text)}</li>" for f in r.facts)
            parts.append(f"<b>Éléments du dossier joints</b><ul style='margin:0'>{items}</ul>")
        for c in r.cases:
            items = "".join(f"<li>{esc(line)}</li>" for line in case_lines(c))
            parts.append(f"<ul style='margin:0'>{items}</ul>")
        if r.withdrawn_on:
            parts.append(f"Retirée le {theme.fmt_date(r.withdrawn_on)} : {esc(r.withdrawn_reason)}")
        return "<br>".join(parts)

    def open_referral(self) -> None:
        pid = self.person_id

        def opened(data: object) -> None:
            dialog = ReferralDialog(self.ctx, data, self)  # type: ignore[arg-type]
            dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            dialog.open()

        def job(w: WorkerContext) -> object:
            return load_referral_context(w, pid)

        self.ctx.worker.submit(job, opened, lambda e: show_error(self, e), owner=self)

    def open_withdraw(self) -> None:
        r = self.selected()
        if r is None or not r.open:
            return
        what = f"{r.motive_label.lower()}, du {theme.fmt_date(r.referred_on)}"
        dialog = WithdrawDialog(self.ctx, self.person_id, r.id, what, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()


def create_tab(ctx: UiContext, person_id: str) -> QWidget:
    return EpTab(ctx, person_id)
