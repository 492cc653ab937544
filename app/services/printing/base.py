"""Shared PDF machinery: DejaVu fonts, French formatting, styles, page template with header and footer.

Every style uses the embedded DejaVu Sans family (reportlab's built-in Helvetica has no glyphs beyond
Latin-1 and is not embedded). Pages carry a running header (department, document title) and a footer
(reference, « Page N / M ») drawn in a second pass by :class:`NumberedCanvas`.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Any

from reportlab import rl_config
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, StyleSheet1
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas as rl_canvas
from reportlab.platypus import BaseDocTemplate, Frame, PageTemplate
from reportlab.platypus import Paragraph as _RlParagraph
from reportlab.platypus.flowables import CondPageBreak, Flowable, HRFlowable, KeepTogether
from reportlab.platypus.tables import TableStyle

from app.models.french import MONTHS_FR, WEEKDAYS_FR
from app.models.resources import resource_path

FONT = "DejaVuSans"
FONT_BOLD = "DejaVuSans-Bold"
FONT_ITALIC = "DejaVuSans-Oblique"
FONT_BOLD_ITALIC = "DejaVuSans-BoldOblique"
_FONT_FILES = {
    FONT: "DejaVuSans.ttf",
    FONT_BOLD: "DejaVuSans-Bold.ttf",
    FONT_ITALIC: "DejaVuSans-Oblique.ttf",
    FONT_BOLD_ITALIC: "DejaVuSans-BoldOblique.ttf",
}

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN_LEFT = 20 * mm
MARGIN_RIGHT = 20 * mm
MARGIN_TOP = 24 * mm
MARGIN_BOTTOM = 20 * mm
CONTENT_WIDTH = PAGE_WIDTH - MARGIN_LEFT - MARGIN_RIGHT

# Window envelope (DL / C5-C6, window on the right): recipient block 110 mm from the left edge,
# 45 to 90 mm from the top of the sheet.
ADDRESS_X = 110 * mm
ADDRESS_TOP = 45 * mm
ADDRESS_BOTTOM = 90 * mm
ADDRESS_WIDTH = PAGE_WIDTH - ADDRESS_X - 15 * mm

INK = colors.HexColor("#1A1A1A")
MUTED = colors.HexColor("#555555")
RULE = colors.HexColor("#8C8C8C")
GRID = colors.HexColor("#A6A6A6")
SHADE = colors.HexColor("#EDEFF2")

_MONTHS, _WEEKDAYS = MONTHS_FR, WEEKDAYS_FR


class PdfResourceError(RuntimeError):
    """A resource shipped with the application (font, text file) is missing or unreadable."""


#: Parsed paragraph markup by (text, style id, case sensitivity); cleared when full.
_PARSED: dict[tuple[str, int, int], tuple[Any, str, Any, list[Any], Any]] = {}
_PARSED_MAX = 4096


class Paragraph(_RlParagraph):
    """A reportlab Paragraph whose ``wrap`` is remembered for the last available width.

    Tables, ``KeepTogether`` and the frame wrap the same paragraph several times at the same width (about
    2.6 times per paragraph in a contract); line breaking is the costliest step of a render, and its result
    only depends on the width, the text and the style, all fixed. The output is byte-for-byte the same.
    """

    _memo: tuple[float, float, float, Any, Any] | None = None

    def _setup(self, text: Any, style: Any, bulletText: Any, frags: Any, cleaner: Any) -> None:
        """Parse the markup once per (text, style) in the process: the legal wording is the same in every
        contract. Each paragraph gets its own copies of the parsed fragments."""
        if frags is not None or not isinstance(text, str):
            super()._setup(text, style, bulletText, frags, cleaner)
            return
        key = (text, id(style), self.caseSensitive)
        hit = _PARSED.get(key)
        if hit is None or hit[0] is not style:
            super()._setup(text, style, bulletText, None, cleaner)
            parsed_bullet = self.bulletText if self.bulletText is not bulletText else None
            if len(_PARSED) >= _PARSED_MAX:
                _PARSED.clear()
            _PARSED[key] = (style, self.text, self.style, self.frags, parsed_bullet)
            return
        _, clean_text, parsed_style, parsed_frags, parsed_bullet = hit
        super()._setup(clean_text, parsed_style, parsed_bullet or bulletText, [f.clone() for f in parsed_frags],
                       cleaner)  # fmt: skip

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        memo = self._memo
        if memo is not None and memo[0] == availWidth:
            _, self.width, self.height, self.blPara, self._wrapWidths = memo
            return self.width, self.height
        width, height = super().wrap(availWidth, availHeight)
        if getattr(self, "blPara", None) is not None:
            self._memo = (availWidth, self.width, self.height, self.blPara, self._wrapWidths)
        return width, height


# Streams are compressed but not ASCII85-armoured: 20 % smaller files and ~7 % less time per document (the
# armour only helps 7-bit transports, not files). Process-wide, like every reportlab setting.
rl_config.useA85 = 0

_font_lock = threading.Lock()
_fonts_done = False


def register_fonts() -> None:
    """Register the DejaVu Sans family once per process (idempotent, thread-safe)."""
    global _fonts_done
    if _fonts_done:
        return
    with _font_lock:
        if _fonts_done:
            return
        font_dir = resource_path("fonts")
        for name, filename in _FONT_FILES.items():
            path = font_dir / filename
            if not path.is_file():
                raise PdfResourceError(f"Police manquante : {path}")
            pdfmetrics.registerFont(TTFont(name, str(path)))
        pdfmetrics.registerFontFamily(
            FONT, normal=FONT, bold=FONT_BOLD, italic=FONT_ITALIC, boldItalic=FONT_BOLD_ITALIC
        )
        _fonts_done = True


# ---------------------------------------------------------------------------------------------- formatting


def fr_date(value: date | None, *, long: bool = True, empty: str = "—") -> str:
    """« 23 novembre 2026 » (« 1er janvier 2027 ») or, with ``long=False``, « 23/11/2026 »."""
    if value is None:
        return empty
    if isinstance(value, datetime):
        value = value.date()
    if not long:
        return value.strftime("%d/%m/%Y")
    day = "1er" if value.day == 1 else str(value.day)
    return f"{day} {_MONTHS[value.month - 1]} {value.year}"


def fr_time(value: datetime) -> str:
    """« 9 h 30 », « 14 h » (with non-breaking spaces)."""
    return f"{value.hour}\u00a0h\u00a0{value.minute:02d}" if value.minute else f"{value.hour}\u00a0h"


def fr_datetime(value: datetime) -> str:
    """« mardi 1er décembre 2026 à 9 h 30 »."""
    return f"{_WEEKDAYS[value.weekday()]} {fr_date(value)} à {fr_time(value)}"


def fr_hours(value: float) -> str:
    """Hours with a French decimal comma: 7.5 → « 7,5 », 15.0 → « 15 »."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return text.replace(".", ",")


