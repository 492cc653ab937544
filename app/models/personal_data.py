"""Which columns hold personal data, and how the rows of one person's file are found (retention purge).

Shared by the device (:mod:`app.services.privacy.retention`) and the server (:mod:`server.engine.purge`) so that both scrub
exactly the same fields (ADR 0005). A purged row keeps its id, its codes, its dates of record and its links
(what the statistics and the sync need) and loses every name, identifier, address, free text, diagnostic
answer and signature stroke. :func:`blank` gives the value a scrubbed column takes.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Column

from app.models.tables.base import Base

#: table → columns scrubbed by a purge (names, identifiers, contact details, free texts, answers, strokes).
PERSONAL_FIELDS: dict[str, tuple[str, ...]] = {
    "person": (
        "nir", "caf_number", "civility", "sex", "last_name", "birth_name", "first_name", "birth_date",
        "address_line", "address_extra", "postal_code", "city", "phone", "email",
    ),
    "household": ("caf_number", "label"),
    "orientation": ("ep_opinion", "reason"),
    "referent_assignment": ("reason",),
    "parcours": (),
    "exit_record": ("detail",),
    "appointment": ("place", "comment"),
    "appointment_event": ("comment",),
    "appointment_letter": (),
    "appointment_reminder": ("place", "failure"),
    "note": ("body",),
    "sanction_step": ("detail",),
    "diagnostic_version": ("data",),
    "objective": ("title",),
    "action": ("label", "comment"),
    "prescription": ("comment",),
    "document": ("title", "file_name", "sha256"),
    "contract": ("signed_place",),
    "contract_version": ("content",),
    "contract_event": ("comment",),
    "signature": ("signer_name", "strokes", "place"),
    "contract_snapshot": ("document",),
    "audit_event": ("detail",),
    "duplicate_review": ("identity",),
    "bilan": ("objectives", "helped", "blocked", "person_words", "participants", "recommendation_detail"),
    "joint_review": ("ft_adviser", "ft_agency", "findings"),
    "co_accompaniment": ("purpose",),
    "ep_referral": ("summary", "withdrawn_reason"),
    "ep_referral_fact": (),
    "ep_case": ("observations", "opinion_detail", "decision_detail"),
}  # fmt: skip

#: Tables whose rows carry the person's id in ``person_id``.
PERSON_TABLES: tuple[str, ...] = (
    "orientation", "referent_assignment", "parcours", "exit_record", "appointment", "appointment_letter",
    "appointment_reminder", "note", "sanction_step",
    "diagnostic_version", "objective", "action", "prescription", "document", "contract", "audit_event",
    "duplicate_review", "bilan", "joint_review", "co_accompaniment", "ep_referral", "ep_referral_fact",
    "ep_case",
)  # fmt: skip

#: Tables reached through a parent row: child table → (parent table, column holding the parent id).
CHILD_TABLES: dict[str, tuple[str, str]] = {
    "appointment_event": ("appointment", "appointment_id"),
    "contract_version": ("contract", "contract_id"),
    "contract_event": ("contract", "contract_id"),
    "signature": ("contract", "contract_id"),
    "contract_snapshot": ("contract", "contract_id"),
}

#: Rows kept visible after a purge (scrubbed, not tombstoned): the audit trail stays readable (ADR 0005).
KEPT_TABLES = frozenset({"audit_event"})


def blank(table: str, column: str) -> Any:
    """The value a scrubbed column takes: None when nullable, an empty JSON document, else ''."""
    col: Column[Any] = Base.metadata.tables[table].c[column]
    if col.nullable:
        return None
    if isinstance(col.type, JSON):
        default = col.default.arg if col.default is not None else None  # type: ignore[attr-defined]
        value = default(None) if callable(default) else default
        return type(value)() if isinstance(value, (dict, list)) else {}
    return ""


def scrubbed_values(table: str) -> dict[str, Any]:
    """Column → blank value, for every personal column of ``table``."""
    return {c: blank(table, c) for c in PERSONAL_FIELDS.get(table, ())}
