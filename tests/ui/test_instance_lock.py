"""The window's ``QLockFile`` and the commands' lock are the same lock: each refuses the other (« déjà ouvert »)."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.services.errors import ProfileBusyError
from app.services.storage import vault as vault_service
from app.services.storage.profile_lock import ProfileLock
from app.ui.shell.instance import acquire_instance_lock
from tests.services.test_profile_lock import hold_in_another_process


def test_the_window_lock_refuses_a_command_and_a_second_window(qapp, data_dir: Path) -> None:
    lock = acquire_instance_lock(data_dir, "principal")
    try:
        with pytest.raises(ProfileBusyError, match="déjà ouvert"):
            ProfileLock(vault_service.instance_lock_path(data_dir, "principal")).acquire()
        with pytest.raises(ProfileBusyError, match="Le profil « principal » est déjà ouvert"):
            acquire_instance_lock(data_dir, "principal")
    finally:
        lock.unlock()
    ProfileLock(vault_service.instance_lock_path(data_dir, "principal")).acquire()


def test_a_command_in_another_process_keeps_the_window_out(qapp, data_dir: Path) -> None:
    path = vault_service.instance_lock_path(data_dir, "principal")
    path.parent.mkdir(parents=True)
    holder = hold_in_another_process(path)
    try:
        with pytest.raises(ProfileBusyError, match=rf"déjà ouvert \(processus {holder.pid}\)"):
            acquire_instance_lock(data_dir, "principal")
    finally:
        holder.communicate("")
    acquire_instance_lock(data_dir, "principal").unlock()
