"""Demo profile, part 4: the équipe pluridisciplinaire (ADR 0040). A séance held five weeks ago whose cases were
decided (a réorientation towards the social track, a suspension after a manquement, a complex situation kept in
its orientation with recommendations, one adjourned), a séance in twelve days with its agenda (one person
convened), saisines still waiting — one of them past the one-month target — and one withdrawn. Every step goes
through the services the screens use, so the facts are the rows of the files and the consequences are written
as the secretariat's décisions write them."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from app.models.enums import EpMotive, SanctionStepKind
from app.services.casefile import notes, sanctions
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


def populate_ep(db: Database, demo: Demo, followed: list[FileState]) -> None:
    pool = _eligible(followed)
    if len(pool) < 9:
        return
    picks = demo.rng.sample(pool, 9)
    today = demo.today
    held = datetime.combine(today - timedelta(days=36), time(14))
    past = seances.create_seance(
        db, label="EP du territoire Nord", held_at=held, place="Maison du Département, salle 2",
        address=ADDRESS, contact="ep.nord@departement.example — 01 00 00 00 00",
        members=MEMBERS,
    )  # fmt: skip
    reo = _refer(db, picks[0], EpMotive.REORIENTATION, held.date() - timedelta(days=18),
                 "Problèmes de logement et de santé au premier plan : un accompagnement social est proposé avant "
                 "toute démarche d'emploi.", proposed_track="social", proposed_organisme="CCAS de la commune")  # fmt: skip
    procedure = _breach(db, picks[1], held.date() - timedelta(days=30))
    sanc = _refer(db, picks[1], EpMotive.SANCTION, held.date() - timedelta(days=21),
                  "Aucun rendez-vous honoré depuis trois mois malgré la relance ; la personne n'a pas répondu.",
                  procedure_id=procedure)  # fmt: skip
    cplx = _refer(db, picks[2], EpMotive.COMPLEX, held.date() - timedelta(days=15),
                  "Parcours bloqué : garde d'enfant, mobilité et dettes ; regards croisés demandés.")  # fmt: skip
    adj = _refer(db, picks[3], EpMotive.REORIENTATION, held.date() - timedelta(days=10),
                 "Projet de création d'activité : orientation vers France Travail à examiner.",
                 proposed_track="emploi", proposed_organisme="France Travail")  # fmt: skip
    c_reo, c_sanc, c_cplx, c_adj = seances.schedule(db, past, [reo, sanc, cplx, adj])
    for cid in (c_reo, c_sanc, c_cplx, c_adj):
        print_convocation(db, cid, today=held.date() - timedelta(days=14))
    decisions.record_hearing(
        db, c_reo, attendance="presente", observations="D'accord pour être accompagnée par le CCAS."
    )
    decisions.record_opinion(
        db, c_reo, opinion="reorientation", track="social", organisme="CCAS de la commune"
    )
    decisions.record_decision(db, c_reo, decision="reorientation", decision_on=held.date() + timedelta(days=8),
                              decided_by=DECIDED_BY)  # fmt: skip
    decisions.record_hearing(db, c_sanc, attendance="absente")
    decisions.record_opinion(db, c_sanc, opinion="sanction", detail="Suspension de 30 % pendant un mois.")
    household = picks[1].plan.partner_of is not None
    decisions.record_decision(
        db, c_sanc, decision="suspension", decision_on=held.date() + timedelta(days=12), decided_by=DECIDED_BY,
        sanction=decisions.SanctionFacts(50 if household else 30, 1, household),
    )  # fmt: skip
    decisions.record_hearing(db, c_cplx, attendance="assistee", observations="Accompagnée de sa sœur.")
    decisions.record_opinion(db, c_cplx, opinion="preconisations",
                             detail="Solliciter le fonds de solidarité logement et une place en crèche.")  # fmt: skip
    decisions.record_decision(db, c_cplx, decision="maintien", decision_on=held.date() + timedelta(days=30),
                              decided_by=DECIDED_BY)  # fmt: skip
    decisions.record_opinion(db, c_adj, opinion="ajournement", detail="Pièces du projet à compléter.")
    seances.update_seance(db, past, label="EP du territoire Nord", held_at=held, place="Maison du Département, salle 2",
                          address=ADDRESS,
                          contact="ep.nord@departement.example — 01 00 00 00 00", members=MEMBERS, status="tenue")  # fmt: skip

    coming = datetime.combine(today + timedelta(days=12), time(9, 30))
    future = seances.create_seance(
        db, label="EP du territoire Sud", held_at=coming, place="Centre administratif, salle du conseil",
        contact="ep.sud@departement.example — 01 00 00 00 01", members=MEMBERS[:3],
    )  # fmt: skip
    procedure = _breach(db, picks[4], today - timedelta(days=25))
    soon = _refer(db, picks[4], EpMotive.SANCTION, today - timedelta(days=20),
                  "Rendez-vous non honorés et contrat d'engagement non signé malgré deux relances.",
                  procedure_id=procedure)  # fmt: skip
    later = _refer(db, picks[5], EpMotive.REORIENTATION, today - timedelta(days=9),
                   "Reprise d'emploi à temps partiel : suivi par France Travail proposé.", proposed_track="emploi",
                   proposed_organisme="France Travail")  # fmt: skip
    first, _second, _adj_again = seances.schedule(db, future, [soon, later, adj])
    print_convocation(db, first, today=today - timedelta(days=2))
    _refer(db, picks[6], EpMotive.COMPLEX, today - timedelta(days=41),
           "Hébergement d'urgence, plus de domiciliation : coordination des intervenants à organiser.")  # fmt: skip
    _refer(db, picks[7], EpMotive.REORIENTATION, today - timedelta(days=3),
           "Souhaite un accompagnement socio-professionnel après la fin de son arrêt maladie.",
           proposed_track="socio_pro", proposed_organisme="Mission locale")  # fmt: skip
    withdrawn = _refer(db, picks[8], EpMotive.REORIENTATION, today - timedelta(days=30),
                       "Difficultés de mobilité : un parcours social est envisagé.", proposed_track="social")  # fmt: skip
    referrals.withdraw(db, withdrawn, on=today - timedelta(days=6),
                       reason="La personne a trouvé une solution de transport et reprend ses démarches.")  # fmt: skip
