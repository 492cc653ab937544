"""``python -m server``: serve the API (default) and administer users, devices and the database.

Only the argument wiring lives here; each command is a module of :mod:`server.cli`.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from server.admin.accounts import AdminError
from server.cli import open_db, register_all
from server.store.db import DEFAULT_DATABASE


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m server", description="Serveur départemental Fil rouge")
    p.add_argument(
        "--database",
        default=os.environ.get("FIL_ROUGE_SERVER_DB", DEFAULT_DATABASE),
        help="URL SQLAlchemy (défaut : fichier SQLite local ; postgresql+psycopg://… en production)",
    )
    register_all(p.add_subparsers(dest="command"), open_db)
    return p


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        args = parser.parse_args([*(argv if argv is not None else sys.argv[1:]), "serve"])
    try:
        result: Any = args.func(args)
        return int(result or 0)
    except AdminError as exc:
        print(f"Erreur : {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
