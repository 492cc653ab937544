"""The contract PDF (CER or contrat d'engagement): 14 numbered sections on A4, DejaVu embedded.

Input is a :class:`~app.services.contracts.printed.ContractDocument` (built from the database for a draft, read
back from its snapshot for a signed contract); no database access here. All fixed legal wording comes from the
document's ``texts`` (``resources/contract/texts.yaml`` when it was made). There is no NIR field, and any run of
13 digits or more in free text is masked before printing. The same document always gives the same bytes.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, KeepTogether, Spacer, Table

from app.models import french
from app.models.enums import HoursRegime
from app.models.french import fr_date, fr_hours
from app.services.contracts.printed import ContractDocument, SignatureBlock
from app.services.printing import base, pages
from app.services.printing.base import Paragraph, esc, markup, para
from app.services.printing.signature import signature_drawing

# ---------------------------------------------------------------------------------------------- helpers


def retention_text(months: int) -> str:
    """« 24 mois (deux ans) », « 30 mois »: the retention period as the notice prints it."""
    years = {12: "un an", 24: "deux ans", 36: "trois ans", 48: "quatre ans", 60: "cinq ans"}.get(months)
    return f"{months} mois ({years})" if years else f"{months} mois"


def _fill(text: str, doc: ContractDocument) -> str:
    """Fill the placeholders of a legal sentence ({department}, {organisme}, {dpo_contact}, {retention})."""
    dpo = doc.dpo_contact.strip() or doc.texts["privacy_dpo_missing"]
    return text.format(
        department=doc.department,
        organisme=doc.organisme,
        dpo_contact=dpo,
        retention=retention_text(doc.retention_months),
    )


def contract_title(doc: ContractDocument, kind_texts: Mapping[str, Any]) -> str:
    """« Contrat d'engagement n° … », or « Avenant n° 2 au contrat d'engagement n° … »."""
    if doc.amendment_no:
        return kind_texts["avenant_title"].format(n=doc.amendment_no, number=doc.number)
    return f"{kind_texts['title']} n° {doc.number}"


def _heading(title: str) -> list[Flowable]:
    return [para(title, "Section"), base.section_rule()]


def _section(
    title: str, body: Sequence[Flowable], *, cap: float = 70 * mm, together: bool = False
) -> list[Flowable]:
    """Title + rule + body; a page break first unless the title and the start of the first block fit.

    ``together`` keeps a short section on one page (no lone last paragraph at the top of a page).
    """
    head = _heading(title)
    if together:
        return [KeepTogether([*head, *body])]
    return [base.KeepStart([*head, *body[:1]], cap), *head, *body]


def _kv_table(rows: Sequence[tuple[str, str]], label_width: float = 52 * mm) -> Table:
    data = [[para(label, "Label"), markup(value, "Cell")] for label, value in rows]
    table = Table(data, colWidths=[label_width, base.CONTENT_WIDTH - label_width], hAlign="LEFT")
    table.setStyle(base.key_value_style())
    return table


def _bullets(items: Sequence[str]) -> list[Flowable]:
    return [Paragraph(esc(item), base.style("Bullet"), bulletText="–") for item in items]


# ---------------------------------------------------------------------------------------------- sections


def _title_block(doc: ContractDocument, kind_texts: Mapping[str, Any]) -> list[Flowable]:
    title = contract_title(doc, kind_texts) if doc.amendment_no else kind_texts["title"]
    return [para(title, "Title"), para(kind_texts["legal_basis"], "Subtitle"), Spacer(1, 4 * mm)]


def _header_section(doc: ContractDocument, title: str, kind_texts: Mapping[str, Any]) -> list[Flowable]:
    if doc.amendment_no:
        nature = f"Avenant n° {doc.amendment_no} au contrat n° {doc.number}"
    else:
        nature = "Renouvellement" if doc.is_renewal else "Contrat initial"
    rows = [
        ("Département", esc(doc.department)),
        ("Organisme référent", esc(doc.organisme)),
        ("Régime", esc(kind_texts["regime_label"])),
        ("Base légale", esc(kind_texts["legal_basis"])),
        ("Contrat n°", f"<b>{esc(doc.number)}</b>"),
        ("Nature", nature),
        ("Durée", f"{doc.duration_months} mois"),
        ("Période", f"du {fr_date(doc.start_date)} au {fr_date(doc.end_date)}"),
    ]
    return [
        *_section(title, [_kv_table(rows)], cap=200 * mm),
        Spacer(1, 2 * mm),
        para(kind_texts["preamble"], "BodyJustified"),
    ]


def _parties_section(doc: ContractDocument, title: str) -> list[Flowable]:
    p, r = doc.person, doc.referent
    person_rows = [
        ("Nom et prénom", f"<b>{esc(p.name)}</b>"),
        ("Date de naissance", fr_date(p.birth_date, long=False)),
        ("Adresse", "<br/>".join(esc(line) for line in p.address_lines) or "—"),
        ("N° allocataire CAF", esc(p.caf_number) or "—"),
    ]
    referent_rows = [
        ("Nom et prénom", f"<b>{esc(r.name)}</b>"),
        ("Structure", esc(r.structure)),
        ("Téléphone", esc(r.phone) or "—"),
        ("Courriel", esc(r.email) or "—"),
    ]
    person_w, referent_w = 80 * mm, base.CONTENT_WIDTH - 80 * mm

    def column(rows: list[tuple[str, str]], width: float, label_width: float) -> Table:
        inner = Table(
            [[para(label, "Label"), markup(value, "Cell")] for label, value in rows],
            colWidths=[label_width, width - label_width - 8],
        )
        inner.setStyle(base.key_value_style())
        return inner

    outer = Table(
        [
            [para("La personne accompagnée", "CellBold"), para("Le référent", "CellBold")],
            [column(person_rows, person_w, 29 * mm), column(referent_rows, referent_w, 25 * mm)],
        ],
        colWidths=[person_w, referent_w],
    )
    outer.setStyle(base.grid_style(extra=[("LEFTPADDING", (0, 1), (-1, -1), 4)]))
    return _section(title, [outer])


def _orientation_section(doc: ContractDocument, title: str) -> list[Flowable]:
    o = doc.orientation
    rows = [
        ("Parcours", esc(o.track_label)),
        ("Date de la décision", fr_date(o.decided_on)),
        ("Organisme d'orientation", esc(o.organisme)),
    ]
    return _section(title, [_kv_table(rows)], together=True)


def _situation_section(doc: ContractDocument, title: str) -> list[Flowable]:
    rows = [(label, esc(value)) for label, value in doc.situation]
    if doc.health_constraint is not None:
        rows.append(("Contrainte de santé", "oui" if doc.health_constraint else "non"))
    if not rows:
        return _section(title, [para("Aucun élément de situation n'est renseigné.")])
    return _section(title, [_kv_table(rows)])


def _objectives_section(doc: ContractDocument, title: str) -> list[Flowable]:
    if not doc.objectives:
        return _section(title, [para("Aucun objectif n'est inscrit à ce jour.")])
    items = [
        Paragraph(esc(text), base.style("Bullet"), bulletText=f"{i}.")
        for i, text in enumerate(doc.objectives, 1)
    ]
    return _section(title, items)


def _plan_section(doc: ContractDocument, title: str) -> list[Flowable]:
    texts = doc.texts["plan"]
    if not doc.actions:
        return _section(title, [para(texts["empty"])])
    header = ["N°", "Action", "Partenaire", "Début", "Fin", "Heures par semaine"]
    data: list[list[Any]] = [[para(h, "CellBold") for h in header]]
    for i, action in enumerate(doc.actions, 1):
        hours = "—" if action.hours_per_week is None else f"{fr_hours(action.hours_per_week)} h"
        data.append(
            [
                para(str(i), "Cell"),
                para(action.label, "Cell"),
                para(action.partner or "—", "Cell"),
                para(fr_date(action.start, long=False), "Cell"),
                para(fr_date(action.end, long=False), "Cell"),
                para(hours, "CellRight"),
            ]
        )
    extra: list[tuple[Any, ...]] = []
    after: list[Flowable] = []
    if doc.kind == "ce":
        target = texts["weekly_target_hours"]
        total = texts["total_label"].format(total=fr_hours(doc.weekly_hours), target=target)
        data.append([markup(f"<b>{esc(total)}</b>", "CellRight"), "", "", "", "", ""])
        extra = [("SPAN", (0, -1), (-1, -1)), ("BACKGROUND", (0, -1), (-1, -1), base.SHADE)]
    if doc.kind == "ce":
        after = [*_hours_block(doc), *_offer_block(doc)]
    widths = [8 * mm, 58 * mm, 38 * mm, 22 * mm, 22 * mm, 22 * mm]
    table = Table(data, colWidths=widths, repeatRows=1, hAlign="LEFT")
    table.setStyle(base.grid_style(extra=extra))
    return [*_section(title, [table], cap=40 * mm), *after]


def _hours_block(doc: ContractDocument) -> list[Flowable]:
    """The weekly activity as the contract states it (C. trav. L.5411-6, II, 3°)."""
    t = doc.texts["hours"]
    hours = doc.hours
    total = fr_hours(doc.weekly_hours)
    if hours is None or hours.regime == HoursRegime.STANDARD:
        text = t["standard"].format(total=total)
    elif hours.regime == HoursRegime.REDUCED:
        text = t["reduced"].format(total=total, reason=hours.reason.strip() or t["missing"])
    else:
        text = t["none"].format(ground=hours.ground_label or t["missing"])
    return [Spacer(1, 2 * mm), markup(f"<b>{esc(t['title'])}</b> {esc(text)}", "BodyJustified")]


def _offer_block(doc: ContractDocument) -> list[Flowable]:
    """The offre raisonnable d'emploi (C. trav. L.5411-6-1), when the plan aims at a salaried job."""
    t = doc.texts["offer"]
    if doc.offer is None:
        return [Spacer(1, 2 * mm), para(t["not_applicable"], "Small")]
    o = doc.offer
    rows = [
        (t["jobs"], esc(o.jobs)),
        (t["area"], esc(o.area)),
        (t["salary"], esc(o.salary)),
        (t["search_acts"], esc(o.search_acts) or "—"),
    ]
    return [
        KeepTogether([para(t["title"], "Subsection"), para(t["intro"], "BodyJustified"), _kv_table(rows)]),
        Spacer(1, 1 * mm),
        para(t["limits"], "Small"),
    ]


