"""The local vault: one SQLCipher database per profile, its key, its schema, its backups.

Layout under the data directory::

    profiles/<name>/profile.json   mode (trousseau / phrase secrète), profile id, KDF parameters
    profiles/<name>/vault.db       the encrypted database (+ -wal, -shm)
    profiles/<name>/vault.salt     scrypt salt (passphrase mode only)
    profiles/<name>/backups/       encrypted copies: daily and weekly, before a schema upgrade, before a restore
    profiles/<name>/instance.lock  held while a window or a command has the profile open

Keyring mode: a random 256-bit key lives in the OS keyring (service ``fil-rouge``, one entry per profile).
Passphrase mode: the key is scrypt(passphrase, salt); SQLCipher always receives a raw key (``x'…'``).

**Wrong key or damaged file?** SQLCipher answers « file is not a database » to both. ``profile.json`` keeps a
*key check*: an HMAC of a fixed text under the key (:func:`key_check`), which says nothing of the key. Opening
compares it first: a different value is a wrong passphrase (or a keyring key of another vault); the same value
with a file SQLCipher cannot read is a damaged vault (:class:`VaultDamagedError`), never « phrase secrète
incorrecte ». A vault file that is missing or empty is never recreated: it is an error, and the backups are
offered (ADR 0026).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import secrets
import shutil
import uuid
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import sqlcipher3.dbapi2 as sqlcipher
from sqlalchemy import URL, Engine, create_engine, event, text
from sqlalchemy.exc import DatabaseError, OperationalError

from app.models.errors import FilRougeError
from app.models.tables.base import utcnow
from app.models.tables.local import SyncState
from app.services.errors import (
    KeyringUnavailableError,
    PassphraseRequiredError,
    SaltMissingError,
    StorageError,
    VaultDamagedError,
    VaultExistsError,
    VaultMissingError,
    VaultNotFoundError,
    WeakSecretError,
    WrongKeyError,
)
from app.services.storage import keystore
from app.services.storage.db import DEVICE_ID_KEY, Database

log = logging.getLogger(__name__)

MODE_KEYRING = "keyring"
MODE_PASSPHRASE = "passphrase"
MIN_PASSPHRASE = 8
KDF_DEFAULTS = {"n": 2**15, "r": 8, "p": 1}
MODE_LABELS = {MODE_KEYRING: "trousseau", MODE_PASSPHRASE: "phrase secrète"}


@dataclass(frozen=True)
class ProfileInfo:
    name: str
    directory: Path
    profile_id: str
    mode: str
    demo: bool
    created_at: str
    kdf: dict[str, int] = field(default_factory=lambda: dict(KDF_DEFAULTS))
    key_check: str = ""

    @property
    def db_path(self) -> Path:
        return self.directory / "vault.db"

    @property
    def salt_path(self) -> Path:
        return self.directory / "vault.salt"

    @property
    def backup_dir(self) -> Path:
        return self.directory / "backups"

    @property
    def lock_path(self) -> Path:
        return self.directory / "instance.lock"

    @property
    def mode_label(self) -> str:
        return MODE_LABELS[self.mode]


def profiles_root(data_dir: Path) -> Path:
    return Path(data_dir) / "profiles"


def instance_lock_path(data_dir: Path, name: str) -> Path:
    """The lock file the window (``QLockFile``) and the commands take while the profile is open."""
    return profile_dir(data_dir, name) / "instance.lock"


def profile_dir(data_dir: Path, name: str) -> Path:
    if not name or any(c in name for c in "/\\:") or name.startswith("."):
        raise StorageError("Nom de profil invalide.")
    return profiles_root(data_dir) / name


def read_profile(data_dir: Path, name: str) -> ProfileInfo:
    """The profile's description. Without ``profile.json`` there is no profile (:class:`VaultNotFoundError`);
    a profile whose vault file went missing is still returned: opening it says so (never recreated)."""
    directory = profile_dir(data_dir, name)
    meta = directory / "profile.json"
    if not meta.exists():
        raise VaultNotFoundError()
    try:
        raw = json.loads(meta.read_text(encoding="utf-8"))
        return ProfileInfo(
            name=name,
            directory=directory,
            profile_id=raw["profile_id"],
            mode=raw["mode"],
            demo=bool(raw.get("demo", False)),
            created_at=raw.get("created_at", ""),
            kdf=raw.get("kdf", dict(KDF_DEFAULTS)),
            key_check=str(raw.get("key_check", "")),
        )
    except (OSError, ValueError, KeyError) as exc:
        raise StorageError("La description du profil (profile.json) est illisible.") from exc


def list_profiles(data_dir: Path) -> list[ProfileInfo]:
    root = profiles_root(data_dir)
    if not root.exists():
        return []
    out = []
    for child in sorted(root.iterdir()):
        try:
            out.append(read_profile(data_dir, child.name))
        except (VaultNotFoundError, StorageError):
            continue
    return out


def derive_key(passphrase: str, salt: bytes, kdf: dict[str, int] | None = None) -> bytes:
    params = kdf or KDF_DEFAULTS
    return hashlib.scrypt(
        passphrase.encode("utf-8"),
        salt=salt,
        n=params["n"],
        r=params["r"],
        p=params["p"],
        maxmem=256 * 1024 * 1024,
        dklen=32,
    )


_KEY_CHECK_TEXT = b"fil-rouge/vault-key-check/v1"


def key_check(key: bytes) -> str:
    """A value that tells a right key from a wrong one without revealing anything about it (HMAC-SHA-256 of a
    fixed text under the key, 128 bits kept)."""
    return hmac.new(key, _KEY_CHECK_TEXT, hashlib.sha256).hexdigest()[:32]


def make_engine(path: Path, key: bytes) -> Engine:
    """An SQLAlchemy engine over the SQLCipher file, keyed with a raw 32-byte key, explicit transactions."""
    url = URL.create("sqlite", database=str(path))
    engine = create_engine(url, module=sqlcipher, connect_args={"check_same_thread": False, "timeout": 10})
    key_pragma = f"PRAGMA key = \"x'{key.hex()}'\""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves: DDL and DML are transactional
        cur = dbapi_conn.cursor()
        cur.execute(key_pragma)
        cur.execute("PRAGMA cipher_log_level = NONE")
        cur.execute("SELECT count(*) FROM sqlite_master").fetchone()  # wrong key fails here
        cur.execute("PRAGMA journal_mode = WAL")
        cur.execute("PRAGMA foreign_keys = ON")
        cur.execute("PRAGMA busy_timeout = 10000")
        cur.execute("PRAGMA synchronous = NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN")
        # Foreign keys are checked at COMMIT: rows of one transaction may be flushed in any order
        # (the models declare no relationship(), so the unit of work does not sort parents first).
        conn.exec_driver_sql("PRAGMA defer_foreign_keys = ON")

    return engine


WRONG_KEYRING_KEY = (
    "La clé enregistrée dans le trousseau n'est pas celle de ce coffre (profil copié d'un autre poste ?) : "
    "il n'a pas été ouvert et n'a pas été modifié."
)
AMBIGUOUS_KEY = (
    "La clé du trousseau ne correspond pas à ce dossier, ou le fichier est endommagé : "
    "il n'a pas été modifié."
)


def check_key(info: ProfileInfo, key: bytes) -> None:
    """Refuse a key whose check value differs from the profile's (a wrong passphrase, another vault's key)."""
    if info.key_check and not hmac.compare_digest(key_check(key), info.key_check):
        raise WrongKeyError(None if info.mode == MODE_PASSPHRASE else WRONG_KEYRING_KEY)


def opens_with(info: ProfileInfo, passphrase: str) -> bool:
    """Whether ``passphrase`` is this passphrase-mode profile's (checked against the key check of
    ``profile.json``, without opening the vault; False when there is none to check against). A key
    derivation: a fraction of a second, off the UI thread."""
    if info.mode != MODE_PASSPHRASE or not info.key_check:
        return False
    try:
        key = derive_key(passphrase, read_salt(info), info.kdf)
    except (OSError, FilRougeError):
        return False
    return hmac.compare_digest(key_check(key), info.key_check)


def check_file(path: Path) -> None:
    """The vault file must exist and hold something: it is never recreated behind the user's back."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise VaultMissingError() from None
    except OSError as exc:
        raise StorageError(f"Le fichier du coffre n'a pas pu être lu ({exc.strerror}).") from exc
    if size == 0:
        raise VaultDamagedError(
            "Le fichier du coffre est vide (0 octet) : il a été tronqué (disque plein, copie interrompue ?). "
            "Il n'a pas été recréé ; restaurez une sauvegarde."
        )


