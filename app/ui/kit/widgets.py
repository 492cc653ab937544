"""Small shared widgets: empty states, cards, labelled values, the navigation with count badges."""

from __future__ import annotations

from typing import TypeVar

from PySide6.QtCore import QEvent, QModelIndex, QPersistentModelIndex, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QGuiApplication, QIcon, QPainter
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLayout,
    QListWidget,
    QListWidgetItem,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.ui.kit import theme

W = TypeVar("W", bound=QWidget)
BADGE_ROLE = Qt.ItemDataRole.UserRole + 1
BADGE_ALERT_ROLE = Qt.ItemDataRole.UserRole + 2


def named(widget: W, name: str) -> W:
    """``widget`` with its object name, the style sheet's selector (« title », « h2 », « muted », « error »…).

    Qt takes ``objectName=`` as a constructor keyword, but PySide6's type stubs do not know it."""
    widget.setObjectName(name)
    return widget


def clear_layout(layout: QLayout, keep: QWidget | None = None) -> None:
    """Take every item out of ``layout``; their widgets are deleted, except ``keep``."""
    while layout.count():
        item = layout.takeAt(0)
        widget = item.widget() if item is not None else None
        if widget is not None and widget is not keep:
            widget.deleteLater()


def top_items(tree: QTreeWidget) -> list[QTreeWidgetItem]:
    return [item for i in range(tree.topLevelItemCount()) if (item := tree.topLevelItem(i)) is not None]


def child_items(item: QTreeWidgetItem) -> list[QTreeWidgetItem]:
    return [child for i in range(item.childCount()) if (child := item.child(i)) is not None]


class EmptyState(QWidget):
    """A calm, centred explanation of what will be here and what to do."""

    def __init__(self, icon_name: str, title: str, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.addStretch(2)
        self.icon = QLabel(alignment=Qt.AlignmentFlag.AlignCenter)
        self.icon.setPixmap(theme.icon(icon_name, "#9aa5b1").pixmap(QSize(48, 48)))
        self.title = named(QLabel(title, alignment=Qt.AlignmentFlag.AlignCenter), "h2")
        self.text = QLabel(text, alignment=Qt.AlignmentFlag.AlignCenter, wordWrap=True)
        self.text.setProperty("muted", True)
        self.text.setFixedWidth(560)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        for w in (self.icon, self.title):
            layout.addWidget(w)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.text)
        row.addStretch(1)
        layout.addLayout(row)
        layout.addStretch(3)

    def set_text(self, title: str, text: str) -> None:
        self.title.setText(title)
        self.text.setText(text)


class Card(QFrame):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("card")