def _commitments(title: str, intro: str, items: Sequence[str], extra_text: str = "") -> list[Flowable]:
    bullets = _bullets(items)
    body: list[Flowable] = [KeepTogether([para(intro), *bullets[:2]])]
    if len(bullets) > 2:  # no lone first or last item at the top of a page
        body += [*bullets[2:-2], KeepTogether(bullets[max(2, len(bullets) - 2) :])]
    if extra_text.strip():
        body += [
            para("Engagements complémentaires convenus :", "Subsection"),
            markup(base.multiline(extra_text)),
        ]
    return _section(title, body)


def _follow_up_section(doc: ContractDocument, title: str) -> list[Flowable]:
    t = doc.texts["follow_up"]
    rdv = t["none"]
    if doc.next_rdv is not None:
        details = ", ".join(esc(x) for x in (doc.next_rdv.place, doc.next_rdv.nature) if x)
        rdv = french.fr_datetime(doc.next_rdv.at) + (f" — {details}" if details else "")
    bilan = fr_date(doc.bilan_date) if doc.bilan_date else t["none"]
    kv = _kv_table([(t["next_rdv"], rdv), (t["bilan"], bilan)])
    return _section(title, [kv, Spacer(1, 2 * mm), para(t["text"], "BodyJustified")], together=True)


