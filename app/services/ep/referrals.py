"""The référent's side of the équipe pluridisciplinaire: the saisine (motive, reasons, what is proposed, the
facts of the file by reference) and its withdrawal. The EP is consulted before a réorientation and before a
suspension or reduction of the RSA (CASF L.262-39); a saisine for a sanction names the procedure it is part of
(:mod:`app.services.casefile.sanctions`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models.enums import EpMotive, PersonStatus, Track
from app.models.sanctions import procedure_open
from app.models.tables.base import new_id
from app.models.tables.ep import EpCase, EpReferral, EpReferralFact
from app.models.tables.followup import SanctionStep
from app.models.tables.people import Person
from app.services.ep.access import signed_in
from app.services.ep.facts import FACT_TABLES
from app.services.errors import ValidationError
from app.services.storage.uow import get_row, query, rows_of, use_case
from app.services.validation import (
    DATE_MESSAGE,
    Checker,
    fmt_date,
    optional_text,
    require_choice,
    require_date,
    require_text,
)

SUMMARY_MAX = 2000


@dataclass(frozen=True)
class FactRef:
    """A fact to attach: its kind (enums.EpFactKind) and the id of the row of the file."""

    kind: str
    row_id: str


def decided(s: Session, referral_id: str) -> bool:
    return any(c.decision for c in rows_of(s, EpCase, referral_id=referral_id))


def pending(s: Session, person_id: str, motive: str | None = None) -> list[EpReferral]:
    """The person's saisines neither withdrawn nor decided (of ``motive`` when given)."""
    return [
        r
        for r in rows_of(s, EpReferral, person_id=person_id)
        if r.withdrawn_on is None and not decided(s, r.id) and (motive is None or r.motive == motive)
    ]


def _check_facts(s: Session, person_id: str, facts: Sequence[FactRef]) -> list[FactRef]:
    seen: set[tuple[str, str]] = set()
    out = []
    for f in facts:
        if f.kind not in FACT_TABLES:
            raise ValidationError(fields={"facts": "Élément du dossier de nature inconnue."})
        model, _column = FACT_TABLES[f.kind]
        row = s.get(model, f.row_id) if f.row_id else None
        if row is None or row.deleted_at is not None or row.person_id != person_id:
            raise ValidationError(
                fields={"facts": "Un élément choisi n'appartient pas au dossier de la personne."}
            )
        if (f.kind, f.row_id) not in seen:
            seen.add((f.kind, f.row_id))
            out.append(f)
    return out


def _check_procedure(s: Session, person_id: str, procedure_id: str | None, on: date) -> str:
    if not procedure_id:
        raise ValidationError(
            fields={
                "procedure_id": "Une saisine pour manquement porte sur une procédure de sanction : enregistrez "
                "d'abord le manquement constaté (bouton « Sanction… »)."
            }
        )
    steps = sorted(rows_of(s, SanctionStep, procedure_id=procedure_id), key=lambda st: st.step_date)
    if not steps or any(st.person_id != person_id for st in steps):
        raise ValidationError(fields={"procedure_id": "Procédure introuvable pour cette personne."})
    if not procedure_open(steps, on):
        raise ValidationError(fields={"procedure_id": "Cette procédure de sanction est close."})
    return procedure_id


@use_case
def refer(
    s: Session,
    person_id: str,
    *,
    motive: str,
    referred_on: date | str,
    summary: str,
    facts: Sequence[FactRef] = (),
    proposed_track: str | None = None,
    proposed_organisme: str = "",
    procedure_id: str | None = None,
    referred_by: str = "",
) -> str:
    """Saisir l'équipe pluridisciplinaire for the person; the facts are the rows of the file named, not copies.
    Returns the saisine's id."""
    c = Checker()
    c.run("motive", require_choice, motive, EpMotive, "Choisissez le motif de la saisine.")
    day = c.run("referred_on", require_date, referred_on, DATE_MESSAGE)
    text = c.run(
        "summary",
        require_text,
        summary,
        "Exposez en quelques lignes ce que vous demandez à l'EP.",
        SUMMARY_MAX,
    )
    organisme = c.run("proposed_organisme", optional_text, proposed_organisme)
    if motive == EpMotive.REORIENTATION:
        c.run(
            "proposed_track", require_choice, proposed_track or "", Track,
            "Indiquez le parcours proposé pour la réorientation.",
        )  # fmt: skip
    c.raise_if_any()
    assert day is not None
    person = get_row(s, Person, person_id, "Personne")
    if person.status == PersonStatus.EXITED:
        raise ValidationError(
            fields={"motive": "La personne est sortie du dispositif : l'EP ne peut être saisie."}
        )
    if day > date.today():
        raise ValidationError(fields={"referred_on": "La saisine ne peut pas être datée dans le futur."})
    if pending(s, person.id, motive):
        raise ValidationError(
            fields={"motive": "Une saisine de l'EP pour ce motif est déjà en cours pour cette personne."}
        )
    sanction = motive == EpMotive.SANCTION
    procedure_id = _check_procedure(s, person.id, procedure_id, day) if sanction else None
    kept = _check_facts(s, person.id, facts)
    author = referred_by or signed_in.within(s).name
    row = EpReferral(
        id=new_id(),
        person_id=person.id,
        motive=motive,
        referred_on=day,
        referred_by=optional_text(author, 200),
        summary=text or "",
        proposed_track=proposed_track if motive != EpMotive.SANCTION else None,
        proposed_organisme=(organisme or "") if motive != EpMotive.SANCTION else "",
        procedure_id=procedure_id,
    )
    s.add(row)
    for f in kept:
        _model, column = FACT_TABLES[f.kind]
        s.add(
            EpReferralFact(
                id=new_id(), person_id=person.id, referral_id=row.id, kind=f.kind, **{column: f.row_id}
            )
        )
    return row.id


@use_case
def withdraw(s: Session, referral_id: str, *, on: date | str, reason: str) -> None:
    """Withdraw a saisine not decided yet (the person re-engaged, the situation changed…); it stays in the file."""
    c = Checker()
    day = c.run("withdrawn_on", require_date, on, DATE_MESSAGE)
    why = c.run(
        "withdrawn_reason", require_text, reason, "Indiquez pourquoi la saisine est retirée.", SUMMARY_MAX
    )
    c.raise_if_any()
    assert day is not None
    row = get_row(s, EpReferral, referral_id, "Saisine")
    if row.withdrawn_on is not None:
        raise ValidationError(
            fields={"withdrawn_on": f"Saisine déjà retirée le {fmt_date(row.withdrawn_on)}."}
        )
    if decided(s, row.id):
        raise ValidationError(
            fields={
                "withdrawn_on": "Le président du conseil départemental a déjà décidé : la saisine ne se retire plus."
            }
        )
    if day < row.referred_on:
        raise ValidationError(fields={"withdrawn_on": "Le retrait ne peut pas précéder la saisine."})
    row.withdrawn_on = day
    row.withdrawn_reason = why or ""


@query
def open_procedure(s: Session, person_id: str, today: date | None = None) -> str | None:
    """The person's sanction procedure still running (the latest one), for a saisine « manquement »."""
    steps = s.scalars(
        select(SanctionStep)
        .where(SanctionStep.person_id == person_id, SanctionStep.deleted_at.is_(None))
        .order_by(SanctionStep.step_date, SanctionStep.created_at)
    ).all()
    by_procedure: dict[str, list[SanctionStep]] = {}
    for st in steps:
        by_procedure.setdefault(st.procedure_id, []).append(st)
    running = [p for p, sts in by_procedure.items() if procedure_open(sts, today or date.today())]
    return running[-1] if running else None
