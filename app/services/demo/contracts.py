"""Demo profile, part 3: contracts in every state, carnet de bord, prescriptions, sanction procedures.

**All data is fictitious.** Signatures are synthetic pad strokes (a few wavy lines).
"""

from __future__ import annotations

import math
from datetime import date, datetime, time, timedelta
from typing import Any

from dateutil.relativedelta import relativedelta
from sqlalchemy.orm import Session

from app.models.enums import (
    ActionStatus,
    ContractKind,
    ContractStatus,
    HoursGround,
    HoursRegime,
    ObjectiveStatus,
    PrescriptionOutcome,
    Regime,
    SanctionDecision,
    SanctionStepKind,
    Signer,
    Track,
)
from app.services.casefile import sanctions
from app.services.casefile.carnet import edits as carnet_edits
from app.services.contracts import document
from app.services.contracts import lifecycle as lifecycle_mod
from app.services.contracts.editor import rules_version
from app.services.contracts.views import get_contract
from app.services.demo import data
from app.services.demo.casefile import FileState
from app.services.demo.people import PE_START, Demo
from app.services.people import identity as people

Plan = list[tuple[str, str, str, float]]  # (theme, objective, action, hours per week)
_CS = ContractStatus


def strokes(demo: Demo) -> list[Any]:
    """A synthetic handwritten-looking signature: 2–3 wavy strokes, points normalised to 0..1."""
    rng = demo.rng
    out = []
    for k in range(rng.randint(2, 3)):
        x0, y0, amp, freq = (
            0.08 + 0.3 * k,
            rng.uniform(0.35, 0.65),
            rng.uniform(0.08, 0.2),
            rng.uniform(8, 16),
        )
        out.append(
            [
                [round(x0 + i * 0.012, 4), round(y0 + amp * math.sin(i / freq * math.tau), 4)]
                for i in range(24)
            ]
        )
    return out


def choose_plan(demo: Demo) -> Plan:
    rng = demo.rng
    themes = rng.sample(sorted(data.OBJECTIVES), rng.randint(1, 3))
    actions = rng.sample(data.ACTIONS, len(themes))
    return [(t, rng.choice(data.OBJECTIVES[t]), a[0], a[2]) for t, a in zip(themes, actions, strict=True)]


def content(demo: Demo, plan: Plan, kind: str, start: date, months: int, track: str = "") -> dict[str, Any]:
    actions = [
        {"label": a, "theme": t, "hours_per_week": h, "start": start.isoformat()} for t, _, a, h in plan
    ]
    weekly = sum(h for *_, h in plan)
    body: dict[str, Any] = {
        "objectives": [o for _, o, _, _ in plan],
        "actions": actions,
        "weekly_hours": weekly,
        "person_commitments": "Se présenter aux rendez-vous et informer le référent de tout changement.",
        "organisme_commitments": "Accompagner la personne dans la réalisation du plan d'action.",
        "bilan_date": (start + relativedelta(months=months) - relativedelta(months=1)).isoformat(),
        "observations": "",
    }
    if kind == ContractKind.CE:
        body.update(_ce_terms(demo, body, weekly, start, track))
    return body


def _ce_terms(demo: Demo, body: dict[str, Any], weekly: float, start: date, track: str) -> dict[str, Any]:
    """The weekly activity (C. trav. L.5411-6) and, for a salaried-job project, the offre raisonnable d'emploi."""
    rng = demo.rng
    terms: dict[str, Any] = {"hours_regime": HoursRegime.STANDARD}
    if weekly < 15:
        draw = rng.random()
        if draw < 0.08:
            terms.update(hours_regime=HoursRegime.NONE, hours_ground=rng.choice(list(HoursGround)))
        elif draw < 0.4:
            terms.update(
                hours_regime=HoursRegime.REDUCED,
                hours_reason=rng.choice(data.HOURS_REASONS),
            )
        else:
            body["actions"].append(
                {
                    "label": "Recherche d'emploi active (candidatures)",
                    "theme": "emploi",
                    "hours_per_week": 15 - weekly,
                    "start": start.isoformat(),
                }
            )
            body["weekly_hours"] = 15.0
    if track != Track.SOCIAL and rng.random() < 0.7:
        job = rng.choice(data.JOBS)
        terms.update(
            salaried_goal=True,
            ore_jobs=f"{job} — {rng.choice(data.CONTRACT_TERMS)}",
            ore_area=rng.choice(data.SEARCH_AREAS),
            ore_salary=rng.choice(data.EXPECTED_SALARIES),
            search_acts=rng.choice(data.SEARCH_ACTS),
        )
    return terms


