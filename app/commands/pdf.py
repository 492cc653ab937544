"""``python -m app pdf …``: documents to print. One small function per sub-command:
``pdf roadmap ID --out FILE`` (the person's feuille de route); other documents add their own sub-parser here.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from app.commands._context import CommandContext
from app.services import roadmap
from app.services.person_page import current_actor


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("pdf", help="éditer un document PDF (feuille de route…)")
    kinds = p.add_subparsers(dest="pdf_command", required=True, metavar="DOCUMENT")
    register_roadmap(kinds)
    register_contract(kinds)


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
    from app.services.contracts_document import render_pdf

    db = ctx.open_vault().db
    data = render_pdf(db, args.contract_id, actor=current_actor(db), out=args.out)
    print(f"Contrat écrit : {args.out} ({max(1, len(data) // 1024)} Ko).")
    return 0
