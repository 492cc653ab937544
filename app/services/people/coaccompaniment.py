"""Co-accompaniment (ADR 0052): a second professional on a person's file — a CIP, a social worker, a France
Travail adviser, a partner — known in the directory. The référent adds one (role, access asked, purpose) and ends
it; the server decides what the share really gives (the département's rules per role) and sends the file to the
professional's devices. Both see the shared timeline; actions of the carnet can be assigned to either.

Writes are the référent's: on a file shared with this profile, :mod:`app.services.storage.share_guard` refuses
what the share does not allow (adding or ending a share included).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models.coaccompaniment import LEVEL_LABELS, NO_ACCESS, effective_access
from app.models.enums import CoRole, ShareAccess
from app.models.tables.base import new_id
from app.models.tables.people import CoAccompaniment, Person, Referent
from app.models.vocabularies.loader import load_vocabularies
from app.services.errors import ValidationError
from app.services.storage import share_guard
from app.services.storage.uow import get_row, person_rows, query, use_case
from app.services.validation import DATE_MESSAGE, Checker, optional_text, require_choice, require_date

#: What this profile is on a person's file.
ROLE_REFERENT = "referent"


@dataclass(frozen=True)
class ShareView:
    id: str
    person_id: str
    referent_id: str
    name: str
    structure: str
    role: str
    role_label: str
    access: str  # asked by the référent
    effective: str  # after the département's rules (« aucun », « lecture », « ecriture »)
    effective_label: str
    start_date: date
    end_date: date | None
    purpose: str
    added_by: str

    @property
    def active(self) -> bool:
        return self.end_date is None


@dataclass(frozen=True)
class Assignee:
    referent_id: str
    label: str  # « Claire Martin (référente) », « Karim Benali (CIP) »


@dataclass(frozen=True)
class MyPlace:
    """What this profile is on a file: its référent, a co-accompanying professional (and with which access), or
    neither (a colleague's file seen through the team)."""

    kind: str  # ROLE_REFERENT / "partage" / ""
    access: str = ""  # for a share: « lecture » / « ecriture » / « aucun »
    role_label: str = ""
    referent_name: str = ""

    @property
    def read_only(self) -> bool:
        return self.kind == "partage" and self.access != ShareAccess.WRITE

    @property
    def banner(self) -> str:
        if self.kind != "partage":
            return ""
        who = f" ; référent : {self.referent_name}" if self.referent_name else ""
        if self.access == ShareAccess.WRITE:
            return (
                f"Dossier partagé avec vous ({self.role_label}){who}. Vous pouvez y écrire notes, rendez-vous, "
                "carnet et bilans ; contrat, orientation et référent restent du ressort du référent."
            )
        return f"Dossier partagé avec vous en lecture seule ({self.role_label}){who}."


def _name(ref: Referent | None) -> str:
    return f"{ref.first_name} {ref.last_name}".strip() if ref is not None else "professionnel inconnu"


def _view(s: Session, row: CoAccompaniment, caps: dict[str, str]) -> ShareView:
    vocab = load_vocabularies()
    ref = s.get(Referent, row.referent_id)
    level = effective_access(row.access, row.role, caps)
    return ShareView(
        id=row.id,
        person_id=row.person_id,
        referent_id=row.referent_id,
        name=_name(ref),
        structure=ref.structure if ref is not None else "",
        role=row.role,
        role_label=vocab.label("co_roles", row.role),
        access=row.access,
        effective=level,
        effective_label=LEVEL_LABELS[level],
        start_date=row.start_date,
        end_date=row.end_date,
        purpose=row.purpose,
        added_by=row.added_by,
    )


@use_case
def add_co_accompaniment(
    s: Session,
    person_id: str,
    *,
    referent_id: str,
    role: str,
    access: str = ShareAccess.READ,
    start_date: date | str | None = None,
    purpose: str = "",
    added_by: str = "",
) -> str:
    """Share the person's file with a professional of the directory. Returns the share's id."""
    c = Checker()
    c.run("role", require_choice, role, CoRole, "Choisissez le rôle du professionnel.")
    c.run(
        "access", require_choice, access, ShareAccess, "Choisissez l'accès : lecture, ou lecture et écriture."
    )
    start = c.run("start_date", require_date, start_date or date.today(), DATE_MESSAGE)
    clean_purpose = c.run("purpose", optional_text, purpose, 500)
    if not referent_id:
        c.add("referent_id", "Choisissez le professionnel.")
    c.raise_if_any()
    person = get_row(s, Person, person_id, "Personne")
    get_row(s, Referent, referent_id, "Professionnel")
    if person.referent_id == referent_id:
        raise ValidationError(
            fields={"referent_id": "C'est le référent de la personne : il a déjà tout le dossier."}
        )
    if any(
        r.referent_id == referent_id and r.end_date is None
        for r in person_rows(s, CoAccompaniment, person_id)
    ):
        raise ValidationError(fields={"referent_id": "Ce professionnel accompagne déjà la personne."})
    row = CoAccompaniment(
        id=new_id(),
        person_id=person_id,
        referent_id=referent_id,
        role=role,
        access=access,
        start_date=start,
        purpose=clean_purpose or "",
        added_by=added_by,
    )
    s.add(row)
    return row.id


@use_case
def end_co_accompaniment(s: Session, share_id: str, *, end_date: date | str | None = None) -> None:
    """End a share (its access goes at once; the date, today or before, is when the work together ended)."""
    day = Checker().run("end_date", require_date, end_date or date.today(), DATE_MESSAGE)
    if day is None:
        raise ValidationError(fields={"end_date": DATE_MESSAGE})
    row = get_row(s, CoAccompaniment, share_id, "Co-accompagnement")
    if row.end_date is not None:
        return
    if day > date.today():
        raise ValidationError(
            fields={"end_date": "La fin d'un co-accompagnement ne peut pas être dans le futur."}
        )
    if day < row.start_date:
        raise ValidationError(
            fields={"end_date": f"La fin précède le début du co-accompagnement ({row.start_date:%d/%m/%Y})."}
        )
    row.end_date = day


@query
def list_co_accompaniments(s: Session, person_id: str) -> list[ShareView]:
    """The person's co-accompaniments, the running ones first."""
    caps = share_guard.policy(s)
    rows = person_rows(s, CoAccompaniment, person_id, CoAccompaniment.start_date)
    views = [_view(s, r, caps) for r in rows]
    return sorted(views, key=lambda v: (not v.active, v.start_date))


@query
def department_caps(s: Session) -> dict[str, str]:
    """The département's caps per role, as the server last said (the defaults before the first sync)."""
    return share_guard.policy(s)


@query
def my_place(s: Session, person_id: str) -> MyPlace:
    """What this profile is on the person's file (the header's banner, the forms' read-only state)."""
    person = get_row(s, Person, person_id, "Personne")
    who = share_guard.me(s)
    if who is None or person.referent_id == who:
        return MyPlace(ROLE_REFERENT if who is not None else "")
    caps = share_guard.policy(s)
    mine = [
        r for r in person_rows(s, CoAccompaniment, person_id) if r.referent_id == who and r.end_date is None
    ]
    if not mine:
        return MyPlace("")
    best = max(
        mine, key=lambda r: ["aucun", "lecture", "ecriture"].index(effective_access(r.access, r.role, caps))
    )
    role = load_vocabularies().entry("co_roles", best.role)
    label = role.get("short_label", role.label) if role else best.role
    referent = _name(s.get(Referent, person.referent_id)) if person.referent_id else ""
    return MyPlace("partage", effective_access(best.access, best.role, caps), label, referent)


@query
def assignees(s: Session, person_id: str) -> list[Assignee]:
    """Who an action of the carnet can be assigned to: the référent, then the professionals co-accompanying."""
    person = get_row(s, Person, person_id, "Personne")
    vocab = load_vocabularies()
    out: list[Assignee] = []
    if person.referent_id:
        out.append(Assignee(person.referent_id, f"{_name(s.get(Referent, person.referent_id))} (référent)"))
    for row in person_rows(s, CoAccompaniment, person_id, CoAccompaniment.start_date):
        if row.end_date is None and row.referent_id not in {a.referent_id for a in out}:
            entry = vocab.entry("co_roles", row.role)
            role = entry.get("short_label", entry.label) if entry else row.role
            out.append(Assignee(row.referent_id, f"{_name(s.get(Referent, row.referent_id))} ({role})"))
    return out


def check_assignee(s: Session, person_id: str, referent_id: str) -> None:
    """An action of the carnet is carried by the person's référent or a professional co-accompanying them now
    (``ValidationError`` on ``assignee_id`` otherwise)."""
    if referent_id not in {a.referent_id for a in assignees.within(s, person_id)}:
        raise ValidationError(
            fields={
                "assignee_id": "Une action se confie au référent ou à un professionnel qui accompagne la "
                "personne avec lui (co-accompagnement en cours)."
            }
        )


@query
def directory(s: Session, person_id: str) -> list[tuple[str, str]]:
    """Professionals of the directory a file can be shared with: (id, « Nom — structure (équipe) »), the person's
    référent and those already co-accompanying left out."""
    person = get_row(s, Person, person_id, "Personne")
    busy = {r.referent_id for r in person_rows(s, CoAccompaniment, person_id) if r.end_date is None}
    rows = s.scalars(select(Referent).where(Referent.deleted_at.is_(None)).order_by(Referent.last_name)).all()
    out = []
    for r in rows:
        if r.id == person.referent_id or r.id in busy:
            continue
        where = " — ".join(x for x in (r.structure, f"équipe {r.team}" if r.team else "") if x)
        out.append((r.id, f"{_name(r)}" + (f" — {where}" if where else "")))
    return out


__all__ = ["NO_ACCESS", "ROLE_REFERENT"]
