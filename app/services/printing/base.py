"""Shared PDF machinery: DejaVu fonts, French formatting, styles, page template with header and footer.

Every style uses the embedded DejaVu Sans family (reportlab's built-in Helvetica has no glyphs beyond
Latin-1 and is not embedded). Pages carry a running header (department, document title) and a footer
(reference, « Page N / M ») drawn in a second pass by :class:`NumberedCanvas`.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
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
from reportlab.platypus import Paragraph as _RlParagraph
from reportlab.platypus.flowables import CondPageBreak, Flowable, HRFlowable, KeepTogether
from reportlab.platypus.tables import TableStyle

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
