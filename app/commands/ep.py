"""``python -m app ep list [--json] [--ouvertes]``: the équipe pluridisciplinaire as this device knows it — the
séances with their agenda, and every saisine with its facts, its passages, the avis, the décision and its
delay against the target of the rule table (ADR 0040). Headless and scriptable."""

from __future__ import annotations

import argparse
from datetime import date
from typing import Any

from app.commands._context import CommandContext, add_json_flag, print_json
from app.services.ep import views
from app.services.ep.views import CaseView, ReferralView, SeanceView


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("ep", help="équipe pluridisciplinaire : séances, saisines, avis et décisions")
    ep_sub = p.add_subparsers(dest="ep_command", required=True, metavar="COMMANDE")
    lst = ep_sub.add_parser("list", help="les séances et les saisines, avec leurs avis et décisions")
    add_json_flag(lst)
    lst.add_argument("--ouvertes", action="store_true", help="seulement les saisines en cours")
    lst.set_defaults(func=cmd_list)


def _d(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _case(c: CaseView) -> dict[str, Any]:
    return {
        "id": c.id, "seance_id": c.seance_id, "seance": c.seance_label, "held_at": c.held_at.isoformat(),
        "position": c.position, "convened_on": _d(c.convened_on), "attendance": c.attendance or None,
        "observations": c.observations, "opinion": c.opinion, "opinion_label": c.opinion_label,
        "opinion_on": _d(c.opinion_on), "opinion_track": c.opinion_track, "opinion_detail": c.opinion_detail,
        "decision": c.decision, "decision_label": c.decision_label, "decision_on": _d(c.decision_on),
        "decided_by": c.decided_by, "decision_detail": c.decision_detail, "consequence": c.consequence,
    }  # fmt: skip


def _referral(r: ReferralView, today: date) -> dict[str, Any]:
    return {
        "id": r.id, "person_id": r.person_id, "person": r.person_name, "referent": r.referent_name,
        "motive": r.motive, "motive_label": r.motive_label, "referred_on": r.referred_on.isoformat(),
        "referred_by": r.referred_by, "summary": r.summary, "proposed_track": r.proposed_track,
        "proposed_organisme": r.proposed_organisme, "procedure_id": r.procedure_id, "status": r.status,
        "status_label": r.status_label, "due_on": r.due_on.isoformat(), "late": r.late(today),
        "days_to_opinion": r.days_to_opinion, "days_to_decision": r.days_to_decision,
        "withdrawn_on": _d(r.withdrawn_on), "withdrawn_reason": r.withdrawn_reason,
        "facts": [{"kind": f.kind, "label": f.kind_label, "date": _d(f.day), "text": f.text} for f in r.facts],
        "cases": [_case(c) for c in r.cases],
    }  # fmt: skip


def _seance(s: SeanceView) -> dict[str, Any]:
    return {
        "id": s.id, "label": s.label, "held_at": s.held_at.isoformat(), "place": s.place, "address": s.address,
        "contact": s.contact, "status": s.status, "status_label": s.status_label,
        "members": [{"name": n, "quality": q} for n, q in s.members],
        "agenda": [{"case_id": i.case.id, "referral_id": i.referral.id, "person": i.referral.person_name,
                    "motive": i.referral.motive, "opinion": i.case.opinion, "decision": i.case.decision}
                   for i in s.items],
    }  # fmt: skip


def _print_text(seance_rows: list[SeanceView], referral_rows: list[ReferralView], today: date) -> None:
    print(f"Séances de l'équipe pluridisciplinaire : {len(seance_rows)}")
    for s in seance_rows:
        print(f"  {s.held_at:%d/%m/%Y %H:%M}  {s.label} — {s.place} ({s.status_label.lower()}, "
              f"{s.decided}/{len(s.items)} décidé(s))")  # fmt: skip
        for i in s.items:
            c = i.case
            state = c.decision_label or c.opinion_label or ("convoqué(e)" if c.convened_on else "à convoquer")
            print(f"    {c.position}. {i.referral.person_name} — {i.referral.motive_label} : {state}")
    print(f"Saisines : {len(referral_rows)}")
    for r in referral_rows:
        late = " — au-delà de l'objectif" if r.late(today) else ""
        done = r.days_to_decision is not None
        state = f"Décidée en {r.days_to_decision} jours" if done else r.status_label
        target = "" if r.withdrawn_on else f" (objectif : {r.due_on:%d/%m/%Y}){late}"
        print(f"  {r.referred_on:%d/%m/%Y}  {r.person_name} — {r.motive_label} : {state}{target}")
        for c in r.cases:
            if c.decision:
                print(f"      Décision du {c.decision_on:%d/%m/%Y} : {c.decision_label}"
                      + (f" — {c.consequence}" if c.consequence else ""))  # fmt: skip


def cmd_list(args: argparse.Namespace, ctx: CommandContext) -> int:
    vault = ctx.open_vault()
    today = date.today()
    referral_rows = views.referrals(vault.db, open_only=args.ouvertes)
    seance_rows = views.seances(vault.db)
    if args.json:
        print_json(
            {
                "target": str(views.ep_target()),
                "seances": [_seance(s) for s in seance_rows],
                "referrals": [_referral(r, today) for r in referral_rows],
            }
        )
    else:
        _print_text(seance_rows, referral_rows, today)
    return 0
