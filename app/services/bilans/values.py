"""What a bilan holds as the editor and the commands give it (:class:`BilanInput`), its validation in French
per field, and the frozen views the screens read (:class:`BilanView`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from app.models.enums import BilanKind, BilanRecommendation, BilanResult, BilanStatus, Track
from app.models.text import clean_text
from app.services.validation import DATE_MESSAGE, Checker, FieldError, optional_text, parse_date

LONG_TEXT = 4000
MAX_PARTICIPANTS = 12
MAX_OBJECTIVES = 60
#: Recommendations that continue or change the current contract (they need one).
NEEDS_CONTRACT = frozenset({BilanRecommendation.RENEWAL, BilanRecommendation.AMENDMENT})
#: A bilan of these kinds concludes: it must say what comes next before it is finalised.
CONCLUDING = frozenset({BilanKind.CONTRACT_END, BilanKind.ONE_YEAR, BilanKind.EXIT})


@dataclass(frozen=True)
class ObjectiveReview:
    """One objective as reviewed: a copy of the carnet's title and theme, and how far it was reached."""

    title: str
    result: str = BilanResult.NOT_REACHED
    theme: str = ""
    comment: str = ""
    objective_id: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "objective_id": self.objective_id,
            "theme": self.theme,
            "title": self.title,
            "result": self.result,
            "comment": self.comment,
        }


@dataclass(frozen=True)
class Participant:
    """Someone else present at the bilan (a tripartite bilan: partner, prescriber, co-accompanying CIP…)."""

    name: str
    role: str = ""
    structure: str = ""

    def to_json(self) -> dict[str, str]:
        return {"name": self.name, "role": self.role, "structure": self.structure}


@dataclass(frozen=True)
class BilanInput:
    kind: str
    held_on: date | None
    contract_id: str | None = None
    objectives: tuple[ObjectiveReview, ...] = ()
    helped: str = ""
    blocked: str = ""
    person_words: str = ""
    participants: tuple[Participant, ...] = ()
    recommendation: str | None = None
    recommended_track: str | None = None
    recommendation_detail: str = ""


@dataclass(frozen=True)
class ExitChoice:
    """The exit a « sortie » recommendation records (category and reason of the exit vocabulary)."""

    category: str
    reason: str
    exit_date: date | None = None  # the bilan's date when not given
    detail: str = ""
    in_job_followup_until: date | None = None


def long_text(value: str | None, max_len: int = LONG_TEXT) -> str:
    """A free text keeping its line breaks (cleaned, trimmed), at most ``max_len`` characters."""
    clean = clean_text(value or "", multiline=True).strip()
    if len(clean) > max_len:
        raise FieldError(f"Texte trop long ({max_len} caractères au plus).")
    return clean


def _objectives(c: Checker, items: Sequence[ObjectiveReview]) -> list[dict[str, Any]]:
    if len(items) > MAX_OBJECTIVES:
        c.add("objectives", f"{MAX_OBJECTIVES} objectifs au plus dans un bilan.")
        return []
    out = []
    for n, o in enumerate(items, 1):
        title = " ".join(clean_text(o.title or "").split())
        if not title:
            c.add("objectives", f"Objectif n° {n} : indiquez son intitulé.")
        elif len(title) > 300:
            c.add("objectives", f"Objectif n° {n} : intitulé trop long (300 caractères au plus).")
        if o.result not in set(BilanResult):
            c.add(
                "objectives",
                f"Objectif n° {n} : indiquez s'il est atteint, atteint en partie ou non atteint.",
            )
        comment = c.run("objectives", long_text, o.comment, 2000) or ""
        theme = " ".join(clean_text(o.theme or "").split())[:100]
        out.append(ObjectiveReview(title, o.result, theme, comment, o.objective_id or None).to_json())
    return out


def _participants(c: Checker, items: Sequence[Participant]) -> list[dict[str, str]]:
    if len(items) > MAX_PARTICIPANTS:
        c.add("participants", f"{MAX_PARTICIPANTS} participants au plus.")
        return []
    out = []
    for n, p in enumerate(items, 1):
        name = c.run("participants", optional_text, p.name, 200) or ""
        if not name:
            c.add("participants", f"Participant n° {n} : indiquez son nom.")
        role = c.run("participants", optional_text, p.role, 100) or ""
        structure = c.run("participants", optional_text, p.structure, 200) or ""
        out.append(Participant(name, role, structure).to_json())
    return out


