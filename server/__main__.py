"""``python -m server``: serve the API (default) and administer users, devices and the database.

python -m server [serve] [--database URL] [--host 127.0.0.1] [--port 8765]
python -m server user add LOGIN --name "Prénom Nom" --role referent [--team NOM]
python -m server device code --user LOGIN
python -m server device revoke ID | device retire ID | device list
python -m server status [--json]
python -m server restored          (after restoring a backup: new epoch, feed counter moved up)
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

from server.store.db import DEFAULT_DATABASE, ServerDB


def _db(args: argparse.Namespace) -> ServerDB:
    sdb = ServerDB(args.database)
    sdb.migrate()
    return sdb


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from server.api.app import create_app

    app = create_app(args.database)
    print(
        f"Serveur Fil rouge sur http://{args.host}:{args.port} (base : {_safe_url(args.database)})",
        flush=True,
    )
    uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level, workers=1)
    return 0


def cmd_user_add(args: argparse.Namespace) -> int:
    from server.admin.accounts import add_user

    user = add_user(_db(args), args.login, args.name or args.login, args.role, args.team)
    print(f"Utilisateur « {user['login']} » créé (rôle {user['role']}).")
    return 0


def cmd_device_code(args: argparse.Namespace) -> int:
    from server.admin.accounts import new_enrolment_code

    print(new_enrolment_code(_db(args), args.user, days=args.days))
    return 0


def cmd_device_status(args: argparse.Namespace) -> int:
    from server.admin.accounts import set_device_status

    set_device_status(_db(args), args.id, args.new_status)
    label = {
        "revoked": "révoqué (effacement au prochain contact)",
        "retiring": "en retrait (envoi puis effacement)",
        "active": "réactivé",
    }[args.new_status]
    print(f"Poste {args.id} {label}.")
    return 0


def cmd_device_list(args: argparse.Namespace) -> int:
    from server.admin.accounts import list_devices

    for d in list_devices(_db(args)):
        print(
            f"{d['id']}  {d['login']:<16} {d['status']:<9} seq={d['next_seq'] - 1}  vu={d['last_seen_at'] or '-'}"
        )
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    from server.engine.check import global_status

    st = global_status(_db(args))
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


def cmd_restored(args: argparse.Namespace) -> int:
    from server.engine.check import mark_restored

    sdb = _db(args)
    with sdb.write() as conn:
        epoch = mark_restored(conn, margin=args.margin)
    print(f"Nouvelle époque {epoch} : les postes vont se réconcilier à leur prochaine synchronisation.")
    return 0


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m server", description="Serveur départemental Fil rouge")
    p.add_argument(
        "--database",
        default=os.environ.get("FIL_ROUGE_SERVER_DB", DEFAULT_DATABASE),
        help="URL SQLAlchemy (défaut : fichier SQLite local ; postgresql+psycopg://… en production)",
    )
    sub = p.add_subparsers(dest="command")
    s = sub.add_parser("serve", help="lancer le serveur (défaut)")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=8765)
    s.add_argument("--log-level", default="warning")
    s.set_defaults(func=cmd_serve)
    u = sub.add_parser("user", help="utilisateurs").add_subparsers(dest="sub", required=True)
    ua = u.add_parser("add", help="créer un utilisateur")
    ua.add_argument("login")
    ua.add_argument("--name", default="")
    ua.add_argument("--role", default="referent", choices=["referent", "team_leader", "admin"])
    ua.add_argument("--team", default=None)
    ua.set_defaults(func=cmd_user_add)
    d = sub.add_parser("device", help="postes").add_subparsers(dest="sub", required=True)
    dc = d.add_parser("code", help="code d'enrôlement à usage unique")
    dc.add_argument("--user", required=True)
    dc.add_argument("--days", type=int, default=7)
    dc.set_defaults(func=cmd_device_code)
    for name, status in (("revoke", "revoked"), ("retire", "retiring"), ("activate", "active")):
        dr = d.add_parser(name)
        dr.add_argument("id")
        dr.set_defaults(func=cmd_device_status, new_status=status)
    d.add_parser("list").set_defaults(func=cmd_device_list)
    st = sub.add_parser("status", help="état de la base : comptes, séquence, empreintes")
    st.add_argument("--json", action="store_true")
    st.set_defaults(func=cmd_status)
    r = sub.add_parser("restored", help="à lancer après la restauration d'une sauvegarde")
    r.add_argument("--margin", type=int, default=1_000_000)
    r.set_defaults(func=cmd_restored)
    from server.cli import register_all

    register_all(sub, _db)
    return p


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        args = parser.parse_args([*(argv if argv is not None else sys.argv[1:]), "serve"])
    from server.admin.accounts import AdminError

    try:
        result: Any = args.func(args)
        return int(result or 0)
    except AdminError as exc:
        print(f"Erreur : {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
