"""``python -m app``: the desktop client by default, headless sub-commands otherwise.

This module only wires the layers: it parses the command line, sets up logging, and hands over either to
the GUI (:mod:`app.ui`) or to a command of :mod:`app.commands`.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from app import APP_ID, __version__
from app.commands import command_modules
from app.commands._context import DEFAULT_PROFILE, CommandContext
from app.models.errors import FilRougeError
from app.services.storage.logs import setup_logging


def default_data_dir() -> Path:
    env = os.environ.get("FIL_ROUGE_DATA_DIR")
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_ID, appauthor=False))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m app",
        description="Fil rouge — dossier d'accompagnement des référents RSA. Sans commande : ouvre l'application.",
    )
    parser.add_argument("--version", action="version", version=f"Fil rouge {__version__}")
    parser.add_argument(
        "--data-dir", type=Path, default=None, help="dossier des données (défaut : dossier utilisateur)"
    )
    parser.add_argument("--profile", default=None, help=f"profil à ouvrir (défaut : {DEFAULT_PROFILE})")
    parser.add_argument(
        "--passphrase-stdin", action="store_true", help="lire la phrase secrète sur l'entrée standard"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMANDE")
    for module in command_modules():
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    data_dir = args.data_dir or default_data_dir()
    setup_logging(data_dir)
    if args.command is None:
        from app.ui.shell.application import run_gui

        return run_gui(data_dir=data_dir, profile=args.profile)
    ctx = CommandContext(
        data_dir=data_dir, profile=args.profile or DEFAULT_PROFILE, passphrase_stdin=args.passphrase_stdin
    )
    try:
        return int(args.func(args, ctx) or 0)
    except FilRougeError as exc:
        print(f"Erreur : {exc.message}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # output piped into `head` and closed early: not an error
        sys.stderr.close()
        return 0
    except KeyboardInterrupt:
        print("Interrompu.", file=sys.stderr)
        return 130
    finally:
        ctx.close()


if __name__ == "__main__":
    sys.exit(main())