_LONG_NUMBER = re.compile(r"\d(?:[ .\u00a0]?\d){12,}")


def redact_identifiers(text: str) -> str:
    """Blank out any run of 13 digits or more (a NIR typed into free text must never be printed)."""
    return _LONG_NUMBER.sub("[numéro masqué]", text)


def esc(text: str) -> str:
    """Escape text for a reportlab Paragraph (which reads a small XML markup) and redact identifiers."""
    text = redact_identifiers(text)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def multiline(text: str) -> str:
    """Escaped paragraph markup keeping the user's line breaks."""
    return "<br/>".join(esc(line) for line in text.strip().splitlines())


# ---------------------------------------------------------------------------------------------- data


@dataclass(frozen=True)
class AppointmentLine:
    """An appointment as printed: when, where, how (nature) and what for (objet)."""

    at: datetime
    place: str = ""
    nature: str = ""
    purpose: str = ""


# ---------------------------------------------------------------------------------------------- styles


@cache
def stylesheet() -> StyleSheet1:
    """The one stylesheet of the PDF documents. Every style uses the DejaVu family."""
    register_fonts()
    sheet = StyleSheet1()
    base = ParagraphStyle(
        "Body",
        fontName=FONT,
        fontSize=9,
        leading=12.5,
        textColor=INK,
        alignment=TA_LEFT,
        spaceAfter=3,
        bulletFontName=FONT,
        bulletFontSize=9,
    )
    sheet.add(base)
    sheet.add(ParagraphStyle("BodyJustified", parent=base, alignment=4))
    sheet.add(ParagraphStyle("Small", parent=base, fontSize=7.5, leading=10, textColor=MUTED, spaceAfter=0))
    sheet.add(ParagraphStyle("Cell", parent=base, fontSize=8.5, leading=11, spaceAfter=0))
    sheet.add(
        ParagraphStyle("CellBold", parent=base, fontName=FONT_BOLD, fontSize=8.5, leading=11, spaceAfter=0)
    )
    sheet.add(ParagraphStyle("CellRight", parent=base, fontSize=8.5, leading=11, spaceAfter=0, alignment=2))
    sheet.add(ParagraphStyle("Label", parent=base, fontSize=8, leading=11, textColor=MUTED, spaceAfter=0))
    sheet.add(
        ParagraphStyle(
            "Title",
            parent=base,
            fontName=FONT_BOLD,
            fontSize=15,
            leading=19,
            alignment=TA_CENTER,
            spaceBefore=0,
            spaceAfter=2,
        )
    )
    sheet.add(
        ParagraphStyle("Subtitle", parent=base, fontSize=9, leading=12, alignment=TA_CENTER, textColor=MUTED)
    )
    sheet.add(
        ParagraphStyle(
            "Section",
            parent=base,
            fontName=FONT_BOLD,
            fontSize=10.5,
            leading=14,
            spaceBefore=10,
            spaceAfter=1,
        )
    )
    sheet.add(
        ParagraphStyle(
            "Subsection",
            parent=base,
            fontName=FONT_BOLD,
            fontSize=9,
            leading=12,
            spaceBefore=4,
            keepWithNext=1,
        )
    )
    sheet.add(ParagraphStyle("Bullet", parent=base, leftIndent=14, bulletIndent=3, spaceAfter=1.5))
    sheet.add(ParagraphStyle("Address", parent=base, fontSize=10, leading=13.5, spaceAfter=0))
    sheet.add(ParagraphStyle("Sender", parent=base, fontSize=8.5, leading=11.5, spaceAfter=0))
    sheet.add(
        ParagraphStyle("BigTitle", parent=base, fontName=FONT_BOLD, fontSize=20, leading=25, spaceAfter=4)
    )
    sheet.add(ParagraphStyle("Lead", parent=base, fontSize=11, leading=15, spaceAfter=6))
    sheet.add(
        ParagraphStyle(
            "Heading",
            parent=base,
            fontName=FONT_BOLD,
            fontSize=13,
            leading=17,
            spaceBefore=12,
            keepWithNext=1,
        )
    )
    return sheet


