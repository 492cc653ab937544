"""Small shared widgets: empty states, cards, labelled values, the navigation with count badges."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar, cast

import shiboken6
from PySide6.QtCore import (
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRect,
    QRectF,
    QSize,
    Qt,
    QTimer,
)
from PySide6.QtGui import QColor, QFont, QFontMetrics, QGuiApplication, QIcon, QPainter, QResizeEvent
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLayoutItem,
    QListWidget,
    QListWidgetItem,
    QScrollArea,
    QSizePolicy,
    QStackedWidget,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTabWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.ui.kit import theme

W = TypeVar("W", bound=QWidget)
BADGE_ROLE = Qt.ItemDataRole.UserRole + 1
BADGE_ALERT_ROLE = Qt.ItemDataRole.UserRole + 2
TIP_ROLE = Qt.ItemDataRole.UserRole + 3


def named(widget: W, name: str) -> W:
    """``widget`` with its object name, the style sheet's selector (« title », « h2 », « muted », « error »…).

    Qt takes ``objectName=`` as a constructor keyword, but PySide6's type stubs do not know it."""
    widget.setObjectName(name)
    return widget


class ElidedLabel(QLabel):
    """One line of text that shortens with « … » when the room is narrow instead of widening its window; the
    whole text stays in the tooltip and the accessible description."""

    def setText(self, text: str) -> None:
        super().setText(text)
        self.setToolTip(text)

    def minimumSizeHint(self) -> QSize:
        return QSize(self.fontMetrics().averageCharWidth() * 8, super().minimumSizeHint().height())

    def paintEvent(self, _event: QEvent) -> None:
        painter = QPainter(self)
        rect = self.contentsRect()
        text = self.fontMetrics().elidedText(self.text(), Qt.TextElideMode.ElideRight, rect.width())
        painter.setPen(self.palette().color(self.foregroundRole()))
        painter.drawText(rect, int(self.alignment()), text)


class LineLabel(QLabel):
    """A label on one line when there is room, wrapped when there is not (a wrapped QLabel's size hint is a
    narrow column; this one asks for its one-line width): the count beside a page's title at 200 % text."""

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self.setWordWrap(True)

    def sizeHint(self) -> QSize:
        hint = super().sizeHint()
        m = self.contentsMargins()
        one_line = self.fontMetrics().horizontalAdvance(self.text()) + m.left() + m.right() + 2
        return QSize(max(hint.width(), one_line), hint.height())


