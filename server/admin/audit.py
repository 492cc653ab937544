"""The server's audit log: who tried what and was refused, who enrolled, who reassigned whom.

Events carry ids (device, user, table, row, op), the client's address, a stable code and a French reason — never a
value of a person's file. They are written in the transaction of what they describe (an upload batch) or on their
own (a failed authentication). ``python -m server audit`` prints them; a team leader's device gets the refusals
its team transmitted (:func:`team_escalations`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, select

from server.store.db import ServerDB, utcnow
from server.store.tables import audit_log, users

#: Kinds of events and what they mean (French, for the CLI).
KINDS = {
    "op_refused": "opération refusée",
    "op_invalid": "opération mal formée",
    "auth_failed": "authentification refusée",
    "enrol_failed": "enrôlement refusé",
    "enrolled": "poste enrôlé",
    "enrol_replayed": "réponse d'enrôlement renvoyée",
    "rate_limited": "trop de tentatives",
    "reassigned": "réaffectation",
    "cursor_ahead": "poste en avance sur le serveur",
    "escalated": "refus transmis au responsable",
    "archived": "dossier mis en archive intermédiaire",
    "archive_read": "archive intermédiaire consultée",
    "archive_eliminated": "archive intermédiaire éliminée",
    "reminder_sent": "rappel envoyé",
    "reminder_failed": "rappel en échec",
    "reminder_retry": "rappel à réessayer",
    "reminder_cancelled": "rappel annulé",
}
#: How long a team leader sees a refusal their team transmitted.
ESCALATION_DAYS = 30


def _cut(value: Any, size: int) -> str | None:
    return None if value is None else str(value)[:size]


def event(kind: str, **fields: Any) -> dict[str, Any]:
    """One audit row (values cut to their column sizes)."""
    return {
        "at": fields.get("at") or utcnow(),
        "kind": kind,
        "device_id": _cut(fields.get("device_id"), 64),
        "user_id": _cut(fields.get("user_id"), 36),
        "address": _cut(fields.get("address"), 64) or "",
        "table_name": _cut(fields.get("table_name"), 60),
        "row_id": _cut(fields.get("row_id"), 36),
        "op_id": _cut(fields.get("op_id"), 36),
        "code": _cut(fields.get("code"), 40) or "",
        "detail": _cut(fields.get("detail"), 2000) or "",
    }


def write(conn: Connection, events: list[dict[str, Any]]) -> None:
    if events:
        conn.execute(audit_log.insert(), events)


def record(sdb: ServerDB, kind: str, **fields: Any) -> None:
    """Write one event in its own transaction."""
    with sdb.write() as conn:
        write(conn, [event(kind, **fields)])


@dataclass(frozen=True)
class AuditEntry:
    at: datetime
    kind: str
    label: str
    login: str | None
    device_id: str | None
    address: str
    table_name: str | None
    row_id: str | None
    op_id: str | None
    code: str
    detail: str

    def as_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "at": self.at.isoformat(timespec="seconds")}


def entries(
    sdb: ServerDB, *, since: datetime | None = None, kinds: list[str] | None = None, limit: int = 1000
) -> list[AuditEntry]:
    """Events after ``since`` (all when None), oldest first, at most ``limit`` (the latest ones)."""
    stmt = select(audit_log, users.c.login).outerjoin(users, users.c.id == audit_log.c.user_id)
    if since is not None:
        stmt = stmt.where(audit_log.c.at >= since)
    if kinds:
        stmt = stmt.where(audit_log.c.kind.in_(kinds))
    stmt = stmt.order_by(audit_log.c.at.desc(), audit_log.c.id.desc()).limit(limit)
    with sdb.read() as conn:
        rows = conn.execute(stmt).all()
    return [
        AuditEntry(
            r.at,
            r.kind,
            KINDS.get(r.kind, r.kind),
            r.login,
            r.device_id,
            r.address,
            r.table_name,
            r.row_id,
            r.op_id,
            r.code,
            r.detail,
        )
        for r in reversed(rows)
    ]


def escalate(sdb: ServerDB, device_id: str, user_id: str, op_ids: list[str], address: str = "") -> int:
    """The référent transmits refusals of their device to their team leader; returns how many were new.

    Only ops refused to that same device can be transmitted, each once."""
    wanted = sorted(set(op_ids))
    with sdb.write() as conn:
        refused = {
            r.op_id: r
            for r in conn.execute(
                select(audit_log).where(
                    audit_log.c.op_id.in_(wanted),
                    audit_log.c.kind.in_(["op_refused", "op_invalid"]),
                    audit_log.c.device_id == device_id,
                )
            )
        }
        done = set(
            conn.execute(
                select(audit_log.c.op_id).where(
                    audit_log.c.op_id.in_(wanted), audit_log.c.kind == "escalated"
                )
            ).scalars()
        )
        new = [
            event(
                "escalated",
                device_id=device_id,
                user_id=user_id,
                address=address,
                table_name=r.table_name,
                row_id=r.row_id,
                op_id=r.op_id,
                code=r.code,
                detail=r.detail,
            )
            for op_id, r in refused.items()
            if op_id not in done
        ]
        write(conn, new)
    return len(new)


def team_escalations(
    conn: Connection, team_id: str | None, *, now: datetime | None = None
) -> list[dict[str, Any]]:
    """Refusals the users of team ``team_id`` transmitted in the last :data:`ESCALATION_DAYS` days, newest
    first (at most 50): when, who, what kind of record, the reason."""
    if not team_id:
        return []
    since = (now or utcnow()) - timedelta(days=ESCALATION_DAYS)
    rows = conn.execute(
        select(audit_log, users.c.login, users.c.name)
        .join(users, users.c.id == audit_log.c.user_id)
        .where(audit_log.c.kind == "escalated", audit_log.c.at >= since, users.c.team_id == team_id)
        .order_by(audit_log.c.at.desc(), audit_log.c.id.desc())
        .limit(50)
    ).all()
    return [
        {
            "at": r.at.isoformat(timespec="seconds"),
            "login": r.login,
            "name": r.name,
            "table": r.table_name,
            "row_id": r.row_id,
            "code": r.code,
            "reason": r.detail,
        }
        for r in rows
    ]
