"""Dialogs and preview pane of the Documents tab: « Nouvelle note » / « Corriger la note » (append-only, with the sensitive-content
warning shown as the user types) « Ajouter un document » (type, titre, date; the file is read on the worker), and the preview pane (a note in
full with its correction, an image or the first page of a PDF)."""

from __future__ import annotations

import html
from pathlib import Path

from PySide6.QtCore import QDate, QDateTime, Qt, QTimer
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from app.models.enums import NoteKind
from app.models.vocabularies.loader import is_sensitive_text, load_vocabularies
from app.services.casefile import documents, notes
from app.services.casefile.documents import DocumentView
from app.services.casefile.notes import NoteView
from app.services.errors import ValidationError
from app.services.people.identity import current_actor
from app.ui.kit import theme
from app.ui.kit.a11y import Level, announce
from app.ui.kit.errors import show_error
from app.ui.kit.forms import confirm_discard, date_edit, error_label, pydate, pydatetime
from app.ui.kit.keyboard import save_shortcut
from app.ui.kit.widgets import EmptyState, named
from app.ui.kit.worker import WorkerContext
from app.ui.shell.plugins import UiContext


def default_title(path: Path) -> str:
    """« attestation_caf-2026.pdf » → « Attestation caf 2026 »."""
    words = " ".join(path.stem.replace("_", " ").replace("-", " ").split())
    return words[:1].upper() + words[1:]


def note_kind_label(kind: str) -> str:
    return load_vocabularies().label("note_kinds", kind)


