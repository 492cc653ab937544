"""Diagnostic socio-professionnel: current version, history, readable diff, situation summary for the contract.

Form values are ``section code → item code → value`` as in the vocabularies (``diagnostic_items``). The health
constraint is special: the form item is ``sante/contrainte_sante`` (vocabulary) while
:func:`save_diagnostic` stores it in the ``health_constraint`` column (and mirrors it as
``sante/contrainte`` in ``data``). This module maps one to the other, so only this yes/no ever reaches the
database, and never prints it unless the person agreed (``Person.health_data_consent``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models.tables.base import new_id
from app.models.tables.carnet import DiagnosticVersion
from app.models.tables.people import Person
from app.models.vocabularies.entries import VocabularyEntry
from app.models.vocabularies.loader import Vocabularies, load_vocabularies
from app.services.errors import ValidationError
from app.services.people.identity import author_label, author_names, current_actor
from app.services.storage.uow import get_row, query, rows_of, use_case
from app.services.validation import Checker, FieldError, require_choice, require_moment

HEALTH_SECTION = "sante"
HEALTH_ITEM = "contrainte_sante"  # vocabulary item shown in the form
EMPTY = "non renseigné"
Values = dict[str, dict[str, Any]]


@dataclass(frozen=True)
class VersionInfo:
    id: str
    number: int
    recorded_at: datetime
    author: str
    source: str


@dataclass(frozen=True)
class DiagnosticState:
    """What the diagnostic tab shows: the versions (oldest first) and the form values of the latest one."""

    person_id: str
    versions: tuple[VersionInfo, ...]
    values: Values
    health_data_consent: bool

    @property
    def current_number(self) -> int:
        return self.versions[-1].number if self.versions else 0


@dataclass(frozen=True)
class DiffLine:
    section: str
    item: str
    section_label: str
    item_label: str
    change: str  # added / changed / removed
    before: str
    after: str

    @property
    def text(self) -> str:
        """« Logement — stabilité du logement : Précaire → Stable »."""
        item = self.item_label[:1].lower() + self.item_label[1:]
        return f"{self.section_label} — {item} : {self.before or EMPTY} → {self.after or EMPTY}"


@dataclass(frozen=True)
class SituationSummary:
    """Section 4 of the contract: (label, value) lines and the health constraint (None: not to be printed)."""

    lines: tuple[tuple[str, str], ...]
    health_constraint: bool | None


# --- values ----------------------------------------------------------------------------------------------


def _is_empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == ()


def form_values(view: DiagnosticView) -> Values:
    """The stored version as form values: ``sante/contrainte`` becomes ``sante/contrainte_sante``."""
    values: Values = {sec: dict(items) for sec, items in view.data.items() if isinstance(items, Mapping)}
    values.pop(HEALTH_SECTION, None)
    values[HEALTH_SECTION] = {HEALTH_ITEM: bool(view.health_constraint)}
    return values


def _clean_value(item: VocabularyEntry, value: Any) -> Any:
    kind = item.get("type")
    codes = {c.code for c in item.choices}
    if kind == "bool":
        if not isinstance(value, bool):
            raise ValueError("Répondez par oui ou par non.")
        return value
    if kind == "choice":
        if value not in codes:
            raise ValueError("Choix inconnu.")
        return value
    if kind == "multi":
        picked = list(dict.fromkeys(value)) if isinstance(value, list | tuple | set | frozenset) else None
        if picked is None or not set(picked) <= codes:
            raise ValueError("Choix inconnu.")
        return picked
    if kind == "number":
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise ValueError("Nombre positif attendu.")
        return int(value) if float(value).is_integer() else float(value)
    if kind == "date":
        if isinstance(value, datetime):
            value = value.date()
        if isinstance(value, date):
            return value.isoformat()
        try:
            return date.fromisoformat(str(value)).isoformat()
        except ValueError:
            raise ValueError("Date invalide (format attendu : JJ/MM/AAAA).") from None
    text = str(value).strip()
    if len(text) > 5000:
        raise ValueError("Texte trop long (5 000 caractères au plus).")
    return text


def clean_values(values: Mapping[str, Mapping[str, Any]], vocab: Vocabularies) -> tuple[Values, bool]:
    """Validate form values against the vocabularies: (data without health, health constraint).

    Empty answers are dropped. Field errors are keyed ``section.item`` (French messages)."""
    errors: dict[str, str] = {}
    data: Values = {}
    health = values.get(HEALTH_SECTION, {}) or {}
    for key in set(health) - {HEALTH_ITEM}:
        errors[f"{HEALTH_SECTION}.{key}"] = "Santé : seule la contrainte (oui/non) est enregistrée."
    for section, items in values.items():
        if section == HEALTH_SECTION:
            continue
        for code, value in items.items():
            item = vocab.entry("diagnostic_items", code)
            if item is None or item.section != section:
                errors[f"{section}.{code}"] = "Rubrique inconnue du diagnostic."
            elif not _is_empty(value):
                try:
                    clean = _clean_value(item, value)
                except ValueError as exc:
                    errors[f"{section}.{code}"] = str(exc)
                    continue
                if not _is_empty(clean):
                    data.setdefault(section, {})[code] = clean
    if errors:
        raise ValidationError(fields=errors)
    return data, bool(health.get(HEALTH_ITEM, False))


# --- use cases -------------------------------------------------------------------------------------------


@query
def load(s: Session, person_id: str) -> DiagnosticState:
    """Versions and the latest values of the person's diagnostic."""
    consent = bool(get_row(s, Person, person_id, "Personne").health_data_consent)
    views = diagnostic_versions.within(s, person_id)
    names = author_names.within(s)
    versions = tuple(
        VersionInfo(v.id, v.version_no, v.recorded_at, author_label(v.author, names), v.source) for v in views
    )
    values = form_values(views[-1]) if views else {}
    return DiagnosticState(person_id, versions, values, consent)


