"""``python -m app pdf …``: documents to print. One small function per sub-command:
``pdf roadmap ID --out FILE`` (the person's feuille de route), ``pdf contract CONTRACT_ID --out FILE`` and
``pdf contracts --person ID [--person ID …] --out DIR [--single FILE]`` (the current contract of each person,
one PDF per contract in DIR, or one PDF), ``pdf convocation RDV_ID --out FILE [--relance]`` (the letter of one
RDV) and ``pdf convocations --on DATE [--week] --out DIR|--single FILE`` (the letters of a day or a week; RDV ids
come from ``agenda --json``). Other documents add their own sub-parser here.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from app.commands._context import CommandContext, iso_date
from app.services.casefile import roadmap
from app.services.people.identity import current_actor


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("pdf", help="éditer un document PDF (feuille de route…)")
    kinds = p.add_subparsers(dest="pdf_command", required=True, metavar="DOCUMENT")
    register_roadmap(kinds)
    register_contract(kinds)
    register_contracts(kinds)
    register_convocation(kinds)
    register_convocations(kinds)
    register_bilan(kinds)


def register_roadmap(kinds: argparse._SubParsersAction) -> None:
    r = kinds.add_parser("roadmap", help="la feuille de route d'une personne (« Ma feuille de route »)")
    r.add_argument("person_id", metavar="ID", help="identifiant de la personne")
    r.add_argument("--out", required=True, type=Path, help="fichier PDF à écrire")
    r.set_defaults(func=cmd_roadmap)


def cmd_roadmap(args: argparse.Namespace, ctx: CommandContext) -> int:
    db = ctx.open_vault().db
    data = roadmap.render_roadmap_pdf(db, args.person_id, actor=current_actor(db), out=args.out)
    print(f"Feuille de route écrite : {args.out} ({max(1, len(data) // 1024)} Ko).")
    return 0


def register_contract(kinds: argparse._SubParsersAction) -> None:
    c = kinds.add_parser("contract", help="un contrat (CER / contrat d'engagement), tel qu'imprimé")
    c.add_argument("contract_id", metavar="CONTRACT_ID", help="identifiant du contrat")
    c.add_argument("--out", required=True, type=Path, help="fichier PDF à écrire")
    c.set_defaults(func=cmd_contract)


def cmd_contract(args: argparse.Namespace, ctx: CommandContext) -> int:
    from app.services.contracts.document import render_pdf

    db = ctx.open_vault().db
    data = render_pdf(db, args.contract_id, actor=current_actor(db), out=args.out)
    print(f"Contrat écrit : {args.out} ({max(1, len(data) // 1024)} Ko).")
    return 0


def register_contracts(kinds: argparse._SubParsersAction) -> None:
    c = kinds.add_parser(
        "contracts",
        help="les contrats de plusieurs personnes (le contrat en vigueur, sinon le brouillon, sinon le dernier)",
    )
    c.add_argument("--person", action="append", required=True, metavar="ID", help="personne (répétable)")
    group = c.add_mutually_exclusive_group(required=True)
    group.add_argument("--out", type=Path, metavar="DOSSIER", help="dossier où écrire un PDF par contrat")
    group.add_argument("--single", type=Path, metavar="FICHIER", help="un seul PDF avec tous les contrats")
    c.set_defaults(func=cmd_contracts)


def cmd_contracts(args: argparse.Namespace, ctx: CommandContext) -> int:
    import sys

    from app.services.contracts.batch import plan_batch, render_batch

    db = ctx.open_vault().db
    plan = plan_batch(db, args.person)
    print(f"{plan.summary()}.")
    for name in plan.without_contract:
        print(f"  sans contrat : {name}")
    if not plan.items:
        return 0

    def progress(done: int, total: int, label: str) -> None:
        if label:
            print(f"  {done + 1} / {total} — {label}", file=sys.stderr)

    result = render_batch(
        db, plan, args.out, actor=current_actor(db), combine_to=args.single, progress=progress
    )
    print(result.message())
    for path in result.paths:
        print(f"  {path}")
    return 1 if result.failed else 0


def register_convocation(kinds: argparse._SubParsersAction) -> None:
    c = kinds.add_parser(
        "convocation", help="la convocation (ou l'invitation, ou la relance) d'un rendez-vous"
    )
    c.add_argument("rdv_id", metavar="RDV_ID", help="identifiant du rendez-vous (agenda --json)")
    c.add_argument("--out", required=True, type=Path, help="fichier PDF à écrire")
    c.add_argument("--relance", action="store_true", help="la lettre de relance d'un rendez-vous non honoré")
    c.set_defaults(func=cmd_convocation)


def cmd_convocation(args: argparse.Namespace, ctx: CommandContext) -> int:
    from app.services.agenda.convocations import letters

    db = ctx.open_vault().db
    kind = "relance" if args.relance else letters.AUTO
    data = letters.print_letter(db, args.rdv_id, kind=kind, out=args.out)
    what = "Relance écrite" if args.relance else "Courrier écrit"
    print(f"{what} : {args.out} ({max(1, len(data) // 1024)} Ko) ; envoi noté dans l'historique.")
    return 0


def register_convocations(kinds: argparse._SubParsersAction) -> None:
    c = kinds.add_parser(
        "convocations",
        help="les convocations des rendez-vous prévus d'un jour ou d'une semaine (pas encore convoqués)",
    )
    c.add_argument(
        "--on", type=iso_date, default=None, metavar="AAAA-MM-JJ", help="jour (défaut : aujourd'hui)"
    )
    c.add_argument("--week", action="store_true", help="toute la semaine (lundi → dimanche) du jour")
    c.add_argument("--again", action="store_true", help="y compris les rendez-vous déjà convoqués")
    group = c.add_mutually_exclusive_group(required=True)
    group.add_argument("--out", type=Path, metavar="DOSSIER", help="dossier où écrire un PDF par courrier")
    group.add_argument("--single", type=Path, metavar="FICHIER", help="un seul PDF avec tous les courriers")
    c.set_defaults(func=cmd_convocations)


def cmd_convocations(args: argparse.Namespace, ctx: CommandContext) -> int:
    import sys
    from datetime import date

    from app.services.agenda.convocations import batch

    db = ctx.open_vault().db
    start, end = batch.period(args.on or date.today(), args.week)
    plan = batch.plan_letters(db, start, end)
    print(f"{plan.summary()}.")
    items = plan.items if args.again else plan.to_send
    if not items:
        print("Aucun courrier à écrire.")
        return 0

    def progress(done: int, total: int, label: str) -> None:
        if label:
            print(f"  {done + 1} / {total} — {label}", file=sys.stderr)

    result = batch.render_letters(db, items, out_dir=args.out, combine_to=args.single, progress=progress)
    print(result.message())
    for path in result.paths:
        print(f"  {path}")
    return 1 if result.failed else 0


def register_bilan(kinds: argparse._SubParsersAction) -> None:
    b = kinds.add_parser(
        "bilan", help="un bilan (fin de contrat, un an, sortie, étape), l'exemplaire de la personne"
    )
    b.add_argument("bilan_id", metavar="BILAN_ID", help="identifiant du bilan (python -m app bilans --json)")
    b.add_argument("--out", required=True, type=Path, help="fichier PDF à écrire")
    b.set_defaults(func=cmd_bilan)


def cmd_bilan(args: argparse.Namespace, ctx: CommandContext) -> int:
    from app.services.bilans.document import render_bilan_pdf

    db = ctx.open_vault().db
    data = render_bilan_pdf(db, args.bilan_id, actor=current_actor(db), out=args.out)
    print(f"Bilan écrit : {args.out} ({max(1, len(data) // 1024)} Ko).")
    return 0