def _rights_section(doc: ContractDocument, title: str, kind_texts: Mapping[str, Any]) -> list[Flowable]:
    sanctions = doc.texts["sanctions"]
    body: list[Flowable] = [para(_fill(p, doc), "BodyJustified") for p in kind_texts["rights_duties"]]
    paragraphs = [para(_fill(p, doc), "BodyJustified") for p in sanctions["paragraphs"]]
    body.append(KeepTogether([para(sanctions["title"], "Subsection"), *paragraphs[:2]]))
    body.append(KeepTogether(paragraphs[2:]))
    return _section(title, body)


def _appeals_section(doc: ContractDocument, title: str) -> list[Flowable]:
    body = [para(_fill(p, doc), "BodyJustified") for p in doc.texts["appeals"]]
    return _section(title, body, together=True)


def _privacy_section(doc: ContractDocument, title: str) -> list[Flowable]:
    rows = [(item["label"], esc(_fill(item["text"], doc))) for item in doc.texts["privacy"]]
    return _section(title, [_kv_table(rows, label_width=40 * mm)], cap=60 * mm)


def _observations_section(doc: ContractDocument, title: str) -> list[Flowable]:
    if doc.person_observations.strip():
        return _section(title, [markup(base.multiline(doc.person_observations), "BodyJustified")])
    hint = doc.texts["observations"]["empty_hint"]
    lines = Table([[""]] * 4, colWidths=[base.CONTENT_WIDTH], rowHeights=[8 * mm] * 4)
    lines.setStyle(
        [
            ("FONTNAME", (0, 0), (-1, -1), base.FONT),
            ("LINEBELOW", (0, 0), (-1, -1), 0.4, base.GRID, 1, (1, 2)),
        ]
    )
    return [KeepTogether([*_heading(title), para(hint, "Small"), lines])]


def _signature_cell(sig: SignatureBlock | None, texts: Mapping[str, Any], width: float) -> list[Flowable]:
    box_h = 26 * mm
    if sig is not None and sig.method == "papier":
        return [Spacer(1, 3 * mm), para(texts["paper"], "Cell")]
    drawing = signature_drawing(sig.strokes, width, box_h) if sig is not None else None
    if drawing is None:
        return [para(texts["blank"], "Label"), Spacer(1, box_h - 4 * mm)]
    cell: list[Flowable] = [drawing]
    if sig is not None and sig.signed_at is not None:
        cell.append(para(texts["signed_on"].format(date=fr_date(sig.signed_at, long=False)), "Small"))
    return cell