def _probe(engine: Engine, info: ProfileInfo) -> None:
    """Read the schema once: a wrong key fails here, and so does a damaged file (told apart by the check)."""
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT count(*) FROM sqlite_master"))
    except (DatabaseError, OperationalError, sqlcipher.DatabaseError) as exc:
        engine.dispose()
        if info.key_check:  # the key is right: the file is damaged
            raise VaultDamagedError(damage_message(exc)) from exc
        if info.mode == MODE_PASSPHRASE:
            raise WrongKeyError() from exc
        raise WrongKeyError(AMBIGUOUS_KEY) from exc


def damage_message(exc: BaseException) -> str:
    orig = str(getattr(exc, "orig", exc)).lower()
    what = "tronqué" if "malformed" in orig else "illisible (en-tête ou pages altérés)"
    return (
        f"Le coffre est endommagé : le fichier est {what}, alors que la clé est la bonne. "
        "Il n'a pas été modifié ; restaurez une sauvegarde."
    )


class Vault:
    """An open profile: its :class:`Database` and the key operations (lock check, passphrase change, rekey)."""

    def __init__(self, info: ProfileInfo, key: bytes, db: Database) -> None:
        self.info = info
        self._key = key
        self.db = db

    @property
    def mode(self) -> str:
        return self.info.mode

    @property
    def device_id(self) -> str:
        return self.db.get_state(DEVICE_ID_KEY)

    def close(self) -> None:
        try:
            self.db.checkpoint()
        except Exception:
            log.warning("checkpoint failed at close")
        self.db.dispose()

    def check_passphrase(self, passphrase: str) -> bool:
        """True when ``passphrase`` derives this vault's key (passphrase mode)."""
        if self.info.mode != MODE_PASSPHRASE:
            return False
        salt = self.info.salt_path.read_bytes()
        return hmac.compare_digest(derive_key(passphrase, salt, self.info.kdf), self._key)

    def change_passphrase(self, old: str, new: str) -> None:
        """Passphrase mode: re-key the database with a key derived from ``new`` (new salt)."""
        if len(new) < MIN_PASSPHRASE:
            raise WeakSecretError()
        if not self.check_passphrase(old):
            raise WrongKeyError("L'ancienne phrase secrète est incorrecte : rien n'a été changé.")
        salt = secrets.token_bytes(16)
        new_key = derive_key(new, salt, self.info.kdf)
        self._rekey(new_key)
        tmp = self.info.salt_path.with_suffix(".salt.tmp")
        tmp.write_bytes(salt)
        os.replace(tmp, self.info.salt_path)
        self._remember_key_check()

    def rotate_key(self) -> None:
        """Keyring mode: replace the key by a new random one (database re-keyed, keyring updated)."""
        new_key = secrets.token_bytes(32)
        old_key = self._key
        self._rekey(new_key)
        try:
            keystore.store_key(self.info.profile_id, new_key)
        except KeyringUnavailableError:
            self._rekey(old_key)
            raise
        self._remember_key_check()

    def _remember_key_check(self) -> None:
        self.info = replace(self.info, key_check=key_check(self._key))
        _write_profile(self.info)

    def _rekey(self, new_key: bytes) -> None:
        """Re-key the vault, then its backups, so that every copy still opens with the current key."""
        from app.services.storage import backups

        self.db.checkpoint()
        self.db.dispose()
        conn = sqlcipher.connect(str(self.info.db_path), isolation_level=None)
        try:
            conn.execute(f"PRAGMA key = \"x'{self._key.hex()}'\"")
            conn.execute("PRAGMA journal_mode = DELETE")
            conn.execute(f"PRAGMA rekey = \"x'{new_key.hex()}'\"")
            conn.execute("PRAGMA journal_mode = WAL")
        finally:
            conn.close()
        old_key = self._key
        self._key = new_key
        self.db = Database(make_engine(self.info.db_path, new_key))
        backups.rekey_backups(self.info, old_key, new_key)

    @property
    def key(self) -> bytes:
        """The raw key (for the backups and their restore, inside the storage room only)."""
        return self._key


