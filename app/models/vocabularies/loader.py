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
import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from app.models import enums
from app.models.resources import display_path, resource_path
from app.models.text import fold_same_length

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
    }
)
#: Kinds the application cannot work without (besides the closed ones).
REQUIRED_KINDS = frozenset(
    {*CLOSED_KINDS, "diagnostic_sections", "diagnostic_items", "exit_reasons", "sensitive_terms"}
)

_COMMON_KEYS: dict[str, type] = {
    "code": str,
    "label": str,
    "section": str,
    "order": int,
    "active": bool,
    "help": str,
    "note": str,
    "short_label": str,
}
_EXTRA_KEYS: dict[str, dict[str, type]] = {
    "diagnostic_items": {
        "type": str,
        "choices": list,
        "sensitive_warning": bool,
        "particular_difficulty": bool,
        "unit": str,
    },
    "exit_reasons": {"category": str},
    "exit_categories": {"dynamic": bool},
    "organismes": {"tracks": list},
    "regimes": {"legal_basis": str},
    "contract_kinds": {"regime": str},
    "sensitive_terms": {"terms": list, "exceptions": list},
}
_REQUIRED_KEYS: dict[str, tuple[str, ...]] = {
    "diagnostic_items": ("section", "type"),
    "exit_reasons": ("category",),
    "sensitive_terms": ("terms",),
}
_CHOICE_KEYS: dict[str, type] = {"code": str, "label": str, "active": bool, "particular_difficulty": bool}
_STRING_LISTS = ("tracks", "terms", "exceptions")
#: (kind, key) → kind whose codes the value must name.
_REFERENCES = {
    ("diagnostic_items", "section"): "diagnostic_sections",
    ("exit_reasons", "category"): "exit_categories",
    ("contract_kinds", "regime"): "regimes",
    ("organismes", "tracks"): "tracks",
}
_TYPE_NAMES = {str: "un texte", int: "un nombre entier", bool: "true ou false", list: "une liste"}
_CODE_RE = re.compile(r"[a-z0-9_]+\Z")


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


# --- Parsing ---------------------------------------------------------------------------------------------------


@dataclass
class _Raw:
    """An entry as read from one or two files, before validation. ``lines`` maps each key to where it came from."""

    path: Path
    line: int
    values: dict[str, Any]
    lines: dict[str, tuple[Path, int]]
    position: int = 0

    def error(self, key: str | None, reason: str) -> VocabularyError:
        path, line = self.lines.get(key, (self.path, self.line)) if key else (self.path, self.line)
        return VocabularyError(path, line, reason)


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


def _scalar_text(node: yaml.Node) -> str | None:
    """A plain or quoted scalar as written: « Non » or « on » stay text instead of becoming booleans."""
    return node.value if isinstance(node, yaml.ScalarNode) else None


def _has_type(value: Any, expected: type) -> bool:
    if expected is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if expected is str:
        return isinstance(value, str) and bool(value.strip())
    return isinstance(value, expected)


def _parse_mapping(
    loader: yaml.SafeLoader, path: Path, node: yaml.Node, allowed: Mapping[str, type], what: str
) -> tuple[dict[str, Any], dict[str, yaml.Node]]:
    if not isinstance(node, yaml.MappingNode):
        raise VocabularyError(path, _line(node), f"{what} doit être un dictionnaire (code, label…)")
    values: dict[str, Any] = {}
    nodes: dict[str, yaml.Node] = {}
    for key_node, value_node in node.value:
        key = key_node.value if isinstance(key_node, yaml.ScalarNode) else repr(key_node)
        if key in nodes:
            raise VocabularyError(path, _line(key_node), f"clé « {key} » en double")
        if key not in allowed:
            possible = ", ".join(allowed)
            raise VocabularyError(
                path, _line(key_node), f"clé inconnue « {key} » (clés possibles : {possible})"
            )
        value = _scalar_text(value_node) if allowed[key] is str else None
        if value is None:
            value = loader.construct_object(value_node, deep=True)
        if not _has_type(value, allowed[key]):
            raise VocabularyError(path, _line(value_node), f"« {key} » doit être {_TYPE_NAMES[allowed[key]]}")
        values[key], nodes[key] = value, value_node
    return values, nodes


