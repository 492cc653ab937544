"""The diagnostic form, generated from the vocabularies: one card per section, one editor per item.

choice → combo (with « Non renseigné »), multi → check list, bool → Non renseigné / Oui / Non, text → line or
text edit with an inline sensitive-data warning (non-blocking), date → date field that may stay empty,
number → spin box. The santé section holds only the yes/no constraint.

The cards are built a few at a time, one turn of the event loop each (a styled card of a dozen editors costs
several milliseconds): the tab shows at once and the rest follows within a frame or two, so opening the tab
never blocks the window. Reading :attr:`DiagnosticForm.editors` or :meth:`DiagnosticForm.values` finishes the
build first.
"""

from __future__ import annotations

import time
from datetime import date
from typing import Any

from PySide6.QtCore import QDate, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDoubleSpinBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QRadioButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from app.models.vocabularies.entries import VocabularyEntry
from app.models.vocabularies.loader import Vocabularies, load_vocabularies
from app.ui.kit import theme
from app.ui.kit.forms import date_edit, pydate, qdate
from app.ui.kit.widgets import Card, named

LONG_TEXT = (
    "synthese",
    "experiences",
    "commentaire",
    "freins_commentaire",
    "leviers",
    "savoir_faire",
    "savoir_etre",
)
NO_DATE = QDate(1900, 1, 1)
#: Cards built per turn of the event loop: until this much time has passed (the first card always).
BUILD_SLICE_S = 0.012


class _Editor:
    """Reads and writes one item's value on its widget; ``changed`` is the widget's change signal."""

    def __init__(self, item: VocabularyEntry, widget: QWidget) -> None:
        self.item, self.widget = item, widget
        self.warning: QLabel | None = None

    def get(self) -> Any:
        w, kind = self.widget, self.item.get("type")
        if kind == "choice":
            assert isinstance(w, QComboBox)
            return w.currentData()
        if kind == "multi":
            return [box.property("code") for box in w.findChildren(QCheckBox) if box.isChecked()]
        if kind == "bool":
            checked = [b for b in w.findChildren(QRadioButton) if b.isChecked()]
            return checked[0].property("value") if checked else None
        if kind == "number":
            assert isinstance(w, QDoubleSpinBox)
            return (
                None
                if w.value() == w.minimum()
                else (int(w.value()) if w.value().is_integer() else w.value())
            )
        if kind == "date":
            assert isinstance(w, QDateEdit)
            return None if w.date() == NO_DATE else pydate(w.date()).isoformat()
        text = w.toPlainText() if isinstance(w, QPlainTextEdit) else w.text()  # type: ignore[attr-defined]
        return text.strip() or None

    def set(self, value: Any) -> None:
        w, kind = self.widget, self.item.get("type")
        if kind == "choice":
            assert isinstance(w, QComboBox)
            index = w.findData(value)
            if index < 0 and value:
                w.addItem(f"{value} (choix retiré)", value)
                index = w.count() - 1
            w.setCurrentIndex(max(index, 0))
        elif kind == "multi":
            picked = set(value or [])
            for box in w.findChildren(QCheckBox):
                box.setChecked(box.property("code") in picked)
        elif kind == "bool":
            for b in w.findChildren(QRadioButton):
                b.setChecked(b.property("value") is value)
        elif kind == "number":
            assert isinstance(w, QDoubleSpinBox)
            w.setValue(float(value) if isinstance(value, int | float) else w.minimum())
        elif kind == "date":
            assert isinstance(w, QDateEdit)
            try:
                w.setDate(qdate(date.fromisoformat(str(value))) if value else NO_DATE)
            except ValueError:
                w.setDate(NO_DATE)
        elif isinstance(w, QPlainTextEdit):
            w.setPlainText(str(value or ""))
        else:
            w.setText(str(value or ""))  # type: ignore[attr-defined]


