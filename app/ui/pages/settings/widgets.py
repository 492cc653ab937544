"""Building blocks of the « Paramètres » page: a setting's editor, a saved section of settings, the secret
and seal dialogs, and small layout helpers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, cast

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.services.errors import ValidationError
from app.services.settings import view as settings_view
from app.services.storage import settings
from app.ui.kit import theme
from app.ui.kit.a11y import announce
from app.ui.kit.errors import show_error, user_message
from app.ui.kit.forms import FollowupDialog, Job, error_label
from app.ui.kit.widgets import Card, named
from app.ui.kit.worker import WorkerContext
from app.ui.shell.plugins import UiContext


class SettingsPage(Protocol):
    """What the sections need of the page that holds them (:class:`app.ui.pages.settings.page.SettingsPage`)."""

    ctx: UiContext

    def values_saved(self, values: dict[str, Any]) -> None: ...


def as_widget(page: SettingsPage) -> QWidget:
    """The page, a QWidget (the protocol only names what the sections call), as a dialog's parent."""
    return cast(QWidget, page)


SAVED_TEXT = "Modifications enregistrées."
SUFFIXES = {"(minutes)": " min", "(mois)": " mois", "(jours)": " jours"}


def _short_label(setting: settings.Setting) -> str:
    """The declared label without its unit (the spin box shows it): « Seuil d'emploi durable »."""
    label = setting.label
    for unit in SUFFIXES:
        label = label.replace(" " + unit, "")
    return label


def _suffix(setting: settings.Setting) -> str:
    return next((s for unit, s in SUFFIXES.items() if unit in setting.label), "")


class Editor:
    """One field of a section: the widget, its value in the setting's type, its change signal."""

    def __init__(self, setting: settings.Setting) -> None:
        self.setting = setting
        self.widget: QWidget
        if setting is settings.CURRENT_REFERENT_ID:
            self.widget = QComboBox()
            self.widget.setMinimumWidth(320)
            self.changed = self.widget.currentIndexChanged
        elif setting is settings.SYNC_AUTO:
            self.widget = QCheckBox(
                "Synchroniser automatiquement quand le serveur répond (toutes les 5 minutes)"
            )
            self.changed = self.widget.toggled
        elif isinstance(setting.default, bool):
            self.widget = QCheckBox(setting.label)
            self.changed = self.widget.toggled
        elif setting.minimum is not None or setting.maximum is not None:
            self.widget = QSpinBox(minimum=setting.minimum or 0, maximum=setting.maximum or 10_000)
            self.widget.setSuffix(_suffix(setting))
            self.widget.setFixedWidth(130)
            self.widget.setToolTip(f"Entre {setting.minimum} et {setting.maximum}")
            self.changed = self.widget.valueChanged
        else:
            self.widget = QLineEdit()
            if setting.max_length:
                self.widget.setMaxLength(setting.max_length + 20)  # the message says the limit
            self.changed = self.widget.textChanged
        self.widget.setAccessibleName(_short_label(setting))

    @property
    def resettable(self) -> bool:
        return isinstance(self.widget, (QSpinBox, QLineEdit)) and bool(self.setting.default)

    def value(self) -> Any:
        w = self.widget
        if isinstance(w, QComboBox):
            return w.currentData()
        if isinstance(w, QCheckBox):
            return w.isChecked()
        if isinstance(w, QSpinBox):
            return w.value()
        assert isinstance(w, QLineEdit)
        return w.text()

    def set_value(self, value: Any) -> None:
        w = self.widget
        w.blockSignals(True)
        try:
            if isinstance(w, QComboBox):
                w.setCurrentIndex(max(0, w.findData(value)))
            elif isinstance(w, QCheckBox):
                w.setChecked(bool(value))
            elif isinstance(w, QSpinBox):
                w.setValue(int(value))
            elif isinstance(w, QLineEdit):
                w.setText(str(value or ""))
        finally:
            w.blockSignals(False)

    def same(self, a: Any, b: Any) -> bool:
        if isinstance(self.widget, QLineEdit):
            return str(a or "").strip() == str(b or "").strip()
        return bool(a == b)

    def problem(self) -> str:
        """The French message of the value in the field, "" when it can be saved."""
        value = self.value()
        if self.setting is settings.CURRENT_REFERENT_ID and value is None:
            return ""  # nothing chosen yet: nothing to save
        try:
            self.setting.validate(value)
        except ValidationError as exc:
            return exc.message
        return ""


