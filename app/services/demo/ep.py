"""Demo profile, part 4: the équipe pluridisciplinaire (ADR 0040). A séance held five weeks ago whose cases were
decided (a réorientation towards the social track, a suspension after a manquement, a complex situation kept in
its orientation with recommendations, one adjourned), a séance in twelve days with its agenda (one person
convened), saisines still waiting — one of them past the one-month target — and one withdrawn. Every step goes
through the services the screens use, so the facts are the rows of the files and the consequences are written
as the secretariat's décisions write them."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from app.models.enums import EpMotive, SanctionStepKind
from app.services.casefile import notes, rdv, sanctions
from app.services.demo.casefile import FileState
from app.services.demo.people import Demo
from app.services.ep import decisions, facts, referrals, seances
from app.services.ep.convocation import print_convocation
from app.services.storage.db import Database

MEMBERS = [
    seances.Member("Mme Aïcha Diallo", "conseillère France Travail"),
    seances.Member("M. Paul Petit", "représentant des bénéficiaires du RSA"),
    seances.Member("Mme Hélène Roux", "travailleuse sociale, service social départemental"),
    seances.Member("M. Karim Benali", "chargé d'insertion, Département"),
]
ADDRESS = "12 rue des Alpes, 38130 Échirolles"
DECIDED_BY = "Mme la vice-présidente chargée de l'insertion, par délégation du président"


def _eligible(followed: list[FileState]) -> list[FileState]:
    """People in a regular follow-up: active, oriented, with a référent and no sanction procedure of their own."""
    return [
        st for st in followed
        if st.ref is not None and st.plan.scenario in ("regular", "ending_soon", "no_contact", "reorientation")
    ]  # fmt: skip


def _refer(db: Database, st: FileState, motive: str, day: date, summary: str, **kw: str) -> str:
    pid = st.ident.person_id
    chosen = [
        referrals.FactRef(c.kind, c.row_id)
        for c in facts.fact_choices(db, pid, motive, today=day)
        if c.suggested
    ]
    author = st.ref.name if st.ref else ""
    return referrals.refer(
        db, pid, motive=motive, referred_on=day, summary=summary, facts=chosen, referred_by=author, **kw
    )


def _breach(db: Database, st: FileState, day: date) -> str:
    """A manquement and the letter that followed (the procedure a saisine « sanction » names)."""
    pid = st.ident.person_id
    notes.add_note(
        db, pid, kind="courrier", written_at=datetime.combine(day - timedelta(days=4), time(10)),
        body="Courrier de relance : deux rendez-vous non honorés, merci de prendre contact avec votre référente.",
    )  # fmt: skip
    step = sanctions.add_sanction_step(
        db, pid, kind=SanctionStepKind.BREACH, step_date=day,
        detail="Deux rendez-vous non honorés sans justification, pas de réponse au courrier de relance.",
    )  # fmt: skip
    return step.procedure_id


NORD_PLACE = (
    "EP du territoire Nord",
    "Maison du Département, salle 2",
    "ep.nord@departement.example — 01 00 00 00 00",
)


def _held(db: Database, picks: list[FileState], held: datetime) -> str:
    """The séance held five weeks ago: a réorientation, a suspension, recommendations decided; one adjourned
    (returned: its saisine waits for the next séance)."""
    label, place, contact = NORD_PLACE
    past = seances.create_seance(
        db, label=label, held_at=held, place=place, address=ADDRESS, contact=contact, members=MEMBERS
    )
    day = held.date()
    reo = _refer(db, picks[0], EpMotive.REORIENTATION, day - timedelta(days=18),
                 "Problèmes de logement et de santé au premier plan : un accompagnement social est proposé avant "
                 "toute démarche d'emploi.", proposed_track="social", proposed_organisme="CCAS de la commune")  # fmt: skip
    procedure = _breach(db, picks[1], day - timedelta(days=30))
    sanc = _refer(db, picks[1], EpMotive.SANCTION, day - timedelta(days=21),
                  "Aucun rendez-vous honoré depuis trois mois malgré la relance ; la personne n'a pas répondu.",
                  procedure_id=procedure)  # fmt: skip
    cplx = _refer(db, picks[2], EpMotive.COMPLEX, day - timedelta(days=15),
                  "Parcours bloqué : garde d'enfant, mobilité et dettes ; regards croisés demandés.")  # fmt: skip
    adj = _refer(db, picks[3], EpMotive.REORIENTATION, day - timedelta(days=10),
                 "Projet de création d'activité : orientation vers France Travail à examiner.",
                 proposed_track="emploi", proposed_organisme="France Travail")  # fmt: skip
    cases = seances.schedule(db, past, [reo, sanc, cplx, adj])
    for cid in cases:
        print_convocation(db, cid, today=day - timedelta(days=14))
    _decide(db, cases, day, picks[1].plan.partner_of is not None, picks[0].ident.person_id)
    seances.update_seance(
        db, past, label=label, held_at=held, place=place, address=ADDRESS, contact=contact, members=MEMBERS,
        status="tenue",
    )  # fmt: skip
    return adj


def _decide(db: Database, cases: list[str], day: date, household: bool, reoriented: str) -> None:
    c_reo, c_sanc, c_cplx, c_adj = cases
    decisions.record_hearing(
        db, c_reo, attendance="presente", observations="D'accord pour être accompagnée par le CCAS."
    )
    decisions.record_opinion(
        db, c_reo, opinion="reorientation", track="social", organisme="CCAS de la commune"
    )
    decisions.record_decision(db, c_reo, decision="reorientation", decision_on=day + timedelta(days=8),
                              decided_by=DECIDED_BY)  # fmt: skip
    rdv.add_appointment(  # the first RDV of the new parcours, at the CCAS
        db, reoriented, starts_at=datetime.combine(day + timedelta(days=15), time(10)),
        purpose="premier_rdv", nature="physique", status="honore", place="CCAS de la commune",
    )  # fmt: skip
    decisions.record_hearing(db, c_sanc, attendance="absente")
    decisions.record_opinion(db, c_sanc, opinion="sanction", detail="Suspension de 30 % pendant un mois.")
    decisions.record_decision(
        db, c_sanc, decision="suspension", decision_on=day + timedelta(days=12), decided_by=DECIDED_BY,
        sanction=decisions.SanctionFacts(50 if household else 30, 1, household),
    )  # fmt: skip
    decisions.record_hearing(db, c_cplx, attendance="assistee", observations="Accompagnée de sa sœur.")
    decisions.record_opinion(db, c_cplx, opinion="preconisations",
                             detail="Solliciter le fonds de solidarité logement et une place en crèche.")  # fmt: skip
    decisions.record_decision(db, c_cplx, decision="maintien", decision_on=day + timedelta(days=30),
                              decided_by=DECIDED_BY)  # fmt: skip
    decisions.record_opinion(db, c_adj, opinion="ajournement", detail="Pièces du projet à compléter.")


def _coming(db: Database, picks: list[FileState], today: date, adjourned: str) -> None:
    """The séance in twelve days with its agenda (the adjourned saisine again, one person convened already)."""
    future = seances.create_seance(
        db, label="EP du territoire Sud", held_at=datetime.combine(today + timedelta(days=12), time(9, 30)),
        place="Centre administratif, salle du conseil", contact="ep.sud@departement.example — 01 00 00 00 01",
        members=MEMBERS[:3],
    )  # fmt: skip
    procedure = _breach(db, picks[0], today - timedelta(days=25))
    soon = _refer(db, picks[0], EpMotive.SANCTION, today - timedelta(days=20),
                  "Rendez-vous non honorés et contrat d'engagement non signé malgré deux relances.",
                  procedure_id=procedure)  # fmt: skip
    later = _refer(db, picks[1], EpMotive.REORIENTATION, today - timedelta(days=9),
                   "Reprise d'emploi à temps partiel : suivi par France Travail proposé.", proposed_track="emploi",
                   proposed_organisme="France Travail")  # fmt: skip
    first, _second, _again = seances.schedule(db, future, [soon, later, adjourned])
    print_convocation(db, first, today=today - timedelta(days=2))


def _waiting(db: Database, picks: list[FileState], today: date) -> None:
    """Saisines waiting for a séance (one past the one-month target) and one withdrawn."""
    _refer(db, picks[0], EpMotive.COMPLEX, today - timedelta(days=41),
           "Hébergement d'urgence, plus de domiciliation : coordination des intervenants à organiser.")  # fmt: skip
    _refer(db, picks[1], EpMotive.REORIENTATION, today - timedelta(days=3),
           "Souhaite un accompagnement socio-professionnel après la fin de son arrêt maladie.",
           proposed_track="socio_pro", proposed_organisme="Mission locale")  # fmt: skip
    withdrawn = _refer(db, picks[2], EpMotive.REORIENTATION, today - timedelta(days=30),
                       "Difficultés de mobilité : un parcours social est envisagé.", proposed_track="social")  # fmt: skip
    referrals.withdraw(db, withdrawn, on=today - timedelta(days=6),
                       reason="La personne a trouvé une solution de transport et reprend ses démarches.")  # fmt: skip


def populate_ep(db: Database, demo: Demo, followed: list[FileState]) -> None:
    pool = _eligible(followed)
    # The saisines left waiting past the target go to people already without contact (their file is overdue
    # anyway): the EP is where such situations end up.
    quiet = [st for st in pool if st.plan.scenario == "no_contact"][:2]
    regular = [st for st in pool if st.plan.scenario != "no_contact"]
    if len(quiet) < 2 or len(regular) < 7:
        return
    others = demo.rng.sample(regular, 7)
    picks = [*others[:3], quiet[0], *others[3:5], quiet[1], *others[5:]]
    adjourned = _held(db, picks[:4], datetime.combine(demo.today - timedelta(days=36), time(14)))
    _coming(db, picks[4:6], demo.today, adjourned)
    _waiting(db, picks[6:], demo.today)
