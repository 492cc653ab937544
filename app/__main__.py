"""``python -m app``: the desktop client by default, headless sub-commands otherwise.

This module only wires the layers: it parses the command line, sets up logging, and hands over either to
the GUI (:mod:`app.ui`) or to a command of :mod:`app.commands`.

Start-up cost matters here (ARCHITECTURE.md: ``--version`` < 0.3 s, lock screen < 1 s of CPU): the global
options are parsed first by a parser that knows no command, so ``--version`` and the window never import the
command modules (and through them every service); the full parser is built only when a command or ``--help``
is on the command line.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from app import APP_ID, __version__
from app.services.storage.logs import setup_logging

PROG = "python -m app"
DESCRIPTION = "Fil rouge — dossier d'accompagnement des référents RSA. Sans commande : ouvre l'application."


def default_data_dir() -> Path:
    env = os.environ.get("FIL_ROUGE_DATA_DIR")
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_ID, appauthor=False))


def _global_options(parser: argparse.ArgumentParser, default_profile: str) -> None:
    parser.add_argument("--version", action="version", version=f"Fil rouge {__version__}")
    parser.add_argument(
        "--data-dir", type=Path, default=None, help="dossier des données (défaut : dossier utilisateur)"
    )
    parser.add_argument("--profile", default=None, help=f"profil à ouvrir (défaut : {default_profile})")
    parser.add_argument(
        "--passphrase-stdin", action="store_true", help="lire la phrase secrète sur l'entrée standard"
    )
    parser.add_argument(
        "--check-preview",
        type=Path,
        default=None,
        metavar="FICHIER.pdf",
        help="vérifier l'aperçu des PDF : dessiner hors écran la 1re page de ce PDF (PNG à côté) et quitter",
    )


def build_parser() -> argparse.ArgumentParser:
    """The full parser: global options and every command of :mod:`app.commands` (imports them all)."""
    from app.commands import command_modules
    from app.commands._context import DEFAULT_PROFILE

    parser = argparse.ArgumentParser(prog=PROG, description=DESCRIPTION)
    _global_options(parser, DEFAULT_PROFILE)
    sub = parser.add_subparsers(dest="command", metavar="COMMANDE")
    for module in command_modules():
        module.register(sub)
    return parser


def _wants_window(argv: list[str]) -> argparse.Namespace | None:
    """The global options when the command line opens the window (no command, no ``--help``), else None.

    ``--version`` is answered here, before anything heavy is imported."""
    quick = argparse.ArgumentParser(prog=PROG, description=DESCRIPTION, add_help=False)
    _global_options(quick, "")
    args, rest = quick.parse_known_args(argv)
    if rest or any(a in ("-h", "--help") for a in argv):
        return None
    return args


def _no_console_streams() -> None:
    """A windowed executable (``Fil rouge.exe``) has no stdout/stderr: give them a sink instead of None."""
    for name in ("stdout", "stderr"):
        if getattr(sys, name) is None:
            setattr(sys, name, open(os.devnull, "w", encoding="utf-8"))  # noqa: SIM115 - lives as long as the process


def main(argv: list[str] | None = None) -> int:
    _no_console_streams()
    argv = sys.argv[1:] if argv is None else list(argv)
    window = _wants_window(argv)
    if window is not None and window.check_preview is not None:
        return _check_preview(window.check_preview)
    if window is not None:
        data_dir = window.data_dir or default_data_dir()
        setup_logging(data_dir)
        from app.ui.shell.application import run_gui

        return run_gui(data_dir=data_dir, profile=window.profile)
    return _run_command(build_parser().parse_args(argv))


def _check_preview(pdf: Path) -> int:
    """``--check-preview FICHIER.pdf``: the window's PDF rasteriser on one page, offscreen; PNG beside the PDF."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from app.models.errors import FilRougeError
    from app.ui.kit.preview import check_preview

    try:
        print(check_preview(pdf.read_bytes(), pdf.with_suffix(".apercu.png")))
    except OSError as exc:
        print(f"Erreur : le fichier {pdf} n'a pas pu être lu ({exc.strerror or exc}).", file=sys.stderr)
        return 2
    except FilRougeError as exc:
        print(f"Erreur : {exc.message}", file=sys.stderr)
        return 2
    return 0


def _run_command(args: argparse.Namespace) -> int:
    from app.commands._context import DEFAULT_PROFILE, CommandContext, safe_terminal
    from app.models.errors import FilRougeError
    from app.models.text import terminal_safe

    data_dir = args.data_dir or default_data_dir()
    setup_logging(data_dir)
    ctx = CommandContext(
        data_dir=data_dir, profile=args.profile or DEFAULT_PROFILE, passphrase_stdin=args.passphrase_stdin
    )
    try:
        with safe_terminal():  # nothing a command prints can drive the terminal (ESC, BEL, bidi…)
            return int(args.func(args, ctx) or 0)
    except FilRougeError as exc:
        print(terminal_safe(f"Erreur : {exc.message}"), file=sys.stderr)
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