def style(name: str) -> ParagraphStyle:
    result = stylesheet()[name]
    assert isinstance(result, ParagraphStyle)
    return result


def para(text: str, style_name: str = "Body") -> Paragraph:
    """A Paragraph from plain text (escaped)."""
    return Paragraph(esc(text), style(style_name))


def markup(text: str, style_name: str = "Body") -> Paragraph:
    """A Paragraph from markup the caller has already escaped."""
    return Paragraph(text, style(style_name))


class KeepStart(CondPageBreak):
    """Break the frame before a section unless its start fits: the title and its first block, up to ``cap``.

    Unlike ``KeepTogether``, a long first block (a plan d'action of 40 rows) does not push the title to the
    next page when there is reasonable room left: only ``cap`` points of it are required.
    """

    def __init__(self, flowables: Sequence[Flowable], cap: float) -> None:
        super().__init__(0)
        self._flowables = list(flowables)
        self._cap = cap

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        needed = 0.0
        for flowable in self._flowables:
            height = flowable.wrapOn(self.canv, availWidth, availHeight)[1]
            if isinstance(flowable, KeepTogether):  # its wrap() answers "huge" to force a split
                height = flowable._H
            needed += height + flowable.getSpaceBefore() + flowable.getSpaceAfter()
        self.height = min(needed, self._cap)
        result: tuple[float, float] = super().wrap(availWidth, availHeight)
        return result


