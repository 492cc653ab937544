"""Keyboard behaviour, the same on every screen (RGAA 12.8 to 12.11, 7.3): applied once per widget by the style's
polish (:meth:`app.ui.kit.style.Style.polish`), so a screen added later behaves the same without doing anything.

* Tab leaves a multi-line text field (:meth:`QPlainTextEdit.setTabChangesFocus`) and a table or list (no Tab
  navigation between cells: the arrows move inside); Ctrl+Tab is never the only way out.
* A dialog opens with the focus on its first field (not on a button, not on nothing); a form that scrolls is
  not a stop of its own (its fields are).
* One save shortcut everywhere: :func:`save_shortcut` (Ctrl+S; Ctrl+Entrée as an alias where a text is typed).
"""

from __future__ import annotations

from collections.abc import Callable

import shiboken6
from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QApplication,
    QCheckBox,
    QComboBox,
    QDialog,
    QLineEdit,
    QPlainTextEdit,
    QRadioButton,
    QScrollArea,
    QTextEdit,
    QWidget,
)

#: What a user fills in (a dialog's first one gets the focus).
INPUTS: tuple[type[QWidget], ...] = (
    QLineEdit,
    QAbstractSpinBox,
    QComboBox,
    QPlainTextEdit,
    QTextEdit,
    QCheckBox,
    QRadioButton,
    QAbstractItemView,
)
SAVE_ALIASES = ("Ctrl+Return", "Ctrl+Enter")  # (key sequences are made once a QApplication exists)


def polish(widget: QWidget) -> None:
    """The keyboard behaviour of ``widget`` (called once when Qt polishes it)."""
    if isinstance(widget, QPlainTextEdit | QTextEdit):
        widget.setTabChangesFocus(True)
    elif isinstance(widget, QAbstractItemView):
        widget.setTabKeyNavigation(False)
    elif type(widget) is QScrollArea and _holds_a_form(widget):
        # a form that scrolls: its fields take the focus (the area follows them); a stop on the area itself
        # would show nothing and do nothing. (Read-only content keeps it: the arrows scroll it.)
        widget.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    elif isinstance(widget, QDialog) and not widget.property("filrouge_first_field"):
        widget.setProperty("filrouge_first_field", True)
        widget.installEventFilter(_first_field)


def _holds_a_form(area: QScrollArea) -> bool:
    content = area.widget()
    return content is not None and first_input(content) is not None


def is_input(widget: QWidget) -> bool:
    if not isinstance(widget, INPUTS) or (isinstance(widget, QAbstractButton) and not widget.isCheckable()):
        return False
    if isinstance(widget, QLineEdit) and isinstance(widget.parentWidget(), QAbstractSpinBox | QComboBox):
        return False  # the field inside a spin box: the spin box is the input
    read_only = isinstance(widget, QLineEdit | QPlainTextEdit | QTextEdit) and widget.isReadOnly()
    return not read_only


def first_input(root: QWidget) -> QWidget | None:
    """The first widget of ``root``'s tab order that takes input and can have the focus now."""
    start = root
    w = root.nextInFocusChain()
    while w is not None and w is not start:
        if (
            root.isAncestorOf(w)
            and is_input(w)
            and w.isEnabled()
            and w.isVisibleTo(root)
            and w.focusPolicy() & Qt.FocusPolicy.TabFocus
        ):
            return w
        w = w.nextInFocusChain()
    return None


class _FirstField(QObject):
    """On a dialog's first show: the focus goes to its first field, unless the dialog chose one itself (a field,
    or a button it made the focus on purpose, e.g. « Annuler » for a destructive question)."""

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Show and isinstance(obj, QDialog):
            obj.removeEventFilter(self)
            QTimer.singleShot(0, lambda d=obj: _focus_first(d))
        return False


def _focus_first(dialog: QDialog) -> None:
    if not shiboken6.isValid(dialog) or not dialog.isVisible():
        return
    focus = QApplication.focusWidget()
    if (
        focus is not None
        and dialog.isAncestorOf(focus)
        and (is_input(focus) or focus.property("initial_focus"))
    ):
        return
    target = first_input(dialog)
    if target is not None:
        target.setFocus(Qt.FocusReason.TabFocusReason)


_first_field = _FirstField()


def save_shortcut(
    widget: QWidget, slot: Callable[[], object], *, text_alias: bool = False
) -> list[QShortcut]:
    """Ctrl+S runs ``slot`` anywhere in ``widget`` (a dialog, a tab); with ``text_alias``, Ctrl+Entrée too (a
    note: the hand is on the keyboard)."""
    save = QKeySequence(QKeySequence.StandardKey.Save)
    keys = [save, *map(QKeySequence, SAVE_ALIASES)] if text_alias else [save]
    context = (
        Qt.ShortcutContext.WidgetWithChildrenShortcut
        if not widget.isWindow()
        else Qt.ShortcutContext.WindowShortcut
    )
    return [QShortcut(key, widget, slot, context=context) for key in keys]


def follow_in_tab_order(anchor: QWidget, container: QWidget) -> None:
    """Put ``container`` and its widgets right after ``anchor`` in the window's Tab order. A tab or a page built
    after its window (when first shown) has its widgets appended at the end of the window's chain: Tab from the
    tab bar would cross every other page before reaching them."""
    inside, w = [container], container.nextInFocusChain()
    while w is not None and w is not container:
        if container.isAncestorOf(w):
            inside.append(w)
        w = w.nextInFocusChain()
    previous = anchor
    for w in inside:
        QWidget.setTabOrder(previous, w)
        previous = w
