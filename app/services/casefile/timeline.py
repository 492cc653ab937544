"""The timeline of a person's file: everything that happened to the person, in date order.

Orientations, RDVs and their status changes, diagnostic versions, objectives, actions, prescriptions, notes,
documents, contracts and their lifecycle events, référent changes, exits and sanction steps, bilans, joint
reviews with France Travail, co-accompaniments and the équipe pluridisciplinaire (saisine, convocation, avis,
décision) — read in one
session, returned as frozen :class:`TimelineItem` rows, filterable by kind and by a search text.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models.tables.carnet import Action, DiagnosticVersion, Document, Objective, Prescription
from app.models.tables.contracts import Contract, ContractEvent, ContractVersion
from app.models.tables.ep import EpCase, EpReferral, EpSeance
from app.models.tables.followup import (
    Appointment,
    AppointmentEvent,
    AppointmentLetter,
    AppointmentReminder,
    Note,
    SanctionStep,
)
from app.models.tables.people import CoAccompaniment, ExitRecord, Orientation, Referent, ReferentAssignment
from app.models.tables.reviews import Bilan, JointReview
from app.models.text import fold
from app.models.vocabularies.loader import Vocabularies, load_vocabularies
from app.services.casefile.documents import size_label
from app.services.people.identity import author_label, author_names
from app.services.storage.uow import query

#: Kind code → French label, in the order the filters show them.
KIND_LABELS: dict[str, str] = {
    "orientation": "Orientation",
    "rdv": "Rendez-vous",
    "rdv_statut": "Statut de rendez-vous",
    "courrier_rdv": "Convocation ou relance",
    "rappel": "Rappel de rendez-vous",
    "diagnostic": "Diagnostic",
    "objectif": "Objectif",
    "action": "Action",
    "prescription": "Prescription",
    "note": "Note",
    "document": "Document",
    "contrat": "Contrat",
    "contrat_etape": "Étape de contrat",
    "referent": "Changement de référent",
    "sortie": "Sortie",
    "sanction": "Sanction",
    "bilan": "Bilan",
    "diagnostic_conjoint": "Diagnostic conjoint",
    "co_accompagnement": "Co-accompagnement",
    "ep": "Équipe pluridisciplinaire",
}
TIMELINE_KINDS = tuple(KIND_LABELS)


@dataclass(frozen=True)
class TimelineItem:
    at: datetime
    kind: str
    kind_label: str
    title: str
    detail: str
    object_id: str


def _at(value: date | datetime | None, fallback: datetime) -> datetime:
    if value is None:
        return fallback
    if isinstance(value, datetime):
        return value
    return datetime.combine(value, time())


def _item(kind: str, at: datetime, title: str, detail: str, object_id: str) -> TimelineItem:
    return TimelineItem(at, kind, KIND_LABELS[kind], title, detail, object_id)


def _short(text: str, limit: int = 160) -> str:
    clean = " ".join(text.split())
    return clean if len(clean) <= limit else clean[: limit - 1].rstrip() + "…"


def _live(s: Session, model: Any, *where: Any) -> list[Any]:
    stmt = select(model).where(*where)
    if hasattr(model, "deleted_at"):
        stmt = stmt.where(model.deleted_at.is_(None))
    return list(s.scalars(stmt).all())


def _orientations(s: Session, pid: str, v: Vocabularies) -> list[TimelineItem]:
    out = []
    for o in _live(s, Orientation, Orientation.person_id == pid):
        title = f"{'Réorientation' if o.is_reorientation else 'Orientation'} : {v.label('tracks', o.track).lower()}"
        detail = " — ".join(x for x in (o.organisme, _short(o.reason)) if x)
        out.append(_item("orientation", _at(o.decision_date, o.created_at), title, detail, o.id))
    return out


def _appointments(s: Session, pid: str, v: Vocabularies) -> list[TimelineItem]:
    rows = _live(s, Appointment, Appointment.person_id == pid)
    out = []
    for a in rows:
        title = f"Rendez-vous : {v.label('appointment_purposes', a.purpose)}"
        detail = " · ".join(
            x for x in (v.label("appointment_natures", a.nature), a.place,
                        v.label("appointment_statuses", a.status)) if x
        )  # fmt: skip
        out.append(_item("rdv", a.starts_at, title, detail, a.id))
    by_id = {a.id: a for a in rows}
    events = _live(s, AppointmentEvent, AppointmentEvent.appointment_id.in_(by_id))
    events.sort(key=lambda e: (e.at, e.created_at))
    seen: set[str] = set()
    for e in events:
        if e.appointment_id not in seen:  # the first event is the creation, shown by the RDV itself
            seen.add(e.appointment_id)
            continue
        rdv = by_id[e.appointment_id]
        title = f"RDV du {rdv.starts_at:%d/%m/%Y} : {v.label('appointment_statuses', e.status).lower()}"
        out.append(_item("rdv_statut", e.at, title, _short(e.comment), rdv.id))
    return out


def _who(s: Session, login: str) -> str:
    """The author's name (records keep the login)."""
    return author_label(login, author_names.within(s)) if login else ""


