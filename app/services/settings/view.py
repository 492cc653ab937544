"""What the « Paramètres » page shows and changes, as plain data (the page never touches the tables).

Editable values are the settings declared in :mod:`app.services.storage.settings` (:data:`EDITABLE`); the rest is shown
read-only (vault mode, server, device, versions, folders). Secrets (lock code, passphrase, seal password) are
changed by their own use cases here, each checking the current secret first: a wrong one changes nothing.
"""

from __future__ import annotations

import logging
import logging.handlers
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app import __version__
from app.models.rules.engine import load_default_rules
from app.services.errors import ValidationError, WrongKeyError
from app.services.people import identity as people
from app.services.settings import seal as seal_config
from app.services.settings.seal import SealStatus
from app.services.storage import lock, settings
from app.services.storage.db import Database
from app.services.storage.vault import MODE_KEYRING, MODE_LABELS, MODE_PASSPHRASE, Vault
from app.services.sync import view as sync_view

__all__ = [
    "EDITABLE",
    "AboutInfo",
    "ReferentOption",
    "SealStatus",
    "SettingsView",
    "change_lock_code",
    "change_passphrase",
    "clear_seal",
    "configure_seal",
    "load",
    "log_dir",
    "save",
]

#: The settings the page edits, by key (the others are internal: lock code hash, seal path).
EDITABLE: dict[str, settings.Setting] = {
    s.key: s
    for s in (
        settings.LOCK_DELAY_MINUTES,
        settings.DEPARTMENT_NAME,
        settings.DPO_CONTACT,
        settings.LETTER_SERVICE,
        settings.LETTER_ADDRESS,
        settings.LETTER_SIGNATORY_NAME,
        settings.LETTER_SIGNATORY_TITLE,
        settings.REMINDER_DAYS_BEFORE,
        settings.DURABLE_EMPLOYMENT_MONTHS,
        settings.SOON_DAYS,
        settings.RETENTION_MONTHS,
        settings.CURRENT_REFERENT_ID,
        settings.SYNC_AUTO,
        settings.OVERSEAS_DEPARTMENT,
    )
}


@dataclass(frozen=True)
class ReferentOption:
    id: str
    label: str


@dataclass(frozen=True)
class AboutInfo:
    version: str
    profile_name: str
    profile_path: str
    schema_revision: str
    rules_version: str
    log_dir: str


@dataclass(frozen=True)
class SettingsView:
    """Everything the page shows. ``values`` holds the current value of each :data:`EDITABLE` key."""

    values: dict[str, Any]
    vault_mode: str
    vault_mode_label: str
    has_lock_code: bool
    referents: tuple[ReferentOption, ...]
    enrolled: bool
    server_url: str
    device_id: str
    seal: SealStatus
    about: AboutInfo

    @property
    def passphrase_mode(self) -> bool:
        return self.vault_mode == MODE_PASSPHRASE


def log_dir(vault: Vault) -> Path:
    """The folder of the log files in use (the rotating handler's), else ``<data dir>/logs``."""
    for handler in logging.getLogger().handlers:
        if isinstance(handler, logging.handlers.RotatingFileHandler):
            return Path(handler.baseFilename).parent
    return vault.info.directory.parent.parent / "logs"


def _schema_revision(db: Database) -> str:
    with db.engine.connect() as conn:
        from app.services.storage import migrate  # Alembic: only when « À propos » is read

        return migrate.current_revision(conn) or ""


def load(vault: Vault) -> SettingsView:
    db = vault.db
    values = settings.all_values(db)
    overview = sync_view.overview(vault)
    referents = tuple(
        ReferentOption(
            r.id, f"{r.first_name} {r.last_name}".strip() + (f" — {r.structure}" if r.structure else "")
        )
        for r in people.list_referents(db)
    )
    info = vault.info
    about = AboutInfo(
        version=__version__,
        profile_name=info.name,
        profile_path=str(info.directory),
        schema_revision=_schema_revision(db),
        rules_version=load_default_rules().version,
        log_dir=str(log_dir(vault)),
    )
    return SettingsView(
        values={k: values[k] for k in EDITABLE},
        vault_mode=info.mode,
        vault_mode_label=MODE_LABELS.get(info.mode, info.mode),
        has_lock_code=lock.has_lock_code(db),
        referents=referents,
        enrolled=overview.enrolled,
        server_url=overview.server,
        device_id=vault.device_id,
        seal=seal_config.seal_status(db),
        about=about,
    )