def _check_code(path: Path, node: yaml.Node, values: Mapping[str, Any]) -> str:
    if "code" not in values:
        raise VocabularyError(path, _line(node), "code manquant")
    code = str(values["code"])
    if not _CODE_RE.match(code):
        reason = f"code « {code} » invalide : minuscules sans accent, chiffres et « _ » seulement"
        raise VocabularyError(path, _line(node), reason)
    return code


def _parse_choices(loader: yaml.SafeLoader, path: Path, seq: yaml.Node) -> tuple[Choice, ...]:
    choices: dict[str, Choice] = {}
    for node in seq.value:
        values, nodes = _parse_mapping(loader, path, node, _CHOICE_KEYS, "chaque choix")
        code = _check_code(path, node, values)
        if code in choices:
            raise VocabularyError(path, _line(nodes["code"]), f"choix « {code} » en double")
        if "label" not in values:
            raise VocabularyError(path, _line(node), f"libellé (label) manquant pour le choix « {code} »")
        choices[code] = Choice(
            code, values["label"], values.get("active", True), values.get("particular_difficulty", False)
        )
    return tuple(choices.values())


def _parse_entry(loader: yaml.SafeLoader, path: Path, kind: str, node: yaml.Node, position: int) -> _Raw:
    allowed = {**_COMMON_KEYS, **_EXTRA_KEYS.get(kind, {})}
    values, nodes = _parse_mapping(loader, path, node, allowed, "chaque entrée")
    _check_code(path, nodes.get("code", node), values)
    for key in _STRING_LISTS:
        if key in values:
            items = [(_scalar_text(item_node), item_node) for item_node in nodes[key].value]
            for item, item_node in items:
                if item is None or not item.strip():
                    raise VocabularyError(path, _line(item_node), f"« {key} » doit être une liste de textes")
            values[key] = tuple(item for item, _ in items)
    if "choices" in values:
        values["choices"] = _parse_choices(loader, path, nodes["choices"])
    lines = {key: (path, _line(value_node)) for key, value_node in nodes.items()}
    return _Raw(path, _line(node), values, lines, position)


def _parse_file(path: Path, kind: str) -> list[_Raw]:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise VocabularyError(path, 0, "le fichier doit être encodé en UTF-8") from exc
    loader = yaml.SafeLoader(text)
    try:
        root = loader.get_single_node()
        if root is None:
            return []
        if not isinstance(root, yaml.SequenceNode):
            raise VocabularyError(
                path, _line(root), "le fichier doit être une liste d'entrées (« - code: … »)"
            )
        return [_parse_entry(loader, path, kind, node, i) for i, node in enumerate(root.value)]
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise VocabularyError(path, mark.line + 1 if mark else 0, f"YAML invalide ({exc.problem})") from exc
    finally:
        loader.dispose()


# --- Merging and validation ------------------------------------------------------------------------------------


def _merge(kind: str, base: list[_Raw], override: list[_Raw]) -> dict[str, _Raw]:
    merged: dict[str, _Raw] = {}
    for is_override, raws in ((False, base), (True, override)):
        seen: set[str] = set()
        for raw in raws:
            code = raw.values["code"]
            if code in seen:
                raise raw.error("code", f"code « {code} » en double")
            seen.add(code)
            previous = merged.get(code)
            if previous is not None:
                if kind in CLOSED_KINDS and raw.values.get("active") is False:
                    raise raw.error(
                        "active", f"vocabulaire fermé : le code « {code} » ne peut pas être retiré"
                    )
                previous.values.update(raw.values)
                previous.lines.update(raw.lines)
                continue
            if is_override and kind in CLOSED_KINDS:
                raise raw.error("code", f"vocabulaire fermé : impossible d'ajouter le code « {code} »")
            if "label" not in raw.values:
                raise raw.error(None, f"libellé (label) manquant pour le code « {code} »")
            raw.position = len(merged)
            merged[code] = raw
    return merged


