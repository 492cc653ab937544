"""« Aujourd'hui »: who to see, call back or write to today (issue #15, point 1).

Three parts, for the référent's people (« Mes personnes »: theirs and those without a référent) or everyone:

* the day's RDVs, each with its convocation's state (« Convoqué le … · rappel SMS envoyé … » / « Non
  convoqué », :func:`app.services.agenda.convocations.letters.letter_states`);
* the people to call back: their last RDV, in the past 30 days, was missed or excused, and nothing is planned
  since;
* the overdue items, graded: a legal deadline past, then a departmental target past, then what falls due this
  week — one line per person (their most urgent item, and how many others are open).

The same list in the window and headless (``python -m app today [--on DATE] [--json]``). Today's deadlines come
from the deadlines kept in the vault; another day's are computed for that day.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import or_, select

from app.models.enums import AppointmentStatus, PersonStatus
from app.models.rules.engine import Deadline
from app.models.rules.urgency import GRADE_CODES, Grade, grade, most_urgent, overdue_days
from app.models.tables.followup import Appointment
from app.models.tables.people import Person
from app.models.vocabularies.loader import load_vocabularies
from app.services.agenda.convocations import letters
from app.services.people import alerts, followup, stored_deadlines
from app.services.storage.db import Database

KIND_RDV, KIND_CALLBACK, KIND_DEADLINE = "rdv", "rappel", "echeance"
KIND_LABELS = {KIND_RDV: "Rendez-vous", KIND_CALLBACK: "À rappeler", KIND_DEADLINE: "Échéance"}
#: A RDV missed or excused this long ago, with nothing planned since, puts the person on the list to call back.
CALLBACK_DAYS = 30
#: Up to this many people, their deadlines are read by id; beyond, one scan of the table (cheaper).
FEW_PEOPLE = 2_000
CALLBACK_STATUSES = (AppointmentStatus.MISSED, AppointmentStatus.EXCUSED)


@dataclass(frozen=True)
class TodayLine:
    """One line of the day: a RDV, a person to call back, or a person's most urgent deadline."""

    person_id: str | None  # None: a collective session without participants
    person: str  # « ARNAUD Awa »
    kind: str  # KIND_RDV / KIND_CALLBACK / KIND_DEADLINE
    grade: str  # the deadline's grade code (GRADE_CODES); « rdv » or « a_rappeler » for the other kinds
    due: date  # the RDV's day, the missed RDV's day, the deadline's due date
    label: str  # what to do or what is planned
    detail: str = ""  # « en retard de 12 j · Délai légal », « 10:30 · Maison des solidarités »…
    tab: str | None = None  # the person tab where it is dealt with
    rdv_id: str | None = None
    at: datetime | None = None  # a RDV's time
    local_target: bool = False
    legal_basis: str = ""
    others: int = 0  # the person's other deadlines past or due this week
    convocation: str = ""  # the RDV's convocation state (the convocations service), "" when unknown

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["due"] = self.due.isoformat()
        out["at"] = self.at.isoformat(timespec="minutes") if self.at else None
        return out


@dataclass(frozen=True)
class DayPlan:
    on: date
    rdvs: tuple[TodayLine, ...]
    callbacks: tuple[TodayLine, ...]
    deadlines: tuple[TodayLine, ...]  # graded: legal past, departmental past, this week

    def lines(self) -> list[TodayLine]:
        return [*self.rdvs, *self.callbacks, *self.deadlines]

    def by_grade(self, g: Grade) -> list[TodayLine]:
        return [line for line in self.deadlines if line.grade == GRADE_CODES[g]]


def _name(last: str, first: str) -> str:
    return f"{last.upper()} {first}".strip()


def _people(db: Database, referent_id: str | None) -> dict[str, str]:
    """The active people of the scope, by id, with their names."""
    q = select(Person.id, Person.last_name, Person.first_name).where(
        Person.deleted_at.is_(None), Person.status == PersonStatus.ACTIVE
    )
    if referent_id is not None:
        q = q.where(or_(Person.referent_id == referent_id, Person.referent_id.is_(None)))
    with db.read() as s:
        return {pid: _name(last, first) for pid, last, first in s.execute(q)}


def _rdv_lines(db: Database, on: date, people: dict[str, str], referent_id: str | None) -> list[TodayLine]:
    start = datetime.combine(on, time.min)
    q = select(Appointment).where(
        Appointment.deleted_at.is_(None),
        Appointment.starts_at >= start,
        Appointment.starts_at < start + timedelta(days=1),
        Appointment.status != AppointmentStatus.CANCELLED,
    )
    vocab = load_vocabularies()
    out = []
    with db.read() as s:
        rdvs = list(s.scalars(q.order_by(Appointment.starts_at)))
        states = letters.letter_states.within(s, [a.id for a in rdvs if a.person_id is not None])
        for a in rdvs:
            mine = referent_id is None or a.referent_id == referent_id
            if not (mine or a.person_id in people):
                continue
            who = people.get(a.person_id or "", "") or ("Séance collective" if a.person_id is None else "")
            if not who and a.person_id is not None:
                who = _other_name(s, a.person_id)
            what = [vocab.label("appointment_purposes", a.purpose), vocab.label("appointment_natures", a.nature),
                    a.place]  # fmt: skip
            when = f"{a.starts_at:%H:%M}"
            if a.status != AppointmentStatus.PLANNED:
                when += f" · {vocab.label('appointment_statuses', a.status).lower()}"
            out.append(
                TodayLine(a.person_id, who, KIND_RDV, "rdv", on, " · ".join(b for b in what if b), when, "rdv",
                          a.id, a.starts_at, convocation=states[a.id].label if a.id in states else "")
            )  # fmt: skip
    return out


