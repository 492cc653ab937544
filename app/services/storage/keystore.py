"""The OS keyring (Secret Service, Keychain, Credential Manager) holding each profile's raw database key."""

from __future__ import annotations

import logging

import keyring
import keyring.backend
import keyring.errors

from app.services.errors import KeyMissingError, KeyringUnavailableError

log = logging.getLogger(__name__)

SERVICE = "fil-rouge"
_INSECURE_MODULE_PREFIXES = ("keyring.backends.fail", "keyrings.alt", "keyring.backends.null")


def _entry(profile_id: str) -> str:
    return f"vault:{profile_id}"


def secure_backend_available(backend: keyring.backend.KeyringBackend | None = None) -> bool:
    """True when the active keyring backend is a real secret store (not the fail/null/plaintext ones)."""
    backend = backend or keyring.get_keyring()
    backends = getattr(backend, "backends", None)
    if backends is not None:  # ChainerBackend
        return any(secure_backend_available(b) for b in backends)
    module = type(backend).__module__
    if module.startswith(_INSECURE_MODULE_PREFIXES):
        return False
    try:
        return float(backend.priority) >= 1  # type: ignore[arg-type]
    except Exception:
        return False


def backend_name() -> str:
    backend = keyring.get_keyring()
    return type(backend).__name__


def store_key(profile_id: str, key: bytes) -> None:
    """Store ``key`` (32 bytes) for the profile. Raises KeyringUnavailableError if the store refuses."""
    try:
        keyring.set_password(SERVICE, _entry(profile_id), key.hex())
    except keyring.errors.KeyringError as exc:
        log.warning("keyring refused to store the vault key: %s", type(exc).__name__)
        raise KeyringUnavailableError() from exc
    if load_key(profile_id) != key:
        raise KeyringUnavailableError("Le trousseau du système n'a pas conservé la clé du dossier.")


def load_key(profile_id: str) -> bytes:
    """Return the profile's key. Raises KeyMissingError when absent, KeyringUnavailableError on failure."""
    try:
        value = keyring.get_password(SERVICE, _entry(profile_id))
    except keyring.errors.KeyringError as exc:
        raise KeyringUnavailableError(
            "Le trousseau du système est verrouillé ou inaccessible : la clé du dossier n'a pas pu être lue."
        ) from exc
    if not value:
        raise KeyMissingError()
    try:
        return bytes.fromhex(value)
    except ValueError as exc:
        raise KeyMissingError("La clé enregistrée dans le trousseau est illisible.") from exc


def delete_key(profile_id: str) -> None:
    try:
        keyring.delete_password(SERVICE, _entry(profile_id))
    except keyring.errors.PasswordDeleteError:
        pass
    except keyring.errors.KeyringError as exc:
        raise KeyringUnavailableError() from exc


def store_secret(name: str, value: str) -> None:
    """Store another secret of the app (device token...) under the same service."""
    try:
        keyring.set_password(SERVICE, name, value)
    except keyring.errors.KeyringError as exc:
        raise KeyringUnavailableError() from exc


def load_secret(name: str) -> str | None:
    try:
        return keyring.get_password(SERVICE, name)
    except keyring.errors.KeyringError as exc:
        raise KeyringUnavailableError() from exc


def delete_secret(name: str) -> None:
    """Remove a secret (absent: nothing to do). No usable keyring (passphrase mode, a server, a container):
    KeyringUnavailableError, which a wipe ignores — there is then no secret in any keyring to remove."""
    try:
        keyring.delete_password(SERVICE, name)
    except keyring.errors.PasswordDeleteError:
        pass
    except keyring.errors.KeyringError as exc:
        raise KeyringUnavailableError() from exc