_REMINDER_SHOWN = {"envoye": "envoyé", "echec": "en échec"}
_REMINDER_BY = {"courriel": "par courriel", "sms": "par SMS"}


def _letters_and_reminders(s: Session, pid: str, v: Vocabularies) -> list[TimelineItem]:
    """Letters sent for a RDV (ADR 0035) and reminders the server sent or failed to send (ADR 0036)."""
    starts = dict(
        s.execute(select(Appointment.id, Appointment.starts_at).where(Appointment.person_id == pid)).all()
    )
    out = []
    for x in _live(s, AppointmentLetter, AppointmentLetter.person_id == pid):
        when = starts.get(x.appointment_id)
        title = (
            f"{v.label('letter_kinds', x.kind)} — RDV du {when:%d/%m/%Y}"
            if when
            else v.label("letter_kinds", x.kind)
        )
        detail = " — ".join(
            y for y in (f"par {_who(s, x.author)}" if x.author else "", f"modèle {x.template}") if y
        )
        out.append(_item("courrier_rdv", _at(x.sent_on, x.created_at), title, detail, x.appointment_id))
    for r in _live(s, AppointmentReminder, AppointmentReminder.person_id == pid):
        if r.state not in _REMINDER_SHOWN:
            continue
        by = _REMINDER_BY.get(r.channel) or v.label("reminder_channels", r.channel)
        title = f"Rappel {by} {_REMINDER_SHOWN[r.state]} — RDV du {r.rdv_at:%d/%m/%Y}"
        out.append(_item("rappel", r.sent_at or r.updated_at, title, r.failure, r.appointment_id))
    return out


def _diagnostics(s: Session, pid: str, _v: Vocabularies) -> list[TimelineItem]:
    return [
        _item(
            "diagnostic",
            d.recorded_at,
            f"Diagnostic — version {d.version_no}",
            "Diagnostic initial transmis par la CAF"
            if d.source == "caf"
            else "Mise à jour" + (f" par {_who(s, d.author)}" if d.author else ""),
            d.id,
        )
        for d in _live(s, DiagnosticVersion, DiagnosticVersion.person_id == pid)
    ]


def _carnet(s: Session, pid: str, v: Vocabularies) -> list[TimelineItem]:
    out = []
    for o in _live(s, Objective, Objective.person_id == pid):
        detail = f"{v.label('carnet_themes', o.theme)} · {v.label('objective_statuses', o.status)}"
        out.append(
            _item("objectif", _at(o.consent_date, o.created_at), f"Objectif : {o.title}", detail, o.id)
        )
    for a in _live(s, Action, Action.person_id == pid):
        detail = " · ".join(x for x in (a.partner, v.label("action_statuses", a.status)) if x)
        out.append(_item("action", _at(a.start_date, a.created_at), f"Action : {a.label}", detail, a.id))
    for p in _live(s, Prescription, Prescription.person_id == pid):
        title = f"Prescription : {v.label('prescription_kinds', p.kind)}"
        detail = " · ".join(x for x in (p.partner, v.label("prescription_outcomes", p.outcome)) if x)
        out.append(_item("prescription", _at(p.prescribed_on, p.created_at), title, detail, p.id))
    return out


def _notes(s: Session, pid: str, v: Vocabularies) -> list[TimelineItem]:
    rows = _live(s, Note, Note.person_id == pid)
    corrected = {n.corrects_note_id for n in rows if n.corrects_note_id}
    out = []
    for n in rows:
        title = f"Note ({v.label('note_kinds', n.kind).lower()})"
        if n.corrects_note_id:
            title += " — correction"
        elif n.id in corrected:
            title += " — corrigée"
        detail = _short(n.body) + (f" — {_who(s, n.author)}" if n.author else "")
        out.append(_item("note", n.written_at, title, detail, n.id))
    return out


