"""Co-accompaniment, the pure part shared by the device and the server (ADR 0052): what a second professional
on a file may do, from the access the référent asked and the département's rules per role.

The département decides per role (« CIP », « travailleur social », « conseiller France Travail »,
« partenaire ») the most a co-accompanying professional gets: ``aucun`` (recorded on the file, no access on the
server), ``lecture`` (sees the whole file and its timeline) or ``ecriture`` (also writes the records of the
shared work: notes, RDVs, carnet, prescriptions, documents, diagnostic versions, bilans). The access of one
co-accompaniment is the lower of the référent's request and that cap. Whoever the access, the file stays the
référent's: a co-accompanying professional never writes the person's identity, orientation, référent, contracts,
sanctions, exits, joint reviews or the co-accompaniments themselves. The audit trail of their own views and
prints is always theirs to write.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from app.models.enums import CoRole, ShareAccess

NO_ACCESS = "aucun"
#: Access levels, from the least to the most.
LEVELS: tuple[str, ...] = (NO_ACCESS, ShareAccess.READ.value, ShareAccess.WRITE.value)
LEVEL_LABELS = {NO_ACCESS: "aucun accès", "lecture": "lecture seule", "ecriture": "lecture et écriture"}
#: The département's rules when it has not set its own (``python -m server policy --partage``).
DEFAULT_POLICY: Mapping[str, str] = {
    CoRole.CIP.value: ShareAccess.WRITE.value,
    CoRole.SOCIAL_WORKER.value: ShareAccess.WRITE.value,
    CoRole.FRANCE_TRAVAIL.value: ShareAccess.READ.value,
    CoRole.PARTNER.value: ShareAccess.READ.value,
}
#: Tables a co-accompanying professional with write access writes in the shared file.
SHARED_WRITABLE: frozenset[str] = frozenset(
    {
        "appointment",
        "appointment_event",
        "note",
        "objective",
        "action",
        "prescription",
        "document",
        "diagnostic_version",
        "bilan",
    }
)
#: Fields of the person a co-accompanying professional with write access updates: the date of the last contact,
#: which their own notes and RDVs honoured move forward (nothing else of the person's record).
SHARED_PERSON_FIELDS: frozenset[str] = frozenset({"last_contact_date"})
#: Tables every co-accompanying professional writes (insert only): the audit trail of their views and prints.
SHARED_AUDIT: frozenset[str] = frozenset({"audit_event"})


class PolicyError(ValueError):
    """A share policy that cannot be used; the message is French."""


def effective_access(requested: str, role: str, policy: Mapping[str, str] | None = None) -> str:
    """The access a co-accompaniment gives: the lower of ``requested`` and the département's cap for ``role``
    (an unknown role or level gives no access)."""
    caps = DEFAULT_POLICY if policy is None else policy
    cap = caps.get(role, NO_ACCESS)
    if requested not in LEVELS or cap not in LEVELS:
        return NO_ACCESS
    return LEVELS[min(LEVELS.index(requested), LEVELS.index(cap))]


def parse_policy(text: str | None) -> dict[str, str]:
    """The stored policy (JSON ``{role: level}``) merged over the defaults; bad or unknown entries are ignored."""
    out = dict(DEFAULT_POLICY)
    try:
        stored = json.loads(text) if text else {}
    except ValueError:
        stored = {}
    if isinstance(stored, dict):
        out.update({k: v for k, v in stored.items() if k in out and v in LEVELS})
    return out


def policy_change(items: list[str]) -> dict[str, str]:
    """``["cip=ecriture", "partenaire=aucun"]`` → ``{"cip": "ecriture", ...}``; :class:`PolicyError` otherwise."""
    out: dict[str, str] = {}
    for item in items:
        role, sep, level = item.partition("=")
        role, level = role.strip(), level.strip()
        if not sep or role not in DEFAULT_POLICY:
            roles = ", ".join(DEFAULT_POLICY)
            raise PolicyError(f"« {item} » : écrivez RÔLE=ACCÈS, le rôle parmi {roles}.")
        if level not in LEVELS:
            raise PolicyError(f"« {item} » : l'accès est l'un de {', '.join(LEVELS)}.")
        out[role] = level
    return out
