"""Shared fixtures. Real SQLCipher files in a temporary directory; an in-memory keyring backend for unit
tests (the real Secret Service is exercised by tests marked ``secretservice``)."""

from __future__ import annotations

import gc
import os
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault(
    "FIL_ROUGE_LOG_DIR", os.path.join(os.environ.get("TMPDIR", "/tmp"), "fil-rouge-test-logs")
)

from collections.abc import Iterator
from pathlib import Path

import keyring
import keyring.backend
import keyring.errors
import pytest

from app.services.storage import vault as vault_service
from tests.vaults import TEST_PASSPHRASE, VaultTemplate, copy_vault, make_template

pytest_plugins = ["tests.postgres"]

__all__ = ["TEST_PASSPHRASE"]  # imported from here by the tests


def pytest_collection_finish(session: pytest.Session) -> None:
    """Once every test module is imported, what exists is frozen out of the garbage collector's reach
    (modules, test items…): its full collections then walk only what the tests make."""
    gc.collect()
    gc.freeze()


class MemoryKeyring(keyring.backend.KeyringBackend):
    """A secure-looking in-memory backend (priority 1) for unit tests."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if (service, username) not in self.store:
            raise keyring.errors.PasswordDeleteError("absent")
        del self.store[(service, username)]


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(previous)


@pytest.fixture
def no_keyring() -> Iterator[None]:
    from keyring.backends import fail

    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        yield
    finally:
        keyring.set_keyring(previous)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    d = tmp_path / "data"
    d.mkdir()
    return d


@pytest.fixture(scope="session")
def vault_template(tmp_path_factory: pytest.TempPathFactory) -> VaultTemplate:
    """The session's passphrase-mode template vault (tests/vaults.py)."""
    return make_template(tmp_path_factory.mktemp("vault-template"), vault_service.MODE_PASSPHRASE)


@pytest.fixture
def created_vault(data_dir: Path) -> Iterator[vault_service.Vault]:
    """The same vault as ``vault``, made by ``create_vault`` itself (for the modules that test the vault:
    they override ``vault`` with this one)."""
    v = vault_service.create_vault(
        data_dir, "test", mode=vault_service.MODE_PASSPHRASE, passphrase=TEST_PASSPHRASE
    )
    try:
        yield v
    finally:
        v.close()


@pytest.fixture
def vault(data_dir: Path, vault_template: VaultTemplate) -> Iterator[vault_service.Vault]:
    """A fresh passphrase-mode vault at the current schema (passphrase ``TEST_PASSPHRASE``), profile « test »:
    a copy of the session's template (:func:`tests.vaults.copy_vault`)."""
    v = copy_vault(vault_template, data_dir, "test")
    try:
        yield v
    finally:
        v.close()


TEST_DEPARTMENT = "Département de la Seine-Saint-Denis"
TEST_DPO = "dpo@seinesaintdenis.example — Hôtel du Département, 93006 Bobigny Cedex"


def set_letterhead(db: Any) -> None:
    """What a département sets in Paramètres › Documents before its first contract is signed (the notice
    printed on contracts names the controller and the DPO; signing is refused without them)."""
    from app.services.storage import settings

    settings.set_value(db, settings.DEPARTMENT_NAME, TEST_DEPARTMENT)
    settings.set_value(db, settings.DPO_CONTACT, TEST_DPO)


@pytest.fixture
def letterhead(vault: vault_service.Vault) -> vault_service.Vault:
    """The vault with the département's name and DPO contact set."""
    set_letterhead(vault.db)
    return vault
