"""Demo profile, part 1: the plan of the caseload and each person's identity. **All data is fictitious.**

The plan guarantees the variety the demo must show (every exit category, every contract state, overdue
situations…) by giving each person a scenario; the rest of the file is drawn from a seeded ``random.Random``.
"""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy.orm import Session

from app.models.enums import Regime
from app.models.identity.nir import nir_is_valid
from app.services.demo import data
from app.services.people import identity as people

#: Scenario → how many people get it (the others are "regular": a contract in force, RDVs, a carnet).
SCENARIOS: dict[str, int] = {
    "exit_followup": 1,
    "exit_durable": 2,
    "exit_transition": 2,
    "exit_positive": 3,
    "exit_other": 3,
    "reentry": 1,
    "draft": 3,
    "signed": 2,
    "validated": 2,
    "rejected": 2,
    "sanction_full": 1,
    "sanction_ongoing": 1,
    "no_contact": 3,
    "no_contract_late": 3,
    "ending_soon": 3,
    "no_referent": 3,
    "newcomer": 3,
    "reorientation": 5,
    "legacy_awaiting_ce": 2,
    "avenant": 3,
}
COUPLES = 5
PE_START = date(2025, 1, 1)  # loi pour le plein emploi in force


@dataclass(frozen=True)
class Ref:
    id: str
    login: str
    name: str


@dataclass
class Plan:
    scenario: str
    entry: date  # orientation decision, start of the parcours
    partner_of: int | None = None  # index of the person whose household this one joins


@dataclass
class Identity:
    person_id: str
    household_id: str
    sex: str
    last_name: str
    first_name: str
    caf: str
    address: tuple[str, str, str, str]  # line, extra, postal code, city
    birth_date: date


@dataclass
class Demo:
    rng: random.Random
    today: date
    refs: list[Ref]
    cafs: set[str] = field(default_factory=set)
    identities: list[Identity] = field(default_factory=list)

    @property
    def me(self) -> Ref:
        return self.refs[0]

    def days_ago(self, lo: int, hi: int) -> date:
        return self.today - timedelta(days=self.rng.randint(lo, hi))


def _entry_range(scenario: str) -> tuple[int, int]:
    """How long ago (days) the person was oriented, by scenario."""
    return {
        "draft": (12, 24),
        "newcomer": (12, 30),
        "no_referent": (15, 40),
        "signed": (40, 90),
        "validated": (45, 90),
        "rejected": (60, 110),
        "no_contract_late": (60, 130),
        "reentry": (900, 1300),
        "ending_soon": (200, 600),
        "no_contact": (200, 600),
        "sanction_full": (300, 650),
        "sanction_ongoing": (200, 500),
        "reorientation": (250, 700),
        "legacy_awaiting_ce": (700, 1050),
        "avenant": (150, 500),
    }.get(scenario, (300, 1300) if scenario.startswith("exit") else (60, 720))


def make_plans(rng: random.Random, today: date, size: int) -> list[Plan]:
    """One plan per person: the mandatory scenarios first (shuffled), then regular ones; a few couples."""
    scenarios = [name for name, n in SCENARIOS.items() for _ in range(n)][:size]
    scenarios += ["regular"] * (size - len(scenarios))
    rng.shuffle(scenarios)
    plans = []
    for name in scenarios:
        lo, hi = _entry_range(name)
        plans.append(Plan(name, today - timedelta(days=rng.randint(lo, hi))))
    regular = [i for i, p in enumerate(plans) if p.scenario == "regular" and i > 0]
    for i in sorted(rng.sample(regular, min(COUPLES, len(regular)))):
        if plans[i - 1].partner_of is None:
            plans[i].partner_of = i - 1
    return plans


def regime_at(day: date) -> str:
    return Regime.LEGACY if day < PE_START else Regime.PLEIN_EMPLOI


def make_nir(rng: random.Random, sex: str, born: date) -> str:
    """A syntactically valid NIR (correct key) built from random, fictitious parts."""
    dept, communes = rng.choice(data.BIRTH_PLACES)
    body = f"{1 if sex == 'M' else 2}{born.year % 100:02d}{born.month:02d}{dept}{rng.choice(communes)}"
    body += f"{rng.randint(1, 999):03d}"
    nir = f"{body}{97 - int(body) % 97:02d}"
    assert nir_is_valid(nir)
    return nir


