"""What « Ma file active » shows of each person beside the deadlines: the next planned RDV and the current
contract, read in batches (a page of rows, or everyone for a sort at stress sizes — one grouped query each)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, func, select
from sqlalchemy.orm import Session

from app.models.enums import AppointmentStatus, ContractStatus
from app.models.tables.contracts import Contract
from app.models.tables.followup import Appointment
from app.services.people.labels import CONTRACT_STATUS_LABELS, LIVE_CONTRACT, label


@dataclass(frozen=True)
class ContractSummary:
    """The person's latest contract (by start date): kind, state, end."""

    kind: str  # enums.ContractKind
    status: str  # enums.ContractStatus
    end_date: date | None

    @property
    def live(self) -> bool:
        return self.status in LIVE_CONTRACT

    @property
    def text(self) -> str:
        """« CE en cours · fin 12/08/2027 », « CER terminé », « CE brouillon »."""
        base = f"{self.kind.upper()} {label(CONTRACT_STATUS_LABELS, self.status).lower()}"
        if self.end_date and self.live:
            return f"{base} · fin {self.end_date:%d/%m/%Y}"
        return base


def _start_of(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time())


def next_rdvs(s: Session, person_ids: Sequence[str], today: date) -> dict[str, datetime]:
    """The next planned RDV of each person (from today on)."""
    if not person_ids:
        return {}
    q = (
        select(Appointment.person_id, func.min(Appointment.starts_at))
        .where(
            Appointment.person_id.in_(person_ids),
            Appointment.deleted_at.is_(None),
            Appointment.status == AppointmentStatus.PLANNED,
            Appointment.starts_at >= _start_of(today),
        )
        .group_by(Appointment.person_id)
    )
    return {pid: when for pid, when in s.execute(q) if pid and when}


def contracts(s: Session, person_ids: Sequence[str]) -> dict[str, ContractSummary]:
    """The latest contract of each person (latest start, then latest made); rejected ones are left out."""
    if not person_ids:
        return {}
    q = (
        select(Contract.person_id, Contract.kind, Contract.status, Contract.end_date)
        .where(
            Contract.person_id.in_(person_ids),
            Contract.deleted_at.is_(None),
            Contract.status != ContractStatus.REJECTED,
        )
        .order_by(Contract.start_date.asc().nulls_first(), Contract.created_at)
    )
    return {pid: ContractSummary(kind, status, end) for pid, kind, status, end in s.execute(q)}  # latest wins


# --- sort keys for everyone (raw SQL: the index sorts 100,000 people) -----------------------------------------


def _raw(conn: Connection, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    return list(conn.exec_driver_sql(sql, params).fetchall())


def next_rdv_keys(conn: Connection, today: date) -> dict[str, str]:
    """Person id → the ISO text of their next planned RDV (sorts as the date)."""
    sql = (
        "SELECT person_id, MIN(starts_at) FROM appointment WHERE deleted_at IS NULL AND status = ? "
        "AND starts_at >= ? AND person_id IS NOT NULL GROUP BY person_id"
    )
    return dict(_raw(conn, sql, (str(AppointmentStatus.PLANNED), _start_of(today).isoformat(sep=" "))))


def contract_end_keys(conn: Connection) -> dict[str, str]:
    """Person id → the end date (ISO) of their latest live contract: the contracts ending first sort first."""
    marks = ", ".join("?" * len(LIVE_CONTRACT))
    sql = (
        "SELECT person_id, MAX(end_date) FROM contract WHERE deleted_at IS NULL AND end_date IS NOT NULL "
        f"AND status IN ({marks}) GROUP BY person_id"
    )
    return dict(_raw(conn, sql, tuple(str(c) for c in LIVE_CONTRACT)))
