"""Demo profile, part 2: one person's file over time (orientation, référent, RDVs, notes, diagnostic, exits).

**All data is fictitious.** Everything is written through the services, so the outbox fills like real use.
Contracts and the carnet de bord are in :mod:`app.services.demo.contracts`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from dateutil.relativedelta import relativedelta
from sqlalchemy.orm import Session

from app.models.enums import AppointmentNature, AppointmentStatus, ExitCategory, NoteKind, Regime, Track
from app.services.casefile import diagnostic, notes
from app.services.casefile import rdv as rdv_mod
from app.services.demo import data
from app.services.demo.people import Demo, Identity, Plan, Ref, regime_at
from app.services.people import identity as people
from app.services.people import parcours

_SLOTS = (
    time(9, 0),
    time(9, 45),
    time(10, 30),
    time(11, 15),
    time(14, 0),
    time(14, 45),
    time(15, 30),
    time(16, 15),
)
_NATURES = (
    (AppointmentNature.PHYSICAL, 60),
    (AppointmentNature.PHONE, 20),
    (AppointmentNature.VIDEO, 8),
    (AppointmentNature.HOME_VISIT, 12),
)
_PAST = (
    (AppointmentStatus.HONOURED, 70),
    (AppointmentStatus.MISSED, 13),
    (AppointmentStatus.EXCUSED, 10),
    (AppointmentStatus.CANCELLED, 7),
)
_EXITS: dict[str, tuple[str, tuple[str, ...]]] = {
    "exit_followup": (ExitCategory.DURABLE_EMPLOYMENT, ("cdi",)),
    "exit_durable": (ExitCategory.DURABLE_EMPLOYMENT, ("cdd_6_mois_plus", "creation_entreprise")),
    "exit_transition": (ExitCategory.TRANSITION_EMPLOYMENT, ("cdd_moins_6_mois", "contrat_aide")),
    "exit_positive": (ExitCategory.POSITIVE, ("formation_qualifiante", "entree_siae", "acces_autres_droits")),
    "exit_other": (ExitCategory.OTHER, ("demenagement", "sans_nouvelles", "fin_droits_rsa")),
}
_REORIENT = {Track.SOCIAL: Track.SOCIO_PRO, Track.SOCIO_PRO: Track.EMPLOI, Track.EMPLOI: Track.SOCIAL}


@dataclass
class FileState:
    """What the builder knows about the person while writing their file."""

    plan: Plan
    ident: Identity
    track: str
    ref: Ref | None = None
    assigned_on: date | None = None
    honoured: list[date] = field(default_factory=list)
    first_note: str | None = None
    regime: str = Regime.LEGACY


def weighted(demo: Demo, pairs: tuple[tuple[str, int], ...]) -> str:
    return demo.rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


def pick_referent(demo: Demo) -> Ref:
    return demo.rng.choices(demo.refs, weights=[72, 6, 12, 10])[0]


def orient(s: Session, demo: Demo, st: FileState, decided: date, *, reorientation: bool = False) -> date:
    """Record an orientation decision (and its EP opinion for a réorientation); returns the notification date."""
    rng = demo.rng
    notified = decided + timedelta(days=rng.randint(3, 10))
    parcours.record_orientation.within(
        s,
        st.ident.person_id,
        track=st.track,
        decision_date=decided,
        notification_date=notified,
        organisme=rng.choice(data.ORGANISMES[st.track]),
        regime=regime_at(decided),
        right_opened_date=None if reorientation else decided - timedelta(days=rng.randint(10, 40)),
        reason="Projet consolidé, réorientation proposée par le référent" if reorientation else "",
        ep_opinion="Avis favorable de l'équipe pluridisciplinaire" if reorientation else "",
        ep_opinion_date=decided - timedelta(days=7) if reorientation else None,
    )
    return notified


def start_file(s: Session, demo: Demo, st: FileState) -> date:
    """Parcours, orientation, référent and the CAF diagnostic. Returns the date the follow-up can start."""
    entry = st.plan.entry
    parcours.open_parcours.within(s, st.ident.person_id, start_date=entry, track=st.track)
    notified = orient(s, demo, st, entry)
    save_diagnostic(s, demo, st, datetime.combine(entry, time(8, 0)), source="caf")
    if st.plan.scenario != "no_referent":
        st.ref, st.assigned_on = pick_referent(demo), notified + timedelta(days=2)
        people.assign_referent.within(
            s,
            st.ident.person_id,
            st.ref.id,
            start_date=st.assigned_on,
            reason="Première désignation",
            assigned_by="jmoreau",
        )
    return notified


def save_diagnostic(s: Session, demo: Demo, st: FileState, at: datetime, source: str = "referent") -> None:
    rng = demo.rng
    health = rng.random() < 0.2
    children = rng.choice((0, 0, 1, 2, 3))
    sections = {
        "generalites": {
            "date_diagnostic": at.date().isoformat(),
            "origine_diagnostic": source,
            "inscrit_france_travail": st.track == Track.EMPLOI or rng.random() < 0.5,
        },
        "situation_familiale": {
            "situation_conjugale": "couple"
            if st.plan.partner_of is not None
            else rng.choice(("seul", "separe", "seul")),
            "enfants_a_charge": children,
            "parent_isole": children > 0 and rng.random() < 0.5,
        },
        "logement": {
            "logement_type": rng.choice(
                ("locataire_social", "locataire_prive", "heberge_tiers", "hebergement_structure")
            ),
            "logement_stabilite": rng.choice(("stable", "stable", "precaire")),
        },
        "mobilite": {
            "permis": rng.choice(("aucun", "b", "b", "en_cours")),
            "transports_commun": rng.choice(("bon", "limite")),
        },
        "langue": {"maitrise_francais": rng.choice(("courant", "courant", "intermediaire", "debutant"))},
        "numerique": {
            "niveau_numerique": rng.choice(("autonome", "partielle", "accompagnement")),
            "equipement": ["smartphone"] + (["ordinateur"] if rng.random() < 0.4 else []),
        },
        "garde_enfants": {"besoin_garde": children > 0 and rng.random() < 0.5},
        "etudes_diplomes": {"niveau_etude": rng.choice(("college", "niveau_3", "niveau_4", "niveau_5"))},
        "experience": {
            "derniere_activite": rng.choice(("moins_un_an", "un_a_deux_ans", "plus_deux_ans")),
            "metiers_vises": rng.choice(data.JOBS),
        },
        "freins_leviers": {
            "freins": rng.sample(
                ("mobilite", "numerique", "qualification", "confiance", "garde_enfants", "financier"),
                rng.randint(1, 3),
            )
        },
        "ressources_droits": {"droits_ouverts": rng.sample(("prime_activite", "css", "aide_logement"), 2)},
    }
    author = "CAF" if source == "caf" else (st.ref.login if st.ref else "")
    diagnostic.save_diagnostic.within(
        s,
        st.ident.person_id,
        data=sections,
        health_constraint=health,
        author=author,
        source=source,
        recorded_at=at,
    )


def rdv_dates(demo: Demo, first: date, last: date) -> list[date]:
    """3–7 past RDV dates spread from ``first`` to ``last`` (weekdays)."""
    span = max((last - first).days, 1)
    count = min(demo.rng.randint(3, 7), max(1, span // 21))
    step = span / count
    out = []
    for i in range(count):
        day = first + timedelta(days=int(i * step) + demo.rng.randint(0, max(0, int(step / 3))))
        out.append(day - timedelta(days=max(0, day.weekday() - 4)))
    return sorted(d for d in out if d < demo.today)


def purpose_for(index: int, demo: Demo) -> str:
    if index == 0:
        return "premier_rdv"
    if index == 1:
        return "diagnostic"
    return weighted(
        demo,
        (
            ("suivi", 70),
            ("bilan", 8),
            ("entretien_tripartite", 6),
            ("atelier", 5),
            ("information_collective", 6),
            ("contact_entreprise", 5),
        ),
    )


def add_rdv(
    s: Session, demo: Demo, st: FileState, day: date, purpose: str, status: str | None, at: time | None = None
) -> None:
    """One RDV: planned, then (in the past) honoured / missed / excused / cancelled, with its note."""
    rng = demo.rng
    nature = weighted(demo, _NATURES) if purpose != "information_collective" else AppointmentNature.PHYSICAL
    places: dict[str, str] = {
        AppointmentNature.PHYSICAL: rng.choice(data.PLACES),
        AppointmentNature.HOME_VISIT: "Domicile",
        AppointmentNature.VIDEO: "Visio (lien envoyé par courriel)",
    }
    place = places.get(nature, "")
    starts = datetime.combine(day, at or rng.choice(_SLOTS))
    booked = min(starts - timedelta(days=rng.randint(3, 20)), datetime.combine(demo.today, time(8, 0)))
    ref = st.ref or demo.me
    direct = status is not None and rng.random() < 0.7  # entered afterwards, with its outcome
    rdv = rdv_mod.add_appointment.within(
        s,
        st.ident.person_id,
        starts_at=starts,
        purpose=purpose,
        nature=nature,
        place=place,
        referent_id=ref.id,
        collective=purpose == "information_collective",
        author=ref.login,
        recorded_at=booked,
        duration_min=90 if purpose == "information_collective" else 45,
        status=status if direct and status else AppointmentStatus.PLANNED,
    )
    if status is None:
        return
    if not direct:
        rdv_mod.set_appointment_status.within(
            s,
            rdv,
            status,
            at=starts + timedelta(hours=1),
            author=ref.login,
            comment="Prévenu(e) la veille" if status == AppointmentStatus.EXCUSED else "",
        )
    if status == AppointmentStatus.HONOURED:
        st.honoured.append(day)
    after_rdv_note(s, demo, st, starts + timedelta(hours=2), status)


def after_rdv_note(s: Session, demo: Demo, st: FileState, at: datetime, status: str) -> None:
    rng = demo.rng
    kinds: dict[str, str] = {
        AppointmentStatus.HONOURED: NoteKind.INTERVIEW,
        AppointmentStatus.MISSED: NoteKind.LETTER,
        AppointmentStatus.EXCUSED: NoteKind.CALL,
    }
    kind = kinds.get(status)
    if kind is None or rng.random() > 0.6:
        if rng.random() < 0.12:
            kind = NoteKind.PARTNER_LIAISON
        else:
            return
    author = (st.ref or demo.me).login
    note = notes.add_note.within(
        s, st.ident.person_id, kind=kind, body=rng.choice(data.NOTE_TEXTS[kind]), author=author, written_at=at
    )
    st.first_note = st.first_note or note


def follow_up(s: Session, demo: Demo, st: FileState, start: date, last: date, future: int) -> None:
    """Past RDVs between ``start`` and ``last``, then ``future`` planned ones (some today)."""
    weights = _PAST if "sanction" not in st.plan.scenario else ((AppointmentStatus.MISSED, 45), *_PAST[1:])
    for i, day in enumerate(rdv_dates(demo, start, last)):
        status = AppointmentStatus.HONOURED if i == 0 else weighted(demo, weights)
        add_rdv(s, demo, st, day, purpose_for(i, demo), status)
        if i == 1 and status == AppointmentStatus.HONOURED:
            save_diagnostic(s, demo, st, datetime.combine(day, time(17, 0)))
    recent = demo.today - timedelta(days=demo.rng.randint(4, 40))
    if last >= demo.today and start < recent and (not st.honoured or st.honoured[-1] < recent):
        add_rdv(
            s,
            demo,
            st,
            recent - timedelta(days=max(0, recent.weekday() - 4)),
            "suivi",
            AppointmentStatus.HONOURED,
        )
    for k in range(future):
        today_slot = k == 0 and demo.rng.random() < 0.1
        day = demo.today if today_slot else demo.today + timedelta(days=demo.rng.randint(2, 42))
        add_rdv(
            s,
            demo,
            st,
            day,
            "suivi" if st.honoured else "premier_rdv",
            None,
            demo.rng.choice(_SLOTS) if today_slot else None,
        )
    if st.first_note and demo.rng.random() < 0.12:
        notes.add_note.within(
            s,
            st.ident.person_id,
            kind=NoteKind.INTERVIEW,
            corrects_note_id=st.first_note,
            body="Correction : la démarche concernait la prime d'activité et non l'ARE.",
            author=(st.ref or demo.me).login,
            written_at=datetime.combine(demo.today, time(12, 0)),
        )


def reorient(s: Session, demo: Demo, st: FileState, when: date) -> None:
    st.track = _REORIENT[Track(st.track)]
    orient(s, demo, st, when, reorientation=True)


def leave(s: Session, demo: Demo, st: FileState, when: date, scenario: str) -> None:
    """Record the sortie; the follow-up in employment goes on for up to 6 months after a CDI."""
    category, reasons = _EXITS.get(scenario, (ExitCategory.OTHER, ("sans_nouvelles",)))
    reason = demo.rng.choice(reasons)
    followup = when + relativedelta(months=6) if scenario == "exit_followup" else None
    detail = {"cdi": "CDI à temps plein, " + demo.rng.choice(data.JOBS)}.get(reason, "")
    parcours.record_exit.within(
        s,
        st.ident.person_id,
        exit_date=when,
        category=category,
        reason=reason,
        detail=detail,
        in_job_followup_until=followup,
    )
    if followup is not None:
        add_rdv(s, demo, st, when + timedelta(days=21), "suivi_emploi", AppointmentStatus.HONOURED)
        add_rdv(s, demo, st, demo.today + timedelta(days=demo.rng.randint(3, 20)), "suivi_emploi", None)
