"""One process at a time per profile: the window and the commands take the same lock file.

The window uses Qt's ``QLockFile`` on :attr:`~app.services.storage.vault.ProfileInfo.lock_path`; a headless
command takes the same file the same way (:class:`ProfileLock`): created exclusively, holding the process id,
the program name and the host (the lines ``QLockFile`` writes and reads), and locked with ``flock`` while it is
held (what ``QLockFile`` also does on Linux and macOS). So a command refuses a profile the window has open,
and the window refuses one a command holds, each with « déjà ouvert ». A lock left by a process that died is
taken over (its ``flock`` is gone). On Windows, where ``flock`` does not exist, the process id decides.
"""

from __future__ import annotations

import contextlib
import os
import socket
import sys
from pathlib import Path
from types import TracebackType

from app.services.errors import ProfileBusyError

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]


def _program_name() -> str:
    """The name ``QLockFile`` compares with the running process's (the executable's file name)."""
    with contextlib.suppress(OSError):
        return Path(os.readlink("/proc/self/exe")).name
    return Path(sys.executable).name


def _text(path: str) -> str:
    with contextlib.suppress(OSError):
        return Path(path).read_text(encoding="utf-8").strip()
    return ""


def _pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # exists, owned by someone else
    return True


class ProfileLock:
    """``with ProfileLock(path):`` — or :meth:`acquire` / :meth:`release`."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self) -> None:
        if self._fd is not None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        for _attempt in range(3):
            try:
                fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            except FileExistsError:
                if not self._take_over_stale():
                    raise ProfileBusyError(self._busy_message()) from None
                continue
            if fcntl is not None:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except OSError:
                    os.close(fd)
                    raise ProfileBusyError(self._busy_message()) from None
            info = f"{os.getpid()}\n{_program_name()}\n{socket.gethostname()}\n{_text('/etc/machine-id')}\n"
            info += f"{_text('/proc/sys/kernel/random/boot_id')}\n"
            os.write(fd, info.encode("utf-8"))
            self._fd = fd
            return
        raise ProfileBusyError(self._busy_message())

    def _owner_pid(self) -> int:
        first = _text(str(self.path)).split("\n", 1)[0]
        return int(first) if first.isdigit() else 0

    def _take_over_stale(self) -> bool:
        """True when the existing lock file was left by a dead process (and has been removed)."""
        try:
            fd = os.open(self.path, os.O_RDONLY)
        except FileNotFoundError:
            return True
        try:
            if fcntl is not None:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except OSError:
                    return False  # held by a live process
            elif _pid_alive(self._owner_pid()):
                return False
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.path)
            return True
        finally:
            os.close(fd)

    def _busy_message(self) -> str:
        pid = self._owner_pid()
        who = f" (processus {pid})" if pid else ""
        return (
            f"Ce profil est déjà ouvert{who} : dans une fenêtre de Fil rouge ou par une autre commande. "
            "Fermez-le d'abord, puis recommencez."
        )

    def release(self) -> None:
        if self._fd is None:
            return
        with contextlib.suppress(OSError):
            os.unlink(self.path)
        with contextlib.suppress(OSError):
            os.close(self._fd)
        self._fd = None

    def __enter__(self) -> ProfileLock:
        self.acquire()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()
