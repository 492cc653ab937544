"""Keyring mode against a REAL Secret Service (gnome-keyring on a private D-Bus session).

Run through the harness: ``scripts/with-secret-service.sh .venv/bin/python -m pytest -m secretservice``
(``make test`` does it). Without a reachable Secret Service these tests skip with the reason, except when
``REQUIRE_SECRET_SERVICE=1`` (CI), where they fail.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import keyring
import pytest
from sqlalchemy import select

from app.models.tables.people import Person
from app.services.errors import KeyMissingError
from app.services.storage import keystore
from app.services.storage import vault as vault_service

pytestmark = pytest.mark.secretservice

PROFILE = "trousseau"


def _unavailable(reason: str) -> None:
    if os.environ.get("REQUIRE_SECRET_SERVICE") == "1":
        pytest.fail(f"Secret Service requis (REQUIRE_SECRET_SERVICE=1) mais indisponible : {reason}")
    pytest.skip(f"Secret Service indisponible ({reason}) : lancez via scripts/with-secret-service.sh")


@pytest.fixture
def secret_service() -> Iterator[keyring.backend.KeyringBackend]:
    """The real SecretService backend, made the active keyring for the test (restored afterwards)."""
    try:
        from keyring.backends import SecretService
    except ImportError as exc:  # pragma: no cover - secretstorage is a dependency of keyring on Linux
        _unavailable(f"backend SecretService non importable : {exc}")
    if not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
        _unavailable("pas de bus D-Bus de session (DBUS_SESSION_BUS_ADDRESS vide)")
    backend = SecretService.Keyring()
    try:
        priority = backend.priority  # raises when the service is not reachable
    except Exception as exc:
        _unavailable(f"{type(exc).__name__}: {exc}")
    assert priority > 0
    previous = keyring.get_keyring()
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(previous)


def _add_person(v: vault_service.Vault) -> None:
    with v.db.session() as s:
        s.add(Person(last_name="Trousseau", first_name="Aglaé", regime="legacy", birth_date=date(1979, 5, 6)))


def _names(v: vault_service.Vault) -> list[str]:
    with v.db.read() as s:
        return list(s.scalars(select(Person.last_name)).all())


def test_secret_service_is_a_secure_backend(secret_service: keyring.backend.KeyringBackend) -> None:
    assert keystore.secure_backend_available(secret_service)
    assert keystore.secure_backend_available()
    assert type(keyring.get_keyring()).__module__ == "keyring.backends.SecretService"
    assert vault_service.choose_mode(None) == vault_service.MODE_KEYRING


def test_app_detects_the_secret_service_by_itself(secret_service: keyring.backend.KeyringBackend) -> None:
    """A fresh process (no ``set_keyring``) picks the Secret Service as the app does at start-up."""
    code = (
        "import keyring, sys\n"
        "from app.services.storage.keystore import secure_backend_available\n"
        "print(type(keyring.get_keyring()).__module__)\n"
        "sys.exit(0 if secure_backend_available() else 3)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stdout + out.stderr


def test_keyring_vault_round_trip(secret_service: keyring.backend.KeyringBackend, data_dir: Path) -> None:
    vault = vault_service.create_vault(data_dir, PROFILE, mode=vault_service.MODE_KEYRING)
    profile_id = vault.info.profile_id
    try:
        assert vault.info.mode == vault_service.MODE_KEYRING
        assert not vault.info.salt_path.exists(), "no salt in keyring mode"
        _add_person(vault)
        vault.close()

        # The key is in the Secret Service: 32 random bytes, readable through the keyring API.
        stored = keyring.get_password(keystore.SERVICE, f"vault:{profile_id}")
        assert stored is not None
        key = bytes.fromhex(stored)
        assert len(key) == 32
        assert keystore.load_key(profile_id) == key

        # ... and nowhere in the database files.
        for f in vault.info.directory.iterdir():
            if f.is_file():
                raw = f.read_bytes()
                assert key not in raw, f.name
                assert stored.encode() not in raw and stored.upper().encode() not in raw, f.name

        # Reopens without any passphrase, data intact.
        reopened = vault_service.open_vault(data_dir, PROFILE)
        try:
            assert _names(reopened) == ["Trousseau"]
        finally:
            reopened.close()

        # Without its key the vault does not open, with a French message.
        keystore.delete_key(profile_id)
        assert keyring.get_password(keystore.SERVICE, f"vault:{profile_id}") is None
        with pytest.raises(KeyMissingError) as err:
            vault_service.open_vault(data_dir, PROFILE)
        assert "introuvable dans le trousseau" in err.value.message
    finally:
        keystore.delete_key(profile_id)


def test_keyring_entry_is_a_real_secret_service_item(
    secret_service: keyring.backend.KeyringBackend, data_dir: Path
) -> None:
    """Look at the item through secretstorage directly: it is in the (unlocked) default collection."""
    secretstorage = pytest.importorskip("secretstorage")
    vault = vault_service.create_vault(data_dir, PROFILE, mode=vault_service.MODE_KEYRING)
    profile_id = vault.info.profile_id
    vault.close()
    try:
        conn = secretstorage.dbus_init()
        try:
            items = list(
                secretstorage.search_items(
                    conn, {"service": keystore.SERVICE, "username": f"vault:{profile_id}"}
                )
            )
            assert len(items) == 1
            assert len(bytes.fromhex(items[0].get_secret().decode())) == 32
        finally:
            conn.close()
    finally:
        keystore.delete_key(profile_id)
