"""Vocabularies as data: codes and French labels read from ``resources/vocabularies/<kind>.yaml``.

Each file is a list of entries (``code``, ``label``, optional ``section``, ``order``, ``active``, ``help``,
``note``, ``short_label`` and a few attributes proper to some kinds). A département override directory may add
entries, relabel them or retire codes (``active: false``); retired codes stay readable on old records.
Vocabularies bound to :mod:`app.models.enums` are *closed*: their codes must match the enum exactly, and an override
may only relabel or reorder them. Files are validated at load; every problem raises :class:`VocabularyError` with
the file and line. Pure module: no Qt, no database.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from app.models.text import fold_same_length
from app.models.vocabularies.entries import (
    Choice,
    VocabularyEntry,
    default_base_dir,
)
from app.models.vocabularies.parsing import (
    read_entries,
)
from app.models.vocabularies.sensitive import SensitiveCategory, terms_regex

# --- Parsing ---------------------------------------------------------------------------------------------------


# --- Merging and validation ------------------------------------------------------------------------------------


# --- Sensitive text --------------------------------------------------------------------------------------------


# --- Public API ------------------------------------------------------------------------------------------------


class Vocabularies:
    """All the vocabularies, validated. Immutable; share one instance (see :func:`load_vocabularies`)."""

    def __init__(self, entries: Mapping[str, Iterable[VocabularyEntry]], digest: str = "") -> None:
        self.digest = digest  # SHA-256 of the files read: identifies the vocabulary version
        self._entries = {kind: tuple(sorted(items, key=lambda e: e.order)) for kind, items in entries.items()}
        self._codes = {kind: {e.code: e for e in items} for kind, items in self._entries.items()}
        self._sensitive = [
            SensitiveCategory(e.label, regex, terms_regex(e.get("exceptions", ())))
            for e in self._entries.get("sensitive_terms", ())
            if e.active and (regex := terms_regex(e.get("terms", ()))) is not None
        ]

    def kinds(self) -> list[str]:
        """Names of the vocabularies (file names without ``.yaml``)."""
        return sorted(self._entries)

    def _kind(self, kind: str) -> dict[str, VocabularyEntry]:
        try:
            return self._codes[kind]
        except KeyError:
            raise KeyError(f"vocabulaire inconnu : {kind}") from None

    def entries(self, kind: str) -> list[VocabularyEntry]:
        """Every entry of ``kind``, retired ones included, sorted by order."""
        self._kind(kind)
        return list(self._entries[kind])

    def choices(self, kind: str) -> list[VocabularyEntry]:
        """The active entries of ``kind`` sorted by order: what a user may pick today."""
        return [e for e in self.entries(kind) if e.active]

    def entry(self, kind: str, code: str) -> VocabularyEntry | None:
        """The entry for ``code`` (even retired), or None if the code is unknown. KeyError for an unknown kind."""
        return self._kind(kind).get(code)

    def label(self, kind: str, code: str | None) -> str:
        """French label of ``code``, retired codes included; « abc (code inconnu) » for a code never defined."""
        if not code:
            return ""
        entry = self.entry(kind, code)
        return entry.label if entry is not None else f"{code} (code inconnu)"

    def sections(self) -> list[VocabularyEntry]:
        """Active diagnostic sections, in order."""
        return self.choices("diagnostic_sections")

    def items_of_section(self, section: str) -> list[VocabularyEntry]:
        """Active diagnostic items of ``section``, in order."""
        return [e for e in self.choices("diagnostic_items") if e.section == section]

    def item_choices(self, item_code: str) -> list[Choice]:
        """Active choices of a diagnostic item (empty for an unknown item or a non-choice type)."""
        item = self.entry("diagnostic_items", item_code)
        return [c for c in item.choices if c.active] if item else []

    def choice_label(self, item_code: str, choice_code: str) -> str:
        """Label of a diagnostic answer, retired choices included."""
        item = self.entry("diagnostic_items", item_code)
        for choice in item.choices if item else ():
            if choice.code == choice_code:
                return choice.label
        return f"{choice_code} (code inconnu)"

    def exit_category(self, reason_code: str) -> str:
        """Category code (``enums.ExitCategory``) of an exit reason. KeyError for an unknown reason."""
        entry = self.entry("exit_reasons", reason_code)
        if entry is None:
            raise KeyError(f"motif de sortie inconnu : {reason_code}")
        return str(entry.get("category"))

    def exit_reasons_of(self, category: str) -> list[VocabularyEntry]:
        """Active exit reasons of a category, in order."""
        return [e for e in self.choices("exit_reasons") if e.get("category") == category]

    def particular_difficulties(self, data: Mapping[str, Mapping[str, Any]]) -> list[str]:
        """Codes of the items of a diagnostic (section → item → value) that establish particular difficulties:
        a ``bool`` item answered yes, or a ``choice``/``multi`` item holding a choice marked ``particular_difficulty``.
        Retired items still count: the recorded fact stays true."""
        found = []
        for item in self.entries("diagnostic_items"):
            if not item.get("particular_difficulty"):
                continue
            value = (data.get(item.section or "") or {}).get(item.code)
            if item.get("type") == "bool":
                hit = value is True
            else:
                flagged = {c.code for c in item.choices if c.particular_difficulty}
                values = value if isinstance(value, list | tuple | set | frozenset) else [value]
                hit = any(v in flagged for v in values)
            if hit:
                found.append(item.code)
        return found

    def sensitive_warnings(self, text: str) -> list[str]:
        """French warnings, one per category of sensitive data the text seems to contain (empty if none)."""
        folded = fold_same_length(text)
        warnings = []
        for category in self._sensitive:
            words = category.matches(text, folded)
            if words:
                quoted = ", ".join(f"« {w} »" for w in words[:3])
                warnings.append(
                    f"Ce texte semble contenir {category.label} ({quoted}) : "
                    "ne notez que ce qui est nécessaire à l'accompagnement."
                )
        return warnings


@functools.lru_cache(maxsize=8)
def _load_default(override_dir: Path | None) -> Vocabularies:
    return Vocabularies(*read_entries(default_base_dir(), override_dir))


def load_vocabularies(base_dir: Path | None = None, override_dir: Path | None = None) -> Vocabularies:
    """Load and validate the vocabularies of ``base_dir`` (default: the shipped ones) with the département
    overrides of ``override_dir``. The default load is cached (per override dir); see :func:`reload_vocabularies`.
    Raises :class:`VocabularyError`."""
    override = Path(override_dir).resolve() if override_dir is not None else None
    if base_dir is None:
        return _load_default(override)
    return Vocabularies(*read_entries(Path(base_dir), override))


def reload_vocabularies(override_dir: Path | None = None) -> Vocabularies:
    """Forget the cached default vocabularies (after a département update) and load them again."""
    _load_default.cache_clear()
    return load_vocabularies(None, override_dir)


def is_sensitive_text(text: str, vocab: Vocabularies | None = None) -> list[str]:
    """French warnings if ``text`` looks like health or other sensitive data (RGPD art. 9 and 10), else []."""
    return (vocab if vocab is not None else load_vocabularies()).sensitive_warnings(text)