def _documents(s: Session, pid: str, v: Vocabularies) -> list[TimelineItem]:
    return [
        _item(
            "document",
            _at(d.document_date, d.created_at),
            f"Document : {d.title}",
            f"{v.label('document_kinds', d.kind)} · {size_label(d.size)}",
            d.id,
        )
        for d in _live(s, Document, Document.person_id == pid)
    ]


def _contract_start(c: Contract, drafted: dict[str, datetime], events: list[ContractEvent]) -> datetime:
    """When the contract entered the file: its first saved version, its first event or its start date."""
    moments = [drafted[c.id]] if c.id in drafted else []
    moments += [e.at for e in events if e.contract_id == c.id]
    if c.start_date is not None:
        moments.append(_at(c.start_date, c.created_at))
    return min(moments, default=c.created_at)


def _contracts(s: Session, pid: str, v: Vocabularies) -> list[TimelineItem]:
    rows = _live(s, Contract, Contract.person_id == pid)
    ids = [c.id for c in rows]
    drafted: dict[str, datetime] = {}
    for ver in _live(s, ContractVersion, ContractVersion.contract_id.in_(ids)):
        drafted[ver.contract_id] = min(ver.saved_at, drafted.get(ver.contract_id, ver.saved_at))
    events = _live(s, ContractEvent, ContractEvent.contract_id.in_(ids))
    numbers = {c.id: c.number for c in rows}
    out = []
    for c in rows:
        title = f"{'Renouvellement' if c.is_renewal else 'Contrat'} n° {c.number}"
        detail = f"{v.label('contract_kinds', c.kind)} · {v.label('contract_statuses', c.status)}"
        out.append(_item("contrat", _contract_start(c, drafted, events), title, detail, c.id))
    for e in events:
        if not e.from_status:
            continue
        title = f"Contrat n° {numbers[e.contract_id]} : {v.label('contract_statuses', e.to_status).lower()}"
        detail = " — ".join(
            x for x in (f"par {_who(s, e.author)}" if e.author else "", _short(e.comment)) if x
        )
        out.append(_item("contrat_etape", e.at, title, detail, e.contract_id))
    return out


def _referents(s: Session, pid: str, _v: Vocabularies) -> list[TimelineItem]:
    out = []
    for a in _live(s, ReferentAssignment, ReferentAssignment.person_id == pid):
        ref = s.get(Referent, a.referent_id)
        name = f"{ref.first_name} {ref.last_name}" if ref else "référent inconnu"
        detail = " — ".join(x for x in (ref.structure if ref else "", _short(a.reason)) if x)
        out.append(_item("referent", _at(a.start_date, a.created_at), f"Référent : {name}", detail, a.id))
    return out


def _exits_and_sanctions(s: Session, pid: str, v: Vocabularies) -> list[TimelineItem]:
    out = []
    for x in _live(s, ExitRecord, ExitRecord.person_id == pid):
        title = f"Sortie : {v.label('exit_reasons', x.reason)}"
        detail = " — ".join(y for y in (v.label("exit_categories", x.category), _short(x.detail)) if y)
        out.append(_item("sortie", _at(x.exit_date, x.created_at), title, detail, x.id))
    for st in _live(s, SanctionStep, SanctionStep.person_id == pid):
        title = f"Sanction : {v.label('sanction_steps', st.kind).lower()}"
        out.append(_item("sanction", _at(st.step_date, st.created_at), title, _short(st.detail), st.id))
    return out


