"""Profile settings, stored in the ``local_setting`` table (device-local, never replicated).

Every setting is declared **once** here, with its key, its default and a French description (the Picard
rule). Read with :func:`get`, write with :func:`set_value`; an unknown key is a programming error. Values are
JSON (int, str, bool, dict, None). Window geometry and other UI preferences stay in ``QSettings``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from app.models.local import LocalSetting
from app.services.db import Database
from app.services.errors import ValidationError


@dataclass(frozen=True)
class Setting:
    """A declared setting: ``key`` in the table, ``default`` when absent, optional integer bounds."""

    key: str
    default: Any
    label: str
    minimum: int | None = None
    maximum: int | None = None

    def validate(self, value: Any) -> Any:
        if self.minimum is None and self.maximum is None:
            return value
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValidationError(f"« {self.label} » doit être un nombre entier.")
        if self.minimum is not None and value < self.minimum:
            raise ValidationError(f"« {self.label} » doit valoir au moins {self.minimum}.")
        if self.maximum is not None and value > self.maximum:
            raise ValidationError(f"« {self.label} » doit valoir au plus {self.maximum}.")
        return value


LOCK_DELAY_MINUTES = Setting(
    "lock_delay_minutes", 10, "Verrouillage après inactivité (minutes)", minimum=1, maximum=240
)
LOCK_CODE_HASH = Setting("lock_code_hash", None, "Empreinte du code de verrouillage")
#: Same key as :data:`app.services.people.CURRENT_REFERENT_KEY` (written by ``set_current_referent``).
CURRENT_REFERENT_ID = Setting("current_referent_id", None, "Référent connecté")
DURABLE_EMPLOYMENT_MONTHS = Setting(
    "durable_employment_months", 6, "Seuil d'emploi durable (mois)", minimum=1, maximum=24
)
SOON_DAYS = Setting("deadline_soon_days", 14, "Échéance « bientôt » (jours)", minimum=1, maximum=90)
SYNC_AUTO = Setting("sync_auto", True, "Synchronisation automatique")
DEPARTMENT_NAME = Setting(
    "department_name", "Conseil départemental", "Nom du département imprimé sur les documents"
)
DPO_CONTACT = Setting("dpo_contact", "", "Contact du délégué à la protection des données")
RETENTION_MONTHS = Setting(
    "retention_months",
    24,
    "Conservation après le dernier contact (mois)",
    minimum=12,
    maximum=120,
)
#: Path of the département's PKCS#12 file for the PAdES seal (None: documents are not sealed).
#: Its password lives in the keyring, never in this table.
SEAL_CERTIFICATE_PATH = Setting("seal_certificate_path", None, "Certificat de cachet du département")

ALL_SETTINGS: tuple[Setting, ...] = (
    LOCK_DELAY_MINUTES,
    LOCK_CODE_HASH,
    CURRENT_REFERENT_ID,
    DURABLE_EMPLOYMENT_MONTHS,
    SOON_DAYS,
    SYNC_AUTO,
    DEPARTMENT_NAME,
    DPO_CONTACT,
    RETENTION_MONTHS,
    SEAL_CERTIFICATE_PATH,
)
_BY_KEY = {s.key: s for s in ALL_SETTINGS}


def declared(key: str) -> Setting:
    """The declared setting for ``key`` (KeyError for an undeclared key)."""
    return _BY_KEY[key]


def get(db: Database, setting: Setting) -> Any:
    """The stored value of ``setting``, or its default."""
    with db.read() as s:
        row = s.execute(select(LocalSetting.value).where(LocalSetting.key == setting.key)).first()
    return setting.default if row is None or row[0] is None else row[0]


def set_value(db: Database, setting: Setting, value: Any) -> None:
    """Store ``value`` for ``setting`` (validated against its bounds)."""
    if setting.key not in _BY_KEY:
        raise KeyError(setting.key)
    value = setting.validate(value)
    with db.session() as s:
        s.merge(LocalSetting(key=setting.key, value=value))


def reset(db: Database, setting: Setting) -> None:
    """Forget the stored value: the default applies again."""
    with db.session() as s:
        row = s.get(LocalSetting, setting.key)
        if row is not None:
            s.delete(row)


def all_values(db: Database) -> dict[str, Any]:
    """Every declared setting's current value, by key (defaults filled in)."""
    with db.read() as s:
        stored: dict[str, Any] = dict(s.execute(select(LocalSetting.key, LocalSetting.value)).all())
    return {k: (stored[k] if stored.get(k) is not None else st.default) for k, st in _BY_KEY.items()}