def _check_closed(kind: str, path: Path, merged: Mapping[str, _Raw]) -> None:
    expected = {member.value for member in CLOSED_KINDS[kind]}
    for code, raw in merged.items():
        if code not in expected:
            raise raw.error("code", f"code « {code} » inconnu de l'application (vocabulaire fermé)")
    missing = sorted(expected - set(merged))
    if missing:
        raise VocabularyError(path, 0, f"codes attendus par l'application absents : {', '.join(missing)}")


def _check_item(raw: _Raw) -> None:
    item_type = raw.values["type"]
    if item_type not in ITEM_TYPES:
        raise raw.error("type", f"type « {item_type} » inconnu (types possibles : {', '.join(ITEM_TYPES)})")
    choices: tuple[Choice, ...] = raw.values.get("choices", ())
    if item_type in CHOICE_TYPES and not choices:
        raise raw.error(
            None,
            f"choix (choices) manquants pour la rubrique « {raw.values['code']} » de type « {item_type} »",
        )
    if item_type not in CHOICE_TYPES and "choices" in raw.values:
        raise raw.error("choices", "« choices » n'est permis que pour les types « choice » et « multi »")
    if raw.values.get("sensitive_warning") and item_type != "text":
        raise raw.error("sensitive_warning", "« sensitive_warning » n'est permis que pour le type « text »")
    if raw.values.get("particular_difficulty"):
        if item_type not in (*CHOICE_TYPES, "bool"):
            raise raw.error(
                "particular_difficulty", "« particular_difficulty » : types bool, choice ou multi seulement"
            )
        if item_type in CHOICE_TYPES and not any(c.particular_difficulty for c in choices):
            raise raw.error(
                "particular_difficulty", "« particular_difficulty » : marquez au moins un choix concerné"
            )


def _check_entries(kind: str, merged: Mapping[str, _Raw]) -> None:
    for raw in merged.values():
        for key in _REQUIRED_KEYS.get(kind, ()):
            if key not in raw.values:
                raise raw.error(None, f"« {key} » manquant pour le code « {raw.values['code']} »")
        if kind == "diagnostic_items":
            _check_item(raw)


def _check_references(raws: Mapping[str, Mapping[str, _Raw]]) -> None:
    for (kind, key), target in _REFERENCES.items():
        codes = raws.get(target, {})
        for raw in raws.get(kind, {}).values():
            value = raw.values.get(key)
            for ref in value if isinstance(value, tuple) else ([value] if value is not None else []):
                if ref not in codes:
                    raise raw.error(key, f"{key} « {ref} » inconnu : absent du vocabulaire {target}")


def _to_entry(kind: str, raw: _Raw) -> VocabularyEntry:
    values = dict(raw.values)
    code, label = values.pop("code"), values.pop("label")
    order = values.pop("order", (raw.position + 1) * 10)
    active = values.pop("active", True)
    section = values.pop("section", None)
    return VocabularyEntry(
        kind, code, label, order, active, section, MappingProxyType(values), raw.path, raw.line
    )


def _yaml_files(directory: Path) -> dict[str, Path]:
    return {path.stem: path for path in sorted(directory.glob("*.yaml"))}