def _kind(start: date) -> str:
    """A CER before the loi pour le plein emploi (1 January 2025), a contrat d'engagement from then on."""
    return ContractKind.CER if start < PE_START else ContractKind.CE


def _at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour, 0))


def draft(
    s: Session, demo: Demo, st: FileState, plan: Plan, start: date, months: int, previous: str | None = None
) -> str:
    """Create the draft (a renewal copies the previous plan) and save one or two more versions."""
    kind = _kind(start)
    if kind == ContractKind.CE and st.regime == Regime.LEGACY:
        people.update_person.within(s, st.ident.person_id, {"regime": Regime.PLEIN_EMPLOI})
        st.regime = Regime.PLEIN_EMPLOI
    author = (st.ref or demo.me).login
    created = min(start - timedelta(days=demo.rng.randint(7, 20)), demo.today)
    body = content(demo, plan, kind, start, months, st.track)
    cid = lifecycle_mod.create_contract.within(
        s,
        st.ident.person_id,
        kind=kind,
        regime=st.regime,
        start_date=start,
        duration_months=months,
        content=body,
        previous_contract_id=previous,
        author=author,
        saved_at=_at(created),
        rules_version=rules_version(),
    )
    for k in range(1 if demo.rng.random() < 0.4 else 0):
        body = {**body, "observations": "Plan d'action relu avec la personne." if k else ""}
        lifecycle_mod.save_contract_version.within(s, cid, body, author=author, saved_at=_at(created, 11 + k))
    return cid


def sign(s: Session, demo: Demo, st: FileState, cid: str, day: date) -> None:
    place = demo.rng.choice(data.PLACES).split(" — ")[0]
    for signer, name in (
        (Signer.PERSON, f"{st.ident.first_name} {st.ident.last_name}"),
        (Signer.REFERENT, (st.ref or demo.me).name),
    ):
        lifecycle_mod.add_signature.within(
            s, cid, signer=signer, signer_name=name, strokes=strokes(demo), signed_at=_at(day), place=place
        )
    lifecycle_mod.transition_contract.within(
        s, cid, _CS.SIGNED, at=_at(day, 11), author=(st.ref or demo.me).login, place=place
    )
    document.freeze.within(s, cid, reason="signature")


def lifecycle(
    s: Session, demo: Demo, st: FileState, cid: str, start: date, end: date, stop: date | None
) -> None:
    """Sign, validate, start, then end (terminé) or break off at ``stop`` (résilié) as time allows."""
    author = (st.ref or demo.me).login
    signed = min(start - timedelta(days=demo.rng.randint(0, 3)), demo.today)
    sign(s, demo, st, cid, signed)
    validated = signed + timedelta(days=demo.rng.randint(2, 12))
    if validated > demo.today:
        return
    lifecycle_mod.transition_contract.within(
        s, cid, _CS.VALIDATED, at=_at(validated, 15), author="departement"
    )
    if max(start, validated) > demo.today:
        return
    lifecycle_mod.transition_contract.within(
        s, cid, _CS.ACTIVE, at=_at(max(start, validated), 16), author=author
    )
    if stop is not None and stop < end:
        lifecycle_mod.transition_contract.within(
            s,
            cid,
            _CS.TERMINATED,
            at=_at(stop, 17),
            author=author,
            comment="Fin anticipée de l'accompagnement",
        )
    elif end < demo.today:
        lifecycle_mod.transition_contract.within(
            s, cid, _CS.ENDED, at=_at(end + timedelta(days=1), 9), author=author
        )


