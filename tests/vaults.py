"""Vault templates: a vault made once by :func:`create_vault`, then copied for each test that needs a fresh one.

Creating a vault costs ~0.3 s (Alembic through every revision, scrypt for a passphrase); copying its files and
opening the copy with the known key, ~0.03 s. A copy is what ``create_vault`` would have made: the same schema
and an empty database, with what ``create_vault`` draws at random drawn again (the profile id, the device id,
and in keyring mode the key itself, so that two copies are two devices with two keys). Tests of vault creation
itself (tests/services/test_vault.py…) still call ``create_vault``.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

import keyring

from app.models.tables.base import utcnow
from app.services.errors import VaultExistsError
from app.services.storage import vault as vault_service
from app.services.storage.db import DEVICE_ID_KEY

TEST_PASSPHRASE = "phrase secrète de test"
_NAME = "template"


@dataclass(frozen=True)
class VaultTemplate:
    root: Path  # the data directory holding the template profile
    key: bytes
    mode: str


def make_template(root: Path, mode: str) -> VaultTemplate:
    """Create the template vault under ``root`` (a passphrase one opens with ``TEST_PASSPHRASE``); a keyring
    one is made against a throwaway in-memory keyring: each copy stores its own key where the test says."""
    from tests.conftest import MemoryKeyring

    previous = keyring.get_keyring()
    if mode == vault_service.MODE_KEYRING:
        keyring.set_keyring(MemoryKeyring())
    try:
        passphrase = TEST_PASSPHRASE if mode == vault_service.MODE_PASSPHRASE else None
        v = vault_service.create_vault(root, _NAME, mode=mode, passphrase=passphrase)
    finally:
        keyring.set_keyring(previous)
    key = v.key
    v.close()
    return VaultTemplate(root=root, key=key, mode=mode)


def copy_vault(template: VaultTemplate, data_dir: Path, name: str) -> vault_service.Vault:
    """A copy of the template as profile ``name`` of ``data_dir``, open. Keyring mode: the copy gets a new
    random key (``rotate_key``), stored in the current keyring under its own profile id."""
    directory = vault_service.profile_dir(data_dir, name)
    if (directory / "vault.db").exists() or (directory / "profile.json").exists():
        raise VaultExistsError()
    shutil.copytree(vault_service.profile_dir(template.root, _NAME), directory, dirs_exist_ok=True)
    meta = directory / "profile.json"
    raw = json.loads(meta.read_text(encoding="utf-8"))
    raw["profile_id"] = str(uuid.uuid4())
    raw["created_at"] = utcnow().isoformat(timespec="seconds")
    meta.write_text(json.dumps(raw, indent=2), encoding="utf-8")
    info = vault_service.read_profile(data_dir, name)
    if template.mode == vault_service.MODE_KEYRING:
        from app.services.storage import keystore

        keystore.store_key(info.profile_id, template.key)
    v = vault_service.open_with_key(info, template.key)
    try:
        if template.mode == vault_service.MODE_KEYRING:
            v.rotate_key()
        v.db.set_state(DEVICE_ID_KEY, str(uuid.uuid4()))
    except BaseException:
        v.close()
        raise
    return v


_shared: dict[str, VaultTemplate] = {}


def shared_template(mode: str) -> VaultTemplate:
    """The session's template for ``mode``, made on first use (for helpers that are not fixtures), in a
    temporary directory removed when the session ends."""
    if mode not in _shared:
        root = Path(tempfile.mkdtemp(prefix=f"fr-vault-template-{mode}-"))
        import atexit

        atexit.register(shutil.rmtree, root, True)
        _shared[mode] = make_template(root, mode)
    return _shared[mode]