class Section(Card):
    """A titled form of declared settings with its own « Enregistrer »."""

    def __init__(self, page: SettingsPage, title: str, intro: str, keys: list[settings.Setting]) -> None:
        super().__init__()
        self.page, self.title = page, title
        self.loaded: dict[str, Any] = {}
        self.editors: dict[str, Editor] = {}
        self.errors: dict[str, QLabel] = {}
        self.resets: dict[str, QToolButton] = {}
        self.box = QVBoxLayout(self)
        self.box.setContentsMargins(20, 16, 20, 16)
        self.box.addWidget(named(QLabel(title), "h2"))
        if intro:
            text = QLabel(intro, wordWrap=True)
            text.setProperty("muted", True)
            self.box.addWidget(text)
        self.form = QFormLayout()
        self.form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        for setting in keys:
            self._add(setting)
        self.box.addLayout(self.form)
        bottom = QHBoxLayout()
        self.saved_label = QLabel()
        self.saved_label.setProperty("muted", True)
        self.undo_button = QPushButton("Annuler les modifications")
        self.undo_button.clicked.connect(self.undo)
        self.save_button = QPushButton(theme.icon("fa6s.floppy-disk", "#ffffff"), "Enregistrer")
        self.save_button.setProperty("primary", True)
        self.save_button.setToolTip("Enregistrer les modifications de cette section (Ctrl+S)")
        self.save_button.clicked.connect(self.save)
        bottom.addWidget(self.saved_label, 1)
        bottom.addWidget(self.undo_button)
        bottom.addWidget(self.save_button)
        self.box.addLayout(bottom)
        self._refresh()

    def _add(self, setting: settings.Setting) -> None:
        editor = Editor(setting)
        self.editors[setting.key] = editor
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(editor.widget, 0 if isinstance(editor.widget, QSpinBox) else 1)
        if editor.resettable:
            default = f"{setting.default}{_suffix(setting)}"
            reset = QToolButton()
            reset.setIcon(theme.icon("fa6s.arrow-rotate-left"))
            reset.setText("Valeur par défaut")
            reset.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
            reset.setToolTip(f"Rétablir la valeur par défaut ({default})")
            reset.setAccessibleName(f"Rétablir la valeur par défaut de « {_short_label(setting)} »")
            reset.setAutoRaise(True)
            reset.clicked.connect(lambda _=False, e=editor: self._reset(e))
            self.resets[setting.key] = reset
            row.addWidget(reset)
        if isinstance(editor.widget, QSpinBox):
            row.addStretch(1)
        label = "" if isinstance(editor.widget, QCheckBox) else _short_label(setting)
        self.form.addRow(label, row)
        error = error_label()
        error.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Minimum)
        self.errors[setting.key] = error
        self.form.addRow("", error)
        editor.changed.connect(lambda *_: self._refresh())

    # --- state -----------------------------------------------------------------------------------------------

    def load(self, values: dict[str, Any], *, force: bool = False) -> None:
        """Show ``values`` (kept as the saved state); unsaved edits survive unless ``force``."""
        if self.changes() and not force:
            return
        for key, editor in self.editors.items():
            self.loaded[key] = values.get(key)
            editor.set_value(values.get(key))
        self._refresh()

    def changes(self) -> dict[str, Any]:
        return {
            k: e.value()
            for k, e in self.editors.items()
            if k in self.loaded and not e.same(e.value(), self.loaded[k])
        }

    def _refresh(self) -> None:
        for key, editor in self.editors.items():
            message = editor.problem()
            self.errors[key].setText(message)
            self.errors[key].setVisible(bool(message))
            if key in self.resets:
                self.resets[key].setEnabled(not editor.same(editor.value(), editor.setting.default))
        dirty = bool(self.changes())
        self.save_button.setEnabled(dirty)
        self.undo_button.setEnabled(dirty)
        if dirty:
            self.saved_label.clear()

    def _reset(self, editor: Editor) -> None:
        editor.set_value(editor.setting.default)
        self._refresh()
        editor.widget.setFocus()

    def undo(self) -> None:
        for key, editor in self.editors.items():
            editor.set_value(self.loaded.get(key))
        self._refresh()

    def show_errors(self, fields: dict[str, str]) -> None:
        for key, label in self.errors.items():
            if key in fields:
                label.setText(fields[key])
                label.show()

    # --- saving ----------------------------------------------------------------------------------------------

    def save(self) -> None:
        changes = self.changes()
        if not changes:
            return
        problems = {k: e.problem() for k, e in self.editors.items() if k in changes and e.problem()}
        if problems:
            self.show_errors(problems)
            self.editors[next(iter(problems))].widget.setFocus()
            return
        self.save_button.setEnabled(False)

        def job(w: WorkerContext) -> dict[str, Any]:
            return settings_view.save(w.db, changes)

        self.page.ctx.worker.submit(job, self._saved, self._failed, writes=True, owner=self)

    def _saved(self, values: dict[str, Any]) -> None:
        self.load(values, force=True)
        self.saved_label.setText(SAVED_TEXT)
        announce(f"Paramètres « {self.title} » : {SAVED_TEXT.lower()}", source=self.saved_label)
        self.page.values_saved(values)

    def _failed(self, exc: BaseException) -> None:
        self._refresh()
        if isinstance(exc, ValidationError) and exc.fields:
            self.show_errors(dict(exc.fields))
        else:
            show_error(self, exc)


# --- secret dialogs ------------------------------------------------------------------------------------------


def _secret_field() -> QLineEdit:
    field = QLineEdit(echoMode=QLineEdit.EchoMode.Password)
    field.setMinimumWidth(280)
    return field


