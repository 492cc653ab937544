"""``python -m app seal [--certificate FILE.p12 [--password-stdin] | --remove]``: the département's seal from the command line.

What « Paramètres » does in the window, for IT deploying a workstation by script (and for the bundle's smoke test):
the PKCS#12 file is checked (password, validity), its path stored in the profile, its password in the OS keyring.
The password is read on the terminal, or as the next line of standard input with ``--password-stdin`` (after
the vault passphrase line when ``--passphrase-stdin`` is given too)."""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from app.commands._context import CommandContext
from app.services.errors import ValidationError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "seal", help="cachet du Département (certificat PKCS#12) : état, configuration, retrait"
    )
    group = p.add_mutually_exclusive_group()
    group.add_argument(
        "--certificate", type=Path, metavar="FICHIER", help="fichier PKCS#12 (.p12/.pfx) à utiliser"
    )
    group.add_argument("--remove", action="store_true", help="ne plus sceller les documents")
    p.add_argument(
        "--password-stdin",
        action="store_true",
        help="lire le mot de passe du certificat sur l'entrée standard",
    )
    p.set_defaults(func=cmd_seal)


def _password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    elif sys.stdin.isatty():
        password = getpass.getpass("Mot de passe du certificat : ")
    else:
        raise ValidationError("Mot de passe du certificat absent : utilisez --password-stdin.")
    if not password:
        raise ValidationError("Le mot de passe du certificat est vide.")
    return password


def cmd_seal(args: argparse.Namespace, ctx: CommandContext) -> int:
    from app.services.settings import seal

    db = ctx.open_vault().db
    if args.remove:
        seal.clear_seal(db)
        print("Cachet retiré : les documents ne seront plus scellés.")
        return 0
    if args.certificate is not None:
        status = seal.configure_seal(db, args.certificate, _password(args))
    else:
        status = seal.seal_status(db)
    print(status.summary)
    return 0 if status.usable or not status.configured else 2