def section_rule() -> HRFlowable:
    return HRFlowable(width="100%", thickness=0.6, color=RULE, spaceBefore=0, spaceAfter=4)


def grid_style(*, header: bool = True, extra: Sequence[tuple[Any, ...]] = ()) -> TableStyle:
    """A light grid, a shaded header row, cells padded for reading."""
    commands: list[tuple[Any, ...]] = [
        ("FONTNAME", (0, 0), (-1, -1), FONT),
        ("FONTSIZE", (0, 0), (-1, -1), 8.5),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("GRID", (0, 0), (-1, -1), 0.4, GRID),
        ("LEFTPADDING", (0, 0), (-1, -1), 4),
        ("RIGHTPADDING", (0, 0), (-1, -1), 4),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3.5),
    ]
    if header:
        commands += [("BACKGROUND", (0, 0), (-1, 0), SHADE), ("FONTNAME", (0, 0), (-1, 0), FONT_BOLD)]
    commands += list(extra)
    return TableStyle(commands)


def key_value_style() -> TableStyle:
    """Two columns, label / value, hairlines between rows only."""
    return TableStyle(
        [
            ("FONTNAME", (0, 0), (-1, -1), FONT),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LINEBELOW", (0, 0), (-1, -1), 0.3, GRID),
            ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ("RIGHTPADDING", (0, 0), (-1, -1), 6),
            ("TOPPADDING", (0, 0), (-1, -1), 2.5),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ]
    )


# ---------------------------------------------------------------------------------------------- pages


class NumberedCanvas(rl_canvas.Canvas):
    """Defers every page until the end so the footer can say « Page N / M »."""

    footer_right_x = PAGE_WIDTH - MARGIN_RIGHT
    footer_y = MARGIN_BOTTOM - 9 * mm

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initialFontName", FONT)
        kwargs.setdefault("initialFontSize", 9)
        super().__init__(*args, **kwargs)
        self._saved_page_states: list[dict[str, Any]] = []

    def showPage(self) -> None:
        self._saved_page_states.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._saved_page_states)
        for state in self._saved_page_states:
            self.__dict__.update(state)
            self.setFont(FONT, 7.5)
            self.setFillColor(MUTED)
            self.drawRightString(self.footer_right_x, self.footer_y, f"Page {self._pageNumber} / {total}")
            super().showPage()
        super().save()


@dataclass(frozen=True)
class PageDecor:
    """What the running header and footer print on every page."""

    department: str
    title: str
    reference: str = ""  # e.g. « Contrat n° CE-2026-00042 »
    footer_note: str = ""  # e.g. rule-table version, edition date


