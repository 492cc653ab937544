"""Retention of personal data: who has passed the retention period (preview), and the purge itself.

**Last contact.** A person's last contact is the latest of these dates (tombstoned rows do not count):

- ``person.last_contact_date`` (kept up to date by the RDV and note services);
- the day of every *honoured* appointment;
- the day every note was written (interview, call, letter, partner liaison);
- the day every contract signature was made;
- every exit date and the end of the in-job follow-up after it (``in_job_followup_until``);
- the end date of every parcours;
- the day the file was created (a file without any of the above is not older than its creation).

**Candidates.** A person is proposed for the purge when that last contact is more than
``settings.RETENTION_MONTHS`` months old (24 by default: DOMAIN.md, « 2 ans après le dernier contact ») **and**
their accompaniment is closed: no parcours without an end date, and — for a file with no parcours at all — a
status other than « active ». Already purged people (tombstoned) are never proposed.

**Hold.** A file with a running sanction procedure — before its decision, during a suspension or a suppression and
the two months of a possible RAPO, while a RAPO or a recours contentieux awaits its outcome
(:func:`app.models.sanctions.procedure_open`) — is on hold: never proposed, never purged (DOMAIN.md, « Personal
data »), and :func:`held` lists it with the reason.

**Purge.** :func:`purge` scrubs the personal columns (:mod:`app.models.personal_data`) of every row of the
person, in every table, tombstones them, deletes the document bytes no other file uses, scrubs the op payloads
still waiting in the outbox, drops the person's sync conflicts and writes one ``purge`` op (the département
applies the same scrub, :mod:`server.engine.purge`) and one audit event ``purge`` whose detail holds only counts. One
transaction per person: cancelling between two people never leaves a half-purged file. The audit events
about the person stay readable (scrubbed detail, not tombstoned): they are the trace of who saw the file.
ADR 0005 explains why scrub + tombstone + a purge op rather than hard deletes.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models.enums import AppointmentStatus, AuditAction, PersonStatus, SanctionStepKind
from app.models.errors import FilRougeError
from app.models.personal_data import (
    CHILD_TABLES,
    KEPT_TABLES,
    PERSON_TABLES,
    PERSONAL_FIELDS,
    scrubbed_values,
)
from app.models.sanctions import procedure_open
from app.models.tables.base import Base, utcnow
from app.models.tables.carnet import Attachment, Document
from app.models.tables.contracts import Contract, Signature
from app.models.tables.followup import Appointment, Note, SanctionStep
from app.models.tables.local import AuditEvent, Conflict, OutboxOp
from app.models.tables.people import ExitRecord, Household, Parcours, Person
from app.services.errors import NotFoundError
from app.services.storage import audit, settings
from app.services.storage.db import Database

Progress = Callable[[int, int], None]

#: Where a last contact comes from (French, for the preview).
SOURCE_LABELS = {
    "contact": "dernier contact noté",
    "rdv": "rendez-vous honoré",
    "note": "note",
    "signature": "signature de contrat",
    "exit": "sortie",
    "followup": "fin du suivi dans l'emploi",
    "parcours": "fin de parcours",
    "created": "création du dossier",
}


class PurgeRefused(FilRougeError):
    default_message = "Cette personne ne peut pas être purgée."


@dataclass(frozen=True)
class PurgeCandidate:
    person_id: str
    name: str
    last_contact: date
    source: str  # key of SOURCE_LABELS
    months: int  # whole months since the last contact

    @property
    def reason(self) -> str:
        return (
            f"Dernier contact le {self.last_contact:%d/%m/%Y} ({SOURCE_LABELS.get(self.source, self.source)}), "
            f"il y a {self.months} mois ; accompagnement clos."
        )


@dataclass(frozen=True)
class PurgedPerson:
    person_id: str
    rows: dict[str, int]  # table → rows scrubbed
    files: int  # document contents deleted from the vault

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())


@dataclass
class PurgeLog:
    actor: str
    started_at: datetime
    people: list[PurgedPerson] = field(default_factory=list)
    cancelled: bool = False

    @property
    def total_rows(self) -> int:
        return sum(p.total_rows for p in self.people)

    @property
    def files(self) -> int:
        return sum(p.files for p in self.people)


@dataclass(frozen=True)
class PurgeLogEntry:
    """One purged person, read back from the audit trail (no personal data)."""

    at: datetime
    actor: str
    person_id: str
    rows: dict[str, int]
    files: int

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())


def months_between(earlier: date, later: date) -> int:
    """Whole months from ``earlier`` to ``later`` (0 when later is before)."""
    n = (later.year - earlier.year) * 12 + later.month - earlier.month
    if later.day < earlier.day:
        n -= 1
    return max(n, 0)


def cutoff(today: date, months: int) -> date:
    """The day ``months`` months before ``today`` (clamped to the month's last day)."""
    y, m = divmod(today.year * 12 + today.month - 1 - months, 12)
    month = m + 1
    for day in (today.day, 30, 29, 28):
        try:
            return date(y, month, day)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def _as_date(value: Any) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _latest(s: Session) -> dict[str, tuple[date, str]]:
    """person id → (last contact, source) for every live person."""
    best: dict[str, tuple[date, str]] = {}

    def offer(rows: Iterable[Any], source: str) -> None:
        for pid, when in rows:
            d = _as_date(when)
            if pid is None or d is None:
                continue
            if pid not in best or d > best[pid][0] or (d == best[pid][0] and best[pid][1] == "created"):
                best[pid] = (d, source)

    for pid, created, contact in s.execute(
        select(Person.id, Person.created_at, Person.last_contact_date).where(Person.deleted_at.is_(None))
    ):
        best[pid] = (created.date(), "created")
        if contact is not None and contact > best[pid][0]:
            best[pid] = (contact, "contact")
    offer(
        s.execute(
            select(Appointment.person_id, func.max(Appointment.starts_at))
            .where(Appointment.deleted_at.is_(None), Appointment.status == AppointmentStatus.HONOURED)
            .group_by(Appointment.person_id)
        ),
        "rdv",
    )
    offer(
        s.execute(
            select(Note.person_id, func.max(Note.written_at))
            .where(Note.deleted_at.is_(None))
            .group_by(Note.person_id)
        ),
        "note",
    )
    offer(
        s.execute(
            select(Contract.person_id, func.max(Signature.signed_at))
            .join(Signature, Signature.contract_id == Contract.id)
            .where(Signature.deleted_at.is_(None), Contract.deleted_at.is_(None))
            .group_by(Contract.person_id)
        ),
        "signature",
    )
    exits = ExitRecord.deleted_at.is_(None)
    offer(
        s.execute(select(ExitRecord.person_id, func.max(ExitRecord.exit_date)).where(exits).group_by(ExitRecord.person_id)),
        "exit",
    )  # fmt: skip
    offer(
        s.execute(
            select(ExitRecord.person_id, func.max(ExitRecord.in_job_followup_until))
            .where(exits)
            .group_by(ExitRecord.person_id)
        ),
        "followup",
    )
    offer(
        s.execute(
            select(Parcours.person_id, func.max(Parcours.end_date))
            .where(Parcours.deleted_at.is_(None))
            .group_by(Parcours.person_id)
        ),
        "parcours",
    )
    return best


def _open_people(s: Session) -> set[str]:
    """People whose accompaniment is open: a parcours without end, or no parcours and status « active »."""
    open_parcours = set(
        s.scalars(
            select(Parcours.person_id).where(Parcours.deleted_at.is_(None), Parcours.end_date.is_(None))
        )
    )
    with_parcours = set(s.scalars(select(Parcours.person_id).where(Parcours.deleted_at.is_(None))))
    active = set(
        s.scalars(select(Person.id).where(Person.deleted_at.is_(None), Person.status == PersonStatus.ACTIVE))
    )
    return open_parcours | (active - with_parcours)


def _held(s: Session, today: date) -> dict[str, str]:
    """person id → why the file is on hold (a sanction procedure, a RAPO or a litigation still running)."""
    steps: dict[str, list[SanctionStep]] = {}
    rows = s.scalars(
        select(SanctionStep)
        .where(SanctionStep.deleted_at.is_(None))
        .order_by(SanctionStep.step_date, SanctionStep.created_at)
    )
    for st in rows:
        steps.setdefault(st.procedure_id, []).append(st)
    out: dict[str, str] = {}
    for procedure in steps.values():
        if procedure_open(procedure, today):
            kinds = {st.kind for st in procedure}
            if SanctionStepKind.LITIGATION in kinds:
                what = "recours contentieux en cours"
            elif SanctionStepKind.RAPO in kinds:
                what = "recours administratif (RAPO) en cours"
            else:
                what = "procédure de sanction en cours"
            out[procedure[0].person_id] = f"Conservé : {what} (depuis le {procedure[0].step_date:%d/%m/%Y})."
    return out


@dataclass(frozen=True)
class HeldFile:
    person_id: str
    name: str
    reason: str


def held(db: Database, today: date | None = None) -> list[HeldFile]:
    """Files past the retention period that a running procedure keeps (they are not purged)."""
    today = today or date.today()
    months = int(settings.get(db, settings.RETENTION_MONTHS))
    limit = cutoff(today, months)
    with db.read() as s:
        latest = _latest(s)
        holds = _held(s, today)
        still_open = _open_people(s)
        ids = [pid for pid in holds if pid in latest and latest[pid][0] < limit and pid not in still_open]
        names = {
            pid: f"{(last or '').upper()} {first or ''}".strip()
            for pid, last, first in s.execute(
                select(Person.id, Person.last_name, Person.first_name).where(Person.id.in_(ids))
            )
        }
    return sorted(
        (HeldFile(pid, names[pid], holds[pid]) for pid in ids if pid in names), key=lambda h: h.name
    )


def preview(db: Database, today: date | None = None) -> list[PurgeCandidate]:
    """The people the purge would remove today, oldest last contact first. Changes nothing. A file on hold
    (:func:`held`) is never proposed."""
    today = today or date.today()
    months = int(settings.get(db, settings.RETENTION_MONTHS))
    limit = cutoff(today, months)
    with db.read() as s:
        latest = _latest(s)
        still_open = _open_people(s) | set(_held(s, today))
        due = [pid for pid, (when, _src) in latest.items() if when < limit and pid not in still_open]
        names: dict[str, str] = {}
        for i in range(0, len(due), 500):
            for pid, last, first in s.execute(
                select(Person.id, Person.last_name, Person.first_name).where(Person.id.in_(due[i : i + 500]))
            ):
                names[pid] = f"{(last or '').upper()} {first or ''}".strip()
    out = [
        PurgeCandidate(pid, names[pid], latest[pid][0], latest[pid][1], months_between(latest[pid][0], today))
        for pid in due
        if pid in names
    ]
    return sorted(out, key=lambda c: (c.last_contact, c.name))


# ------------------------------------------------------------------------------------------------- purge


def _model(table: str) -> Any:
    for mapper in Base.registry.mappers:
        if getattr(mapper.class_, "__tablename__", None) == table:
            return mapper.class_
    raise KeyError(table)


def _scrub(row: Any, table: str, now: datetime) -> None:
    for column, value in scrubbed_values(table).items():
        if getattr(row, column) != value:
            setattr(row, column, value)
    if table not in KEPT_TABLES and row.deleted_at is None:
        row.deleted_at = now


def _scrub_payload(table: str, payload: dict[str, Any]) -> dict[str, Any]:
    blanks = scrubbed_values(table)
    return {k: blanks.get(k, v) for k, v in payload.items()}


def _purge_one(db: Database, person_id: str, actor: str) -> PurgedPerson:
    with db.session() as s:
        s.info["purging"] = True
        with s.no_autoflush:
            person = s.get(Person, person_id)
            if person is None or person.deleted_at is not None:
                raise NotFoundError("Cette personne est introuvable ou a déjà été purgée.")
            hold = _held(s, date.today()).get(person_id)
            if hold is not None:
                raise PurgeRefused(f"Ce dossier ne peut pas être purgé. {hold}")
            now = utcnow()
            counts: dict[str, int] = {}
            touched: dict[str, set[str]] = {}
            rows_by_table: dict[str, list[Any]] = {}
            for table in PERSON_TABLES:
                model = _model(table)
                rows_by_table[table] = list(s.scalars(select(model).where(model.person_id == person_id)))
            for child, (parent, column) in CHILD_TABLES.items():
                parent_ids = [r.id for r in rows_by_table[parent]]
                model = _model(child)
                rows_by_table[child] = (
                    list(s.scalars(select(model).where(getattr(model, column).in_(parent_ids))))
                    if parent_ids
                    else []
                )
            digests = {d.sha256 for d in rows_by_table["document"] if d.sha256}
            for table, rows in rows_by_table.items():
                for row in rows:
                    _scrub(row, table, now)
                if rows:
                    counts[table] = len(rows)
                    touched[table] = {r.id for r in rows}
            household = s.get(Household, person.household_id) if person.household_id else None
            if household is not None:
                others = s.scalar(
                    select(func.count())
                    .select_from(Person)
                    .where(
                        Person.household_id == household.id,
                        Person.id != person_id,
                        Person.deleted_at.is_(None),
                    )
                )
                if not others:
                    _scrub(household, "household", now)
                    counts["household"] = 1
                    touched["household"] = {household.id}
            files = 0
            for digest in sorted(digests):
                still_used = s.scalar(
                    select(func.count())
                    .select_from(Document)
                    .where(Document.sha256 == digest, Document.person_id != person_id)
                )
                blob = s.get(Attachment, digest)
                if blob is not None and not still_used:
                    s.delete(blob)
                    files += 1
            touched.setdefault("person", set()).add(person_id)
            ids = {rid for group in touched.values() for rid in group}
            for op in s.scalars(select(OutboxOp).where(OutboxOp.row_id.in_(ids))) if ids else []:
                if op.table_name in touched and op.row_id in touched[op.table_name]:
                    op.changed_fields = _scrub_payload(op.table_name, dict(op.changed_fields or {}))
            for conflict in s.scalars(
                select(Conflict).where((Conflict.person_id == person_id) | Conflict.row_id.in_(ids))
            ):
                s.delete(conflict)
            for column, value in scrubbed_values("person").items():
                setattr(person, column, value)
            person.deleted_at = now  # flushed last: the hook records it as the one « purge » op
            counts["person"] = 1
        s.flush()
        audit.record_audit.within(
            s,
            actor=actor,
            action=AuditAction.PURGE,
            person_id=person_id,
            object_table="person",
            object_id=person_id,
            detail=json.dumps({"lignes": dict(sorted(counts.items())), "fichiers": files}),
            at=now,
        )
    return PurgedPerson(person_id, dict(sorted(counts.items())), files)


def purge(
    db: Database,
    person_ids: list[str],
    *,
    actor: str,
    progress: Progress | None = None,
    cancel: Callable[[], bool] | None = None,
) -> PurgeLog:
    """Purge each person in its own transaction; stops between two people when ``cancel()`` is true."""
    if not actor:
        raise PurgeRefused("L'auteur de la purge est obligatoire.")
    log = PurgeLog(actor=actor, started_at=utcnow())
    total = len(person_ids)
    for i, pid in enumerate(person_ids):
        if cancel is not None and cancel():
            log.cancelled = True
            break
        log.people.append(_purge_one(db, pid, actor))
        if progress is not None:
            progress(i + 1, total)
    return log


def purge_log(db: Database, limit: int = 500) -> list[PurgeLogEntry]:
    """The purges done on this file (and received from the département), most recent first."""
    with db.read() as s:
        rows = s.execute(
            select(AuditEvent.at, AuditEvent.actor, AuditEvent.person_id, AuditEvent.detail)
            .where(AuditEvent.action == AuditAction.PURGE)
            .order_by(AuditEvent.at.desc())
            .limit(limit)
        ).all()
    out = []
    for at, actor, pid, detail in rows:
        try:
            data = json.loads(detail or "{}")
        except ValueError:
            data = {}
        out.append(
            PurgeLogEntry(at, actor, pid or "", dict(data.get("lignes", {})), int(data.get("fichiers", 0)))
        )
    return out


def personal_tables() -> tuple[str, ...]:
    """Every table a purge scrubs (for the log and the documentation)."""
    return tuple(PERSONAL_FIELDS)
