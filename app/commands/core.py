"""Core headless commands: ``init`` and ``self-test``."""

from __future__ import annotations

import argparse
import sys
import tempfile
from datetime import date
from pathlib import Path

from sqlalchemy import select

from app.commands._context import CommandContext
from app.models.errors import FilRougeError
from app.models.tables.people import Person
from app.services.errors import PassphraseRequiredError
from app.services.storage import vault as vault_service


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("init", help="créer un profil et son dossier chiffré")
    p.add_argument("--demo", action="store_true", help="profil de démonstration (file active fictive)")
    p.add_argument(
        "--mode",
        choices=[vault_service.MODE_KEYRING, vault_service.MODE_PASSPHRASE],
        default=None,
        help="où garder la clé : trousseau du système (défaut s'il existe) ou phrase secrète",
    )
    p.add_argument("--seed", type=int, default=2026, help="graine du profil de démonstration")
    p.set_defaults(func=cmd_init)
    t = sub.add_parser("self-test", help="vérifier que le chiffrement et la base fonctionnent ici")
    t.set_defaults(func=cmd_self_test)


def cmd_init(args: argparse.Namespace, ctx: CommandContext) -> int:
    mode = args.mode
    if mode is None and ctx.passphrase_stdin:
        mode = vault_service.MODE_PASSPHRASE
    mode = vault_service.choose_mode(mode)
    secret = (
        ctx.passphrase("Choisissez une phrase secrète : ") if mode == vault_service.MODE_PASSPHRASE else None
    )
    if mode == vault_service.MODE_PASSPHRASE and not secret:
        raise PassphraseRequiredError("Une phrase secrète est nécessaire : utilisez --passphrase-stdin.")
    vault = vault_service.create_vault(
        ctx.data_dir, ctx.profile, mode=mode, passphrase=secret, demo=args.demo
    )
    ctx._vault = vault
    if args.demo:
        from app.services.demo.build import populate_demo

        try:
            summary = populate_demo(vault, seed=args.seed)
        except BaseException:
            ctx.close()
            vault_service.delete_profile(ctx.data_dir, ctx.profile)  # never leave a half-made demo behind
            raise
        print(f"Profil de démonstration « {ctx.profile} » créé : {summary}.")
    else:
        print(f"Profil « {ctx.profile} » créé ({vault.info.mode_label}).")
    return 0


def cmd_self_test(args: argparse.Namespace, ctx: CommandContext) -> int:
    """Create a temporary encrypted vault, write, read back, check the file is unreadable without the key."""
    with tempfile.TemporaryDirectory(prefix="fil-rouge-selftest-") as tmp:
        data = Path(tmp)
        vault = vault_service.create_vault(
            data, "selftest", mode=vault_service.MODE_PASSPHRASE, passphrase="auto-test-fil-rouge"
        )
        try:
            with vault.db.session() as s:
                s.add(
                    Person(
                        last_name="Épreuve", first_name="Zoé", regime="legacy", birth_date=date(1990, 1, 1)
                    )
                )
            with vault.db.read() as s:
                names = s.scalars(select(Person.last_name)).all()
        finally:
            vault.close()
        if names != ["Épreuve"]:
            print("Échec de l'auto-test : relecture incorrecte.", file=sys.stderr)
            return 1
        raw = (data / "profiles" / "selftest" / "vault.db").read_bytes()
        if "Épreuve".encode() in raw or raw.startswith(b"SQLite format 3"):
            print("Échec de l'auto-test : le fichier n'est pas chiffré.", file=sys.stderr)
            return 1
        try:
            vault_service.open_vault(data, "selftest", passphrase="mauvaise phrase").close()
            print("Échec de l'auto-test : une mauvaise phrase secrète a ouvert le dossier.", file=sys.stderr)
            return 1
        except FilRougeError:
            pass
    print("Auto-test réussi : base chiffrée créée, écrite, relue ; mauvaise phrase secrète refusée.")
    return 0
