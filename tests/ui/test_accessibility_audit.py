"""Every screen through the accessibility auditor (:mod:`tests.ui.accessibility`): the pages and the tabs of a
person's file as discovered by :mod:`app.ui.shell.plugins` (a screen added later is audited without a line
here), the shell (lock screen, navigation, status bar), and every dialog class of ``app.ui`` — a dialog class
with no way to open it in :data:`DIALOGS` fails :func:`test_every_dialog_class_is_audited`."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication, QDialog, QWidget
from sqlalchemy import func, select

import app.ui
from app.models.tables.contracts import Contract
from app.models.tables.followup import Appointment
from app.models.tables.people import Person
from app.services.demo.build import populate_demo
from app.ui.person.page import PersonPage
from app.ui.shell.plugins import page_factories
from tests.ui.accessibility import audit, dialog_problems
from tests.ui.dialogs import DIALOGS, EXEMPT, DialogEnv
from tests.ui.kit import idle


@pytest.fixture
def demo(vault, ctx_for):
    """A demo caseload (12 people: RDVs, contracts, notes, diagnostics) and a page context over it."""
    populate_demo(vault, seed=2026, size=12)
    return ctx_for(vault)


def busiest_person(vault) -> str:
    """A followed person with the most appointments and contracts (every tab has something to show)."""
    with vault.db.read() as s:
        rdvs = select(func.count()).where(Appointment.person_id == Person.id).scalar_subquery()
        contracts = select(func.count()).where(Contract.person_id == Person.id).scalar_subquery()
        return str(
            s.scalar(
                select(Person.id)
                .where(Person.status != "exited")
                .order_by((rdvs + contracts).desc())
                .limit(1)
            )
        )


def report(problems: list) -> str:
    return "\n" + "\n".join(str(p) for p in problems)


def show(qtbot, widget: QWidget, ctx, size: tuple[int, int] = (1280, 720)) -> QWidget:
    qtbot.addWidget(widget)
    widget.resize(*size)
    widget.show()
    idle(qtbot, ctx)
    return widget


def test_every_page_passes_the_audit(qtbot, demo):
    problems = []
    for key, factory in sorted(page_factories().items()):
        page = show(qtbot, factory(demo), demo)
        problems += audit(page, f"page « {key} »")
        page.hide()
    assert not problems, report(problems)


def test_every_tab_of_a_person_s_file_passes_the_audit(qtbot, demo, vault):
    page = show(qtbot, PersonPage(demo.worker, busiest_person(vault), ctx=demo), demo)
    problems = []
    for i in range(page.tabs.count()):
        page.tabs.setCurrentIndex(i)
        idle(qtbot, demo)
        problems += audit(page, f"dossier › {page.tabs.tabText(i)}")
    assert not problems, report(problems)


def test_the_shell_passes_the_audit(qtbot, window):
    problems = audit(window, "écran de verrouillage")
    from tests.ui.conftest import unlock

    unlock(qtbot, window)
    problems += audit(window, "fenêtre principale")
    assert not problems, report(problems)


def test_every_dialog_passes_the_audit(qtbot, demo, vault, tmp_path):
    env = DialogEnv(qtbot, demo, vault, busiest_person(vault), tmp_path)
    problems = []
    for name, (cls, opener) in DIALOGS.items():
        dialog = opener(env)
        assert isinstance(dialog, cls) and dialog.isVisible(), name
        qtbot.waitUntil(
            lambda d=dialog: QApplication.focusWidget() is not None or not d.isVisible(), timeout=2000
        )
        QApplication.processEvents()
        problems += dialog_problems(dialog, f"fenêtre « {name} »")
        env.close(dialog)
    assert not problems, report(problems)


def _dialog_classes() -> set[str]:
    names = set()
    for info in pkgutil.walk_packages(app.ui.__path__, "app.ui."):
        module = importlib.import_module(info.name)
        for _n, cls in inspect.getmembers(module, inspect.isclass):
            if (
                issubclass(cls, QDialog)
                and cls.__module__ == module.__name__
                and not cls.__name__.startswith("_")
            ):
                names.add(f"{cls.__module__}.{cls.__qualname__}")
    return names


def test_every_dialog_class_is_audited():
    """A new dialog gets an opener in tests/ui/dialogs.py (or an exemption saying why)."""
    covered = {f"{cls.__module__}.{cls.__qualname__}" for cls in DialogEnv.classes()} | set(EXEMPT)
    missing = sorted(_dialog_classes() - covered)
    assert not missing, (
        "fenêtres sans audit d'accessibilité (ajoutez-les à tests/ui/dialogs.py) : " + ", ".join(missing)
    )


def test_the_auditor_finds_each_kind_of_problem(qtbot):
    """The auditor is not a test that cannot fail: a screen with one of each problem gets one report each."""
    from PySide6.QtGui import QPalette
    from PySide6.QtWidgets import QLabel, QLineEdit, QPlainTextEdit, QPushButton, QTableWidget, QVBoxLayout

    root = QWidget()
    layout = QVBoxLayout(root)
    unnamed = QLineEdit(placeholderText="Un exemple n'est pas un nom")
    trap = QPlainTextEdit()
    trap.setAccessibleName("Commentaire")
    table = QTableWidget(1, 2)
    table.setAccessibleName("Tableau")
    table.setHorizontalHeaderLabels(["Nom", ""])
    icon_only = QPushButton()
    mouse_only = QPushButton("Fermer")
    mouse_only.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    pale = QLabel("Texte pâle")
    palette = pale.palette()
    palette.setColor(QPalette.ColorRole.WindowText, QColor("#9aa5b1"))
    pale.setPalette(palette)
    for w in (unnamed, trap, table, icon_only, mouse_only, pale):
        layout.addWidget(w)
    qtbot.addWidget(root)
    root.show()
    trap.setTabChangesFocus(False)  # (the style made it leave on Tab when shown)
    table.setTabKeyNavigation(True)
    problems = [p.what for p in audit(root, "essai")]
    expected = (
        "sans nom accessible",  # the line edit and the icon-only button
        "Tab y insère une tabulation",
        "Tab se déplace de cellule en cellule",
        "colonne 2 sans en-tête",
        "bouton inaccessible au clavier",
        "texte à 1.",
    )
    for fragment in expected:
        assert any(fragment in p for p in problems), (fragment, problems)
    assert sum("sans nom accessible" in p for p in problems) == 2
