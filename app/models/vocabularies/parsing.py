"""Reading vocabulary files (YAML) with line numbers, merging a département's override, and validating every
entry and cross-reference; any problem is a :class:`VocabularyError` naming the file and the line."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from app.models.vocabularies.entries import (
    CHOICE_TYPES,
    CLOSED_KINDS,
    ITEM_TYPES,
    REQUIRED_KINDS,
    Choice,
    VocabularyEntry,
    VocabularyError,
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


#: libyaml's parser when PyYAML was built with it (several times faster: the vocabularies load at start), else
#: the pure-Python one; both give nodes with their line numbers.
_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


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
    loader: Any, path: Path, node: yaml.Node, allowed: Mapping[str, type], what: str
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


def _parse_choices(loader: Any, path: Path, seq: yaml.Node) -> tuple[Choice, ...]:
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


def _parse_entry(loader: Any, path: Path, kind: str, node: yaml.Node, position: int) -> _Raw:
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
    loader = _Loader(text)
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


def read_entries(base_dir: Path, override_dir: Path | None) -> tuple[dict[str, list[VocabularyEntry]], str]:
    """Every vocabulary of ``base_dir`` merged with its override, validated: the entries by kind and a digest
    of the files read (the version of the vocabularies)."""
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
    return entries, digest.hexdigest()


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
