"""``python -m server [serve]``: run the API with uvicorn.

python -m server [serve] [--database URL] [--host 127.0.0.1] [--port 8765] [--log-level warning]
                        [--min-client-version X.Y.Z]
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from server import MIN_CLIENT_VERSION
from server.store.db import ServerDB


def safe_url(url: str) -> str:
    """The database URL without its password, for messages."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from server.api.app import create_app

    app = create_app(args.database, min_client_version=args.min_client_version)
    print(
        f"Serveur Fil rouge sur http://{args.host}:{args.port} (base : {safe_url(args.database)})",
        flush=True,
    )
    uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level, workers=1)
    return 0


def register(sub: Any, open_db: Callable[[argparse.Namespace], ServerDB]) -> None:
    s = sub.add_parser("serve", help="lancer le serveur (défaut)")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=8765)
    s.add_argument("--log-level", default="warning")
    s.add_argument(
        "--min-client-version",
        default=MIN_CLIENT_VERSION,
        metavar="X.Y.Z",
        help=f"version minimale de l'application annoncée aux postes (défaut : {MIN_CLIENT_VERSION})",
    )
    s.set_defaults(func=cmd_serve)
