"""A person's file ready for a bilan or a joint review: référent, orientation, parcours, a signed contrat
d'engagement with carnet objectives (one reached, one under way with an action done, one not started)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from app.models.enums import ActionStatus, ObjectiveStatus, Signer
from app.services.casefile.carnet import edits as carnet
from app.services.contracts import editor as contracts
from app.services.contracts.draft import ActionDraft, ContractDraft
from app.services.people import identity as people
from app.services.people import parcours
from app.services.people.identity import PersonInput
from app.services.storage.db import Database

STROKES = [[[0.1, 0.5], [0.3, 0.2], [0.5, 0.7]], [[0.2, 0.8], [0.8, 0.8]]]
TODAY = date(2026, 12, 6)


@dataclass(frozen=True)
class File:
    person: str
    referent: str
    contract: str
    objectives: tuple[str, str, str]


def sign_at(db: Database, cid: str, when: datetime) -> None:
    for signer, name in ((Signer.PERSON, "Éloïse Lefèvre"), (Signer.REFERENT, "Clémence Marchand")):
        contracts.sign(
            db, cid, signer=signer, signer_name=name, strokes=STROKES, place="Saint-Denis", at=when
        )


def make_file(
    db: Database,
    *,
    track: str = "socio_pro",
    start: date = date(2026, 7, 1),
    oriented: date = date(2026, 6, 2),
    login: str = "cmarchand",
) -> File:
    """Oriented on ``oriented`` (plein emploi), a CE of six months from ``start`` signed on ``start``."""
    rid = people.upsert_referent(
        db, login=login, first_name="Clémence", last_name="Marchand", structure="MDS de Saint-Denis"
    )
    people.set_current_referent(db, rid)
    pid = people.create_person(
        db,
        PersonInput(
            last_name="Lefèvre",
            first_name="Éloïse",
            regime="plein_emploi",
            birth_date="12/03/1988",
            address_line="3 rue des Écoles",
            postal_code="93200",
            city="Saint-Denis",
        ),
    )
    people.assign_referent(db, pid, rid, start_date=oriented)
    parcours.open_parcours(db, pid, start_date=oriented, track=track)
    parcours.record_orientation(db, pid, track=track, decision_date=oriented, organisme="MDS")
    reached = carnet.add_objective(db, pid, theme="logement", title="Trouver un logement stable")
    carnet.set_objective_status(db, reached, ObjectiveStatus.ACHIEVED)
    moving = carnet.add_objective(db, pid, theme="emploi", title="Retrouver un emploi de cariste")
    done = carnet.add_action(db, moving, label="Passer le CACES", partner="AFPA Bobigny")
    carnet.set_action_status(db, done, ActionStatus.DONE)
    carnet.add_action(db, moving, label="Candidater chez trois employeurs", partner="Cap Emploi")
    idle = carnet.add_objective(db, pid, theme="mobilite", title="Passer le permis B")
    draft = ContractDraft(
        kind="ce",
        duration_months=6,
        start_date=start,
        objective_ids=(reached, moving, idle),
        objectives=("Trouver un logement stable", "Retrouver un emploi de cariste", "Passer le permis B"),
        actions=(ActionDraft("Atelier CV", "Mission locale", start, None, 20.0),),
    )
    cid = contracts.create(db, pid, draft, author=login)
    sign_at(db, cid, datetime.combine(start, datetime.min.time()).replace(hour=10))
    return File(pid, rid, cid, (reached, moving, idle))
