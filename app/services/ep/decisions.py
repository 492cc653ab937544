"""What happens at and after the séance, recorded by the EP secretariat: how the person was heard (CASF
L.262-37: observations, assisted by a person of her choice), the EP's avis (CASF L.262-39), then the décision
of the président du conseil départemental — and, in the same unit of work, its consequence in the person's
file: a réorientation writes the new orientation (the one in force is closed); for a sanction the avis and the
décision are the « avis EP » and « décision » steps of the procedure the saisine names. Those rows reach the
référent's laptop at its next sync (ADR 0040). The app records decided facts; it never computes an amount."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from app.models.enums import (
    EpAttendance,
    EpDecision,
    EpMotive,
    EpOpinion,
    SanctionDecision,
    SanctionStepKind,
    Track,
)
from app.models.french import fr_date
from app.models.tables.ep import EpCase, EpReferral, EpSeance
from app.models.vocabularies.loader import load_vocabularies
from app.services.casefile import sanctions
from app.services.ep.access import signed_in
from app.services.errors import ValidationError
from app.services.people import parcours
from app.services.storage.uow import get_row, use_case
from app.services.validation import (
    DATE_MESSAGE,
    Checker,
    optional_text,
    parse_date,
    require_choice,
    require_text,
)

_O, _D, _M = EpOpinion, EpDecision, EpMotive
#: The avis and décisions that answer each motive.
OPINIONS: dict[str, tuple[str, ...]] = {
    _M.REORIENTATION: (_O.REORIENTATION, _O.MAINTAIN, _O.POSTPONED),
    _M.SANCTION: (_O.SANCTION, _O.NO_SANCTION, _O.POSTPONED),
    _M.COMPLEX: (_O.RECOMMENDATIONS, _O.REORIENTATION, _O.MAINTAIN, _O.POSTPONED),
}
DECISIONS: dict[str, tuple[str, ...]] = {
    _M.REORIENTATION: (_D.REORIENTATION, _D.MAINTAIN),
    _M.SANCTION: (_D.SUSPENSION, _D.SUPPRESSION, _D.RADIATION_PROPOSED, _D.NO_SANCTION),
    _M.COMPLEX: (_D.REORIENTATION, _D.MAINTAIN),
}
TEXT_MAX = 2000


@dataclass(frozen=True)
class SanctionFacts:
    """What the PCD decided for a suspension or a suppression (never an amount): share and duration."""

    rate_percent: int | None = None
    duration_months: int | None = None
    household_cap: bool = False


def _case(s: Session, case_id: str) -> tuple[EpCase, EpReferral, EpSeance]:
    case = get_row(s, EpCase, case_id, "Dossier de séance")
    return (
        case,
        get_row(s, EpReferral, case.referral_id, "Saisine"),
        get_row(s, EpSeance, case.seance_id, "Séance"),
    )


@use_case
def record_hearing(s: Session, case_id: str, *, attendance: str, observations: str = "") -> None:
    """How the person was heard by the EP and the observations she presented (orally or in writing)."""
    c = Checker()
    c.run("attendance", require_choice, attendance, EpAttendance, "Indiquez si la personne était présente.")
    text = c.run("observations", optional_text, observations, TEXT_MAX)
    c.raise_if_any()
    case, _referral, _seance = _case(s, case_id)
    if case.decision is not None:
        raise ValidationError(fields={"attendance": "La décision est prise : l'audition ne se modifie plus."})
    if case.attendance != attendance:
        case.attendance = attendance
    if case.observations != text:
        case.observations = text or ""


@use_case
def record_opinion(
    s: Session,
    case_id: str,
    *,
    opinion: str,
    detail: str = "",
    track: str | None = None,
    organisme: str = "",
    opinion_on: date | str | None = None,
) -> None:
    """The EP's avis on one case (dated the séance's day unless said otherwise). For a sanction it is also the
    « avis de l'équipe pluridisciplinaire » step of the procedure. An adjournment sends the saisine back to the
    waiting list. An avis is recorded once."""
    case, referral, seance = _case(s, case_id)
    c = Checker()
    c.run("opinion", require_choice, opinion, EpOpinion, "Choisissez l'avis de l'équipe pluridisciplinaire.")
    text = c.run("opinion_detail", optional_text, detail, TEXT_MAX)
    day = c.run("opinion_on", parse_date, opinion_on, DATE_MESSAGE) or seance.held_at.date()
    c.raise_if_any()
    if case.opinion is not None:
        raise ValidationError(fields={"opinion": "L'avis de l'EP est enregistré ; il ne se modifie pas."})
    if referral.withdrawn_on is not None:
        raise ValidationError(fields={"opinion": "La saisine a été retirée par le référent."})
    if opinion not in OPINIONS[referral.motive]:
        raise ValidationError(fields={"opinion": "Cet avis ne répond pas au motif de la saisine."})
    if day < referral.referred_on:
        raise ValidationError(fields={"opinion_on": "L'avis ne peut pas précéder la saisine."})
    if day > date.today():
        raise ValidationError(
            fields={"opinion_on": "L'avis ne peut pas être daté dans le futur (séance à venir)."}
        )
    if opinion == _O.REORIENTATION:
        track = require_choice(track or "", Track, "Indiquez le parcours proposé par l'EP.")  # type: ignore[arg-type]
    case.opinion, case.opinion_on, case.opinion_detail = opinion, day, text or ""
    case.opinion_track = track if opinion == _O.REORIENTATION else None
    case.opinion_organisme = optional_text(organisme, 200) if opinion == _O.REORIENTATION else ""
    if referral.motive == _M.SANCTION and opinion != _O.POSTPONED:
        label = load_vocabularies().label("ep_opinions", opinion)
        ref = sanctions.add_sanction_step.within(
            s, referral.person_id, kind=SanctionStepKind.EP_OPINION, step_date=day,
            procedure_id=referral.procedure_id, detail=" — ".join(x for x in (label, text) if x),
            author=signed_in.within(s).name,
        )  # fmt: skip
        case.opinion_step_id = ref.id


def _decision_values(
    decision: str, motive: str, decided_by: str, detail: str, on: date | str
) -> tuple[date, str, str]:
    c = Checker()
    c.run("decision", require_choice, decision, EpDecision, "Choisissez la décision prise.")
    day = c.run("decision_on", parse_date, on, DATE_MESSAGE)
    by = c.run(
        "decided_by",
        require_text,
        decided_by,
        "Indiquez qui a décidé (le président ou son délégataire).",
        200,
    )
    text = c.run("decision_detail", optional_text, detail, TEXT_MAX)
    if day is None and c.ok():
        c.add("decision_on", "Indiquez la date de la décision.")
    c.raise_if_any()
    assert day is not None
    if decision not in DECISIONS[motive]:
        raise ValidationError(fields={"decision": "Cette décision ne répond pas au motif de la saisine."})
    return day, by or "", text or ""


@use_case
def record_decision(
    s: Session,
    case_id: str,
    *,
    decision: str,
    decision_on: date | str,
    decided_by: str,
    detail: str = "",
    track: str | None = None,
    organisme: str = "",
    sanction: SanctionFacts | None = None,
) -> None:
    """The président du conseil départemental's décision after the avis, with its consequence in the file, in
    one unit of work: a réorientation records the new orientation (track, organisme; the avis is its « avis de
    l'EP »); a sanction decision is the procedure's « décision » step with the share and duration decided."""
    case, referral, seance = _case(s, case_id)
    day, by, text = _decision_values(decision, referral.motive, decided_by, detail, decision_on)
    if case.decision is not None:
        raise ValidationError(fields={"decision": "La décision est enregistrée ; elle ne se modifie pas."})
    if case.opinion is None or case.opinion == _O.POSTPONED:
        raise ValidationError(
            fields={"decision": "Enregistrez d'abord l'avis de l'équipe pluridisciplinaire."}
        )
    if referral.withdrawn_on is not None:
        raise ValidationError(fields={"decision": "La saisine a été retirée par le référent."})
    assert case.opinion_on is not None
    if day < case.opinion_on:
        raise ValidationError(fields={"decision_on": "La décision ne peut pas précéder l'avis de l'EP."})
    if day > date.today():
        raise ValidationError(fields={"decision_on": "La décision ne peut pas être datée dans le futur."})
    vocab = load_vocabularies()
    if decision == _D.REORIENTATION:
        chosen = track or case.opinion_track or referral.proposed_track or ""
        chosen = require_choice(chosen, Track, "Indiquez le parcours de la réorientation.")  # type: ignore[arg-type]
        avis = " — ".join(x for x in (vocab.label("ep_opinions", case.opinion), case.opinion_detail) if x)
        case.orientation_id = parcours.record_orientation.within(
            s, referral.person_id, track=chosen, decision_date=day,
            organisme=organisme or case.opinion_organisme or referral.proposed_organisme,
            reason=f"Décision du président du conseil départemental ({by}) après avis de l'équipe "
            f"pluridisciplinaire « {seance.label} » du {fr_date(seance.held_at.date(), long=False)}."
            + (f" {text}" if text else ""),
            ep_opinion=avis[:2000], ep_opinion_date=case.opinion_on,
        )  # fmt: skip
    elif referral.motive == _M.SANCTION:
        facts = sanction or SanctionFacts()
        ref = sanctions.add_sanction_step.within(
            s, referral.person_id, kind=SanctionStepKind.DECISION, step_date=day,
            procedure_id=referral.procedure_id, detail=" — ".join(x for x in (f"Décision de {by}", text) if x),
            author=signed_in.within(s).name,
            decision=sanctions.Decision(
                SanctionDecision(decision), facts.rate_percent, facts.duration_months, facts.household_cap
            ),
        )  # fmt: skip
        case.decision_step_id = ref.id
    case.decision, case.decision_on, case.decided_by, case.decision_detail = decision, day, by, text
