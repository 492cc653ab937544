"""Headless commands of ``python -m app``. Each module here exposes ``register(subparsers)``.

A command handler has the signature ``handler(args: argparse.Namespace, ctx: CommandContext) -> int``.
It raises :class:`app.services.errors.FilRougeError` for expected failures: ``__main__`` prints the French
message on one line of stderr and exits non-zero. Modules are discovered automatically (pkgutil), so a new
command is a new file here, nothing else.
"""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType


def command_modules() -> list[ModuleType]:
    mods = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        mods.append(importlib.import_module(f"{__name__}.{info.name}"))
    return mods