class FieldGrid(QWidget):
    """Label / value pairs in columns, values selectable; empty values shown as « — »."""

    def __init__(self, columns: int = 2, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.columns = columns
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setHorizontalSpacing(14)
        self.grid.setVerticalSpacing(6)
        self.values: dict[str, QLabel] = {}

    def set_fields(self, pairs: list[tuple[str, str]]) -> None:
        clear_layout(self.grid)
        self.values.clear()
        for i, (name, value) in enumerate(pairs):
            row, col = divmod(i, self.columns)
            key = QLabel(name)
            key.setProperty("muted", True)
            val = QLabel(value or "—", wordWrap=True)
            val.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            key.setBuddy(val)
            self.grid.addWidget(key, row, col * 2, Qt.AlignmentFlag.AlignTop)
            self.grid.addWidget(val, row, col * 2 + 1, Qt.AlignmentFlag.AlignTop)
            self.values[name] = val
        for c in range(self.columns):
            self.grid.setColumnStretch(c * 2 + 1, 1)


class _NavDelegate(QStyledItemDelegate):
    """Draws a navigation item: icon, label and count badge; the current page on white with a bar on its left
    (a shape, not only a colour). The count is also in the accessible text. Sizes follow the font."""

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> QSize:
        fm = option.fontMetrics
        return QSize(fm.horizontalAdvance(str(index.data(Qt.ItemDataRole.DisplayRole))), fm.height() * 2 + 6)

    def paint(
        self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        c = theme.current
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        hover = bool(option.state & QStyle.StateFlag.State_MouseOver)
        r = option.rect.adjusted(6, 1, -6, -1)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        if selected or hover:
            painter.setPen(QColor(c.line) if selected else Qt.PenStyle.NoPen)
            painter.setBrush(QColor(c.base if selected else c.accent_soft))
            painter.drawRoundedRect(QRectF(r).adjusted(0.5, 0.5, -0.5, -0.5), 5, 5)
        if selected:
            painter.fillRect(QRect(r.left(), r.top() + 5, 4, r.height() - 10), QColor(c.accent))
        fm = option.fontMetrics
        size = fm.height()
        icon = index.data(Qt.ItemDataRole.DecorationRole)
        if isinstance(icon, QIcon):
            icon.paint(painter, QRect(r.left() + 12, r.center().y() - size // 2, size, size))
        font = QFont(option.font)
        font.setBold(selected)
        painter.setFont(font)
        badge = self._badge_width(painter, option, index)
        text_rect = r.adjusted(20 + size, 0, -badge - 10, 0)
        text = QFontMetrics(font).elidedText(
            str(index.data(Qt.ItemDataRole.DisplayRole)), Qt.TextElideMode.ElideRight, text_rect.width()
        )
        painter.setPen(QColor(c.accent if selected else c.ink))
        painter.drawText(text_rect, Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, text)
        self._paint_badge(painter, option, index, r)
        painter.restore()

    @staticmethod
    def _badge_text(index: QModelIndex | QPersistentModelIndex) -> str:
        count = index.data(BADGE_ROLE)
        return "" if not count else str(count) if count < 10_000 else "9999+"

    @staticmethod
    def _badge_font_of(base: QFont) -> QFont:
        font = QFont(base)
        font.setPointSizeF(font.pointSizeF() * 0.85)
        font.setBold(True)
        return font

    @classmethod
    def _badge_font(cls, option: QStyleOptionViewItem) -> QFont:
        return cls._badge_font_of(option.font)

    def _badge_width(
        self, _painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> int:
        text = self._badge_text(index)
        return QFontMetrics(self._badge_font(option)).horizontalAdvance(text) + 14 if text else 0

    def _paint_badge(
        self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex,
        r: QRect,
    ) -> None:  # fmt: skip
        text = self._badge_text(index)
        if not text:
            return
        c = theme.current
        font = self._badge_font(option)
        fm = QFontMetrics(font)
        width, height = fm.horizontalAdvance(text) + 14, fm.height() + 4
        rect = QRect(r.right() - width - 8, r.center().y() - height // 2, width, height)
        painter.setFont(font)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(c.late if index.data(BADGE_ALERT_ROLE) else c.badge))
        painter.drawRoundedRect(rect, height / 2, height / 2)
        painter.setPen(QColor("#ffffff"))
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)


class NavList(QListWidget):
    """The left navigation: icon + label per page, with optional count badges; as wide as its longest label
    needs at the current font (200 % text: it grows, nothing is cut)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("nav")
        self.setItemDelegate(_NavDelegate(self))
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setMouseTracking(True)
        self.setAccessibleName("Navigation")
        self._fit_width()

    def _fit_width(self) -> None:
        """The widest item: margins, icon, its label in bold and its badge, if any."""
        bold = QFont(self.font())
        bold.setBold(True)
        fm = QFontMetrics(bold)
        small = QFontMetrics(_NavDelegate._badge_font_of(self.font()))
        widths = [fm.horizontalAdvance("Navigation")]
        for i in range(self.count()):
            item = self.item(i)
            count = item.data(BADGE_ROLE)
            badge = small.horizontalAdvance(str(count)) + 24 if count else 0
            widths.append(fm.horizontalAdvance(item.text()) + badge)
        self.setFixedWidth(max(widths) + fm.height() + 60)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            self._fit_width()

    def add_page(self, icon_name: str, label: str) -> QListWidgetItem:
        item = QListWidgetItem(theme.icon(icon_name), label)
        item.setData(Qt.ItemDataRole.UserRole, label)
        self.addItem(item)
        self._fit_width()
        return item

    def set_badge(self, row: int, count: int, tip: str = "", alert: bool = False) -> None:
        item = self.item(row)
        item.setData(BADGE_ROLE, count)
        item.setData(BADGE_ALERT_ROLE, alert)
        base = item.data(Qt.ItemDataRole.UserRole)
        item.setToolTip(tip if count else "")
        item.setData(Qt.ItemDataRole.AccessibleTextRole, f"{base}, {tip}" if count and tip else base)
        self._fit_width()


def fit_to_screen(window: QWidget, width: int, height: int) -> None:
    """Resize ``window`` to ``width`` × ``height``, never beyond 95 % of the available screen (1366 × 768 laptops)."""
    screen = window.screen() or QGuiApplication.primaryScreen()
    if screen is not None:
        area = screen.availableGeometry()
        width, height = min(width, int(area.width() * 0.95)), min(height, int(area.height() * 0.92))
    window.resize(width, height)
