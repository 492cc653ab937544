"""The person page: a header card always visible, and the tabs of the case file.

Synthèse shows identity, orientation (with history) and référent now; the other tabs say what they will
hold, from the real number of records in the vault. Opening the page records a « consultation » audit event.

The header shows the NIR masked; « Afficher le NIR » (eye button, Ctrl+Maj+I) shows it in full for 30 seconds
and writes an « affichage du NIR » audit event. « Droit d'accès… » (Ctrl+Maj+A) exports all of the person's data
(JSON, PDF, documents) into a folder, on the database worker, then offers to open the folder.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSize, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QScrollArea,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.services.casefile import overview as person_page
from app.services.casefile.overview import OrientationItem, PersonHeader, PersonSummary, ReferentItem
from app.services.people import identity
from app.services.people.deadlines import DueState
from app.services.privacy import access as access_export
from app.ui.kit import theme
from app.ui.kit.a11y import Level, announce
from app.ui.kit.errors import show_error, user_message
from app.ui.kit.keyboard import follow_in_tab_order
from app.ui.kit.widgets import Card, EmptyState, FieldGrid, FlowRow, clear_layout, named, size_by_current_page
from app.ui.kit.worker import DbWorker, WorkerContext
from app.ui.person.coaccompaniment import CoAccompanimentCard
from app.ui.shell.plugins import UiContext, tab_plugins

#: tab key → (title, icon, empty title, empty text, filled text with {n} records)
TABS: tuple[tuple[str, str, str, str, str, tuple[str, str]], ...] = (
    (
        "diagnostic",
        "Diagnostic",
        "fa6s.clipboard-list",
        "Aucun diagnostic enregistré",
        "Le diagnostic socio-professionnel (situation, freins, leviers) et chacune de ses versions apparaîtront ici.",
        ("version du diagnostic enregistrée", "versions du diagnostic enregistrées"),
    ),
    (
        "carnet",
        "Carnet de bord",
        "fa6s.book-open",
        "Carnet de bord vide",
        "Les objectifs, les actions et les notes d'entretien de la personne seront rassemblés ici, par thème.",
        ("élément du carnet enregistré", "éléments du carnet enregistrés"),
    ),
    (
        "rdv",
        "Rendez-vous",
        "fa6s.calendar-days",
        "Aucun rendez-vous enregistré",
        "Les rendez-vous passés et à venir (objet, nature, lieu, statut) seront listés ici.",
        ("rendez-vous enregistré", "rendez-vous enregistrés"),
    ),
    (
        "contrats",
        "Contrats",
        "fa6s.file-signature",
        "Aucun contrat",
        "Les contrats (CER ou contrat d'engagement), leurs versions et leurs signatures seront listés ici.",
        ("contrat enregistré", "contrats enregistrés"),
    ),
    (
        "bilans",
        "Bilans",
        "fa6s.clipboard-check",
        "Aucun bilan",
        "Les bilans (fin de contrat, un an de parcours, sortie, étape) et les diagnostics conjoints avec "
        "France Travail seront listés ici.",
        ("bilan enregistré", "bilans enregistrés"),
    ),
    (
        "documents",
        "Documents",
        "fa6s.folder-open",
        "Aucun document joint",
        "Les pièces du dossier (courriers, justificatifs, contrats signés numérisés) seront rangées ici.",
        ("document joint", "documents joints"),
    ),
    (
        "ep",
        "EP",
        "fa6s.people-group",
        "Aucune saisine de l'EP",
        "Les saisines de l'équipe pluridisciplinaire, leurs séances, avis et décisions apparaîtront ici.",
        ("saisine de l'EP", "saisines de l'EP"),
    ),
    (
        "historique",
        "Historique",
        "fa6s.clock-rotate-left",
        "Aucun événement",
        "La chronologie du dossier (consultations, modifications, impressions) apparaîtra ici.",
        (
            "événement enregistré (consultations, modifications…)",
            "événements enregistrés (consultations, modifications…)",
        ),
    ),
)
SOON_TEXT = "Le détail s'affichera dans cet onglet dans une prochaine version de Fil rouge."
NIR_SECONDS = 30


class HeaderCard(Card):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 12, 18, 12)
        layout.setSpacing(8)
        who, tools = QWidget(), QWidget()  # two groups that wrap when the room is short (200 % text)
        top, right = QHBoxLayout(who), QHBoxLayout(tools)
        top.setContentsMargins(0, 0, 0, 0)
        right.setContentsMargins(0, 0, 0, 0)
        self.name = named(QLabel("Chargement…"), "title")
        self.name.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.sub = named(QLabel(), "muted")
        top.addWidget(self.name)
        top.addSpacing(12)
        top.addWidget(self.sub, 0, Qt.AlignmentFlag.AlignBottom)
        nir_caption = QLabel("NIR")
        nir_caption.setProperty("muted", True)
        self.nir = QLabel("")
        self.nir.setAccessibleName("NIR")
        self.nir.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.nir_button = QToolButton()
        self.nir_button.setIcon(theme.icon("fa6s.eye"))
        self.nir_button.setToolTip(
            "Afficher le NIR en clair pendant 30 secondes (Ctrl+Maj+I) — l'affichage est tracé"
        )
        self.nir_button.setAccessibleName("Afficher le NIR")
        self.nir_button.setAutoRaise(True)
        self.export_button = QToolButton()
        self.export_button.setIcon(theme.icon("fa6s.file-export"))
        self.export_button.setText("Droit d'accès…")
        self.export_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.export_button.setToolTip(
            "Exporter toutes les données de la personne (PDF, JSON et documents) dans un dossier (Ctrl+Maj+A)"
        )
        self.export_button.setAccessibleName("Exporter ses données (droit d'accès)")
        for w in (nir_caption, self.nir, self.nir_button):
            right.addWidget(w, 0, Qt.AlignmentFlag.AlignVCenter)
        right.addSpacing(12)
        right.addWidget(self.export_button, 0, Qt.AlignmentFlag.AlignVCenter)
        row = FlowRow(last_right=True, spacing=12)
        row.addWidget(who)
        row.addWidget(tools)
        layout.addLayout(row)
        alert_row = QHBoxLayout()
        alert_row.setSpacing(8)
        self.alert_icon = QLabel()
        self.alert = QLabel(wordWrap=True)
        self.alert.setAccessibleName("Alerte la plus urgente")
        alert_row.addWidget(self.alert_icon, 0, Qt.AlignmentFlag.AlignTop)
        alert_row.addWidget(self.alert, 1)
        layout.addLayout(alert_row)
        self.fields = FieldGrid(columns=4)
        layout.addWidget(self.fields)

    def show_header(self, h: PersonHeader) -> None:
        self.name.setText(h.display_name)
        bits = [h.civility] if h.civility else []
        if h.age is not None:
            bits.append(f"{h.age} ans")
        if h.birth_date:
            bits.append(f"né(e) le {theme.fmt_date(h.birth_date)}")
        if h.status == "exited":
            bits.append("sortie de l'accompagnement")
        self.sub.setText(" · ".join(bits))
        self.nir_masked = h.nir_masked
        self.show_masked_nir()
        rdv = f"{theme.fmt_datetime(h.next_rdv)} ({h.next_rdv_purpose})" if h.next_rdv else "Aucun RDV prévu"
        self.fields.set_fields(
            [
                ("N° allocataire", h.caf_number),
                ("Parcours", h.track_label or "Non orienté"),
                ("Régime", h.regime_label),
                ("Référent", h.referent or "Aucun référent désigné"),
                ("Contrat", h.contract),
                ("Prochain RDV", rdv),
            ]
        )
        if h.urgent:
            self.alert_icon.setPixmap(theme.due_icon(h.urgent.state).pixmap(QSize(18, 18)))
            u = h.urgent
            when = f"En retard de {u.days_late()} j" if u.state == DueState.LATE else u.state_label
            self.alert.setText(
                f"{when} : {u.label[:1].lower()}{u.label[1:]} ({theme.fmt_date(u.due)}) · {u.nature_label}"
            )
            colour = theme.LATE if u.state == DueState.LATE else theme.SOON
            self.alert.setStyleSheet(f"color: {colour}; font-weight: 600;")
            self.alert.setToolTip(u.legal_basis)
        else:
            self.alert_icon.setPixmap(theme.icon("fa6s.circle-check", theme.OK).pixmap(QSize(18, 18)))
            self.alert.setText("Aucune échéance dépassée ni proche")
            self.alert.setStyleSheet(f"color: {theme.OK};")
            self.alert.setToolTip("")

    def show_masked_nir(self) -> None:
        masked = getattr(self, "nir_masked", "")
        self.nir.setText(masked or "Non renseigné")
        self.nir.setToolTip("")
        self.nir_button.setEnabled(bool(masked))
        self.nir_button.setIcon(theme.icon("fa6s.eye"))

    def show_clear_nir(self, nir: str, seconds: int) -> None:
        self.nir.setText(f"{person_page.format_nir(nir)}  (masqué dans {seconds} s)")
        self.nir.setToolTip("Affichage tracé dans le journal des accès")
        self.nir_button.setIcon(theme.icon("fa6s.eye-slash"))


def _section(title: str, body: QWidget) -> Card:
    card = Card()
    layout = QVBoxLayout(card)
    layout.setContentsMargins(16, 12, 16, 14)
    layout.addWidget(named(QLabel(title), "h2"))
    layout.addWidget(body)
    return card


def _orientation_text(o: OrientationItem) -> str:
    kind = "Réorientation" if o.is_reorientation else "Orientation"
    text = f"{theme.fmt_date(o.decision_date)} · {kind} vers le parcours {o.track_label.lower() or '—'}"
    if o.organisme:
        text += f" — {o.organisme}"
    if o.notification_date:
        text += f" (notifiée le {theme.fmt_date(o.notification_date)})"
    if o.ended_on:
        text += f", close le {theme.fmt_date(o.ended_on)}"
    return text


def _referent_text(r: ReferentItem) -> str:
    text = f"{theme.fmt_date(r.start_date)} · {r.name}"
    if r.structure:
        text += f" — {r.structure}"
    return text + (f" ({r.reason})" if r.reason else "")


def _history(lines: list[str], empty: str) -> QLabel:
    label = QLabel("\n".join(lines) if lines else empty, wordWrap=True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    if not lines:
        label.setProperty("muted", True)
    return label


def _deadlines(s: PersonSummary) -> QWidget:
    box = QWidget()
    grid = QGridLayout(box)
    grid.setContentsMargins(0, 0, 0, 0)
    grid.setHorizontalSpacing(10)
    if not s.deadlines:
        grid.addWidget(QLabel("Aucune échéance en cours."), 0, 0)
    for row, d in enumerate(s.deadlines):
        icon = QLabel()
        icon.setPixmap(theme.due_icon(d.state).pixmap(QSize(16, 16)))
        state = QLabel(d.state_label)
        state.setStyleSheet("font-weight: 600;")
        when = QLabel(theme.fmt_date(d.due))
        what = QLabel(f"{d.label} (objectif départemental)" if d.local_target else d.label, wordWrap=True)
        what.setToolTip(f"{d.nature_label}\n\n{d.legal_basis}" if d.legal_basis else d.nature_label)
        for col, w in enumerate((icon, state, when, what)):
            grid.addWidget(w, row, col)
    grid.setColumnStretch(3, 1)
    if not s.deadlines_from_rules:
        note = QLabel(
            "Table des échéances indisponible : seules les dates connues (rendez-vous prévus, fins de contrat) "
            "sont affichées.",
            wordWrap=True,
        )
        note.setProperty("muted", True)
        grid.addWidget(note, len(s.deadlines) + 1, 0, 1, 4)
    return box


class SynthesisTab(QScrollArea):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setFrameShape(QScrollArea.Shape.NoFrame)
        self.body = QWidget()
        self.layout_ = QVBoxLayout(self.body)
        self.layout_.setContentsMargins(14, 14, 14, 14)
        self.layout_.setSpacing(12)
        self.setWidget(self.body)
        self.identity = FieldGrid(columns=2)
        self.action_bar: QWidget | None = None
        self.shares: CoAccompanimentCard | None = None  # co-accompaniment (ADR 0052): it loads itself

    def show_summary(self, s: PersonSummary) -> None:
        if self.shares is not None:
            self.layout_.removeWidget(self.shares)
            self.shares.reload()
        clear_layout(self.layout_, keep=self.action_bar)  # a reload rebuilds the sections, not the action bar
        self.identity = FieldGrid(columns=2)
        if self.action_bar is not None:
            self.layout_.addWidget(self.action_bar)
        self.layout_.addWidget(_section("Échéances", _deadlines(s)))
        self.identity.set_fields(list(s.identity.items()))
        self.layout_.addWidget(_section("Identité", self.identity))
        orient = [_orientation_text(o) for o in s.orientations]
        current = (
            f"Parcours actuel : {s.header.track_label}" if s.header.track else "Pas encore d'orientation."
        )
        self.layout_.addWidget(
            _section("Orientation", _history([current, "", *orient] if orient else [], current))
        )
        refs = [_referent_text(r) for r in s.referents]
        now = f"Référent actuel : {s.header.referent}" if s.header.referent else "Aucun référent désigné."
        self.layout_.addWidget(_section("Référent", _history([now, "", *refs] if refs else [], now)))
        if self.shares is not None:
            self.layout_.addWidget(self.shares)
        self.layout_.addStretch(1)


class PersonPage(QWidget):
    """One open case file. Emits :attr:`title_ready` with the tab title once loaded."""

    title_ready = Signal(str, str)

    def __init__(
        self, worker: DbWorker, person_id: str, parent: QWidget | None = None, *, ctx: UiContext | None = None
    ) -> None:
        super().__init__(parent)
        self.worker, self.person_id, self.ctx = worker, person_id, ctx
        self.summary: PersonSummary | None = None
        self.announce_opening = True
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 12, 12, 12)
        layout.setSpacing(10)
        self.header = HeaderCard()
        layout.addWidget(self.header)
        self.tabs = QTabWidget(documentMode=False)
        self.tabs.setAccessibleName("Onglets du dossier")
        self.synthesis = SynthesisTab()
        if ctx is not None:
            from app.ui.person.parcours_dialogs import FollowupActions

            self.synthesis.action_bar = FollowupActions(ctx, person_id)
            self.synthesis.shares = CoAccompanimentCard(ctx, person_id)
        self.tabs.addTab(self.synthesis, theme.icon("fa6s.id-card"), "Synthèse")
        self.placeholders: dict[str, EmptyState] = {}
        #: Tabs built so far (a tab is built when first shown: :meth:`tab`).
        self.tab_widgets: dict[str, QWidget] = {"synthese": self.synthesis}
        self._slots: dict[str, QWidget] = {}
        plugins = tab_plugins() if ctx is not None else {}
        for key, title, icon_name, empty_title, empty_text, _n in TABS:
            if key in plugins:
                slot = QWidget()  # replaced by the tab when first shown
                slot.setAccessibleName(title)
                self._slots[key] = slot
                self.tabs.addTab(slot, theme.icon(icon_name), title)
            else:
                widget = self.placeholders[key] = EmptyState(icon_name, empty_title, empty_text)
                self.tab_widgets[key] = widget
                self.tabs.addTab(widget, theme.icon(icon_name), title)
        size_by_current_page(self.tabs)  # a wide tab does not widen the one shown
        self.tabs.currentChanged.connect(self._tab_shown)
        layout.addWidget(self.tabs, 1)
        self.clear_nir = ""
        self.nir_left = 0
        self.nir_timer = QTimer(self, interval=1000)
        self.nir_timer.timeout.connect(self._tick_nir)
        self.export_box: QMessageBox | None = None
        self.header.nir_button.clicked.connect(self.toggle_nir)
        self.header.export_button.clicked.connect(self.choose_export_folder)
        scope = Qt.ShortcutContext.WidgetWithChildrenShortcut
        QShortcut(QKeySequence("Ctrl+Shift+I"), self, self.toggle_nir, context=scope)
        QShortcut(QKeySequence("Ctrl+Shift+A"), self, self.choose_export_folder, context=scope)
        self.load()

    # --- NIR ------------------------------------------------------------------------------------------------

    def toggle_nir(self) -> None:
        """Show the NIR in full for 30 s (audited on the worker), or mask it again at once."""
        if self.nir_timer.isActive():
            self.hide_nir()
            return
        if not self.header.nir_button.isEnabled():
            return
        pid = self.person_id
        self.header.nir_button.setEnabled(False)

        def job(ctx: WorkerContext) -> str:
            return person_page.reveal_nir(ctx.db, pid)

        self.worker.submit(job, self._nir_revealed, self._nir_failed, writes=True, owner=self)

    def _nir_revealed(self, nir: str) -> None:
        self.header.nir_button.setEnabled(True)
        if not nir:
            self.header.show_masked_nir()
            return
        self.clear_nir, self.nir_left = nir, NIR_SECONDS
        self.header.show_clear_nir(nir, self.nir_left)
        self.nir_timer.start()

    def _nir_failed(self, exc: BaseException) -> None:
        self.header.nir_button.setEnabled(True)
        show_error(self, exc)

    def _tick_nir(self) -> None:
        self.nir_left -= 1
        if self.nir_left <= 0:
            self.hide_nir()
        else:
            self.header.show_clear_nir(self.clear_nir, self.nir_left)

    def hide_nir(self) -> None:
        self.nir_timer.stop()
        self.clear_nir, self.nir_left = "", 0
        self.header.show_masked_nir()

    # --- right of access ------------------------------------------------------------------------------------

    def choose_export_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(
            self, "Dossier où exporter les données de la personne (droit d'accès)", str(Path.home())
        )
        if folder:
            self.export_access(Path(folder))

    def export_access(self, folder: Path) -> None:
        """Write JSON, PDF and documents in ``folder`` on the worker; then offer to open the folder."""
        pid = self.person_id
        button = self.header.export_button
        button.setEnabled(False)
        button.setText("Export en cours…")

        def job(ctx: WorkerContext) -> tuple[Path, Path]:
            actor = identity.current_actor(ctx.db)
            return access_export.export_person(ctx.db, pid, folder, actor=actor)

        self.worker.submit(job, self._exported, self._export_failed, writes=True, owner=self)

    def _export_done(self) -> None:
        self.header.export_button.setEnabled(True)
        self.header.export_button.setText("Droit d'accès…")

    def _export_failed(self, exc: BaseException) -> None:
        self._export_done()
        show_error(self, exc)

    def _exported(self, paths: tuple[Path, Path]) -> None:
        self._export_done()
        json_path, pdf_path = paths
        box = QMessageBox(
            QMessageBox.Icon.Information,
            "Données exportées",
            f"Toutes les données de la personne ont été exportées dans « {pdf_path.parent} » :\n\n"
            f"• {pdf_path.name} (document lisible à remettre à la personne)\n"
            f"• {json_path.name} (même contenu, format JSON)\n"
            "• les documents du dossier, dans le sous-dossier « …-documents ».\n\n"
            "L'export est inscrit au journal des accès. Ces fichiers contiennent le NIR en clair : "
            "remettez-les à la personne de façon sûre puis supprimez-les de ce poste.",
            QMessageBox.StandardButton.Open | QMessageBox.StandardButton.Close,
            self,
        )
        box.button(QMessageBox.StandardButton.Open).setText("Ouvrir le dossier")
        box.button(QMessageBox.StandardButton.Close).setText("Fermer")
        box.setDefaultButton(QMessageBox.StandardButton.Open)
        folder = str(pdf_path.parent)

        def finished(result: int) -> None:
            if result == QMessageBox.StandardButton.Open:
                QDesktopServices.openUrl(QUrl.fromLocalFile(folder))

        box.finished.connect(finished)
        self.export_box = box
        box.open()

    def confirm_close(self) -> bool:
        """Ask each tab holding unsaved work (``confirm_close`` hook); False if the user keeps the file open."""
        for key, widget in self.tab_widgets.items():
            hook = getattr(widget, "confirm_close", None)
            if hook is not None and not hook():
                self.select_tab(key)
                return False
        return True

    def select_tab(self, key: str) -> None:
        widget = self.tab(key)
        if widget is not None:
            self.tabs.setCurrentWidget(widget)

    def tab(self, key: str) -> QWidget | None:
        """The tab of ``key``, built now if it was not shown yet (None: no such tab)."""
        if key in self.tab_widgets:
            return self.tab_widgets[key]
        slot = self._slots.pop(key, None)
        if slot is None or self.ctx is None:
            return None
        index = self.tabs.indexOf(slot)
        widget = tab_plugins()[key].create(self.ctx, self.person_id)
        self.tab_widgets[key] = widget
        current = self.tabs.currentIndex()
        self.tabs.blockSignals(True)  # the swap is not a change of tab for the listeners
        try:
            self.tabs.insertTab(index, widget, self.tabs.tabIcon(index), self.tabs.tabText(index))
            self.tabs.removeTab(index + 1)
            self.tabs.setCurrentIndex(current)
        finally:
            self.tabs.blockSignals(False)
        follow_in_tab_order(self.tabs.tabBar(), widget)  # Tab from the tab bar goes into it
        slot.deleteLater()
        return widget

    def _tab_shown(self, index: int) -> None:
        key = next((k for k, slot in self._slots.items() if self.tabs.indexOf(slot) == index), None)
        if key is not None:
            self.tab(key)

    def reload(self) -> None:
        """The file changed: reload the header and synthesis, and every tab that can reload."""
        self.load(record_view=False)
        for widget in self.tab_widgets.values():
            hook = getattr(widget, "reload", None)
            if hook is not None and widget is not self.synthesis:
                hook()

    def load(self, record_view: bool = True) -> None:
        pid = self.person_id

        def job(ctx: WorkerContext) -> PersonSummary:
            if record_view:
                person_page.record_view(ctx.db, pid)
            return person_page.person_summary(ctx.db, pid)

        self.worker.submit(job, self._loaded, self._failed, writes=True, owner=self)

    def _failed(self, exc: BaseException) -> None:
        self.header.name.setText("Dossier indisponible")
        self.header.sub.setText(user_message(exc))

    def _loaded(self, summary: PersonSummary) -> None:
        self.summary = summary
        self.header.show_header(summary.header)
        if self.nir_timer.isActive():  # a reload during the 30 s keeps the NIR shown until the end
            self.header.show_clear_nir(self.clear_nir, self.nir_left)
        self.synthesis.show_summary(summary)
        hook = getattr(self.synthesis.action_bar, "set_exited", None)
        if hook is not None:
            hook(summary.header.status == "exited")
        for key, _title, _icon, _et, _text, (one, many) in TABS:
            n = summary.counts.get(key, 0)
            if n and key in self.placeholders:
                self.placeholders[key].set_text(theme.plural(n, one, many), SOON_TEXT)
        if self.announce_opening:  # said once: the file is open (a reload says nothing)
            self.announce_opening = False
            announce(f"Dossier de {summary.header.display_name} ouvert", Level.INFO, source=self.header.name)
        self.title_ready.emit(self.person_id, summary.header.display_name)