class _GuardedDialog(QDialog):
    """Asks before discarding what was typed; shows service field errors next to the fields."""

    what = "La saisie"

    def __init__(self, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.errors: dict[str, QLabel] = {}
        self.saving = False

    def dirty(self) -> bool:
        return False

    def show_errors(self, fields: dict[str, str]) -> None:
        for key, label in self.errors.items():
            label.setVisible(key in fields)
            label.setText(fields.get(key, ""))
        known = [m for k, m in fields.items() if k in self.errors]
        if known:
            announce("Non enregistré : " + " ".join(known), Level.WARNING, source=self)
        unknown = [m for k, m in fields.items() if k not in self.errors]
        if unknown:
            show_error(self, ValidationError(" ; ".join(unknown)))

    def failed(self, exc: BaseException) -> None:
        self.saving = False
        self.save_button.setEnabled(True)
        if isinstance(exc, ValidationError) and exc.fields:
            self.show_errors(dict(exc.fields))
        else:
            show_error(self, exc)

    def reject(self) -> None:
        discard = f"{self.what} n'est pas enregistrée : ce que vous avez saisi sera perdu."
        if self.dirty() and not self.saving and not confirm_discard(self, discard):
            return
        super().reject()

    def _buttons(self, layout: QVBoxLayout, save_text: str) -> None:
        buttons = QDialogButtonBox()
        self.save_button: QPushButton = buttons.addButton(save_text, QDialogButtonBox.ButtonRole.AcceptRole)
        self.save_button.setIcon(theme.icon("fa6s.floppy-disk", "#ffffff"))
        self.save_button.setProperty("primary", True)
        self.save_button.setDefault(True)
        cancel = buttons.addButton("Annuler", QDialogButtonBox.ButtonRole.RejectRole)
        cancel.setAutoDefault(False)
        self.save_button.setToolTip(f"{save_text} (Ctrl+S ou Ctrl+Entrée)")
        save_shortcut(self, lambda: self.save() if self.save_button.isEnabled() else None, text_alias=True)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def save(self) -> None:  # pragma: no cover - overridden
        raise NotImplementedError


class NoteDialog(_GuardedDialog):
    """« Nouvelle note », or « Corriger la note » when ``corrects`` is given (a new note pointing at the old)."""

    what = "La note"

    def __init__(self, ctx: UiContext, person_id: str, *, corrects: NoteView | None = None,
                 parent: QWidget | None = None) -> None:  # fmt: skip
        super().__init__(parent)
        self.ctx, self.person_id, self.corrects = ctx, person_id, corrects
        self.saved_id: str | None = None
        self.setWindowTitle("Corriger la note" if corrects else "Nouvelle note")
        self.resize(620, 480)
        layout = QVBoxLayout(self)
        if corrects is not None:
            intro = QLabel(
                f"Note {note_kind_label(corrects.kind).lower()} du {theme.fmt_datetime(corrects.written_at)} : "
                "elle reste dans le dossier, marquée « corrigée » ; votre correction s'ajoute à côté.",
                wordWrap=True,
            )
            intro.setProperty("muted", True)
            layout.addWidget(intro)
        form = QFormLayout()
        self.kind = QComboBox()
        for entry in load_vocabularies().choices("note_kinds"):
            self.kind.addItem(entry.label, entry.code)
        self.kind.setCurrentIndex(
            max(0, self.kind.findData(corrects.kind if corrects else NoteKind.INTERVIEW))
        )
        self.when = QDateTimeEdit(QDateTime.currentDateTime(), calendarPopup=True)
        self.when.setDisplayFormat("dd/MM/yyyy HH:mm")
        self.body = QPlainTextEdit()
        self.body.setPlaceholderText("Ce qui a été dit, décidé, à faire… (faits utiles à l'accompagnement)")
        self.body.setAccessibleName("Texte de la note")
        if corrects is not None:
            self.body.setPlainText(corrects.body)
        self.initial = self.body.toPlainText()
        self.warning = named(QLabel(wordWrap=True), "warning")
        self.warning.hide()
        self.errors = {k: error_label() for k in ("kind", "body", "written_at")}
        form.addRow("Type", self.kind)
        form.addRow("", self.errors["kind"])
        form.addRow("Date", self.when)
        form.addRow("", self.errors["written_at"])
        layout.addLayout(form)
        layout.addWidget(self.body, 1)
        layout.addWidget(self.errors["body"])
        layout.addWidget(self.warning)
        self._buttons(layout, "Enregistrer la correction" if corrects else "Enregistrer la note")
        self._check_timer = QTimer(self, singleShot=True, interval=250)
        self._check_timer.timeout.connect(self.check_sensitive)
        self.body.textChanged.connect(self._check_timer.start)
        self.check_sensitive()
        self.body.setFocus()

    def dirty(self) -> bool:
        return self.body.toPlainText().strip() != self.initial.strip()

    def check_sensitive(self) -> None:
        warnings = is_sensitive_text(self.body.toPlainText())
        if warnings and not self.warning.isVisibleTo(self):  # said once, when it appears
            announce(" ".join(warnings), Level.WARNING, source=self.warning)
        self.warning.setText("⚠ " + "\n⚠ ".join(warnings) if warnings else "")
        self.warning.setVisible(bool(warnings))

    def save(self) -> None:
        if self.corrects is not None and not self.dirty():
            self.show_errors({"body": "La correction est identique à la note d'origine : modifiez le texte."})
            return
        self.show_errors({})
        pid, kind, body = self.person_id, self.kind.currentData(), self.body.toPlainText()
        written = pydatetime(self.when.dateTime())
        corrects_id = self.corrects.id if self.corrects else None

        def job(w: WorkerContext) -> str:
            return notes.add_note(w.db, pid, kind=kind, body=body, author=current_actor(w.db),
                                    written_at=written, corrects_note_id=corrects_id)  # fmt: skip

        self.saving = True
        self.save_button.setEnabled(False)
        self.ctx.worker.submit(job, self._saved, self.failed, writes=True, owner=self)

    def _saved(self, note_id: str) -> None:
        self.saved_id = note_id
        self.ctx.changed(self.person_id)
        announce("Correction de la note enregistrée" if self.corrects else "Note enregistrée", source=self)
        self.accept()


class DocumentDialog(_GuardedDialog):
    """Type, titre and date of a chosen file; on « Ajouter » the worker reads and stores it (encrypted)."""

    what = "Le document"

    def __init__(self, ctx: UiContext, person_id: str, path: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.person_id, self.path = ctx, person_id, Path(path)
        self.saved_id: str | None = None
        self.setWindowTitle("Ajouter un document")
        self.resize(520, 260)
        layout = QVBoxLayout(self)
        info = QLabel(f"Fichier : <b>{self.path.name}</b> — il sera chiffré dans le dossier de la personne.")
        info.setWordWrap(True)
        layout.addWidget(info)
        form = QFormLayout()
        self.kind = QComboBox()
        self.kind.addItem("— Choisir —", "")
        for entry in load_vocabularies().choices(documents.DOCUMENT_KINDS):
            self.kind.addItem(entry.label, entry.code)
        self.default_title = default_title(self.path)
        self.title = QLineEdit(self.default_title)
        self.title.setMaxLength(300)
        self.day = date_edit(QDate.currentDate())
        self.errors = {k: error_label() for k in ("kind", "title", "document_date", "data")}
        for label, widget, key in (("Type", self.kind, "kind"), ("Titre", self.title, "title"),
                                   ("Date du document", self.day, "document_date")):  # fmt: skip
            form.addRow(label, widget)
            form.addRow("", self.errors[key])
        layout.addLayout(form)
        layout.addWidget(self.errors["data"])
        layout.addStretch(1)
        self._buttons(layout, "Ajouter le document")
        self.kind.setFocus()

    def dirty(self) -> bool:
        return bool(self.kind.currentData()) or self.title.text() != self.default_title

    def save(self) -> None:
        if not self.kind.currentData():
            self.show_errors({"kind": "Choisissez le type de document."})
            return
        self.show_errors({})
        pid, path, kind, title = self.person_id, self.path, self.kind.currentData(), self.title.text()
        day = pydate(self.day.date())

        def job(w: WorkerContext) -> str:
            return documents.add_document_file(w.db, pid, path, kind=kind, title=title, document_date=day)

        self.saving = True
        self.save_button.setEnabled(False)
        self.ctx.worker.submit(job, self._saved, self._add_failed, writes=True, owner=self)

    def _add_failed(self, exc: BaseException) -> None:
        if isinstance(exc, documents.DocumentTooLargeError | documents.DocumentReadError):
            self.saving = False
            self.save_button.setEnabled(True)
            self.show_errors({"data": exc.message})
            return
        self.failed(exc)

    def _saved(self, doc_id: str) -> None:
        self.saved_id = doc_id
        self.ctx.changed(self.person_id)
        announce(f"Document ajouté : {self.title.text()}", source=self)
        self.accept()


def _html(text: str) -> str:
    return html.escape(text).replace("\n", "<br>")


class Preview(QWidget):
    """Right pane: a note in full (with « Corriger… »), or a document's preview and its actions."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 0, 0, 0)
        self.heading = named(QLabel(wordWrap=True), "h2")
        self.meta = QLabel(wordWrap=True)
        self.meta.setProperty("muted", True)
        self.stack = QStackedWidget()
        self.hint = EmptyState("fa6s.hand-pointer", "Aucun élément sélectionné",
                               "Sélectionnez une note ou un document pour l'afficher ici.")  # fmt: skip
        self.text = QTextBrowser()
        self.image = QLabel(alignment=Qt.AlignmentFlag.AlignCenter)
        self.scroller = QScrollArea(widgetResizable=True)
        self.scroller.setWidget(self.image)
        self.scroller.setHorizontalScrollBarPolicy(
            Qt.ScrollBarPolicy.ScrollBarAlwaysOff
        )  # fitted to the width
        self.message = EmptyState("fa6s.file", "Pas d'aperçu", "")
        for w in (self.hint, self.text, self.scroller, self.message):
            self.stack.addWidget(w)
        self.buttons = QHBoxLayout()
        for label in (self.heading, self.meta):
            layout.addWidget(label)
        layout.addWidget(self.stack, 1)
        layout.addLayout(self.buttons)
        self.clear()

    def clear(self) -> None:
        self.heading.setText("")
        self.meta.setText("")
        self.stack.setCurrentWidget(self.hint)

    def show_note(self, note: NoteView, fix: NoteView | None, original: NoteView | None) -> None:
        """The note in full; a corrected note shows its correction below, a correction the note it corrects."""
        self.heading.setText(f"Note — {note_kind_label(note.kind).lower()}")
        meta = f"Écrite le {theme.fmt_datetime(note.written_at)}" + (
            f" par {note.author}" if note.author else ""
        )
        if fix is not None:
            meta += f" · ⚠ corrigée le {theme.fmt_date(fix.written_at)}"
        if original is not None:
            meta += f" · corrige la note du {theme.fmt_date(original.written_at)}"
        self.meta.setText(meta)
        body = f"<p>{_html(note.body)}</p>"
        if fix is not None:
            body = f"<p style='color:{theme.MUTED}'><s>{_html(note.body)}</s></p>"
            body += f"<hr><p><b>Correction du {theme.fmt_datetime(fix.written_at)}</b></p><p>{_html(fix.body)}</p>"
        if original is not None:
            body += (f"<hr><p style='color:{theme.MUTED}'><b>Note d'origine du "
                     f"{theme.fmt_datetime(original.written_at)}</b></p>"
                     f"<p style='color:{theme.MUTED}'><s>{_html(original.body)}</s></p>")  # fmt: skip
        self.text.setHtml(body)
        self.stack.setCurrentWidget(self.text)

    def show_document(self, doc: DocumentView, png: bytes | None) -> None:
        self.heading.setText(doc.title)
        day = theme.fmt_date(doc.document_date) or "sans date"
        self.meta.setText(f"{doc.kind_label} · {day} · {doc.size_label} · {doc.file_name or 'fichier'}")
        pixmap = QPixmap()
        if png and pixmap.loadFromData(png):
            width = max(200, self.scroller.width() - self.scroller.verticalScrollBar().sizeHint().width() - 8)
            self.image.setPixmap(pixmap if pixmap.width() <= width else pixmap.scaledToWidth(
                width, Qt.TransformationMode.SmoothTransformation))  # fmt: skip
            self.stack.setCurrentWidget(self.scroller)
            return
        text = ("Ce PDF n'a pas pu être affiché (fichier illisible ou protégé par un mot de passe)."
                if doc.is_pdf else "Ce type de fichier ne peut pas être affiché ici.")  # fmt: skip
        self.message.set_text("Pas d'aperçu", text + " Utilisez « Ouvrir avec l'application du système ».")
        self.stack.setCurrentWidget(self.message)
