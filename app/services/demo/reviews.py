"""Demo profile, part 4: bilans, joint diagnostics with France Travail and co-accompaniment (ADR 0050-0052).

**All data is fictitious.** Written through the services: a bilan is pre-filled from the person's carnet, then
finalised, so its recommendation opens its next step as in real use (the renewal draft, an avenant draft, a
réorientation asked, the exit linked); the joint diagnostic of a person on the social track prepares the avenant
of their contrat d'engagement, or asks a réorientation; a colleague co-accompanies some people (a CIP beside a
social worker, seed 002) and carries one of their actions.
"""

from __future__ import annotations

from datetime import date, timedelta

from dateutil.relativedelta import relativedelta
from sqlalchemy.orm import Session

from app.models.enums import (
    ActionStatus,
    BilanKind,
    BilanRecommendation,
    CoRole,
    JointReviewConclusion,
    ShareAccess,
    Track,
)
from app.models.tables.carnet import Action
from app.models.tables.contracts import Contract
from app.models.tables.reviews import JointReview
from app.services.bilans import joint_review, records
from app.services.bilans.joint_review import JointReviewInput
from app.services.bilans.prefill import reviewed_objectives, suggested_participants
from app.services.bilans.values import BilanInput, Participant
from app.services.casefile.carnet import edits
from app.services.demo import contracts as dc
from app.services.demo.casefile import FileState
from app.services.demo.people import Demo
from app.services.people import coaccompaniment
from app.services.storage.uow import rows_of

HELPED = (
    "Les ateliers collectifs du jeudi et le soutien de sa famille.",
    "La régularité des rendez-vous et l'appui du partenaire sur la recherche d'emploi.",
    "Le permis de conduire financé par l'aide à la mobilité.",
    "Un logement stabilisé depuis l'été : plus de temps pour les démarches.",
    "La mise en situation en milieu professionnel, qui a confirmé le projet.",
)
BLOCKED = (
    "La garde des enfants le mercredi, sans solution pour l'instant.",
    "Les transports : pas de bus avant 7 h depuis la commune.",
    "Des démarches administratives longues (dossier de la CAF, pièces à fournir).",
    "Le manque de confiance face aux entretiens d'embauche.",
    "",
)
WORDS = (
    "Je me sens plus sûre de moi, je veux continuer comme ça.",
    "J'ai envie de travailler mais il me faut d'abord une solution pour les enfants.",
    "Le stage m'a plu, je voudrais faire la formation maintenant.",
    "Ça avance doucement, mais ça avance.",
    "Je préfère qu'on continue ensemble encore quelques mois.",
    "",
)
FINDINGS = (
    "La situation de logement est stabilisée ; les démarches de santé se poursuivent. Une recherche d'emploi "
    "n'est pas encore envisageable : le parcours social est maintenu.",
    "Les freins périphériques sont levés pour l'essentiel ; la personne souhaite s'inscrire dans une recherche "
    "d'emploi accompagnée.",
    "La garde des enfants reste sans solution ; un accompagnement social renforcé est maintenu six mois.",
)
FT_ADVISERS = (("Nadia Ferhat", "France Travail Échirolles"), ("Julien Roux", "France Travail Grenoble Sud"))
_OTHER_TRACK = {Track.SOCIAL: Track.SOCIO_PRO, Track.SOCIO_PRO: Track.EMPLOI, Track.EMPLOI: Track.SOCIO_PRO}


def _participants(s: Session, demo: Demo, st: FileState) -> tuple[Participant, ...]:
    """A third of the bilans are tripartite: the partner of an action of the carnet takes part."""
    partners = [p for p in suggested_participants(s, st.ident.person_id) if p.structure]
    if not partners or demo.rng.random() > 0.35:
        return ()
    p = demo.rng.choice(partners)
    return (
        Participant(
            demo.rng.choice(("Sophie Garnier", "Mehdi Haddad", "Lucie Perret")), "Prescripteur", p.structure
        ),
    )


def _bilan(
    s: Session, demo: Demo, st: FileState, kind: str, day: date, contract: Contract | None, rec: str
) -> str:
    author = (st.ref or demo.me).login
    pid = st.ident.person_id
    data = BilanInput(
        kind=kind,
        held_on=day,
        contract_id=contract.id if contract is not None else None,
        objectives=reviewed_objectives(s, pid, contract),
        helped=demo.rng.choice(HELPED),
        blocked=demo.rng.choice(BLOCKED),
        person_words=demo.rng.choice(WORDS),
        participants=_participants(s, demo, st),
        recommendation=rec,
        recommended_track=_OTHER_TRACK[Track(st.track)] if rec == BilanRecommendation.REORIENTATION else None,
    )
    bid = records.create_bilan.within(s, pid, data, author=author)
    records.finalise_bilan.within(s, bid, author=author, today=demo.today)
    return bid


