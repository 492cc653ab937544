"""Real file systems that refuse writes, for the output tests: a tiny tmpfs that fills up (« disque plein »)
and a read-only one. They need ``mount`` (root, as on the CI machine); elsewhere the tests skip, saying why."""

from __future__ import annotations

import contextlib
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest


def _mount(target: Path, options: str) -> None:
    target.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(target)], capture_output=True, text=True
    )
    if done.returncode != 0:
        pytest.skip(f"mount tmpfs impossible ici ({done.stderr.strip() or done.returncode}) : test ignoré")


@contextlib.contextmanager
def tiny_disk(target: Path, size: str = "48k") -> Iterator[Path]:
    """A folder on a tmpfs of ``size``: a larger file fails with ENOSPC."""
    _mount(target, f"size={size},mode=0777")
    try:
        yield target
    finally:
        subprocess.run(["umount", "-l", str(target)], check=False)


@contextlib.contextmanager
def read_only_folder(target: Path) -> Iterator[Path]:
    """A folder on a read-only tmpfs (even root cannot write there: EROFS)."""
    _mount(target, "ro,size=16k")
    try:
        yield target
    finally:
        subprocess.run(["umount", "-l", str(target)], check=False)


def fill(folder: Path) -> None:
    """Fill the file system of ``folder`` to the last byte (a file ``occupe``)."""
    f = (folder / "occupe").open("wb", buffering=0)
    try:
        while True:
            f.write(b"x" * 1024)
    except OSError:
        pass
    finally:
        with contextlib.suppress(OSError):
            f.close()