def _other_name(s: Any, person_id: str) -> str:
    row = s.execute(select(Person.last_name, Person.first_name).where(Person.id == person_id)).first()
    return _name(row[0], row[1]) if row else "?"


def _callback_lines(db: Database, on: date, people: dict[str, str]) -> list[TodayLine]:
    """Last RDV (up to now) missed or excused within CALLBACK_DAYS, and nothing planned since."""
    now = datetime.combine(on, time.max)
    since = datetime.combine(on - timedelta(days=CALLBACK_DAYS), time.min)
    q = (
        select(Appointment.person_id, Appointment.starts_at, Appointment.status, Appointment.purpose)
        .where(Appointment.deleted_at.is_(None), Appointment.person_id.is_not(None))
        .where(Appointment.starts_at >= since, Appointment.status != AppointmentStatus.CANCELLED)
        .order_by(Appointment.starts_at)
    )
    last: dict[str, tuple[datetime, str, str]] = {}
    planned: set[str] = set()
    with db.read() as s:
        for pid, starts, status, purpose in s.execute(q):
            if pid not in people:
                continue
            if starts > now or (status == AppointmentStatus.PLANNED and starts.date() >= on):
                planned.add(pid)
            elif starts <= now:
                last[pid] = (starts, status, purpose)
    vocab = load_vocabularies()
    out = []
    for pid, (starts, status, purpose) in last.items():
        if status not in CALLBACK_STATUSES or pid in planned:
            continue
        what = "non honoré" if status == AppointmentStatus.MISSED else "excusé"
        out.append(
            TodayLine(pid, people[pid], KIND_CALLBACK, "a_rappeler", starts.date(),
                      f"Rendez-vous {what} le {starts:%d/%m} : à rappeler",
                      f"{vocab.label('appointment_purposes', purpose)} · rien n'est planifié depuis", "rdv")
        )  # fmt: skip
    out.sort(key=lambda line: (line.due, line.person))
    return out


def _urgent_on(db: Database, on: date, ids: Sequence[str]) -> dict[str, tuple[Deadline, int]]:
    """Each person's deadline to act on first among the overdue and the week's, with how many others of theirs
    are: today's from the deadlines kept in the vault, another day's computed for that day."""
    wanted = set(ids)
    if on == date.today():
        few = len(ids) <= FEW_PEOPLE  # a référent's people: read theirs, not everyone's
        found = stored_deadlines.most_urgent_within_the_week(db, ids if few else None, today=on)
        return {pid: picked for pid, picked in found.items() if pid in wanted}
    result = alerts.caseload_deadlines(db, on, alerts.load_rules_or_fail(), list(ids))
    items: dict[str, list[Deadline]] = {}
    for d in result.deadlines:
        items.setdefault(d.person_id, []).append(d)
    out = {}
    for pid, theirs in items.items():
        first = most_urgent(theirs, on)
        if first is not None and grade(first, on) <= Grade.THIS_WEEK:
            out[pid] = (first, sum(1 for d in theirs if d is not first and grade(d, on) <= Grade.THIS_WEEK))
    return out


def _deadline_lines(db: Database, on: date, people: dict[str, str]) -> list[TodayLine]:
    out = []
    for pid, (first, others) in _urgent_on(db, on, list(people)).items():
        g = grade(first, on)
        late = overdue_days(first, on)
        nature = first.nature_label
        when = f"en retard de {late} j" if late else ("aujourd'hui" if first.due_date == on else
                                                      f"pour le {first.due_date:%d/%m/%Y}")  # fmt: skip
        out.append(
            TodayLine(pid, people[pid], KIND_DEADLINE, GRADE_CODES[g], first.due_date, first.label,
                      f"{when} · {nature}", followup.tab_for_rule(first.rule_id), local_target=first.local_target,
                      legal_basis=first.legal_basis, others=others)
        )  # fmt: skip
    rank = {code: g for g, code in GRADE_CODES.items()}
    out.sort(key=lambda line: (rank[line.grade], line.due, line.person))
    return out


def day_plan(db: Database, on: date | None = None, *, referent_id: str | None = None) -> DayPlan:
    """The day of ``referent_id``'s people (and those without a référent), or of everyone when None."""
    on = on or date.today()
    people = _people(db, referent_id)
    return DayPlan(
        on,
        tuple(_rdv_lines(db, on, people, referent_id)),
        tuple(_callback_lines(db, on, people)),
        tuple(_deadline_lines(db, on, people)),
    )