def _write_profile(info: ProfileInfo) -> None:
    data = {
        "profile_id": info.profile_id,
        "mode": info.mode,
        "demo": info.demo,
        "created_at": info.created_at,
        "kdf": info.kdf,
        "key_check": info.key_check,
        "format": 1,
    }
    tmp = info.directory / "profile.json.tmp"
    tmp.write_text(json.dumps(data, indent=2), encoding="utf-8")
    os.replace(tmp, info.directory / "profile.json")


def choose_mode(requested: str | None) -> str:
    if requested in (MODE_KEYRING, MODE_PASSPHRASE):
        if requested == MODE_KEYRING and not keystore.secure_backend_available():
            raise KeyringUnavailableError()
        return requested
    return MODE_KEYRING if keystore.secure_backend_available() else MODE_PASSPHRASE


def create_vault(
    data_dir: Path, name: str, *, mode: str | None = None, passphrase: str | None = None, demo: bool = False
) -> Vault:
    """Create a new profile and its encrypted database, at the current schema. Returns it open."""
    directory = profile_dir(data_dir, name)
    if (directory / "vault.db").exists() or (directory / "profile.json").exists():
        raise VaultExistsError()
    mode = choose_mode(mode)
    if mode == MODE_PASSPHRASE:
        if passphrase is None:
            raise PassphraseRequiredError("Choisissez une phrase secrète pour protéger ce dossier.")
        if len(passphrase) < MIN_PASSPHRASE:
            raise WeakSecretError()
    directory.mkdir(parents=True, exist_ok=True)
    info = ProfileInfo(
        name=name,
        directory=directory,
        profile_id=str(uuid.uuid4()),
        mode=mode,
        demo=demo,
        created_at=utcnow().isoformat(timespec="seconds"),
    )
    if mode == MODE_KEYRING:
        key = secrets.token_bytes(32)
        keystore.store_key(info.profile_id, key)
    else:
        assert passphrase is not None
        salt = secrets.token_bytes(16)
        info.salt_path.write_bytes(salt)
        key = derive_key(passphrase, salt, info.kdf)
    info = replace(info, key_check=key_check(key))
    engine = make_engine(info.db_path, key)
    from app.services.storage import migrate  # Alembic (~0.1 s): not needed before a vault opens

    migrate.upgrade(engine)
    db = Database(engine)
    with db.session() as s:
        s.add(SyncState(key=DEVICE_ID_KEY, value=str(uuid.uuid4())))
    _write_profile(info)
    log.info("vault created (mode=%s)", mode)
    return Vault(info, key, db)


