"""The application lock: the user's lock code (PIN or password) and the delay after failed tries.

The lock code protects an open vault in keyring mode (the key itself sits in the OS keyring). Only an scrypt
hash is stored, in ``local_setting`` (:data:`app.services.storage.settings.LOCK_CODE_HASH`). In passphrase mode the
passphrase itself unlocks (:meth:`app.services.storage.vault.Vault.check_passphrase`).

:class:`FailureDelay` is pure (an injectable clock): after a few free tries, every failure doubles the wait.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Callable
from typing import Any

from app.services.errors import UnlockError, ValidationError
from app.services.storage import settings
from app.services.storage.db import Database

#: Demo profiles are created with this lock code and passphrase (shown as a hint on their lock screen).
DEMO_CODE = "demo-fil-rouge"
MIN_CODE_LENGTH = 4
_SCRYPT = {"n": 2**14, "r": 8, "p": 1}


def _hash(code: str, salt: bytes, params: dict[str, int]) -> bytes:
    return hashlib.scrypt(
        code.encode("utf-8"),
        salt=salt,
        n=params["n"],
        r=params["r"],
        p=params["p"],
        maxmem=64 * 1024 * 1024,
        dklen=32,
    )


def validate_code(code: str) -> None:
    """Raise a ValidationError (French) when ``code`` is too short to be a lock code."""
    if len(code.strip()) < MIN_CODE_LENGTH:
        raise ValidationError(
            f"Le code doit contenir au moins {MIN_CODE_LENGTH} caractères.",
            fields={"code": f"Au moins {MIN_CODE_LENGTH} caractères."},
        )


def hash_code(code: str) -> dict[str, Any]:
    """A storable scrypt record of ``code`` (algorithm, parameters, salt and hash in hex)."""
    salt = secrets.token_bytes(16)
    return {"alg": "scrypt", **_SCRYPT, "salt": salt.hex(), "hash": _hash(code, salt, _SCRYPT).hex()}


def code_matches(record: dict[str, Any], code: str) -> bool:
    """Constant-time check of ``code`` against a record made by :func:`hash_code`."""
    try:
        params = {"n": int(record["n"]), "r": int(record["r"]), "p": int(record["p"])}
        expected = bytes.fromhex(record["hash"])
        salt = bytes.fromhex(record["salt"])
    except (KeyError, TypeError, ValueError):
        return False
    return hmac.compare_digest(_hash(code, salt, params), expected)


def has_lock_code(db: Database) -> bool:
    return bool(settings.get(db, settings.LOCK_CODE_HASH))


def set_lock_code(db: Database, code: str) -> None:
    """Store the hash of a new lock code (replaces the previous one)."""
    validate_code(code)
    settings.set_value(db, settings.LOCK_CODE_HASH, hash_code(code))


def verify_lock_code(db: Database, code: str) -> bool:
    """True when ``code`` is this profile's lock code. False when none is set."""
    record = settings.get(db, settings.LOCK_CODE_HASH)
    return isinstance(record, dict) and code_matches(record, code)


def lock_delay_seconds(db: Database) -> int:
    """Idle time before the window locks itself (setting, minutes → seconds)."""
    return int(settings.get(db, settings.LOCK_DELAY_MINUTES)) * 60


class FailureDelay:
    """Wait imposed after failed unlock tries: ``free_tries`` without delay, then base × 2ⁿ up to ``cap``."""

    def __init__(
        self,
        clock: Callable[[], float] = time.monotonic,
        free_tries: int = 3,
        base_seconds: float = 5.0,
        cap_seconds: float = 300.0,
    ) -> None:
        self._clock = clock
        self.free_tries = free_tries
        self.base = base_seconds
        self.cap = cap_seconds
        self.failures = 0
        self._until = 0.0

    def remaining(self) -> float:
        """Seconds left before the next try is allowed (0 when allowed)."""
        return max(0.0, self._until - self._clock())

    def delay_for(self, failures: int) -> float:
        if failures < self.free_tries:
            return 0.0
        return min(self.cap, self.base * 2 ** (failures - self.free_tries))

    def record_failure(self) -> float:
        """Count a failure; returns the wait now imposed (seconds)."""
        self.failures += 1
        wait = self.delay_for(self.failures)
        self._until = self._clock() + wait
        return wait

    def reset(self) -> None:
        self.failures = 0
        self._until = 0.0

    def check_allowed(self) -> None:
        """Raise UnlockError (French, with the wait) when a try comes too early."""
        left = self.remaining()
        if left > 0:
            raise UnlockError(f"Trop d'essais : patientez encore {int(left + 0.999)} s.")
