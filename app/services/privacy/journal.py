"""The audit trail as the team leader reads it: who viewed, changed, printed or exported which file, when.

Two sources, merged by date:

- the recorded :class:`~app.models.tables.local.AuditEvent` rows (consultation, impression, export, affichage du NIR,
  purge, and any explicit « modification »), replicated to the département;
- **modifications** read from the file itself rather than written twice: every authored, append-only record
  (note, diagnostic version, contract version or step, RDV status change, sanction step) *is* a dated, signed
  change of the file. They appear as « Modification » lines (``derived=True``). Changes of plain fields
  (address, phone…) are not attributed to an author here: the sync server keeps who changed what.

Purged people appear as « Personne purgée » with no other detail.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from app.models.enums import AuditAction
from app.models.tables.carnet import DiagnosticVersion
from app.models.tables.contracts import Contract, ContractEvent, ContractVersion
from app.models.tables.followup import Appointment, AppointmentEvent, Note, SanctionStep
from app.models.tables.local import AuditEvent
from app.models.tables.people import Person
from app.models.text import fold
from app.models.vocabularies.loader import load_vocabularies
from app.services.people.identity import author_label, author_names
from app.services.storage.db import Database

PURGED_NAME = "Personne purgée"
OBJECT_LABELS = {
    "person": "Dossier",
    "document": "Document",
    "contract": "Contrat",
    "contract_version": "Version de contrat",
    "contract_event": "Étape de contrat",
    "appointment": "Rendez-vous",
    "appointment_event": "Statut de rendez-vous",
    "note": "Note",
    "diagnostic_version": "Diagnostic",
    "sanction_step": "Sanction",
    "roadmap": "Feuille de route",
}
ACTIONS = tuple(a.value for a in AuditAction)


def _label(kind: str, code: str | None) -> str:
    try:
        return load_vocabularies().label(kind, code)
    except KeyError:
        return code or ""


def action_label(code: str) -> str:
    return _label("audit_actions", code)


@dataclass(frozen=True)
class AuditLine:
    at: datetime
    actor: str
    action: str
    person_id: str | None
    person_name: str
    object_table: str
    object_id: str
    detail: str
    derived: bool = False

    @property
    def action_label(self) -> str:
        return action_label(self.action)

    @property
    def object_label(self) -> str:
        return OBJECT_LABELS.get(self.object_table, self.object_table)


def _names(s: Session, ids: set[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    id_list = sorted(i for i in ids if i)
    for i in range(0, len(id_list), 500):
        for pid, last, first, deleted in s.execute(
            select(Person.id, Person.last_name, Person.first_name, Person.deleted_at).where(
                Person.id.in_(id_list[i : i + 500])
            )
        ):
            out[pid] = (
                PURGED_NAME
                if deleted is not None and not last
                else f"{(last or '').upper()} {first or ''}".strip()
            )
    return out


def matching_people(db: Database, query: str, limit: int = 500) -> list[str]:
    """Ids of people whose name, birth name or CAF number contains ``query`` (accents and case ignored)."""
    q = fold(query.strip())
    if not q:
        return []
    with db.read() as s:
        rows = s.execute(
            select(Person.id, Person.last_name, Person.birth_name, Person.first_name, Person.caf_number)
        )
        out = []
        for pid, last, birth, first, caf in rows:
            hay = fold(f"{last} {first} {birth} {first} {last} {caf}")
            if all(part in hay for part in q.split()):
                out.append(pid)
                if len(out) >= limit:
                    break
    return out


def _bounds(q: Select[Any], column: Any, since: date | None, until: date | None) -> Select[Any]:
    if since is not None:
        q = q.where(column >= datetime.combine(since, time.min))
    if until is not None:
        q = q.where(column < datetime.combine(until + timedelta(days=1), time.min))
    return q


def _derived(
    s: Session, people: list[str] | None, since: date | None, until: date | None, limit: int
) -> list[AuditLine]:
    out: list[AuditLine] = []
    direct: tuple[tuple[Any, Any, Any, str, Any], ...] = (
        (Note, Note.written_at, Note.author, "note", Note.kind),
        (DiagnosticVersion, DiagnosticVersion.recorded_at, DiagnosticVersion.author, "diagnostic_version",
         DiagnosticVersion.version_no),
        (SanctionStep, SanctionStep.created_at, SanctionStep.author, "sanction_step", SanctionStep.kind),
    )  # fmt: skip
    for model, at, author, table, what in direct:
        q: Select[Any] = select(at, author, model.person_id, model.id, what).where(model.deleted_at.is_(None))
        if people is not None:
            q = q.where(model.person_id.in_(people))
        q = _bounds(q, at, since, until).order_by(at.desc()).limit(limit)
        for when, who, pid, rid, w in s.execute(q):
            detail = {
                "note": lambda w: f"Note ajoutée ({_label('note_kinds', w).lower()})",
                "diagnostic_version": lambda w: f"Diagnostic, version {w}",
                "sanction_step": lambda w: f"Étape de sanction : {_label('sanction_steps', w).lower()}",
            }[table](w)
            out.append(AuditLine(when, who or "", AuditAction.CHANGE, pid, "", table, rid, detail, True))
    through: tuple[tuple[Any, Any, Any, Any, Any, str, Any], ...] = (
        (ContractVersion, ContractVersion.saved_at, ContractVersion.author, Contract, ContractVersion.contract_id,
         "contract_version", ContractVersion.version_no),
        (ContractEvent, ContractEvent.at, ContractEvent.author, Contract, ContractEvent.contract_id,
         "contract_event", ContractEvent.to_status),
        (AppointmentEvent, AppointmentEvent.at, AppointmentEvent.author, Appointment,
         AppointmentEvent.appointment_id, "appointment_event", AppointmentEvent.status),
    )  # fmt: skip
    for model, at, author, parent, link, table, what in through:
        q2: Select[Any] = (
            select(at, author, parent.person_id, model.id, what)
            .join(parent, parent.id == link)
            .where(model.deleted_at.is_(None), parent.person_id.is_not(None))
        )
        if people is not None:
            q2 = q2.where(parent.person_id.in_(people))
        q2 = _bounds(q2, at, since, until).order_by(at.desc()).limit(limit)
        for when, who, pid, rid, w in s.execute(q2):
            detail = {
                "contract_version": lambda w: f"Contrat enregistré (version {w})",
                "contract_event": lambda w: (
                    f"Contrat passé à l'état « {_label('contract_statuses', w).lower()} »"
                ),
                "appointment_event": lambda w: (
                    f"Rendez-vous : statut « {_label('appointment_statuses', w).lower()} »"
                ),
            }[table](w)
            out.append(AuditLine(when, who or "", AuditAction.CHANGE, pid, "", table, rid, detail, True))
    return out


def _readable(line: AuditLine) -> str:
    """The purge detail is JSON counts (no personal data): say it in French."""
    if line.action != AuditAction.PURGE or not line.detail.startswith("{"):
        return line.detail
    try:
        data = json.loads(line.detail)
        rows = sum(int(n) for n in data.get("lignes", {}).values())
        files = int(data.get("fichiers", 0))
    except (ValueError, TypeError, AttributeError):
        return line.detail
    return (
        f"Durée de conservation dépassée : {rows} enregistrement{'s' if rows > 1 else ''} effacé{'s' if rows > 1 else ''}, "
        f"{files} fichier{'s' if files > 1 else ''} supprimé{'s' if files > 1 else ''}"
    )


def journal(
    db: Database,
    *,
    person_query: str = "",
    person_id: str | None = None,
    action: str | None = None,
    since: date | None = None,
    until: date | None = None,
    limit: int = 2000,
) -> list[AuditLine]:
    """The journal, most recent first, filtered; at most ``limit`` lines."""
    people: list[str] | None = None
    if person_id:
        people = [person_id]
    elif person_query.strip():
        people = matching_people(db, person_query)
        if not people:
            return []
    with db.read() as s:
        lines: list[AuditLine] = []
        # recorded events (an explicit « modification » included)
        q = select(AuditEvent).where(AuditEvent.deleted_at.is_(None))
        if action:
            q = q.where(AuditEvent.action == action)
        if people is not None:
            q = q.where(AuditEvent.person_id.in_(people))
        q = _bounds(q, AuditEvent.at, since, until).order_by(AuditEvent.at.desc()).limit(limit)
        lines += [
            AuditLine(e.at, e.actor, e.action, e.person_id, "", e.object_table, e.object_id, e.detail)
            for e in s.scalars(q)
        ]
        if action in (None, "", AuditAction.CHANGE):
            lines += _derived(s, people, since, until, limit)
        lines.sort(key=lambda line: line.at, reverse=True)
        lines = lines[:limit]
        names = _names(s, {line.person_id for line in lines if line.person_id})
        authors = author_names.within(s)
    return [
        AuditLine(
            line.at,
            author_label(line.actor, authors),
            line.action,
            line.person_id,
            names.get(line.person_id or "", ""),
            line.object_table,
            line.object_id,
            _readable(line),
            line.derived,
        )
        for line in lines
    ]