def key_for(info: ProfileInfo, passphrase: str | None) -> bytes:
    """The profile's key: from the keyring, or derived from the passphrase and the salt file; checked."""
    if info.mode == MODE_KEYRING:
        key = keystore.load_key(info.profile_id)
    elif passphrase is None:
        raise PassphraseRequiredError()
    else:
        key = derive_key(passphrase, read_salt(info), info.kdf)
    check_key(info, key)
    return key


def read_salt(info: ProfileInfo) -> bytes:
    try:
        salt = info.salt_path.read_bytes()
    except FileNotFoundError:
        raise SaltMissingError() from None
    except OSError as exc:
        raise SaltMissingError(f"Le fichier « vault.salt » n'a pas pu être lu ({exc.strerror}).") from exc
    if len(salt) != 16:
        raise SaltMissingError(
            "Le fichier « vault.salt » de ce profil est altéré (taille inattendue) : sans lui, la phrase "
            "secrète ne peut pas ouvrir le coffre. Remettez-le depuis une copie du dossier du profil."
        )
    return salt


def open_vault(data_dir: Path, name: str, *, passphrase: str | None = None) -> Vault:
    """Open a profile: get the key, check it, upgrade the schema (backup first), return the vault.

    Raises :class:`WrongKeyError` for a wrong passphrase or key, :class:`VaultDamagedError` for a file the
    right key cannot read (or an empty one), :class:`VaultMissingError` when the file is gone,
    :class:`SaltMissingError` when the salt file is."""
    info = read_profile(data_dir, name)
    check_file(info.db_path)
    return open_with_key(info, key_for(info, passphrase))


def open_with_key(info: ProfileInfo, key: bytes) -> Vault:
    """Open the vault of ``info`` with a key already checked (after a restore made by an open window)."""
    from app.services.storage import backups

    check_file(info.db_path)
    engine = make_engine(info.db_path, key)
    _probe(engine, info)
    from app.services.storage import migrate  # Alembic (~0.1 s): not needed before a vault opens

    with engine.connect() as conn:
        rev = migrate.check_revision(conn)
    head = migrate.head_revision()
    if rev != head:
        if rev is not None:
            backups.take_backup(info, engine, key, kind=f"{backups.UPGRADE}-{rev}")
        migrate.upgrade(engine)
    if not info.key_check:  # a profile made before the key check existed: the key opened it, remember it
        info = replace(info, key_check=key_check(key))
        _write_profile(info)
    return Vault(info, key, Database(engine))


def delete_profile(data_dir: Path, name: str) -> None:
    """Remove a profile's files and its keyring entry (used to undo a failed creation; the UI confirms first)."""
    directory = profile_dir(data_dir, name)
    try:
        info = read_profile(data_dir, name)
    except (VaultNotFoundError, StorageError):
        info = None
    if info is not None and info.mode == MODE_KEYRING:
        try:
            keystore.delete_key(info.profile_id)
        except KeyringUnavailableError:
            log.warning("could not delete the keyring entry of a removed profile")
    shutil.rmtree(directory, ignore_errors=True)
