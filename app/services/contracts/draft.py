"""The contract editor's values: :class:`ContractDraft` (stored as a version's JSON content) and its validation
in French per field.

A contrat d'engagement (C. trav. L.5411-6 and L.5411-6-1) states the weekly activity — at least fifteen hours;
reduced for the person's situation but never zero; or no weekly duration at the person's request, on one ground
of a closed list (health, disability, invalidity, single parent without childcare for a child under twelve),
chosen, never described — and, when the plan aims at a salaried job, the elements of the « offre raisonnable
d'emploi » (jobs sought, preferred area, expected salary) with the job-search acts the person commits to.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from app.models.enums import ContractKind, HoursGround, HoursRegime
from app.models.law import CE_WEEKLY_HOURS
from app.services.contracts.lifecycle import DURATIONS, end_date
from app.services.validation import FieldError, parse_date

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
    hours_regime: str = HoursRegime.STANDARD  # CE only: enums.HoursRegime
    hours_ground: str = ""  # CE, hours_regime « sans_duree »: enums.HoursGround (a choice, never a detail)
    hours_reason: str = ""  # CE, hours_regime « minoree »: why the hours are reduced (the person's situation)
    salaried_goal: bool = False  # CE: the plan aims at a salaried job (offre raisonnable d'emploi below)
    ore_jobs: str = ""  # nature and characteristics of the job(s) sought
    ore_area: str = ""  # preferred geographic area
    ore_salary: str = ""  # expected salary
    search_acts: str = ""  # the positive and repeated job-search acts the person commits to
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

    @property
    def is_ce(self) -> bool:
        return self.kind == ContractKind.CE

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
            "hours_regime": self.hours_regime,
            "hours_ground": self.hours_ground,
            "hours_reason": self.hours_reason.strip(),
            "salaried_goal": self.salaried_goal,
            "ore_jobs": self.ore_jobs.strip(),
            "ore_area": self.ore_area.strip(),
            "ore_salary": self.ore_salary.strip(),
            "search_acts": self.search_acts.strip(),
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
    regime = str(content.get("hours_regime", "") or "")
    reason = str(content.get("hours_reason", "") or "")
    legacy_reason = str(content.get("exemption_reason", "") or "").strip()  # versions saved before 2027.1
    if not regime:
        hours = sum(a.hours_per_week or 0.0 for a in actions)
        regime = (
            HoursRegime.STANDARD if hours >= CE_WEEKLY_HOURS or not legacy_reason else HoursRegime.REDUCED
        )
        reason = reason or legacy_reason
    return ContractDraft(
        kind=kind,
        duration_months=months,
        start_date=start,
        objective_ids=tuple(content.get("objective_ids", [])),
        objectives=tuple(content.get("objectives", [])),
        actions=actions,
        hours_regime=regime,
        hours_ground=str(content.get("hours_ground", "") or ""),
        hours_reason=reason,
        salaried_goal=bool(content.get("salaried_goal", False)),
        ore_jobs=str(content.get("ore_jobs", "") or ""),
        ore_area=str(content.get("ore_area", "") or ""),
        ore_salary=str(content.get("ore_salary", "") or ""),
        search_acts=str(content.get("search_acts", "") or ""),
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
    if draft.is_ce:
        errors.update(_ce_errors(draft, for_signature))
    if for_signature and not draft.actions:
        errors["actions"] = "Inscrivez au moins une action au plan d'action avant la signature."
    return errors


def _ce_errors(draft: ContractDraft, for_signature: bool) -> dict[str, str]:
    """The weekly activity and the offre raisonnable d'emploi of a CE (C. trav. L.5411-6, L.5411-6-1)."""
    errors: dict[str, str] = {}
    hours = draft.weekly_hours
    if draft.hours_regime not in set(HoursRegime):
        errors["hours_regime"] = "Choisissez la durée hebdomadaire d'activité."
    elif draft.hours_regime == HoursRegime.NONE:
        if draft.hours_ground not in set(HoursGround):
            errors["hours_ground"] = (
                "Choisissez le motif, dans la liste de l'article L. 5411-6 du code du travail, pour lequel la "
                "personne demande un plan d'action sans durée hebdomadaire."
            )
    elif for_signature and draft.hours_regime == HoursRegime.STANDARD and hours < CE_WEEKLY_HOURS:
        errors["hours_regime"] = (
            f"Le plan d'action compte {hours:g} h par semaine, moins de 15 h : la durée peut être minorée pour "
            "la situation de la personne (jamais nulle), ou supprimée à sa demande pour un motif de la liste "
            "légale. Choisissez l'un ou l'autre avant la signature."
        )
    elif draft.hours_regime == HoursRegime.REDUCED:
        if for_signature and hours <= 0:
            errors["hours_regime"] = (
                "Une durée minorée ne peut pas être nulle (article L. 5411-6 du code du travail) : inscrivez les "
                "heures des actions, ou choisissez « sans durée hebdomadaire » si la personne le demande pour "
                "un motif de la liste légale."
            )
        if for_signature and not draft.hours_reason.strip():
            errors["hours_reason"] = (
                "Indiquez en quelques mots pourquoi la durée est minorée (sans détail de santé)."
            )
    if for_signature and draft.salaried_goal:
        for key, what in (
            ("ore_jobs", "la nature et les caractéristiques des emplois recherchés"),
            ("ore_area", "la zone géographique privilégiée"),
            ("ore_salary", "le salaire attendu"),
            ("search_acts", "les actes positifs et répétés de recherche d'emploi"),
        ):
            if not getattr(draft, key).strip():
                errors[key] = (
                    f"Offre raisonnable d'emploi : indiquez {what} (article L. 5411-6-1 du code du travail)."
                )
    return errors
