"""The day's agenda as PDF: one table (heure, personne, objet, nature, lieu, statut), DejaVu fonts."""

from __future__ import annotations

import io
from datetime import date

from reportlab.lib.units import mm
from reportlab.platypus import Spacer, Table

from app.models.french import fr_date
from app.services.agenda.calendar import AgendaDay, AgendaItem
from app.services.printing import base, pages
from app.services.printing.base import esc, markup, para

_WIDTHS = (26 * mm, 34 * mm, 28 * mm, 22 * mm, 28 * mm, 32 * mm)


def _slot(item: AgendaItem) -> str:
    return f"{item.starts_at:%H:%M} – {item.ends_at:%H:%M}"


def _row(item: AgendaItem) -> list[object]:
    person = esc(item.person_name) + ("<br/><i>Collectif</i>" if item.collective else "")
    status = esc(item.status_label) + ("<br/><b>Chevauchement</b>" if item.conflict else "")
    return [
        para(_slot(item), "Cell"),
        markup(person, "Cell"),
        para(item.purpose_label, "Cell"),
        para(item.nature_label, "Cell"),
        para(item.place or "—", "Cell"),
        markup(status, "Cell"),
    ]


def _story(agenda: AgendaDay) -> list[object]:
    title = agenda.title[0].upper() + agenda.title[1:]
    story: list[object] = [para(f"Agenda du {title}", "Title")]
    if agenda.holiday:
        story.append(para(f"Jour férié : {agenda.holiday}", "Lead"))
    if not agenda.items:
        story.append(para("Aucun rendez-vous ce jour.", "Body"))
        return story
    n = len(agenda.items)
    story.append(para(f"{n} rendez-vous" + (" prévus" if n > 1 else " prévu"), "Lead"))
    header = [para(t, "CellBold") for t in ("Horaire", "Personne", "Objet", "Nature", "Lieu", "Statut")]
    table = Table([header, *(_row(i) for i in agenda.items)], colWidths=_WIDTHS, repeatRows=1)
    table.setStyle(base.grid_style())
    story += [table, Spacer(1, 4 * mm), para("Document de travail — ne pas transmettre.", "Small")]
    return story


def render_day(agenda: AgendaDay, *, department: str = "", printed_on: date | None = None) -> bytes:
    """The day's agenda as PDF bytes (A4, DejaVu embedded, « Page N / M » footer)."""
    decor = pages.PageDecor(
        department=department,
        title="Agenda du jour",
        reference=f"Édité le {fr_date(printed_on or date.today(), long=False)}",
    )
    buffer = io.BytesIO()
    pdf = pages.make_document(
        buffer, decor, title=f"Agenda du {agenda.title}", author=department or "Fil rouge"
    )
    pages.build(pdf, _story(agenda))
    return buffer.getvalue()
