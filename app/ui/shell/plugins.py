"""Discovery of the navigation pages (``app.ui.pages.<feature>.page``) and person-file tabs
(``app.ui.person.<tab>.tab``): one sub-package per feature, its screen in a module of a fixed name.

A page module defines ``PAGE_KEY`` (one of the keys of :data:`app.ui.shell.other_pages.PAGES`: ``agenda``,
``alertes``, ``indicateurs``, ``imports``, ``sync``, ``parametres``) and ``create_page(ctx) -> QWidget``.
A tab module defines ``TAB_KEY`` (``diagnostic``, ``carnet``, ``rdv``, ``contrats``, ``documents``,
``historique``) and ``create_tab(ctx, person_id) -> QWidget``. Keys without a module keep their empty state.

Optional hooks on the created widgets: ``update_status(info, lock_minutes)`` on pages (called with the status
bar figures), ``settings_changed(values)`` on pages (called after « Paramètres » saved, with the editable
settings by key) and ``reload()`` on tabs (called when the person's file changed). So a new screen is a new file;
``main_window.py`` and ``person_page.py`` do not change.
"""

from __future__ import annotations

import importlib
import logging
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from types import ModuleType
from typing import TYPE_CHECKING, Any

from app.ui.kit.worker import DbWorker

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

log = logging.getLogger(__name__)


@dataclass
class UiContext:
    """What a page or a tab receives: the database worker and callbacks into the main window."""

    worker: DbWorker
    open_person: Callable[[str, str | None], Any]  # (person_id, tab key or None)
    refresh_status: Callable[[], None]
    changed: Callable[[str | None], None]  # a write happened (person id or None): pages/tabs reload
    #: Settings were saved (key → value of the editable settings): pages with a ``settings_changed(values)``
    #: hook follow them (e.g. the automatic sync). No-op outside the main window.
    settings_changed: Callable[[dict[str, Any]], None] = field(default=lambda values: None)


def _modules(package: str, leaf: str) -> list[ModuleType]:
    """The ``leaf`` module of each sub-package of ``package`` that has one, by sub-package name."""
    pkg = importlib.import_module(package)
    out = []
    for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda m: m.name):
        if info.ispkg and not info.name.startswith("_"):
            sub = importlib.import_module(f"{package}.{info.name}")
            if any(m.name == leaf for m in pkgutil.iter_modules(sub.__path__)):
                out.append(importlib.import_module(f"{package}.{info.name}.{leaf}"))
    return out


def page_factories() -> dict[str, Callable[[UiContext], QWidget]]:
    return {m.PAGE_KEY: m.create_page for m in _modules("app.ui.pages", "page") if hasattr(m, "PAGE_KEY")}


def tab_factories() -> dict[str, Callable[[UiContext, str], QWidget]]:
    return {m.TAB_KEY: m.create_tab for m in _modules("app.ui.person", "tab") if hasattr(m, "TAB_KEY")}