def clean_input(data: BilanInput) -> dict[str, Any]:
    """The column values of a bilan from the editor's input, or a ValidationError naming each field."""
    c = Checker()
    if data.kind not in set(BilanKind):
        c.add("kind", "Choisissez le moment du bilan (fin de contrat, un an de parcours, sortie ou étape).")
    held = c.run("held_on", parse_date, data.held_on, DATE_MESSAGE)
    if held is None and "held_on" not in c.errors:
        c.add("held_on", "Indiquez la date du bilan.")
    values: dict[str, Any] = {
        "kind": data.kind,
        "held_on": held,
        "contract_id": data.contract_id or None,
        "objectives": _objectives(c, data.objectives),
        "participants": _participants(c, data.participants),
    }
    for key in ("helped", "blocked", "person_words", "recommendation_detail"):
        values[key] = c.run(key, long_text, getattr(data, key)) or ""
    rec = data.recommendation or None
    if rec is not None and rec not in set(BilanRecommendation):
        c.add("recommendation", "Préconisation inconnue.")
    track = data.recommended_track or None
    if rec == BilanRecommendation.REORIENTATION:
        if track not in set(Track):
            c.add("recommended_track", "Indiquez le parcours vers lequel la réorientation est proposée.")
    else:
        track = None
    values.update(recommendation=rec, recommended_track=track)
    c.raise_if_any()
    return values


# --- views ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BilanView:
    id: str
    person_id: str
    kind: str
    kind_label: str
    held_on: date
    status: str
    status_label: str
    contract_id: str | None
    contract_label: str
    objectives: tuple[ObjectiveReview, ...]
    helped: str
    blocked: str
    person_words: str
    participants: tuple[Participant, ...]
    recommendation: str | None
    recommendation_label: str
    recommended_track: str | None
    recommended_track_label: str
    recommendation_detail: str
    next_step_table: str
    next_step_id: str | None
    next_step_label: str
    author: str
    author_name: str
    finalised_at: datetime | None
    created_at: datetime
    counts: Mapping[str, int] = field(default_factory=dict)  # objectives by result

    @property
    def final(self) -> bool:
        return self.status == BilanStatus.FINAL

    @property
    def tripartite(self) -> bool:
        return bool(self.participants)

    @property
    def title(self) -> str:
        return f"{self.kind_label} du {self.held_on:%d/%m/%Y}"

    def input(self) -> BilanInput:
        """The editor's values of this bilan (to edit a draft)."""
        return BilanInput(
            kind=self.kind,
            held_on=self.held_on,
            contract_id=self.contract_id,
            objectives=self.objectives,
            helped=self.helped,
            blocked=self.blocked,
            person_words=self.person_words,
            participants=self.participants,
            recommendation=self.recommendation,
            recommended_track=self.recommended_track,
            recommendation_detail=self.recommendation_detail,
        )


def objectives_of(raw: Any) -> tuple[ObjectiveReview, ...]:
    """The stored JSON of a bilan's objectives as values (tolerant of missing keys)."""
    out = []
    for item in raw if isinstance(raw, list) else []:
        if isinstance(item, Mapping):
            out.append(
                ObjectiveReview(
                    str(item.get("title") or ""),
                    str(item.get("result") or BilanResult.NOT_REACHED),
                    str(item.get("theme") or ""),
                    str(item.get("comment") or ""),
                    str(item["objective_id"]) if item.get("objective_id") else None,
                )
            )
    return tuple(out)


def participants_of(raw: Any) -> tuple[Participant, ...]:
    out = []
    for item in raw if isinstance(raw, list) else []:
        if isinstance(item, Mapping):
            out.append(
                Participant(
                    str(item.get("name") or ""), str(item.get("role") or ""), str(item.get("structure") or "")
                )
            )
    return tuple(out)
