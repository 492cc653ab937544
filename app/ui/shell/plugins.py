"""Discovery of the navigation pages (``app.ui.pages.<feature>``) and person-file tabs (``app.ui.person.<tab>``):
one sub-package per feature, its key in the package's ``__init__.py``, its screen in a module of a fixed name.

A page package declares ``PAGE_KEY`` (one of the keys of :data:`app.ui.shell.other_pages.PAGES`: ``aujourdhui``,
``agenda``, ``alertes``, ``indicateurs``, ``imports``, ``doublons``, ``sync``, ``donnees``, ``parametres``) in
its ``__init__.py``; its ``page.py`` defines ``create_page(ctx) -> QWidget``. A tab package declares ``TAB_KEY``
(``diagnostic``, ``carnet``, ``rdv``, ``contrats``, ``documents``, ``historique``); its ``tab.py`` defines
``create_tab(ctx, person_id) -> QWidget``. Keys without a module keep their empty state.

Discovery imports only the packages' ``__init__`` (a line each): a page's module, and what it imports, loads
when the page is first built — on its first visit, or right after unlocking for a page that declares
``AT_UNLOCK = True`` in its ``__init__`` (background work: the automatic sync). Tabs are built when first shown.

Optional hooks on the created widgets: ``update_status(info, lock_minutes)`` on pages (called with the status
bar figures), ``settings_changed(values)`` on pages (called after « Paramètres » saved, with the editable
settings by key) and ``reload()`` on tabs (called when the person's file changed). So a new screen is a new
package; ``main_window.py`` and ``person/page.py`` do not change.
"""

from __future__ import annotations

import functools
import importlib
import logging
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
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
    #: Show a page of the navigation by its key (``aujourdhui``, ``alertes``…). No-op outside the main window.
    show_page: Callable[[str], Any] = field(default=lambda key: None)
    #: Whose people the lists show: the référent signed in (« Mes personnes »: theirs and those without a
    #: référent), or None (« Tous les référents »: everyone on this device). Chosen at the top of « Ma file active ».
    scope_referent: Callable[[], str | None] = field(default=lambda: None)


@dataclass(frozen=True)
class Plugin:
    """A discovered page or tab: its key, the module holding its factory, whether it is built at unlock."""

    key: str
    module: str
    factory: str
    at_unlock: bool = False

    def create(self, *args: Any) -> QWidget:
        """Import the module (first time only) and build the widget."""
        widget: QWidget = getattr(importlib.import_module(self.module), self.factory)(*args)
        return widget


def _discover(package: str, leaf: str, key_name: str, factory: str) -> dict[str, Plugin]:
    pkg = importlib.import_module(package)
    out: dict[str, Plugin] = {}
    for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda m: m.name):
        if not info.ispkg or info.name.startswith("_"):
            continue
        sub = importlib.import_module(f"{package}.{info.name}")
        key = getattr(sub, key_name, None)
        if key is None or not any(m.name == leaf for m in pkgutil.iter_modules(sub.__path__)):
            continue
        module = f"{package}.{info.name}.{leaf}"
        out[key] = Plugin(key, module, factory, bool(getattr(sub, "AT_UNLOCK", False)))
    return out


@functools.cache
def page_plugins() -> dict[str, Plugin]:
    """Pages by key (discovered once per process)."""
    return _discover("app.ui.pages", "page", "PAGE_KEY", "create_page")


@functools.cache
def tab_plugins() -> dict[str, Plugin]:
    """Person-file tabs by key (discovered once per process)."""
    return _discover("app.ui.person", "tab", "TAB_KEY", "create_tab")


def page_factories() -> dict[str, Callable[[UiContext], QWidget]]:
    return {key: plugin.create for key, plugin in page_plugins().items()}


def tab_factories() -> dict[str, Callable[[UiContext, str], QWidget]]:
    return {key: plugin.create for key, plugin in tab_plugins().items()}
