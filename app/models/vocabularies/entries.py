"""What a vocabulary is made of: entries (code, French label, section, order, help) and their choices; the
vocabularies whose codes the application fixes; the error naming a file and a line."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from types import MappingProxyType
from typing import Any

from app.models import enums
from app.models.resources import display_path, resource_path

ITEM_TYPES = ("bool", "choice", "date", "multi", "number", "text")


CHOICE_TYPES = frozenset({"choice", "multi"})


#: Vocabularies whose codes are fixed by the application (the schema stores these codes).
CLOSED_KINDS: Mapping[str, type[StrEnum]] = MappingProxyType(
    {
        "tracks": enums.Track,
        "regimes": enums.Regime,
        "appointment_natures": enums.AppointmentNature,
        "appointment_statuses": enums.AppointmentStatus,
        "note_kinds": enums.NoteKind,
        "objective_statuses": enums.ObjectiveStatus,
        "action_statuses": enums.ActionStatus,
        "prescription_outcomes": enums.PrescriptionOutcome,
        "exit_categories": enums.ExitCategory,
        "sanction_steps": enums.SanctionStepKind,
        "contract_statuses": enums.ContractStatus,
        "contract_kinds": enums.ContractKind,
        "signature_methods": enums.SignatureMethod,
        "signers": enums.Signer,
        "audit_actions": enums.AuditAction,
        "hours_grounds": enums.HoursGround,
        "hours_regimes": enums.HoursRegime,
        "sanction_decisions": enums.SanctionDecision,
        "rapo_outcomes": enums.RapoOutcome,
        "reminder_channels": enums.ReminderChannel,
        "reminder_states": enums.ReminderState,
        "letter_kinds": enums.LetterKind,
        "bilan_kinds": enums.BilanKind,
        "bilan_results": enums.BilanResult,
        "bilan_recommendations": enums.BilanRecommendation,
        "bilan_statuses": enums.BilanStatus,
        "joint_review_conclusions": enums.JointReviewConclusion,
        "co_roles": enums.CoRole,
        "share_accesses": enums.ShareAccess,
        "ep_motives": enums.EpMotive,
        "ep_fact_kinds": enums.EpFactKind,
        "ep_seance_statuses": enums.EpSeanceStatus,
        "ep_attendances": enums.EpAttendance,
        "ep_opinions": enums.EpOpinion,
        "ep_decisions": enums.EpDecision,
    }
)


#: Kinds the application cannot work without (besides the closed ones).
REQUIRED_KINDS = frozenset(
    {*CLOSED_KINDS, "diagnostic_sections", "diagnostic_items", "exit_reasons", "sensitive_terms"}
)


def default_base_dir() -> Path:
    """Directory of the vocabularies shipped with the application."""
    return resource_path("vocabularies")


class VocabularyError(ValueError):
    """A vocabulary file is invalid. ``message`` is French and names the file and the line."""

    def __init__(self, path: Path, line: int, reason: str) -> None:
        self.path = path
        self.line = line
        self.reason = reason
        where = f"Vocabulaire {display_path(path)}" + (f", ligne {line}" if line > 0 else "")
        self.message = f"{where} : {reason}"
        super().__init__(self.message)


@dataclass(frozen=True)
class Choice:
    """One possible answer of a ``choice`` or ``multi`` diagnostic item."""

    code: str
    label: str
    active: bool = True
    particular_difficulty: bool = False


@dataclass(frozen=True)
class VocabularyEntry:
    """One code of a vocabulary. Extra attributes (``category``, ``type``, ``choices``…) are in ``attrs``."""

    kind: str
    code: str
    label: str
    order: int
    active: bool = True
    section: str | None = None
    attrs: Mapping[str, Any] = field(default_factory=dict, compare=False)
    source: Path | None = field(default=None, compare=False)
    line: int = field(default=0, compare=False)

    def get(self, key: str, default: Any = None) -> Any:
        """An extra attribute (``help``, ``category``, ``type``…), or ``default``."""
        return self.attrs.get(key, default)

    @property
    def choices(self) -> tuple[Choice, ...]:
        """All the choices of a diagnostic item (retired ones included)."""
        return tuple(self.attrs.get("choices", ()))