def _load(base_dir: Path, override_dir: Path | None) -> Vocabularies:
    if not base_dir.is_dir():
        raise VocabularyError(base_dir, 0, "dossier des vocabulaires introuvable")
    base_files = _yaml_files(base_dir)
    for kind in sorted(REQUIRED_KINDS - set(base_files)):
        raise VocabularyError(base_dir / f"{kind}.yaml", 0, "fichier manquant")
    override_files: dict[str, Path] = {}
    if override_dir is not None:
        if not override_dir.is_dir():
            raise VocabularyError(override_dir, 0, "dossier des surcharges introuvable")
        override_files = _yaml_files(override_dir)
        for kind, path in override_files.items():
            if kind not in base_files:
                raise VocabularyError(
                    path,
                    0,
                    f"vocabulaire inconnu « {kind} » : une surcharge ne modifie qu'un vocabulaire fourni",
                )
    digest = hashlib.sha256()
    raws: dict[str, dict[str, _Raw]] = {}
    for kind, path in base_files.items():
        override_path = override_files.get(kind)
        for file in (path, override_path):
            if file is not None:
                digest.update(file.name.encode() + b"\0" + file.read_bytes() + b"\0")
        merged = _merge(
            kind, _parse_file(path, kind), _parse_file(override_path, kind) if override_path else []
        )
        if kind in CLOSED_KINDS:
            _check_closed(kind, path, merged)
        _check_entries(kind, merged)
        raws[kind] = merged
    _check_references(raws)
    entries = {kind: [_to_entry(kind, raw) for raw in merged.values()] for kind, merged in raws.items()}
    return Vocabularies(entries, digest.hexdigest())


# --- Sensitive text --------------------------------------------------------------------------------------------


def _terms_regex(terms: Iterable[str]) -> re.Pattern[str] | None:
    patterns = []
    for term in sorted({fold_same_length(t.strip()) for t in terms}, key=len, reverse=True):
        prefix = term.endswith("*")
        words = term.rstrip("*").split()
        if words:
            patterns.append(r"\s+".join(map(re.escape, words)) + (r"\w*" if prefix else ""))
    return re.compile(r"(?<!\w)(?:" + "|".join(patterns) + r")(?!\w)") if patterns else None


@dataclass(frozen=True)
class _SensitiveCategory:
    label: str
    terms: re.Pattern[str]
    exceptions: re.Pattern[str] | None

    def matches(self, text: str, folded: str) -> list[str]:
        if self.exceptions is not None:
            folded = self.exceptions.sub(lambda m: " " * len(m.group()), folded)
        found: dict[str, str] = {}
        for match in self.terms.finditer(folded):
            found.setdefault(match.group(), text[match.start() : match.end()])
        return list(found.values())


# --- Public API ------------------------------------------------------------------------------------------------


class Vocabularies:
    """All the vocabularies, validated. Immutable; share one instance (see :func:`load_vocabularies`)."""

    def __init__(self, entries: Mapping[str, Iterable[VocabularyEntry]], digest: str = "") -> None:
        self.digest = digest  # SHA-256 of the files read: identifies the vocabulary version
        self._entries = {kind: tuple(sorted(items, key=lambda e: e.order)) for kind, items in entries.items()}
        self._codes = {kind: {e.code: e for e in items} for kind, items in self._entries.items()}
        self._sensitive = [
            _SensitiveCategory(e.label, regex, _terms_regex(e.get("exceptions", ())))
            for e in self._entries.get("sensitive_terms", ())
            if e.active and (regex := _terms_regex(e.get("terms", ()))) is not None
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
    return _load(default_base_dir(), override_dir)


def load_vocabularies(base_dir: Path | None = None, override_dir: Path | None = None) -> Vocabularies:
    """Load and validate the vocabularies of ``base_dir`` (default: the shipped ones) with the département
    overrides of ``override_dir``. The default load is cached (per override dir); see :func:`reload_vocabularies`.
    Raises :class:`VocabularyError`."""
    override = Path(override_dir).resolve() if override_dir is not None else None
    if base_dir is None:
        return _load_default(override)
    return _load(Path(base_dir), override)


def reload_vocabularies(override_dir: Path | None = None) -> Vocabularies:
    """Forget the cached default vocabularies (after a département update) and load them again."""
    _load_default.cache_clear()
    return load_vocabularies(None, override_dir)


def is_sensitive_text(text: str, vocab: Vocabularies | None = None) -> list[str]:
    """French warnings if ``text`` looks like health or other sensitive data (RGPD art. 9 and 10), else []."""
    return (vocab if vocab is not None else load_vocabularies()).sensitive_warnings(text)
