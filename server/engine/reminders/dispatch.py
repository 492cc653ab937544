"""Sending the reminders that are due (ADR 0036), at most once each.

1. **Claim**, in one write transaction: the due reminders still « à envoyer » are read with the person they
   remind; a cancelled one becomes « annulé », one whose RDV has passed, whose person withdrew consent or changed
   channel, or cannot be reached by it, gets its reason; the others become « envoi en cours ». Those changes are
   written as ops of the server pseudo-device through the upload path (:func:`server.engine.ops.apply_op`), so
   each gets a feed sequence and reaches the laptops in scope at their next sync.
2. **Send**, outside any transaction: one message per claimed reminder (its address read from the person's row
   now, never stored with the reminder).
3. **Record**, in one write transaction: « envoyé » with the moment, « échec » with the reason, or back to « à
   envoyer » when trying later may help (server unreachable); each outcome in the server's audit log (ids and
   reasons only).

Only a reminder in state « à envoyer » is ever claimed, and claiming is a write serialised on the feed counter:
a replayed upload, a second worker or a second server process finds nothing to send. A reminder left « envoi en
cours » by a crash between 1 and 3 is not sent again (its message may have left): it becomes « échec » with that
reason after :data:`STALE_AFTER`.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, select

from app.models.enums import ReminderChannel, ReminderState
from app.models.reminders import compose, contact_problem, email_address, mobile_number
from app.models.sync import wire as codec
from server.admin import audit
from server.engine.authorise import Policy
from server.engine.batch import Batch, FeedCounter
from server.engine.ops import apply_op
from server.engine.reminders.senders import Sender, SendError
from server.engine.scope import DeviceCtx
from server.store.db import ServerDB, lock_counter, store_counter, utcnow
from server.store.tables import BUSINESS

log = logging.getLogger(__name__)
SERVER_DEVICE = DeviceCtx(
    id="server", user_id="", role="admin", referent_id=None, team_id=None, status="active"
)
STALE_AFTER = timedelta(minutes=15)
BATCH = 200
_R = ReminderState


@dataclass
class DispatchReport:
    sent: int = 0
    failed: int = 0
    retry: int = 0
    cancelled: int = 0
    reasons: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"{self.sent} rappel(s) envoyé(s), {self.failed} en échec, {self.retry} à réessayer, "
            f"{self.cancelled} annulé(s)"
        )


@dataclass(frozen=True)
class _Job:
    reminder_id: str
    person_id: str
    channel: str
    to: str
    subject: str
    text: str


def _apply(conn: Connection, changes: list[tuple[str, dict[str, Any]]]) -> None:
    """Write ``changes`` (reminder id, fields) as server ops: feed sequences, per-field revisions."""
    if not changes:
        return
    counter = FeedCounter(lock_counter(conn))
    start = counter.value
    ops = [
        {"i": str(uuid.uuid4()), "s": n, "t": "appointment_reminder", "r": rid, "k": "update", "b": start,
         "f": {k: codec.to_wire(v) for k, v in fields.items()}}
        for n, (rid, fields) in enumerate(changes, 1)
    ]  # fmt: skip
    batch = Batch(
        conn, SERVER_DEVICE, ops, find_duplicates=False, policy=Policy.trusted_server(SERVER_DEVICE)
    )
    for op in ops:
        result = apply_op(batch, op, counter)
        if result["st"] != "applied":  # cannot happen with the trusted policy: say it loudly if it does
            raise RuntimeError(f"reminder state not written: {result}")
    batch.flush()
    if counter.value != start:
        store_counter(conn, counter.value)


def _event(kind: str, rid: str, detail: str, code: str = "") -> dict[str, Any]:
    """An audit log entry about a reminder: its id and a reason, never an address or a name."""
    return audit.event(kind, device_id="server", table_name="appointment_reminder", row_id=rid, code=code,
                       detail=detail)  # fmt: skip


def _decide(row: Any, now: datetime) -> tuple[str, str] | None:
    """(state, reason) a due reminder ends in without being sent, or None to send it. ``row``: the reminder
    joined with its person (``p_id``, ``p_deleted``, ``p_channel``, ``reminder_consent_on``, ``email``,
    ``phone``)."""
    if row.cancelled_at is not None:
        return _R.CANCELLED, ""
    if row.rdv_at <= now:
        return _R.FAILED, "rendez-vous passé avant l'envoi"
    if row.p_id is None or row.p_deleted is not None:
        return _R.CANCELLED, "dossier de la personne absent du serveur"
    if row.p_channel != row.channel or row.reminder_consent_on is None:
        return _R.CANCELLED, "accord de la personne retiré ou canal changé"
    problem = contact_problem(row.channel, row.email, row.phone)
    if problem is not None:
        return _R.FAILED, problem
    return None


def _claim(sdb: ServerDB, channels: Iterable[str], now: datetime) -> tuple[list[_Job], DispatchReport]:
    rem, person = BUSINESS["appointment_reminder"], BUSINESS["person"]
    report = DispatchReport()
    jobs: list[_Job] = []
    with sdb.write() as conn:
        changes: list[tuple[str, dict[str, Any]]] = []
        events: list[dict[str, Any]] = []
        stale = conn.execute(
            select(rem.c.id).where(rem.c.state == _R.SENDING, rem.c.updated_at < utcnow() - STALE_AFTER)
        ).scalars()
        for rid in stale:
            reason = "envoi interrompu, état inconnu : non renouvelé"
            changes.append((rid, {"state": _R.FAILED, "failure": reason}))
            events.append(_event("reminder_failed", rid, reason, "interrupted"))
            report.failed += 1
        due = conn.execute(
            select(rem, person.c.email, person.c.phone, person.c.reminder_channel.label("p_channel"),
                   person.c.reminder_consent_on, person.c.deleted_at.label("p_deleted"), person.c.id.label("p_id"))
            .outerjoin(person, person.c.id == rem.c.person_id)
            .where(rem.c.state == _R.QUEUED, rem.c.due_at <= now, rem.c.deleted_at.is_(None))
            .where(rem.c.channel.in_(sorted(channels)))
            .order_by(rem.c.due_at)
            .limit(BATCH)
        ).all()  # fmt: skip
        for row in due:
            decided = _decide(row, now)
            if decided is not None:
                state, reason = decided
                changes.append((row.id, {"state": state, "failure": reason}))
                kind = "reminder_cancelled" if state == _R.CANCELLED else "reminder_failed"
                events.append(_event(kind, row.id, reason or "rendez-vous annulé ou déplacé"))
                report.cancelled += state == _R.CANCELLED
                report.failed += state == _R.FAILED
                continue
            message = compose(row.channel, rdv_at=row.rdv_at, place=row.place, service=row.service,
                              reply_phone=row.reply_phone)  # fmt: skip
            to = (
                email_address(row.email) if row.channel == ReminderChannel.EMAIL else mobile_number(row.phone)
            )
            assert to is not None  # _decide checked the contact
            jobs.append(_Job(row.id, row.person_id, row.channel, to, message.subject, message.text))
            changes.append((row.id, {"state": _R.SENDING, "failure": ""}))
        _apply(conn, changes)
        audit.write(conn, events)
    return jobs, report


def send_due(
    sdb: ServerDB,
    senders: dict[str, Sender],
    *,
    now: datetime | None = None,
    clock: Callable[[], datetime] = datetime.now,
) -> DispatchReport:
    """Send the reminders due at ``now`` (local time, like the RDVs) by the channels of ``senders``."""
    moment = now or clock().replace(microsecond=0)
    jobs, report = _claim(sdb, senders, moment)
    if not jobs:
        return report
    outcomes: list[tuple[str, dict[str, Any]]] = []
    events: list[dict[str, Any]] = []
    for job in jobs:
        try:
            senders[job.channel].send(job.to, job.subject, job.text, job.reminder_id)
        except SendError as exc:
            state = _R.QUEUED if exc.transient else _R.FAILED
            outcomes.append((job.reminder_id, {"state": state, "failure": exc.reason}))
            kind = "reminder_retry" if exc.transient else "reminder_failed"
            events.append(_event(kind, job.reminder_id, exc.reason))
            report.retry += exc.transient
            report.failed += not exc.transient
            report.reasons.append(exc.reason)
            continue
        sent_at = clock().replace(microsecond=0)
        outcomes.append((job.reminder_id, {"state": _R.SENT, "sent_at": sent_at, "failure": ""}))
        events.append(_event("reminder_sent", job.reminder_id, f"rappel envoyé ({job.channel})"))
        report.sent += 1
    with sdb.write() as conn:
        _apply(conn, outcomes)
        audit.write(conn, events)
    log.info("Rappels : %s", report.summary())
    return report
