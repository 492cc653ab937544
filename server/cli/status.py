"""``python -m server status [--json]`` (counts, feed sequence, fingerprints) and ``python -m server restored``
(after restoring a backup: new epoch, feed counter moved up)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import Any

from server.engine.check import global_status, mark_restored
from server.store.db import ServerDB


def cmd_status(open_db: Callable[[argparse.Namespace], ServerDB], args: argparse.Namespace) -> int:
    st = global_status(open_db(args))
    if args.json:
        json.dump(st, sys.stdout, indent=2, default=str)
        sys.stdout.write("\n")
        return 0
    print(f"Époque : {st['epoch']}")
    print(f"Dernière séquence du flux : {st['last_seq']}")
    print(f"Opérations appliquées : {st['applied_ops']}")
    print("Postes : " + (", ".join(f"{k} {v}" for k, v in st["devices"].items()) or "aucun"))
    for name, t in st["tables"].items():
        print(f"  {name:<22} {t['count']:>8}  {t['hash'][:16]}")
    return 0


def cmd_restored(open_db: Callable[[argparse.Namespace], ServerDB], args: argparse.Namespace) -> int:
    with open_db(args).write() as conn:
        epoch = mark_restored(conn, margin=args.margin)
    print(f"Nouvelle époque {epoch} : les postes vont se réconcilier à leur prochaine synchronisation.")
    return 0


def register(sub: Any, open_db: Callable[[argparse.Namespace], ServerDB]) -> None:
    st = sub.add_parser("status", help="état de la base : comptes, séquence, empreintes")
    st.add_argument("--json", action="store_true")
    st.set_defaults(func=lambda args: cmd_status(open_db, args))
    r = sub.add_parser("restored", help="à lancer après la restauration d'une sauvegarde")
    r.add_argument("--margin", type=int, default=1_000_000)
    r.set_defaults(func=lambda args: cmd_restored(open_db, args))
