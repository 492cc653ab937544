"""The column map: French CSV headers → import fields, and orientation-type labels → tracks.

The documented default lives in ``resources/imports/column_map.yaml``; a département may pass its own file
(same structure) whose header and track synonyms are added to the defaults (see that file's comments).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from app.models.enums import Track
from app.models.orientation_list.errors import ImportFileError
from app.models.resources import resource_path
from app.models.text import fold, header_key

DEFAULT_MAP_PATH = resource_path("imports", "column_map.yaml")

#: The person's own columns an import reads (also what it compares and writes, see ``snapshot.PERSON_FIELDS``).
IDENTITY_FIELDS = (
    "nir",
    "caf_number",
    "civility",
    "last_name",
    "birth_name",
    "first_name",
    "birth_date",
    "sex",
    "address_line",
    "address_extra",
    "postal_code",
    "city",
    "phone",
    "email",
    "rsa_entry_date",
)
#: Every field the importer knows. The column map may not invent others.
FIELDS = (*IDENTITY_FIELDS, "decision_date", "notification_date", "track", "organisme", "referent")
#: Fields without which no row can be matched or oriented; always required whatever the map says.
ALWAYS_REQUIRED = frozenset({"last_name", "first_name", "birth_date", "decision_date", "track"})


@dataclass(frozen=True)
class ColumnMap:
    """Normalised header key → field; field → French label; folded track label → track code."""

    headers: Mapping[str, str]
    labels: Mapping[str, str]
    required: frozenset[str]
    tracks: Mapping[str, str]

    def field_for(self, header: str) -> str | None:
        return self.headers.get(header_key(header))

    def track_for(self, label: str) -> str | None:
        return self.tracks.get(fold(label))

    def label(self, field: str) -> str:
        return self.labels.get(field, field)


def _load_yaml(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ImportFileError(
            f"La table de correspondance des colonnes « {path.name} » est illisible ({type(exc).__name__})."
        ) from exc
    if not isinstance(data, dict) or not isinstance(data.get("fields", {}), dict):
        raise ImportFileError(f"La table de correspondance des colonnes « {path.name} » est mal formée.")
    return data


def _merge(base: dict[str, Any], extra: Mapping[str, Any], origin: str) -> None:
    for field, spec in (extra.get("fields") or {}).items():
        if field not in FIELDS or not isinstance(spec, dict):
            raise ImportFileError(f"Table de correspondance « {origin} » : champ « {field} » inconnu.")
        target = base["fields"].setdefault(field, {"label": field, "headers": []})
        target["headers"] = [*target.get("headers", []), *_strings(spec.get("headers"), origin)]
        for key in ("label", "required"):
            if key in spec:
                target[key] = spec[key]
    for track, labels in (extra.get("tracks") or {}).items():
        if track not in {str(t) for t in Track}:
            raise ImportFileError(f"Table de correspondance « {origin} » : parcours « {track} » inconnu.")
        base["tracks"][track] = [*base["tracks"].get(track, []), *_strings(labels, origin)]


def _strings(values: Any, origin: str) -> list[str]:
    if values is None:
        return []
    if not isinstance(values, Sequence) or isinstance(values, str):
        raise ImportFileError(f"Table de correspondance « {origin} » : une liste de libellés est attendue.")
    return [str(v) for v in values]


def _build(data: Mapping[str, Any]) -> ColumnMap:
    headers: dict[str, str] = {}
    labels: dict[str, str] = {}
    required = set(ALWAYS_REQUIRED)
    for field, spec in data["fields"].items():
        labels[field] = str(spec.get("label") or field)
        if spec.get("required"):
            required.add(field)
        for header in [labels[field], field, *spec.get("headers", [])]:
            headers.setdefault(header_key(str(header)), field)
    tracks: dict[str, str] = {}
    for track, synonyms in data["tracks"].items():
        for label in [track, *synonyms]:
            tracks.setdefault(fold(str(label)), track)
    return ColumnMap(headers=headers, labels=labels, required=frozenset(required), tracks=tracks)


def load_column_map(override: ColumnMap | Path | str | Mapping[str, Any] | None = None) -> ColumnMap:
    """The default map, extended by a département file (path) or mapping of the same structure."""
    if isinstance(override, ColumnMap):
        return override
    base: dict[str, Any] = {"fields": {}, "tracks": {}}
    _merge(base, _load_yaml(DEFAULT_MAP_PATH), DEFAULT_MAP_PATH.name)
    if isinstance(override, str | Path):
        path = Path(override)
        _merge(base, _load_yaml(path), path.name)
    elif override is not None:
        _merge(base, override, "paramètre")
    return _build(base)
