"""« Documents » tab of a person: the notes (append-only, corrected by a new note) and the documents (stored
encrypted in the vault) with a preview, the export, and the printing of the person's feuille de route.

Shortcuts: « Nouvelle note » Ctrl+Shift+M, « Ajouter un document… » Ctrl+Shift+D, feuille de route Ctrl+P.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSize, Qt, QUrl
from PySide6.QtGui import (
    QColor,
    QDesktopServices,
    QDragEnterEvent,
    QDropEvent,
    QFont,
    QKeySequence,
    QShortcut,
)
from PySide6.QtWidgets import (
    QFileDialog,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.services.casefile import documents, roadmap
from app.services.casefile import notes as notes_mod
from app.services.casefile.documents import DocumentView
from app.services.casefile.notes import NoteView
from app.services.people import identity as people
from app.services.people.identity import current_actor
from app.ui.kit import theme
from app.ui.kit.a11y import announce
from app.ui.kit.errors import show_error
from app.ui.kit.widgets import FlowRow, named, tool_row
from app.ui.kit.worker import WorkerContext
from app.ui.person.documents.dialogs import DocumentDialog, NoteDialog, Preview, note_kind_label
from app.ui.shell.plugins import UiContext

ID_ROLE = Qt.ItemDataRole.UserRole
NOTE_ICONS = {"entretien": "fa6s.comments", "appel": "fa6s.phone", "courrier": "fa6s.envelope",
              "liaison_partenaire": "fa6s.handshake"}  # fmt: skip


def _tree(headers: list[str], name: str, stretch: int) -> QTreeWidget:
    """A flat list; column ``stretch`` takes the free width, the others fit their content."""
    tree = QTreeWidget()
    tree.setHeaderLabels(headers)
    header = tree.header()
    header.setStretchLastSection(False)
    for col in range(len(headers)):
        mode = QHeaderView.ResizeMode.Stretch if col == stretch else QHeaderView.ResizeMode.ResizeToContents
        header.setSectionResizeMode(col, mode)
    tree.setRootIsDecorated(False)
    tree.setAlternatingRowColors(True)
    tree.setUniformRowHeights(True)
    tree.setAccessibleName(name)
    return tree


class DocumentsTab(QWidget):
    def __init__(self, ctx: UiContext, person_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.person_id = ctx, person_id
        self.person_name = ""
        self.notes: list[NoteView] = []
        self.docs: list[DocumentView] = []
        self.dialog: NoteDialog | DocumentDialog | None = None
        self.last_saved: Path | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 10, 10, 10)
        layout.addLayout(self._toolbar())
        self.feedback = QLabel(wordWrap=True)
        self.feedback.setProperty("muted", True)
        self.feedback.hide()
        layout.addWidget(self.feedback)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self._lists())
        self.preview = Preview()
        self._preview_buttons()
        split.addWidget(self.preview)
        split.setSizes([700, 500])
        layout.addWidget(split, 1)
        self.setAcceptDrops(True)
        self.reload()

    # --- drag and drop: a file dropped on the tab is added as a document ------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        urls = event.mimeData().urls()
        if len(urls) == 1 and urls[0].isLocalFile():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        urls = event.mimeData().urls()
        if len(urls) == 1 and urls[0].isLocalFile():
            event.acceptProposedAction()
            self.add_document(urls[0].toLocalFile())

    # --- building -----------------------------------------------------------------------------------------

    def _button(self, icon: str, text: str, tip: str, slot: Any, primary: bool = False) -> QPushButton:
        b = QPushButton(theme.icon(icon, "#ffffff" if primary else theme.MUTED), text)
        b.setToolTip(tip)
        b.clicked.connect(lambda: slot())
        if primary:
            b.setProperty("primary", True)
        return b

    def _toolbar(self) -> FlowRow:
        self.summary = QLabel("Chargement…")
        self.print_button = self._button("fa6s.print", "Imprimer la feuille de route",
                                         "Enregistrer « Ma feuille de route » en PDF pour la personne (Ctrl+P)",
                                         self.print_roadmap)  # fmt: skip
        self.add_button = self._button("fa6s.paperclip", "Ajouter un document…",
                                       "Joindre un fichier (scan, PDF, photo) — 20 Mo au plus (Ctrl+Maj+D) ; vous pouvez aussi le glisser ici",
                                       self.add_document)  # fmt: skip
        self.note_button = self._button("fa6s.note-sticky", "Nouvelle note", "Écrire une note (Ctrl+Maj+M)",
                                        self.new_note, primary=True)  # fmt: skip
        scope = Qt.ShortcutContext.WidgetWithChildrenShortcut
        QShortcut(QKeySequence("Ctrl+Shift+M"), self, self.new_note, context=scope)
        QShortcut(QKeySequence("Ctrl+Shift+D"), self, self.add_document, context=scope)
        QShortcut(QKeySequence("Ctrl+P"), self, self.print_roadmap, context=scope)
        return tool_row([self.summary], [self.print_button, self.add_button, self.note_button])

    def _lists(self) -> QWidget:
        box = QWidget()
        col = QVBoxLayout(box)
        col.setContentsMargins(0, 0, 0, 0)
        self.notes_title = named(QLabel("Notes"), "h2")
        self.note_tree = _tree(["Date", "Type", "Note", "Auteur"], "Notes de la personne", 2)
        self.notes_empty = QLabel("Aucune note. « Nouvelle note » (Ctrl+Maj+M) pour consigner un entretien, "
                                  "un appel, un courrier ou une liaison avec un partenaire.", wordWrap=True)  # fmt: skip
        self.docs_title = named(QLabel("Documents"), "h2")
        self.doc_tree = _tree(["Type", "Titre", "Date", "Taille"], "Documents de la personne", 1)
        self.docs_empty = QLabel("Aucun document. « Ajouter un document… » (Ctrl+Maj+D) pour joindre un "
                                 "justificatif, un courrier ou un contrat signé numérisé, ou glissez le fichier ici.", wordWrap=True)  # fmt: skip
        for empty in (self.notes_empty, self.docs_empty):
            empty.setProperty("muted", True)
        for w in (self.notes_title, self.note_tree, self.notes_empty, self.docs_title, self.doc_tree,
                  self.docs_empty):  # fmt: skip
            col.addWidget(w, 1 if isinstance(w, QTreeWidget) else 0)
        self.note_tree.itemSelectionChanged.connect(self._note_selected)
        self.doc_tree.itemSelectionChanged.connect(self._doc_selected)
        self.doc_tree.itemActivated.connect(lambda *_: self.open_external())
        return box

    def _preview_buttons(self) -> None:
        self.correct_button = self._button("fa6s.pen", "Corriger…", "Ajouter une correction à cette note",
                                           self.correct_note)  # fmt: skip
        self.export_button = self._button("fa6s.file-export", "Exporter…", "Enregistrer une copie du fichier",
                                          self.export_document)  # fmt: skip
        self.open_button = self._button("fa6s.up-right-from-square", "Ouvrir avec l'application du système",
                                        "Ouvre une copie temporaire, non chiffrée, du fichier", self.open_external)  # fmt: skip
        self.preview.buttons.addStretch(1)
        for b in (self.correct_button, self.open_button, self.export_button):
            self.preview.buttons.addWidget(b)
            b.hide()

    # --- loading ------------------------------------------------------------------------------------------

    def reload(self) -> None:
        pid = self.person_id

        def job(w: WorkerContext) -> tuple[str, list[NoteView], list[DocumentView]]:
            p = people.get_person(w.db, pid)
            return (
                f"{p.first_name} {p.last_name}",
                notes_mod.list_notes(w.db, pid),
                documents.list_documents(w.db, pid),
            )

        self.ctx.worker.submit(job, self._show, lambda e: show_error(self, e), owner=self)

    def _show(self, result: tuple[str, list[NoteView], list[DocumentView]]) -> None:
        self.person_name, notes, self.docs = result
        self.notes = sorted(notes, key=lambda n: n.written_at, reverse=True)
        notes_text = theme.plural(len(self.notes), "note", "notes") if self.notes else "Aucune note"
        docs = theme.plural(len(self.docs), "document", "documents") if self.docs else "aucun document"
        self.summary.setText(f"{notes_text}, {docs}")
        self._fill_notes()
        self._fill_docs()
        self.preview.clear()
        self._buttons_for(None)

    def _fill_notes(self) -> None:
        self.note_tree.clear()
        by_id = {n.id: n for n in self.notes}
        for n in self.notes:
            excerpt = " ".join(n.body.split())
            fix = by_id.get(n.corrected_by or "")
            if fix is not None:
                excerpt = f"[corrigée le {theme.fmt_date(fix.written_at)}] {excerpt}"
            elif n.corrects_note_id:
                excerpt = f"[correction] {excerpt}"
            item = QTreeWidgetItem([n.written_at.strftime("%d/%m/%Y %H:%M"), note_kind_label(n.kind),
                                    excerpt[:140], n.author])  # fmt: skip
            item.setIcon(1, theme.icon(NOTE_ICONS.get(n.kind, "fa6s.note-sticky")))
            item.setData(0, ID_ROLE, n.id)
            if fix is not None:
                font = QFont(item.font(2))
                font.setStrikeOut(True)
                for c in range(4):
                    item.setFont(c, font)
                    item.setForeground(c, QColor(theme.MUTED))  # struck out and « corrigée »: not pale
                item.setToolTip(2, f"Corrigée le {theme.fmt_datetime(fix.written_at)}")
            self.note_tree.addTopLevelItem(item)
        self.note_tree.setVisible(bool(self.notes))
        self.notes_empty.setVisible(not self.notes)

    def _fill_docs(self) -> None:
        self.doc_tree.clear()
        for d in self.docs:
            item = QTreeWidgetItem([d.kind_label, d.title, theme.fmt_date(d.document_date), d.size_label])
            icon = "fa6s.file-image" if d.is_image else "fa6s.file-pdf" if d.is_pdf else "fa6s.file"
            item.setIcon(0, theme.icon(icon))
            item.setData(0, ID_ROLE, d.id)
            item.setTextAlignment(3, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.doc_tree.addTopLevelItem(item)
        self.doc_tree.setIconSize(QSize(16, 16))
        self.doc_tree.setVisible(bool(self.docs))
        self.docs_empty.setVisible(not self.docs)

    # --- selection ----------------------------------------------------------------------------------------

    def selected_note(self) -> NoteView | None:
        items = self.note_tree.selectedItems()
        return next((n for n in self.notes if items and n.id == items[0].data(0, ID_ROLE)), None)

    def selected_document(self) -> DocumentView | None:
        items = self.doc_tree.selectedItems()
        return next((d for d in self.docs if items and d.id == items[0].data(0, ID_ROLE)), None)

    def _buttons_for(self, what: str | None) -> None:
        self.correct_button.setVisible(what == "note")
        self.export_button.setVisible(what == "doc")
        self.open_button.setVisible(what == "doc")
        note = self.selected_note()
        self.correct_button.setEnabled(note is not None and note.corrected_by is None)
        self.correct_button.setToolTip(
            "Cette note a déjà été corrigée : corrigez plutôt la correction."
            if note is not None and note.corrected_by
            else "Ajouter une correction à cette note (la note d'origine reste dans le dossier)"
        )

    def _note_selected(self) -> None:
        note = self.selected_note()
        if note is None:
            return
        self.doc_tree.clearSelection()
        by_id = {n.id: n for n in self.notes}
        self.preview.show_note(
            note, by_id.get(note.corrected_by or ""), by_id.get(note.corrects_note_id or "")
        )
        self._buttons_for("note")

    def _doc_selected(self) -> None:
        doc = self.selected_document()
        if doc is None:
            return
        self.note_tree.clearSelection()
        self._buttons_for("doc")
        self.preview.heading.setText(doc.title)
        self.preview.meta.setText("Chargement de l'aperçu…")

        def job(w: WorkerContext) -> bytes | None:
            data = documents.document_bytes(w.db, doc.id)
            return documents.pdf_first_page_png(data) if doc.is_pdf else data if doc.is_image else None

        def done(png: bytes | None) -> None:
            if self.selected_document() == doc:
                self.preview.show_document(doc, png)

        self.ctx.worker.submit(job, done, lambda e: show_error(self, e), owner=self)

    # --- actions ------------------------------------------------------------------------------------------

    def new_note(self, corrects: NoteView | None = None) -> None:
        self.dialog = NoteDialog(self.ctx, self.person_id, corrects=corrects, parent=self)
        self.dialog.open()

    def correct_note(self) -> None:
        note = self.selected_note()
        if note is not None and note.corrected_by is None:
            self.new_note(corrects=note)

    def add_document(self, path: str | Path | None = None) -> None:
        if path is None:
            path, _ = QFileDialog.getOpenFileName(self, "Ajouter un document", "",
                                                  "Documents (*.pdf *.png *.jpg *.jpeg *.tif *.tiff *.odt *.docx);;"
                                                  "Tous les fichiers (*)")  # fmt: skip
            if not path:
                return
        self.dialog = DocumentDialog(self.ctx, self.person_id, Path(path), parent=self)
        self.dialog.open()

    def _saved(self, message: str, path: Path) -> None:
        self.last_saved = path
        self.feedback.setText(message)
        announce(message.lstrip("✔ "), source=self.feedback)
        self.feedback.show()

    def export_document(self, path: str | Path | None = None) -> None:
        doc = self.selected_document()
        if doc is None:
            return
        if path is None:
            path, _ = QFileDialog.getSaveFileName(self, "Exporter le document", doc.file_name or doc.title)
            if not path:
                return
        target, doc_id = Path(path), doc.id

        def job(w: WorkerContext) -> Path:
            return documents.export_document(w.db, doc_id, target, actor=current_actor(w.db))

        self.ctx.worker.submit(job, lambda p: self._saved(f"✔ Document exporté : {p}", p),
                               lambda e: show_error(self, e), writes=True, owner=self)  # fmt: skip

    def open_external(self) -> None:
        doc = self.selected_document()
        if doc is None:
            return
        folder = Path(tempfile.mkdtemp(prefix="fil-rouge-"))
        target = folder / (doc.file_name or "document")

        def job(w: WorkerContext) -> Path:
            return documents.export_document(w.db, doc.id, target, actor=current_actor(w.db))

        def done(p: Path) -> None:
            if not QDesktopServices.openUrl(QUrl.fromLocalFile(str(p))):
                self._saved(f"Aucune application n'a pu ouvrir le fichier ; une copie est ici : {p}", p)

        self.ctx.worker.submit(job, done, lambda e: show_error(self, e), writes=True, owner=self)

    def print_roadmap(self, path: str | Path | None = None) -> None:
        if path is None:
            default = f"Feuille de route - {self.person_name}.pdf".replace("/", "-")
            path, _ = QFileDialog.getSaveFileName(
                self, "Enregistrer la feuille de route", default, "PDF (*.pdf)"
            )
            if not path:
                return
        target, pid = Path(path), self.person_id
        self.print_button.setEnabled(False)
        self.feedback.setText("Préparation de la feuille de route…")
        self.feedback.show()

        def job(w: WorkerContext) -> Path:
            roadmap.render_roadmap_pdf(w.db, pid, actor=current_actor(w.db), out=target)
            return target

        def done(p: Path) -> None:
            self.print_button.setEnabled(True)
            self._saved(f"✔ Feuille de route enregistrée : {p} — à imprimer et remettre à la personne.", p)

        def failed(e: BaseException) -> None:
            self.print_button.setEnabled(True)
            self.feedback.hide()
            show_error(self, e)

        self.ctx.worker.submit(job, done, failed, writes=True, owner=self)


def create_tab(ctx: UiContext, person_id: str) -> QWidget:
    return DocumentsTab(ctx, person_id)
