"""Indicateurs page on a real demo vault through the database worker (offscreen): the figures of ``compute``,
the people behind a figure, exports (CSV, XLSX, PDF preview), period navigation, charts, empty state."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QFileDialog, QTreeWidgetItem
from sqlalchemy import select

from app.models.tables.local import AuditEvent
from app.services.demo.build import populate_demo
from app.services.people import identity as people
from app.services.people.identity import PersonInput
from app.services.reporting import formatting, indicators
from app.ui.pages.indicators.page import NO_ACTIVITY
from tests.ui.kit import idle, shot

TODAY = date(2026, 11, 23)


@pytest.fixture
def demo(vault):
    populate_demo(vault, size=30, today=TODAY)
    return vault


def leaves(page) -> list[QTreeWidgetItem]:
    return [i for i in page._leaves() if i.childCount() == 0]


def make_page(qtbot, ctx, period: str = "2026-10"):
    from app.ui.pages.indicators.page import IndicatorsPage

    page = IndicatorsPage(ctx)
    qtbot.addWidget(page)
    page.resize(1280, 800)
    page.set_period(period)
    page.show()
    idle(qtbot, ctx)
    return page


def save_to(monkeypatch, path: Path) -> None:
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(path), "")))


def test_table_shows_the_figures_of_compute(qtbot, ctx, demo):
    page = make_page(qtbot, ctx)
    report = indicators.compute(demo.db, indicators.parse_period("2026-10"))
    assert page.period_label.text() == "octobre 2026" and page.stack.currentWidget() is page.body
    assert page.scope.text().startswith(f"Périmètre : {report.scope} · calculé à ")
    shown = {
        i.text(0): (i.text(1), i.text(2))
        for i in page._leaves()
        if i.data(0, Qt.ItemDataRole.UserRole + 2) is None
    }
    for f in report.figures:
        assert shown[f.label] == (formatting.format_value(f), formatting.ratio_text(f)), f.label
    sections = [page.tree.topLevelItem(i).text(0) for i in range(page.tree.topLevelItemCount())]
    assert sections == [name for name, _figs in formatting.sections(report.figures)]
    objet = report.breakdown("entretiens_objet")
    rows = [i for i in leaves(page) if i.data(0, Qt.ItemDataRole.UserRole + 1) == "entretiens_objet"]
    assert [(r.text(0), r.text(1)) for r in rows] == [
        (lab, formatting.fr_number(n)) for _c, lab, n in objet.rows
    ]
    charts = [chart for chart, _targets in page.chart_widgets]
    assert [c.title for c in charts] == ["Taux de la période"] + [b.label for b in report.breakdowns]
    rates = [f for f in report.figures if f.unit == "pourcentage"]
    assert [b.label for b in charts[0].bars] == [f.label for f in rates] and charts[0].maximum == 100
    assert charts[1].accessibleDescription().splitlines()[0] == f"{objet.rows[0][1]} : {objet.rows[0][2]}"
    shot(page, "indicateurs_page")


def test_drill_down_lists_the_people_and_exports_them(qtbot, ctx, demo, tmp_path, monkeypatch):
    page = make_page(qtbot, ctx)
    report = page.report
    figure = report.figure("file_active")
    item = next(i for i in leaves(page) if i.data(0, Qt.ItemDataRole.UserRole + 1) == "file_active")
    page.tree.setCurrentItem(item)
    qtbot.keyClick(page.tree, Qt.Key.Key_Return)
    dialog = page.dialog
    assert dialog is not None
    idle(qtbot, ctx)
    assert dialog.table.rowCount() == figure.value == len(dialog.lines) > 0
    assert dialog.count.text().startswith(f"{figure.value} personnes")
    shot(dialog, "indicateurs_personnes")
    dialog.table.itemActivated.emit(dialog.table.item(0, 1))
    assert ctx.opened == [(dialog.table.item(0, 0).data(Qt.ItemDataRole.UserRole + 1), None)]
    save_to(monkeypatch, tmp_path / "personnes.csv")
    dialog.csv_button.click()
    idle(qtbot, ctx)
    with (tmp_path / "personnes.csv").open(encoding="utf-8-sig", newline="") as fh:
        assert len(list(csv.reader(fh, delimiter=";"))) == figure.value + 1
    save_to(monkeypatch, tmp_path / "personnes")  # no extension typed: .xlsx added
    dialog.xlsx_button.click()
    idle(qtbot, ctx)
    assert load_workbook(tmp_path / "personnes.xlsx")["Personnes"].max_row == figure.value + 1
    assert "Exporté" in dialog.count.text()
    dialog.close()

    exits = report.breakdown("sorties_categorie")
    code, label, count = next(r for r in exits.rows if r[2])
    row = next(
        i for i in leaves(page)
        if i.data(0, Qt.ItemDataRole.UserRole + 1) == "sorties_categorie"
        and i.data(0, Qt.ItemDataRole.UserRole + 2) == code
    )  # fmt: skip
    page._activated(row)
    idle(qtbot, ctx)
    assert page.dialog.table.rowCount() == count and label in page.dialog.windowTitle()


def test_report_exports_and_pdf_preview(qtbot, ctx, demo, tmp_path, monkeypatch):
    page = make_page(qtbot, ctx)
    save_to(monkeypatch, tmp_path / "indicateurs.csv")
    qtbot.keyClick(
        page.tree, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    )
    idle(qtbot, ctx)
    with (tmp_path / "indicateurs.csv").open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter=";"))
    assert len(rows) == len(page.report.figures) + sum(len(b.rows) for b in page.report.breakdowns)
    save_to(monkeypatch, tmp_path / "indicateurs.xlsx")
    page.xlsx_button.click()
    idle(qtbot, ctx)
    assert load_workbook(tmp_path / "indicateurs.xlsx").sheetnames[0] == "Indicateurs"
    assert page.status.text() == f"Exporté : {tmp_path / 'indicateurs.xlsx'}"
    page.pdf_button.click()
    idle(qtbot, ctx)
    preview = page.preview
    assert preview is not None and "octobre 2026" in preview.windowTitle()
    assert preview.pdf.startswith(b"%PDF")
    qtbot.waitUntil(lambda: bool(preview.pages), timeout=15_000)
    idle(qtbot, ctx)
    shot(preview, "indicateurs_apercu_pdf")
    preview.write_to(str(tmp_path / "rapport.pdf"))
    idle(qtbot, ctx)
    assert (tmp_path / "rapport.pdf").read_bytes() == preview.pdf
    with demo.db.read() as s:
        audits = s.scalars(select(AuditEvent).where(AuditEvent.object_table == "indicators")).all()
    assert [a.action for a in audits] == ["export"] * 3  # CSV, XLSX, then the PDF saved from the preview
    assert all(a.person_id is None and "octobre 2026" in a.detail for a in audits)
    preview.close()


def test_period_navigation(qtbot, ctx, demo):
    page = make_page(qtbot, ctx)
    qtbot.keyClick(page.tree, Qt.Key.Key_Left, Qt.KeyboardModifier.AltModifier)
    idle(qtbot, ctx)
    assert page.period_label.text() == "septembre 2026" and page.report.period.code == "2026-09"
    page.kind_box.setCurrentIndex(page.kind_box.findData("quarter"))
    idle(qtbot, ctx)
    assert page.report.period.label == "3e trimestre 2026"
    page.step(1)
    idle(qtbot, ctx)
    assert page.report.period.code == "2026-T4"
    page.kind_box.setCurrentIndex(page.kind_box.findData("year"))
    idle(qtbot, ctx)
    assert page.period_label.text() == "année 2026"
    expected = indicators.compute(demo.db, indicators.parse_period("2026"))
    assert page.report.figure("file_active").value == expected.figure("file_active").value
    page.step(-1)
    page.cancel()  # the 2025 result arrives after the cancel: ignored, 2026 stays shown
    idle(qtbot, ctx)
    assert page.report.period.code == "2026" and page.period_label.text() == "année 2026"
    assert page.status.text() == "Calcul abandonné."
    page.set_period("2020-01")  # before the demo caseload existed
    idle(qtbot, ctx)
    assert page.hint.text() == NO_ACTIVITY and page.stack.currentWidget() is page.body


def test_charts_select_and_open_like_the_table(qtbot, ctx, demo):
    from app.ui.kit.charts import ROW_HEIGHT

    page = make_page(qtbot, ctx)
    chart, targets = next((c, t) for c, t in page.chart_widgets if c.title == "Entretiens par objet")
    assert [b.value for b in chart.bars] == [
        n for _c, _l, n in page.report.breakdown("entretiens_objet").rows if n
    ]
    row = len(chart.bars) - 1
    y = chart._title_height() + 2 + row * ROW_HEIGHT + ROW_HEIGHT // 2
    qtbot.mouseClick(chart, Qt.MouseButton.LeftButton, pos=QPoint(20, y))
    current = page.tree.currentItem()
    assert (current.data(0, Qt.ItemDataRole.UserRole + 1), current.data(0, Qt.ItemDataRole.UserRole + 2)) == (
        "entretiens_objet",
        targets[row][1],
    )
    assert current.parent().isExpanded() and chart.selected == row
    qtbot.mouseDClick(chart, Qt.MouseButton.LeftButton, pos=QPoint(20, y))
    idle(qtbot, ctx)
    assert page.dialog is not None and page.dialog.table.rowCount() == chart.bars[row].value
    page.tree.setCurrentItem(
        next(i for i in leaves(page) if i.data(0, Qt.ItemDataRole.UserRole + 1) == "file_active")
    )
    assert chart.selected == -1


def test_empty_caseload_shows_what_to_do(qtbot, ctx, vault):
    page = make_page(qtbot, ctx)
    assert page.stack.currentWidget() is page.empty
    assert "Imports" in page.empty.text.text()
    assert not page.csv_button.isEnabled() and not page.pdf_button.isEnabled()
    shot(page, "indicateurs_vide")


def test_page_in_the_main_window_follows_data_changes(qtbot, unlocked_window):
    from app.ui.pages.indicators.page import IndicatorsPage

    page = unlocked_window.show_page("indicateurs")
    assert isinstance(page, IndicatorsPage)
    qtbot.waitUntil(lambda: page.report is not None and unlocked_window.worker.pending == 0, timeout=15_000)
    assert page.stack.currentWidget() is page.body and page.tree.topLevelItemCount() > 0
    assert page.report.period == indicators.current_period("month", date.today()).previous()
    shot(unlocked_window, "indicateurs_fenetre")
    first = page.report
    unlocked_window.refresh_status()
    qtbot.waitUntil(lambda: unlocked_window.worker.pending == 0, timeout=15_000)
    assert page.report is first  # nothing changed: no recomputation

    def write(w):
        return people.create_person(
            w.db, PersonInput(last_name="Nouvelle", first_name="Inès", regime="legacy")
        )

    unlocked_window.worker.submit(write, lambda _pid: unlocked_window.data_changed(None), writes=True)
    qtbot.waitUntil(lambda: page.report is not first and unlocked_window.worker.pending == 0, timeout=15_000)


def test_drill_down_on_a_zero_says_so(qtbot, ctx, demo):
    page = make_page(qtbot, ctx, "2020-01")  # nothing happened then: every figure is 0 or undefined
    figure = page.report.figure("entres")
    assert figure.value == 0
    page.drill(figure.key, None, figure.label)
    idle(qtbot, ctx)
    dialog = page.dialog
    assert dialog.stack.currentWidget() is dialog.empty and dialog.table.rowCount() == 0
    assert not dialog.csv_button.isEnabled() and not dialog.xlsx_button.isEnabled()
    assert dialog.count.text() == "0 personne — janvier 2020"
