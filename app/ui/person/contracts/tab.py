"""« Contrats » tab of a person: the contracts (n°, type, state with text and icon, dates, version), the history of
the selected one (versions, events, signatures), « Nouveau contrat » / « Renouveler » (Ctrl+N), and the actions its
state allows: modify (draft), sign on the pad or on paper (scan attached), département decisions, start, end, break
off, avenant, preview."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.models.enums import ContractStatus, Signer
from app.models.vocabularies.loader import load_vocabularies
from app.services.casefile import documents
from app.services.contracts import editor as contracts
from app.services.contracts import views
from app.services.contracts.views import ContractView
from app.services.people import identity as people
from app.services.people.identity import current_actor
from app.services.printing.seal import SealError
from app.ui.kit import theme
from app.ui.kit.a11y import announce
from app.ui.kit.errors import show_error
from app.ui.kit.preview import PdfPreviewDialog
from app.ui.kit.widgets import EmptyState, named
from app.ui.kit.worker import WorkerContext
from app.ui.person.contracts.editor import ContractEditor
from app.ui.person.contracts.paper_signature import ImageViewDialog, PaperSignatureDialog
from app.ui.person.contracts.signature_pad import SignatureDialog
from app.ui.shell.plugins import UiContext

_S = ContractStatus
STATUS_ICONS: dict[str, tuple[str, str]] = {
    _S.DRAFT: ("fa6s.pen-ruler", theme.MUTED), _S.SIGNED: ("fa6s.signature", theme.ACCENT),
    _S.VALIDATED: ("fa6s.stamp", theme.OK), _S.REJECTED: ("fa6s.circle-xmark", theme.LATE),
    _S.ACTIVE: ("fa6s.circle-play", theme.OK), _S.ENDED: ("fa6s.flag-checkered", theme.MUTED),
    _S.TERMINATED: ("fa6s.ban", theme.LATE),
}  # fmt: skip
TRANSITION_ICONS: dict[str, str] = {_S.VALIDATED: "fa6s.stamp", _S.REJECTED: "fa6s.circle-xmark", _S.ACTIVE: "fa6s.circle-play",
                    _S.ENDED: "fa6s.flag-checkered", _S.TERMINATED: "fa6s.ban"}  # fmt: skip
CONFIRM: dict[str, str] = {
    _S.REJECTED: "Le département rejette ce contrat : il ne pourra plus être signé ni mis en cours. "
                 "Un nouveau contrat devra être préparé.",
    _S.TERMINATED: "Le contrat sera résilié aujourd'hui : sa date de fin sera avancée et il ne pourra plus "
                   "être repris. Un nouveau contrat pourra être préparé.",
    _S.ENDED: "Le contrat sera marqué terminé. Il ne pourra plus être modifié.",
}  # fmt: skip
COLUMNS = ("N°", "Type", "État", "Nature", "Début", "Fin", "Durée", "Version")


def _late_text(c: ContractView) -> str:
    when = theme.fmt_date(c.out_of_law_from) if c.out_of_law_from else ""
    return f" — hors délai légal depuis le {when} : un contrat d'engagement doit le remplacer"


def _legacy_text(c: ContractView) -> str:
    """What a référent must know about a CER (read-only history since 2025)."""
    text = ("Contrat d'engagement réciproque conclu avant 2025 : il reste consultable et imprimable tel que "
            "signé. Depuis le 1er janvier 2025, un renouvellement ou un avenant se fait en contrat "
            "d'engagement (article L. 262-34 du code de l'action sociale et des familles).")  # fmt: skip
    if c.out_of_law(date.today()):
        text = "⚠ " + text + _late_text(c).replace(" — h", " Ce contrat est h", 1) + "."
    return text


def status_icon(status: str) -> object:
    name, color = STATUS_ICONS.get(status, ("fa6s.circle", theme.MUTED))
    return theme.icon(name, color)


class ContractsTab(QWidget):
    def __init__(self, ctx: UiContext, person_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.person_id = ctx, person_id
        self.person_name = self.referent_name = self.default_place = ""
        self.items: list[ContractView] = []
        self.dialog: QWidget | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 10, 10, 10)
        top = QHBoxLayout()
        self.summary = QLabel("Chargement des contrats…")
        self.new_button = QPushButton(theme.icon("fa6s.file-signature", "#ffffff"), "Nouveau contrat")
        self.new_button.setProperty("primary", True)
        self.new_button.clicked.connect(self.primary)
        QShortcut(
            QKeySequence("Ctrl+N"), self, self.primary, context=Qt.ShortcutContext.WidgetWithChildrenShortcut
        )
        top.addWidget(self.summary, 1)
        top.addWidget(self.new_button)
        layout.addLayout(top)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.setAlternatingRowColors(True)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setAccessibleName("Contrats de la personne")
        self.table.itemSelectionChanged.connect(self._selection)
        self.table.activated.connect(lambda _i: self.edit())
        self.detail = self._detail()
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.table)
        split.addWidget(self.detail)
        split.setSizes([260, 360])
        self.empty = EmptyState("fa6s.file-signature", "Aucun contrat",
                                "Préparez le premier contrat : « Nouveau contrat » (Ctrl+N).")  # fmt: skip
        self.stack = QStackedWidget()
        self.stack.addWidget(split)
        self.stack.addWidget(self.empty)
        layout.addWidget(self.stack, 1)
        self.reload()

    def _detail(self) -> QWidget:
        box = QWidget()
        v = QVBoxLayout(box)
        v.setContentsMargins(0, 6, 0, 0)
        self.title = named(QLabel(wordWrap=True), "h2")
        v.addWidget(self.title)
        self.legacy = QLabel(wordWrap=True)
        self.legacy.setStyleSheet(f"background: {theme.ACCENT_SOFT}; padding: 6px; border-radius: 4px;")
        self.legacy.hide()
        v.addWidget(self.legacy)
        self.paper_box = QWidget()
        paper_row = QHBoxLayout(self.paper_box)
        paper_row.setContentsMargins(0, 0, 0, 0)
        self.paper_label = QLabel()
        self.scan_button = QPushButton(theme.icon("fa6s.file-image"), "Voir le scan")
        self.scan_button.setToolTip("Afficher la page signée numérisée")
        self.scan_button.clicked.connect(self.view_scan)
        paper_row.addWidget(QLabel(pixmap=theme.icon("fa6s.file-signature", theme.ACCENT).pixmap(16, 16)))  # type: ignore[attr-defined]
        paper_row.addWidget(self.paper_label)
        paper_row.addWidget(self.scan_button)
        paper_row.addStretch(1)
        self.paper_box.hide()
        self.scan_id: str | None = None
        v.addWidget(self.paper_box)
        self.buttons_box = QWidget()
        self.buttons = QHBoxLayout(self.buttons_box)
        self.buttons.setContentsMargins(0, 0, 0, 0)
        v.addWidget(self.buttons_box)
        history = named(QLabel("Historique (versions, signatures, changements d'état)"), "muted")
        v.addWidget(history)
        self.history = QListWidget()
        self.history.setAccessibleName("Historique du contrat")
        v.addWidget(self.history, 1)
        return box

    # --- loading ------------------------------------------------------------------------------------------

    def reload(self) -> None:
        pid = self.person_id

        def job(w: WorkerContext) -> tuple[str, str, str, list[ContractView]]:
            p = people.get_person(w.db, pid)
            ref_id = p.referent_id or people.current_referent_id(w.db)
            ref = next((r for r in people.list_referents(w.db) if r.id == ref_id), None)
            ref_name = f"{ref.first_name} {ref.last_name}" if ref else ""
            items = views.list_contracts(w.db, pid)
            # where this person last signed, else the référent's office
            places = [
                s.place for c in items for s in sorted(c.signatures, key=lambda s: s.signed_at) if s.place
            ]
            place = places[-1] if places else (ref.structure if ref else "")
            return f"{p.first_name} {p.last_name}", ref_name, place, items

        self.ctx.worker.submit(job, self._show, lambda e: show_error(self, e), owner=self)

    def _show(self, result: tuple[str, str, str, list[ContractView]]) -> None:
        selected = self.selected()
        self.person_name, self.referent_name, self.default_place, self.items = result
        self.table.setRowCount(len(self.items))
        today = date.today()
        for row, c in enumerate(self.items):
            nature = (f"Avenant n° {c.amendment_no or 1}" if c.amends_id
                      else ("Renouvellement" if c.is_renewal else "Initial"))  # fmt: skip
            late = c.out_of_law(today)
            kind = "CE" if c.kind == "ce" else ("CER · hors délai" if late else "CER")
            cells = (c.number, kind, c.status_label, nature,
                     theme.fmt_date(c.start_date) if c.start_date else "—",
                     theme.fmt_date(c.end_date) if c.end_date else "—", f"{c.duration_months} mois",
                     f"v{c.current_version}")  # fmt: skip
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip((c.kind_label + (_late_text(c) if late else "")) if col == 1 else text)
                if col == 1 and late:
                    item.setIcon(theme.icon("fa6s.triangle-exclamation", theme.LATE))
                if col == 2:
                    item.setIcon(status_icon(c.status))  # type: ignore[arg-type]
                self.table.setItem(row, col, item)
        renew = bool(self.items) and self.items[0].status not in (_S.DRAFT, _S.REJECTED)
        self.new_button.setText("Renouveler" if renew else "Nouveau contrat")
        self.new_button.setToolTip(("Renouveler le dernier contrat (le plan d'action est repris)" if renew
                                    else "Préparer un nouveau contrat") + " (Ctrl+N)")  # fmt: skip
        valid = [c for c in self.items if c.status in (_S.SIGNED, _S.VALIDATED, _S.ACTIVE)]
        self.summary.setText(theme.plural(len(self.items), "contrat", "contrats")
                             + (f" — en vigueur : {valid[0].number} ({valid[0].status_label.lower()})"
                                if valid else ""))  # fmt: skip
        self.stack.setCurrentIndex(0 if self.items else 1)
        index = next((n for n, c in enumerate(self.items) if selected and c.id == selected.id), 0)
        if self.items:
            self.table.selectRow(index)
        self._selection()

    def selected(self) -> ContractView | None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        return self.items[rows[0].row()] if rows and rows[0].row() < len(self.items) else None

    def _selection(self) -> None:
        c = self.selected()
        while self.buttons.count():
            old = self.buttons.takeAt(0)
            if old is not None and (widget := old.widget()) is not None:
                widget.deleteLater()
        self.history.clear()
        self.paper_box.hide()
        if c is None:
            self.title.setText("")
            return
        lock = " — verrouillé, lecture seule" if c.locked else ""
        self.title.setText(f"{c.kind_label} — {c.title} · {c.status_label}{lock}")
        self.legacy.setVisible(c.kind != "ce")
        self.legacy.setText(_legacy_text(c))
        paper = next((s for s in reversed(c.signatures) if s.method == "papier" and s.document_id
                      and s.version_no == c.current_version), None)  # fmt: skip
        if paper is not None:
            where = f" à {paper.place}" if paper.place else ""
            self.paper_label.setText(f"Signé sur papier le {theme.fmt_date(paper.signed_at)}{where} — ")
            self.scan_id = paper.document_id
            self.paper_box.show()
        for text, icon, slot, tip in self._actions(c):
            button = QPushButton(theme.icon(icon), text)
            button.setToolTip(tip)
            button.clicked.connect(slot)
            self.buttons.addWidget(button)
        self.buttons.addStretch(1)
        self._fill_history(c)

    def _actions(self, c: ContractView) -> list[tuple[str, str, object, str]]:
        out: list[tuple[str, str, object, str]] = [
            ("Aperçu", "fa6s.eye", self.preview, "Voir le contrat tel qu'il sera imprimé"),
        ]
        if c.status == _S.DRAFT:
            out += [("Modifier", "fa6s.pen-to-square", self.edit, "Ouvrir l'éditeur du contrat (Entrée)"),
                    ("Signer…", "fa6s.signature", self.sign, "Signature de la personne puis du référent"),
                    ("Marquer signé sur papier…", "fa6s.file-arrow-up", self.paper,
                     "Joindre la page signée numérisée")]  # fmt: skip
        else:
            out.append(("Consulter", "fa6s.book-open", self.edit, "Ouvrir le contrat en lecture seule"))
        for status in c.allowed:
            if status != _S.SIGNED:
                out.append(
                    (
                        views.TRANSITION_LABELS[status],
                        TRANSITION_ICONS[status],
                        lambda _=False, s=status: self.transition(s),
                        views.TRANSITION_LABELS[status],
                    )
                )
        if (
            c.status in (_S.SIGNED, _S.VALIDATED, _S.ACTIVE) and c.kind == "ce"
        ):  # no avenant to a CER since 2025
            out.append(("Avenant", "fa6s.file-circle-plus", self.amend, "Préparer un avenant à ce contrat"))
        return out

    def _fill_history(self, c: ContractView) -> None:
        entries: list[tuple[object, str, str]] = []
        for v in c.versions:
            entries.append((v.saved_at, "fa6s.floppy-disk", f"Version {v.version_no} enregistrée"
                            + (f" par {v.author}" if v.author else "")))  # fmt: skip
        vocab = load_vocabularies()
        for e in c.events:
            state = vocab.label("contract_statuses", e.to_status).lower()
            text = f"Passé à l'état « {state} »" if e.from_status else "Contrat créé (brouillon)"
            text += (f" par {e.author}" if e.author else "") + (f" — {e.comment}" if e.comment else "")
            entries.append((e.at, STATUS_ICONS.get(e.to_status, ("fa6s.circle", ""))[0], text))
        for s in c.signatures:
            who = "la personne" if s.signer == Signer.PERSON else "le référent"
            how = "sur papier" if s.method == "papier" else "sur la tablette"
            name = f" ({s.signer_name})" if s.signer_name else ""
            entries.append((s.signed_at, "fa6s.signature", f"Signé par {who}{name} {how}"
                            + (f" à {s.place}" if s.place else "")))  # fmt: skip
        for at, icon, text in sorted(entries, key=lambda x: x[0], reverse=True):  # type: ignore[arg-type,return-value]
            item = QListWidgetItem(theme.icon(icon), f"{theme.fmt_datetime(at)}  ·  {text}")  # type: ignore[arg-type]
            self.history.addItem(item)

    # --- actions ------------------------------------------------------------------------------------------

    def _submit(self, job, done, writes: bool = True) -> None:  # type: ignore[no-untyped-def]
        self.ctx.worker.submit(job, done, lambda e: show_error(self, e), writes=writes, owner=self)

    def primary(self) -> None:
        latest = self.items[0] if self.items else None
        if latest is not None and latest.status not in (_S.DRAFT, _S.REJECTED):
            self._create(lambda w: contracts.renew(w.db, latest.id, author=current_actor(w.db)), renewal=True)
        else:
            self.open_editor(None)

    def amend(self) -> None:
        c = self.selected()
        if c is not None:
            self._create(lambda w: contracts.amend(w.db, c.id, author=current_actor(w.db)))

    def _create(self, make, renewal: bool = False) -> None:  # type: ignore[no-untyped-def]
        def done(cid: str) -> None:
            self.ctx.changed(self.person_id)
            self.open_editor(cid, renewal=renewal)

        self._submit(make, done)

    def edit(self) -> None:
        c = self.selected()
        if c is not None:
            self.open_editor(c.id, renewal=c.is_renewal)

    def open_editor(self, contract_id: str | None, renewal: bool = False) -> None:
        pid = self.person_id

        def job(w: WorkerContext) -> contracts.EditorModel:
            return contracts.editor_model(w.db, pid, contract_id)

        def show(model: contracts.EditorModel) -> None:
            editor = ContractEditor(self.ctx, model, self, is_renewal=renewal)
            self.dialog = editor
            editor.finished.connect(lambda _r: self.reload())
            editor.open()

        self._submit(job, show, writes=False)

    def preview(self) -> None:
        c = self.selected()
        if c is None:
            return

        def job(w: WorkerContext) -> tuple[bytes, SealError | None]:
            from app.services.contracts.document import render_pdf  # reportlab: loaded when printing

            try:
                return render_pdf(w.db, c.id, actor="", audit=None), None
            except SealError as exc:  # the seal is broken: still show (and let save) the contract, unsealed
                return render_pdf(w.db, c.id, actor="", audit=None, seal=False), exc

        def audited(action: str) -> None:
            def record(w: WorkerContext) -> str:
                from app.services.contracts.document import record_output

                return record_output(w.db, c.id, actor=current_actor(w.db), action=action)

            self._submit(record, lambda _id: None)

        def show(result: tuple[bytes, SealError | None]) -> None:
            pdf, seal_problem = result
            self.dialog = PdfPreviewDialog(self.ctx.worker, pdf, f"contrat n° {c.number}",
                                           f"contrat-{c.number}.pdf", self, on_output=audited)  # fmt: skip
            self.dialog.open()
            if seal_problem is not None:
                show_error(
                    self.dialog, SealError(f"{seal_problem.message} Le contrat est affiché sans cachet.")
                )

        self._submit(job, show)

    def sign(self) -> None:
        c = self.selected()
        if c is not None:
            self._sign_next(c.id, [Signer.PERSON, Signer.REFERENT], "")

    def _sign_next(self, cid: str, remaining: list[str], place: str) -> None:
        if not remaining:
            return
        signer = remaining[0]
        if signer == Signer.PERSON:
            who, name = "La personne accompagnée", self.person_name
        else:
            who, name = "Le référent", self.referent_name
        dialog = SignatureDialog(who, name, place, self)
        self.dialog = dialog

        def accepted() -> None:
            strokes, where, signer_name = (
                dialog.pad.strokes(),
                dialog.place.text().strip(),
                dialog.name.text(),
            )

            def job(w: WorkerContext) -> bool:
                return contracts.sign(w.db, cid, signer=signer, signer_name=signer_name, strokes=strokes,
                                      place=where, author=current_actor(w.db))  # fmt: skip

            def done(_signed: bool) -> None:
                self.ctx.changed(self.person_id)
                self.reload()
                self._sign_next(cid, remaining[1:], where)

            self._submit(job, done)

        dialog.accepted.connect(accepted)
        dialog.open()

    def paper(self) -> None:
        c = self.selected()
        if c is None or c.status != _S.DRAFT:
            return
        dialog = PaperSignatureDialog(c.number, self.person_name, self.default_place, self)
        self.dialog = dialog

        def submitted(path: str, day: object, place: str) -> None:
            def job(w: WorkerContext) -> str:
                return contracts.sign_on_paper(w.db, c.id, path, signed_on=day, place=place,  # type: ignore[arg-type]
                                               actor=current_actor(w.db))  # fmt: skip

            def done(_document_id: str) -> None:
                dialog.accept()
                self.ctx.changed(self.person_id)
                self.reload()

            def failed(exc: BaseException) -> None:
                dialog.failed()
                show_error(dialog, exc)

            self.ctx.worker.submit(job, done, failed, writes=True, owner=self)

        dialog.submitted.connect(submitted)
        dialog.open()

    def view_scan(self) -> None:
        document_id = self.scan_id
        if document_id is None:
            return

        def job(w: WorkerContext) -> tuple[documents.DocumentView, bytes]:
            return documents.get_document(w.db, document_id), documents.document_bytes(w.db, document_id)

        def show(result: tuple[documents.DocumentView, bytes]) -> None:
            view, data = result
            if view.is_pdf:
                self.dialog = PdfPreviewDialog(self.ctx.worker, data, view.title, view.file_name, self)
            else:
                self.dialog = ImageViewDialog(view.title, data, self)
            self.dialog.open()

        self._submit(job, show, writes=False)

    def transition(self, status: str) -> None:
        c = self.selected()
        if c is None:
            return
        comment = ""
        if status in CONFIRM:
            label = views.TRANSITION_LABELS[status]
            text, ok = QInputDialog.getText(
                self, label, CONFIRM[status] + "\n\nMotif ou commentaire (facultatif) :"
            )
            if not ok:
                return
            comment = text

        def job(w: WorkerContext) -> str:
            return contracts.transition(w.db, c.id, status, comment=comment, author=current_actor(w.db))

        def done(_event: str) -> None:
            self.ctx.changed(self.person_id)
            announce(
                f"Contrat n° {c.number} : {views.TRANSITION_LABELS[status].lower()} enregistré",
                source=self,
            )
            self.reload()

        self._submit(job, done)


def create_tab(ctx: UiContext, person_id: str) -> QWidget:
    return ContractsTab(ctx, person_id)
