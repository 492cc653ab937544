"""Orientation and parcours use cases: orientation, réorientation, entry, exit (sortie) and re-entry.

Re-exported by :mod:`app.services.people.identity`. A réorientation closes the orientation in force (``ended_on``); an exit
closes the parcours and the orientation, records an :class:`ExitRecord`; a re-entry opens a new parcours and keeps
the history.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from dateutil.relativedelta import relativedelta
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models.enums import ExitCategory, PersonStatus, Regime, Track
from app.models.law import CE_ONLY_FROM
from app.models.tables.base import new_id
from app.models.tables.people import ExitRecord, Orientation, Parcours, Person
from app.models.vocabularies.loader import load_vocabularies
from app.services.errors import ValidationError
from app.services.storage.uow import get_row, person_rows, query, rows_of, use_case
from app.services.validation import (
    Checker,
    check,
    fmt_date,
    optional_text,
    parse_date,
    require_choice,
    require_date,
)


def exit_reasons() -> dict[str, dict[str, str]]:
    """Exit category → reason code → French label, the reasons one may choose today (the vocabulary
    ``exit_reasons``: DOMAIN.md « Exits », seed 001). A sanction or a refusal to engage is not an exit: those
    reasons are retired (still readable in the history, never offered, refused here)."""
    vocab = load_vocabularies()
    return {str(c): {e.code: e.label for e in vocab.exit_reasons_of(c)} for c in ExitCategory}


EMPLOYMENT_CATEGORIES = frozenset({ExitCategory.DURABLE_EMPLOYMENT, ExitCategory.TRANSITION_EMPLOYMENT})
IN_JOB_FOLLOWUP_MAX_MONTHS = 6
_DATE_MSG = "Date invalide (format attendu : JJ/MM/AAAA)."


@dataclass(frozen=True)
class OrientationView:
    id: str
    track: str
    organisme: str
    regime: str
    decision_date: date
    notification_date: date | None
    is_reorientation: bool
    ended_on: date | None
    reason: str
    ep_opinion: str


@dataclass(frozen=True)
class ExitView:
    id: str
    exit_date: date
    category: str
    reason: str
    detail: str
    in_job_followup_until: date | None


@dataclass(frozen=True)
class ParcoursView:
    id: str
    start_date: date
    end_date: date | None
    track: str
    exit: ExitView | None


def _open_orientation(s: Session, person_id: str) -> Orientation | None:
    current = [o for o in rows_of(s, Orientation, person_id=person_id) if o.ended_on is None]
    return max(current, key=lambda o: o.decision_date, default=None)


def _open_parcours(s: Session, person_id: str) -> Parcours | None:
    return next((p for p in rows_of(s, Parcours, person_id=person_id) if p.end_date is None), None)


def _orientation_values(
    track: str,
    decision_date: date | str,
    notification_date: date | str | None,
    right_opened_date: date | str | None,
    ep_opinion_date: date | str | None,
    organisme: str,
    reason: str,
    ep_opinion: str,
    regime: str | None,
) -> dict[str, Any]:
    c = Checker()
    values: dict[str, Any] = {
        "track": c.run(
            "track", require_choice, track, Track, "Parcours inconnu (emploi, socio-professionnel, social)."
        ),
        "decision_date": c.run("decision_date", require_date, decision_date, _DATE_MSG),
        "notification_date": c.run("notification_date", parse_date, notification_date, _DATE_MSG),
        "right_opened_date": c.run("right_opened_date", parse_date, right_opened_date, _DATE_MSG),
        "ep_opinion_date": c.run("ep_opinion_date", parse_date, ep_opinion_date, _DATE_MSG),
        "organisme": c.run("organisme", optional_text, organisme),
        "reason": c.run("reason", optional_text, reason, 2000),
        "ep_opinion": c.run("ep_opinion", optional_text, ep_opinion, 2000),
    }
    if regime is not None:
        values["regime"] = c.run("regime", require_choice, regime, Regime, "Régime inconnu.")
    c.raise_if_any()
    notified, decided = values["notification_date"], values["decision_date"]
    if notified is not None and notified < decided:
        raise ValidationError(
            fields={"notification_date": "La notification ne peut pas précéder la décision."}
        )
    return values


@use_case
def record_orientation(
    s: Session,
    person_id: str,
    *,
    track: str,
    decision_date: date | str,
    organisme: str = "",
    regime: str | None = None,
    notification_date: date | str | None = None,
    right_opened_date: date | str | None = None,
    reason: str = "",
    ep_opinion: str = "",
    ep_opinion_date: date | str | None = None,
) -> str:
    """Record an orientation decision. A réorientation closes the orientation in force (``ended_on``). From
    1 January 2025 an orientation is decided under the loi pour le plein emploi: the person moves to that regime
    (their next contract is a contrat d'engagement)."""
    values = _orientation_values(
        track,
        decision_date,
        notification_date,
        right_opened_date,
        ep_opinion_date,
        organisme,
        reason,
        ep_opinion,
        regime,
    )
    decided: date = values["decision_date"]
    person = get_row(s, Person, person_id, "Personne")
    if decided >= CE_ONLY_FROM:  # an orientation decided under the loi pour le plein emploi
        values["regime"] = Regime.PLEIN_EMPLOI
        if person.regime != Regime.PLEIN_EMPLOI:
            person.regime = Regime.PLEIN_EMPLOI
    values.setdefault("regime", person.regime)
    previous = _open_orientation(s, person.id)
    if previous is not None:
        if decided < previous.decision_date:
            raise ValidationError(
                fields={
                    "decision_date": (
                        f"Une réorientation ne peut pas précéder l'orientation en cours ({fmt_date(previous.decision_date)})."
                    )
                }
            )
        previous.ended_on = decided
    row = Orientation(id=new_id(), person_id=person.id, is_reorientation=previous is not None, **values)
    s.add(row)
    current = _open_parcours(s, person.id)
    if current is not None and current.track != row.track:
        current.track = row.track
    return row.id


@query
def orientation_history(s: Session, person_id: str) -> list[OrientationView]:
    """Every orientation of the person, oldest first."""
    rows = person_rows(s, Orientation, person_id, Orientation.decision_date, Orientation.created_at)
    return [
        OrientationView(
            o.id,
            o.track,
            o.organisme,
            o.regime,
            o.decision_date,
            o.notification_date,
            o.is_reorientation,
            o.ended_on,
            o.reason,
            o.ep_opinion,
        )
        for o in rows
    ]


@use_case
def open_parcours(s: Session, person_id: str, *, start_date: date | str, track: str = "") -> str:
    """Enter accompaniment; after an exit this is a re-entry (new parcours, the old one is kept)."""
    start = check("start_date", require_date, start_date, _DATE_MSG)
    if track:
        check(
            "track", require_choice, track, Track, "Parcours inconnu (emploi, socio-professionnel, social)."
        )
    person = get_row(s, Person, person_id, "Personne")
    if _open_parcours(s, person.id) is not None:
        raise ValidationError(fields={"start_date": "Un parcours est déjà en cours pour cette personne."})
    last_end = max(
        (p.end_date for p in rows_of(s, Parcours, person_id=person.id) if p.end_date), default=None
    )
    if last_end is not None and start < last_end:
        raise ValidationError(
            fields={
                "start_date": f"La réentrée ne peut pas précéder la dernière sortie ({fmt_date(last_end)})."
            }
        )
    row = Parcours(id=new_id(), person_id=person.id, start_date=start, track=track)
    s.add(row)
    if person.status != PersonStatus.ACTIVE:
        person.status = PersonStatus.ACTIVE
    return row.id


def _check_exit(category: str, reason: str, exit_date: date, followup: date | None) -> None:
    c = Checker()
    c.run("category", require_choice, category, ExitCategory, "Catégorie de sortie inconnue.")
    if c.ok():
        c.run(
            "reason",
            require_choice,
            reason,
            exit_reasons().get(category, {}),
            "Motif de sortie incompatible avec la catégorie.",
        )
    if followup is not None:
        if category not in EMPLOYMENT_CATEGORIES:
            c.add(
                "in_job_followup_until", "Le suivi dans l'emploi n'existe qu'après une sortie vers l'emploi."
            )
        elif followup <= exit_date or followup > exit_date + relativedelta(months=IN_JOB_FOLLOWUP_MAX_MONTHS):
            c.add("in_job_followup_until", "Le suivi dans l'emploi dure au plus 6 mois après la sortie.")
    c.raise_if_any()


@use_case
def record_exit(
    s: Session,
    person_id: str,
    *,
    exit_date: date | str,
    category: str,
    reason: str,
    detail: str = "",
    in_job_followup_until: date | str | None = None,
) -> str:
    """Close the parcours with a sortie (category + reason), optionally an in-job follow-up of ≤ 6 months."""
    day = check("exit_date", require_date, exit_date, _DATE_MSG)
    followup = check("in_job_followup_until", parse_date, in_job_followup_until, _DATE_MSG)
    _check_exit(category, reason, day, followup)
    person = get_row(s, Person, person_id, "Personne")
    current = _open_parcours(s, person.id)
    if current is None:
        raise ValidationError(
            fields={"exit_date": "Aucun parcours en cours : la sortie ne peut pas être enregistrée."}
        )
    if day < current.start_date:
        raise ValidationError(
            fields={
                "exit_date": f"La sortie ne peut pas précéder l'entrée dans le parcours ({fmt_date(current.start_date)})."
            }
        )
    row = ExitRecord(
        id=new_id(),
        person_id=person.id,
        parcours_id=current.id,
        exit_date=day,
        category=category,
        reason=reason,
        detail=optional_text(detail, 2000),
        in_job_followup_until=followup,
    )
    s.add(row)
    current.end_date = day
    person.status = PersonStatus.EXITED
    orientation = _open_orientation(s, person.id)
    if orientation is not None:
        orientation.ended_on = day
    return row.id


@query
def parcours_history(s: Session, person_id: str) -> list[ParcoursView]:
    """Every parcours of the person (oldest first) with its sortie, if any."""
    rows = person_rows(s, Parcours, person_id, Parcours.start_date)
    exits = {
        e.parcours_id: e for e in s.scalars(select(ExitRecord).where(ExitRecord.person_id == person_id)).all()
    }
    out = []
    for p in rows:
        e = exits.get(p.id)
        view = (
            ExitView(e.id, e.exit_date, e.category, e.reason, e.detail, e.in_job_followup_until)
            if e
            else None
        )
        out.append(ParcoursView(p.id, p.start_date, p.end_date, p.track, view))
    return out
