"""What every headless command receives: where the data lives and how to open the vault."""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from app.services.errors import PassphraseRequiredError
from app.services.storage import vault as vault_service
from app.services.storage.vault import Vault

DEFAULT_PROFILE = "principal"


@dataclass
class CommandContext:
    data_dir: Path
    profile: str
    passphrase_stdin: bool
    _passphrase: str | None = field(default=None, repr=False)
    _vault: Vault | None = field(default=None, repr=False)

    def passphrase(self, prompt: str = "Phrase secrète : ") -> str | None:
        """The passphrase from stdin (``--passphrase-stdin``) or asked on the terminal, read once."""
        if self._passphrase is None and self.passphrase_stdin:
            self._passphrase = sys.stdin.readline().rstrip("\r\n")
        elif self._passphrase is None and sys.stdin.isatty():
            self._passphrase = getpass.getpass(prompt)
        return self._passphrase

    def open_vault(self) -> Vault:
        if self._vault is None:
            info = vault_service.read_profile(self.data_dir, self.profile)
            secret = self.passphrase() if info.mode == vault_service.MODE_PASSPHRASE else None
            if info.mode == vault_service.MODE_PASSPHRASE and not secret:
                raise PassphraseRequiredError(
                    "Ce dossier est protégé par une phrase secrète : utilisez --passphrase-stdin."
                )
            self._vault = vault_service.open_vault(self.data_dir, self.profile, passphrase=secret)
        return self._vault

    def close(self) -> None:
        if self._vault is not None:
            self._vault.close()
            self._vault = None


def print_json(data: Any) -> None:
    json.dump(data, sys.stdout, ensure_ascii=False, indent=2, default=str)
    sys.stdout.write("\n")


def add_json_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="sortie JSON (pour les scripts)")


def iso_date(text: str) -> date:
    """``type=`` for a date option: AAAA-MM-JJ, or argparse's French error."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"date « {text} » invalide (attendu : AAAA-MM-JJ)") from None