def save(db: Database, changes: Mapping[str, Any]) -> dict[str, Any]:
    """Store ``changes`` (key → value, keys of :data:`EDITABLE`) all together or not at all.

    Raises :class:`ValidationError` with a French message per wrong key. Returns every editable value after
    the change.
    """
    unknown = [k for k in changes if k not in EDITABLE]
    if unknown:
        raise KeyError(unknown[0])
    values: dict[settings.Setting, Any] = {}
    errors: dict[str, str] = {}
    for key, value in changes.items():
        setting = EDITABLE[key]
        if setting is settings.SYNC_AUTO:
            value = bool(value)
        elif setting is settings.CURRENT_REFERENT_ID:
            known = {r.id for r in people.list_referents(db)}
            if value not in known:
                errors[key] = "Choisissez un référent de la liste."
                continue
        values[setting] = value
    if errors:  # report the value errors of the other keys too
        errors.update(_value_errors(values))
        raise ValidationError(fields=errors)
    settings.set_many(db, values)
    current = settings.all_values(db)
    return {k: current[k] for k in EDITABLE}


def _value_errors(values: Mapping[settings.Setting, Any]) -> dict[str, str]:
    out: dict[str, str] = {}
    for setting, value in values.items():
        try:
            setting.validate(value)
        except ValidationError as exc:
            out[setting.key] = exc.message
    return out


def change_lock_code(db: Database, old: str, new: str) -> None:
    """Replace the lock code after checking the current one (``fields``: ``old``, ``new``)."""
    if lock.has_lock_code(db) and not lock.verify_lock_code(db, old):
        raise ValidationError(fields={"old": "Code actuel incorrect : le code n'a pas été changé."})
    try:
        lock.validate_code(new)
    except ValidationError as exc:
        raise ValidationError(fields={"new": exc.message}) from exc
    lock.set_lock_code(db, new)


def change_passphrase(vault: Vault, old: str, new: str) -> None:
    """Passphrase mode: re-encrypt the vault with ``new`` (``fields``: ``old``, ``new``); wrong ``old``: no change."""
    if vault.mode != MODE_PASSPHRASE:
        raise ValidationError("Ce profil n'utilise pas de phrase secrète (coffre protégé par le trousseau).")
    if len(new) < 8:
        raise ValidationError(fields={"new": "La phrase secrète doit contenir au moins 8 caractères."})
    if new == old:
        raise ValidationError(fields={"new": "La nouvelle phrase secrète est identique à l'ancienne."})
    try:
        vault.change_passphrase(old, new)
    except WrongKeyError as exc:
        raise ValidationError(fields={"old": exc.message}) from exc


def configure_seal(db: Database, p12_path: str, password: str) -> SealStatus:
    """Check and remember the département's PKCS#12 seal (errors: French ``SealError``)."""
    if not p12_path.strip():
        raise ValidationError(fields={"path": "Choisissez le fichier du certificat (.p12 ou .pfx)."})
    return seal_config.configure_seal(db, p12_path.strip(), password)


def clear_seal(db: Database) -> SealStatus:
    seal_config.clear_seal(db)
    return seal_config.seal_status(db)


KEYRING_TEXT = {
    MODE_KEYRING: "La clé du coffre est gardée par le trousseau du système ; le code de verrouillage "
    "protège l'application quand vous vous absentez.",
    MODE_PASSPHRASE: "Le coffre est chiffré avec une clé tirée de votre phrase secrète ; elle est demandée "
    "à l'ouverture et après chaque verrouillage.",
}
