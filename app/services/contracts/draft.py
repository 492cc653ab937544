"""The contract editor's values: :class:`ContractDraft` (stored as a version's JSON content), its validation in
French per field (CE: 15 h per week or an exemption reason before signature) and the end-date computation.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from app.models.enums import ContractKind
from app.services.contracts.lifecycle import DURATIONS, end_date
from app.services.validation import FieldError, parse_date

CE_WEEKLY_HOURS = 15.0


# --- editor values -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ActionDraft:
    label: str
    partner: str = ""
    start: date | None = None
    end: date | None = None
    hours_per_week: float | None = None


@dataclass(frozen=True)
class ContractDraft:
    """What the editor holds. ``objective_ids`` are carnet objectives; ``objectives`` their printed titles."""

    kind: str
    duration_months: int = 6
    start_date: date | None = None
    objective_ids: tuple[str, ...] = ()
    objectives: tuple[str, ...] = ()
    actions: tuple[ActionDraft, ...] = ()
    exemption_reason: str = ""
    commitments: str = ""
    next_rdv: datetime | None = None
    bilan_date: date | None = None
    observations: str = ""

    @property
    def end_date(self) -> date | None:
        return end_date(self.start_date, self.duration_months)

    @property
    def weekly_hours(self) -> float:
        return round(sum(a.hours_per_week or 0.0 for a in self.actions), 2)

    @property
    def below_ce_hours(self) -> bool:
        return self.kind == ContractKind.CE and self.weekly_hours < CE_WEEKLY_HOURS

    def content(self) -> dict[str, Any]:
        def iso(d: date | None) -> str | None:
            return d.isoformat() if d else None

        actions = [
            {
                "label": a.label,
                "partner": a.partner,
                "start": iso(a.start),
                "end": iso(a.end),
                "hours_per_week": a.hours_per_week,
            }
            for a in self.actions
        ]
        return {
            "objective_ids": list(self.objective_ids),
            "objectives": list(self.objectives),
            "actions": actions,
            "weekly_hours": self.weekly_hours,
            "exemption_reason": self.exemption_reason.strip(),
            "person_commitments": self.commitments.strip(),
            "next_rdv": iso(self.next_rdv),
            "bilan_date": iso(self.bilan_date),
            "observations": self.observations.strip(),
        }


def _date(value: Any) -> date | None:
    try:
        return parse_date(value, "")
    except FieldError:
        return None


def _datetime(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    try:
        return datetime.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None


def _hours(value: Any) -> float | None:
    try:
        return None if value in (None, "") else float(value)
    except (TypeError, ValueError):
        return None


def draft_from_content(
    kind: str, months: int, start: date | None, content: Mapping[str, Any]
) -> ContractDraft:
    """The editor values of a stored version (tolerant: demo and older versions have fewer keys)."""
    actions = tuple(
        ActionDraft(
            str(a.get("label", "")),
            str(a.get("partner", "") or ""),
            _date(a.get("start")),
            _date(a.get("end")),
            _hours(a.get("hours_per_week")),
        )
        for a in content.get("actions", [])
        if isinstance(a, Mapping)
    )
    return ContractDraft(
        kind=kind,
        duration_months=months,
        start_date=start,
        objective_ids=tuple(content.get("objective_ids", [])),
        objectives=tuple(content.get("objectives", [])),
        actions=actions,
        exemption_reason=str(content.get("exemption_reason", "") or ""),
        commitments=str(content.get("person_commitments", "") or ""),
        next_rdv=_datetime(content.get("next_rdv")),
        bilan_date=_date(content.get("bilan_date")),
        observations=str(content.get("observations", "") or ""),
    )


def validate(draft: ContractDraft, *, for_signature: bool = False) -> dict[str, str]:
    """Field errors in French (empty when fine). ``for_signature`` adds the checks due before signing."""
    errors: dict[str, str] = {}
    if draft.kind not in set(ContractKind):
        errors["kind"] = "Choisissez le type de contrat (CER ou contrat d'engagement)."
    if draft.duration_months not in DURATIONS:
        errors["duration_months"] = "Durée du contrat : 3, 6, 9 ou 12 mois."
    if draft.start_date is None:
        errors["start_date"] = "Indiquez la date de début du contrat."
    for n, a in enumerate(draft.actions, 1):
        if not a.label.strip():
            errors["actions"] = f"Action n° {n} : indiquez son intitulé."
        elif a.hours_per_week is not None and not 0 <= a.hours_per_week <= 60:
            errors["actions"] = f"Action n° {n} : heures par semaine entre 0 et 60."
        elif a.start and a.end and a.end < a.start:
            errors["actions"] = f"Action n° {n} : la date de fin précède la date de début."
    if draft.bilan_date and draft.start_date and draft.bilan_date < draft.start_date:
        errors["bilan_date"] = "La date du bilan précède le début du contrat."
    if for_signature and draft.below_ce_hours and not draft.exemption_reason.strip():
        errors["exemption_reason"] = (
            f"Le plan d'action compte {draft.weekly_hours:g} h par semaine, moins de 15 h : "
            "indiquez le motif de la dispense avant la signature."
        )
    if for_signature and not draft.actions:
        errors["actions"] = "Inscrivez au moins une action au plan d'action avant la signature."
    return errors
