"""Keyring mode against the REAL Windows Credential Manager (keyring's WinVaultKeyring).

Runs only on Windows (the windows-2022 job of .github/workflows/desktop.yml, which sets
``REQUIRE_WINDOWS_KEYRING=1`` so that a skip there is a failure); skips elsewhere, where the Secret Service twin
(test_keyring_secretservice.py) covers the same path on Linux."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest

from app.services.errors import KeyMissingError
from app.services.settings import seal as seal_config
from app.services.storage import keystore
from app.services.storage import vault as vault_service

PROFILE = "gestionnaire"


@pytest.fixture
def credential_manager() -> Iterator[keyring.backend.KeyringBackend]:
    """keyring's Windows backend, made the active keyring for the test (restored afterwards)."""
    if sys.platform != "win32":
        if os.environ.get("REQUIRE_WINDOWS_KEYRING") == "1":
            pytest.fail("REQUIRE_WINDOWS_KEYRING=1 hors de Windows")
        pytest.skip("Gestionnaire d'identification Windows : seulement sous Windows")
    from keyring.backends import Windows

    backend = Windows.WinVaultKeyring()
    assert backend.priority > 0
    previous = keyring.get_keyring()
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(previous)


def test_the_app_picks_the_credential_manager_by_itself(credential_manager) -> None:
    code = (
        "import keyring, sys\n"
        "from app.services.storage.keystore import secure_backend_available\n"
        "print(type(keyring.get_keyring()).__module__)\n"
        "sys.exit(0 if secure_backend_available() else 3)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stdout + out.stderr
    assert out.stdout.strip() == "keyring.backends.Windows"
    assert vault_service.choose_mode(None) == vault_service.MODE_KEYRING


def test_vault_key_lives_in_the_credential_manager(credential_manager, data_dir: Path) -> None:
    vault = vault_service.create_vault(data_dir, PROFILE, mode=vault_service.MODE_KEYRING)
    profile_id = vault.info.profile_id
    try:
        vault.close()
        stored = keyring.get_password(keystore.SERVICE, f"vault:{profile_id}")
        assert stored is not None and len(bytes.fromhex(stored)) == 32
        for f in vault.info.directory.iterdir():
            if f.is_file():
                assert stored.encode() not in f.read_bytes(), f.name
        vault_service.open_vault(data_dir, PROFILE).close()  # no passphrase: the key comes from Windows
        keystore.delete_key(profile_id)
        assert keyring.get_password(keystore.SERVICE, f"vault:{profile_id}") is None
        with pytest.raises(KeyMissingError):
            vault_service.open_vault(data_dir, PROFILE)
    finally:
        keystore.delete_key(profile_id)


def test_seal_password_lives_in_the_credential_manager(
    credential_manager, data_dir: Path, tmp_path: Path
) -> None:
    from tests.services.certificates import make_p12

    vault = vault_service.create_vault(data_dir, PROFILE, mode=vault_service.MODE_KEYRING)
    try:
        seal_config.configure_seal(vault.db, make_p12(tmp_path, "mot de passe"), "mot de passe")
        assert seal_config.seal_status(vault.db).usable
        seal_config.clear_seal(vault.db)
        assert not seal_config.seal_status(vault.db).configured
    finally:
        vault.close()
        keystore.delete_key(vault.info.profile_id)
