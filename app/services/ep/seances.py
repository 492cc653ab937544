"""The EP secretariat's side: séances (when, where, who sits), their agenda built from the saisines waiting,
and a case taken off the agenda before the EP examined it. A séance carries no personal data of the people
examined; the agenda is made of cases (:class:`~app.models.tables.ep.EpCase`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from app.models.enums import EpOpinion, EpSeanceStatus
from app.models.tables.base import new_id, utcnow
from app.models.tables.ep import EpCase, EpReferral, EpSeance
from app.services.ep.referrals import decided
from app.services.errors import ValidationError
from app.services.storage.uow import get_row, rows_of, use_case
from app.services.validation import Checker, FieldError, optional_text, require_choice, require_text

MEMBERS_MAX = 30
_MOMENT_MESSAGE = "Date et heure invalides (format attendu : JJ/MM/AAAA HH:MM)."


@dataclass(frozen=True)
class Member:
    """Someone who sits on the EP: a name and a quality (« conseillère France Travail », « représentant des
    bénéficiaires du RSA »… CASF L.262-39)."""

    name: str
    quality: str = ""


def _moment(value: datetime | str) -> datetime:
    if isinstance(value, datetime):
        return value.replace(second=0, microsecond=0)
    try:
        return datetime.strptime(value.strip(), "%d/%m/%Y %H:%M")
    except (ValueError, AttributeError):
        raise FieldError(_MOMENT_MESSAGE) from None


def _values(
    label: str, held_at: datetime | str, place: str, address: str, contact: str, members: Sequence[Member]
) -> dict[str, Any]:
    c = Checker()
    values: dict[str, Any] = {
        "label": c.run(
            "label", require_text, label, "Donnez un nom à la séance (ex. : EP du territoire Nord).", 200
        ),
        "place": c.run("place", require_text, place, "Indiquez le lieu de la séance.", 200),
        "address": c.run("address", optional_text, address, 300),
        "contact": c.run("contact", optional_text, contact, 200),
        "held_at": c.run("held_at", _moment, held_at),
    }
    c.raise_if_any()
    clean = []
    for m in members:
        name = optional_text(m.name, 200)
        if name:
            clean.append({"name": name, "quality": optional_text(m.quality, 200)})
    if len(clean) > MEMBERS_MAX:
        raise ValidationError(fields={"members": f"{MEMBERS_MAX} membres au plus."})
    values["members"] = clean
    return values


@use_case
def create_seance(
    s: Session,
    *,
    label: str,
    held_at: datetime | str,
    place: str,
    address: str = "",
    contact: str = "",
    members: Sequence[Member] = (),
) -> str:
    """A new séance of the EP (« prévue »); returns its id."""
    values = _values(label, held_at, place, address, contact, members)
    row = EpSeance(id=new_id(), status=EpSeanceStatus.PLANNED, **values)
    s.add(row)
    return row.id


@use_case
def update_seance(
    s: Session,
    seance_id: str,
    *,
    label: str,
    held_at: datetime | str,
    place: str,
    address: str = "",
    contact: str = "",
    members: Sequence[Member] = (),
    status: str | None = None,
) -> None:
    """Change a séance (its date, place, members, state). A séance whose cases have an avis cannot move."""
    row = get_row(s, EpSeance, seance_id, "Séance")
    values = _values(label, held_at, place, address, contact, members)
    if status is not None:
        values["status"] = require_choice(status, EpSeanceStatus, "État de séance inconnu.")
    cases = rows_of(s, EpCase, seance_id=row.id)
    examined = [c for c in cases if c.opinion]
    if examined and values["held_at"] != row.held_at:
        raise ValidationError(
            fields={"held_at": "Des avis sont enregistrés : la date de la séance ne change plus."}
        )
    if values.get("status") == EpSeanceStatus.CANCELLED and examined:
        raise ValidationError(
            fields={"status": "Des avis sont enregistrés : la séance ne peut être annulée."}
        )
    for key, value in values.items():
        if getattr(row, key) != value:
            setattr(row, key, value)
    if values.get("status") == EpSeanceStatus.CANCELLED:
        now = utcnow()
        for case in cases:  # the saisines go back to the waiting list
            case.deleted_at = now


def scheduled(s: Session, referral: EpReferral) -> EpCase | None:
    """The case of ``referral`` on an agenda and not yet examined (None if none, or if it was adjourned)."""
    open_cases = [c for c in rows_of(s, EpCase, referral_id=referral.id) if c.opinion is None]
    return open_cases[0] if open_cases else None


def waiting(s: Session, referral: EpReferral) -> bool:
    """The saisine waits for a séance: not withdrawn, not decided, not on an agenda (or adjourned)."""
    if referral.withdrawn_on is not None or referral.deleted_at is not None or decided(s, referral.id):
        return False
    cases = rows_of(s, EpCase, referral_id=referral.id)
    return all(c.opinion == EpOpinion.POSTPONED for c in cases)


@use_case
def schedule(s: Session, seance_id: str, referral_ids: Sequence[str]) -> list[str]:
    """Put saisines waiting on the agenda of a séance « prévue » (after the cases already there)."""
    seance = get_row(s, EpSeance, seance_id, "Séance")
    if seance.status != EpSeanceStatus.PLANNED:
        raise ValidationError(fields={"seance_id": "Seule une séance prévue reçoit de nouveaux dossiers."})
    if not referral_ids:
        raise ValidationError(fields={"referral_ids": "Choisissez au moins une saisine."})
    cases = rows_of(s, EpCase, seance_id=seance.id)
    position = max((c.position for c in cases), default=0)
    out = []
    for rid in dict.fromkeys(referral_ids):
        referral = get_row(s, EpReferral, rid, "Saisine")
        if not waiting(s, referral):
            raise ValidationError(
                fields={
                    "referral_ids": "Une saisine choisie n'attend plus de séance (inscrite, décidée ou retirée)."
                }
            )
        if referral.referred_on > seance.held_at.date():
            raise ValidationError(fields={"referral_ids": "Une saisine choisie est postérieure à la séance."})
        position += 1
        case = EpCase(
            id=new_id(),
            person_id=referral.person_id,
            referral_id=referral.id,
            seance_id=seance.id,
            position=position,
        )
        s.add(case)
        out.append(case.id)
    return out


@use_case
def unschedule(s: Session, case_id: str) -> None:
    """Take a case off the agenda before the EP examined it: the saisine waits for another séance."""
    case = get_row(s, EpCase, case_id, "Dossier de séance")
    if case.opinion is not None:
        raise ValidationError(
            fields={"case_id": "L'EP a rendu son avis : le dossier reste à l'ordre du jour."}
        )
    case.deleted_at = utcnow()
