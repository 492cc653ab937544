"""The rows of the indicators table: a figure, a breakdown and its rows, with the roles the page reads back
(which figure or breakdown row an item is, for the people behind it and the charts' selection)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QTreeWidgetItem

from app.models.indicators.results import Breakdown, Figure
from app.services.reporting import formatting
from app.ui.kit import theme

KEY_ROLE = Qt.ItemDataRole.UserRole + 1
CODE_ROLE = Qt.ItemDataRole.UserRole + 2
TITLE_ROLE = Qt.ItemDataRole.UserRole + 3
GROUP_ROLE = Qt.ItemDataRole.UserRole + 4


def figure_item(f: Figure) -> QTreeWidgetItem:
    """A figure's row: label, value, « n / d »; drillable ones carry their key (Entrée lists the people)."""
    item = QTreeWidgetItem([f.label, formatting.format_value(f), formatting.ratio_text(f)])
    item.setTextAlignment(1, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    item.setTextAlignment(2, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    tip = f.label + (f"\n{f.note}" if f.note else "")
    if f.drillable:
        item.setData(0, KEY_ROLE, f.key)
        item.setData(0, TITLE_ROLE, f.label)
        item.setIcon(0, theme.icon("fa6s.users"))
        tip += "\n\nDouble-cliquez (ou Entrée) pour voir les personnes concernées."
    item.setToolTip(0, tip)
    return item


def breakdown_item(b: Breakdown, bold: QFont) -> QTreeWidgetItem:
    """A breakdown's group row (its total) with one child per row (count and share), each drillable."""
    total = b.total
    group = QTreeWidgetItem([b.label, formatting.fr_number(total), ""])
    group.setFont(0, bold)
    group.setIcon(0, theme.icon("fa6s.chart-bar"))
    group.setTextAlignment(1, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    group.setData(0, GROUP_ROLE, b.key)
    group.setToolTip(0, f"{b.label} : {theme.plural(len(b.rows), 'ligne', 'lignes')} (Entrée pour déplier)")
    for code, label, count in b.rows:
        share = f"{formatting.fr_number(100 * count / total)}\u00a0%" if total else ""
        child = QTreeWidgetItem([str(label), formatting.fr_number(count), share])
        child.setTextAlignment(1, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        child.setTextAlignment(2, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        child.setData(0, KEY_ROLE, b.key)
        child.setData(0, CODE_ROLE, str(code))
        child.setData(0, TITLE_ROLE, f"{b.label} : {label}")
        child.setToolTip(0, f"{b.label} : {label}\n\nDouble-cliquez (ou Entrée) pour voir les personnes.")
        group.addChild(child)
    if not b.rows:
        group.addChild(QTreeWidgetItem(["Aucune donnée sur la période.", "", ""]))
    return group
