"""What every printed document takes from the profile settings: the département's printed name, the DPO
contact, and the letterhead and signature block of letters (queries: on a ``Database``, or ``.within(s)`` inside
the caller's unit of work)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from app.services.storage import settings
from app.services.storage.uow import query


@query
def department_name(s: Session) -> str:
    """« Conseil départemental de … » as set in Paramètres (the declared default otherwise)."""
    value = str(settings.get.within(s, settings.DEPARTMENT_NAME) or "").strip()
    return value or str(settings.DEPARTMENT_NAME.default)


@query
def dpo_contact(s: Session) -> str:
    """How to reach the data protection officer ("" when not set: the documents say whom to ask)."""
    return str(settings.get.within(s, settings.DPO_CONTACT) or "").strip()


@query
def missing_for_signature(s: Session) -> list[str]:
    """What the personal-data notice of a contract still lacks: « le nom du département », « le contact du
    délégué à la protection des données » (empty when both are set in Paramètres)."""
    missing = []
    name = str(settings.get.within(s, settings.DEPARTMENT_NAME) or "").strip()
    if not name or name == settings.DEPARTMENT_NAME.default:
        missing.append("le nom du département (responsable du traitement)")
    if not dpo_contact.within(s):
        missing.append("le contact du délégué à la protection des données")
    return missing


@dataclass(frozen=True)
class Letterhead:
    """The head and the signature block of a letter (convocations, ADR 0035). ``signatory_name`` empty: the
    référent signs the letter themselves."""

    department: str
    service: str
    address: str
    signatory_name: str
    signatory_title: str


@query
def letterhead(s: Session) -> Letterhead:
    """The letterhead set in Paramètres › Documents."""

    def text(setting: settings.Setting) -> str:
        return str(settings.get.within(s, setting) or "").strip()

    return Letterhead(
        department=department_name.within(s),
        service=text(settings.LETTER_SERVICE),
        address=text(settings.LETTER_ADDRESS),
        signatory_name=text(settings.LETTER_SIGNATORY_NAME),
        signatory_title=text(settings.LETTER_SIGNATORY_TITLE),
    )
