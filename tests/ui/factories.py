"""Small, explicit test data written through a real vault session (no demo generator needed)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from app.models.tables.base import new_id
from app.models.tables.contracts import Contract
from app.models.tables.followup import Appointment
from app.models.tables.people import Orientation, Person, Referent, ReferentAssignment
from app.services.demo import data as demo_data
from app.services.storage import settings
from app.services.storage.vault import Vault

#: Names and communes come from the demo word lists (one copy in the project): 20 names, 10 first names,
#: 6 communes (Isère), enough for the search, sort and paging tests.
LAST = list(demo_data.LAST_NAMES[:20])
FIRST = list(demo_data.FEMALE_FIRST[:5] + demo_data.MALE_FIRST[:5])
COMMUNES = list(demo_data.COMMUNES[:6])
TRACKS = ["emploi", "socio_pro", "social"]


def add_referent(vault: Vault, *, current: bool = True) -> str:
    rid = new_id()
    with vault.db.session() as s:
        s.add(
            Referent(
                id=rid,
                login="cmarchand",
                first_name="Claire",
                last_name="Marchand",
                structure="MDS de Saint-Denis",
            )
        )
    if current:
        settings.set_value(vault.db, settings.CURRENT_REFERENT_ID, rid)
    return rid


def add_people(vault: Vault, n: int, referent_id: str | None = None, today: date | None = None) -> list[str]:
    """``n`` people with an orientation; every third has a planned RDV, every fifth a contract ending."""
    today = today or date.today()
    ids: list[str] = []
    with vault.db.session() as s:
        for i in range(n):
            pid = new_id()
            ids.append(pid)
            s.add(
                Person(
                    id=pid,
                    last_name=LAST[i % len(LAST)],
                    first_name=FIRST[i % len(FIRST)],
                    caf_number=f"{1000000 + i * 7919 % 8999999:07d}",
                    city=COMMUNES[i % len(COMMUNES)][0],
                    postal_code=COMMUNES[i % len(COMMUNES)][1],
                    birth_date=date(1970 + i % 35, 1 + i % 12, 1 + i % 27),
                    nir=f"1{85 + i % 10:02d}0575{i:06d}{i % 97:02d}"[:15],
                    regime="plein_emploi" if i % 2 else "legacy",
                    referent_id=referent_id,
                    last_contact_date=today - timedelta(days=i % 60),
                )
            )
            s.flush()
            s.add(
                Orientation(
                    id=new_id(),
                    person_id=pid,
                    track=TRACKS[i % 3],
                    regime="legacy",
                    decision_date=today - timedelta(days=100 + i),
                    organisme="Département",
                )
            )
            if referent_id:
                s.add(
                    ReferentAssignment(
                        id=new_id(),
                        person_id=pid,
                        referent_id=referent_id,
                        start_date=today - timedelta(days=90),
                    )
                )
            if i % 3 == 0:
                s.add(
                    Appointment(
                        id=new_id(),
                        person_id=pid,
                        referent_id=referent_id,
                        starts_at=datetime.combine(today + timedelta(days=i % 20 - 5), datetime.min.time())
                        + timedelta(hours=9),
                        purpose="suivi",
                        nature="physique",
                    )
                )
            if i % 5 == 0:
                s.add(
                    Contract(
                        id=new_id(),
                        person_id=pid,
                        number=f"C-{i}",
                        kind="cer",
                        regime="legacy",
                        status="en_cours",
                        start_date=today - timedelta(days=150),
                        end_date=today + timedelta(days=30),
                    )
                )
    return ids
