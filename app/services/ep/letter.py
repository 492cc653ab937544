"""The EP convocation letter as PDF (A4, DejaVu embedded, window-envelope address): who convenes, when and
where the équipe pluridisciplinaire meets, why, the facts of the file transmitted, and the person's rights —
present observations, in person or in writing, assisted by a person of her choice (CASF L.262-37, L.262-39).
Every fixed sentence comes from ``resources/ep/convocation.yaml``. No NIR, no CAF number, no amount."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Any

import yaml
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, KeepTogether, Spacer, Table

from app.models.french import fr_date, fr_datetime
from app.models.resources import resource_path
from app.services.printing import base, pages
from app.services.printing.base import PdfResourceError, esc, markup, para


@cache
def load_texts() -> dict[str, Any]:
    """The convocation's wording (``resources/ep/convocation.yaml``), parsed once."""
    path = resource_path("ep", "convocation.yaml")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise PdfResourceError(f"Textes de la convocation illisibles : {path}") from exc
    if not isinstance(data, dict) or not {"motives", "rights", "meeting"} <= set(data):
        raise PdfResourceError(f"Textes de la convocation incomplets : {path}")
    return data


@dataclass(frozen=True)
class ConvocationDocument:
    department: str
    seance_label: str
    held_at: datetime
    place: str  # lieu, adresse
    contact: str
    civility: str
    person_name: str
    address_lines: tuple[str, ...]
    motive: str  # enums.EpMotive
    proposed_track: str  # French label, lower case ("" when none)
    facts: tuple[str, ...]
    referent: str  # « Prénom Nom, structure »
    printed_on: date


def _fill(text: str, doc: ConvocationDocument) -> str:
    return text.format(
        seance=doc.seance_label,
        when=fr_datetime(doc.held_at),
        place=doc.place,
        track=doc.proposed_track or "proposé",
        contact=doc.contact or doc.department,
        referent=doc.referent,
    )


@cache
def _bullet_style() -> ParagraphStyle:
    """The stylesheet's « Bullet » with a DejaVu bullet (reportlab draws bullets in Helvetica by default,
    which is neither embedded nor complete)."""
    return ParagraphStyle("EpBullet", parent=base.style("Bullet"), bulletFontName=base.FONT)


def _bullet(text: str) -> Flowable:
    return base.Paragraph(esc(text), _bullet_style(), bulletText="•")


def _rights(doc: ConvocationDocument, t: dict[str, Any]) -> Flowable:
    """The person's rights in a framed, shaded box: it must not be missed."""
    cell: list[Flowable] = [markup(f"<b>{esc(t['rights_heading'])}</b>", "Body")]
    cell += [_bullet(_fill(line, doc)) for line in t["rights"]]
    table = Table([[cell]], colWidths=[base.CONTENT_WIDTH], hAlign="LEFT")
    table.setStyle([("FONTNAME", (0, 0), (-1, -1), base.FONT), ("BOX", (0, 0), (-1, -1), 0.8, base.INK),
                    ("BACKGROUND", (0, 0), (-1, -1), base.SHADE),
                    ("LEFTPADDING", (0, 0), (-1, -1), 8), ("RIGHTPADDING", (0, 0), (-1, -1), 8),
                    ("TOPPADDING", (0, 0), (-1, -1), 5), ("BOTTOMPADDING", (0, 0), (-1, -1), 3)])  # fmt: skip
    return table


def _story(doc: ConvocationDocument) -> list[Flowable]:
    t = load_texts()
    salutation = t["salutation"].get(doc.civility, t["salutation"][""])
    story: list[Flowable] = [
        markup(f"<b>{esc(_fill(t['object'], doc))}</b>", "Body"),
        Spacer(1, 3 * mm),
        para(salutation, "Body"),
        para(_fill(t["meeting"], doc), "BodyJustified"),
        para(_fill(t["motives"][doc.motive], doc), "BodyJustified"),
        markup(f"<b>{esc(t['facts_heading'])}</b>", "Body"),
    ]
    if doc.facts:
        story += [_bullet(fact) for fact in doc.facts]
    else:
        story.append(para(t["facts_none"], "Body"))
    story += [
        Spacer(1, 2 * mm),
        _rights(doc, t),
        Spacer(1, 3 * mm),
        para(_fill(t["after"], doc), "BodyJustified"),
        para(_fill(t["absence"], doc), "BodyJustified"),
    ]
    if doc.referent:
        story.append(para(_fill(t["referent"], doc), "Body"))
    story.append(
        KeepTogether(
            [para(t["closing"], "Body"), Spacer(1, 3 * mm), *(para(x, "Body") for x in t["signature"])]
        )
    )
    return story


def _first_page(doc: ConvocationDocument, t: dict[str, Any]) -> Any:
    def draw(canv: Canvas) -> None:
        sender = [markup(f"<b>{esc(doc.department)}</b>", "Sender"), para(t["sender"], "Sender")]
        sender += [para(x, "Sender") for x in (doc.seance_label, doc.contact) if x.strip()]
        pages.draw_paragraphs(canv, sender, base.MARGIN_LEFT, 32 * mm, 85 * mm)
        pages.draw_address_block(canv, [doc.person_name, *doc.address_lines])
        dated = para(f"Le {fr_date(doc.printed_on)}", "Body")
        pages.draw_paragraphs(canv, [dated], base.ADDRESS_X, base.ADDRESS_BOTTOM - 4 * mm, base.ADDRESS_WIDTH)

    return draw


def render_convocation(doc: ConvocationDocument) -> bytes:
    """The convocation as PDF bytes."""
    t = load_texts()
    decor = pages.PageDecor(
        department=doc.department,
        title=t["title"],
        reference=f"Séance du {fr_date(doc.held_at.date(), long=False)}",
        footer_note=f"édité le {fr_date(doc.printed_on, long=False)}",
    )
    buffer = io.BytesIO()
    pdf = pages.make_document(
        buffer, decor, title=t["title"], author=doc.department, subject=t["title"],
        first_page_top=base.ADDRESS_BOTTOM + 6 * mm, on_first_page=_first_page(doc, t),
    )  # fmt: skip
    pages.build(pdf, _story(doc))
    return buffer.getvalue()