@query
def version_values(s: Session, person_id: str, number: int) -> Values:
    """Form values of version ``number`` (empty for 0: « before the first version »)."""
    for view in diagnostic_versions.within(s, person_id):
        if view.version_no == number:
            return form_values(view)
    return {}


@use_case
def save(
    s: Session,
    person_id: str,
    values: Mapping[str, Mapping[str, Any]],
    *,
    author: str | None = None,
    vocab: Vocabularies | None = None,
) -> int:
    """Save the form as a new version (author: the signed-in référent by default). Returns its number."""
    data, health = clean_values(values, vocab or load_vocabularies())
    who = author if author is not None else current_actor.within(s)
    return save_diagnostic.within(s, person_id, data=data, health_constraint=health, author=who)


# --- labels, diff, summary ---------------------------------------------------------------------------------


def format_value(item_code: str, value: Any, vocab: Vocabularies | None = None) -> str:
    """French text of an answer: labels for choices, oui/non, dd/mm/yyyy, numbers with their unit."""
    vocab = vocab or load_vocabularies()
    if _is_empty(value):
        return ""
    item = vocab.entry("diagnostic_items", item_code)
    kind = item.get("type") if item else None
    if isinstance(value, bool):
        return "oui" if value else "non"
    if kind == "choice":
        return vocab.choice_label(item_code, str(value))
    if isinstance(value, list | tuple):
        return ", ".join(vocab.choice_label(item_code, str(v)) for v in value)
    if kind == "date":
        try:
            return date.fromisoformat(str(value)).strftime("%d/%m/%Y")
        except ValueError:
            return str(value)
    if kind == "number":
        unit = item.get("unit", "") if item else ""
        return f"{value:g} {unit}".strip() if isinstance(value, int | float) else str(value)
    return str(value)


def _item_labels(section: str, item: str, vocab: Vocabularies) -> tuple[str, str]:
    entry = vocab.entry("diagnostic_items", item)
    return vocab.label(
        "diagnostic_sections", section
    ), entry.label if entry else f"{item} (rubrique inconnue)"


def _order(vocab: Vocabularies) -> dict[tuple[str, str], int]:
    sections = {e.code: i for i, e in enumerate(vocab.entries("diagnostic_sections"))}
    return {
        (e.section or "", e.code): sections.get(e.section or "", 999) * 1000 + i
        for i, e in enumerate(vocab.entries("diagnostic_items"))
    }


def diff(
    before: Mapping[str, Mapping[str, Any]],
    after: Mapping[str, Mapping[str, Any]],
    vocab: Vocabularies | None = None,
) -> list[DiffLine]:
    """What changed between two sets of form values, in vocabulary order, with French labels."""
    vocab = vocab or load_vocabularies()
    keys = {(s, i) for side in (before, after) for s, items in side.items() for i in items}
    order = _order(vocab)
    lines = []
    for section, item in sorted(keys, key=lambda k: (order.get(k, 10**9), k)):
        old = (before.get(section) or {}).get(item)
        new = (after.get(section) or {}).get(item)
        old_text, new_text = format_value(item, old, vocab), format_value(item, new, vocab)
        if old_text == new_text:
            continue
        change = "added" if not old_text else "removed" if not new_text else "changed"
        section_label, item_label = _item_labels(section, item, vocab)
        lines.append(DiffLine(section, item, section_label, item_label, change, old_text, new_text))
    return lines