def draw_decor(canv: rl_canvas.Canvas, decor: PageDecor) -> None:
    """Running header (department, title) and footer (reference, note); the page count comes later."""
    canv.saveState()
    top = PAGE_HEIGHT - 13 * mm
    canv.setFillColor(INK)
    canv.setFont(FONT_BOLD, 8)
    canv.drawString(MARGIN_LEFT, top, redact_identifiers(decor.department))
    canv.setFont(FONT, 8)
    canv.drawRightString(PAGE_WIDTH - MARGIN_RIGHT, top, redact_identifiers(decor.title))
    canv.setStrokeColor(RULE)
    canv.setLineWidth(0.5)
    canv.line(MARGIN_LEFT, top - 2.5 * mm, PAGE_WIDTH - MARGIN_RIGHT, top - 2.5 * mm)
    bottom = MARGIN_BOTTOM - 6 * mm
    canv.line(MARGIN_LEFT, bottom, PAGE_WIDTH - MARGIN_RIGHT, bottom)
    canv.setFont(FONT, 7.5)
    canv.setFillColor(MUTED)
    left = " — ".join(part for part in (decor.reference, decor.footer_note) if part)
    canv.drawString(MARGIN_LEFT, MARGIN_BOTTOM - 9 * mm, redact_identifiers(left))
    canv.restoreState()


def draw_paragraphs(
    canv: rl_canvas.Canvas, paragraphs: Sequence[Paragraph], x: float, top: float, width: float
) -> float:
    """Draw paragraphs from ``top`` (distance from the page top) downwards; return the new top."""
    y = PAGE_HEIGHT - top
    for p in paragraphs:
        _, h = p.wrapOn(canv, width, PAGE_HEIGHT)
        y -= h
        p.drawOn(canv, x, y)
    return PAGE_HEIGHT - y


def draw_address_block(canv: rl_canvas.Canvas, lines: Sequence[str]) -> None:
    """The recipient's address where a French window envelope shows it (x ≈ 110 mm, 45–90 mm from the top).

    The first line (the name) is bold; the block is vertically placed near the top of the window zone.
    """
    if not lines:
        return
    paragraphs = [markup(f"<b>{esc(lines[0])}</b>", "Address")] + [
        para(line, "Address") for line in lines[1:]
    ]
    draw_paragraphs(canv, paragraphs, ADDRESS_X, ADDRESS_TOP + 5 * mm, ADDRESS_WIDTH)


def make_document(
    buffer: Any,
    decor: PageDecor,
    *,
    title: str,
    author: str,
    subject: str = "",
    first_page_top: float = MARGIN_TOP,
    on_first_page: Callable[[rl_canvas.Canvas], None] | None = None,
) -> BaseDocTemplate:
    """An A4 document with a running header/footer; page 1 may reserve room (address block) at the top."""
    register_fonts()
    doc = BaseDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN_LEFT,
        rightMargin=MARGIN_RIGHT,
        topMargin=MARGIN_TOP,
        bottomMargin=MARGIN_BOTTOM,
        title=title,
        author=author,
        subject=subject,
        creator="Fil rouge",
        lang="fr-FR",
        invariant=1,
        initialFontName=FONT,
        initialFontSize=9,
        initialLeading=12,
    )
    body_height = PAGE_HEIGHT - MARGIN_TOP - MARGIN_BOTTOM
    first = Frame(
        MARGIN_LEFT,
        MARGIN_BOTTOM,
        CONTENT_WIDTH,
        PAGE_HEIGHT - first_page_top - MARGIN_BOTTOM,
        id="first",
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
    )
    later = Frame(
        MARGIN_LEFT,
        MARGIN_BOTTOM,
        CONTENT_WIDTH,
        body_height,
        id="body",
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
    )

    def first_page(canv: rl_canvas.Canvas, _doc: BaseDocTemplate) -> None:
        draw_decor(canv, decor)
        if on_first_page is not None:
            on_first_page(canv)

    def later_page(canv: rl_canvas.Canvas, _doc: BaseDocTemplate) -> None:
        draw_decor(canv, decor)

    doc.addPageTemplates(
        [
            PageTemplate(id="First", frames=[first], onPage=first_page, autoNextPageTemplate="Later"),
            PageTemplate(id="Later", frames=[later], onPage=later_page),
        ]
    )
    return doc


def build(doc: BaseDocTemplate, story: list[Any]) -> None:
    doc.build(story, canvasmaker=NumberedCanvas)