def chain(
    s: Session, demo: Demo, st: FileState, first: date, stop: date | None, ending_soon: bool = False
) -> str:
    """Back-to-back contracts (renewals) from ``first`` until today or the exit ``stop``; returns the last one."""
    rng, periods = demo.rng, []
    start, until = first, stop or demo.today
    while True:
        months = rng.choice((6, 6, 12, 3, 9))
        end = start + relativedelta(months=months) - timedelta(days=1)
        periods.append((start, months, end))
        if end >= until:
            break
        start = end + timedelta(days=rng.randint(1, 20))
    if ending_soon:
        end = demo.today + timedelta(days=rng.randint(5, 28))
        begin = end - relativedelta(months=6) + timedelta(days=1)
        periods = [p for p in periods if p[2] < begin] + [(begin, 6, end)]
    plan, cid = choose_plan(demo), None
    for start, months, end in periods[-2:]:
        cid = draft(s, demo, st, plan, start, months, previous=cid)
        lifecycle(s, demo, st, cid, start, end, stop)
    assert cid is not None
    return cid


def amend(s: Session, demo: Demo, st: FileState, cid: str) -> str | None:
    """Now and then, an avenant to a CE running for a month or more: one action added to the plan, signed
    a few days ago (« Avenant n° 1 au contrat n° … »)."""
    view = get_contract.within(s, cid)
    if view.kind != ContractKind.CE or view.status != _CS.ACTIVE or not view.start_date or not view.end_date:
        return None
    if (demo.today - view.start_date).days < 30 or (view.end_date - demo.today).days < 30:
        return None
    author = (st.ref or demo.me).login
    day = demo.today - timedelta(days=demo.rng.randint(2, 9))
    body = dict(view.versions[-1].content)
    action = {"label": demo.rng.choice(data.AVENANT_ACTIONS), "partner": "", "start": day.isoformat(),
              "end": None, "hours_per_week": 3.0}  # fmt: skip
    body["actions"] = [*body.get("actions", []), action]
    body["weekly_hours"] = round(sum(a.get("hours_per_week") or 0 for a in body["actions"]), 2)
    aid = lifecycle_mod.create_contract.within(
        s,
        st.ident.person_id,
        kind=ContractKind.CE,
        start_date=view.start_date,
        duration_months=view.duration_months,
        content=body,
        amends_contract_id=cid,
        author=author,
        saved_at=_at(day - timedelta(days=3)),
        rules_version=rules_version(),
    )
    sign(s, demo, st, aid, day)
    return aid


def special(s: Session, demo: Demo, st: FileState, state: str) -> str:
    """A contract held in one state: brouillon, signé, validé, or rejeté (then a new draft)."""
    plan, today = choose_plan(demo), demo.today
    start = (
        today + timedelta(days=demo.rng.randint(3, 14))
        if state != _CS.REJECTED
        else today - timedelta(days=40)
    )
    cid = draft(s, demo, st, plan, start, 6)
    if state == _CS.DRAFT:
        return cid
    sign(s, demo, st, cid, today - timedelta(days=demo.rng.randint(8, 15) if state != _CS.SIGNED else 2))
    if state == _CS.VALIDATED:
        lifecycle_mod.transition_contract.within(
            s, cid, _CS.VALIDATED, at=_at(today - timedelta(days=3)), author="departement"
        )
    elif state == _CS.REJECTED:
        lifecycle_mod.transition_contract.within(
            s,
            cid,
            _CS.REJECTED,
            at=_at(today - timedelta(days=6)),
            author="departement",
            comment="Plan d'action à préciser : heures d'activité hebdomadaires.",
        )
        cid = draft(s, demo, st, plan, today + timedelta(days=10), 6)
    return cid


