"""One window per profile: a ``QLockFile`` on the profile's lock file (the headless commands take the same file,
:mod:`app.services.storage.profile_lock`), so a second window, or a command, finds the profile « déjà ouvert »."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QLockFile

from app.services.errors import ProfileBusyError
from app.services.storage import vault as vault_service

BUSY = (
    "Le profil « {name} » est déjà ouvert{who} : dans une autre fenêtre de Fil rouge ou par une commande. "
    "Fermez-le d'abord, puis rouvrez Fil rouge."
)


def acquire_instance_lock(data_dir: Path, name: str) -> QLockFile:
    """The profile's lock, held by this window until it is unlocked or the process ends; raises
    :class:`ProfileBusyError` (French) when another process holds it."""
    path = vault_service.instance_lock_path(Path(data_dir), name)
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = QLockFile(str(path))
    lock.setStaleLockTime(0)  # never « stale » because of its age: only when its process is gone
    if not lock.tryLock(0):
        info = lock.getLockInfo()  # (pid, host, program) in PySide6; empty when the file is gone meanwhile
        pid = info[0] if isinstance(info, tuple) and info and isinstance(info[0], int) else 0
        who = f" (processus {pid})" if pid else ""
        raise ProfileBusyError(BUSY.format(name=name, who=who))
    return lock