def _reviews(s: Session, pid: str, v: Vocabularies) -> list[TimelineItem]:
    """Bilans (ADR 0050), joint reviews with France Travail (ADR 0051), co-accompaniments (ADR 0052)."""
    out = []
    for b in _live(s, Bilan, Bilan.person_id == pid):
        title = v.label("bilan_kinds", b.kind) + ("" if b.status == "finalise" else " (brouillon)")
        rec = v.label("bilan_recommendations", b.recommendation) if b.recommendation else ""
        who = f"avec {len(b.participants)} participant(s)" if b.participants else ""
        out.append(
            _item("bilan", _at(b.held_on, b.created_at), title, " · ".join(x for x in (rec, who) if x), b.id)
        )
    for r in _live(s, JointReview, JointReview.person_id == pid):
        title = (
            f"Diagnostic conjoint avec France Travail : {v.label('joint_review_conclusions', r.conclusion)}"
        )
        detail = " — ".join(x for x in (r.ft_adviser, r.ft_agency, _short(r.findings)) if x)
        out.append(_item("diagnostic_conjoint", _at(r.held_on, r.created_at), title, detail, r.id))
    for c in _live(s, CoAccompaniment, CoAccompaniment.person_id == pid):
        ref = s.get(Referent, c.referent_id)
        name = f"{ref.first_name} {ref.last_name}" if ref else "professionnel inconnu"
        role = v.label("co_roles", c.role)
        out.append(_item("co_accompagnement", _at(c.start_date, c.created_at), f"Co-accompagnement : {name}",
                         " — ".join(x for x in (role, _short(c.purpose)) if x), c.id))  # fmt: skip
        if c.end_date is not None:
            out.append(_item("co_accompagnement", _at(c.end_date, c.updated_at),
                             f"Fin du co-accompagnement : {name}", role, c.id))  # fmt: skip
    return out


def _ep(s: Session, pid: str, v: Vocabularies) -> list[TimelineItem]:
    """The saisines of the équipe pluridisciplinaire and what became of them (ADR 0040)."""
    out = []
    referrals = {r.id: r for r in _live(s, EpReferral, EpReferral.person_id == pid)}
    for r in referrals.values():
        title = f"Saisine de l'EP : {v.label('ep_motives', r.motive).lower()}"
        detail = " — ".join(
            x for x in (_short(r.summary), f"par {r.referred_by}" if r.referred_by else "") if x
        )
        out.append(_item("ep", _at(r.referred_on, r.created_at), title, detail, r.id))
        if r.withdrawn_on is not None:
            out.append(_item("ep", _at(r.withdrawn_on, r.updated_at), "Saisine de l'EP retirée",
                             _short(r.withdrawn_reason), r.id))  # fmt: skip
    for c in _live(s, EpCase, EpCase.person_id == pid):
        seance = s.get(EpSeance, c.seance_id)
        when = f"séance « {seance.label} » du {seance.held_at:%d/%m/%Y}" if seance else "séance de l'EP"
        if c.convened_on is not None:
            out.append(_item("ep", _at(c.convened_on, c.updated_at), f"Convocation à la {when}", "", c.id))
        if c.opinion and c.opinion_on is not None:
            title = f"Avis de l'EP : {v.label('ep_opinions', c.opinion).lower()}"
            detail = " — ".join(x for x in (when, _short(c.opinion_detail)) if x)
            out.append(_item("ep", _at(c.opinion_on, c.updated_at), title, detail, c.id))
        if c.decision and c.decision_on is not None:
            title = f"Décision après avis de l'EP : {v.label('ep_decisions', c.decision).lower()}"
            detail = " — ".join(x for x in (c.decided_by, _short(c.decision_detail)) if x)
            out.append(_item("ep", _at(c.decision_on, c.updated_at), title, detail, c.id))
    return out


_READERS: tuple[Callable[[Session, str, Vocabularies], list[TimelineItem]], ...] = (
    _orientations, _appointments, _letters_and_reminders, _diagnostics, _carnet, _notes, _documents,
    _contracts, _referents, _exits_and_sanctions, _reviews, _ep,
)  # fmt: skip


def matches(item: TimelineItem, search: str) -> bool:
    """Accent- and case-insensitive search in the title, detail and kind label."""
    words = fold(search).split()
    haystack = fold(f"{item.title} {item.detail} {item.kind_label}")
    return all(w in haystack for w in words)


@query
def timeline(
    s: Session, person_id: str, *, kinds: Iterable[str] | None = None, search: str = ""
) -> list[TimelineItem]:
    """Everything that happened to the person, oldest first; ``kinds`` keeps only those kinds."""
    wanted = set(kinds) if kinds is not None else set(TIMELINE_KINDS)
    vocab = load_vocabularies()
    items: list[TimelineItem] = []
    for reader in _READERS:
        items += [i for i in reader(s, person_id, vocab) if i.kind in wanted]
    if search.strip():
        items = [i for i in items if matches(i, search)]
    order = {k: n for n, k in enumerate(TIMELINE_KINDS)}
    return sorted(items, key=lambda i: (i.at, order[i.kind]))
