"""Identity use cases: households, people, référents and assignments; read views for the UI.

Orientation and parcours (orientation, réorientation, entry, exit, re-entry) live in
:mod:`app.services.people.parcours` and are re-exported here. Every function takes a ``Database`` (or an open
``Session``, see :mod:`app.services.storage.uow`), validates its input with French messages and returns ids or
frozen dataclasses, never live ORM objects.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models.enums import Regime
from app.models.identity.nir import mask_nir, nir_sex, parse_nir
from app.models.tables.base import new_id
from app.models.tables.local import LocalSetting
from app.models.tables.people import Household, Person, Referent, ReferentAssignment
from app.services.errors import ValidationError
from app.services.storage.uow import get_row, person_rows, query, rows_of, use_case
from app.services.validation import (
    Checker,
    FieldError,
    check,
    optional_text,
    parse_date,
    require_choice,
    require_date,
    require_text,
)

CURRENT_REFERENT_KEY = "current_referent_id"
BIRTH_DATE_MSG = "Date de naissance invalide (format attendu : JJ/MM/AAAA)."
_CAF_RE = re.compile(r"^\d{7}$")
_POSTAL_RE = re.compile(r"^\d{5}$")
_PHONE_RE = re.compile(r"^\+?[\d .()-]{6,20}$")
_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class PersonInput:
    """What the identity form sends. Dates may be ``date`` or text « JJ/MM/AAAA »."""

    last_name: str
    first_name: str
    regime: str
    birth_date: date | str | None = None
    civility: str = ""
    sex: str = ""
    birth_name: str = ""
    nir: str | None = None
    caf_number: str = ""
    household_id: str | None = None
    address_line: str = ""
    address_extra: str = ""
    postal_code: str = ""
    city: str = ""
    phone: str = ""
    email: str = ""
    rsa_entry_date: date | str | None = None
    health_data_consent: bool = False


@dataclass(frozen=True)
class PersonView:
    id: str
    civility: str
    first_name: str
    last_name: str
    birth_name: str
    birth_date: date | None
    nir_masked: str
    caf_number: str
    household_id: str | None
    address_line: str
    address_extra: str
    postal_code: str
    city: str
    phone: str
    email: str
    rsa_entry_date: date | None
    regime: str
    status: str
    referent_id: str | None
    last_contact_date: date | None


@dataclass(frozen=True)
class ReferentView:
    id: str
    login: str
    first_name: str
    last_name: str
    structure: str
    team: str
    phone: str
    email: str
    is_team_leader: bool


@dataclass(frozen=True)
class AssignmentView:
    id: str
    referent_id: str
    start_date: date
    reason: str
    assigned_by: str


# --- field validators: value → cleaned value, or FieldError with the French message -----------------


def _birth_date(value: date | str | None) -> date | None:
    born = parse_date(value, BIRTH_DATE_MSG)
    if born is not None and born > date.today():
        raise FieldError("La date de naissance ne peut pas être dans le futur.")
    if born is not None and born.year < date.today().year - 120:
        raise FieldError(BIRTH_DATE_MSG)
    return born


def _nir(value: str | None) -> str | None:
    """The NIR as stored (15 characters; the key computed when 13 are typed), or the French reason."""
    checked = parse_nir(value)
    if checked.problem:
        raise FieldError(checked.problem + ".")
    return checked.value


def _pattern(regex: re.Pattern[str], message: str, strip_spaces: bool = False) -> Callable[[str], str]:
    def validate(value: str) -> str:
        clean = (value or "").strip()
        if strip_spaces:
            clean = clean.replace(" ", "")
        if clean and not regex.match(clean):
            raise FieldError(message)
        return clean

    return validate


def _sex(value: str) -> str:
    return require_choice(value or "", frozenset({"", "F", "M"}), "Sexe : « F » ou « M ».")


def _civility(value: str) -> str:
    return require_choice(value or "", frozenset({"", "M.", "Mme"}), "Civilité : « M. » ou « Mme ».")


_VALIDATORS: dict[str, Callable[[Any], Any]] = {
    "last_name": lambda v: require_text(v, "Le nom est obligatoire.", 100),
    "first_name": lambda v: require_text(v, "Le prénom est obligatoire.", 100),
    "birth_name": lambda v: optional_text(v, 100),
    "regime": lambda v: require_choice(v, Regime, "Régime inconnu (ancien régime CER ou plein emploi)."),
    "birth_date": _birth_date,
    "civility": _civility,
    "sex": _sex,
    "nir": _nir,
    "caf_number": _pattern(_CAF_RE, "Numéro d'allocataire invalide (7 chiffres attendus).", True),
    "household_id": lambda v: v or None,
    "address_line": lambda v: optional_text(v),
    "address_extra": lambda v: optional_text(v),
    "postal_code": _pattern(_POSTAL_RE, "Code postal invalide (5 chiffres attendus).", True),
    "city": lambda v: optional_text(v, 100),
    "phone": _pattern(_PHONE_RE, "Numéro de téléphone invalide."),
    "email": _pattern(_EMAIL_RE, "Adresse électronique invalide."),
    "rsa_entry_date": lambda v: parse_date(v, "Date d'entrée au RSA invalide (format attendu : JJ/MM/AAAA)."),
    "health_data_consent": bool,
}


def _clean_person_fields(values: Mapping[str, Any]) -> dict[str, Any]:
    checker = Checker()
    out: dict[str, Any] = {}
    for name, value in values.items():
        validator = _VALIDATORS.get(name)
        if validator is None:
            checker.add(name, "Champ inconnu.")
            continue
        cleaned = checker.run(name, validator, value)
        if name not in checker.errors:
            out[name] = cleaned
    checker.raise_if_any()
    return out


def _check_consistency(s: Session, values: Mapping[str, Any], person_id: str | None) -> None:
    """Cross-field and cross-row checks: NIR vs sex, NIR unique, household exists."""
    errors: dict[str, str] = {}
    nir, sex = values.get("nir"), values.get("sex")
    if nir and sex and nir_sex(nir) not in (None, sex):
        errors["nir"] = "Le NIR ne correspond pas au sexe indiqué."
    if nir and any(other.id != person_id for other in rows_of(s, Person, nir=nir)):
        errors["nir"] = "Ce NIR est déjà enregistré pour une autre personne."
    household_id = values.get("household_id")
    if household_id:
        found = s.get(Household, household_id)
        if found is None or found.deleted_at is not None:
            errors["household_id"] = "Foyer introuvable."
    if errors:
        raise ValidationError(fields=errors)


def _view(p: Person) -> PersonView:
    return PersonView(
        id=p.id,
        civility=p.civility,
        first_name=p.first_name,
        last_name=p.last_name,
        birth_name=p.birth_name,
        birth_date=p.birth_date,
        nir_masked=mask_nir(p.nir),
        caf_number=p.caf_number,
        household_id=p.household_id,
        address_line=p.address_line,
        address_extra=p.address_extra,
        postal_code=p.postal_code,
        city=p.city,
        phone=p.phone,
        email=p.email,
        rsa_entry_date=p.rsa_entry_date,
        regime=p.regime,
        status=p.status,
        referent_id=p.referent_id,
        last_contact_date=p.last_contact_date,
    )


# --- households and people ------------------------------------------------------------------------------


@use_case
def create_household(s: Session, *, caf_number: str, label: str = "") -> str:
    """A CAF household (foyer) shared by the people of one CAF number (a couple)."""
    caf = check("caf_number", _VALIDATORS["caf_number"], caf_number)
    if not caf:
        raise ValidationError(fields={"caf_number": "Le numéro d'allocataire du foyer est obligatoire."})
    household = Household(id=new_id(), caf_number=caf, label=optional_text(label))
    s.add(household)
    return household.id


@use_case
def create_person(s: Session, data: PersonInput) -> str:
    """Create a person from the identity form; returns the new id."""
    values = _clean_person_fields({f.name: getattr(data, f.name) for f in fields(data)})
    _check_consistency(s, values, None)
    person = Person(id=new_id(), status="active", **values)
    s.add(person)
    return person.id


@use_case
def update_person(s: Session, person_id: str, changes: Mapping[str, Any]) -> tuple[str, ...]:
    """Apply the fields that really changed (the op carries only those); returns their names."""
    values = _clean_person_fields(changes)
    person = get_row(s, Person, person_id, "Personne")
    changed = {k: v for k, v in values.items() if getattr(person, k) != v}
    if not changed:
        return ()
    merged = {"nir": person.nir, "sex": person.sex, **changed}
    _check_consistency(s, merged if ("nir" in changed or "sex" in changed) else changed, person.id)
    for key, value in changed.items():
        setattr(person, key, value)
    return tuple(sorted(changed))


@query
def get_person(s: Session, person_id: str) -> PersonView:
    return _view(get_row(s, Person, person_id, "Personne"))


# --- référents and assignments ----------------------------------------------------------------------------


@use_case
def upsert_referent(
    s: Session,
    *,
    login: str,
    first_name: str,
    last_name: str,
    structure: str = "",
    team: str = "",
    phone: str = "",
    email: str = "",
    is_team_leader: bool = False,
) -> str:
    """Create the référent with this login, or update the fields that changed; returns its id."""
    checker = Checker()
    values: dict[str, Any] = {
        "login": checker.run("login", require_text, login, "L'identifiant est obligatoire.", 80),
        "first_name": checker.run("first_name", require_text, first_name, "Le prénom est obligatoire.", 100),
        "last_name": checker.run("last_name", require_text, last_name, "Le nom est obligatoire.", 100),
        "structure": checker.run("structure", optional_text, structure),
        "team": checker.run("team", optional_text, team, 100),
        "phone": checker.run("phone", _VALIDATORS["phone"], phone),
        "email": checker.run("email", _VALIDATORS["email"], email),
        "is_team_leader": bool(is_team_leader),
    }
    checker.raise_if_any()
    found = next(iter(rows_of(s, Referent, login=values["login"])), None)
    if found is None:
        found = Referent(id=new_id(), **values)
        s.add(found)
        return found.id
    for key, value in values.items():
        if getattr(found, key) != value:
            setattr(found, key, value)
    return found.id


@query
def list_referents(s: Session) -> list[ReferentView]:
    rows = s.scalars(
        select(Referent)
        .where(Referent.deleted_at.is_(None))
        .order_by(Referent.last_name, Referent.first_name)
    ).all()
    return [
        ReferentView(
            r.id,
            r.login,
            r.first_name,
            r.last_name,
            r.structure,
            r.team,
            r.phone,
            r.email,
            r.is_team_leader,
        )
        for r in rows
    ]


@use_case
def set_current_referent(s: Session, referent_id: str) -> None:
    """Remember who uses this profile (device-local setting, not replicated)."""
    get_row(s, Referent, referent_id, "Référent")
    s.merge(LocalSetting(key=CURRENT_REFERENT_KEY, value=referent_id))


@query
def current_referent_id(s: Session) -> str | None:
    setting = s.get(LocalSetting, CURRENT_REFERENT_KEY)
    return str(setting.value) if setting is not None and setting.value else None


#: How the audit trail names writes made on a device without a référent signed in (``current_actor``).
LOCAL_ACTOR = "local"


@query
def author_names(s: Session) -> dict[str, str]:
    """Login → « Prénom Nom » of every référent this device knows (those who left too: the history names them).
    Records keep the login (the audit trail, the sync); screens show the name (issue #15)."""
    rows = s.execute(select(Referent.login, Referent.first_name, Referent.last_name)).all()
    return {login: f"{first} {last}".strip() for login, first, last in rows if login}


def author_label(login: str, names: dict[str, str]) -> str:
    """The name to show for a recorded author (the login itself when no référent has it)."""
    if not login:
        return ""
    if login == LOCAL_ACTOR:
        return "ce poste (aucun référent connecté)"
    return names.get(login) or login


@query
def current_actor(s: Session) -> str:
    """Login of the signed-in référent (for the audit trail), or « local »."""
    ref_id = current_referent_id.within(s)
    ref = s.get(Referent, ref_id) if ref_id else None
    return ref.login if ref is not None else LOCAL_ACTOR


@use_case
def assign_referent(
    s: Session,
    person_ids: str | Sequence[str],
    referent_id: str,
    *,
    start_date: date | str,
    reason: str = "",
    assigned_by: str = "",
) -> list[str]:
    """Make ``referent_id`` the référent of one or many people (a team leader's reassignment).

    Appends a :class:`ReferentAssignment` per person (the history) and updates ``person.referent_id``.
    People already followed by this référent are left as they are. Returns the new assignment ids.
    """
    ids = [person_ids] if isinstance(person_ids, str) else list(person_ids)
    start = check(
        "start_date", require_date, start_date, "Date de début invalide (format attendu : JJ/MM/AAAA)."
    )
    if not ids:
        raise ValidationError(fields={"person_ids": "Choisissez au moins une personne."})
    get_row(s, Referent, referent_id, "Référent")
    out: list[str] = []
    for person_id in ids:
        person = get_row(s, Person, person_id, "Personne")
        if person.referent_id == referent_id:
            continue
        _check_after_last_assignment(s, person.id, start)
        row = ReferentAssignment(
            id=new_id(),
            person_id=person.id,
            referent_id=referent_id,
            start_date=start,
            reason=optional_text(reason, 2000),
            assigned_by=optional_text(assigned_by, 80),
        )
        s.add(row)
        person.referent_id = referent_id
        out.append(row.id)
    return out


def _check_after_last_assignment(s: Session, person_id: str, start: date) -> None:
    last = max((a.start_date for a in rows_of(s, ReferentAssignment, person_id=person_id)), default=None)
    if last is not None and start < last:
        raise ValidationError(
            fields={"start_date": f"La date de début précède la désignation en cours ({last:%d/%m/%Y})."}
        )


@query
def referent_history(s: Session, person_id: str) -> list[AssignmentView]:
    """Every référent the person had, oldest first."""
    rows = person_rows(
        s, ReferentAssignment, person_id, ReferentAssignment.start_date, ReferentAssignment.created_at
    )
    return [AssignmentView(r.id, r.referent_id, r.start_date, r.reason, r.assigned_by) for r in rows]