@query
def version_diff(s: Session, person_id: str, older: int, newer: int) -> list[DiffLine]:
    """Readable diff between two version numbers of the person's diagnostic (0 = nothing yet)."""
    older, newer = min(older, newer), max(older, newer)
    return diff(version_values.within(s, person_id, older), version_values.within(s, person_id, newer))


@query
def situation_summary(s: Session, person_id: str, vocab: Vocabularies | None = None) -> SituationSummary:
    """Section 4 of the contract from the latest version: one line per section, no free comment that looks
    sensitive, no health detail; « Contrainte de santé : oui/non » only when the person agreed."""
    vocab = vocab or load_vocabularies()
    state = load.within(s, person_id)
    lines = []
    for section in vocab.sections():
        if section.code == HEALTH_SECTION:
            continue
        answers = state.values.get(section.code, {})
        parts = []
        for item in vocab.items_of_section(section.code):
            text = format_value(item.code, answers.get(item.code), vocab)
            if not text or (
                item.get("type") == "text"
                and (item.get("sensitive_warning") or vocab.sensitive_warnings(text))
            ):
                continue
            parts.append(f"{item.label} : {text}")
        if parts:
            lines.append((section.label, " ; ".join(parts)))
    health = state.values.get(HEALTH_SECTION, {}).get(HEALTH_ITEM) if state.versions else None
    return SituationSummary(
        tuple(lines), bool(health) if state.health_data_consent and health is not None else None
    )


STORED_HEALTH_ITEM = "contrainte"  # the key the stored version keeps (the form item is HEALTH_ITEM)


@dataclass(frozen=True)
class DiagnosticView:
    id: str
    version_no: int
    author: str
    recorded_at: datetime
    source: str
    health_constraint: bool
    data: dict[str, Any]


def _diagnostic_data(data: Mapping[str, Any]) -> dict[str, Any]:
    if not isinstance(data, Mapping) or not all(isinstance(v, Mapping) for v in data.values()):
        raise FieldError("Le diagnostic est organisé en rubriques (rubrique → élément → valeur).")
    health = data.get(HEALTH_SECTION, {})
    if set(health) - {STORED_HEALTH_ITEM}:
        raise FieldError("Santé : seule la contrainte (oui/non) est enregistrée, jamais de détail médical.")
    try:
        return dict(json.loads(json.dumps(data, ensure_ascii=False)))
    except (TypeError, ValueError):
        raise FieldError("Le diagnostic contient des valeurs non enregistrables.") from None


@use_case
def save_diagnostic(
    s: Session,
    person_id: str,
    *,
    data: Mapping[str, Any],
    health_constraint: bool,
    author: str = "",
    source: str = "referent",
    recorded_at: datetime | None = None,
) -> int:
    """Save the diagnostic as a new version (``version_no`` + 1); earlier versions stay. Returns the number."""
    c = Checker()
    clean = c.run("data", _diagnostic_data, data)
    c.run("source", require_choice, source, frozenset({"caf", "referent"}), "Origine du diagnostic inconnue.")
    when = c.run("recorded_at", require_moment, recorded_at, "Date du diagnostic invalide.")
    c.raise_if_any()
    assert clean is not None and when is not None
    clean.setdefault(HEALTH_SECTION, {})[STORED_HEALTH_ITEM] = bool(health_constraint)
    get_row(s, Person, person_id, "Personne")
    number = max((d.version_no for d in rows_of(s, DiagnosticVersion, person_id=person_id)), default=0) + 1
    s.add(
        DiagnosticVersion(
            id=new_id(),
            person_id=person_id,
            version_no=number,
            author=author,
            recorded_at=when,
            source=source,
            health_constraint=bool(health_constraint),
            data=clean,
        )
    )
    return number


@query
def diagnostic_versions(s: Session, person_id: str) -> list[DiagnosticView]:
    rows = s.scalars(
        select(DiagnosticVersion)
        .where(DiagnosticVersion.person_id == person_id)
        .order_by(DiagnosticVersion.version_no)
    ).all()
    return [
        DiagnosticView(
            d.id, d.version_no, d.author, d.recorded_at, d.source, d.health_constraint, dict(d.data)
        )
        for d in rows
    ]
