"""``check`` (is the vault whole?) and ``restore`` (put a backup back), headless.

``check [--json]``: exit 0 when every check passes, 1 when the vault is damaged (each problem named), 2 when
it cannot be checked at all (wrong passphrase, missing salt…). ``restore --list [--json]`` lists the backups;
``restore NOM|FICHIER`` verifies the copy and puts it in place (the current vault is kept as a copy first).
"""

from __future__ import annotations

import argparse

from app.commands._context import CommandContext, add_json_flag, print_json
from app.services.errors import VaultDamagedError, VaultMissingError
from app.services.storage import backups, integrity
from app.services.storage import vault as vault_service


def register(sub: argparse._SubParsersAction) -> None:
    c = sub.add_parser(
        "check", help="vérifier l'intégrité du coffre (chiffrement, structure, schéma, documents)"
    )
    add_json_flag(c)
    c.set_defaults(func=cmd_check)
    r = sub.add_parser("restore", help="lister les sauvegardes du coffre, ou en restaurer une")
    r.add_argument("backup", nargs="?", metavar="NOM|FICHIER", help="la sauvegarde à restaurer (voir --list)")
    r.add_argument(
        "--list", action="store_true", help="lister les sauvegardes, de la plus récente à la plus ancienne"
    )
    add_json_flag(r)
    r.set_defaults(func=cmd_restore)


def cmd_check(args: argparse.Namespace, ctx: CommandContext) -> int:
    info = vault_service.read_profile(ctx.data_dir, ctx.profile)
    key = vault_service.key_for(info, ctx.secret_for(info))
    try:
        report = integrity.check_vault(info, key)
    except (VaultDamagedError, VaultMissingError) as exc:
        report = integrity.IntegrityReport()
        report.add("fichier", False, exc.message)
    if args.json:
        print_json(report.as_dict())
    else:
        for item in report.items:
            print(f"{'ok    ' if item.ok else 'ÉCHEC '} {item.message}")
        print(
            "Le coffre est intact."
            if report.ok
            else "Le coffre est endommagé : restaurez une sauvegarde (python -m app restore --list)."
        )
    return 0 if report.ok else 1


def cmd_restore(args: argparse.Namespace, ctx: CommandContext) -> int:
    info = vault_service.read_profile(ctx.data_dir, ctx.profile)
    if args.list or not args.backup:
        found = backups.list_backups(info)
        if args.json:
            print_json([b.as_dict() for b in found])
        elif not found:
            print("Aucune sauvegarde pour ce profil.")
        else:
            for b in found:
                print(
                    f"{b.name:<44} {b.created_at:%d/%m/%Y %H:%M}  {b.kind_label:<20} {b.size // 1024:>7} Ko"
                )
        return 0
    key = vault_service.key_for(info, ctx.secret_for(info))
    ctx.lock_profile(info)
    result = backups.restore_backup(info, key, args.backup)
    ctx.close()  # the lock is taken again by the opening below (schema upgrade of an older copy)
    ctx.open_vault()
    if args.json:
        print_json(
            {"restauree": result.restored, "precedent": result.previous, "endommage": result.previous_damaged}
        )
        return 0
    print(f"Sauvegarde « {result.restored} » restaurée.")
    if result.previous_damaged:
        print(f"Le coffre endommagé a été mis de côté : backups/{result.previous}.")
    elif result.previous:
        print(f"Le coffre remplacé est conservé : « {result.previous} » (restore --list).")
    return 0