def contract_bilan(s: Session, demo: Demo, st: FileState, cid: str, due: date) -> str:
    """The bilan of a contract two months before its end; returns its recommendation (the renewal draft is
    made by it when it recommends the renewal)."""
    day = min(max(due - timedelta(days=demo.rng.randint(0, 20)), demo.today - timedelta(days=60)), demo.today)
    roll = demo.rng.random()
    if roll < 0.78:
        rec = BilanRecommendation.RENEWAL
    elif roll < 0.88:
        rec = BilanRecommendation.AMENDMENT
    else:
        rec = BilanRecommendation.REORIENTATION
    contract = s.get(Contract, cid)
    _bilan(s, demo, st, BilanKind.CONTRACT_END, day, contract, rec)
    return rec


def exit_bilan(s: Session, demo: Demo, st: FileState, when: date) -> None:
    """The bilan de sortie of most exits to employment or training (it links the exit recorded)."""
    if demo.rng.random() < 0.7:
        _bilan(s, demo, st, BilanKind.EXIT, when, None, BilanRecommendation.EXIT)


def joint_review_if_due(s: Session, demo: Demo, st: FileState, signed: date) -> None:
    """Social track, contrat d'engagement signed six months ago or more: most have had their joint diagnostic
    with France Travail (maintien with the CE revised, now and then a réorientation)."""
    due = signed + relativedelta(months=6)
    if st.track != Track.SOCIAL or due > demo.today - timedelta(days=5) or demo.rng.random() > 0.7:
        return
    day = min(due - timedelta(days=demo.rng.randint(0, 15)), demo.today)
    keep = demo.rng.random() < 0.8
    adviser, agency = demo.rng.choice(FT_ADVISERS)
    data = JointReviewInput(
        held_on=day,
        ft_adviser=adviser,
        ft_agency=agency,
        job_search_ready=not keep,
        findings=FINDINGS[0 if keep else 1] if demo.rng.random() < 0.7 else FINDINGS[2 if keep else 1],
        conclusion=JointReviewConclusion.KEEP_SOCIAL if keep else JointReviewConclusion.REORIENTATION,
        proposed_track=None if keep else Track.SOCIO_PRO,
    )
    rid = joint_review.record_joint_review.within(
        s, st.ident.person_id, data, author=(st.ref or demo.me).login, today=demo.today
    )
    review = s.get(JointReview, rid)
    avenant = review.revision_contract_id if review is not None else None
    signed_on = day + timedelta(days=demo.rng.randint(10, 25))
    if avenant is not None and signed_on < demo.today and demo.rng.random() < 0.7:
        dc.sign(s, demo, st, avenant, signed_on)  # the revised CE signed: the next period runs


PURPOSES = (
    "Appui à la recherche d'emploi (CV, candidatures)",
    "Accompagnement social renforcé : logement et budget",
    "Préparation de l'entrée en formation",
)


def co_accompany(s: Session, demo: Demo, st: FileState) -> None:
    """Now and then a colleague of the team co-accompanies the person (never the demo's own user, whose files
    stay theirs to write) and one planned action of the carnet is confided to them."""
    others = [r for r in demo.refs[1:] if st.ref is None or r.id != st.ref.id]
    if st.ref is None or not others or demo.rng.random() > 0.12:
        return
    colleague = demo.rng.choice(others)
    role = CoRole.SOCIAL_WORKER if st.track != Track.SOCIAL else CoRole.CIP
    since = max(st.assigned_on or demo.today, demo.today - timedelta(days=demo.rng.randint(10, 120)))
    pid = st.ident.person_id
    coaccompaniment.add_co_accompaniment.within(
        s, pid, referent_id=colleague.id, role=role, access=ShareAccess.WRITE, start_date=min(since, demo.today),
        purpose=demo.rng.choice(PURPOSES), added_by=st.ref.login,
    )  # fmt: skip
    planned = [a for a in rows_of(s, Action, person_id=pid) if a.status == ActionStatus.PLANNED]
    if planned:
        edits.update_action.within(s, planned[0].id, {"assignee_id": colleague.id})
