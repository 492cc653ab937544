"""``python -m app bilans [--person ID] [--json]``: the bilans of the caseload (or of one person) — moment, state,
objectives reached / partly / not, who took part, the recommendation and the step it opened — and the joint
reviews with France Travail (ADR 0050, 0051). ``python -m app pdf bilan BILAN_ID --out FILE`` prints one."""

from __future__ import annotations

import argparse
from typing import Any

from app.commands._context import CommandContext, add_json_flag, print_json
from app.services.bilans import joint_review, records
from app.services.bilans.joint_review import JointReviewView
from app.services.bilans.values import BilanView


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "bilans", help="bilans (fin de contrat, un an, sortie, étape) et diagnostics conjoints"
    )
    add_json_flag(p)
    p.add_argument("--person", default=None, metavar="ID", help="les bilans d'une seule personne")
    p.set_defaults(func=cmd_bilans)


def _bilan_json(name: str, b: BilanView) -> dict[str, Any]:
    return {
        "id": b.id,
        "person_id": b.person_id,
        "person": name,
        "kind": b.kind,
        "kind_label": b.kind_label,
        "held_on": b.held_on.isoformat(),
        "status": b.status,
        "status_label": b.status_label,
        "contract_id": b.contract_id,
        "contract": b.contract_label,
        "objectives": [
            {"title": o.title, "theme": o.theme, "result": o.result, "comment": o.comment}
            for o in b.objectives
        ],
        "counts": dict(b.counts),
        "helped": b.helped,
        "blocked": b.blocked,
        "person_words": b.person_words,
        "participants": [{"name": p.name, "role": p.role, "structure": p.structure} for p in b.participants],
        "tripartite": b.tripartite,
        "recommendation": b.recommendation,
        "recommendation_label": b.recommendation_label,
        "recommended_track": b.recommended_track,
        "recommendation_detail": b.recommendation_detail,
        "next_step": {"table": b.next_step_table, "id": b.next_step_id, "label": b.next_step_label},
        "author": b.author_name,
        "finalised_at": b.finalised_at.isoformat(timespec="seconds") if b.finalised_at else None,
    }


def _review_json(r: JointReviewView) -> dict[str, Any]:
    return {
        "id": r.id,
        "person_id": r.person_id,
        "held_on": r.held_on.isoformat(),
        "ft_adviser": r.ft_adviser,
        "ft_agency": r.ft_agency,
        "person_present": r.person_present,
        "job_search_ready": r.job_search_ready,
        "findings": r.findings,
        "conclusion": r.conclusion,
        "conclusion_label": r.conclusion_label,
        "proposed_track": r.proposed_track,
        "contract": r.contract_label,
        "revision_contract_id": r.revision_contract_id,
        "revision": r.revision_label,
        "author": r.author_name,
    }


def _print_bilan(name: str, b: BilanView) -> None:
    counts = b.counts
    reached = f"{counts.get('atteint', 0)} atteint(s), {counts.get('partiel', 0)} en partie, "
    reached += f"{counts.get('non_atteint', 0)} non atteint(s)"
    print(f"{b.held_on:%d/%m/%Y}  {name:<28}  {b.kind_label:<32}  {b.status_label}")
    print(f"    Objectifs : {reached}" if b.objectives else "    Objectifs : aucun passé en revue")
    if b.participants:
        print(
            "    Participants : "
            + " ; ".join(", ".join(x for x in (p.name, p.role, p.structure) if x) for p in b.participants)
        )
    if b.recommendation:
        track = f" ({b.recommended_track_label.lower()})" if b.recommended_track else ""
        print(f"    Préconisation : {b.recommendation_label}{track}")
    if b.next_step_label:
        print(f"    Suite : {b.next_step_label}")


def cmd_bilans(args: argparse.Namespace, ctx: CommandContext) -> int:
    db = ctx.open_vault().db
    found = records.all_bilans(db, args.person)
    reviews = joint_review.all_joint_reviews(db, args.person)
    if args.json:
        print_json(
            {
                "bilans": [_bilan_json(name, b) for name, b in found],
                "joint_reviews": [{**_review_json(r), "person": name} for name, r in reviews],
            }
        )
        return 0
    final = sum(1 for _n, b in found if b.final)
    print(f"Bilans : {len(found)} ({final} finalisé(s), {len(found) - final} brouillon(s))")
    for name, b in found:
        _print_bilan(name, b)
    if not found:
        print("Aucun bilan.")
    print(f"Diagnostics conjoints avec France Travail : {len(reviews)}")
    for name, r in reviews:
        print(f"{r.held_on:%d/%m/%Y}  {name:<28}  {r.conclusion_label}")
        print(f"    Conseiller France Travail : {r.ft_adviser}" + (f", {r.ft_agency}" if r.ft_agency else ""))
        if r.revision_label:
            print(f"    Révision : {r.revision_label}")
    return 0
