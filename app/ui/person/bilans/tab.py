"""« Bilans » tab of a person (ADR 0050, 0051): the bilans (fin de contrat, un an de parcours, sortie, étape) and
the joint diagnostics with France Travail, most recent first, with the selected one in full on the right.

« Nouveau bilan » (Ctrl+B) opens the editor pre-filled from the carnet; a draft is edited (F2), finalised (its
recommendation then opens the next step: renewal or avenant draft, réorientation asked, exit) or removed;
« Aperçu » (Ctrl+P) shows the bilan the person keeps, to print or save. « Diagnostic conjoint » records the joint
review of a person on the social track.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTextBrowser,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.models.enums import Track
from app.services.bilans import joint_review, prefill, records
from app.services.bilans.joint_review import JointReviewView
from app.services.bilans.prefill import BilanModel
from app.services.bilans.values import BilanView
from app.services.people.identity import current_actor
from app.ui.kit import theme
from app.ui.kit.errors import show_error
from app.ui.kit.preview import PdfPreviewDialog
from app.ui.kit.widgets import EmptyState
from app.ui.kit.worker import WorkerContext
from app.ui.person.bilans.dialogs import FinaliseDialog, JointReviewDialog
from app.ui.person.bilans.editor import BilanDialog
from app.ui.shell.plugins import UiContext

ITEM_ROLE = Qt.ItemDataRole.UserRole
EMPTY_TEXT = (
    "Un bilan mesure l'atteinte des objectifs à la fin du contrat, après un an de parcours ou à la sortie, et "
    "prépare la suite. Nouveau bilan : Ctrl+B."
)
RESULT_MARKS = {"atteint": "✔ Atteint", "partiel": "◐ En partie", "non_atteint": "✘ Non atteint"}


@dataclass(frozen=True)
class BilansData:
    bilans: list[BilanView]
    reviews: list[JointReviewView]
    model: BilanModel


def _p(text: str) -> str:
    return "<br>".join(escape(line) for line in text.strip().splitlines()) if text.strip() else "<i>—</i>"


def bilan_html(b: BilanView) -> str:
    state = "Finalisé" if b.final else "Brouillon (non finalisé)"
    parts = [f"<h3>{escape(b.title)}</h3>", f"<p><b>{state}</b> — par {escape(b.author_name or '—')}"]
    if b.contract_label:
        parts.append(f"<br>Contrat : {escape(b.contract_label)}")
    parts.append("</p>")
    if b.participants:
        who = "; ".join(
            escape(", ".join(x for x in (p.name, p.role, p.structure) if x)) for p in b.participants
        )
        parts.append(f"<p><b>Bilan tripartite</b> — avec {who}</p>")
    parts.append("<h4>Objectifs</h4>")
    if b.objectives:
        rows = "".join(
            f"<tr><td>{escape(o.title)}<br><small>{escape(o.theme)}</small></td>"
            f"<td>{RESULT_MARKS.get(o.result, escape(o.result))}</td><td>{_p(o.comment)}</td></tr>"
            for o in b.objectives
        )
        parts.append(f"<table cellpadding='3' border='0' width='100%'>{rows}</table>")
    else:
        parts.append("<p><i>Aucun objectif passé en revue.</i></p>")
    for title, text in (
        ("Ce qui a aidé", b.helped),
        ("Ce qui a freiné", b.blocked),
        ("Ses mots", b.person_words),
    ):
        parts.append(f"<h4>{title}</h4><p>{_p(text)}</p>")
    parts.append("<h4>Préconisation</h4>")
    if b.recommendation:
        track = (
            f" — vers le parcours {escape(b.recommended_track_label.lower())}" if b.recommended_track else ""
        )
        parts.append(f"<p><b>{escape(b.recommendation_label)}</b>{track}</p>")
        if b.recommendation_detail:
            parts.append(f"<p>{_p(b.recommendation_detail)}</p>")
    else:
        parts.append("<p><i>À décider avant de finaliser.</i></p>")
    if b.next_step_label:
        parts.append(f"<p>➜ {escape(b.next_step_label)}</p>")
    return "".join(parts)


def review_html(r: JointReviewView) -> str:
    parts = [
        f"<h3>Diagnostic conjoint avec France Travail du {r.held_on:%d/%m/%Y}</h3>",
        f"<p>Conseiller France Travail : <b>{escape(r.ft_adviser)}</b>"
        + (f", {escape(r.ft_agency)}" if r.ft_agency else "")
        + f"<br>Enregistré par {escape(r.author_name or '—')}",
    ]
    if r.contract_label:
        parts.append(f"<br>Contrat examiné : {escape(r.contract_label)}")
    parts.append("</p><p>")
    parts.append("La personne était présente." if r.person_present else "La personne n'était pas présente.")
    parts.append(" Elle peut s'engager dans une recherche d'emploi." if r.job_search_ready else "")
    parts.append(f"</p><h4>Constats</h4><p>{_p(r.findings)}</p>")
    parts.append(f"<h4>Conclusion</h4><p><b>{escape(r.conclusion_label)}</b>")
    if r.proposed_track:
        parts.append(f" — parcours proposé : {escape(r.proposed_track_label.lower())}")
    parts.append("</p>")
    if r.revision_label:
        parts.append(f"<p>➜ Révision : {escape(r.revision_label)}</p>")
    return "".join(parts)


class BilansTab(QWidget):
    def __init__(self, ctx: UiContext, person_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.person_id = ctx, person_id
        self.data: BilansData | None = None
        self.dialog: QWidget | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 10, 10, 10)
        top = QHBoxLayout()
        self.summary = QLabel("Chargement des bilans…")
        self.summary.setProperty("muted", True)
        self.preview_button = self._button(
            "Aperçu", "fa6s.eye", "Le bilan que la personne garde, à imprimer (Ctrl+P)", self.preview
        )
        self.edit_button = self._button(
            "Modifier…", "fa6s.pen", "Modifier le brouillon sélectionné (F2)", self.edit
        )
        self.finalise_button = self._button(
            "Finaliser…", "fa6s.lock", "Verrouiller le bilan et ouvrir la suite préconisée", self.finalise
        )
        self.remove_button = self._button(
            "Supprimer",
            "fa6s.trash-can",
            "Supprimer le brouillon sélectionné (un bilan finalisé reste au dossier)",
            self.remove,
        )
        self.review_button = self._button("Diagnostic conjoint…", "fa6s.handshake", "Enregistrer le diagnostic conjoint avec France Travail (parcours social)", self.new_review)  # fmt: skip
        self.new_button = QPushButton(theme.icon("fa6s.clipboard-check", "#ffffff"), "Nouveau bilan")
        self.new_button.setProperty("primary", True)
        self.new_button.setToolTip("Faire le bilan, pré-rempli depuis le carnet de bord (Ctrl+B)")
        self.new_button.clicked.connect(self.new_bilan)
        top.addWidget(self.summary, 1)
        for button in (self.preview_button, self.edit_button, self.finalise_button, self.remove_button,
                       self.review_button, self.new_button):  # fmt: skip
            top.addWidget(button)
        layout.addLayout(top)
        scope = Qt.ShortcutContext.WidgetWithChildrenShortcut
        QShortcut(QKeySequence("Ctrl+B"), self, self.new_bilan, context=scope)
        QShortcut(QKeySequence("F2"), self, self.edit, context=scope)
        QShortcut(QKeySequence.StandardKey.Print, self, self.preview, context=scope)
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["Date", "Bilan ou diagnostic", "État", "Suite"])
        self.tree.setRootIsDecorated(False)
        self.tree.setAlternatingRowColors(True)
        self.tree.setAccessibleName("Bilans et diagnostics conjoints de la personne")
        self.tree.itemSelectionChanged.connect(self._selection)
        self.tree.itemActivated.connect(lambda *_: self.edit())
        self.detail = QTextBrowser()
        self.detail.setAccessibleName("Détail du bilan sélectionné")
        self.detail.setOpenLinks(False)
        split = QSplitter()
        split.addWidget(self.tree)
        split.addWidget(self.detail)
        split.setSizes([520, 480])
        self.empty = EmptyState("fa6s.clipboard-check", "Aucun bilan", EMPTY_TEXT)
        self.stack = QStackedWidget()
        self.stack.addWidget(split)
        self.stack.addWidget(self.empty)
        layout.addWidget(self.stack, 1)
        self._selection()
        self.reload()

    def _button(self, text: str, icon: str, tip: str, slot: object) -> QPushButton:
        button = QPushButton(theme.icon(icon), text)
        button.setToolTip(tip)
        button.clicked.connect(slot)  # type: ignore[arg-type]
        return button

    # --- loading ------------------------------------------------------------------------------------------

    def reload(self) -> None:
        pid = self.person_id

        def job(w: WorkerContext) -> BilansData:
            return BilansData(
                records.list_bilans(w.db, pid),
                joint_review.list_joint_reviews(w.db, pid),
                prefill.bilan_model(w.db, pid),
            )

        self.ctx.worker.submit(job, self._show, lambda e: show_error(self, e), owner=self)

    def _show(self, data: BilansData) -> None:
        keep = self.selected()
        self.data = data
        self.tree.clear()
        rows: list[tuple[object, BilanView | JointReviewView]] = [(b.held_on, b) for b in data.bilans]
        rows += [(r.held_on, r) for r in data.reviews]
        rows.sort(key=lambda pair: pair[0], reverse=True)  # type: ignore[arg-type, return-value]
        for _day, item in rows:
            self.tree.addTopLevelItem(self._row(item))
        for col, width in ((0, 95), (1, 250), (2, 95)):
            self.tree.setColumnWidth(col, width)
        final = sum(1 for b in data.bilans if b.final)
        text = theme.plural(len(data.bilans), "bilan", "bilans") if data.bilans else "Aucun bilan"
        if data.bilans and final != len(data.bilans):
            text += f" dont {theme.plural(len(data.bilans) - final, 'brouillon', 'brouillons')}"
        if data.reviews:
            text += f", {theme.plural(len(data.reviews), 'diagnostic conjoint', 'diagnostics conjoints')}"
        self.summary.setText(text)
        self.review_button.setVisible(data.model.current_track == Track.SOCIAL)
        self.stack.setCurrentIndex(0 if rows else 1)
        if keep is not None:
            self.select(keep.id)
        elif rows:
            self.select(rows[0][1].id)
        self._selection()

    def _row(self, item: BilanView | JointReviewView) -> QTreeWidgetItem:
        if isinstance(item, BilanView):
            cols = [
                f"{item.held_on:%d/%m/%Y}",
                item.kind_label,
                item.status_label,
                item.recommendation_label or "À décider",
            ]
            icon = ("fa6s.lock", theme.OK) if item.final else ("fa6s.pen-ruler", theme.MUTED)
        else:
            cols = [
                f"{item.held_on:%d/%m/%Y}",
                "Diagnostic conjoint France Travail",
                "Enregistré",
                item.conclusion_label,
            ]
            icon = ("fa6s.handshake", theme.ACCENT)
        row = QTreeWidgetItem(cols)
        row.setIcon(1, theme.icon(*icon))
        row.setToolTip(3, cols[3])
        row.setData(0, ITEM_ROLE, item)
        return row

    def select(self, item_id: str) -> None:
        for n in range(self.tree.topLevelItemCount()):
            row = self.tree.topLevelItem(n)
            if row is not None and row.data(0, ITEM_ROLE).id == item_id:
                self.tree.setCurrentItem(row)

    def selected(self) -> BilanView | JointReviewView | None:
        rows = self.tree.selectedItems()
        return rows[0].data(0, ITEM_ROLE) if rows else None

    def selected_bilan(self) -> BilanView | None:
        item = self.selected()
        return item if isinstance(item, BilanView) else None

    def _selection(self) -> None:
        item = self.selected()
        draft = isinstance(item, BilanView) and not item.final
        self.preview_button.setEnabled(isinstance(item, BilanView))
        for button in (self.edit_button, self.finalise_button, self.remove_button):
            button.setEnabled(draft)
        if isinstance(item, BilanView):
            self.detail.setHtml(bilan_html(item))
        elif isinstance(item, JointReviewView):
            self.detail.setHtml(review_html(item))
        else:
            self.detail.clear()

    # --- actions ------------------------------------------------------------------------------------------

    def _open(self, dialog: QWidget) -> None:
        self.dialog = dialog
        dialog.open()  # type: ignore[attr-defined]

    def new_bilan(self) -> None:
        if self.data is not None:
            self._open(BilanDialog(self.ctx, self.data.model, parent=self))

    def edit(self) -> None:
        b = self.selected_bilan()
        if b is not None and not b.final and self.data is not None:
            self._open(BilanDialog(self.ctx, self.data.model, b, parent=self))

    def finalise(self) -> None:
        b = self.selected_bilan()
        if b is not None and not b.final and self.data is not None:
            self._open(FinaliseDialog(self.ctx, b, self.data.model.exited, parent=self))

    def new_review(self) -> None:
        if self.data is not None:
            self._open(JointReviewDialog(self.ctx, self.person_id, self.data.model.person_name, parent=self))

    def remove(self) -> None:
        b = self.selected_bilan()
        if b is None or b.final:
            return
        answer = QMessageBox.question(
            self, "Supprimer le brouillon ?",
            f"Le brouillon « {b.title} » sera supprimé. Les objectifs du carnet ne changent pas.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Cancel,
        )  # fmt: skip
        if answer != QMessageBox.StandardButton.Yes:
            return
        bid, pid = b.id, self.person_id
        self.ctx.worker.submit(
            lambda w: records.remove_bilan(w.db, bid), lambda _r: self.ctx.changed(pid),
            lambda e: show_error(self, e), writes=True, owner=self,
        )  # fmt: skip

    def preview(self) -> None:
        b = self.selected_bilan()
        if b is None:
            return
        bid = b.id

        def pdf_of(w: WorkerContext) -> bytes:
            from app.services.bilans import document  # reportlab: on the worker, when a bilan is printed

            return document.bilan_pdf(w.db, bid)

        def record(w: WorkerContext, action: str) -> str:
            from app.services.bilans import document

            return document.record_output(w.db, bid, actor=current_actor(w.db), action=action)

        def audited(action: str) -> None:
            self.ctx.worker.submit(
                lambda w: record(w, action),
                lambda _id: None, lambda e: show_error(self, e), writes=True, owner=self,
            )  # fmt: skip

        def show(pdf: bytes) -> None:
            name = f"bilan-{b.held_on:%Y-%m-%d}.pdf"
            self._open(PdfPreviewDialog(self.ctx.worker, pdf, b.title, name, self, on_output=audited))

        self.ctx.worker.submit(pdf_of, show, lambda e: show_error(self, e), owner=self)


def create_tab(ctx: UiContext, person_id: str) -> QWidget:
    return BilansTab(ctx, person_id)
