"""Filters of « Ma file active » (parcours, régime, en retard, sans contrat, sans RDV depuis 2 mois, sortis)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from dateutil.relativedelta import relativedelta
from sqlalchemy import select

from app.models.enums import AppointmentStatus, PersonStatus
from app.models.tables.contracts import Contract
from app.models.tables.followup import Appointment
from app.models.tables.people import Person
from app.services.people.deadlines import current_tracks
from app.services.people.labels import LIVE_CONTRACT, REGIME_SHORT, TRACK_LABELS, label
from app.services.storage.db import Database

#: « Sans RDV depuis 2 mois »: no honoured RDV for this many months.
NO_CONTACT_MONTHS = 2


@dataclass(frozen=True)
class CaseloadFilters:
    """Filters of « Ma file active »; empty values do not filter. ``exited`` lists only people who left."""

    track: str = ""
    regime: str = ""
    late: bool = False
    without_contract: bool = False
    no_rdv_2_months: bool = False
    exited: bool = False

    def active(self) -> bool:
        return any(
            (self.track, self.regime, self.late, self.without_contract, self.no_rdv_2_months, self.exited)
        )


def _contract_holders(db: Database) -> set[str]:
    with db.read() as s:
        q = select(Contract.person_id).where(
            Contract.deleted_at.is_(None), Contract.status.in_(LIVE_CONTRACT)
        )
        return set(s.scalars(q).all())


def _recently_seen(db: Database, today: date) -> set[str]:
    since = today - relativedelta(months=NO_CONTACT_MONTHS)
    with db.read() as s:
        honoured = s.scalars(
            select(Appointment.person_id).where(
                Appointment.deleted_at.is_(None),
                Appointment.status == AppointmentStatus.HONOURED,
                Appointment.starts_at >= datetime.combine(since, datetime.min.time()),
            )
        ).all()
        contacted = s.scalars(select(Person.id).where(Person.last_contact_date >= since)).all()
    return {p for p in honoured if p} | set(contacted)


def filter_ids(
    db: Database, f: CaseloadFilters, late_ids: Callable[[], set[str]], today: date | None = None
) -> set[str]:
    """Ids of the people matching every active filter (``late_ids``: who has an overdue deadline, lazily)."""
    today = today or date.today()
    with db.read() as s:
        q = select(Person.id, Person.regime, Person.status).where(Person.deleted_at.is_(None))
        people = s.execute(q).all()
        tracks = current_tracks(s, None) if f.track else {}
    wanted = PersonStatus.EXITED if f.exited else PersonStatus.ACTIVE
    ids = {p[0] for p in people if p[2] == wanted and (not f.regime or p[1] == f.regime)}
    if f.track:
        ids = {i for i in ids if tracks.get(i) == f.track}
    if f.late:
        ids &= late_ids()
    if f.without_contract:
        ids -= _contract_holders(db)
    if f.no_rdv_2_months:
        ids -= _recently_seen(db, today)
    return ids


def filter_summary(f: CaseloadFilters) -> str:
    """« Parcours social · En retard » — what the caseload count line says about the active filters."""
    bits = [label(TRACK_LABELS, f.track), label(REGIME_SHORT, f.regime)]
    bits += [text for on, text in (
        (f.late, "en retard"), (f.without_contract, "sans contrat"),
        (f.no_rdv_2_months, "sans RDV depuis 2 mois"), (f.exited, "sortis"),
    ) if on]  # fmt: skip
    return " · ".join(b for b in bits if b)
