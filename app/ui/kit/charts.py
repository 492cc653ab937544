"""A small horizontal bar chart painted with QPainter (PySide6 Essentials has no QtCharts).

One row per (label, value): the label on the left (elided), the bar, and the value written at the end of the
bar, so the chart reads without colour. With ``maximum`` set (100 for rates) each bar sits on a light track
of that length. ``label_above`` puts each label on its own line above its bar (long labels, rates).
A click selects a row (``row_clicked``), a double-click activates it (``row_activated``); rows carry a
tooltip. The accessible description lists every row as text.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFontMetrics, QHelpEvent, QMouseEvent, QPainter, QPaintEvent
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from app.ui.kit import theme

ROW_HEIGHT = 22
STACKED_ROW_HEIGHT = 38
BAR_HEIGHT = 12
TRACK = "#e3e7ec"
SELECTED = "#c9d9ea"


@dataclass(frozen=True)
class Bar:
    """One row of the chart: what is written, how long the bar is, what the end of the bar says."""

    label: str
    value: float
    text: str
    tip: str = ""


def _plain(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}".replace(".", ",")


class BarChart(QWidget):
    """Horizontal bars; ``set_bars`` replaces the content. Height follows the number of rows."""

    row_clicked = Signal(int)
    row_activated = Signal(int)

    def __init__(self, title: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = title
        self.bars: list[Bar] = []
        self.maximum: float | None = None
        self.label_above = False
        self.shared_label_width: int | None = None  # align the bars of several charts shown together
        self.selected = -1
        self.empty_text = "Aucune donnée sur la période."
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMouseTracking(False)

    # --- content ------------------------------------------------------------------------------------------

    def set_bars(
        self,
        bars: Sequence[Bar],
        *,
        maximum: float | None = None,
        title: str | None = None,
        label_above: bool = False,
    ) -> None:
        self.bars = list(bars)
        self.maximum = maximum
        self.label_above = label_above
        self.selected = -1
        if title is not None:
            self.title = title
        lines = [f"{b.label} : {b.text}" for b in self.bars] or [self.empty_text]
        self.setAccessibleName(self.title or "Graphique")
        self.setAccessibleDescription("\n".join(lines))
        self.updateGeometry()
        self.update()

    def set_values(
        self, rows: Sequence[tuple[str, float]], fmt: Callable[[float], str] = _plain, **kw: object
    ) -> None:
        self.set_bars([Bar(label, value, fmt(value)) for label, value in rows], **kw)  # type: ignore[arg-type]

    def select(self, row: int) -> None:
        self.selected = row if 0 <= row < len(self.bars) else -1
        self.update()

    # --- geometry -----------------------------------------------------------------------------------------

    def _title_height(self) -> int:
        return QFontMetrics(self._title_font()).height() + 8 if self.title else 0

    def _title_font(self):  # type: ignore[no-untyped-def]
        font = self.font()
        font.setBold(True)
        return font

    @property
    def line_height(self) -> int:
        """One line of bar and value: 22 pixels at the design size of the text, more with larger text."""
        return max(ROW_HEIGHT, self.fontMetrics().height() + 6)

    @property
    def row_height(self) -> int:
        if self.label_above and self.bars:  # the label on its own line above
            return max(STACKED_ROW_HEIGHT, self.line_height + self.fontMetrics().height())
        return self.line_height

    def sizeHint(self) -> QSize:
        rows = max(1, len(self.bars))
        return QSize(360, self._title_height() + rows * self.row_height + 6)

    def minimumSizeHint(self) -> QSize:
        return QSize(220, self.sizeHint().height())

    def _label_width(self) -> int:
        if self.label_above:
            return 0
        return min(self.shared_label_width or self.natural_label_width(), int(self.width() * 0.45))

    def natural_label_width(self) -> int:
        fm = self.fontMetrics()
        return max((fm.horizontalAdvance(b.label) for b in self.bars), default=0) + 12

    def _value_width(self) -> int:
        fm = self.fontMetrics()
        return max((fm.horizontalAdvance(b.text) for b in self.bars), default=0) + 10

    def row_at(self, y: float) -> int:
        row = int((y - self._title_height() - 2) // self.row_height)
        return row if 0 <= row < len(self.bars) else -1

    # --- painting -----------------------------------------------------------------------------------------

    def paintEvent(self, _event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        top = 0
        if self.title:
            p.setFont(self._title_font())
            p.setPen(QColor(theme.INK))
            p.drawText(
                QRectF(0, 0, self.width(), self._title_height()), Qt.AlignmentFlag.AlignLeft, self.title
            )
            p.setFont(self.font())
            top = self._title_height()
        if not self.bars:
            p.setPen(QColor(theme.MUTED))
            p.drawText(
                QRectF(0, top, self.width(), self.line_height), Qt.AlignmentFlag.AlignVCenter, self.empty_text
            )
            p.end()
            return
        label_w, value_w, row_h = self._label_width(), self._value_width(), self.row_height
        line = self.line_height
        track_w = max(20.0, self.width() - label_w - value_w - 4)
        scale = self.maximum or max((b.value for b in self.bars), default=0) or 1
        fm = self.fontMetrics()
        for n, bar in enumerate(self.bars):
            y = top + 2 + n * row_h
            if n == self.selected:
                p.fillRect(QRectF(0, y, self.width(), row_h), QColor(SELECTED))
            p.setPen(QColor(theme.INK))
            if self.label_above:
                label = fm.elidedText(bar.label, Qt.TextElideMode.ElideRight, self.width() - 4)
                p.drawText(QRectF(0, y, self.width(), row_h - line + 2), Qt.AlignmentFlag.AlignBottom, label)
                y += row_h - line
            else:
                label = fm.elidedText(bar.label, Qt.TextElideMode.ElideRight, label_w - 8)
                p.drawText(QRectF(0, y, label_w - 8, line), Qt.AlignmentFlag.AlignVCenter, label)
            bar_y = y + (line - BAR_HEIGHT) / 2
            if self.maximum:
                p.fillRect(QRectF(label_w, bar_y, track_w, BAR_HEIGHT), QColor(TRACK))
            length = track_w * min(max(bar.value, 0.0), scale) / scale
            if length > 0:
                p.fillRect(QRectF(label_w, bar_y, max(length, 1.5), BAR_HEIGHT), QColor(theme.ACCENT))
            end = label_w + (track_w if self.maximum else length) + 6
            p.drawText(QRectF(end, y, value_w, line), Qt.AlignmentFlag.AlignVCenter, bar.text)
        if not self.label_above:
            p.setPen(QColor(theme.LINE))
            p.drawLine(QPointF(label_w, top + 2), QPointF(label_w, top + 2 + len(self.bars) * row_h))
        p.end()

    # --- interaction --------------------------------------------------------------------------------------

    def mousePressEvent(self, event: QMouseEvent) -> None:
        row = self.row_at(event.position().y())
        if row >= 0:
            self.select(row)
            self.row_clicked.emit(row)
        super().mousePressEvent(event)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        row = self.row_at(event.position().y())
        if row >= 0:
            self.row_activated.emit(row)
        super().mouseDoubleClickEvent(event)

    def event(self, event) -> bool:  # type: ignore[no-untyped-def]
        if isinstance(event, QHelpEvent):
            row = self.row_at(event.pos().y())
            if row >= 0:
                bar = self.bars[row]
                QToolTip.showText(event.globalPos(), bar.tip or f"{bar.label} : {bar.text}", self)
            else:
                QToolTip.hideText()
            return True
        return super().event(event)