def _bool_widget(form: DiagnosticForm) -> QWidget:
    box = QWidget()
    row = QHBoxLayout(box)
    row.setContentsMargins(0, 0, 0, 0)
    group = QButtonGroup(box)
    for text, value in (("Oui", True), ("Non", False), ("Non renseigné", None)):
        button = QRadioButton(text)
        button.setProperty("value", value)
        group.addButton(button)
        row.addWidget(button)
        button.toggled.connect(form.changed_by_user)
    row.addStretch(1)
    return box


def _multi_widget(form: DiagnosticForm, item: VocabularyEntry) -> QWidget:
    box = QWidget()
    grid = QGridLayout(box)
    grid.setContentsMargins(0, 0, 0, 0)
    grid.setVerticalSpacing(2)
    active = [c for c in item.choices if c.active]
    columns = 1 if any(len(c.label) > 34 for c in active) else 2
    for i, choice in enumerate(active):
        check = QCheckBox(choice.label)
        check.setProperty("code", choice.code)
        check.toggled.connect(form.changed_by_user)
        grid.addWidget(check, i // columns, i % columns)
    return box


def _make_widget(form: DiagnosticForm, item: VocabularyEntry) -> QWidget:
    kind = item.get("type")
    if kind == "choice":
        combo = QComboBox()
        combo.addItem("Non renseigné", None)
        for choice in item.choices:
            if choice.active:
                combo.addItem(choice.label, choice.code)
        combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        combo.setMinimumContentsLength(24)
        combo.currentIndexChanged.connect(form.changed_by_user)
        return combo
    if kind == "multi":
        return _multi_widget(form, item)
    if kind == "bool":
        return _bool_widget(form)
    if kind == "number":
        spin = QDoubleSpinBox(decimals=0, minimum=-1, maximum=9999)
        spin.setSpecialValueText("Non renseigné")
        spin.setSuffix(f" {item.get('unit')}" if item.get("unit") else "")
        spin.valueChanged.connect(form.changed_by_user)
        spin.setMaximumWidth(180)
        return spin
    if kind == "date":
        edit = date_edit()
        edit.setMinimumDate(NO_DATE)
        edit.setSpecialValueText("Non renseignée")
        edit.setDate(NO_DATE)
        edit.dateChanged.connect(form.changed_by_user)
        edit.setMaximumWidth(180)
        return edit
    if item.code.startswith(LONG_TEXT):
        text = QPlainTextEdit()
        text.setTabChangesFocus(True)
        text.setFixedHeight(70)
        text.textChanged.connect(form.changed_by_user)
        return text
    line = QLineEdit()
    line.textChanged.connect(form.changed_by_user)
    return line


class DiagnosticForm(QScrollArea):
    """Emits :attr:`changed` on every user edit (not on :meth:`set_values`)."""

    changed = Signal()

    def __init__(self, vocab: Vocabularies | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.vocab = vocab or load_vocabularies()
        self.setWidgetResizable(True)
        self.setFrameShape(QScrollArea.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self._editors: dict[tuple[str, str], _Editor] = {}
        self._loading = False
        self._hidden: dict[str, dict[str, Any]] = {}  # answers of items the form does not show (retired)
        self._values: dict[str, dict[str, Any]] = {}  # the answers last set (for the cards still to build)
        self._sections = list(self.vocab.sections())
        self._shown = {(s.code, i.code) for s in self._sections for i in self._items(s)}
        body = QWidget()
        self._layout = QVBoxLayout(body)
        self._layout.setContentsMargins(4, 4, 8, 4)
        self._layout.setSpacing(10)
        self._layout.addStretch(1)
        self.setWidget(body)
        self._build_some()

    @property
    def editors(self) -> dict[tuple[str, str], _Editor]:
        """Every item's editor (the cards not built yet are built now)."""
        self._build_all()
        return self._editors

    @property
    def complete(self) -> bool:
        """Whether every card is built."""
        return not self._sections

    def _items(self, section: VocabularyEntry) -> list[VocabularyEntry]:
        items = list(self.vocab.items_of_section(section.code))
        return [i for i in items if i.code == "contrainte_sante"] if section.code == "sante" else items

    def _build_some(self) -> None:
        start = time.perf_counter()
        while self._sections and (time.perf_counter() - start < BUILD_SLICE_S or not self._editors):
            self._add_card(self._sections.pop(0))
        if self._sections:
            QTimer.singleShot(0, self._build_some)

    def _build_all(self) -> None:
        while self._sections:
            self._add_card(self._sections.pop(0))

    def _add_card(self, section: VocabularyEntry) -> None:
        before = set(self._editors)
        self._layout.insertWidget(self._layout.count() - 1, self._section_card(section))
        new = [k for k in self._editors if k not in before]
        if self._values and new:
            self._loading = True
            try:
                for key in new:
                    self._editors[key].set((self._values.get(key[0]) or {}).get(key[1]))
            finally:
                self._loading = False
            self._update_warnings()

    def _section_card(self, section: VocabularyEntry) -> Card:
        card = Card()
        card.setObjectName("card")
        box = QVBoxLayout(card)
        box.setContentsMargins(14, 10, 14, 12)
        box.addWidget(named(QLabel(section.label), "h2"))
        if section.get("help"):
            hint = QLabel(section.get("help"), wordWrap=True)
            hint.setProperty("muted", True)
            box.addWidget(hint)
        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        for item in self._items(section):
            widget = _make_widget(self, item)
            widget.setAccessibleName(item.label)
            if item.get("help"):
                widget.setToolTip(item.get("help"))
            editor = _Editor(item, widget)
            self._editors[(section.code, item.code)] = editor
            label = QLabel(item.label, wordWrap=True)
            label.setMinimumWidth(200)
            label.setBuddy(widget)
            if item.get("type") == "text":
                holder = QWidget()
                col = QVBoxLayout(holder)
                col.setContentsMargins(0, 0, 0, 0)
                col.setSpacing(2)
                col.addWidget(widget)
                editor.warning = named(QLabel(wordWrap=True), "warning")
                editor.warning.setStyleSheet(f"color: {theme.SOON};")
                editor.warning.hide()
                col.addWidget(editor.warning)
                form.addRow(label, holder)
            else:
                form.addRow(label, widget)
        box.addLayout(form)
        return card

    def changed_by_user(self, *_args: Any) -> None:
        if self._loading:
            return
        self._update_warnings()
        self.changed.emit()

    def _update_warnings(self) -> None:
        for editor in self._editors.values():
            if editor.warning is None:
                continue
            text = editor.get() or ""
            found = self.vocab.sensitive_warnings(text) if text else []
            editor.warning.setText("⚠ " + " ".join(found) if found else "")
            editor.warning.setVisible(bool(found))

    def values(self) -> dict[str, dict[str, Any]]:
        """Answers by section (empty answers left out), plus the hidden answers kept from the loaded version."""
        out: dict[str, dict[str, Any]] = {s: dict(items) for s, items in self._hidden.items()}
        for (section, code), editor in self.editors.items():
            value = editor.get()
            if value not in (None, "", []):
                out.setdefault(section, {})[code] = value
        return out

    def set_values(self, values: dict[str, dict[str, Any]]) -> None:
        self._values = values
        self._loading = True
        try:
            for (section, code), editor in self._editors.items():
                editor.set((values.get(section) or {}).get(code))
            self._hidden = {
                s: {c: v for c, v in items.items() if (s, c) not in self._shown}
                for s, items in values.items()
            }
            self._hidden = {s: items for s, items in self._hidden.items() if items}
        finally:
            self._loading = False
        self._update_warnings()

    def warnings(self) -> list[str]:
        """Visible sensitive-data warnings (for tests and the status line)."""
        return [
            e.warning.text()
            for e in self.editors.values()
            if e.warning is not None and not e.warning.isHidden()
        ]
