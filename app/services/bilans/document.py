"""The bilan the person keeps (ADR 0053): A4, DejaVu embedded, written to the person (« vous »), read from the
bilan record as it was finalised — the moment, who took part, each objective and how far it was reached, what
helped and what blocked, the person's own words, and what comes next. A draft prints with « Projet » across its
title. No NIR, no CAF number, no diagnostic detail; printing is audited (« impression »)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Spacer, Table
from sqlalchemy.orm import Session

from app.models.enums import AuditAction, BilanResult
from app.models.french import fr_date
from app.models.tables.people import Person, Referent
from app.models.tables.reviews import Bilan
from app.models.vocabularies.loader import load_vocabularies
from app.services.bilans.records import get_bilan
from app.services.bilans.values import BilanView
from app.services.printing import base, pages
from app.services.printing.base import esc, markup, multiline, para
from app.services.settings import letterhead
from app.services.storage import audit
from app.services.storage.outputs import session_outputs
from app.services.storage.uow import get_row, query, use_case

RESULT_TEXT: dict[str, str] = {
    BilanResult.REACHED: "Atteint",
    BilanResult.PARTLY: "En partie",
    BilanResult.NOT_REACHED: "Pas encore",
}
DRAFT_MARK = "Projet — ce bilan n'est pas encore finalisé"


@dataclass(frozen=True)
class BilanDocument:
    bilan: BilanView
    person_name: str
    referent_name: str
    referent_structure: str
    department: str
    printed_on: date
    referent_contact: str = ""


@query
def build_document(s: Session, bilan_id: str, *, today: date | None = None) -> BilanDocument:
    view = get_bilan.within(s, bilan_id)
    person = get_row(s, Person, view.person_id, "Personne")
    ref = s.get(Referent, person.referent_id) if person.referent_id else None
    department = letterhead.department_name.within(s)
    return BilanDocument(
        bilan=view,
        person_name=f"{person.first_name} {person.last_name}",
        referent_name=f"{ref.first_name} {ref.last_name}" if ref else view.author_name,
        referent_structure=(ref.structure if ref else "") or department,
        department=department,
        printed_on=today or date.today(),
        referent_contact=" · ".join(x for x in ((ref.phone, ref.email) if ref else ()) if x),
    )


def _people(doc: BilanDocument) -> list[Flowable]:
    b = doc.bilan
    rows = [
        [para("Vous", "Label"), para(doc.person_name)],
        [
            para("Votre référent", "Label"),
            para(
                f"{doc.referent_name}, {doc.referent_structure}"
                + (f" ({doc.referent_contact})" if doc.referent_contact else "")
            ),
        ],
    ]
    for p in b.participants:
        who = ", ".join(x for x in (p.name, p.role, p.structure) if x)
        rows.append([para("A aussi participé", "Label"), para(who)])
    if b.contract_label:
        rows.append([para("Contrat concerné", "Label"), para(b.contract_label)])
    table = Table(rows, colWidths=[38 * mm, base.CONTENT_WIDTH - 38 * mm], hAlign="LEFT")
    table.setStyle(base.key_value_style())
    return [table, Spacer(1, 3 * mm)]


def _objectives(doc: BilanDocument) -> list[Flowable]:
    b = doc.bilan
    heading = para("Vos objectifs", "Heading")
    if not b.objectives:
        return [heading, para("Aucun objectif n'a été passé en revue lors de ce bilan.")]
    counts = b.counts
    summary = ", ".join(
        f"{counts[r]} {RESULT_TEXT[r].lower()}"
        for r in (BilanResult.REACHED, BilanResult.PARTLY, BilanResult.NOT_REACHED)
        if counts.get(r)
    )
    rows: list[list[Flowable]] = [
        [para(h, "CellBold") for h in ("Objectif", "Où vous en êtes", "Commentaire")]
    ]
    for o in b.objectives:
        title = f"<b>{esc(o.title)}</b>" + (
            f"<br/><font color='#555555'>{esc(o.theme)}</font>" if o.theme else ""
        )
        rows.append(
            [
                markup(title, "Cell"),
                para(RESULT_TEXT.get(o.result, o.result), "Cell"),
                markup(multiline(o.comment) or "—", "Cell"),
            ]
        )
    table = Table(rows, colWidths=[72 * mm, 28 * mm, 70 * mm], repeatRows=1, hAlign="LEFT")
    table.setStyle(base.grid_style())
    lead = para(f"{len(b.objectives)} objectif(s) revu(s) : {summary}.")
    return [base.KeepStart([heading, lead, table], 40 * mm), heading, lead, table, Spacer(1, 2 * mm)]


def _text_block(title: str, text: str, empty: str) -> list[Flowable]:
    body = markup(multiline(text), "Body") if text.strip() else para(empty, "Small")
    return [KeepTogether([para(title, "Heading"), body])]


def _next_step(doc: BilanDocument) -> list[Flowable]:
    b = doc.bilan
    heading = para("Et maintenant", "Heading")
    if not b.recommendation:
        return [heading, para("La suite sera décidée ensemble lorsque ce bilan sera finalisé.")]
    line = f"<b>{esc(b.recommendation_label)}</b>"
    if b.recommended_track:
        line += f" — vers le parcours {esc(b.recommended_track_label.lower())}"
    out: list[Flowable] = [heading, markup(line, "Body")]
    entry = load_vocabularies().entry("bilan_recommendations", b.recommendation)
    help_text = entry.get("help", "") if entry is not None else ""
    if b.recommendation_detail:
        out.append(markup(multiline(b.recommendation_detail), "Body"))
    elif help_text:
        out.append(para(str(help_text)))
    if b.next_step_label:
        out.append(para(b.next_step_label, "Small"))
    return [KeepTogether(out)]


def _signatures(doc: BilanDocument) -> list[Flowable]:
    cells = [
        [para("La personne", "Label"), para("Le référent", "Label")],
        [para(doc.person_name), para(doc.referent_name)],
        [Spacer(1, 18 * mm), Spacer(1, 18 * mm)],
    ]
    table = Table(cells, colWidths=[base.CONTENT_WIDTH / 2] * 2, hAlign="LEFT")
    table.setStyle(base.key_value_style())
    return [KeepTogether([para("Signatures", "Heading"), table])]


def _story(doc: BilanDocument) -> list[Flowable]:
    b = doc.bilan
    title = b.kind_label
    story: list[Flowable] = [para(title, "BigTitle")]
    if not b.final:
        story.append(markup(f"<font color='#B00020'><b>{esc(DRAFT_MARK)}</b></font>", "Lead"))
    story += [
        markup(f"Fait le <b>{fr_date(b.held_on, long=True)}</b>", "Lead"),
        para(
            "Ce bilan reprend ce que nous avons fait ensemble : les objectifs que vous vous étiez fixés, ce qui a "
            "marché, ce qui a été difficile, et la suite que nous proposons. Il est à vous : gardez-le."
        ),
        Spacer(1, 1 * mm),
        base.section_rule(),
        *_people(doc),
        *_objectives(doc),
        *_text_block("Ce qui vous a aidé", b.helped, "Rien n'a été noté."),
        *_text_block("Ce qui a été difficile", b.blocked, "Rien n'a été noté."),
        *_text_block("Vos mots", b.person_words, "Vous n'avez pas souhaité ajouter de commentaire."),
        *_next_step(doc),
        Spacer(1, 3 * mm),
        *_signatures(doc),
        Spacer(1, 2 * mm),
        para(
            "Vous pouvez demander à consulter votre dossier et à recevoir une copie de vos données auprès de votre "
            "référent. Si vous n'êtes pas d'accord avec la suite proposée, dites-le à votre référent : votre avis "
            "est joint au dossier.",
            "Small",
        ),
    ]
    return story


def render_document(doc: BilanDocument) -> bytes:
    """The bilan as PDF bytes (A4, DejaVu embedded, « Page N / M » footer)."""
    b = doc.bilan
    decor = pages.PageDecor(
        department=doc.department,
        title=b.kind_label if b.final else f"{b.kind_label} (projet)",
        reference=f"Bilan du {fr_date(b.held_on, long=False)}",
        footer_note=f"Édité le {fr_date(doc.printed_on, long=False)}",
    )
    buffer = io.BytesIO()
    pdf = pages.make_document(buffer, decor, title=b.kind_label, author=doc.department or "Fil rouge")
    pages.build(pdf, _story(doc))
    return buffer.getvalue()


@query
def bilan_pdf(s: Session, bilan_id: str, *, today: date | None = None) -> bytes:
    """The bilan as PDF bytes for the on-screen preview (nothing audited until it is printed or saved)."""
    return render_document(build_document.within(s, bilan_id, today=today))


@use_case
def record_output(s: Session, bilan_id: str, *, actor: str, action: str = AuditAction.PRINT) -> str:
    """Audit trail: the bilan was printed (« impression ») or saved as a file (« export »)."""
    row = get_row(s, Bilan, bilan_id, "Bilan")
    return audit.record_audit.within(
        s,
        actor=actor or "local",
        action=action,
        person_id=row.person_id,
        object_table="bilan",
        object_id=bilan_id,
        detail=f"Bilan du {row.held_on:%d/%m/%Y}",
    )


@use_case
def render_bilan_pdf(
    s: Session, bilan_id: str, *, actor: str, out: Path | str | None = None, today: date | None = None
) -> bytes:
    """The bilan as PDF bytes (written to ``out`` when given); the audit records « impression »."""
    data = bilan_pdf.within(s, bilan_id, today=today)
    if out is not None:
        session_outputs(s).write(out, data)
    record_output.within(s, bilan_id, actor=actor)
    return data
