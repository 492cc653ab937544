"""The facts of a file a saisine of the EP can carry, by reference: the orientation in force, the contract, the
RDVs the person did not attend, the letters exchanged, the steps of the sanction procedure, documents. The
référent ticks them (the likely ones come ticked); the saisine stores the row ids, and every screen, letter
and list reads the rows themselves (:func:`describe`), so nothing is typed twice."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models.enums import AppointmentStatus, ContractStatus, EpFactKind, EpMotive, NoteKind
from app.models.sanctions import procedure_open
from app.models.tables.carnet import Document
from app.models.tables.contracts import Contract
from app.models.tables.ep import EpReferralFact
from app.models.tables.followup import Appointment, Note, SanctionStep
from app.models.tables.people import Orientation
from app.models.vocabularies.loader import Vocabularies, load_vocabularies
from app.services.storage.uow import query

_K = EpFactKind
#: Fact kind → (table, column of :class:`EpReferralFact` naming the row).
FACT_TABLES: dict[str, tuple[type[Any], str]] = {
    _K.ORIENTATION: (Orientation, "orientation_id"),
    _K.CONTRACT: (Contract, "contract_id"),
    _K.MISSED_RDV: (Appointment, "appointment_id"),
    _K.LETTER: (Note, "note_id"),
    _K.SANCTION_STEP: (SanctionStep, "sanction_step_id"),
    _K.DOCUMENT: (Document, "document_id"),
}
#: How far back the RDVs and letters offered go.
LOOKBACK = timedelta(days=365)
MISSING = "Élément du dossier non disponible sur ce poste"


@dataclass(frozen=True)
class FactChoice:
    """A fact the référent may attach (``suggested``: ticked at first for the motive chosen)."""

    kind: str
    row_id: str
    day: date | None
    text: str
    suggested: bool = False

    @property
    def kind_label(self) -> str:
        return load_vocabularies().label("ep_fact_kinds", self.kind)


def _d(value: date | datetime | None) -> date | None:
    return value.date() if isinstance(value, datetime) else value


def _fmt(value: date | datetime | None) -> str:
    day = _d(value)
    return day.strftime("%d/%m/%Y") if day else "date inconnue"


def _short(text: str, limit: int = 90) -> str:
    one = " ".join(text.split())
    return one if len(one) <= limit else one[: limit - 1].rstrip() + "…"


def _orientation(o: Orientation, v: Vocabularies) -> tuple[date | None, str]:
    track = v.label("tracks", o.track).lower()
    org = f" — {o.organisme}" if o.organisme else ""
    return o.decision_date, f"Parcours {track}{org}, décidé le {_fmt(o.decision_date)}"


def _contract(c: Contract, v: Vocabularies) -> tuple[date | None, str]:
    span = f" du {_fmt(c.start_date)} au {_fmt(c.end_date)}" if c.start_date else ""
    signed = f", signé le {_fmt(c.signed_on)}" if c.signed_on else ""
    status = v.label("contract_statuses", c.status).lower()
    return (
        c.signed_on or c.start_date,
        f"{v.label('contract_kinds', c.kind)} n° {c.number}{span}{signed} ({status})",
    )


def _appointment(a: Appointment, v: Vocabularies) -> tuple[date | None, str]:
    what = v.label("appointment_purposes", a.purpose)
    status = v.label("appointment_statuses", a.status).lower()
    return _d(a.starts_at), f"Rendez-vous du {a.starts_at:%d/%m/%Y à %H:%M} ({what}) : {status}"


def _letter(n: Note, _v: Vocabularies) -> tuple[date | None, str]:
    return _d(n.written_at), f"Courrier du {_fmt(n.written_at)} : {_short(n.body)}"


def _step(st: SanctionStep, v: Vocabularies) -> tuple[date | None, str]:
    detail = f" — {_short(st.detail, 70)}" if st.detail else ""
    return st.step_date, f"{v.label('sanction_steps', st.kind)} le {_fmt(st.step_date)}{detail}"


def _document(d: Document, v: Vocabularies) -> tuple[date | None, str]:
    day = d.document_date or _d(d.created_at)
    return day, f"{d.title} ({v.label('document_kinds', d.kind).lower()}, {_fmt(day)})"


_DESCRIBE: dict[str, Callable[[Any, Vocabularies], tuple[date | None, str]]] = {
    _K.ORIENTATION: _orientation,
    _K.CONTRACT: _contract,
    _K.MISSED_RDV: _appointment,
    _K.LETTER: _letter,
    _K.SANCTION_STEP: _step,
    _K.DOCUMENT: _document,
}


def describe(s: Session, fact: EpReferralFact, v: Vocabularies | None = None) -> tuple[date | None, str]:
    """The day and the French line of an attached fact, read from the row it names."""
    model, column = FACT_TABLES[fact.kind]
    row_id = getattr(fact, column)
    row = s.get(model, row_id) if row_id else None
    if row is None or row.deleted_at is not None:
        return None, MISSING
    return _DESCRIBE[fact.kind](row, v or load_vocabularies())


def _live(s: Session, model: Any, person_id: str, *where: Any) -> list[Any]:
    stmt = select(model).where(model.person_id == person_id, model.deleted_at.is_(None), *where)
    return list(s.scalars(stmt).all())


@query
def fact_choices(s: Session, person_id: str, motive: str, *, today: date | None = None) -> list[FactChoice]:
    """The facts of the person's file the saisine may carry, newest first within each kind; the ones a saisine
    for ``motive`` usually needs come ``suggested``."""
    v = load_vocabularies()
    today = today or date.today()
    since = today - LOOKBACK
    sanction = motive == EpMotive.SANCTION
    out: list[FactChoice] = []

    def add(kind: str, rows: list[Any], suggested: Callable[[Any], bool]) -> None:
        described = [(row, *_DESCRIBE[kind](row, v)) for row in rows]
        described.sort(key=lambda t: t[1] or date.min, reverse=True)
        out.extend(FactChoice(kind, row.id, day, text, suggested(row)) for row, day, text in described)

    orientations = _live(s, Orientation, person_id, Orientation.ended_on.is_(None))
    add(_K.ORIENTATION, orientations, lambda _o: True)
    contracts = _live(s, Contract, person_id, Contract.status != ContractStatus.DRAFT)
    latest = max(contracts, key=lambda c: (c.start_date or date.min, c.created_at), default=None)
    add(_K.CONTRACT, contracts, lambda c: c is latest)
    missed = _live(
        s, Appointment, person_id, Appointment.status == AppointmentStatus.MISSED,
        Appointment.starts_at >= datetime.combine(since, datetime.min.time()),
    )  # fmt: skip
    add(_K.MISSED_RDV, missed, lambda _a: motive != EpMotive.REORIENTATION)
    letters = _live(
        s, Note, person_id, Note.kind == NoteKind.LETTER,
        Note.written_at >= datetime.combine(since, datetime.min.time()),
    )  # fmt: skip
    add(_K.LETTER, letters, lambda _n: sanction)
    steps = _live(s, SanctionStep, person_id)
    by_procedure: dict[str, list[SanctionStep]] = {}
    for st in sorted(steps, key=lambda x: (x.step_date, x.created_at)):
        by_procedure.setdefault(st.procedure_id, []).append(st)
    open_ids = {pid for pid, sts in by_procedure.items() if procedure_open(sts, today)}
    add(_K.SANCTION_STEP, steps, lambda st: sanction and st.procedure_id in open_ids)
    add(_K.DOCUMENT, _live(s, Document, person_id), lambda _d: False)
    return out
