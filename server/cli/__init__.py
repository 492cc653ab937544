"""Extra ``python -m server`` sub-commands, one module each, discovered at start-up.

A module here defines ``register(sub, open_db)``: ``sub`` is the sub-parser collection of ``python -m server``,
``open_db(args)`` returns the migrated :class:`server.store.db.ServerDB` for ``--database``. Handlers are set with
``set_defaults(func=...)`` and return an exit code; they raise :class:`server.admin.accounts.AdminError` for a French error
message on stderr (exit 2).
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
from collections.abc import Callable
from typing import Any

from server.store.db import ServerDB


def open_db(args: argparse.Namespace) -> ServerDB:
    """The migrated server database of ``--database``."""
    sdb = ServerDB(args.database)
    sdb.migrate()
    return sdb


def register_all(sub: Any, open_db: Callable[[argparse.Namespace], ServerDB]) -> None:
    """Let every module of this package add its sub-commands to ``sub``."""
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        register = getattr(module, "register", None)
        if register is not None:
            register(sub, open_db)