def _ascii(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(c for c in folded.lower() if c.isalnum() or c == "-")


def _contact(rng: random.Random, first: str, last: str) -> tuple[str, str]:
    phone = (
        f"06 39 98 {rng.randint(0, 99):02d} {rng.randint(0, 99):02d}"
        if rng.random() < 0.85
        else (f"04 65 71 {rng.randint(0, 99):02d} {rng.randint(0, 99):02d}")
    )
    email = f"{_ascii(first)}.{_ascii(last)}{rng.randint(1, 99)}@example.org" if rng.random() < 0.6 else ""
    return phone, email


def _birth_date(rng: random.Random, today: date, near: date | None = None) -> date:
    if near is not None:
        born = near + timedelta(days=rng.randint(-8 * 365, 8 * 365))
        return max(min(born, today - timedelta(days=20 * 366)), today - timedelta(days=63 * 365))
    return today - timedelta(days=rng.randint(19 * 366, 64 * 365))


def _new_caf(demo: Demo) -> str:
    while True:
        caf = f"{demo.rng.randint(1_000_000, 9_999_999)}"
        if caf not in demo.cafs:
            demo.cafs.add(caf)
            return caf


def _address(rng: random.Random) -> tuple[str, str, str, str]:
    city, postal = rng.choice(data.COMMUNES)
    extra = rng.choice(data.ADDRESS_EXTRAS) if rng.random() < 0.25 else ""
    return f"{rng.randint(1, 140)} {rng.choice(data.STREETS)}", extra, postal, city


def create_identity(s: Session, demo: Demo, plan: Plan) -> Identity:
    """Create the household (or join the partner's) and the person, through the people services."""
    rng = demo.rng
    partner = demo.identities[plan.partner_of] if plan.partner_of is not None else None
    sex = ("F" if partner.sex == "M" else "M") if partner else rng.choice("FM")
    first = rng.choice(data.FEMALE_FIRST if sex == "F" else data.MALE_FIRST)
    last = partner.last_name if partner else rng.choice(data.LAST_NAMES)
    birth_name = rng.choice(data.LAST_NAMES) if partner and sex == "F" else ""
    born = _birth_date(rng, demo.today, partner.birth_date if partner else None)
    caf = partner.caf if partner else _new_caf(demo)
    address = partner.address if partner else _address(rng)
    household = (
        partner.household_id
        if partner
        else people.create_household.within(s, caf_number=caf, label=f"Foyer {last}")
    )
    phone, email = _contact(rng, first, last)
    person_id = people.create_person.within(
        s,
        people.PersonInput(
            last_name=last,
            first_name=first,
            birth_name=birth_name,
            regime=regime_at(plan.entry),
            birth_date=born,
            civility="Mme" if sex == "F" else "M.",
            sex=sex,
            nir=make_nir(rng, sex, born) if rng.random() < 0.9 else None,
            caf_number=caf,
            household_id=household,
            address_line=address[0],
            address_extra=address[1],
            postal_code=address[2],
            city=address[3],
            phone=phone,
            email=email,
            rsa_entry_date=plan.entry - timedelta(days=rng.randint(15, 120)),
            health_data_consent=rng.random() < 0.7,
        ),
    )
    identity = Identity(person_id, household, sex, last, first, caf, address, born)
    demo.identities.append(identity)
    return identity


def create_referents(s: Session) -> list[Ref]:
    refs: list[Ref] = []
    for login, first, last, leader in data.REFERENTS:
        ref_id = people.upsert_referent.within(
            s,
            login=login,
            first_name=first,
            last_name=last,
            structure=data.STRUCTURE,
            team=data.TEAM,
            phone=f"04 65 71 00 {len(refs) + 10}",
            email=f"{login}@example.org",
            is_team_leader=leader,
        )
        refs.append(Ref(ref_id, login, f"{first} {last}"))
    people.set_current_referent.within(s, refs[0].id)
    return refs
