"""Profile settings, stored in the ``local_setting`` table (device-local, never replicated).

Every setting is declared **once** here, with its key, its default and a French description (the Picard
rule). Read with :func:`get`, write with :func:`set_value`; an unknown key is a programming error. Values are
JSON (int, str, bool, dict, None). Window geometry and other UI preferences stay in ``QSettings``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models.tables.local import LocalSetting
from app.services.errors import ValidationError
from app.services.storage.db import Database
from app.services.storage.uow import query, use_case


@dataclass(frozen=True)
class Setting:
    """A declared setting: ``key`` in the table, ``default`` when absent, optional integer bounds."""

    key: str
    default: Any
    label: str
    minimum: int | None = None
    maximum: int | None = None
    #: Text settings: at most ``max_length`` characters, never empty when ``required``.
    max_length: int | None = None
    required: bool = False

    def validate(self, value: Any) -> Any:
        if self.max_length is not None or self.required:
            return self._validate_text(value)
        if self.minimum is None and self.maximum is None:
            return value
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValidationError(f"« {self.label} » doit être un nombre entier.")
        if self.minimum is not None and value < self.minimum:
            raise ValidationError(f"« {self.label} » doit valoir au moins {self.minimum}.")
        if self.maximum is not None and value > self.maximum:
            raise ValidationError(f"« {self.label} » doit valoir au plus {self.maximum}.")
        return value

    def _validate_text(self, value: Any) -> str:
        if value is None:
            value = ""
        if not isinstance(value, str):
            raise ValidationError(f"« {self.label} » doit être un texte.")
        value = value.strip()
        if self.required and not value:
            raise ValidationError(f"« {self.label} » ne peut pas être vide.")
        if self.max_length is not None and len(value) > self.max_length:
            raise ValidationError(f"« {self.label} » : {self.max_length} caractères au plus.")
        return value


LOCK_DELAY_MINUTES = Setting(
    "lock_delay_minutes", 10, "Verrouillage après inactivité (minutes)", minimum=1, maximum=240
)
LOCK_CODE_HASH = Setting("lock_code_hash", None, "Empreinte du code de verrouillage")
#: Same key as :data:`app.services.people.identity.CURRENT_REFERENT_KEY` (written by ``set_current_referent``).
CURRENT_REFERENT_ID = Setting("current_referent_id", None, "Référent connecté")
DURABLE_EMPLOYMENT_MONTHS = Setting(
    "durable_employment_months", 6, "Seuil d'emploi durable (mois)", minimum=1, maximum=24
)
SOON_DAYS = Setting("deadline_soon_days", 14, "Échéance « bientôt » (jours)", minimum=1, maximum=90)
SYNC_AUTO = Setting("sync_auto", True, "Synchronisation automatique")
DEPARTMENT_NAME = Setting(
    "department_name",
    "Conseil départemental",
    "Nom du département imprimé sur les documents",
    max_length=120,
    required=True,
)
DPO_CONTACT = Setting("dpo_contact", "", "Contact du délégué à la protection des données", max_length=300)
RETENTION_MONTHS = Setting(
    "retention_months",
    24,
    "Conservation après le dernier contact (mois)",
    minimum=12,
    maximum=120,
)
#: An overseas département: the CER → CE transition lasts three years, not two (décret du 13 août 2025): the
#: ``ce_replaces_cer`` deadline and « hors délai légal » follow it.
OVERSEAS_DEPARTMENT = Setting(
    "overseas_department",
    False,
    "Département d'outre-mer (transition du CER au contrat d'engagement : 3 ans)",
)
#: Letters about a RDV (convocations, invitations, relances; ADR 0035) and reminders (ADR 0036): the service
#: that writes, its postal address, and who signs (empty: the référent signs).
LETTER_SERVICE = Setting(
    "letter_service",
    "",
    "Service émetteur des convocations et des rappels",
    max_length=120,
)
LETTER_ADDRESS = Setting("letter_address", "", "Adresse du service (en-tête des courriers)", max_length=200)
LETTER_SIGNATORY_NAME = Setting("letter_signatory_name", "", "Signataire des courriers", max_length=100)
LETTER_SIGNATORY_TITLE = Setting(
    "letter_signatory_title", "", "Qualité du signataire des courriers", max_length=200
)
REMINDER_DAYS_BEFORE = Setting(
    "reminder_days_before", 2, "Rappel envoyé avant le rendez-vous (jours)", minimum=1, maximum=14
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
    OVERSEAS_DEPARTMENT,
    LETTER_SERVICE,
    LETTER_ADDRESS,
    LETTER_SIGNATORY_NAME,
    LETTER_SIGNATORY_TITLE,
    REMINDER_DAYS_BEFORE,
    SEAL_CERTIFICATE_PATH,
)
_BY_KEY = {s.key: s for s in ALL_SETTINGS}


def declared(key: str) -> Setting:
    """The declared setting for ``key`` (KeyError for an undeclared key)."""
    return _BY_KEY[key]


@query
def get(s: Session, setting: Setting) -> Any:
    """The stored value of ``setting``, or its default (also inside a caller's open session)."""
    row = s.execute(select(LocalSetting.value).where(LocalSetting.key == setting.key)).first()
    return setting.default if row is None or row[0] is None else row[0]


@use_case
def set_value(s: Session, setting: Setting, value: Any) -> None:
    """Store ``value`` for ``setting`` (validated against its bounds)."""
    if setting.key not in _BY_KEY:
        raise KeyError(setting.key)
    s.merge(LocalSetting(key=setting.key, value=setting.validate(value)))


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


def set_many(db: Database, values: dict[Setting, Any]) -> None:
    """Store several settings in one transaction, after validating all of them.

    Raises one :class:`ValidationError` whose ``fields`` map each wrong setting's key to its French message;
    nothing is stored then. A value equal to the default forgets the stored one (the default applies).
    """
    clean: dict[Setting, Any] = {}
    errors: dict[str, str] = {}
    for setting, value in values.items():
        if setting.key not in _BY_KEY:
            raise KeyError(setting.key)
        try:
            clean[setting] = setting.validate(value)
        except ValidationError as exc:
            errors[setting.key] = exc.message
    if errors:
        raise ValidationError(fields=errors)
    with db.session() as s:
        for setting, value in clean.items():
            if value == setting.default:
                row = s.get(LocalSetting, setting.key)
                if row is not None:
                    s.delete(row)
            else:
                s.merge(LocalSetting(key=setting.key, value=value))
