"""« Signé sur papier » : the scanned signed page (chosen or dropped), the date and the place of signature.

The dialog stays open until the tab reports success (:meth:`PaperSignatureDialog.done_ok`), so nothing typed is
lost when the service refuses (wrong type, unreadable file, future date...). Also the scan viewer used by
« Voir le scan ».
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QKeySequence, QPixmap, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from app.services.casefile.documents import size_label
from app.ui.kit import theme
from app.ui.kit.forms import date_edit, pydate
from app.ui.kit.keyboard import save_shortcut
from app.ui.kit.widgets import fit_to_screen, named

SCAN_SUFFIXES = (".pdf", ".jpg", ".jpeg", ".png")
SCAN_FILTER = "Page signée numérisée (*.pdf *.jpg *.jpeg *.png *.PDF *.JPG *.JPEG *.PNG)"


class ScanDropZone(QFrame):
    """A framed area: « Déposez ici la page signée », or the chosen file (name, size, thumbnail for an image)."""

    chosen = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAcceptDrops(True)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setMinimumHeight(120)
        self.setObjectName("dropZone")
        self.setStyleSheet(
            "#dropZone { border: 2px dashed #9aa5b1; border-radius: 6px; background: #f7f9fb; }"
            '#dropZone[hover="true"] { border-color: #2f6fab; background: #eef4fb; }'
        )
        self.setAccessibleName("Page signée numérisée")
        layout = QHBoxLayout(self)
        self.thumb = QLabel()
        self.thumb.setFixedSize(84, 110)
        self.thumb.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.thumb.setPixmap(theme.icon("fa6s.file-arrow-up").pixmap(48, 48))  # type: ignore[attr-defined]
        self.text = QLabel(wordWrap=True)
        self.choose_button = QPushButton(theme.icon("fa6s.folder-open"), "Choisir le fichier…")
        self.choose_button.clicked.connect(self.choose)
        right = QVBoxLayout()
        right.addStretch(1)
        right.addWidget(self.text)
        right.addWidget(self.choose_button, 0, Qt.AlignmentFlag.AlignLeft)
        right.addStretch(1)
        layout.addWidget(self.thumb)
        layout.addLayout(right, 1)
        self.path: Path | None = None
        self._describe()

    def _describe(self) -> None:
        if self.path is None:
            self.text.setText(
                "<b>Déposez ici la page signée numérisée</b><br/>"
                "ou choisissez-la sur le poste. Formats acceptés\u00a0: PDF, JPEG ou PNG (20\u00a0Mo au plus)."
            )
            return
        try:
            size = size_label(self.path.stat().st_size)
        except OSError:
            size = "taille inconnue"
        self.text.setText(f"<b>{self.path.name}</b><br/>{size} — dans {self.path.parent}")
        image = QPixmap(str(self.path)) if self.path.suffix.lower() != ".pdf" else QPixmap()
        if not image.isNull():
            self.thumb.setPixmap(
                image.scaled(
                    84, 110, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
                )
            )
        else:
            self.thumb.setPixmap(theme.icon("fa6s.file-pdf", theme.ACCENT).pixmap(48, 48))  # type: ignore[attr-defined]

    def set_path(self, path: str | Path) -> None:
        self.path = Path(path)
        self._describe()
        self.chosen.emit(str(self.path))

    def choose(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Page signée numérisée", str(Path.home()), SCAN_FILTER)
        if path:
            self.set_path(path)

    def _set_hover(self, on: bool) -> None:
        self.setProperty("hover", on)
        self.style().unpolish(self)
        self.style().polish(self)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        urls = event.mimeData().urls()
        if len(urls) == 1 and urls[0].isLocalFile():
            event.acceptProposedAction()
            self._set_hover(True)

    def dragLeaveEvent(self, _event: object) -> None:  # type: ignore[override]
        self._set_hover(False)

    def dropEvent(self, event: QDropEvent) -> None:
        self._set_hover(False)
        urls = event.mimeData().urls()
        if urls and urls[0].isLocalFile():
            self.set_path(urls[0].toLocalFile())
            event.acceptProposedAction()


class PaperSignatureDialog(QDialog):
    """« Contrat n° … signé sur papier »: scan, date, place. Emits :attr:`submitted` (path, date, place)."""

    submitted = Signal(str, object, str)

    def __init__(self, number: str, person_name: str, place: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Contrat n° {number} signé sur papier")
        layout = QVBoxLayout(self)
        intro = QLabel(
            f"Le contrat n°\u00a0{number} de <b>{person_name}</b> a été signé sur papier par la personne et par "
            "le référent. Joignez la page signée numérisée\u00a0: elle sera rangée dans les documents de la "
            "personne (type «\u00a0Contrat signé\u00a0») et le contrat passera à l'état «\u00a0signé\u00a0», "
            "sans modification possible ensuite."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.zone = ScanDropZone()
        layout.addWidget(self.zone)
        self.scan_error = named(QLabel(), "error")
        layout.addWidget(self.scan_error)
        form = QFormLayout()
        self.signed_on = date_edit()
        self.signed_on.setDate(QDate.currentDate())
        self.signed_on.setMaximumDate(QDate.currentDate())
        self.place = QLineEdit(place, placeholderText="Ex. : Saint-Denis")
        self.place_error = named(QLabel(), "error")
        form.addRow("Signé le", self.signed_on)
        form.addRow("Fait à", self.place)
        form.addRow("", self.place_error)
        layout.addLayout(form)
        for label in (self.scan_error, self.place_error):
            label.hide()
        self.zone.chosen.connect(self._check_type)
        self.place.textChanged.connect(lambda _t: self.place_error.hide())
        self.buttons = QDialogButtonBox()
        self.ok_button = QPushButton(theme.icon("fa6s.file-signature", "#ffffff"), "Enregistrer la signature")
        self.ok_button.setProperty("primary", True)
        self.ok_button.setDefault(True)
        self.buttons.addButton(self.ok_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton("Annuler", QDialogButtonBox.ButtonRole.RejectRole)
        self.buttons.accepted.connect(self.validate)
        self.buttons.rejected.connect(self.reject)
        QShortcut(QKeySequence("Ctrl+O"), self, self.zone.choose)
        save_shortcut(self, lambda: self.validate() if self.ok_button.isEnabled() else None)
        layout.addWidget(self.buttons)
        self.resize(600, 400)

    def _check_type(self, path: str) -> bool:
        ok = Path(path).suffix.lower() in SCAN_SUFFIXES
        self.scan_error.setText("" if ok else "Ce fichier n'est ni un PDF, ni une image JPEG ou PNG.")
        self.scan_error.setVisible(not ok)
        return ok

    def date_value(self) -> date:
        return pydate(self.signed_on.date())

    def validate(self) -> None:
        ok = True
        if self.zone.path is None:
            self.scan_error.setText("Joignez la page signée numérisée (PDF, JPEG ou PNG).")
            self.scan_error.show()
            ok = False
        elif not self._check_type(str(self.zone.path)):
            ok = False
        if not self.place.text().strip():
            self.place_error.setText("Indiquez le lieu de la signature.")
            self.place_error.show()
            ok = False
        if ok and self.zone.path is not None:
            self.ok_button.setEnabled(False)
            self.ok_button.setText("Enregistrement…")
            self.submitted.emit(str(self.zone.path), self.date_value(), self.place.text().strip())

    def failed(self) -> None:
        """The service refused: the dialog stays open with everything as typed."""
        self.ok_button.setEnabled(True)
        self.ok_button.setText("Enregistrer la signature")


class ImageViewDialog(QDialog):
    """A scanned image at a readable size (a PDF scan goes to the PDF preview instead)."""

    def __init__(self, title: str, data: bytes, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        layout = QVBoxLayout(self)
        image = QPixmap()
        image.loadFromData(data)
        label = QLabel(alignment=Qt.AlignmentFlag.AlignCenter)
        if image.isNull():
            label.setText("Cette image n'a pas pu être affichée.")
        else:
            label.setPixmap(
                image.scaledToWidth(min(image.width(), 820), Qt.TransformationMode.SmoothTransformation)
            )
        scroll = QScrollArea(widgetResizable=True)
        scroll.setWidget(label)
        layout.addWidget(scroll, 1)
        close = QPushButton("Fermer")
        close.clicked.connect(self.accept)
        layout.addWidget(close, 0, Qt.AlignmentFlag.AlignRight)
        fit_to_screen(self, 880, 860)  # a scanned page: it scrolls on a small screen
