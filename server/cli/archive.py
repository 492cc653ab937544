"""``python -m server archive``: the intermediate archive (:mod:`server.engine.archive`).

- ``archive [--years N]``: the archive period (0: none, the purge eliminates at once) and what is archived;
- ``archive list [--json]``: the archived files (ids and dates only);
- ``archive read PERSON_ID --reason TEXT --out FILE``: one archived file as JSON, the reading audited with its reason;
- ``archive eliminate [--on DATE]``: delete the files whose period is over (for a daily cron), audited.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from server.admin.accounts import AdminError
from server.engine import archive
from server.store.db import ServerDB


def _operator() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "inconnu"


def cmd_status(open_db: Callable[[argparse.Namespace], ServerDB], args: argparse.Namespace) -> int:
    sdb = open_db(args)
    try:
        with sdb.write() as conn:
            if args.years is not None:
                try:
                    archive.set_archive_years(conn, args.years)
                except ValueError as exc:
                    raise AdminError(str(exc)) from exc
            years = archive.archive_years(conn)
            files = archive.archived_files(conn)
    finally:
        sdb.dispose()
    if years:
        print(f"Archivage intermédiaire : {years} an(s) après la purge, puis élimination.")
    else:
        print("Archivage intermédiaire : aucun (la purge élimine le dossier immédiatement).")
    due = [f for f in files if f.eliminate_after <= date.today()]
    print(f"Dossiers en archive : {len(files)} ; à éliminer aujourd'hui : {len(due)}.")
    return 0


def cmd_list(open_db: Callable[[argparse.Namespace], ServerDB], args: argparse.Namespace) -> int:
    sdb = open_db(args)
    try:
        with sdb.read() as conn:
            files = archive.archived_files(conn)
    finally:
        sdb.dispose()
    if args.json:
        json.dump([f.as_dict() for f in files], sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return 0
    if not files:
        print("Aucun dossier en archive intermédiaire.")
    for f in files:
        print(
            f"{f.person_id}  archivé le {f.archived_at:%d/%m/%Y}  à éliminer le {f.eliminate_after:%d/%m/%Y}"
        )
    return 0


def cmd_read(open_db: Callable[[argparse.Namespace], ServerDB], args: argparse.Namespace) -> int:
    reason = " ".join(args.reason.split())
    if len(reason) < 5:
        raise AdminError(
            "Indiquez le motif de la consultation (--reason) : elle est tracée au journal d'audit."
        )
    out = Path(args.out)
    if out.exists():
        raise AdminError(f"{out} existe déjà : choisissez un autre fichier (rien n'a été écrit).")
    sdb = open_db(args)
    try:
        with sdb.write() as conn:
            found = archive.read_archive(conn, args.person_id, reason=reason, operator=_operator())
            if found is None:
                raise AdminError(f"Aucun dossier en archive pour {args.person_id}.")
            try:
                out.write_text(json.dumps(found, ensure_ascii=False, indent=2), encoding="utf-8")
            except OSError as exc:  # the audit event is rolled back with the failed write
                raise AdminError(f"Impossible d'écrire {out} : {exc.strerror or exc}.") from exc
    finally:
        sdb.dispose()
    print(f"Dossier archivé écrit : {out} (consultation tracée au journal d'audit).")
    return 0


def cmd_eliminate(open_db: Callable[[argparse.Namespace], ServerDB], args: argparse.Namespace) -> int:
    on = args.on or date.today()
    sdb = open_db(args)
    try:
        with sdb.write() as conn:
            ids = archive.eliminate_expired(conn, on, operator=_operator())
    finally:
        sdb.dispose()
    print(f"Archives éliminées au {on:%d/%m/%Y} : {len(ids)}.")
    return 0


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"« {text} » : date attendue au format AAAA-MM-JJ.") from exc


def register(sub: Any, open_db: Callable[[argparse.Namespace], ServerDB]) -> None:
    p = sub.add_parser(
        "archive",
        help="archivage intermédiaire des dossiers purgés : durée, liste, consultation tracée, élimination",
        description="Sans sous-commande : la durée d'archivage intermédiaire (réglage du Département) et l'état.",
    )
    p.add_argument("--years", type=int, default=None, metavar="N",
                   help=f"durée d'archivage intermédiaire en années (0 à {archive.MAX_ARCHIVE_YEARS} ; 0 = aucun)")  # fmt: skip
    p.set_defaults(func=lambda args: cmd_status(open_db, args))
    actions = p.add_subparsers(dest="archive_command")
    ls = actions.add_parser("list", help="les dossiers en archive (identifiants et dates)")
    ls.add_argument("--json", action="store_true", help="sortie JSON")
    ls.set_defaults(func=lambda args: cmd_list(open_db, args))
    rd = actions.add_parser("read", help="écrire un dossier archivé en JSON (consultation tracée)")
    rd.add_argument("person_id", metavar="PERSONNE")
    rd.add_argument("--reason", required=True, help="motif de la consultation (tracé au journal d'audit)")
    rd.add_argument("--out", required=True, help="fichier JSON à écrire (ne doit pas exister)")
    rd.set_defaults(func=lambda args: cmd_read(open_db, args))
    el = actions.add_parser("eliminate", help="éliminer les dossiers dont la durée d'archivage est écoulée")
    el.add_argument("--on", type=_day, default=None, help="à cette date (AAAA-MM-JJ ; défaut : aujourd'hui)")
    el.set_defaults(func=lambda args: cmd_eliminate(open_db, args))
