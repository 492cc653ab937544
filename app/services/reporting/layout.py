"""The activity report as PDF (« Rapport mensuel d'activité — octobre 2026 »): figures by section, charts.

Aggregates only: no name, no identifier. Same machinery as the other documents (:mod:`app.services.printing.base`:
DejaVu embedded, running header with the department, « Page N / M »). Charts are drawn with
``reportlab.graphics`` shapes: horizontal bars with their count written at the end (never colour alone), and
one gauge per rate (a 0–100 % track with the value and « n / d » written next to it).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import TYPE_CHECKING

from reportlab.graphics.shapes import Drawing, Line, Rect, String
from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable, KeepTogether, Spacer, Table

from app.models.french import fr_date, fr_time
from app.services.printing import base, pages
from app.services.printing.base import CONTENT_WIDTH, FONT, FONT_BOLD, esc, markup, para
from app.services.reporting.formatting import format_value, fr_number, ratio_text, sections

if TYPE_CHECKING:
    from app.models.indicators.results import Breakdown, Figure, Report

BAR = colors.HexColor("#2F5D8A")
TRACK = colors.HexColor("#E3E7EC")
TEXT = colors.HexColor("#1A1A1A")
MUTED = colors.HexColor("#555555")
KIND_TITLES = {"month": "mensuel", "quarter": "trimestriel", "year": "annuel"}
MAX_BARS = 12
_ROW = 5.2 * mm
_MIN_LABEL = 45 * mm
_MAX_LABEL = 96 * mm
_VALUE_WIDTH = 30 * mm


def report_title(report: Report) -> str:
    """« Rapport mensuel d'activité — octobre 2026 », « … trimestriel … — 4e trimestre 2026 », « … annuel … — 2026 »."""
    period = report.period
    adjective = KIND_TITLES.get(period.kind, "")
    head = f"Rapport {adjective} d'activité" if adjective else "Rapport d'activité"
    return f"{head} — {period.start.year if period.kind == 'year' else period.label}"


def _drawing(width: float, height: float) -> Drawing:
    """A drawing whose initial font is DejaVu (reportlab would otherwise select a non-embedded Helvetica)."""
    drawing = Drawing(width, height)
    drawing.initialFontName = FONT
    drawing.initialFontSize = 8
    return drawing


def _label_width(labels: Sequence[str]) -> float:
    """Room for the longest label (8 pt), between 45 and 96 mm."""
    widest = max((stringWidth(text, FONT, 8) for text in labels), default=0.0)
    return min(max(widest + 4 * mm, _MIN_LABEL), _MAX_LABEL)


def _fit(text: str, width: float, font: str = FONT, size: float = 8) -> str:
    """``text`` cut with « … » to fit ``width`` points."""
    if stringWidth(text, font, size) <= width:
        return text
    while text and stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text.rstrip() + "…"


# ---------------------------------------------------------------------------------------------- charts


def bar_chart(
    rows: Sequence[tuple[str, int]], width: float = CONTENT_WIDTH, label_width: float | None = None
) -> Drawing:
    """Horizontal bars, one per (label, count), largest scale = largest count; counts written at bar ends."""
    shown = list(rows[:MAX_BARS])
    rest = sum(count for _label, count in rows[MAX_BARS:])
    if rest:
        shown.append((f"Autres ({len(rows) - MAX_BARS})", rest))
    height = _ROW * len(shown) + 2
    drawing = _drawing(width, height)
    top = max((count for _label, count in shown), default=0) or 1
    label_w = label_width or _label_width([label for label, _count in shown])
    track = width - label_w - 14 * mm
    for n, (label, count) in enumerate(shown):
        y = height - (n + 1) * _ROW + 1.2 * mm
        drawing.add(String(0, y + 0.6 * mm, _fit(label, label_w - 3 * mm), fontName=FONT,
                           fontSize=8, fillColor=TEXT))  # fmt: skip
        length = track * count / top
        if count:
            drawing.add(Rect(label_w, y, max(length, 0.8), _ROW - 2 * mm, fillColor=BAR,
                             strokeColor=None))  # fmt: skip
        drawing.add(String(label_w + length + 1.5 * mm, y + 0.6 * mm, fr_number(count),
                           fontName=FONT_BOLD, fontSize=8, fillColor=TEXT))  # fmt: skip
    drawing.add(Line(label_w, 0, label_w, height, strokeColor=MUTED, strokeWidth=0.4))
    return drawing


