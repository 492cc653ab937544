"""« Ma feuille de route »: the person's own printout of their objectives, actions and next appointments.

Written for the person, in plain French (« vous »), A4, DejaVu embedded. No NIR, no CAF number, no
diagnostic detail: only what the person works on and when they are expected.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Spacer, Table

from app.models import french
from app.models.french import fr_date
from app.services.printing import base, pages
from app.services.printing.base import AppointmentLine, esc, markup, para

OBJECTIVE_STATUS = {"en_cours": "En cours", "atteint": "Atteint", "abandonne": "Abandonné"}
ACTION_STATUS = {
    "prevue": "À faire",
    "en_cours": "En cours",
    "realisee": "Fait",
    "abandonnee": "Abandonnée",
    "annulee": "Annulée",
    "en_attente": "En attente",
}
NATURE = {
    "physique": "Sur place",
    "telephone": "Par téléphone",
    "visio": "En visioconférence",
    "visite_domicile": "À votre domicile",
}


@dataclass(frozen=True)
class RoadmapAction:
    label: str
    status: str = "prevue"  # enums.ActionStatus code, or a ready French label
    partner: str = ""
    due: date | None = None


@dataclass(frozen=True)
class RoadmapObjective:
    label: str
    status: str = "en_cours"  # enums.ObjectiveStatus code, or a ready French label
    theme: str = ""
    actions: tuple[RoadmapAction, ...] = ()


@dataclass(frozen=True)
class RoadmapDocument:
    person_name: str
    referent_name: str
    referent_structure: str
    printed_on: date
    department: str = ""
    referent_phone: str = ""
    referent_email: str = ""
    objectives: tuple[RoadmapObjective, ...] = ()
    appointments: tuple[AppointmentLine, ...] = ()


def _objective_block(index: int, objective: RoadmapObjective) -> list[Flowable]:
    status = OBJECTIVE_STATUS.get(objective.status, objective.status)
    theme = f" <font color='#555555'>({esc(objective.theme)})</font>" if objective.theme else ""
    title = markup(f"<b>{index}. {esc(objective.label)}</b>{theme} — {esc(status)}", "Lead")
    if not objective.actions:
        if objective.status != "en_cours":
            return [title]
        return [KeepTogether([title, para("Pas encore d'étape prévue.", "Body")])]
    rows: list[list[Flowable]] = [
        [para(h, "CellBold") for h in ("Ce que je fais", "Avec qui", "Pour quand", "Où j'en suis")]
    ]
    for action in objective.actions:
        rows.append(
            [
                para(action.label, "Cell"),
                para(action.partner or "—", "Cell"),
                para(fr_date(action.due, empty="—"), "Cell"),
                para(ACTION_STATUS.get(action.status, action.status), "Cell"),
            ]
        )
    table = Table(rows, colWidths=[72 * mm, 42 * mm, 30 * mm, 26 * mm], repeatRows=1, hAlign="LEFT")
    table.setStyle(base.grid_style())
    return [base.KeepStart([title, table], 35 * mm), title, table, Spacer(1, 3 * mm)]


def _appointments(doc: RoadmapDocument) -> list[Flowable]:
    heading = para("Mes prochains rendez-vous", "Heading")
    if not doc.appointments:
        return [
            heading,
            para("Aucun rendez-vous n'est prévu pour le moment. Votre référent vous contactera."),
        ]
    rows: list[list[Flowable]] = [[para(h, "CellBold") for h in ("Quand", "Où", "Comment", "Pourquoi")]]
    for rdv in sorted(doc.appointments, key=lambda a: a.at):
        rows.append(
            [
                para(french.fr_datetime(rdv.at), "Cell"),
                para(rdv.place or "—", "Cell"),
                para(NATURE.get(rdv.nature, rdv.nature) or "—", "Cell"),
                para(rdv.purpose or "—", "Cell"),
            ]
        )
    table = Table(rows, colWidths=[60 * mm, 48 * mm, 30 * mm, 32 * mm], repeatRows=1, hAlign="LEFT")
    table.setStyle(base.grid_style())
    return [base.KeepStart([heading, table], 35 * mm), heading, table]


def _story(doc: RoadmapDocument) -> list[Flowable]:
    contact = " · ".join(x for x in (doc.referent_phone, doc.referent_email) if x)
    story: list[Flowable] = [
        para("Ma feuille de route", "BigTitle"),
        markup(f"<b>{esc(doc.person_name)}</b> — à jour le {fr_date(doc.printed_on)}", "Lead"),
        para(
            f"Votre référent : {doc.referent_name}, {doc.referent_structure}"
            + (f" ({contact})" if contact else ""),
        ),
        para(
            "Cette feuille reprend ce que nous avons décidé ensemble : vos objectifs, les étapes pour y arriver "
            "et vos prochains rendez-vous. Gardez-la avec vous et apportez-la à chaque rendez-vous.",
        ),
        Spacer(1, 2 * mm),
        base.section_rule(),
        *_appointments(doc),
        para("Mes objectifs et mes étapes", "Heading"),
    ]
    if not doc.objectives:
        story.append(para("Nous fixerons vos objectifs ensemble lors du prochain rendez-vous."))
    for i, objective in enumerate(doc.objectives, 1):
        story += _objective_block(i, objective)
    story += [
        Spacer(1, 4 * mm),
        base.section_rule(),
        para(
            "Un empêchement ? Prévenez votre référent le plus tôt possible pour convenir d'une autre date. "
            "Une question, un changement dans votre situation ? Parlez-en à votre référent : il est là pour vous aider.",
            "Body",
        ),
    ]
    return story


def render_roadmap(doc: RoadmapDocument) -> bytes:
    """« Ma feuille de route » as PDF bytes (A4, DejaVu embedded, « Page N / M » footer)."""
    decor = pages.PageDecor(
        department=doc.department,
        title="Ma feuille de route",
        reference=f"Édité le {fr_date(doc.printed_on, long=False)}",
    )
    buffer = io.BytesIO()
    pdf = pages.make_document(
        buffer, decor, title="Ma feuille de route", author=doc.department or "Fil rouge"
    )
    pages.build(pdf, _story(doc))
    return buffer.getvalue()
