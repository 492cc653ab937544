"""The département's seal certificate: where the PKCS#12 file is, and its password (in the OS keyring).

The path lives in the profile setting :data:`app.services.storage.settings.SEAL_CERTIFICATE_PATH`; the password is
never stored in the database but in the keyring, one entry per profile (keyed by the profile's device id).
When a seal is configured, contract PDFs are sealed automatically (:func:`sealer_for`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.services.errors import KeyringUnavailableError
from app.services.printing.seal import SealError, load_sealer
from app.services.storage import keystore, settings
from app.services.storage.db import DEVICE_ID_KEY, Database

if TYPE_CHECKING:  # pyHanko is imported when a certificate is loaded (app.services.printing.seal)
    from pyhanko.sign import signers

log = logging.getLogger(__name__)

#: Last loaded signer by (path, mtime, password): loading a PKCS#12 file for every document costs time.
_CACHE: dict[str, tuple[tuple[str, float, str], signers.SimpleSigner]] = {}

__all__ = [
    "SealError",
    "SealStatus",
    "clear_seal",
    "configure_seal",
    "seal_status",
    "sealer_for",
]


@dataclass(frozen=True)
class SealStatus:
    """What the Paramètres page shows about the seal.

    ``configured``: a certificate path is stored. ``problem`` (French, empty when all is well) says why a
    configured seal cannot be used right now (file moved, password missing from the keyring, expired...).
    """

    configured: bool
    path: str = ""
    subject: str = ""
    valid_until: datetime | None = None
    problem: str = ""

    @property
    def usable(self) -> bool:
        return self.configured and not self.problem

    @property
    def summary(self) -> str:
        """One French sentence for the Paramètres page."""
        if not self.configured:
            return "Aucun cachet : les contrats ne sont pas scellés."
        if self.problem:
            return f"Cachet inutilisable : {self.problem}"
        until = f", valable jusqu'au {self.valid_until.astimezone():%d/%m/%Y}" if self.valid_until else ""
        return f"Les contrats enregistrés sont scellés avec le certificat « {self.subject or Path(self.path).name} »{until}."


def _secret_name(db: Database) -> str:
    device = db.get_state(DEVICE_ID_KEY) or "profil"
    return f"seal:{device}"


def _subject(signer: signers.SimpleSigner) -> str:
    cert: Any = signer.signing_cert
    if cert is None:
        return ""
    try:
        cn = cert.subject.native.get("common_name")
        org = cert.subject.native.get("organization_name")
    except (AttributeError, ValueError):
        return ""
    parts = [str(x) for x in (cn, org) if x]
    return " — ".join(parts) or str(cert.subject.human_friendly)


def _valid_until(signer: signers.SimpleSigner) -> datetime | None:
    cert: Any = signer.signing_cert
    try:
        value = cert["tbs_certificate"]["validity"]["not_after"].native
    except (KeyError, AttributeError, TypeError, ValueError):
        return None
    return value if isinstance(value, datetime) else None


def _check_validity(signer: signers.SimpleSigner, now: datetime | None = None) -> str:
    """A French problem when the certificate is not valid today, else ""."""
    now = now or datetime.now(UTC)
    cert: Any = signer.signing_cert
    try:
        validity = cert["tbs_certificate"]["validity"]
        start, end = validity["not_before"].native, validity["not_after"].native
    except (KeyError, AttributeError, TypeError, ValueError):
        return ""
    if isinstance(end, datetime) and end < now:
        return f"Le certificat de cachet a expiré le {end.astimezone().strftime('%d/%m/%Y')}."
    if isinstance(start, datetime) and start > now:
        return (
            f"Le certificat de cachet n'est valable qu'à partir du {start.astimezone().strftime('%d/%m/%Y')}."
        )
    return ""


def configure_seal(db: Database, p12_path: str | Path, password: str) -> SealStatus:
    """Check that the PKCS#12 file opens with ``password`` and is valid today, then remember both.

    Raises :class:`SealError` (file missing, wrong password, expired) or :class:`KeyringUnavailableError`
    (no keyring to hold the password); nothing is stored in that case.
    """
    path = Path(p12_path).expanduser().resolve()
    signer = load_sealer(path, password)
    problem = _check_validity(signer)
    if problem:
        raise SealError(problem)
    keystore.store_secret(_secret_name(db), password)
    if keystore.load_secret(_secret_name(db)) != password:
        raise KeyringUnavailableError("Le trousseau du système n'a pas conservé le mot de passe du cachet.")
    settings.set_value(db, settings.SEAL_CERTIFICATE_PATH, str(path))
    _CACHE.clear()
    return SealStatus(True, str(path), _subject(signer), _valid_until(signer))


def clear_seal(db: Database) -> None:
    """Forget the seal: documents are no longer sealed. The PKCS#12 file itself is left untouched."""
    settings.reset(db, settings.SEAL_CERTIFICATE_PATH)
    try:
        keystore.delete_secret(_secret_name(db))
    except Exception as exc:  # a locked keyring must not prevent turning the seal off
        log.warning("could not delete the seal password from the keyring: %s", type(exc).__name__)
    _CACHE.clear()


def _load_configured(db: Database) -> tuple[str, signers.SimpleSigner | None, str]:
    """(path, signer or None, French problem). Path "" when no seal is configured."""
    path = settings.get(db, settings.SEAL_CERTIFICATE_PATH) or ""
    if not path:
        return "", None, ""
    try:
        password = keystore.load_secret(_secret_name(db))
    except KeyringUnavailableError:
        return (
            path,
            None,
            "Le trousseau du système est inaccessible : le mot de passe du cachet n'a pas pu être lu.",
        )
    if password is None:
        return (
            path,
            None,
            "Le mot de passe du cachet est absent du trousseau : configurez de nouveau le cachet.",
        )
    key = (path, _mtime(path), password)
    cached = _CACHE.get(path)
    if cached is not None and cached[0] == key:
        signer = cached[1]
    else:
        try:
            signer = load_sealer(path, password)
        except SealError as exc:
            return path, None, exc.message
        _CACHE[path] = (key, signer)
    problem = _check_validity(signer)
    return path, (None if problem else signer), problem


def _mtime(path: str) -> float:
    try:
        return Path(path).stat().st_mtime
    except OSError:
        return -1.0


def seal_status(db: Database) -> SealStatus:
    """Whether a seal is configured, whose certificate it is, until when, and what is wrong with it."""
    path, signer, problem = _load_configured(db)
    if not path:
        return SealStatus(False)
    if signer is None and not problem:
        problem = "Le cachet est inutilisable."
    cached = _CACHE.get(path)
    shown = signer or (cached[1] if cached is not None else None)
    if shown is None:
        return SealStatus(True, path, problem=problem)
    return SealStatus(True, path, _subject(shown), _valid_until(shown), problem)


def sealer_for(db: Database) -> signers.SimpleSigner | None:
    """The signer to seal documents with; None when no seal is configured.

    A configured seal that cannot be used raises :class:`SealError` with the reason: a document the user
    expects to be sealed is never silently produced without its seal.
    """
    path, signer, problem = _load_configured(db)
    if not path:
        return None
    if signer is None:
        raise SealError(f"{problem} Corrigez le cachet dans Paramètres ou retirez-le.")
    return signer