class FittingScroll(QScrollArea):
    """A frameless scroll area as big as its content wants (up to what its window allows), that scrolls rather
    than clip when the window is smaller (200 % text, a 1,280 × 720 screen)."""

    def __init__(self, content: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWidget(content)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # its fields take the focus; it follows them

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        # The content's layout changed (rows added after construction): the layouts around this area must ask
        # for its size hint again (Qt stops the request at the viewport, which has no layout).
        if event.type() == QEvent.Type.LayoutRequest and obj is self.widget():
            self.updateGeometry()
        return super().eventFilter(obj, event)

    def sizeHint(self) -> QSize:
        content = self.widget()
        hint = content.sizeHint().expandedTo(content.minimumSize()) if content is not None else QSize(0, 0)
        bar = self.verticalScrollBar().sizeHint().width()
        return QSize(hint.width() + bar, hint.height())

    def minimumSizeHint(self) -> QSize:
        h = self.fontMetrics().height()
        content = self.widget()
        width = content.minimumSizeHint().width() if content is not None else 0
        return QSize(min(width, h * 24), h * 6)


class FlowRow(QLayout):
    """Widgets in a row that wraps onto the next line when the room is short (a toolbar at 200 % text or on a
    1,280-pixel screen) instead of widening the window. With ``last_right``, the last widget of the row keeps to
    the right edge when it fits on the same line (as after a stretch)."""

    def __init__(self, parent: QWidget | None = None, *, last_right: bool = False, spacing: int = 6) -> None:
        super().__init__(parent)
        #: The items, as (C++ address, wrapper type): the layout owns them (Qt deletes one only after takeAt).
        #: Not their Python wrappers: the binding invalidates those when the layout moves into its page's
        #: layout (the wrapper that adopted them goes), while the items live on — a row kept wrappers then lost
        #: its widgets (an empty top row), or Qt read an invalid one (errors, a crash at a teardown).
        self._items: list[tuple[int, type[QLayoutItem]]] = []
        self.last_right = last_right
        self.setSpacing(spacing)
        self.setContentsMargins(0, 0, 0, 0)

    def addItem(self, item: QLayoutItem) -> None:
        self._items.append((shiboken6.getCppPointer(item)[0], type(item)))

    @staticmethod
    def _wrap(entry: tuple[int, type[QLayoutItem]]) -> QLayoutItem:
        """The item, wrapped now (the same wrapper while the binding keeps it, a new one after)."""
        return cast(QLayoutItem, shiboken6.wrapInstance(*entry))

    @property
    def items(self) -> list[QLayoutItem]:
        return [self._wrap(entry) for entry in self._items]

    def count(self) -> int:
        return len(self._items)

    def itemAt(self, index: int) -> QLayoutItem | None:  # type: ignore[override]
        if not 0 <= index < len(self._items):
            return None
        return self._wrap(self._items[index])

    def takeAt(self, index: int) -> QLayoutItem | None:  # type: ignore[override]
        if not 0 <= index < len(self._items):
            return None
        return self._wrap(self._items.pop(index))

    def expandingDirections(self) -> Qt.Orientation:
        return Qt.Orientation(0)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return self._place(QRect(0, 0, width, 0), apply=False)

    def setGeometry(self, rect: QRect) -> None:
        super().setGeometry(rect)
        self._place(rect, apply=True)

    def sizeHint(self) -> QSize:
        shown = [i.sizeHint() for i in self.items if not i.isEmpty()]
        width = sum(s.width() for s in shown) + self.spacing() * max(0, len(shown) - 1)
        return QSize(width, max((s.height() for s in shown), default=0))

    def minimumSize(self) -> QSize:
        shown = [i.minimumSize() for i in self.items if not i.isEmpty()]
        return QSize(max((s.width() for s in shown), default=0), max((s.height() for s in shown), default=0))

    def _place(self, rect: QRect, *, apply: bool) -> int:
        x, y, line = rect.x(), rect.y(), 0
        shown = [i for i in self.items if not i.isEmpty()]
        for n, item in enumerate(shown):
            hint = item.sizeHint()
            width = min(
                hint.width(), max(rect.width(), item.minimumSize().width())
            )  # a group may wrap inside
            height = item.heightForWidth(width) if item.hasHeightForWidth() else hint.height()
            if x > rect.x() and x + width > rect.right() + 1:  # no room left on this line
                x, y, line = rect.x(), y + line + self.spacing(), 0
            left = x
            if self.last_right and n == len(shown) - 1 and x > rect.x():
                left = max(x, rect.right() + 1 - width)
            if apply:
                item.setGeometry(QRect(left, y, width, height))
            x, line = left + width + self.spacing(), max(line, height)
        return y + line - rect.y()


def tool_row(lead: Sequence[QWidget], tools: Sequence[QWidget], *, spacing: int = 12) -> FlowRow:
    """A header or tool row that wraps instead of widening its screen (200 % text, 1,280-pixel screens):
    ``lead`` (a title and its count, a summary) on the left, bottoms aligned; ``tools`` (buttons) on the right,
    going under the lead when the room is short, and onto more lines themselves if need be."""
    row = FlowRow(last_right=True, spacing=spacing)
    left = QWidget()
    line = QHBoxLayout(left)
    line.setContentsMargins(0, 0, 0, 0)
    line.setSpacing(spacing)
    for w in lead:
        line.addWidget(w, 0, Qt.AlignmentFlag.AlignBottom)
    right = QWidget()
    buttons = FlowRow(right)
    for w in tools:
        buttons.addWidget(w)
    row.addWidget(left)
    row.addWidget(right)
    return row


def size_by_current_page(stack: QStackedWidget | QTabWidget) -> None:
    """A stack of pages (a tab widget) as wide as its *current* page needs, not its widest one: a wide page
    hidden behind must not widen (or scroll sideways) the one shown. (The style does it for every
    :class:`QStackedWidget` when Qt polishes it; pages added later are followed too.)"""
    if stack.property("filrouge_by_current_page"):
        return
    stack.setProperty("filrouge_by_current_page", True)
    stack.currentChanged.connect(lambda index, s=stack: _follow(s, index))
    _follow(stack, stack.currentIndex())
    stack.installEventFilter(_PAGES_ADDED)


def _follow(stack: QStackedWidget | QTabWidget, index: int) -> None:
    if not shiboken6.isValid(stack):
        return
    for i in range(stack.count()):
        page = stack.widget(i)
        if page is None:
            continue
        policy = page.sizePolicy()
        own = page.property("filrouge_own_policy")
        if own is None:  # the page's own policy, given back when it is shown
            own = policy.horizontalPolicy().value
            page.setProperty("filrouge_own_policy", own)
        wide = QSizePolicy.Policy(own) if i == index else QSizePolicy.Policy.Ignored
        if policy.horizontalPolicy() != wide:
            policy.setHorizontalPolicy(wide)
            page.setSizePolicy(policy)


class _PagesAdded(QObject):
    """A page added to a stack after :func:`size_by_current_page` is sized as hidden unless it is the current
    one (Qt puts it in the stack's list just after telling the stack about its new child: hence the timer)."""

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ChildAdded and isinstance(obj, QStackedWidget | QTabWidget):
            QTimer.singleShot(0, lambda s=obj: _follow(s, s.currentIndex() if shiboken6.isValid(s) else -1))
        return False


_PAGES_ADDED = _PagesAdded()


#: Share of the available area a window may take (room for its frame and a taskbar drawn over the area).
WIDTH_SHARE, HEIGHT_SHARE = 0.95, 0.92


def available_area(window: QWidget) -> QRect:
    """The available geometry of the screen ``window``'s centre is on, else the primary screen's."""
    # Not window.screen(): with it, the UI tests crashed about one run in two in a later QWidget constructor (a
    # QScreen found deleted, in QGuiApplication::screenAt); keeping its wrappers alive, or these static lookups,
    # stopped it (12 runs out of 12).
    screen = QGuiApplication.screenAt(window.frameGeometry().center()) or QGuiApplication.primaryScreen()
    return screen.availableGeometry() if screen is not None else QRect(0, 0, 1366, 768)


def room(window: QWidget) -> QSize:
    """The largest size a window on ``window``'s screen may take (1,366 × 768 laptops, 200 % text)."""
    area = available_area(window)
    return QSize(int(area.width() * WIDTH_SHARE), int(area.height() * HEIGHT_SHARE))


def fit_to_screen(window: QWidget, width: int, height: int) -> None:
    """Resize ``window`` to ``width`` × ``height``, never beyond its screen's :func:`room`."""
    window.resize(QSize(width, height).boundedTo(room(window)))


def keep_on_screen(window: QWidget) -> None:
    """Shrink a shown ``window`` to its screen's :func:`room` if needed, then move it (frame included) inside
    the available area: its buttons never fall under a taskbar."""
    area, fitted = available_area(window), window.size().boundedTo(room(window))
    if fitted != window.size():
        window.resize(fitted)
    frame = window.frameGeometry()
    x = min(max(frame.x(), area.left()), area.right() - frame.width() + 1)
    y = min(max(frame.y(), area.top()), area.bottom() - frame.height() + 1)
    if (x, y) != (frame.x(), frame.y()):
        window.move(x, y)


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
        self.title = named(QLabel(title, alignment=Qt.AlignmentFlag.AlignCenter, wordWrap=True), "h2")
        self.text = QLabel(text, alignment=Qt.AlignmentFlag.AlignCenter, wordWrap=True)
        self.text.setProperty("muted", True)
        # about 70 characters a line at any font size; narrower when the room is (wrapped, never cut)
        self.text.setMaximumWidth(self.text.fontMetrics().averageCharWidth() * 70)
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
    """Label / value pairs in up to ``columns`` columns, values selectable; empty values shown as « — ». When the
    room is short (large text, a narrow window) the pairs flow into fewer columns instead of widening the page."""

    def __init__(self, columns: int = 2, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.columns = columns
        self.shown_columns = columns
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setHorizontalSpacing(14)
        self.grid.setVerticalSpacing(6)
        self.values: dict[str, QLabel] = {}
        self.cells: list[tuple[QLabel, QLabel]] = []

    def set_fields(self, pairs: list[tuple[str, str]]) -> None:
        clear_layout(self.grid)
        self.values.clear()
        self.cells = []
        for name, value in pairs:
            key = QLabel(name)
            key.setProperty("muted", True)
            val = QLabel(value or "—", wordWrap=True)
            val.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            key.setBuddy(val)
            self.cells.append((key, val))
            self.values[name] = val
        self._arrange(self._fitting_columns(self.width()) if self.width() > 0 else self.columns)

    def _pair_width(self) -> int:
        """The room one pair needs: its longest label and a dozen characters of value."""
        keys = [k.sizeHint().width() for k, _v in self.cells] or [0]
        return max(keys) + self.fontMetrics().averageCharWidth() * 14 + 2 * self.grid.horizontalSpacing()

    def _fitting_columns(self, width: int) -> int:
        return max(1, min(self.columns, width // max(1, self._pair_width())))

    def _arrange(self, columns: int) -> None:
        self.shown_columns = columns
        for key, val in self.cells:
            self.grid.removeWidget(key)
            self.grid.removeWidget(val)
        for c in range(self.columns):
            self.grid.setColumnStretch(c * 2 + 1, 1 if c < columns else 0)
        for i, (key, val) in enumerate(self.cells):
            row, col = divmod(i, columns)
            self.grid.addWidget(key, row, col * 2, Qt.AlignmentFlag.AlignTop)
            self.grid.addWidget(val, row, col * 2 + 1, Qt.AlignmentFlag.AlignTop)

    def minimumSizeHint(self) -> QSize:
        return QSize(self._pair_width(), super().minimumSizeHint().height())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        columns = self._fitting_columns(event.size().width())
        if columns != self.shown_columns and self.cells:
            self._arrange(columns)


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
        if getattr(self.parent(), "compact", False):  # icons and badges only
            self._paint_badge(painter, option, index, r)
            painter.restore()
            return
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
    needs at the current font (200 % text: it grows, nothing is cut). :meth:`set_compact` shows the icons and
    badges only (a narrow window, large text): the labels are then in the tooltips and, always, in the accessible
    names."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.compact = False
        self.setObjectName("nav")
        self.setItemDelegate(_NavDelegate(self))
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setMouseTracking(True)
        self.setAccessibleName("Navigation")
        self._fit_width()

    def full_width(self) -> int:
        """The widest item: margins, icon, its label in bold and its badge, if any."""
        bold = QFont(self.font())
        bold.setBold(True)
        fm = QFontMetrics(bold)
        widths = [fm.horizontalAdvance("Navigation")]
        for i in range(self.count()):
            widths.append(fm.horizontalAdvance(self.item(i).text()) + self._badge_room(i))
        return max(widths) + fm.height() + 60

    def _badge_room(self, row: int) -> int:
        count = self.item(row).data(BADGE_ROLE)
        small = QFontMetrics(_NavDelegate._badge_font_of(self.font()))
        return small.horizontalAdvance(str(count)) + 24 if count else 0

    def _fit_width(self) -> None:
        if self.compact:
            rooms = [self._badge_room(i) for i in range(self.count())]
            self.setFixedWidth(self.fontMetrics().height() + max(rooms, default=0) + 44)
        else:
            self.setFixedWidth(self.full_width())

    def set_compact(self, compact: bool) -> None:
        if compact != self.compact:
            self.compact = compact
            for i in range(self.count()):
                self._tooltip(self.item(i))
            self._fit_width()
            self.viewport().update()

    def _tooltip(self, item: QListWidgetItem) -> None:
        base, tip = item.data(Qt.ItemDataRole.UserRole), item.data(TIP_ROLE) or ""
        shown = tip if item.data(BADGE_ROLE) else ""
        item.setToolTip(f"{base}{' — ' + shown if shown else ''}" if self.compact else shown)

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
        item.setData(TIP_ROLE, tip)
        self._tooltip(item)
        item.setData(Qt.ItemDataRole.AccessibleTextRole, f"{base}, {tip}" if count and tip else base)
        self._fit_width()
