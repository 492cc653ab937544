"""Small shared widgets: empty states, cards, labelled values, the navigation with count badges."""

from __future__ import annotations

from typing import TypeVar

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QColor, QFont, QGuiApplication, QPainter
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLayout,
    QListWidget,
    QListWidgetItem,
    QScrollArea,
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


class _BadgeDelegate(QStyledItemDelegate):
    """Draws the item, then a count badge on its right (the count is also in the accessible text)."""

    def paint(
        self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        super().paint(painter, option, index)
        count = index.data(BADGE_ROLE)
        if not count:
            return
        alert = bool(index.data(BADGE_ALERT_ROLE))
        text = str(count) if count < 10_000 else "9999+"
        painter.save()
        font = QFont(option.font)
        font.setPointSizeF(font.pointSizeF() * 0.85)
        font.setBold(True)
        painter.setFont(font)
        width = painter.fontMetrics().horizontalAdvance(text) + 14
        rect = QRect(option.rect.right() - width - 14, option.rect.center().y() - 10, width, 20)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(theme.LATE if alert else "#c9d2dc"))
        painter.drawRoundedRect(rect, 10, 10)
        painter.setPen(QColor("#ffffff" if alert else theme.INK))
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)
        painter.restore()


class NavList(QListWidget):
    """The left navigation: icon + label per page, with optional count badges."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("nav")
        self.setItemDelegate(_BadgeDelegate(self))
        self.setIconSize(QSize(18, 18))
        self.setFixedWidth(212)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setAccessibleName("Navigation")

    def add_page(self, icon_name: str, label: str) -> QListWidgetItem:
        item = QListWidgetItem(theme.icon(icon_name), label)
        item.setData(Qt.ItemDataRole.UserRole, label)
        item.setSizeHint(QSize(160, 40))
        self.addItem(item)
        return item

    def set_badge(self, row: int, count: int, tip: str = "", alert: bool = False) -> None:
        item = self.item(row)
        item.setData(BADGE_ROLE, count)
        item.setData(BADGE_ALERT_ROLE, alert)
        base = item.data(Qt.ItemDataRole.UserRole)
        item.setToolTip(tip if count else "")
        item.setData(Qt.ItemDataRole.AccessibleTextRole, f"{base}, {tip}" if count and tip else base)


# --- windows that fit their screen (issue #15: 1366×768 laptops, a taskbar at the bottom) ---------------------
# A window is never larger than the available area of its screen: what does not fit scrolls (FitScroll) and the
# buttons stay visible.

#: Share of the available area a window may take (room for its frame and a taskbar drawn over the area).
WIDTH_SHARE, HEIGHT_SHARE = 0.95, 0.92


def available_area(widget: QWidget) -> QRect:
    """The available geometry of the screen ``widget`` is on (its parent's, else the primary screen's)."""
    for candidate in (widget, widget.parentWidget()):
        screen = candidate.screen() if candidate is not None else None
        if screen is not None:
            return screen.availableGeometry()
    primary = QGuiApplication.primaryScreen()
    return primary.availableGeometry() if primary is not None else QRect(0, 0, 1366, 768)


def room(widget: QWidget) -> QSize:
    """The largest size a window on ``widget``'s screen may take."""
    area = available_area(widget)
    return QSize(int(area.width() * WIDTH_SHARE), int(area.height() * HEIGHT_SHARE))


def fit_to_screen(window: QWidget, width: int, height: int) -> None:
    """Resize ``window`` to ``width`` × ``height``, never beyond its screen's :func:`room`."""
    window.resize(QSize(width, height).boundedTo(room(window)))


def keep_on_screen(window: QWidget) -> None:
    """Shrink a shown ``window`` to its screen's :func:`room` if needed, then move it (frame included) inside."""
    area, fitted = available_area(window), window.size().boundedTo(room(window))
    if fitted != window.size():
        window.resize(fitted)
    frame = window.frameGeometry()
    x = min(max(frame.x(), area.left()), area.right() - frame.width() + 1)
    y = min(max(frame.y(), area.top()), area.bottom() - frame.height() + 1)
    if (x, y) != (frame.x(), frame.y()):
        window.move(x, y)


class FitScroll(QScrollArea):
    """A frameless scroll area around a form: its size hint is the form's, up to what the screen leaves once
    ``reserve`` (the buttons and messages around it) is taken; beyond, the form scrolls."""

    def __init__(self, content: QWidget, parent: QWidget | None = None, *, reserve: int = 120) -> None:
        super().__init__(parent)
        self.reserve = reserve
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setWidget(content)

    def sizeHint(self) -> QSize:
        content = self.widget()
        if content is None:
            return super().sizeHint()
        hint = content.sizeHint().expandedTo(content.minimumSizeHint()).expandedTo(content.minimumSize())
        limit = room(self)
        height = min(hint.height(), max(120, limit.height() - self.reserve))
        bar = self.verticalScrollBar().sizeHint().width() if height < hint.height() else 0
        return QSize(min(hint.width() + bar, limit.width()), height)

    def minimumSizeHint(self) -> QSize:
        content = self.widget()
        if content is None:
            return QSize(200, 120)
        width = content.minimumSizeHint().expandedTo(content.minimumSize()).width()
        return QSize(min(width, room(self).width()), 120)
