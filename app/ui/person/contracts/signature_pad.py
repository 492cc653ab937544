"""Signature pad: draw with the mouse, a finger or a stylus (QTabletEvent); strokes are kept as vector data,
normalised to 0..1 (y downwards) for :func:`app.services.contracts.editor.sign`."""

from __future__ import annotations

from PySide6.QtCore import QPointF, Qt, Signal
from PySide6.QtGui import QMouseEvent, QPainter, QPainterPath, QPaintEvent, QPen, QTabletEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.ui.kit import theme
from app.ui.kit.widgets import named

Stroke = list[tuple[float, float]]


class SignaturePad(QWidget):
    """A white surface to sign on. ``strokes()`` returns the normalised strokes (at least 2 points each)."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMinimumSize(460, 180)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setAttribute(Qt.WidgetAttribute.WA_StaticContents)
        self.setAccessibleName("Zone de signature")
        self._strokes: list[list[QPointF]] = []
        self._drawing = False

    # --- input ------------------------------------------------------------------------------------------------

    def _begin(self, pos: QPointF) -> None:
        self._drawing = True
        self._strokes.append([pos])
        self.update()

    def _extend(self, pos: QPointF) -> None:
        if self._drawing and self._strokes:
            self._strokes[-1].append(pos)
            self.update()

    def _end(self, pos: QPointF) -> None:
        if self._drawing:
            self._extend(pos)
            self._drawing = False
            if len(self._strokes[-1]) < 2:
                self._strokes[-1].append(QPointF(pos.x() + 0.5, pos.y()))  # a dot still shows
            self.changed.emit()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._begin(event.position())

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        self._extend(event.position())

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._end(event.position())

    def tabletEvent(self, event: QTabletEvent) -> None:
        kind = event.type()
        if kind == QTabletEvent.Type.TabletPress:
            self._begin(event.position())
        elif kind == QTabletEvent.Type.TabletMove:
            self._extend(event.position())
        elif kind == QTabletEvent.Type.TabletRelease:
            self._end(event.position())
        event.accept()  # no synthesized mouse event: the stroke is not drawn twice

    # --- data -------------------------------------------------------------------------------------------------

    def clear(self) -> None:
        self._strokes.clear()
        self._drawing = False
        self.update()
        self.changed.emit()

    def is_empty(self) -> bool:
        return not self._strokes

    def strokes(self) -> list[Stroke]:
        """Strokes with coordinates in 0..1 of the pad's size (clamped), rounded to 4 decimals."""
        w, h = max(1, self.width()), max(1, self.height())

        def norm(v: float, size: int) -> float:
            return round(min(max(v / size, 0.0), 1.0), 4)

        return [[(norm(p.x(), w), norm(p.y(), h)) for p in s] for s in self._strokes if len(s) >= 2]

    # --- drawing ----------------------------------------------------------------------------------------------

    def paintEvent(self, _event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.fillRect(self.rect(), Qt.GlobalColor.white)
        p.setPen(QPen(Qt.GlobalColor.lightGray, 1, Qt.PenStyle.DashLine))
        base = self.height() * 0.75
        p.drawLine(QPointF(20, base), QPointF(self.width() - 20, base))
        if not self._strokes:
            p.setPen(Qt.GlobalColor.gray)
            p.drawText(
                self.rect(), Qt.AlignmentFlag.AlignCenter, "Signez ici avec la souris, le doigt ou le stylet"
            )
        p.setPen(QPen(Qt.GlobalColor.black, 2.2, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap,
                      Qt.PenJoinStyle.RoundJoin))  # fmt: skip
        for stroke in self._strokes:
            path = QPainterPath(stroke[0])
            for point in stroke[1:]:
                path.lineTo(point)
            p.drawPath(path)
        p.setPen(QPen(Qt.GlobalColor.darkGray, 1))
        p.drawRect(self.rect().adjusted(0, 0, -1, -1))


class SignatureDialog(QDialog):
    """« Signature de … »: the pad, « Effacer », « Valider »; the signer's name and the place are recorded."""

    def __init__(self, who: str, name: str, place: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Signature — {who}")
        layout = QVBoxLayout(self)
        intro = QLabel(f"<b>{who}</b> : signez dans le cadre ci-dessous, puis « Valider ».")
        layout.addWidget(intro)
        form = QFormLayout()
        self.name = QLineEdit(name)
        self.place = QLineEdit(place, placeholderText="Ex. : Saint-Denis")
        self.place_error = named(QLabel(), "error")
        self.place_error.hide()
        self.name_error = named(QLabel(), "error")
        self.name_error.hide()
        form.addRow("Nom du signataire", self.name)
        form.addRow("", self.name_error)
        form.addRow("Fait à", self.place)
        form.addRow("", self.place_error)
        layout.addLayout(form)
        self.pad = SignaturePad()
        layout.addWidget(self.pad, 1)
        self.pad_error = named(QLabel(), "error")
        self.pad_error.hide()
        self.pad.changed.connect(lambda: self.pad_error.setVisible(False))
        self.place.textChanged.connect(lambda _t: self.place_error.setVisible(False))
        self.name.textChanged.connect(lambda _t: self.name_error.setVisible(False))
        layout.addWidget(self.pad_error)
        row = QHBoxLayout()
        self.clear_button = QPushButton(theme.icon("fa6s.eraser"), "Effacer")
        self.clear_button.clicked.connect(self.pad.clear)
        row.addWidget(self.clear_button)
        row.addStretch(1)
        self.buttons = QDialogButtonBox()
        self.ok_button = QPushButton(theme.icon("fa6s.signature", "#ffffff"), "Valider")
        self.ok_button.setProperty("primary", True)
        self.ok_button.setDefault(True)
        self.buttons.addButton(self.ok_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton("Annuler", QDialogButtonBox.ButtonRole.RejectRole)
        self.buttons.accepted.connect(self.validate)
        self.buttons.rejected.connect(self.reject)
        row.addWidget(self.buttons)
        layout.addLayout(row)
        self.resize(560, 420)

    def validate(self) -> None:
        self.pad_error.setVisible(self.pad.is_empty())
        self.pad_error.setText("La signature est vide : signez dans le cadre.")
        self.place_error.setVisible(not self.place.text().strip())
        self.place_error.setText("Indiquez le lieu de la signature.")
        self.name_error.setVisible(not self.name.text().strip())
        self.name_error.setText("Indiquez le nom du signataire.")
        if not self.pad.is_empty() and self.place.text().strip() and self.name.text().strip():
            self.accept()

    def reject(self) -> None:
        if not self.pad.is_empty():
            answer = QMessageBox.question(self, "Abandonner la signature",
                                          "La signature tracée sera perdue. Abandonner ?")  # fmt: skip
            if answer != QMessageBox.StandardButton.Yes:
                return
        super().reject()
