"""The « Ma file active » area: the list as a fixed first tab, then one closable tab per open person."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QTabBar, QTabWidget, QToolButton, QWidget

from app.ui.caseload.page import CaseloadPage
from app.ui.kit import theme
from app.ui.kit.widgets import size_by_current_page
from app.ui.kit.worker import DbWorker
from app.ui.person.page import PersonPage
from app.ui.shell.plugins import UiContext


class FileTabs(QTabWidget):
    """Emits :attr:`person_loaded` when a person's page has loaded (its consultation was recorded)."""

    person_loaded = Signal(str)

    def __init__(
        self, worker: DbWorker, parent: QWidget | None = None, *, ctx: UiContext | None = None
    ) -> None:
        super().__init__(parent)
        self.worker = worker
        self.ctx = ctx
        self.setDocumentMode(True)
        self.setTabsClosable(True)
        self.setMovable(True)
        self.setAccessibleName("Dossiers ouverts")
        self.caseload = CaseloadPage(worker)
        self.addTab(self.caseload, theme.icon("fa6s.users"), "Liste")
        self.tabBar().setTabButton(0, self.tabBar().ButtonPosition.RightSide, None)
        self.tabBar().setTabButton(0, self.tabBar().ButtonPosition.LeftSide, None)
        self.tabCloseRequested.connect(self.close_tab)
        self.caseload.open_person.connect(self.open_person)
        size_by_current_page(self)  # the list is not widened by an open file, nor a file by the list

    def person_pages(self) -> list[PersonPage]:
        return [w for i in range(self.count()) if isinstance(w := self.widget(i), PersonPage)]

    def open_person(self, person_id: str) -> PersonPage:
        for page in self.person_pages():
            if page.person_id == person_id:
                self.setCurrentWidget(page)
                return page
        page = PersonPage(self.worker, person_id, ctx=self.ctx)
        page.title_ready.connect(self._set_title)
        index = self.addTab(page, theme.icon("fa6s.user"), "Chargement…")
        close = QToolButton()
        close.setAutoRaise(True)
        close.setIcon(theme.icon("fa6s.xmark"))
        close.setToolTip("Fermer ce dossier (Ctrl+W)")
        close.setAccessibleName("Fermer ce dossier")
        close.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        close.clicked.connect(lambda: self.close_tab(self.indexOf(page)))
        self.tabBar().setTabButton(index, QTabBar.ButtonPosition.RightSide, close)
        self.setCurrentIndex(index)
        page.tabs.setFocus()
        return page

    def _set_title(self, person_id: str, title: str) -> None:
        self.person_loaded.emit(person_id)
        for i in range(self.count()):
            w = self.widget(i)
            if isinstance(w, PersonPage) and w.person_id == person_id:
                self.setTabText(i, title)

    def close_tab(self, index: int) -> None:
        widget = self.widget(index)
        if isinstance(widget, PersonPage):
            if not widget.confirm_close():
                return
            self.removeTab(index)
            widget.deleteLater()

    def confirm_close_all(self) -> bool:
        """Before the window closes: every open file may ask about its unsaved changes."""
        return all(page.confirm_close() for page in self.person_pages())

    def close_current(self) -> None:
        self.close_tab(self.currentIndex())

    def cycle(self, step: int = 1) -> None:
        if self.count() > 1:
            self.setCurrentIndex((self.currentIndex() + step) % self.count())
