"""One process per profile: a second command (or the window) on a busy profile says « déjà ouvert »."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from app.__main__ import main
from app.services.errors import ProfileBusyError
from app.services.storage import vault as vault_service
from app.services.storage.profile_lock import ProfileLock
from tests.conftest import TEST_PASSPHRASE

ROOT = Path(__file__).resolve().parents[2]


def hold_in_another_process(path: Path) -> subprocess.Popen[str]:
    """A real second process holding the profile lock until its stdin closes."""
    code = textwrap.dedent(
        f"""
        import sys
        from pathlib import Path
        from app.services.storage.profile_lock import ProfileLock
        lock = ProfileLock(Path({str(path)!r}))
        lock.acquire()
        print("held", flush=True)
        sys.stdin.read()
        lock.release()
        """
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
    return proc


def test_a_second_process_on_the_same_profile_is_refused(
    vault: vault_service.Vault, data_dir: Path, capsys
) -> None:
    vault.close()
    holder = hold_in_another_process(vault.info.lock_path)
    try:
        with pytest.raises(ProfileBusyError, match=rf"déjà ouvert \(processus {holder.pid}\)"):
            ProfileLock(vault.info.lock_path).acquire()
        sys.stdin = io.StringIO(TEST_PASSPHRASE + "\n")
        code = main(["--data-dir", str(data_dir), "--passphrase-stdin", "--profile", "test", "caseload"])
        err = capsys.readouterr().err
        assert code == 2 and "déjà ouvert" in err and "OperationalError" not in err
    finally:
        sys.stdin = sys.__stdin__
        holder.communicate("")
    # released: the profile opens again, and a command releases it when done
    sys.stdin = io.StringIO(TEST_PASSPHRASE + "\n")
    assert main(["--data-dir", str(data_dir), "--passphrase-stdin", "--profile", "test", "caseload"]) == 0
    sys.stdin = sys.__stdin__
    assert not vault.info.lock_path.exists()


def test_a_lock_left_by_a_dead_process_is_taken_over(tmp_path: Path) -> None:
    path = tmp_path / "instance.lock"
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    path.write_text(f"{dead.pid}\npython3\nhôte\n")  # a crash left the file, no process holds it
    with ProfileLock(path) as lock:
        assert lock.held and path.read_text().split("\n")[0] == str(os.getpid())
    assert not path.exists()


def test_the_lock_is_held_for_the_life_of_a_command_context(vault, data_dir: Path) -> None:
    from app.commands._context import CommandContext

    vault.close()
    ctx = CommandContext(data_dir=data_dir, profile="test", passphrase_stdin=False)
    ctx._passphrase = TEST_PASSPHRASE
    ctx.open_vault()
    try:
        with pytest.raises(ProfileBusyError):
            ProfileLock(vault.info.lock_path).acquire()
    finally:
        ctx.close()
    started = time.monotonic()
    ProfileLock(vault.info.lock_path).acquire()
    assert time.monotonic() - started < 5