def _signatures_section(doc: ContractDocument, title: str) -> list[Flowable]:
    t = doc.texts["signatures"]
    signed = [s for s in (doc.person_signature, doc.referent_signature) if s is not None]
    place = next((s.place for s in signed if s.place), "")
    when = next((s.signed_at for s in signed if s.signed_at), None)
    made_at = t["made_at"].format(place=place, date=fr_date(when)) if place and when else t["made_at_blank"]
    half = base.CONTENT_WIDTH / 2
    labels = [
        (doc.person_signature.signer_label if doc.person_signature else "") or t["person_label"],
        (doc.referent_signature.signer_label if doc.referent_signature else "") or t["referent_label"],
    ]
    table = Table(
        [
            [para(labels[0], "CellBold"), para(labels[1], "CellBold")],
            [para(doc.person.name, "Cell"), para(doc.referent.name, "Cell")],
            [
                _signature_cell(doc.person_signature, t, half - 8),
                _signature_cell(doc.referent_signature, t, half - 8),
            ],
        ],
        colWidths=[half, half],
    )
    table.setStyle(base.grid_style(extra=[("LINEBELOW", (0, 1), (-1, 1), 0, base.colors.white)]))
    block: list[Flowable] = [*_heading(title), para(made_at), Spacer(1, 2 * mm), table]
    if doc.validation is not None:
        v = doc.validation
        text = t["validated"].format(date=fr_date(v.on), by=v.by or t["validated_by_default"])
        block += [Spacer(1, 3 * mm), markup(f"<b>{esc(text)}</b>", "BodyJustified")]
    return [KeepTogether(block)]


# ---------------------------------------------------------------------------------------------- document


def _story(doc: ContractDocument) -> list[Flowable]:
    texts = doc.texts
    kind_texts = texts["kinds"][doc.kind]
    s = texts["sections"]
    return [
        *_title_block(doc, kind_texts),
        *_header_section(doc, s[0], kind_texts),
        *_parties_section(doc, s[1]),
        *_orientation_section(doc, s[2]),
        *_situation_section(doc, s[3]),
        *_objectives_section(doc, s[4]),
        *_plan_section(doc, s[5]),
        *_commitments(
            s[6],
            kind_texts["person_commitments_intro"],
            kind_texts["person_commitments"],
            doc.commitments_text,
        ),
        *_commitments(
            s[7], _fill(kind_texts["organisme_commitments_intro"], doc), kind_texts["organisme_commitments"]
        ),
        *_follow_up_section(doc, s[8]),
        *_rights_section(doc, s[9], kind_texts),
        *_appeals_section(doc, s[10]),
        *_privacy_section(doc, s[11]),
        *_observations_section(doc, s[12]),
        *_signatures_section(doc, s[13]),
    ]


def _first_page_blocks(doc: ContractDocument) -> Any:
    """Sender (organisme, référent) on the left; recipient in the envelope window on the right."""

    def draw(canv: Canvas) -> None:
        r = doc.referent
        sender = [markup(f"<b>{esc(doc.organisme)}</b>", "Sender")]
        sender += [
            para(x, "Sender") for x in (r.structure, f"Référent : {r.name}", r.phone, r.email) if x.strip()
        ]
        pages.draw_paragraphs(canv, sender, base.MARGIN_LEFT, 32 * mm, 85 * mm)
        pages.draw_address_block(canv, [doc.person.name, *doc.person.address_lines])

    return draw


def render_contract(doc: ContractDocument) -> bytes:
    """The contract as PDF bytes (A4, DejaVu embedded, 14 numbered sections, « Page N / M » footer)."""
    kind_texts = doc.texts["kinds"][doc.kind]
    issued = doc.issued_on or date.today()
    note = f"édité le {fr_date(issued, long=False)}"
    if doc.rules_version:
        note = f"règles {doc.rules_version}, textes {doc.texts_version} — {note}"
    title = contract_title(doc, kind_texts)
    reference = (
        f"Avenant n° {doc.amendment_no} — contrat n° {doc.number}"
        if doc.amendment_no
        else f"Contrat n° {doc.number}"
    )
    decor = pages.PageDecor(department=doc.department, title=title, reference=reference, footer_note=note)
    buffer = io.BytesIO()
    pdf = pages.make_document(
        buffer,
        decor,
        title=title,
        author=doc.department,
        subject=kind_texts["legal_basis"],
        first_page_top=95 * mm,
        on_first_page=_first_page_blocks(doc),
    )
    pages.build(pdf, _story(doc))
    return buffer.getvalue()