class SecretDialog(FollowupDialog):
    """Current secret, new secret typed twice; the job checks the current one first (nothing changes if wrong)."""

    discard_text = "Le changement n'est pas fait : ce que vous avez saisi sera oublié."

    def __init__(
        self, page: SettingsPage, title: str, labels: tuple[str, str, str], intro: str,
        job: Callable[[str, str], Job], *, ask_old: bool = True,
    ) -> None:  # fmt: skip
        super().__init__(page.ctx, title, as_widget(page))
        self.save_text = title
        self.save_button.setText(title)
        self.make_job = job
        self.set_intro(intro)
        self.old = _secret_field()
        self.new = _secret_field()
        self.confirm = _secret_field()
        self.ask_old = ask_old
        old_label, new_label, confirm_label = labels
        if ask_old:
            self.add_row(old_label, self.old, "old")
        self.add_row(new_label, self.new, "new")
        self.add_row(confirm_label, self.confirm, "confirm")
        for field in (self.old, self.new, self.confirm):
            field.textChanged.connect(self.touched)
        self.finish_layout()
        (self.old if ask_old else self.new).setFocus()

    def changed_ids(self) -> list[str | None]:
        return []  # no case-file data changed

    def write_job(self) -> Job | None:
        fields: dict[str, str] = {}
        if self.ask_old and not self.old.text():
            fields["old"] = "Saisissez la valeur actuelle."
        if not self.new.text():
            fields["new"] = "Saisissez la nouvelle valeur."
        elif self.new.text() != self.confirm.text():
            fields["confirm"] = "Les deux saisies ne sont pas identiques."
        if fields:
            self.show_errors(fields)
            return None
        self.show_errors({})
        self.save_button.setText("Enregistrement…")
        return self.make_job(self.old.text(), self.new.text())

    def _failed(self, exc: BaseException) -> None:
        self.save_button.setText(self.save_text)
        super()._failed(exc)


class SealDialog(FollowupDialog):
    """PKCS#12 file and its password; the file is opened and checked before anything is stored."""

    save_text = "Configurer le cachet"
    discard_text = "Le cachet n'est pas configuré : ce que vous avez saisi sera oublié."

    def __init__(self, page: SettingsPage, current_path: str = "") -> None:
        super().__init__(page.ctx, "Certificat de cachet du département", as_widget(page))
        self.set_intro(
            "Le cachet électronique du département est apposé sur les contrats imprimés. Choisissez le fichier "
            "du certificat (PKCS#12 : .p12 ou .pfx) et son mot de passe ; le mot de passe est gardé par le "
            "trousseau du système, jamais dans le dossier."
        )
        row = QWidget()
        line = QHBoxLayout(row)
        line.setContentsMargins(0, 0, 0, 0)
        self.path = QLineEdit(current_path, placeholderText="Fichier .p12 ou .pfx")
        self.path.setAccessibleName("Fichier du certificat")
        browse = QPushButton(theme.icon("fa6s.folder-open"), "Parcourir…")
        browse.clicked.connect(self._browse)
        line.addWidget(self.path, 1)
        line.addWidget(browse)
        self.password = _secret_field()
        self.add_row("Fichier du certificat", row, "path")
        self.add_row("Mot de passe", self.password, "password")
        self.path.textChanged.connect(self.touched)
        self.password.textChanged.connect(self.touched)
        self.finish_layout()

    def _browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Certificat de cachet", self.path.text(), "Certificat PKCS#12 (*.p12 *.pfx)"
        )
        if path:
            self.path.setText(path)

    def changed_ids(self) -> list[str | None]:
        return []

    def write_job(self) -> Job | None:
        path, password = self.path.text().strip(), self.password.text()
        if not path:
            self.show_errors({"path": "Choisissez le fichier du certificat (.p12 ou .pfx)."})
            return None
        self.show_errors({})
        return lambda w: settings_view.configure_seal(w.db, path, password)

    def _failed(self, exc: BaseException) -> None:
        self.save_button.setEnabled(True)
        if isinstance(exc, ValidationError) and exc.fields:
            self.show_errors(dict(exc.fields))
        else:  # a wrong password or an expired certificate: said under the fields, nothing was stored
            self.show_errors({"password": user_message(exc)})


# --- the page ------------------------------------------------------------------------------------------------


def titled_card(title: str) -> tuple[Card, QVBoxLayout]:
    card = Card()
    box = QVBoxLayout(card)
    box.setContentsMargins(20, 16, 20, 16)
    box.addWidget(named(QLabel(title), "h2"))
    return card, box


def button_row(*buttons: QPushButton) -> QHBoxLayout:
    row = QHBoxLayout()
    for button in buttons:
        row.addWidget(button)
    row.addStretch(1)
    return row


def scroll_column(*widgets: QWidget) -> QScrollArea:
    inner = QWidget()
    column = QVBoxLayout(inner)
    column.setContentsMargins(2, 12, 12, 12)
    column.setSpacing(14)
    for w in widgets:
        column.addWidget(w)
    column.addStretch(1)
    area = QScrollArea()
    area.setWidgetResizable(True)
    area.setFrameShape(QScrollArea.Shape.NoFrame)
    area.setWidget(inner)
    inner.setMaximumWidth(900)
    return area
