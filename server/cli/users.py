"""``python -m server user add LOGIN --name "Prénom Nom" --role referent [--team NOM]``."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from server.admin.accounts import ROLES, add_user
from server.store.db import ServerDB


def register(sub: Any, open_db: Callable[[argparse.Namespace], ServerDB]) -> None:
    u = sub.add_parser("user", help="utilisateurs").add_subparsers(dest="sub", required=True)
    ua = u.add_parser("add", help="créer un utilisateur")
    ua.add_argument("login")
    ua.add_argument("--name", default="")
    ua.add_argument("--role", default="referent", choices=list(ROLES))
    ua.add_argument("--team", default=None)

    def run(args: argparse.Namespace) -> int:
        user = add_user(open_db(args), args.login, args.name or args.login, args.role, args.team)
        print(f"Utilisateur « {user['login']} » créé (rôle {user['role']}).")
        return 0

    ua.set_defaults(func=run)