def rate_gauges(
    figures: Sequence[Figure], width: float = CONTENT_WIDTH, label_width: float | None = None
) -> Drawing:
    """One 0–100 % track per rate, filled to the value, with « 42,5 % (12 / 30) » written on the right."""
    height = _ROW * len(figures) + 5 * mm
    drawing = _drawing(width, height)
    label_w = label_width or _label_width([f.label for f in figures])
    track = width - label_w - _VALUE_WIDTH - 4 * mm
    for n, f in enumerate(figures):
        y = height - (n + 1) * _ROW + 1.2 * mm
        drawing.add(String(0, y + 0.6 * mm, _fit(f.label, label_w - 3 * mm), fontName=FONT,
                           fontSize=8, fillColor=TEXT))  # fmt: skip
        drawing.add(Rect(label_w, y, track, _ROW - 2 * mm, fillColor=TRACK, strokeColor=None))
        if f.value is not None:
            share = min(max(float(f.value), 0.0), 100.0) / 100.0
            if share:
                drawing.add(Rect(label_w, y, track * share, _ROW - 2 * mm, fillColor=BAR,
                                 strokeColor=None))  # fmt: skip
        ratio = ratio_text(f)
        text = format_value(f) + (f"  ({ratio})" if ratio else "")
        drawing.add(String(label_w + track + 2 * mm, y + 0.6 * mm, text, fontName=FONT_BOLD,
                           fontSize=8, fillColor=TEXT))  # fmt: skip
    for share, label in ((0.0, "0 %"), (0.5, "50 %"), (1.0, "100 %")):
        x = label_w + track * share
        drawing.add(
            Line(x, 3.5 * mm, x, height, strokeColor=MUTED, strokeWidth=0.3, strokeDashArray=[1, 1.5])
        )
        drawing.add(String(x, 0.6 * mm, label, fontName=FONT, fontSize=6.5, fillColor=MUTED,
                           textAnchor="middle"))  # fmt: skip
    return drawing


# ---------------------------------------------------------------------------------------------- story


def _figures_table(figures: Sequence[Figure]) -> Table:
    header = [para(t, "CellBold") for t in ("Indicateur", "Valeur", "Calcul (n / d)")]
    rows: list[list[Flowable]] = [header]
    for f in figures:
        label = esc(f.label) + (f"<br/><font size='7' color='#555555'>{esc(f.note)}</font>" if f.note else "")
        rows.append(
            [markup(label, "Cell"), para(format_value(f), "CellRight"), para(ratio_text(f), "CellRight")]
        )
    table = Table(rows, colWidths=(CONTENT_WIDTH - 58 * mm, 28 * mm, 30 * mm), repeatRows=1, hAlign="LEFT")
    table.setStyle(base.grid_style())
    return table


def _breakdown_block(b: Breakdown, label_width: float, lead: Sequence[Flowable] = ()) -> list[Flowable]:
    title = para(f"{b.label}", "Subsection")
    shown = [(str(label), int(count)) for _code, label, count in b.rows if count]
    if not shown:
        return [
            KeepTogether([*lead, title, para("Aucune donnée sur la période.", "Small")]),
            Spacer(1, 2 * mm),
        ]
    zero = len(b.rows) - len(shown)
    rest = f" ; {zero} autre{'s' if zero > 1 else ''} modalité{'s' if zero > 1 else ''} à 0" if zero else ""
    note = para(f"Total : {fr_number(b.total)} — rubrique « {b.section} »{rest}.", "Small")
    chart = bar_chart(shown, label_width=label_width)
    return [KeepTogether([*lead, title, chart, note]), Spacer(1, 3 * mm)]


def _story(report: Report) -> list[Flowable]:
    period = report.period
    last_day = period.last_day
    story: list[Flowable] = [
        para(report_title(report), "Title"),
        para(
            f"Du {fr_date(period.start)} au {fr_date(last_day)} — périmètre : {report.scope}",
            "Subtitle",
        ),
        para(
            f"Calculé le {fr_date(report.generated_at)} à {fr_time(report.generated_at)}, "
            "à partir des données présentes dans le dossier à cette date.",
            "Subtitle",
        ),
        Spacer(1, 4 * mm),
    ]
    if not report.figures and not report.breakdowns:
        story.append(para("Aucun indicateur n'a pu être calculé sur cette période.", "Body"))
        return story
    for name, figures in sections(report.figures):
        heading = para(name, "Section")
        table = _figures_table(figures)
        story += [base.KeepStart([heading, base.section_rule(), table], 40 * mm), heading,
                  base.section_rule(), table]  # fmt: skip
    rates = [f for f in report.figures if f.unit == "pourcentage"]
    lead: list[Flowable] = [para("Graphiques", "Heading")] if rates or report.breakdowns else []
    labels = [str(label) for b in report.breakdowns for _code, label, count in b.rows if count]
    label_width = _label_width(labels + [f.label for f in rates])  # every chart's bars start at one x
    if rates:
        gauges = rate_gauges(rates, label_width=label_width)
        story.append(
            KeepTogether([*lead, para("Taux de la période", "Subsection"), gauges, Spacer(1, 3 * mm)])
        )
        lead = []
    for b in report.breakdowns:
        story += _breakdown_block(b, label_width, lead)
        lead = []
    story += [
        Spacer(1, 4 * mm),
        para(
            "Document agrégé : il ne contient aucune donnée nominative. La liste des personnes derrière chaque "
            "chiffre se consulte et s'exporte depuis la page « Indicateurs » de Fil rouge.",
            "Small",
        ),
    ]
    return story


def render_report(report: Report, *, department: str = "") -> bytes:
    """The report as PDF bytes (A4, DejaVu embedded, running header, « Page N / M »)."""
    title = report_title(report)
    decor = pages.PageDecor(
        department=department,
        title=title,
        reference=f"Périmètre : {report.scope}",
        footer_note=f"Calculé le {report.generated_at:%d/%m/%Y}",
    )
    buffer = io.BytesIO()
    doc = pages.make_document(buffer, decor, title=title, author=department or "Fil rouge",
                             subject="Indicateurs d'activité")  # fmt: skip
    pages.build(doc, _story(report))
    return buffer.getvalue()