def carnet(s: Session, demo: Demo, st: FileState, contract_id: str | None, since: date, closed: bool) -> None:
    """Objectives (with consent) and actions of the carnet de bord, then prescriptions with outcomes."""
    rng = demo.rng
    for pos, (theme, title, _, _) in enumerate(choose_plan(demo)):
        status = (
            rng.choice((ObjectiveStatus.ACHIEVED, ObjectiveStatus.ABANDONED))
            if closed
            else (ObjectiveStatus.ACHIEVED if rng.random() < 0.25 else ObjectiveStatus.IN_PROGRESS)
        )
        oid = carnet_edits.add_objective.within(
            s,
            st.ident.person_id,
            theme=theme,
            title=title,
            consent=True,
            consent_date=since,
            contract_id=contract_id,
            position=pos,
        )
        if status != ObjectiveStatus.IN_PROGRESS:
            carnet_edits.set_objective_status.within(s, oid, status)
        for k, (label, partner, hours) in enumerate(rng.sample(data.ACTIONS, rng.randint(1, 3))):
            aid = carnet_edits.add_action.within(
                s,
                oid,
                label=label,
                partner=partner,
                hours_per_week=hours,
                start_date=since + timedelta(days=14 * k),
                end_date=since + timedelta(days=14 * k + rng.randint(30, 120)),
            )
            final = rng.choice(list(ActionStatus))
            if final != ActionStatus.PLANNED:
                carnet_edits.set_action_status.within(s, aid, final)
    prescribe(s, demo, st, since)


def prescribe(s: Session, demo: Demo, st: FileState, since: date) -> None:
    """Prescriptions (most people have one within three months of entry; a few have none yet)."""
    rng = demo.rng
    for n in range(0 if rng.random() < 0.04 else rng.choice((1, 1, 2, 2, 3))):
        kind, partner = rng.choice(data.PRESCRIPTIONS)
        begin = st.plan.entry if n == 0 else since  # the first one within three months of the entry
        offset = rng.randint(10, 75) if n == 0 else rng.randint(60, 240)
        day = min(begin + timedelta(days=offset), demo.today - timedelta(days=1))
        pid = carnet_edits.add_prescription.within(
            s, st.ident.person_id, kind=kind, partner=partner, prescribed_on=day
        )
        outcome = rng.choice(list(PrescriptionOutcome))
        if outcome != PrescriptionOutcome.PENDING:
            carnet_edits.set_prescription_outcome.within(
                s, pid, outcome, outcome_date=min(day + timedelta(days=15), demo.today)
            )


def sanction(s: Session, demo: Demo, st: FileState, base: date, complete: bool) -> None:
    """A suspension-remobilisation procedure (CASF L.262-37; décret n° 2025-478): facts, dates and the decision
    as taken — never an amount. A complete one ends with the levée; the other awaits the PCD's decision."""
    household = st.plan.partner_of is not None
    steps: list[tuple[str, int, str, sanctions.Decision | None]] = [
        (SanctionStepKind.BREACH, 0, "Trois rendez-vous non honorés sans justification.", None),
        (SanctionStepKind.LETTER, 6, "Courrier : mise en mesure de présenter ses observations sous 10 jours.", None),
        (SanctionStepKind.EP_OPINION, 30, "L'équipe pluridisciplinaire a entendu la personne : avis favorable à une suspension.", None),
    ]  # fmt: skip
    if complete:
        decided = sanctions.Decision(SanctionDecision.SUSPENSION, 50 if household else 30, 1, household)
        steps += [
            (
                SanctionStepKind.DECISION,
                45,
                "Décision du président du conseil départemental notifiée.",
                decided,
            ),
            (SanctionStepKind.REMOBILISATION, 62, "Contrat d'engagement actualisé : suspension levée.", None),
        ]
    procedure = None
    for kind, offset, detail, decision in steps:
        ref = sanctions.add_sanction_step.within(
            s,
            st.ident.person_id,
            kind=kind,
            step_date=base + timedelta(days=offset),
            procedure_id=procedure,
            detail=detail,
            author=(st.ref or demo.me).login,
            decision=decision,
        )
        procedure = ref.procedure_id
