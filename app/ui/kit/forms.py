"""Shared frame of the follow-up dialogs: a form with an error line under each field, a primary button, the
write run on the database worker, ``ctx.changed`` after it, and a question before dropping what was typed."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any

from PySide6.QtCore import QDate, QDateTime, Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from app.services.errors import ValidationError
from app.ui.kit import theme
from app.ui.kit.a11y import Level, announce
from app.ui.kit.errors import show_error
from app.ui.kit.keyboard import first_input, save_shortcut
from app.ui.kit.widgets import FittingScroll, fit_to_screen, keep_on_screen, named
from app.ui.kit.worker import WorkerContext
from app.ui.shell.plugins import UiContext

Job = Callable[[WorkerContext], Any]


def error_label() -> QLabel:
    """A message under a field, as wide as the form's field column (not as narrow as the text's own hint)."""
    label = named(QLabel(wordWrap=True), "error")
    label.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
    label.hide()
    return label


def confirm_discard(parent: QWidget, text: str) -> bool:
    """« Abandonner la saisie ? » with ``text`` (what is lost); True when the user chose to drop it."""
    answer = QMessageBox.question(
        parent, "Abandonner la saisie ?", text,
        QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
        QMessageBox.StandardButton.Cancel,
    )  # fmt: skip
    return answer == QMessageBox.StandardButton.Discard


def qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


def pydate(value: QDate) -> date:
    return date(value.year(), value.month(), value.day())


def pydatetime(value: QDateTime) -> datetime:
    """A QDateTime as a naive :class:`datetime` (local time, as shown)."""
    d, t = value.date(), value.time()
    return datetime(d.year(), d.month(), d.day(), t.hour(), t.minute(), t.second(), t.msec() * 1000)


def date_edit(day: QDate | None = None, display: str = "dd/MM/yyyy") -> QDateEdit:
    """A date field with a calendar popup, shown as ``display`` (QDateEdit's own, when a ``date`` is not
    wanted back: see :class:`DateField`)."""
    edit = QDateEdit() if day is None else QDateEdit(day)
    edit.setCalendarPopup(True)
    edit.setDisplayFormat(display)
    return edit


class DateField(QDateEdit):
    """A French date field (dd/MM/yyyy, calendar popup) reading back a :class:`date`."""

    def __init__(self, day: date | None = None, parent: QWidget | None = None) -> None:
        super().__init__(qdate(day or date.today()), parent)
        self.setCalendarPopup(True)
        self.setDisplayFormat("dd/MM/yyyy")

    def value(self) -> date:
        return pydate(self.date())

    def set_value(self, day: date) -> None:
        self.setDate(qdate(day))


class OptionalDate(QWidget):
    """A check box « text » and a date field, enabled when checked; :meth:`value` is None when unchecked."""

    def __init__(self, text: str, day: date | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.check = QCheckBox(text)
        self.field = DateField(day)
        self.field.setAccessibleName(text.rstrip(" :"))
        self.field.setEnabled(False)
        self.check.toggled.connect(self.field.setEnabled)
        row.addWidget(self.check)
        row.addWidget(self.field)
        row.addStretch(1)

    def value(self) -> date | None:
        return self.field.value() if self.check.isChecked() else None


#: The form of a follow-up dialog is at least this wide; a combo shows at least this many characters.
MIN_FORM_WIDTH = 560
COMBO_CHARS = 34


class FollowupDialog(QDialog):
    """Subclasses fill :attr:`form` with :meth:`add_row` and implement :meth:`write_job`.

    Ctrl+S saves (as the primary button does); a save is announced (:attr:`saved_text`, kept in the status line)
    and the messages of a refused save are announced, the focus going to the first field in error."""

    save_text = "Enregistrer"
    discard_text = "Ce que vous avez saisi n'est pas enregistré et sera perdu."
    #: Announced once saved (« Rendez-vous enregistré »); by default « <title> : enregistré ».
    saved_text = ""

    def __init__(self, ctx: UiContext, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle(title)
        self.dirty = False
        self.result_value: Any = None
        self.errors: dict[str, QLabel] = {}
        self._placed = False
        self.layout_ = QVBoxLayout(self)
        body = QWidget()
        body.setMinimumWidth(MIN_FORM_WIDTH)
        column = QVBoxLayout(body)
        column.setContentsMargins(0, 0, 0, 0)
        self.intro = QLabel(wordWrap=True)
        self.intro.setTextFormat(Qt.TextFormat.RichText)
        self.intro.hide()
        column.addWidget(self.intro)
        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        column.addLayout(self.form)
        column.addStretch(1)
        self.form_scroll = FittingScroll(
            body
        )  # at 200 % text or on a small screen the form scrolls, never clips
        self.layout_.addWidget(self.form_scroll, 1)
        self.general_error = error_label()
        self.buttons = QDialogButtonBox()
        self.save_button = QPushButton(theme.icon("fa6s.floppy-disk", "#ffffff"), self.save_text)
        self.save_button.setProperty("primary", True)
        self.save_button.setDefault(True)
        self.buttons.addButton(self.save_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton("Annuler", QDialogButtonBox.ButtonRole.RejectRole)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        save_shortcut(self, self._save_key)

    def _save_key(self) -> None:
        if self.save_button.isEnabled():
            self.save()

    def finish_layout(self) -> None:
        self.layout_.addWidget(self.general_error)
        self.layout_.addWidget(self.buttons)

    def show_row(self, widget: QWidget, shown: bool) -> None:
        """Show or hide a field of the form with its label (a field that applies only to some choices)."""
        widget.setVisible(shown)
        label = self.form.labelForField(widget)
        if label is not None:
            label.setVisible(shown)

    def set_intro(self, html: str) -> None:
        self.intro.setText(html)
        self.intro.setVisible(bool(html))

    def add_row(self, label: str, widget: QWidget, key: str | Sequence[str] = "") -> None:
        if isinstance(
            widget, QComboBox
        ):  # a long entry (référent — structure…) is elided, the list shows it whole
            widget.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            widget.setMinimumContentsLength(COMBO_CHARS)
        self.form.addRow(label, widget)
        for k in [key] if isinstance(key, str) else key:
            if k and k not in self.errors:
                self.errors[k] = error_label()
                self.form.addRow("", self.errors[k])

    def touched(self, *_: object) -> None:
        self.dirty = True

    def show_errors(self, fields: dict[str, str]) -> None:
        for key, label in self.errors.items():
            label.setText(fields.get(key, ""))
            label.setVisible(key in fields)
        other = [v for k, v in fields.items() if k not in self.errors]
        self.general_error.setText(" ".join(other))
        self.general_error.setVisible(bool(other))
        self.fit_height()
        if fields:
            announce("Non enregistré : " + " ".join(fields.values()), Level.WARNING, source=self)
            self._focus_first_error(fields)

    def _focus_first_error(self, fields: dict[str, str]) -> None:
        """The field just above the first message shown (the message's row follows its field's row)."""
        for row in range(self.form.rowCount()):
            item = self.form.itemAt(row, QFormLayout.ItemRole.FieldRole)
            label = item.widget() if item is not None else None
            if label is not None and any(label is self.errors.get(k) for k in fields) and row > 0:
                above = self.form.itemAt(row - 1, QFormLayout.ItemRole.FieldRole)
                widget = above.widget() if above is not None else None
                if widget is None:
                    return
                takes = bool(widget.focusPolicy() & Qt.FocusPolicy.TabFocus)
                target = widget if takes else first_input(widget)
                if target is not None:
                    target.setFocus(Qt.FocusReason.OtherFocusReason)
                return

    def fit_height(self) -> None:
        """Grow the dialog when messages appear (wrapped labels do not enlarge a shown window by themselves),
        never beyond the screen: past it, the form scrolls."""
        self.layout_.activate()
        layout = self.layout_
        need = (
            layout.totalHeightForWidth(self.width())
            if layout.hasHeightForWidth()
            else layout.totalSizeHint().height()
        )
        if need > self.height():
            fit_to_screen(self, self.width(), need)
            keep_on_screen(self)

    def showEvent(self, event: QShowEvent) -> None:
        placing = not self._placed
        if placing:  # the first time: its size, within the screen
            self._placed = True
            self.form_scroll.updateGeometry()  # the rows added since it was made
            self.layout_.activate()
            hint = self.sizeHint()
            fit_to_screen(self, max(hint.width(), self.width()), hint.height())
        super().showEvent(event)
        if placing:
            keep_on_screen(self)  # frame included: the buttons never fall under a taskbar

    # --- saving -------------------------------------------------------------------------------------------

    def write_job(self) -> Job | None:
        """The write to run on the worker (None: nothing to save, the dialog says why)."""
        raise NotImplementedError

    def changed_ids(self) -> list[str | None]:
        return [None]

    def save(self) -> None:
        job = self.write_job()
        if job is None:
            return
        self.save_button.setEnabled(False)
        self.ctx.worker.submit(job, self._saved, self._failed, writes=True, owner=self)

    def _saved(self, value: Any) -> None:
        self.result_value = value
        self.dirty = False
        for pid in self.changed_ids():
            self.ctx.changed(pid)
        announce(self.saved_text or f"{self.windowTitle()} : enregistré", source=self)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self.save_button.setEnabled(True)
        if isinstance(exc, ValidationError) and exc.fields:
            self.show_errors(dict(exc.fields))
        else:
            show_error(self, exc)

    def reject(self) -> None:
        if self.dirty and not confirm_discard(self, self.discard_text):
            return
        super().reject()
