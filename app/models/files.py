"""Writing an output file (export, PDF, report) so that a failure leaves nothing behind and says why, in French.

The content goes to a temporary file in the target's folder, then replaces the target in one rename: a full
disk, a read-only folder or a missing permission leaves no partial file (an existing target stays as it was)
and raises :class:`OutputError` with one French line naming the file and the cause. Used by the client's
exports and documents and by the server's import report; never for the vault itself.
"""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

from app.models.errors import FilRougeError

_CAUSES = {
    errno.ENOSPC: "le disque est plein",
    errno.EDQUOT: "le quota du disque est atteint",
    errno.EACCES: "permission refusée",
    errno.EPERM: "permission refusée",
    errno.EROFS: "le support est en lecture seule",
    errno.ENOENT: "le dossier n'existe pas",
    errno.ENOTDIR: "le dossier n'existe pas",
    errno.EISDIR: "c'est un dossier",
    errno.ENAMETOOLONG: "le nom est trop long",
}


class OutputError(FilRougeError):
    """A file could not be written; nothing partial was left. ``message`` is one French line."""

    default_message = "Le fichier n'a pas pu être écrit."


def output_error(path: Path, exc: OSError) -> OutputError:
    cause = _CAUSES.get(exc.errno or 0) or (exc.strerror or type(exc).__name__).lower()
    return OutputError(
        f"Le fichier « {path.name} » n'a pas pu être écrit : {cause}. Aucun fichier partiel n'a été laissé."
    )


def write_with(path: Path | str, write: Callable[[BinaryIO], None]) -> Path:
    """Call ``write(stream)`` on a temporary file beside ``path``, then rename it to ``path``."""
    target = Path(path)
    tmp: str | None = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name[:40]}.", suffix=".part", dir=target.parent or ".")
        with os.fdopen(fd, "wb") as stream:
            write(stream)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(tmp, target)
        tmp = None
    except OSError as exc:
        raise output_error(target, exc) from exc
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
    return target


def write_file(path: Path | str, data: bytes) -> Path:
    """Write ``data`` to ``path`` (all or nothing)."""

    def write(stream: BinaryIO) -> None:
        stream.write(data)

    return write_with(path, write)


def remove_quietly(path: Path | str) -> None:
    """Remove a file written earlier by the same action that failed later (nothing if already gone)."""
    with contextlib.suppress(OSError):
        Path(path).unlink()


class Outputs:
    """The files one action wrote, to remove them all when a later step of the action fails."""

    def __init__(self) -> None:
        self.paths: list[Path] = []

    def write(self, path: Path | str, data: bytes) -> Path:
        target = write_file(path, data)
        self.paths.append(target)
        return target

    def track(self, path: Path | str) -> None:
        """A file written by another writer (a workbook) that belongs to the same action."""
        self.paths.append(Path(path))

    def discard(self) -> None:
        for path in reversed(self.paths):
            remove_quietly(path)
        self.paths.clear()


@contextlib.contextmanager
def all_or_nothing() -> Iterator[Outputs]:
    """``with all_or_nothing() as out: out.write(…)`` — on any error every file written is removed."""
    out = Outputs()
    try:
        yield out
    except BaseException:
        out.discard()
        raise
