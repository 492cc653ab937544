"""A letter about a RDV on A4 (convocation, invitation, relance): the sender's block (département, service,
address, référent) on the left, the recipient in the window of a French envelope on the right, then date,
subject, the « obligatoire » banner, the text, the RDV in a box, what to bring, the consequences of an absence
with their legal basis, and the signature block. DejaVu embedded; no database here."""

from __future__ import annotations

import io
from collections.abc import Callable

from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, KeepTogether, Spacer, Table, TableStyle

from app.models.french import fr_date
from app.services.agenda.convocations.letters import LetterDocument
from app.services.printing import base, pages
from app.services.printing.base import Paragraph, esc, markup, para

BODY_TOP = 90 * mm  # below the envelope window (45–90 mm from the top)


def _sender(doc: LetterDocument) -> Callable[[Canvas], None]:
    def draw(canv: Canvas) -> None:
        head = doc.letterhead
        blocks = [markup(f"<b>{esc(head.department)}</b>", "Sender")]
        blocks += [para(x, "Sender") for x in (head.service, head.address) if x]
        blocks.append(Spacer(1, 2 * mm))
        blocks.append(para(f"Affaire suivie par : {doc.referent_name}", "Sender"))
        blocks += [para(x, "Sender") for x in (doc.referent_phone, doc.referent_email) if x]
        y = base.PAGE_HEIGHT - 30 * mm
        for block in blocks:
            _w, h = block.wrapOn(canv, 82 * mm, base.PAGE_HEIGHT)
            y -= h
            block.drawOn(canv, base.MARGIN_LEFT, y)
        pages.draw_address_block(canv, list(doc.recipient))

    return draw


def _box(rows: tuple[tuple[str, str], ...]) -> Table:
    data = [
        [para(label, "Label"), para(value, "CellBold" if label == "Date" else "Cell")]
        for label, value in rows
    ]
    table = Table(data, colWidths=[28 * mm, base.CONTENT_WIDTH - 28 * mm - 8], hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), base.FONT),
                ("BOX", (0, 0), (-1, -1), 0.6, base.RULE),
                ("BACKGROUND", (0, 0), (-1, -1), base.SHADE),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 6),
                ("TOPPADDING", (0, 0), (-1, -1), 3),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    return table


def _banner(text: str) -> Table:
    table = Table([[para(text, "CellBold")]], colWidths=[base.CONTENT_WIDTH], hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), base.FONT),
                ("BOX", (0, 0), (-1, -1), 1.2, base.INK),
                ("LEFTPADDING", (0, 0), (-1, -1), 6),
                ("TOPPADDING", (0, 0), (-1, -1), 4),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
            ]
        )
    )
    return table


def _signature(doc: LetterDocument) -> Table:
    lines = [para(x, "Body") for x in doc.signature[:-1]]
    lines.append(markup(f"<b>{esc(doc.signature[-1])}</b>", "Body"))
    table = Table([[None, lines]], colWidths=[base.CONTENT_WIDTH - 75 * mm, 75 * mm])
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), base.FONT),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return table


def _story(doc: LetterDocument) -> list[Flowable]:
    story: list[Flowable] = [
        para(f"Le {fr_date(doc.issued_on)}", "Body"),
        Spacer(1, 2 * mm),
        markup(f"<b>Objet : {esc(doc.subject)}</b>", "Body"),
        Spacer(1, 2 * mm),
    ]
    if doc.obligatory:
        story += [_banner(doc.banner), Spacer(1, 2 * mm)]
    story.append(para(f"{doc.salutation},", "Body"))
    story += [para(p, "BodyJustified") for p in doc.paragraphs]
    if doc.details:
        story += [Spacer(1, 1.5 * mm), _box(doc.details), Spacer(1, 2.5 * mm)]
    story += [para(p, "BodyJustified") for p in doc.after_details]
    if doc.bring:
        bullets = [Paragraph(esc(item), base.style("Bullet"), bulletText="–") for item in doc.bring]
        story.append(KeepTogether([para(doc.bring_title, "Subsection"), *bullets]))
    if doc.consequences:
        block: list[Flowable] = [para("En cas d'absence", "Subsection")]
        block += [para(p, "BodyJustified") for p in doc.consequences]
        block.append(para(doc.legal_basis, "Small"))
        story.append(KeepTogether(block))
    story += [Spacer(1, 1.5 * mm), para(doc.contact, "BodyJustified")]
    story.append(KeepTogether([para(doc.closing, "BodyJustified"), Spacer(1, 3 * mm), _signature(doc)]))
    return story


def render_letter(doc: LetterDocument) -> bytes:
    """The letter as PDF bytes (A4, DejaVu embedded, « Page N / M » footer with the RDV and the template)."""
    decor = pages.PageDecor(
        department=doc.letterhead.department,
        title=doc.title,
        reference=doc.reference,
        footer_note=f"édité le {fr_date(doc.issued_on, long=False)}",
    )
    buffer = io.BytesIO()
    pdf = pages.make_document(
        buffer,
        decor,
        title=f"{doc.title} — {doc.subject}",
        author=doc.letterhead.department,
        subject=doc.subject,
        first_page_top=BODY_TOP,
        on_first_page=_sender(doc),
    )
    pages.build(pdf, _story(doc))
    return buffer.getvalue()
