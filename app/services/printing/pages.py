"""Pages of every printed document: the A4 template with its margins, the letterhead and footer drawn on each
page (« page 2 / 5 »), the address block of a letter, and building the PDF bytes."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas as rl_canvas
from reportlab.platypus import BaseDocTemplate, Frame, PageTemplate

from app.services.printing.base import (
    ADDRESS_TOP,
    ADDRESS_WIDTH,
    ADDRESS_X,
    CONTENT_WIDTH,
    FONT,
    FONT_BOLD,
    INK,
    MARGIN_BOTTOM,
    MARGIN_LEFT,
    MARGIN_RIGHT,
    MARGIN_TOP,
    MUTED,
    PAGE_HEIGHT,
    PAGE_WIDTH,
    RULE,
    Paragraph,
    esc,
    markup,
    para,
    redact_identifiers,
    register_fonts,
)


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
