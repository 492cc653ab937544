"""« Doublons possibles »: pairs of people of this vault that the identity rules cannot tell apart, or that
contradict each other (:func:`app.models.identity.matching.duplicate_pairs`), waiting for a référent.

The list is computed from the vault itself, so every source of duplicates lands here alike: an orientation
list whose row disagreed with a recorded person (the import files the row under a new record rather than
overwrite anyone), the same person created on two devices, a form typed twice. A pair a référent already
settled (:class:`~app.models.tables.people.DuplicateReview`, synced) is never proposed again, on any device.
The decisions themselves are in :mod:`app.services.people.merge`.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models.identity.matching import Candidate, DuplicatePair, duplicate_pairs, pair_key
from app.models.identity.nir import mask_nir
from app.models.tables.base import Base
from app.models.tables.people import DuplicateReview, Person, Referent
from app.services.storage.uow import query

#: The identity and contact fields shown side by side, and offered when merging (French labels).
FIELD_LABELS: dict[str, str] = {
    "last_name": "Nom",
    "birth_name": "Nom de naissance",
    "first_name": "Prénom",
    "birth_date": "Date de naissance",
    "sex": "Sexe",
    "nir": "NIR",
    "caf_number": "N° allocataire",
    "address_line": "Adresse",
    "address_extra": "Complément d'adresse",
    "postal_code": "Code postal",
    "city": "Commune",
    "phone": "Téléphone",
    "email": "Courriel",
    "rsa_entry_date": "Entrée au RSA",
}
#: How the rows of each file are counted on the comparison (table → French singular, plural).
HISTORY_LABELS: dict[str, tuple[str, str]] = {
    "orientation": ("orientation", "orientations"),
    "appointment": ("rendez-vous", "rendez-vous"),
    "note": ("note", "notes"),
    "contract": ("contrat", "contrats"),
    "diagnostic_version": ("diagnostic", "diagnostics"),
    "document": ("document", "documents"),
}
_IDENTITY_COLUMNS = ("id", "nir", "caf_number", "first_name", "last_name", "birth_date", "birth_name")


@dataclass(frozen=True)
class PersonSide:
    """One column of the comparison: what the référent needs to decide (the NIR masked)."""

    id: str
    name: str
    values: dict[str, str]  # field → displayed value (dates dd/mm/yyyy, NIR masked)
    referent: str
    status: str
    created_at: date
    last_contact_date: date | None
    history: dict[str, int]  # table → number of live rows

    @property
    def history_text(self) -> str:
        """« 2 orientations, 1 note », or « aucun historique »."""
        parts = [f"{n} {HISTORY_LABELS[t][0 if n == 1 else 1]}" for t, n in self.history.items() if n]
        return ", ".join(parts) or "aucun historique"


@dataclass(frozen=True)
class DuplicateView:
    first: PersonSide
    second: PersonSide
    reason: str
    differing: tuple[str, ...]  # fields whose values differ (keys of FIELD_LABELS)

    @property
    def key(self) -> tuple[str, str]:
        return pair_key(self.first.id, self.second.id)


def _candidates(s: Session) -> list[Candidate]:
    cols = [getattr(Person, c) for c in _IDENTITY_COLUMNS]
    rows = s.execute(select(*cols).where(Person.deleted_at.is_(None)))
    return [
        Candidate(
            id=r.id,
            nir=r.nir or None,
            caf_number=r.caf_number or "",
            first_name=r.first_name or "",
            last_name=r.last_name or "",
            birth_date=r.birth_date,
            birth_name=r.birth_name or "",
        )
        for r in rows
    ]


def decided_pairs(s: Session) -> set[tuple[str, str]]:
    """Every pair a référent settled (either way), on this device or another one."""
    rows = s.execute(
        select(DuplicateReview.person_id, DuplicateReview.other_id).where(
            DuplicateReview.deleted_at.is_(None)
        )
    )
    return {pair_key(a, b) for a, b in rows}


@query
def open_pairs(s: Session) -> list[DuplicatePair]:
    """The pairs waiting for a decision."""
    return duplicate_pairs(_candidates(s), decided_pairs(s))


_count_cache: weakref.WeakKeyDictionary[Any, tuple[tuple[Any, ...], int]] = weakref.WeakKeyDictionary()


def _people_version(s: Session) -> tuple[Any, ...]:
    """What changes when people or decisions change (a few aggregate reads)."""
    return tuple(
        s.execute(
            select(func.count(Person.id), func.max(Person.updated_at), func.max(Person.created_at))
        ).one()
    ) + tuple(s.execute(select(func.count(DuplicateReview.id))).one())


@query
def known_open_count(s: Session) -> int | None:
    """:func:`count_open` if it is known for the vault as it is now, else None (never computed here: at
    100,000 people the pairs take seconds to find)."""
    cached = _count_cache.get(s.get_bind())
    return cached[1] if cached is not None and cached[0] == _people_version(s) else None


@query
def count_open(s: Session) -> int:
    """How many pairs wait (the navigation badge): recomputed only when people or decisions changed."""
    version = _people_version(s)
    key = s.get_bind()  # one cache per engine (per open vault), gone with it
    cached = _count_cache.get(key)
    if cached is not None and cached[0] == version:
        return cached[1]
    count = len(open_pairs.within(s))
    _count_cache[key] = (version, count)
    return count


def _shown(field: str, value: Any) -> str:
    if value is None or value == "":
        return ""
    if field == "nir":
        return mask_nir(str(value))
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if field == "sex":
        return {"F": "Femme", "M": "Homme"}.get(str(value), str(value))
    return str(value)


def _history(s: Session, person_id: str) -> dict[str, int]:
    out = {}
    for table in HISTORY_LABELS:
        t = Base.metadata.tables[table]
        n = s.scalar(
            select(func.count()).select_from(t).where(t.c.person_id == person_id, t.c.deleted_at.is_(None))
        )
        out[table] = int(n or 0)
    return out


def side(s: Session, person: Person) -> PersonSide:
    ref = s.get(Referent, person.referent_id) if person.referent_id else None
    return PersonSide(
        id=person.id,
        name=f"{(person.last_name or '').upper()} {person.first_name or ''}".strip(),
        values={f: _shown(f, getattr(person, f)) for f in FIELD_LABELS},
        referent=f"{ref.first_name} {ref.last_name}" if ref is not None else "",
        status=person.status,
        created_at=person.created_at.date(),
        last_contact_date=person.last_contact_date,
        history=_history(s, person.id),
    )


def _differing(a: Person, b: Person) -> tuple[str, ...]:
    return tuple(f for f in FIELD_LABELS if (getattr(a, f) or None) != (getattr(b, f) or None))


@query
def list_duplicates(s: Session) -> list[DuplicateView]:
    """The open pairs with both files side by side, the older file first (usually the one to keep)."""
    out = []
    for pair in open_pairs.within(s):
        a, b = s.get(Person, pair.first_id), s.get(Person, pair.second_id)
        if a is None or b is None:
            continue
        if (b.created_at, b.id) < (a.created_at, a.id):
            a, b = b, a
        out.append(DuplicateView(side(s, a), side(s, b), pair.reason, _differing(a, b)))
    return out
