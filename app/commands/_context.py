"""What every headless command receives: where the data lives and how to open the vault."""

from __future__ import annotations

import argparse
import contextlib
import getpass
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from app.models.errors import FilRougeError
from app.models.text import terminal_safe
from app.services.errors import PassphraseRequiredError, VaultDamagedError
from app.services.storage import vault as vault_service
from app.services.storage.profile_lock import ProfileLock
from app.services.storage.vault import Vault

DEFAULT_PROFILE = "principal"


@dataclass
class CommandContext:
    data_dir: Path
    profile: str
    passphrase_stdin: bool
    _passphrase: str | None = field(default=None, repr=False)
    _vault: Vault | None = field(default=None, repr=False)
    _lock: ProfileLock | None = field(default=None, repr=False)

    def passphrase(self, prompt: str = "Phrase secrète : ") -> str | None:
        """The passphrase from stdin (``--passphrase-stdin``) or asked on the terminal, read once."""
        if self._passphrase is None and self.passphrase_stdin:
            self._passphrase = sys.stdin.readline().rstrip("\r\n")
        elif self._passphrase is None and sys.stdin.isatty():
            self._passphrase = getpass.getpass(prompt)
        return self._passphrase

    def secret_for(self, info: vault_service.ProfileInfo) -> str | None:
        """The passphrase of a passphrase-mode profile (required), None in keyring mode."""
        if info.mode != vault_service.MODE_PASSPHRASE:
            return None
        secret = self.passphrase()
        if not secret:
            raise PassphraseRequiredError(
                "Ce dossier est protégé par une phrase secrète : utilisez --passphrase-stdin."
            )
        return secret

    def lock_profile(self, info: vault_service.ProfileInfo) -> None:
        """Take the profile's lock (« déjà ouvert » when the window or another command holds it)."""
        if self._lock is None:
            lock = ProfileLock(info.lock_path)
            lock.acquire()
            self._lock = lock

    def open_vault(self) -> Vault:
        """Open the profile (its lock held until :meth:`close`) and make the day's backup if none was made."""
        if self._vault is None:
            info = vault_service.read_profile(self.data_dir, self.profile)
            secret = self.secret_for(info)
            self.lock_profile(info)
            self._vault = vault_service.open_vault(self.data_dir, self.profile, passphrase=secret)
            self._daily_backup(self._vault)
        return self._vault

    @staticmethod
    def _daily_backup(vault: Vault) -> None:
        from app.services.storage import backups

        try:
            backups.daily_backup(vault)
        except VaultDamagedError:
            raise
        except FilRougeError as exc:  # a backup that cannot be made never stops the work: it is said
            print(
                terminal_safe(f"Attention : la sauvegarde du jour n'a pas pu être faite. {exc.message}"),
                file=sys.stderr,
            )

    def close(self) -> None:
        if self._vault is not None:
            self._vault.close()
            self._vault = None
        if self._lock is not None:
            self._lock.release()
            self._lock = None


def print_json(data: Any) -> None:
    json.dump(data, sys.stdout, ensure_ascii=False, indent=2, default=str)
    sys.stdout.write("\n")


class SafeTerminal:
    """A text stream that writes :func:`app.models.text.terminal_safe` text: whatever a command prints (a
    name holding ESC, BEL or a bidi override, a file name), the terminal shows escapes, never acts on it."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        self._stream.write(terminal_safe(text))
        return len(text)

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


@contextlib.contextmanager
def safe_terminal() -> Iterator[None]:
    """Route ``sys.stdout`` and ``sys.stderr`` through :class:`SafeTerminal` while a command runs."""
    out, err = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = SafeTerminal(out), SafeTerminal(err)  # type: ignore[assignment]
    try:
        yield
    finally:
        sys.stdout, sys.stderr = out, err


def add_json_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="sortie JSON (pour les scripts)")


def iso_date(text: str) -> date:
    """``type=`` for a date option: AAAA-MM-JJ, or argparse's French error."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"date « {text} » invalide (attendu : AAAA-MM-JJ)") from None
