"""The application's style: Fusion, with the theme's colours for the parts a user must see (ADR 0045).

No application-wide style sheet: a style sheet re-polishes every widget through Qt's style-sheet engine, which
was most of the cost of opening a person's file. This proxy style instead

* draws, from :class:`app.ui.kit.theme.Colours`, the edges of fields, buttons, combo and spin boxes, check
  boxes and radio buttons (≥ 3:1), the focus indicator (a ring of ``focus_width`` pixels, ≥ 3:1, on every
  focused control, whether the focus came from the keyboard or the mouse) and the selected rows of every list
  and table (their background *and* a bar on the left: never the colour alone);
* gives each widget, once, when Qt polishes it, its keyboard behaviour and its role (:mod:`app.ui.kit.roles`:
  Tab leaves a multi-line text field and a table, a dialog opens on its first field; an object name « title »,
  « h2 », « muted », « error », « warning », « card », or the property ``primary`` on a button);
* and :func:`app.ui.kit.focus_ring.follow_focus` draws the same ring over any other focused widget (tables,
  lists, text areas, scroll areas, widgets of later screens) that the style does not draw itself.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QPointF, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPalette, QPen, QPolygonF
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QCheckBox,
    QComboBox,
    QGroupBox,
    QLineEdit,
    QProxyStyle,
    QRadioButton,
    QStyle,
    QStyleFactory,
    QStyleOption,
    QStyleOptionButton,
    QStyleOptionComboBox,
    QStyleOptionComplex,
    QStyleOptionFrame,
    QStyleOptionSpinBox,
    QStyleOptionTab,
    QStyleOptionViewItem,
    QTabBar,
    QTableView,
    QToolButton,
    QWidget,
)

from app.ui.kit import roles
from app.ui.kit.theme import Colours, colour_names, contrast, selection_marker

PE, CE, CC, SC, CT = (
    QStyle.PrimitiveElement,
    QStyle.ControlElement,
    QStyle.ComplexControl,
    QStyle.SubControl,
    QStyle.ContentsType,
)
S = QStyle.StateFlag
RADIUS = 4.0
FIELD_PADDING = 13  # a field or a button is the text's height plus this (30 px at 10 pt)
FIELD_CONTENTS = (
    QStyle.ContentsType.CT_LineEdit,
    QStyle.ContentsType.CT_PushButton,
    QStyle.ContentsType.CT_ComboBox,
    QStyle.ContentsType.CT_SpinBox,
)
MARKER_LINE = 2
#: Widgets whose focus this style draws itself; any other focused widget gets the ring of follow_focus().
SELF_DRAWN_FOCUS = (QLineEdit, QAbstractSpinBox, QComboBox, QAbstractButton, QTabBar, QGroupBox)


def _on(state: Any, flag: QStyle.StateFlag) -> bool:
    return bool(state & flag)


class Style(QProxyStyle):
    def __init__(self, colours: Colours) -> None:
        super().__init__(QStyleFactory.create("Fusion"))
        self.c = colours
        self.q = {name: QColor(getattr(colours, name)) for name in colour_names()}
        self.marker = QColor(selection_marker(colours))
        self.white = QColor("#ffffff")

    # --- polish: behaviour and roles, once per widget ----------------------------------------------------------

    def polish(self, target: Any) -> Any:  # QWidget, QPalette or QApplication (one overload in Python)
        result = super().polish(target)
        if isinstance(target, QWidget):
            roles.give_behaviour(target)  # Tab leaves text areas and tables; headers scale; stacks fit
            roles.give_role(target, self.c, self.q)
        return result

    # --- sizes: room for the edges and the focus ring -----------------------------------------------------------

    def sizeFromContents(
        self, ct: QStyle.ContentsType, opt: QStyleOption, size: QSize, widget: QWidget | None = None
    ) -> QSize:
        s = super().sizeFromContents(ct, opt, size, widget)  # type: ignore[arg-type]  # the stub wants a widget
        if ct in FIELD_CONTENTS:  # one height for fields and buttons, growing with the font
            extra = 12 if ct == CT.CT_PushButton else 6 if ct == CT.CT_ComboBox else 0
            return QSize(s.width() + extra, max(s.height(), opt.fontMetrics.height() + FIELD_PADDING))
        if ct in (CT.CT_CheckBox, CT.CT_RadioButton):
            return QSize(s.width() + 6, s.height() + 4)
        if ct == CT.CT_TabBarTab:
            return QSize(s.width() + 4, s.height() + 4)
        return s

    # --- primitives -------------------------------------------------------------------------------------------

    def drawPrimitive(
        self, pe: QStyle.PrimitiveElement, opt: QStyleOption, p: QPainter, widget: QWidget | None = None
    ) -> None:
        if pe == PE.PE_PanelLineEdit and isinstance(opt, QStyleOptionFrame) and opt.lineWidth > 0:
            self._field(opt, p, opt.rect)
        elif pe == PE.PE_PanelLineEdit and widget is not None and roles.inside_box(widget):
            return  # the field of a spin or combo box: the box drew the background (and the focus ring)
        elif pe == PE.PE_FrameLineEdit:
            self._field(opt, p, opt.rect, fill=False)
        elif pe == PE.PE_PanelButtonCommand and isinstance(opt, QStyleOptionButton):
            self._button(opt, p, widget)
        elif pe == PE.PE_IndicatorCheckBox:
            self._check(opt, p)
        elif pe == PE.PE_IndicatorRadioButton:
            self._radio(opt, p)
        elif pe == PE.PE_FrameFocusRect:
            self._focus_rect(opt, p, widget)
        elif pe == PE.PE_PanelItemViewItem and isinstance(opt, QStyleOptionViewItem):
            super().drawPrimitive(pe, opt, p, widget)
            if _on(opt.state, S.State_Selected):
                self._marker(opt, p, widget)
        elif pe == PE.PE_Frame and widget is not None and widget.objectName() == "card":
            self._card(opt, p)
        elif pe == PE.PE_FrameTabWidget:
            p.fillRect(opt.rect, self.q["base"])
            self._outline(p, opt.rect, self.q["line"])
        elif pe == PE.PE_Frame and isinstance(opt, QStyleOptionFrame) and opt.lineWidth > 0:
            self._outline(
                p, opt.rect, self.q["border"] if _on(opt.state, S.State_Enabled) else self.q["line"]
            )
        else:
            super().drawPrimitive(pe, opt, p, widget)

    def _outline(self, p: QPainter, rect: QRect, colour: QColor) -> None:
        p.save()
        p.setPen(QPen(colour, 1))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawRect(QRectF(rect).adjusted(0.5, 0.5, -0.5, -0.5))
        p.restore()

    def ring(
        self, p: QPainter, rect: QRect | QRectF, radius: float = RADIUS, colour: QColor | None = None
    ) -> None:
        """The focus indicator: ``focus_width`` pixels of the focus colour just inside ``rect`` (and, in high
        contrast, a white line inside it: one of the two stands out on any background)."""
        width = self.c.focus_width
        p.save()
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setPen(QPen(colour or self.q["focus"], width))
        p.setBrush(Qt.BrushStyle.NoBrush)
        half = width / 2
        r = QRectF(rect).adjusted(half, half, -half, -half)
        p.drawRoundedRect(r, radius, radius)
        if self.c.focus_inner and colour is None:
            p.setPen(QPen(QColor(self.c.focus_inner), 1))
            inner = r.adjusted(half + 0.5, half + 0.5, -half - 0.5, -half - 0.5)
            p.drawRoundedRect(inner, max(0.0, radius - width), max(0.0, radius - width))
        p.restore()

    def _field(self, opt: QStyleOption, p: QPainter, rect: QRect, fill: bool = True) -> None:
        enabled = _on(opt.state, S.State_Enabled)
        p.save()
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setPen(QPen(self.q["border"] if enabled else self.q["line"], 1))
        p.setBrush(opt.palette.color(QPalette.ColorRole.Base) if fill else Qt.BrushStyle.NoBrush)
        p.drawRoundedRect(QRectF(rect).adjusted(0.5, 0.5, -0.5, -0.5), RADIUS, RADIUS)
        p.restore()
        if enabled and _on(opt.state, S.State_HasFocus):  # inside the edge: the edge stays, the ring is added
            self.ring(p, QRect(rect).adjusted(1, 1, -1, -1), RADIUS - 1)

    def _button(self, opt: QStyleOptionButton, p: QPainter, widget: QWidget | None) -> None:
        enabled, focus = _on(opt.state, S.State_Enabled), _on(opt.state, S.State_HasFocus)
        primary = widget is not None and bool(widget.property("primary"))
        flat = bool(opt.features & QStyleOptionButton.ButtonFeature.Flat)
        hover, down = _on(opt.state, S.State_MouseOver), _on(opt.state, S.State_Sunken | S.State_On)
        body = QRectF(opt.rect)
        if flat and not (hover or down or focus):
            return
        fill = opt.palette.color(QPalette.ColorRole.Button)
        if not enabled:
            fill = self.q["window"]
        elif primary:
            fill = fill.darker(125) if down else fill.darker(112) if hover else fill
        elif down:
            fill = self.q["accent_soft"] if _on(opt.state, S.State_On) else self.q["accent_soft"].darker(106)
        elif hover:
            fill = self.q["accent_soft"]
        edge = fill if primary and enabled else self.q["border"] if enabled else self.q["line"]
        p.save()
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setPen(QPen(edge, 1))
        p.setBrush(fill)
        p.drawRoundedRect(body.adjusted(0.5, 0.5, -0.5, -0.5), RADIUS, RADIUS)
        if _on(opt.state, S.State_On) and not primary:  # a toggle that is on: a bar under it, not a tint only
            p.fillRect(QRectF(body.left() + 3, body.bottom() - 3, body.width() - 6, 3), self.q["accent"])
        p.restore()
        if focus and enabled:  # inside the edge; on a fill the focus colour does not stand out on, white
            stands_out = contrast(self.c.focus, fill.name()) >= 3.0
            self.ring(p, opt.rect.adjusted(1, 1, -1, -1), RADIUS - 1, None if stands_out else self.white)

    def _box_colours(self, opt: QStyleOption) -> tuple[QColor, QColor, bool]:
        enabled = _on(opt.state, S.State_Enabled)
        on = _on(opt.state, S.State_On | S.State_NoChange)
        edge = self.q["accent"] if on and enabled else self.q["border"] if enabled else self.q["line"]
        fill = (
            (self.q["accent"] if enabled else self.q["disabled"])
            if on
            else opt.palette.color(QPalette.ColorRole.Base)
        )
        return edge, fill, on

    def _check(self, opt: QStyleOption, p: QPainter) -> None:
        edge, fill, on = self._box_colours(opt)
        r = QRectF(opt.rect).adjusted(0.5, 0.5, -0.5, -0.5)
        p.save()
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setPen(QPen(edge, 1))
        p.setBrush(fill)
        p.drawRoundedRect(r, 3, 3)
        if on:
            pen = QPen(self.white, max(1.6, r.width() / 7))
            pen.setCapStyle(Qt.PenCapStyle.RoundCap)
            pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
            p.setPen(pen)
            if _on(opt.state, S.State_NoChange):
                p.drawLine(QPointF(r.left() + 3.5, r.center().y()), QPointF(r.right() - 3.5, r.center().y()))
            else:
                path = QPainterPath(QPointF(r.left() + r.width() * 0.24, r.top() + r.height() * 0.53))
                path.lineTo(QPointF(r.left() + r.width() * 0.43, r.top() + r.height() * 0.72))
                path.lineTo(QPointF(r.left() + r.width() * 0.77, r.top() + r.height() * 0.3))
                p.setBrush(Qt.BrushStyle.NoBrush)
                p.drawPath(path)
        p.restore()

    def _radio(self, opt: QStyleOption, p: QPainter) -> None:
        edge, _fill, on = self._box_colours(opt)
        r = QRectF(opt.rect).adjusted(0.5, 0.5, -0.5, -0.5)
        p.save()
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setPen(QPen(edge, 1.5 if on else 1))
        p.setBrush(opt.palette.color(QPalette.ColorRole.Base))
        p.drawEllipse(r)
        if on:
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(edge)
            dot = r.width() * 0.28
            p.drawEllipse(r.center(), dot, dot)
        p.restore()

    def _focus_rect(self, opt: QStyleOption, p: QPainter, widget: QWidget | None) -> None:
        if isinstance(widget, QAbstractItemView):
            rows = widget.selectionBehavior() == QAbstractItemView.SelectionBehavior.SelectRows
            if rows or not widget.hasFocus():  # a whole-row table shows its rows' marker and the view's ring
                return
        rect = QRect(opt.rect)
        if isinstance(widget, QCheckBox | QRadioButton):  # around the box and its label, not the label alone
            width = min(widget.width(), widget.sizeHint().width())
            rect = QRect(0, 0, width, widget.height())
        elif isinstance(widget, QToolButton):
            rect = QRect(0, 0, widget.width(), widget.height())
        elif isinstance(widget, QAbstractButton | QGroupBox):  # around the label: a little room
            rect = rect.adjusted(-3, -2, 3, 2).intersected(QRect(0, 0, widget.width(), widget.height()))
        self.ring(p, rect, 3)

    def _marker(self, opt: QStyleOptionViewItem, p: QPainter, widget: QWidget | None) -> None:
        """A selected row is framed (a line above and below each of its cells, and a bar on the left of the
        leftmost one): the selection shows without telling colours apart."""
        r = opt.rect
        p.fillRect(QRect(r.left(), r.top(), r.width(), MARKER_LINE), self.marker)
        p.fillRect(QRect(r.left(), r.bottom() - MARKER_LINE + 1, r.width(), MARKER_LINE), self.marker)
        if r.left() <= 1 or (not isinstance(widget, QTableView) and opt.index.column() == 0):
            p.fillRect(QRect(r.left(), r.top(), MARKER_LINE, r.height()), self.marker)

    def _card(self, opt: QStyleOption, p: QPainter) -> None:
        p.save()
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setPen(QPen(self.q["line"], 1))
        p.setBrush(self.q["base"])
        p.drawRoundedRect(QRectF(opt.rect).adjusted(0.5, 0.5, -0.5, -0.5), 6, 6)
        p.restore()

    # --- tabs ---------------------------------------------------------------------------------------------------

    def drawControl(
        self, ce: QStyle.ControlElement, opt: QStyleOption, p: QPainter, widget: QWidget | None = None
    ) -> None:
        if ce == CE.CE_TabBarTabShape and isinstance(opt, QStyleOptionTab):
            self._tab(opt, p)
        else:
            super().drawControl(ce, opt, p, widget)

    def _tab(self, opt: QStyleOptionTab, p: QPainter) -> None:
        """A flat tab: the selected one white, framed, a bar on top (a shape, not only a colour)."""
        r = QRect(opt.rect)
        selected = _on(opt.state, S.State_Selected)
        if selected:
            p.fillRect(r, self.q["base"])
            p.save()
            p.setPen(QPen(self.q["line"], 1))
            p.drawLine(r.topLeft(), r.bottomLeft())
            p.drawLine(r.topRight(), r.bottomRight())
            p.restore()
            p.fillRect(QRect(r.left(), r.top(), r.width(), 3), self.q["accent"])
        elif _on(opt.state, S.State_MouseOver):
            p.fillRect(r.adjusted(1, 3, -1, 0), self.q["accent_soft"])
        if _on(opt.state, S.State_HasFocus):  # (Fusion's own, drawn without the proxy, is faint)
            self.ring(p, r.adjusted(2, 4, -2, -1), 3)

    # --- combo boxes, spin boxes, date fields -----------------------------------------------------------------

    def drawComplexControl(
        self, cc: QStyle.ComplexControl, opt: QStyleOptionComplex, p: QPainter, widget: QWidget | None = None
    ) -> None:
        if cc == CC.CC_ComboBox and isinstance(opt, QStyleOptionComboBox) and opt.frame:
            self._field(opt, p, opt.rect)
            arrow = self.subControlRect(cc, opt, SC.SC_ComboBoxArrow, widget)  # type: ignore[arg-type]
            self._arrow_area(p, arrow, opt)
        elif cc == CC.CC_SpinBox and isinstance(opt, QStyleOptionSpinBox) and opt.frame:
            self._field(opt, p, opt.rect)
            if opt.buttonSymbols != QAbstractSpinBox.ButtonSymbols.NoButtons:
                up = self.subControlRect(cc, opt, SC.SC_SpinBoxUp, widget)  # type: ignore[arg-type]
                down = self.subControlRect(cc, opt, SC.SC_SpinBoxDown, widget)  # type: ignore[arg-type]
                self._arrow_area(p, up.united(down), opt, (up, down))
        else:
            super().drawComplexControl(cc, opt, p, widget)

    def _arrow_area(
        self, p: QPainter, area: QRect, opt: QStyleOption, buttons: tuple[QRect, QRect] | None = None
    ) -> None:
        """The arrow part of a combo box (one arrow down) or of a spin box (``buttons``: up and down)."""
        enabled = _on(opt.state, S.State_Enabled)
        colour = self.q["muted"] if enabled else self.q["disabled"]
        inset = self.c.focus_width if _on(opt.state, S.State_HasFocus) else 1
        p.save()
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setPen(QPen(self.q["line"], 1))
        x = area.left() + 0.5
        p.drawLine(QPointF(x, opt.rect.top() + inset + 3), QPointF(x, opt.rect.bottom() - inset - 2))
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(colour)
        if buttons is None:
            self._triangle(p, QRectF(area), pointing_up=False)
        else:
            up, down = buttons
            self._triangle(p, QRectF(up).adjusted(0, 2, 0, 0), pointing_up=True)
            self._triangle(p, QRectF(down).adjusted(0, 0, 0, -2), pointing_up=False)
        p.restore()

    @staticmethod
    def _triangle(p: QPainter, r: QRectF, *, pointing_up: bool) -> None:
        half = max(3.5, min(r.width(), r.height() * 2) / 5)
        c = r.center()
        h = half * 0.9
        if pointing_up:
            points = [
                QPointF(c.x() - half, c.y() + h / 2),
                QPointF(c.x() + half, c.y() + h / 2),
                QPointF(c.x(), c.y() - h / 2),
            ]
        else:
            points = [
                QPointF(c.x() - half, c.y() - h / 2),
                QPointF(c.x() + half, c.y() - h / 2),
                QPointF(c.x(), c.y() + h / 2),
            ]
        p.drawPolygon(QPolygonF(points))
