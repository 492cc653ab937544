"""Indicateurs page: the activity figures of a month, a quarter or a year for the référent's caseload.

Left, a dense table grouped by section (value, « n / d ») with each breakdown nested under its section;
right, charts (rates on a 0–100 % track, one bar chart per breakdown). Double-click or Enter on a figure or a
breakdown row lists the people behind it (:class:`app.ui.pages.indicators.dialogs.PeopleDialog`). « Exporter CSV »,
« Exporter Excel » and « Rapport PDF… » write the whole report (audited). Everything runs on the DB worker.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.services.errors import VaultLockedError
from app.services.people.identity import current_actor
from app.services.reporting import export, formatting, indicators
from app.ui.kit import theme
from app.ui.kit.charts import Bar, BarChart
from app.ui.kit.errors import show_error
from app.ui.kit.widgets import EmptyState, FlowRow, child_items, clear_layout, named, tool_row, top_items
from app.ui.kit.worker import WorkerContext
from app.ui.pages.indicators.dialogs import PeopleDialog, safe_file_name
from app.ui.pages.indicators.items import (
    CODE_ROLE,
    GROUP_ROLE,
    KEY_ROLE,
    TITLE_ROLE,
    breakdown_item,
    figure_item,
)
from app.ui.shell.plugins import UiContext

if TYPE_CHECKING:
    from app.models.indicators.period import Period
    from app.models.indicators.results import Breakdown, Report

KINDS = (("month", "Mois"), ("quarter", "Trimestre"), ("year", "Année"))
HEADERS = ("Indicateur", "Valeur", "Calcul (n / d)")
CANCELLED = "Calcul abandonné."
FAILED = "Le calcul a échoué."
HINT = (
    "Double-cliquez (ou Entrée) sur un chiffre marqué d'une icône ou sur une ligne de répartition pour voir les "
    "personnes concernées."
)
NO_ACTIVITY = (
    "Aucune activité enregistrée sur cette période pour ce périmètre : tous les chiffres sont à zéro. "
    "Choisissez une autre période (Alt+Gauche / Alt+Droite)."
)
EMPTY_CASELOAD = (
    "Aucune personne dans votre file active",
    "Les indicateurs portent sur les personnes que vous suivez. Importez le fichier de la CAF "
    "(page « Imports ») ou créez une personne depuis « Ma file active ».",
)


@dataclass(frozen=True)
class PageData:
    report: Report
    people: int  # people in the caseload (0: empty state)


class IndicatorsPage(QWidget):
    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.period: Period = indicators.current_period("month", date.today()).previous()
        self.report: Report | None = None
        self.loaded_once = False
        self.stale = True
        self._generation = 0
        self._last_status: object = None
        self._open_groups: set[str] = set()
        self.dialog: PeopleDialog | None = None
        self.preview: QWidget | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 10, 10, 6)
        layout.setSpacing(8)
        layout.addLayout(self._top_bar())
        layout.addLayout(self._period_bar())
        self.hint = QLabel(HINT, wordWrap=True)
        self.hint.setProperty("muted", True)
        layout.addWidget(self.hint)
        self.tree = self._make_tree()
        self.charts = named(QWidget(), "charts")
        self.charts.setStyleSheet(f"QWidget#charts {{ background: {theme.BASE}; }}")
        self.charts_layout = QVBoxLayout(self.charts)
        self.charts_layout.setContentsMargins(10, 4, 10, 4)
        self.charts_layout.setSpacing(14)
        scroller = QScrollArea()
        scroller.setWidgetResizable(True)
        scroller.setWidget(self.charts)
        scroller.setAccessibleName("Graphiques")
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.tree)
        splitter.addWidget(scroller)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setSizes([600, 400])
        self.empty = EmptyState("fa6s.chart-column", *EMPTY_CASELOAD)
        self.stack = QStackedWidget()
        self.stack.addWidget(splitter)
        self.stack.addWidget(self.empty)
        self.body = splitter
        layout.addWidget(self.stack, 1)
        self._shortcuts()
        self._set_actions(False)

    # --- construction -------------------------------------------------------------------------------------

    def _top_bar(self) -> FlowRow:
        self.scope = named(QLabel(), "muted")
        self.csv_button = QPushButton(theme.icon("fa6s.file-csv"), "Exporter CSV")
        self.csv_button.setToolTip("Exporter tous les indicateurs de la période en CSV (Ctrl+Maj+E)")
        self.xlsx_button = QPushButton(theme.icon("fa6s.file-excel"), "Exporter Excel")
        self.xlsx_button.setToolTip("Exporter tous les indicateurs de la période en classeur Excel (Ctrl+E)")
        self.pdf_button = QPushButton(theme.icon("fa6s.file-pdf", "#ffffff"), "Rapport PDF…")
        self.pdf_button.setProperty("primary", True)
        self.pdf_button.setToolTip("Aperçu du rapport d'activité, à imprimer ou enregistrer (Ctrl+P)")
        self.csv_button.clicked.connect(lambda: self.export_file(".csv"))
        self.xlsx_button.clicked.connect(lambda: self.export_file(".xlsx"))
        self.pdf_button.clicked.connect(self.open_pdf)
        buttons = [self.csv_button, self.xlsx_button, self.pdf_button]
        return tool_row([named(QLabel("Indicateurs"), "title"), self.scope], buttons)

    def _period_bar(self) -> QHBoxLayout:
        bar = QHBoxLayout()
        bar.addWidget(QLabel("Période :"))
        self.kind_box = QComboBox()
        for code, label in KINDS:
            self.kind_box.addItem(label, code)
        self.kind_box.setAccessibleName("Type de période")
        self.kind_box.currentIndexChanged.connect(lambda _i: self.set_kind(self.kind_box.currentData()))
        bar.addWidget(self.kind_box)
        self.prev_button = QPushButton(theme.icon("fa6s.chevron-left"), "")
        self.prev_button.setToolTip("Période précédente (Alt+Gauche)")
        self.prev_button.setAccessibleName("Période précédente")
        self.prev_button.clicked.connect(lambda: self.step(-1))
        self.period_label = named(QLabel(alignment=Qt.AlignmentFlag.AlignCenter), "h2")
        self.period_label.setMinimumWidth(170)
        self.next_button = QPushButton(theme.icon("fa6s.chevron-right"), "")
        self.next_button.setToolTip("Période suivante (Alt+Droite)")
        self.next_button.setAccessibleName("Période suivante")
        self.next_button.clicked.connect(lambda: self.step(1))
        for w in (self.prev_button, self.period_label, self.next_button):
            bar.addWidget(w)
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)
        self.busy.setFixedWidth(140)
        self.busy.setFormat("Calcul…")
        self.busy.setAccessibleName("Calcul en cours")
        self.cancel_button = QPushButton("Annuler")
        self.cancel_button.setToolTip("Abandonner ce calcul et garder les chiffres affichés")
        self.cancel_button.clicked.connect(self.cancel)
        self.status = named(QLabel(), "muted")
        bar.addSpacing(12)
        for busy in (self.busy, self.cancel_button, self.status):
            bar.addWidget(busy)
        self.busy.hide()
        self.cancel_button.hide()
        bar.addStretch(1)
        return bar

    def _make_tree(self) -> QTreeWidget:
        tree = QTreeWidget()
        tree.setHeaderLabels(list(HEADERS))
        tree.setAccessibleName("Indicateurs par rubrique")
        tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        tree.setAlternatingRowColors(True)
        tree.setUniformRowHeights(False)  # section rows have no icon: their height must not set the others
        tree.setExpandsOnDoubleClick(False)
        tree.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        tree.header().setStretchLastSection(False)
        tree.setColumnWidth(1, 110)
        tree.setColumnWidth(2, 120)
        tree.itemActivated.connect(self._activated)
        tree.currentItemChanged.connect(self._current_changed)
        return tree

    def _shortcuts(self) -> None:
        scope = Qt.ShortcutContext.WidgetWithChildrenShortcut
        QShortcut(QKeySequence("Alt+Left"), self, lambda: self.step(-1), context=scope)
        QShortcut(QKeySequence("Alt+Right"), self, lambda: self.step(1), context=scope)
        QShortcut(QKeySequence(QKeySequence.StandardKey.Refresh), self, self.reload, context=scope)
        QShortcut(QKeySequence("Ctrl+E"), self, lambda: self.export_file(".xlsx"), context=scope)
        QShortcut(QKeySequence("Ctrl+Shift+E"), self, lambda: self.export_file(".csv"), context=scope)
        QShortcut(QKeySequence("Ctrl+P"), self, self.open_pdf, context=scope)

    # --- period -------------------------------------------------------------------------------------------

    def set_kind(self, kind: str) -> None:
        if kind == self.period.kind:
            return
        self.period = indicators.current_period(kind, self.period.start)
        self.reload()

    def step(self, direction: int) -> None:
        p = self.period
        self.period = p.previous() if direction < 0 else indicators.current_period(p.kind, p.end)
        self.reload()

    def set_period(self, code: str) -> None:
        """Show the period ``code`` (2026-10, 2026-T4, 2026), as the CLI reads it."""
        self.period = indicators.parse_period(code)
        self._sync_kind_box()
        self.reload()

    def _sync_kind_box(self) -> None:
        self.kind_box.blockSignals(True)
        self.kind_box.setCurrentIndex(max(0, self.kind_box.findData(self.period.kind)))
        self.kind_box.blockSignals(False)

    # --- loading ------------------------------------------------------------------------------------------

    def reload(self) -> None:
        period = self.period
        self.period_label.setText(period.label)
        self._generation += 1
        generation = self._generation
        self.stale = False

        def job(w: WorkerContext) -> PageData:
            people = w.index.count(include_exited=True)
            return PageData(indicators.compute(w.db, period), people)

        self._busy(True)
        self.ctx.worker.submit(
            job,
            lambda data: self._show(data) if generation == self._generation else None,
            lambda exc: self._failed(exc) if generation == self._generation else None,
            owner=self,
        )

    def cancel(self) -> None:
        """Forget the running computation: its result will be ignored; the figures shown stay."""
        self._generation += 1
        self._busy(False)
        self.status.setText(CANCELLED)
        if self.report is not None:
            self.period = self.report.period
            self.period_label.setText(self.period.label)
            self._sync_kind_box()

    def _busy(self, on: bool) -> None:
        self.busy.setVisible(on)
        self.cancel_button.setVisible(on)

    def _failed(self, exc: BaseException) -> None:
        self._busy(False)
        if not isinstance(exc, VaultLockedError):
            self.status.setText(FAILED)
            show_error(self, exc)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self.stale or not self.loaded_once:
            self.reload()

    def update_status(self, info: object, lock_minutes: int) -> None:
        """Called after every write and status refresh: recompute when the data changed."""
        if info == self._last_status:
            return
        self._last_status = info
        if self.isVisible() and self.loaded_once:
            self.reload()
        else:
            self.stale = True

    # --- display ------------------------------------------------------------------------------------------

    def _show(self, data: PageData) -> None:
        self._busy(False)
        self.loaded_once = True
        self.report = report = data.report
        if self.status.text() in (CANCELLED, FAILED):
            self.status.setText("")  # an export message stays
        self.period = report.period
        self.period_label.setText(report.period.label)
        self._sync_kind_box()
        self.scope.setText(f"Périmètre : {report.scope} · calculé à {report.generated_at:%H:%M}")
        self.hint.setVisible(data.people > 0)
        if data.people == 0:
            self.stack.setCurrentWidget(self.empty)
            self._set_actions(False)
            return
        self.stack.setCurrentWidget(self.body)
        quiet = not any(f.value for f in report.figures) and not any(b.total for b in report.breakdowns)
        self.hint.setText(NO_ACTIVITY if quiet else HINT)
        self._fill_tree(report)
        self._fill_charts(report)
        self._set_actions(True)

    def _set_actions(self, enabled: bool) -> None:
        for button in (self.csv_button, self.xlsx_button, self.pdf_button):
            button.setEnabled(enabled)

    def _fill_tree(self, report: Report) -> None:
        current = self.tree.currentItem()
        keep = (current.data(0, KEY_ROLE), current.data(0, CODE_ROLE)) if current is not None else None
        self._open_groups = {
            i.data(0, GROUP_ROLE) for i in self._leaves() if i.data(0, GROUP_ROLE) and i.isExpanded()
        }
        self.tree.clear()
        bold = QFont(self.tree.font())
        bold.setBold(True)
        by_section: dict[str, list[Breakdown]] = {}
        for b in report.breakdowns:
            by_section.setdefault(b.section, []).append(b)
        groups = formatting.sections(report.figures)
        names = [name for name, _figs in groups]
        groups += [(name, []) for name in by_section if name not in names]
        restore: QTreeWidgetItem | None = None
        for name, figures in groups:
            section = QTreeWidgetItem([name])
            section.setFont(0, bold)
            section.setFirstColumnSpanned(True)
            self.tree.addTopLevelItem(section)
            for f in figures:
                item = figure_item(f)
                section.addChild(item)
                restore = item if keep == (f.key, None) else restore
            for b in by_section.get(name, []):
                group = breakdown_item(b, bold)
                section.addChild(group)
                group.setExpanded(b.key in self._open_groups)
                for child in child_items(group):
                    if keep == (b.key, child.data(0, CODE_ROLE)):
                        restore = child
            section.setExpanded(True)
        if restore is not None and (parent := restore.parent()) is not None:
            parent.setExpanded(True)
        first = restore or self._first_leaf()
        if first is not None:
            self.tree.setCurrentItem(first)

    def _first_leaf(self) -> QTreeWidgetItem | None:
        top = self.tree.topLevelItem(0)
        return top.child(0) if top is not None and top.childCount() else top

    def _fill_charts(self, report: Report) -> None:
        clear_layout(self.charts_layout)
        self.chart_widgets: list[tuple[BarChart, list[tuple[str, str | None, str]]]] = []
        rates = [f for f in report.figures if f.unit == "pourcentage"]
        if rates:
            chart = BarChart("Taux de la période")
            bars: list[Bar] = []
            targets: list[tuple[str, str | None, str]] = []
            for f in rates:
                ratio = formatting.ratio_text(f)
                text = formatting.format_value(f) + (f" ({ratio})" if ratio else "")
                bars.append(Bar(f.label, float(f.value or 0), text, f"{f.label} : {text}"))
                targets.append((f.key, None, f.label) if f.drillable else ("", None, f.label))
            chart.set_bars(bars, maximum=100.0, label_above=True)
            self._add_chart(chart, targets)
        for b in report.breakdowns:  # rows at 0 stay in the table, not in the chart
            chart = BarChart(b.label)
            shown = [(str(code), str(label), count) for code, label, count in b.rows if count]
            bars = [Bar(label, float(count), formatting.fr_number(count)) for _code, label, count in shown]
            chart.set_bars(bars)
            self._add_chart(chart, [(b.key, code, f"{b.label} : {label}") for code, label, _n in shown])
        side = [chart for chart, _t in self.chart_widgets if not chart.label_above]
        width = max((chart.natural_label_width() for chart in side), default=0)
        for chart in side:
            chart.shared_label_width = width
        self.charts_layout.addStretch(1)

    def _add_chart(self, chart: BarChart, targets: list[tuple[str, str | None, str]]) -> None:
        self.chart_widgets.append((chart, targets))
        chart.row_clicked.connect(lambda row, t=targets: self._select(*t[row][:2]))
        chart.row_activated.connect(lambda row, t=targets: self.drill(*t[row]) if t[row][0] else None)
        self.charts_layout.addWidget(chart)

    def _select(self, key: str, code: str | None) -> None:
        for item in self._leaves():
            if item.data(0, KEY_ROLE) == key and item.data(0, CODE_ROLE) == code:
                if (parent := item.parent()) is not None:
                    parent.setExpanded(True)
                self.tree.setCurrentItem(item)
                return

    def _leaves(self) -> list[QTreeWidgetItem]:
        out: list[QTreeWidgetItem] = []
        stack = top_items(self.tree)
        while stack:
            item = stack.pop(0)
            out.append(item)
            stack[0:0] = child_items(item)
        return out

    def _current_changed(self, item: QTreeWidgetItem | None, _previous: object = None) -> None:
        key = item.data(0, KEY_ROLE) if item is not None else None
        code = item.data(0, CODE_ROLE) if item is not None else None
        for chart, targets in getattr(self, "chart_widgets", []):
            rows = [n for n, t in enumerate(targets) if key and t[0] == key and t[1] == code]
            chart.select(rows[0] if rows else -1)

    # --- actions ------------------------------------------------------------------------------------------

    def _activated(self, item: QTreeWidgetItem, _column: int = 0) -> None:
        key = item.data(0, KEY_ROLE)
        if key:
            self.drill(key, item.data(0, CODE_ROLE), item.data(0, TITLE_ROLE))
        else:
            item.setExpanded(not item.isExpanded())

    def drill(self, key: str, code: str | None, title: str) -> None:
        if self.report is None:
            return
        self.dialog = PeopleDialog(self.ctx, self.report.period, key, title, code=code, parent=self)
        self.dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.dialog.setModal(False)  # opening a file from the list must leave the window usable
        self.dialog.show()

    def export_file(self, ext: str) -> None:
        if self.report is None or not self.csv_button.isEnabled():
            return
        kind = "CSV (*.csv)" if ext == ".csv" else "Classeur Excel (*.xlsx)"
        name = f"indicateurs-{safe_file_name(self.report.period.label)}{ext}"
        path, _ = QFileDialog.getSaveFileName(self, "Exporter les indicateurs", name, kind)
        if path:
            self.write(Path(path if path.lower().endswith(ext) else path + ext))

    def write(self, path: Path) -> None:
        """Write the report shown to ``path`` (.csv, .xlsx or .pdf) on the worker, audited."""
        report = self.report
        if report is None:
            return
        self.status.setText(f"Export en cours : {path.name}…")

        def job(w: WorkerContext) -> int:
            return export.export_report(w.db, report, path, actor=current_actor(w.db))

        def done(_count: int) -> None:
            self.status.setText(f"Exporté : {path}")

        self.ctx.worker.submit(job, done, lambda exc: show_error(self, exc), writes=True, owner=self)

    def open_pdf(self) -> None:
        report = self.report
        if report is None or not self.pdf_button.isEnabled():
            return
        self.status.setText("Préparation du rapport PDF…")

        def job(w: WorkerContext) -> bytes:
            return export.report_pdf(w.db, report)

        self.ctx.worker.submit(job, self._show_pdf, lambda exc: show_error(self, exc), owner=self)

    def _show_pdf(self, data: bytes) -> None:
        from app.services.reporting.layout import report_title
        from app.ui.kit.preview import PdfPreviewDialog

        report = self.report
        if report is None:
            return
        self.status.setText("")
        name = f"rapport-activite-{safe_file_name(report.period.label)}.pdf"

        def audit(action: str) -> None:
            def job(w: WorkerContext) -> None:
                export.record_report_output(w.db, report, actor=current_actor(w.db), action=action, fmt="PDF")

            self.ctx.worker.submit(job, None, lambda exc: show_error(self, exc), writes=True, owner=self)

        preview = PdfPreviewDialog(
            self.ctx.worker, data, report_title(report), name, parent=self, on_output=audit
        )
        self.preview = preview
        preview.open()


def create_page(ctx: UiContext) -> IndicatorsPage:
    return IndicatorsPage(ctx)
